package soma

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Transfer names the transfer function f of a rate unit. Every function
// is applied to x = Gain·(I − Threshold) + Bias.
type Transfer int

const (
	Linear          Transfer = iota // f(x) = x
	ReLU                            // f(x) = max(0, x)
	Sigmoid                         // f(x) = 1/(1 + e^{−x})
	Tanh                            // f(x) = tanh(x)
	ThresholdLinear                 // f(x) = min(Max, max(0, x)); no upper bound when Max is nil
	Custom                          // f(x) = Func(x)
)

var transferNames = [...]string{"linear", "relu", "sigmoid", "tanh", "threshold_linear", "custom"}

func (t Transfer) String() string {
	if t < 0 || int(t) >= len(transferNames) {
		return fmt.Sprintf("transfer(%d)", int(t))
	}
	return transferNames[t]
}

// ParseTransfer returns the transfer function named s ("linear", "relu",
// "sigmoid", "tanh", "threshold_linear"; "custom" needs Rate.Func).
func ParseTransfer(s string) (Transfer, error) {
	for i, n := range transferNames {
		if n == s {
			return Transfer(i), nil
		}
	}
	return 0, fmt.Errorf("unknown transfer function %q (valid: %v)", s, transferNames)
}

// Rate is a classical (graded, non-spiking) unit:
//
//	τ·dr/dt = −r + f(Gain·(I − Threshold) + Bias)
//
// where I = Input.Current (+ Input.Jump, a one-step input). τ = 0 makes
// the unit instantaneous: r = f(...) at every step. Output() is r. With
// Exact integration r ← f + (r − f)·e^{−dt/τ} (exact for an input held over
// the step, stable for any dt); with Euler r ← r + (dt/τ)·(f − r), which
// needs τ ≥ dt.
type Rate struct {
	TauMs     param.Value // time constant τ, ms (>= 0; 0: instantaneous)
	Transfer  Transfer
	Gain      param.Value // must be nonzero; default 1
	Threshold param.Value // input offset; default 0
	Bias      param.Value // output-side offset of x; default 0
	// Max is the saturation of ThresholdLinear (> 0); nil: none. Only
	// ThresholdLinear uses it.
	Max *param.Value
	// Func is the transfer function when Transfer is Custom. It must be
	// safe to call from the goroutine that steps the model.
	Func func(x float32) float32
	// Integration is Euler (the zero value) or Exact (the default of the
	// constructors).
	Integration Integration
	// R0 is the initial output; default 0.
	R0 param.Value
}

// RateUnit returns a rate unit with transfer f, gain 1, τ = 0
// (instantaneous) and exact integration (used once τ is set).
func RateUnit(f Transfer) Rate {
	return Rate{Transfer: f, Gain: param.Const(1), Integration: Exact}
}

// CustomRate returns a rate unit with the transfer function fn.
func CustomRate(fn func(float32) float32) Rate {
	r := RateUnit(Custom)
	r.Func = fn
	return r
}

// Kind implements Spec.
func (Rate) Kind() string { return "rate" }

type rateModel struct {
	kind            string                `state:"-"`
	n               int                   `state:"-"`
	f               Transfer              `state:"-"`
	fn              func(float32) float32 `state:"-"`
	k               []float32             `state:"-"` // weight of the new value: 1 − e^{−dt/τ}, dt/τ, or 1 (τ = 0)
	gain, off, bias []float32             `state:"-"` // off = Threshold
	max             []float32             `state:"-"` // nil: no saturation
	r               []float32             `state:"elements"`
	r0              []float32             `state:"-"`
	err             error                 `state:"-"`
}

// New implements Spec.
func (s Rate) New(env Env) (Model, error) {
	kind := s.Kind()
	b := newBuilder(kind, env)
	if b.err != nil {
		return nil, b.err
	}
	if s.Transfer < Linear || s.Transfer > Custom {
		return nil, fmt.Errorf("%s: transfer = %d: unknown (valid: %v)", kind, int(s.Transfer), transferNames)
	}
	if s.Transfer == Custom && s.Func == nil {
		return nil, fmt.Errorf("%s: transfer = custom: Func must be set", kind)
	}
	if s.Transfer != Custom && s.Func != nil {
		return nil, fmt.Errorf("%s: Func is set but transfer = %s: set Transfer to Custom", kind, s.Transfer)
	}
	if s.Max != nil && s.Transfer != ThresholdLinear {
		return nil, fmt.Errorf("%s: max is set but transfer = %s: only threshold_linear saturates", kind, s.Transfer)
	}
	if s.Integration != Euler && s.Integration != Exact {
		return nil, fmt.Errorf("%s: integration = %d: must be Euler or Exact", kind, int(s.Integration))
	}
	m := &rateModel{kind: kind, n: env.Len(), f: s.Transfer, fn: s.Func}
	tau := b.per("tau_ms", s.TauMs, param.NonNegative)
	m.gain = b.per("gain", s.Gain, func(x float64) string {
		if x == 0 {
			return "must be nonzero"
		}
		return ""
	})
	m.off = b.per("threshold", s.Threshold)
	m.bias = b.per("bias", s.Bias)
	if s.Max != nil {
		m.max = b.per("max", *s.Max, param.Positive)
	}
	m.r0 = b.state("r0", s.R0)
	if b.err != nil {
		return nil, b.err
	}
	m.k = make([]float32, m.n)
	for i, t := range tau {
		x := env.Dt / float64(t)
		switch {
		case t == 0:
			m.k[i] = 1
		case s.Integration == Exact:
			m.k[i] = float32(-math.Expm1(-x))
		case x > 1:
			return nil, fmt.Errorf("%s: tau_ms = %g: Euler needs tau_ms >= dt = %g ms (or 0); use Exact integration", kind, t, env.Dt)
		default:
			m.k[i] = float32(x)
		}
	}
	m.r = make([]float32, m.n)
	m.Reset()
	return m, nil
}

func (m *rateModel) Len() int          { return m.n }
func (m *rateModel) Err() error        { return m.err }
func (m *rateModel) Vars() []string    { return []string{"r"} }
func (m *rateModel) Output() []float32 { return m.r }
func (m *rateModel) Reset()            { copy(m.r, m.r0); m.err = nil }

// Var returns "r", the output.
func (m *rateModel) Var(name string) ([]float32, bool) {
	if name == "r" {
		return m.r, true
	}
	return nil, false
}

// transfer applies f to x.
func (m *rateModel) transfer(i int, x float32) float32 {
	switch m.f {
	case Linear:
		return x
	case ReLU:
		return max(x, 0)
	case Sigmoid:
		return 1 / (1 + exp32(-x))
	case Tanh:
		return float32(math.Tanh(float64(x)))
	case ThresholdLinear:
		x = max(x, 0)
		if m.max != nil {
			x = min(x, m.max[i])
		}
		return x
	}
	return m.fn(x)
}

func (m *rateModel) Step(step int64, in Input, fired []uint32) []uint32 {
	if err := checkInput(m.kind, m.n, in); err != nil {
		if m.err == nil {
			m.err = err
		}
		return fired
	}
	n := m.n
	r, k, gain, off, bias := m.r[:n], m.k[:n], m.gain[:n], m.off[:n], m.bias[:n]
	cur, jump := in.Current, in.Jump
	for i := range r {
		var I float32
		if cur != nil {
			I = cur[i]
		}
		if jump != nil {
			I += jump[i]
		}
		f := m.transfer(i, float32(gain[i]*(I-off[i]))+bias[i])
		if k[i] == 1 {
			r[i] = f
		} else {
			r[i] += float32(k[i] * (f - r[i]))
		}
	}
	return fired
}
