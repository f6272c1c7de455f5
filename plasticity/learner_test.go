package plasticity

import (
	"testing"
)

func TestLearnerNormalizeAndReset(t *testing.T) {
	dr := newDriver(t, oneToOne(2, 0.5), 1, 1, 0, 1, LeakySTDP(10, 10, 0.1, 0.1))
	calls := 0
	dr.l.Normalize = func(w []float32) {
		calls++
		s := w[0] + w[1]
		w[0], w[1] = w[0]/s, w[1]/s
	}
	dr.firePre(1, 0, 1)
	dr.firePost(2, 0, 1)
	dr.run(5, true)
	if calls != 1 {
		t.Errorf("Normalize called %d times, want once (one step changed the weights)", calls)
	}
	w := dr.p.Syn.W
	if !near(float64(w[0]), 0.59/1.09, 1e-6) || !near(float64(w[1]), 0.5/1.09, 1e-6) {
		t.Errorf("w = %v, want [0.59 0.5]/1.09", w)
	}
	// After Reset the presynaptic trace is gone: a postsynaptic spike
	// alone changes nothing.
	dr.firePre(6, 0, 1)
	dr.run(3, true)
	dr.l.Reset()
	before := w[0]
	dr.firePost(dr.n, 0, 1)
	dr.run(3, true)
	if w[0] != before {
		t.Errorf("after Reset: w00 went from %g to %g, want unchanged", before, w[0])
	}
}

func TestLearnerStepDataLengths(t *testing.T) {
	dr := newDriver(t, oneToOne(2, 0.5), 1, 1, 0, 1, Convergent{TauMs: 10})
	defer func() {
		if recover() == nil {
			t.Error("no panic on short step data")
		}
	}()
	dr.l.Step(&StepData{Pre: make([]float32, 1), Post: make([]float32, 2)}, true)
}
