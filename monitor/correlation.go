package monitor

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// ISICVs returns the coefficient of variation of the inter-spike
// intervals of each neuron of a population of n that fired at least three
// times in steps [from, to) — the standard deviation (denominator n) over
// the mean, the definition of Stats.CVISI and of NEST's microcircuit
// analysis — in neuron order; neurons with fewer spikes are left out. The
// spikes of a neuron must be listed in step order (as monitors and
// engines record them).
func ISICVs(n int, steps []int64, elements []uint32, from, to int64) []float64 {
	counts := make([]int, n)
	last := make([]int64, n)
	s1 := make([]float64, n)
	s2 := make([]float64, n)
	for k, e := range elements {
		st := steps[k]
		if int(e) >= n || st < from || st >= to {
			continue
		}
		if counts[e] > 0 {
			isi := float64(st - last[e])
			s1[e] += isi
			s2[e] += float64(isi * isi)
		}
		counts[e]++
		last[e] = st
	}
	var cvs []float64
	for i, c := range counts {
		if c < 3 {
			continue
		}
		m := s1[i] / float64(c-1)
		v := math.Max(s2[i]/float64(c-1)-float64(m*m), 0)
		cvs = append(cvs, math.Sqrt(v)/m)
	}
	return cvs
}

// SpikeCountCorrelations returns the Pearson correlation coefficient of
// the spike counts of every pair of the listed neurons, counted in bins
// of binSteps steps from `from` on (the last bin may be shorter, ending at
// to): pairs (0, 1), (0, 2), …, (1, 2), … in the order of neurons. A pair
// with a neuron whose count never varies (a silent neuron, for one) gets
// NaN, as NEST's microcircuit analysis (numpy's corrcoef) gives it. It
// returns nil for fewer than two neurons or bins.
func SpikeCountCorrelations(steps []int64, elements []uint32, neurons []uint32, from, to int64, binSteps int) []float64 {
	if binSteps < 1 || to <= from {
		return nil
	}
	bins := int((to - from + int64(binSteps) - 1) / int64(binSteps))
	m := len(neurons)
	if m < 2 || bins < 2 {
		return nil
	}
	col := make(map[uint32]int, m)
	for c, e := range neurons {
		col[e] = c
	}
	// Observations (bins) in rows, variables (neurons) in columns.
	x := mat.NewDense(bins, m, nil)
	for k, e := range elements {
		st := steps[k]
		c, ok := col[e]
		if !ok || st < from || st >= to {
			continue
		}
		b := int((st - from) / int64(binSteps))
		x.Set(b, c, x.At(b, c)+1)
	}
	var cc mat.SymDense
	stat.CorrelationMatrix(&cc, x, nil)
	out := make([]float64, 0, m*(m-1)/2)
	for i := range m {
		for j := i + 1; j < m; j++ {
			out = append(out, cc.At(i, j))
		}
	}
	return out
}
