package device

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
)

// Adapt returns n as an engine.Engine. The weights of its plastic
// projections that learn on devices reach the network by GatherWeights;
// those on the host are the network's. Close also closes n.
func Adapt(n *Net) engine.Engine { return &adapter{n: n} }

// Options are what AdaptWith adds to Adapt.
type Options struct {
	// OnBlock, if set, is called after each block of steps (at most
	// 1,000) with the steps computed so far: a run's progress.
	OnBlock func(steps int64)
}

// AdaptWith is Adapt with o.
func AdaptWith(n *Net, o Options) engine.Engine {
	n.onBlock = o.OnBlock
	return &adapter{n: n}
}

// adapter is a Net behind engine.Engine.
type adapter struct {
	n      *Net
	stop   atomic.Bool
	closed atomic.Bool
}

// Run implements engine.Engine; Stop ends it after the block of steps
// in progress (Net.Run's, at most 1,000 steps).
func (a *adapter) Run(steps int) error {
	if a.closed.Load() {
		return fmt.Errorf("device: %w", engine.ErrClosed)
	}
	if steps < 0 {
		return fmt.Errorf("device: %d steps: must be >= 0", steps)
	}
	err := a.n.run(steps, func() bool { return a.stop.Swap(false) })
	a.stop.Store(false)
	if errors.Is(err, errStopped) {
		return fmt.Errorf("device: %w", engine.ErrStopped)
	}
	return err
}

// RunMs implements engine.Engine.
func (a *adapter) RunMs(ms float64) error {
	n, err := engine.Steps(ms, a.n.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("device: %w", err)
	}
	return a.Run(n)
}

// Steps implements engine.Engine.
func (a *adapter) Steps() int64 { return a.n.Steps() }

// Events implements engine.Engine.
func (a *adapter) Events() (int64, error) { return a.n.Events(), nil }

// Spikes implements engine.Engine.
func (a *adapter) Spikes(pop string) ([]int64, []uint32, error) { return a.n.Spikes(pop) }

// GatherWeights implements engine.Engine: the weights (and tags, and R-STDP's traces) of the
// projections that learn on devices are read back into the network; those
// on the CPU are the network's already.
func (a *adapter) GatherWeights() error { return a.n.GatherWeights() }

// SetLearning implements engine.Engine: the plastic projections, on the
// CPU and on devices, learn or not.
func (a *adapter) SetLearning(on bool) {
	if a.n.cpu != nil {
		a.n.cpu.on = on
	}
	a.n.frozen = !on
}

// Stop implements engine.Engine.
func (a *adapter) Stop() { a.stop.Store(true) }

// Checkpoint implements engine.Engine.
func (a *adapter) Checkpoint() (*checkpoint.Snapshot, error) {
	if a.closed.Load() {
		return nil, fmt.Errorf("device: %w", engine.ErrClosed)
	}
	return a.n.Checkpoint()
}

// Restore implements engine.Engine.
func (a *adapter) Restore(snap *checkpoint.Snapshot) error {
	if a.closed.Load() {
		return fmt.Errorf("device: %w", engine.ErrClosed)
	}
	return a.n.Restore(snap)
}

// Close implements engine.Engine.
func (a *adapter) Close() {
	if !a.closed.Swap(true) {
		a.n.Close()
	}
}
