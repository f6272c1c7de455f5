package principle

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spiral-sim/spiral/soma"
)

// Principle filters the spikes of one step. It has the method set of
// population.Principle, plus Bind and Err.
type Principle interface {
	// Bind prepares the principle for a population; called once before
	// the run. A principle object belongs to one population: binding it
	// again to a different environment (N, Batch, Dt or Key) is an error
	// that leaves it as it was; binding it again to the same one starts it
	// afresh. A Bind that fails otherwise leaves it unbound.
	Bind(env soma.Env) error
	// Apply filters the ascending list of elements that fired at step and
	// returns the new ascending list, in fired's backing array (grown by
	// append when spikes are added): the caller keeps owning the slice,
	// the principle never hands out a buffer of its own. Before a
	// successful Bind it returns fired unchanged and records an error.
	Apply(step int64, fired []uint32, m soma.Model) []uint32
	// Reset restores the state of step 0 (windows, masks, errors).
	Reset()
	// Err returns the first problem met at run time, or nil.
	Err() error
}

// Elements returns the elements of the given neurons in every one of batch
// copies of a population of n neurons (b·n + i), ascending, without
// duplicates: a helper for building clamp frames that act on all copies.
func Elements(neurons []uint32, n, batch int) []uint32 {
	ns := slices.Clone(neurons)
	slices.Sort(ns)
	ns = slices.Compact(ns)
	out := make([]uint32, 0, len(ns)*batch)
	for b := 0; b < batch; b++ {
		for _, i := range ns {
			out = append(out, uint32(b*n)+i)
		}
	}
	return out
}

// bound is the part every principle shares.
type bound struct {
	env   soma.Env `state:"-"`
	bound bool     `state:"-"`
	err   error    `state:"-"`
}

// begin starts a Bind: it checks env and refuses a second, different
// population (leaving the principle as it was). Otherwise the principle is
// unbound until the Bind succeeds (done).
func (p *bound) begin(kind string, env soma.Env) error {
	if err := env.Validate(); err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if uint64(env.Len()) > 1<<32 {
		return fmt.Errorf("%s: %d elements do not fit uint32 indices", kind, env.Len())
	}
	if p.bound && p.env != env {
		return rebindError(kind, p.env, env)
	}
	p.bound = false
	return nil
}

// done marks a successful Bind.
func (p *bound) done(env soma.Env) {
	p.env, p.bound, p.err = env, true, nil
}

// rebindError describes an attempt to bind an object bound to old to the
// different environment env.
func rebindError(kind string, old, env soma.Env) error {
	if old.N != env.N {
		return fmt.Errorf("%s: already bound to a population of %d neurons; use one object per population", kind, old.N)
	}
	var diff []string
	if old.Batch != env.Batch {
		diff = append(diff, fmt.Sprintf("batch %d, not %d", old.Batch, env.Batch))
	}
	if old.Dt != env.Dt {
		diff = append(diff, fmt.Sprintf("dt %g ms, not %g ms", old.Dt, env.Dt))
	}
	if old.Key != env.Key {
		diff = append(diff, "another random key")
	}
	return fmt.Errorf("%s: already bound to another population of %d neurons (%s); use one object per population",
		kind, old.N, strings.Join(diff, ", "))
}

// ready reports whether the principle is bound; if not, it records an
// error for Apply at step (Apply then passes the spikes through).
func (p *bound) ready(kind string, step int64) bool {
	if p.bound {
		return true
	}
	p.failf("%s: Apply at step %d before Bind: spikes passed through unchanged", kind, step)
	return false
}

func (p *bound) failf(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

// Err returns the first problem met at run time, or nil.
func (p *bound) Err() error { return p.err }

// union writes the sorted union of the ascending lists a and b (each
// without duplicates) into dst[:0] and returns it.
func union(dst, a, b []uint32) []uint32 {
	dst = dst[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			dst = append(dst, a[i])
			i++
		case a[i] > b[j]:
			dst = append(dst, b[j])
			j++
		default:
			dst = append(dst, a[i])
			i++
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
