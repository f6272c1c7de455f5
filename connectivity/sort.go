package connectivity

import (
	"math/bits"
	"slices"
)

// radixMin is the shortest row that sortColumns sorts by radix: below it,
// clearing the digit counts costs more than comparing.
const radixMin = 64

// sortColumns sorts a row's columns ascending, all of them <= maxCol.
// Sorted integers are the same whatever the method, so this gives exactly
// what slices.Sort gives; it is an LSD radix sort on bytes (one pass per
// byte that maxCol needs, a pass skipped when all columns share that
// byte): the microcircuit's rows (about a thousand columns below 22,000)
// take 0.7 CPU-s instead of pdqsort's 13.
// tmp must hold len(row) values; its contents are lost.
func sortColumns(row, tmp []uint32, maxCol uint32) {
	if len(row) < radixMin {
		slices.Sort(row)
		return
	}
	passes := (bits.Len32(maxCol) + 7) / 8
	var count [4][256]uint32
	switch passes {
	case 0:
		return
	case 1:
		for _, c := range row {
			count[0][byte(c)]++
		}
	case 2:
		for _, c := range row {
			count[0][byte(c)]++
			count[1][byte(c>>8)]++
		}
	default:
		for _, c := range row {
			for p := range passes {
				count[p][byte(c>>(8*p))]++
			}
		}
	}
	src, dst := row, tmp[:len(row)]
	n := uint32(len(row))
	for p := range passes {
		shift := uint(8 * p)
		cnt := &count[p]
		if cnt[byte(src[0]>>shift)] == n {
			continue // every column has this byte: the pass would not move any
		}
		sum := uint32(0)
		for b, c := range cnt {
			cnt[b] = sum
			sum += c
		}
		for _, c := range src {
			b := byte(c >> shift)
			dst[cnt[b]] = c
			cnt[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &row[0] {
		copy(row, src)
	}
}

// divider divides 32-bit integers by a fixed divisor with a multiply and
// a shift instead of a division (Lemire, Kaser and Kurz, "Faster
// remainder by direct computation", 2019: exact for every 32-bit
// dividend and divisor).
type divider struct {
	d uint32
	m uint64 // ⌈2⁶⁴/d⌉; 0 for d = 1, which divides by itself
}

func newDivider(d uint32) divider {
	if d == 1 {
		return divider{d: 1}
	}
	return divider{d: d, m: ^uint64(0)/uint64(d) + 1}
}

// div returns n / d.
func (v divider) div(n uint32) uint32 {
	if v.m == 0 {
		return n
	}
	hi, _ := bits.Mul64(v.m, uint64(n))
	return uint32(hi)
}
