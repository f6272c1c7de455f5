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

// HH is the Hodgkin–Huxley neuron with Traub–Miles sodium and
// delayed-rectifier potassium channels, as in Brian2's COBAHH example
// (Brette et al. 2007, benchmark 3; Traub & Miles 1991):
//
//	C·dv/dt = g_l(E_l − v) + g_Na·m³h·(E_Na − v) + g_K·n⁴·(E_K − v) + I
//	dx/dt   = α_x(v)·(1 − x) − β_x(v)·x          for x = m, h, n
//
//	α_m = 0.32·(13 − v + V_T)/(e^{(13 − v + V_T)/4} − 1)
//	β_m = 0.28·(v − V_T − 40)/(e^{(v − V_T − 40)/5} − 1)
//	α_h = 0.128·e^{(17 − v + V_T)/18}
//	β_h = 4/(1 + e^{(40 − v + V_T)/5})
//	α_n = 0.032·(15 − v + V_T)/(e^{(15 − v + V_T)/5} − 1)
//	β_n = 0.5·e^{(10 − v + V_T)/40}                (rates in 1/ms, v in mV)
//
// Units: the membrane properties are given per area and scaled by Area,
// so that C is in nF and the conductances in µS; Input.Current I is in nA
// (conductance synapses are computed by the population and passed as
// current). A Jump (mV) is added to v after the update.
//
// Integration: exponential Euler (Brian2's "exponential_euler"): over
// each sub-step every variable, linear in itself given the others, is
// advanced exactly with the others held at their start values. dt is
// split into Substeps sub-steps (0: as many as needed for sub-steps of at
// most 0.1 ms). A spike is an upward crossing of Threshold: v at the start
// of the step ≤ θ < v at its end. There is no reset.
type HH struct {
	AreaUm2     param.Value // membrane area, µm² (> 0); default 20000
	CmUFPerCm2  param.Value // specific capacitance, µF/cm² (> 0); default 1
	GLMSPerCm2  param.Value // leak conductance, mS/cm² (> 0); default 0.05
	GNaMSPerCm2 param.Value // sodium conductance, mS/cm² (>= 0); default 100
	GKMSPerCm2  param.Value // potassium conductance, mS/cm² (>= 0); default 30
	ELMV        param.Value // leak reversal, mV; default −60
	ENaMV       param.Value // sodium reversal, mV; default 50
	EKMV        param.Value // potassium reversal, mV; default −90
	VTMV        param.Value // V_T, shifts the rate functions, mV; default −63
	ThresholdMV param.Value // spike detection threshold, mV; default −20

	// V0MV is the initial potential, mV; nil: EL. The gates start at their
	// steady state at V0MV.
	V0MV *param.Value
	// Substeps per step (>= 0; 0: sub-steps of at most 0.1 ms).
	Substeps int
}

// TraubMiles returns the HH neuron of Brian2's COBAHH example.
func TraubMiles() HH {
	return HH{
		AreaUm2: param.Const(20000), CmUFPerCm2: param.Const(1),
		GLMSPerCm2: param.Const(0.05), GNaMSPerCm2: param.Const(100), GKMSPerCm2: param.Const(30),
		ELMV: param.Const(-60), ENaMV: param.Const(50), EKMV: param.Const(-90),
		VTMV: param.Const(-63), ThresholdMV: param.Const(-20),
	}
}

// Kind implements Spec.
func (HH) Kind() string { return "hh" }

type hhModel struct {
	kind                string    `state:"-"`
	n, sub              int       `state:"-"`
	h                   float64   `state:"-"` // sub-step, ms
	c, gl, gna, gk      []float32 `state:"-"`
	el, ena, ek, vt, th []float32 `state:"-"`
	v, m, hh, nn        []float32 `state:"elements"`
	v0, m0, h0, n0      []float32 `state:"-"`
	err                 error     `state:"-"`
}

// New implements Spec.
func (s HH) New(env Env) (Model, error) {
	kind := s.Kind()
	b := newBuilder(kind, env)
	if b.err != nil {
		return nil, b.err
	}
	n := env.Len()
	area := b.per("area_um2", s.AreaUm2, param.Positive)
	cm := b.per("cm_uF_cm2", s.CmUFPerCm2, param.Positive)
	gl := b.per("g_l_mS_cm2", s.GLMSPerCm2, param.Positive)
	gna := b.per("g_na_mS_cm2", s.GNaMSPerCm2, param.NonNegative)
	gk := b.per("g_k_mS_cm2", s.GKMSPerCm2, param.NonNegative)
	m := &hhModel{kind: kind, n: n}
	m.el = b.per("e_l_mV", s.ELMV)
	m.ena = b.per("e_na_mV", s.ENaMV)
	m.ek = b.per("e_k_mV", s.EKMV)
	m.vt = b.per("v_t_mV", s.VTMV)
	m.th = b.per("threshold_mV", s.ThresholdMV)
	if s.V0MV != nil {
		m.v0 = b.state("v0_mV", *s.V0MV)
	} else {
		m.v0 = m.el
	}
	if b.err != nil {
		return nil, b.err
	}
	if s.Substeps < 0 {
		return nil, fmt.Errorf("%s: substeps = %d: must be >= 0 (0: sub-steps of at most 0.1 ms)", kind, s.Substeps)
	}
	m.sub = s.Substeps
	if m.sub == 0 {
		m.sub = int(math.Ceil(env.Dt/0.1 - 1e-9))
		if m.sub < 1 {
			m.sub = 1
		}
	}
	m.h = env.Dt / float64(m.sub)
	// Per area → whole cell: C[nF] = Cm[µF/cm²]·A[µm²]·1e-5 and
	// g[µS] = G[mS/cm²]·A[µm²]·1e-5.
	m.c, m.gl, m.gna, m.gk = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		a := float64(area[i]) * 1e-5
		m.c[i] = float32(float64(cm[i]) * a)
		m.gl[i] = float32(float64(gl[i]) * a)
		m.gna[i] = float32(float64(gna[i]) * a)
		m.gk[i] = float32(float64(gk[i]) * a)
	}
	m.m0, m.h0, m.n0 = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		am, bm, ah, bh, an, bn := hhRates(float64(m.v0[i]), float64(m.vt[i]))
		m.m0[i] = float32(am / (am + bm))
		m.h0[i] = float32(ah / (ah + bh))
		m.n0[i] = float32(an / (an + bn))
	}
	m.v, m.m, m.hh, m.nn = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	m.Reset()
	return m, nil
}

// exprel is (e^x − 1)/x, 1 at x = 0.
func exprel(x float64) float64 {
	if math.Abs(x) < 1e-8 {
		return 1 + float64(x/2)
	}
	if x > 700 {
		x = 700
	}
	return math.Expm1(x) / x
}

// expc is e^x with the argument clipped to ±700 (no Inf in float64).
func expc(x float64) float64 {
	return math.Exp(math.Max(-700, math.Min(700, x)))
}

// hhRates returns α_m, β_m, α_h, β_h, α_n, β_n (1/ms) at v (mV).
func hhRates(v, vt float64) (am, bm, ah, bh, an, bn float64) {
	am = 0.32 * 4 / exprel((13-v+vt)/4)
	bm = 0.28 * 5 / exprel((v-vt-40)/5)
	ah = 0.128 * expc((17-v+vt)/18)
	bh = 4 / (1 + expc((40-v+vt)/5))
	an = 0.032 * 5 / exprel((15-v+vt)/5)
	bn = 0.5 * expc((10-v+vt)/40)
	return
}

func (m *hhModel) Len() int       { return m.n }
func (m *hhModel) Err() error     { return m.err }
func (m *hhModel) Vars() []string { return []string{"v", "m", "h", "n"} }

// Var returns "v" (mV) or a gate "m", "h", "n".
func (m *hhModel) Var(name string) ([]float32, bool) {
	switch name {
	case "v":
		return m.v, true
	case "m":
		return m.m, true
	case "h":
		return m.hh, true
	case "n":
		return m.nn, true
	}
	return nil, false
}

func (m *hhModel) Reset() {
	copy(m.v, m.v0)
	copy(m.m, m.m0)
	copy(m.hh, m.h0)
	copy(m.nn, m.n0)
	m.err = nil
}

// gate advances a gate over h exactly for fixed rates.
func gate(x, a, b, h float64) float64 {
	s := a + b
	inf := a / s
	return inf + float64((x-inf)*math.Exp(-h*s))
}

func (m *hhModel) Step(step int64, in Input, fired []uint32) []uint32 {
	if err := checkInput(m.kind, m.n, in); err != nil {
		if m.err == nil {
			m.err = err
		}
		return fired
	}
	h := m.h
	for i := 0; i < m.n; i++ {
		v := float64(m.v[i])
		x, y, z := float64(m.m[i]), float64(m.hh[i]), float64(m.nn[i])
		var I float64
		if in.Current != nil {
			I = float64(in.Current[i])
		}
		c, gl, gna, gk := float64(m.c[i]), float64(m.gl[i]), float64(m.gna[i]), float64(m.gk[i])
		el, ena, ek, vt := float64(m.el[i]), float64(m.ena[i]), float64(m.ek[i]), float64(m.vt[i])
		v0 := v
		for s := 0; s < m.sub; s++ {
			am, bm, ah, bh, an, bn := hhRates(v, vt)
			gNa := float64(gna * x * x * x * y)
			n2 := z * z
			gK := float64(gk * n2 * n2)
			g := gl + gNa + gK
			vinf := (float64(gl*el) + float64(gNa*ena) + float64(gK*ek) + I) / g
			v = vinf + float64((v-vinf)*math.Exp(-h*g/c))
			x, y, z = gate(x, am, bm, h), gate(y, ah, bh, h), gate(z, an, bn, h)
		}
		if in.Jump != nil {
			v += float64(in.Jump[i])
		}
		m.v[i], m.m[i], m.hh[i], m.nn[i] = float32(v), float32(x), float32(y), float32(z)
		th := float64(m.th[i])
		if v0 <= th && v > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}
