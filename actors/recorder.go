package actors

import (
	"fmt"
	"slices"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// recorder collects every population's spikes in the sequential
// stepper's order (step, then element), off the shards' path.
type recorder struct {
	e        *Engine
	mu       sync.Mutex
	pops     []*popRecord
	reported int64 // segments recorded for every population, told to the clock

	attachments []*attachment
	bounds      map[int64][2]int64 // segment -> [from, to)
	wire        assembler
}

// recorded tells the clock that every population's spikes of segments
// [0, upTo) are recorded.
type recorded struct{ upTo int64 }

type popRecord struct {
	nshards int
	next    int64
	pending map[int64][]*output
	free    [][]*output // emptied parts lists, for reuse
	steps   []int64
	elems   []uint32
}

func newRecorder(e *Engine) *recorder {
	r := &recorder{e: e, bounds: map[int64][2]int64{}}
	for _, row := range e.shards {
		r.pops = append(r.pops, &popRecord{nshards: len(row), pending: map[int64][]*output{}})
	}
	return r
}

// Receive implements actor.Actor.
func (r *recorder) Receive(ctx actor.Context) {
	var step int64
	defer r.e.guard("recorder", &step)
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok, err := r.wire.receive(&r.e.geometry, ctx.Message(), func(pop int) int64 { return r.pops[pop].next })
	if err != nil {
		r.e.finish(fmt.Errorf("recorder: %w", err))
		return
	}
	if !ok {
		return
	}
	if err := r.check(o); err != nil {
		r.e.finish(peerError("recorder: %v", err))
		return
	}
	n := len(o.Fired) + len(o.Values)
	r.bounds[o.seg] = [2]int64{o.from, o.from + int64(n)}
	r.add(o, &step)
	m := r.pops[0].next
	for _, p := range r.pops {
		m = min(m, p.next)
	}
	if m == r.reported {
		return
	}
	var end int64
	for ; r.reported < m; r.reported++ {
		b := r.bounds[r.reported]
		delete(r.bounds, r.reported)
		if len(r.e.workers) > 0 && r.reported >= 2 {
			// Every shard computed segment j + 1 only after it took
			// segment j from its bundles, so once j + 1 is recorded no
			// bundle waits for an output of j any more (one more of
			// slack).
			r.e.segs.drop(r.reported - 2)
		}
		r.observations(ctx, r.reported, b[0], b[1])
		end = b[1]
	}
	if r.e.discard {
		// Everything before the end of the reported segments has been
		// handed out: keep only what is newer.
		for _, p := range r.pops {
			k, _ := slices.BinarySearch(p.steps, end)
			n := copy(p.steps, p.steps[k:])
			copy(p.elems, p.elems[k:])
			p.steps, p.elems = p.steps[:n], p.elems[:n]
		}
	}
	ctx.Send(r.e.clock, &recorded{upTo: m})
}

// check refuses a second output of a shard for a segment, and one whose
// steps differ from those of another shard's output of that segment.
func (r *recorder) check(o *output) error {
	parts := r.pops[o.pop].pending[o.seg]
	if parts == nil {
		return nil
	}
	if parts[o.shard] != nil {
		return fmt.Errorf("the output of segment %d of shard %d of %s twice", o.seg, o.shard, r.e.net.Populations[o.pop].Name)
	}
	for _, q := range parts {
		if q != nil {
			return r.e.checkOutput(o, q)
		}
	}
	return nil
}

func (r *recorder) add(o *output, step *int64) {
	p := r.pops[o.pop]
	parts := p.pending[o.seg]
	if parts == nil {
		if n := len(p.free); n > 0 {
			parts, p.free = p.free[n-1], p.free[:n-1]
		} else {
			parts = make([]*output, p.nshards)
		}
		p.pending[o.seg] = parts
	}
	parts[o.shard] = o
	for {
		parts := p.pending[p.next]
		if parts == nil {
			return
		}
		for _, q := range parts {
			if q == nil {
				return
			}
		}
		delete(p.pending, p.next)
		start := len(p.steps)
		for k := range parts[0].Fired {
			st := parts[0].from + int64(k)
			*step = st
			for _, q := range parts {
				for _, el := range q.Fired[k] {
					p.steps = append(p.steps, st)
					p.elems = append(p.elems, el)
				}
			}
		}
		if f := r.e.onSpikes; f != nil && len(p.steps) > start {
			f(r.e.net.Populations[o.pop].Name, p.steps[start:], p.elems[start:])
		}
		clear(parts)
		p.free = append(p.free, parts)
		p.next++
	}
}
