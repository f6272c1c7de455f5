package encoder

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// splitRanges covers [0, n) with uneven parts (one of a single neuron).
func splitRanges(n int) [][2]int {
	return [][2]int{{0, 3}, {3, 11}, {11, 12}, {12, n}}
}

// checkSplit steps a whole model and, built from the same spec and env, its
// parts over ranges, each part receiving its slice of the whole's input,
// and requires the same fired elements at every step (and, for vars, the
// same values bit for bit). input(step) may return nil.
func checkSplit(t *testing.T, spec soma.Spec, env soma.Env, ranges [][2]int, steps int, input func(int64) []float32) {
	t.Helper()
	whole, err := spec.New(env)
	if err != nil {
		t.Fatal(err)
	}
	src, err := spec.New(env)
	if err != nil {
		t.Fatal(err)
	}
	sp, ok := src.(soma.Splitter)
	if !ok {
		t.Fatalf("%s: model %T is not a soma.Splitter", spec.Kind(), src)
	}
	parts := make([]soma.Model, len(ranges))
	for k, r := range ranges {
		if parts[k], err = sp.Split(r[0], r[1]); err != nil {
			t.Fatalf("%s: split %v: %v", spec.Kind(), r, err)
		}
		if got := parts[k].Len(); got != r[1]-r[0] {
			t.Fatalf("%s: part %v has %d elements", spec.Kind(), r, got)
		}
	}
	total := 0
	var fw, fp, pf []uint32
	for s := int64(0); s < int64(steps); s++ {
		x := input(s)
		fw = whole.Step(s, soma.Input{Current: x}, fw[:0])
		fp = fp[:0]
		for k, r := range ranges {
			var xs []float32
			if x != nil {
				xs = x[r[0]:r[1]:r[1]]
			}
			pf = parts[k].Step(s, soma.Input{Current: xs}, pf[:0])
			for _, e := range pf {
				if int(e) >= r[1]-r[0] {
					t.Fatalf("%s: part %v fired element %d at step %d", spec.Kind(), r, e, s)
				}
				fp = append(fp, uint32(r[0])+e)
			}
		}
		if !slices.Equal(fw, fp) {
			t.Fatalf("%s: step %d: whole fired %v, parts %v", spec.Kind(), s, fw, fp)
		}
		total += len(fw)
		for _, name := range whole.Vars() {
			vw, _ := whole.Var(name)
			for k, r := range ranges {
				vp, ok := parts[k].Var(name)
				if !ok || !bitsEqual(vw[r[0]:r[1]], vp) {
					t.Fatalf("%s: step %d: var %q of part %v = %v, whole %v", spec.Kind(), s, name, r, vp, vw[r[0]:r[1]])
				}
			}
		}
	}
	if total == 0 {
		t.Fatalf("%s: no spikes: a vacuous test", spec.Kind())
	}
	// Run-time problems are reported by a part iff by the whole.
	wErr := failErr(whole)
	var pErr error
	for _, p := range parts {
		if e := failErr(p); e != nil && pErr == nil {
			pErr = e
		}
	}
	if (wErr == nil) != (pErr == nil) {
		t.Fatalf("%s: whole error %v, parts error %v", spec.Kind(), wErr, pErr)
	}
}

func failErr(m soma.Model) error {
	if f, ok := m.(soma.Failer); ok {
		return f.Err()
	}
	return nil
}

func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// randomInput returns a function giving, per step, n values from gen (the
// same values whoever asks: keyed by step), nil every nilEvery-th step.
func randomInput(n int, nilEvery int64, gen func(r *rand.Rand, i int) float32) func(int64) []float32 {
	return func(s int64) []float32 {
		if nilEvery > 0 && s%nilEvery == nilEvery-1 {
			return nil
		}
		r := rand.New(rand.NewPCG(uint64(s), 99))
		x := make([]float32, n)
		for i := range x {
			x[i] = gen(r, i)
		}
		return x
	}
}

func TestSplitPoisson(t *testing.T) {
	const n = 37
	rates := make([]float64, n)
	for i := range rates {
		rates[i] = 50 + 20*float64(i)
	}
	gain := randomInput(n, 7, func(r *rand.Rand, _ int) float32 { return r.Float32() })
	cases := []struct {
		spec Poisson
		in   func(int64) []float32
	}{
		{Poisson{RateHz: param.Array(rates...)}, func(int64) []float32 { return nil }},
		{Poisson{RateHz: param.Const(300), Drive: DriveGain}, gain},
		{Poisson{RateHz: param.Uniform(100, 800), Drive: DriveGain, FirstNeuron: 1000}, gain},
		{Poisson{Drive: DriveRate}, randomInput(n, 5, func(r *rand.Rand, _ int) float32 { return 900 * r.Float32() })},
		// Probabilities above one are reported by the part as by the whole.
		{Poisson{Drive: DriveRate}, randomInput(n, 0, func(r *rand.Rand, i int) float32 {
			if i == 20 {
				return 2000
			}
			return 500 * r.Float32()
		})},
	}
	for k, c := range cases {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			checkSplit(t, c.spec, env(n, 1, 0.5, 11), splitRanges(n), 200, c.in)
		})
	}
}

// A part of a Poisson encoder is the model New builds with FirstNeuron =
// lo: the same rates, the same draws.
func TestSplitPoissonEqualsFirstNeuron(t *testing.T) {
	spec := Poisson{RateHz: param.Uniform(100, 900)}
	whole, err := spec.New(env(40, 1, 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	part, err := whole.(soma.Splitter).Split(13, 29)
	if err != nil {
		t.Fatal(err)
	}
	spec.FirstNeuron = 13
	direct, err := spec.New(env(16, 1, 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := part.Var("p")
	pd, _ := direct.Var("p")
	if !bitsEqual(pp, pd) {
		t.Fatalf("part p %v, New with FirstNeuron %v", pp, pd)
	}
	a, b := run(t, part, 300, nil), run(t, direct, 300, nil)
	for s := range a {
		if !slices.Equal(a[s], b[s]) {
			t.Fatalf("step %d: part %v, direct %v", s, a[s], b[s])
		}
	}
}

func TestSplitSpikeArray(t *testing.T) {
	const n = 37
	r := rand.New(rand.NewPCG(1, 2))
	trains := make([][]float64, n)
	for i := range trains {
		for t := 0.0; ; {
			t += 0.5 + 10*r.Float64()
			if t > 60 {
				break
			}
			trains[i] = append(trains[i], t)
		}
	}
	trains[11] = nil // the single-neuron part has no spike
	checkSplit(t, SpikeTrains(trains), env(n, 1, 0.5, 1), splitRanges(n), 130, func(int64) []float32 { return nil })
	checkSplit(t, SpikeTrains(trains), env(n, 1, 0.5, 1), [][2]int{{0, n}}, 130, func(int64) []float32 { return nil })
}

func TestSplitTTFS(t *testing.T) {
	const n = 37
	in := randomInput(n, 9, func(r *rand.Rand, _ int) float32 {
		if r.IntN(10) == 0 {
			return 0
		}
		return r.Float32()
	})
	checkSplit(t, TTFS{WindowMs: 5}, env(n, 1, 0.5, 1), splitRanges(n), 200, in)
	// A value outside [0, 1] is reported by the part holding it.
	bad := randomInput(n, 0, func(r *rand.Rand, i int) float32 {
		if i == 30 {
			return 1.5
		}
		return r.Float32()
	})
	checkSplit(t, TTFS{WindowMs: 5}, env(n, 1, 0.5, 1), splitRanges(n), 40, bad)
}

func TestSplitPosition(t *testing.T) {
	const k, n = 4, 40
	// Ranges that cut groups, and ranges on group boundaries.
	for _, ranges := range [][][2]int{splitRanges(n), {{0, 8}, {8, 12}, {12, 40}}, {{0, 39}, {39, 40}}} {
		in := func(s int64) []float32 {
			if s%11 == 10 {
				return nil
			}
			r := rand.New(rand.NewPCG(uint64(s), 5))
			vals := make([]float32, n/k)
			for g := range vals {
				vals[g] = r.Float32()
			}
			return ExpandGroups(vals, k)
		}
		checkSplit(t, Position{K: k, WindowMs: 8}, env(n, 1, 1, 1), ranges, 200, in)
	}
}

func TestSplitOneHot(t *testing.T) {
	const size, n = 5, 40
	for _, ranges := range [][][2]int{splitRanges(n), {{0, 5}, {5, 40}}} {
		in := func(s int64) []float32 {
			if s%7 == 6 {
				return nil
			}
			r := rand.New(rand.NewPCG(uint64(s), 6))
			idx := make([]float32, n/size)
			for g := range idx {
				idx[g] = float32(r.IntN(size+1) - 1)
			}
			return ExpandGroups(idx, size)
		}
		checkSplit(t, OneHot{Size: size}, env(n, 1, 1, 1), ranges, 100, in)
	}
}

func TestSplitLazy(t *testing.T) {
	const n = 37
	in := randomInput(n, 4, func(r *rand.Rand, _ int) float32 {
		if r.IntN(3) == 0 {
			return r.Float32() - 0.5
		}
		return 0
	})
	checkSplit(t, Lazy{}, env(n, 1, 1, 1), splitRanges(n), 100, in)
}

// RankOrder needs the whole population: its model must not offer Split,
// so that a sharder keeps it in one piece.
func TestRankOrderNotSplittable(t *testing.T) {
	m, err := RankOrder{WindowMs: 5}.New(env(10, 1, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(soma.Splitter); ok {
		t.Fatal("rank_order model implements soma.Splitter")
	}
}

func splittable() []soma.Spec {
	return []soma.Spec{
		Poisson{RateHz: param.Const(100)}, SpikeArray{Neurons: []int{1}, TimesMs: []float64{0}},
		TTFS{WindowMs: 4}, Position{K: 4, WindowMs: 4}, OneHot{Size: 4}, Lazy{},
	}
}

func TestSplitErrors(t *testing.T) {
	const n = 12
	x := make([]float32, n)
	for _, spec := range splittable() {
		m, err := spec.New(env(n, 1, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		sp := m.(soma.Splitter)
		for _, r := range [][2]int{{-1, 3}, {3, 3}, {5, 2}, {0, n + 1}, {n, n + 1}} {
			if p, err := sp.Split(r[0], r[1]); err == nil || p != nil || !strings.Contains(err.Error(), spec.Kind()) {
				t.Errorf("%s: split %v: %v, %v: want an error", spec.Kind(), r, p, err)
			}
		}
		// A part can be split again (ranges relative to the part).
		p, err := sp.Split(2, 9)
		if err != nil {
			t.Fatalf("%s: %v", spec.Kind(), err)
		}
		if _, err := p.(soma.Splitter).Split(0, 8); err == nil {
			t.Errorf("%s: split [0, 8) of a part of 7: no error", spec.Kind())
		}
		if _, err := p.(soma.Splitter).Split(1, 7); err != nil {
			t.Errorf("%s: split of a part: %v", spec.Kind(), err)
		}
		// After a step: refused; after Reset: allowed again.
		m.Step(0, soma.Input{Current: x}, nil)
		if _, err := sp.Split(0, 4); err == nil || !strings.Contains(err.Error(), "after the model was stepped") {
			t.Errorf("%s: split after Step: %v", spec.Kind(), err)
		}
		m.Reset()
		if _, err := sp.Split(0, 4); err != nil {
			t.Errorf("%s: split after Reset: %v", spec.Kind(), err)
		}
		// Batch of two copies: refused.
		mb, err := spec.New(env(n, 2, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mb.(soma.Splitter).Split(0, 4); err == nil || !strings.Contains(err.Error(), "batch of 2") {
			t.Errorf("%s: split of a batch of 2: %v", spec.Kind(), err)
		}
	}
}

// Parts name population indices in their run-time errors.
func TestSplitErrorsNamePopulationIndex(t *testing.T) {
	cases := []struct {
		spec soma.Spec
		x    float32
		want string
	}{
		{TTFS{WindowMs: 4}, 2, "neuron 9 "},
		{Position{K: 4, WindowMs: 4}, float32(math.NaN()), "neuron 9 "},
		{OneHot{Size: 4}, 7, "neuron 9 (group 2,"},
		{Lazy{}, float32(math.NaN()), "element 9 "},
	}
	for _, c := range cases {
		m, err := c.spec.New(env(12, 1, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.(soma.Splitter).Split(6, 12)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 6)
		x[3] = c.x
		p.Step(0, soma.Input{Current: x}, nil)
		if err := p.(soma.Failer).Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: part error %v, want it to contain %q", c.spec.Kind(), err, c.want)
		}
	}
}
