package network_test

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// farNet has constant delays, so that its latencies follow by hand: a
// delay of d ms is d/dt + 1 steps (an event emitted at step n acts from
// step n + d/dt + 1). A's axon "out" (1 ms: 11 steps) feeds A, its axon
// "long" (5 ms: 51 steps) feeds B, B's "out" (1.2 ms: 13 steps) feeds A,
// and the modulator source da (3 ms: 31 steps) is followed by B's
// projection from A.long.
func farNet(t *testing.T, part *network.Part) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 5})
	n := soma.LIF()
	n.Integration = soma.Exact
	b.Population("A", 50, n).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{DelayMs: param.Const(1)}).Axon("long", axon.Spec{DelayMs: param.Const(5)})
	b.Population("B", 30, n).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{DelayMs: param.Const(1.2)})
	b.Population("da", 1, soma.RateUnit(soma.Linear)).Stimulus(&stimulus.Sequence{Frames: [][]float32{{1}}, Hold: 1}).
		Axon("out", axon.Spec{DelayMs: param.Const(3)})
	all := connectivity.FixedInDegree{K: 5, Multapses: true}
	b.Connect("AA", network.Connection{From: "A", To: "A", Pattern: all, Weight: param.Const(0.1)})
	b.Connect("AB", network.Connection{From: "A", To: "B", Axon: "long", Pattern: all, Weight: param.Const(0.1),
		Plasticity: plasticity.Modulated{Rule: plasticity.LeakySTDP(20, 20, 0.01, 0.01)}, Wmin: 0, Wmax: 1, Follow: "da"})
	b.Connect("BA", network.Connection{From: "B", To: "A", Pattern: all, Weight: param.Const(0.1)})
	net, err := b.BuildPart(part)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// An axon is far when its smallest latency is at least twice the
// network's (here 11 steps): A.long (51) is, B.out (13) is not, and da
// (31), which only a modulator follower reads, is not either. Far axons
// share the least ⌊latency/seg⌋ as their lag, a modulator source has its
// own, any other link 1; the whole network and a part agree.
func TestFarAxonsAndLags(t *testing.T) {
	for _, part := range []*network.Part{nil, {}} {
		net := farNet(t, part)
		if e := net.MinLatency(); e != 11 {
			t.Fatalf("MinLatency %d, want 11", e)
		}
		// Axons in order: A.out, A.long, B.out, da.out.
		if got, want := net.FarAxons(), []bool{false, true, false, false}; !slices.Equal(got, want) {
			t.Errorf("FarAxons %v, want %v", got, want)
		}
		for _, c := range []struct {
			seg  int
			want []int
		}{
			{11, []int{1, 51 / 11, 1, 31 / 11}},
			{5, []int{1, 51 / 5, 1, 31 / 5}},
			{1, []int{1, 51, 1, 31}},
		} {
			if got := net.Lags(c.seg); !slices.Equal(got, c.want) {
				t.Errorf("Lags(%d) %v, want %v", c.seg, got, c.want)
			}
		}
		// A far projection adds into its receptor's far input: B's
		// receptor has a second inbox.
		if len(net.Inboxes) != 3 {
			t.Errorf("%d inboxes, want 3 (A.in, B.in, and B.in's far input)", len(net.Inboxes))
		}
	}
}
