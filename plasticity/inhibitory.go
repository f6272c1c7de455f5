package plasticity

import (
	"fmt"
	"math"
)

// Inhibitory is the symmetric STDP rule of inhibitory synapses of Vogels,
// Sprekeler, Zenke, Clopath & Gerstner (2011), which balances excitation
// by driving the postsynaptic rate toward a target ρ0. A presynaptic trace
// r per (copy, row) and a postsynaptic trace o per (copy, neuron) share
// the time constant Tau. With x = |Pre| (the weights are magnitudes; the
// axon carries the inhibitory sign) and y = Post as in STDP, and
// a = 1 − dt/τ (e^{−dt/τ} with Exact):
//
//	r ← x + a·r
//	Δw[i→j] = dt·η · (1/B) Σ_b [ r[b,i]·y[b,j] + x[b,i]·(o⁻[b,j] − α) ]
//	o ← y + a·o,  o⁻ = a·o_old (the trace before this step's spike)
//
// so a presynaptic arrival changes the weight by η·(o − α) and a
// postsynaptic spike by η·r, each times dt. α = 2·ρ0·τ (ρ0 in Hz, τ in
// ms: α = 2·ρ0·τ/1000) is the depression per presynaptic spike that makes
// the mean change vanish when the postsynaptic neuron fires at ρ0
// (the trace's mean at rate ρ is ρ·τ). An isolated presynaptic spike
// depresses by η·α·dt; a pair at any interval Δt (post − pre, in steps as
// in STDP) changes the weight by η·dt·(a^|Δt| − α), the same for either
// order.
//
// A presynaptic and a postsynaptic spike of the same step count once, as
// pre before post (like STDP.PreFirst, or Brian2's on_pre before on_post):
// the postsynaptic trace seen by the presynaptic term does not yet hold
// this step's spike, the presynaptic trace seen by the postsynaptic term
// does. This keeps the window symmetric at Δt = 0: η·dt·(1 − α).
//
// Every synapse out of an active row changes (the −α term needs no
// postsynaptic activity); a masked synapse (Synapses.Mask) does not
// learn; the Learner keeps the weights in [Wmin, Wmax] (typically
// [0, wmax] for magnitudes).
type Inhibitory struct {
	TauMs float64 // ms, time constant of both traces (Vogels et al.: 20 ms)
	Eta   float64 // learning rate η (per ms: the change is η·dt·…)
	// Rho0Hz is the target postsynaptic rate in Hz; α = 2·Rho0Hz·Tau/1000.
	// Give either Rho0Hz or Alpha, not both.
	Rho0Hz float64
	// Alpha is the depression offset α itself (dimensionless), for when
	// it is not derived from a target rate.
	Alpha float64
	// Exact uses the decay factor e^{−dt/τ} instead of 1 − dt/τ.
	Exact bool
}

// Kind returns "inhibitory_stdp".
func (Inhibitory) Kind() string { return "inhibitory_stdp" }

// alpha returns α from Rho0 or Alpha, checking them.
func (s Inhibitory) alpha(name string) (float64, error) {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	switch {
	case bad(s.Rho0Hz):
		return 0, fmt.Errorf("%s: Rho0 = %g Hz: must be ≥ 0 and finite", name, s.Rho0Hz)
	case bad(s.Alpha):
		return 0, fmt.Errorf("%s: Alpha = %g: must be ≥ 0 and finite", name, s.Alpha)
	case s.Rho0Hz != 0 && s.Alpha != 0:
		return 0, fmt.Errorf("%s: both Rho0 = %g Hz and Alpha = %g are set: give one (α = 2·Rho0·Tau/1000)", name, s.Rho0Hz, s.Alpha)
	case s.Rho0Hz == 0 && s.Alpha == 0:
		return 0, fmt.Errorf("%s: neither Rho0 (target rate, Hz) nor Alpha (depression offset) is set: give one (α = 2·Rho0·Tau/1000; without it the rule only potentiates)", name)
	case s.Rho0Hz != 0:
		return 2 * s.Rho0Hz * s.TauMs / 1000, nil
	}
	return s.Alpha, nil
}

// New binds the rule to p.
func (s Inhibitory) New(p *Synapses) (Rule, error) {
	const name = "plasticity: inhibitory_stdp"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkTraceTau(name, "Tau", s.TauMs, p.Dt, s.Exact); err != nil {
		return nil, err
	}
	if math.IsNaN(s.Eta) || math.IsInf(s.Eta, 0) {
		return nil, fmt.Errorf("%s: Eta = %g: must be finite", name, s.Eta)
	}
	alpha, err := s.alpha(name)
	if err != nil {
		return nil, err
	}
	rows, cols, B := p.Syn.Rows, p.Syn.Cols, p.Batch
	return &inhibitoryRule{
		p: p, rows: rows, cols: cols,
		s:     float32(p.Dt * s.Eta / float64(B)),
		a:     decay(s.TauMs, p.Dt, s.Exact),
		alpha: float32(alpha),
		x:     make([]float32, B*rows),
		r:     make([]float32, B*rows),
		o:     make([]float32, B*cols),
	}, nil
}

type inhibitoryRule struct {
	p          *Synapses `state:"-"`
	rows, cols int       `state:"-"`
	s          float32   `state:"-"` // η·dt/B
	a, alpha   float32   `state:"-"`
	x          []float32 `state:"-"`
	r          []float32 `state:"shared"`
	o          []float32 `state:"elements"`
}

// Step implements Rule.
func (r *inhibitoryRule) Step(d *StepData, acc *Delta) {
	for _, a := range d.PreActive {
		r.x[a] = abs32(d.Pre[a])
	}
	stepTrace(r.r, r.x, r.a, false)
	for e, v := range r.o {
		r.o[e] = float32(r.a * v) // o⁻: before this step's post spikes
	}
	if r.s != 0 {
		r.potentiate(d, acc)
		r.depress(d, acc)
	}
	for _, a := range d.PostActive {
		r.o[a] += d.Post[a]
	}
	for _, a := range d.PreActive {
		r.x[a] = 0
	}
}

// potentiate adds η·(dt/B)·r[b,i]·y[b,j] for every synapse into an active
// postsynaptic element (column view).
func (r *inhibitoryRule) potentiate(d *StepData, acc *Delta) {
	p := r.p
	mask := p.Mask
	for _, a := range d.PostActive {
		y := d.Post[a]
		if y == 0 {
			continue
		}
		b := int(a) / r.cols
		j := int(a) - b*r.cols
		R := r.r[b*r.rows : (b+1)*r.rows]
		lo, hi := p.ColPtr[j], p.ColPtr[j+1]
		syn, row := p.ColSyn[lo:hi], p.ColRow[lo:hi]
		row = row[:len(syn)]
		s := r.s * y
		for e, k := range syn {
			pv := R[row[e]]
			if pv == 0 || (mask != nil && !mask[k]) {
				continue
			}
			acc.Add(k, s*pv)
		}
	}
}

// depress adds η·(dt/B)·x[b,i]·(o⁻[b,j] − α) for every synapse out of an
// active presynaptic element (row view).
func (r *inhibitoryRule) depress(d *StepData, acc *Delta) {
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
		O := r.o[b*r.cols : (b+1)*r.cols]
		lo, hi := ptr[i], ptr[i+1]
		s := r.s * x
		for e, j := range idx[lo:hi] {
			k := lo + uint32(e)
			if mask != nil && !mask[k] {
				continue
			}
			acc.Add(k, s*(O[j]-r.alpha))
		}
	}
}

// Reset implements Rule.
func (r *inhibitoryRule) Reset() {
	clear(r.x)
	clear(r.r)
	clear(r.o)
}
