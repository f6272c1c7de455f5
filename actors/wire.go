package actors

import (
	"fmt"
	"sync"

	"github.com/spiral-sim/spiral/messages"
)

// Checks on what arrives from another process. Peers are authenticated
// (package transport), but a message is still checked before anything
// indexes with it, and what a peer can make this process hold is bounded:
// a batch is kept only for a link that feeds its receiver and a segment
// inside the clock's window (plus aheadSlack), at most once per part.

// The parts a batch may come in are bounded by what its link can carry in
// one segment (see spikeParts and gradedParts): a peer cannot announce more
// parts than a real batch would need.

// aheadSlack is how many segments beyond the last one it was granted a
// worker-hosted shard accepts batches for. The clock's grant to a shard
// is sent before the batches of that segment (one connection per pair of
// processes keeps them in order), so no batch legitimately arrives ahead
// of its grant; the slack only absorbs reordering that this reasoning
// missed, and bounds what a peer can make a shard hold.
const aheadSlack = 64

// part is a piece of a batch cut by Split.
type part interface {
	GetPart() uint32
	GetParts() uint32
}

// collect adds m to the parts gathered under key and returns them once
// all have arrived (nil before). It refuses a part count above maxParts
// or different from the first part's, and a part given twice.
func collect[K comparable, P part](pending map[K][]P, key K, m P, maxParts int) ([]P, error) {
	n := m.GetParts()
	if n <= 1 {
		return []P{m}, nil
	}
	if int64(n) > int64(maxParts) {
		return nil, fmt.Errorf("a batch in %d parts (its link needs at most %d)", n, maxParts)
	}
	if m.GetPart() >= n {
		return nil, fmt.Errorf("part %d of %d", m.GetPart(), n)
	}
	have := pending[key]
	for _, p := range have {
		if p.GetParts() != n {
			return nil, fmt.Errorf("part %d says %d parts, an earlier part %d", m.GetPart(), n, p.GetParts())
		}
		if p.GetPart() == m.GetPart() {
			return nil, fmt.Errorf("part %d of %d given twice", m.GetPart(), n)
		}
	}
	have = append(have, m)
	if len(have) < int(n) {
		pending[key] = have
		return nil, nil
	}
	delete(pending, key)
	return have, nil
}

// checkWindow refuses a segment outside [lo, hi].
func checkWindow(seg, lo, hi int64) error {
	if seg < lo {
		return fmt.Errorf("segment %d, already complete (expecting %d and later)", seg, lo)
	}
	if seg > hi {
		return fmt.Errorf("segment %d, beyond the window (at most %d now)", seg, hi)
	}
	return nil
}

// checkPlacement checks a placement of shards shards on workers workers
// (nil is round robin).
func checkPlacement(p []int, shards, workers int) error {
	if p == nil {
		return nil
	}
	if len(p) != shards {
		return fmt.Errorf("a placement of %d shards for %d", len(p), shards)
	}
	for g, w := range p {
		if w < 0 || w >= workers {
			return fmt.Errorf("placement: shard %d on worker %d of %d", g, w, workers)
		}
	}
	return nil
}

// spikeParts is the most parts a spike batch of at most events events is
// cut into (SpikeBatch.Split with messages.MaxEventsPerMessage).
func spikeParts(events int64) int {
	return int(max(1, (events+messages.MaxEventsPerMessage-1)/messages.MaxEventsPerMessage))
}

// gradedParts is the most parts a graded batch of n elements over steps
// steps is cut into (GradedBatch.Split with messages.MaxFloatsPerMessage:
// at least one element per part).
func gradedParts(n, steps int) int {
	per := max(messages.MaxFloatsPerMessage/max(steps, 1), 1)
	return max(1, (n+per-1)/per)
}

// purge drops the parts gathered for segments before lo: a batch that was
// never completed and can no longer be used.
func purge[P any](pending map[[2]int64][]P, lo int64) {
	for k := range pending {
		if k[1] < lo {
			delete(pending, k)
		}
	}
}

// segBounds holds the steps of every segment the clock has cut and the
// recorder has not yet completed, so that outputs from workers can be
// checked against them. It is safe for concurrent use.
type segBounds struct {
	mu sync.Mutex
	m  map[int64][2]int64
}

func (b *segBounds) put(seg, from, to int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[int64][2]int64{}
	}
	b.m[seg] = [2]int64{from, to}
}

func (b *segBounds) get(seg int64) ([2]int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[seg]
	return v, ok
}

func (b *segBounds) drop(seg int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, seg)
}
