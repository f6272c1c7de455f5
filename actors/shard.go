package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/shard"
)

// shardActor owns one shard.
type shardActor struct {
	e     *Engine
	sh    *shard.Shard
	name  string
	clock *actor.PID
	out   []*actor.PID // bundles of the population's axons
	// inputs lists the axons (ascending) whose bundles feed this shard.
	inputs []int
	learn  bool
	ext    *extInput // input from an attachment, or nil

	seg    int64 // next segment to compute
	prev   grant // the last segment computed
	step   int64 // current step (for failure reports)
	grants map[int64]grant
	// in holds, per segment, the batches received so far, by axon.
	in map[int64]map[int]*events
}

func newShardActor(e *Engine, sh *shard.Shard) *shardActor {
	p := e.net.Populations[sh.Pop]
	name := p.Name
	if len(e.shards[sh.Pop]) > 1 {
		name = name + "[" + itoa(sh.Lo) + ":" + itoa(sh.Hi) + "]"
	}
	return &shardActor{e: e, sh: sh, name: "shard " + name, grants: map[int64]grant{}, in: map[int64]map[int]*events{}}
}

// Receive implements actor.Actor.
func (s *shardActor) Receive(ctx actor.Context) {
	defer s.e.guard(s.name, &s.step)
	switch m := ctx.Message().(type) {
	case *grant:
		s.grants[m.seg] = *m
	case *actuation:
		s.ext.got[m.seg] = m.values
	case *events:
		b := s.in[m.seg]
		if b == nil {
			b = map[int]*events{}
			s.in[m.seg] = b
		}
		b[m.axon] = m
	default:
		return
	}
	for s.ready() {
		s.compute(ctx)
	}
}

// ready reports whether segment s.seg can be computed: it is granted and
// every feeding bundle's batch of the segment before it has arrived.
func (s *shardActor) ready() bool {
	if _, ok := s.grants[s.seg]; !ok {
		return false
	}
	if s.seg == 0 {
		return true
	}
	if s.ext != nil {
		if _, ok := s.ext.got[s.seg-1]; !ok {
			return false
		}
	}
	return len(s.inputs) == 0 || len(s.in[s.seg-1]) == len(s.inputs)
}

func (s *shardActor) compute(ctx actor.Context) {
	g := s.grants[s.seg]
	delete(s.grants, s.seg)
	sh := s.sh
	pop := sh.Population

	// Apply the previous segment's batches: emission step, then axon,
	// then projection, then source — the sequential stepper's order.
	if s.seg > 0 && len(s.inputs) > 0 {
		batches := s.in[s.seg-1]
		delete(s.in, s.seg-1)
		pos := make([]int, len(s.inputs))
		prev := s.prev
		for st := prev.from; st < prev.to; st++ {
			for k, a := range s.inputs {
				b := batches[a]
				i := pos[k]
				j := i
				for j < len(b.ev) && b.ev[j].step == st {
					j++
				}
				pos[k] = j
				if i == j {
					continue
				}
				for _, t := range sh.In[a] {
					for _, ev := range b.ev[i:j] {
						t.Send(st, ev.Src, ev.Delay, ev.Value)
					}
				}
				if mt := sh.ModIn[a]; len(mt) > 0 {
					rows := uint32(s.e.net.Axons[a].Axon.Rows())
					for _, t := range mt {
						for _, ev := range b.ev[i:j] {
							t.SendModulator(st, int(ev.Src/rows), ev.Delay, ev.Value)
						}
					}
				}
			}
		}
	}

	if s.ext != nil && s.seg > 0 {
		copy(s.ext.values, s.ext.got[s.seg-1])
		delete(s.ext.got, s.seg-1)
	}
	n := int(g.to - g.from)
	o := &output{seg: s.seg, from: g.from, pop: sh.Pop, shard: sh.Index}
	graded := pop.Graded()
	if graded {
		o.values = make([][]float32, n)
	} else {
		o.fired = make([][]uint32, n)
	}
	lo := uint32(sh.Lo)
	for k := 0; k < n; k++ {
		step := g.from + int64(k)
		s.step = step
		for _, in := range sh.Inboxes {
			in.Arrive(step)
		}
		pop.Step(step)
		for _, p := range sh.Plastic {
			p.Learn(step, pop.PrevFired(), pop.PrevOutput(), s.learn)
		}
		if err := pop.Err(); err != nil {
			s.e.finish(errAt(step, s.name, err))
			return
		}
		for _, p := range sh.Plastic {
			if err := p.Err(); err != nil {
				s.e.finish(errAt(step, s.name, err))
				return
			}
		}
		if graded {
			o.values[k] = append([]float32(nil), pop.Output()...)
		} else if f := pop.Fired(); len(f) > 0 {
			g := make([]uint32, len(f))
			for i, x := range f {
				g[i] = x + lo
			}
			o.fired[k] = g
		}
	}
	for _, b := range s.out {
		ctx.Send(b, o)
	}
	ctx.Send(s.e.recPID, o)
	ctx.Send(s.clock, &progressFrom{seg: s.seg, pop: sh.Pop, shard: sh.Index})
	s.prev = g
	s.seg++
}

// progressFrom tells the clock that a shard finished a segment.
type progressFrom struct {
	seg   int64
	pop   int
	shard int
}
