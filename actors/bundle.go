package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/messages"
)

// bundleActor runs one axon: it gathers the output of every shard of the
// source population for a segment, emits the axon's events step by step
// and sends them to every shard it feeds, one batch per shard and segment.
type bundleActor struct {
	e      *Engine
	index  int
	axon   *axon.Axon
	src    int // source population
	nsrc   int // its shards
	graded bool
	n      int // source elements
	dests  []*actor.PID
	remote []bool // per destination: a worker-hosted shard (protobuf)

	next    int64 // next segment to emit
	step    int64
	pending map[int64]*gather
	fired   []uint32
	values  []float32
	scratch []axon.Event
}

type gather struct {
	parts []*output
	got   int
}

// Receive implements actor.Actor.
func (b *bundleActor) Receive(ctx actor.Context) {
	defer b.e.guard("bundle "+b.e.net.Populations[b.src].Name+"."+b.e.net.Axons[b.index].Name, &b.step)
	var o *output
	switch m := ctx.Message().(type) {
	case *output:
		o = m
	case *messages.SpikeBatch, *messages.GradedBatch:
		var err error
		if o, err = b.e.fromRemote(m); err != nil {
			panic(err)
		}
	default:
		return
	}
	g := b.pending[o.seg]
	if g == nil {
		g = &gather{parts: make([]*output, b.nsrc)}
		b.pending[o.seg] = g
	}
	g.parts[o.shard] = o
	g.got++
	// Segments are emitted in order: a stateful axon advances step by step.
	for {
		g := b.pending[b.next]
		if g == nil || g.got < b.nsrc {
			return
		}
		delete(b.pending, b.next)
		b.emit(ctx, g)
		b.next++
	}
}

func (b *bundleActor) emit(ctx actor.Context, g *gather) {
	first := g.parts[0]
	steps := len(first.fired)
	if b.graded {
		steps = len(first.values)
		if b.values == nil {
			b.values = make([]float32, b.n)
		}
	}
	msg := &events{axon: b.index, seg: first.seg}
	for k := 0; k < steps; k++ {
		step := first.from + int64(k)
		b.step = step
		if b.graded {
			off := 0
			for _, p := range g.parts {
				off += copy(b.values[off:], p.values[k])
			}
			b.scratch = b.axon.EmitGraded(b.values, b.scratch[:0])
		} else {
			b.fired = b.fired[:0]
			for _, p := range g.parts {
				b.fired = append(b.fired, p.fired[k]...)
			}
			b.scratch = b.axon.Emit(b.fired, b.scratch[:0])
		}
		if err := b.axon.Err(); err != nil {
			b.e.finish(errAt(step, "bundle "+b.e.net.Axons[b.index].Name, err))
			return
		}
		for _, ev := range b.scratch {
			msg.ev = append(msg.ev, stepEvent{step, ev})
		}
	}
	// Every destination gets the same read-only batch; worker-hosted
	// shards get it as protobuf, cut into parts that fit a message.
	var wire []*messages.SpikeBatch
	for k, d := range b.dests {
		if !b.remote[k] {
			ctx.Send(d, msg)
			continue
		}
		if wire == nil {
			wire = b.encode(msg, first.from, steps)
		}
		for _, p := range wire {
			ctx.Send(d, p)
		}
	}
}

func (b *bundleActor) encode(msg *events, from int64, steps int) []*messages.SpikeBatch {
	ev := make([]messages.Event, len(msg.ev))
	for i, x := range msg.ev {
		ev[i] = messages.Event{Step: x.step, Src: x.Src, Delay: x.Delay, Value: x.Value}
	}
	sb := &messages.SpikeBatch{Link: uint32(b.index), Epoch: uint64(msg.seg), FirstStep: from, EpochLen: uint32(steps)}
	if err := messages.PackSpikes(sb, ev); err != nil {
		panic(fmt.Errorf("packing segment %d: %w", msg.seg, err))
	}
	parts, err := sb.Split(messages.MaxEventsPerMessage)
	if err != nil {
		panic(fmt.Errorf("splitting segment %d: %w", msg.seg, err))
	}
	return parts
}

func axonEvent(x messages.Event) axon.Event {
	return axon.Event{Src: x.Src, Delay: x.Delay, Value: x.Value}
}
