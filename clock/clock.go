// Package clock holds Spiral's time protocol as plain state, with no
// messaging: how a run is cut into segments, and how far ahead segments may
// be granted. The actor runtime's clock actor drives it; a shard hosted by
// a worker process runs its own copy of the cutting rule and arrives at the
// same segments.
//
// A segment is at most E steps, E the smallest latency of any link, so a
// spike emitted inside one segment acts only in a later one. Segments are
// numbered from 0 over the life of an engine; a run up to step U cuts
// segments [c, min(c+E, U)) from the current cut c, so consecutive runs
// continue one another, and a run's last segment may be short.
package clock

import "fmt"

// Segment is steps [From, To) with its number.
type Segment struct {
	N        int64
	From, To int64
}

// Cutter cuts runs into segments. The zero value is not ready; use New.
type Cutter struct {
	e     int64
	until int64
	cut   int64
	next  int64
}

// New returns a cutter for segments of at most e steps.
func New(e int) (*Cutter, error) {
	if e < 1 {
		return nil, fmt.Errorf("clock: segment length %d: must be >= 1", e)
	}
	return &Cutter{e: int64(e)}, nil
}

// StartAt makes the cutter begin at step (a network restored from a
// checkpoint there); it must not have cut anything yet.
func (c *Cutter) StartAt(step int64) error {
	if c.next > 0 || c.cut > 0 {
		return fmt.Errorf("clock: start at step %d after cutting to step %d", step, c.cut)
	}
	if step < 0 {
		return fmt.Errorf("clock: start at step %d", step)
	}
	c.cut, c.until = step, step
	return nil
}

// RunUntil extends the current run to step until (exclusive). It never
// shortens what was already cut.
func (c *Cutter) RunUntil(until int64) { c.until = max(until, c.cut) }

// StopHere ends the run at what was already cut.
func (c *Cutter) StopHere() { c.until = c.cut }

// Next cuts the next segment, or reports false when the run is fully cut.
func (c *Cutter) Next() (Segment, bool) {
	if c.cut >= c.until {
		return Segment{}, false
	}
	s := Segment{N: c.next, From: c.cut, To: min(c.cut+c.e, c.until)}
	c.cut = s.To
	c.next++
	return s, true
}

// Cut returns the end of the last segment cut (the step the run has been
// cut to) and the number of segments cut so far.
func (c *Cutter) Cut() (step, segments int64) { return c.cut, c.next }

// Until returns the end of the current run.
func (c *Cutter) Until() int64 { return c.until }

// Window says how many segments may be granted: those below done + w,
// where done counts the segments every shard has finished.
func Window(done int64, w int) int64 { return done + int64(w) }
