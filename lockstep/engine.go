package lockstep

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
)

// Adapt returns e as an engine.Engine. A Run that Stop ended returns an
// error wrapping engine.ErrStopped, a Run after Close one wrapping
// engine.ErrClosed; the rest is e's own.
func Adapt(e *Engine) engine.Engine { return &adapter{e: e} }

// adapter is an Engine behind engine.Engine.
type adapter struct {
	e      *Engine
	closed atomic.Bool
}

// Run implements engine.Engine.
func (a *adapter) Run(steps int) error { return a.result(a.e.Run(steps)) }

// RunMs implements engine.Engine.
func (a *adapter) RunMs(ms float64) error { return a.result(a.e.RunMs(ms)) }

func (a *adapter) result(err error) error {
	switch {
	case err != nil && a.closed.Load():
		return fmt.Errorf("lockstep: %w", engine.ErrClosed)
	case errors.Is(err, ErrStopped):
		return fmt.Errorf("lockstep: %w", engine.ErrStopped)
	}
	return err
}

// Step implements engine.Engine.
func (a *adapter) Steps() int64 { return a.e.Steps() }

// Events implements engine.Engine.
func (a *adapter) Events() (int64, error) { return a.e.Events(), nil }

// Spikes implements engine.Engine. An unknown population is reported
// before discarded spikes.
func (a *adapter) Spikes(pop string) ([]int64, []uint32, error) {
	if _, ok := a.e.net.PopulationIndex(pop); !ok {
		return nil, nil, fmt.Errorf("lockstep: no population %q", pop)
	}
	return a.e.Spikes(pop)
}

// GatherWeights implements engine.Engine.
func (a *adapter) GatherWeights() error {
	a.e.GatherWeights()
	return nil
}

// SetLearning implements engine.Engine.
func (a *adapter) SetLearning(on bool) { a.e.SetLearning(on) }

// Stop implements engine.Engine.
func (a *adapter) Stop() { a.e.Stop() }

// Close implements engine.Engine.
func (a *adapter) Close() {
	a.e.Close()
	a.closed.Store(true)
}

// Checkpoint implements engine.Engine.
func (a *adapter) Checkpoint() (*checkpoint.Snapshot, error) { return a.e.Checkpoint() }

// Restore implements engine.Engine.
func (a *adapter) Restore(snap *checkpoint.Snapshot) error { return a.e.Restore(snap) }
