package main

import (
	"image/png"
	"os"
	"testing"
)

// shortConfig is the example with half the training (24 s of simulated
// time, a fraction of a second of wall time) and 20 test presentations per
// bar.
func shortConfig() Config {
	c := DefaultConfig()
	c.TrainPresentations = 480
	c.TestRepeats = 20
	return c
}

func TestBars(t *testing.T) {
	c := DefaultConfig()
	bars := Bars(c)
	if len(bars) != 4*len(c.BarOffsets) {
		t.Fatalf("%d bars, want 4 orientations × %d positions", len(bars), len(c.BarOffsets))
	}
	seen := map[string]bool{}
	for _, b := range bars {
		n := 0
		for _, x := range b.Pixels {
			n += int(x)
		}
		// A 2 px wide bar across an 8 px grid: 2 rows or columns (16 px),
		// or a diagonal band of 15 px.
		if n < 14 || n > 16 {
			t.Errorf("bar %q has %d pixels, want 14..16", b.Name, n)
		}
		key := string(rune(n)) + b.Name
		for _, x := range b.Pixels {
			key += string('0' + rune(x))
		}
		if seen[key] || seen[b.Name] {
			t.Errorf("bar %q is not unique", b.Name)
		}
		seen[key], seen[b.Name] = true, true
	}
}

// TestLearning trains the network and checks that the output neurons
// specialised on different bars, while k-WTA and the weight bounds and
// normalisation held throughout; a control run without plasticity shows
// that the specialisation comes from learning, not from the initial
// weights.
func TestLearning(t *testing.T) {
	c := shortConfig()
	r, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	nb := len(r.Bars)
	if r.MaxPerStep > 1 || r.MaxPerWindow > 1 {
		t.Errorf("k-WTA with k = 1: up to %d spikes in one step and %d in one window", r.MaxPerStep, r.MaxPerWindow)
	}
	if r.MaxPerWindow < 1 {
		t.Fatalf("the output layer never fired")
	}
	if r.Wmin < 0 || float64(r.Wmax) > c.Wmax {
		t.Errorf("weights in [%g, %g], outside the bounds [0, %g]", r.Wmin, r.Wmax, c.Wmax)
	}
	for j, s := range r.FanIn {
		if d := s - c.FanInSum; d > 1e-3*c.FanInSum || d < -1e-3*c.FanInSum {
			t.Errorf("neuron %d: fan-in sum %g, want %g (normalisation)", j, s, c.FanInSum)
		}
	}
	// With 12 neurons for 8 bars every bar should have a specialist; allow
	// one bar to be shared.
	if r.Distinct < nb-1 {
		t.Errorf("only %d distinct preferred bars of %d: %v", r.Distinct, nb, r.Preferred)
	}
	// Most presentations are won by a neuron that prefers the bar shown
	// (chance: about 1/8 for a neuron that wins at random).
	acc := float64(r.Correct) / float64(r.Tests)
	if acc < 0.75 {
		t.Errorf("only %d of %d test presentations won by a neuron preferring the bar shown", r.Correct, r.Tests)
	}
	// The specialised neurons put on average much more of their weight on
	// their bar than the bar's share of the pixels (about 16 of 64). (One
	// neuron alone may sit near that share: under k-WTA a neuron can win
	// its bar's presentations with a field that is only slightly tilted
	// toward it.)
	var sum float64
	n := 0
	for j, p := range r.Preferred {
		if p < 0 || r.Selectivity[j] < 0.8 {
			continue
		}
		sum += r.OnBar[j]
		n++
	}
	if n < nb-2 {
		t.Errorf("only %d neurons with a selectivity of 80%% or more", n)
	} else if sum/float64(n) < 0.4 {
		t.Errorf("the selective neurons have on average only %.2f of their weight on their bar", sum/float64(n))
	}
	t.Logf("distinct %d of %d, correct %d of %d, preferred %v", r.Distinct, nb, r.Correct, r.Tests, r.Preferred)

	// Control: the same run without plasticity.
	c.NoLearning = true
	r0, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	acc0 := float64(r0.Correct) / float64(r0.Tests)
	t.Logf("without learning: distinct %d, correct %d of %d", r0.Distinct, r0.Correct, r0.Tests)
	if acc-acc0 < 0.25 {
		t.Errorf("learning raised the share of presentations won by the bar's specialist only from %.2f to %.2f", acc0, acc)
	}
	for j := range r0.Weights {
		for i, w := range r0.Weights[j] {
			if w != r0.Initial[j][i] {
				t.Fatalf("weights changed with plasticity off")
			}
		}
	}
}

func TestPlot(t *testing.T) {
	c := shortConfig()
	c.TrainPresentations = 40
	c.TestRepeats = 2
	r, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Plot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Errorf("wrote %v, want 4 files", files)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("%s: %v, too small", f, b)
		}
	}
}
