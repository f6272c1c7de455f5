package monitor_test

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
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
	st := m.Summarize(0, 0, 100, 1)
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
	w := m.Summarize(0, 20, 100, 1)
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

// The "current" state monitor reads direct input plus receptor currents
// on every path: the fused loops (one exponential receptor: the Go loop;
// two on 3 neurons: the Go loop; two on 12: AVX2 where the processor has
// it, with a Go tail) and the generic path (fusion off). Source neuron i
// fires once, at step 5 + i; its spike reaches target i one step later
// (step a = 6 + i) through each receptor with weight w_r, so the monitored
// current at step m is I0 + Σ_r w_r·e^{−(m−a)·dt/τ_r} from step a on and
// I0 before, with a direct current I0 and without (I0 = 0). The fused and
// generic values agree bit for bit.
func TestCurrentMonitorEveryPath(t *testing.T) {
	const dt, steps = 0.5, 60
	type rec struct {
		name string
		tau  float64
		w    float64
	}
	build := func(t *testing.T, n int, recs []rec, drive float32, fused bool) *monitor.State {
		t.Helper()
		b := network.New(network.Config{DtMs: dt})
		src := encoder.SpikeArray{}
		for i := 0; i < n; i++ {
			src.Neurons = append(src.Neurons, i)
			src.TimesMs = append(src.TimesMs, float64(5+i)*dt)
		}
		b.Population("src", n, src)
		lif := soma.LIF()
		lif.ThresholdMV = param.Const(100) // never fires
		d := b.Population("dst", n, lif)
		if drive != 0 {
			d.Stimulus(stimulus.Constant(drive))
		}
		for _, r := range recs {
			d.Receptor(r.name, dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: r.tau})
			b.Connect(r.name, network.Connection{From: "src", To: "dst", Receptor: r.name,
				Pattern: connectivity.OneToOne{}, Weight: param.Const(r.w)})
		}
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := net.Population("dst")
		p.SetFused(fused)
		s := stepper.New(net)
		m, err := monitor.NewState(net, "dst", "current", nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		s.AddMonitor(m)
		if err := s.Run(steps); err != nil {
			t.Fatal(err)
		}
		return m
	}
	one := []rec{{"e", 2, 3}}
	two := []rec{{"e", 2, 3}, {"i", 5, -1.5}}
	for _, c := range []struct {
		name  string
		n     int
		recs  []rec
		drive float32
	}{
		{"one receptor", 3, one, 0},
		{"one receptor, a direct current", 3, one, 1.25},
		{"two receptors, 3 neurons", 3, two, 0},
		{"two receptors, 3 neurons, a direct current", 3, two, 1.25},
		{"two receptors, 12 neurons", 12, two, 0},
		{"two receptors, 12 neurons, a direct current", 12, two, 1.25},
	} {
		t.Run(c.name, func(t *testing.T) {
			fm := build(t, c.n, c.recs, c.drive, true)
			gm := build(t, c.n, c.recs, c.drive, false)
			for k, step := range gm.Steps {
				for i := 0; i < c.n; i++ {
					f, g := fm.Values[k][i], gm.Values[k][i]
					if math.Float32bits(f) != math.Float32bits(g) {
						t.Fatalf("step %d: neuron %d: current %g fused, %g generic", step, i, f, g)
					}
					want := float64(c.drive)
					if a := int64(6 + i); step >= a {
						for _, r := range c.recs {
							want += r.w * math.Exp(-float64(step-a)*dt/r.tau)
						}
					}
					if math.Abs(float64(g)-want) > 1e-5*math.Max(1, math.Abs(want)) {
						t.Fatalf("step %d: neuron %d: current %g, want %g", step, i, g, want)
					}
				}
			}
		})
	}
}
