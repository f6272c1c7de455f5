package connectivity_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

func key(i uint64) rng.Key { return rng.NewKey(42, i) }

// dense returns the multiplicity of every pair.
func dense(c *synapse.CSR) [][]int {
	m := make([][]int, c.Rows)
	for r := range m {
		m[r] = make([]int, c.Cols)
		row, _ := c.Row(r)
		for _, j := range row {
			m[r][j]++
		}
	}
	return m
}

// check verifies the invariants every built CSR must have.
func check(t *testing.T, c *synapse.CSR, s connectivity.Shape, multi bool) {
	t.Helper()
	if c.Rows != s.Rows || c.Cols != s.Cols {
		t.Fatalf("shape %d×%d, want %d×%d", c.Rows, c.Cols, s.Rows, s.Cols)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	term := max(s.Terminals, 1)
	for r := 0; r < c.Rows; r++ {
		row, _ := c.Row(r)
		for k := range row {
			if k > 0 && row[k] < row[k-1] {
				t.Fatalf("row %d not ascending: %v", r, row)
			}
			if k > 0 && !multi && row[k] == row[k-1] {
				t.Fatalf("row %d repeats column %d without multapses", r, row[k])
			}
			if s.Self && !s.Autapses && int(row[k]) == r/term {
				t.Fatalf("autapse (%d, %d) although excluded", r, row[k])
			}
		}
	}
}

func within(t *testing.T, what string, got, mean, sd, nsd float64) {
	t.Helper()
	if math.Abs(got-mean) > nsd*sd {
		t.Errorf("%s = %g, want %g ± %g (%g sd)", what, got, mean, nsd*sd, nsd)
	}
}

func TestAllToAll(t *testing.T) {
	for _, s := range []connectivity.Shape{
		{Rows: 7, Cols: 5},
		{Rows: 6, Cols: 6, Self: true},
		{Rows: 6, Cols: 6, Self: true, Autapses: true},
		{Rows: 12, Cols: 4, Terminals: 3, Self: true},
		{Rows: 0, Cols: 3},
	} {
		c, err := connectivity.AllToAll{}.Build(s, key(1))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, s, false)
		want := s.Rows * s.Cols
		if s.Self && !s.Autapses {
			want -= s.Rows // one autapse per row
		}
		if c.Len() != want {
			t.Errorf("%+v: %d synapses, want %d", s, c.Len(), want)
		}
	}
}

func TestOneToOne(t *testing.T) {
	s := connectivity.Shape{Rows: 5, Cols: 5}
	c, err := connectivity.OneToOne{}.Build(s, key(1))
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, s, false)
	for r := range 5 {
		if row, _ := c.Row(r); len(row) != 1 || row[0] != uint32(r) {
			t.Errorf("row %d = %v, want [%d]", r, row, r)
		}
	}
	s.Self, s.Autapses = true, true
	if _, err := (connectivity.OneToOne{}).Build(s, key(1)); err != nil {
		t.Errorf("self with autapses allowed: %v", err)
	}
}

func TestFixedInDegree(t *testing.T) {
	for _, tc := range []struct {
		s     connectivity.Shape
		k     int
		multi bool
	}{
		{connectivity.Shape{Rows: 300, Cols: 200}, 40, false},
		{connectivity.Shape{Rows: 300, Cols: 200}, 300, false}, // every row
		{connectivity.Shape{Rows: 50, Cols: 200}, 120, true},
		{connectivity.Shape{Rows: 100, Cols: 100, Self: true}, 99, false},
		{connectivity.Shape{Rows: 300, Cols: 100, Terminals: 3, Self: true}, 297, false},
		{connectivity.Shape{Rows: 300, Cols: 100, Terminals: 3, Self: true}, 50, true},
		{connectivity.Shape{Rows: 30, Cols: 10}, 0, false},
	} {
		c, err := connectivity.FixedInDegree{K: tc.k, Multapses: tc.multi}.Build(tc.s, key(2))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, tc.s, tc.multi)
		in := make([]int, tc.s.Cols)
		for _, j := range c.Idx {
			in[j]++
		}
		for j, n := range in {
			if n != tc.k {
				t.Fatalf("%+v K=%d: column %d has %d presynaptic rows", tc.s, tc.k, j, n)
			}
		}
	}
}

func TestFixedOutDegree(t *testing.T) {
	for _, tc := range []struct {
		s     connectivity.Shape
		k     int
		multi bool
	}{
		{connectivity.Shape{Rows: 200, Cols: 300}, 100, false}, // bit scan
		{connectivity.Shape{Rows: 200, Cols: 20000}, 5, false}, // sort
		{connectivity.Shape{Rows: 200, Cols: 300}, 300, false}, // every column
		{connectivity.Shape{Rows: 200, Cols: 30}, 100, true},   // multapses
		{connectivity.Shape{Rows: 100, Cols: 100, Self: true}, 99, false},
		{connectivity.Shape{Rows: 2000, Cols: 2000, Self: true}, 3, false},
		{connectivity.Shape{Rows: 90, Cols: 30, Terminals: 3, Self: true}, 10, false},
	} {
		c, err := connectivity.FixedOutDegree{K: tc.k, Multapses: tc.multi}.Build(tc.s, key(3))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, tc.s, tc.multi)
		for r := 0; r < c.Rows; r++ {
			if row, _ := c.Row(r); len(row) != tc.k {
				t.Fatalf("%+v: row %d has %d columns, want %d", tc.s, r, len(row), tc.k)
			}
		}
	}
}

func TestFixedTotal(t *testing.T) {
	for _, tc := range []struct {
		s     connectivity.Shape
		n     int
		multi bool
	}{
		{connectivity.Shape{Rows: 100, Cols: 80}, 1000, false},
		{connectivity.Shape{Rows: 100, Cols: 80}, 4000, false}, // half: many repeats to redraw
		{connectivity.Shape{Rows: 100, Cols: 80}, 7000, false}, // complement
		{connectivity.Shape{Rows: 100, Cols: 80}, 8000, false}, // all
		{connectivity.Shape{Rows: 10, Cols: 8}, 500, true},
		{connectivity.Shape{Rows: 50, Cols: 50, Self: true}, 1225, false},
		{connectivity.Shape{Rows: 50, Cols: 50, Self: true}, 2000, false},
		{connectivity.Shape{Rows: 60, Cols: 20, Terminals: 3, Self: true}, 300, false},
		{connectivity.Shape{Rows: 3, Cols: 3}, 0, false},
	} {
		c, err := connectivity.FixedTotal{N: tc.n, Multapses: tc.multi}.Build(tc.s, key(4))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, tc.s, tc.multi)
		if c.Len() != tc.n {
			t.Errorf("%+v: %d synapses, want %d", tc.s, c.Len(), tc.n)
		}
	}
}

// subsetCounts builds p on s under many keys and counts how often each
// whole connectivity (as a string) comes out.
func subsetCounts(t *testing.T, p connectivity.Pattern, s connectivity.Shape, trials int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := range trials {
		c, err := p.Build(s, key(uint64(1000+i)))
		if err != nil {
			t.Fatal(err)
		}
		counts[fmt.Sprint(c.Ptr, c.Idx)]++
	}
	return counts
}

// uniformOver checks that counts spread evenly over exactly n outcomes.
func uniformOver(t *testing.T, what string, counts map[string]int, n, trials int) {
	t.Helper()
	if len(counts) != n {
		t.Errorf("%s: %d distinct outcomes, want %d", what, len(counts), n)
	}
	p := 1 / float64(n)
	sd := math.Sqrt(float64(trials) * p * (1 - p))
	for o, k := range counts {
		within(t, what+" outcome "+o, float64(k), float64(trials)*p, sd, 5)
	}
}

// TestUniformSubsets checks that the distinct-pair patterns choose every
// subset of the allowed pairs with the same probability.
func TestUniformSubsets(t *testing.T) {
	const trials = 6000
	binom := func(n, k int) int {
		r := 1
		for i := range k {
			r = r * (n - i) / (i + 1)
		}
		return r
	}
	// 2×3 = 6 pairs: N = 2 (draw), 3 (draw with rounds), 4 (complement).
	s := connectivity.Shape{Rows: 2, Cols: 3}
	for _, n := range []int{2, 3, 4} {
		uniformOver(t, fmt.Sprintf("fixed-total N=%d", n), subsetCounts(t, connectivity.FixedTotal{N: n}, s, trials), binom(6, n), trials)
	}
	self := connectivity.Shape{Rows: 3, Cols: 3, Self: true} // 6 allowed pairs
	uniformOver(t, "fixed-total self", subsetCounts(t, connectivity.FixedTotal{N: 3}, self, trials), 20, trials)
	// One row choosing 2 of 6 columns, one column choosing 2 of 5 rows.
	uniformOver(t, "fixed-out-degree", subsetCounts(t, connectivity.FixedOutDegree{K: 2}, connectivity.Shape{Rows: 1, Cols: 6}, trials), 15, trials)
	uniformOver(t, "fixed-in-degree", subsetCounts(t, connectivity.FixedInDegree{K: 2}, connectivity.Shape{Rows: 5, Cols: 1}, trials), 10, trials)
}

// TestPairFrequencies checks P(pair connected) for every allowed pair.
func TestPairFrequencies(t *testing.T) {
	const trials = 3000
	for _, tc := range []struct {
		p    connectivity.Pattern
		s    connectivity.Shape
		want float64 // expected multiplicity of every allowed pair
	}{
		{connectivity.Bernoulli{P: 0.3}, connectivity.Shape{Rows: 4, Cols: 40}, 0.3},
		{connectivity.Bernoulli{P: 0.05}, connectivity.Shape{Rows: 4, Cols: 40}, 0.05},
		{connectivity.Bernoulli{P: 0.9}, connectivity.Shape{Rows: 6, Cols: 6, Self: true}, 0.9},
		{connectivity.FixedInDegree{K: 4}, connectivity.Shape{Rows: 10, Cols: 3}, 0.4},
		{connectivity.FixedInDegree{K: 2}, connectivity.Shape{Rows: 6, Cols: 6, Self: true}, 0.4},
		{connectivity.FixedInDegree{K: 3, Multapses: true}, connectivity.Shape{Rows: 6, Cols: 2}, 0.5},
		{connectivity.FixedOutDegree{K: 3}, connectivity.Shape{Rows: 3, Cols: 10}, 0.3},
		{connectivity.FixedOutDegree{K: 2}, connectivity.Shape{Rows: 5, Cols: 5, Self: true}, 0.5},
		{connectivity.FixedTotal{N: 12}, connectivity.Shape{Rows: 5, Cols: 8}, 0.3},
		{connectivity.FixedTotal{N: 30, Multapses: true}, connectivity.Shape{Rows: 5, Cols: 4}, 1.5},
	} {
		sum := make([][]float64, tc.s.Rows)
		sq := make([][]float64, tc.s.Rows)
		for r := range sum {
			sum[r] = make([]float64, tc.s.Cols)
			sq[r] = make([]float64, tc.s.Cols)
		}
		for i := range trials {
			c, err := tc.p.Build(tc.s, key(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range dense(c) {
				for j, m := range row {
					sum[r][j] += float64(m)
					sq[r][j] += float64(m * m)
				}
			}
		}
		for r := range sum {
			for j := range sum[r] {
				what := fmt.Sprintf("%s %+v: mean multiplicity of (%d, %d)", tc.p.Kind(), tc.s, r, j)
				if tc.s.Self && r == j {
					if sum[r][j] != 0 {
						t.Errorf("%s = %g, want 0 (autapse)", what, sum[r][j]/trials)
					}
					continue
				}
				// Per-pair variance estimated from the trials themselves.
				mean := sum[r][j] / trials
				v := sq[r][j]/trials - mean*mean
				within(t, what, mean, tc.want, math.Sqrt(math.Max(v, 1e-3)/trials), 5)
			}
		}
	}
}

func TestBernoulliCounts(t *testing.T) {
	for _, tc := range []struct {
		s connectivity.Shape
		p float64
	}{
		{connectivity.Shape{Rows: 2000, Cols: 3000}, 0.1},
		{connectivity.Shape{Rows: 2000, Cols: 3000}, 0.001},
		{connectivity.Shape{Rows: 2000, Cols: 3000}, 0.7},
		{connectivity.Shape{Rows: 2000, Cols: 2000, Self: true}, 0.2},
	} {
		c, err := connectivity.Bernoulli{P: tc.p}.Build(tc.s, key(5))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, tc.s, false)
		pairs := float64(tc.s.Rows * tc.s.Cols)
		if tc.s.Self {
			pairs -= float64(tc.s.Rows)
		}
		within(t, fmt.Sprintf("p=%g: synapses", tc.p), float64(c.Len()), pairs*tc.p, math.Sqrt(pairs*tc.p*(1-tc.p)), 5)

		// In-degrees are independent Binomial(n, p): check their mean and
		// variance. Var of the sample mean is σ²/cols; of the sample
		// variance ≈ (μ4 − σ⁴(cols−3)/(cols−1))/cols with the binomial's
		// fourth central moment μ4 = nσ²(1 + 3(n−2)σ²/n ... ) ≈ 3σ⁴ + σ²(1−6pq).
		n := float64(tc.s.Rows)
		if tc.s.Self {
			n--
		}
		in := make([]float64, tc.s.Cols)
		for _, j := range c.Idx {
			in[j]++
		}
		var m, v float64
		for _, x := range in {
			m += x
		}
		cols := float64(len(in))
		m /= cols
		for _, x := range in {
			v += (x - m) * (x - m)
		}
		v /= cols - 1
		s2 := n * tc.p * (1 - tc.p)
		mu4 := 3*s2*s2 + s2*(1-6*tc.p*(1-tc.p))
		within(t, fmt.Sprintf("p=%g: in-degree mean", tc.p), m, n*tc.p, math.Sqrt(s2/cols), 5)
		within(t, fmt.Sprintf("p=%g: in-degree variance", tc.p), v, s2, math.Sqrt((mu4-s2*s2*(cols-3)/(cols-1))/cols), 5)
	}
}

// TestBernoulliAdjacent checks that consecutive columns are independent
// (the geometric skip must not correlate neighbours).
func TestBernoulliAdjacent(t *testing.T) {
	const p, rows, cols = 0.3, 3000, 200
	c, err := connectivity.Bernoulli{P: p}.Build(connectivity.Shape{Rows: rows, Cols: cols}, key(6))
	if err != nil {
		t.Fatal(err)
	}
	both := 0
	for r, row := range dense(c) {
		_ = r
		for j := 0; j+1 < cols; j++ {
			if row[j] == 1 && row[j+1] == 1 {
				both++
			}
		}
	}
	n := float64(rows * (cols - 1))
	// Overlapping pairs are 1-dependent: the variance is
	// n·(p²(1−p²) + 2(p³ − p⁴)).
	within(t, "adjacent pairs", float64(both), n*p*p, math.Sqrt(n*(p*p*(1-p*p)+2*(p*p*p-p*p*p*p))), 5)
}

func TestBernoulliEdges(t *testing.T) {
	s := connectivity.Shape{Rows: 30, Cols: 40, Self: false}
	c0, _ := connectivity.Bernoulli{P: 0}.Build(s, key(1))
	c1, _ := connectivity.Bernoulli{P: 1}.Build(s, key(1))
	if c0.Len() != 0 || c1.Len() != 1200 {
		t.Errorf("P=0: %d, P=1: %d synapses; want 0 and 1200", c0.Len(), c1.Len())
	}
	check(t, c1, s, false)
}

func TestList(t *testing.T) {
	s := connectivity.Shape{Rows: 20, Cols: 30}
	rnd := rand.New(rand.NewPCG(1, 2))
	want := make([][]int, s.Rows)
	var is, js []int
	for r := range want {
		want[r] = make([]int, s.Cols)
		for j := range want[r] {
			if rnd.Float64() < 0.2 {
				want[r][j] = 1
				is, js = append(is, r), append(js, j)
			}
		}
	}
	rnd.Shuffle(len(is), func(a, b int) { is[a], is[b] = is[b], is[a]; js[a], js[b] = js[b], js[a] })
	c, err := connectivity.List{I: is, J: js}.Build(s, key(1))
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, s, false)
	if !reflect.DeepEqual(dense(c), want) {
		t.Error("list round trip differs")
	}
	// Multapses: a pair given twice makes two synapses.
	c, err = connectivity.List{I: []int{3, 1, 3}, J: []int{4, 0, 4}, Multapses: true}.Build(s, key(1))
	if err != nil {
		t.Fatal(err)
	}
	if row, _ := c.Row(3); !reflect.DeepEqual(row, []uint32{4, 4}) || c.Len() != 3 {
		t.Errorf("multapse list: row 3 = %v, %d synapses", row, c.Len())
	}
}

func TestDeterminism(t *testing.T) {
	s := connectivity.Shape{Rows: 200, Cols: 200, Self: true}
	for _, p := range []connectivity.Pattern{
		connectivity.Bernoulli{P: 0.1},
		connectivity.FixedInDegree{K: 20},
		connectivity.FixedInDegree{K: 20, Multapses: true},
		connectivity.FixedOutDegree{K: 20},
		connectivity.FixedTotal{N: 4000},
		connectivity.FixedTotal{N: 30000},
		connectivity.And(connectivity.Bernoulli{P: 0.5}, connectivity.FixedOutDegree{K: 50}),
		connectivity.Or(connectivity.Bernoulli{P: 0.05}, connectivity.FixedInDegree{K: 5}),
		connectivity.Invert(connectivity.Bernoulli{P: 0.9}),
	} {
		a, err := p.Build(s, key(7))
		if err != nil {
			t.Fatal(err)
		}
		// Something else drawn in between must not matter.
		if _, err := (connectivity.Bernoulli{P: 0.3}).Build(s, key(7)); err != nil {
			t.Fatal(err)
		}
		b, _ := p.Build(s, key(7))
		c, _ := p.Build(s, key(8))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: same key, different CSR", p.Kind())
		}
		if reflect.DeepEqual(a.Idx, c.Idx) {
			t.Errorf("%s: different keys, same CSR", p.Kind())
		}
	}
}

// foreign is a pattern from outside the package (only the Pattern
// interface): a fixed random dense mask.
type foreign struct{ p float64 }

func (foreign) Kind() string                      { return "foreign" }
func (foreign) Validate(connectivity.Shape) error { return nil }
func (f foreign) Build(s connectivity.Shape, key rng.Key) (*synapse.CSR, error) {
	is, js := []int{}, []int{}
	st := key.Stream()
	for r := range s.Rows {
		for j := range s.Cols {
			if st.Float64() < f.p && !(s.Self && !s.Autapses && r == j) {
				is, js = append(is, r), append(js, j)
			}
		}
	}
	return connectivity.List{I: is, J: js}.Build(s, key)
}

// TestCombinations compares And, Or and Invert with a brute-force dense
// evaluation of their operands, each built alone with its documented key.
func TestCombinations(t *testing.T) {
	type op func(a, b int) int
	minOp := func(a, b int) int { return min(a, b) }
	maxOp := func(a, b int) int { return max(a, b) }
	ops := []connectivity.Pattern{
		connectivity.Bernoulli{P: 0.4},
		connectivity.FixedInDegree{K: 3},
		connectivity.FixedOutDegree{K: 4, Multapses: true},
		connectivity.FixedTotal{N: 20},
		foreign{0.5},
		connectivity.Invert(connectivity.Bernoulli{P: 0.5}),
	}
	for _, s := range []connectivity.Shape{
		{Rows: 7, Cols: 9},
		{Rows: 8, Cols: 8, Self: true},
		{Rows: 8, Cols: 8, Self: true, Autapses: true},
	} {
		for a := range ops {
			for b := range ops {
				for _, comb := range []struct {
					name string
					mk   func(...connectivity.Pattern) connectivity.Pattern
					f    op
				}{{"and", connectivity.And, minOp}, {"or", connectivity.Or, maxOp}} {
					for _, ps := range [][]connectivity.Pattern{
						{ops[a], ops[b]},
						{ops[a], ops[b], ops[(a+b)%len(ops)]},
					} {
						got, err := comb.mk(ps...).Build(s, key(9))
						if err != nil {
							t.Fatal(err)
						}
						check(t, got, s, true)
						var want [][]int
						for i, p := range ps {
							c, err := p.Build(s, key(9).Sub(uint64(i)))
							if err != nil {
								t.Fatal(err)
							}
							d := dense(c)
							if want == nil {
								want = d
								continue
							}
							for r := range d {
								for j := range d[r] {
									want[r][j] = comb.f(want[r][j], d[r][j])
								}
							}
						}
						if !reflect.DeepEqual(dense(got), want) {
							t.Errorf("%+v: %s(%s, %s, ...) differs from dense evaluation", s, comb.name, ps[0].Kind(), ps[1].Kind())
						}
					}
				}
			}
			// Invert: the operand is built with the same key, autapses allowed.
			got, err := connectivity.Invert(ops[a]).Build(s, key(9))
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, s, false)
			s2 := s
			s2.Autapses = true
			c, err := ops[a].Build(s2, key(9))
			if err != nil {
				t.Fatal(err)
			}
			want := dense(c)
			for r := range want {
				for j := range want[r] {
					if want[r][j] > 0 || (s.Self && !s.Autapses && r == j) {
						want[r][j] = 0
					} else {
						want[r][j] = 1
					}
				}
			}
			if !reflect.DeepEqual(dense(got), want) {
				t.Errorf("%+v: invert(%s) differs from dense evaluation", s, ops[a].Kind())
			}
		}
	}
}

func TestCombinationIdentities(t *testing.T) {
	s := connectivity.Shape{Rows: 10, Cols: 10, Self: true}
	all, _ := connectivity.AllToAll{}.Build(s, key(1))
	and, _ := connectivity.And().Build(s, key(1))
	or, _ := connectivity.Or().Build(s, key(1))
	if !reflect.DeepEqual(all, and) {
		t.Error("And() is not all-to-all")
	}
	if or.Len() != 0 {
		t.Errorf("Or() has %d synapses, want 0", or.Len())
	}
	// Everyone but oneself.
	inv, err := connectivity.Invert(connectivity.OneToOne{}).Build(s, key(1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inv, all) {
		t.Error("Invert(OneToOne) on a self projection is not all-to-all without autapses")
	}
	// And of independent Bernoullis is Bernoulli with the product.
	big := connectivity.Shape{Rows: 1000, Cols: 1000}
	c, _ := connectivity.And(connectivity.Bernoulli{P: 0.5}, connectivity.Bernoulli{P: 0.4}).Build(big, key(2))
	within(t, "and(0.5, 0.4) synapses", float64(c.Len()), 2e5, math.Sqrt(1e6*0.2*0.8), 5)
	c, _ = connectivity.Or(connectivity.Bernoulli{P: 0.5}, connectivity.Bernoulli{P: 0.4}).Build(big, key(2))
	within(t, "or(0.5, 0.4) synapses", float64(c.Len()), 7e5, math.Sqrt(1e6*0.7*0.3), 5)
}

func TestErrors(t *testing.T) {
	sq := connectivity.Shape{Rows: 10, Cols: 10}
	self := connectivity.Shape{Rows: 10, Cols: 10, Self: true}
	for _, tc := range []struct {
		p    connectivity.Pattern
		s    connectivity.Shape
		want string
	}{
		{connectivity.Bernoulli{P: -0.1}, sq, "bernoulli: P = -0.1: must lie in [0, 1]"},
		{connectivity.Bernoulli{P: 1.5}, sq, "P = 1.5: must lie in [0, 1]"},
		{connectivity.Bernoulli{P: math.NaN()}, sq, "P = NaN"},
		{connectivity.FixedInDegree{K: -1}, sq, "fixed-in-degree: K = -1: must be >= 0"},
		{connectivity.FixedInDegree{K: 11}, sq, "K = 11 > 10 presynaptic rows per column: must be <= 10 without multapses"},
		{connectivity.FixedInDegree{K: 10}, self, "K = 10 > 9 presynaptic rows per column"},
		{connectivity.FixedInDegree{K: 1, Multapses: true}, connectivity.Shape{Rows: 0, Cols: 3}, "no presynaptic rows per column"},
		{connectivity.FixedOutDegree{K: 11}, sq, "fixed-out-degree: K = 11 > 10 postsynaptic columns per row"},
		{connectivity.FixedOutDegree{K: -2, Multapses: true}, sq, "K = -2: must be >= 0"},
		{connectivity.FixedTotal{N: 101}, sq, "fixed-total: N = 101 > 100 pairs available"},
		{connectivity.FixedTotal{N: 91}, self, "N = 91 > 90 pairs available"},
		{connectivity.FixedTotal{N: -1}, sq, "N = -1: must be >= 0"},
		{connectivity.OneToOne{}, connectivity.Shape{Rows: 3, Cols: 4}, "one-to-one needs as many sources as targets, have 3 sources (Rows) and 4 targets (Cols)"},
		{connectivity.OneToOne{}, self, "allow autapses (Shape.Autapses; autapses: true in a model file)"},
		{connectivity.List{I: []int{1, 2}, J: []int{1}}, sq, "2 rows (I) but 1 columns (J)"},
		{connectivity.List{I: []int{1, 10}, J: []int{1, 2}}, sq, "pair 1: row I[1] = 10 out of range [0, 10)"},
		{connectivity.List{I: []int{1, 2, 3}, J: []int{1, 2, -3}}, sq, "pair 2: column J[2] = -3 out of range [0, 10)"},
		{connectivity.List{I: []int{1, 4, 1}, J: []int{2, 2, 2}}, sq, "pair 2 repeats pair 0 (1, 2): allow multapses"},
		{connectivity.List{I: []int{0, 4}, J: []int{1, 4}}, self, "pair 1: (4, 4) is an autapse"},
		{connectivity.And(connectivity.Bernoulli{P: 0.1}, nil), sq, "and: operand 1 is nil"},
		{connectivity.Or(connectivity.FixedInDegree{K: 20}), sq, "or: operand 0: connectivity: fixed-in-degree: K = 20"},
		{connectivity.Invert(connectivity.Bernoulli{P: 2}), sq, "invert: connectivity: bernoulli: P = 2"},
		{connectivity.AllToAll{}, connectivity.Shape{Rows: 10, Cols: 5, Self: true}, "Rows must equal Cols·Terminals = 5"},
		{connectivity.AllToAll{}, connectivity.Shape{Rows: 10, Cols: 5, Terminals: 3}, "Rows = 10 is not a multiple of Terminals = 3"},
		{connectivity.AllToAll{}, connectivity.Shape{Rows: -1, Cols: 5}, "Shape.Rows = -1"},
		{connectivity.AllToAll{}, connectivity.Shape{Rows: 1 << 17, Cols: 1 << 17}, "more than the 4294967295 a CSR indexes"},
	} {
		verr := tc.p.Validate(tc.s)
		_, berr := tc.p.Build(tc.s, key(1))
		for _, err := range []error{verr, berr} {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s on %+v: error %v, want one containing %q", tc.p.Kind(), tc.s, err, tc.want)
			}
		}
	}
}

// TestFixedTotalHuge draws among more than 2³² pairs.
func TestFixedTotalHuge(t *testing.T) {
	s := connectivity.Shape{Rows: 100000, Cols: 100000, Self: true}
	c, err := connectivity.FixedTotal{N: 20000}.Build(s, key(1))
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, s, false)
	if c.Len() != 20000 {
		t.Fatalf("%d synapses, want 20000", c.Len())
	}
	// Rows are uniform: the number of synapses in the first half of the
	// rows is Binomial(20000, 1/2) (to within the few redrawn repeats).
	within(t, "synapses in the first half of the rows", float64(c.Ptr[50000]), 10000, math.Sqrt(5000), 5)
	var cols float64
	for _, j := range c.Idx {
		cols += float64(j)
	}
	within(t, "mean column", cols/20000, 49999.5, 100000/math.Sqrt(12*20000), 5)
}

// Fixed in-degree draws its columns in parallel when the projection is
// large: the synapses are the same on one core and on four, with and
// without multapses, and with the autapses of a recurrent projection
// skipped; and each column has exactly K synapses.
func TestFixedInDegreeSameOnAnyCores(t *testing.T) {
	for _, tc := range []struct {
		p connectivity.FixedInDegree
		s connectivity.Shape
	}{
		{connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 3000, Cols: 2000}},
		{connectivity.FixedInDegree{K: 100, Multapses: true}, connectivity.Shape{Rows: 3000, Cols: 2000}},
		{connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 2000, Cols: 2000, Self: true}},
		{connectivity.FixedInDegree{K: 60}, connectivity.Shape{Rows: 4000, Cols: 1500, Terminals: 2}},
	} {
		build := func(procs int) *synapse.CSR {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			c, err := tc.p.Build(tc.s, key(7))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		one, four := build(1), build(4)
		if !reflect.DeepEqual(one.Ptr, four.Ptr) || !reflect.DeepEqual(one.Idx, four.Idx) {
			t.Errorf("%+v %+v: the synapses differ between 1 and 4 cores", tc.p, tc.s)
		}
		perCol := make([]int, tc.s.Cols)
		for r := 0; r < one.Rows; r++ {
			for k := one.Ptr[r]; k < one.Ptr[r+1]; k++ {
				j := int(one.Idx[k])
				perCol[j]++
				if !tc.p.Multapses && k > one.Ptr[r] && one.Idx[k-1] == one.Idx[k] {
					t.Errorf("%+v: row %d reaches column %d twice", tc.p, r, j)
				}
				if tc.s.Self && r/max(tc.s.Terminals, 1) == j {
					t.Errorf("%+v: autapse on neuron %d", tc.p, j)
				}
			}
		}
		for j, c := range perCol {
			if c != tc.p.K {
				t.Fatalf("%+v %+v: column %d has %d synapses, want %d", tc.p, tc.s, j, c, tc.p.K)
			}
		}
	}
}
