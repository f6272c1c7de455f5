package principle

import (
	"slices"

	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/soma"
)

// Frame is what clamps impose at one step. Elements are b·N+i; lists may be
// in any order and hold duplicates.
type Frame struct {
	On     []uint32 // forced to fire (clamps)
	Off    []uint32 // forced silent (unclamps)
	AllOn  bool     // every element fires
	AllOff bool     // every element is silent (the reference's unclamps=True)
}

// ClampSource gives the frame of each step.
type ClampSource interface {
	Frame(step int64) Frame
}

// ClampFunc is a ClampSource written as a function.
type ClampFunc func(step int64) Frame

// Frame implements ClampSource.
func (f ClampFunc) Frame(step int64) Frame { return f(step) }

// ClampSequence gives Frames[step]; past the end, no clamps — or, if
// Cyclic, the sequence starts again (Frames[step mod len]). Negative steps
// get no clamps.
type ClampSequence struct {
	Frames []Frame
	Cyclic bool
}

// Frame implements ClampSource.
func (s ClampSequence) Frame(step int64) Frame {
	n := int64(len(s.Frames))
	if n == 0 || step < 0 {
		return Frame{}
	}
	if s.Cyclic {
		step %= n
	}
	if step >= n {
		return Frame{}
	}
	return s.Frames[step]
}

// Clamps forces elements to fire (On) or to stay silent (Off) at a step:
// spikes ← (spikes ∧ ¬off) ∨ on, so a clamp wins over an unclamp of the same
// element, as in the Python SpikingSoma. The frame of a step is the union of
// Source's frame (if Source is set) and the frame given by Set for that step.
// An element out of range is recorded (Err) and ignored.
type Clamps struct {
	Source ClampSource

	bound
	pending    Frame
	hasPending bool
	stamp      []uint32 // stamp[e] == gen: e is unclamped this step
	gen        uint32
	on, out    []uint32
}

// Bind implements Principle.
// Renew returns new clamps of the same source (renewed if it is a
// population.Renewer), not bound.
func (c *Clamps) Renew() any { return &Clamps{Source: population.Renew(c.Source)} }

// Bind implements Principle.
func (c *Clamps) Bind(env soma.Env) error {
	if err := c.begin("clamps", env); err != nil {
		return err
	}
	c.stamp = make([]uint32, env.Len())
	c.gen = 0
	c.done(env)
	return nil
}

// Set adds a frame for the next Apply only (for a caller that drives the
// clamps step by step, such as an actor receiving them from outside).
func (c *Clamps) Set(f Frame) { c.pending, c.hasPending = f, true }

// Reset forgets a pending frame and the recorded error.
func (c *Clamps) Reset() {
	c.pending, c.hasPending = Frame{}, false
	c.err = nil
}

// Apply implements Principle.
func (c *Clamps) Apply(step int64, fired []uint32, m soma.Model) []uint32 {
	if !c.ready("clamps", step) {
		return fired
	}
	var f Frame
	if c.Source != nil {
		f = c.Source.Frame(step)
	}
	p, hasP := c.pending, c.hasPending
	c.pending, c.hasPending = Frame{}, false
	n := uint32(c.env.Len())
	if f.AllOn || (hasP && p.AllOn) {
		fired = fired[:0]
		for e := uint32(0); e < n; e++ {
			fired = append(fired, e)
		}
		return fired
	}
	// Forced spikes, sorted and deduplicated.
	c.on = c.on[:0]
	for _, lst := range [2][]uint32{f.On, p.On} {
		for _, e := range lst {
			if e >= n {
				c.failf("clamps at step %d: element %d out of range [0, %d)", step, e, n)
				continue
			}
			c.on = append(c.on, e)
		}
	}
	slices.Sort(c.on)
	c.on = slices.Compact(c.on)
	// Surviving spikes.
	if f.AllOff || (hasP && p.AllOff) {
		fired = fired[:0]
	} else if len(f.Off)+len(p.Off) > 0 {
		c.gen++
		if c.gen == 0 {
			clear(c.stamp)
			c.gen = 1
		}
		for _, lst := range [2][]uint32{f.Off, p.Off} {
			for _, e := range lst {
				if e >= n {
					c.failf("unclamps at step %d: element %d out of range [0, %d)", step, e, n)
					continue
				}
				c.stamp[e] = c.gen
			}
		}
		k := 0
		for _, e := range fired {
			if c.stamp[e] != c.gen {
				fired[k] = e
				k++
			}
		}
		fired = fired[:k]
	}
	if len(c.on) == 0 {
		return fired
	}
	c.out = union(c.out, fired, c.on)
	return append(fired[:0], c.out...)
}
