package soma

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// With conductances held constant, τ dv/dt = A − B·v has the solution
// v(t) = A/B + (v0 − A/B)·e^{−B·t/τ}; exponential Euler reproduces it at
// every step, Euler follows v ← v + (dt/τ)(A − B·v).
func TestConductanceClosedForm(t *testing.T) {
	const dt, tau, rest, v0, rI = 0.1, 20.0, -60.0, -60.0, 5.0
	g := []float32{0.5, 2}
	ge := []float32{0.5 * 0, 2 * -80} // E = 0 and E = −80 mV
	for _, integ := range []Integration{Exact, Euler} {
		s := LIF()
		s.TauMs, s.RestMV, s.ThresholdMV = param.Const(tau), param.Const(rest), param.Const(100)
		s.Integration = integ
		m, err := s.New(Env{N: 2, Batch: 1, Dt: dt})
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := m.(Conductor); !ok || !c.Conductances() {
			t.Fatal("a LIF does not integrate conductances")
		}
		v, _ := m.Var("v")
		cur := []float32{rI, rI}
		want := []float64{v0, v0}
		for n := 1; n <= 200; n++ {
			m.Step(int64(n), Input{Current: cur, G: g, GE: ge}, nil)
			for i := range want {
				a := rest + rI + float64(ge[i])
				b := 1 + float64(g[i])
				if integ == Exact {
					want[i] = a/b + (v0-a/b)*math.Exp(-b*float64(n)*dt/tau)
				} else {
					want[i] += dt / tau * (a - b*want[i])
				}
				if math.Abs(float64(v[i])-want[i]) > 1e-3 {
					t.Fatalf("%v, step %d, neuron %d: v = %g, want %g", integ, n, i, v[i], want[i])
				}
			}
		}
	}
}

func TestConductanceRejectedWhereNotIntegrated(t *testing.T) {
	m, err := AdEx().New(Env{N: 1, Batch: 1, Dt: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.(Conductor); ok && c.Conductances() {
		t.Fatal("AdEx claims to integrate conductances")
	}
	m.Step(0, Input{G: []float32{1}, GE: []float32{0}}, nil)
	if m.(Failer).Err() == nil {
		t.Error("conductance input to a model without a conductance path was accepted silently")
	}
	lif, _ := LIF().New(Env{N: 2, Batch: 1, Dt: 0.1})
	lif.Step(0, Input{G: []float32{1, 1}}, nil)
	if lif.(Failer).Err() == nil {
		t.Error("G without GE was accepted")
	}
}
