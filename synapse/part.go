package synapse

import "fmt"

// Origin records where the synapses of a part of a CSR (see Keep) lie in
// the whole CSR, so that values drawn for the whole — row r's weights and
// delays from row r's own stream, in order — can be drawn for the part
// alone and come out the same: a part's row replays its whole row's draws
// and keeps its own. Rows without a synapse in the part draw nothing, so a
// part costs the draws of the rows it touches.
type Origin struct {
	// Ptr is the whole CSR's row pointers: row r held Ptr[r+1] − Ptr[r]
	// synapses, the first at index Ptr[r].
	Ptr []uint32
	// At gives, per synapse of the part (CSR order), its index in the
	// whole.
	At []uint32
}

// Len returns the number of synapses of the whole.
func (o *Origin) Len() int { return int(o.Ptr[len(o.Ptr)-1]) }

// rowLen returns the length of row r in the whole.
func (o *Origin) rowLen(r int) int { return int(o.Ptr[r+1] - o.Ptr[r]) }

// Pick copies, for every synapse k of the part, whole[At[k]] into part[k]:
// the part's share of values given per synapse of the whole, in CSR order.
func Pick[T any](o *Origin, part, whole []T) {
	for k, at := range o.At {
		part[k] = whole[at]
	}
}

// pickRow copies the part's synapses of row r, which start at index a of
// the part, from row, the whole row's values.
func pickRow[T any](o *Origin, r int, a uint32, part, row []T) {
	base := o.Ptr[r]
	for i := range part {
		part[i] = row[o.At[int(a)+i]-base]
	}
}

// Keep returns the part of c whose columns lie in cols — ascending,
// disjoint, non-empty ranges [lo, hi) of columns — with the columns
// keeping their numbers (Cols is unchanged, the other columns are simply
// empty), and where its synapses lie in c. Only the structure (Ptr, Idx) is
// taken: the part's weights (zero) and delays are to be set afterwards,
// with InitWeightsPart and InitDelaysPart, which draw what the whole would
// have drawn for them. A part's rows keep the order of c's, so the part of
// a row delivers in the same order as in c.
func (c *CSR) Keep(cols [][2]int) (*CSR, *Origin, error) {
	inside, err := ColumnMask(cols, c.Cols)
	if err != nil {
		return nil, nil, err
	}
	n := 0
	for _, j := range c.Idx {
		if inside[j] {
			n++
		}
	}
	out := &CSR{Rows: c.Rows, Cols: c.Cols, Ptr: make([]uint32, c.Rows+1), Idx: make([]uint32, 0, n), W: make([]float32, n)}
	o := &Origin{Ptr: c.Ptr, At: make([]uint32, 0, n)}
	for r := 0; r < c.Rows; r++ {
		for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
			if j := c.Idx[k]; inside[j] {
				out.Idx = append(out.Idx, j)
				o.At = append(o.At, k)
			}
		}
		out.Ptr[r+1] = uint32(len(out.Idx))
	}
	return out, o, nil
}

// CheckRanges checks ranges [lo, hi) of n columns (or neurons): ascending,
// disjoint, non-empty, within [0, n).
func CheckRanges(ranges [][2]int, n int) error {
	at := 0
	for _, r := range ranges {
		if r[0] < at || r[1] <= r[0] || r[1] > n {
			return fmt.Errorf("ranges %v: want ascending, disjoint, non-empty ranges within [0, %d)", ranges, n)
		}
		at = r[1]
	}
	return nil
}

// ColumnMask checks column ranges (CheckRanges) and returns which of the n
// columns they hold.
func ColumnMask(cols [][2]int, n int) ([]bool, error) {
	if err := CheckRanges(cols, n); err != nil {
		return nil, fmt.Errorf("synapse: column %w", err)
	}
	inside := make([]bool, n)
	for _, r := range cols {
		for j := r[0]; j < r[1]; j++ {
			inside[j] = true
		}
	}
	return inside, nil
}

// check reports whether o describes a part of c's shape.
func (o *Origin) check(c *CSR) error {
	if o == nil {
		return nil
	}
	if len(o.Ptr) != c.Rows+1 || len(o.At) != len(c.Idx) {
		return fmt.Errorf("synapse: origin of %d rows and %d synapses for a CSR of %d rows and %d synapses", len(o.Ptr)-1, len(o.At), c.Rows, len(c.Idx))
	}
	return nil
}
