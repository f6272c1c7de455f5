package stimulus

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/soma"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Stimulus adds a direct input to a population each step. It has the method
// set of population.Stimulus.
type Stimulus interface {
	// Add adds the value of step into current (len N·Batch, element
	// b·N+i).
	Add(step int64, current []float32)
}

// Binder is implemented by stimuli that need to know their population; the
// network builder calls Bind once before the run. Bind also validates the
// stimulus (non-finite values are errors). A stimulus object with state
// (a pointer: *FunctionGenerator, *Gain) belongs to one population: binding
// it again to a different environment (N, Batch, Dt or Key) is an error;
// binding it again to the same one is allowed.
type Binder interface {
	Bind(env soma.Env) error
}

// checkRebind returns an error if an object already bound to old is bound
// to a different environment env.
func checkRebind(kind string, bound bool, old, env soma.Env) error {
	if !bound || old == env {
		return nil
	}
	if old.N != env.N {
		return fmt.Errorf("%s: already bound to a population of %d neurons; use one object per population", kind, old.N)
	}
	var diff []string
	if old.Batch != env.Batch {
		diff = append(diff, fmt.Sprintf("batch %d, not %d", old.Batch, env.Batch))
	}
	if old.Dt != env.Dt {
		diff = append(diff, fmt.Sprintf("dt %g ms, not %g ms", old.Dt, env.Dt))
	}
	if old.Key != env.Key {
		diff = append(diff, "another random key")
	}
	return fmt.Errorf("%s: already bound to another population of %d neurons (%s); use one object per population",
		kind, old.N, strings.Join(diff, ", "))
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkFinite returns an error naming the first non-finite value of xs:
// "<what>[i] = NaN: must be finite".
func checkFinite(what string, xs []float32) error {
	for i, x := range xs {
		if !finite(float64(x)) {
			return fmt.Errorf("%s[%d] = %g: must be finite", what, i, x)
		}
	}
	return nil
}

// Bind binds s if it is a Binder (a helper for combinators and for using a
// stimulus by hand).
func Bind(s Stimulus, env soma.Env) error {
	if b, ok := s.(Binder); ok {
		return b.Bind(env)
	}
	return nil
}

// Constant adds the same value to every element every step.
type Constant float32

// Bind checks that the value is finite.
func (c Constant) Bind(soma.Env) error {
	if !finite(float64(c)) {
		return fmt.Errorf("constant stimulus: value = %g: must be finite", float32(c))
	}
	return nil
}

// Add implements Stimulus.
func (c Constant) Add(step int64, current []float32) {
	if c == 0 {
		return
	}
	for e := range current {
		current[e] += float32(c)
	}
}

// PerNeuron adds a constant value per neuron (len N), the same in every
// copy.
type PerNeuron []float32

// Bind checks the length and that every value is finite.
func (p PerNeuron) Bind(env soma.Env) error {
	if len(p) != env.N {
		return fmt.Errorf("per-neuron stimulus: %d values for %d neurons", len(p), env.N)
	}
	return checkFinite("per-neuron stimulus: value", p)
}

// Add implements Stimulus.
func (p PerNeuron) Add(step int64, current []float32) {
	addTiled(current, p)
}

// addTiled adds vals, repeated over the copies, into current.
func addTiled(current, vals []float32) {
	n := len(vals)
	if n == 0 {
		return
	}
	for base := 0; base+n <= len(current); base += n {
		c := current[base : base+n]
		for i, v := range vals {
			c[i] += v
		}
	}
}

// Sum adds several stimuli.
type Sum []Stimulus

// Renew returns the sum of the stimuli renewed (population.Renewer).
func (s Sum) Renew() any {
	out := make(Sum, len(s))
	for i, x := range s {
		out[i] = population.Renew(x)
	}
	return out
}

// Bind binds every part.
func (s Sum) Bind(env soma.Env) error {
	for k, x := range s {
		if x == nil {
			return fmt.Errorf("sum: part %d is nil", k)
		}
		if err := Bind(x, env); err != nil {
			return fmt.Errorf("sum: part %d: %w", k, err)
		}
	}
	return nil
}

// Add implements Stimulus.
func (s Sum) Add(step int64, current []float32) {
	for _, x := range s {
		x.Add(step, current)
	}
}

// PerCopy drives batch copy b with Copies[b] (nil: no input), each seeing
// its copy's N elements as a population of batch 1. Copies must have one
// entry per copy.
type PerCopy []Stimulus

// Renew returns the stimuli renewed (population.Renewer).
func (p PerCopy) Renew() any {
	out := make(PerCopy, len(p))
	for i, x := range p {
		out[i] = population.Renew(x)
	}
	return out
}

// Bind checks the number of copies and binds each stimulus to one copy.
func (p PerCopy) Bind(env soma.Env) error {
	if len(p) != env.Batch {
		return fmt.Errorf("per-copy stimulus: %d stimuli for %d copies", len(p), env.Batch)
	}
	one := env
	one.Batch = 1
	for b, s := range p {
		if s == nil {
			continue
		}
		if err := Bind(s, one); err != nil {
			return fmt.Errorf("per-copy stimulus: copy %d: %w", b, err)
		}
	}
	return nil
}

// Add implements Stimulus.
func (p PerCopy) Add(step int64, current []float32) {
	if len(p) == 0 {
		return
	}
	n := len(current) / len(p)
	for b, s := range p {
		if s != nil {
			s.Add(step, current[b*n:(b+1)*n])
		}
	}
}

// Gain multiplies a stimulus by a factor per neuron (len N, the same in
// every copy), for example 1.2 for neuron 1 of a pulse train. Without S or
// Factors it adds nothing (Bind reports that).
type Gain struct {
	S       Stimulus
	Factors []float32

	env   soma.Env
	bound bool
}

// Renew returns a new gain of the same factors over S renewed, not bound
// (population.Renewer).
func (g *Gain) Renew() any { return &Gain{S: population.Renew(g.S), Factors: g.Factors} }

// Bind checks the factors (one per neuron, finite) and binds S.
func (g *Gain) Bind(env soma.Env) error {
	if err := checkRebind("gain", g.bound, g.env, env); err != nil {
		return err
	}
	if g.S == nil {
		return fmt.Errorf("gain: no stimulus")
	}
	if len(g.Factors) != env.N {
		return fmt.Errorf("gain: %d factors for %d neurons", len(g.Factors), env.N)
	}
	if err := checkFinite("gain: factor", g.Factors); err != nil {
		return err
	}
	if err := Bind(g.S, env); err != nil {
		return err
	}
	g.env, g.bound = env, true
	return nil
}

var scratch = sync.Pool{New: func() any { return new([]float32) }}

// Add implements Stimulus.
func (g *Gain) Add(step int64, current []float32) {
	if g.S == nil || len(g.Factors) == 0 {
		return // invalid; Bind reports it
	}
	bp := scratch.Get().(*[]float32)
	buf := *bp
	if cap(buf) < len(current) {
		buf = make([]float32, len(current))
	}
	buf = buf[:len(current)]
	clear(buf)
	g.S.Add(step, buf)
	n := len(g.Factors)
	for e, x := range buf {
		current[e] += float32(x * g.Factors[e%n])
	}
	*bp = buf
	scratch.Put(bp)
}

// Window lets S act only at steps From <= step < To.
type Window struct {
	S        Stimulus
	From, To int64
}

// Renew returns the window over S renewed (population.Renewer).
func (w Window) Renew() any { return Window{S: population.Renew(w.S), From: w.From, To: w.To} }

// Bind checks the window and binds S.
func (w Window) Bind(env soma.Env) error {
	if w.S == nil {
		return fmt.Errorf("window: no stimulus")
	}
	if w.To < w.From {
		return fmt.Errorf("window: to = %d < from = %d", w.To, w.From)
	}
	return Bind(w.S, env)
}

// Add implements Stimulus.
func (w Window) Add(step int64, current []float32) {
	if step >= w.From && step < w.To {
		w.S.Add(step, current)
	}
}

// StepCurrent is a current of amp at steps from <= step < to, 0 elsewhere.
func StepCurrent(amp float32, from, to int64) Window {
	return Window{S: Constant(amp), From: from, To: to}
}

// SquarePulse alternates between Low and High: the value at step is High
// when (step − Phase) mod Period < Width, Low otherwise. The Python
// notebooks' "pulses 0/150 every 50 steps" (0 for 50 steps, then 150 for
// 50 steps, ...) is SquarePulse{Low: 0, High: 150, Period: 100, Width: 50,
// Phase: 50}; "pulses of 50 on every 4th 20-step window" is {High: 50,
// Period: 80, Width: 20}.
type SquarePulse struct {
	Low, High     float32 `state:"-"`
	Period, Width int64   `state:"-"`
	Phase         int64   `state:"-"`
}

// Bind validates.
func (p SquarePulse) Bind(soma.Env) error { return p.Validate() }

// Validate checks Period >= 1, 0 <= Width <= Period and that Low and High
// are finite.
func (p SquarePulse) Validate() error {
	if !finite(float64(p.Low)) {
		return fmt.Errorf("square pulse: low = %g: must be finite", p.Low)
	}
	if !finite(float64(p.High)) {
		return fmt.Errorf("square pulse: high = %g: must be finite", p.High)
	}
	if p.Period < 1 {
		return fmt.Errorf("square pulse: period = %d steps: must be >= 1", p.Period)
	}
	if p.Width < 0 || p.Width > p.Period {
		return fmt.Errorf("square pulse: width = %d steps: must lie in [0, period = %d]", p.Width, p.Period)
	}
	return nil
}

// Value is the pulse train at step (Low if the pulse is invalid).
func (p SquarePulse) Value(step int64) float32 {
	if p.Period < 1 {
		return p.Low
	}
	r := (step - p.Phase) % p.Period
	if r < 0 {
		r += p.Period
	}
	if r < p.Width {
		return p.High
	}
	return p.Low
}

// Add implements Stimulus.
func (p SquarePulse) Add(step int64, current []float32) {
	Constant(p.Value(step)).Add(step, current)
}
