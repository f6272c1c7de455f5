package synapse

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// Bounds are hard limits on the weights of a projection: every weight is
// kept in [Min, Max]. An infinite limit is no limit.
type Bounds struct {
	Min, Max float32
}

// Unbounded returns bounds that set no limits.
func Unbounded() Bounds { return Bounds{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))} }

// Validate checks Min <= Max and that neither is NaN.
func (b Bounds) Validate() error {
	if b.Min != b.Min || b.Max != b.Max || b.Min > b.Max {
		return fmt.Errorf("synapse: weight bounds [%g, %g]: need Min <= Max", b.Min, b.Max)
	}
	return nil
}

// Clip moves every weight of w into [Min, Max] and returns how many it
// moved.
func (b Bounds) Clip(w []float32) int {
	n := 0
	for i, x := range w {
		if x < b.Min {
			w[i] = b.Min
			n++
		} else if x > b.Max {
			w[i] = b.Max
			n++
		}
	}
	return n
}

// InitWeights sets the weights from v, then clips them to b:
//   - a constant (param.Const): every synapse;
//   - an array (param.Array): one value per synapse, in CSR order (row by
//     row, columns ascending);
//   - a distribution (param.Uniform, param.Normal, param.Dist with any
//     gonum distribution): row r draws its synapses in order from
//     key.Stream(r), so a row's weights depend only on the key, the row and
//     the row's synapses.
//
// Non-finite values are an error (for a distribution, the first row that
// draws one is named). W is allocated if it does not have Len() elements.
// A large CSR's rows are drawn on several goroutines (one per core, each a
// contiguous block of rows): the weights are the same.
func (c *CSR) InitWeights(v param.Value, b Bounds, key rng.Key) error {
	return c.InitWeightsPart(v, b, key, nil)
}

// InitWeightsPart is InitWeights for a part of a projection (Keep): every
// synapse gets the weight it has in the whole, o saying where it lies
// there (an array's value at that index; a distribution's draw at that
// place of its row, the row's draws replayed). A nil o is the whole.
func (c *CSR) InitWeightsPart(v param.Value, b Bounds, key rng.Key, o *Origin) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if err := o.check(c); err != nil {
		return err
	}
	if len(c.W) != len(c.Idx) {
		c.W = make([]float32, len(c.Idx))
	}
	c.clipped = 0
	const name = "weight"
	switch x, isConst := v.IsConst(); {
	case isConst:
		if _, err := v.Scalar(name); err != nil {
			return err
		}
		for i := range c.W {
			c.W[i] = float32(x)
		}
	case isArray(v) && o != nil && len(c.Idx) == 0:
		// A part without synapses takes none of the array.
	case isArray(v):
		w := c.W
		if o != nil {
			w = make([]float32, o.Len())
		}
		if err := v.ExpandInto(w, name, nil); err != nil {
			return fmt.Errorf("synapse: %w (one value per synapse, in CSR order)", err)
		}
		if o != nil {
			Pick(o, c.W, w)
		}
	default:
		return c.drawWeights(v, b, key, o)
	}
	c.clipped = int64(b.Clip(c.W))
	return nil
}

// rowBlock is the number of synapses worth a goroutine of their own in
// eachRowBlock.
const rowBlock = 1 << 16

// rowBlocks returns the number of blocks eachRowBlock cuts the rows into.
func (c *CSR) rowBlocks() int {
	if n := len(c.Idx); n >= 2*rowBlock {
		return max(1, min(runtime.GOMAXPROCS(0), n/rowBlock, c.Rows))
	}
	return 1
}

// drawWeights draws the weights of every row from its own stream, in
// place, and clips each row as it is drawn (while it is in cache), the
// rows cut into blocks by eachRowBlock. With an origin o, each row draws
// its whole row's weights and keeps its own.
func (c *CSR) drawWeights(v param.Value, b Bounds, key rng.Key, o *Origin) error {
	var scratch [][]float32
	if o != nil {
		scratch = make([][]float32, c.rowBlocks()) // per block, reused row after row
	}
	clipped := make([]int64, c.rowBlocks()) // per block: no sharing
	defer func() {
		for _, n := range clipped {
			c.clipped += n
		}
	}()
	return c.eachRowBlock(func(blk, r int) error {
		w := c.W[c.Ptr[r]:c.Ptr[r+1]]
		dst := w
		if o != nil {
			scratch[blk] = resize(scratch[blk], o.rowLen(r))
			dst = scratch[blk]
		}
		if err := v.ExpandInto(dst, "weight", key.Stream(uint64(r))); err != nil {
			return fmt.Errorf("synapse: row %d: %w", r, err)
		}
		if o != nil {
			pickRow(o, r, c.Ptr[r], w, dst)
		}
		clipped[blk] += int64(b.Clip(w))
		return nil
	})
}

// resize returns s with length n, reallocated only when too short.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// eachRowBlock calls f(k, r) for every row r with synapses, the rows cut
// into blocks k of about equal synapse counts, one per core (one block for
// a small CSR), each block on its own goroutine, its rows in order. f must
// touch only its row's synapses (and what belongs to its block). Each block stops at its first error, and the
// error of the first block that has one — that of the first bad row
// overall — is returned.
func (c *CSR) eachRowBlock(f func(k, r int) error) error {
	blocks := c.rowBlocks()
	errs := make([]error, blocks)
	run := func(k int) {
		// Rows [lo, hi): those whose first synapse falls in the block's
		// share of the synapses.
		n := uint64(len(c.Idx))
		lo := rowAt(c.Ptr[:c.Rows], uint32(uint64(k)*n/uint64(blocks)))
		hi := c.Rows
		if k+1 < blocks {
			hi = rowAt(c.Ptr[:c.Rows], uint32(uint64(k+1)*n/uint64(blocks)))
		}
		for r := lo; r < hi; r++ {
			if c.Ptr[r] == c.Ptr[r+1] {
				continue
			}
			if err := f(k, r); err != nil {
				errs[k] = err
				return
			}
		}
	}
	if blocks == 1 {
		run(0)
	} else {
		var wg sync.WaitGroup
		for k := range blocks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(k)
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// InitUniform sets every weight to the constant v, clipped to b, in
// compact form (as Compact leaves it): the per-synapse array is dropped
// without being written, so a large CSR whose weights are all equal never
// holds them one by one. It reports false, changing nothing, when v is not
// a constant (use InitWeights). A CSR without synapses is left as
// InitWeights and Compact would leave it: not uniform, no weights.
func (c *CSR) InitUniform(v param.Value, b Bounds) (bool, error) {
	x, ok := v.IsConst()
	if !ok {
		return false, nil
	}
	if err := b.Validate(); err != nil {
		return true, err
	}
	if _, err := v.Scalar("weight"); err != nil {
		return true, err
	}
	if len(c.Idx) == 0 {
		c.W = c.W[:0]
		return true, nil
	}
	w := []float32{float32(x)}
	c.clipped = 0
	if b.Clip(w) > 0 {
		c.clipped = int64(len(c.Idx))
	}
	c.uniform, c.w0, c.W = true, w[0], nil
	return true, nil
}

// InitWeightsDense sets the weights from a dense row-major Rows×Cols
// matrix: synapse (r, j) gets m[r·Cols+j] (multapses of a pair share its
// value), then clips them to b. Entries for absent pairs are ignored.
func (c *CSR) InitWeightsDense(m []float32, b Bounds) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if len(m) != c.Rows*c.Cols {
		return fmt.Errorf("synapse: dense weights: %d values, want Rows·Cols = %d·%d = %d", len(m), c.Rows, c.Cols, c.Rows*c.Cols)
	}
	if len(c.W) != len(c.Idx) {
		c.W = make([]float32, len(c.Idx))
	}
	for r := 0; r < c.Rows; r++ {
		mr := m[r*c.Cols : (r+1)*c.Cols]
		for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
			x := mr[c.Idx[k]]
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("synapse: dense weights: w[%d, %d] = %g: must be finite", r, c.Idx[k], x)
			}
			c.W[k] = x
		}
	}
	b.Clip(c.W)
	return nil
}

// rowAt returns the first row whose first synapse is at or after s
// (len(ptr) when none is): rows that start at the same place (empty ones)
// fall in the same block.
func rowAt(ptr []uint32, s uint32) int {
	r, _ := slices.BinarySearch(ptr, s)
	return r
}

func isArray(v param.Value) bool {
	_, ok := v.Len()
	return ok
}
