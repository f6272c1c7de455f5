package connectivity

import (
	"fmt"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// Combinations treat a pattern as a set of pairs — as a multiset where
// multapses repeat a pair: Or keeps a pair as often as the operand that has
// it most often (multiset union), And as often as the operand that has it
// least often (intersection). Without multapses these are plain set union
// and intersection. Operand i is built with key.Sub(i), so operands are
// independent: And(Bernoulli{P: 0.5}, Bernoulli{P: 0.5}) is Bernoulli{P:
// 0.25}. Operands are built one at a time and merged row by row along their
// sorted columns: time is linear in the operands' synapses, and memory holds
// at most the running result, one operand and the new result.

// Invert returns the pattern connecting exactly the allowed pairs that p
// does not connect (a pair p connects several times is still connected).
// p is built with the same key, on the same shape with autapses allowed, so
// Invert(OneToOne{}) on a Self shape is everyone but oneself; autapses are
// left out of the result unless the shape allows them.
//
// Cost: the result is dense unless p is, and building it takes time
// proportional to Rows·Cols.
func Invert(p Pattern) Pattern { return invert{p} }

// And returns the intersection of the patterns (see above). And() with no
// operand connects everything, like AllToAll.
func And(ps ...Pattern) Pattern { return combo{and: true, ps: ps} }

// Or returns the union of the patterns (see above). Or() with no operand
// connects nothing.
func Or(ps ...Pattern) Pattern { return combo{and: false, ps: ps} }

type invert struct{ p Pattern }

func (invert) Kind() string { return "invert" }

func (v invert) Validate(s Shape) error {
	if _, err := newSpace(s); err != nil {
		return err
	}
	if v.p == nil {
		return fmt.Errorf("connectivity: invert: nil pattern")
	}
	s.Autapses = true
	if err := v.p.Validate(s); err != nil {
		return fmt.Errorf("connectivity: invert: %w", err)
	}
	return nil
}

func (v invert) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(v, s, key) }

func (v invert) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	s := sp.s
	s.Autapses = true
	ptr, idx, err = structureOf(v.p, s, key)
	if err != nil {
		return nil, nil, err
	}
	return complement(sp, ptr, idx)
}

type combo struct {
	and bool
	ps  []Pattern
}

func (c combo) Kind() string {
	if c.and {
		return "and"
	}
	return "or"
}

func (c combo) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if c.and && len(c.ps) == 0 {
		return checkTotal(c.Kind(), sp.pairs())
	}
	for i, p := range c.ps {
		if p == nil {
			return fmt.Errorf("connectivity: %s: operand %d is nil", c.Kind(), i)
		}
		if err := p.Validate(s); err != nil {
			return fmt.Errorf("connectivity: %s: operand %d: %w", c.Kind(), i, err)
		}
	}
	return nil
}

func (c combo) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(c, s, key) }

func (c combo) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	if len(c.ps) == 0 {
		if c.and {
			return AllToAll{}.structure(sp, key)
		}
		return make([]uint32, sp.rows+1), []uint32{}, nil
	}
	ptr, idx, err = structureOf(c.ps[0], sp.s, key.Sub(0))
	if err != nil {
		return nil, nil, err
	}
	for i := 1; i < len(c.ps); i++ {
		bp, bi, err := structureOf(c.ps[i], sp.s, key.Sub(uint64(i)))
		if err != nil {
			return nil, nil, err
		}
		ptr, idx, err = merge(c.Kind(), ptr, idx, bp, bi, c.and)
		if err != nil {
			return nil, nil, err
		}
	}
	return ptr, idx, nil
}

// merge combines two CSR structures of the same rows row by row: a
// counting pass, then a filling pass into an exactly sized result.
func merge(kind string, ap, ai, bp, bi []uint32, and bool) (ptr, idx []uint32, err error) {
	rows := len(ap) - 1
	ptr = make([]uint32, rows+1)
	n := uint64(0)
	for r := 0; r < rows; r++ {
		n += uint64(mergeRow(ai[ap[r]:ap[r+1]], bi[bp[r]:bp[r+1]], nil, and))
		if err := checkTotal(kind, n); err != nil {
			return nil, nil, err
		}
		ptr[r+1] = uint32(n)
	}
	idx = make([]uint32, n)
	for r := 0; r < rows; r++ {
		mergeRow(ai[ap[r]:ap[r+1]], bi[bp[r]:bp[r+1]], idx[ptr[r]:ptr[r+1]], and)
	}
	return ptr, idx, nil
}

// mergeRow merges two ascending rows, a column appearing min (and) or max
// (or) of its counts in a and b times. It writes into out unless out is
// nil, and returns the length of the result.
func mergeRow(a, b, out []uint32, and bool) int {
	i, j, n := 0, 0, 0
	for i < len(a) || j < len(b) {
		if and && (i == len(a) || j == len(b)) {
			break
		}
		var v uint32
		switch {
		case j == len(b):
			v = a[i]
		case i == len(a):
			v = b[j]
		default:
			v = min(a[i], b[j])
		}
		ca, cb := 0, 0
		for i < len(a) && a[i] == v {
			i++
			ca++
		}
		for j < len(b) && b[j] == v {
			j++
			cb++
		}
		m := max(ca, cb)
		if and {
			m = min(ca, cb)
		}
		if out != nil {
			for range m {
				out[n] = v
				n++
			}
		} else {
			n += m
		}
	}
	return n
}

// complement returns the allowed pairs of sp absent from (ptr, idx), whose
// rows ascend and may hold autapses and repeats.
func complement(sp space, ptr, idx []uint32) (cp, ci []uint32, err error) {
	cp = make([]uint32, sp.rows+1)
	n := uint64(0)
	for r := 0; r < sp.rows; r++ {
		n += uint64(complementRow(sp, r, idx[ptr[r]:ptr[r+1]], nil))
		if err := checkTotal("invert", n); err != nil {
			return nil, nil, err
		}
		cp[r+1] = uint32(n)
	}
	ci = make([]uint32, n)
	for r := 0; r < sp.rows; r++ {
		complementRow(sp, r, idx[ptr[r]:ptr[r+1]], ci[cp[r]:cp[r+1]])
	}
	return cp, ci, nil
}

func complementRow(sp space, r int, row, out []uint32) int {
	own := -1
	if sp.excl {
		own = sp.own(r)
	}
	n, q := 0, 0
	for j := 0; j < sp.cols; j++ {
		present := false
		for q < len(row) && row[q] == uint32(j) {
			present = true
			q++
		}
		if present || j == own {
			continue
		}
		if out != nil {
			out[n] = uint32(j)
		}
		n++
	}
	return n
}
