package plot

import "math"

// Population-rate bin choice (see RateBin).
const (
	// RateBinSpikes is the expected number of spikes per bin aimed at.
	RateBinSpikes = 10
	// MinRateBinMS is the narrowest bin chosen.
	MinRateBinMS = 1.0
	// MaxRateBins bounds the number of bins over the run: finer bins are
	// narrower than a pixel of the figure.
	MaxRateBins = 1000
	// MinRateBins is the fewest bins over the run: a bin is at most this
	// fraction of the duration, however sparse the spikes.
	MinRateBins = 20
)

// RateBin returns the population-rate bin width in ms for a population of
// size neurons firing at rateHz on average over durationMS:
//
//	w = max(MinRateBinMS, RateBinSpikes / (size · rateHz / 1000), durationMS / MaxRateBins)
//
// rounded up to a nice value (1, 2, 2.5 or 5 × 10ⁿ ms) so that a bin
// expects at least RateBinSpikes spikes (a relative Poisson noise of about
// 30 %), and then, when that is wider than durationMS / MinRateBins,
// rounded down from that cap instead. For example, one neuron at 10 Hz over
// 5 s: 10 / (1 · 0.01) = 1000 ms, capped at 5000 / 20 = 250 ms; 10,000
// neurons at 30 Hz over 1 s: 10 / 300 = 0.033 ms, so 1 ms. A silent
// population gets the cap. Render then takes the nearest whole number of
// the run's steps, at least one.
func RateBin(size int, rateHz, durationMS float64) float64 {
	if !(durationMS > 0) || math.IsInf(durationMS, 0) {
		return MinRateBinMS
	}
	target := math.Inf(1)
	if n := float64(size) * rateHz / 1000; n > 0 {
		target = RateBinSpikes / n // spikes per ms across the population
	}
	w := math.Max(MinRateBinMS, math.Max(target, durationMS/MaxRateBins))
	if limit := durationMS / MinRateBins; w > limit {
		return niceFloor(limit)
	}
	return niceCeil(w)
}

var niceSteps = []float64{1, 2, 2.5, 5, 10}

// niceCeil returns the least value m·10ⁿ ≥ x with m in niceSteps (x > 0).
func niceCeil(x float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range niceSteps {
		if v := m * e; v >= x*(1-1e-12) {
			return v
		}
	}
	return 10 * e
}

// niceFloor returns the greatest value m·10ⁿ ≤ x with m in niceSteps (x > 0).
func niceFloor(x float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(x)))
	for k := len(niceSteps) - 1; k >= 0; k-- {
		if v := niceSteps[k] * e; v <= x*(1+1e-12) {
			return v
		}
	}
	return e
}
