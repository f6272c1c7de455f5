package synapse

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

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
	if !c.PerSynapseDelays() {
		return int(c.d0), true
	}
	return 0, false
}

// PerSynapseDelays reports whether the synapses' delays differ: D8 or D
// holds them.
func (c *CSR) PerSynapseDelays() bool { return c.D != nil || c.D8 != nil }

// Delay returns the synaptic delay of synapse k in steps.
func (c *CSR) Delay(k int) int {
	switch {
	case c.D8 != nil:
		return int(c.D8[k])
	case c.D != nil:
		return int(c.D[k])
	}
	return int(c.d0)
}

// DelayRange returns the smallest and largest synaptic delay (steps); 0, 0
// without delays or synapses.
func (c *CSR) DelayRange() (lo, hi int) {
	switch {
	case c.D8 != nil:
		return span(c.D8)
	case c.D != nil:
		return span(c.D)
	}
	return int(c.d0), int(c.d0)
}

func span[T uint8 | uint16](d []T) (lo, hi int) {
	if len(d) == 0 {
		return 0, 0
	}
	l, h := d[0], d[0]
	for _, x := range d {
		l, h = min(l, x), max(h, x)
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
// value (D and D8 nil): no memory per synapse; delays that differ take one
// byte per synapse (D8) when all are at most 255 steps, else two (D).
func (c *CSR) InitDelays(v param.Value, dt float64, toSteps func(ms, dt float64) int, key rng.Key) error {
	return c.InitDelaysPart(v, dt, toSteps, key, nil)
}

// InitDelaysPart is InitDelays for a part of a projection (Keep): every
// synapse gets the delay it has in the whole, o saying where it lies
// there (an array's value at that index; a distribution's draw at that
// place of its row, the row's draws and redraws replayed). A nil o is the
// whole.
func (c *CSR) InitDelaysPart(v param.Value, dt float64, toSteps func(ms, dt float64) int, key rng.Key, o *Origin) error {
	const name = "delay_ms"
	if err := o.check(c); err != nil {
		return err
	}
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
	c.delayed, c.d0, c.D, c.D8 = true, 0, nil, nil
	switch x, isConst := v.IsConst(); {
	case isConst:
		d, err := conv(x, name)
		if err != nil {
			return err
		}
		c.d0 = d
		return nil
	case isArray(v) && o != nil && len(c.Idx) == 0:
		// A part without synapses takes none of the array.
	case isArray(v):
		n := len(c.Idx)
		if o != nil {
			n = o.Len()
		}
		ms, err := v.Expand(name, n, nil)
		if err != nil {
			return fmt.Errorf("synapse: %w (one value per synapse, in CSR order)", err)
		}
		d := make([]uint16, n)
		for k, x := range ms {
			if d[k], err = conv(param.Widen(x), fmt.Sprintf("%s[%d]", name, k)); err != nil {
				return err
			}
		}
		c.D = d
		if o != nil {
			c.D = make([]uint16, len(c.Idx))
			Pick(o, c.D, d)
		}
	default:
		// Into bytes first, as most delays fit; again into two bytes
		// per synapse if one does not.
		wide, err := c.drawDelays(v, dt, toSteps, key, o, false, conv)
		if err == nil && wide {
			_, err = c.drawDelays(v, dt, toSteps, key, o, true, conv)
		}
		if err != nil {
			return err
		}
	}
	c.compactDelays()
	return nil
}

// drawDelays draws the delays of a distribution v, row r's synapses in
// order from key.Stream(r) (InitDelaysPart), into D8, or into D with
// wide. Without wide it stops, reporting wide, at the first delay of
// more than 255 steps. conv checks and converts a value the fast path
// does not take (NaN, infinite, or more steps than MaxDelaySteps), to
// its error.
func (c *CSR) drawDelays(v param.Value, dt float64, toSteps func(ms, dt float64) int, key rng.Key, o *Origin, wide bool,
	conv func(float64, string) (uint16, error)) (tooWide bool, err error) {
	const name = "delay_ms"
	limit := math.MaxUint8
	if wide {
		c.D, c.D8 = make([]uint16, len(c.Idx)), nil
		limit = MaxDelaySteps
	} else {
		c.D, c.D8 = nil, make([]uint8, len(c.Idx))
	}
	var over atomic.Bool
	errOver := errors.New("a delay beyond a byte")
	scratch := make([][]float32, c.rowBlocks()) // per block, reused row after row
	steps := make([][]uint16, c.rowBlocks())    // per block, a row's delays
	err = c.eachRowBlock(func(k, r int) error {
		if over.Load() {
			return errOver
		}
		a, e := c.Ptr[r], c.Ptr[r+1]
		src := key.Stream(uint64(r))
		n := int(e - a)
		if o != nil {
			n = o.rowLen(r)
		}
		scratch[k], steps[k] = resize(scratch[k], n), resize(steps[k], n)
		ms, out := scratch[k], steps[k]
		if err := v.ExpandInto(ms, name, src); err != nil {
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
			f := float64(x)
			s := 0
			if f <= math.MaxFloat64 { // not NaN or infinite
				s = toSteps(f, dt)
			}
			if !(f <= math.MaxFloat64) || s > MaxDelaySteps || s < 0 {
				if _, err := conv(f, name); err != nil {
					return fmt.Errorf("synapse: row %d: drawn from %s: %w", r, v, err)
				}
			}
			if s > limit {
				over.Store(true)
				return errOver
			}
			out[i] = uint16(s)
		}
		if wide {
			if o != nil {
				pickRow(o, r, a, c.D[a:e], out)
			} else {
				copy(c.D[a:e], out)
			}
			return nil
		}
		d8 := c.D8[a:e]
		if o != nil {
			row := make([]uint16, e-a) // rare: a part of a projection
			pickRow(o, r, a, row, out)
			out = row
		}
		for i, s := range out {
			d8[i] = uint8(s)
		}
		return nil
	})
	if errors.Is(err, errOver) {
		// A real error of another block, if any, comes again in the
		// wide pass.
		return true, nil
	}
	return false, err
}

// compactDelays keeps delays (D) that are all equal as one value, and
// delays that all fit in a byte in D8.
func (c *CSR) compactDelays() {
	if c.D8 != nil {
		switch lo, hi := span(c.D8); {
		case len(c.D8) == 0:
			c.D8 = nil
		case lo == hi:
			c.d0, c.D8 = uint16(lo), nil
		}
		return
	}
	if c.D == nil {
		return
	}
	if len(c.D) == 0 {
		c.D = nil
		return
	}
	lo, hi := span(c.D)
	switch {
	case lo == hi:
		c.d0, c.D = uint16(lo), nil
	case hi <= math.MaxUint8:
		c.D8 = make([]uint8, len(c.D))
		for k, d := range c.D {
			c.D8[k] = uint8(d)
		}
		c.D = nil
	}
}

// SetDelays gives the synapses explicit delays in steps (CSR order, one
// per synapse; all equal ones are kept as one value).
func (c *CSR) SetDelays(d []uint16) error {
	if len(d) != len(c.Idx) {
		return fmt.Errorf("synapse: %d delays for %d synapses", len(d), len(c.Idx))
	}
	c.delayed, c.d0, c.D, c.D8 = true, 0, append([]uint16(nil), d...), nil
	c.compactDelays()
	return nil
}
