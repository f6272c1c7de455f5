package principle

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// fake is a model with free state variables, for scores.
type fake struct {
	n    int
	vars map[string][]float32
}

func (f *fake) Len() int                                  { return f.n }
func (f *fake) Step(int64, soma.Input, []uint32) []uint32 { return nil }
func (f *fake) Reset()                                    {}
func (f *fake) Var(name string) ([]float32, bool)         { v, ok := f.vars[name]; return v, ok }
func (f *fake) Vars() []string {
	var out []string
	for k := range f.vars {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func env(n, batch int, dt float64, seed uint64) soma.Env {
	return soma.Env{N: n, Batch: batch, Dt: dt, Key: rng.NewKey(seed, 3)}
}

func bind(t *testing.T, p Principle, e soma.Env) {
	t.Helper()
	if err := p.Bind(e); err != nil {
		t.Fatal(err)
	}
}

func TestElements(t *testing.T) {
	if got := Elements([]uint32{2, 0, 2}, 5, 2); !slices.Equal(got, []uint32{0, 2, 5, 7}) {
		t.Errorf("got %v", got)
	}
}

func TestClamps(t *testing.T) {
	cases := []struct {
		name  string
		fired []uint32
		frame Frame
		want  []uint32
	}{
		{"nothing", []uint32{1, 4}, Frame{}, []uint32{1, 4}},
		{"clamp adds", []uint32{1, 4}, Frame{On: []uint32{5, 0, 5}}, []uint32{0, 1, 4, 5}},
		{"unclamp removes", []uint32{1, 4, 6}, Frame{Off: []uint32{4, 2}}, []uint32{1, 6}},
		{"clamp wins over unclamp", []uint32{1}, Frame{On: []uint32{3}, Off: []uint32{3, 1}}, []uint32{3}},
		{"clamp wins over all off", []uint32{1, 2}, Frame{On: []uint32{7}, AllOff: true}, []uint32{7}},
		{"all on", []uint32{1}, Frame{AllOn: true, AllOff: true}, []uint32{0, 1, 2, 3, 4, 5, 6, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Clamps{Source: ClampFunc(func(int64) Frame { return c.frame })}
			bind(t, p, env(4, 2, 1, 1))
			got := p.Apply(0, slices.Clone(c.fired), nil)
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			// The same through Set (for the next Apply only).
			q := &Clamps{}
			bind(t, q, env(4, 2, 1, 1))
			q.Set(c.frame)
			if got := q.Apply(0, slices.Clone(c.fired), nil); !slices.Equal(got, c.want) {
				t.Errorf("Set: got %v, want %v", got, c.want)
			}
			if got := q.Apply(1, slices.Clone(c.fired), nil); !slices.Equal(got, c.fired) {
				t.Errorf("Set leaked into the next step: %v", got)
			}
		})
	}
}

func TestClampsSequenceAndErrors(t *testing.T) {
	// The STDP protocol of the reference notebook: step 0 pre 0, step 1
	// pre 1, then silence, cyclic over 4 steps.
	seq := ClampSequence{Cyclic: true, Frames: []Frame{{On: []uint32{0}}, {On: []uint32{1}}, {AllOff: true}, {AllOff: true}}}
	p := &Clamps{Source: seq}
	bind(t, p, env(2, 1, 1, 1))
	for s := int64(0); s < 8; s++ {
		got := p.Apply(s, []uint32{0, 1}, nil)
		want := [][]uint32{{0, 1}, {0, 1}, {}, {}}[s%4]
		if !slices.Equal(got, want) {
			t.Errorf("step %d: %v, want %v", s, got, want)
		}
	}
	if f := (ClampSequence{Frames: seq.Frames}).Frame(5); f.AllOff || len(f.On) > 0 {
		t.Error("non-cyclic sequence past its end clamps")
	}
	p.Set(Frame{On: []uint32{9}})
	if got := p.Apply(0, nil, nil); !slices.Equal(got, []uint32{0}) || p.Err() == nil {
		t.Errorf("out of range clamp: %v, err %v", got, p.Err())
	}
	p.Reset()
	if p.Err() != nil {
		t.Error("Reset kept the error")
	}
}

func TestKWTAAtMostKPerWindow(t *testing.T) {
	cases := []struct {
		k      int
		dur    float64
		dt     float64
		window int64
	}{
		{1, 0, 1, 1},
		{2, 0, 0.1, 1},
		{1, 5, 1, 5},
		{3, 2.5, 1, 2},
		{2, 0.3, 0.1, 3}, // 0.3/0.1 = 2.9999999999999996 counts as 3
		{1, 0.5, 1, 1},   // shorter than dt: one step
	}
	const n, batch, steps = 20, 3, 200
	for _, c := range cases {
		p := &KWTA{K: c.k, DurationMs: c.dur}
		bind(t, p, env(n, batch, c.dt, 1))
		if p.WindowSteps() != c.window {
			t.Fatalf("k=%d D=%g dt=%g: window %d, want %d", c.k, c.dur, c.dt, p.WindowSteps(), c.window)
		}
		m := &fake{n: n * batch, vars: map[string][]float32{}}
		key := rng.NewKey(99)
		perWindow := map[[2]int64]int{}
		offered := map[[2]int64]int{}
		total := 0
		for s := int64(0); s < steps; s++ {
			var fired []uint32
			for e := 0; e < n*batch; e++ {
				if key.Uniform(uint64(s), uint64(e)) < 0.2 {
					fired = append(fired, uint32(e))
					offered[[2]int64{s / c.window, int64(e) / n}]++
				}
			}
			got := p.Apply(s, fired, m)
			if !slices.IsSorted(got) {
				t.Fatalf("not ascending: %v", got)
			}
			for _, e := range got {
				perWindow[[2]int64{s / c.window, int64(e) / n}]++
			}
			total += len(got)
		}
		for w, k := range perWindow {
			if k > c.k {
				t.Errorf("k=%d D=%g: window %d copy %d has %d spikes", c.k, c.dur, w[0], w[1], k)
			}
		}
		// First come, first served: a window of a copy passes
		// min(k, spikes offered in it).
		want := 0
		for _, o := range offered {
			want += min(c.k, o)
		}
		if total != want {
			t.Errorf("k=%d D=%g: %d spikes in total, want %d", c.k, c.dur, total, want)
		}
	}
}

func TestKWTAScoreTieBreak(t *testing.T) {
	const n = 6
	v := []float32{-50, -45, -60, -45, -40, -45 /* copy 1 */, -70, -70, -70, -70, -70, -30}
	m := &fake{n: 2 * n, vars: map[string][]float32{"v": v, "w": {0, 0, 0, 0, 0, 0, 5, 4, 3, 2, 1, 0}}}
	cases := []struct {
		name  string
		k     int
		score string
		fired []uint32
		want  []uint32
	}{
		{"highest v wins", 1, "", []uint32{0, 1, 2, 4, 6, 7, 11}, []uint32{4, 11}},
		{"top 2 by v", 2, "", []uint32{0, 1, 2, 4, 6, 7}, []uint32{1, 4, 6, 7}},
		{"named variable", 2, "w", []uint32{6, 7, 8, 9}, []uint32{6, 7}},
		{"not over-full: untouched", 3, "", []uint32{0, 2, 8}, []uint32{0, 2, 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &KWTA{K: c.k, Score: c.score}
			bind(t, p, env(n, 2, 1, 1))
			if got := p.Apply(0, slices.Clone(c.fired), m); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	// Equal potentials (neurons 1, 3, 5 at −45 with k = 2 after neuron 4
	// won): the tie among them is broken at random but reproducibly.
	p := &KWTA{K: 2}
	bind(t, p, env(n, 1, 1, 1))
	m1 := &fake{n: n, vars: map[string][]float32{"v": v[:n]}}
	first := p.Apply(0, []uint32{1, 3, 4, 5}, m1)
	if len(first) != 2 || !slices.Contains(first, 4) || !slices.ContainsFunc(first, func(e uint32) bool { return e == 1 || e == 3 || e == 5 }) {
		t.Errorf("tie: %v", first)
	}
	q := &KWTA{K: 2}
	bind(t, q, env(n, 1, 1, 1))
	if again := q.Apply(0, []uint32{1, 3, 4, 5}, m1); !slices.Equal(first, again) {
		t.Errorf("tie broken differently with the same key: %v vs %v", first, again)
	}
	// A missing named variable is reported.
	r := &KWTA{K: 1, Score: "u"}
	bind(t, r, env(n, 1, 1, 1))
	r.Apply(0, []uint32{1, 2}, m1)
	if r.Err() == nil {
		t.Error("missing score variable not reported")
	}
}

// Without a potential, KWTA picks uniformly at random among simultaneous
// spikers, reproducibly from the key.
func TestKWTARandomTieBreak(t *testing.T) {
	const n, steps = 4, 8000
	m := &fake{n: n, vars: map[string][]float32{}}
	p := &KWTA{K: 1}
	bind(t, p, env(n, 1, 1, 5))
	wins := make([]int, n)
	var seq []uint32
	for s := int64(0); s < steps; s++ {
		got := p.Apply(s, []uint32{0, 1, 2, 3}, m)
		if len(got) != 1 {
			t.Fatalf("step %d: %v", s, got)
		}
		wins[got[0]]++
		seq = append(seq, got[0])
	}
	// Each wins with probability 1/4: Binomial(steps, 1/4).
	mean, sd := steps/4.0, math.Sqrt(steps*0.25*0.75)
	for i, w := range wins {
		if math.Abs(float64(w)-mean) > 5*sd {
			t.Errorf("neuron %d won %d times, want %.0f ± 5·%.1f", i, w, mean, sd)
		}
	}
	q := &KWTA{K: 1, Score: RandomScore}
	bind(t, q, env(n, 1, 1, 5))
	for s := int64(0); s < 100; s++ {
		if got := q.Apply(s, []uint32{0, 1, 2, 3}, m); got[0] != seq[s] {
			t.Fatalf("step %d: winner %d, want %d (same key)", s, got[0], seq[s])
		}
	}
	// Reset reopens the window.
	p.Reset()
	if got := p.Apply(0, []uint32{0, 1, 2, 3}, m); len(got) != 1 || got[0] != seq[0] {
		t.Errorf("after reset: %v, want [%d]", got, seq[0])
	}
}

func TestKWTASuppressedReset(t *testing.T) {
	v := []float32{-30, -35, -38}
	m := &fake{n: 3, vars: map[string][]float32{"v": v}}
	p := &KWTA{K: 1}
	bind(t, p, env(3, 1, 1, 1))
	p.Apply(0, []uint32{0, 1, 2}, m)
	if v[1] != -35 || v[2] != -38 {
		t.Errorf("suppressed neurons changed: %v", v)
	}
	q := &KWTA{K: 1, SuppressVar: "v", SuppressValue: -70}
	bind(t, q, env(3, 1, 1, 1))
	if got := q.Apply(0, []uint32{0, 1, 2}, m); !slices.Equal(got, []uint32{0}) {
		t.Errorf("winner %v", got)
	}
	if !slices.Equal(v, []float32{-30, -70, -70}) {
		t.Errorf("v after suppression reset: %v", v)
	}
	if err := (&KWTA{K: 0}).Bind(env(3, 1, 1, 1)); err == nil {
		t.Error("k = 0 accepted")
	}
	if err := (&KWTA{K: 1, DurationMs: -1}).Bind(env(3, 1, 1, 1)); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestKRandomClampsExactlyKDistinct(t *testing.T) {
	const n, batch = 10, 3
	p := &KRandomClamps{K: func(s int64) int { return int(s % 5) }}
	bind(t, p, env(n, batch, 1, 1))
	for s := int64(0); s < 50; s++ {
		got := p.Apply(s, nil, nil)
		k := int(s % 5)
		if len(got) != k*batch || !slices.IsSorted(got) {
			t.Fatalf("step %d: %v, want %d per copy", s, got, k)
		}
		for b := 0; b < batch; b++ {
			c := 0
			for _, e := range got {
				if int(e)/n == b {
					c++
				}
			}
			if c != k {
				t.Fatalf("step %d copy %d: %d clamps, want %d", s, b, c, k)
			}
		}
	}
	// Clamps are ORed into the spikes: copy 0 fires entirely already, so
	// only the 2 clamps of copies 1 and 2 are added.
	p.SetK(2)
	got := p.Apply(3, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nil)
	if len(got) != 10+2+2 || !slices.IsSorted(got) || got[9] != 9 || got[10] < 10 {
		t.Errorf("OR: %v", got)
	}
	// k beyond the neurons with positive weight.
	q := &KRandomClamps{Weights: param.Array(0, 1, 0, 2)}
	bind(t, q, env(4, 1, 1, 1))
	q.SetK(3)
	if got := q.Apply(0, nil, nil); !slices.Equal(got, []uint32{1, 3}) || q.Err() == nil {
		t.Errorf("k too large: %v, err %v", got, q.Err())
	}
	if err := (&KRandomClamps{Weights: param.Array(0, 0)}).Bind(env(2, 1, 1, 1)); err == nil {
		t.Error("all-zero weights accepted")
	}
	if err := (&KRandomClamps{Weights: param.Const(-1)}).Bind(env(2, 1, 1, 1)); err == nil {
		t.Error("negative weight accepted")
	}
}

// With k = 1 neuron i is chosen with probability w_i/Σw; with k = 2 it is
// included with probability w_i/W + Σ_{j≠i} (w_j/W)·w_i/(W − w_j)
// (successive sampling without replacement).
func TestKRandomClampsWeightedFrequencies(t *testing.T) {
	w := []float64{1, 2, 3, 0, 4}
	W := 10.0
	const steps = 20000
	for _, k := range []int{1, 2} {
		p := &KRandomClamps{Weights: param.Array(w...), K: func(int64) int { return k }}
		bind(t, p, env(len(w), 1, 1, 11))
		cnt := make([]int, len(w))
		for s := int64(0); s < steps; s++ {
			for _, e := range p.Apply(s, nil, nil) {
				cnt[e]++
			}
		}
		for i, wi := range w {
			q := wi / W
			if k == 2 {
				for j, wj := range w {
					if j != i {
						q += wj / W * wi / (W - wj)
					}
				}
			}
			mean, sd := steps*q, math.Sqrt(steps*q*(1-q))
			if math.Abs(float64(cnt[i])-mean) > 5*sd+1e-9 {
				t.Errorf("k=%d neuron %d (w=%g): chosen %d times, want %.1f ± 5·%.1f", k, i, wi, cnt[i], mean, sd)
			}
		}
	}
}

func TestKRandomClampsDeterministic(t *testing.T) {
	draw := func(seed uint64) [][]uint32 {
		p := &KRandomClamps{K: func(int64) int { return 3 }}
		bind(t, p, env(50, 2, 1, seed))
		var out [][]uint32
		for s := int64(0); s < 20; s++ {
			out = append(out, slices.Clone(p.Apply(s, nil, nil)))
		}
		return out
	}
	a, b, c := draw(1), draw(1), draw(2)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("same key, different clamps")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Error("different seeds, same clamps")
	}
}

func TestFireOnce(t *testing.T) {
	p := &FireOnce{}
	bind(t, p, env(3, 2, 1, 1))
	steps := [][]uint32{{0, 4}, {0, 1, 4, 5}, {1, 2, 3}, {0, 1, 2, 3, 4, 5}}
	want := [][]uint32{{0, 4}, {1, 5}, {2, 3}, {}}
	for s := range steps {
		if got := p.Apply(int64(s), steps[s], nil); !slices.Equal(got, want[s]) {
			t.Errorf("step %d: %v, want %v", s, got, want[s])
		}
	}
	p.Reset()
	if got := p.Apply(4, []uint32{0, 5}, nil); !slices.Equal(got, []uint32{0, 5}) {
		t.Errorf("after reset: %v", got)
	}
}

func TestApplyBeforeBind(t *testing.T) {
	failed := &KWTA{K: 0}
	if err := failed.Bind(env(3, 1, 1, 1)); err == nil {
		t.Fatal("KWTA with k = 0 bound")
	}
	for _, p := range []Principle{&FireOnce{}, &Clamps{Source: ClampFunc(func(int64) Frame { return Frame{AllOn: true} })},
		&KRandomClamps{K: func(int64) int { return 1 }}, &KWTA{K: 1},
		failed, // a failed Bind leaves it unbound
	} {
		got := p.Apply(7, []uint32{1, 2}, nil)
		if !slices.Equal(got, []uint32{1, 2}) {
			t.Errorf("%T: Apply before Bind returned %v, want the spikes unchanged", p, got)
		}
		err := p.Err()
		if err == nil || !strings.Contains(err.Error(), "Apply at step 7 before Bind") {
			t.Errorf("%T: Err = %v, want Apply before Bind", p, err)
		}
	}
}

func TestBindOneObjectPerPopulation(t *testing.T) {
	// One FireOnce on populations of 100 and then 10 neurons: the second
	// Bind is refused and the first binding stays intact.
	f := &FireOnce{}
	bind(t, f, env(100, 1, 1, 1))
	err := f.Bind(env(10, 1, 1, 2))
	if want := "fire_once: already bound to a population of 100 neurons; use one object per population"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if got := f.Apply(0, []uint32{50, 99}, nil); !slices.Equal(got, []uint32{50, 99}) || f.Err() != nil {
		t.Errorf("after the refused Bind: %v, %v", got, f.Err())
	}
	// The same environment again starts afresh.
	bind(t, f, env(100, 1, 1, 1))
	if got := f.Apply(1, []uint32{50}, nil); !slices.Equal(got, []uint32{50}) {
		t.Errorf("rebound to the same population: %v, want [50]", got)
	}
	e := env(4, 2, 1, 1)
	for _, c := range []struct {
		other soma.Env
		want  string
	}{
		{env(4, 3, 1, 1), "(batch 2, not 3)"},
		{env(4, 2, 0.5, 1), "(dt 1 ms, not 0.5 ms)"},
		{env(4, 2, 1, 9), "(another random key)"},
	} {
		for _, p := range []Principle{&FireOnce{}, &Clamps{}, &KRandomClamps{}, &KWTA{K: 1}} {
			bind(t, p, e)
			err := p.Bind(c.other)
			if err == nil || !strings.Contains(err.Error(), "already bound to another population of 4 neurons "+c.want) {
				t.Errorf("%T: %v, want it to contain %q", p, err, c.want)
			}
		}
	}
}
