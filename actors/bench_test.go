package actors_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// Brunel at scale 1 (12,500 neurons, 15.6 M synapses, 1.5 ms delays: 16-step
// segments), 100 ms per iteration: the sequential stepper, and the actor
// runtime with one shard per population and with one shard per core.
func brunel(b *testing.B) *network.Network {
	net, err := models.Brunel(models.Options{Seed: 1}, models.BrunelParams{})
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkBrunelSequential(b *testing.B) {
	s := stepper.New(brunel(b))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

func benchActors(b *testing.B, net *network.Network, shards map[string]int) {
	e, err := actors.New(net, actors.Options{Shards: shards})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBrunelActors1Shard(b *testing.B) {
	benchActors(b, brunel(b), map[string]int{"E": 1, "I": 1})
}

func BenchmarkBrunelActorsPerCore(b *testing.B) {
	k := runtime.GOMAXPROCS(0)
	benchActors(b, brunel(b), map[string]int{"E": k, "I": k})
}

// CUBA has no delay: one-step segments, a batch per link every step. The
// difference with the sequential stepper is the protocol's cost per step.
func cuba(b *testing.B) *network.Network {
	net, err := models.CUBA(models.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkCUBASequential(b *testing.B) {
	s := stepper.New(cuba(b))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCUBAActors1Shard(b *testing.B) {
	benchActors(b, cuba(b), map[string]int{"E": 1, "I": 1})
}

// BenchmarkCUBAActorsAuto uses the automatic shard counts (on two cores:
// E in two shards, with a bundle actor, I in one).
func BenchmarkCUBAActorsAuto(b *testing.B) { benchActors(b, cuba(b), nil) }

// CUBA at scale 10 (40,000 neurons), the size the side-by-side harness
// runs.
func cuba10(b *testing.B) *network.Network {
	net, err := models.CUBA(models.Options{Seed: 1, Scale: 10})
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkCUBA10Sequential(b *testing.B) {
	s := stepper.New(cuba10(b))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCUBA10ActorsAuto(b *testing.B) { benchActors(b, cuba10(b), nil) }

// BenchmarkProtocol measures what the actor protocol costs per step and
// per link on a model too small to matter (CUBA at scale 0.05: 200
// neurons, one-step links, one shard per population, so 4 links: each
// population's axon feeds both): the difference between the actor
// runtime's time per step and the sequential stepper's, divided by the
// links, reported as µs/step/link.
func BenchmarkProtocol(b *testing.B) {
	build := func() *network.Network {
		net, err := models.CUBA(models.Options{Scale: 0.05, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		return net
	}
	const steps = 1000
	s := stepper.New(build())
	e, err := actors.New(build(), actors.Options{Shards: map[string]int{"E": 1, "I": 1}, DiscardSpikes: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	links := 0
	for _, ax := range build().Axons {
		links += len(ax.Targets)
	}
	var seq, act time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := s.Run(steps); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := e.Run(steps); err != nil {
			b.Fatal(err)
		}
		seq += t1.Sub(t0)
		act += time.Since(t1)
	}
	per := float64(b.N * steps)
	b.ReportMetric(float64(seq.Microseconds())/per, "µs/step-sequential")
	b.ReportMetric(float64(act.Microseconds())/per, "µs/step-actors")
	b.ReportMetric(float64((act-seq).Microseconds())/per/float64(links), "µs/step/link")
}
