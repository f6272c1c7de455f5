package stepper

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/network"
)

// Options configure the stepper behind the engine.Engine interface
// (Adapt), with the recording options the parallel engines take.
type Options struct {
	// OnSpikes, if set, receives every population's spikes of each step
	// that has some, from the goroutine that called Run; the slices are
	// valid during the call only.
	OnSpikes func(population string, steps []int64, neurons []uint32)
	// OnProgress, if set, is called every ChunkSteps steps (and at the
	// end of a run) with the number of steps computed so far.
	OnProgress func(steps int64)
	// DiscardSpikes keeps no spikes once handed to OnSpikes (Spikes then
	// returns an error).
	DiscardSpikes bool
}

// ChunkSteps is how many steps the adapted stepper runs between two
// looks at Stop (and two progress reports).
const ChunkSteps = 100

// Adapt returns s as an engine.Engine: the sequential reference behind
// the interface the parallel engines share. It records spikes from now
// on (a monitor added to s), runs in chunks of ChunkSteps steps so that
// Stop takes effect promptly, and its GatherWeights has nothing to gather
// (the weights are in the network). Monitors may still be added to s.
func Adapt(s *Stepper, o Options) engine.Engine {
	a := &adapter{s: s, o: o}
	if !o.DiscardSpikes {
		a.steps = make([][]int64, len(s.net.Populations))
		a.neurons = make([][]uint32, len(s.net.Populations))
	}
	s.AddMonitor(a)
	return a
}

// adapter is a Stepper behind engine.Engine.
type adapter struct {
	s       *Stepper
	o       Options
	steps   [][]int64  // per population, unless discarded
	neurons [][]uint32 // per population, unless discarded
	buf     []int64    // the steps handed to OnSpikes
	stop    atomic.Bool
	closed  atomic.Bool
}

// Record implements Monitor: it keeps and streams the step's spikes.
func (a *adapter) Record(step int64, net *network.Network) {
	for i, p := range net.Populations {
		f := p.Fired()
		if len(f) == 0 {
			continue
		}
		if a.o.OnSpikes != nil {
			a.buf = a.buf[:0]
			for range f {
				a.buf = append(a.buf, step)
			}
			a.o.OnSpikes(p.Name, a.buf, f)
		}
		if a.steps != nil {
			for range f {
				a.steps[i] = append(a.steps[i], step)
			}
			a.neurons[i] = append(a.neurons[i], f...)
		}
	}
}

// Run implements engine.Engine.
func (a *adapter) Run(steps int) error {
	if a.closed.Load() {
		return fmt.Errorf("sequential: %w", engine.ErrClosed)
	}
	if steps < 0 {
		return fmt.Errorf("sequential: %d steps: must be >= 0", steps)
	}
	if a.stop.Swap(false) {
		return fmt.Errorf("sequential: %w", engine.ErrStopped)
	}
	for left := steps; left > 0; {
		n := min(left, ChunkSteps)
		if err := a.s.Run(n); err != nil {
			return err
		}
		left -= n
		if a.o.OnProgress != nil {
			a.o.OnProgress(a.s.step)
		}
		if left > 0 && a.stop.Swap(false) {
			return fmt.Errorf("sequential: %w", engine.ErrStopped)
		}
	}
	a.stop.Store(false) // a Stop at the end of a run is consumed by it
	return nil
}

// RunMs implements engine.Engine.
func (a *adapter) RunMs(ms float64) error {
	n, err := engine.Steps(ms, a.s.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("sequential: %w", err)
	}
	return a.Run(n)
}

// Step implements engine.Engine.
func (a *adapter) Steps() int64 { return a.s.step }

// Events implements engine.Engine.
func (a *adapter) Events() (int64, error) { return a.s.Events(), nil }

// Spikes implements engine.Engine.
func (a *adapter) Spikes(pop string) ([]int64, []uint32, error) {
	i, ok := a.s.net.PopulationIndex(pop)
	switch {
	case !ok:
		return nil, nil, fmt.Errorf("sequential: no population %q", pop)
	case a.steps == nil:
		return nil, nil, errors.New("sequential: spikes are discarded (Options.DiscardSpikes)")
	}
	return a.steps[i], a.neurons[i], nil
}

// GatherWeights implements engine.Engine: the weights are in the network.
func (a *adapter) GatherWeights() error { return nil }

// SetLearning implements engine.Engine.
func (a *adapter) SetLearning(on bool) { a.s.Learn = on }

// Stop implements engine.Engine: the run ends after the chunk being
// computed.
func (a *adapter) Stop() { a.stop.Store(true) }

// Close implements engine.Engine.
func (a *adapter) Close() { a.closed.Store(true) }

// Checkpoint implements engine.Engine.
func (a *adapter) Checkpoint() (*checkpoint.Snapshot, error) { return a.s.Checkpoint() }

// Restore implements engine.Engine: on a new engine, before its first run
// (as every engine), else refused. The Stepper's own Restore may be
// called at any time.
func (a *adapter) Restore(snap *checkpoint.Snapshot) error {
	if a.closed.Load() || a.s.step != 0 {
		return errors.New("sequential: restore a checkpoint into a new engine, before its first run")
	}
	return a.s.Restore(snap)
}
