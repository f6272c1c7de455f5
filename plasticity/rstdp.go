package plasticity

import (
	"fmt"
	"math/bits"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// RSTDP is reward-modulated STDP with eligibility traces (Izhikevich 2007,
// "Solving the distal reward problem through linkage of STDP and dopamine
// signaling"). An inner rule (typically STDP) proposes changes; instead
// of changing the weights they feed an eligibility trace c per synapse and
// batch copy, and the weight changes by the trace times the
// neuromodulator concentration M of the synapse's row:
//
//	c_n[b,k] = (1 − dt/τc)·c_{n−1}[b,k] + Δ_inner,n[b,k]
//	Δw_n[k]  = dt · (1/B) Σ_b c_n[b,k] · M_n[b,row(k)]
//
// Δ_inner,n[b] is the change the inner rule computes at step n from copy
// b alone (the mean over copies is what it would apply to a batch), and M
// is StepData.Modulator at step n (the modulator that arrives at this
// step). The trace is the Euler step of τc·dc/dt = −c (the reference's
// decay dt·c/τ, the same 1 − dt/τ as the leaky tags), so TauC must be at
// least dt. An isolated pair that gives the inner change Δ at step m
// leaves c_n = Δ·(1 − dt/τc)^(n−m) for n ≥ m, and a modulator M held
// from step s ≥ m to step e changes the weight by
// dt·M·Δ·Σ_{n=s}^{e} (1 − dt/τc)^(n−m).
//
// Without a modulator (nil Modulator) the weights do not change, but the
// traces run. A masked synapse (Synapses.Mask) gets no inner change and
// no modulated change while masked; its trace keeps decaying.
//
// Differences from the reference's RSTDP (τ = 1000 ms by default there):
// the weight change has the factor dt (dw/dt = c·M, as in Izhikevich), and
// the inner change enters whole, without the reference's gating by
// (post_spike + pre_spike), which only selects the steps at which STDP
// changes anything and doubles the change of a step with both a
// presynaptic and a postsynaptic spike.
//
// Cost: the traces decay lazily, each synapse remembering the step of its
// last update, so a step without modulator costs what the inner rule
// costs (in proportion to activity). While the modulator is not zero on a
// row, every synapse of that row is visited (its weight changes).
type RSTDP struct {
	Rule   Spec    // the inner rule whose changes feed the traces, typically STDP
	TauCMs float64 // time constant of the eligibility traces, ms (≥ dt; Izhikevich and the reference: 1000)
}

// Kind returns "rstdp".
func (RSTDP) Kind() string { return "rstdp" }

// New binds the rule and its inner rule to p.
func (s RSTDP) New(p *Synapses) (Rule, error) {
	const name = "plasticity: rstdp"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkTau(name, "TauC", s.TauCMs, p.Dt); err != nil {
		return nil, err
	}
	cr, err := newCopyRunner(name, s.Rule, p)
	if err != nil {
		return nil, err
	}
	n := p.Syn.Len()
	r := &rstdpRule{copyRunner: cr, n: n, lambda: 1 - p.Dt/s.TauCMs,
		scale: p.Dt / float64(p.Batch),
		c:     make([]float32, p.Batch*n), last: make([]int64, n)}
	r.pow, r.pow2 = EligibilityDecayTables(r.lambda)
	return r, nil
}

// rstdpPowTable is the number of decay factors λ^g kept in a table
// (a power of two).
const rstdpPowTable = 1024

// EligibilityDecayTables returns the tables of an RSTDP rule's decay
// factors per step λ = 1 − dt/τc: pow[g] = λ^g for g < 1024, each the
// product of the one before and λ, and pow2[j] = λ^(1024·2^j), the first
// λ^1024 of the same chain, each next one the square of the one before,
// up to gaps of 2^63 steps. EligibilityDecay reads them.
func EligibilityDecayTables(lambda float64) (pow, pow2 []float64) {
	pow = make([]float64, rstdpPowTable)
	x := 1.0
	for g := range pow {
		pow[g] = x
		x *= lambda
	}
	for range 64 - bits.TrailingZeros(rstdpPowTable) {
		pow2 = append(pow2, x)
		x *= x
	}
	return pow, pow2
}

// EligibilityDecay returns λ^g (g ≥ 0) from the tables of
// EligibilityDecayTables: pow[g mod 1024] times pow2[j] for each bit j of
// g / 1024, the lowest first. Only products, so a device computes the
// same bits (plasticity.STDPForm).
func EligibilityDecay(pow, pow2 []float64, g int64) float64 {
	f := pow[g&(rstdpPowTable-1)]
	for j, q := 0, uint64(g)/rstdpPowTable; q != 0; j, q = j+1, q>>1 {
		if q&1 != 0 {
			f *= pow2[j]
		}
	}
	return f
}

type rstdpRule struct {
	*copyRunner
	n      int       `state:"-"`
	lambda float64   `state:"-"`        // 1 − dt/τc
	scale  float64   `state:"-"`        // dt/B
	pow    []float64 `state:"-"`        // λ^g for small g
	pow2   []float64 `state:"-"`        // λ^(1024·2^j) (EligibilityDecayTables)
	c      []float32 `state:"synapses"` // traces, index b·n + k, valid at step last[k]
	last   []int64   `state:"synapses"` // the step at which each synapse's traces were last brought up to date
	now    int64     `state:"shared"`   // steps since the last reset
	modRow []uint32  `state:"-"`        // rows with a non-zero modulator in some copy (scratch)
}

// decay returns λ^g (EligibilityDecay).
func (r *rstdpRule) decay(g int64) float64 {
	if g < int64(len(r.pow)) {
		return r.pow[g]
	}
	return EligibilityDecay(r.pow, r.pow2, g)
}

// touch brings the traces of synapse k (every copy) up to the current step.
func (r *rstdpRule) touch(k uint32) {
	g := r.now - r.last[k]
	if g == 0 {
		return
	}
	r.last[k] = r.now
	f := r.decay(g)
	for i := int(k); i < len(r.c); i += r.n {
		if x := r.c[i]; x != 0 {
			r.c[i] = float32(float64(x) * f)
		}
	}
}

// Step implements Rule.
func (r *rstdpRule) Step(d *StepData, acc *Delta) {
	r.step(d)
	for b, dl := range r.deltas {
		base := b * r.n
		r.drain(dl, func(k uint32, dw float32) {
			r.touch(k)
			r.c[base+int(k)] += dw
		})
	}
	if m := d.Modulator; m != nil {
		r.modulate(m, acc)
	}
	r.now++
}

// modulate adds dt·(1/B)·Σ_b c[b,k]·M[b,row(k)] for every synapse of the
// rows with a non-zero modulator.
func (r *rstdpRule) modulate(m []float32, acc *Delta) {
	p := r.p
	rows, B := p.Syn.Rows, p.Batch
	r.modRow = r.modRow[:0]
	for i := range rows {
		for b := range B {
			if m[b*rows+i] != 0 {
				r.modRow = append(r.modRow, uint32(i))
				break
			}
		}
	}
	mask := p.Mask
	if B == 1 {
		r.modulateOne(m, mask, acc)
		return
	}
	for _, i := range r.modRow {
		for k := p.Syn.Ptr[i]; k < p.Syn.Ptr[i+1]; k++ {
			if mask != nil && !mask[k] {
				continue
			}
			r.touch(k)
			var s float64
			for b := range B {
				if c := r.c[b*r.n+int(k)]; c != 0 {
					s += float64(float64(c) * float64(m[b*rows+int(i)]))
				}
			}
			if s != 0 {
				acc.Add(k, float32(r.scale*s))
			}
		}
	}
}

// modulateOne is modulate for a single copy, with the decay inline.
func (r *rstdpRule) modulateOne(m []float32, mask []bool, acc *Delta) {
	ptr := r.p.Syn.Ptr
	c, last, now := r.c, r.last, r.now
	for _, i := range r.modRow {
		lo, hi := ptr[i], ptr[i+1]
		s := r.scale * float64(m[i])
		for k := lo; k < hi; k++ {
			if mask != nil && !mask[k] {
				continue
			}
			x := c[k]
			if x == 0 {
				last[k] = now
				continue
			}
			if g := now - last[k]; g != 0 {
				last[k] = now
				x = float32(float64(x) * r.decay(g))
				c[k] = x
			}
			acc.Add(k, float32(s*float64(x)))
		}
	}
}

// Reset implements Rule: the traces, the inner rules and the step count.
func (r *rstdpRule) Reset() {
	r.reset()
	clear(r.c)
	clear(r.last)
	r.now = 0
}
