package plasticity

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

// UpperBoundRate is the weight-dependent rate η·(wmax − w): proportional
// to the distance to the upper bound, zero on it. As the potentiation rate
// of STDP it gives multiplicative (van Rossum, Bi & Turrigiano 2000;
// Rubin, Lee & Sompolinsky 2001) potentiation, which slows down as the
// weight approaches wmax. Only the upper bound must be finite.
type UpperBoundRate struct {
	Eta float64
}

// Kind returns "upper-bound".
func (UpperBoundRate) Kind() string { return "upper-bound" }

// CheckBounds implements BoundsChecker: Wmax must be finite (with an
// infinite Wmax the rate would be infinite at every weight).
func (s UpperBoundRate) CheckBounds(wmin, wmax float32) error {
	if math.IsInf(float64(wmax), 0) {
		return fmt.Errorf("%s rate η·(wmax − w) needs a finite upper weight bound, the projection has Wmax = %g (the rate would be infinite); give a finite Wmax or use a constant rate",
			s.Kind(), wmax)
	}
	return nil
}

// New builds the rate.
func (s UpperBoundRate) New(dt float64) (Rate, error) {
	if err := checkEta(s.Kind(), "Eta", s.Eta); err != nil {
		return nil, err
	}
	return &upperBoundRate{eta: float32(s.Eta)}, nil
}

type upperBoundRate struct {
	eta float32 `state:"-"`
}

func (r *upperBoundRate) At(w, _, wmax float32) float32 { return r.eta * (wmax - w) }
func (r *upperBoundRate) Uniform() (float32, bool)      { return 0, false }
func (r *upperBoundRate) Advance()                      {}
func (r *upperBoundRate) Reset()                        {}

// LowerBoundRate is the weight-dependent rate η·(w − wmin): proportional
// to the distance to the lower bound, zero on it. As the depression rate
// of STDP it gives multiplicative depression (van Rossum et al. 2000;
// Rubin et al. 2001): a weight is depressed in proportion to its size.
// Only the lower bound must be finite.
type LowerBoundRate struct {
	Eta float64
}

// Kind returns "lower-bound".
func (LowerBoundRate) Kind() string { return "lower-bound" }

// CheckBounds implements BoundsChecker: Wmin must be finite (with an
// infinite Wmin the rate would be infinite at every weight).
func (s LowerBoundRate) CheckBounds(wmin, wmax float32) error {
	if math.IsInf(float64(wmin), 0) {
		return fmt.Errorf("%s rate η·(w − wmin) needs a finite lower weight bound, the projection has Wmin = %g (the rate would be infinite); give a finite Wmin or use a constant rate",
			s.Kind(), wmin)
	}
	return nil
}

// New builds the rate.
func (s LowerBoundRate) New(dt float64) (Rate, error) {
	if err := checkEta(s.Kind(), "Eta", s.Eta); err != nil {
		return nil, err
	}
	return &lowerBoundRate{eta: float32(s.Eta)}, nil
}

type lowerBoundRate struct {
	eta float32 `state:"-"`
}

func (r *lowerBoundRate) At(w, wmin, _ float32) float32 { return r.eta * (w - wmin) }
func (r *lowerBoundRate) Uniform() (float32, bool)      { return 0, false }
func (r *lowerBoundRate) Advance()                      {}
func (r *lowerBoundRate) Reset()                        {}

// MultiplicativeSTDP returns STDP with leaky tags of time constants
// tauPlus and tauMinus (ms) and multiplicative weight dependence:
// potentiation at rate η+·(wmax − w) (UpperBoundRate), depression at rate
// η−·(w − wmin) (LowerBoundRate). An isolated pair with post − pre = Δt
// steps changes a weight w by +η+·(wmax − w)·dt·(1 − dt/τ+)^Δt (Δt > 0)
// or −η−·(w − wmin)·dt·(1 − dt/τ−)^|Δt| (Δt < 0). Unlike additive STDP
// the weights settle inside the bounds rather than at them. Both bounds of
// the projection must be finite.
func MultiplicativeSTDP(tauPlus, tauMinus, etaPlus, etaMinus float64) STDP {
	return STDP{
		Pre:  response.Leaky{Tau: param.Const(tauPlus)},
		Post: response.Leaky{Tau: param.Const(tauMinus)},
		LTP:  UpperBoundRate{Eta: etaPlus},
		LTD:  LowerBoundRate{Eta: etaMinus},
	}
}
