package connectivity

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/rng"
)

// TestBelow checks that below and below64 are uniform: chi-square over n
// bins against its 5-sd bound, for n that do and do not divide 2³² or 2⁶⁴.
func TestBelow(t *testing.T) {
	const draws = 200000
	for _, n := range []uint64{1, 2, 3, 7, 1000, 1<<31 + 1, 3 << 32, 1<<63 + 12345} {
		w := newWords(rng.NewKey(1), n)
		const bins = 10
		var count [bins]float64
		for range draws {
			x := w.below64(n)
			if x >= n {
				t.Fatalf("below64(%d) = %d", n, x)
			}
			// Bin by the top of the range so that big n are checked too.
			count[uint64(float64(x)/float64(n)*bins)%bins]++
		}
		k := min(n, bins)
		if n < bins { // exact bins
			for i := range count[:k] {
				count[i] = 0
			}
			w = newWords(rng.NewKey(1), n)
			for range draws {
				count[w.below64(n)]++
			}
		}
		chi := 0.0
		for i := range k {
			e := draws / float64(k)
			chi += (count[i] - e) * (count[i] - e) / e
		}
		df := float64(k - 1)
		if chi > df+5*math.Sqrt(2*df)+1e-9 {
			t.Errorf("below64(%d): chi-square %g with %g degrees of freedom", n, chi, df)
		}
	}
}
