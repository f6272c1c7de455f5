package synapse

import (
	"fmt"
	"math"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// CSR is a projection's synapses in compressed sparse rows. Row r is a
// presynaptic terminal (neuron i, terminal k: r = i·Terminals+k); its
// synapses are Idx[Ptr[r]:Ptr[r+1]] (postsynaptic neuron indices, ascending
// within a row unless multapses repeat them) with weights W[...].
// Eight bytes per synapse plus four per row; synapses with delays of
// their own (InitDelays) add one byte each (D8) or two (D).
type CSR struct {
	Rows int       `state:"-"`
	Cols int       `state:"-"`
	Ptr  []uint32  `state:"-"`
	Idx  []uint32  `state:"-"`
	W    []float32 `state:"-"`
	// D8 or D holds each synapse's own delay in steps (added to the
	// axon's) when the CSR has synaptic delays that differ (see
	// InitDelays): D8 when all fit in a byte (at most 255 steps), else D.
	// Both nil otherwise (see UniformDelay).
	D  []uint16 `state:"-"`
	D8 []uint8  `state:"-"`

	// delayed: InitDelays gave the synapses delays; d0 is the common one
	// when D is nil.
	delayed bool   `state:"-"`
	d0      uint16 `state:"-"`

	// uniform: every synapse has weight w0 and W is nil (see Compact).
	uniform bool    `state:"-"`
	w0      float32 `state:"-"`
	// released: Idx and W were dropped (Release); Ptr still counts.
	released bool `state:"-"`
	// clipped counts the initial weights that InitWeights or
	// InitWeightsPart set to a bound (ClippedAtInit).
	clipped int64 `state:"-"`
}

// ClippedAtInit returns how many of the weights the last InitWeights or
// InitWeightsPart drew or was given outside its bounds, and set to the
// bound: a model whose initial weights are not what it says.
func (c *CSR) ClippedAtInit() int64 { return c.clipped }

// Compact drops W when every synapse has the same weight, keeping that one
// value: 4 bytes per synapse instead of 8, and deliveries that read half
// the memory. Only for weights that will not change (static projections);
// W is nil afterwards. It reports whether the CSR was compacted.
func (c *CSR) Compact() bool {
	if c.uniform {
		return true
	}
	if len(c.W) == 0 {
		return false
	}
	w0 := c.W[0]
	for _, w := range c.W {
		if w != w0 || w != w {
			return false
		}
	}
	c.uniform, c.w0, c.W = true, w0, nil
	return true
}

// Expand undoes Compact: W holds the common weight again for every
// synapse (for code that must change or gate weights one by one).
func (c *CSR) Expand() {
	if !c.uniform {
		return
	}
	c.W = make([]float32, len(c.Idx))
	for k := range c.W {
		c.W[k] = c.w0
	}
	c.uniform = false
}

// Weight returns the weight of synapse k.
func (c *CSR) Weight(k int) float32 {
	if c.uniform {
		return c.w0
	}
	return c.W[k]
}

// Columns returns the part of c whose columns lie in [lo, hi), with
// columns renumbered from 0 and weights copied (a compacted CSR gives a
// compacted part). Because columns ascend within each row, the part of a
// row is a contiguous run of it, kept in the same order, so deliveries add
// in the same order as on the whole.
func (c *CSR) Columns(lo, hi int) *CSR {
	out := &CSR{Rows: c.Rows, Cols: hi - lo, Ptr: make([]uint32, c.Rows+1), uniform: c.uniform, w0: c.w0,
		delayed: c.delayed, d0: c.d0}
	// Count first, so that the copy holds exactly its synapses (growing
	// it by appending would leave up to a quarter unused).
	n := 0
	for _, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			n++
		}
	}
	out.Idx = make([]uint32, 0, n)
	if !c.uniform {
		out.W = make([]float32, 0, n)
	}
	if c.D != nil {
		out.D = make([]uint16, 0, n)
	}
	if c.D8 != nil {
		out.D8 = make([]uint8, 0, n)
	}
	for r := 0; r < c.Rows; r++ {
		for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
			if j := int(c.Idx[k]); j >= lo && j < hi {
				out.Idx = append(out.Idx, uint32(j-lo))
				if !c.uniform {
					out.W = append(out.W, c.W[k])
				}
				if c.D != nil {
					out.D = append(out.D, c.D[k])
				}
				if c.D8 != nil {
					out.D8 = append(out.D8, c.D8[k])
				}
			}
		}
		out.Ptr[r+1] = uint32(len(out.Idx))
	}
	return out
}

// Uniform returns the common weight of a compacted CSR.
func (c *CSR) Uniform() (float32, bool) { return c.w0, c.uniform }

// Memory returns the bytes held by the CSR's arrays (their capacity):
// 8 per synapse (index and weight), 1 or 2 more with delays that differ
// per synapse, and 4 per row.
func (c *CSR) Memory() int {
	return 4*(cap(c.Ptr)+cap(c.Idx)+cap(c.W)) + 2*cap(c.D) + cap(c.D8)
}

// BytesPerSynapse returns Memory() / Len() (0 without synapses).
func (c *CSR) BytesPerSynapse() float64 {
	if len(c.Idx) == 0 {
		return 0
	}
	return float64(c.Memory()) / float64(len(c.Idx))
}

// Len returns the number of synapses.
func (c *CSR) Len() int {
	if c.released {
		return int(c.Ptr[c.Rows])
	}
	return len(c.Idx)
}

// Release drops the synapses' targets and weights, keeping the row
// pointers (so Len still counts them): for a network whose synapses live
// in shards' copies (see package shard), so that they are not held twice.
// A released CSR cannot deliver or be read; Released reports it.
func (c *CSR) Release() {
	if len(c.Ptr) != c.Rows+1 {
		return
	}
	c.Idx, c.W, c.D, c.D8, c.released = nil, nil, nil, nil, true
}

// Released reports whether Release dropped the synapses.
func (c *CSR) Released() bool { return c.released }

// Row returns the postsynaptic indices and weights of row r.
func (c *CSR) Row(r int) ([]uint32, []float32) {
	a, b := c.Ptr[r], c.Ptr[r+1]
	if c.uniform {
		return c.Idx[a:b], nil
	}
	return c.Idx[a:b], c.W[a:b]
}

// Validate checks the structure.
func (c *CSR) Validate() error {
	if len(c.Ptr) != c.Rows+1 {
		return fmt.Errorf("csr: %d row pointers for %d rows", len(c.Ptr), c.Rows)
	}
	nw := len(c.Idx)
	if c.uniform {
		nw = 0
	}
	if c.Ptr[0] != 0 || int(c.Ptr[c.Rows]) != len(c.Idx) || len(c.W) != nw {
		return fmt.Errorf("csr: inconsistent lengths (ptr end %d, idx %d, w %d)", c.Ptr[c.Rows], len(c.Idx), len(c.W))
	}
	if c.D != nil && len(c.D) != len(c.Idx) || c.D8 != nil && len(c.D8) != len(c.Idx) || c.D != nil && c.D8 != nil {
		return fmt.Errorf("csr: %d + %d delays for %d synapses", len(c.D), len(c.D8), len(c.Idx))
	}
	for r := 0; r < c.Rows; r++ {
		if c.Ptr[r] > c.Ptr[r+1] {
			return fmt.Errorf("csr: row %d pointers decrease", r)
		}
	}
	for k, j := range c.Idx {
		if int(j) >= c.Cols {
			return fmt.Errorf("csr: synapse %d targets %d, only %d columns", k, j, c.Cols)
		}
	}
	return nil
}

// Deliver adds scale·w of every synapse of row r into into[post].
func (c *CSR) Deliver(r int, scale float32, into []float32) {
	a, b := c.Ptr[r], c.Ptr[r+1]
	idx := c.Idx[a:b]
	if c.uniform {
		x := float32(scale * c.w0)
		for _, j := range idx {
			into[j] += x
		}
		return
	}
	w := c.W[a:b:b]
	w = w[:len(idx)]
	if scale == 1 {
		for k, j := range idx {
			into[j] += w[k]
		}
		return
	}
	for k, j := range idx {
		into[j] += float32(scale * w[k])
	}
}

// DeliverFixed is Deliver into fixed-point sums (dendrite.Spec.Fixed):
// each synapse j of row r adds round(float32(scale × w_j)·2³²), ties to
// even, into into[j], and lists off + j in touched when into[j] was 0
// (dendrite.AddFixed); it returns touched.
func (c *CSR) DeliverFixed(r int, scale float32, into []int64, touched []int32, off int32) []int32 {
	a, b := c.Ptr[r], c.Ptr[r+1]
	idx := c.Idx[a:b]
	if c.uniform {
		x := toFixed(float32(scale * c.w0))
		for _, j := range idx {
			if into[j] == 0 {
				touched = append(touched, off+int32(j))
			}
			into[j] += x
		}
		return touched
	}
	w := c.W[a:b:b]
	w = w[:len(idx)]
	for k, j := range idx {
		if into[j] == 0 {
			touched = append(touched, off+int32(j))
		}
		into[j] += toFixed(float32(scale * w[k]))
	}
	return touched
}

// toFixed is dendrite.ToFixed (which this package cannot import).
func toFixed(x float32) int64 { return int64(math.RoundToEven(float64(x) * (1 << 32))) }

// Touch reads one index per cache line of row r and returns their sum
// (for the caller to keep, so that the reads stay): called for every row
// of a batch of events before delivering them, it makes the rows' cache
// misses overlap instead of following one another.
func (c *CSR) Touch(r int) uint32 {
	if c.released {
		return 0
	}
	a, b := c.Ptr[r], c.Ptr[r+1]
	var s uint32
	for k := a; k < b; k += 16 {
		s += c.Idx[k]
	}
	return s
}

// Transpose returns, for each column j, the synapse indices (positions in
// Idx/W) that target it, and the row of each of those synapses, in
// ascending row order: the column view that plasticity needs on a
// postsynaptic spike.
func (c *CSR) Transpose() (colPtr []uint32, synIdx []uint32, synRow []uint32) {
	colPtr = make([]uint32, c.Cols+1)
	for _, j := range c.Idx {
		colPtr[j+1]++
	}
	for j := 0; j < c.Cols; j++ {
		colPtr[j+1] += colPtr[j]
	}
	fill := make([]uint32, c.Cols)
	copy(fill, colPtr[:c.Cols])
	synIdx = make([]uint32, len(c.Idx))
	synRow = make([]uint32, len(c.Idx))
	for r := 0; r < c.Rows; r++ {
		for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
			j := c.Idx[k]
			synIdx[fill[j]] = k
			synRow[fill[j]] = uint32(r)
			fill[j]++
		}
	}
	return colPtr, synIdx, synRow
}
