package soma

import (
	"fmt"

	"github.com/spiral-sim/spiral/rng"
)

// Env is what a model needs to know about where it runs.
type Env struct {
	N     int     // neurons in the population
	Batch int     // independent copies (>= 1)
	Dt    float64 // time step, ms
	Key   rng.Key // random streams of this population
}

// Len returns N·Batch.
func (e Env) Len() int { return e.N * e.Batch }

// Validate checks the environment.
func (e Env) Validate() error {
	if e.N <= 0 {
		return fmt.Errorf("size = %d: must be > 0", e.N)
	}
	if e.Batch <= 0 {
		return fmt.Errorf("batch = %d: must be > 0", e.Batch)
	}
	if !(e.Dt > 0) {
		return fmt.Errorf("dt = %g ms: must be > 0", e.Dt)
	}
	return nil
}

// Input is the drive of one step, prepared by the population.
type Input struct {
	// Current is the summed input current of each element (direct input
	// plus dendritic currents), len Len(). In Spiral's nominal units R·I is
	// in mV.
	Current []float32
	// Jump, if not nil, holds instantaneous potential increments (mV) from
	// delta synapses, applied at this step, len Len().
	Jump []float32
	// G and GE, if not nil, hold the synaptic conductances of the step,
	// for models that integrate them themselves (see Conductor): G is the
	// summed conductance in units of the leak conductance (dimensionless)
	// and GE the sum of conductance × reversal potential (mV), so the
	// synaptic current is GE − G·v (in mV, like R·I). len Len().
	G, GE []float32
}

// Conductor is implemented by models that integrate conductance-based
// synaptic input themselves (for example exponential Euler in a LIF:
// τ dv/dt = −(v − rest) + R·I + GE − G·v solved exactly over the step with
// G and GE held). Populations hand such models Input.G and Input.GE;
// other models get the conductance current g·(E − v) in Input.Current,
// with v taken at the start of the step.
type Conductor interface {
	Conductances() bool
}

// PSCGainer is implemented by models that integrate their input current
// exactly as if it were held over the step, and can integrate an
// exponentially decaying current (an exponential PSC) exactly instead if
// its input is scaled: ExpPSCGain returns the factor f for a current that
// decays with time constant tauS (ms) — for the leaky integrate-and-fire
// neuron with Exact integration, f = P21/P20 (see the function
// ExpPSCGain). ok is false when the model has no such factor (f is then
// 1). Populations apply it to their exponential-current receptors
// (dendrite.Spec.PSC).
type PSCGainer interface {
	ExpPSCGain(tauS float64) (f float64, ok bool)
}

// Model is a neuron population's state and update rule.
type Model interface {
	// Len is the number of elements (neurons × batch).
	Len() int
	// Step advances the state by one step and appends, in ascending
	// order, the indices of the elements that fired at this step.
	Step(step int64, in Input, fired []uint32) []uint32
	// Reset restores the initial state.
	Reset()
	// Var returns a live view of a named state variable ("v", "w", ...).
	Var(name string) ([]float32, bool)
	// Vars lists the names Var accepts.
	Vars() []string
}

// Graded is a model whose output is a real value per element each step
// (a rate, a current, a concentration) rather than spikes. Its Step
// returns fired unchanged; Output holds the values of the last step.
type Graded interface {
	Model
	Output() []float32
}

// Failer is implemented by models that can detect bad input at run time
// (for example a Poisson probability above 1). Err returns the first such
// problem, or nil.
type Failer interface {
	Err() error
}

// Spec describes a model; New builds its state. Specs are values that a
// model file or the Go builder fills in.
type Spec interface {
	// Kind names the model, e.g. "lif".
	Kind() string
	// New validates the parameters and builds the state.
	New(env Env) (Model, error)
}

// Tile repeats xs (one value per neuron) for every batch copy.
func Tile(xs []float32, batch int) []float32 {
	if batch == 1 {
		return xs
	}
	out := make([]float32, 0, len(xs)*batch)
	for b := 0; b < batch; b++ {
		out = append(out, xs...)
	}
	return out
}
