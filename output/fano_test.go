package output

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFano checks the population Fano factor against hand counts: the
// sample variance over the mean of the counts per whole bin, empty bins
// included, spikes outside [from, to) and partial bins left out.
func TestFano(t *testing.T) {
	b := Bins{Step: 10}
	for _, s := range []int64{3, 5, 25, 27, 41, 12, 95} { // any order
		b.Add(s)
	}
	// Bins 0..9 of [0, 100): counts 2, 1, 2, 0, 1, 0, 0, 0, 0, 1; mean 0.7,
	// sum of squares 11, sample variance (11 − 10·0.49)/9.
	want := (11 - 10*0.49) / 9 / 0.7
	if got := b.Fano(0, 100); math.Abs(got-want) > 1e-12 {
		t.Errorf("Fano(0, 100) = %g, want %g", got, want)
	}
	// [5, 45): whole bins 1, 2, 3 (counts 1, 2, 0): mean 1, variance 1.
	if got := b.Fano(5, 45); math.Abs(got-1) > 1e-12 {
		t.Errorf("Fano(5, 45) = %g, want 1", got)
	}
	if got := b.Fano(200, 300); !math.IsNaN(got) {
		t.Errorf("no spike in the bins: %g, want NaN", got)
	}
	if got := b.Fano(0, 15); !math.IsNaN(got) {
		t.Errorf("one whole bin: %g, want NaN", got)
	}
}

// Independent Poisson neurons give a population Fano factor of 1, and
// firing together far more: 200 neurons at 10 Hz, Bernoulli per 0.1 ms
// step, over 20 s (20,000 bins of 1 ms) give 1 within 5 standard errors
// (√(2/n) for a Poisson count's variance over mean); the same neurons all
// firing at once every 100 ms give N·(1 − 1/100)·n/(n−1) exactly.
func TestFanoPoissonAndSynchronous(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, steps = 200, 200000
	p := Bins{Step: FanoBin(0.1)}
	for s := int64(0); s < steps; s++ {
		for range n {
			if r.Float64() < 10*0.1/1000 {
				p.Add(s)
			}
		}
	}
	bins := float64(steps / 10)
	if got, se := p.Fano(0, steps), math.Sqrt(2/bins); math.Abs(got-1) > 5*se {
		t.Errorf("Poisson neurons: Fano %g, want 1 ± %g", got, 5*se)
	}
	sync := Bins{Step: 10}
	for s := int64(0); s < steps; s += 1000 {
		for range n {
			sync.Add(s)
		}
	}
	want := n * (1 - 1.0/100) * bins / (bins - 1)
	if got := sync.Fano(0, steps); math.Abs(got-want) > 1e-9*want {
		t.Errorf("synchronous neurons: Fano %g, want %g", got, want)
	}
}

// SetStatsFrom leaves the earlier spikes out of the statistics (the
// count, the rate, the ISIs, the bins) while writing them all.
func TestStatsFrom(t *testing.T) {
	w, err := NewSpikeWriter(t.TempDir()+"/a.npz", 2, 0.1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	w.SetStatsFrom(100)
	// Neuron 0 at steps 10, 50 (left out), 100, 300, 500: ISIs 200, 200
	// (CV 0); neuron 1 at 120 only.
	if err := w.Append([]int64{10, 50, 100, 120, 300, 500}, []uint32{0, 0, 0, 1, 0, 0}); err != nil {
		t.Fatal(err)
	}
	s := w.Summary("a", 50) // steps [100, 600) of 0.1 ms
	if s.Spikes != 4 || w.Count() != 6 {
		t.Errorf("%d spikes counted, %d written; want 4 and 6", s.Spikes, w.Count())
	}
	if want := 4.0 / 2 / 0.05; math.Abs(s.RateHz-want) > 1e-9 {
		t.Errorf("rate %g, want %g", s.RateHz, want)
	}
	if cv := float64(s.CVISI); cv != 0 {
		t.Errorf("CV of ISI %g, want 0 (the intervals from step 100 on, 200 and 200)", cv)
	}
}
