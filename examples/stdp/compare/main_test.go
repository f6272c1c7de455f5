package main

import (
	"math"
	"testing"
)

// After 100 s Spiral's weights agree in distribution with Brian2's on the
// same model (three seeds run on this machine): the mean weight and the
// fractions near each bound lie within 0.05 of Brian2's mean over seeds
// (the binomial sampling error of a fraction of 1,000 synapses is about
// 0.014; the rest is the seeds' spread), the postsynaptic rate within 20 %,
// and the distribution is bimodal — each end holds far more synapses than
// the middle, as in Song et al. (2000).
func TestAgreesWithBrian2(t *testing.T) {
	s, err := simulate("../stdp.yaml", 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := loadBrian2("../../../testdata/brian2/stdp_T100_seed*.json")
	if err != nil {
		t.Fatal(err)
	}
	var mean, below, top, rate float64
	for _, r := range refs {
		n := float64(len(refs))
		mean += r.Mean / n
		below += r.Below / n
		top += r.Top / n
		rate += r.PostHz / n
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"mean w/gmax", s.Mean, mean}, {"fraction below 0.1", s.Below, below}, {"fraction above 0.9", s.Top, top}} {
		if math.Abs(c.got-c.want) > 0.05 {
			t.Errorf("%s: Spiral %.3f, Brian2 %.3f", c.name, c.got, c.want)
		}
	}
	if math.Abs(s.PostHz-rate) > 0.2*rate {
		t.Errorf("postsynaptic rate: Spiral %.2f Hz, Brian2 %.2f Hz", s.PostHz, rate)
	}
	// Bimodal: the two outer bins at each end against the middle ten.
	lo := float64(s.Hist[0] + s.Hist[1])
	hi := float64(s.Hist[bins-2] + s.Hist[bins-1])
	mid := 0.0
	for _, c := range s.Hist[5:15] {
		mid += float64(c)
	}
	mid /= 5 // per two bins
	if lo < 3*mid || hi < 2*mid {
		t.Errorf("not bimodal: %v (ends %g and %g, middle %g per two bins)", s.Hist, lo, hi, mid)
	}
}
