package latency

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/synapse"
)

// twoToOne is a CSR with synapse 0 (row 0 → column 0) and synapse 1
// (row 1 → column 0).
func twoToOne() *synapse.CSR {
	return &synapse.CSR{Rows: 2, Cols: 1, Ptr: []uint32{0, 1, 2}, Idx: []uint32{0, 0}, W: []float32{1, 1}}
}

func TestAlignHandStepped(t *testing.T) {
	// dt = 1 ms: steps and ms coincide. η = 0.5, window 5 steps, max 10.
	l := []float32{2, 4}
	r, err := Align{Eta: 0.5, WindowMs: 5, Max: 10}.New(Synapses{Syn: twoToOne(), Dt: 1, L: l, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	run := func(from, to int64, fired map[int64][]uint32, learn bool) {
		for n := from; n <= to; n++ {
			r.Step(n, fired[n], learn)
		}
	}
	// Synapse 0 arrives at step 3; the target fires at step 6 (seen at
	// Step 7): early by 3 → L0 = 2 + 0.5·3 = 3.5.
	r.Schedule(0, 3)
	run(0, 7, map[int64][]uint32{7: {0}}, true)
	if l[0] != 3.5 || l[1] != 4 {
		t.Fatalf("after an early arrival: L = %v, want [3.5 4]", l)
	}
	// Synapse 1 arrives at step 8, 2 steps after the spike at 6: late by
	// 2 → L1 = 4 − 0.5·2 = 3.
	r.Schedule(1, 8)
	run(8, 8, nil, true)
	if l[0] != 3.5 || l[1] != 3 {
		t.Fatalf("after a late arrival: L = %v, want [3.5 3]", l)
	}
	// An arrival at the very step the target fires changes nothing; the
	// same spike pairs with synapse 1's own last arrival (step 8, early
	// by 4): L1 = 3 + 0.5·4.
	r.Schedule(0, 12)
	run(9, 13, map[int64][]uint32{13: {0}}, true)
	if l[0] != 3.5 || l[1] != 3+0.5*(12-8) {
		t.Fatalf("after a coincident arrival: L = %v, want [3.5 5]", l)
	}
	// Outside the window (arrival 6 steps before the spike): nothing.
	r.Schedule(0, 20)
	run(14, 27, map[int64][]uint32{27: {0}}, true)
	if l[0] != 3.5 {
		t.Fatalf("a pairing outside the window changed L0 to %g", l[0])
	}
	// Learning off: arrivals and spikes are tracked, L stays.
	r.Schedule(0, 30)
	run(28, 32, map[int64][]uint32{32: {0}}, false)
	if l[0] != 3.5 {
		t.Fatalf("learning off changed L0 to %g", l[0])
	}
	// ... and the spike at 31 was recorded: an arrival at 33 is late by 2.
	r.Schedule(0, 33)
	run(33, 33, nil, true)
	if l[0] != 2.5 {
		t.Fatalf("late arrival after a spike seen with learning off: L0 = %g, want 2.5", l[0])
	}
}

func TestAlignBounds(t *testing.T) {
	l := []float32{9, 1}
	r, err := Align{Eta: 1, WindowMs: 8, Max: 10}.New(Synapses{Syn: twoToOne(), Dt: 1, L: l, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	r.Schedule(0, 1)
	for n := int64(1); n <= 7; n++ {
		var f []uint32
		if n == 7 {
			f = []uint32{0} // spike at 6: L0 would be 9 + 5 = 14
		}
		r.Step(n, f, true)
	}
	r.Schedule(1, 10) // late by 4: L1 would be 1 − 4 = −3
	r.Step(8, nil, true)
	r.Step(9, nil, true)
	r.Step(10, nil, true)
	if l[0] != 10 || l[1] != 0 {
		t.Fatalf("L = %v, want [10 0] (clipped to [0, max])", l)
	}
	// Reset forgets the spike: a later arrival does not pair with it.
	r.Reset()
	r.Schedule(1, 11)
	r.Step(11, nil, true)
	if l[1] != 0 {
		t.Fatalf("after Reset: L1 = %g, want 0", l[1])
	}
}

func TestInitAndErrors(t *testing.T) {
	l, max, err := Init(Align{InitMs: param.Const(0.25), Max: 1}, 3, 0.1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if max != 10 || len(l) != 3 || l[0] != float32(0.25/0.1) {
		t.Fatalf("Init = %v, %d; want 3 × 2.5 steps and max 10", l, max)
	}
	if Steps(l[0]) != 3 || Steps(2.49) != 2 || Steps(0) != 0 {
		t.Fatalf("Steps rounds wrongly: %d %d %d", Steps(l[0]), Steps(2.49), Steps(0))
	}
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"init above max", func() error { _, _, err := Init(Align{InitMs: param.Const(2), Max: 1}, 1, 0.1, nil); return err }, "outside [0, max = 1 ms]"},
		{"negative max", func() error { _, _, err := Init(Align{Max: -1}, 1, 0.1, nil); return err }, "max = -1 ms"},
		{"eta", func() error {
			_, err := Align{Eta: 0, WindowMs: 1}.New(Synapses{Syn: twoToOne(), Dt: 1, L: make([]float32, 2), Max: 1})
			return err
		}, "eta = 0"},
		{"window", func() error {
			_, err := Align{Eta: 0.1, WindowMs: 0.5}.New(Synapses{Syn: twoToOne(), Dt: 1, L: make([]float32, 2), Max: 1})
			return err
		}, "window = 0.5 ms"},
		{"lengths", func() error {
			_, err := Align{Eta: 0.1, WindowMs: 1}.New(Synapses{Syn: twoToOne(), Dt: 1, L: make([]float32, 1), Max: 1})
			return err
		}, "1 learnt latencies for 2 synapses"},
	} {
		err := c.err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
