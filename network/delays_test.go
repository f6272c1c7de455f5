package network_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// arrivals runs a one-spike network (a spike at step 7 through an axon of
// axonMs, onto targets through synapses of the given delays (array, one
// per target), batch copies) and returns, per target element, the first
// step its potential moved, and its final potential.
func arrivals(t *testing.T, axonMs float64, delay param.Value, rounding axon.Rounding, targets, batch int, plastic, masked bool) ([]int, []float32) {
	return arrivalsIn(t, 80, axonMs, delay, rounding, targets, batch, plastic, masked)
}

func arrivalsIn(t *testing.T, steps int, axonMs float64, delay param.Value, rounding axon.Rounding, targets, batch int, plastic, masked bool) ([]int, []float32) {
	t.Helper()
	const dt = 0.1
	b := network.New(network.Config{DtMs: dt, Batch: batch})
	b.Population("src", 1, encoder.SpikeArray{Neurons: []int{0}, TimesMs: []float64{0.7}}).
		Axon("out", axon.Spec{DelayMs: param.Const(axonMs)})
	b.Population("dst", targets, silentLIF())
	b.Connect("p", network.Connection{From: "src", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Const(2),
		DelayMs: delay, DelayRounding: rounding})
	if plastic {
		// A second projection into the same receptor that learns (rate
		// 0): the receptor then delivers on arrival.
		b.Population("other", 1, silentLIF())
		b.Connect("q", network.Connection{From: "other", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Const(0.5),
			Plasticity: plasticity.LeakySTDP(20, 20, 0, 0)})
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if masked {
		p, _ := net.Projection("p")
		if err := p.SetMask(slices.Repeat([]bool{true}, p.Runtime.Syn.Len())); err != nil {
			t.Fatal(err)
		}
	}
	s := stepper.New(net)
	v, err := monitor.NewState(net, "dst", "v", nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.AddMonitor(v)
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	n := targets * batch
	first := slices.Repeat([]int{-1}, n)
	for k, row := range v.Values {
		for j := range n {
			if row[j] != 0 && first[j] < 0 {
				first[j] = int(v.Steps[k])
			}
		}
	}
	if got, want := s.Events(), int64(n); got != want {
		t.Errorf("%d synaptic events counted, want %d", got, want)
	}
	return first, v.Values[len(v.Values)-1]
}

// TestSynapticDelayArrival derives the arrival step by hand: a spike at
// step 7 through an axon of 1 ms and a synapse of 0.3 ms at dt 0.1 acts at
// 7 + 1 + 10 + 3 = 21; per-synapse delays put each target's input at its
// own step, on either delivery path (on emission, on arrival, masked), in
// every batch copy; rounding to the nearest step follows DelayRounding.
func TestSynapticDelayArrival(t *testing.T) {
	first, v := arrivals(t, 1, param.Const(0.3), axon.Floor, 1, 1, false, false)
	if first[0] != 7+1+10+3 {
		t.Errorf("constant 0.3 ms: input arrived at step %d, want 7 + 1 + 10 + 3 = 21", first[0])
	}
	if math.Abs(float64(v[0])-2) > 1e-4 {
		t.Errorf("potential %g after one event of weight 2", v[0])
	}
	ms := []float64{0.3, 0, 1.25, 0.05, 2.5}
	for _, c := range []struct {
		name            string
		batch           int
		plastic, masked bool
	}{{"immediate", 1, false, false}, {"deferred", 1, true, false}, {"masked", 1, false, true}, {"batch 3", 3, false, false}, {"batch 2 deferred", 2, true, false}} {
		for _, rounding := range []axon.Rounding{axon.Floor, axon.Nearest} {
			first, v := arrivals(t, 1, param.Array(ms...), rounding, len(ms), c.batch, c.plastic, c.masked)
			for b := range c.batch {
				for j, d := range ms {
					want := 7 + 1 + 10 + rounding.Steps(d, 0.1)
					if got := first[b*len(ms)+j]; got != want {
						t.Errorf("%s, %v: copy %d, synapse of %g ms: input arrived at step %d, want %d", c.name, rounding, b, d, got, want)
					}
					if x := v[b*len(ms)+j]; math.Abs(float64(x)-2) > 1e-4 {
						t.Errorf("%s, %v: copy %d, synapse of %g ms: potential %g after one event of weight 2", c.name, rounding, b, d, x)
					}
				}
			}
		}
	}
}

// TestSynapticDelaysStored: delays that differ per synapse cost 1 byte
// each up to 255 steps (9 with weights and targets, plus 4 per row), 2
// beyond (10); a constant costs nothing; the segment length includes the
// smallest synaptic delay; the draws are redrawn below 0 and reproducible.
func TestSynapticDelaysStored(t *testing.T) {
	net := testnets.SynapseDelays(t, false)
	ee, _ := net.Projection("EE")
	syn := ee.Runtime.Syn
	if syn.D8 == nil || len(syn.D8) != syn.Len() || syn.D != nil {
		t.Fatalf("EE: %d byte delays for %d synapses, want one each", len(syn.D8), syn.Len())
	}
	perSyn := float64(4*len(syn.Idx)+4*len(syn.W)+len(syn.D8)) / float64(syn.Len())
	t.Logf("EE: %.2f bytes per synapse with per-synapse delays (%.2f with the row pointers, %d synapses of %d rows)",
		perSyn, syn.BytesPerSynapse(), syn.Len(), syn.Rows)
	if perSyn != 9 || syn.BytesPerSynapse() > 9.1 {
		t.Errorf("EE: %.2f bytes per synapse (%.2f with rows), want 9", perSyn, syn.BytesPerSynapse())
	}
	lo, hi := syn.DelayRange()
	if lo != 0 || hi < 30 || hi > 60 {
		t.Errorf("EE: delays from %d to %d steps: normal(1.5, 0.75) ms redrawn below 0 should span 0 to about 45", lo, hi)
	}
	var sum float64
	for k := range syn.Len() {
		sum += float64(syn.Delay(k))
	}
	if m := sum / float64(syn.Len()); m < 14.5 || m > 16.5 {
		t.Errorf("EE: mean delay %g steps, want about 15.3 (normal(15, 7.5) steps, floored, redrawn below 0)", m)
	}
	ei, _ := net.Projection("EI")
	if d, ok := ei.Runtime.Syn.UniformDelay(); !ok || d != 3 || ei.Runtime.Syn.PerSynapseDelays() {
		t.Errorf("EI: constant 0.3 ms: uniform %v, %d steps; want one value of 3 steps", ok, d)
	}
	if c := ei.Runtime.Syn; c.Memory() != 4*(cap(c.Ptr)+cap(c.Idx)+cap(c.W)) {
		t.Errorf("EI: %d bytes: a constant delay must cost nothing", c.Memory())
	}
	// The axons' smallest latency is 1 + 5 steps; E→I adds 3, E→E 0, so
	// E's links give 6; I→E adds round(U(0, 1) ms) ≥ 0, I→I nothing: 6.
	if e := net.MinLatency(); e != 6 {
		t.Errorf("segment length %d, want 6", e)
	}
	again := testnets.SynapseDelays(t, false)
	ee2, _ := again.Projection("EE")
	if !slices.Equal(ee2.Runtime.Syn.D8, syn.D8) {
		t.Error("EE: the delays differ between two builds")
	}
}

// TestSegmentIncludesSynapticDelay: when every link of the network has a
// synaptic delay, the segment grows by the smallest.
func TestSegmentIncludesSynapticDelay(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("a", 10, silentLIF()).Axon("out", axon.Spec{DelayMs: param.Const(0.5)})
	b.Population("c", 10, silentLIF())
	b.Connect("p", network.Connection{From: "a", To: "c", Pattern: connectivity.AllToAll{}, Weight: param.Const(1),
		DelayMs: param.Uniform(0.7, 1.5)})
	b.Connect("q", network.Connection{From: "a", To: "c", Pattern: connectivity.AllToAll{}, Weight: param.Const(1),
		DelayMs: param.Const(0.4)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 5 axon steps, + min(4, ≥ 7) synaptic steps.
	if e := net.MinLatency(); e != 10 {
		t.Errorf("segment length %d, want 1 + 5 + 4 = 10", e)
	}
}

// TestSynapticDelayErrors: bad delays and the combinations that are
// refused are build errors naming the projection.
func TestSynapticDelayErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		conn network.Connection
		want string
	}{
		{"negative", network.Connection{DelayMs: param.Const(-1)}, "delay_ms = -1: must be >= 0"},
		{"too long", network.Connection{DelayMs: param.Const(7000)}, "exceeds the limit of 65535 steps"},
		{"all below 0", network.Connection{DelayMs: param.Uniform(-3, -1)}, "below 0"},
		{"array", network.Connection{DelayMs: param.Array(1, 2)}, "array has 2 values"},
		{"plastic", network.Connection{DelayMs: param.Uniform(0, 1), Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.01)}, "cannot be combined with plasticity"},
		{"latency", network.Connection{DelayMs: param.Const(1), Latency: latency.Align{Eta: 0.1, WindowMs: 1, Max: 1}}, "cannot be combined with synaptic delays"},
		{"rounding", network.Connection{DelayMs: param.Const(1), DelayRounding: 7}, "must be Floor or Nearest"},
	} {
		b := network.New(network.Config{DtMs: 0.1})
		b.Population("a", 3, silentLIF())
		b.Population("c", 3, silentLIF())
		conn := c.conn
		conn.From, conn.To, conn.Pattern, conn.Weight = "a", "c", connectivity.AllToAll{}, param.Const(0.5)
		b.Connect("p", conn)
		_, err := b.Build()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `projection "p"`) {
			t.Errorf("%s: error %v, want one naming projection \"p\" and saying %q", c.name, err, c.want)
		}
	}
	// A constant delay with plasticity is fine: it shifts the whole row.
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("a", 3, silentLIF())
	b.Population("c", 3, silentLIF())
	b.Connect("p", network.Connection{From: "a", To: "c", Pattern: connectivity.AllToAll{}, Weight: param.Const(0.5),
		DelayMs: param.Const(1), Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.01)})
	if _, err := b.Build(); err != nil {
		t.Errorf("constant delay with plasticity: %v", err)
	}
}

// rowDelayNet is a small E/I network in which every neuron's outgoing
// delay is rowMs[i] (ms): on its axon (perSynapse false) or, with axons of
// no delay, on every synapse of its rows (perSynapse true).
func rowDelayNet(t *testing.T, rowMs map[string][]float64, perSynapse bool) *network.Network {
	t.Helper()
	build := func(syn map[string][]float64) *network.Network {
		b := network.New(network.Config{DtMs: 0.1, Seed: 9})
		n := silentLIF()
		n.ThresholdMV = param.Const(20)
		n.TauMs = param.Const(20)
		n.ResetMV = ptrV(param.Const(10))
		n.RefractoryMs = param.Const(2)
		for _, p := range []struct {
			name string
			size int
		}{{"E", 300}, {"I", 80}} {
			d := param.Array(rowMs[p.name]...)
			if perSynapse {
				d = param.Const(0)
			}
			b.Population(p.name, p.size, n).
				Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
				Axon("out", axon.Spec{DelayMs: d}).
				Drive("in", &stimulus.PoissonDrive{RateHz: 25000, Weight: 0.1})
		}
		for _, c := range []struct {
			from, to string
			w        float64
		}{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}} {
			conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 30}, Weight: param.Uniform(0.5*c.w, 1.5*c.w)}
			if s, ok := syn[c.from+c.to]; ok {
				conn.DelayMs = param.Array(s...)
			}
			b.Connect(c.from+c.to, conn)
		}
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	net := build(nil)
	if !perSynapse {
		return net
	}
	// The same synapses, each with its row's delay.
	syn := map[string][]float64{}
	for _, p := range net.Projections {
		c := p.Runtime.Syn
		from := net.Populations[p.Source].Name
		d := make([]float64, c.Len())
		for r := 0; r < c.Rows; r++ {
			for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
				d[k] = rowMs[from][r]
			}
		}
		syn[p.Name] = d
	}
	return build(syn)
}

// Synaptic delays equal to the axon's row delays give the axons' spikes
// bit for bit: the per-synapse path adds the same numbers in the same
// order.
func TestSynapticDelaysEqualAxonDelays(t *testing.T) {
	rowMs := map[string][]float64{}
	for name, n := range map[string]int{"E": 300, "I": 80} {
		d := make([]float64, n)
		for i := range d {
			d[i] = float64((i*7)%23) * 0.1
		}
		rowMs[name] = d
	}
	want := testnets.Sequential(t, rowDelayNet(t, rowMs, false), 1200)
	net := rowDelayNet(t, rowMs, true)
	if ee, _ := net.Projection("EE"); !ee.Runtime.Syn.PerSynapseDelays() {
		t.Fatal("EE has no per-synapse delays")
	}
	got := testnets.Sequential(t, net, 1200)
	testnets.Compare(t, "row delays on the synapses", want, got)
}

// Delays beyond 255 steps take 2 bytes per synapse (10 with weights and
// targets) and arrive at their step.
func TestLongSynapticDelays(t *testing.T) {
	ms := []float64{30, 0.2, 25.55, 40}
	first, _ := arrivalsIn(t, 450, 1, param.Array(ms...), axon.Floor, len(ms), 1, false, false)
	for j, d := range ms {
		if want := 7 + 1 + 10 + axon.DelaySteps(d, 0.1); first[j] != want {
			t.Errorf("synapse of %g ms: arrived at step %d, want %d", d, first[j], want)
		}
	}
	b := network.New(network.Config{DtMs: 0.1, Seed: 2})
	b.Population("a", 100, silentLIF())
	b.Population("c", 100, silentLIF())
	b.Connect("p", network.Connection{From: "a", To: "c", Pattern: connectivity.FixedInDegree{K: 20}, Weight: param.Uniform(0, 1),
		DelayMs: param.Uniform(0, 40)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := net.Projection("p")
	syn := p.Runtime.Syn
	if syn.D == nil || syn.D8 != nil {
		t.Fatal("delays up to 400 steps not in D")
	}
	if b := float64(4*len(syn.Idx)+4*len(syn.W)+2*len(syn.D)) / float64(syn.Len()); b != 10 {
		t.Errorf("%.2f bytes per synapse, want 10", b)
	}
	t.Logf("%.2f bytes per synapse with 2-byte delays (%.2f with the row pointers)", 10.0, syn.BytesPerSynapse())
}
