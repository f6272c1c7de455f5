package actors

import (
	"fmt"
)

// Checks on what arrives from another process. Peers are authenticated
// (package transport), but a message is still checked before anything
// indexes with it, and what a peer can make this process hold is bounded:
// a batch is kept only for a link that feeds its receiver and a segment
// inside the clock's window (plus aheadSlack), at most once per part.

// maxParts bounds the parts of one batch. A part holds up to
// messages.MaxEventsPerMessage (2^17) events, so 2^20 parts would be
// 2^37 events in one segment of one link: no real network comes near.
const maxParts = 1 << 20

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
func collect[K comparable, P part](pending map[K][]P, key K, m P) ([]P, error) {
	n := m.GetParts()
	if n <= 1 {
		return []P{m}, nil
	}
	if n > maxParts {
		return nil, fmt.Errorf("a batch in %d parts (at most %d)", n, maxParts)
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

// workerOf returns the address of the worker hosting global shard g.
func (e *Engine) workerOf(g int) string { return e.workers[g%len(e.workers)] }

// wireSegment checks the segment of a batch from worker-hosted shard g to
// an actor expecting segment next and later: inside the window.
func (e *Engine) wireSegment(seg uint64, next int64) error {
	if seg > uint64(1<<62) {
		return fmt.Errorf("segment %d", seg)
	}
	return checkWindow(int64(seg), next, next+int64(e.window)+aheadSlack)
}

// checkOutput checks a remote shard's output after reassembly: its
// segment's bounds agree with the first output of that segment gathered
// so far (ref, nil if none), and its elements lie in the shard.
func (e *Engine) checkOutput(o, ref *output) error {
	n := max(len(o.fired), len(o.values))
	if n > e.e {
		return fmt.Errorf("segment %d of %d steps (segments have at most %d)", o.seg, n, e.e)
	}
	if ref != nil {
		if rn := max(len(ref.fired), len(ref.values)); ref.from != o.from || rn != n {
			return fmt.Errorf("segment %d covers steps [%d, %d), another shard's [%d, %d)", o.seg, o.from, o.from+int64(n), ref.from, ref.from+int64(rn))
		}
	}
	sh := e.shards[o.pop][o.shard]
	lo, hi := sh.Lo, sh.Hi
	if p := e.net.Populations[o.pop]; p.Batch > 1 {
		// One shard holds every copy: elements b·N + i.
		lo, hi = 0, p.Len()
	}
	for k, f := range o.fired {
		for _, x := range f {
			if int(x) < lo || int(x) >= hi {
				return fmt.Errorf("segment %d step %d: element %d outside the shard's [%d, %d)", o.seg, o.from+int64(k), x, lo, hi)
			}
		}
	}
	return nil
}
