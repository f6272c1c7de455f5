package synapse

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// MaxDelaySteps is the largest per-synapse delay, in steps (a uint16).
const MaxDelaySteps = math.MaxUint16

// maxRedraws bounds the redraws of one negative delay (see InitDelays).
const maxRedraws = 1000

// Delays reports whether the CSR carries synaptic delays (InitDelays).
func (c *CSR) Delays() bool { return c.delayed }

// UniformDelay returns the common synaptic delay (steps) when every
// synapse has the same one (D is then nil), and whether that is so. A CSR
// without delays has the common delay 0.
func (c *CSR) UniformDelay() (int, bool) {
	if !c.delayed || c.D == nil {
		return int(c.d0), true
	}
	return 0, false
}

// Delay returns the synaptic delay of synapse k in steps.
func (c *CSR) Delay(k int) int {
	if c.D == nil {
		return int(c.d0)
	}
	return int(c.D[k])
}

// DelayRange returns the smallest and largest synaptic delay (steps); 0, 0
// without delays or synapses.
func (c *CSR) DelayRange() (lo, hi int) {
	if c.D == nil {
		return int(c.d0), int(c.d0)
	}
	if len(c.D) == 0 {
		return 0, 0
	}
	l, h := c.D[0], c.D[0]
	for _, d := range c.D {
		l, h = min(l, d), max(h, d)
	}
	return int(l), int(h)
}

// InitDelays gives every synapse a synaptic delay, added to the axon's:
// the value in ms (a constant, an array in CSR order, or a distribution),
// turned into whole steps of dt by toSteps (param.Steps, floor, or
// param.RoundSteps, nearest). A distribution draws row r's synapses in
// order from key.Stream(r), as InitWeights does, so a synapse's delay does
// not depend on how the CSR is later split; a draw below 0 is redrawn (as
// NEST's redraw, which the microcircuit uses), at most 1000 times per
// synapse. Constants, arrays and explicit values must be ≥ 0 and at most
// MaxDelaySteps steps. Delays that come out all equal are kept as one
// value (D nil): no memory per synapse.
func (c *CSR) InitDelays(v param.Value, dt float64, toSteps func(ms, dt float64) int, key rng.Key) error {
	const name = "delay_ms"
	conv := func(x float64, what string) (uint16, error) {
		if !(x >= 0) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("synapse: %s = %g: must be >= 0 and finite", what, x)
		}
		s := toSteps(x, dt)
		if s > MaxDelaySteps {
			return 0, fmt.Errorf("synapse: %s = %g: %d steps at dt = %g ms exceeds the limit of %d steps", what, x, s, dt, MaxDelaySteps)
		}
		return uint16(s), nil
	}
	c.delayed, c.d0, c.D = true, 0, nil
	switch x, isConst := v.IsConst(); {
	case isConst:
		d, err := conv(x, name)
		if err != nil {
			return err
		}
		c.d0 = d
		return nil
	case isArray(v):
		ms, err := v.Expand(name, len(c.Idx), nil)
		if err != nil {
			return fmt.Errorf("synapse: %w (one value per synapse, in CSR order)", err)
		}
		c.D = make([]uint16, len(c.Idx))
		for k, x := range ms {
			if c.D[k], err = conv(param.Widen(x), fmt.Sprintf("%s[%d]", name, k)); err != nil {
				return err
			}
		}
	default:
		c.D = make([]uint16, len(c.Idx))
		for r := 0; r < c.Rows; r++ {
			a, e := c.Ptr[r], c.Ptr[r+1]
			if a == e {
				continue
			}
			src := key.Stream(uint64(r))
			ms, err := v.Expand(name, int(e-a), src)
			if err != nil {
				return fmt.Errorf("synapse: row %d: %w", r, err)
			}
			for i, x := range ms {
				for try := 0; x < 0; try++ {
					if try == maxRedraws {
						return fmt.Errorf("synapse: row %d: %s drawn from %s: %d draws in a row below 0: the distribution lies (almost) all below 0", r, name, v, maxRedraws)
					}
					y, err := v.Expand(name, 1, src)
					if err != nil {
						return fmt.Errorf("synapse: row %d: %w", r, err)
					}
					x = y[0]
				}
				d, err := conv(float64(x), name)
				if err != nil {
					return fmt.Errorf("synapse: row %d: drawn from %s: %w", r, v, err)
				}
				c.D[int(a)+i] = d
			}
		}
	}
	c.compactDelays()
	return nil
}

// compactDelays keeps delays that are all equal as one value.
func (c *CSR) compactDelays() {
	if c.D == nil {
		return
	}
	if len(c.D) == 0 {
		c.D = nil
		return
	}
	d0 := c.D[0]
	for _, d := range c.D {
		if d != d0 {
			return
		}
	}
	c.d0, c.D = d0, nil
}

// SetDelays gives the synapses explicit delays in steps (CSR order, one
// per synapse; all equal ones are kept as one value).
func (c *CSR) SetDelays(d []uint16) error {
	if len(d) != len(c.Idx) {
		return fmt.Errorf("synapse: %d delays for %d synapses", len(d), len(c.Idx))
	}
	c.delayed, c.d0, c.D = true, 0, append([]uint16(nil), d...)
	c.compactDelays()
	return nil
}
