package monitor

import (
	"math"

	"github.com/spiral-sim/spiral/output"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Stats summarises the spikes of one population (one batch copy) in a
// window of steps [From, To), with the definitions of the Brian2 reference
// scripts (testdata/brian2/README.md): the mean rate over neurons, and the
// coefficient of variation of the inter-spike intervals averaged over the
// neurons that fired at least three times (ISI standard deviation with
// denominator n).
type Stats struct {
	Neurons    int
	Spikes     int
	RateHz     float64 // mean over neurons
	RateStdHz  float64 // standard deviation over neurons
	FracSilent float64
	CVISI      float64 // mean CV over neurons with >= 3 spikes; NaN if none
	NCV        int     // neurons that entered CVISI
	// Fano is the population Fano factor (output.Bins.Fano): the variance
	// of the population's spike count per bin of output.FanoBinMS over
	// its mean; NaN if undefined.
	Fano float64
}

// Summarize computes Stats of copy `copy` of the recorded population over
// steps [from, to) with time step dt (ms).
func (m *Spikes) Summarize(copy int, from, to int64, dtMs float64) Stats {
	n := m.pop.N
	return summary(n, m.Steps, m.Elements, uint32(copy*n), from, to, dtMs)
}

// Summary computes Stats of the first copy of a population of n neurons
// from parallel lists of spike steps and elements (as recorded by a spike
// monitor or the actor engine) over steps [from, to).
func Summary(n int, steps []int64, elements []uint32, from, to int64, dtMs float64) Stats {
	return summary(n, steps, elements, 0, from, to, dtMs)
}

func summary(n int, steps []int64, elements []uint32, lo uint32, from, to int64, dtMs float64) Stats {
	hi := lo + uint32(n)
	bins := output.Bins{Step: output.FanoBin(dtMs)}
	counts := make([]int, n)
	last := make([]int64, n)
	s1 := make([]float64, n)
	s2 := make([]float64, n)
	for k, e := range elements {
		st := steps[k]
		if e < lo || e >= hi || st < from || st >= to {
			continue
		}
		i := e - lo
		bins.Add(st)
		if counts[i] > 0 {
			isi := float64(float64(st-last[i]) * dtMs)
			s1[i] += isi
			s2[i] += float64(isi * isi)
		}
		counts[i]++
		last[i] = st
	}
	T := float64(to-from) * dtMs / 1000
	var st Stats
	st.Neurons = n
	st.Fano = bins.Fano(from, to)
	var sumR, sumR2, sumCV float64
	for i, c := range counts {
		st.Spikes += c
		r := float64(c) / T
		sumR += r
		sumR2 += float64(r * r)
		if c == 0 {
			st.FracSilent++
		}
		if c >= 3 {
			k := float64(c - 1)
			mu := s1[i] / k
			v := math.Max(s2[i]/k-float64(mu*mu), 0)
			sumCV += math.Sqrt(v) / mu
			st.NCV++
		}
	}
	st.RateHz = sumR / float64(n)
	st.RateStdHz = math.Sqrt(math.Max(sumR2/float64(n)-float64(st.RateHz*st.RateHz), 0))
	st.FracSilent /= float64(n)
	st.CVISI = math.NaN()
	if st.NCV > 0 {
		st.CVISI = sumCV / float64(st.NCV)
	}
	return st
}
