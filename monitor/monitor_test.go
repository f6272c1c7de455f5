package monitor_test

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
)

// Neuron 0 fires at 10, 30, 70 ms (ISIs 20, 40: mean 30, sd 10, CV 1/3);
// neuron 1 at 5, 15, 25, 35 ms (CV 0); neuron 2 twice (too few for a CV);
// neuron 3 never.
func spikeNet(t *testing.T) (*network.Network, *stepper.Stepper, *monitor.Spikes) {
	t.Helper()
	b := network.New(network.Config{DtMs: 1})
	b.Population("src", 4, encoder.SpikeArray{
		Neurons: []int{0, 0, 0, 1, 1, 1, 1, 2, 2},
		TimesMs: []float64{10, 30, 70, 5, 15, 25, 35, 1, 2},
	})
	lif := soma.LIF()
	b.Population("dst", 2, lif)
	b.Connect("p", network.Connection{From: "src", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, 1)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := stepper.New(net)
	m, err := monitor.NewSpikes(net, "src")
	if err != nil {
		t.Fatal(err)
	}
	s.AddMonitor(m)
	return net, s, m
}

func TestSpikesAndStats(t *testing.T) {
	_, s, m := spikeNet(t)
	if err := s.Run(100); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Count(), []int{3, 4, 2, 0}; !equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	if tt := m.Times()[0]; len(tt) != 3 || tt[0] != 10 || tt[1] != 30 || tt[2] != 70 {
		t.Errorf("times of neuron 0: %v", tt)
	}
	st := m.Summarise(0, 0, 100, 1)
	// 9 spikes over 4 neurons and 0.1 s.
	if math.Abs(st.RateHz-9/4.0/0.1) > 1e-12 {
		t.Errorf("rate %g, want 22.5 Hz", st.RateHz)
	}
	if st.NCV != 2 || math.Abs(st.CVISI-(1.0/3+0)/2) > 1e-12 {
		t.Errorf("CV %g over %d neurons, want (1/3 + 0)/2 over 2", st.CVISI, st.NCV)
	}
	if st.FracSilent != 0.25 {
		t.Errorf("silent fraction %g, want 0.25", st.FracSilent)
	}
	// A window: steps [20, 100) hold 30, 70 of neuron 0 and 25, 35 of 1.
	w := m.Summarise(0, 20, 100, 1)
	if w.Spikes != 4 || w.NCV != 0 || !math.IsNaN(w.CVISI) {
		t.Errorf("window: %d spikes, %d CVs (%g), want 4, 0, NaN", w.Spikes, w.NCV, w.CVISI)
	}
}

func TestStateAndWeightMonitors(t *testing.T) {
	net, s, _ := spikeNet(t)
	v, err := monitor.NewState(net, "dst", "v", []int{1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	w, err := monitor.NewWeights(net, "p", nil, 25)
	if err != nil {
		t.Fatal(err)
	}
	s.AddMonitor(v)
	s.AddMonitor(w)
	if err := s.Run(100); err != nil {
		t.Fatal(err)
	}
	if len(v.Steps) != 10 || v.Steps[3] != 30 {
		t.Errorf("state samples at %v, want every 10 steps", v.Steps)
	}
	if len(w.Steps) != 4 || len(w.Values[0]) != 8 {
		t.Errorf("weight samples %d × %d, want 4 × 8", len(w.Steps), len(w.Values[0]))
	}
	for _, bad := range []func() error{
		func() error { _, err := monitor.NewState(net, "dst", "nope", nil, 1); return err },
		func() error { _, err := monitor.NewState(net, "dst", "v", []int{5}, 1); return err },
		func() error { _, err := monitor.NewState(net, "dst", "v", nil, 0); return err },
		func() error { _, err := monitor.NewState(net, "zz", "v", nil, 1); return err },
		func() error { _, err := monitor.NewWeights(net, "q", nil, 1); return err },
		func() error { _, err := monitor.NewSpikes(net, "zz"); return err },
	} {
		if bad() == nil {
			t.Error("a bad monitor was accepted")
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
