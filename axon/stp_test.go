package axon

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

func TestTsodyksMarkramAxon(t *testing.T) {
	// One neuron, two copies, two terminals with delays 1 and 3 ms at
	// dt = 1 ms (Dmin = 1), terminal 1 inhibitory. U = 0.5 and τ_D =
	// 2/ln 2 ms everywhere, so 1 − x halves over two steps; terminal 0
	// has no facilitation (τ_F = 0), terminal 1 has τ_F = 2/ln 2 ms (u⁻
	// halves over two steps). Copy 0 fires at steps 0, 2, 4 and 20, copy 1
	// at step 2 only. Each spike of step n acts through terminal k at step
	// n + 1 + D[k] with the efficacy u⁺·x⁻ (Markram et al. 1998):
	//
	// terminal 0 (depression only, u⁺ = 1/2):
	//   spike 1: x⁻ = 1                         E = 1/2,    x⁺ = 1/2
	//   spike 2: x⁻ = 1 − (1/2)/2 = 3/4         E = 3/8,    x⁺ = 3/8
	//   spike 3: x⁻ = 1 − (5/8)/2 = 11/16       E = 11/32,  x⁺ = 11/32
	//   spike 4, 16 steps later (factor 2^−8):
	//            x⁻ = 1 − (21/32)/256            E = x⁻/2 = 0.49871826171875
	//
	// terminal 1 (depression and facilitation):
	//   spike 1: u⁺ = 1/2, x⁻ = 1               E = 1/2,    x⁺ = 1/2
	//   spike 2: u⁻ = 1/4, u⁺ = 1/4 + 1/2·3/4 = 5/8; x⁻ = 3/4
	//                                            E = 15/32,  x⁺ = 9/32
	//   spike 3: u⁻ = 5/16, u⁺ = 5/16 + 1/2·11/16 = 21/32; x⁻ = 1 − (23/32)/2 = 41/64
	//                                            E = 861/2048, x⁺ = 451/2048
	//   spike 4: u⁻ = (21/32)/256, u⁺ = u⁻ + (1 − u⁻)/2;
	//            x⁻ = 1 − (1597/2048)/256        E = u⁺·x⁻ = 4292861183/2^33
	tau := 2 / math.Ln2
	a := mustNew(t, Spec{
		Terminals:      2,
		DelayMs:        param.Array(1, 3),
		InhibitoryRows: []bool{false, true},
		Response: response.TsodyksMarkram{
			U:      param.Const(0.5),
			TauDMs: param.Const(tau),
			TauFMs: param.Array(0, tau), // one per terminal
		},
	}, env(1, 2, 1))
	if a.Direct() {
		t.Fatal("a Tsodyks–Markram axon must use the stateful path")
	}
	if a.MinLatency() != 2 || a.MaxLatency() != 2 {
		t.Fatalf("latencies %d, %d: want 2, 2 (1 + Dmin)", a.MinLatency(), a.MaxLatency())
	}
	got := deliver(t, a, 30, func(n int) []uint32 {
		switch n {
		case 0, 4, 20:
			return []uint32{0}
		case 2:
			return []uint32{0, 1} // element b·N + i: copy 0 and copy 1
		}
		return nil
	})
	u4 := 21.0 / 32 / 256
	want := []arrival{
		// copy 0, terminal 0 (Src 0): spikes + 2
		{2, 0, 0.5}, {4, 0, 3.0 / 8}, {6, 0, 11.0 / 32}, {22, 0, 0.49871826171875},
		// copy 0, terminal 1 (Src 1, inhibitory): spikes + 4
		{4, 1, -0.5}, {6, 1, -15.0 / 32}, {8, 1, -861.0 / 2048},
		{24, 1, float32(-(u4 + (1-u4)/2) * (1 - 1597.0/2048/256))},
		// copy 1: a single spike at rest releases U on both terminals.
		{4, 2, 0.5}, {6, 3, -0.5},
	}
	if w := float64(-want[7].Value); math.Abs(w-4292861183.0/(1<<33)) > 1e-7 {
		t.Fatalf("hand computation inconsistent: %g", w)
	}
	sortArrivals(want)
	equalArrivals(t, "tsodyks_markram", got, want)

	// Reset returns every terminal to rest: the same train gives the same
	// arrivals.
	a.Reset()
	again := deliver(t, a, 30, func(n int) []uint32 {
		switch n {
		case 0, 4, 20:
			return []uint32{0}
		case 2:
			return []uint32{0, 1}
		}
		return nil
	})
	equalArrivals(t, "after reset", again, want)
}

func TestTsodyksMarkramAxonLayout(t *testing.T) {
	// Response arrays follow the axon's layout: one value per neuron on an
	// axon with several terminals is an error.
	_, err := Spec{
		Terminals: 2,
		Response:  response.TsodyksMarkram{U: param.Array(0.1, 0.2, 0.3), TauDMs: param.Const(100)},
	}.New(env(3, 1, 1))
	if err == nil {
		t.Fatal("U with one value per neuron accepted on a two-terminal axon")
	}
	want := "axon: response tsodyks_markram: U has 3 values; valid lengths: 1, 2 (per terminal) or 6 (per neuron and terminal)"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
