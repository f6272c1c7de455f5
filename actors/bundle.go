package actors

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/messages"
)

// emitter runs one axon over a segment: from the output of every shard of
// the source population it produces the axon's events, step by step, and
// sends one batch to every shard the axon feeds. It lives in a bundle
// actor, or — when the source population has a single shard in this
// process — inside that shard's actor, which saves a message hop per
// segment.
type emitter struct {
	index int // axon index in the network
	name  string
	// run merges the source shards' outputs and runs the axon.
	run    shard.Emitter
	dests  []*actor.PID
	remote []bool // per destination: a worker-hosted shard (protobuf)
	parts  []shard.Output
	// ring holds the batches of the last segments, reused in turn: the
	// batch of segment j is read by the destination shards when they
	// compute segment j + 1, and the clock's window guarantees that they
	// have before the axon emits segment j + len(ring) (see Engine.start).
	ring []*events
	// merged, when the emitter records its population's spikes for the
	// recorder, holds the merged outputs of the last segments (a ring
	// like ring: the recorder is done with segment j before the axon
	// emits segment j + len(merged)).
	merged []*output
	// recorded is the merged output of the last segment emitted (nil
	// without merged).
	recorded *output
}

// emit computes the events of a segment from the parts (one output per
// source shard, in shard order) with shard.Emitter.
func (m *emitter) emit(parts []*output, step *int64) (*events, error) {
	first := parts[0]
	steps := len(first.Fired)
	if m.run.Graded {
		steps = len(first.Values)
	}
	slot := int(first.seg % int64(len(m.ring)))
	msg := m.ring[slot]
	if msg == nil {
		msg = &events{}
		m.ring[slot] = msg
	}
	*msg = events{axon: m.index, seg: first.seg, from: first.from, steps: steps, ev: msg.ev[:0]}
	var rec *output
	if m.merged != nil {
		rec = ringSlot(m.merged, first.seg)
		rec.seg, rec.from, rec.pop, rec.shard = first.seg, first.from, first.pop, 0
	}
	m.parts = m.parts[:0]
	for _, p := range parts {
		m.parts = append(m.parts, p.Output)
	}
	var (
		rout *shard.Output
		err  error
	)
	if rec != nil {
		rout = &rec.Output
	}
	msg.ev, err = m.run.Emit(first.from, steps, m.parts, msg.ev, rout, step)
	if err != nil {
		return nil, errAt(*step, m.name, err)
	}
	m.recorded = rec
	return msg, nil
}

// send gives every destination the same read-only batch (worker-hosted
// shards get it as protobuf, cut into parts that fit a message); the
// destination self, if any, takes it directly.
func (m *emitter) send(ctx actor.Context, msg *events, self *actor.PID, take func(*events)) {
	var wire []*messages.SpikeBatch
	for k, d := range m.dests {
		switch {
		case d == self:
			take(msg)
		case !m.remote[k]:
			ctx.Send(d, msg)
		default:
			if wire == nil {
				wire = m.encode(msg)
			}
			for _, p := range wire {
				ctx.Send(d, p)
			}
		}
	}
}

func (m *emitter) encode(msg *events) []*messages.SpikeBatch {
	ev := make([]messages.Event, len(msg.ev))
	for i, x := range msg.ev {
		ev[i] = messages.Event{Step: x.Step, Src: x.Src, Delay: x.Delay, Value: x.Value}
	}
	sb := &messages.SpikeBatch{Link: uint32(m.index), Epoch: uint64(msg.seg), FirstStep: msg.from, EpochLen: uint32(msg.steps)}
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

// bundleActor runs one axon whose source population has several shards
// (or lives in worker processes): it gathers the shards' outputs of a
// segment, then emits. It runs in the coordinator's process, or — when
// the shards live in workers — in the worker that holds most of the
// source shards (Worker), which wires it on the coordinator's WorkerInit.
type bundleActor struct {
	geo  *geometry
	fail func(error) // reports a failure: the run stops
	log  *zap.Logger
	m    *emitter
	nsrc int        // source shards
	src  int        // source population
	rec  *actor.PID // the recorder, when the bundle records its population

	next    int64 // next segment to emit
	step    int64
	pending map[int64]*gather
	wire    assembler
	// wireInit, in a worker, checks a WorkerInit and wires the bundle
	// (its destinations and rings); wired tells whether it has been.
	wireInit func(*messages.WorkerInit) error
	wired    bool
	// coord is the coordinator's address once wired; state the axon's
	// state taken or restored over the wire; restored, whether it was.
	coord    string
	state    stateIO
	restored bool
}

type gather struct {
	parts []*output
	got   int
}

// Receive implements actor.Actor.
func (b *bundleActor) Receive(ctx actor.Context) {
	defer guard(b.log, b.fail, b.m.name, &b.step)
	if m, ok := ctx.Message().(*messages.WorkerInit); ok && b.wireInit != nil {
		ready := &messages.WorkerReady{Actor: uint32(len(b.geo.ids) + b.m.index)}
		switch {
		case b.wired:
			ready.Error = b.m.name + ": already wired"
		default:
			if err := b.wireInit(m); err != nil {
				ready.Error = b.m.name + ": " + err.Error()
			} else {
				b.wired = true
			}
		}
		ctx.Respond(ready)
		return
	}
	if b.wired {
		switch m := ctx.Message().(type) {
		case *messages.StateRequest:
			ctx.Respond(b.state.serve(m, uint32(len(b.geo.ids)+b.m.index), func(step int64) ([]checkpoint.Piece, error) {
				return checkpoint.AxonPieces(b.geo.net, b.m.index, step)
			}))
			return
		case *messages.StateChunk:
			ready := &messages.WorkerReady{Actor: uint32(len(b.geo.ids) + b.m.index)}
			if err := b.restoreChunk(ctx, m); err != nil {
				ready.Error = b.m.name + ": " + err.Error()
			}
			ctx.Respond(ready)
			return
		}
	}
	if b.wireInit != nil && !b.wired {
		switch ctx.Message().(type) {
		case *messages.SpikeBatch, *messages.GradedBatch, *output:
			b.fail(peerError("%s: a batch before the coordinator wired it", b.m.name))
		}
		return
	}
	o, ok, err := b.wire.receive(b.geo, ctx.Message(), func(int) int64 { return b.next })
	if err != nil {
		b.fail(fmt.Errorf("%s: %w", b.m.name, err))
		return
	}
	if !ok {
		return
	}
	if o.pop != b.src {
		b.fail(peerError("%s: the output of segment %d of a shard of another population (%s)", b.m.name, o.seg, b.geo.net.Populations[o.pop].Name))
		return
	}
	g := b.pending[o.seg]
	if g == nil {
		g = &gather{parts: make([]*output, b.nsrc)}
		b.pending[o.seg] = g
	}
	if g.parts[o.shard] != nil {
		b.fail(peerError("%s: the output of segment %d of shard %d twice", b.m.name, o.seg, o.shard))
		return
	}
	if g.got > 0 {
		for _, q := range g.parts {
			if q != nil {
				if err := b.geo.checkOutput(o, q); err != nil {
					b.fail(peerError("%s: shard %d: %v", b.m.name, o.shard, err))
					return
				}
				break
			}
		}
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
		msg, err := b.m.emit(g.parts, &b.step)
		if err != nil {
			b.fail(err)
			return
		}
		b.m.send(ctx, msg, nil, nil)
		if b.rec != nil {
			ctx.Send(b.rec, b.m.recorded)
		}
		b.next++
	}
}

// restoreChunk takes a chunk of the state a worker's copy of an axon
// restores (from the coordinator, before the first run) and, with the
// last, sets it.
func (b *bundleActor) restoreChunk(ctx actor.Context, m *messages.StateChunk) error {
	switch {
	case ctx.Sender() == nil || ctx.Sender().Address != b.coord:
		return errors.New("a state to restore from another process than the coordinator")
	case b.next != 0 || b.restored:
		return errors.New("a state to restore after the first run, or a second time")
	case m.Step < 0:
		return fmt.Errorf("a state to restore at step %d", m.Step)
	}
	ps, err := b.state.take(m)
	if err != nil || ps == nil {
		return err
	}
	if err := checkpoint.RestoreAxon(b.geo.net, b.m.index, m.Step, ps); err != nil {
		return err
	}
	b.restored, b.step = true, m.Step
	return nil
}
