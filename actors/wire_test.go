package actors

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/messages"
)

func partOf(k, n uint32) *messages.SpikeBatch { return &messages.SpikeBatch{Part: k, Parts: n} }

// collect hands back a batch's parts once every one has arrived, in any
// order, and refuses part counts beyond the bound, counts that disagree
// and parts given twice.
func TestCollect(t *testing.T) {
	pending := map[[2]int64][]*messages.SpikeBatch{}
	key := [2]int64{3, 7}
	for i, k := range []uint32{2, 0} {
		got, err := collect(pending, key, partOf(k, 3), 3)
		if err != nil || got != nil {
			t.Fatalf("part %d (%d of 3): %v, %v; want nothing yet", k, i+1, got, err)
		}
	}
	got, err := collect(pending, key, partOf(1, 3), 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("last part: %d parts, %v", len(got), err)
	}
	if len(pending) != 0 {
		t.Fatal("a complete batch stays pending")
	}
	if got, err := collect(pending, key, partOf(0, 0), 1); err != nil || len(got) != 1 {
		t.Fatalf("a whole batch: %v, %v", got, err)
	}
	for _, c := range []struct {
		name  string
		first *messages.SpikeBatch
		then  *messages.SpikeBatch
		want  string
	}{
		{"beyond the bound", nil, partOf(0, 4), "its link needs at most 3"},
		{"a part twice", partOf(1, 3), partOf(1, 3), "given twice"},
		{"counts disagree", partOf(0, 3), partOf(1, 2), "an earlier part 3"},
		{"index beyond the count", nil, partOf(3, 3), "part 3 of 3"},
	} {
		pending := map[[2]int64][]*messages.SpikeBatch{}
		if c.first != nil {
			if _, err := collect(pending, key, c.first, 3); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := collect(pending, key, c.then, 3); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// The part bounds are exactly the parts Split makes of the largest batch.
func TestPartBounds(t *testing.T) {
	for _, events := range []int64{0, 1, messages.MaxEventsPerMessage, messages.MaxEventsPerMessage + 1, 5*messages.MaxEventsPerMessage - 3} {
		ev := make([]messages.Event, events)
		for i := range ev {
			ev[i] = messages.Event{Step: int64(i % 4), Src: uint32(i)}
		}
		messages.SortEvents(ev)
		b := &messages.SpikeBatch{EpochLen: 4}
		if err := messages.PackSpikes(b, ev); err != nil {
			t.Fatal(err)
		}
		parts, err := b.Split(0)
		if err != nil {
			t.Fatal(err)
		}
		if got := spikeParts(events); got != len(parts) {
			t.Errorf("%d events: bound %d, Split makes %d", events, got, len(parts))
		}
	}
	for _, c := range []struct{ n, steps int }{{10, 1}, {messages.MaxFloatsPerMessage, 1}, {messages.MaxFloatsPerMessage + 1, 1}, {1000, 64}, {40000, 64}, {7, messages.MaxFloatsPerMessage + 5}} {
		g := &messages.GradedBatch{EpochLen: uint32(c.steps), NElements: uint32(c.n), TotalElements: uint32(c.n), Samples: make([]float32, c.n*c.steps)}
		parts, err := g.Split(0)
		if err != nil {
			t.Fatal(err)
		}
		if got := gradedParts(c.n, c.steps); got != len(parts) {
			t.Errorf("%d elements × %d steps: bound %d, Split makes %d", c.n, c.steps, got, len(parts))
		}
	}
}
