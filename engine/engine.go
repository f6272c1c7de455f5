package engine

import (
	"errors"
	"fmt"

	"github.com/spiral-sim/spiral/checkpoint"
)

// Engine runs a built network. The sequential stepper, the lockstep
// engine and the actor runtime implement it (stepper.Adapt, lockstep.Adapt,
// actors.Adapt); see the package documentation for the contract they
// share.
type Engine interface {
	// Run advances the network by steps steps.
	Run(steps int) error
	// RunMs advances the network by a simulated time, in ms, rounded to
	// whole steps.
	RunMs(ms float64) error
	// Steps returns the number of steps computed so far (the next step).
	Steps() int64
	// Events returns the synaptic events delivered so far: for every
	// spike that arrived at a projection, the synapses of its source's
	// row. Every engine counts them the same way.
	Events() (int64, error)
	// Spikes returns the spikes of a population recorded so far, as
	// parallel lists of steps and neuron indices sorted by step, then
	// neuron. The slices may be the engine's own: read them, do not
	// modify them.
	Spikes(population string) (steps []int64, neurons []uint32, err error)
	// GatherWeights copies the weights (and learnt latencies) of every
	// projection into the network's projections, for reading between
	// runs.
	GatherWeights() error
	// SetLearning switches plasticity on or off for the following runs
	// (on by default).
	SetLearning(on bool)
	// Stop ends the run in progress early, or the next run if none is in
	// progress; it may be called from any goroutine.
	Stop()
	// Checkpoint returns the network's state after the steps computed
	// so far (package checkpoint), between runs: a snapshot that any
	// engine and layout restores. An engine that cannot yet checkpoint
	// returns ErrNoCheckpoints.
	Checkpoint() (*checkpoint.Snapshot, error)
	// Restore sets the network's state to a snapshot's and continues from
	// its step. Call it on a new engine, before its first run.
	Restore(snap *checkpoint.Snapshot) error
	// Close releases the engine; it cannot run again. Closing twice is
	// safe.
	Close()
}

// ErrNoCheckpoints is wrapped by the error of Checkpoint and Restore where
// an engine cannot take or restore a checkpoint: the actor runtime with
// attached actors, whose state is their own. Every engine of Spiral can
// otherwise, in one process, with worker processes or on cluster members.
var ErrNoCheckpoints = errors.New("this engine cannot take or restore checkpoints")

// ErrStopped is wrapped by the error of a Run (or RunMs) that Stop ended.
var ErrStopped = errors.New("run stopped")

// ErrClosed is wrapped by the error of a Run (or RunMs) on a closed
// engine.
var ErrClosed = errors.New("engine closed")

// MaxSteps is the largest number of steps a run may be asked for at once
// (2^53: every count up to it is exact in a float64 of milliseconds).
const MaxSteps = 1 << 53

// Steps returns the whole number of steps of dt ms nearest ms, for the
// engines' RunMs: an error for a duration that is negative, not a number,
// or more than MaxSteps steps.
func Steps(ms, dt float64) (int, error) {
	n := ms/dt + 0.5
	if !(ms >= 0) || !(n <= MaxSteps) {
		return 0, fmt.Errorf("duration %g ms: must be >= 0 and at most %d steps of %g ms", ms, int64(MaxSteps), dt)
	}
	return int(n), nil
}
