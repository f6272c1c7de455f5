package projection_test

import (
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/synapse"
)

// threeRows is a projection of 3 sources onto 4 targets: row 0 has 3
// synapses, row 1 one, row 2 none.
func threeRows(t *testing.T) (*projection.Runtime, *projection.Inbox) {
	t.Helper()
	syn := &synapse.CSR{Rows: 3, Cols: 4, Ptr: []uint32{0, 3, 4, 4}, Idx: []uint32{0, 1, 3, 2}, W: []float32{1, 1, 1, 1}}
	rec, err := dendrite.Spec{Kernel: dendrite.Delta}.New(4, 0.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	in := projection.NewInbox(rec)
	p, err := projection.New("P", syn, 1, in, 3)
	if err != nil {
		t.Fatal(err)
	}
	return p, in
}

// TestEventsCountedOnArrival: an event counts the synapses of its row, at
// its arrival step, not before; events still in flight are not counted.
func TestEventsCountedOnArrival(t *testing.T) {
	for _, masked := range []bool{false, true} {
		p, in := threeRows(t)
		if masked {
			// Synapse 1 (row 0, to target 1) blocked: row 0 then
			// reaches 2 synapses.
			if err := p.SetMask([]bool{true, false, true, true}); err != nil {
				t.Fatal(err)
			}
		}
		row0 := int64(3)
		if masked {
			row0 = 2
		}
		// As an engine does: the arrivals of a step, then the events
		// emitted at that step. Step 0: source 0 with delay 0 (arrives at
		// 1), source 1 with delay 2 (arrives at 3), source 2 (no
		// synapses, arrives at 1). Step 1: source 0 again, delay 1
		// (arrives at 3).
		want := []int64{0, row0, row0, row0 + 1 + row0}
		for step := int64(0); step < 4; step++ {
			in.Arrive(step)
			if got := in.Events(); got != want[step] {
				t.Errorf("masked %v: after the arrivals of step %d: %d events, want %d", masked, step, got, want[step])
			}
			switch step {
			case 0:
				p.Send(0, 0, 0, 1)
				p.Send(0, 1, 2, 1)
				p.Send(0, 2, 0, 1)
			case 1:
				p.Send(1, 0, 1, 1)
			}
		}
		// One in flight at Reset is dropped and never counted.
		p.Send(3, 0, 0, 1)
		in.Reset()
		in.Arrive(4)
		if got := in.Events(); got != want[3] {
			t.Errorf("masked %v: after Reset: %d events, want %d (the one in flight dropped)", masked, got, want[3])
		}
	}
}
