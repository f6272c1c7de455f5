package connectivity

import (
	"fmt"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// BuildPart builds the synapses of p that end on the columns cols —
// ascending, disjoint, non-empty ranges [lo, hi) — exactly those that
// Build(s, key) gives, in the same order, with the columns keeping their
// numbers (the CSR is Rows×Cols as the whole, its other columns empty). A
// process that owns some of a projection's target neurons builds their
// synapses so, and no other.
//
// With origin, it also returns where each synapse lies in the whole
// (synapse.Origin), which values drawn per row of the whole (weights and
// delays from distributions) need in order to be drawn for the part alone;
// without, the Origin is nil.
//
// The cost depends on how the pattern draws (a part without columns
// draws nothing):
//   - FixedInDegree draws every column from its own stream: a part draws
//     only its own columns (time and memory in proportion to the part),
//     unless an origin is asked for: then every column is drawn and
//     counted, but only the part's are kept (the time of the whole, the
//     memory of the part plus a count per row and core).
//   - Every other pattern is drawn whole and the part's columns are kept:
//     the time of the whole, and while a projection is drawn its whole
//     structure (4 bytes per synapse) besides the part. Row-drawn
//     patterns (FixedOutDegree, Bernoulli) and the globally drawn
//     FixedTotal cannot know a column's synapses without drawing all
//     rows, as in NEST, whose ranks draw out-degree connections whole and
//     keep their own.
func BuildPart(p Pattern, s Shape, key rng.Key, cols [][2]int, origin bool) (*synapse.CSR, *synapse.Origin, error) {
	sp, err := validated(p, s)
	if err != nil {
		return nil, nil, err
	}
	inside, err := synapse.ColumnMask(cols, s.Cols)
	if err != nil {
		return nil, nil, fmt.Errorf("connectivity: %w", err)
	}
	if len(cols) == 0 {
		// No column: nothing to draw. The origin places nothing (its
		// rows are empty: the whole's are not known, and not needed).
		c := &synapse.CSR{Rows: s.Rows, Cols: s.Cols, Ptr: make([]uint32, s.Rows+1), Idx: []uint32{}, W: []float32{}}
		var o *synapse.Origin
		if origin {
			o = &synapse.Origin{Ptr: c.Ptr, At: []uint32{}}
		}
		return c, o, nil
	}
	if fi, ok := p.(FixedInDegree); ok {
		ptr, idx, o := fi.part(sp, key, inside, origin)
		c := &synapse.CSR{Rows: s.Rows, Cols: s.Cols, Ptr: ptr, Idx: idx, W: make([]float32, len(idx))}
		return c, o, nil
	}
	ptr, idx, err := structureOf(p, s, key)
	if err != nil {
		return nil, nil, err
	}
	whole := &synapse.CSR{Rows: s.Rows, Cols: s.Cols, Ptr: ptr, Idx: idx}
	c, o, err := whole.Keep(cols)
	if err != nil {
		return nil, nil, err
	}
	if !origin {
		o = nil
	}
	return c, o, nil
}

// column draws the k rows of column j into out (see structure).
func (p FixedInDegree) column(sp space, key rng.Key, j int, seen bitset, out []uint32) []uint32 {
	w := newWords(key, uint64(j))
	n := sp.colRows()
	if p.Multapses {
		for range p.K {
			out = append(out, w.below(uint32(n)))
		}
	} else {
		out = floyd(&w, n, p.K, seen, out)
		seen.clearAll(out)
	}
	if sp.excl { // skip the rows of neuron j
		lo, t := uint32(j*sp.t), uint32(sp.t)
		for q := range out {
			if out[q] >= lo {
				out[q] += t
			}
		}
	}
	return out
}

// part builds the columns marked inside, as structure builds them, and
// with origin where they lie in the whole (see BuildPart).
func (p FixedInDegree) part(sp space, key rng.Key, inside []bool, origin bool) (ptr, idx []uint32, o *synapse.Origin) {
	k := p.K
	var cols []int // the part's columns, ascending
	for j, in := range inside {
		if in {
			cols = append(cols, j)
		}
	}
	drawn := make([]uint32, k*len(cols))
	newSeen := func() bitset {
		if p.Multapses {
			return nil
		}
		return newBitset(sp.colRows())
	}
	var (
		pos    []uint32   // with origin: each drawn row's place among its block's entries of that row
		counts [][]uint32 // with origin: per block of all columns, its entries per row
		blocks int
	)
	if !origin {
		// Only the part's columns, each from its own stream.
		eachBlock(len(cols), parallelBlocks(len(cols), k), func(_, lo, hi int) {
			seen := newSeen()
			for q := lo; q < hi; q++ {
				p.column(sp, key, cols[q], seen, drawn[q*k:q*k:(q+1)*k])
			}
		})
	} else {
		// Every column is drawn and counted, in the blocks of structure,
		// so that the whole's row pointers and each part entry's place in
		// its row are known; only the part's columns are kept.
		pos = make([]uint32, len(drawn))
		blocks = parallelBlocks(sp.cols, k)
		counts = make([][]uint32, blocks)
		eachBlock(sp.cols, blocks, func(b, lo, hi int) {
			seen := newSeen()
			c := make([]uint32, sp.rows)
			buf := make([]uint32, 0, k)
			q := firstAtLeast(cols, lo)
			for j := lo; j < hi; j++ {
				col := p.column(sp, key, j, seen, buf[:0])
				if q < len(cols) && cols[q] == j {
					copy(drawn[q*k:], col)
					for i, r := range col {
						pos[q*k+i] = c[r]
						c[r]++
					}
					q++
					continue
				}
				for _, r := range col {
					c[r]++
				}
			}
			counts[b] = c
		})
	}
	// The part's rows: counted, then filled column by column (ascending).
	ptr = make([]uint32, sp.rows+1)
	for _, r := range drawn {
		ptr[r+1]++
	}
	prefix(ptr)
	idx = make([]uint32, len(drawn))
	fill := append([]uint32(nil), ptr[:sp.rows]...)
	if !origin {
		for q, j := range cols {
			for _, r := range drawn[q*k : (q+1)*k] {
				idx[fill[r]] = uint32(j)
				fill[r]++
			}
		}
		return ptr, idx, nil
	}
	// The whole's row pointers, and each block's first entry in each row.
	whole := make([]uint32, sp.rows+1)
	for r := 0; r < sp.rows; r++ {
		at := whole[r]
		for _, c := range counts {
			at, c[r] = at+c[r], at
		}
		whole[r+1] = at
	}
	o = &synapse.Origin{Ptr: whole, At: make([]uint32, len(drawn))}
	b := 0
	for q, j := range cols {
		for (b+1)*sp.cols/blocks <= j {
			b++
		}
		for i, r := range drawn[q*k : (q+1)*k] {
			s := fill[r]
			idx[s] = uint32(j)
			o.At[s] = counts[b][r] + pos[q*k+i]
			fill[r]++
		}
	}
	return ptr, idx, o
}

// firstAtLeast returns the index of the first element of the ascending xs
// at least x (len(xs) when none is).
func firstAtLeast(xs []int, x int) int {
	lo, hi := 0, len(xs)
	for lo < hi {
		m := (lo + hi) / 2
		if xs[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
