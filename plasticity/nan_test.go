package plasticity

import (
	"math"
	"strings"
	"testing"
)

// badRule adds dw[k] to every synapse k at step at (Dense: as a dense
// rule) and nothing at other steps.
type badRule struct {
	at    int64
	dw    []float32
	dense bool
}

func (s badRule) Kind() string                  { return "bad" }
func (s badRule) New(p *Synapses) (Rule, error) { return s, nil }
func (s badRule) Reset()                        {}
func (s badRule) Step(d *StepData, acc *Delta) {
	if d.Step != s.at {
		return
	}
	if s.dense {
		acc.Dense = true
		for k, v := range s.dw {
			acc.DW[k] += v
		}
		return
	}
	for k, v := range s.dw {
		acc.Add(uint32(k), v)
	}
}

func TestNaNChangeIsRecordedNotApplied(t *testing.T) {
	nan := float32(math.NaN())
	for _, dense := range []bool{false, true} {
		// 3 rows → 3 columns one to one, w = 0.5, bounds [0, 1]. At step
		// 2 synapse 1 gets NaN, synapses 0 and 2 get +0.25, at step 3
		// synapse 2 gets NaN too.
		syn := oneToOne(3, 0.5)
		dr := newDriver(t, syn, 1, 1, 0, 1,
			badRule{at: 2, dw: []float32{0.25, nan, 0.25}, dense: dense},
			badRule{at: 3, dw: []float32{0, 0, nan}, dense: dense})
		dr.run(2, true)
		if dr.l.Err() != nil {
			t.Fatalf("dense=%v: error before the NaN: %v", dense, dr.l.Err())
		}
		dr.run(1, true) // step 2
		w := syn.W
		if w[0] != 0.75 || w[1] != 0.5 || w[2] != 0.75 {
			t.Errorf("dense=%v: after step 2 w = %v, want [0.75 0.5 0.75] (the NaN change skipped)", dense, w)
		}
		err := dr.l.Err()
		if err == nil || !strings.Contains(err.Error(), "step 2: synapse 1 (row 1 → column 1)") || !strings.Contains(err.Error(), "NaN") {
			t.Fatalf("dense=%v: Err = %v, want step 2, synapse 1", dense, err)
		}
		dr.run(1, true) // step 3: a second NaN keeps the first error
		if w[2] != 0.75 {
			t.Errorf("dense=%v: step 3 changed w2 to %g", dense, w[2])
		}
		if dr.l.Err() != err {
			t.Errorf("dense=%v: Err changed to %v", dense, dr.l.Err())
		}
		dr.l.Reset()
		if dr.l.Err() != nil {
			t.Errorf("dense=%v: Reset kept %v", dense, dr.l.Err())
		}
	}
}

// directBad is badRule in the Learner's direct mode (each change
// applied at once).
type directBad struct{ badRule }

func (s directBad) New(*Synapses) (Rule, error) { return s, nil }
func (directBad) direct() bool                  { return true }

// In direct mode a step whose only change is NaN changes no weight and
// is recorded, as in the accumulating mode.
func TestDirectNaNAloneIsRecorded(t *testing.T) {
	nan := float32(math.NaN())
	syn := oneToOne(3, 0.5)
	dr := newDriver(t, syn, 1, 1, 0, 1, directBad{badRule{at: 2, dw: []float32{0, nan, 0}}})
	dr.run(3, true)
	if w := syn.W; w[0] != 0.5 || w[1] != 0.5 || w[2] != 0.5 {
		t.Errorf("w = %v, want [0.5 0.5 0.5] (the NaN change skipped)", w)
	}
	if err := dr.l.Err(); err == nil || !strings.Contains(err.Error(), "step 2: synapse 1 (row 1 → column 1)") {
		t.Errorf("Err = %v, want step 2, synapse 1", err)
	}
}

func TestDeltaApplyReportsNaN(t *testing.T) {
	w := []float32{0.5, 0.5, 0.5, float32(math.Inf(1))}
	d := NewDelta(4)
	d.Add(2, float32(math.NaN()))
	d.Add(0, 0.25)
	d.Add(3, float32(math.Inf(-1))) // Inf − Inf
	if k := d.Apply(w, 0, 1); k != 2 {
		t.Errorf("Apply = %d, want 2 (the first NaN in order of touch)", k)
	}
	if w[0] != 0.75 || w[2] != 0.5 || !math.IsInf(float64(w[3]), 1) {
		t.Errorf("w = %v, want [0.75 0.5 0.5 +Inf]", w)
	}
	d.Add(1, 0.25)
	if k := d.Apply(w, 0, 1); k != -1 || w[1] != 0.75 {
		t.Errorf("clean Apply = %d, w = %v", k, w)
	}
}

func TestSoftBoundNeedsFiniteBounds(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, b := range []struct {
		lo, hi float32
		text   string
	}{{0, inf, "[0, +Inf]"}, {-inf, 1, "[-Inf, 1]"}, {-inf, inf, "[-Inf, +Inf]"}} {
		p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, b.lo, b.hi)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			which string
			s     STDP
		}{
			{"LTP", STDP{Pre: leaky(10), Post: leaky(10), LTP: SoftBoundRate{Eta: 0.1}}},
			{"LTD", STDP{Pre: leaky(10), Post: leaky(10), LTD: &SoftBoundRate{Eta: 0.1}}},
		} {
			_, err := c.s.New(p)
			if err == nil {
				t.Errorf("%s %s: no error", b.text, c.which)
				continue
			}
			for _, want := range []string{"stdp: " + c.which, "soft-bound", b.text} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: error %q does not mention %q", b.text, err, want)
				}
			}
		}
		// Constant rates do not depend on the bounds.
		if _, err := LeakySTDP(10, 10, 0.1, 0.1).New(p); err != nil {
			t.Errorf("%s: const rates: %v", b.text, err)
		}
	}
	// Finite bounds are accepted.
	p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (STDP{Pre: leaky(10), Post: leaky(10), LTP: SoftBoundRate{Eta: 0.1}}).New(p); err != nil {
		t.Error(err)
	}
}
