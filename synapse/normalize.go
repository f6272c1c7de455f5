package synapse

import (
	"fmt"
	"math"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Axis says over which synapses a normalisation sums.
type Axis uint8

const (
	// Total: all synapses of the projection (the reference's constant
	// summation of synaptic weights, S).
	Total Axis = iota
	// FanIn: the synapses into each postsynaptic neuron, a column (the
	// reference's constant summation of linear coefficients, C).
	FanIn
	// FanOut: the synapses of each presynaptic terminal, a row (the
	// reference's constant summation of axon utilisations, U).
	FanOut
)

func (a Axis) String() string {
	switch a {
	case Total:
		return "total"
	case FanIn:
		return "fan-in"
	case FanOut:
		return "fan-out"
	}
	return fmt.Sprintf("Axis(%d)", uint8(a))
}

// Normalizer keeps the weights of every group of synapses (all of them,
// each column, or each row, by Axis) summing to Target, inside Bounds.
//
// Each group of n weights is rescaled about the lower bound m = Bounds.Min,
//
//	w ← m + (w − m)·s,  s = (Target − m·n) / Σ(w − m),
//
// which keeps the weights' proportions above m and makes Σw = Target. The
// reference's two failures are fixed:
//   - Σ(w − m) = 0 (every weight at m): the excess Target − m·n is spread
//     equally, w = Target/n;
//   - s > 1 can push weights above Max: those are clipped to Max and the
//     others rescaled again to make up the difference, until none exceeds
//     Max (each pass fixes at least one more weight at Max; one or two
//     passes usually suffice). The result is the unique
//     w = min(Max, m + (w − m)·s) with Σw = Target — or, when even every
//     weight above m held at Max leaves the sum short, those at Max and
//     the weights at m sharing what is missing equally.
//
// Weights are first clipped into Bounds. A group whose target is out of
// reach — Target outside [n·Min, n·Max] — is an error naming it; a group
// without synapses (a column nobody projects to) is left alone. Min must
// be finite (it is the fixed point of the rescaling); Max may be +Inf.
//
// A Normalizer may be reused for every plasticity update of a projection:
// it keeps its scratch space (25 bytes per column, for FanIn only) and allocates nothing after the first call.
type Normalizer struct {
	Axis   Axis
	Target float64
	Bounds Bounds

	// FanIn scratch, per column.
	sum, scale []float64
	n, fixed   []int32
	state      []uint8
}

// Normalize applies a normalisation once (see Normalizer).
func Normalize(c *CSR, axis Axis, target float64, b Bounds) error {
	nz := Normalizer{Axis: axis, Target: target, Bounds: b}
	return nz.Apply(c)
}

// Validate checks the normaliser's settings.
func (nz *Normalizer) Validate() error {
	if nz.Axis > FanOut {
		return fmt.Errorf("synapse: normalisation axis %d: must be Total, FanIn or FanOut", nz.Axis)
	}
	if math.IsNaN(nz.Target) || math.IsInf(nz.Target, 0) {
		return fmt.Errorf("synapse: %s normalisation: Target = %g: must be finite", nz.Axis, nz.Target)
	}
	if err := nz.Bounds.Validate(); err != nil {
		return err
	}
	if math.IsInf(float64(nz.Bounds.Min), 0) {
		return fmt.Errorf("synapse: %s normalisation: Bounds.Min = %g: must be finite (weights are rescaled about it)", nz.Axis, nz.Bounds.Min)
	}
	return nil
}

// Apply normalises c's weights in place.
func (nz *Normalizer) Apply(c *CSR) error {
	if err := nz.Validate(); err != nil {
		return err
	}
	nz.Bounds.Clip(c.W)
	switch nz.Axis {
	case Total:
		if err := nz.group(c.W); err != nil {
			return fmt.Errorf("synapse: total normalisation: %w", err)
		}
	case FanOut:
		for r := 0; r < c.Rows; r++ {
			if err := nz.group(c.W[c.Ptr[r]:c.Ptr[r+1]]); err != nil {
				return fmt.Errorf("synapse: fan-out normalisation: row %d: %w", r, err)
			}
		}
	case FanIn:
		return nz.columns(c)
	}
	return nil
}

// reach reports an error when n weights in bounds cannot sum to target.
func (nz *Normalizer) reach(n int) error {
	lo := float64(n) * float64(nz.Bounds.Min)
	hi := float64(n) * float64(nz.Bounds.Max)
	if nz.Target < lo || nz.Target > hi {
		return fmt.Errorf("%d synapses in [%g, %g] sum to between %g and %g: Target = %g is out of reach", n, nz.Bounds.Min, nz.Bounds.Max, lo, hi, nz.Target)
	}
	return nil
}

// group normalises one group of weights, already within bounds.
func (nz *Normalizer) group(w []float32) error {
	if len(w) == 0 {
		return nil
	}
	if err := nz.reach(len(w)); err != nil {
		return err
	}
	m, hi := float64(nz.Bounds.Min), nz.Bounds.Max
	for pass := 0; ; pass++ {
		// From the second pass on, weights at Max stay there.
		var sum float64
		nfree, fixed := 0, 0
		for _, x := range w {
			if pass > 0 && x == hi {
				fixed++
				continue
			}
			sum += float64(x) - m
			nfree++
		}
		if nfree == 0 {
			return nil
		}
		excess := nz.Target - float64(float64(fixed)*float64(hi)) - float64(m*float64(nfree))
		if sum <= 0 { // every free weight at m: spread equally
			v := float32(m + excess/float64(nfree))
			for i, x := range w {
				if pass == 0 || x != hi {
					w[i] = min(v, hi)
				}
			}
			return nil
		}
		s := excess / sum
		clipped := false
		for i, x := range w {
			if pass > 0 && x == hi {
				continue
			}
			y := m + float64((float64(x)-m)*s)
			if y >= float64(hi) {
				y = float64(hi)
				clipped = true
			}
			w[i] = float32(y)
		}
		if !clipped {
			return nil
		}
	}
}

// Column states of the FanIn passes.
const (
	colDone    uint8 = iota // empty, or its sum is reached
	colScale                // free weights rescaled by scale[j]
	colSpread               // free weights all at Min: set to scale[j]
	colClipped              // rescaled, and some weight hit Max: another pass
)

// columns is FanIn: the passes of group, for all columns at once, walking
// the synapses in storage order (two sweeps a pass).
func (nz *Normalizer) columns(c *CSR) error {
	cols := c.Cols
	if cap(nz.sum) < cols {
		nz.sum, nz.scale = make([]float64, cols), make([]float64, cols)
		nz.n, nz.fixed = make([]int32, cols), make([]int32, cols)
		nz.state = make([]uint8, cols)
	}
	sum, scale, cnt, fixed, state := nz.sum[:cols], nz.scale[:cols], nz.n[:cols], nz.fixed[:cols], nz.state[:cols]
	idx := c.Idx
	w := c.W[:len(idx)]
	clear(cnt)
	for _, j := range idx {
		cnt[j]++
	}
	for j, n := range cnt {
		state[j] = colDone
		if n > 0 {
			if err := nz.reach(int(n)); err != nil {
				return fmt.Errorf("synapse: fan-in normalisation: column %d: %w", j, err)
			}
			state[j] = colScale
		}
	}
	m, hi := float64(nz.Bounds.Min), nz.Bounds.Max
	for pass := 0; ; pass++ {
		// From the second pass on, weights at Max stay there.
		clear(sum)
		clear(fixed)
		for k, j := range idx {
			if state[j] == colDone {
				continue
			}
			if pass > 0 && w[k] == hi {
				fixed[j]++
			} else {
				sum[j] += float64(w[k]) - m
			}
		}
		for j := range state {
			if state[j] == colDone {
				continue
			}
			nfree := float64(cnt[j] - fixed[j])
			if nfree == 0 {
				state[j] = colDone
				continue
			}
			excess := nz.Target - float64(float64(fixed[j])*float64(hi)) - float64(m*nfree)
			if sum[j] <= 0 {
				state[j], scale[j] = colSpread, min(m+excess/nfree, float64(hi))
			} else {
				state[j], scale[j] = colScale, excess/sum[j]
			}
		}
		clipped := false
		for k, j := range idx {
			st := state[j]
			if st == colDone || (pass > 0 && w[k] == hi) {
				continue
			}
			if st == colSpread {
				w[k] = float32(scale[j])
				continue
			}
			y := m + float64((float64(w[k])-m)*scale[j])
			if y >= float64(hi) {
				y = float64(hi)
				state[j] = colClipped
				clipped = true
			}
			w[k] = float32(y)
		}
		if !clipped {
			return nil
		}
		for j, st := range state {
			if st == colClipped {
				state[j] = colScale
			} else {
				state[j] = colDone
			}
		}
	}
}
