package actors

import (
	"errors"
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/state"
)

// flushTimeout bounds how long a checkpoint waits for a shard to apply
// the batches emitted so far.
const flushTimeout = requestTimeout

// stateChunkBytes is the state a StateChunk carries at most; maxStateBytes
// bounds the state of one actor (a shard's part of the network) that a
// process takes from another.
const (
	stateChunkBytes = messages.MaxMessageBytes - 64<<10
	maxStateBytes   = 1 << 36
)

// Checkpoint returns the network's state after the steps computed so far
// (package checkpoint), to restore on any engine and layout. Call it
// between runs, on an engine that has no attached actor. Every shard
// first applies the batches emitted so far (which it would apply as it
// computes the next segments; far links' up to their lag ahead), so that
// nothing is in flight. Then every shard gives its part of the state, and
// one copy of each axon its state — from the workers, over the network,
// where they live there — and the parts are joined: no process needs to
// hold the whole network.
func (e *Engine) Checkpoint() (*checkpoint.Snapshot, error) {
	if err := e.canCheckpoint(); err != nil {
		return nil, err
	}
	if e.inRun.Load() {
		return nil, errors.New("actors: a checkpoint is taken between runs")
	}
	if err := e.flushShards(); err != nil {
		return nil, err
	}
	var pieces []checkpoint.Piece
	for pi, row := range e.shards {
		for si, sh := range row {
			g := e.globalID(pi, si)
			if !e.remoteShard[g] {
				ps, err := checkpoint.HoldingPieces(e.net, sh.Holding(), e.step)
				if err != nil {
					return nil, err
				}
				pieces = append(pieces, ps...)
				continue
			}
			ps, err := e.pullState(e.spids[pi][si])
			if err != nil {
				return nil, err
			}
			if err := e.checkShardPieces(pi, si, ps); err != nil {
				return nil, peerWrap(err, "engine: the state of shard %d from %s", g, e.spids[pi][si].Address)
			}
			pieces = append(pieces, ps...)
		}
	}
	for a := range e.net.Axons {
		ws := e.copiesOf(a)
		switch {
		case len(ws) == 0:
			// The axon runs in this process (or feeds no shard, and
			// never runs).
			ps, err := checkpoint.AxonPieces(e.net, a, e.step)
			if err != nil {
				return nil, err
			}
			pieces = append(pieces, ps...)
		case slices.ContainsFunc(ws, func(w int) bool { return e.inShard(a, w) }):
			// Its source's only shard runs a copy and gave its state.
		default:
			pid := actor.NewPID(e.workers[ws[0]], BundleActorName(a))
			ps, err := e.pullState(pid)
			if err != nil {
				return nil, err
			}
			unit := checkpoint.AxonUnit(e.net, a)
			for _, p := range ps {
				if !p.Whole || p.Unit != unit {
					return nil, peerError("engine: the state of %s from %s holds %s", unit, pid.Address, p.Path)
				}
			}
			pieces = append(pieces, ps...)
		}
	}
	return checkpoint.Join(e.net, e.step, pieces)
}

// Restore sets the network's state to snap's, on this engine's layout, and
// continues from its step. Call it before the first run, on an engine
// with no attached actor. Each shard and axon copy that lives in a worker
// gets its part of the state, cut to it here.
func (e *Engine) Restore(snap *checkpoint.Snapshot) error {
	if err := e.canCheckpoint(); err != nil {
		return err
	}
	if e.step != 0 || e.inRun.Load() {
		return errors.New("actors: restore a checkpoint into a new engine, before its first run")
	}
	if err := checkpoint.Check(snap, e.net); err != nil {
		return err
	}
	for pi, row := range e.shards {
		for si, sh := range row {
			ps, err := checkpoint.HoldingState(snap, e.net, pi, sh.Lo, sh.Hi)
			if err != nil {
				return err
			}
			g := e.globalID(pi, si)
			if !e.remoteShard[g] {
				if err := checkpoint.RestoreHolding(e.net, sh.Holding(), snap.Step, ps); err != nil {
					return err
				}
				continue
			}
			// The copies of axons this shard runs, as the only shard of
			// their source on its worker.
			for a, ax := range e.net.Axons {
				if ax.Source == pi && slices.Contains(e.copiesOf(a), e.workerIndex(g)) && e.inShard(a, e.workerIndex(g)) {
					as, err := checkpoint.AxonState(snap, e.net, a)
					if err != nil {
						return err
					}
					ps = append(ps, as...)
				}
			}
			if err := e.pushState(e.spids[pi][si], snap.Step, ps); err != nil {
				return err
			}
		}
	}
	for a := range e.net.Axons {
		as, err := checkpoint.AxonState(snap, e.net, a)
		if err != nil {
			return err
		}
		// This process's own copy too: it runs the axon when no worker
		// does, and is what the network reads otherwise.
		if err := checkpoint.RestoreAxon(e.net, a, snap.Step, as); err != nil {
			return err
		}
		for _, w := range e.copiesOf(a) {
			if !e.inShard(a, w) {
				if err := e.pushState(actor.NewPID(e.workers[w], BundleActorName(a)), snap.Step, as); err != nil {
					return err
				}
			}
		}
	}
	// No actor of this process has had a message yet: the clock's state
	// is set here, and the first run's messages carry it to its
	// goroutine.
	if err := e.clockA.plan.StartAt(snap.Step); err != nil {
		return fmt.Errorf("actors: %w", err)
	}
	e.clockA.step = snap.Step
	e.step = snap.Step
	e.stepNow.Store(snap.Step)
	return nil
}

// copiesOf returns the workers that run a copy of axon a (none without
// workers).
func (e *Engine) copiesOf(a int) []int {
	if a < len(e.copies) {
		return e.copies[a]
	}
	return nil
}

// flushShards has every shard apply the batches emitted so far.
func (e *Engine) flushShards() error {
	type wait struct {
		g   int
		pid *actor.PID
		res func() (any, error)
	}
	var waits []wait
	for pi, row := range e.spids {
		for si, pid := range row {
			g := e.globalID(pi, si)
			var msg any = &flushReq{}
			if e.remoteShard[g] {
				msg = &messages.Control{Command: messages.Control_FLUSH}
			}
			waits = append(waits, wait{g, pid, e.system.Root.RequestFuture(pid, msg, flushTimeout).Result})
		}
	}
	for _, w := range waits {
		res, err := w.res()
		if err != nil {
			return fmt.Errorf("actors: shard %d did not apply its batches for the checkpoint: %w", w.g, err)
		}
		if r, ok := res.(*messages.WorkerReady); ok && r.Error != "" {
			return peerError("actors: shard %d at %s did not apply its batches for the checkpoint: %s", w.g, w.pid.Address, r.Error)
		}
	}
	return nil
}

// checkShardPieces checks the pieces a worker gave for shard si of
// population pi: its own elements, and the state of its population's
// axons (a copy it runs).
func (e *Engine) checkShardPieces(pi, si int, ps []checkpoint.Piece) error {
	sh := e.shards[pi][si]
	pop := e.net.Populations[pi]
	lo, hi, n := sh.Lo, sh.Hi, pop.Len()
	batch := max(pop.Batch, 1)
	if batch > 1 {
		lo, hi = 0, n
	}
	axons := map[string]bool{} // the axons of its population
	for a, ax := range e.net.Axons {
		if ax.Source == pi {
			axons[checkpoint.AxonUnit(e.net, a)] = true
		}
	}
	for _, p := range ps {
		if p.Whole {
			if !axons[p.Unit] {
				return fmt.Errorf("%s: the state of %s, not an axon of the shard's population", p.Path, p.Unit)
			}
			continue
		}
		wlo, whi, wn := lo, hi, n
		if p.Scope == state.Synapses {
			// Per-synapse state is by column: the neurons, without copies.
			wlo, whi, wn = lo/batch, hi/batch, n/batch
		}
		if p.Pop != pi || p.Lo != wlo || p.Hi != whi || p.N != wn {
			return fmt.Errorf("%s: elements [%d, %d) of population %d, not the shard's", p.Path, p.Lo, p.Hi, p.Pop)
		}
	}
	return nil
}

// pullState asks a worker-hosted actor for its state, chunk by chunk.
func (e *Engine) pullState(pid *actor.PID) ([]checkpoint.Piece, error) {
	var buf []byte
	var total uint64
	for {
		res, err := e.system.Root.RequestFuture(pid, &messages.StateRequest{Step: e.step, Offset: uint64(len(buf))}, requestTimeout).Result()
		if err != nil {
			return nil, peerWrap(err, "engine: the state of %s at %s: no answer within %v", pid.Id, pid.Address, requestTimeout)
		}
		c, ok := res.(*messages.StateChunk)
		switch {
		case !ok:
			return nil, peerError("engine: the state of %s at %s: a %T", pid.Id, pid.Address, res)
		case c.Error != "":
			return nil, peerError("engine: the state of %s at %s: %s", pid.Id, pid.Address, c.Error)
		case c.Offset != uint64(len(buf)) || c.Total > maxStateBytes || buf != nil && c.Total != total ||
			c.Offset+uint64(len(c.Data)) > c.Total || len(c.Data) == 0 && c.Offset < c.Total:
			return nil, peerError("engine: the state of %s at %s: bytes [%d, +%d) of %d, at %d of %d", pid.Id, pid.Address, c.Offset, len(c.Data), c.Total, len(buf), total)
		}
		if buf == nil {
			total = c.Total
			buf = make([]byte, 0, min(c.Total, 64<<20))
		}
		buf = append(buf, c.Data...)
		if uint64(len(buf)) == total {
			break
		}
	}
	ps, err := checkpoint.DecodePieces(buf)
	if err != nil {
		return nil, peerWrap(err, "engine: the state of %s at %s", pid.Id, pid.Address)
	}
	return ps, nil
}

// pushState sends a worker-hosted actor the state it restores, chunk by
// chunk; the actor sets it once it has the last.
func (e *Engine) pushState(pid *actor.PID, step int64, ps []checkpoint.Piece) error {
	b, err := checkpoint.EncodePieces(ps)
	if err != nil {
		return err
	}
	for off := 0; ; {
		end := min(off+stateChunkBytes, len(b))
		res, err := e.system.Root.RequestFuture(pid, &messages.StateChunk{Step: step, Offset: uint64(off), Total: uint64(len(b)), Data: b[off:end]}, requestTimeout).Result()
		if err != nil {
			return peerWrap(err, "engine: restoring %s at %s: no answer within %v", pid.Id, pid.Address, requestTimeout)
		}
		r, ok := res.(*messages.WorkerReady)
		switch {
		case !ok:
			return peerError("engine: restoring %s at %s: a %T", pid.Id, pid.Address, res)
		case r.Error != "":
			return fmt.Errorf("engine: restoring %s at %s: %s", pid.Id, pid.Address, r.Error)
		}
		if off = end; off == len(b) {
			return nil
		}
	}
}

// canCheckpoint says why this engine cannot take or restore a
// checkpoint, or nil.
func (e *Engine) canCheckpoint() error {
	switch {
	case e.system == nil:
		return ErrClosed
	case e.failed != nil:
		return fmt.Errorf("actors: an earlier run failed: %w", e.failed)
	case len(e.attached) > 0:
		return fmt.Errorf("actors: with attached actors, whose state is theirs: %w", engine.ErrNoCheckpoints)
	}
	return nil
}

// stateIO is a worker-hosted actor's side of StateRequest and StateChunk:
// its encoded state while the coordinator takes it, and the state it
// restores while it arrives.
type stateIO struct {
	out     []byte
	in      []byte
	inTotal uint64
}

// serve answers a StateRequest: the actor's state (pieces, called at
// offset 0) from m.Offset on.
func (t *stateIO) serve(m *messages.StateRequest, id uint32, pieces func(step int64) ([]checkpoint.Piece, error)) *messages.StateChunk {
	c := &messages.StateChunk{Actor: id, Step: m.Step, Offset: m.Offset}
	if m.Offset == 0 {
		ps, err := pieces(m.Step)
		if err == nil {
			t.out, err = checkpoint.EncodePieces(ps)
		}
		if err != nil {
			t.out = nil
			c.Error = err.Error()
			return c
		}
	}
	if t.out == nil || m.Offset > uint64(len(t.out)) {
		c.Error = fmt.Sprintf("state from byte %d of %d", m.Offset, len(t.out))
		return c
	}
	end := min(m.Offset+stateChunkBytes, uint64(len(t.out)))
	c.Total, c.Data = uint64(len(t.out)), t.out[m.Offset:end]
	if end == uint64(len(t.out)) {
		t.out = nil // taken
	}
	return c
}

// take files a StateChunk of the state to restore; it returns the pieces
// once the last has arrived (nil before).
func (t *stateIO) take(m *messages.StateChunk) ([]checkpoint.Piece, error) {
	if m.Offset == 0 {
		if m.Total > maxStateBytes {
			return nil, fmt.Errorf("a state of %d bytes (at most %d)", m.Total, uint64(maxStateBytes))
		}
		t.in, t.inTotal = make([]byte, 0, min(m.Total, 64<<20)), m.Total
	}
	if t.in == nil || m.Offset != uint64(len(t.in)) || m.Total != t.inTotal || m.Offset+uint64(len(m.Data)) > m.Total || len(m.Data) == 0 && m.Offset < m.Total {
		t.in = nil
		return nil, fmt.Errorf("state bytes [%d, +%d) of %d out of order", m.Offset, len(m.Data), m.Total)
	}
	t.in = append(t.in, m.Data...)
	if uint64(len(t.in)) < t.inTotal {
		return nil, nil
	}
	b := t.in
	t.in = nil
	ps, err := checkpoint.DecodePieces(b)
	if err != nil {
		return nil, err
	}
	if ps == nil {
		ps = []checkpoint.Piece{}
	}
	return ps, nil
}
