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

// IzhikevichMethod selects how the Izhikevich equations are integrated.
type IzhikevichMethod int

const (
	// IzhikevichHalfMs is the scheme of Izhikevich (2003)'s published
	// code: v advances in S = ceil(dt/0.5 ms) Euler sub-steps of dt/S
	// (two 0.5 ms sub-steps at dt = 1 ms, "for numerical stability"), then
	// u advances over dt with the new v. The default.
	IzhikevichHalfMs IzhikevichMethod = iota
	// IzhikevichEuler is the explicit Euler step over dt, v and u both
	// from the values of the start of the step.
	IzhikevichEuler
)

func (m IzhikevichMethod) String() string {
	switch m {
	case IzhikevichHalfMs:
		return "half_ms"
	case IzhikevichEuler:
		return "euler"
	}
	return fmt.Sprintf("izhikevich_method(%d)", int(m))
}

// Izhikevich is the simple model of Izhikevich (2003):
//
//	dv/dt = 0.04·v² + 5·v + 140 − u + I      (v in mV, t in ms)
//	du/dt = a·(b·v − u)
//	if v ≥ peak: spike; then v ← c, u ← u + d
//
// I is Input.Current, in the model's nominal units (mV/ms). The reset is
// applied at the start of the next step; the potential recorded at a
// spike step is clipped to the peak (as in Izhikevich's figures), which
// has no effect on the dynamics.
type Izhikevich struct {
	A      param.Value // recovery time scale a, 1/ms (> 0); RS default 0.02
	B      param.Value // recovery sensitivity b; RS default 0.2
	C      param.Value // after-spike reset c, mV (< Peak); RS default −65
	D      param.Value // after-spike jump of u, d; RS default 8
	PeakMV param.Value // spike cut-off, mV; default 30

	V0MV *param.Value // initial v, mV; nil: −65 (Izhikevich's code)
	U0   *param.Value // initial u; nil: b·v0
	// Method is IzhikevichHalfMs (default) or IzhikevichEuler.
	Method IzhikevichMethod
}

// NewIzhikevich returns the model with parameters a, b, c, d, peak 30 mV.
func NewIzhikevich(a, b, c, d float64) Izhikevich {
	return Izhikevich{A: param.Const(a), B: param.Const(b), C: param.Const(c), D: param.Const(d), PeakMV: param.Const(30)}
}

// IzhikevichRS returns a regular-spiking cell (a, b, c, d = 0.02, 0.2, −65, 8).
func IzhikevichRS() Izhikevich { return NewIzhikevich(0.02, 0.2, -65, 8) }

// IzhikevichIB returns an intrinsically bursting cell (0.02, 0.2, −55, 4).
func IzhikevichIB() Izhikevich { return NewIzhikevich(0.02, 0.2, -55, 4) }

// IzhikevichCH returns a chattering cell (0.02, 0.2, −50, 2).
func IzhikevichCH() Izhikevich { return NewIzhikevich(0.02, 0.2, -50, 2) }

// IzhikevichFS returns a fast-spiking cell (0.1, 0.2, −65, 2).
func IzhikevichFS() Izhikevich { return NewIzhikevich(0.1, 0.2, -65, 2) }

// Kind implements Spec.
func (Izhikevich) Kind() string { return "izhikevich" }

// New implements Spec.
func (s Izhikevich) New(env Env) (Model, error) {
	kind := s.Kind()
	b := newBuilder(kind, env)
	if b.err != nil {
		return nil, b.err
	}
	m := &izhModel{kind: kind, n: env.Len(), dt: env.Dt}
	m.a = b.per("a", s.A, param.Positive)
	m.b = b.per("b", s.B)
	m.c = b.per("c_mV", s.C)
	m.d = b.per("d", s.D)
	m.peak = b.per("peak_mV", s.PeakMV)
	if s.V0MV != nil {
		m.v0 = b.state("v0_mV", *s.V0MV)
	} else {
		m.v0 = b.state("v0_mV", param.Const(-65))
	}
	if s.U0 != nil {
		m.u0 = b.state("u0", *s.U0)
	}
	if b.err != nil {
		return nil, b.err
	}
	for i := 0; i < env.N; i++ {
		if !(m.c[i] < m.peak[i]) {
			return nil, fmt.Errorf("%s: c_mV[%d] = %g: must be < peak_mV = %g", kind, i, m.c[i], m.peak[i])
		}
	}
	switch s.Method {
	case IzhikevichHalfMs:
		m.sub = int(math.Ceil(env.Dt/0.5 - 1e-9))
		if m.sub < 1 {
			m.sub = 1
		}
	case IzhikevichEuler:
		m.euler = true
	default:
		return nil, fmt.Errorf("%s: method = %d: must be IzhikevichHalfMs or IzhikevichEuler", kind, int(s.Method))
	}
	if m.u0 == nil {
		m.u0 = make([]float32, m.n)
		for i := range m.u0 {
			m.u0[i] = float32(float64(m.b[i]) * float64(m.v0[i]))
		}
	}
	m.v = make([]float32, m.n)
	m.u = make([]float32, m.n)
	m.Reset()
	return m, nil
}

type izhModel struct {
	kind       string    `state:"-"`
	n          int       `state:"-"`
	dt         float64   `state:"-"`
	sub        int       `state:"-"`
	euler      bool      `state:"-"`
	a, b, c, d []float32 `state:"-"`
	peak       []float32 `state:"-"`
	v          []float32 `state:"elements"`
	u          []float32 `state:"elements"`
	v0         []float32 `state:"-"`
	u0         []float32 `state:"-"`
	last       []uint32  `state:"indices"`
	pending    bool      `state:"shared"`
	err        error     `state:"-"`
}

func (m *izhModel) Len() int       { return m.n }
func (m *izhModel) Err() error     { return m.err }
func (m *izhModel) Vars() []string { return []string{"v", "u"} }

// Var returns "v" (mV) or "u".
func (m *izhModel) Var(name string) ([]float32, bool) {
	switch name {
	case "v":
		return m.v, true
	case "u":
		return m.u, true
	}
	return nil, false
}

func (m *izhModel) Reset() {
	copy(m.v, m.v0)
	copy(m.u, m.u0)
	m.last = m.last[:0]
	m.pending = false
	m.err = nil
}

func (m *izhModel) SetFired(fired []uint32) {
	m.last = m.last[:0]
	for _, i := range fired {
		if int(i) >= m.n {
			if m.err == nil {
				m.err = fmt.Errorf("%s: SetFired: element %d out of range [0, %d)", m.kind, i, m.n)
			}
			continue
		}
		if k := len(m.last); k > 0 && m.last[k-1] == i {
			continue // a repeated index acts once
		}
		m.last = append(m.last, i)
	}
	m.pending = true
}

func (m *izhModel) Repolarize() {
	if !m.pending {
		return
	}
	m.pending = false
	for _, i := range m.last {
		m.v[i] = m.c[i]
		m.u[i] += m.d[i]
	}
}

func (m *izhModel) Step(step int64, in Input, fired []uint32) []uint32 {
	if err := checkInput(m.kind, m.n, in); err != nil {
		if m.err == nil {
			m.err = err
		}
		return fired
	}
	m.Repolarize()
	start := len(fired)
	n := m.n
	v, u, a, bb, peak := m.v[:n], m.u[:n], m.a[:n], m.b[:n], m.peak[:n]
	cur, jump := in.Current, in.Jump
	dt := m.dt
	h := dt / float64(m.sub)
	for i := range v {
		x, w := float64(v[i]), float64(u[i])
		var I float64
		if cur != nil {
			I = float64(cur[i])
		}
		if m.euler {
			x, w = x+float64(dt*(float64(0.04*x*x)+float64(5*x)+140-w+I)), w+float64(dt*float64(a[i])*(float64(float64(bb[i])*x)-w))
		} else {
			for s := 0; s < m.sub; s++ {
				x += float64(h * (float64(0.04*x*x) + float64(5*x) + 140 - w + I))
			}
			w += float64(dt * float64(a[i]) * (float64(float64(bb[i])*x) - w))
		}
		if jump != nil {
			x += float64(jump[i])
		}
		u[i] = float32(w)
		if x >= float64(peak[i]) {
			fired = append(fired, uint32(i))
			x = float64(peak[i])
		}
		v[i] = float32(x)
	}
	m.last = append(m.last[:0], fired[start:]...)
	m.pending = true
	return fired
}
