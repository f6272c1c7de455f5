package plasticity

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/synapse"
)

// Closed forms of the inhibitory rule, a = 1 − dt/τ: an isolated
// presynaptic spike depresses by η·α·dt (times |x|), an isolated
// postsynaptic spike does nothing, a pair at any Δt changes the weight by
// η·dt·(a^|Δt| − α) whatever the order (Δt = 0 counts once).
func TestInhibitoryClosedForms(t *testing.T) {
	for _, dt := range []float64{1, 0.5} {
		const tau, eta, rho0 = 20.0, 0.04, 5.0
		alpha := 2 * rho0 * tau / 1000 // 0.2
		a := 1 - dt/tau
		for _, spec := range []Inhibitory{{TauMs: tau, Eta: eta, Rho0Hz: rho0}, {TauMs: tau, Eta: eta, Alpha: alpha}} {
			if got, want := seqDW(t, spec, dt, []int64{20}, nil, nil), -eta*alpha*dt; !near(got, want, 1e-6) {
				t.Errorf("dt=%g %+v: lone pre Δw = %.9g, want %.9g", dt, spec, got, want)
			}
			if got, want := seqDW(t, spec, dt, []int64{20}, []float32{-0.5}, nil), -eta*alpha*dt*0.5; !near(got, want, 1e-6) {
				t.Errorf("dt=%g: lone pre of −0.5: Δw = %.9g, want %.9g", dt, got, want)
			}
			if got := seqDW(t, spec, dt, nil, nil, []int64{20}); got != 0 {
				t.Errorf("dt=%g: lone post Δw = %g, want 0", dt, got)
			}
			for lag := int64(-12); lag <= 12; lag++ {
				want := eta * dt * (pw(a, abs64(lag)) - alpha)
				if got := pairDW(t, spec, dt, lag, 1, 1); !near(got, want, 1e-5) {
					t.Errorf("dt=%g Δt=%d: Δw = %.9g, want %.9g", dt, lag, got, want)
				}
			}
		}
	}
}

// Sequences: every pair of spikes counts (all-to-all), every presynaptic
// spike pays α.
func TestInhibitorySequences(t *testing.T) {
	const tau, eta, alpha, dt = 10.0, 0.1, 0.3, 1.0
	a := 1 - dt/tau
	spec := Inhibitory{TauMs: tau, Eta: eta, Alpha: alpha}
	for _, c := range []struct {
		name      string
		pre, post []int64
		want      float64
	}{
		{"pre-post-post", []int64{20}, []int64{25, 30}, eta * dt * (pw(a, 5) + pw(a, 10) - alpha)},
		{"post-post-pre", []int64{30}, []int64{20, 24}, eta * dt * (pw(a, 10) + pw(a, 6) - alpha)},
		{"pre-pre-post", []int64{20, 24}, []int64{30}, eta * dt * (pw(a, 10) + pw(a, 6) - 2*alpha)},
		{"pre-post-pre", []int64{20, 28}, []int64{25}, eta * dt * (pw(a, 5) + pw(a, 3) - 2*alpha)},
		// The coincident pair at 30: pre 30 sees post 25 but not post 30;
		// post 30 sees pre 30 and pre 20.
		{"pre-post-(pre+post)", []int64{20, 30}, []int64{25, 30},
			eta * dt * (pw(a, 5) + (pw(a, 5) - alpha) + (pw(a, 10) + 1) - alpha)},
	} {
		if got := seqDW(t, spec, dt, c.pre, nil, c.post); !near(got, c.want, 1e-5) {
			t.Errorf("%s: Δw = %.9g, want %.9g", c.name, got, c.want)
		}
	}
}

// The −α term reaches every synapse out of an active row, a masked one
// excepted; the batch change is the mean over copies.
func TestInhibitoryRowMaskBatch(t *testing.T) {
	const tau, eta, alpha, dt = 10.0, 0.1, 0.3, 1.0
	a := 1 - dt/tau
	// Row 0 → columns 0, 1, 2; row 1 → column 0.
	syn := &synapse.CSR{Rows: 2, Cols: 3, Ptr: []uint32{0, 3, 4}, Idx: []uint32{0, 1, 2, 0}, W: make([]float32, 4)}
	dr := newDriver(t, syn, 2, dt, -10, 10, Inhibitory{TauMs: tau, Eta: eta, Alpha: alpha})
	dr.p.Mask = []bool{true, true, false, true}
	// Copy 0: row 0 fires at 20, column 1 at 23. Copy 1: column 0 at 18,
	// row 1 at 20.
	dr.firePre(20, 0, 1)
	dr.firePost(23, 1, 1)
	dr.firePost(18, 3+0, 1)
	dr.firePre(20, 2+1, 1)
	dr.run(40, true)
	want := []float64{
		eta * dt * (-alpha) / 2,           // 0→0: copy 0 pre only
		eta * dt * (pw(a, 3) - alpha) / 2, // 0→1: copy 0 pair
		0,                                 // 0→2: masked
		eta * dt * (pw(a, 2) - alpha) / 2, // 1→0: copy 1 pair
	}
	for k, w := range want {
		if got := float64(syn.W[k]); !near(got, w, 1e-6) {
			t.Errorf("synapse %d: Δw = %.9g, want %.9g", k, got, w)
		}
	}
}

// On a random projection with multapses, several copies, graded signals
// and a mask, the rule matches a dense float64 evaluation with two traces
// per synapse.
func TestInhibitoryMatchesDenseFormula(t *testing.T) {
	const rows, cols, B, dt, tau, eta, rho0 = 6, 5, 2, 0.5, 15.0, 0.05, 10.0
	const wlo, whi = 0.0, 2.0
	alpha := 2 * rho0 * tau / 1000
	rng := rand.New(rand.NewPCG(7, 8))
	syn := randomCSR(rng, rows, cols)
	dr := newDriver(t, syn, B, dt, wlo, whi, Inhibitory{TauMs: tau, Eta: eta, Rho0Hz: rho0})
	mask := make([]bool, syn.Len())
	for k := range mask {
		mask[k] = rng.Float64() < 0.8
	}
	dr.p.Mask = mask
	const steps = 200
	randomSpikes(dr, rng, steps, B*rows, B*cols)
	w := make([]float64, syn.Len())
	for k := range w {
		w[k] = float64(syn.W[k])
	}
	L := syn.Len()
	a := 1 - dt/tau
	r, o := make([]float64, B*L), make([]float64, B*L)
	for n := range int64(steps) {
		x, y := dr.signals(n)
		dw := make([]float64, L)
		for i := range rows {
			for k := syn.Ptr[i]; k < syn.Ptr[i+1]; k++ {
				j := int(syn.Idx[k])
				for b := range B {
					e := b*L + int(k)
					xi, yj := x[b*rows+i], y[b*cols+j]
					r[e] = xi + a*r[e]
					ob := a * o[e]
					o[e] = yj + ob
					if mask[k] {
						dw[k] += eta * dt / B * (r[e]*yj + xi*(ob-alpha))
					}
				}
			}
		}
		for k := range w {
			w[k] = math.Max(wlo, math.Min(whi, w[k]+dw[k]))
		}
		dr.step(true)
		for k := range w {
			if !near(float64(syn.W[k]), w[k], 2e-5) {
				t.Fatalf("step %d synapse %d: w = %.8g, dense formula %.8g", n, k, syn.W[k], w[k])
			}
		}
	}
}

func TestInhibitoryErrors(t *testing.T) {
	p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec Spec
		want []string
	}{
		{Inhibitory{TauMs: 0, Eta: 0.1, Rho0Hz: 5}, []string{"inhibitory_stdp", "Tau = 0 ms", "> 0"}},
		{Inhibitory{TauMs: 0.5, Eta: 0.1, Rho0Hz: 5}, []string{"inhibitory_stdp", "Tau = 0.5 ms", "dt = 1 ms"}},
		{Inhibitory{TauMs: 20, Eta: math.NaN(), Rho0Hz: 5}, []string{"inhibitory_stdp", "Eta = NaN", "finite"}},
		{Inhibitory{TauMs: 20, Eta: 0.1}, []string{"inhibitory_stdp", "neither Rho0", "Alpha"}},
		{Inhibitory{TauMs: 20, Eta: 0.1, Rho0Hz: 5, Alpha: 0.2}, []string{"inhibitory_stdp", "both Rho0 = 5 Hz and Alpha = 0.2"}},
		{Inhibitory{TauMs: 20, Eta: 0.1, Rho0Hz: -5}, []string{"inhibitory_stdp", "Rho0 = -5 Hz", "≥ 0"}},
		{Inhibitory{TauMs: 20, Eta: 0.1, Alpha: math.Inf(1)}, []string{"inhibitory_stdp", "Alpha = +Inf"}},
	} {
		_, err := c.spec.New(p)
		if err == nil {
			t.Errorf("%+v: no error", c.spec)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%+v: error %q does not mention %q", c.spec, err, s)
			}
		}
	}
	if _, err := (Inhibitory{TauMs: 0.5, Eta: 0.1, Alpha: 0.1, Exact: true}).New(p); err != nil {
		t.Errorf("Exact with τ < dt: %v", err)
	}
	if k := (Inhibitory{}).Kind(); k != "inhibitory_stdp" {
		t.Errorf("Kind() = %q", k)
	}
}
