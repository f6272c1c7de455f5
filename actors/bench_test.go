package actors_test

import (
	"runtime"
	"testing"

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

func BenchmarkBrunelActorsAuto(b *testing.B) { benchActors(b, brunel(b), nil) }

func BenchmarkBrunelActors31(b *testing.B) {
	benchActors(b, brunel(b), map[string]int{"E": 3, "I": 1})
}

func BenchmarkCUBAActorsAuto(b *testing.B) { benchActors(b, cuba(b), nil) }

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
