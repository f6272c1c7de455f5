package main

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/spiral-sim/spiral/monitor"
)

// The statistics of NEST's microcircuit reference analysis
// (INM-6/microcircuit-PD14-model, PyNEST/reference_data and helpers.py,
// after Dasbach et al. 2021): per population, the CV of the inter-spike
// intervals of every neuron with at least three spikes in the window, and
// the Pearson correlation of the spike counts, in bins of 2 ms, of every
// pair of ccSample neurons drawn at random (pairs with a silent neuron
// left out).
const (
	ccSample  = 250 // neurons per population (the 15-minute reference's subsample_size)
	ccBinMs   = 2.0
	ccSeed    = 12345
	ccBinStep = int(ccBinMs / dtMs)
)

// Reference values read from the figures of NEST's 15-minute reference
// ensemble (PyNEST/reference_data/figures/spike_cvs_distributions_T900s.png
// and spike_ccs_distributions_T900s.png at INM-6/microcircuit-PD14-model
// commit fd40046e: full scale, 10 seeds, 900 s after a 500 ms warm-up,
// DC background by the package's default then): the peak of each
// population's distribution, read to ±0.05 (CV) and ±0.001 (CC).
var (
	nestCVPeak = [8]float64{0.95, 0.90, 0.90, 0.90, 0.85, 0.80, 0.95, 0.85}
	nestCCPeak = [8]float64{-0.001, 0.003, 0.003, 0.002, 0.009, 0.001, -0.001, 0.001}
)

// Irregularity and synchrony of one population over the measured window.
type Irregularity struct {
	CVMean, CVMedian float64 // over neurons with >= 3 spikes
	NCV              int
	CCMean, CCMedian float64 // over pairs of the sample without a silent neuron
	NCC              int
}

// irregularity computes the statistics of population y (n neurons) over
// steps [from, to).
func irregularity(y, n int, steps []int64, elements []uint32, from, to int64) Irregularity {
	var r Irregularity
	cvs := monitor.ISICVs(n, steps, elements, from, to)
	r.NCV = len(cvs)
	r.CVMean, r.CVMedian = meanMedian(cvs)
	sample := make([]uint32, min(ccSample, n))
	perm := rand.New(rand.NewPCG(ccSeed, uint64(y))).Perm(n)
	for i := range sample {
		sample[i] = uint32(perm[i])
	}
	var ccs []float64
	for _, c := range monitor.SpikeCountCorrelations(steps, elements, sample, from, to, ccBinStep) {
		if !math.IsNaN(c) {
			ccs = append(ccs, c)
		}
	}
	r.NCC = len(ccs)
	r.CCMean, r.CCMedian = meanMedian(ccs)
	return r
}

// meanMedian returns the mean and median of xs (NaN, NaN if empty).
func meanMedian(xs []float64) (mean, median float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	for _, x := range s {
		mean += x
	}
	mean /= float64(len(s))
	if len(s)%2 == 1 {
		return mean, s[len(s)/2]
	}
	return mean, (s[len(s)/2-1] + s[len(s)/2]) / 2
}
