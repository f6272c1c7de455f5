package encoder

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

func env(n, batch int, dt float64, seed uint64) soma.Env {
	return soma.Env{N: n, Batch: batch, Dt: dt, Key: rng.NewKey(seed, 7)}
}

// run steps a model for steps steps with a per-step input (nil = none) and
// returns the fired lists.
func run(t *testing.T, m soma.Model, steps int, input func(step int64) []float32) [][]uint32 {
	t.Helper()
	out := make([][]uint32, steps)
	for s := 0; s < steps; s++ {
		var x []float32
		if input != nil {
			x = input(int64(s))
		}
		f := m.Step(int64(s), soma.Input{Current: x}, nil)
		if !slices.IsSorted(f) {
			t.Fatalf("step %d: fired list not ascending: %v", s, f)
		}
		out[s] = f
	}
	return out
}

func counts(fired [][]uint32, n int) []int {
	c := make([]int, n)
	for _, f := range fired {
		for _, e := range f {
			c[e]++
		}
	}
	return c
}

func TestPoissonCountsWithinBinomialBounds(t *testing.T) {
	const steps = 20000
	const n = 16
	cases := []struct {
		name  string
		spec  Poisson
		dt    float64
		input float32
		p     func(i int) float64 // expected probability of neuron i
	}{
		{"undriven 50 Hz", Poisson{RateHz: param.Const(50)}, 1, 0, func(int) float64 { return 0.05 }},
		{"undriven per neuron, dt 0.1", Poisson{RateHz: param.Array(perNeuronRates(n)...)}, 0.1,
			0, func(i int) float64 { return perNeuronRates(n)[i] * 0.1 / 1000 }},
		{"gain 0.3 of 200 Hz, dt 0.5", Poisson{RateHz: param.Const(200), Drive: DriveGain}, 0.5, 0.3, func(int) float64 { return 200 * 0.0005 * 0.3 }},
		{"input is 80 Hz", Poisson{Drive: DriveRate}, 1, 80, func(int) float64 { return 0.08 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.spec.New(env(n, 1, c.dt, 1))
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = c.input
			}
			cnt := counts(run(t, m, steps, func(int64) []float32 { return x }), n)
			for i, k := range cnt {
				p := c.p(i)
				mean, sd := steps*p, math.Sqrt(steps*p*(1-p))
				if math.Abs(float64(k)-mean) > 5*sd {
					t.Errorf("neuron %d: %d spikes, want %.1f ± 5·%.1f", i, k, mean, sd)
				}
			}
			if err := m.(soma.Failer).Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func perNeuronRates(n int) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = 100 + 50*float64(i) // 100..850 Hz; p = 0.01..0.085 at dt 0.1
	}
	return r
}

// Joint spikes of two neurons at one step must match independence:
// n11 ~ Binomial(steps, p²).
func TestPoissonNeuronsIndependent(t *testing.T) {
	const steps, n, p = 40000, 10, 0.1
	m, err := Poisson{RateHz: param.Const(100)}.New(env(n, 1, 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	fired := run(t, m, steps, nil)
	q := p * p
	mean, sd := steps*q, math.Sqrt(steps*q*(1-q))
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			n11 := 0
			for _, f := range fired {
				if slices.Contains(f, uint32(i)) && slices.Contains(f, uint32(j)) {
					n11++
				}
			}
			if math.Abs(float64(n11)-mean) > 5*sd {
				t.Errorf("neurons %d, %d: %d joint spikes, want %.1f ± 5·%.1f", i, j, n11, mean, sd)
			}
		}
	}
}

func TestPoissonProbabilityAboveOneIsReported(t *testing.T) {
	m, err := Poisson{RateHz: param.Const(500), Drive: DriveGain}.New(env(4, 2, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 8)
	for s := int64(0); s < 10; s++ {
		clear(x)
		switch s {
		case 7:
			x[4+2] = 3 // copy 1, neuron 2: p = 0.5·3 = 1.5
		case 9:
			x[0] = -1 // a later problem does not replace the first
		}
		m.Step(s, soma.Input{Current: x}, nil)
		if s < 7 && m.(soma.Failer).Err() != nil {
			t.Fatalf("step %d: unexpected error %v", s, m.(soma.Failer).Err())
		}
	}
	var pe *ProbabilityError
	if !errors.As(m.(soma.Failer).Err(), &pe) {
		t.Fatalf("err = %v, want a ProbabilityError", m.(soma.Failer).Err())
	}
	if pe.Neuron != 2 || pe.Copy != 1 || pe.Step != 7 || pe.P != 1.5 {
		t.Errorf("got %+v, want neuron 2 copy 1 step 7 p 1.5", *pe)
	}
	m.Reset()
	if m.(soma.Failer).Err() != nil {
		t.Error("Reset did not clear the error")
	}
}

func TestPoissonBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		spec Poisson
		dt   float64
	}{
		{"p > 1", Poisson{RateHz: param.Const(2000)}, 1},
		{"gain: static p > 1", Poisson{RateHz: param.Const(200), Drive: DriveGain}, 10},
		{"negative rate", Poisson{RateHz: param.Array(1, -1, 2, 3)}, 1},
		{"NaN rate", Poisson{RateHz: param.Const(math.NaN())}, 1},
		{"array length", Poisson{RateHz: param.Array(1, 2)}, 1},
		{"rate set with DriveRate", Poisson{RateHz: param.Const(5), Drive: DriveRate}, 1},
		{"unknown drive", Poisson{Drive: 9}, 1},
		{"negative first neuron", Poisson{FirstNeuron: -1}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.spec.New(env(4, 1, c.dt, 1)); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// spikeSet lists (step, copy, population neuron) triples.
type spike struct {
	step       int
	copy, unit int
}

func spikes(fired [][]uint32, n, first int) map[spike]bool {
	out := map[spike]bool{}
	for s, f := range fired {
		for _, e := range f {
			out[spike{s, int(e) / n, first + int(e)%n}] = true
		}
	}
	return out
}

// The spikes of neuron i depend only on (seed, population, copy, neuron,
// step): not on N, not on the other neurons, not on how the population is
// split into shards.
func TestPoissonDeterministicAndSplitIndependent(t *testing.T) {
	const steps, batch = 300, 2
	// Input depends only on (copy, population neuron, step).
	input := func(n, first int) func(int64) []float32 {
		return func(s int64) []float32 {
			x := make([]float32, n*batch)
			for b := 0; b < batch; b++ {
				for i := 0; i < n; i++ {
					g := first + i
					x[b*n+i] = float32((g*7+int(s)+b*3)%10) / 10
				}
			}
			return x
		}
	}
	sim := func(n, first int, seed uint64) map[spike]bool {
		m, err := Poisson{RateHz: param.Const(300), Drive: DriveGain, FirstNeuron: first}.New(env(n, batch, 1, seed))
		if err != nil {
			t.Fatal(err)
		}
		return spikes(run(t, m, steps, input(n, first)), n, first)
	}
	full := sim(100, 0, 42)
	if again := sim(100, 0, 42); !mapsEqual(full, again) {
		t.Fatal("same key, different spikes")
	}
	if other := sim(100, 0, 43); mapsEqual(full, other) {
		t.Fatal("different seeds, same spikes")
	}
	// Shards [0, 37), [37, 80), [80, 100) together give the full spikes.
	union := map[spike]bool{}
	for _, sh := range [][2]int{{0, 37}, {37, 80}, {80, 100}} {
		for k := range sim(sh[1]-sh[0], sh[0], 42) {
			union[k] = true
		}
	}
	if !mapsEqual(full, union) {
		t.Fatal("sharded population fires differently")
	}
	// A smaller population gives the same spikes for the neurons it has.
	small := sim(10, 0, 42)
	for k := range full {
		if k.unit < 10 && !small[k] {
			t.Fatalf("neuron %d lost spike %+v in a population of 10", k.unit, k)
		}
	}
	for k := range small {
		if !full[k] {
			t.Fatalf("spike %+v only in the population of 10", k)
		}
	}
	if len(full) == 0 {
		t.Fatal("no spikes")
	}
}

func mapsEqual(a, b map[spike]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// Distribution rates drawn for a shard equal those of the whole population.
func TestPoissonDistributionRatesSplitIndependent(t *testing.T) {
	rate := param.Uniform(10, 100)
	full, err := Poisson{RateHz: rate}.New(env(20, 1, 1, 5))
	if err != nil {
		t.Fatal(err)
	}
	shard, err := Poisson{RateHz: rate, FirstNeuron: 12}.New(env(8, 1, 1, 5))
	if err != nil {
		t.Fatal(err)
	}
	pf, _ := full.Var("p")
	ps, _ := shard.Var("p")
	if !slices.Equal(pf[12:], ps) {
		t.Fatalf("shard rates %v, want %v", ps, pf[12:])
	}
}

func TestPoissonGainDecode(t *testing.T) {
	const steps, n = 5000, 3
	x := []float32{0.2, 0.5, 0.9}
	m, err := Poisson{RateHz: param.Const(100), Drive: DriveGain}.New(env(n, 1, 1, 9))
	if err != nil {
		t.Fatal(err)
	}
	cnt := counts(run(t, m, steps, func(int64) []float32 { return x }), n)
	for i, k := range cnt {
		p := 0.1 * float64(x[i])
		// count within 5 sd means the decoded gain is within 5 sd / (steps·0.1).
		tol := 5 * math.Sqrt(steps*p*(1-p)) / (steps * 0.1)
		if g := PoissonGain(k, steps, 100, 1); math.Abs(g-float64(x[i])) > tol {
			t.Errorf("neuron %d: decoded %g, want %g ± %g", i, g, x[i], tol)
		}
	}
}

// A constant rate without drive draws groups of eight at once: the spikes
// are still those of independent neurons with probability p (counts
// within binomial bounds, joint spikes of neighbours in one group as
// independence predicts), and shards cutting groups anywhere give the
// whole population's spikes.
func TestPoissonGroupedStatisticsAndShards(t *testing.T) {
	const steps, n, batch = 20000, 100, 2
	const rate, dt = 15.0, 0.1 // p = 0.0015, the STDP model's inputs
	sim := func(n, first int) [][]uint32 {
		m, err := Poisson{RateHz: param.Const(rate), FirstNeuron: first}.New(env(n, batch, dt, 7))
		if err != nil {
			t.Fatal(err)
		}
		return run(t, m, steps, nil)
	}
	full := sim(n, 0)
	p := rate * dt / 1000
	cnt := counts(full, n*batch)
	total := 0
	for _, k := range cnt {
		total += k
	}
	mean, sd := float64(steps*n*batch)*p, math.Sqrt(float64(steps*n*batch)*p*(1-p))
	if math.Abs(float64(total)-mean) > 5*sd {
		t.Errorf("%d spikes in all, want %.0f ± 5·%.1f", total, mean, sd)
	}
	for e, k := range cnt {
		m1, s1 := float64(steps)*p, math.Sqrt(float64(steps)*p*(1-p))
		if math.Abs(float64(k)-m1) > 5*s1 {
			t.Errorf("element %d: %d spikes, want %.1f ± 5·%.1f", e, k, m1, s1)
		}
	}
	// Neighbours within a group: joint spikes ~ Binomial(steps, p²) summed
	// over the pairs (0,1) … (6,7) of every group of copy 0.
	joint, pairs := 0, 0
	for g := 0; g+8 <= n; g += 8 {
		for j := 0; j < 7; j++ {
			pairs++
			for _, f := range full {
				if slices.Contains(f, uint32(g+j)) && slices.Contains(f, uint32(g+j+1)) {
					joint++
				}
			}
		}
	}
	q := p * p
	jm, js := float64(steps*pairs)*q, math.Sqrt(float64(steps*pairs)*q*(1-q))
	if math.Abs(float64(joint)-jm) > 5*js+1 {
		t.Errorf("%d joint spikes of neighbours, want %.2f ± 5·%.2f (independent neurons)", joint, jm, js)
	}
	// Shards [0, 37), [37, 80), [80, 100): the same spikes.
	want := spikes(full, n, 0)
	union := map[spike]bool{}
	for _, sh := range [][2]int{{0, 37}, {37, 80}, {80, 100}} {
		for k := range spikes(sim(sh[1]-sh[0], sh[0]), sh[1]-sh[0], sh[0]) {
			union[k] = true
		}
	}
	if !mapsEqual(want, union) {
		t.Fatal("sharded population fires differently")
	}
}
