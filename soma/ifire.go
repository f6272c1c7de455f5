package soma

import (
	"fmt"
	"math"
	"strings"

	"github.com/spiral-sim/spiral/param"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Integration selects how the membrane equation of the integrate-and-fire
// family (and of rate units) is advanced over one step.
type Integration int

const (
	// Euler is the explicit Euler step of the Python Spiral:
	// u ← u' + (dt/τ)·(terms). The default for integrate-and-fire neurons.
	Euler Integration = iota
	// Exact integrates linear dynamics exactly for an input held constant
	// over the step: u ← rest + (u'−rest)·e^{−dt/τ} + R·I·(1−e^{−dt/τ}).
	// For integrate-and-fire neurons it requires the Leak term alone.
	Exact
)

func (m Integration) String() string {
	switch m {
	case Euler:
		return "euler"
	case Exact:
		return "exact"
	}
	return fmt.Sprintf("integration(%d)", int(m))
}

// AdaptationForm selects the adaptation equations.
type AdaptationForm int

const (
	// AdaptReference reproduces the Python Spiral exactly: the membrane
	// receives −R·w each step (not scaled by dt/τ), and the spike-triggered
	// increment enters the w update of the step after the spike as b·dt:
	// w_n = w_{n−1} + (dt/τ_w)·(a·(u_n − rest) − w_{n−1} + b·τ_w·s_{n−1}).
	AdaptReference AdaptationForm = iota
	// AdaptTextbook is the Brette–Gerstner AdEx: the membrane receives
	// −(dt/τ)·R·w, w_n = w_{n−1} + (dt/τ_w)·(a·(u_n − rest) − w_{n−1}), and
	// w jumps by b at each spike (applied with the reset).
	AdaptTextbook
)

func (f AdaptationForm) String() string {
	switch f {
	case AdaptReference:
		return "reference"
	case AdaptTextbook:
		return "textbook"
	}
	return fmt.Sprintf("adaptation_form(%d)", int(f))
}

// Term is a membrane term of the integrate-and-fire family: Leak,
// Exponential or Adaptation. Terms are stacked in IF.Terms in any order;
// each is computed from the potential u' of the start of the step (after
// repolarisation), so the order never changes the result.
type Term interface {
	// TermName names the term ("leak", "exp", "adaptation").
	TermName() string
	build(b *builder, c *ifCoeffs) ifTerm
}

// Leak pulls the potential toward rest: −(dt/τ)·(u' − rest).
type Leak struct{}

// TermName implements Term.
func (Leak) TermName() string { return "leak" }

// Exponential is the spike-initiation term of the exponential
// integrate-and-fire model: +(dt/τ)·Δ_T·exp((u' − θ_rh)/Δ_T). The exponent
// is clipped at 50 so that no Inf or NaN appears however large u' is.
type Exponential struct {
	DeltaTMV  param.Value // sharpness Δ_T, mV (> 0); default 2
	ThetaRHMV param.Value // rheobase threshold θ_rh, mV; default −50.4
}

// TermName implements Term.
func (Exponential) TermName() string { return "exp" }

// DefaultExponential returns the Exponential term with the Python Spiral's
// defaults (Δ_T = 2 mV, θ_rh = −50.4 mV).
func DefaultExponential() Exponential {
	return Exponential{DeltaTMV: param.Const(2), ThetaRHMV: param.Const(-50.4)}
}

// Adaptation is an adaptation current w with subthreshold coupling a,
// spike-triggered increment b and time constant τ_w; see AdaptationForm
// for the equations. w starts at 0.
type Adaptation struct {
	A      param.Value // subthreshold adaptation a (nominal 1/ohm); default 4
	B      param.Value // spike-triggered adaptation b (nominal mA); default 0.0805
	TauWMs param.Value // τ_w, ms (> 0); default 144
	Form   AdaptationForm
}

// TermName implements Term.
func (Adaptation) TermName() string { return "adaptation" }

// DefaultAdaptation returns the Adaptation term with the Python Spiral's
// defaults (the Brette–Gerstner values a = 4, b = 0.0805, τ_w = 144 ms) in
// the reference form.
func DefaultAdaptation() Adaptation {
	return Adaptation{A: param.Const(4), B: param.Const(0.0805), TauWMs: param.Const(144)}
}

// IF is the integrate-and-fire family: a core
//
//	u_n = u' + (dt/τ)·R·I_n + Σ terms(u')
//
// with stackable membrane terms (Leak, Exponential, Adaptation), a strict
// threshold u_n > θ, a reset applied at the start of the next step, an
// optional absolute refractory period and delta-synapse jumps. See the
// package documentation for the complete update. Build it with New; use
// the constructors (LIF, EIF, AdEx...) for the defaults.
type IF struct {
	TauMs       param.Value // membrane time constant τ, ms (> 0; ≥ dt with Euler); default 20
	R           param.Value // membrane resistance, nominal ohm (> 0); default 1
	RestMV      param.Value // resting potential u_rest, mV; default −70.6
	ThresholdMV param.Value // firing threshold θ, mV; default −40

	// Terms are the membrane terms, in any order, each at most once.
	Terms []Term

	// ResetMV is the potential a neuron is set to at the start of the step
	// after a spike, mV; nil means Rest. It must be below Threshold.
	ResetMV *param.Value
	// RefractoryMs is the absolute refractory period t_ref, ms (>= 0);
	// default 0. After a spike at step n the neuron is held at the reset
	// potential, not integrated and not tested against the threshold, for
	// the K = round(t_ref/dt) steps n+1 … n+K; it integrates again from
	// step n+K+1.
	RefractoryMs param.Value
	// RefractoryFromSpike counts the refractory period from the spike step
	// itself (Brian2's convention: the neuron integrates again at the
	// step round(t_ref/dt) after the spike, so it is held for K − 1 steps)
	// instead of from the step after it (NEST's convention, the default:
	// held for K steps).
	RefractoryFromSpike bool
	// DropRefractoryInput discards the jumps that arrive while a neuron is
	// refractory (NEST iaf_psc_delta). Otherwise they are added to the
	// held potential and integration resumes from it. (Currents never act
	// on a held neuron: its potential is not integrated.)
	DropRefractoryInput bool
	// FireAtThreshold fires on u ≥ θ instead of u > θ (NEST, and Brian2
	// models written with >=).
	FireAtThreshold bool
	// Integration is Euler (default) or Exact (Leak term alone).
	Integration Integration
	// V0MV is the initial potential, mV; nil means Rest. A distribution is
	// drawn independently for each batch copy from the population's key,
	// the same numbers at every Reset.
	V0MV *param.Value
	// AdaptiveThreshold, if not nil, raises the threshold by Δθ at each
	// spike, decaying with τθ (threshold homeostasis); the neuron fires on
	// u > θ + θa. See AdaptiveThreshold.
	AdaptiveThreshold *AdaptiveThreshold
}

// PerfectIF returns the integrate-and-fire core without membrane terms,
// with the Python Spiral's defaults (τ = 20 ms, R = 1, rest = −70.6 mV,
// θ = −40 mV).
func PerfectIF() IF {
	return IF{
		TauMs:       param.Const(20),
		R:           param.Const(1),
		RestMV:      param.Const(-70.6),
		ThresholdMV: param.Const(-40),
	}
}

// LIF returns the leaky integrate-and-fire neuron (core + Leak) with the
// Python Spiral's defaults.
func LIF() IF {
	s := PerfectIF()
	s.Terms = []Term{Leak{}}
	return s
}

// EIF returns the exponential integrate-and-fire neuron (Leak +
// Exponential) with the Python Spiral's defaults.
func EIF() IF {
	s := PerfectIF()
	s.Terms = []Term{Leak{}, DefaultExponential()}
	return s
}

// AIF returns the adaptive leaky integrate-and-fire neuron (Leak +
// Adaptation, reference form) with the Python Spiral's defaults.
func AIF() IF {
	s := PerfectIF()
	s.Terms = []Term{Leak{}, DefaultAdaptation()}
	return s
}

// AdEx returns the adaptive exponential integrate-and-fire neuron (Leak +
// Exponential + Adaptation) in the Python Spiral's reference form and
// defaults.
func AdEx() IF {
	s := PerfectIF()
	s.Terms = []Term{Leak{}, DefaultExponential(), DefaultAdaptation()}
	return s
}

// AdExTextbook returns AdEx with the textbook adaptation (AdaptTextbook).
func AdExTextbook() IF {
	s := AdEx()
	a := DefaultAdaptation()
	a.Form = AdaptTextbook
	s.Terms[2] = a
	return s
}

// Kind names the combination of terms: "if" (no term), "lif" (Leak),
// "eif" (Leak + Exponential), "aif" (Leak + Adaptation), "adex" (all
// three), otherwise "if+" followed by the term names.
func (s IF) Kind() string {
	var leak, exp, ad bool
	var names []string
	for _, t := range s.Terms {
		if nilTerm(t) {
			names = append(names, "nil")
			continue
		}
		switch t.(type) {
		case Leak, *Leak:
			leak = true
		case Exponential, *Exponential:
			exp = true
		case Adaptation, *Adaptation:
			ad = true
		}
		names = append(names, t.TermName())
	}
	switch {
	case len(names) == 0:
		return "if"
	case leak && !exp && !ad && len(names) == 1:
		return "lif"
	case leak && exp && !ad && len(names) == 2:
		return "eif"
	case leak && !exp && ad && len(names) == 2:
		return "aif"
	case leak && exp && ad && len(names) == 3:
		return "adex"
	}
	return "if+" + strings.Join(names, "+")
}

// nilTerm reports a nil term, including a typed nil pointer.
func nilTerm(t Term) bool {
	switch t := t.(type) {
	case nil:
		return true
	case *Leak:
		return t == nil
	case *Exponential:
		return t == nil
	case *Adaptation:
		return t == nil
	}
	return false
}

// ifCoeffs holds what the terms need from the core, per element.
type ifCoeffs struct {
	k    []float32 // dt/τ
	r    []float32 // R
	rest []float32
	dt   float64
}

// ifTerm is a built membrane term: it adds its contribution, computed
// from u', to du for every element.
type ifTerm interface {
	add(du, u []float32)
}

// New validates the parameters and builds the state.
func (s IF) New(env Env) (Model, error) {
	kind := s.Kind()
	b := newBuilder(kind, env)
	if b.err != nil {
		return nil, b.err
	}
	n := env.Len()
	p, err := s.params(b)
	if err != nil {
		return nil, err
	}
	m := &ifModel{kind: kind, n: n, drop: s.DropRefractoryInput}
	m.reset = p.reset
	if err := m.setRefractory(s, kind, p.tref, env.Dt); err != nil {
		return nil, err
	}
	if err := m.setThreshold(s, b, p.th); err != nil {
		return nil, err
	}

	// Terms.
	c := &ifCoeffs{k: make([]float32, n), r: p.r, rest: p.rest, dt: env.Dt}
	for i := range c.k {
		c.k[i] = float32(env.Dt / float64(p.tau[i]))
	}
	leak, exp, err := m.setTerms(s, b, c)
	if err != nil {
		return nil, err
	}
	if s.Integration == Euler && leak {
		if err := eulerLeakBound(kind, p.tau[:env.N], env.Dt, len(s.Terms) == 1); err != nil {
			return nil, err
		}
	}

	// Initial state.
	if s.V0MV != nil {
		m.v0 = b.state("v0_mV", *s.V0MV)
		if b.err != nil {
			return nil, b.err
		}
	} else {
		m.v0 = append([]float32(nil), p.rest...)
	}
	m.v = make([]float32, n)
	m.rc = make([]float32, n)
	if s.Integration == Exact && leak && len(p.tau) > 0 && param.Uniform32(p.tau[:env.N]) {
		m.pscTau, m.pscDt = float64(p.tau[0]), env.Dt
	}

	if m.adapt == nil && !exp {
		m.setAffine(s, p, leak, env.Dt)
	} else {
		m.kr = make([]float32, n)
		for i := range m.kr {
			m.kr[i] = c.k[i] * p.r[i]
		}
		m.du = make([]float32, n)
	}
	m.Reset()
	return m, nil
}

// ifParams is an integrate-and-fire neuron's parameters, one value per
// element (per neuron, tiled over the batch copies).
type ifParams struct {
	tau, r, rest, th, reset, tref []float32
}

// params expands s's parameters with b and checks them: each in its
// range, the reset potential below the threshold, and a known
// integration.
func (s IF) params(b *builder) (ifParams, error) {
	kind, env := b.kind, b.env
	var p ifParams
	p.tau = b.per("tau_ms", s.TauMs, param.Positive)
	p.r = b.per("r", s.R, param.Positive)
	p.rest = b.per("rest_mV", s.RestMV)
	p.th = b.per("threshold_mV", s.ThresholdMV)
	p.reset = p.rest
	if s.ResetMV != nil {
		p.reset = b.per("reset_mV", *s.ResetMV)
	}
	p.tref = b.per("refractory_ms", s.RefractoryMs, param.NonNegative)
	if b.err != nil {
		return ifParams{}, b.err
	}
	reset, th := p.reset, p.th
	for i := 0; i < env.N; i++ {
		if !(reset[i] < th[i]) {
			name, idx := "reset_mV", ""
			if s.ResetMV == nil {
				name = "rest_mV (the reset potential)"
			}
			if !param.Uniform32(reset[:env.N]) || !param.Uniform32(th[:env.N]) {
				idx = fmt.Sprintf("[%d]", i)
			}
			return ifParams{}, fmt.Errorf("%s: %s%s = %g: must be < threshold_mV%s = %g", kind, name, idx, reset[i], idx, th[i])
		}
	}
	switch s.Integration {
	case Euler, Exact:
	default:
		return ifParams{}, fmt.Errorf("%s: integration = %d: must be Euler or Exact", kind, int(s.Integration))
	}
	return p, nil
}

// setRefractory sets the refractory steps K of every element from its
// refractory period tref (ms), one step fewer when counted from the
// spike, at most 2^24 steps of dt.
func (m *ifModel) setRefractory(s IF, kind string, tref []float32, dt float64) error {
	m.kref = make([]float32, m.n)
	for i, t := range tref {
		k := math.Round(float64(t) / dt)
		if s.RefractoryFromSpike && k > 0 {
			k--
		}
		if k > 1<<24 {
			return fmt.Errorf("%s: refractory_ms = %g: must be at most 2^24 steps of dt = %g ms", kind, t, dt)
		}
		m.kref[i] = float32(k)
		if k > 0 {
			m.refr = true
		}
	}
	return nil
}

// setThreshold sets the threshold test value of every element from its
// threshold th (just below it when the neuron fires at the threshold)
// and builds the adaptive threshold, if any.
func (m *ifModel) setThreshold(s IF, b *builder, th []float32) error {
	m.th = make([]float32, m.n)
	for i, x := range th {
		if s.FireAtThreshold {
			x = below(x)
		}
		m.th[i] = x
	}
	if s.AdaptiveThreshold != nil {
		m.thr = s.AdaptiveThreshold.build(b, th, s.FireAtThreshold, s.Integration == Exact)
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

// setTerms builds s's membrane terms over the coefficients c, each at
// most once, and keeps them in a canonical order. It reports whether
// there is a Leak and an Exponential term; exact integration needs the
// Leak term alone.
func (m *ifModel) setTerms(s IF, b *builder, c *ifCoeffs) (leak, exp bool, err error) {
	kind := b.kind
	var slots [3]ifTerm
	seen := map[string]bool{}
	for i, t := range s.Terms {
		if nilTerm(t) {
			return false, false, fmt.Errorf("%s: terms[%d] is nil", kind, i)
		}
		name := t.TermName()
		if seen[name] {
			return false, false, fmt.Errorf("%s: terms[%d]: %s appears twice (each term at most once)", kind, i, name)
		}
		seen[name] = true
		bt := t.build(b, c)
		if b.err != nil {
			return false, false, b.err
		}
		switch bt := bt.(type) {
		case *leakTerm:
			leak = true
			slots[0] = bt
		case *expTerm:
			exp = true
			slots[1] = bt
		case *adaptTerm:
			m.adapt = bt
			slots[2] = bt
		}
	}
	// A canonical order, so that the float32 sum is the same (bit for bit)
	// whatever order the terms were listed in.
	for _, t := range slots {
		if t != nil {
			m.terms = append(m.terms, t)
		}
	}
	if s.Integration == Exact && (!leak || len(s.Terms) != 1) {
		return false, false, fmt.Errorf("%s: integration = exact: needs the Leak term alone (terms: %s)", kind, termNames(s.Terms))
	}
	return leak, exp, nil
}

// setAffine sets up the fast path of a model without Exponential or
// Adaptation, whose update is affine: its coefficients k, E and g per
// element, the conductance path's dt/τ and R when it has a Leak, and the
// scalars when every element shares them.
func (m *ifModel) setAffine(s IF, p ifParams, leak bool, dt float64) {
	n := m.n
	tau, r := p.tau, p.r
	m.fast = true
	m.kk, m.ee, m.gg = make([]float32, n), p.rest, make([]float32, n)
	for i := range m.kk {
		k := dt / float64(tau[i])
		g := k * float64(r[i])
		if s.Integration == Exact {
			k = -math.Expm1(-k)
			g = k * float64(r[i])
		}
		if !leak {
			k = 0
		}
		m.kk[i] = float32(k)
		m.gg[i] = float32(g)
	}
	if leak {
		m.cond = true
		m.condExact = s.Integration == Exact
		m.dtTau, m.rr = make([]float32, n), make([]float32, n)
		for i := range m.dtTau {
			m.dtTau[i] = float32(dt / float64(tau[i]))
			m.rr[i] = r[i]
		}
		d, ok1 := scalarOr(m.dtTau)
		rs, ok2 := scalarOr(m.rr)
		if ok1 && ok2 {
			m.dtTauS, m.rS = d, rs
			m.dtTau, m.rr = nil, nil
		}
	}
	ks, ok1 := scalarOr(m.kk)
	es, ok2 := scalarOr(m.ee)
	gs, ok3 := scalarOr(m.gg)
	ts, ok4 := scalarOr(m.th)
	if ok1 && ok2 && ok3 && ok4 && m.thr == nil { // an adaptive threshold differs per element
		m.scalar = true
		m.ks, m.es, m.gs, m.ts = ks, es, gs, ts
	}
}

func termNames(ts []Term) string {
	if len(ts) == 0 {
		return "none"
	}
	var names []string
	for _, t := range ts {
		if nilTerm(t) {
			names = append(names, "nil")
		} else {
			names = append(names, t.TermName())
		}
	}
	return strings.Join(names, ", ")
}

// Terms, built.

type leakTerm struct {
	k, rest []float32 `state:"-"`
}

func (Leak) build(b *builder, c *ifCoeffs) ifTerm { return &leakTerm{k: c.k, rest: c.rest} }

func (t *leakTerm) add(du, u []float32) {
	k, rest := t.k[:len(du)], t.rest[:len(du)]
	u = u[:len(du)]
	for i := range du {
		du[i] -= float32(k[i] * (u[i] - rest[i]))
	}
}

// expTerm holds (dt/τ)·Δ_T, 1/Δ_T and θ_rh.
type expTerm struct {
	kd, inv, th []float32 `state:"-"`
}

func (e Exponential) build(b *builder, c *ifCoeffs) ifTerm {
	dT := b.per("delta_t_mV", e.DeltaTMV, param.Positive)
	th := b.per("theta_rh_mV", e.ThetaRHMV)
	if b.err != nil {
		return nil
	}
	t := &expTerm{kd: make([]float32, len(dT)), inv: make([]float32, len(dT)), th: th}
	for i := range dT {
		t.kd[i] = c.k[i] * dT[i]
		t.inv[i] = float32(1 / float64(dT[i]))
	}
	return t
}

// add adds (dt/τ)·Δ_T·exp((u'−θ_rh)/Δ_T); the body is exp32, inlined.
func (t *expTerm) add(du, u []float32) {
	kd, inv, th := t.kd[:len(du)], t.inv[:len(du)], t.th[:len(du)]
	u = u[:len(du)]
	for i := range du {
		x := (u[i] - th[i]) * inv[i]
		if !(x > -200 && x <= expArgMax) {
			du[i] += float32(kd[i] * exp32(x))
			continue
		}
		xd := float64(x)
		k := float64(xd*log2e) + roundMagic - roundMagic
		r := xd - float64(k*ln2hi) - float64(k*ln2lo)
		r2 := r * r
		p := (1 + r) + float64(r2*(1.0/2+float64(r*(1.0/6)))) + float64(r2*r2*((1.0/24+float64(r*(1.0/120)))+float64(r2*(1.0/720+float64(r*(1.0/5040))))))
		du[i] += float32(kd[i] * float32(p*math.Float64frombits(uint64(int64(k)+1023)<<52)))
	}
}

// adaptTerm is the adaptation current: it adds −R·w (reference) or
// −(dt/τ)·R·w (textbook) to du, and advances w after the potential.
type adaptTerm struct {
	textbook bool      `state:"-"`
	coef     []float32 `state:"-"` // R or (dt/τ)·R
	kw       []float32 `state:"-"` // dt/τ_w
	a, b     []float32 `state:"-"` // a; b·dt (reference) or b (textbook)
	rest     []float32 `state:"-"`
	w        []float32 `state:"elements"`
	s        []float32 `state:"elements"` // reference: 1 where the element fired at the last step
	sOn      []uint32  `state:"indices"`  // elements whose s is 1
}

func (a Adaptation) build(b *builder, c *ifCoeffs) ifTerm {
	if a.Form != AdaptReference && a.Form != AdaptTextbook {
		b.fail("adaptation form = %d: must be AdaptReference or AdaptTextbook", int(a.Form))
		return nil
	}
	aa := b.per("a", a.A)
	bb := b.per("b", a.B)
	tw := b.per("tau_w_ms", a.TauWMs, param.Positive)
	if b.err != nil {
		return nil
	}
	n := len(aa)
	t := &adaptTerm{textbook: a.Form == AdaptTextbook, a: aa, rest: c.rest,
		coef: make([]float32, n), kw: make([]float32, n), b: make([]float32, n), w: make([]float32, n)}
	for i := range aa {
		t.kw[i] = float32(c.dt / float64(tw[i]))
		if t.textbook {
			t.coef[i] = c.k[i] * c.r[i]
			t.b[i] = bb[i]
		} else {
			t.coef[i] = c.r[i]
			t.b[i] = float32(float64(bb[i]) * c.dt)
		}
	}
	if !t.textbook {
		t.s = make([]float32, n)
	}
	return t
}

func (t *adaptTerm) add(du, u []float32) {
	coef, w := t.coef[:len(du)], t.w[:len(du)]
	for i := range du {
		du[i] -= float32(coef[i] * w[i])
	}
}

// spiked applies the spike-triggered part for the elements that fired at
// the last step.
func (t *adaptTerm) spiked(last []uint32) {
	if t.textbook {
		for _, i := range last {
			t.w[i] += t.b[i]
		}
		return
	}
	for _, i := range t.sOn {
		t.s[i] = 0
	}
	for _, i := range last {
		t.s[i] = 1
	}
	t.sOn = append(t.sOn[:0], last...)
}

// after advances w with the new potential u_n.
func (t *adaptTerm) after(u []float32) {
	n := len(t.w)
	w, kw, a, rest := t.w, t.kw[:n], t.a[:n], t.rest[:n]
	u = u[:n]
	if t.textbook {
		for i := range w {
			w[i] += float32(kw[i] * (float32(a[i]*(u[i]-rest[i])) - w[i]))
		}
		return
	}
	b, s := t.b[:n], t.s[:n]
	for i := range w {
		w[i] += float32(kw[i]*(float32(a[i]*(u[i]-rest[i]))-w[i])) + float32(b[i]*s[i])
	}
}

func (t *adaptTerm) reset() {
	clear(t.w)
	clear(t.s)
	t.sOn = t.sOn[:0]
}

// ExpPSCGain implements PSCGainer for the leaky integrate-and-fire neuron
// with Exact integration and a membrane time constant τ shared by every
// neuron; ok is false otherwise (Euler integration, or τ per neuron).
func (m *ifModel) ExpPSCGain(tauS float64) (float64, bool) {
	if m.pscTau == 0 || !(tauS > 0) || math.IsInf(tauS, 0) {
		return 1, false
	}
	return ExpPSCGain(m.pscDt, m.pscTau, tauS), true
}

// ExpPSCGain returns f = P21/P20 for a step h (ms), a membrane time
// constant τ and a current time constant τs (ms): the exact update of the
// linear membrane τ·dV/dt = −(V − E) + R·I over one step, for a current
// I(t) = I0·e^{−t/τs} that decays within the step, adds P21·I0, where the
// update for a current held at I0 adds P20·I0 (Rotter & Diesmann 1999;
// NEST's iaf_psc_exp):
//
//	P20 = R·(1 − e^{−h/τ})
//	P21 = R·τs/(τ − τs)·(e^{−h/τ} − e^{−h/τs})   (τs ≠ τ)
//	P21 = R·(h/τ)·e^{−h/τ}                        (τs = τ)
//
// R cancels. A receptor that scales its input by f makes the step-constant
// update exact.
func ExpPSCGain(h, tau, tauS float64) float64 {
	a := h / tau
	p20 := -math.Expm1(-a)
	var p21 float64
	if tauS == tau {
		p21 = a * math.Exp(-a)
	} else {
		// e^{−a} − e^{−b} = −e^{−a}·(e^{a−b} − 1) with b = h/τs and
		// a − b = h·(τs − τ)/(τ·τs): no cancellation when τs is close to τ.
		p21 = -tauS / (tau - tauS) * math.Exp(-a) * math.Expm1(h*(tauS-tau)/(tau*tauS))
	}
	return p21 / p20
}

// eulerLeakBound checks the membrane time constants tau of a model with a
// leak integrated by Euler: the leak's v ← v + dt/τ·(E − v) overshoots E
// when dt > τ, and diverges when dt > 2τ, so, as the tags and rate units,
// Euler needs τ ≥ dt (compared in float32, as τ is held, so that τ = dt
// passes). exact says whether the model could take Exact integration
// instead (the Leak term alone). Without a leak nothing overshoots.
func eulerLeakBound(kind string, tau []float32, dt float64, exact bool) error {
	what := "use Exact integration (integration: exact)"
	if !exact {
		what = "lower dt_ms (Exact integration takes the Leak term alone)"
	}
	for i, t := range tau {
		if t < float32(dt) {
			idx := ""
			if !param.Uniform32(tau) {
				idx = fmt.Sprintf("[%d]", i)
			}
			return fmt.Errorf("%s: tau_ms%s = %g: Euler integration of the leak needs tau_ms >= dt = %g ms (it overshoots, then diverges, below); %s", kind, idx, t, dt, what)
		}
	}
	return nil
}
