package rng

import (
	"math"
	"testing"
)

func TestPhiloxKnownAnswer(t *testing.T) {
	// Known-answer vectors of Philox4x32-10 from the Random123
	// distribution (kat_vectors): counter and key all zero, and all ones.
	cases := []struct {
		ctr  [4]uint32
		key  Key
		want Block
	}{
		{[4]uint32{0, 0, 0, 0}, Key{0, 0}, Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, Key{0xffffffff, 0xffffffff}, Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
	}
	for _, c := range cases {
		if got := philox(c.key, c.ctr); got != c.want {
			t.Errorf("philox(%x, %x) = %x, want %x", c.key, c.ctr, got, c.want)
		}
	}
}

func TestUniformMoments(t *testing.T) {
	k := NewKey(42, 7)
	const n = 200000
	var s, s2 float64
	for i := 0; i < n; i++ {
		u := k.Uniform(uint64(i), 3)
		if u < 0 || u >= 1 {
			t.Fatalf("uniform %g outside [0,1)", u)
		}
		s += u
		s2 += u * u
	}
	mean, v := s/n, s2/n-(s/n)*(s/n)
	// Mean of U[0,1) is 1/2 with standard error sqrt(1/12/n).
	if se := math.Sqrt(1.0 / 12 / n); math.Abs(mean-0.5) > 5*se {
		t.Errorf("mean %g, want 0.5 ± %g", mean, 5*se)
	}
	if math.Abs(v-1.0/12) > 0.002 {
		t.Errorf("variance %g, want 1/12", v)
	}
}

func TestKeysIndependentOfOrder(t *testing.T) {
	a := NewKey(1, 2, 3)
	if a != NewKey(1, 2, 3) {
		t.Fatal("same identities gave different keys")
	}
	if a == NewKey(1, 3, 2) || a == NewKey(2, 2, 3) || a == NewKey(1, 2) {
		t.Fatal("different identities gave the same key")
	}
	if a.Sub(5) != a.Sub(5) || a.Sub(5) == a.Sub(6) {
		t.Fatal("Sub is not a function of its identities")
	}
}

func TestPoissonMoments(t *testing.T) {
	for _, lambda := range []float64{0.02, 2, 12, 75} {
		k := NewKey(9)
		const n = 40000
		var s, s2 float64
		for i := 0; i < n; i++ {
			x := float64(k.Poisson(uint64(i), 0, lambda))
			s += x
			s2 += x * x
		}
		mean := s / n
		v := s2/n - mean*mean
		// Poisson: mean = variance = lambda; standard error of the
		// mean sqrt(lambda/n).
		if se := math.Sqrt(lambda / n); math.Abs(mean-lambda) > 5*se {
			t.Errorf("lambda %g: mean %g, want within %g", lambda, mean, 5*se)
		}
		if math.Abs(v-lambda) > 0.1*lambda+0.01 {
			t.Errorf("lambda %g: variance %g", lambda, v)
		}
	}
}

func TestStreamIntNUnbiased(t *testing.T) {
	s := NewKey(3).Stream(1)
	const n, m = 60000, 6
	var c [m]int
	for i := 0; i < n; i++ {
		c[s.IntN(m)]++
	}
	// Chi-square with 5 degrees of freedom: 99.9 % quantile is 20.5.
	var chi float64
	for _, x := range c {
		d := float64(x) - n/m
		chi += d * d / (n / m)
	}
	if chi > 20.5 {
		t.Errorf("chi-square %g over 20.5: counts %v", chi, c)
	}
}

func TestNormalMoments(t *testing.T) {
	k := NewKey(11)
	const n = 100000
	var s, s2 float64
	for i := 0; i < n; i++ {
		x := k.Normal(uint64(i), 0)
		s += x
		s2 += x * x
	}
	if m := s / n; math.Abs(m) > 5/math.Sqrt(n) {
		t.Errorf("mean %g", m)
	}
	if v := s2 / n; math.Abs(v-1) > 0.03 {
		t.Errorf("variance %g", v)
	}
}

func TestAt2MatchesAt(t *testing.T) {
	k := NewKey(5, 6)
	for _, c := range [][2]uint64{{0, 0}, {17, 1 << 40}, {1<<63 + 5, 1<<32 - 1}} {
		a, b := k.At2(c[0], c[1])
		if a != k.At(c[0], c[1]) || b != k.At(c[0], c[1]+1) {
			t.Errorf("At2(%d, %d) differs from At", c[0], c[1])
		}
	}
}

// The table sampler is inversion: the count for word u is the number of
// CDF thresholds at or below u. Check it against a direct evaluation of
// the CDF in float64 on a grid of words, and its moments.
func TestPoissonTableInversion(t *testing.T) {
	for _, lambda := range []float64{0.05, 2, 17.5} {
		tab := NewPoissonTable(lambda)
		for i := 0; i < 5000; i++ {
			u := uint32(uint64(i) * 858993 % (1 << 32))
			x := (float64(u) + 0.5) / (1 << 32)
			p := math.Exp(-lambda)
			cdf, want := p, 0
			for x >= cdf && want < 200 {
				want++
				p *= lambda / float64(want)
				cdf += p
			}
			if got := tab.Sample(u); got != want {
				t.Fatalf("lambda %g, u %d: %d, inversion gives %d", lambda, u, got, want)
			}
		}
		k := NewKey(4)
		const n = 50000
		var s float64
		for i := 0; i < n; i++ {
			s += float64(tab.Sample(k.At(uint64(i), 0)[0]))
		}
		if se := math.Sqrt(lambda / n); math.Abs(s/n-lambda) > 5*se {
			t.Errorf("lambda %g: mean %g", lambda, s/n)
		}
	}
}

// oldPoissonLarge is the sum-of-inversions algorithm as it was before
// large means got their own method, written out again: Poisson must still
// give exactly its draws up to PoissonChunkMax, so that the spikes of
// existing models do not change.
func oldPoissonLarge(k Key, c0, c1 uint64, lambda float64) int {
	s := k.Stream(c0, c1)
	n := 0
	for lambda > 0 {
		l := math.Min(lambda, 25)
		n += poissonInvert(s.Float64(), l)
		lambda -= l
	}
	return n
}

func TestPoissonUnchangedUpToChunkMax(t *testing.T) {
	k := NewKey(3)
	for _, lambda := range []float64{30, 75.5, 700, 701, 5000, 33333.3, PoissonChunkMax} {
		for i := uint64(0); i < 50; i++ {
			if got, want := k.Poisson(i, 7, lambda), oldPoissonLarge(k, i, 7, lambda); got != want {
				t.Fatalf("lambda %g, counter %d: %d, the former algorithm gave %d", lambda, i, got, want)
			}
		}
	}
}

// Above PoissonChunkMax the draws are PTRS (exact): mean and variance
// are lambda; the sample mean has standard error sqrt(lambda/n) and the
// sample variance sqrt((lambda + 2 lambda^2)/n) (fourth central moment of
// a Poisson: lambda + 3 lambda^2).
func TestPoissonPTRSMoments(t *testing.T) {
	for _, lambda := range []float64{PoissonChunkMax * 1.0001, 3.3e6, 2.5e8, MaxPoissonMean} {
		k := NewKey(11)
		const n = 40000
		var s, s2 float64
		for i := 0; i < n; i++ {
			x := float64(k.Poisson(uint64(i), 1, lambda)) - lambda // centred: no cancellation
			s += x
			s2 += x * x
		}
		mean := s / n
		v := s2/n - mean*mean
		if se := math.Sqrt(lambda / n); math.Abs(mean) > 5*se {
			t.Errorf("lambda %g: mean %g away from lambda, want within %g", lambda, mean, 5*se)
		}
		if se := math.Sqrt((lambda + 2*lambda*lambda) / n); math.Abs(v-lambda) > 5*se {
			t.Errorf("lambda %g: variance %g, want within %g of lambda", lambda, v, 5*se)
		}
	}
}

// PTRS follows the Poisson distribution itself, not only its moments: a
// chi-square test of the counts in 16 bins against the exact Poisson
// probabilities (pmf from lgamma, summed over each bin). With 15 degrees
// of freedom the statistic exceeds 37.7 with probability 0.001.
func TestPoissonPTRSDistribution(t *testing.T) {
	const lambda, n = 2e5, 50000
	sd := math.Sqrt(lambda)
	// Bin edges at lambda + sd·z for z = -2.5, -2.1667, ..., 2.5 (14
	// inner bins) plus the two tails.
	var edges []int
	for j := 0; j <= 14; j++ {
		edges = append(edges, int(math.Floor(lambda+sd*(-2.5+float64(j)*5/14))))
	}
	bin := func(x int) int {
		b := 0
		for b < len(edges) && x > edges[b] {
			b++
		}
		return b
	}
	counts := make([]float64, len(edges)+1)
	k := NewKey(5)
	for i := 0; i < n; i++ {
		counts[bin(k.Poisson(uint64(i), 2, lambda))]++
	}
	probs := make([]float64, len(edges)+1)
	lo, hi := int(lambda-10*sd), int(lambda+10*sd)
	for x := lo; x <= hi; x++ {
		lg, _ := math.Lgamma(float64(x) + 1)
		probs[bin(x)] += math.Exp(float64(x)*math.Log(lambda) - lambda - lg)
	}
	chi2 := 0.0
	for b := range counts {
		e := probs[b] * n
		chi2 += (counts[b] - e) * (counts[b] - e) / e
	}
	if chi2 > 37.7 {
		t.Errorf("chi-square %g over %d bins (counts %v, expected probabilities %v)", chi2, len(counts), counts, probs)
	}
}

// A mean no float64 Poisson method handles (1e300) still returns at once:
// the normal approximation, saturated at 2^62.
func TestPoissonHugeMeanBounded(t *testing.T) {
	k := NewKey(1)
	if got := k.Poisson(0, 0, 1e300); got != 1<<62 {
		t.Errorf("lambda 1e300: %d, want the saturated 2^62", got)
	}
	lambda := 4e12
	var s float64
	const n = 2000
	for i := 0; i < n; i++ {
		s += float64(k.Poisson(uint64(i), 0, lambda)) - lambda
	}
	if se := math.Sqrt(lambda / n); math.Abs(s/n) > 5*se {
		t.Errorf("lambda %g: mean off by %g, want within %g", lambda, s/n, 5*se)
	}
	for _, l := range []float64{math.NaN(), -1, math.Inf(-1)} {
		if got := k.Poisson(0, 0, l); got != 0 {
			t.Errorf("lambda %g: %d, want 0", l, got)
		}
	}
}

// TestStreamWalksTheBlocks checks that a stream hands out the words of
// blocks (0, 0), (0, 1), ... of its key, two per Uint64, in order —
// however many it computes at a time.
func TestStreamWalksTheBlocks(t *testing.T) {
	k := NewKey(8)
	for _, n := range []int{0, 1, 2, 3, 4, 5, 1001} {
		s := k.Stream(uint64(n))
		sub := k.Sub(uint64(n))
		for i := range n {
			b := sub.At(0, uint64(i/2))
			want := uint64(b[2*(i%2)])<<32 | uint64(b[2*(i%2)+1])
			if got := s.Uint64(); got != want {
				t.Fatalf("stream %d: Uint64 %d = %#x, want %#x", n, i, got, want)
			}
		}
	}
}
