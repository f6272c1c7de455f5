package dendrite

import (
	"math"
	"strings"
	"testing"
)

// run feeds one event of weight w at step 0 and returns the current (or
// jump) contributed at steps 0..n-1.
func run(t *testing.T, s Spec, dt float64, w float32, v float32, n int) []float64 {
	t.Helper()
	r, err := s.New(1, dt, 3)
	if err != nil {
		t.Fatal(err)
	}
	r.Slot(0)[0] += w
	out := make([]float64, n)
	for k := 0; k < n; k++ {
		cur, jump := []float32{0}, []float32{0}
		r.Consume(int64(k), []float32{v}, cur, jump)
		out[k] = float64(cur[0] + jump[0])
	}
	return out
}

func TestExpCurrentClosedForm(t *testing.T) {
	const dt, tau, w = 0.1, 5.0, 2.0
	got := run(t, Spec{Kernel: ExpCurrent, TauMs: tau}, dt, w, 0, 100)
	for k, g := range got {
		want := w * math.Exp(-float64(k)*dt/tau)
		if math.Abs(g-want) > 1e-5*w {
			t.Fatalf("step %d: current %g, want w·e^(−k·dt/τ) = %g", k, g, want)
		}
	}
}

func TestAlphaCurrentClosedFormAndPeak(t *testing.T) {
	const dt, tau, w = 0.1, 2.0, 1.5
	got := run(t, Spec{Kernel: AlphaCurrent, TauMs: tau}, dt, w, 0, 200)
	best := 0
	for k, g := range got {
		tt := float64(k) * dt
		want := w * tt / tau * math.Exp(1-tt/tau)
		if math.Abs(g-want) > 1e-4 {
			t.Fatalf("step %d: current %g, want w·(t/τ)e^(1−t/τ) = %g", k, g, want)
		}
		if g > got[best] {
			best = k
		}
	}
	if best != int(tau/dt) {
		t.Errorf("peak at step %d, want τ/dt = %d", best, int(tau/dt))
	}
}

func TestConductanceUsesDrivingForce(t *testing.T) {
	const dt, tau, w, e, v = 0.1, 5.0, 0.5, 0.0, -60.0
	got := run(t, Spec{Kernel: ExpConductance, TauMs: tau, ReversalMV: e}, dt, w, v, 10)
	for k, g := range got {
		want := w * math.Exp(-float64(k)*dt/tau) * (e - v)
		if math.Abs(g-want) > 1e-4*math.Abs(want) {
			t.Fatalf("step %d: current %g, want g·(E−v) = %g", k, g, want)
		}
	}
}

func TestDeltaJumpOnceAndRingReuse(t *testing.T) {
	got := run(t, Spec{Kernel: Delta}, 0.1, 3, 0, 10)
	if got[0] != 3 {
		t.Fatalf("jump at arrival %g, want 3", got[0])
	}
	for k := 1; k < len(got); k++ {
		if got[k] != 0 {
			t.Fatalf("step %d: jump %g after the slot was consumed", k, got[k])
		}
	}
}

func TestInvalidSpecs(t *testing.T) {
	cases := []struct {
		s    Spec
		want string
	}{
		{Spec{Kernel: ExpCurrent, TauMs: 0}, "tau_ms = 0"},
		{Spec{Kernel: AlphaConductance, TauMs: -1}, "tau_ms = -1"},
		{Spec{Kernel: ExpConductance, TauMs: 1, ReversalMV: math.NaN()}, "reversal_mV"},
		{Spec{Kernel: Kernel(9)}, "unknown"},
	}
	for _, c := range cases {
		_, err := c.s.New(1, 0.1, 1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.s, err, c.want)
		}
	}
	if _, err := ParseKernel("expo"); err == nil {
		t.Error("ParseKernel accepted an unknown name")
	}
	if k, err := ParseKernel("alpha_current"); err != nil || k != AlphaCurrent {
		t.Errorf("ParseKernel(alpha_current) = %v, %v", k, err)
	}
}

func TestConsumeConductanceSumsGAndGE(t *testing.T) {
	const dt, tau, w, e = 0.1, 5.0, 0.6, -80.0
	for _, k := range []Kernel{ExpConductance, AlphaConductance} {
		a, _ := Spec{Kernel: k, TauMs: tau, ReversalMV: e}.New(1, dt, 2)
		b, _ := Spec{Kernel: k, TauMs: tau, ReversalMV: e}.New(1, dt, 2)
		a.Slot(0)[0] += w
		b.Slot(0)[0] += w
		for n := int64(0); n < 50; n++ {
			g, ge := []float32{0.25}, []float32{1}
			a.ConsumeConductance(n, nil, nil, nil, g, ge)
			// The same receptor through Consume with v = 0 gives the
			// current g·(E − 0) = g·E.
			cur := []float32{0}
			b.Consume(n, []float32{0}, cur, nil)
			gk := cur[0] / e
			if math.Abs(float64(g[0]-0.25-gk)) > 1e-6 || math.Abs(float64(ge[0]-1-gk*e)) > 1e-4 {
				t.Fatalf("%v step %d: g %g, ge %g; the kernel's conductance is %g", k, n, g[0]-0.25, ge[0]-1, gk)
			}
		}
	}
}

// A far input's slot is added into the receptor's own when the receptor
// reads a step — after the near inputs, on every read path — and both
// are cleared; the far input shares the receptor's elements and gain.
func TestFarInputAddsWhenRead(t *testing.T) {
	r, err := Spec{Kernel: ExpCurrent, TauMs: 5}.New(2, 0.1, 4)
	if err != nil {
		t.Fatal(err)
	}
	r.SetGain(1.5)
	f := r.Far()
	if f != r.Far() || f.Gain() != 1.5 || len(f.Slot(0)) != 2 || f.Slots() != r.Slots() {
		t.Fatalf("far input: gain %g, %d elements, %d slots; want one input of gain 1.5, 2 elements, %d slots", f.Gain(), len(f.Slot(0)), f.Slots(), r.Slots())
	}
	// Near then far inputs for step 3; the far input alone for step 4.
	r.Slot(3)[0], r.Slot(3)[1] = 0.25, 1
	f.Slot(3)[0], f.Slot(3)[1] = 0.5, 0.125
	f.Slot(4)[1] = 2
	cur := []float32{0, 0}
	r.Consume(3, nil, cur, nil)
	if want := []float32{0.25 + 0.5, 1 + 0.125}; cur[0] != want[0] || cur[1] != want[1] {
		t.Errorf("step 3: current %v, want near + far %v", cur, want)
	}
	if x := f.Slot(3); x[0] != 0 || x[1] != 0 {
		t.Errorf("the far slot of step 3 was not cleared: %v", x)
	}
	e, ok := r.Exp(4)
	if !ok || e.In[0] != 0 || e.In[1] != 2 {
		t.Errorf("step 4 through Exp: inputs %v, want the far input's [0 2]", e.In)
	}
	if x := f.Slot(4); x[1] != 0 {
		t.Errorf("the far slot of step 4 was not cleared: %v", x)
	}
	r.SetGain(2)
	if f.Gain() != 2 {
		t.Errorf("far input's gain %g after SetGain(2)", f.Gain())
	}
}
