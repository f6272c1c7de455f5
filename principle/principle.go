package principle

import (
	"fmt"
	"slices"

	"github.com/spiral-sim/spiral/soma"
)

// Principle filters the spikes of one step. It has the method set of
// population.Principle, plus Bind and Err.
type Principle interface {
	// Bind prepares the principle for a population; called once before
	// the run (and again only to rebind to another population).
	Bind(env soma.Env) error
	// Apply filters the ascending list of elements that fired at step and
	// returns the new ascending list, in fired's backing array (grown by
	// append when spikes are added): the caller keeps owning the slice,
	// the principle never hands out a buffer of its own.
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
	env   soma.Env
	bound bool
	err   error
}

func (p *bound) bind(kind string, env soma.Env) error {
	if err := env.Validate(); err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if uint64(env.Len()) > 1<<32 {
		return fmt.Errorf("%s: %d elements do not fit uint32 indices", kind, env.Len())
	}
	p.env, p.bound, p.err = env, true, nil
	return nil
}

func (p *bound) mustBound(kind string) {
	if !p.bound {
		panic("principle: " + kind + " applied before Bind")
	}
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
