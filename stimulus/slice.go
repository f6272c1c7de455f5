package stimulus

import (
	"fmt"

	"github.com/spiral-sim/spiral/population"
)

// Slicing (population.Slicer). A population split into shards gives each
// shard the slice of its stimuli for neurons [lo, hi); the slices add,
// element for element and bit for bit, what the whole stimulus adds to
// those neurons. Slices are taken after Bind, for a population of one
// batch copy; the slice's Add receives hi − lo elements, element k being
// neuron lo + k. Slices share read-only data (values, frames, factors)
// with the whole.
//
//   - Constant, SquarePulse: the same value for every neuron.
//   - PerNeuron, Sequence: the values (of every frame) of neurons [lo, hi).
//     A Sequence must have frames of N values (with one copy, frames of
//     N·Batch values are frames of N values).
//   - Gain: its factors of [lo, hi), and the slice of its stimulus.
//   - Window, Sum: the slices of their stimuli; every part must be a
//     Slicer, or Slice returns an error.
//   - PerCopy: one copy only (batch 1): the slice of its single stimulus.
//   - FunctionGenerator: the baseline, slope and shared noise are common to
//     all neurons; the population noise of neuron lo + k is drawn with that
//     index, so the slice draws the numbers of the whole.
//
// A slice can be sliced again, with ranges relative to the slice (n = its
// number of neurons).

// sliceRange checks a slice [lo, hi) of a population of n neurons.
func sliceRange(kind string, lo, hi, n int) error {
	if lo < 0 || hi > n || lo >= hi {
		return fmt.Errorf("%s: slice [%d, %d) of %d neurons: need 0 <= lo < hi <= %d", kind, lo, hi, n, n)
	}
	return nil
}

// sliceOf slices s, which must be a Slicer.
func sliceOf(kind string, s Stimulus, lo, hi, n int) (Stimulus, error) {
	if s == nil {
		return nil, fmt.Errorf("%s: no stimulus", kind)
	}
	sl, ok := s.(population.Slicer)
	if !ok {
		return nil, fmt.Errorf("%s: stimulus %T cannot be sliced", kind, s)
	}
	p, err := sl.Slice(lo, hi, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return p, nil
}

// Slice implements population.Slicer: the same constant.
func (c Constant) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("constant stimulus", lo, hi, n); err != nil {
		return nil, err
	}
	return c, nil
}

// Slice implements population.Slicer: the values of neurons [lo, hi).
func (p PerNeuron) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("per-neuron stimulus", lo, hi, n); err != nil {
		return nil, err
	}
	if len(p) != n {
		return nil, fmt.Errorf("per-neuron stimulus: slice of a population of %d neurons: has %d values", n, len(p))
	}
	return p[lo:hi:hi], nil
}

// Slice implements population.Slicer: the sum of the parts' slices; an
// error if a part cannot be sliced.
func (s Sum) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("sum", lo, hi, n); err != nil {
		return nil, err
	}
	out := make(Sum, len(s))
	for k, x := range s {
		p, err := sliceOf(fmt.Sprintf("sum: part %d", k), x, lo, hi, n)
		if err != nil {
			return nil, err
		}
		out[k] = p
	}
	return out, nil
}

// Slice implements population.Slicer for one copy (a population is only
// split with a batch of one): the slice of the copy's stimulus. More
// copies are an error.
func (p PerCopy) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("per-copy stimulus", lo, hi, n); err != nil {
		return nil, err
	}
	if len(p) != 1 {
		return nil, fmt.Errorf("per-copy stimulus: slice of %d copies: only a batch of one copy can be sliced", len(p))
	}
	if p[0] == nil {
		return PerCopy{nil}, nil
	}
	s, err := sliceOf("per-copy stimulus: copy 0", p[0], lo, hi, n)
	if err != nil {
		return nil, err
	}
	return PerCopy{s}, nil
}

// Slice implements population.Slicer: the factors of neurons [lo, hi)
// applied to the slice of S. The gain must be bound to the population (of
// n neurons, one copy).
func (g *Gain) Slice(lo, hi, n int) (population.Stimulus, error) {
	if !g.bound {
		return nil, fmt.Errorf("gain: slice before Bind")
	}
	if err := sliceRange("gain", lo, hi, n); err != nil {
		return nil, err
	}
	if g.env.N != n || g.env.Batch != 1 || len(g.Factors) != n {
		return nil, fmt.Errorf("gain: slice of a population of %d neurons: bound to %d neurons, batch %d", n, g.env.N, g.env.Batch)
	}
	s, err := sliceOf("gain", g.S, lo, hi, n)
	if err != nil {
		return nil, err
	}
	env := g.env
	env.N = hi - lo
	return &Gain{S: s, Factors: g.Factors[lo:hi:hi], env: env, bound: true}, nil
}

// Slice implements population.Slicer: the window over the slice of S.
func (w Window) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("window", lo, hi, n); err != nil {
		return nil, err
	}
	s, err := sliceOf("window", w.S, lo, hi, n)
	if err != nil {
		return nil, err
	}
	return Window{S: s, From: w.From, To: w.To}, nil
}

// Slice implements population.Slicer: the same pulse train.
func (p SquarePulse) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := sliceRange("square pulse", lo, hi, n); err != nil {
		return nil, err
	}
	return p, nil
}

// Slice implements population.Slicer: every frame cut to neurons [lo,
// hi). The frames must have n values (one copy).
func (s Sequence) Slice(lo, hi, n int) (population.Stimulus, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := sliceRange("sequence", lo, hi, n); err != nil {
		return nil, err
	}
	if l := len(s.Frames[0]); l != n {
		return nil, fmt.Errorf("sequence: slice of a population of %d neurons: frames have %d values (only frames of one value per neuron, batch 1, can be sliced)", n, l)
	}
	frames := make([][]float32, len(s.Frames))
	for k, f := range s.Frames {
		frames[k] = f[lo:hi:hi]
	}
	return Sequence{Frames: frames, Hold: s.Hold}, nil
}

// Slice implements population.Slicer: a generator for neurons [lo, hi)
// whose population noise is drawn with the population indices lo + k (lo
// counted from the whole population's neuron 0 when g is itself a slice).
// It must be bound to the population (of n neurons, one copy); the slice is
// bound too (to hi − lo neurons) and keeps its own Err.
func (g *FunctionGenerator) Slice(lo, hi, n int) (population.Stimulus, error) {
	if !g.bound {
		return nil, fmt.Errorf("function generator: slice before Bind")
	}
	if err := sliceRange("function generator", lo, hi, n); err != nil {
		return nil, err
	}
	if g.n != n || g.env.Batch != 1 {
		return nil, fmt.Errorf("function generator: slice of a population of %d neurons: bound to %d neurons, batch %d", n, g.n, g.env.Batch)
	}
	p := *g
	p.lo, p.n = g.lo+lo, hi-lo
	p.env.N = hi - lo
	p.err = nil
	return &p, nil
}

var (
	_ population.Slicer = Constant(0)
	_ population.Slicer = PerNeuron(nil)
	_ population.Slicer = Sum(nil)
	_ population.Slicer = PerCopy(nil)
	_ population.Slicer = (*Gain)(nil)
	_ population.Slicer = Window{}
	_ population.Slicer = SquarePulse{}
	_ population.Slicer = Sequence{}
	_ population.Slicer = (*FunctionGenerator)(nil)
)
