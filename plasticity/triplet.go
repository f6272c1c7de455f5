package plasticity

import (
	"fmt"
	"math"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Triplet is the triplet rule of spike-timing-dependent plasticity
// (Pfister & Gerstner 2006), with all-to-all or nearest-spike traces. Two
// presynaptic traces r1 (time constant TauPlus) and r2 (TauX) per (copy,
// row), two postsynaptic traces o1 (TauMinus) and o2 (TauY) per (copy,
// neuron). With x = |Pre| and y = Post as in STDP, at step n the traces
// are updated first,
//
//	all-to-all: r1 ← x + a+·r1, r2 ← x + ax·r2, o1 ← y + a−·o1, o2 ← y + ay·o2
//	nearest:    the same where the input is zero; r ← x (or y) where not
//
// with a = 1 − dt/τ (e^{−dt/τ} with Exact), then
//
//	Δw[i→j] = dt · (1/B) Σ_b [ r1[b,i]·y[b,j]·(A2+ + A3+·o2⁻[b,j])
//	                         − x[b,i]·o1[b,j]·(A2− + A3−·r2⁻[b,i]) ]
//
// where o2⁻ = ay·o2 and r2⁻ = ax·r2 are the slow traces just before this
// step's spikes (Pfister & Gerstner's o2(t − ε), r2(t − ε)): a
// postsynaptic spike potentiates by the pair term A2+ plus the triplet
// term A3+ times the earlier postsynaptic activity; a presynaptic arrival
// depresses by A2− plus A3− times the earlier presynaptic activity.
//
// An isolated pair therefore gives the STDP window with η± = A2±
// (+A2+·dt·a+^Δt for Δt > 0, −A2−·dt·a−^|Δt| for Δt < 0, (A2+ − A2−)·dt
// for Δt = 0); a pre-post-post triplet adds A3+·dt·a+^Δt2·ay^(Δt2−Δt1) at
// the second postsynaptic spike. As in STDP, a spike of the same step
// counts in the fast traces r1, o1 (so a coincident pair pairs both ways)
// but not in the slow traces r2⁻, o2⁻.
//
// The amplitudes A play the part of STDP's rates (per ms, the change is
// A·dt·trace) and may have either sign; the weights are kept in
// [Wmin, Wmax] by the Learner. A3Minus = 0 (the minimal model) leaves r2
// out, and TauX may then be 0; likewise A3Plus = 0 and TauY. The cost is
// that of STDP: traces over all rows and columns, weight changes over the
// synapses of active rows (row view) and active columns (column view); a
// masked synapse (Synapses.Mask) does not learn.
type Triplet struct {
	TauPlusMs  float64 // ms, presynaptic pair trace r1 (the potentiation window)
	TauXMs     float64 // ms, presynaptic triplet trace r2
	TauMinusMs float64 // ms, postsynaptic pair trace o1 (the depression window)
	TauYMs     float64 // ms, postsynaptic triplet trace o2
	A2Plus     float64 // pair potentiation amplitude
	A3Plus     float64 // triplet potentiation amplitude (post-pre-post)
	A2Minus    float64 // pair depression amplitude
	A3Minus    float64 // triplet depression amplitude (pre-post-pre)
	// Pairing: AllToAll (the zero value) or Nearest (every trace is
	// reset to the spike's value: Pfister & Gerstner's nearest-spike
	// model).
	Pairing Pairing
	// Exact uses the decay factor e^{−dt/τ} instead of 1 − dt/τ (then τ
	// may be shorter than dt).
	Exact bool
}

// Kind returns "triplet".
func (Triplet) Kind() string { return "triplet" }

// New binds the rule to p.
func (s Triplet) New(p *Synapses) (Rule, error) {
	const name = "plasticity: triplet"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := s.Pairing.check(name); err != nil {
		return nil, err
	}
	for _, a := range []struct {
		field string
		v     float64
	}{{"A2Plus", s.A2Plus}, {"A3Plus", s.A3Plus}, {"A2Minus", s.A2Minus}, {"A3Minus", s.A3Minus}} {
		if math.IsNaN(a.v) || math.IsInf(a.v, 0) {
			return nil, fmt.Errorf("%s: %s = %g: must be finite", name, a.field, a.v)
		}
	}
	for _, t := range []struct {
		field string
		v     float64
		amp   string // the amplitude that makes the trace unused when 0
		ampV  float64
	}{
		{"TauPlus", s.TauPlusMs, "", 0},
		{"TauX", s.TauXMs, "A3Minus", s.A3Minus},
		{"TauMinus", s.TauMinusMs, "", 0},
		{"TauY", s.TauYMs, "A3Plus", s.A3Plus},
	} {
		if t.amp != "" && t.ampV == 0 && t.v == 0 {
			continue // unused trace
		}
		if err := checkTraceTau(name, t.field, t.v, p.Dt, s.Exact); err != nil {
			if t.amp != "" && t.v == 0 {
				err = fmt.Errorf("%w (or 0 when %s is 0: the trace is then unused)", err, t.amp)
			}
			return nil, err
		}
	}
	rows, cols, B := p.Syn.Rows, p.Syn.Cols, p.Batch
	r := &tripletRule{
		p: p, rows: rows, cols: cols, scale: float32(p.Dt / float64(B)),
		nearest: s.Pairing == Nearest,
		a2p:     float32(s.A2Plus), a3p: float32(s.A3Plus),
		a2m: float32(s.A2Minus), a3m: float32(s.A3Minus),
		ap: decay(s.TauPlusMs, p.Dt, s.Exact), am: decay(s.TauMinusMs, p.Dt, s.Exact),
		x:  make([]float32, B*rows),
		r1: make([]float32, B*rows),
		o1: make([]float32, B*cols),
	}
	if s.A3Minus != 0 {
		r.ax = decay(s.TauXMs, p.Dt, s.Exact)
		r.r2 = make([]float32, B*rows)
		r.r2b = make([]float32, B*rows)
	}
	if s.A3Plus != 0 {
		r.ay = decay(s.TauYMs, p.Dt, s.Exact)
		r.o2 = make([]float32, B*cols)
		r.o2b = make([]float32, B*cols)
	}
	return r, nil
}

type tripletRule struct {
	p                  *Synapses `state:"-"`
	rows, cols         int       `state:"-"`
	scale              float32   `state:"-"` // dt/B
	nearest            bool      `state:"-"`
	a2p, a3p, a2m, a3m float32   `state:"-"`
	ap, ax, am, ay     float32   `state:"-"` // decay factors of r1, r2, o1, o2
	x                  []float32 `state:"-"`
	r1                 []float32 `state:"shared"`   // r2, o2 nil when their amplitude is 0
	r2                 []float32 `state:"shared"`   // r2, o2 nil when their amplitude is 0
	o1                 []float32 `state:"elements"` // r2, o2 nil when their amplitude is 0
	o2                 []float32 `state:"elements"` // r2, o2 nil when their amplitude is 0
	r2b, o2b           []float32 `state:"-"`        // r2⁻, o2⁻ at this step's active elements
}

// Step implements Rule.
func (r *tripletRule) Step(d *StepData, acc *Delta) {
	// x is zero outside PreActive between steps.
	for _, a := range d.PreActive {
		r.x[a] = abs32(d.Pre[a])
	}
	// The slow traces just before this step's spikes, where they are
	// needed (computed as the trace update computes the decay).
	if r.r2 != nil {
		for _, a := range d.PreActive {
			r.r2b[a] = float32(r.ax * r.r2[a])
		}
		stepTrace(r.r2, r.x, r.ax, r.nearest)
	}
	if r.o2 != nil {
		for _, a := range d.PostActive {
			r.o2b[a] = float32(r.ay * r.o2[a])
		}
		stepTrace(r.o2, d.Post, r.ay, r.nearest)
	}
	stepTrace(r.r1, r.x, r.ap, r.nearest)
	stepTrace(r.o1, d.Post, r.am, r.nearest)
	if r.a2p != 0 || r.a3p != 0 {
		r.potentiate(d, acc)
	}
	if r.a2m != 0 || r.a3m != 0 {
		r.depress(d, acc)
	}
	for _, a := range d.PreActive {
		r.x[a] = 0
	}
}

// potentiate adds (dt/B)·r1[b,i]·y[b,j]·(A2+ + A3+·o2⁻[b,j]) for every
// synapse into an active postsynaptic element (column view).
func (r *tripletRule) potentiate(d *StepData, acc *Delta) {
	p := r.p
	mask := p.Mask
	for _, a := range d.PostActive {
		y := d.Post[a]
		if y == 0 {
			continue
		}
		b := int(a) / r.cols
		j := int(a) - b*r.cols
		amp := r.a2p
		if r.o2 != nil {
			amp += float32(r.a3p * r.o2b[a])
		}
		s := r.scale * y * amp
		if s == 0 {
			continue
		}
		R1 := r.r1[b*r.rows : (b+1)*r.rows]
		lo, hi := p.ColPtr[j], p.ColPtr[j+1]
		syn, row := p.ColSyn[lo:hi], p.ColRow[lo:hi]
		row = row[:len(syn)]
		for e, k := range syn {
			pv := R1[row[e]]
			if pv == 0 || (mask != nil && !mask[k]) {
				continue
			}
			acc.Add(k, s*pv)
		}
	}
}

// depress adds −(dt/B)·x[b,i]·o1[b,j]·(A2− + A3−·r2⁻[b,i]) for every
// synapse out of an active presynaptic element (row view).
func (r *tripletRule) depress(d *StepData, acc *Delta) {
	p := r.p
	mask := p.Mask
	ptr, idx := p.Syn.Ptr, p.Syn.Idx
	for _, a := range d.PreActive {
		x := r.x[a]
		if x == 0 {
			continue
		}
		b := int(a) / r.rows
		i := int(a) - b*r.rows
		amp := r.a2m
		if r.r2 != nil {
			amp += float32(r.a3m * r.r2b[a])
		}
		s := -r.scale * x * amp
		if s == 0 {
			continue
		}
		O1 := r.o1[b*r.cols : (b+1)*r.cols]
		lo, hi := ptr[i], ptr[i+1]
		for e, j := range idx[lo:hi] {
			k := lo + uint32(e)
			q := O1[j]
			if q == 0 || (mask != nil && !mask[k]) {
				continue
			}
			acc.Add(k, s*q)
		}
	}
}

// Reset implements Rule.
func (r *tripletRule) Reset() {
	clear(r.x)
	clear(r.r1)
	clear(r.r2)
	clear(r.o1)
	clear(r.o2)
}
