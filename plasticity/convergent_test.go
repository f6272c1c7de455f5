package plasticity

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/synapse"
)

// w_n − c = (w_0 − c)·(1 − dt/τ)^n.
func TestConvergentClosedForm(t *testing.T) {
	const tau, c, dt = 20.0, 0.3, 1.0
	syn := &synapse.CSR{Rows: 3, Cols: 1, Ptr: []uint32{0, 1, 2, 3}, Idx: []uint32{0, 0, 0}, W: []float32{0.9, 0.1, 0.3}}
	w0 := []float64{0.9, 0.1, 0.3}
	dr := newDriver(t, syn, 1, dt, 0, 1, Convergent{TauMs: tau, C: c})
	for n := 1; n <= 200; n++ {
		dr.step(true)
		for k := range w0 {
			want := c + (float64(float32(w0[k]))-c)*math.Pow(1-dt/tau, float64(n))
			if got := float64(syn.W[k]); math.Abs(got-want) > 2e-6 {
				t.Fatalf("step %d synapse %d: w = %.8g, want %.8g", n, k, got, want)
			}
		}
	}
}

// A composite rule's change is the sum of its rules' changes, each
// computed from the same weights.
func TestCompositeIsSum(t *testing.T) {
	syn := &synapse.CSR{Rows: 3, Cols: 2, Ptr: []uint32{0, 2, 3, 5}, Idx: []uint32{0, 1, 1, 0, 1}, W: []float32{0.2, 0.4, 0.6, 0.8, 0.5}}
	p, err := NewSynapses(syn, 2, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	stdp := LeakySTDP(10, 15, 0.05, 0.04)
	conv := Convergent{TauMs: 30, C: 0.5}
	comp, err := Composite{Rules: []Spec{stdp, conv}}.New(p)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := stdp.New(p)
	rc, _ := conv.New(p)
	acc, accS, accC := NewDelta(syn.Len()), NewDelta(syn.Len()), NewDelta(syn.Len())
	d := StepData{Pre: make([]float32, 6), Post: make([]float32, 4)}
	for n := range 60 {
		clear(d.Pre)
		clear(d.Post)
		d.PreActive, d.PostActive = d.PreActive[:0], d.PostActive[:0]
		for e := range 6 {
			if (n*7+e*3)%5 == 0 {
				d.Pre[e] = 1
				d.PreActive = append(d.PreActive, uint32(e))
			}
		}
		for e := range 4 {
			if (n*5+e)%7 == 0 {
				d.Post[e] = 1
				d.PostActive = append(d.PostActive, uint32(e))
			}
		}
		comp.Step(&d, acc)
		rs.Step(&d, accS)
		rc.Step(&d, accC)
		for k := range syn.Len() {
			if want := accS.DW[k] + accC.DW[k]; math.Abs(float64(acc.DW[k]-want)) > 1e-7 {
				t.Fatalf("step %d synapse %d: composite Δw = %g, sum of rules %g", n, k, acc.DW[k], want)
			}
		}
		acc.Apply(syn.W, 0, 1)
		accS.Discard()
		accC.Discard()
	}
}
