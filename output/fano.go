package output

import "math"

// FanoBinMS is the bin of the population Fano factor (PopulationSummary's
// population_fano): 1 ms as the whole number of steps nearest it (0.9 ms
// at dt 0.3 ms), or one step where dt is longer. The copies of a batch
// are counted together: B copies that fire alike (the same input) give B
// times one copy's factor.
const FanoBinMS = 1.0

// FanoBin returns the bin of the population Fano factor in steps of
// dtMS: the whole number of steps nearest FanoBinMS, at least one.
func FanoBin(dtMS float64) int64 { return max(1, int64(math.Round(FanoBinMS/dtMS))) }

// Bins counts a population's spikes per bin of Step steps (bin k holds
// steps [k·Step, (k+1)·Step)), for its population Fano factor.
type Bins struct {
	Step   int64
	first  int64   // the bin of counts[0]
	counts []int64 // from bin first on
}

// Add counts a spike at step (steps come in any order). A Step below one
// counts as one.
func (b *Bins) Add(step int64) {
	if b.Step < 1 {
		b.Step = 1
	}
	k := step / b.Step
	switch {
	case len(b.counts) == 0:
		b.first = k
	case k < b.first:
		grown := make([]int64, int(b.first-k)+len(b.counts))
		copy(grown[b.first-k:], b.counts)
		b.counts, b.first = grown, k
	}
	for int(k-b.first) >= len(b.counts) {
		b.counts = append(b.counts, 0)
	}
	b.counts[k-b.first]++
}

// Fano returns the population Fano factor over the whole bins within
// steps [from, to): the variance of the spike count per bin (empty bins
// included) over its mean. Independent Poisson neurons give 1 whatever
// their number and rate; synchronous firing gives far more, regular
// asynchronous firing less. NaN for fewer than two bins or no spike.
func (b *Bins) Fano(from, to int64) float64 {
	if b.Step < 1 {
		b.Step = 1
	}
	lo := (from + b.Step - 1) / b.Step // the first whole bin
	hi := to / b.Step                  // past the last
	n := hi - lo
	if n < 2 {
		return math.NaN()
	}
	var s1, s2 float64
	for k := lo; k < hi; k++ {
		var c float64
		if i := k - b.first; i >= 0 && i < int64(len(b.counts)) {
			c = float64(b.counts[i])
		}
		s1 += c
		s2 += float64(c * c)
	}
	mean := s1 / float64(n)
	if mean == 0 {
		return math.NaN()
	}
	v := (s2 - float64(s1*mean)) / float64(n-1)
	return v / mean
}
