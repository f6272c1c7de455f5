package stimulus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/population"
)

// sliceRanges covers [0, n) with uneven parts (one of a single neuron).
func sliceRanges(n int) [][2]int {
	return [][2]int{{0, 3}, {3, 11}, {11, 12}, {12, n}}
}

func randomValues(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// checkSlices binds s to a population of n neurons (one copy), slices it
// over ranges and requires, at every step, that the slices add into a
// (non-zero) current exactly what the whole adds to their neurons.
func checkSlices(t *testing.T, s Stimulus, n int, ranges [][2]int, steps int) {
	t.Helper()
	if err := Bind(s, env(n, 1, 9)); err != nil {
		t.Fatal(err)
	}
	parts := make([]Stimulus, len(ranges))
	for k, r := range ranges {
		p, err := s.(population.Slicer).Slice(r[0], r[1], n)
		if err != nil {
			t.Fatalf("%T: slice %v: %v", s, r, err)
		}
		parts[k] = p
	}
	varied := false
	for step := int64(0); step < int64(steps); step++ {
		whole := randomValues(n, uint64(step))
		s.Add(step, whole)
		for k, r := range ranges {
			part := randomValues(n, uint64(step))[r[0]:r[1]:r[1]]
			parts[k].Add(step, part)
			if !sameBits(part, whole[r[0]:r[1]]) {
				t.Fatalf("%T: step %d: slice %v added %v, whole %v", s, step, r, part, whole[r[0]:r[1]])
			}
		}
		if !sameBits(whole, randomValues(n, uint64(step))) {
			varied = true
		}
	}
	if !varied {
		t.Fatalf("%T added nothing: a vacuous test", s)
	}
}

func noisyGenerator(stream uint64) *FunctionGenerator {
	return &FunctionGenerator{
		Baseline:          map[int64]float64{0: 1, 10: -2},
		Slope:             map[int64]float64{5: 0.25, 20: -0.5},
		Noise:             map[int64]float64{3: 0.5},
		PopulationNoise:   map[int64]float64{0: 2, 15: 0, 25: 1},
		Stream:            stream,
		IndependentCopies: stream%2 == 1,
	}
}

func TestSliceEqualsWhole(t *testing.T) {
	const n = 37
	cases := []func() Stimulus{
		func() Stimulus { return Constant(1.5) },
		func() Stimulus { return PerNeuron(randomValues(n, 100)) },
		func() Stimulus { return SquarePulse{Low: -1, High: 3, Period: 7, Width: 3, Phase: 2} },
		func() Stimulus { return StepCurrent(2, 5, 20) },
		func() Stimulus {
			return Sequence{Frames: [][]float32{randomValues(n, 1), randomValues(n, 2), randomValues(n, 3)}, Hold: 3}
		},
		func() Stimulus { return noisyGenerator(0) },
		func() Stimulus { return noisyGenerator(1) },
		func() Stimulus { return Sum{Constant(1), PerNeuron(randomValues(n, 4)), noisyGenerator(2)} },
		func() Stimulus { return PerCopy{noisyGenerator(3)} },
		func() Stimulus { return PerCopy{nil} },
		func() Stimulus { return &Gain{S: noisyGenerator(4), Factors: randomValues(n, 5)} },
		func() Stimulus {
			return Window{S: &Gain{S: Sum{SquarePulse{High: 1, Period: 4, Width: 1}, noisyGenerator(5)},
				Factors: randomValues(n, 6)}, From: 4, To: 30}
		},
		func() Stimulus {
			return Sum{&PoissonDrive{RateHz: 2000, Weight: 0.5}, Sequence{Frames: [][]float32{randomValues(n, 7)}}}
		},
	}
	for k, mk := range cases {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			s := mk()
			if _, ok := s.(PerCopy); ok && s.(PerCopy)[0] == nil {
				// Adds nothing; still sliceable.
				if err := Bind(s, env(n, 1, 9)); err != nil {
					t.Fatal(err)
				}
				if _, err := s.(population.Slicer).Slice(3, 11, n); err != nil {
					t.Fatal(err)
				}
				return
			}
			checkSlices(t, s, n, sliceRanges(n), 40)
			checkSlices(t, mk(), n, [][2]int{{0, n}}, 10)
		})
	}
}

// The population noise of a generator differs between neurons (so the
// slice test above compares draws that depend on the neuron index), and a
// slice of a slice still draws with the population indices.
func TestFunctionGeneratorSliceOfSlice(t *testing.T) {
	const n = 37
	g := noisyGenerator(0)
	if err := g.Bind(env(n, 1, 9)); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, n)
	g.Add(2, x)
	if x[0] == x[1] {
		t.Fatalf("population noise gives equal values %v", x[:2])
	}
	s1, err := g.Slice(12, n, n)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := s1.(population.Slicer).Slice(5, 20, n-12)
	if err != nil {
		t.Fatal(err)
	}
	for step := int64(0); step < 30; step++ {
		whole := make([]float32, n)
		g.Add(step, whole)
		part := make([]float32, 15)
		s2.Add(step, part)
		if !sameBits(part, whole[17:32]) {
			t.Fatalf("step %d: slice of slice %v, whole %v", step, part, whole[17:32])
		}
		for i := 17; i < 32; i++ {
			if v := g.Value(step, 0, i); math.Float32bits(v) != math.Float32bits(whole[i]) {
				t.Fatalf("step %d: Value(%d) = %g, Add gave %g", step, i, v, whole[i])
			}
		}
	}
	gen, err := s1.(*FunctionGenerator).Generate(30, n-12)
	if err != nil {
		t.Fatal(err)
	}
	for step, row := range gen {
		whole := make([]float32, n)
		g.Add(int64(step), whole)
		if !sameBits(row, whole[12:]) {
			t.Fatalf("Generate of a slice at step %d: %v, whole %v", step, row, whole[12:])
		}
	}
}

type opaque struct{}

func (opaque) Add(int64, []float32) {}

func TestSliceErrors(t *testing.T) {
	const n = 12
	sliceable := []Stimulus{
		Constant(1), PerNeuron(randomValues(n, 1)), Sum{Constant(1)}, PerCopy{Constant(1)},
		&Gain{S: Constant(1), Factors: randomValues(n, 2)}, Window{S: Constant(1), To: 5},
		SquarePulse{High: 1, Period: 2, Width: 1}, Sequence{Frames: [][]float32{randomValues(n, 3)}},
		noisyGenerator(0),
	}
	for _, s := range sliceable {
		if err := Bind(s, env(n, 1, 1)); err != nil {
			t.Fatal(err)
		}
		sl := s.(population.Slicer)
		for _, r := range [][2]int{{-1, 3}, {3, 3}, {5, 2}, {0, n + 1}, {n, n + 1}} {
			if p, err := sl.Slice(r[0], r[1], n); err == nil || p != nil || !strings.Contains(err.Error(), "need 0 <= lo < hi") {
				t.Errorf("%T: slice %v: %v, %v: want an error", s, r, p, err)
			}
		}
		if _, err := sl.Slice(0, n, n); err != nil {
			t.Errorf("%T: slice [0, %d): %v", s, n, err)
		}
	}
	// Bound to (or sized for) another population size.
	for _, s := range []Stimulus{PerNeuron(randomValues(n, 1)), &Gain{S: Constant(1), Factors: randomValues(n, 2)},
		Sequence{Frames: [][]float32{randomValues(n, 3)}}, noisyGenerator(0)} {
		if err := Bind(s, env(n, 1, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.(population.Slicer).Slice(0, 4, n+1); err == nil {
			t.Errorf("%T: slice of a population of %d, bound to %d: no error", s, n+1, n)
		}
	}
	cases := []struct {
		s    Stimulus
		bind bool
		want string
	}{
		{Sum{Constant(1), opaque{}}, true, "sum: part 1: stimulus stimulus.opaque cannot be sliced"},
		{Window{S: opaque{}, To: 3}, true, "window: stimulus stimulus.opaque cannot be sliced"},
		{&Gain{S: opaque{}, Factors: randomValues(n, 2)}, true, "cannot be sliced"},
		{PerCopy{opaque{}}, true, "cannot be sliced"},
		{PerCopy{Constant(1), Constant(2)}, false, "only a batch of one copy"},
		{Sequence{Frames: [][]float32{randomValues(2*n, 1)}}, false, "frames have 24 values"},
		{noisyGenerator(0), false, "slice before Bind"},
		{&Gain{S: Constant(1), Factors: randomValues(n, 2)}, false, "slice before Bind"},
		{Sum{Sum{noisyGenerator(0)}}, false, "sum: part 0: sum: part 0: function generator: slice before Bind"},
	}
	for _, c := range cases {
		if c.bind {
			if err := Bind(c.s, env(n, 1, 1)); err != nil {
				t.Fatal(err)
			}
		}
		p, err := c.s.(population.Slicer).Slice(2, 5, n)
		if err == nil || p != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v, %v: want an error containing %q", c.s, p, err, c.want)
		}
	}
	// Bound to a batch of two copies: refused.
	for _, s := range []Stimulus{noisyGenerator(0), &Gain{S: Constant(1), Factors: randomValues(n, 2)}} {
		if err := Bind(s, env(n, 2, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.(population.Slicer).Slice(2, 5, n); err == nil || !strings.Contains(err.Error(), "batch 2") {
			t.Errorf("%T bound to 2 copies: slice error %v", s, err)
		}
	}
}
