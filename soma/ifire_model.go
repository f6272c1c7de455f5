package soma

import (
	"fmt"
	"math"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// ifModel is the state of an integrate-and-fire population.
type ifModel struct {
	kind string `state:"-"`
	n    int    `state:"-"`

	v  []float32 `state:"elements"` // potential
	v0 []float32 `state:"-"`        // initial potential
	rc []float32 `state:"elements"` // refractory steps left (held steps still to come)

	reset, kref []float32 `state:"-"`        // reset potential, refractory steps K
	th          []float32 `state:"elements"` // threshold test value (θ, plus θa when adaptive)
	refr, drop  bool      `state:"-"`        // some K > 0; drop input while refractory

	// Fast path (no Exponential, no Adaptation): u = u' + k·(E − u') + g·I
	// with k = dt/τ (Euler) or 1 − e^{−dt/τ} (Exact), E = rest, g = k·R
	// (k = 0, g = (dt/τ)·R without Leak). This form keeps the fixed point
	// at E + (g/k)·I whatever the rounding of k.
	fast, scalar   bool      `state:"-"`
	refList        []uint32  `state:"-"` // fast path: the neurons with rc > 0, unless refStale
	refStale       bool      `state:"-"` // refList is out of date: rc alone tells (syncRefList)
	held           []float32 `state:"-"` // their potentials during the loop
	kk, ee, gg     []float32 `state:"-"`
	ks, es, gs, ts float32   `state:"-"` // the same, when every element shares them

	// Conductance path (fast models with Leak): per element dt/τ and R,
	// or the scalars when shared; exact selects exponential Euler.
	cond       bool      `state:"-"`
	dtTau, rr  []float32 `state:"-"`
	dtTauS, rS float32   `state:"-"`
	condExact  bool      `state:"-"`

	// Generic path.
	kr, du []float32 `state:"-"` // (dt/τ)·R; du buffer
	terms  []ifTerm
	adapt  *adaptTerm

	thr *thresholdState // adaptive threshold: keeps th = θ + θa; nil if none

	last    []uint32  `state:"indices"` // elements that fired at the last step
	pending bool      `state:"shared"`  // last's after-spike actions not applied yet
	zeros   []float32 `state:"-"`
	// AVX2 conductance loop: its constants and spike masks (see
	// coba2SIMD), made at first use.
	// Exact integration of exponential PSCs (ExpPSCGain): the membrane
	// time constant shared by every neuron (ms) and the step, or pscTau 0
	// when the model has no such gain (Euler, or τ differing per neuron).
	// Set for the whole population, so that its shards agree.
	pscTau, pscDt float64 `state:"-"`

	simd     *cobaParams `state:"-"`
	simdCuba *cubaParams `state:"-"`
	masks    []uint8     `state:"-"`
	blocks   []uint64    `state:"-"` // the AVX2 current-based loop's blocks with spikes (lifExp2SIMD)
	noSIMD   bool        `state:"-"` // the Go loops even where AVX2 runs (see setSIMD)
	noAVX512 bool        `state:"-"` // the AVX2 kernel even where AVX-512 runs (see setAVX512)
	err      error       `state:"-"`
}

// Restored implements state.Restorer: the list of refractory neurons is
// rebuilt from their counts.
func (m *ifModel) Restored() { m.refStale = true }

func (m *ifModel) Len() int { return m.n }

// Err reports the first bad input met by Step or SetFired.
func (m *ifModel) Err() error { return m.err }

func (m *ifModel) fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

func (m *ifModel) Vars() []string {
	vs := []string{"v"}
	if m.adapt != nil {
		vs = append(vs, "w")
	}
	vs = append(vs, "refractory")
	if m.thr != nil {
		vs = append(vs, "theta")
	}
	return vs
}

// Var returns "v" (potential, mV), "refractory", with an Adaptation term
// "w", and with an AdaptiveThreshold "theta" (the threshold adaptation θa,
// mV: the neuron fires on u > θ + θa). "refractory" counts the held steps
// still to come: the reset (at the start of the step after a spike) sets
// it to K, and each held step counts it down, so it reads K−1 at the end
// of the first held step and 0 at the end of the last.
func (m *ifModel) Var(name string) ([]float32, bool) {
	switch name {
	case "theta":
		if m.thr != nil {
			return m.thr.view, true
		}
	case "v":
		return m.v, true
	case "refractory":
		return m.rc, true
	case "w":
		if m.adapt != nil {
			return m.adapt.w, true
		}
	}
	return nil, false
}

func (m *ifModel) Reset() {
	copy(m.v, m.v0)
	clear(m.rc)
	if m.adapt != nil {
		m.adapt.reset()
	}
	if m.thr != nil {
		m.thr.reset(m.th)
	}
	m.last = m.last[:0]
	m.refList = m.refList[:0]
	m.refStale = false
	m.pending = false
	m.err = nil
}

func (m *ifModel) SetFired(fired []uint32) {
	m.last = m.last[:0]
	for _, i := range fired {
		if int(i) >= m.n {
			m.fail(fmt.Errorf("%s: SetFired: element %d out of range [0, %d)", m.kind, i, m.n))
			continue
		}
		if k := len(m.last); k > 0 && m.last[k-1] == i {
			continue // a repeated index acts once
		}
		m.last = append(m.last, i)
	}
	m.pending = true
}

func (m *ifModel) Repolarize() {
	if !m.pending {
		return
	}
	m.pending = false
	if m.adapt != nil {
		m.adapt.spiked(m.last)
	}
	if m.thr != nil {
		m.thr.spiked(m.last)
	}
	v, rc, reset, kref := m.v, m.rc, m.reset, m.kref
	list := m.fast && m.refr && !m.refStale
	for _, i := range m.last {
		v[i] = reset[i]
		if list && rc[i] == 0 && kref[i] > 0 {
			m.refList = append(m.refList, i)
		}
		rc[i] = kref[i]
	}
}

func (m *ifModel) Step(step int64, in Input, fired []uint32) []uint32 {
	if err := checkInput(m.kind, m.n, in); err != nil {
		m.fail(err)
		return fired
	}
	m.Repolarize()
	cur := in.Current
	if cur == nil {
		if m.zeros == nil {
			m.zeros = make([]float32, m.n)
		}
		cur = m.zeros
	}
	start := len(fired)
	if in.G != nil && !m.cond {
		m.fail(fmt.Errorf("%s: conductance input given to a model that does not integrate conductances", m.kind))
		return fired
	}
	if m.thr != nil {
		m.thr.advance(m.th)
	}
	if in.G != nil {
		fired = m.stepConductance(cur, in.Jump, in.G, in.GE, fired)
	} else if m.fast {
		fired = m.stepFast(cur, in.Jump, fired)
	} else {
		fired = m.stepGeneric(cur, in.Jump, fired)
	}
	m.last = append(m.last[:0], fired[start:]...)
	m.pending = true
	return fired
}

// Conductances reports whether the model integrates conductance input
// (Input.G, Input.GE) itself: leaky models without Exponential and
// Adaptation terms.
func (m *ifModel) Conductances() bool { return m.cond }

// stepConductance advances a leaky model with conductance input:
//
//	τ dv/dt = A − B·v,  A = rest + R·I + GE,  B = 1 + G
//
// with A and B held over the step: exactly (exponential Euler,
// v ← A/B + (v − A/B)·e^{−B·dt/τ}) with Exact integration, else Euler
// (v ← v + (dt/τ)(A − B·v)). Refractory neurons are masked as in stepFast.
func (m *ifModel) stepConductance(cur, jump, g, ge []float32, fired []uint32) []uint32 {
	if m.refr {
		m.enterRefractory()
	}
	n := m.n
	v := m.v[:n]
	cur, g, ge, rest, th := cur[:n], g[:n], ge[:n], m.ee[:n], m.th[:n]
	var j []float32
	if jump != nil {
		j = jump[:n]
	}
	dtTau, r := m.dtTauS, m.rS
	for i, x := range v {
		if m.dtTau != nil {
			dtTau, r = m.dtTau[i], m.rr[i]
		}
		a := rest[i] + float32(r*cur[i]) + ge[i]
		b := 1 + g[i]
		var u float32
		if m.condExact {
			vinf := a / b
			u = vinf + float32((x-vinf)*exp32(-b*dtTau))
		} else {
			u = x + float32(dtTau*(a-float32(b*x)))
		}
		if j != nil {
			u += j[i]
		}
		v[i] = u
		if u > th[i] {
			fired = append(fired, uint32(i))
		}
	}
	if m.refr {
		m.leaveRefractory(jump)
	}
	return fired
}

// stepFast advances the affine models (no Exponential, no Adaptation).
//
// Refractory neurons are kept out of the main loop without a test per
// neuron: the neurons with a refractory count (a short list) have their
// potential replaced by −Inf for the duration of the loop, which turns
// their update into NaN or −Inf, neither of which crosses the threshold;
// the held potentials (plus the jumps they keep) are restored afterwards.
func (m *ifModel) stepFast(cur, jump []float32, fired []uint32) []uint32 {
	if m.refr {
		m.enterRefractory()
	}
	switch {
	case m.scalar && jump == nil:
		fired = lifScalar(m.v, cur, m.ks, m.es, m.gs, m.ts, fired)
	case m.scalar:
		fired = lifScalarJump(m.v, cur, jump, m.ks, m.es, m.gs, m.ts, fired)
	case jump == nil:
		fired = lifArrays(m.v, cur, m.kk, m.ee, m.gg, m.th, fired)
	default:
		fired = lifArraysJump(m.v, cur, jump, m.kk, m.ee, m.gg, m.th, fired)
	}
	if m.refr {
		m.leaveRefractory(jump)
	}
	return fired
}

// enterRefractory counts down the refractory neurons and masks their
// potential with −Inf.
func (m *ifModel) enterRefractory() {
	m.syncRefList()
	v, rc := m.v, m.rc
	m.held = m.held[:0]
	for _, i := range m.refList {
		m.held = append(m.held, v[i])
		v[i] = float32(math.Inf(-1))
		rc[i]--
	}
}

// syncRefList brings refList up to date after the AVX2 kernel (which
// counts the refractory neurons down in rc alone) when another loop takes
// over: the neurons with rc > 0, in order.
func (m *ifModel) syncRefList() {
	if !m.refStale {
		return
	}
	m.refStale = false
	m.refList = m.refList[:0]
	for i, r := range m.rc {
		if r > 0 {
			m.refList = append(m.refList, uint32(i))
		}
	}
}

// leaveRefractory restores the held potentials (with the jumps they keep)
// and drops the neurons whose refractory period is over from the list.
func (m *ifModel) leaveRefractory(jump []float32) {
	v, rc := m.v, m.rc
	keep := jump != nil && !m.drop
	list, held := m.refList, m.held[:len(m.refList)]
	k := 0
	for n, i := range list {
		x := held[n]
		if keep {
			x += jump[i]
		}
		v[i] = x
		if rc[i] > 0 {
			list[k] = i
			k++
		}
	}
	m.refList = list[:k]
}

// The fast loops. Each is a plain loop over contiguous float32 slices with
// the bounds checks hoisted (x = x[:len(v)]); the only branch (a spike) is
// rarely taken.

func lifScalar(v, in []float32, k, e, g, th float32, fired []uint32) []uint32 {
	in = in[:len(v)]
	i := 0
	for ; i+4 <= len(v); i += 4 {
		vv, ii := v[i:i+4:i+4], in[i:i+4:i+4]
		u0 := vv[0] + float32(k*(e-vv[0])) + float32(g*ii[0])
		u1 := vv[1] + float32(k*(e-vv[1])) + float32(g*ii[1])
		u2 := vv[2] + float32(k*(e-vv[2])) + float32(g*ii[2])
		u3 := vv[3] + float32(k*(e-vv[3])) + float32(g*ii[3])
		vv[0], vv[1], vv[2], vv[3] = u0, u1, u2, u3
		if u0 > th || u1 > th || u2 > th || u3 > th {
			fired = spikes4(fired, i, u0, u1, u2, u3, th)
		}
	}
	for ; i < len(v); i++ {
		x := v[i]
		u := x + float32(k*(e-x)) + float32(g*in[i])
		v[i] = u
		if u > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// spikes4 appends the elements i..i+3 whose potential is above th.
func spikes4(fired []uint32, i int, u0, u1, u2, u3, th float32) []uint32 {
	if u0 > th {
		fired = append(fired, uint32(i))
	}
	if u1 > th {
		fired = append(fired, uint32(i+1))
	}
	if u2 > th {
		fired = append(fired, uint32(i+2))
	}
	if u3 > th {
		fired = append(fired, uint32(i+3))
	}
	return fired
}

func lifScalarJump(v, in, j []float32, k, e, g, th float32, fired []uint32) []uint32 {
	in, j = in[:len(v)], j[:len(v)]
	i := 0
	for ; i+4 <= len(v); i += 4 {
		vv, ii, jj := v[i:i+4:i+4], in[i:i+4:i+4], j[i:i+4:i+4]
		u0 := vv[0] + float32(k*(e-vv[0])) + float32(g*ii[0]) + jj[0]
		u1 := vv[1] + float32(k*(e-vv[1])) + float32(g*ii[1]) + jj[1]
		u2 := vv[2] + float32(k*(e-vv[2])) + float32(g*ii[2]) + jj[2]
		u3 := vv[3] + float32(k*(e-vv[3])) + float32(g*ii[3]) + jj[3]
		vv[0], vv[1], vv[2], vv[3] = u0, u1, u2, u3
		if u0 > th || u1 > th || u2 > th || u3 > th {
			fired = spikes4(fired, i, u0, u1, u2, u3, th)
		}
	}
	for ; i < len(v); i++ {
		x := v[i]
		u := x + float32(k*(e-x)) + float32(g*in[i]) + j[i]
		v[i] = u
		if u > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

func lifArrays(v, in, k, e, g, th []float32, fired []uint32) []uint32 {
	n := len(v)
	in, k, e, g, th = in[:n], k[:n], e[:n], g[:n], th[:n]
	for i, x := range v {
		u := x + float32(k[i]*(e[i]-x)) + float32(g[i]*in[i])
		v[i] = u
		if u > th[i] {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

func lifArraysJump(v, in, j, k, e, g, th []float32, fired []uint32) []uint32 {
	n := len(v)
	in, j, k, e, g, th = in[:n], j[:n], k[:n], e[:n], g[:n], th[:n]
	for i, x := range v {
		u := x + float32(k[i]*(e[i]-x)) + float32(g[i]*in[i]) + j[i]
		v[i] = u
		if u > th[i] {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// stepGeneric advances the stacked-terms model: du = (dt/τ)·R·I + Σ terms
// (each from u'), then u = u' + du (+ jump), threshold, then the
// adaptation current with the new potential.
func (m *ifModel) stepGeneric(cur, jump []float32, fired []uint32) []uint32 {
	n := m.n
	du, kr := m.du[:n], m.kr[:n]
	cur = cur[:n]
	for i := range du {
		du[i] = kr[i] * cur[i]
	}
	for _, t := range m.terms {
		t.add(du, m.v)
	}
	v, rc, th := m.v[:n], m.rc[:n], m.th[:n]
	if jump != nil {
		jump = jump[:n]
	}
	for i, x := range v {
		if rc[i] > 0 {
			rc[i]--
			if jump != nil && !m.drop {
				v[i] = x + jump[i]
			}
			continue
		}
		u := x + du[i]
		if jump != nil {
			u += jump[i]
		}
		v[i] = u
		if u > th[i] {
			fired = append(fired, uint32(i))
		}
	}
	if m.adapt != nil {
		m.adapt.after(v)
	}
	return fired
}
