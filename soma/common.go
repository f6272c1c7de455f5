package soma

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// Repolarizer is implemented by the spiking models whose after-spike
// actions — reset to the reset potential, start of the refractory period,
// spike-triggered adaptation — are applied at the start of the step that
// follows a spike (so that the potential recorded at a spike step is the
// supra-threshold value, as in the Python Spiral).
//
// By default such a model acts on the spikes its own Step returned. A
// population whose principles change that list (clamps add spikes, k-WTA
// removes some) calls SetFired with the final list after filtering, so
// that exactly the emitted spikes are reset. A population with
// conductance-based receptors, which read Var("v") before Step, calls
// Repolarize first so that they see the reset potential rather than the
// supra-threshold value of the last step.
type Repolarizer interface {
	// SetFired replaces the list of the elements that fired at the step
	// just taken (ascending element indices, the list is copied). Call it
	// after Step and before the next Step.
	SetFired(fired []uint32)
	// Repolarize applies the pending after-spike actions now. Step does it
	// itself when it was not called; calling it twice is harmless.
	Repolarize()
}

// expArgMax bounds the exponent of the exponential membrane term and of
// the other exponentials of the models: e^50 ≈ 5.2e21 is finite in
// float32 and far beyond any potential a neuron reaches before its reset,
// so dynamics below threshold are unchanged while no Inf or NaN can
// appear, however large the input.
const expArgMax = 50

// builder expands parameters for a model and remembers the first error.
type builder struct {
	env  Env
	kind string
	err  error
}

func newBuilder(kind string, env Env) *builder {
	b := &builder{env: env, kind: kind}
	if err := env.Validate(); err != nil {
		b.err = fmt.Errorf("%s: %w", kind, err)
	} else if math.IsInf(env.Dt, 0) {
		b.err = fmt.Errorf("%s: dt = %g ms: must be finite", kind, env.Dt)
	}
	return b
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("%s: "+format, append([]any{b.kind}, args...)...)
	}
}

// nameID turns a parameter name into a stream identity, so that every
// parameter has its own reproducible random stream whatever the order in
// which parameters are expanded.
func nameID(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// neuron expands v to one value per neuron (N), checked; distributions
// are drawn from the population's initial-state stream of the parameter.
func (b *builder) neuron(name string, v param.Value, checks ...param.Check) []float32 {
	if b.err != nil {
		return nil
	}
	src := b.env.Key.Stream(uint64(rng.PurposeInitialState), nameID(name))
	xs, err := v.Expand(name, b.env.N, src, checks...)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", b.kind, err)
		return nil
	}
	return xs
}

// per expands a parameter shared by the batch copies: one value per neuron,
// tiled to Len.
func (b *builder) per(name string, v param.Value, checks ...param.Check) []float32 {
	xs := b.neuron(name, v, checks...)
	if xs == nil {
		return nil
	}
	return Tile(xs, b.env.Batch)
}

// state expands an initial state value to Len elements: constants and
// arrays (one value per neuron) are the same for every copy; a
// distribution is drawn independently for each copy b from the stream
// (initial state, name, b), so copy b has the same numbers whatever the
// batch size.
func (b *builder) state(name string, v param.Value, checks ...param.Check) []float32 {
	if b.err != nil {
		return nil
	}
	out := make([]float32, 0, b.env.Len())
	for c := 0; c < b.env.Batch; c++ {
		src := b.env.Key.Stream(uint64(rng.PurposeInitialState), nameID(name), uint64(c))
		xs, err := v.Expand(name, b.env.N, src, checks...)
		if err != nil {
			b.err = fmt.Errorf("%s: %w", b.kind, err)
			return nil
		}
		out = append(out, xs...)
	}
	return out
}

// scalarOr returns the common value of xs and true when every element is
// the same.
func scalarOr(xs []float32) (float32, bool) {
	if len(xs) == 0 || !param.Uniform32(xs) {
		return 0, false
	}
	return xs[0], true
}

// checkInput validates the lengths of an input.
func checkInput(kind string, n int, in Input) error {
	if in.Current != nil && len(in.Current) != n {
		return fmt.Errorf("%s: input current has %d values, want %d", kind, len(in.Current), n)
	}
	if in.Jump != nil && len(in.Jump) != n {
		return fmt.Errorf("%s: input jump has %d values, want %d", kind, len(in.Jump), n)
	}
	if (in.G == nil) != (in.GE == nil) || (in.G != nil && (len(in.G) != n || len(in.GE) != n)) {
		return fmt.Errorf("%s: input conductances have %d and %d values, want %d each", kind, len(in.G), len(in.GE), n)
	}
	return nil
}

// exp32 is e^x in float32 with the argument clipped at expArgMax. It is
// computed in float64 (for |x| < 3/4 a degree-9 Taylor polynomial, without
// a branch that the arguments of a conductance-based membrane would
// mispredict half of the time; else
// range reduction x = k·ln2 + r, |r| ≤ ln2/2, and the degree-7 Taylor
// polynomial of e^r; relative error < 1e-8) and rounded once, so it is as
// accurate as float32 allows and several times faster than math.Exp.
// Each product that feeds a sum is converted explicitly (float64(a*b)) so
// that no compiler fuses it into a multiply-add: the same bits on amd64
// and arm64 (docs/model-core.md, "Across machines").
func exp32(x float32) float32 {
	if x > -expPolyMax && x < expPolyMax {
		// Small arguments (the conductance-based membrane's e^{−(1+g)·dt/τ}
		// at every step): the degree-9 Taylor polynomial, relative error
		// below 2e-8, with no range reduction, in Estrin's scheme.
		r := float64(x)
		r2 := r * r
		r4 := r2 * r2
		p01 := 1 + r
		p23 := 1.0/2 + float64(r*(1.0/6))
		p45 := 1.0/24 + float64(r*(1.0/120))
		p67 := 1.0/720 + float64(r*(1.0/5040))
		p89 := 1.0/40320 + float64(r*(1.0/362880))
		return float32((p01 + float64(r2*p23)) + float64(r4*((p45+float64(r2*p67))+float64(r4*p89))))
	}
	if x > expArgMax {
		x = expArgMax
	}
	if !(x > -200) {
		if x != x {
			return x
		}
		return 0
	}
	xd := float64(x)
	t := float64(xd*log2e) + roundMagic
	k := t - roundMagic
	r := xd - float64(k*ln2hi) - float64(k*ln2lo)
	r2 := r * r
	p := (1 + r) + float64(r2*(1.0/2+float64(r*(1.0/6)))) + float64(r2*r2*((1.0/24+float64(r*(1.0/120)))+float64(r2*(1.0/720+float64(r*(1.0/5040))))))
	return float32(p * math.Float64frombits(uint64(int64(k)+1023)<<52))
}

// expPolyMax bounds the arguments that exp32 takes through its
// small-argument polynomial (the AVX2 kernels use the same bound).
const expPolyMax = 0.75

const (
	log2e = 1.4426950408889634
	ln2hi = 6.93147180369123816490e-01
	ln2lo = 1.90821492927058770002e-10
	// roundMagic = 1.5·2^52: x + roundMagic − roundMagic rounds x to the
	// nearest integer for |x| < 2^51.
	roundMagic = 6755399441055744.0
)

// below returns the largest float32 below x, so that v >= x ⇔ v > below(x)
// for every float32 v.
func below(x float32) float32 { return math.Nextafter32(x, float32(math.Inf(-1))) }
