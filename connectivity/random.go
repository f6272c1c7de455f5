package connectivity

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// FixedInDegree gives every column exactly K presynaptic rows, drawn
// uniformly: distinct rows (Floyd's algorithm) unless Multapses, then K
// independent draws with replacement. Column j draws from the stream
// key.Stream(j). Memory: the drawn rows (4 bytes per synapse) are kept
// until they are scattered into rows, then dropped.
type FixedInDegree struct {
	K         int
	Multapses bool
}

// Kind returns "fixed-in-degree".
func (FixedInDegree) Kind() string { return "fixed-in-degree" }

// Validate checks K against the rows available to each column.
func (p FixedInDegree) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if err := checkDegree(p.Kind(), p.K, p.Multapses, sp.colRows(), "presynaptic rows per column"); err != nil {
		return err
	}
	return checkTotal(p.Kind(), uint64(p.K)*uint64(sp.cols))
}

// Build draws the projection.
func (p FixedInDegree) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (p FixedInDegree) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	k, n := p.K, sp.colRows()
	drawn := make([]uint32, k*sp.cols)
	// Each column draws from its own stream into its own k slots, so the
	// columns are drawn in parallel (in blocks) with the same result; the
	// counting and the scatter below use the same blocks.
	blocks := parallelBlocks(sp.cols, k)
	eachBlock(sp.cols, blocks, func(_, lo, hi int) {
		var seen bitset
		if !p.Multapses {
			seen = newBitset(n)
		}
		for j := lo; j < hi; j++ {
			p.column(sp, key, j, seen, drawn[j*k:j*k:(j+1)*k])
		}
	})
	// Counting pass, then scatter column by column: the columns of each
	// row come out ascending. Both run over the blocks of columns in
	// parallel: each block counts its rows, a block's entries of row r
	// start after those of the blocks before it, so the result is the
	// serial one.
	counts := make([][]uint32, blocks)
	eachBlock(sp.cols, blocks, func(b, lo, hi int) {
		c := make([]uint32, sp.rows)
		for _, r := range drawn[lo*k : hi*k] {
			c[r]++
		}
		counts[b] = c
	})
	ptr = make([]uint32, sp.rows+1)
	for r := 0; r < sp.rows; r++ {
		at := ptr[r]
		for _, c := range counts {
			at, c[r] = at+c[r], at // c[r] becomes the block's first slot in row r
		}
		ptr[r+1] = at
	}
	idx = make([]uint32, len(drawn))
	eachBlock(sp.cols, blocks, func(b, lo, hi int) {
		fill := counts[b]
		for j := lo; j < hi; j++ {
			for _, r := range drawn[j*k : (j+1)*k] {
				idx[fill[r]] = uint32(j)
				fill[r]++
			}
		}
	})
	return ptr, idx, nil
}

// parallelBlocks returns how many blocks to cut n columns of cost each
// into: one per core when the work is worth it, else one.
func parallelBlocks(n, cost int) int {
	if n*cost < 1<<16 {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// eachBlock calls f(b, lo, hi) for the blocks b of [0, n) cut in blocks
// contiguous ranges, each on its own goroutine when there are several.
func eachBlock(n, blocks int, f func(b, lo, hi int)) {
	if blocks == 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for b := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(b, b*n/blocks, (b+1)*n/blocks)
		}()
	}
	wg.Wait()
}

// FixedOutDegree gives every row exactly K columns, drawn uniformly:
// distinct unless Multapses. Row r draws from the stream key.Stream(r).
type FixedOutDegree struct {
	K         int
	Multapses bool
}

// Kind returns "fixed-out-degree".
func (FixedOutDegree) Kind() string { return "fixed-out-degree" }

// Validate checks K against the columns available to each row.
func (p FixedOutDegree) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if err := checkDegree(p.Kind(), p.K, p.Multapses, sp.rowCols(), "postsynaptic columns per row"); err != nil {
		return err
	}
	return checkTotal(p.Kind(), uint64(p.K)*uint64(sp.rows))
}

// Build draws the projection.
func (p FixedOutDegree) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (p FixedOutDegree) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	k, n := p.K, sp.rowCols()
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, k*sp.rows)
	var seen bitset
	// A distinct draw leaves its columns marked in seen; reading them back
	// in order costs n/64 words, sorting them k·log k: take the cheaper.
	scan := false
	if !p.Multapses {
		seen = newBitset(n)
		scan = len(seen) <= 4*k
	}
	for r := 0; r < sp.rows; r++ {
		w := newWords(key, uint64(r))
		row := idx[r*k : r*k : (r+1)*k]
		switch {
		case p.Multapses:
			for range k {
				row = append(row, w.below(uint32(n)))
			}
			slices.Sort(row)
		case scan:
			floyd(&w, n, k, seen, row)
			row = row[:0]
			for w, word := range seen {
				for word != 0 {
					b := uint32(bits.TrailingZeros64(word))
					row = append(row, uint32(w)<<6|b)
					word &= word - 1
				}
				seen[w] = 0
			}
		default:
			row = floyd(&w, n, k, seen, row)
			seen.clearAll(row)
			slices.Sort(row)
		}
		if sp.excl { // skip column own(r)
			own := uint32(sp.own(r))
			for q := range row {
				if row[q] >= own {
					row[q]++
				}
			}
		}
		ptr[r+1] = uint32((r + 1) * k)
	}
	return ptr, idx, nil
}

// FixedTotal makes exactly N synapses, chosen uniformly among the allowed
// pairs: N distinct pairs unless Multapses, then N independent draws with
// replacement. Everything is drawn from key.Stream(0), key.Stream(1), ...
//
// Method: draw N pairs with replacement (two passes over the same stream:
// count per row, then place), sort each row, drop repeats, and draw the
// missing ones again in rounds until N distinct pairs remain; every step
// treats all pairs alike, so the result is uniform over the N-subsets.
// When N is more than half the pairs, the complement is drawn instead.
// Memory: the CSR's own index array, plus 8 bytes for each redrawn pair
// (about N²/2M of them for M pairs).
type FixedTotal struct {
	N         int
	Multapses bool
}

// Kind returns "fixed-total".
func (FixedTotal) Kind() string { return "fixed-total" }

// Validate checks N against the pairs available.
func (p FixedTotal) Validate(s Shape) error {
	sp, err := newSpace(s)
	if err != nil {
		return err
	}
	if p.N < 0 {
		return fmt.Errorf("connectivity: fixed-total: N = %d: must be >= 0", p.N)
	}
	if p.N > 0 && sp.pairs() == 0 {
		return fmt.Errorf("connectivity: fixed-total: N = %d but the projection has no pairs to connect", p.N)
	}
	if !p.Multapses && uint64(p.N) > sp.pairs() {
		return fmt.Errorf("connectivity: fixed-total: N = %d > %d pairs available: must be <= %d without multapses (allow them: Multapses; multapses: true in a model file)", p.N, sp.pairs(), sp.pairs())
	}
	return checkTotal(p.Kind(), uint64(p.N))
}

// Build draws the projection.
func (p FixedTotal) Build(s Shape, key rng.Key) (*synapse.CSR, error) { return build(p, s, key) }

func (p FixedTotal) structure(sp space, key rng.Key) (ptr, idx []uint32, err error) {
	m := sp.pairs()
	if !p.Multapses && uint64(p.N) > m/2 {
		// Draw the pairs to leave out, and take the rest.
		ep, ei := drawPairs(sp, key, m-uint64(p.N), false)
		return complement(sp, ep, ei)
	}
	ptr, idx = drawPairs(sp, key, uint64(p.N), p.Multapses)
	return ptr, idx, nil
}

// drawPairs draws n pairs of sp uniformly (distinct unless multi).
//
// With at most 2³² pairs (any projection up to 65,536 × 65,536), each
// draw — a linear pair index l = row·per + column — is kept in idx as
// drawn while the rows are counted, then idx is permuted in place into
// row order (each draw moved once, American-flag style) and every row
// sorted by radix. More pairs than that take two passes over the same
// stream: count per row, then draw again and place. Either way each row
// holds the same draws, so the sorted rows are the same.
//
// It is one function of about 130 lines on purpose: the build's hottest
// loop (the microcircuit draws 3·10⁸ pairs here), whose passes share
// buffers and whose speed was measured as written (docs/performance.md,
// "Building"); reference_test.go pins its output.
func drawPairs(sp space, key rng.Key, n uint64, multi bool) (ptr, idx []uint32) {
	ptr = make([]uint32, sp.rows+1)
	idx = make([]uint32, n)
	if n == 0 {
		return ptr, idx
	}
	m, per := sp.pairs(), uint64(sp.rowCols())
	linear := m <= math.MaxUint32 // idx holds linear indices until the rows are sorted
	if linear {
		d := newDivider(uint32(per))
		drawBelow(idx, key.Sub(0), uint32(m))
		for _, l := range idx {
			ptr[d.div(l)+1]++
		}
		prefix(ptr)
		// Scatter into a new array: the stores are independent, so many
		// are in flight at once (a permutation in place chains its cache
		// misses and is slower).
		fill := slices.Clone(ptr[:sp.rows])
		drawn := idx
		idx = make([]uint32, n)
		for _, l := range drawn {
			r := d.div(l)
			idx[fill[r]] = l
			fill[r]++
		}
	} else {
		// Pass 1: count per row. Pass 2: the same draws again, placed.
		w := newWords(key, 0)
		for range n {
			ptr[w.below64(m)/per+1]++
		}
		prefix(ptr)
		fill := slices.Clone(ptr[:sp.rows])
		w = newWords(key, 0)
		for range n {
			l := w.below64(m)
			r := l / per
			idx[fill[r]] = uint32(l % per)
			fill[r]++
		}
	}
	// Sort rows; without multapses, drop repeats in place — through a
	// bitset of the row's columns when reading it back (per/64 words) is
	// cheaper than sorting.
	var seen bitset
	if !multi && (per+63)/64 <= 4*(n/uint64(sp.rows)+1) {
		seen = newBitset(int(per))
	}
	var tmp []uint32
	if seen == nil {
		longest := uint32(0)
		for r := range sp.rows {
			longest = max(longest, ptr[r+1]-ptr[r])
		}
		tmp = make([]uint32, longest)
	}
	have := uint32(0)
	for r := 0; r < sp.rows; r++ {
		row := idx[ptr[r]:ptr[r+1]]
		ptr[r] = have
		if linear {
			base := uint32(r) * uint32(per)
			for q := range row {
				row[q] -= base
			}
		}
		if seen != nil {
			for _, c := range row {
				seen.set(c)
			}
			for i, word := range seen {
				for word != 0 {
					idx[have] = uint32(i)<<6 | uint32(bits.TrailingZeros64(word))
					have++
					word &= word - 1
				}
				seen[i] = 0
			}
			continue
		}
		sortColumns(row, tmp, uint32(per-1))
		if multi { // nothing dropped: the row is where it was
			have += uint32(len(row))
			continue
		}
		for q, c := range row {
			if q == 0 || c != row[q-1] {
				idx[have] = c
				have++
			}
		}
	}
	ptr[sp.rows] = have
	var w words
	// Rounds: draw the missing pairs again, keeping the new distinct ones
	// in a sorted side list merged into the CSR once at the end.
	var extra, fresh []uint64
	for round := uint64(1); uint64(have)+uint64(len(extra)) < n; round++ {
		w = newWords(key, round)
		fresh = fresh[:0]
		for range n - uint64(have) - uint64(len(extra)) {
			fresh = append(fresh, w.below64(m))
		}
		slices.Sort(fresh)
		fresh = slices.Compact(fresh)
		fresh = slices.DeleteFunc(fresh, func(l uint64) bool {
			r := l / per
			_, found := slices.BinarySearch(idx[ptr[r]:ptr[r+1]], uint32(l%per))
			return found
		})
		extra = union(extra, fresh)
	}
	if len(extra) > 0 {
		have = mergeInto(ptr, idx, have, extra, per)
	}
	// Columns were counted among the allowed ones: map them to real ones.
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
	return ptr, idx
}

// drawBelow fills out with the draws that words.below(n) makes from the
// words of key (those of newWords(k, id) for key = k.Sub(id)), eight words
// at a time without a call per word. A word x is rejected, as in below,
// when uint32(x·n) < 2³² mod n; each accepted one is a draw.
func drawBelow(out []uint32, key rng.Key, n uint32) {
	t := -n % n
	q := 0
	for ctr := uint64(0); q < len(out); ctr += 2 {
		a, b := key.At2(0, ctr)
		for _, x := range [8]uint32{a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]} {
			p := uint64(x) * uint64(n)
			if uint32(p) < t {
				continue
			}
			out[q] = uint32(p >> 32)
			if q++; q == len(out) {
				return
			}
		}
	}
}

// union returns the sorted union of two sorted sets.
func union(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// mergeInto merges the sorted linear pair indices extra (row = l/per,
// column = l%per), none already present, into the CSR (ptr, idx[:n]) in
// place, from the end; idx must have room. It returns the new length.
func mergeInto(ptr, idx []uint32, n uint32, extra []uint64, per uint64) uint32 {
	w := n + uint32(len(extra)) // write position, exclusive
	i := n                      // old entries read, exclusive
	x := len(extra)             // extras read, exclusive
	for r := len(ptr) - 2; r >= 0; r-- {
		a, end := ptr[r], w
		for {
			hasOld := i > a
			hasX := x > 0 && extra[x-1]/per == uint64(r)
			if !hasOld && !hasX {
				break
			}
			w--
			if hasX && (!hasOld || uint32(extra[x-1]%per) > idx[i-1]) {
				idx[w] = uint32(extra[x-1] % per)
				x--
			} else {
				idx[w] = idx[i-1]
				i--
			}
		}
		ptr[r+1] = end
	}
	return n + uint32(len(extra))
}

// checkDegree validates a fixed degree k out of n candidates.
func checkDegree(kind string, k int, multi bool, n int, what string) error {
	if k < 0 {
		return fmt.Errorf("connectivity: %s: K = %d: must be >= 0", kind, k)
	}
	if k == 0 {
		return nil
	}
	if n == 0 {
		return fmt.Errorf("connectivity: %s: K = %d but there are no %s to choose from", kind, k, what)
	}
	if !multi && k > n {
		return fmt.Errorf("connectivity: %s: K = %d > %d %s: must be <= %d without multapses (allow them: Multapses; multapses: true in a model file)", kind, k, n, what, n)
	}
	return nil
}
