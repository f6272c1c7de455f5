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
