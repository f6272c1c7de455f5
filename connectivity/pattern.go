package connectivity

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// Shape is the projection a pattern is built for.
type Shape struct {
	// Rows is the number of presynaptic terminals: presynaptic neurons ×
	// Terminals. Row r belongs to presynaptic neuron r / Terminals.
	Rows int
	// Cols is the number of postsynaptic neurons.
	Cols int
	// Terminals is the number of rows per presynaptic neuron; 0 means 1.
	Terminals int
	// Self marks a projection from a population onto itself. Then Rows
	// must equal Cols·Terminals, and the rows of neuron i meeting column i
	// are autapses (self-connections).
	Self bool
	// Autapses allows autapses in a Self projection. By default (false)
	// every pattern leaves them out — while drawing, so fixed degrees stay
	// exact — and a List or OneToOne that names one is an error.
	// Meaningless when Self is false.
	Autapses bool
}

// Validate checks the shape.
func (s Shape) Validate() error {
	switch {
	case s.Rows < 0 || uint64(s.Rows) > math.MaxUint32:
		return fmt.Errorf("connectivity: Shape.Rows = %d: must lie in [0, %d]", s.Rows, uint64(math.MaxUint32))
	case s.Cols < 0 || uint64(s.Cols) > math.MaxUint32:
		return fmt.Errorf("connectivity: Shape.Cols = %d: must lie in [0, %d]", s.Cols, uint64(math.MaxUint32))
	case s.Terminals < 0:
		return fmt.Errorf("connectivity: Shape.Terminals = %d: must be >= 1 (0 means 1)", s.Terminals)
	}
	t := max(s.Terminals, 1)
	if s.Rows%t != 0 {
		return fmt.Errorf("connectivity: Shape.Rows = %d is not a multiple of Terminals = %d", s.Rows, t)
	}
	if s.Self && s.Rows != s.Cols*t {
		return fmt.Errorf("connectivity: Self projection with Rows = %d, Cols = %d, Terminals = %d: Rows must equal Cols·Terminals = %d", s.Rows, s.Cols, t, s.Cols*t)
	}
	return nil
}

// Pattern is a connectivity pattern: a rule that says which (row, column)
// pairs of a projection are synapses.
type Pattern interface {
	// Kind names the pattern, e.g. "fixed-in-degree".
	Kind() string
	// Validate checks the pattern's parameters against a shape without
	// drawing anything.
	Validate(s Shape) error
	// Build draws the synapses. The result is a pure function of (pattern,
	// shape, key). Columns ascend within each row (multapses repeat a
	// column); the weights W are allocated and zero.
	Build(s Shape, key rng.Key) (*synapse.CSR, error)
}

// space is a validated shape in the form the builders use.
type space struct {
	s          Shape
	rows, cols int
	t          int  // rows per presynaptic neuron, >= 1
	excl       bool // leave autapses out
}

func newSpace(s Shape) (space, error) {
	if err := s.Validate(); err != nil {
		return space{}, err
	}
	return space{s: s, rows: s.Rows, cols: s.Cols, t: max(s.Terminals, 1), excl: s.Self && !s.Autapses}, nil
}

// own returns the autapse column of row r (meaningful when excl).
func (sp space) own(r int) int { return r / sp.t }

// rowCols returns the number of columns row r may target.
func (sp space) rowCols() int {
	if sp.excl {
		return max(sp.cols-1, 0)
	}
	return sp.cols
}

// colRows returns the number of rows column j may receive from.
func (sp space) colRows() int {
	if sp.excl {
		return max(sp.rows-sp.t, 0)
	}
	return sp.rows
}

// pairs returns the number of pairs a pattern may connect.
func (sp space) pairs() uint64 { return uint64(sp.rows) * uint64(sp.rowCols()) }

// builder is implemented by the patterns of this package: it builds the
// structure only (no weights), so combinations do not allocate weights for
// their operands. sp is already validated; p.Validate has been called.
type builder interface {
	structure(sp space, key rng.Key) (ptr, idx []uint32, err error)
}

// build is the common Build of the patterns of this package.
func build(p interface {
	Pattern
	builder
}, s Shape, key rng.Key) (*synapse.CSR, error) {
	ptr, idx, err := structureOf(p, s, key)
	if err != nil {
		return nil, err
	}
	return &synapse.CSR{Rows: s.Rows, Cols: s.Cols, Ptr: ptr, Idx: idx, W: make([]float32, len(idx))}, nil
}

// structureOf validates p against s and builds its structure, through the
// fast path for this package's patterns and through Build for others
// (whose result is then checked: right size, columns ascending).
func structureOf(p Pattern, s Shape, key rng.Key) (ptr, idx []uint32, err error) {
	sp, err := validated(p, s)
	if err != nil {
		return nil, nil, err
	}
	if b, ok := p.(builder); ok {
		return b.structure(sp, key)
	}
	c, err := p.Build(s, key)
	if err != nil {
		return nil, nil, err
	}
	if c.Rows != s.Rows || c.Cols != s.Cols {
		return nil, nil, fmt.Errorf("connectivity: %s built %d×%d, want %d×%d", p.Kind(), c.Rows, c.Cols, s.Rows, s.Cols)
	}
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("connectivity: %s: %w", p.Kind(), err)
	}
	for r := 0; r < c.Rows; r++ {
		row, _ := c.Row(r)
		for k := 1; k < len(row); k++ {
			if row[k] < row[k-1] {
				return nil, nil, fmt.Errorf("connectivity: %s: row %d columns not ascending", p.Kind(), r)
			}
		}
	}
	return c.Ptr, c.Idx, nil
}

// validated checks the pattern p against the shape s and returns the
// shape as the builders use it.
func validated(p Pattern, s Shape) (space, error) {
	if p == nil {
		return space{}, fmt.Errorf("connectivity: nil pattern")
	}
	sp, err := newSpace(s)
	if err != nil {
		return space{}, err
	}
	if err := p.Validate(s); err != nil {
		return space{}, err
	}
	return sp, nil
}

// checkTotal reports an error when n synapses cannot be indexed by a CSR.
func checkTotal(kind string, n uint64) error {
	if n > math.MaxUint32 {
		return fmt.Errorf("connectivity: %s: %d synapses, more than the %d a CSR indexes (split the projection)", kind, n, uint64(math.MaxUint32))
	}
	return nil
}

// words hands out the 32-bit words of a counter-based stream: block
// (0, 0), (0, 1), ... of key.Sub(id), four words a block — the words of
// key.Stream(id), read one at a time so that draws below 2³² cost one word.
// The blocks are computed two at a time (rng.Key.At2, about twice the
// throughput); the words are the same.
type words struct {
	key rng.Key
	ctr uint64
	buf [8]uint32
	i   int
}

func newWords(key rng.Key, id uint64) words { return words{key: key.Sub(id), i: 8} }

func (w *words) next() uint32 {
	if w.i == 8 {
		a, b := w.key.At2(0, w.ctr)
		w.buf = [8]uint32{a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]}
		w.ctr += 2
		w.i = 0
	}
	v := w.buf[w.i]
	w.i++
	return v
}

// below returns a uniform integer in [0, n), n > 0 (Lemire's
// multiply-shift with rejection: unbiased).
func (w *words) below(n uint32) uint32 {
	p := uint64(w.next()) * uint64(n)
	if uint32(p) < n {
		t := -n % n
		for uint32(p) < t {
			p = uint64(w.next()) * uint64(n)
		}
	}
	return uint32(p >> 32)
}

func (w *words) uint64() uint64 { return uint64(w.next())<<32 | uint64(w.next()) }

// below64 is below for any n > 0.
func (w *words) below64(n uint64) uint64 {
	if n <= math.MaxUint32 {
		return uint64(w.below(uint32(n)))
	}
	hi, lo := bits.Mul64(w.uint64(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(w.uint64(), n)
		}
	}
	return hi
}

// open01 returns a uniform number in (0, 1] with 53 random bits.
func (w *words) open01() float64 {
	return float64(w.uint64()>>11+1) * (1.0 / (1 << 53))
}

// bitset is a fixed-size set of small integers.
type bitset []uint64

func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) clear(i uint32)    { b[i>>6] &^= 1 << (i & 63) }
func (b bitset) clearAll(xs []uint32) {
	for _, x := range xs {
		b.clear(x)
	}
}

// floyd draws k distinct integers uniformly from [0, n) (Floyd's
// algorithm: exactly k draws whatever k/n), appending them to out in draw
// order and marking them in seen, which must be clear on entry.
func floyd(w *words, n, k int, seen bitset, out []uint32) []uint32 {
	for m := n - k; m < n; m++ {
		x := w.below(uint32(m + 1))
		if seen.has(x) {
			x = uint32(m)
		}
		seen.set(x)
		out = append(out, x)
	}
	return out
}

// prefix turns per-row counts in ptr[1:] into row pointers.
func prefix(ptr []uint32) {
	for r := 1; r < len(ptr); r++ {
		ptr[r] += ptr[r-1]
	}
}
