package network_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/synapse"
)

// partBuilder defines a network whose projections take every way of
// drawing synapses: each pattern, constant, array and distribution
// weights, synaptic delays drawn per synapse (redrawn below a bound),
// plasticity with default bounds, and learnt latencies.
func partBuilder() *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 5})
	b.Population("E", 400, silentLIF()).
		Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}).
		Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10}).
		Axon("out", axon.Spec{DelayMs: param.Const(1)})
	b.Population("I", 100, silentLIF()).
		Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10}).
		Axon("out", axon.Spec{DelayMs: param.Const(0.5)})
	b.Connect("EE", network.Connection{From: "E", To: "E", Receptor: "ge", Pattern: connectivity.FixedInDegree{K: 40},
		Weight: param.Normal(1, 0.3), DelayMs: param.Normal(1.5, 0.75).Within(0.25, math.Inf(1)), DelayRounding: axon.Nearest})
	b.Connect("EI", network.Connection{From: "E", To: "I", Receptor: "gi", Pattern: connectivity.FixedInDegree{K: 40},
		Weight: param.Const(0.7)})
	b.Connect("IE", network.Connection{From: "I", To: "E", Receptor: "gi", Pattern: connectivity.Bernoulli{P: 0.2},
		Weight: param.Uniform(-2, -1), DelayMs: param.Uniform(0, 3)})
	b.Connect("II", network.Connection{From: "I", To: "I", Receptor: "gi", Pattern: connectivity.FixedTotal{N: 900},
		Weight: param.Const(-1)})
	arr := make([]float64, 400) // one per synapse: in-degree 1 onto E's 400 neurons
	for k := range arr {
		arr[k] = 0.5 + float64(k%13)*0.25
	}
	b.Connect("IEa", network.Connection{From: "I", To: "E", Receptor: "gi", Pattern: connectivity.FixedInDegree{K: 1},
		Weight: param.Array(arr...), DelayMs: param.Array(arr...)})
	b.Connect("EEp", network.Connection{From: "E", To: "E", Receptor: "ge", Pattern: connectivity.FixedOutDegree{K: 10},
		Weight: param.Uniform(0.2, 0.8), Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.012)})
	b.Connect("IEl", network.Connection{From: "I", To: "E", Receptor: "ge", Pattern: connectivity.FixedInDegree{K: 5},
		Weight: param.Const(0.1), Latency: latency.Align{Eta: 0.1, WindowMs: 1, InitMs: param.Uniform(0, 2), Max: 3}})
	return b
}

// TestBuildPartIsPartOfBuild checks that a part build holds, for every
// projection, exactly the whole build's synapses on the part's neurons —
// columns, weights, delays and learnt latencies bit for bit — that it
// holds nothing else, that every part agrees on the segment length, and
// that projections named whole are whole.
func TestBuildPartIsPartOfBuild(t *testing.T) {
	whole, err := partBuilder().Build()
	if err != nil {
		t.Fatal(err)
	}
	parts := []*network.Part{
		{Neurons: map[string][][2]int{"E": {{0, 400}}, "I": {{0, 100}}}},
		{Neurons: map[string][][2]int{"E": {{0, 200}}, "I": {{50, 100}}}},
		{Neurons: map[string][][2]int{"E": {{17, 18}, {200, 333}}}},
		{Neurons: map[string][][2]int{"E": {{100, 300}}}, Whole: []string{"EEp"}},
		{}, // no neurons: nothing but the projections named whole
	}
	var floor int
	for i, part := range parts {
		net, err := partBuilder().BuildPart(part)
		if err != nil {
			t.Fatalf("part %v: %v", part, err)
		}
		if net.Part() != part {
			t.Errorf("part %v: Part() = %v", part, net.Part())
		}
		if i == 1 {
			floor = net.MinLatency()
		} else if i > 1 && net.MinLatency() != floor {
			t.Errorf("part %v: MinLatency %d, another part's %d", part, net.MinLatency(), floor)
		}
		for k, wp := range whole.Projections {
			pp := net.Projections[k]
			target := whole.Populations[wp.Target].Name
			ranges := part.Neurons[target]
			if ranges == nil {
				ranges = [][2]int{}
			}
			if len(ranges) == 1 && ranges[0] == [2]int{0, whole.Populations[wp.Target].N} || contains(part.Whole, wp.Name) {
				ranges = [][2]int{{0, whole.Populations[wp.Target].N}}
				if pp.Columns != nil {
					t.Errorf("part %v: %s: Columns %v, want nil (whole)", part, wp.Name, pp.Columns)
				}
			} else if !reflect.DeepEqual(pp.Columns, ranges) {
				t.Errorf("part %v: %s: Columns %v, want %v", part, wp.Name, pp.Columns, ranges)
			}
			samePart(t, part.String()+" "+wp.Name, wp, pp, ranges)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// samePart checks that the part projection pp holds the synapses of the
// whole projection wp on the columns in ranges, with their values.
func samePart(t *testing.T, what string, wp, pp *network.Projection, ranges [][2]int) {
	t.Helper()
	w, p := wp.Runtime.Syn, pp.Runtime.Syn
	if p.Rows != w.Rows || p.Cols != w.Cols {
		t.Fatalf("%s: %d×%d, want %d×%d", what, p.Rows, p.Cols, w.Rows, w.Cols)
	}
	var wl, pl []float32
	if wp.Latency != nil {
		wl, pl = wp.Runtime.Latencies(), pp.Runtime.Latencies()
	}
	in := func(j uint32) bool {
		for _, r := range ranges {
			if int(j) >= r[0] && int(j) < r[1] {
				return true
			}
		}
		return false
	}
	k := 0
	for r := 0; r < w.Rows; r++ {
		for q := int(w.Ptr[r]); q < int(w.Ptr[r+1]); q++ {
			if !in(w.Idx[q]) {
				continue
			}
			switch {
			case k >= p.Len() || p.Idx[k] != w.Idx[q]:
				t.Fatalf("%s: synapse %d of the part is not the whole's (%d, %d)", what, k, r, w.Idx[q])
			case p.Weight(k) != w.Weight(q):
				t.Fatalf("%s: synapse (%d, %d): weight %g, whole %g", what, r, w.Idx[q], p.Weight(k), w.Weight(q))
			case p.Delay(k) != w.Delay(q):
				t.Fatalf("%s: synapse (%d, %d): delay %d, whole %d", what, r, w.Idx[q], p.Delay(k), w.Delay(q))
			case wl != nil && pl[k] != wl[q]:
				t.Fatalf("%s: synapse (%d, %d): learnt latency %g, whole %g", what, r, w.Idx[q], pl[k], wl[q])
			}
			k++
		}
		if int(p.Ptr[r+1]) != k {
			t.Fatalf("%s: row %d ends at %d, want %d", what, r, p.Ptr[r+1], k)
		}
	}
	if k != p.Len() {
		t.Fatalf("%s: %d synapses, want %d", what, p.Len(), k)
	}
	if wp.Wmin != pp.Wmin || wp.Wmax != pp.Wmax || wp.Plastic != pp.Plastic {
		t.Fatalf("%s: bounds or plasticity differ", what)
	}
}

// TestBuildPartErrors checks that a bad part, and what a part cannot
// hold, are refused with errors naming them.
func TestBuildPartErrors(t *testing.T) {
	for _, tc := range []struct {
		part *network.Part
		want string
	}{
		{&network.Part{Neurons: map[string][][2]int{"X": {{0, 1}}}}, `no population "X"`},
		{&network.Part{Neurons: map[string][][2]int{"E": {{0, 401}}}}, `population "E": ranges`},
		{&network.Part{Neurons: map[string][][2]int{"E": {{5, 10}, {0, 3}}}}, `population "E": ranges`},
		{&network.Part{Neurons: map[string][][2]int{"E": {{5, 5}}}}, `population "E": ranges`},
		{&network.Part{Whole: []string{"EF"}}, `whole projection "EF": no such projection`},
	} {
		_, err := partBuilder().BuildPart(tc.part)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("part %+v: error %v, want one saying %q", tc.part, err, tc.want)
		}
	}
	// A normalised projection needs its whole target.
	b := partBuilder()
	b.Connect("norm", network.Connection{From: "I", To: "E", Receptor: "ge", Pattern: connectivity.AllToAll{}, Weight: param.Const(0.1),
		Normalize: func(c *synapse.CSR) error { return synapse.Normalize(c, synapse.FanOut, 1, synapse.Unbounded()) }})
	if _, err := b.BuildPart(&network.Part{Neurons: map[string][][2]int{"E": {{0, 10}}}}); err == nil || !strings.Contains(err.Error(), `"norm": normalisation needs the whole projection`) {
		t.Errorf("normalised projection in a part: error %v", err)
	}
	// A mask needs a whole projection.
	net, err := partBuilder().BuildPart(&network.Part{Neurons: map[string][][2]int{"E": {{0, 10}}}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := net.Projection("EE")
	if err := p.SetMask(make([]bool, p.Runtime.Syn.Len())); err == nil || !strings.Contains(err.Error(), "needs the whole projection") {
		t.Errorf("mask on a part: error %v", err)
	}
}
