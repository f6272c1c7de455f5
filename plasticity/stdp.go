package plasticity

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// STDP is the trace rule of spike-timing-dependent plasticity with
// pluggable tags (see the package documentation for the timing):
//
//	x = |Pre| (per copy and row),  y = Post (per copy and column)
//	P = Pre tag(x),                Q = Post tag(y)
//	Δw[i→j] = dt · (1/B) Σ_b [ η+(w)·P[b,i]·y[b,j] − η−(w)·x[b,i]·Q[b,j] ]
//
// The tags are response functions: leaky gives exponential traces
// (classic all-to-all additive STDP), flat counts all past events,
// limited-flat counts those in a window, scaling and composite rescale and
// chain. Rates default to ConstRate{0.01} (the reference's default) when
// nil; the tags are required.
type STDP struct {
	Pre  response.Spec // presynaptic tag P, one per (copy, presynaptic row)
	Post response.Spec // postsynaptic tag Q, one per (copy, postsynaptic neuron)
	LTP  RateSpec      // η+, scales the potentiation term P·y
	LTD  RateSpec      // η−, scales the depression term x·Q
	// PreFirst orders a presynaptic and a postsynaptic spike of the same
	// step pre before post, as Brian2 runs on_pre before on_post: the
	// depression term then uses the postsynaptic tag without this step's
	// own post spike (Q − h0·y, h0 the tag's immediate response), so a
	// coincident pair gives +η+·dt instead of the reference's
	// (η+ − η−)·dt. Pairs at other intervals are unchanged. The tags must
	// be linear (every built-in response function is).
	PreFirst bool
	// Pairing is AllToAll (the zero value: each spike adds to the tags)
	// or Nearest (each spike resets its tag to the spike's value, so
	// only the nearest earlier spike on the other side counts). Nearest
	// needs leaky tags (response.Leaky, Euler or Exact, per-element τ
	// allowed): a counting tag (flat, limited-flat) or a chain
	// (composite, scaling) is refused, as resetting its state has no
	// single meaning. An isolated pair gives the same window as
	// all-to-all; the rules differ when several spikes on one side
	// precede a spike on the other. With PreFirst, a coincident pair's
	// depression uses the postsynaptic tag as it was just before the
	// reset.
	Pairing Pairing
}

// DefaultRate is the rate an STDP rule uses for a nil LTP or LTD.
const DefaultRate = 0.01

// LeakySTDP returns STDP with exponential (leaky) tags of time constants
// tauPlus (presynaptic, the potentiation window) and tauMinus
// (postsynaptic, the depression window), in ms, and constant rates etaPlus
// and etaMinus. An isolated pair with post − pre = Δt steps changes the
// weight by +η+·dt·(1 − dt/τ+)^Δt (Δt > 0), −η−·dt·(1 − dt/τ−)^|Δt|
// (Δt < 0), or (η+ − η−)·dt (Δt = 0).
func LeakySTDP(tauPlus, tauMinus, etaPlus, etaMinus float64) STDP {
	return STDP{
		Pre:  response.Leaky{Tau: param.Const(tauPlus)},
		Post: response.Leaky{Tau: param.Const(tauMinus)},
		LTP:  ConstRate{Eta: etaPlus},
		LTD:  ConstRate{Eta: etaMinus},
	}
}

// Kind returns "stdp".
func (STDP) Kind() string { return "stdp" }

// New binds the rule to p.
func (s STDP) New(p *Synapses) (Rule, error) {
	const name = "plasticity: stdp"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if s.Pre == nil {
		return nil, fmt.Errorf("%s: Pre tag is nil (give a response.Spec, e.g. a leaky trace, or use LeakySTDP)", name)
	}
	if s.Post == nil {
		return nil, fmt.Errorf("%s: Post tag is nil (give a response.Spec, e.g. a leaky trace, or use LeakySTDP)", name)
	}
	if err := s.Pairing.check(name); err != nil {
		return nil, err
	}
	rows, cols, B := p.Syn.Rows, p.Syn.Cols, p.Batch
	r := &stdpRule{p: p, rows: rows, cols: cols, scale: float32(p.Dt / float64(B))}
	var err error
	if r.pre, err = newPairedTag(s.Pre, s.Pairing, B*rows, p.Dt); err != nil {
		return nil, fmt.Errorf("%s: Pre tag: %w", name, err)
	}
	if r.post, err = newPairedTag(s.Post, s.Pairing, B*cols, p.Dt); err != nil {
		return nil, fmt.Errorf("%s: Post tag: %w", name, err)
	}
	if r.ltp, err = newRate(s.LTP, p); err != nil {
		return nil, fmt.Errorf("%s: LTP: %w", name, err)
	}
	if r.ltd, err = newRate(s.LTD, p); err != nil {
		return nil, fmt.Errorf("%s: LTD: %w", name, err)
	}
	r.x = make([]float32, B*rows)
	r.P = make([]float32, B*rows)
	r.Q = make([]float32, B*cols)
	r.Qd = r.Q
	if nt, ok := r.post.(*nearestTrace); ok && s.PreFirst {
		// The post tag just before this step's reset.
		nt.before = make([]float32, B*cols)
		r.postNear = nt
		r.Qd = make([]float32, B*cols)
	} else if s.PreFirst {
		// The tag's immediate response to a unit input, per element.
		probe, err := newTag(s.Post, B*cols, p.Dt)
		if err != nil {
			return nil, fmt.Errorf("%s: Post tag: %w", name, err)
		}
		ones := make([]float32, B*cols)
		for i := range ones {
			ones[i] = 1
		}
		r.h0 = make([]float32, B*cols)
		probe.Step(ones, r.h0)
		r.Qd = make([]float32, B*cols)
	}
	return r, nil
}

func newTag(s response.Spec, n int, dt float64) (response.Function, error) {
	f, err := s.New(n, dt)
	if err != nil {
		return nil, err
	}
	if f.Len() != n {
		return nil, fmt.Errorf("%s function has %d elements, want %d", s.Kind(), f.Len(), n)
	}
	return f, nil
}

// newRate binds a rate spec (nil: the default constant rate) to p: it
// checks the bounds if the spec asks for that, then builds it for p.Dt.
func newRate(s RateSpec, p *Synapses) (Rate, error) {
	if s == nil {
		s = ConstRate{Eta: DefaultRate}
	}
	if b, ok := s.(BoundsChecker); ok {
		if err := b.CheckBounds(p.Wmin, p.Wmax); err != nil {
			return nil, err
		}
	}
	return s.New(p.Dt)
}

type stdpRule struct {
	p          *Synapses         `state:"-"`
	rows, cols int               `state:"-"`
	scale      float32           `state:"-"`    // dt/B
	pre        response.Function `state:"rows"` // per presynaptic row: the same in every shard
	post       response.Function
	ltp, ltd   Rate
	evP, evD   rateEval  `state:"-"`
	x, P, Q    []float32 `state:"-"` // |Pre|, presynaptic and postsynaptic tags
	// PreFirst: h0 is the post tag's immediate response, Qd the post tag
	// without this step's post spikes (the depression uses Qd; Qd is Q
	// itself otherwise).
	h0, Qd []float32 `state:"-"`
	// PreFirst with nearest pairing: the post tag, whose before holds its
	// value just before a reset (Qd takes it where a post spike reset Q).
	postNear *nearestTrace
}

// Step implements Rule.
func (r *stdpRule) Step(d *StepData, acc *Delta) {
	// x is zero outside PreActive between steps.
	for _, a := range d.PreActive {
		r.x[a] = abs32(d.Pre[a])
	}
	r.pre.Step(r.x, r.P)
	r.post.Step(d.Post, r.Q)
	if r.h0 != nil {
		copy(r.Qd, r.Q)
		for _, a := range d.PostActive {
			r.Qd[a] = r.Q[a] - float32(r.h0[a]*d.Post[a])
		}
	} else if r.postNear != nil {
		copy(r.Qd, r.Q)
		for _, a := range d.PostActive {
			if d.Post[a] != 0 {
				r.Qd[a] = r.postNear.before[a]
			}
		}
	}
	p := r.p
	r.evP.prepare(r.ltp, p.Wmin, p.Wmax)
	r.evD.prepare(r.ltd, p.Wmin, p.Wmax)
	if !r.evP.zero() {
		r.potentiate(d, acc)
	}
	if !r.evD.zero() {
		r.depress(acc, d.PreActive)
	}
	r.ltp.Advance()
	r.ltd.Advance()
	for _, a := range d.PreActive {
		r.x[a] = 0
	}
}

// potentiate adds η+·(dt/B)·P[b,i]·y[b,j] for every synapse into an active
// postsynaptic element, walking the column view.
func (r *stdpRule) potentiate(d *StepData, acc *Delta) {
	p := r.p
	w, mask := p.Syn.W, p.Mask
	ev := &r.evP
	for _, a := range d.PostActive {
		y := d.Post[a]
		if y == 0 {
			continue
		}
		b := int(a) / r.cols
		j := int(a) - b*r.cols
		P := r.P[b*r.rows : (b+1)*r.rows]
		lo, hi := p.ColPtr[j], p.ColPtr[j+1]
		syn, row := p.ColSyn[lo:hi], p.ColRow[lo:hi]
		row = row[:len(syn)]
		s := r.scale * y
		switch {
		case ev.mode == rateUniform && mask == nil && acc.w != nil:
			// Direct mode: apply each change at once, clipped.
			s *= ev.eta
			aw, lo, hi := acc.w, acc.lo, acc.hi
			for e, k := range syn {
				if pv := P[row[e]]; pv != 0 {
					x := aw[k] + float32(s*pv)
					if x != x {
						acc.addDirect(k, s*pv) // records the NaN
						continue
					}
					aw[k] = clip(x, lo, hi)
					acc.changed = true
				}
			}
			continue
		case ev.mode == rateUniform && mask == nil:
			s *= ev.eta
			for e, k := range syn {
				if pv := P[row[e]]; pv != 0 {
					acc.Add(k, s*pv)
				}
			}
			continue
		case ev.mode == rateSoft && mask == nil:
			s *= ev.eta
			wlo, whi := ev.lo, ev.hi
			for e, k := range syn {
				if pv := P[row[e]]; pv != 0 {
					wk := w[k]
					acc.Add(k, s*pv*(whi-wk)*(wk-wlo))
				}
			}
			continue
		}
		for e, k := range syn {
			pv := P[row[e]]
			if pv == 0 || (mask != nil && !mask[k]) {
				continue
			}
			acc.Add(k, s*pv*ev.at(w[k]))
		}
	}
}

// depress adds −η−·(dt/B)·x[b,i]·Q[b,j] for every synapse out of an
// active presynaptic element, walking its row.
func (r *stdpRule) depress(acc *Delta, active []uint32) {
	p := r.p
	w, mask := p.Syn.W, p.Mask
	ptr, idx := p.Syn.Ptr, p.Syn.Idx
	ev := &r.evD
	for _, a := range active {
		x := r.x[a]
		if x == 0 {
			continue
		}
		b := int(a) / r.rows
		i := int(a) - b*r.rows
		Q := r.Qd[b*r.cols : (b+1)*r.cols]
		lo, hi := ptr[i], ptr[i+1]
		cols := idx[lo:hi]
		s := -r.scale * x
		switch {
		case ev.mode == rateUniform && mask == nil && acc.w != nil:
			// Direct mode: the row's weights are contiguous.
			s *= ev.eta
			ws := acc.w[lo:hi]
			ws = ws[:len(cols)]
			wlo, whi := acc.lo, acc.hi
			for e, j := range cols {
				if q := Q[j]; q != 0 {
					x := ws[e] + float32(s*q)
					if x != x {
						acc.addDirect(lo+uint32(e), s*q) // records the NaN
						continue
					}
					ws[e] = clip(x, wlo, whi)
					acc.changed = true
				}
			}
			continue
		case ev.mode == rateUniform && mask == nil:
			s *= ev.eta
			for e, j := range cols {
				if q := Q[j]; q != 0 {
					acc.Add(lo+uint32(e), s*q)
				}
			}
			continue
		case ev.mode == rateSoft && mask == nil:
			s *= ev.eta
			wlo, whi := ev.lo, ev.hi
			ws := w[lo:hi]
			ws = ws[:len(cols)]
			for e, j := range cols {
				if q := Q[j]; q != 0 {
					wk := ws[e]
					acc.Add(lo+uint32(e), s*q*(whi-wk)*(wk-wlo))
				}
			}
			continue
		}
		for e, j := range cols {
			k := lo + uint32(e)
			q := Q[j]
			if q == 0 || (mask != nil && !mask[k]) {
				continue
			}
			acc.Add(k, s*q*ev.at(w[k]))
		}
	}
}

// Reset implements Rule.
func (r *stdpRule) Reset() {
	r.pre.Reset()
	r.post.Reset()
	r.ltp.Reset()
	r.ltd.Reset()
	clear(r.x)
	clear(r.P)
	clear(r.Q)
	clear(r.Qd)
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

// direct implements directRule: additive STDP (rates that do not depend
// on the weight) without a mask.
func (r *stdpRule) direct() bool {
	if r.p.Mask != nil {
		return false
	}
	_, up := r.ltp.Uniform()
	_, down := r.ltd.Uniform()
	return up && down
}
