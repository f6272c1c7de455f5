package actors

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
)

// Adapt returns e as an engine.Engine. Its Stop also ends a run that is
// about to start (Engine.Stop reaches only a run in progress), as the
// interface's contract asks; a Run that Stop ended returns an error
// wrapping engine.ErrStopped, a Run after Close one wrapping
// engine.ErrClosed. SetLearning sets e.Learn. It also has e's Links,
// for callers that ask by interface. The rest is e's own.
func Adapt(e *Engine) engine.Engine { return &adapter{e: e} }

// Lost is e's Lost, for callers that ask by interface.
func (a *adapter) Lost(wait time.Duration) []int { return a.e.Lost(wait) }

// Workers is the number of workers of e (Options.Workers).
func (a *adapter) Workers() int { return len(a.e.workers) }

// adapter is an Engine behind engine.Engine.
type adapter struct {
	e       *Engine
	stop    atomic.Bool // Stop was called; consumed by the run it ends
	running atomic.Bool // Run is between its start and its end
}

// Run implements engine.Engine.
func (a *adapter) Run(steps int) error {
	a.running.Store(true)
	defer a.running.Store(false)
	if a.stop.Swap(false) {
		return fmt.Errorf("actors: %w", engine.ErrStopped)
	}
	err := a.e.Run(steps)
	a.stop.Store(false)
	switch {
	case errors.Is(err, ErrStopped):
		return fmt.Errorf("actors: %w", engine.ErrStopped)
	case errors.Is(err, ErrClosed):
		return fmt.Errorf("actors: %w", engine.ErrClosed)
	}
	return err
}

// RunMs implements engine.Engine.
func (a *adapter) RunMs(ms float64) error {
	n, err := engine.Steps(ms, a.e.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return a.Run(n)
}

// Step implements engine.Engine.
func (a *adapter) Steps() int64 { return a.e.Steps() }

// Events implements engine.Engine.
func (a *adapter) Events() (int64, error) { return a.e.Events() }

// Spikes implements engine.Engine.
func (a *adapter) Spikes(pop string) ([]int64, []uint32, error) {
	switch _, ok := a.e.net.PopulationIndex(pop); {
	case !ok:
		return nil, nil, fmt.Errorf("actors: no population %q", pop)
	case a.e.discard:
		return nil, nil, errors.New("actors: spikes are not kept (Options.DiscardSpikes)")
	}
	return a.e.Spikes(pop)
}

// GatherWeights implements engine.Engine.
func (a *adapter) GatherWeights() error { return a.e.GatherWeights() }

// SetLearning implements engine.Engine: it sets Engine.Learn.
func (a *adapter) SetLearning(on bool) { a.e.Learn = on }

// Stop implements engine.Engine. Between Run's start and the moment the
// clock has the run (microseconds), Engine.Stop would miss it: Stop
// repeats it until it reaches the run or the run has ended.
func (a *adapter) Stop() {
	a.stop.Store(true)
	for a.running.Load() && !a.e.Stop() {
		runtime.Gosched()
	}
}

// Close implements engine.Engine.
func (a *adapter) Close() { a.e.Close() }

// Links implements what Engine.Links does (the adapted engine's links).
func (a *adapter) Links() ([]Link, error) { return a.e.Links() }

// Checkpoint implements engine.Engine.
func (a *adapter) Checkpoint() (*checkpoint.Snapshot, error) { return a.e.Checkpoint() }

// Restore implements engine.Engine.
func (a *adapter) Restore(snap *checkpoint.Snapshot) error { return a.e.Restore(snap) }
