package soma

import (
	"fmt"
	"math"
	"reflect"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/state"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// TissueForm names how a dopaminergic tissue turns its input into its
// output.
type TissueForm int

const (
	// TissueLeaky integrates the input with a leak (the reference's
	// SimpleDopaminergicTissue).
	TissueLeaky TissueForm = iota
	// TissueImpulse passes the input of the step on (the reference's
	// ImpulseDopaminergicTissue).
	TissueImpulse
	// TissueWindowed sums the inputs of a sliding window (the reference's
	// FlatDopaminergicTissue).
	TissueWindowed
)

var tissueFormNames = [...]string{"leaky", "impulse", "windowed"}

// String returns "leaky", "impulse" or "windowed".
func (f TissueForm) String() string {
	if f < 0 || int(f) >= len(tissueFormNames) {
		return fmt.Sprintf("tissue_form(%d)", int(f))
	}
	return tissueFormNames[f]
}

// ParseTissueForm returns the form named s ("leaky", "impulse",
// "windowed").
func ParseTissueForm(s string) (TissueForm, error) {
	for i, n := range tissueFormNames {
		if n == s {
			return TissueForm(i), nil
		}
	}
	return 0, fmt.Errorf("unknown tissue form %q (valid: %v)", s, tissueFormNames)
}

// DefaultTissueTau and DefaultTissueWindow are the reference's time
// constant of the leaky tissue and window of the windowed one, ms.
const (
	DefaultTissueTau    = 7.0
	DefaultTissueWindow = 7.0
)

// Tissue is a dopaminergic tissue: a graded unit that turns a reward
// signal into a neuromodulator concentration d, the modulator source that
// plastic projections follow (network.Connection.Follow). Its input at
// step n is da_n = Input.Current + Input.Jump (a reward from a stimulus,
// or the current of a receptor), and Output() = d:
//
//	leaky:    d_n = d_{n−1} + (da_n − d_{n−1}/τ)·dt
//	impulse:  d_n = da_n
//	windowed: d_n = Σ_{k=0}^{K−1} da_{n−k},  K = floor(window/dt) steps
//
// Leaky is the Euler step of τ·dd/dt = −d + τ·da (the reference's
// SimpleDopaminergicTissue, τ = 7 ms): a one-step input da raises d by
// da·dt, a constant da drives d to τ·da, geometrically with ratio
// 1 − dt/τ, so τ must be at least dt. With Integration Exact it is
// d_n = d_{n−1}·e^{−dt/τ} + τ·(1 − e^{−dt/τ})·da_n instead, exact for an
// input held over the step (same steady state τ·da, any τ > 0).
//
// A leaky tissue flushes values below the smallest normal float32
// (|d| < 2^−126 ≈ 1.2e−38) to zero: its decay then ends at exactly 0, as
// the reference's in float64 practically does, instead of sticking at a
// subnormal value (in float32 round(a·d) = d for the smallest subnormals),
// and the projections that follow it see no modulator.
//
// Windowed is the reference's FlatDopaminergicTissue (window 7 ms), with
// its window converted as floor(window/dt + 1e-9) (param.Steps; at least
// one step) and the inputs kept with their magnitudes (the reference
// stored its history as booleans and so counted inputs instead of summing
// them). The sum is kept in float64 and is exactly zero once the window
// holds no non-zero input.
//
// Start from LeakyTissue, ImpulseTissue or WindowedTissue, which fill in
// the defaults. Tau and Window are per neuron (param.Value); each form
// reads only its own parameter. Tissues implement Graded and Splitter;
// their Step returns the spike list unchanged.
type Tissue struct {
	Form        TissueForm
	TauMs       param.Value // leaky: time constant τ, ms (> 0; ≥ dt with Euler)
	WindowMs    param.Value // windowed: window, ms (≥ dt)
	Integration Integration // leaky: Euler (the reference, zero value) or Exact
}

// LeakyTissue returns the reference's SimpleDopaminergicTissue: leaky,
// τ = 7 ms, Euler.
func LeakyTissue() Tissue {
	return Tissue{Form: TissueLeaky, TauMs: param.Const(DefaultTissueTau)}
}

// ImpulseTissue returns the reference's ImpulseDopaminergicTissue:
// d_n = da_n.
func ImpulseTissue() Tissue { return Tissue{Form: TissueImpulse} }

// WindowedTissue returns the reference's FlatDopaminergicTissue: the sum
// of the inputs of the last 7 ms.
func WindowedTissue() Tissue {
	return Tissue{Form: TissueWindowed, WindowMs: param.Const(DefaultTissueWindow)}
}

// Kind implements Spec.
func (Tissue) Kind() string { return "tissue" }

// minNormal32 is the smallest normal float32, 2^−126.
const minNormal32 = 0x1p-126

type tissueModel struct {
	kind  string     `state:"-"`
	form  TissueForm `state:"-"`
	n     int        `state:"-"`
	batch int        `state:"-"`
	d     []float32  `state:"elements"`
	// leaky: d ← a·d + g·da
	a, g []float32 `state:"-"`
	// windowed: the last kmax inputs of each element (ring[i·kmax + slot],
	// slot pos holds the input of this step), the window k[i] ≤ kmax, the
	// running sum and the number of non-zero inputs in the window.
	k     []int32   `state:"-"`
	kmax  int       `state:"-"`
	ring  []float32 `state:"-"` // as the variable "window" (StateVars)
	sum   []float64 `state:"elements"`
	count []int32   `state:"elements"`
	pos   int       `state:"shared"`
	err   error     `state:"-"`
}

// New implements Spec.
func (s Tissue) New(env Env) (Model, error) {
	kind := s.Kind()
	b := newBuilder(kind, env)
	if b.err != nil {
		return nil, b.err
	}
	m := &tissueModel{kind: kind, form: s.Form, n: env.Len(), batch: env.Batch}
	switch s.Form {
	case TissueLeaky:
		if s.Integration != Euler && s.Integration != Exact {
			return nil, fmt.Errorf("%s: integration = %d: must be Euler or Exact", kind, int(s.Integration))
		}
		tau := b.per("tau_ms", s.TauMs, param.Positive)
		if b.err != nil {
			return nil, b.err
		}
		m.a, m.g = make([]float32, m.n), make([]float32, m.n)
		for i, t := range tau {
			tw := param.Widen(t)
			if s.Integration == Exact {
				x := -env.Dt / tw
				m.a[i], m.g[i] = float32(math.Exp(x)), float32(-tw*math.Expm1(x))
				continue
			}
			if tw < env.Dt {
				return nil, fmt.Errorf("%s: tau_ms = %g: Euler needs tau_ms >= dt = %g ms (the factor 1 − dt/τ would be negative); use Exact integration", kind, tw, env.Dt)
			}
			m.a[i], m.g[i] = float32(1-env.Dt/tw), float32(env.Dt)
		}
	case TissueImpulse:
	case TissueWindowed:
		win := b.per("window_ms", s.WindowMs, param.Positive)
		if b.err != nil {
			return nil, b.err
		}
		m.k = make([]int32, m.n)
		for i, w := range win {
			ww := param.Widen(w)
			k := param.Steps(ww, env.Dt)
			if k < 1 {
				return nil, fmt.Errorf("%s: window_ms = %g: must be at least dt = %g ms (one step)", kind, ww, env.Dt)
			}
			if k > 1<<24 {
				return nil, fmt.Errorf("%s: window_ms = %g: %d steps of dt = %g ms, more than %d", kind, ww, k, env.Dt, 1<<24)
			}
			m.k[i] = int32(k)
			m.kmax = max(m.kmax, k)
		}
		m.ring = make([]float32, m.n*m.kmax)
		m.sum = make([]float64, m.n)
		m.count = make([]int32, m.n)
	default:
		return nil, fmt.Errorf("%s: form = %d: unknown (valid: %v)", kind, int(s.Form), tissueFormNames)
	}
	m.d = make([]float32, m.n)
	return m, nil
}

func (m *tissueModel) Len() int          { return m.n }
func (m *tissueModel) Err() error        { return m.err }
func (m *tissueModel) Vars() []string    { return []string{"d"} }
func (m *tissueModel) Output() []float32 { return m.d }

// Var returns "d", the output (the neuromodulator concentration).
func (m *tissueModel) Var(name string) ([]float32, bool) {
	if name == "d" {
		return m.d, true
	}
	return nil, false
}

// Reset sets d, the window and the recorded error to zero.
func (m *tissueModel) Reset() {
	clear(m.d)
	clear(m.ring)
	clear(m.sum)
	clear(m.count)
	m.pos = 0
	m.err = nil
}

func (m *tissueModel) Step(step int64, in Input, fired []uint32) []uint32 {
	if err := checkInput(m.kind, m.n, in); err != nil {
		if m.err == nil {
			m.err = err
		}
		return fired
	}
	d := m.d[:m.n]
	cur, jump := in.Current, in.Jump
	for i := range d {
		var da float32
		if cur != nil {
			da = cur[i]
		}
		if jump != nil {
			da += jump[i]
		}
		switch m.form {
		case TissueLeaky:
			x := float32(m.a[i]*d[i]) + float32(m.g[i]*da)
			if x < minNormal32 && x > -minNormal32 {
				x = 0
			}
			d[i] = x
		case TissueImpulse:
			d[i] = da
		case TissueWindowed:
			d[i] = m.window(i, da)
		}
	}
	if m.form == TissueWindowed {
		if m.pos++; m.pos == m.kmax {
			m.pos = 0
		}
	}
	return fired
}

// StateVars implements state.Custom: the windowed form's last inputs as
// "window", kmax rows of one value per element (row s the inputs in slot
// s), so that a checkpoint cuts and joins them by element as it does the
// other per-element variables; the ring itself is element by element.
func (m *tissueModel) StateVars(int64) []state.Var {
	if m.k == nil {
		return nil
	}
	n, k := m.n, m.kmax
	rows := make([]float32, n*k)
	for i := range n {
		for s := range k {
			rows[s*n+i] = m.ring[i*k+s]
		}
	}
	set := func(v reflect.Value) error {
		in, ok := v.Interface().([]float32)
		if !ok || len(in) != n*k {
			return fmt.Errorf("%s: window of %d values, want %d slots of %d elements", m.kind, v.Len(), k, n)
		}
		for i := range n {
			for s := range k {
				m.ring[i*k+s] = in[s*n+i]
			}
		}
		return nil
	}
	return []state.Var{{Path: "window", Scope: state.Elements, Value: reflect.ValueOf(rows), Set: set}}
}

// window enters da into element i's window and returns the new sum.
func (m *tissueModel) window(i int, da float32) float32 {
	ring := m.ring[i*m.kmax : (i+1)*m.kmax]
	// The input that leaves: k steps ago (slot pos − k; with k = kmax
	// that is slot pos itself, read before it is overwritten).
	out := m.pos - int(m.k[i])
	if out < 0 {
		out += m.kmax
	}
	if old := ring[out]; old != 0 {
		m.sum[i] -= float64(old)
		m.count[i]--
	}
	ring[m.pos] = da
	if da != 0 {
		m.sum[i] += float64(da)
		m.count[i]++
	}
	if m.count[i] == 0 {
		m.sum[i] = 0
	}
	return float32(m.sum[i])
}

// Split implements Splitter. The part's state and parameters are views of
// the whole's.
func (m *tissueModel) Split(lo, hi int) (Model, error) {
	if err := splitCheck(m.kind, m.n, lo, hi, false); err != nil {
		return nil, err
	}
	if m.batch != 1 {
		return nil, fmt.Errorf("%s: split with a batch of %d copies: only one copy can be split", m.kind, m.batch)
	}
	p := *m
	p.n = hi - lo
	p.d, p.a, p.g = sub(m.d, lo, hi), sub(m.a, lo, hi), sub(m.g, lo, hi)
	if m.k != nil {
		p.k = m.k[lo:hi:hi]
		p.count = m.count[lo:hi:hi]
		p.sum = m.sum[lo:hi:hi]
		p.ring = sub(m.ring, lo*m.kmax, hi*m.kmax)
	}
	return &p, nil
}
