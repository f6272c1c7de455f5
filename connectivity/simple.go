package connectivity

import (
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// AllToAll connects every row to every column (autapses aside).
type AllToAll struct{}

// Kind returns "all-to-all".
func (AllToAll) Kind() string { return "all-to-all" }

// Validate checks that the result fits a CSR.
func (p AllToAll) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	return checkTotal(p.Kind(), sp.pairs())
}

// Build returns the full projection.
func (p AllToAll) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (AllToAll) structure(sp space, _ rng.Key) (ptr, idx []uint32, err error) {
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, sp.pairs())
	k := 0
	for r := 0; r < sp.rows; r++ {
		own := -1
		if sp.excl {
			own = sp.own(r)
		}
		for j := 0; j < sp.cols; j++ {
			if j != own {
				idx[k] = uint32(j)
				k++
			}
		}
		ptr[r+1] = uint32(k)
	}
	return ptr, idx, nil
}

// OneToOne connects row i to column i. It needs Rows == Cols. Within one
// population these synapses are all autapses, so a Self shape must allow
// them (Invert(OneToOne{}) — everyone but oneself — needs no such thing).
type OneToOne struct{}

// Kind returns "one-to-one".
func (OneToOne) Kind() string { return "one-to-one" }

// Validate checks Rows == Cols and autapses.
func (p OneToOne) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if s.Rows != s.Cols {
		return fmt.Errorf("connectivity: one-to-one needs as many sources as targets, have %d sources (Rows) and %d targets (Cols)", s.Rows, s.Cols)
	}
	if sp.excl && s.Rows > 0 {
		return fmt.Errorf("connectivity: one-to-one within one population connects every neuron to itself: allow autapses (Shape.Autapses; autapses: true in a model file), or use Invert(OneToOne{}) for everyone but oneself")
	}
	return nil
}

// Build returns the diagonal.
func (p OneToOne) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (OneToOne) structure(sp space, _ rng.Key) (ptr, idx []uint32, err error) {
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, sp.rows)
	for r := range idx {
		idx[r] = uint32(r)
		ptr[r+1] = uint32(r + 1)
	}
	return ptr, idx, nil
}

// Bernoulli connects each pair independently with probability P (a pair
// is kept when U < P, U uniform in [0, 1)). Row r draws from the stream
// key.Stream(r) and jumps between synapses by geometric skips, so the cost
// is proportional to the synapses made, not to Rows·Cols.
type Bernoulli struct {
	P float64
}

// Kind returns "bernoulli".
func (Bernoulli) Kind() string { return "bernoulli" }

// Validate checks 0 <= P <= 1.
func (p Bernoulli) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if !(p.P >= 0 && p.P <= 1) {
		return fmt.Errorf("connectivity: bernoulli: P = %g: must lie in [0, 1]", p.P)
	}
	if p.P == 1 {
		return checkTotal(p.Kind(), sp.pairs())
	}
	return nil
}

// Build draws the projection.
func (p Bernoulli) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (p Bernoulli) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	if p.P == 1 {
		return AllToAll{}.structure(sp, key)
	}
	ptr = make([]uint32, sp.rows+1)
	if p.P == 0 || sp.rows == 0 || sp.cols == 0 {
		return ptr, []uint32{}, nil
	}
	// Reserve the mean plus six standard deviations, so append almost
	// never grows the slice (and never to twice the final size).
	n := float64(sp.pairs())
	mean := float64(n * p.P)
	idx = make([]uint32, 0, int(math.Min(n, mean+float64(6*math.Sqrt(mean*(1-p.P)))+64)))
	// The gap G before the next synapse is geometric: P(G >= g) = (1-p)^g,
	// and G = floor(log(U) / log(1-p)) with U uniform in (0, 1] has exactly
	// that law, since P(G >= g) = P(U <= (1-p)^g).
	inv := 1 / math.Log1p(-p.P) // < 0
	cols := float64(sp.cols)
	for r := 0; r < sp.rows; r++ {
		w := newWords(key, uint64(r))
		own := uint32(math.MaxUint32)
		if sp.excl {
			own = uint32(sp.own(r))
		}
		j := -1
		for {
			g := math.Log(w.open01()) * inv
			if g >= cols { // also +Inf
				break
			}
			j += int(g) + 1
			if j >= sp.cols {
				break
			}
			if uint32(j) != own {
				idx = append(idx, uint32(j))
			}
		}
		if err := checkTotal(p.Kind(), uint64(len(idx))); err != nil {
			return nil, nil, err
		}
		ptr[r+1] = uint32(len(idx))
	}
	return ptr, idx, nil
}

// List is an explicit list of synapses: pair n connects row I[n] to
// column J[n]. The pairs may come in any order. A pair given twice is an
// error unless Multapses is set (then it makes two synapses); so is an
// autapse that the shape excludes.
type List struct {
	I, J      []int
	Multapses bool
}

// Kind returns "list".
func (List) Kind() string { return "list" }

// Validate checks every pair: in range, no excluded autapse, and (unless
// Multapses) no pair twice.
func (p List) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if len(p.I) != len(p.J) {
		return fmt.Errorf("connectivity: list: %d rows (I) but %d columns (J): one of each per pair", len(p.I), len(p.J))
	}
	if err := checkTotal(p.Kind(), uint64(len(p.I))); err != nil {
		return err
	}
	for n, i := range p.I {
		j := p.J[n]
		if i < 0 || i >= sp.rows {
			return fmt.Errorf("connectivity: list: pair %d: row I[%d] = %d out of range [0, %d)", n, n, i, sp.rows)
		}
		if j < 0 || j >= sp.cols {
			return fmt.Errorf("connectivity: list: pair %d: column J[%d] = %d out of range [0, %d)", n, n, j, sp.cols)
		}
		if sp.excl && sp.own(i) == j {
			return fmt.Errorf("connectivity: list: pair %d: (%d, %d) is an autapse, which the shape excludes (allow autapses: Shape.Autapses; autapses: true in a model file)", n, i, j)
		}
	}
	if p.Multapses || len(p.I) < 2 {
		return nil
	}
	keys := make([]uint64, len(p.I))
	for n, i := range p.I {
		keys[n] = uint64(i)*uint64(sp.cols) + uint64(p.J[n])
	}
	slices.Sort(keys)
	for n := 1; n < len(keys); n++ {
		if keys[n] == keys[n-1] {
			return p.duplicate(int(keys[n]/uint64(sp.cols)), int(keys[n]%uint64(sp.cols)))
		}
	}
	return nil
}

// Build sorts the pairs into a CSR.
func (p List) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (p List) structure(sp space, _ rng.Key) (ptr, idx []uint32, err error) {
	ptr = make([]uint32, sp.rows+1)
	for _, i := range p.I {
		ptr[i+1]++
	}
	prefix(ptr)
	fill := slices.Clone(ptr[:sp.rows])
	idx = make([]uint32, len(p.I))
	for n, i := range p.I {
		idx[fill[i]] = uint32(p.J[n])
		fill[i]++
	}
	for r := 0; r < sp.rows; r++ {
		slices.Sort(idx[ptr[r]:ptr[r+1]])
	}
	return ptr, idx, nil
}

// duplicate names the first two pairs equal to (i, j).
func (p List) duplicate(i, j int) error {
	first := -1
	for n := range p.I {
		if p.I[n] == i && p.J[n] == j {
			if first >= 0 {
				return fmt.Errorf("connectivity: list: pair %d repeats pair %d (%d, %d): allow multapses to repeat it (Multapses; multapses: true in a model file)", n, first, i, j)
			}
			first = n
		}
	}
	return fmt.Errorf("connectivity: list: pair (%d, %d) repeated: allow multapses to repeat it (Multapses; multapses: true in a model file)", i, j)
}
