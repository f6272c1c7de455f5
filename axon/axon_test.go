package axon

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// arrival is what a consumer sees: a value applied to a row at a step.
type arrival struct {
	Step  int64
	Src   uint32
	Value float32
}

func (a arrival) String() string { return fmt.Sprintf("{step %d src %d %g}", a.Step, a.Src, a.Value) }

// deliver runs the axon for steps steps, feeding fired(n) and collecting
// the arrivals at n + 1 + Delay, sorted by (step, src).
func deliver(t *testing.T, a *Runtime, steps int, fired func(n int) []uint32) []arrival {
	t.Helper()
	var ev []Event
	var out []arrival
	for n := range steps {
		ev = a.Emit(fired(n), ev[:0])
		out = collect(t, a, out, int64(n), ev)
	}
	sortArrivals(out)
	return out
}

// deliverGraded is deliver for a graded source.
func deliverGraded(t *testing.T, a *Runtime, steps int, values func(n int) []float32) []arrival {
	t.Helper()
	var ev []Event
	var out []arrival
	for n := range steps {
		ev = a.EmitGraded(values(n), ev[:0])
		out = collect(t, a, out, int64(n), ev)
	}
	sortArrivals(out)
	return out
}

func collect(t *testing.T, a *Runtime, out []arrival, n int64, ev []Event) []arrival {
	t.Helper()
	for j, e := range ev {
		if j > 0 && ev[j-1].Src >= e.Src {
			t.Fatalf("step %d: events not in ascending Src: %v", n, ev)
		}
		if 1+int(e.Delay) > a.MaxLatency() || 1+int(e.Delay) < a.MinLatency() {
			t.Fatalf("event delay %d outside latencies [%d, %d]", e.Delay, a.MinLatency(), a.MaxLatency())
		}
		out = append(out, arrival{Step: n + 1 + int64(e.Delay), Src: e.Src, Value: e.Value})
	}
	return out
}

func sortArrivals(xs []arrival) {
	slices.SortFunc(xs, func(a, b arrival) int {
		return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Src, b.Src))
	})
}

func equalArrivals(t *testing.T, what string, got, want []arrival) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d arrivals, want %d\n got %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Step != w.Step || g.Src != w.Src || math.Abs(float64(g.Value-w.Value)) > 1e-6*math.Max(1, math.Abs(float64(w.Value))) {
			t.Fatalf("%s: arrival %d = %v, want %v\n got %v\nwant %v", what, i, g, w, got, want)
		}
	}
}

func env(n, batch int, dt float64) soma.Env {
	return soma.Env{N: n, Batch: batch, Dt: dt, Key: rng.NewKey(1, 2)}
}

func mustNew(t *testing.T, s Spec, e soma.Env) *Runtime {
	t.Helper()
	a, err := s.New(e)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestDelaySteps(t *testing.T) {
	for _, tc := range []struct {
		d, dt float64
		want  int
	}{
		{0, 1, 0}, {20, 1, 20}, {2.5, 1, 2}, {2.9999, 1, 2},
		{1.5, 0.1, 15}, {0.7, 0.1, 7}, {0.3, 0.1, 3}, {1, 0.3, 3},
		{0.05, 0.1, 0}, {6553.5, 0.1, 65535},
	} {
		if got := DelaySteps(tc.d, tc.dt); got != tc.want {
			t.Errorf("DelaySteps(%g, %g) = %d, want %d", tc.d, tc.dt, got, tc.want)
		}
	}
}

// TestSpikeArrival checks that a spike of neuron i at step n acts through
// row (i, k) at step n + 1 + floor(d[i,k]/dt) (or, with Nearest, the
// nearest whole number of steps), on both paths.
func TestSpikeArrival(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay param.Value
		dt    float64
		D     []int // expected steps per row (3 neurons × 2 terminals)
	}{
		{"none", param.Value{}, 1, []int{0, 0, 0, 0, 0, 0}},
		{"scalar 20 ms", param.Const(20), 1, []int{20, 20, 20, 20, 20, 20}},
		{"per terminal [0,2]", param.Array(0, 2), 1, []int{0, 2, 0, 2, 0, 2}},
		{"per neuron-terminal [[2,3],[0,0],[6,9]]", param.Array(2, 3, 0, 0, 6, 9), 1, []int{2, 3, 0, 0, 6, 9}},
		{"1.5 ms at dt 0.1", param.Const(1.5), 0.1, []int{15, 15, 15, 15, 15, 15}},
		{"per terminal [0.7, 1.5] at dt 0.1", param.Array(0.7, 1.5), 0.1, []int{7, 15, 7, 15, 7, 15}},
		{"fractional steps", param.Array(0.5, 1.99, 2, 2.01, 0, 3.5), 1, []int{0, 1, 2, 2, 0, 3}},
		// NEST's rule: to the nearest step, halves up (0.25 ms at dt 0.1,
		// 2.4999999999999996 steps in floating point, is 3).
		{"nearest: fractional steps", param.Array(0.5, 1.49, 2, 2.51, 0.4, 3.5), 1, []int{1, 1, 2, 3, 0, 4}},
		{"nearest: [0.25, 1.06] at dt 0.1", param.Array(0.25, 1.06), 0.1, []int{3, 11, 3, 11, 3, 11}},
	} {
		rounding := Floor
		if strings.HasPrefix(tc.name, "nearest") {
			rounding = Nearest
		}
		for _, buffered := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/buffered=%v", tc.name, buffered), func(t *testing.T) {
				a := mustNew(t, Spec{Terminals: 2, DelayMs: tc.delay, Buffered: buffered, Rounding: rounding}, env(3, 1, tc.dt))
				if a.Rows() != 6 || a.Terminals() != 2 || a.Direct() == buffered {
					t.Fatalf("rows %d terminals %d direct %v", a.Rows(), a.Terminals(), a.Direct())
				}
				dmin, dmax := slices.Min(tc.D), slices.Max(tc.D)
				if a.MinLatency() != 1+dmin {
					t.Errorf("MinLatency = %d, want %d", a.MinLatency(), 1+dmin)
				}
				wantMax := 1 + dmax
				if buffered {
					wantMax = 1 + dmin
				}
				if a.MaxLatency() != wantMax {
					t.Errorf("MaxLatency = %d, want %d", a.MaxLatency(), wantMax)
				}
				for i := range 3 {
					a.Reset()
					const at = 5
					got := deliver(t, a, at+30, func(n int) []uint32 {
						if n == at {
							return []uint32{uint32(i)}
						}
						return nil
					})
					var want []arrival
					for k := range 2 {
						r := i*2 + k
						if a.Latency(r) != 1+tc.D[r] {
							t.Errorf("Latency(%d) = %d, want %d", r, a.Latency(r), 1+tc.D[r])
						}
						want = append(want, arrival{Step: int64(at + 1 + tc.D[r]), Src: uint32(r), Value: 1})
					}
					sortArrivals(want)
					equalArrivals(t, fmt.Sprintf("neuron %d", i), got, want)
				}
			})
		}
	}
}

func TestSign(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want []float32 // value per row, 2 neurons × 2 terminals
	}{
		{"excitatory", Spec{Terminals: 2}, []float32{1, 1, 1, 1}},
		{"inhibitory", Spec{Terminals: 2, Inhibitory: true}, []float32{-1, -1, -1, -1}},
		{"per terminal", Spec{Terminals: 2, InhibitoryRows: []bool{false, true}}, []float32{1, -1, 1, -1}},
		{"per row", Spec{Terminals: 2, InhibitoryRows: []bool{true, true, false, true}}, []float32{-1, -1, 1, -1}},
		{"per row, scaled 4", Spec{Terminals: 2, InhibitoryRows: []bool{true, true, false, false}, Response: response.Scaling{Scale: param.Const(4)}}, []float32{-4, -4, 4, 4}},
		{"inhibitory leaky", Spec{Terminals: 2, Inhibitory: true, Response: response.Leaky{Tau: param.Const(2)}}, []float32{-1, -1, -1, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustNew(t, tc.spec, env(2, 1, 1))
			ev := a.Emit([]uint32{0, 1}, nil)
			if len(ev) != 4 {
				t.Fatalf("events %v", ev)
			}
			for r, e := range ev {
				if e.Src != uint32(r) || e.Value != tc.want[r] || a.Sign(r)*float32(math.Abs(float64(tc.want[r]))) != tc.want[r] {
					t.Errorf("row %d: event %+v sign %g, want value %g", r, e, a.Sign(r), tc.want[r])
				}
			}
		})
	}
}

func TestBatchRouting(t *testing.T) {
	// 2 copies × 3 neurons × 2 terminals, delays per terminal [0, 2].
	for _, buffered := range []bool{false, true} {
		a := mustNew(t, Spec{Terminals: 2, DelayMs: param.Array(0, 2), Buffered: buffered}, env(3, 2, 1))
		// Elements: copy 0 neuron 1 (e = 1), copy 1 neurons 0 and 2 (e = 3, 5).
		got := deliver(t, a, 10, func(n int) []uint32 {
			if n == 0 {
				return []uint32{1, 3, 5}
			}
			return nil
		})
		want := []arrival{
			{1, 2, 1},  // copy 0, row 1·2+0
			{1, 6, 1},  // copy 1, row 0
			{1, 10, 1}, // copy 1, row 2·2+0
			{3, 3, 1},  // copy 0, row 1·2+1
			{3, 7, 1},  // copy 1, row 1
			{3, 11, 1}, // copy 1, row 2·2+1
		}
		equalArrivals(t, fmt.Sprintf("buffered=%v", buffered), got, want)
	}
}

// spikeTrain is a fixed pseudo-random raster over copies × neurons.
func spikeTrain(key rng.Key, elems int, p float64) func(n int) []uint32 {
	return func(n int) []uint32 {
		var f []uint32
		for e := range elems {
			if key.Uniform(uint64(n), uint64(e)) < p {
				f = append(f, uint32(e))
			}
		}
		return f
	}
}

func TestPathsAgree(t *testing.T) {
	for _, rf := range []response.Spec{
		nil,
		response.Identity{},
		response.Scaling{Scale: param.Array(4, 2)},
		response.Composite{Functions: []response.Spec{response.Scaling{Scale: param.Const(3)}, response.Scaling{Scale: param.Array(1, 0, 2, 1, 1, 0.5)}}},
	} {
		spec := Spec{Terminals: 2, DelayMs: param.Array(2, 3, 0, 0, 6, 9), InhibitoryRows: []bool{false, true}, Response: rf}
		e := env(3, 2, 1)
		direct := mustNew(t, spec, e)
		spec.Buffered = true
		buffered := mustNew(t, spec, e)
		if !direct.Direct() || buffered.Direct() {
			t.Fatal("paths not as requested")
		}
		train := spikeTrain(rng.NewKey(7), 6, 0.3)
		a := deliver(t, direct, 60, train)
		b := deliver(t, buffered, 60, train)
		if len(a) < 50 {
			t.Fatalf("too few arrivals (%d) for a meaningful test", len(a))
		}
		// Only arrivals up to the last step both have fully emitted count:
		// the direct path emits earlier, so trim at 60 + min latency.
		trim := func(xs []arrival) []arrival {
			return slices.DeleteFunc(xs, func(x arrival) bool { return x.Step > 60 })
		}
		equalArrivals(t, "spikes", trim(b), trim(a))

		// Graded source.
		vals := func(n int) []float32 {
			v := make([]float32, 6)
			for i := range v {
				if u := rng.NewKey(9).Uniform(uint64(n), uint64(i)); u < 0.5 {
					v[i] = float32(u*4 - 1)
				}
			}
			return v
		}
		direct.Reset()
		buffered.Reset()
		a = deliverGraded(t, direct, 60, vals)
		b = deliverGraded(t, buffered, 60, vals)
		equalArrivals(t, "graded", trim(b), trim(a))
	}
}

func TestLeakyAxonIsShiftedImpulseResponse(t *testing.T) {
	// Notebook 2: per-terminal tau [1, 6] ms, then Scaling 4; delays per
	// terminal [0, 2] ms; dt = 1 ms. A spike of neuron 1 at step 3 arrives
	// through terminal k from step 3 + 1 + D[k] on as 4·(1 − 1/τ_k)^j.
	taus := []float64{1, 6}
	D := []int{0, 2}
	a := mustNew(t, Spec{
		Terminals: 2,
		DelayMs:   param.Array(0, 2),
		Response: response.Composite{Functions: []response.Spec{
			response.Leaky{Tau: param.Array(taus...)},
			response.Scaling{Scale: param.Const(4)},
		}},
	}, env(3, 1, 1))
	if a.Direct() {
		t.Fatal("leaky axon on the direct path")
	}
	const at, steps = 3, 40
	got := deliver(t, a, steps, func(n int) []uint32 {
		if n == at {
			return []uint32{1}
		}
		return nil
	})
	var want []arrival
	for k := range 2 {
		r := 1*2 + k
		for j := 0; ; j++ {
			step := at + 1 + D[k] + j
			v := 4 * math.Pow(1-1/taus[k], float64(j))
			// The last emission step is steps−1; it arrives at steps + Dmin
			// (Dmin = 0 here).
			if v == 0 || step > steps {
				break
			}
			want = append(want, arrival{Step: int64(step), Src: uint32(r), Value: float32(v)})
		}
	}
	sortArrivals(want)
	equalArrivals(t, "leaky", got, want)
}

func TestExactLeakyWithScalarDelay(t *testing.T) {
	// One delay for all rows: Dmin = D, the history holds one slot, and
	// every event carries Delay D.
	a := mustNew(t, Spec{DelayMs: param.Const(4), Response: response.Leaky{Tau: param.Const(5), Exact: true}}, env(2, 1, 1))
	got := deliver(t, a, 10, func(n int) []uint32 {
		if n == 0 {
			return []uint32{0}
		}
		return nil
	})
	var want []arrival
	for j := range 10 {
		want = append(want, arrival{Step: int64(5 + j), Src: 0, Value: float32(math.Exp(-float64(j) / 5))})
	}
	equalArrivals(t, "exact leaky", got, want)
}

func TestResetClearsSpikesInFlight(t *testing.T) {
	for _, spec := range []Spec{
		{DelayMs: param.Const(5), Buffered: true},
		{DelayMs: param.Array(1, 5), Terminals: 2, Buffered: true},
		{DelayMs: param.Array(1, 5), Terminals: 2, Response: response.Leaky{Tau: param.Const(3)}},
		{DelayMs: param.Const(2), Response: response.LimitedFlat{Duration: param.Const(4)}},
	} {
		a := mustNew(t, spec, env(2, 2, 1))
		var ev []Event
		ev = a.Emit([]uint32{0, 3}, ev[:0])
		ev = a.Emit(nil, ev[:0])
		a.Reset()
		for n := range 30 {
			if ev = a.Emit(nil, ev[:0]); len(ev) != 0 {
				t.Fatalf("%+v: step %d after reset: events %v", spec, n, ev)
			}
		}
		// And the axon works as new afterwards.
		a.Reset()
		fresh := mustNew(t, spec, env(2, 2, 1))
		train := spikeTrain(rng.NewKey(3), 4, 0.2)
		equalArrivals(t, "after reset", deliver(t, a, 30, train), deliver(t, fresh, 30, train))
	}
}

func TestGradedNeuromodulator(t *testing.T) {
	// A scalar source per copy (N = 1), transport delay 3 ms, slow
	// clearance (leaky τ = 2 ms, a = 1/2): one event per copy per step,
	// Src = copy.
	a := mustNew(t, Spec{DelayMs: param.Const(3), Response: response.Leaky{Tau: param.Const(2)}}, env(1, 2, 1))
	got := deliverGraded(t, a, 6, func(n int) []float32 {
		if n == 0 {
			return []float32{2, 0} // copy 0 releases 2, copy 1 nothing
		}
		if n == 1 {
			return []float32{0, 1}
		}
		return []float32{0, 0}
	})
	want := []arrival{
		{4, 0, 2}, {5, 0, 1}, {5, 1, 1}, {6, 0, 0.5}, {6, 1, 0.5}, {7, 0, 0.25}, {7, 1, 0.25}, {8, 0, 0.125}, {8, 1, 0.125}, {9, 0, 0.0625}, {9, 1, 0.0625},
	}
	equalArrivals(t, "modulator", got, want)

	// Memoryless graded: values pass with the sign and per-terminal delay;
	// zeros produce no event.
	b := mustNew(t, Spec{Terminals: 2, DelayMs: param.Array(0, 2), Inhibitory: true, Response: response.Scaling{Scale: param.Array(1, 3)}}, env(2, 1, 1))
	ev := b.EmitGraded([]float32{0.5, 0}, nil)
	wantEv := []Event{{Src: 0, Delay: 0, Value: -0.5}, {Src: 1, Delay: 2, Value: -1.5}}
	if !slices.Equal(ev, wantEv) {
		t.Errorf("graded events %v, want %v", ev, wantEv)
	}
}

func TestDistributionDelays(t *testing.T) {
	spec := Spec{Terminals: 3, DelayMs: param.Uniform(0, 5)}
	e := env(40, 1, 1)
	a, b := mustNew(t, spec, e), mustNew(t, spec, e)
	e.Key = rng.NewKey(1, 3)
	c := mustNew(t, spec, e)
	same, differ := true, false
	seen := map[int]bool{}
	for r := range a.Rows() {
		l := a.Latency(r)
		if l < 1 || l > 5 {
			t.Fatalf("row %d latency %d outside [1, 5]", r, l)
		}
		seen[l] = true
		same = same && l == b.Latency(r)
		differ = differ || l != c.Latency(r)
	}
	if !same || !differ || len(seen) != 5 {
		t.Errorf("same key same delays %v, other key differs %v, latencies seen %v", same, differ, seen)
	}
}

func TestInvalid(t *testing.T) {
	leaky0 := response.Leaky{}
	for _, tc := range []struct {
		name string
		spec Spec
		env  soma.Env
		want []string
	}{
		{"negative delay", Spec{DelayMs: param.Const(-1)}, env(3, 1, 1), []string{"delay_ms = -1", ">= 0"}},
		{"NaN delay", Spec{DelayMs: param.Const(math.NaN())}, env(3, 1, 1), []string{"delay_ms = NaN", "finite"}},
		{"infinite delay", Spec{DelayMs: param.Const(math.Inf(1))}, env(3, 1, 1), []string{"delay_ms = +Inf", "finite"}},
		{"negative element", Spec{Terminals: 2, DelayMs: param.Array(1, -2)}, env(3, 1, 1), []string{"delay_ms[1] = -2"}},
		{"too long", Spec{DelayMs: param.Const(6553.6)}, env(3, 1, 0.1), []string{"delay_ms = 6553.6", "65536 steps", "65535"}},
		{"too long element", Spec{Terminals: 2, DelayMs: param.Array(1, 1e12)}, env(3, 1, 1), []string{"delay_ms[1] = 1e+12", "65535"}},
		{"beyond max delay", Spec{Terminals: 2, DelayMs: param.Array(1, 30), MaxDelayMs: 20}, env(3, 1, 1), []string{"delay_ms[1] = 30", "max_delay_ms = 20"}},
		{"bad max delay", Spec{MaxDelayMs: -1}, env(3, 1, 1), []string{"max_delay_ms = -1"}},
		{"NaN max delay", Spec{MaxDelayMs: math.NaN()}, env(3, 1, 1), []string{"max_delay_ms = NaN"}},
		{"delay length", Spec{Terminals: 2, DelayMs: param.Array(1, 2, 3, 4)}, env(3, 1, 1), []string{"4 values", "2 (one per terminal)", "6 (one per neuron and terminal)"}},
		{"per-neuron delay", Spec{Terminals: 2, DelayMs: param.Array(1, 2, 3)}, env(3, 1, 1), []string{"3 values", "repeat each neuron's delay"}},
		{"negative drawn delay", Spec{DelayMs: param.Normal(0, 1)}, env(30, 1, 1), []string{"delay_ms", "normal(0, 1)", ">= 0"}},
		{"terminals", Spec{Terminals: -1}, env(3, 1, 1), []string{"terminals = -1"}},
		{"sign length", Spec{Terminals: 2, InhibitoryRows: []bool{true, false, true}}, env(3, 1, 1), []string{"inhibitory_rows has 3 values"}},
		{"response", Spec{Response: leaky0}, env(3, 1, 1), []string{"axon: response: leaky: tau_ms = 0"}},
		{"response array", Spec{Terminals: 2, Response: response.Scaling{Scale: param.Array(1, 2, 3, 4)}}, env(3, 1, 1), []string{"scaling", "4 values"}},
		{"no neurons", Spec{}, env(0, 1, 1), []string{"size = 0"}},
		{"no batch", Spec{}, env(3, 0, 1), []string{"batch = 0"}},
		{"dt", Spec{}, env(3, 1, 0), []string{"dt = 0"}},
		{"history", Spec{DelayMs: param.Array(0, 6000), Terminals: 2, Response: response.Leaky{Tau: param.Const(5)}}, env(1_000_000, 1, 1), []string{"too much history"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.spec.New(tc.env)
			if err == nil {
				t.Fatalf("no error: %+v", a)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEmitNoAllocation(t *testing.T) {
	for _, spec := range []Spec{
		{Terminals: 1, DelayMs: param.Const(3)},
		{Terminals: 3, DelayMs: param.Array(1, 2, 3)},
		{Terminals: 2, DelayMs: param.Array(1, 2), Response: response.Leaky{Tau: param.Const(3)}},
	} {
		a := mustNew(t, spec, env(100, 2, 1))
		fired := []uint32{1, 5, 50, 120, 199}
		ev := make([]Event, 0, 1000)
		vals := make([]float32, 200)
		vals[7] = 1
		if n := testing.AllocsPerRun(100, func() { ev = a.Emit(fired, ev[:0]) }); n != 0 {
			t.Errorf("%+v: Emit allocates %g times", spec, n)
		}
		if n := testing.AllocsPerRun(100, func() { ev = a.EmitGraded(vals, ev[:0]) }); n != 0 {
			t.Errorf("%+v: EmitGraded allocates %g times", spec, n)
		}
	}
}

func TestEmitGradedLength(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		a := mustNew(t, Spec{DelayMs: param.Const(2), Buffered: buffered}, env(3, 2, 1))
		if a.Err() != nil {
			t.Fatalf("buffered=%v: error before any step: %v", buffered, a.Err())
		}
		// Wrong lengths: nothing emitted, the first one recorded.
		ev := a.EmitGraded(make([]float32, 3), nil)
		ev = a.EmitGraded([]float32{1, 1, 1, 1, 1, 1, 1}, ev)
		if len(ev) != 0 {
			t.Errorf("buffered=%v: wrong length emitted %v", buffered, ev)
		}
		err := a.Err()
		if err == nil || !strings.Contains(err.Error(), "got 3 values, want 6") {
			t.Errorf("buffered=%v: Err = %v, want the first call (3 values, want 6)", buffered, err)
		}
		// The axon did not advance: a correct call now behaves as the
		// first step (delay 2 on both paths, one history slot).
		ev = a.EmitGraded([]float32{0.5, 0, 0, 0, 0, 0}, ev[:0])
		if want := []Event{{Src: 0, Delay: 2, Value: 0.5}}; !slices.Equal(ev, want) {
			t.Errorf("buffered=%v: after the bad calls got %v, want %v", buffered, ev, want)
		}
		if n := testing.AllocsPerRun(10, func() { ev = a.EmitGraded(make([]float32, 0), ev[:0]) }); n != 0 {
			t.Errorf("buffered=%v: a bad call allocates %g times", buffered, n)
		}
		a.Reset()
		if a.Err() != nil {
			t.Errorf("buffered=%v: Reset kept the error %v", buffered, a.Err())
		}
	}
}

func TestResponseArrayLayout(t *testing.T) {
	// N = 2 neurons, 3 terminals: rows 0..2 are neuron 0's terminals, 3..5
	// neuron 1's. A per-neuron array [10, 20] would be broadcast as
	// element e → value e mod 2, giving neuron 0's terminals 10, 20, 10:
	// it must be rejected.
	e := env(2, 1, 1)
	for _, tc := range []struct {
		name string
		spec Spec
		env  soma.Env
		want string
	}{
		{"per neuron on 3 terminals", Spec{Terminals: 3, Response: response.Scaling{Scale: param.Array(10, 20)}}, e,
			"axon: response scaling: scale has 2 values; valid lengths: 1, 3 (per terminal) or 6 (per neuron and terminal)"},
		{"composite", Spec{Terminals: 3, Response: response.Composite{Functions: []response.Spec{
			response.Scaling{Scale: param.Const(2)}, response.Leaky{Tau: param.Array(5, 6)}}}}, e,
			"axon: response composite: function 1: leaky: tau_ms has 2 values; valid lengths: 1, 3 (per terminal) or 6 (per neuron and terminal)"},
		{"limited flat", Spec{Terminals: 2, Response: response.LimitedFlat{Duration: param.Array(1, 2, 3, 4, 5, 6, 7, 8)}}, env(2, 2, 1),
			"axon: response limited_flat: duration_ms has 8 values; valid lengths: 1, 2 (per terminal) or 4 (per neuron and terminal)"},
		{"divisor with one terminal", Spec{Response: response.Scaling{Scale: param.Array(1, 2)}}, env(4, 1, 1),
			"axon: response scaling: scale has 2 values; valid lengths: 1 or 4 (per neuron)"},
		{"per copy", Spec{Response: response.Scaling{Scale: param.Array(1, 2, 3, 4)}}, env(2, 2, 1),
			"axon: response scaling: scale has 4 values; valid lengths: 1 or 2 (per neuron)"},
		{"one neuron", Spec{Terminals: 3, Response: response.Scaling{Scale: param.Array(1, 2, 3, 4, 5, 6)}}, env(1, 2, 1),
			"axon: response scaling: scale has 6 values; valid lengths: 1 or 3 (per terminal)"},
	} {
		a, err := tc.spec.New(tc.env)
		if err == nil {
			t.Errorf("%s: no error (templates %v)", tc.name, a.tmpl)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s: error\n %q, want\n %q", tc.name, err, tc.want)
		}
	}

	// Valid layouts keep their meaning; two copies share the values.
	fire := []uint32{1, 2} // copy 0 neuron 1, copy 1 neuron 0
	for _, tc := range []struct {
		name  string
		scale param.Value
		want  []Event
	}{
		{"one", param.Array(7), []Event{{Src: 3, Value: 7}, {Src: 4, Value: 7}, {Src: 5, Value: 7}, {Src: 6, Value: 7}, {Src: 7, Value: 7}, {Src: 8, Value: 7}}},
		{"per terminal", param.Array(10, 20, 30), []Event{{Src: 3, Value: 10}, {Src: 4, Value: 20}, {Src: 5, Value: 30}, {Src: 6, Value: 10}, {Src: 7, Value: 20}, {Src: 8, Value: 30}}},
		{"per neuron and terminal", param.Array(1, 2, 3, 4, 5, 6), []Event{{Src: 3, Value: 4}, {Src: 4, Value: 5}, {Src: 5, Value: 6}, {Src: 6, Value: 1}, {Src: 7, Value: 2}, {Src: 8, Value: 3}}},
	} {
		a := mustNew(t, Spec{Terminals: 3, Response: response.Scaling{Scale: tc.scale}}, env(2, 2, 1))
		if got := a.Emit(fire, nil); !slices.Equal(got, tc.want) {
			t.Errorf("%s: events %v, want %v", tc.name, got, tc.want)
		}
	}
}

// benchEmit emits 1000 spikes per step (of 10 000 neurons).
func benchEmit(b *testing.B, spec Spec, batch int) {
	a, err := spec.New(soma.Env{N: 10000, Batch: batch, Dt: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	key := rng.NewKey(5)
	const steps = 64
	fired := make([][]uint32, steps)
	for s := range fired {
		for e := range 10000 * batch {
			if key.Uniform(uint64(s), uint64(e)) < 0.1/float64(batch) {
				fired[s] = append(fired[s], uint32(e))
			}
		}
	}
	ev := make([]Event, 0, 1<<16)
	s := 0
	for b.Loop() {
		ev = a.Emit(fired[s%steps], ev[:0])
		s++
	}
	b.ReportMetric(float64(len(ev)), "events/step")
}

func BenchmarkEmit(b *testing.B) {
	b.Run("direct/1terminal", func(b *testing.B) { benchEmit(b, Spec{DelayMs: param.Uniform(0, 5)}, 1) })
	b.Run("direct/4terminals", func(b *testing.B) { benchEmit(b, Spec{Terminals: 4, DelayMs: param.Uniform(0, 5)}, 1) })
	b.Run("direct/batch4", func(b *testing.B) { benchEmit(b, Spec{DelayMs: param.Uniform(0, 5)}, 4) })
	b.Run("leaky/1terminal", func(b *testing.B) {
		benchEmit(b, Spec{DelayMs: param.Uniform(0, 5), Response: response.Leaky{Tau: param.Const(5)}}, 1)
	})
}

// An unknown rounding is refused.
func TestUnknownRounding(t *testing.T) {
	if _, err := (Spec{DelayMs: param.Const(1), Rounding: Rounding(7)}).New(env(2, 1, 0.1)); err == nil || !strings.Contains(err.Error(), "Rounding(7)") {
		t.Fatalf("rounding 7: %v", err)
	}
}
