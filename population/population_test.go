package population_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

const dt = 0.1 // ms

// lif builds a population of n leaky integrate-and-fire neurons (shared
// parameters: the fused path's case) with the given receptors and, if
// drive is not zero, a constant direct current.
func lif(t *testing.T, n int, recs []dendrite.Spec, drive float32) *population.Population {
	t.Helper()
	spec := soma.LIF()
	spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
	spec.TauMs, spec.RefractoryMs = param.Const(20), param.Const(0.5)
	spec.Integration = soma.Exact
	env := soma.Env{N: n, Batch: 1, Dt: dt}
	m, err := spec.New(env)
	if err != nil {
		t.Fatal(err)
	}
	p, err := population.New("P", n, 1, m)
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range recs {
		if _, err := p.AddReceptor(string(rune('a'+k)), r, dt, 1); err != nil {
			t.Fatal(err)
		}
	}
	if drive != 0 {
		p.AddStimulus(stimulus.Constant(drive))
	}
	return p
}

// One neuron, one exponential current receptor (τ = 2 ms), one input of
// weight w at step 0, no direct input: the current at step m is the
// kernel w·e^{−m·dt/τ}, which the receptor computes as w·d^m with
// d = e^{−dt/τ} rounded to float32, one rounded product per step. Current
// reads it on the fused path and on the generic path, and with a direct
// current I0 it reads I0 + w·d^m.
func TestCurrentOneNeuronClosedForm(t *testing.T) {
	const w, tau = 3, 2.0
	d := float32(math.Exp(-dt / tau))
	for _, c := range []struct {
		name  string
		fused bool
		drive float32
	}{
		{"fused", true, 0}, {"generic", false, 0},
		{"fused, with a direct current", true, 1.5}, {"generic, with a direct current", false, 1.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := lif(t, 1, []dendrite.Spec{{Kernel: dendrite.ExpCurrent, TauMs: tau}}, c.drive)
			p.SetFused(c.fused)
			cur := p.Current()
			r, _ := p.Receptor("a")
			r.Slot(0)[0] = w
			y := float32(w) // the receptor's state at step m: w·d^m
			for m := int64(0); m < 100; m++ {
				p.Step(m)
				want := c.drive + y
				if got := cur[0]; got != want {
					t.Fatalf("step %d: current %g, want %g", m, got, want)
				}
				closed := float64(c.drive) + w*math.Exp(-float64(m)*dt/tau)
				if got := float64(cur[0]); math.Abs(got-closed) > 1e-5*closed {
					t.Fatalf("step %d: current %g, closed form %g", m, got, closed)
				}
				y *= d
			}
		})
	}
}

// The same population stepped on the fused path and on the generic path
// with the same inputs has, every step, the same current bit for bit, the
// same spikes and the same potentials: one receptor (the Go loop), two
// receptors on fewer than eight neurons (the Go loop), two on 21 (the
// AVX-512 kernel where the processor has it, its last block masked; else
// AVX2 where it has that, the Go loop for the last five), with and
// without a direct current; and with conductance receptors, whose current
// is the direct input alone.
func TestCurrentFusedEqualsGeneric(t *testing.T) {
	exp := func(tau float64) dendrite.Spec { return dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: tau} }
	cond := func(tau, e float64) dendrite.Spec {
		return dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: tau, ReversalMV: e}
	}
	for _, c := range []struct {
		name  string
		n     int
		recs  []dendrite.Spec
		drive float32
		scale float64 // of the inputs
	}{
		{"one receptor", 13, []dendrite.Spec{exp(5)}, 0, 4},
		{"one receptor, a current", 13, []dendrite.Spec{exp(5)}, 2, 4},
		{"two receptors, 5 neurons", 5, []dendrite.Spec{exp(5), exp(10)}, 0, 6},
		{"two receptors, 5 neurons, a current", 5, []dendrite.Spec{exp(5), exp(10)}, 2, 6},
		{"two receptors, 21 neurons", 21, []dendrite.Spec{exp(5), exp(10)}, 0, 6},
		{"two receptors, 21 neurons, a current", 21, []dendrite.Spec{exp(5), exp(10)}, 2, 6},
		{"conductances", 21, []dendrite.Spec{cond(5, 0), cond(10, -80)}, 0, 0.3},
		{"conductances, a current", 21, []dendrite.Spec{cond(5, 0), cond(10, -80)}, 12, 0.3},
	} {
		t.Run(c.name, func(t *testing.T) {
			fused := lif(t, c.n, c.recs, c.drive)
			generic := lif(t, c.n, c.recs, c.drive)
			generic.SetFused(false)
			cf, cg := fused.Current(), generic.Current()
			names := fused.ReceptorNames()
			rnd := rand.New(rand.NewPCG(5, 6))
			spikes, nonzero := 0, 0
			for step := int64(0); step < 500; step++ {
				for k, name := range names {
					rf, _ := fused.Receptor(name)
					rg, _ := generic.Receptor(name)
					sf, sg := rf.Slot(step), rg.Slot(step)
					for i := range sf {
						if rnd.IntN(6) == 0 {
							x := float32(rnd.Float64() * c.scale)
							if k == 1 && !c.recs[k].Kernel.Conductance() {
								x = -x / 4 // an inhibitory receptor
							}
							sf[i], sg[i] = x, x
						}
					}
				}
				fused.Step(step)
				generic.Step(step)
				for i := range cg {
					if math.Float32bits(cf[i]) != math.Float32bits(cg[i]) {
						t.Fatalf("step %d: neuron %d: current %g fused, %g generic", step, i, cf[i], cg[i])
					}
					if cg[i] != c.drive {
						nonzero++
					}
				}
				if !slices.Equal(fused.Fired(), generic.Fired()) {
					t.Fatalf("step %d: fired %v fused, %v generic", step, fused.Fired(), generic.Fired())
				}
				spikes += len(generic.Fired())
				vf, _ := fused.Model().Var("v")
				vg, _ := generic.Model().Var("v")
				if !slices.Equal(vf, vg) {
					t.Fatalf("step %d: potentials differ", step)
				}
			}
			if spikes == 0 {
				t.Error("no spikes: the comparison needs some")
			}
			conductance := c.recs[0].Kernel.Conductance()
			if conductance && nonzero != 0 {
				t.Errorf("conductance receptors: the current differs from the direct input %d times, want never", nonzero)
			}
			if !conductance && nonzero == 0 {
				t.Error("the receptors never added a current")
			}
		})
	}
}

// Until Current is called, the fused path leaves the current alone (it
// costs a pass of stores); from then on it stores it.
func TestCurrentStoredOnceAskedFor(t *testing.T) {
	p := lif(t, 3, []dendrite.Spec{{Kernel: dendrite.ExpCurrent, TauMs: 5}}, 0)
	r, _ := p.Receptor("a")
	r.Slot(0)[1] = 2
	p.Step(0)
	v, _ := p.Model().Var("v")
	if v[1] == v[0] {
		t.Fatal("the input did not reach neuron 1")
	}
	cur := p.Current()
	if cur[1] != 0 {
		t.Fatalf("before Current was called: %g, want 0 (not stored)", cur[1])
	}
	p.Step(1)
	if want := 2 * float32(math.Exp(-dt/5)); cur[1] != want || cur[0] != 0 {
		t.Fatalf("after Current was called: %v, want [0 %g 0]", cur, want)
	}
}
