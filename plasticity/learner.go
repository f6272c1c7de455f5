package plasticity

import (
	"errors"
	"fmt"
	"sort"
)

// Learner owns the rules of one plastic projection and the accumulator of
// their changes. The network stepper calls Step once per step, after the
// postsynaptic population fired.
type Learner struct {
	P *Synapses `state:"-"`
	// Normalize, if not nil, is called with the weights after every step
	// that changed them (after clipping), e.g. a normalisation from the
	// synapse package. It may rescale the weights in place.
	Normalize func(w []float32) `state:"-"`

	rule  Rule
	delta *Delta `state:"-"`
	err   error  `state:"-"`
}

// NewLearner binds the rules to p. Several rules are summed as in
// Composite.
func NewLearner(p *Synapses, rules ...Spec) (*Learner, error) {
	if len(rules) == 0 {
		return nil, errors.New("plasticity: learner: no rules")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("plasticity: learner: %w", err)
	}
	var (
		r   Rule
		err error
	)
	if len(rules) == 1 {
		if rules[0] == nil {
			return nil, errors.New("plasticity: learner: rule is nil")
		}
		r, err = rules[0].New(p)
	} else {
		r, err = Composite{Rules: rules}.New(p)
	}
	if err != nil {
		return nil, err
	}
	return &Learner{P: p, rule: r, delta: NewDelta(p.Syn.Len())}, nil
}

// Rule returns the bound rule.
func (l *Learner) Rule() Rule { return l.rule }

// Step runs the rules on this step's data (their traces advance whether
// or not learn is set). With learn, it applies the changes, clipped to
// [Wmin, Wmax], then calls Normalize if the weights changed; without, it
// discards them and the weights stay as they are. A change that would make
// a weight NaN is not applied (that weight stays as it was) and the first
// one is recorded (Err).
//
// Step panics if the lengths of d do not match the projection.
func (l *Learner) Step(d *StepData, learn bool) {
	p := l.P
	if len(d.Pre) != p.Batch*p.Syn.Rows || len(d.Post) != p.Batch*p.Syn.Cols {
		panic(fmt.Sprintf("plasticity: learner: step data has %d pre and %d post values, want %d×%d and %d×%d",
			len(d.Pre), len(d.Post), p.Batch, p.Syn.Rows, p.Batch, p.Syn.Cols))
	}
	if learn && !l.delta.Changed() {
		if dr, ok := l.rule.(directRule); ok && dr.direct() {
			l.delta.direct(p.Syn.W, p.Wmin, p.Wmax)
		}
	}
	l.rule.Step(d, l.delta)
	if !learn {
		l.delta.Discard()
		return
	}
	if !l.delta.Changed() {
		// In direct mode a step whose only change was NaN changed nothing,
		// and is still an error.
		if k := l.delta.endDirect(); k >= 0 && l.err == nil {
			l.err = l.nanError(d.Step, k)
		}
		return
	}
	if k := l.delta.Apply(p.Syn.W, p.Wmin, p.Wmax); k >= 0 && l.err == nil {
		l.err = l.nanError(d.Step, k)
	}
	if l.Normalize != nil {
		l.Normalize(p.Syn.W)
	}
}

// Err returns the first problem met at run time — a rule that produced a
// NaN weight change — or nil.
func (l *Learner) Err() error { return l.err }

// nanError describes a NaN change of synapse k at step.
func (l *Learner) nanError(step int64, k int) error {
	syn := l.P.Syn
	// The row of synapse k: the first row whose synapses end after k.
	row := sort.Search(syn.Rows, func(i int) bool { return int(syn.Ptr[i+1]) > k })
	what := fmt.Sprintf("the weight change is NaN (weight %g); the weight was left unchanged", syn.W[k])
	if w := syn.W[k]; w != w {
		what = "the weight is NaN"
	}
	return fmt.Errorf("plasticity: learner: step %d: synapse %d (row %d → column %d): %s", step, k, row, syn.Idx[k], what)
}

// Reset clears the rules' traces and counters, any pending change and the
// recorded error. The weights are kept.
func (l *Learner) Reset() {
	l.rule.Reset()
	l.delta.Discard()
	l.err = nil
}

// directRule is implemented by rules whose weight changes of a step do
// not depend on the weights (uniform rates): the Learner may then let
// them apply each change to the weights at once, clipped, as they compute
// it (Delta's direct mode), the way event-driven simulators apply each
// spike's change. The result differs from summing a step's changes first
// only for a synapse changed twice in one step (a presynaptic arrival and
// a postsynaptic spike together): in rounding, and where the first change
// hits a bound.
type directRule interface {
	direct() bool
}
