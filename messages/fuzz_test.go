package messages

import (
	"math"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
)

// seedBatch returns the encoding of a valid batch cut into parts of at most
// max events.
func seedParts(f *testing.F, max int) [][]byte {
	f.Helper()
	var ev []Event
	for s := range 5 {
		for src := uint32(0); src < 40; src += uint32(3 + s) {
			ev = append(ev, Event{Step: 100 + int64(s), Src: src, Delay: uint32(s), Value: 1})
		}
	}
	b := &SpikeBatch{Link: 2, Epoch: 7, FirstStep: 100, EpochLen: 5}
	if err := PackSpikes(b, ev); err != nil {
		f.Fatal(err)
	}
	parts, err := b.Split(max)
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, p := range parts {
		data, err := proto.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// Whatever bytes a peer sends as a spike batch, decoding and unpacking it
// never panics, and a batch that unpacks packs back to the same events.
func FuzzSpikeBatch(f *testing.F) {
	for _, p := range seedParts(f, 1000) {
		f.Add(p)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var b SpikeBatch
		if proto.Unmarshal(data, &b) != nil {
			return
		}
		ev, err := b.Unpack(nil)
		if err != nil {
			return
		}
		for _, e := range ev {
			if e.Step < b.FirstStep || e.Step >= b.FirstStep+int64(b.EpochLen) {
				t.Fatalf("event at step %d outside [%d, %d)", e.Step, b.FirstStep, b.FirstStep+int64(b.EpochLen))
			}
		}
		if !slices.IsSortedFunc(ev, func(a, b Event) int {
			if a.Step != b.Step {
				return int(a.Step - b.Step)
			}
			return int(int64(a.Src) - int64(b.Src))
		}) {
			return // out of canonical order: PackSpikes would sort it
		}
		again := &SpikeBatch{Link: b.Link, Epoch: b.Epoch, FirstStep: b.FirstStep, EpochLen: b.EpochLen}
		if err := PackSpikes(again, ev); err != nil {
			return
		}
		back, err := again.Unpack(nil)
		if err != nil {
			t.Fatalf("a repacked batch does not unpack: %v", err)
		}
		if !slices.Equal(back, ev) {
			t.Fatal("repacking changed the events")
		}
	})
}

// Whatever two parts a peer sends, reassembling them never panics, and
// the result is in canonical order.
func FuzzReassemble(f *testing.F) {
	p := seedParts(f, 20)
	f.Add(p[0], p[1])
	f.Add(p[1], p[0])
	f.Add(p[0], p[0])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y SpikeBatch
		if proto.Unmarshal(a, &x) != nil || proto.Unmarshal(b, &y) != nil {
			return
		}
		ev, err := Reassemble(nil, []*SpikeBatch{&x, &y})
		if err != nil {
			return
		}
		if x.Parts != 2 {
			t.Fatalf("two parts of a batch in %d parts were joined", x.Parts)
		}
		if x.Part == y.Part {
			t.Fatal("the same part twice was joined")
		}
		for i := 1; i < len(ev); i++ {
			if ev[i].Step < ev[i-1].Step {
				t.Fatal("reassembled events out of step order")
			}
		}
	})
}

// Whatever a peer sends as a graded batch, validating and reassembling it
// never panics, and a valid whole batch reassembles to its samples.
func FuzzGradedBatch(f *testing.F) {
	g := &GradedBatch{Link: 1, Epoch: 3, FirstStep: 48, EpochLen: 2, NElements: 3, TotalElements: 3, Samples: []float32{1, 2, 3, 4, 5, 6}}
	data, _ := proto.Marshal(g)
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		var g GradedBatch
		if proto.Unmarshal(data, &g) != nil {
			return
		}
		if g.Validate() != nil {
			return
		}
		if g.Parts > 1 {
			return
		}
		if uint64(g.EpochLen)*uint64(g.TotalElements) > 1<<20 {
			return
		}
		s, err := ReassembleGraded(nil, []*GradedBatch{&g})
		if err != nil {
			t.Fatalf("a valid whole batch does not reassemble: %v", err)
		}
		// Bit for bit: a sample may be NaN, which == never equals.
		if !slices.EqualFunc(s, g.Samples, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
			t.Fatal("a whole batch reassembled to other samples")
		}
	})
}
