package soma

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// izhRef is Izhikevich (2003)'s published code for one neuron, in float64,
// generalised to sub-steps of dt/sub; euler selects plain Euler.
type izhRef struct {
	a, b, c, d, v, u float64
	fired            bool
}

func (p *izhRef) step(I, dt float64, sub int, euler bool) {
	if p.fired { // fired = find(v >= 30); v(fired) = c; u(fired) += d
		p.v, p.u = p.c, p.u+p.d
	}
	if euler {
		p.v, p.u = p.v+dt*(0.04*p.v*p.v+5*p.v+140-p.u+I), p.u+dt*p.a*(p.b*p.v-p.u)
	} else {
		for s := 0; s < sub; s++ {
			p.v += dt / float64(sub) * (0.04*p.v*p.v + 5*p.v + 140 - p.u + I)
		}
		p.u += dt * p.a * (p.b*p.v - p.u)
	}
	p.fired = p.v >= 30
}

func TestIzhikevichReference(t *testing.T) {
	cases := []struct {
		name  string
		s     Izhikevich
		dt    float64
		sub   int
		euler bool
	}{
		{"RS dt=1", IzhikevichRS(), 1, 2, false},
		{"FS dt=1", IzhikevichFS(), 1, 2, false},
		{"CH dt=1", IzhikevichCH(), 1, 2, false},
		{"IB dt=0.1", IzhikevichIB(), 0.1, 1, false},
		{"RS dt=0.1 euler", func() Izhikevich { s := IzhikevichRS(); s.Method = IzhikevichEuler; return s }(), 0.1, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustNew(t, c.s, Env{N: 1, Batch: 1, Dt: c.dt})
			a, _ := c.s.A.IsConst()
			b, _ := c.s.B.IsConst()
			cc, _ := c.s.C.IsConst()
			d, _ := c.s.D.IsConst()
			p := &izhRef{a: a, b: b, c: cc, d: d, v: -65, u: b * -65}
			v, u := vvar(t, m, "v"), vvar(t, m, "u")
			spikes := 0
			for n := 0; n < int(300/c.dt); n++ {
				I := 10 + 4*math.Sin(0.05*float64(n)*c.dt)
				// One reference step from the model's (float32) state:
				// near a spike the dynamics amplify rounding differences,
				// so free-running float32 and float64 runs part ways.
				p.v, p.u = float64(v[0]), float64(u[0])
				p.step(I, c.dt, c.sub, c.euler)
				f := m.Step(int64(n), Input{Current: []float32{float32(I)}}, nil)
				if (len(f) == 1) != p.fired {
					t.Fatalf("step %d: fired %v, reference %v (v %g)", n, f, p.fired, p.v)
				}
				wantV := p.v
				if p.fired {
					wantV = 30 // the recorded potential is clipped to the peak
					spikes++
				}
				if math.Abs(float64(v[0])-wantV) > 1e-5*math.Max(1, math.Abs(wantV)) ||
					math.Abs(float64(u[0])-p.u) > 1e-5*math.Max(1, math.Abs(p.u)) {
					t.Fatalf("step %d: v %g u %g, reference v %g u %g", n, v[0], u[0], wantV, p.u)
				}
			}
			if spikes < 3 {
				t.Fatalf("only %d spikes", spikes)
			}
		})
	}
}

func isis(spikes []int) []float64 {
	var out []float64
	for i := 1; i < len(spikes); i++ {
		out = append(out, float64(spikes[i]-spikes[i-1]))
	}
	return out
}

func izhSpikes(t *testing.T, s Izhikevich, I float32, ms int) []int {
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
	var sp []int
	for n := 0; n < ms; n++ {
		if len(m.Step(int64(n), Input{Current: []float32{I}}, nil)) > 0 {
			sp = append(sp, n)
		}
	}
	return sp
}

// Regular spiking (a, b, c, d = 0.02, 0.2, −65, 8) at I = 10 fires tonically
// with spike-frequency adaptation (Izhikevich 2003, Fig. 2); fast spiking
// fires faster without adaptation; chattering fires bursts.
func TestIzhikevichPatterns(t *testing.T) {
	rs := izhSpikes(t, IzhikevichRS(), 10, 1000)
	if n := len(rs); n < 10 || n > 40 {
		t.Fatalf("RS at I = 10: %d spikes in 1 s, want 10-40 (tonic)", n)
	}
	d := isis(rs)
	tail := d[len(d)-10:]
	mean, sd := 0.0, 0.0
	for _, x := range tail {
		mean += x / 10
	}
	for _, x := range tail {
		sd += (x - mean) * (x - mean) / 10
	}
	if cv := math.Sqrt(sd) / mean; cv > 0.1 {
		t.Errorf("RS: steady ISIs irregular (CV %g)", cv)
	}
	if d[0] > 0.75*mean {
		t.Errorf("RS: no adaptation (first ISI %g, steady %g)", d[0], mean)
	}
	if slices.Min(d) < 10 {
		t.Errorf("RS: bursts (ISI %g ms)", slices.Min(d))
	}
	fs := izhSpikes(t, IzhikevichFS(), 10, 1000)
	if len(fs) <= 2*len(rs) {
		t.Errorf("FS: %d spikes, RS %d: FS should fire much faster", len(fs), len(rs))
	}
	ch := isis(izhSpikes(t, IzhikevichCH(), 10, 1000))
	if slices.Min(ch) > 8 || slices.Max(ch) < 30 {
		t.Errorf("CH: ISIs %v, want bursts (short and long intervals)", ch)
	}
}

func TestIzhikevichResetAndFeedback(t *testing.T) {
	v0 := param.Uniform(-70, -60)
	s := IzhikevichRS()
	s.V0MV = &v0
	m := mustNew(t, s, Env{N: 5, Batch: 2, Dt: 0.5})
	v, u := vvar(t, m, "v"), vvar(t, m, "u")
	iv, iu := slices.Clone(v), slices.Clone(u)
	for i := range iv {
		if math.Abs(float64(iu[i])-0.2*float64(iv[i])) > 1e-4 {
			t.Fatalf("u0 = %g, want b·v0 = %g", iu[i], 0.2*iv[i])
		}
	}
	var first []uint32
	for n := 0; n < 400; n++ {
		first = append(first, m.Step(int64(n), Input{Current: fill(10, 15)}, nil)...)
	}
	m.Reset()
	if !slices.Equal(v, iv) || !slices.Equal(u, iu) {
		t.Fatal("Reset did not restore the initial state")
	}
	var again []uint32
	for n := 0; n < 400; n++ {
		again = append(again, m.Step(int64(n), Input{Current: fill(10, 15)}, nil)...)
	}
	if len(first) == 0 || !slices.Equal(first, again) {
		t.Fatal("different spikes after Reset")
	}
	// A clamped spike resets v to c and adds d to u.
	m.Reset()
	m.Step(0, Input{}, nil)
	u1 := u[3]
	m.(Repolarizer).SetFired([]uint32{3})
	m.(Repolarizer).Repolarize()
	if v[3] != -65 || math.Abs(float64(u[3]-u1-8)) > 1e-5 {
		t.Fatalf("after a clamped spike v %g u %g, want -65 and %g", v[3], u[3], u1+8)
	}
}

func TestIzhikevichInvalid(t *testing.T) {
	env := Env{N: 2, Batch: 1, Dt: 1}
	mod := func(f func(*Izhikevich)) Izhikevich { s := IzhikevichRS(); f(&s); return s }
	cases := []struct {
		s    Izhikevich
		want string
	}{
		{Izhikevich{}, "izhikevich: a = 0: must be > 0"},
		{mod(func(s *Izhikevich) { s.A = param.Const(-0.02) }), "a = -0.02: must be > 0"},
		{mod(func(s *Izhikevich) { s.B = param.Const(math.NaN()) }), "b = NaN"},
		{mod(func(s *Izhikevich) { s.C = param.Const(40) }), "c_mV[0] = 40: must be < peak_mV = 30"},
		{mod(func(s *Izhikevich) { s.D = param.Array(1, 2, 3) }), "d: array has 3 values, want 2"},
		{mod(func(s *Izhikevich) { s.PeakMV = param.Const(math.Inf(1)) }), "peak_mV = +Inf"},
		{mod(func(s *Izhikevich) { s.V0MV = pv(math.NaN()) }), "v0_mV = NaN"},
		{mod(func(s *Izhikevich) { s.U0 = pv(math.Inf(-1)) }), "u0 = -Inf"},
		{mod(func(s *Izhikevich) { s.Method = 5 }), "method = 5"},
	}
	for _, c := range cases {
		if _, err := c.s.New(env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New = %v, want an error containing %q", err, c.want)
		}
	}
}
