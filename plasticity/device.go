package plasticity

import (
	"errors"
	"fmt"
)

// Additive is the form of an STDP rule that a device steps (package
// device): additive STDP with leaky tags of one time constant each
// (response.Leaky), constant rates, all-to-all or nearest pairing, with
// or without PreFirst, on one copy, without a mask or a normalisation.
// The Learner's changes are then applied at once, clipped (its direct
// mode), so a device that computes, per step, the same float32
// operations in the same order per synapse gets the same weights, bit
// for bit:
//
//	P[i] ← x_i + a+·P[i]        (nearest: x_i if x_i ≠ 0, else a+·P[i])
//	Q[j] ← y_j + a−·Q[j]        (nearest: y_j if y_j ≠ 0, else a−·Q[j])
//	for each j with y_j ≠ 0, each synapse i→j with P[i] ≠ 0:
//	    w ← clip(w + float32(LTP·P[i]))
//	for each i with x_i ≠ 0, each synapse i→j with Qd[j] ≠ 0:
//	    w ← clip(w + float32(float32(float32(−Scale·x_i)·EtaLTD)·Qd[j]))
//
// where x_i = |the value of row i's event| at a step it arrives, y_j = 1
// at a step after post neuron j fired, and Qd = Q, or with PreFirst the
// post tag without this step's post spike (Q − 1, or a−·Q before a
// nearest reset).
type Additive struct {
	PreDecay, PostDecay float32 // a+ and a−, the tags' factors per step
	Nearest             bool    // nearest pairing
	PreFirst            bool
	// LTP is the potentiation's factor per unit of P: float32(Scale·1)·η+.
	LTP float32
	// Scale is dt/B (B = 1) and EtaLTD η−: the depression's factor of a
	// row is float32(float32(−Scale·x)·EtaLTD).
	Scale, EtaLTD float32
	// SkipLTP and SkipLTD: the rate is zero, the term is not computed.
	SkipLTP, SkipLTD bool
	Wmin, Wmax       float32
}

// Additive returns the rule's device form, or why it has none (naming
// what differs from the form a device steps).
func (l *Learner) Additive() (Additive, error) {
	r, ok := l.rule.(*stdpRule)
	switch {
	case !ok:
		return Additive{}, fmt.Errorf("a %T rule (a device steps one STDP rule)", l.rule)
	case l.P.Batch != 1:
		return Additive{}, fmt.Errorf("a batch of %d copies (a device learns on one)", l.P.Batch)
	case l.P.Mask != nil:
		return Additive{}, errors.New("a mask (a device learns without one)")
	case l.Normalize != nil:
		return Additive{}, errors.New("a normalisation (a device learns without one)")
	}
	a := Additive{Wmin: l.P.Wmin, Wmax: l.P.Wmax, PreFirst: r.h0 != nil || r.postNear != nil}
	var err error
	if a.PreDecay, a.Nearest, err = leakyFactor(r.pre); err != nil {
		return Additive{}, fmt.Errorf("the pre tag: %w", err)
	}
	if a.PostDecay, _, err = leakyFactor(r.post); err != nil {
		return Additive{}, fmt.Errorf("the post tag: %w", err)
	}
	if r.h0 != nil {
		for _, h := range r.h0 {
			if h != 1 {
				return Additive{}, fmt.Errorf("the post tag's immediate response %g (a device takes 1)", h)
			}
		}
	}
	up, ok1 := r.ltp.(*constRate)
	down, ok2 := r.ltd.(*constRate)
	if !ok1 || !ok2 {
		return Additive{}, errors.New("rates that are not constant (a device takes ConstRate)")
	}
	a.Scale, a.EtaLTD = r.scale, down.eta
	s := r.scale * 1 // y = 1: potentiate's s, then s·η+
	s *= up.eta
	a.LTP = s
	a.SkipLTP, a.SkipLTD = up.eta == 0, down.eta == 0
	return a, nil
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

// AdditiveTraces returns the live state of an STDP rule's tags: P per
// presynaptic row and Q per postsynaptic neuron, after the last step (a
// device reads them when it takes the projection, and writes them back
// when it hands the weights back). ok is false for other rules.
func (l *Learner) AdditiveTraces() (pre, post []float32, ok bool) {
	r, isSTDP := l.rule.(*stdpRule)
	if !isSTDP {
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
