package plasticity

import (
	"errors"
	"fmt"
)

// STDPForm is the form of an STDP rule that a device steps (package
// device): STDP with leaky tags of one time constant each
// (response.Leaky), all-to-all or nearest pairing, with or without
// PreFirst, rates that are constant, descending or bound by the weight
// (ConstRate, DescendingRate, SoftBoundRate, UpperBoundRate,
// LowerBoundRate), on one copy, without a
// mask or a normalisation. A device that computes, per step, the same
// float32 operations in the same order per synapse as the Learner gets
// the same weights, bit for bit:
//
//	P[i] ← x_i + a+·P[i]        (nearest: x_i if x_i ≠ 0, else a+·P[i])
//	Q[j] ← y_j + a−·Q[j]        (nearest: y_j if y_j ≠ 0, else a−·Q[j])
//	for each j with y_j ≠ 0, each synapse i→j with P[i] ≠ 0:
//	    Δ = LTP's term of P[i] and w
//	for each i with x_i ≠ 0, each synapse i→j with Qd[j] ≠ 0:
//	    Δ = LTD's term of x_i, Qd[j] and w
//
// where x_i = |the value of row i's event| at a step it arrives, y_j = 1
// at a step after post neuron j fired, and Qd = Q, or with PreFirst the
// post tag without this step's post spike (Q − 1, or a−·Q before a
// nearest reset). The terms (RateForm.Mode) are, with s = Scale for
// potentiation and s = float32(−Scale·x_i) for depression, and T the tag
// (P[i] or Qd[j]):
//
//	RateConst: float32(s·η)·T                      RateSoft:  float32(s·η)·T·(Wmax − w)·(w − Wmin)
//	RateUpper: s·T·float32(η·(Wmax − w))            RateLower: s·T·float32(η·(w − Wmin))
//
// each product rounded to float32 in that order. With Direct (both rates
// constant) each Δ is applied at once: w ← clip(w + Δ). Otherwise the Δ
// of a step are summed per synapse, potentiation first, with the weights
// of the step before, and each synapse that had one is then set to
// clip(w + ΣΔ). With Modulated (Modulated{Rule: STDP}, which sums the
// step's changes whatever the rates) the sum is scaled by the modulator
// concentration M of the step first, and a synapse whose ΣΔ or ΣΔ·M is 0
// is left as it is: w ← clip(w + float32(ΣΔ·M)).
//
// With Eligibility (RSTDP{Rule: STDP}) the sums do not change the weights:
// each synapse whose ΣΔ is not 0 brings its eligibility trace c up to the
// step (below) and adds ΣΔ to it; then, at a step whose concentration M is
// not 0, every synapse brings its trace up to the step and, where it is
// not 0, changes by float32(s·float64(c)), s = TraceScale·float64(M):
// w ← clip(w + that), unless it is 0. A trace is brought up to step n
// from the step last it was (EligibilityTraces) by c ← float32(float64(c)
// ·λ^(n − last)) where c is not 0, λ^g the product of table entries
// EligibilityTraces gives (pow[g mod len(pow)] times pow2[j] for each bit
// j of g / len(pow), the lowest first), and last ← n (also where c is 0,
// and, at a step with M ≠ 0, for every synapse).
type STDPForm struct {
	PreDecay, PostDecay float32 // a+ and a−, the tags' factors per step
	Nearest             bool    // nearest pairing
	PreFirst            bool
	Scale               float32 // dt/B, B = 1
	LTP, LTD            RateForm
	Direct              bool
	Modulated           bool
	Eligibility         bool    // RSTDP: the changes feed eligibility traces
	TraceScale          float64 // dt/B, B = 1: the eligibility's weight change per step, per unit of trace and concentration
	Wmin, Wmax          float32
}

// RateForm is a rate of an STDPForm: its kind and η. A rate that Varies
// (DescendingRate: η changes from step to step, the same for every
// synapse) is taken each step from Learner.STDPRates.
type RateForm struct {
	Mode   RateMode
	Eta    float32
	Varies bool
}

// RateMode is the kind of a RateForm.
type RateMode uint8

// The kinds of rate a device computes.
const (
	RateConst RateMode = iota // ConstRate
	RateSoft                  // SoftBoundRate
	RateUpper                 // UpperBoundRate
	RateLower                 // LowerBoundRate
)

// STDPForm returns the rule's device form, or why it has none (naming
// what differs from the form a device steps).
func (l *Learner) STDPForm() (STDPForm, error) {
	r := l.stdp()
	ok := r != nil
	_, modulated := l.rule.(*modulatedRule)
	elig, eligible := l.rule.(*rstdpRule)
	switch {
	case !ok:
		return STDPForm{}, errors.New("not STDP, nor STDP modulated (a device learns one STDP rule, Modulated{Rule: STDP} or RSTDP{Rule: STDP})")
	case l.P.Batch != 1:
		return STDPForm{}, fmt.Errorf("a batch of %d copies (a device learns on one)", l.P.Batch)
	case l.P.Mask != nil:
		return STDPForm{}, errors.New("a mask (a device learns without one)")
	case l.Normalize != nil:
		return STDPForm{}, errors.New("a normalisation (a device learns without one)")
	}
	f := STDPForm{Wmin: l.P.Wmin, Wmax: l.P.Wmax, PreFirst: r.h0 != nil || r.postNear != nil, Scale: r.scale}
	var err error
	if f.PreDecay, f.Nearest, err = leakyFactor(r.pre); err != nil {
		return STDPForm{}, fmt.Errorf("the pre tag: %w", err)
	}
	if f.PostDecay, _, err = leakyFactor(r.post); err != nil {
		return STDPForm{}, fmt.Errorf("the post tag: %w", err)
	}
	if r.h0 != nil {
		for _, h := range r.h0 {
			if h != 1 {
				return STDPForm{}, fmt.Errorf("the post tag's immediate response %g (a device takes 1)", h)
			}
		}
	}
	if f.LTP, err = rateForm(r.ltp); err != nil {
		return STDPForm{}, fmt.Errorf("LTP: %w", err)
	}
	if f.LTD, err = rateForm(r.ltd); err != nil {
		return STDPForm{}, fmt.Errorf("LTD: %w", err)
	}
	// The inner rule of a modulated one sums its changes: never direct.
	f.Direct, f.Modulated = r.direct() && !modulated && !eligible, modulated
	if eligible {
		f.Eligibility, f.TraceScale = true, elig.scale
	}
	return f, nil
}

// EligibilityTraces returns the live state of an RSTDP rule in STDPForm:
// each synapse's eligibility trace c and the step last it was brought up
// to, and the tables of its decay (STDPForm). A device that learns the
// rule reads c and last when it takes the projection and writes them
// back when it hands the weights back. ok is false for other rules.
func (l *Learner) EligibilityTraces() (c []float32, last []int64, pow, pow2 []float64, ok bool) {
	r, ok := l.rule.(*rstdpRule)
	if !ok {
		return nil, nil, nil, nil, false
	}
	return r.c, r.last, r.pow, r.pow2, true
}

// EligibilityStep returns the step an RSTDP rule in STDPForm is at (the
// n of STDPForm's traces) and moves it to the next, as the rule's Step
// does at its end. A device that learns the rule calls it once per step,
// learning or not; the count stays here (and so in checkpoints).
func (l *Learner) EligibilityStep() int64 {
	r, ok := l.rule.(*rstdpRule)
	if !ok {
		return 0
	}
	n := r.now
	r.now++
	return n
}

// rateForm returns a rate's device form.
func rateForm(r Rate) (RateForm, error) {
	switch x := r.(type) {
	case *constRate:
		return RateForm{RateConst, x.eta, false}, nil
	case *softBoundRate:
		return RateForm{RateSoft, x.eta, false}, nil
	case *upperBoundRate:
		return RateForm{RateUpper, x.eta, false}, nil
	case *lowerBoundRate:
		return RateForm{RateLower, x.eta, false}, nil
	case *descendingRate:
		return RateForm{RateConst, x.eta, true}, nil
	}
	return RateForm{}, fmt.Errorf("a %T rate (a device takes constant, descending, soft-bound, upper-bound and lower-bound rates)", r)
}

// stdp returns the Learner's STDP rule, or the one a Modulated or RSTDP
// rule holds, or nil.
func (l *Learner) stdp() *stdpRule {
	if m, ok := l.rule.(*modulatedRule); ok && len(m.inner) == 1 {
		r, _ := m.inner[0].(*stdpRule)
		return r
	}
	if m, ok := l.rule.(*rstdpRule); ok && len(m.inner) == 1 {
		r, _ := m.inner[0].(*stdpRule)
		return r
	}
	r, _ := l.rule.(*stdpRule)
	return r
}

// STDPRates returns the η of this step of the potentiation's and the
// depression's rates of a rule in STDPForm, and moves the rates to the
// next step, as the rule's Step does at its end. A device that learns
// the rule calls it once per step, learning or not; the rates' state
// stays here, in the Learner (and so in checkpoints).
func (l *Learner) STDPRates() (ltp, ltd float32) {
	r := l.stdp()
	if r == nil {
		return 0, 0
	}
	p, _ := rateForm(r.ltp)
	d, _ := rateForm(r.ltd)
	r.ltp.Advance()
	r.ltd.Advance()
	return p.Eta, d.Eta
}

// leakyFactor returns a leaky tag's factor per step, the same for every
// element, and whether it is reset at each spike (nearest pairing).
func leakyFactor(f any) (float32, bool, error) {
	switch t := f.(type) {
	case *nearestTrace:
		if !t.uniform {
			return 0, false, errors.New("time constants that differ per element (a device takes one)")
		}
		return t.a0, true, nil
	case interface{ LeakyFactor() (float32, bool) }:
		a, ok := t.LeakyFactor()
		if !ok {
			return 0, false, errors.New("time constants that differ per element (a device takes one)")
		}
		return a, false, nil
	}
	return 0, false, fmt.Errorf("a %T tag (a device takes leaky tags)", f)
}

// STDPTraces returns the live state of an STDP rule's tags: P per
// presynaptic row and Q per postsynaptic neuron, after the last step (a
// device reads them when it takes the projection, and writes them back
// when it hands the weights back). ok is false for other rules.
func (l *Learner) STDPTraces() (pre, post []float32, ok bool) {
	r := l.stdp()
	if r == nil {
		return nil, nil, false
	}
	pre, ok1 := traceState(r.pre)
	post, ok2 := traceState(r.post)
	return pre, post, ok1 && ok2
}

// traceState returns a leaky tag's state.
func traceState(f any) ([]float32, bool) {
	switch t := f.(type) {
	case *nearestTrace:
		return t.s, true
	case interface{ LeakyState() []float32 }:
		return t.LeakyState(), true
	}
	return nil, false
}
