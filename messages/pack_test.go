package messages

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// randomEvents returns about n events in canonical order inside the epoch
// [first, first+steps), from sources below rows.
func randomEvents(r *rand.Rand, first int64, steps, rows, n int, delays, values bool) []Event {
	p := float64(n) / float64(steps*rows)
	var ev []Event
	for s := range steps {
		for src := range rows {
			if r.Float64() >= p {
				continue
			}
			e := Event{Step: first + int64(s), Src: uint32(src), Value: 1}
			if delays {
				e.Delay = 3 + uint32(r.IntN(20))
			}
			if values {
				e.Value = r.Float32()*2 - 1
			}
			ev = append(ev, e)
		}
	}
	return ev
}

func header(link uint32, epoch uint64, steps uint32) *SpikeBatch {
	return &SpikeBatch{Link: link, Epoch: epoch, FirstStep: int64(epoch) * int64(steps), EpochLen: steps}
}

func TestPackUnpackRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name           string
		steps, rows, n int
		delays, values bool
	}{
		{"empty", 15, 100, 0, false, false},
		{"ones", 15, 12500, 10000, false, false},
		{"mixed delays", 15, 12500, 10000, true, false},
		{"values", 15, 12500, 10000, false, true},
		{"delays and values", 7, 3000, 2000, true, true},
		{"one step", 1, 1000, 50, true, true},
	}
	var b SpikeBatch
	var got []Event
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := header(4, 9, uint32(c.steps))
			ev := randomEvents(r, h.FirstStep, c.steps, c.rows, c.n, c.delays, c.values)
			// duplicates (same step and source, different delays) keep their order
			if len(ev) > 0 {
				d := ev[len(ev)/2]
				if c.delays {
					d.Delay += 5
				}
				ev = slices.Insert(ev, len(ev)/2+1, d)
			}
			b.Link, b.Epoch, b.FirstStep, b.EpochLen = h.Link, h.Epoch, h.FirstStep, h.EpochLen
			if err := PackSpikes(&b, ev); err != nil {
				t.Fatal(err)
			}
			if (len(b.Values) == 0) != !c.values {
				t.Errorf("values stored %d, want omitted=%v", len(b.Values), !c.values)
			}
			if (len(b.DelayExtra) == 0) != !c.delays && len(ev) > 0 {
				t.Errorf("delays stored %d, want omitted=%v", len(b.DelayExtra), !c.delays)
			}
			var err error
			got, err = b.Unpack(got)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, ev) {
				t.Fatalf("round trip differs: %d events in, %d out", len(ev), len(got))
			}
			// proto round trip
			wire, err := proto.Marshal(&b)
			if err != nil {
				t.Fatal(err)
			}
			var b2 SpikeBatch
			if err := proto.Unmarshal(wire, &b2); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(&b, &b2) {
				t.Fatal("proto round trip differs")
			}
			got, err = b2.Unpack(got)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, ev) {
				t.Fatal("events differ after proto round trip")
			}
		})
	}
}

func TestPackReusesStorage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ev := randomEvents(r, 0, 15, 12500, 10000, true, true)
	b := header(1, 0, 15)
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	out, _ := b.Unpack(nil)
	allocs := testing.AllocsPerRun(20, func() {
		if err := PackSpikes(b, ev); err != nil {
			t.Fatal(err)
		}
		out, _ = b.Unpack(out)
	})
	if allocs != 0 {
		t.Errorf("pack+unpack allocates %v times per run, want 0", allocs)
	}
}

func TestAllOnesAndBaseDelay(t *testing.T) {
	b := header(2, 3, 5)
	ev := []Event{{15, 1, 7, 1}, {15, 4, 7, 1}, {17, 0, 7, 1}}
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	if len(b.Values) != 0 || len(b.DelayExtra) != 0 || b.BaseDelay != 7 {
		t.Fatalf("values %v, extras %v, base %d", b.Values, b.DelayExtra, b.BaseDelay)
	}
	if !slices.Equal(b.StepCounts, []uint32{2, 0, 1}) || !slices.Equal(b.SrcDelta, []uint32{1, 3, 0}) {
		t.Fatalf("counts %v, deltas %v", b.StepCounts, b.SrcDelta)
	}
	// -0 and 1 are not all ones; a value other than 1 forces the list.
	ev[1].Value = float32(math.Copysign(0, -1))
	ev[2].Delay = 2
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	if len(b.Values) != 3 || b.BaseDelay != 2 || !slices.Equal(b.DelayExtra, []uint32{5, 5, 0}) {
		t.Fatalf("values %v, extras %v, base %d", b.Values, b.DelayExtra, b.BaseDelay)
	}
	got, err := b.Unpack(nil)
	if err != nil || !slices.Equal(got, ev) || math.Signbit(float64(got[1].Value)) != true {
		t.Fatalf("unpack %v, %v", got, err)
	}
}

func TestRealisticSize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name           string
		delays, values bool
	}{{"plain", false, false}, {"delays", true, false}, {"values", false, true}, {"delays+values", true, true}} {
		ev := randomEvents(r, 1500, 15, 12500, 10000, c.delays, c.values)
		b := header(7, 100, 15)
		if err := PackSpikes(b, ev); err != nil {
			t.Fatal(err)
		}
		size := proto.Size(b)
		perEvent := float64(size) / float64(len(ev))
		t.Logf("%-14s %d events in 15 steps: %d bytes, %.2f bytes/event", c.name, len(ev), size, perEvent)
		limit := 1.2
		if c.delays {
			limit += 1
		}
		if c.values {
			limit += 4
		}
		if perEvent > limit {
			t.Errorf("%s: %.2f bytes/event, want at most %.1f", c.name, perEvent, limit)
		}
	}
}

func TestWorstCaseUnderLimit(t *testing.T) {
	// One event per step, each with a 5-byte source, a 5-byte delay extra
	// and a value: the most bytes per event.
	ev := make([]Event, MaxEventsPerMessage)
	for i := range ev {
		ev[i] = Event{Step: int64(i), Src: math.MaxUint32, Delay: math.MaxUint32, Value: 0.5}
	}
	ev[0].Delay = 0
	b := header(math.MaxUint32, math.MaxUint64/2, MaxEventsPerMessage)
	b.FirstStep = 0
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	b.Part, b.Parts = math.MaxUint32-1, math.MaxUint32
	if size := proto.Size(b); size > MaxMessageBytes {
		t.Fatalf("worst case batch is %d bytes, over %d", size, MaxMessageBytes)
	} else {
		t.Logf("worst case %d events: %d bytes", MaxEventsPerMessage, size)
	}
}

func TestSplitReassemble(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ev := randomEvents(r, 30, 15, 12500, 10000, true, true)
	b := header(3, 2, 15)
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int{1, 7, 1000, 3333, len(ev) - 1, len(ev), 0} {
		parts, err := b.Split(max)
		if err != nil {
			t.Fatal(err)
		}
		lim := max
		if lim <= 0 {
			lim = MaxEventsPerMessage
		}
		want := (len(ev) + lim - 1) / lim
		if len(parts) != want {
			t.Fatalf("max %d: %d parts, want %d", max, len(parts), want)
		}
		// parts travel over the wire and arrive in any order
		shuffled := make([]*SpikeBatch, len(parts))
		for i, j := range r.Perm(len(parts)) {
			wire, err := proto.Marshal(parts[j])
			if err != nil {
				t.Fatal(err)
			}
			shuffled[i] = new(SpikeBatch)
			if err := proto.Unmarshal(wire, shuffled[i]); err != nil {
				t.Fatal(err)
			}
			if n := shuffled[i].Len(); n > lim {
				t.Fatalf("part has %d events, over %d", n, lim)
			}
		}
		got, err := Reassemble(nil, shuffled)
		if err != nil {
			t.Fatalf("max %d: %v", max, err)
		}
		if !slices.Equal(got, ev) {
			t.Fatalf("max %d: reassembled events differ", max)
		}
	}
}

func TestReassembleRejects(t *testing.T) {
	ev := make([]Event, 300)
	for i := range ev {
		ev[i] = Event{Step: int64(i / 20), Src: uint32(i % 20), Value: 1}
	}
	b := header(5, 0, 15)
	if err := PackSpikes(b, ev); err != nil {
		t.Fatal(err)
	}
	parts, err := b.Split(100)
	if err != nil {
		t.Fatal(err)
	}
	n := len(parts)
	clone := func() []*SpikeBatch {
		c := make([]*SpikeBatch, n)
		for i, p := range parts {
			c[i] = proto.Clone(p).(*SpikeBatch)
		}
		return c
	}
	check := func(name string, ps []*SpikeBatch, want string) {
		t.Helper()
		_, err := Reassemble(nil, ps)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
	check("missing", clone()[1:], "have 2 parts, want 3")
	c := clone()
	c[2].Part = 0
	check("duplicate", c, "link 5 epoch 0: reassemble: part 2 of 3 is missing")
	c = clone()
	c[1].Epoch = 1
	check("other epoch", c, "part 1 has header (link 5, epoch 1,")
	c = clone()
	c[0], c[1] = c[1], c[0]
	c[0].Part, c[1].Part = c[1].Part, c[0].Part // swapped content: order breaks
	check("order", c, "part 1/3: first event (step 0, source 0) is out of canonical order after the previous part's last (step 9, source 19)")
	check("none", nil, "no parts")
}

func TestUnpackRejects(t *testing.T) {
	good := func() *SpikeBatch {
		b := header(11, 42, 4)
		if err := PackSpikes(b, []Event{{168, 2, 1, 0.5}, {168, 9, 3, 1}, {170, 1, 2, 2}}); err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name  string
		edit  func(b *SpikeBatch)
		match string
	}{
		{"zero epoch length", func(b *SpikeBatch) { b.EpochLen = 0 }, "epoch length is 0"},
		{"too many step counts", func(b *SpikeBatch) { b.StepCounts = append(b.StepCounts, 0, 0) }, "5 step counts for an epoch of 4 steps"},
		{"counts do not sum", func(b *SpikeBatch) { b.StepCounts[0]++ }, "step counts sum to 4 but 3 sources"},
		{"short values", func(b *SpikeBatch) { b.Values = b.Values[:2] }, "2 values for 3 events"},
		{"short delays", func(b *SpikeBatch) { b.DelayExtra = b.DelayExtra[:1] }, "1 delays for 3 events"},
		{"source overflow", func(b *SpikeBatch) { b.SrcDelta[1] = math.MaxUint32 }, "source overflows"},
		{"delay overflow", func(b *SpikeBatch) { b.DelayExtra[2] = math.MaxUint32 }, "delay overflows"},
		{"bad part", func(b *SpikeBatch) { b.Part, b.Parts = 3, 3 }, "part index 3 not below part count 3"},
		{"part of whole", func(b *SpikeBatch) { b.Part = 1 }, "part index 1 in a whole batch"},
	}
	for _, c := range cases {
		b := good()
		c.edit(b)
		out, err := b.Unpack(make([]Event, 5))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), "link 11 epoch 42") || !strings.Contains(err.Error(), c.match) {
			t.Errorf("%s: error %q, want link, epoch and %q", c.name, err, c.match)
		}
		if len(out) != 0 {
			t.Errorf("%s: %d events returned with the error", c.name, len(out))
		}
	}
	// wire bytes that are not a batch
	var b SpikeBatch
	if err := proto.Unmarshal([]byte{0x3a, 0xff}, &b); err == nil {
		t.Error("truncated wire accepted")
	}
}

func TestPackRejects(t *testing.T) {
	cases := []struct {
		name  string
		ev    []Event
		match string
	}{
		{"before epoch", []Event{{7, 0, 0, 1}}, "event 0 at step 7 is outside the epoch [8, 12)"},
		{"after epoch", []Event{{8, 0, 0, 1}, {12, 0, 0, 1}}, "event 1 at step 12 is outside the epoch [8, 12)"},
		{"step order", []Event{{9, 0, 0, 1}, {8, 5, 0, 1}}, "event 1 (step 8, source 5) is out of canonical order"},
		{"source order", []Event{{9, 4, 0, 1}, {9, 3, 0, 1}}, "event 1 (step 9, source 3) is out of canonical order"},
	}
	for _, c := range cases {
		b := header(6, 2, 4)
		err := PackSpikes(b, c.ev)
		if err == nil || !strings.Contains(err.Error(), "link 6 epoch 2") || !strings.Contains(err.Error(), c.match) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.match)
		}
		if b.Len() != 0 || len(b.StepCounts) != 0 {
			t.Errorf("%s: batch not left empty", c.name)
		}
	}
	if err := PackSpikes(&SpikeBatch{}, nil); err == nil || !strings.Contains(err.Error(), "epoch length is 0") {
		t.Errorf("zero epoch length: %v", err)
	}
}

func TestSortEvents(t *testing.T) {
	ev := []Event{{2, 5, 1, 1}, {1, 9, 0, 1}, {2, 5, 0, 1}, {1, 3, 0, 1}, {2, 1, 0, 1}}
	SortEvents(ev)
	want := []Event{{1, 3, 0, 1}, {1, 9, 0, 1}, {2, 1, 0, 1}, {2, 5, 1, 1}, {2, 5, 0, 1}}
	if !slices.Equal(ev, want) {
		t.Fatalf("got %v", ev)
	}
}

func BenchmarkPackMarshal10k(b *testing.B) {
	for _, c := range []struct {
		name           string
		delays, values bool
	}{{"plain", false, false}, {"delays+values", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(11, 12))
			ev := randomEvents(r, 0, 15, 12500, 10000, c.delays, c.values)
			batch := header(1, 0, 15)
			var buf []byte
			opt := proto.MarshalOptions{}
			b.ReportAllocs()
			for b.Loop() {
				if err := PackSpikes(batch, ev); err != nil {
					b.Fatal(err)
				}
				var err error
				if buf, err = opt.MarshalAppend(buf[:0], batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(buf))/float64(len(ev)), "B/event")
		})
	}
}

func BenchmarkUnmarshalUnpack10k(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	ev := randomEvents(r, 0, 15, 12500, 10000, false, false)
	batch := header(1, 0, 15)
	if err := PackSpikes(batch, ev); err != nil {
		b.Fatal(err)
	}
	wire, _ := proto.Marshal(batch)
	var out []Event
	var in SpikeBatch
	b.ReportAllocs()
	for b.Loop() {
		if err := proto.Unmarshal(wire, &in); err != nil {
			b.Fatal(err)
		}
		var err error
		if out, err = in.Unpack(out); err != nil {
			b.Fatal(err)
		}
	}
}
