package soma_test

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/synapse"
)

// noLatencyRule is a latency rule that learns nothing.
type noLatencyRule struct{}

func (noLatencyRule) Schedule(uint32, int64)     {}
func (noLatencyRule) Step(int64, []uint32, bool) {}
func (noLatencyRule) Reset()                     {}

// pulse is a drive that adds w into its receptor at one step.
type pulse struct {
	at int64
	w  float32
}

func (p pulse) Add(step int64, buf []float32) {
	if step == p.at {
		buf[0] += p.w
	}
}

// pspRun simulates one exact LIF neuron (τm = 10 ms, R = 2, rest E, a
// threshold it never reaches, dt = 0.1 ms) with one exponential-current
// receptor of time constant tauS and form psc, which receives one event of
// weight w arriving at step 1 by the given route; it returns V after each
// of steps 0 … steps−1, and the receptor's gain. path picks the soma's
// loop: "generic" (population.SetFused(false)), "fused Go" or "fused
// AVX2".
func pspRun(t *testing.T, tauS float64, psc dendrite.PSCForm, route, path string, rest, w float64, steps int) ([]float64, float32) {
	t.Helper()
	const dt = 0.1
	spec := soma.LIF()
	spec.TauMs, spec.R = param.Const(10), param.Const(2)
	spec.RestMV, spec.ThresholdMV = param.Const(rest), param.Const(rest+1000)
	spec.Integration = soma.Exact
	m, err := spec.New(soma.Env{N: 1, Batch: 1, Dt: dt})
	if err != nil {
		t.Fatal(err)
	}
	soma.SetSIMD(m, path == "fused AVX2")
	p, err := population.New("P", 1, 1, m)
	if err != nil {
		t.Fatal(err)
	}
	p.SetFused(path != "generic")
	rec, err := p.AddReceptor("ex", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: tauS, PSC: psc}, dt, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pr *projection.Runtime
	var in *projection.Inbox
	if route == "drive" {
		if err := p.AddDrive("ex", pulse{at: 1, w: float32(w)}); err != nil {
			t.Fatal(err)
		}
	} else {
		syn := &synapse.CSR{Rows: 1, Cols: 1, Ptr: []uint32{0, 1}, Idx: []uint32{0}, W: []float32{float32(w)}}
		if strings.HasPrefix(route, "spread") {
			// Per-synapse delays (of 0 steps): the spread delivery.
			syn.D8 = []uint8{0}
		}
		if strings.HasSuffix(route, "uniform") {
			syn.Compact()
		}
		in = projection.NewInbox(rec)
		if pr, err = projection.New("pr", syn, 1, in, 1); err != nil {
			t.Fatal(err)
		}
		switch strings.TrimPrefix(route, "spread ") {
		case "latency":
			// Learnt latencies of 0 steps, which never change.
			if err := pr.SetLatency(noLatencyRule{}, []float32{0}, 0); err != nil {
				t.Fatal(err)
			}
		case "deferred":
			if err := pr.SetMask(nil); err != nil {
				t.Fatal(err)
			}
		case "masked":
			if err := pr.SetMask([]bool{true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	v, _ := m.Var("v")
	out := make([]float64, steps)
	for s := range int64(steps) {
		if pr != nil {
			if s == 0 {
				pr.Send(0, 0, 0, 1) // arrives at step 1
			}
			in.Arrive(s)
		}
		p.Step(s)
		out[s] = float64(v[0])
	}
	return out, rec.Gain()
}

// A PSP in closed form. For τm·dV/dt = −(V − E) + R·I with
// I(t) = w·e^{−t/τs} from t = 0,
//
//	V(t) − E = R·w·τs/(τm − τs)·(e^{−t/τm} − e^{−t/τs})   (τs ≠ τm)
//	V(t) − E = R·w·(t/τm)·e^{−t/τm}                       (τs = τm)
//
// An event arriving at step n acts from the start of step n, so V after
// step m ≥ n is V(t) at t = (m − n + 1)·dt. With the Exact PSC form (the
// default) every step matches it to float32 precision, on every delivery
// route (projection immediate, uniform weight, deferred, masked, each
// also through the per-synapse-delay delivery; learnt latencies; a drive)
// and every soma loop; the step-constant form matches its own recurrence
// V ← E + (V − E)·e^{−dt/τm} + R·(1 − e^{−dt/τm})·g, g ← g·e^{−dt/τs}.
func TestExactPSCClosedForm(t *testing.T) {
	const (
		dt, tauM, R = 0.1, 10.0, 2.0
		w           = 0.7
		steps       = 600
		n           = 1 // arrival step
	)
	paths := []string{"generic", "fused Go"}
	if soma.HaveAVX2() {
		paths = append(paths, "fused AVX2")
	}
	for _, rest := range []float64{0, -65} {
		for _, tauS := range []float64{0.5, 2, tauM} {
			closed := func(m int) float64 {
				if m < n {
					return 0
				}
				x := float64(m-n+1) * dt
				if tauS == tauM {
					return R * w * x / tauM * math.Exp(-x/tauM)
				}
				return R * w * tauS / (tauM - tauS) * (math.Exp(-x/tauM) - math.Exp(-x/tauS))
			}
			recur := make([]float64, steps)
			{
				p22, p20, d := math.Exp(-dt/tauM), -R*math.Expm1(-dt/tauM), math.Exp(-dt/tauS)
				var u, g float64
				for m := range recur {
					if m == n {
						g = w
					}
					u = u*p22 + p20*g
					g *= d
					recur[m] = u
				}
			}
			peak := 0.0
			for m := range steps {
				peak = math.Max(peak, closed(m))
			}
			// float32: V is rounded at every step (relative 2^−24 of |V|)
			// and the error decays with e^{−dt/τm}, so it stays below
			// about (τm/dt)·2^−24·|V| ≈ 6e-6·|V|; the gain, P20 and the
			// decay are rounded once (≈ 1e-7 relative each), and d^m
			// drifts by m·6e-8. 2e-5 relative to max(|E|, peak) bounds it.
			tol := 2e-5 * math.Max(math.Abs(rest), peak)
			var first []float64
			for _, route := range []string{"immediate", "uniform", "deferred", "masked", "spread", "spread uniform", "spread deferred", "spread masked", "latency", "drive"} {
				for _, path := range paths {
					got, gain := pspRun(t, tauS, dendrite.Exact, route, path, rest, w, steps)
					if want := float32(soma.ExpPSCGain(dt, tauM, tauS)); gain != want {
						t.Errorf("τs %g: gain %g, want P21/P20 = %g", tauS, gain, want)
					}
					worst := 0.0
					for m, v := range got {
						worst = math.Max(worst, math.Abs(v-rest-closed(m)))
					}
					if worst > tol {
						t.Errorf("E %g, τs %g, %s, %s: exact PSC: largest |V − closed form| = %.3g mV, want ≤ %.3g (peak %.4g mV)", rest, tauS, route, path, worst, tol, peak)
					}
					if first == nil {
						first = got
						t.Logf("E %g, τs %g: gain %.6f, peak %.5f mV, largest |V − closed form| %.2g mV", rest, tauS, gain, peak, worst)
					} else {
						for m := range got {
							if got[m] != first[m] {
								t.Fatalf("E %g, τs %g, %s, %s: V at step %d = %v, immediate generic gives %v: not bit-identical", rest, tauS, route, path, m, got[m], first[m])
							}
						}
					}
					sc, scGain := pspRun(t, tauS, dendrite.StepConstant, route, path, rest, w, steps)
					if scGain != 1 {
						t.Errorf("step constant: gain %g, want 1", scGain)
					}
					worst, off := 0.0, 0.0
					for m, v := range sc {
						worst = math.Max(worst, math.Abs(v-rest-recur[m]))
						off = math.Max(off, math.Abs(v-rest-closed(m)))
					}
					if worst > tol {
						t.Errorf("E %g, τs %g, %s, %s: step-constant PSC: largest |V − its recurrence| = %.3g mV, want ≤ %.3g", rest, tauS, route, path, worst, tol)
					}
					// It is not the closed form: P20/P21 − 1 of the peak
					// and more (10 % at τs = 0.5 ms).
					if rest == 0 && off < 10*tol {
						t.Errorf("E %g, τs %g: step-constant PSC within %.3g mV of the closed form: the test cannot tell the forms apart", rest, tauS, off)
					}
				}
			}
		}
	}
}

// ExpPSCGain is P21/P20: 0.90619 for the microcircuit (dt 0.1 ms, τs
// 0.5 ms, τm 10 ms); continuous at τs = τm; toward 1 as dt/τs → 0.
func TestExpPSCGain(t *testing.T) {
	if f := soma.ExpPSCGain(0.1, 10, 0.5); math.Abs(f-0.90619) > 1e-5 {
		t.Errorf("ExpPSCGain(0.1, 10, 0.5) = %.7f, want 0.90619 (docs/microcircuit.md)", f)
	}
	at := soma.ExpPSCGain(0.1, 10, 10)
	for _, e := range []float64{1e-3, 1e-6, 1e-9} {
		for _, s := range []float64{-1, 1} {
			if f := soma.ExpPSCGain(0.1, 10, 10+s*e); math.Abs(f-at) > 1e-3*e+1e-13 {
				t.Errorf("ExpPSCGain at τs = τm ± %g: %.15g, at τs = τm %.15g", e, f, at)
			}
		}
	}
	if f := soma.ExpPSCGain(1e-4, 10, 5); math.Abs(f-1) > 1e-5 {
		t.Errorf("ExpPSCGain(1e-4, 10, 5) = %g, want ≈ 1", f)
	}
}

// Only the exact LIF with one τm has a gain: Euler, per-neuron τm (even
// where a shard's slice of it is uniform), other kernels and the
// step-constant form keep 1, so their inputs are unchanged bit for bit.
func TestExpPSCGainOnlyExactLIF(t *testing.T) {
	const dt = 0.1
	build := func(integ soma.Integration, tau param.Value, n int) soma.Model {
		s := soma.LIF()
		s.TauMs, s.Integration = tau, integ
		m, err := s.New(soma.Env{N: n, Batch: 2, Dt: dt})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	gain := func(m soma.Model, spec dendrite.Spec) float32 {
		p, err := population.New("P", m.Len()/2, 2, m)
		if err != nil {
			t.Fatal(err)
		}
		r, err := p.AddReceptor("r", spec, dt, 1)
		if err != nil {
			t.Fatal(err)
		}
		return r.Gain()
	}
	exp := dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}
	want := float32(soma.ExpPSCGain(dt, 20, 5))
	if g := gain(build(soma.Exact, param.Const(20), 4), exp); g != want {
		t.Errorf("exact LIF: gain %g, want %g", g, want)
	}
	perNeuron := param.Array(20, 20, 30, 30)
	for _, c := range []struct {
		name string
		m    soma.Model
		spec dendrite.Spec
	}{
		{"euler", build(soma.Euler, param.Const(20), 4), exp},
		{"per-neuron tau", build(soma.Exact, perNeuron, 4), exp},
		{"step constant", build(soma.Exact, param.Const(20), 4), dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5, PSC: dendrite.StepConstant}},
		{"alpha current", build(soma.Exact, param.Const(20), 4), dendrite.Spec{Kernel: dendrite.AlphaCurrent, TauMs: 5}},
		{"exp conductance", build(soma.Exact, param.Const(20), 4), dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 5}},
	} {
		if g := gain(c.m, c.spec); g != 1 {
			t.Errorf("%s: gain %g, want 1", c.name, g)
		}
	}
	// A shard of the per-neuron population whose τm happen to agree
	// keeps the whole population's answer.
	sub, err := build(soma.Exact, perNeuron, 4).(soma.Splitter).Split(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sub.(soma.PSCGainer).ExpPSCGain(5); ok {
		t.Error("a uniform shard of a per-neuron τm population has a gain; the whole has none")
	}
	whole := build(soma.Exact, param.Const(20), 4)
	part, err := whole.(soma.Splitter).Split(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	f0, _ := whole.(soma.PSCGainer).ExpPSCGain(5)
	f1, ok := part.(soma.PSCGainer).ExpPSCGain(5)
	if !ok || f0 != f1 {
		t.Errorf("shard gain %g (%v), whole %g", f1, ok, f0)
	}
	if err := (dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 5, PSC: dendrite.StepConstant}).Validate(); err == nil {
		t.Error("step_constant on exp_conductance: no error")
	}
}
