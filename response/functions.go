package response

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
)

// Kinds of the built-in response functions.
const (
	KindIdentity    = "identity"
	KindScaling     = "scaling"
	KindLeaky       = "leaky"
	KindFlat        = "flat"
	KindLimitedFlat = "limited_flat"
	KindComposite   = "composite"
)

// Reference defaults of the Python Spiral, for builders that fill in
// missing parameters.
const (
	DefaultTau      = 15.0 // ms, LeakyResponseFunction
	DefaultDuration = 10.0 // ms, LimitedFlatResponseFunction
)

// ---------------------------------------------------------------- identity

// Identity is r = x: a spike becomes a unit pulse (a delta synapse at an
// axon terminal).
type Identity struct{}

// Kind returns "identity".
func (Identity) Kind() string { return KindIdentity }

// New builds the function for n elements.
func (Identity) New(n int, dt float64) (Function, error) {
	if err := checkN(KindIdentity, n); err != nil {
		return nil, err
	}
	if err := checkDt(KindIdentity, dt); err != nil {
		return nil, err
	}
	return &identity{n: n}, nil
}

type identity struct{ n int }

func (f *identity) Step(x, r []float32) { copy(r[:f.n], x[:f.n]) }
func (f *identity) Reset()              {}
func (f *identity) Len() int            { return f.n }
func (f *identity) Memoryless() bool    { return true }

// ----------------------------------------------------------------- scaling

// Scaling is r = c·x with a scale c per element (a synaptic efficacy).
// Scale is required: the zero Value scales by 0.
type Scaling struct {
	Scale param.Value
}

// Kind returns "scaling".
func (Scaling) Kind() string { return KindScaling }

// New builds the function for n elements.
func (s Scaling) New(n int, dt float64) (Function, error) {
	if err := checkN(KindScaling, n); err != nil {
		return nil, err
	}
	if err := checkDt(KindScaling, dt); err != nil {
		return nil, err
	}
	c, err := broadcast(KindScaling, "scale", s.Scale, n)
	if err != nil {
		return nil, err
	}
	f := &scaling{c: make([]float32, n)}
	for e, v := range c {
		f.c[e] = float32(v)
	}
	f.c0, f.uniform = f.c[0], param.Uniform32(f.c)
	return f, nil
}

type scaling struct {
	c       []float32 `state:"-"`
	c0      float32   `state:"-"`
	uniform bool      `state:"-"`
}

func (f *scaling) Step(x, r []float32) {
	n := len(f.c)
	x, r = x[:n], r[:n]
	if f.uniform {
		c := f.c0
		for e, v := range x {
			r[e] = c * v
		}
		return
	}
	c := f.c
	for e, v := range x {
		r[e] = c[e] * v
	}
}
func (f *scaling) Reset()           {}
func (f *scaling) Len() int         { return len(f.c) }
func (f *scaling) Memoryless() bool { return true }

// ------------------------------------------------------------------- leaky

// Leaky is an exponentially decaying trace: r_n = x_n + a·r_{n−1}, with
// the reference's Euler factor a = 1 − dt/τ, or a = e^{−dt/τ} when Exact
// is set. Its impulse response is 1, a, a², … (an exponential current
// at an axon terminal; an eligibility trace as a synaptic tag).
//
// Tau (ms) is per element and must be > 0; the reference's default is
// DefaultTau. With the Euler factor τ must also be ≥ dt: a smaller τ
// would make a negative and the trace alternate in sign (use Exact).
type Leaky struct {
	Tau   param.Value
	Exact bool
}

// Kind returns "leaky".
func (Leaky) Kind() string { return KindLeaky }

// New builds the function for n elements.
func (l Leaky) New(n int, dt float64) (Function, error) {
	if err := checkN(KindLeaky, n); err != nil {
		return nil, err
	}
	if err := checkDt(KindLeaky, dt); err != nil {
		return nil, err
	}
	tau, err := broadcast(KindLeaky, "tau_ms", l.Tau, n, param.Positive)
	if err != nil {
		return nil, err
	}
	f := &leaky{a: make([]float32, n), s: make([]float32, n)}
	for e, t := range tau {
		if l.Exact {
			f.a[e] = float32(math.Exp(-dt / t))
			continue
		}
		if t < dt {
			return nil, fmt.Errorf("%s: tau_ms[%d] = %g < dt = %g ms: the Euler factor 1 − dt/τ would be negative; use a larger tau or Exact", KindLeaky, e, t, dt)
		}
		f.a[e] = float32(1 - dt/t)
	}
	f.a0, f.uniform = f.a[0], param.Uniform32(f.a)
	return f, nil
}

type leaky struct {
	a       []float32 `state:"-"` // decay factor per element
	a0      float32   `state:"-"`
	uniform bool      `state:"-"`
	s       []float32 `state:"elements"` // r_{n−1}
}

func (f *leaky) Step(x, r []float32) {
	s := f.s
	n := len(s)
	x, r = x[:n], r[:n]
	if f.uniform {
		a := f.a0
		for e := range s {
			v := x[e] + float32(a*s[e]) // the conversion forbids FMA fusion: same result on every CPU
			s[e] = v
			r[e] = v
		}
		return
	}
	a := f.a[:n]
	for e := range s {
		v := x[e] + float32(a[e]*s[e])
		s[e] = v
		r[e] = v
	}
}

// LeakyFactor returns the factor a of every element, if they share one
// (a device's form of the trace, see plasticity.STDPForm).
func (f *leaky) LeakyFactor() (float32, bool) { return f.a0, f.uniform }

// LeakyState returns the trace's live state r_{n−1}, one per element.
func (f *leaky) LeakyState() []float32 { return f.s }

func (f *leaky) Reset()           { clear(f.s) }
func (f *leaky) Len() int         { return len(f.s) }
func (f *leaky) Memoryless() bool { return false }

// -------------------------------------------------------------------- flat

// Flat is the cumulative sum r_n = r_{n−1} + x_n (a spike count that never
// decays). The sum is kept in float64, so spike counts stay exact.
type Flat struct{}

// Kind returns "flat".
func (Flat) Kind() string { return KindFlat }

// New builds the function for n elements.
func (Flat) New(n int, dt float64) (Function, error) {
	if err := checkN(KindFlat, n); err != nil {
		return nil, err
	}
	if err := checkDt(KindFlat, dt); err != nil {
		return nil, err
	}
	return &flat{s: make([]float64, n)}, nil
}

type flat struct{ s []float64 }

func (f *flat) Step(x, r []float32) {
	s := f.s
	x, r = x[:len(s)], r[:len(s)]
	for e, v := range x {
		s[e] += float64(v)
		r[e] = float32(s[e])
	}
}
func (f *flat) Reset()           { clear(f.s) }
func (f *flat) Len() int         { return len(f.s) }
func (f *flat) Memoryless() bool { return false }

// ------------------------------------------------------------ limited flat

// LimitedFlat is a sliding-window sum (a boxcar kernel):
// r_n = Σ_{k=0}^{W−1} x_{n−k}, so an input at step m counts at steps
// m … m+W−1.
//
// Window length. By default W = round(T/dt) steps (halves round up), at
// least 1: a window of duration T covers T/dt steps, and T below dt/2
// (including 0) still passes each input on for its own step. The Python
// reference uses floor(T/dt)+1 steps, one more than its name says whenever
// T is a multiple of dt (T = 10 ms at dt = 1 ms: 11 steps); set Reference
// to get that. Both conversions treat T/dt within 1e-9 below an integer as
// that integer (1.5 ms / 0.1 ms is 15 steps).
//
// Duration (ms) is per element and must be ≥ 0; the reference's default is
// DefaultDuration. The running sum is kept in float64 and set to exactly 0
// whenever the window holds no non-zero input, so spike counts are exact
// and a window that has emptied reads 0.
type LimitedFlat struct {
	Duration  param.Value
	Reference bool
}

// Kind returns "limited_flat".
func (LimitedFlat) Kind() string { return KindLimitedFlat }

// WindowSteps returns the window length in steps of a limited-flat
// function of duration t ms at time step dt (see LimitedFlat).
func WindowSteps(t, dt float64, reference bool) int {
	if reference {
		w := param.Steps(t, dt)
		if w < math.MaxInt {
			w++
		}
		return w
	}
	return max(1, param.RoundSteps(t, dt))
}

// maxWindow bounds the window, and maxHistory the history of all
// elements together (float32 values), so that a mistyped duration is an
// error rather than an enormous allocation.
const (
	maxWindow  = 1 << 24
	maxHistory = 1 << 31
)

// New builds the function for n elements.
func (l LimitedFlat) New(n int, dt float64) (Function, error) {
	if err := checkN(KindLimitedFlat, n); err != nil {
		return nil, err
	}
	if err := checkDt(KindLimitedFlat, dt); err != nil {
		return nil, err
	}
	ts, err := broadcast(KindLimitedFlat, "duration_ms", l.Duration, n, param.NonNegative)
	if err != nil {
		return nil, err
	}
	f := &limitedFlat{w: make([]int32, n), sum: make([]float64, n), cnt: make([]int32, n)}
	h := 1
	for e, t := range ts {
		w := WindowSteps(t, dt, l.Reference)
		if w > maxWindow {
			return nil, fmt.Errorf("%s: duration_ms[%d] = %g: %d steps at dt = %g ms exceeds the limit of %d steps", KindLimitedFlat, e, t, w, dt, maxWindow)
		}
		f.w[e] = int32(w)
		h = max(h, w)
	}
	if int64(h)*int64(n) > maxHistory {
		return nil, fmt.Errorf("%s: a window of %d steps over %d elements needs too much history", KindLimitedFlat, h, n)
	}
	f.h = h
	f.hist = make([]float32, h*n)
	f.uniform = true
	for _, w := range f.w {
		if w != f.w[0] {
			f.uniform = false
			break
		}
	}
	return f, nil
}

type limitedFlat struct {
	w       []int32   `state:"-"`        // window per element, steps
	uniform bool      `state:"-"`        // all windows equal (then w[0] == h)
	h       int       `state:"-"`        // history slots = max window
	hist    []float32 `state:"elements"` // slot s holds the inputs of a step ≡ s (mod h): hist[s·n+e]
	pos     int       `state:"shared"`   // slot of the current step
	sum     []float64 `state:"elements"` // window sum per element
	cnt     []int32   `state:"elements"` // non-zero inputs in the window per element
}

func (f *limitedFlat) Step(x, r []float32) {
	n := len(f.sum)
	x, r = x[:n], r[:n]
	sum, cnt := f.sum[:n], f.cnt[:n]
	cur := f.hist[f.pos*n : (f.pos+1)*n]
	if f.uniform {
		// W == h: the oldest input is in the slot about to be overwritten.
		for e, v := range x {
			old := cur[e]
			cur[e] = v
			f.add(e, v, old, sum, cnt)
			r[e] = float32(sum[e])
		}
	} else {
		w := f.w[:n]
		for e, v := range x {
			j := f.pos - int(w[e])
			if j < 0 {
				j += f.h
			}
			old := f.hist[j*n+e]
			cur[e] = v
			f.add(e, v, old, sum, cnt)
			r[e] = float32(sum[e])
		}
	}
	f.pos++
	if f.pos == f.h {
		f.pos = 0
	}
}

// add moves the window of element e: v enters, old leaves.
func (f *limitedFlat) add(e int, v, old float32, sum []float64, cnt []int32) {
	if v == old {
		return
	}
	if v != 0 {
		cnt[e]++
	}
	if old != 0 {
		cnt[e]--
	}
	if cnt[e] == 0 {
		sum[e] = 0
		return
	}
	sum[e] += float64(v) - float64(old)
}

func (f *limitedFlat) Reset() {
	clear(f.hist)
	clear(f.sum)
	clear(f.cnt)
	f.pos = 0
}
func (f *limitedFlat) Len() int         { return len(f.sum) }
func (f *limitedFlat) Memoryless() bool { return false }

// --------------------------------------------------------------- composite

// Composite chains functions in list order: r = f_K(…f_2(f_1(x))). Every
// function gets the same n and dt. It is memoryless when all of its
// functions are.
type Composite struct {
	Functions []Spec
}

// Kind returns "composite".
func (Composite) Kind() string { return KindComposite }

// New builds the chain for n elements.
func (c Composite) New(n int, dt float64) (Function, error) {
	if len(c.Functions) == 0 {
		return nil, fmt.Errorf("%s: no functions: give at least one", KindComposite)
	}
	f := &composite{n: n, memoryless: true}
	for i, s := range c.Functions {
		if s == nil {
			return nil, fmt.Errorf("%s: function %d is nil", KindComposite, i)
		}
		g, err := s.New(n, dt)
		if err != nil {
			return nil, fmt.Errorf("%s: function %d: %w", KindComposite, i, err)
		}
		f.fs = append(f.fs, g)
		f.memoryless = f.memoryless && g.Memoryless()
	}
	return f, nil
}

type composite struct {
	n          int
	fs         []Function
	memoryless bool
}

func (f *composite) Step(x, r []float32) {
	f.fs[0].Step(x, r)
	for _, g := range f.fs[1:] {
		g.Step(r, r)
	}
}

func (f *composite) Reset() {
	for _, g := range f.fs {
		g.Reset()
	}
}
func (f *composite) Len() int         { return f.n }
func (f *composite) Memoryless() bool { return f.memoryless }
