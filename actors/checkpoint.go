package actors

import (
	"errors"
	"fmt"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
)

// flushTimeout bounds how long a checkpoint waits for a shard to apply
// the batches emitted so far.
const flushTimeout = requestTimeout

// Checkpoint returns the network's state after the steps computed so far
// (package checkpoint), to restore on any engine and layout. Call it
// between runs, on an engine whose shards all run in this process (with
// workers it answers engine.ErrNoCheckpoints for now) and that has no
// attached actor. Every shard first applies the batches emitted so far
// (which it would apply as it computes the next segments; far links' up
// to their lag ahead), so that nothing is in flight.
func (e *Engine) Checkpoint() (*checkpoint.Snapshot, error) {
	if err := e.canCheckpoint(); err != nil {
		return nil, err
	}
	if e.inRun.Load() {
		return nil, errors.New("actors: a checkpoint is taken between runs")
	}
	futures := make([]func() (any, error), 0, e.shardCount())
	for _, row := range e.spids {
		for _, pid := range row {
			f := e.system.Root.RequestFuture(pid, &flushReq{}, flushTimeout)
			futures = append(futures, f.Result)
		}
	}
	for _, res := range futures {
		if _, err := res(); err != nil {
			return nil, fmt.Errorf("actors: a shard did not apply its batches for the checkpoint: %w", err)
		}
	}
	return checkpoint.Capture(e.net, e.shards, e.step)
}

// Restore sets the network's state to snap's, on this engine's layout, and
// continues from its step. Call it before the first run, on an engine
// whose shards all run in this process, with no attached actor.
func (e *Engine) Restore(snap *checkpoint.Snapshot) error {
	if err := e.canCheckpoint(); err != nil {
		return err
	}
	if e.step != 0 || e.inRun.Load() {
		return errors.New("actors: restore a checkpoint into a new engine, before its first run")
	}
	if err := checkpoint.Restore(snap, e.net, e.shards); err != nil {
		return err
	}
	// No actor has had a message yet: the clock's state is set here, and
	// the first run's messages carry it to its goroutine.
	if err := e.clockA.plan.StartAt(snap.Step); err != nil {
		return fmt.Errorf("actors: %w", err)
	}
	e.clockA.step = snap.Step
	e.step = snap.Step
	e.stepNow.Store(snap.Step)
	return nil
}

// canCheckpoint says why this engine cannot take or restore a
// checkpoint, or nil.
func (e *Engine) canCheckpoint() error {
	switch {
	case e.system == nil:
		return ErrClosed
	case e.failed != nil:
		return fmt.Errorf("actors: an earlier run failed: %w", e.failed)
	case len(e.workers) > 0:
		return fmt.Errorf("actors: with workers: %w", engine.ErrNoCheckpoints)
	case len(e.attached) > 0:
		return errors.New("actors: an engine with attached actors cannot take or restore checkpoints (their state is theirs)")
	}
	return nil
}
