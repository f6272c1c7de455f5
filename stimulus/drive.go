package stimulus

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// PoissonDrive is background input made of independent Poisson spike
// trains: every element receives, at each step, Poisson(RateHz·dt) events
// of weight Weight. Added into a receptor (network PopulationDef.Drive), it
// is what NEST's poisson_generator or Brian2's PoissonInput provide,
// without simulating the source neurons. Counts come from a stream keyed
// by (seed, population, step, element), so a split population draws the
// same numbers.
type PoissonDrive struct {
	RateHz float64 // rate of events per element (Hz)
	Weight float64 // value added per event

	lambda float64 // expected events per step
	expNeg float64 // e^{-lambda}
	w      float32
	key    rng.Key
	n      int
	bound  bool
}

// Bind prepares the drive for a population; the network builder calls it.
func (d *PoissonDrive) Bind(env soma.Env) error {
	if !(d.RateHz >= 0) || math.IsInf(d.RateHz, 0) {
		return fmt.Errorf("poisson drive: rate_hz = %g: must be >= 0 and finite", d.RateHz)
	}
	if math.IsNaN(d.Weight) || math.IsInf(d.Weight, 0) {
		return fmt.Errorf("poisson drive: weight = %g: must be finite", d.Weight)
	}
	d.lambda = d.RateHz * env.Dt / 1000
	d.expNeg = math.Exp(-d.lambda)
	d.w = float32(d.Weight)
	d.key = env.Key.Sub(uint64(rng.PurposePoisson), 0xd1)
	d.n = env.N
	d.bound = true
	return nil
}

// Lambda returns the expected number of events per element and step.
func (d *PoissonDrive) Lambda() float64 { return d.lambda }

// Add adds Weight × count into buf (one entry per element).
func (d *PoissonDrive) Add(step int64, buf []float32) {
	if d.lambda == 0 || !d.bound {
		return
	}
	for e := range buf {
		// Keyed by (copy, neuron), so a neuron's draws do not depend on
		// the population size.
		id := uint64(e/d.n)<<32 | uint64(e%d.n)
		if d.lambda >= 30 {
			buf[e] += d.w * float32(d.key.Poisson(uint64(step), id, d.lambda))
			continue
		}
		// Inversion of one uniform: the smallest n with CDF(n) > u.
		u := d.key.At(uint64(step), id).Float64()
		p := d.expNeg
		cdf := p
		n := 0
		for u >= cdf && n < 200 {
			n++
			p *= d.lambda / float64(n)
			cdf += p
		}
		if n > 0 {
			buf[e] += d.w * float32(n)
		}
	}
}
