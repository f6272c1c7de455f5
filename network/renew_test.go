package network_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// statefulBuilder defines a network whose stimuli, drives and principles
// keep state: Poisson drives, a noisy function generator under a gain
// inside a sum, k-winners-take-all over 5 ms windows, fire-once.
func statefulBuilder() *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 4})
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(15)
	factors := make([]float32, 50)
	for i := range factors {
		factors[i] = 1 + float32(i)/50
	}
	gen := &stimulus.FunctionGenerator{Baseline: map[int64]float64{0: 10}, Noise: map[int64]float64{0: 40}}
	b.Population("A", 50, lif).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Stimulus(stimulus.Sum{&stimulus.Gain{S: gen, Factors: factors}, stimulus.Constant(2)}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 8000, Weight: 0.4}).
		Principle(&principle.KWTA{K: 3, DurationMs: 5})
	b.Population("B", 200, lif).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 8000, Weight: 0.4}).
		Principle(&principle.FireOnce{})
	b.Connect("AA", network.Connection{From: "A", To: "A", Pattern: connectivity.FixedInDegree{K: 5}, Weight: param.Const(0.5)})
	return b
}

// A builder built twice gives two networks of their own: stepped in turn,
// each spikes as a network built once by a builder of its own (they share
// no stimulus, drive or principle state).
func TestBuilderBuildsTwice(t *testing.T) {
	run := func(nets ...*network.Network) [][]uint32 {
		var ss []*stepper.Stepper
		var ms []*monitor.Spikes
		for _, n := range nets {
			s := stepper.New(n)
			a, err := monitor.NewSpikes(n, "A")
			if err != nil {
				t.Fatal(err)
			}
			b, err := monitor.NewSpikes(n, "B")
			if err != nil {
				t.Fatal(err)
			}
			s.AddMonitor(a)
			s.AddMonitor(b)
			ss, ms = append(ss, s), append(ms, a, b)
		}
		out := make([][]uint32, len(nets))
		for range 20 { // in turn, 100 steps at a time
			for i := range ss {
				if err := ss[i].Run(100); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range ss {
			// A's spikes, then B's (offset by A's size).
			out[i] = append([]uint32(nil), ms[2*i].Elements...)
			for _, e := range ms[2*i+1].Elements {
				out[i] = append(out[i], 1000+e)
			}
		}
		return out
	}
	alone, err := statefulBuilder().Build()
	if err != nil {
		t.Fatal(err)
	}
	want := run(alone)[0]
	if len(want) < 50 {
		t.Fatalf("%d spikes: the comparison says little", len(want))
	}
	b := statefulBuilder()
	first, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	got := run(first, second)
	for i, g := range got {
		if !reflect.DeepEqual(g, want) {
			t.Errorf("build %d of one builder, stepped in turn with the other: %d spikes, a builder's own build %d (or different ones)", i+1, len(g), len(want))
		}
	}
}

// mutable is a stimulus that keeps state and cannot be renewed.
type mutable struct{ n int }

func (m *mutable) Add(step int64, current []float32) { m.n++ }

// A stimulus that keeps state and cannot be renewed serves one build; a
// second build of the builder is an error naming it.
func TestBuilderRefusesSharedState(t *testing.T) {
	b := network.New(network.Config{})
	b.Population("A", 3, soma.LIF()).Stimulus(&mutable{})
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	_, err := b.Build()
	if err == nil || !strings.Contains(err.Error(), `population "A": stimulus *network_test.mutable: this builder was built before`) {
		t.Errorf("second build: %v", err)
	}
}
