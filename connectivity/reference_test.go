package connectivity

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/rng"
)

// This file keeps straightforward reference implementations of the
// random patterns — the algorithms as first written: one Philox block at
// a time, FixedTotal drawn twice (count, then place) and every row sorted
// with slices.Sort — and checks that the package's faster code builds
// exactly the same CSR, bit for bit. The network's synapses, hence the
// spikes of every example, must not change when the drawing gets faster.

// refWords is words computed the plain way: word i of stream id is word
// i%4 of block (0, i/4) of key.Sub(id).
type refWords struct {
	key rng.Key
	ctr uint64
	buf []uint32
}

func newRefWords(key rng.Key, id uint64) *refWords { return &refWords{key: key.Sub(id)} }

func (w *refWords) next() uint32 {
	if len(w.buf) == 0 {
		b := w.key.At(0, w.ctr)
		w.ctr++
		w.buf = b[:]
	}
	v := w.buf[0]
	w.buf = w.buf[1:]
	return v
}

func (w *refWords) below(n uint32) uint32 {
	for {
		p := uint64(w.next()) * uint64(n)
		if uint32(p) >= -n%n {
			return uint32(p >> 32)
		}
	}
}

func (w *refWords) below64(n uint64) uint64 {
	if n <= math.MaxUint32 {
		return uint64(w.below(uint32(n)))
	}
	for {
		x := uint64(w.next())<<32 | uint64(w.next())
		hi, lo := bits.Mul64(x, n)
		if lo >= -n%n {
			return hi
		}
	}
}

// refDrawPairs is drawPairs as first written.
func refDrawPairs(sp space, key rng.Key, n uint64, multi bool) (ptr, idx []uint32) {
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, n)
	if n == 0 {
		return ptr, idx
	}
	m, per := sp.pairs(), uint64(sp.rowCols())
	w := newRefWords(key, 0)
	for range n {
		ptr[w.below64(m)/per+1]++
	}
	for r := 1; r < len(ptr); r++ {
		ptr[r] += ptr[r-1]
	}
	fill := slices.Clone(ptr[:sp.rows])
	w = newRefWords(key, 0)
	for range n {
		l := w.below64(m)
		r := l / per
		idx[fill[r]] = uint32(l % per)
		fill[r]++
	}
	have := uint32(0)
	for r := 0; r < sp.rows; r++ {
		row := idx[ptr[r]:ptr[r+1]]
		ptr[r] = have
		slices.Sort(row)
		for q, c := range row {
			if multi || q == 0 || c != row[q-1] {
				idx[have] = c
				have++
			}
		}
	}
	ptr[sp.rows] = have
	// Redraw the missing pairs in rounds; keep the new distinct ones.
	var extra []uint64
	for round := uint64(1); uint64(have)+uint64(len(extra)) < n; round++ {
		w = newRefWords(key, round)
		var fresh []uint64
		for range n - uint64(have) - uint64(len(extra)) {
			fresh = append(fresh, w.below64(m))
		}
		slices.Sort(fresh)
		fresh = slices.Compact(fresh)
		old := len(extra) // extra[:old] is sorted
		for _, l := range fresh {
			r := l / per
			if _, found := slices.BinarySearch(idx[ptr[r]:ptr[r+1]], uint32(l%per)); found {
				continue
			}
			if _, found := slices.BinarySearch(extra[:old], l); found {
				continue
			}
			extra = append(extra, l)
		}
		slices.Sort(extra)
	}
	// Merge the extra pairs into the rows (a fresh copy, plainly).
	if len(extra) > 0 {
		np := make([]uint32, sp.rows+1)
		ni := make([]uint32, 0, n)
		x := 0
		for r := 0; r < sp.rows; r++ {
			old := idx[ptr[r]:ptr[r+1]]
			q := 0
			for q < len(old) || x < len(extra) && extra[x]/per == uint64(r) {
				if x < len(extra) && extra[x]/per == uint64(r) && (q == len(old) || uint32(extra[x]%per) < old[q]) {
					ni = append(ni, uint32(extra[x]%per))
					x++
				} else {
					ni = append(ni, old[q])
					q++
				}
			}
			np[r+1] = uint32(len(ni))
		}
		ptr, idx = np, ni
	}
	if sp.excl {
		for r := 0; r < sp.rows; r++ {
			own := uint32(sp.own(r))
			for q := ptr[r]; q < ptr[r+1]; q++ {
				if idx[q] >= own {
					idx[q]++
				}
			}
		}
	}
	return ptr, idx[:ptr[sp.rows]]
}

// refFixedTotal is FixedTotal.structure on refDrawPairs.
func refFixedTotal(p FixedTotal, sp space, key rng.Key) (ptr, idx []uint32) {
	m := sp.pairs()
	if !p.Multapses && uint64(p.N) > m/2 {
		ep, ei := refDrawPairs(sp, key, m-uint64(p.N), false)
		ptr, idx, err := complement(sp, ep, ei)
		if err != nil {
			panic(err)
		}
		return ptr, idx
	}
	return refDrawPairs(sp, key, uint64(p.N), p.Multapses)
}

// refFixedOutDegree is FixedOutDegree.structure as first written: Floyd's
// draws (or draws with replacement) sorted with slices.Sort.
func refFixedOutDegree(p FixedOutDegree, sp space, key rng.Key) (ptr, idx []uint32) {
	k, n := p.K, sp.rowCols()
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, 0, k*sp.rows)
	for r := 0; r < sp.rows; r++ {
		w := newRefWords(key, uint64(r))
		var row []uint32
		if p.Multapses {
			for range k {
				row = append(row, w.below(uint32(n)))
			}
		} else {
			seen := map[uint32]bool{}
			for m := n - k; m < n; m++ {
				x := w.below(uint32(m + 1))
				if seen[x] {
					x = uint32(m)
				}
				seen[x] = true
				row = append(row, x)
			}
		}
		slices.Sort(row)
		if sp.excl {
			for q := range row {
				if row[q] >= uint32(sp.own(r)) {
					row[q]++
				}
			}
		}
		idx = append(idx, row...)
		ptr[r+1] = uint32(len(idx))
	}
	return ptr, idx
}

func sameCSR(t *testing.T, what string, ptr, idx, wantPtr, wantIdx []uint32) {
	t.Helper()
	if !slices.Equal(ptr, wantPtr) {
		t.Errorf("%s: row pointers differ from the reference", what)
		return
	}
	if len(idx) != len(wantIdx) {
		t.Errorf("%s: %d synapses, reference %d", what, len(idx), len(wantIdx))
		return
	}
	for q := range idx {
		if idx[q] != wantIdx[q] {
			t.Errorf("%s: synapse %d targets %d, reference %d", what, q, idx[q], wantIdx[q])
			return
		}
	}
}

var refShapes = []Shape{
	{Rows: 0, Cols: 0},
	{Rows: 0, Cols: 7},
	{Rows: 7, Cols: 0},
	{Rows: 1, Cols: 1},
	{Rows: 1, Cols: 300},
	{Rows: 300, Cols: 1},
	{Rows: 2, Cols: 2, Self: true},
	{Rows: 37, Cols: 53},
	{Rows: 500, Cols: 400},
	{Rows: 400, Cols: 400, Self: true},
	{Rows: 400, Cols: 400, Self: true, Autapses: true},
	{Rows: 600, Cols: 200, Terminals: 3, Self: true},
	{Rows: 90, Cols: 70000}, // rows longer than 2¹⁶ columns
	{Rows: 3000, Cols: 5000},
}

// TestFixedTotalMatchesReference compares FixedTotal with refFixedTotal
// for sparse, dense (many redraws), complementary and multapse draws.
func TestFixedTotalMatchesReference(t *testing.T) {
	for si, s := range refShapes {
		sp, err := newSpace(s)
		if err != nil {
			t.Fatal(err)
		}
		m := sp.pairs()
		for _, n := range []uint64{0, 1, m / 100, m / 10, m / 3, m / 2, m/2 + 1, m * 9 / 10, m, 3 * m} {
			for _, multi := range []bool{false, true} {
				if n > m && !multi || n > 0 && m == 0 || n > 1.5e6 {
					continue
				}
				p := FixedTotal{N: int(n), Multapses: multi}
				key := rng.NewKey(11, uint64(si), n)
				what := fmt.Sprintf("%+v, N = %d, multapses %v", s, n, multi)
				c, err := p.Build(s, key)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				wp, wi := refFixedTotal(p, sp, key)
				sameCSR(t, what, c.Ptr, c.Idx, wp, wi)
			}
		}
	}
}

// TestFixedTotalMatchesReferenceBig checks the 64-bit draws (more than 2³²
// pairs) and a microcircuit-sized projection.
func TestFixedTotalMatchesReferenceBig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds millions of synapses")
	}
	for _, tc := range []struct {
		s     Shape
		n     int
		multi bool
	}{
		{Shape{Rows: 70000, Cols: 70000}, 200000, false},
		{Shape{Rows: 70000, Cols: 70000, Self: true}, 200000, true},
		{Shape{Rows: 5000, Cols: 20000}, 8_000_000, true},
		{Shape{Rows: 20000, Cols: 20000, Self: true}, 6_000_000, true},
		{Shape{Rows: 2000, Cols: 3000}, 2_000_000, false},
	} {
		sp, err := newSpace(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		p := FixedTotal{N: tc.n, Multapses: tc.multi}
		key := rng.NewKey(5, uint64(tc.n))
		c, err := p.Build(tc.s, key)
		if err != nil {
			t.Fatal(err)
		}
		wp, wi := refFixedTotal(p, sp, key)
		sameCSR(t, fmt.Sprintf("%+v, N = %d, multapses %v", tc.s, tc.n, tc.multi), c.Ptr, c.Idx, wp, wi)
	}
}

// TestFixedOutDegreeMatchesReference compares FixedOutDegree with
// refFixedOutDegree.
func TestFixedOutDegreeMatchesReference(t *testing.T) {
	for si, s := range refShapes {
		sp, err := newSpace(s)
		if err != nil {
			t.Fatal(err)
		}
		n := sp.rowCols()
		for _, k := range []int{0, 1, n / 50, n / 3, n, 2*n + 5} {
			for _, multi := range []bool{false, true} {
				if k > n && !multi || k > 0 && n == 0 || k*s.Rows > 4e6 {
					continue
				}
				p := FixedOutDegree{K: k, Multapses: multi}
				key := rng.NewKey(13, uint64(si), uint64(k))
				what := fmt.Sprintf("%+v, K = %d, multapses %v", s, k, multi)
				c, err := p.Build(s, key)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				wp, wi := refFixedOutDegree(p, sp, key)
				sameCSR(t, what, c.Ptr, c.Idx, wp, wi)
			}
		}
	}
}

// TestWordsMatchReference checks the words, and the integers drawn from
// them, against refWords: every pattern of the package draws from them.
func TestWordsMatchReference(t *testing.T) {
	key := rng.NewKey(3)
	for id := range uint64(4) {
		w, ref := newWords(key, id), newRefWords(key, id)
		for i := range 1001 {
			if a, b := w.next(), ref.next(); a != b {
				t.Fatalf("stream %d: word %d = %#x, reference %#x", id, i, a, b)
			}
		}
	}
	for _, n := range []uint64{1, 2, 3, 7, 1000, 1<<31 + 1, 1<<32 - 1, 1 << 32, 3 << 32, 1<<63 + 12345} {
		w, ref := newWords(key, n), newRefWords(key, n)
		for i := range 5000 {
			if a, b := w.below64(n), ref.below64(n); a != b {
				t.Fatalf("below64(%d): draw %d = %d, reference %d", n, i, a, b)
			}
		}
	}
}
