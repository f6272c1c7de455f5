package lockstep_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/stimulus"
)

// onLockstep runs net in two runs (a third, then the rest), as
// testnets.Sequential does.
func onLockstep(t *testing.T, net *network.Network, o lockstep.Options, steps int) testnets.Result {
	t.Helper()
	e, err := lockstep.New(net, o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(steps / 3); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps - steps/3); err != nil {
		t.Fatal(err)
	}
	if e.Steps() != int64(steps) {
		t.Fatalf("at step %d after the runs, want %d", e.Steps(), steps)
	}
	e.GatherWeights()
	r := testnets.NewResult()
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Steps[p.Name], r.Elems[p.Name] = st, el
	}
	r.TakeWeights(net)
	r.Events = e.Events()
	return r
}

func cuba(t testing.TB) *network.Network {
	net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// The lockstep engine computes what the sequential stepper computes, bit
// for bit: one-step links (CUBA), delays (Brunel-like), plasticity with a
// delayed modulator and learnt latencies, and every learning rule, on
// 1, 2, 3 and 7 shards and 1 to 3 workers.
func TestMatchesSequential(t *testing.T) {
	nets := map[string]func(testing.TB) *network.Network{
		"cuba":     cuba,
		"brunel":   func(t testing.TB) *network.Network { return testnets.BrunelLike(t, false) },
		"plastic":  func(t testing.TB) *network.Network { return testnets.BrunelLike(t, true) },
		"learning": testnets.LearningZoo,
		"fixed point": func(t testing.TB) *network.Network {
			return testnets.Fixed(t, testnets.SynapseDelaysBuilder(true))
		},
		"cuba in fixed point": func(t testing.TB) *network.Network {
			net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 3, FixedPoint: true})
			if err != nil {
				t.Fatal(err)
			}
			return net
		},
	}
	for name, build := range nets {
		want := testnets.Sequential(t, build(t), 1500)
		for _, c := range []struct{ shards, workers int }{{1, 1}, {2, 2}, {3, 2}, {7, 3}} {
			o := lockstep.Options{Shards: map[string]int{"E": c.shards, "I": min(c.shards, 3)}, Workers: c.workers}
			got := onLockstep(t, build(t), o, 1500)
			testnets.Compare(t, fmt.Sprintf("%s with %d shards on %d workers", name, c.shards, c.workers), want, got)
		}
		for _, w := range []int{2, 3, 5} {
			got := onLockstep(t, build(t), lockstep.Options{Balance: true, Workers: w}, 1500)
			testnets.Compare(t, fmt.Sprintf("%s balanced on %d workers", name, w), want, got)
		}
	}
	// Far links (network.Network.FarAxons) into the receptors of near ones.
	for _, plastic := range []bool{false, true} {
		want := testnets.Sequential(t, testnets.TwoAreas(t, plastic), 1500)
		for _, c := range []struct{ shards, workers int }{{1, 1}, {3, 2}} {
			o := lockstep.Options{Shards: map[string]int{"AE": c.shards, "BE": c.shards, "BI": min(c.shards, 2)}, Workers: c.workers}
			got := onLockstep(t, testnets.TwoAreas(t, plastic), o, 1500)
			testnets.Compare(t, fmt.Sprintf("two areas (plastic %v) with %d shards on %d workers", plastic, c.shards, c.workers), want, got)
		}
	}
}

// Balance cuts CUBA once on two workers, and not together with Shards.
func TestBalance(t *testing.T) {
	e, err := lockstep.New(cuba(t), lockstep.Options{Balance: true, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := e.Shards(); !slices.Equal(got, []int{2, 1}) || e.Workers() != 2 {
		t.Fatalf("shards %v on %d workers, want [2 1] on 2", got, e.Workers())
	}
	if _, err := lockstep.New(cuba(t), lockstep.Options{Balance: true, Shards: map[string]int{"E": 2}}); err == nil {
		t.Fatal("Balance with Shards: no error")
	}
}

// OnSpikes streams every population's spikes in order, segment by
// segment; with DiscardSpikes nothing is kept and Spikes says so; progress
// reaches the end of each run.
func TestStreamingAndProgress(t *testing.T) {
	want := testnets.Sequential(t, testnets.BrunelLike(t, false), 900)
	got := testnets.NewResult()
	var progress []int64
	o := lockstep.Options{Shards: map[string]int{"E": 2}, Workers: 2, DiscardSpikes: true,
		OnSpikes: func(pop string, steps []int64, elems []uint32) {
			got.Steps[pop] = append(got.Steps[pop], steps...)
			got.Elems[pop] = append(got.Elems[pop], elems...)
		},
		OnProgress: func(s int64) { progress = append(progress, s) }}
	net := testnets.BrunelLike(t, false)
	e, err := lockstep.New(net, o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(300); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(600); err != nil {
		t.Fatal(err)
	}
	e.GatherWeights()
	got.TakeWeights(net)
	testnets.Compare(t, "streamed", want, got)
	if _, _, err := e.Spikes("E"); err == nil {
		t.Error("Spikes returned spikes that DiscardSpikes should not keep")
	}
	if !slices.IsSorted(progress) || !slices.Contains(progress, 300) || progress[len(progress)-1] != 900 {
		t.Errorf("progress %v: want an ascending list through 300 ending at 900", progress)
	}
}

// Stop, called from OnSpikes (as a failing writer does), ends the run
// within a segment or two; Run returns ErrStopped, and a later Run goes on
// from where it stopped with the same spikes as an uninterrupted run.
func TestStop(t *testing.T) {
	want := testnets.Sequential(t, testnets.BrunelLike(t, false), 900)
	got := testnets.NewResult()
	var e *lockstep.Engine
	stopAt := int64(-1)
	o := lockstep.Options{Shards: map[string]int{"E": 2}, Workers: 2, DiscardSpikes: true,
		OnSpikes: func(pop string, steps []int64, elems []uint32) {
			got.Steps[pop] = append(got.Steps[pop], steps...)
			got.Elems[pop] = append(got.Elems[pop], elems...)
		},
		OnProgress: func(s int64) {
			if s >= 200 && stopAt < 0 {
				stopAt = s
				e.Stop()
			}
		}}
	net := testnets.BrunelLike(t, false)
	var err error
	if e, err = lockstep.New(net, o); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(900); !errors.Is(err, lockstep.ErrStopped) {
		t.Fatalf("run stopped at step %d: %v, want ErrStopped", stopAt, err)
	}
	if seg := int64(e.SegmentSteps()); e.Steps() <= stopAt || e.Steps() > stopAt+2*seg {
		t.Fatalf("stop requested at step %d stopped at %d (segments of %d)", stopAt, e.Steps(), seg)
	}
	if err := e.Run(int(900 - e.Steps())); err != nil {
		t.Fatal(err)
	}
	e.GatherWeights()
	got.TakeWeights(net)
	testnets.Compare(t, "stopped and resumed", want, got)

	// a Stop between runs ends the next one before it steps
	e.Stop()
	if err := e.Run(10); !errors.Is(err, lockstep.ErrStopped) || e.Steps() != 900 {
		t.Fatalf("run after Stop: %v at step %d", err, e.Steps())
	}
	if err := e.Run(10); err != nil || e.Steps() != 910 {
		t.Fatalf("run after the stopped one: %v at step %d", err, e.Steps())
	}
}

// A run-time error (a Poisson probability above one) stops the run with
// an error naming the step and the population, and the engine refuses to
// go on.
func TestRunTimeError(t *testing.T) {
	b := network.New(network.Config{DtMs: 1})
	// p = rate·dt/1000·input = 100 Hz · 1 ms · 20 = 2 per step, at run time.
	b.Population("p", 10, encoder.Poisson{RateHz: param.Const(100), Drive: encoder.DriveGain}).
		Stimulus(stimulus.Constant(20))
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lockstep.New(net, lockstep.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	err = e.Run(10)
	if err == nil || !strings.Contains(err.Error(), "step 0: population p") || !strings.Contains(err.Error(), "probability 2") {
		t.Fatalf("error %v: want one naming step 0, population p and the probability", err)
	}
	if err := e.Run(1); err == nil {
		t.Error("a failed engine ran again")
	}
}

// Releasing the network's copy of the static projections into split
// populations changes no spike, keeps the plastic ones readable, and
// keeps the synapse counts.
func TestReleaseSynapses(t *testing.T) {
	want := testnets.Sequential(t, testnets.BrunelLike(t, true), 600)
	net := testnets.BrunelLike(t, true)
	counts := map[string]int{}
	for _, p := range net.Projections {
		counts[p.Name] = p.Runtime.Syn.Len()
	}
	got := onLockstep(t, net, lockstep.Options{Shards: map[string]int{"E": 2, "I": 2}, Workers: 2, ReleaseSynapses: true}, 600)
	for _, p := range net.Projections {
		syn := p.Runtime.Syn
		if syn.Len() != counts[p.Name] {
			t.Errorf("projection %s counts %d synapses after the release, %d before", p.Name, syn.Len(), counts[p.Name])
		}
		if syn.Released() == p.Plastic {
			t.Errorf("projection %s (plastic %v): released %v; want the static ones released, the plastic ones kept", p.Name, p.Plastic, syn.Released())
		}
		if syn.Released() {
			delete(want.Weights, p.Name) // nothing left to compare
		}
	}
	testnets.Compare(t, "with the network's static synapses released", want, got)
}

// The synaptic events delivered, counted independently from the spikes:
// a spike of neuron i at step n reaches the row of i of every projection
// from its axon at n + Latency(i), and counts its synapses if that step
// was computed. The sequential stepper and the lockstep engine both count
// exactly that; some spikes of the last steps are still in flight.
func TestEventsFromSpikes(t *testing.T) {
	const steps = 1500
	net := testnets.BrunelLike(t, false)
	seq := testnets.Sequential(t, net, steps)
	var want, inFlight int64
	for _, p := range net.Projections {
		src := net.Populations[p.Source]
		if src.Graded() {
			t.Fatalf("projection %s: from the graded population %s; the count below is for spikes", p.Name, src.Name)
		}
		ax := net.Axons[p.Axon].Axon
		if ax.Terminals() != 1 || net.Config.Batch > 1 {
			t.Fatalf("projection %s: %d terminals, batch %d; the count below is for one of each", p.Name, ax.Terminals(), net.Config.Batch)
		}
		ptr := p.Runtime.Syn.Ptr
		for k, st := range seq.Steps[src.Name] {
			i := seq.Elems[src.Name][k]
			n := int64(ptr[i+1] - ptr[i])
			if st+int64(ax.Latency(int(i))) < steps {
				want += n
			} else {
				inFlight += n
			}
		}
	}
	if want == 0 || inFlight == 0 {
		t.Fatalf("%d events delivered, %d in flight: the test needs both", want, inFlight)
	}
	if seq.Events != want {
		t.Errorf("sequential stepper: %d synaptic events delivered, want %d (%d more in flight)", seq.Events, want, inFlight)
	}
	got := onLockstep(t, testnets.BrunelLike(t, false), lockstep.Options{Shards: map[string]int{"E": 3, "I": 2}, Workers: 2}, steps)
	if got.Events != want {
		t.Errorf("lockstep: %d synaptic events delivered, want %d", got.Events, want)
	}
}

// Synaptic delays (drawn per synapse, constant, rounded to the nearest
// step; delivered on emission and, next to a plastic projection, on
// arrival) give the same spikes and weights on 1–3 shards as sequentially.
func TestSynapseDelaysMatchSequential(t *testing.T) {
	for _, plastic := range []bool{false, true} {
		build := func(t testing.TB) *network.Network { return testnets.SynapseDelays(t, plastic) }
		want := testnets.Sequential(t, build(t), 900)
		for _, c := range []struct{ shards, workers int }{{1, 1}, {2, 2}, {3, 2}} {
			o := lockstep.Options{Shards: map[string]int{"E": c.shards, "I": min(c.shards, 2)}, Workers: c.workers}
			got := onLockstep(t, build(t), o, 900)
			testnets.Compare(t, fmt.Sprintf("plastic %v, %d shards on %d workers", plastic, c.shards, c.workers), want, got)
		}
		got := onLockstep(t, build(t), lockstep.Options{Balance: true, Workers: 2}, 900)
		testnets.Compare(t, fmt.Sprintf("plastic %v, balanced on 2 workers", plastic), want, got)
	}
}
