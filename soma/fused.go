package soma

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// ExpCurrent is an exponential receptor handed to a model that updates it
// inside its own loop (see Fuser): In holds the inputs arriving at this
// step (the model clears them), G the kernel state, Decay the per-step
// factor e^{−dt/τ}. All have one entry per element. A conductance
// receptor (Conductance set) has reversal potential E, mV.
type ExpCurrent struct {
	In, G       []float32
	Decay       float32
	Conductance bool
	E           float32
}

// Fuser is implemented by models that can fold exponential receptors into
// their own update loop, saving a pass over memory per receptor. With
// current receptors, StepFused is Step with, for each element i, the input
// current
//
//	Current[i] + (G_1[i] + In_1[i]) + (G_2[i] + In_2[i]) + …
//
// (added in this order, as the receptors' Consume would add them); with
// conductance receptors (a Conductor model) it is Step with the summed
// conductance (G_1[i] + In_1[i]) + … as Input.G and the sum of each
// conductance times its reversal potential as Input.GE. Then
// G_r[i] = (G_r[i] + In_r[i])·Decay_r and In_r[i] = 0. It returns ok
// false, having done nothing, when it cannot fuse these inputs (the caller
// then consumes the receptors and calls Step); the result is bit for bit
// the result of doing so.
//
// sum, if not nil (len Len()), receives the input current of each element
// as the caller would have summed it for Step's Input.Current: with
// current receptors the sum above, with conductance receptors Current[i]
// alone (0 without a current), their input going to G and GE. sum may be
// in.Current itself. Storing it costs a pass of stores; nil skips it.
type Fuser interface {
	StepFused(step int64, in Input, recs []ExpCurrent, sum []float32, fired []uint32) (out []uint32, ok bool)
}

// FusedLIF is what a device needs to step a population of leaky
// integrate-and-fire neurons with current receptors as the fused loop
// does: u ← u + K·(E − u) + G·c for input current c, a spike when u >
// Threshold, then the potential set to Reset and held for Refractory
// steps. They are the model's own coefficients, computed on the host,
// so that a device's arithmetic is the CPU's.
type FusedLIF struct {
	K, E, G, Threshold, Reset, Refractory float32
	// DropInput: a held (refractory) neuron's delta input is dropped
	// (else added to its held potential).
	DropInput bool
}

// FusedConductanceLIF is what a device needs to step leaky
// integrate-and-fire neurons with conductance receptors as the fused
// conductance loop does (condLoop): with A = Rest + R·I + Σ g·E and B = 1
// + Σ g, u ← A/B + (u − A/B)·exp32(−B·DtTau) (Exact) or u + DtTau·(A −
// B·u) (Euler); a spike when u > Threshold; the reset and refractory
// steps as FusedLIF's.
type FusedConductanceLIF struct {
	DtTau, R, Rest, Threshold, Reset, Refractory float32
	Exact                                        bool
}

// FusedConductance implements FusedLIFModel's conductance counterpart:
// ok is false for models whose conductance loop needs per-neuron
// coefficients, an adaptive threshold or adaptation.
func (m *ifModel) FusedConductance() (FusedConductanceLIF, bool) {
	if !m.cond || m.dtTau != nil || m.thr != nil || m.adapt != nil || m.n == 0 {
		return FusedConductanceLIF{}, false
	}
	for i := range m.n {
		if m.reset[i] != m.reset[0] || m.kref[i] != m.kref[0] || m.ee[i] != m.ee[0] || m.th[i] != m.th[0] {
			return FusedConductanceLIF{}, false
		}
	}
	return FusedConductanceLIF{DtTau: m.dtTauS, R: m.rS, Rest: m.ee[0], Threshold: m.th[0], Reset: m.reset[0], Refractory: m.kref[0], Exact: m.condExact}, true
}

// FusedLIFModel is implemented by the models that have a FusedLIF: ok is
// false for those whose fused loop needs more (per-neuron coefficients,
// an adaptive threshold, adaptation).
type FusedLIFModel interface {
	FusedLIF() (p FusedLIF, ok bool)
	FusedConductance() (p FusedConductanceLIF, ok bool)
}

// FusedLIF implements FusedLIFModel.
func (m *ifModel) FusedLIF() (FusedLIF, bool) {
	if !m.fast || !m.scalar || m.thr != nil || m.adapt != nil || m.n == 0 {
		return FusedLIF{}, false
	}
	for i := range m.n {
		if m.reset[i] != m.reset[0] || m.kref[i] != m.kref[0] {
			return FusedLIF{}, false
		}
	}
	return FusedLIF{K: m.ks, E: m.es, G: m.gs, Threshold: m.ts, Reset: m.reset[0], Refractory: m.kref[0], DropInput: m.drop}, true
}

// StepFused implements Fuser for leaky integrate-and-fire models on their
// fast path with shared (scalar) coefficients, one or two receptors and
// no delta input.
func (m *ifModel) StepFused(step int64, in Input, recs []ExpCurrent, sum []float32, fired []uint32) ([]uint32, bool) {
	if m.thr != nil || in.Jump != nil || in.G != nil || len(recs) == 0 || len(recs) > 2 || (sum != nil && len(sum) != m.n) {
		return fired, false
	}
	cond := recs[0].Conductance
	for _, r := range recs {
		if len(r.In) != m.n || len(r.G) != m.n || r.Conductance != cond {
			return fired, false
		}
	}
	if cond {
		return m.stepFusedConductance(step, in, recs, sum, fired)
	}
	if !m.fast || !m.scalar {
		return fired, false
	}
	if err := checkInput(m.kind, m.n, in); err != nil {
		m.fail(err)
		return fired, true
	}
	m.Repolarize()
	cur := in.Current // nil: no current besides the receptors'
	start := len(fired)
	if len(recs) == 2 && m.simdOK() {
		// The kernel holds the refractory neurons (rc > 0) itself and
		// counts them down, reading rc rather than refList, which it
		// leaves out of date (refStale).
		var rc []float32
		if m.refr {
			rc = m.rc
			m.refStale = true
		}
		fired = m.lifExp2SIMD(cur, sum, recs[0], recs[1], rc, fired)
		m.last = append(m.last[:0], fired[start:]...)
		m.pending = true
		return fired, true
	}
	if m.refr {
		m.enterRefractory()
	}
	if len(recs) == 1 {
		if cur == nil {
			if m.zeros == nil {
				m.zeros = make([]float32, m.n)
			}
			cur = m.zeros
		}
		if sum != nil {
			fired = lifExp1Sum(m.v, cur, sum, recs[0], m.ks, m.es, m.gs, m.ts, fired)
		} else {
			fired = lifExp1(m.v, cur, recs[0], m.ks, m.es, m.gs, m.ts, fired)
		}
	} else {
		fired = lifExp2(m.v, cur, sum, recs[0], recs[1], m.ks, m.es, m.gs, m.ts, fired)
	}
	if m.refr {
		m.leaveRefractory(nil)
	}
	m.last = append(m.last[:0], fired[start:]...)
	m.pending = true
	return fired, true
}

func lifExp1(v, cur []float32, r ExpCurrent, k, e, g, th float32, fired []uint32) []uint32 {
	n := len(v)
	cur, a, s := cur[:n], r.In[:n], r.G[:n]
	d := r.Decay
	for i, x := range v {
		y := s[i] + a[i]
		c := cur[i] + y
		s[i] = y * d
		a[i] = 0
		u := x + float32(k*(e-x)) + float32(g*c)
		v[i] = u
		if u > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// lifExp1Sum is lifExp1 storing each neuron's input current c into sum
// (which may be cur itself).
func lifExp1Sum(v, cur, sum []float32, r ExpCurrent, k, e, g, th float32, fired []uint32) []uint32 {
	n := len(v)
	cur, sum, a, s := cur[:n], sum[:n], r.In[:n], r.G[:n]
	d := r.Decay
	for i, x := range v {
		y := s[i] + a[i]
		c := cur[i] + y
		sum[i] = c
		s[i] = y * d
		a[i] = 0
		u := x + float32(k*(e-x)) + float32(g*c)
		v[i] = u
		if u > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// lifExp2 is the two-receptor loop; cur may be nil (no current besides
// the receptors': then c = y1 + y2, which 0 + y1 + y2 equals exactly —
// y1 is never −0 — and the zero current is not read). sum, if not nil,
// receives each neuron's c (it may be cur itself).
func lifExp2(v, cur, sum []float32, r1, r2 ExpCurrent, k, e, g, th float32, fired []uint32) []uint32 {
	n := len(v)
	if cur != nil {
		cur = cur[:n]
	}
	if sum != nil {
		sum = sum[:n]
	}
	a1, s1, a2, s2 := r1.In[:n], r1.G[:n], r2.In[:n], r2.G[:n]
	d1, d2 := r1.Decay, r2.Decay
	i := 0
	for ; i+4 <= n; i += 4 {
		vv := v[i : i+4 : i+4]
		aa1, ss1, aa2, ss2 := a1[i:i+4:i+4], s1[i:i+4:i+4], a2[i:i+4:i+4], s2[i:i+4:i+4]
		p0, p1, p2, p3 := ss1[0]+aa1[0], ss1[1]+aa1[1], ss1[2]+aa1[2], ss1[3]+aa1[3]
		q0, q1, q2, q3 := ss2[0]+aa2[0], ss2[1]+aa2[1], ss2[2]+aa2[2], ss2[3]+aa2[3]
		c0, c1, c2, c3 := p0, p1, p2, p3
		if cur != nil {
			cc := cur[i : i+4 : i+4]
			c0, c1, c2, c3 = cc[0]+p0, cc[1]+p1, cc[2]+p2, cc[3]+p3
		}
		c0, c1, c2, c3 = c0+q0, c1+q1, c2+q2, c3+q3
		if sum != nil {
			sc := sum[i : i+4 : i+4]
			sc[0], sc[1], sc[2], sc[3] = c0, c1, c2, c3
		}
		ss1[0], ss1[1], ss1[2], ss1[3] = p0*d1, p1*d1, p2*d1, p3*d1
		ss2[0], ss2[1], ss2[2], ss2[3] = q0*d2, q1*d2, q2*d2, q3*d2
		aa1[0], aa1[1], aa1[2], aa1[3] = 0, 0, 0, 0
		aa2[0], aa2[1], aa2[2], aa2[3] = 0, 0, 0, 0
		u0 := vv[0] + float32(k*(e-vv[0])) + float32(g*c0)
		u1 := vv[1] + float32(k*(e-vv[1])) + float32(g*c1)
		u2 := vv[2] + float32(k*(e-vv[2])) + float32(g*c2)
		u3 := vv[3] + float32(k*(e-vv[3])) + float32(g*c3)
		vv[0], vv[1], vv[2], vv[3] = u0, u1, u2, u3
		if u0 > th || u1 > th || u2 > th || u3 > th {
			fired = spikes4(fired, i, u0, u1, u2, u3, th)
		}
	}
	for ; i < n; i++ {
		x := v[i]
		y1 := s1[i] + a1[i]
		y2 := s2[i] + a2[i]
		c := y1
		if cur != nil {
			c = cur[i] + y1
		}
		c += y2
		if sum != nil {
			sum[i] = c
		}
		s1[i] = y1 * d1
		s2[i] = y2 * d2
		a1[i], a2[i] = 0, 0
		u := x + float32(k*(e-x)) + float32(g*c)
		v[i] = u
		if u > th {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// stepFusedConductance is StepFused for conductance receptors: leaky
// models that integrate conductances themselves, with shared dt/τ and
// resistance (see stepConductance). sum receives the direct current
// alone, the receptors' input being conductances.
func (m *ifModel) stepFusedConductance(step int64, in Input, recs []ExpCurrent, sum []float32, fired []uint32) ([]uint32, bool) {
	if !m.cond || m.dtTau != nil {
		return fired, false
	}
	if err := checkInput(m.kind, m.n, in); err != nil {
		m.fail(err)
		return fired, true
	}
	if sum != nil {
		if in.Current == nil {
			clear(sum)
		} else {
			copy(sum, in.Current)
		}
	}
	m.Repolarize()
	start := len(fired)
	if m.refr {
		m.enterRefractory()
	}
	n := m.n
	cur := in.Current
	if cur == nil {
		if m.zeros == nil {
			m.zeros = make([]float32, n)
		}
		cur = m.zeros
	}
	cur = cur[:n]
	r1 := recs[0]
	r2 := r1 // one receptor: the second is not read
	two := len(recs) == 2
	if two {
		r2 = recs[1]
	}
	i0 := 0
	if two && m.condExact && m.simdOK() {
		fired, i0 = m.coba2SIMD(cur, r1, r2, fired)
	}
	fired = m.condLoop(i0, n, cur, r1, r2, two, fired)
	if m.refr {
		m.leaveRefractory(nil)
	}
	m.last = append(m.last[:0], fired[start:]...)
	m.pending = true
	return fired, true
}

// cobaParams holds the constants of the AVX2 membrane loop, each repeated
// for every lane (see coba_amd64.s for the layout).
type cobaParams struct {
	e1, e2, d1, d2, r, dtTau, one, lo, hi [8]float32
	neg                                   [8]uint32
	c                                     [9][4]float64
}

// coba2SIMD runs the two-receptor exact loop over the whole blocks of
// eight neurons with AVX2; a block whose exponent argument leaves the
// polynomial's range is done by the Go loop, one neuron at a time. It
// returns the spikes and the first neuron left to the caller.
func (m *ifModel) coba2SIMD(cur []float32, r1, r2 ExpCurrent, fired []uint32) ([]uint32, int) {
	n := m.n
	n8 := n &^ 7
	p := m.simd
	if p == nil || p.e1[0] != r1.E || p.e2[0] != r2.E || p.d1[0] != r1.Decay || p.d2[0] != r2.Decay {
		// The constants, once (again only if the receptors change).
		p = &cobaParams{}
		for k := range 8 {
			p.e1[k], p.e2[k], p.d1[k], p.d2[k] = r1.E, r2.E, r1.Decay, r2.Decay
			p.r[k], p.dtTau[k], p.one[k] = m.rS, m.dtTauS, 1
			p.lo[k], p.hi[k], p.neg[k] = -expPolyMax, expPolyMax, 1<<31
		}
		// exp32's polynomial (1 + r + r²/2 + …): c_j = 1/(j+1)!, the same
		// float64 values as its constants 1.0/2, 1.0/6, … (both are the
		// quotients correctly rounded; the factorials are exact).
		f := 1.0
		for j := range p.c {
			f *= float64(j + 1)
			c := 1 / f
			p.c[j] = [4]float64{c, c, c, c}
		}
		m.simd = p
	}
	if cap(m.masks) < n8/8 {
		m.masks = make([]uint8, n8/8)
	}
	masks := m.masks[:n8/8]
	v, rest, th := m.v, m.ee, m.th
	a1, s1, a2, s2 := r1.In, r1.G, r2.In, r2.G
	i := 0
	for i < n8 {
		done := coba2(&v[i], &rest[i], &th[i], &cur[i], &a1[i], &s1[i], &a2[i], &s2[i], n8-i, p, &masks[i/8])
		fired = appendMasked(fired, masks[i/8:(i+done)/8], i)
		i += done
		if i < n8 {
			// A block out of the polynomial's range: the Go loop.
			fired = m.condLoop(i, i+8, cur, r1, r2, true, fired)
			i += 8
		}
	}
	return fired, n8
}

// condLoop is the conductance membrane loop of stepFusedConductance over
// neurons [lo, hi), with one receptor or two (two).
func (m *ifModel) condLoop(lo, hi int, cur []float32, r1, r2 ExpCurrent, two bool, fired []uint32) []uint32 {
	v, rest, th := m.v, m.ee, m.th
	dtTau, r, exact := m.dtTauS, m.rS, m.condExact
	for i := lo; i < hi; i++ {
		x := v[i]
		y1 := r1.G[i] + r1.In[i]
		gs := y1
		ge := float32(y1 * r1.E)
		r1.G[i] = y1 * r1.Decay
		r1.In[i] = 0
		if two {
			y2 := r2.G[i] + r2.In[i]
			gs += y2
			ge += float32(y2 * r2.E)
			r2.G[i] = y2 * r2.Decay
			r2.In[i] = 0
		}
		a := rest[i] + float32(r*cur[i]) + ge
		b := 1 + gs
		var u float32
		if exact {
			vinf := a / b
			u = vinf + float32((x-vinf)*exp32(-b*dtTau))
		} else {
			u = x + float32(dtTau*(a-float32(b*x)))
		}
		v[i] = u
		if u > th[i] {
			fired = append(fired, uint32(i))
		}
	}
	return fired
}

// cubaParams holds the constants of the AVX2 current-based loop, each
// repeated for every lane (see coba_amd64.s for the layout).
type cubaParams struct {
	d1, d2, k, e, g, th, one [8]float32
}

// lifExp2SIMD is lifExp2 with every neuron done by the AVX-512 kernel
// where the processor has it (and the model was not held to AVX2,
// setAVX512), else the whole blocks of eight neurons done by the AVX2
// kernel and the rest by the Go loop; cur and sum may be nil. With rc (the refractory
// counts; nil: no neuron is refractory) a neuron with rc > 0 keeps its
// potential, does not fire and has its count lowered by one, which is
// what holding it with enterRefractory and leaveRefractory gives.
func (m *ifModel) lifExp2SIMD(cur, sum []float32, r1, r2 ExpCurrent, rc []float32, fired []uint32) []uint32 {
	n := m.n
	n8 := n &^ 7
	p := m.simdCuba
	if p == nil || p.d1[0] != r1.Decay || p.d2[0] != r2.Decay {
		// The constants, once (again only if the receptors change).
		p = &cubaParams{}
		for k := range 8 {
			p.d1[k], p.d2[k], p.k[k], p.e[k], p.g[k], p.th[k] = r1.Decay, r2.Decay, m.ks, m.es, m.gs, m.ts
			p.one[k] = 1
		}
		m.simdCuba = p
	}
	var c, out *float32
	if cur != nil {
		c = &cur[0]
	}
	if sum != nil {
		out = &sum[0]
	}
	var held *float32
	if rc != nil {
		held = &rc[0]
	}
	if haveAVX512 && !m.noAVX512 {
		// Every neuron, sixteen at a time, the last block under a mask.
		nb := (n + 15) / 16
		if cap(m.blocks) < nb {
			m.blocks = make([]uint64, nb)
		}
		blocks := m.blocks[:nb]
		tail := uint64(1)<<(n%16) - 1
		k := cuba16(&m.v[0], c, &r1.In[0], &r1.G[0], &r2.In[0], &r2.G[0], n, p, &blocks[0], out, held, tail)
		for _, b := range blocks[:k] {
			first := uint32(b >> 16)
			for mk := uint16(b); mk != 0; mk &= mk - 1 {
				fired = append(fired, first+uint32(bits.TrailingZeros16(mk)))
			}
		}
		return fired
	}
	if cap(m.blocks) < n8/8 {
		m.blocks = make([]uint64, n8/8)
	}
	blocks := m.blocks[:n8/8]
	k := cuba2(&m.v[0], c, &r1.In[0], &r1.G[0], &r2.In[0], &r2.G[0], n8, p, &blocks[0], out, held)
	for _, b := range blocks[:k] {
		first := uint32(b >> 8)
		for mk := uint8(b); mk != 0; mk &= mk - 1 {
			fired = append(fired, first+uint32(bits.TrailingZeros8(mk)))
		}
	}
	if n8 == n {
		return fired
	}
	// The tail, in Go, numbered from n8.
	start := len(fired)
	t1 := ExpCurrent{In: r1.In[n8:], G: r1.G[n8:], Decay: r1.Decay}
	t2 := ExpCurrent{In: r2.In[n8:], G: r2.G[n8:], Decay: r2.Decay}
	var tc, ts []float32
	if cur != nil {
		tc = cur[n8:]
	}
	if sum != nil {
		ts = sum[n8:]
	}
	// The tail's refractory neurons are held as enterRefractory holds
	// them (fewer than eight: their potentials on the stack).
	var tv [8]float32
	if rc != nil {
		for i := n8; i < n; i++ {
			if rc[i] > 0 {
				tv[i-n8], m.v[i] = m.v[i], float32(math.Inf(-1))
			}
		}
	}
	fired = lifExp2(m.v[n8:], tc, ts, t1, t2, m.ks, m.es, m.gs, m.ts, fired)
	for i := start; i < len(fired); i++ {
		fired[i] += uint32(n8)
	}
	if rc != nil {
		for i := n8; i < n; i++ {
			if rc[i] > 0 {
				m.v[i] = tv[i-n8]
				rc[i]--
			}
		}
	}
	return fired
}

// appendMasked appends first + 8·b + k for every bit k set in masks[b],
// in ascending order, reading the masks eight bytes at a time (they are
// mostly zero).
func appendMasked(fired []uint32, masks []uint8, first int) []uint32 {
	b := 0
	for ; b+8 <= len(masks); b += 8 {
		w := binary.LittleEndian.Uint64(masks[b:])
		for w != 0 {
			k := bits.TrailingZeros64(w)
			fired = append(fired, uint32(first+8*b+k))
			w &= w - 1
		}
	}
	for ; b < len(masks); b++ {
		for mk := masks[b]; mk != 0; mk &= mk - 1 {
			fired = append(fired, uint32(first+8*b+bits.TrailingZeros8(mk)))
		}
	}
	return fired
}

// simdOK reports whether the AVX2 kernels may run on this model: the
// processor has AVX2, there is a whole block of eight neurons, and the
// model was not set to the Go loops (setSIMD, for tests).
func (m *ifModel) simdOK() bool { return haveAVX2 && !m.noSIMD && m.n >= 8 }

// setSIMD lets the AVX2 kernels run (on, the default) or holds the model
// to the Go loops, which compute the same values bit for bit.
func (m *ifModel) setSIMD(on bool) { m.noSIMD = !on }

// setAVX512 lets the AVX-512 current-based kernel run where the
// processor has it (on, the default) or holds the model to the AVX2
// kernel, which computes the same values bit for bit.
func (m *ifModel) setAVX512(on bool) { m.noAVX512 = !on }
