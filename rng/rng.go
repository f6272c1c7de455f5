// Package rng provides the counter-based random streams of Spiral.
//
// Every random number in a simulation is a pure function of identities: the
// run seed, the population, the neuron, the step and the purpose of the draw
// (docs/model-core.md, "Random numbers"). Streams are never tied to a
// goroutine, shard or node, so a network gives the same spikes however it
// is split. The generator is
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011), which CUDA's cuRAND also offers, so a GPU kernel can draw the
// same numbers.
//
// Two ways to draw:
//
//   - Key.At(counter) — random access: the numbers of (key, counter) are
//     fixed forever. Use it in step loops: counter = step, neuron.
//   - Key.Stream(ids...) — a sequential source implementing math/rand/v2's
//     Source, for build-time work such as drawing connectivity or initial
//     weights with gonum distributions.
package rng

import (
	"math"
	"math/bits"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Purpose names what a draw is for, so two uses of one identity never share
// numbers.
type Purpose uint32

// Purposes used by the model packages. New ones may be added at the end.
const (
	PurposeConnectivity Purpose = iota + 1
	PurposeWeights
	PurposeInitialState
	PurposePoisson
	PurposeNoise
	PurposeClamps
	PurposeTieBreak
	PurposeStimulus
	PurposeDelays
	PurposeUser
)

// Key identifies one family of streams (for example one population and one
// purpose). It is a small value type; copy it freely.
type Key struct{ k0, k1 uint32 }

// NewKey derives a key from a seed and any number of identities (population
// index, projection index, purpose...). Different identity lists give
// independent keys.
func NewKey(seed uint64, ids ...uint64) Key {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	for _, id := range ids {
		h = mix64(h ^ mix64(id+0x632be59bd9b4e019))
	}
	return Key{uint32(h), uint32(h >> 32)}
}

// Words returns the key's two words, for a device that draws the same
// numbers (a GPU kernel's Philox).
func (k Key) Words() (k0, k1 uint32) { return k.k0, k.k1 }

// Sub derives a child key from k and more identities.
func (k Key) Sub(ids ...uint64) Key {
	return NewKey(uint64(k.k0)|uint64(k.k1)<<32, ids...)
}

// mix64 is the SplitMix64 finaliser, used only to derive keys.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Block is four 32-bit random words, the output of one Philox evaluation.
type Block [4]uint32

// At returns the random block of counter (c0, c1) under key k. c0 is
// typically the step and c1 the neuron index.
func (k Key) At(c0, c1 uint64) Block {
	return philox(k, [4]uint32{uint32(c0), uint32(c0 >> 32), uint32(c1), uint32(c1 >> 32)})
}

const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

func philox(k Key, c [4]uint32) Block {
	c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
	k0, k1 := k.k0, k.k1
	for r := 0; r < 10; r++ {
		p0 := uint64(philoxM0) * uint64(c0)
		p1 := uint64(philoxM1) * uint64(c2)
		c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
		k0 += philoxW0
		k1 += philoxW1
	}
	return Block{c0, c1, c2, c3}
}

// Float64 returns a uniform number in [0, 1) built from words 0 and 1.
func (b Block) Float64() float64 {
	return float64(float64((uint64(b[0])<<32|uint64(b[1]))>>11) * (1.0 / (1 << 53)))
}

// Float64Hi returns a second uniform number in [0, 1) from words 2 and 3,
// independent of Float64.
func (b Block) Float64Hi() float64 {
	return float64(float64((uint64(b[2])<<32|uint64(b[3]))>>11) * (1.0 / (1 << 53)))
}

// Normal returns a standard normal number from the block (Box–Muller on its
// two uniforms).
func (b Block) Normal() float64 {
	u1 := 1 - b.Float64() // (0, 1]
	u2 := b.Float64Hi()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Uniform returns a uniform number in [0, 1) for (c0, c1).
func (k Key) Uniform(c0, c1 uint64) float64 { return k.At(c0, c1).Float64() }

// Normal returns a standard normal number for (c0, c1).
func (k Key) Normal(c0, c1 uint64) float64 { return k.At(c0, c1).Normal() }

// Poisson returns a Poisson(lambda) count for (c0, c1). Means below 30
// use inversion of one uniform; means up to PoissonChunkMax a sum of
// inversions (poissonLarge); larger means up to MaxPoissonMean the
// transformed rejection of Hörmann (poissonPTRS). All three are exact and
// take bounded time. Beyond MaxPoissonMean (where a float64 can no longer
// evaluate the Poisson probabilities to the precision rejection needs) the
// count is the rounded normal approximation, saturated at 2^62.
func (k Key) Poisson(c0, c1 uint64, lambda float64) int {
	if !(lambda > 0) {
		return 0
	}
	if lambda < 30 {
		return poissonInvert(k.At(c0, c1).Float64(), lambda)
	}
	if lambda <= PoissonChunkMax {
		return poissonLarge(k.Stream(c0, c1), lambda)
	}
	if lambda <= MaxPoissonMean {
		return poissonPTRS(k.Stream(c0, c1), lambda)
	}
	return poissonNormal(k.Stream(c0, c1), lambda)
}

const (
	// PoissonChunkMax is the largest mean drawn as a sum of inversions
	// of means of at most 25 (PoissonChunkMax/25 = 4000 of them): the
	// draws of Spiral before larger means had their own method, kept
	// so that the spikes of existing models do not change.
	PoissonChunkMax = 1e5
	// MaxPoissonMean is the largest mean Poisson draws exactly: above
	// it a Poisson count is its normal approximation. Model files
	// refuse drives whose mean per step exceeds it.
	MaxPoissonMean = 1e9
)

// poissonInvert returns the smallest n with CDF(n) > u for a Poisson(lambda).
func poissonInvert(u, lambda float64) int {
	p := math.Exp(-lambda)
	cdf := p
	n := 0
	for u >= cdf && n < 1000 {
		n++
		p = float64(p * (lambda / float64(n)))
		cdf += p
	}
	return n
}

// poissonLarge draws Poisson(lambda) for large lambda as a sum of Poisson
// draws of mean at most 25 (the sum of independent Poisson variables is
// Poisson), so the result is exact.
func poissonLarge(s *Stream, lambda float64) int {
	n := 0
	for lambda > 0 {
		l := math.Min(lambda, 25)
		n += poissonInvert(s.Float64(), l)
		lambda -= l
	}
	return n
}

// poissonPTRS draws Poisson(lambda), lambda >= 10, by the transformed
// rejection with squeeze of W. Hörmann, "The transformed rejection method
// for generating Poisson random variables", Insurance: Mathematics and
// Economics 12 (1993) 39–45 (algorithm PTRS, as numpy uses it): a
// candidate k = floor((2a/us + b)·u + lambda + 0.43) from two uniforms,
// accepted at once inside the squeeze (us >= 0.07, v <= vr, about 89% of
// candidates for large lambda) and otherwise against the Poisson
// probability, log v + log(1/alpha) − log(a/us² + b) <= k·log(lambda) −
// lambda − lgamma(k+1). The expected number of candidates is below 1.2 for
// every lambda >= 10, so the time is bounded in expectation and the
// result is exact. Products are converted explicitly so that no platform
// fuses them into a multiply-add (the same draws on amd64 and arm64).
func poissonPTRS(s *Stream, lambda float64) int {
	slam := math.Sqrt(lambda)
	loglam := math.Log(lambda)
	b := 0.931 + float64(2.53*slam)
	a := -0.059 + float64(0.02483*b)
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := s.Float64() - 0.5
		v := s.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor(float64(float64(2*a/us+b)*u) + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		lhs := math.Log(v) + math.Log(invalpha) - math.Log(a/float64(us*us)+b)
		rhs := float64(k*loglam) - lambda - lg
		if lhs <= rhs {
			return int(k)
		}
	}
}

// poissonNormal is the normal approximation round(lambda + sqrt(lambda)·z)
// for means beyond MaxPoissonMean (relative error of the shape below
// 1/sqrt(lambda) < 3.2e-5), saturated at 2^62 so that it fits an int.
func poissonNormal(s *Stream, lambda float64) int {
	x := math.Floor(lambda + float64(math.Sqrt(lambda)*s.Normal()) + 0.5)
	if !(x < 1<<62) {
		return 1 << 62
	}
	return int(max(x, 0))
}

// Stream is a sequential random source under a key: it walks the counter
// (base, 0), (base, 1), ... and hands out the words of each block. It
// implements math/rand/v2's Source, so gonum distributions can use it.
// After the first block it computes two at a time (Key.At2, about twice
// the throughput), so a long stream costs half as much and a short one no
// more; the numbers are the same.
type Stream struct {
	key   Key
	base  uint64
	ctr   uint64
	buf   [2]Block
	used  int // words of buf handed out
	avail int // words of buf computed
}

// Stream returns a sequential source under k for the sub-identities ids.
func (k Key) Stream(ids ...uint64) *Stream {
	return &Stream{key: k.Sub(ids...)}
}

// Uint64 returns 64 random bits.
func (s *Stream) Uint64() uint64 {
	if s.used == s.avail {
		s.refill()
	}
	b := &s.buf[s.used>>2&1]
	i := s.used & 2
	v := uint64(b[i])<<32 | uint64(b[i+1])
	s.used += 2
	return v
}

// refill computes the next block, or the next two after the first.
func (s *Stream) refill() {
	if s.ctr == 0 {
		s.buf[0] = s.key.At(s.base, 0)
		s.ctr, s.avail = 1, 4
	} else {
		s.buf[0], s.buf[1] = s.key.At2(s.base, s.ctr)
		s.ctr, s.avail = s.ctr+2, 8
	}
	s.used = 0
}

// Float64 returns a uniform number in [0, 1).
func (s *Stream) Float64() float64 {
	return float64(float64(s.Uint64()>>11) * (1.0 / (1 << 53)))
}

// IntN returns a uniform integer in [0, n). n must be positive.
func (s *Stream) IntN(n int) int {
	// Lemire's multiply-shift with rejection: unbiased.
	un := uint64(n)
	for {
		x := s.Uint64()
		hi, lo := bits.Mul64(x, un)
		if lo >= un || lo >= (-un)%un {
			return int(hi)
		}
	}
}

// Normal returns a standard normal number.
func (s *Stream) Normal() float64 {
	u1 := 1 - s.Float64()
	u2 := s.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// PoissonTable samples Poisson(λ) counts from one 32-bit random word by
// inversion against a precomputed table of the cumulative distribution,
// for the hot loops where λ is the same for many draws (background
// input). The table covers the distribution up to a tail probability below
// 2^-32, the resolution of the word, so the samples are exact to that
// resolution. A guide table indexed by the word's top byte gives the
// search its starting point, so a draw takes about one comparison.
type PoissonTable struct {
	// cdf[k] = floor(P(X <= k) · 2^32), clamped below 2^32.
	cdf    []uint32
	guide  [256]uint16 // guide[b]: smallest k with cdf[k] > b·2^24
	lambda float64
}

// NewPoissonTable builds the table of Poisson(lambda). lambda must be
// finite and >= 0; means above 700 are not supported (use Key.Poisson).
func NewPoissonTable(lambda float64) *PoissonTable {
	t := &PoissonTable{lambda: lambda}
	if !(lambda > 0) {
		return t
	}
	p := math.Exp(-lambda)
	cdf := p
	for k := 0; ; k++ {
		c := cdf * (1 << 32)
		if c >= (1<<32)-1 || k > 10000 {
			break
		}
		t.cdf = append(t.cdf, uint32(c))
		p = float64(p * (lambda / float64(k+1)))
		cdf += p
	}
	k := 0
	for b := range t.guide {
		for k < len(t.cdf) && uint64(t.cdf[k]) <= uint64(b)<<24 {
			k++
		}
		t.guide[b] = uint16(k)
	}
	return t
}

// Lambda returns the mean.
func (t *PoissonTable) Lambda() float64 { return t.lambda }

// CDF returns the table, for a device that samples as Sample does:
// cdf[k] = floor(P(X <= k) · 2^32), and guide[b] the smallest k with
// cdf[k] > b·2^24. The slices are the table's own: do not modify them.
func (t *PoissonTable) CDF() (cdf []uint32, guide []uint16) { return t.cdf, t.guide[:] }

// Sample returns the count for the random word u: the smallest k with
// u < cdf[k] (len(cdf) when there is none).
func (t *PoissonTable) Sample(u uint32) int {
	k := int(t.guide[u>>24])
	cdf := t.cdf
	for k < len(cdf) && u >= cdf[k] {
		k++
	}
	return k
}

// At2 returns the blocks of counters (c0, c1) and (c0, c1+1) under k. It
// computes the two blocks interleaved, which keeps the multiplier busy:
// about twice the throughput of two calls of At.
func (k Key) At2(c0, c1 uint64) (Block, Block) {
	a0, a1, a2, a3 := uint32(c0), uint32(c0>>32), uint32(c1), uint32(c1>>32)
	d := c1 + 1
	b0, b1, b2, b3 := a0, a1, uint32(d), uint32(d>>32)
	k0, k1 := k.k0, k.k1
	for r := 0; r < 10; r++ {
		p0 := uint64(philoxM0) * uint64(a0)
		p1 := uint64(philoxM1) * uint64(a2)
		q0 := uint64(philoxM0) * uint64(b0)
		q1 := uint64(philoxM1) * uint64(b2)
		a0, a1, a2, a3 = uint32(p1>>32)^a1^k0, uint32(p1), uint32(p0>>32)^a3^k1, uint32(p0)
		b0, b1, b2, b3 = uint32(q1>>32)^b1^k0, uint32(q1), uint32(q0>>32)^b3^k1, uint32(q0)
		k0 += philoxW0
		k1 += philoxW1
	}
	return Block{a0, a1, a2, a3}, Block{b0, b1, b2, b3}
}
