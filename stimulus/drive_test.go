package stimulus

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Counts of a Poisson drive have mean and variance λ = rate·dt per step
// and element, and the weight scales them.
func TestPoissonDriveMoments(t *testing.T) {
	const rate, dt, w = 20000.0, 0.1, 0.5 // λ = 2
	d := &PoissonDrive{RateHz: rate, Weight: w}
	env := soma.Env{N: 37, Batch: 2, Dt: dt, Key: rng.NewKey(3)}
	if err := d.Bind(env); err != nil {
		t.Fatal(err)
	}
	if d.Lambda() != rate*dt/1000 {
		t.Fatalf("lambda %g", d.Lambda())
	}
	const steps = 4000
	var s, s2 float64
	buf := make([]float32, env.Len())
	for n := int64(0); n < steps; n++ {
		clear(buf)
		d.Add(n, buf)
		for _, x := range buf {
			k := float64(x) / w
			if k != math.Round(k) || k < 0 {
				t.Fatalf("count %g is not a natural number", k)
			}
			s += k
			s2 += k * k
		}
	}
	m := float64(steps * env.Len())
	mean, v := s/m, s2/m-(s/m)*(s/m)
	if se := math.Sqrt(2 / m); math.Abs(mean-2) > 5*se {
		t.Errorf("mean count %g, want 2 ± %g", mean, 5*se)
	}
	if math.Abs(v-2) > 0.05 {
		t.Errorf("variance %g, want 2", v)
	}
}

// A neuron's counts depend on (seed, population, step, copy, neuron) only:
// not on the population size.
func TestPoissonDriveKeyedByNeuron(t *testing.T) {
	key := rng.NewKey(9, 1)
	small, large := &PoissonDrive{RateHz: 5000, Weight: 1}, &PoissonDrive{RateHz: 5000, Weight: 1}
	if err := small.Bind(soma.Env{N: 11, Batch: 2, Dt: 0.1, Key: key}); err != nil {
		t.Fatal(err)
	}
	if err := large.Bind(soma.Env{N: 50, Batch: 2, Dt: 0.1, Key: key}); err != nil {
		t.Fatal(err)
	}
	a, b := make([]float32, 22), make([]float32, 100)
	differ := false
	for n := int64(0); n < 200; n++ {
		clear(a)
		clear(b)
		small.Add(n, a)
		large.Add(n, b)
		for c := 0; c < 2; c++ {
			for i := 0; i < 11; i++ {
				if a[c*11+i] != b[c*50+i] {
					t.Fatalf("step %d copy %d neuron %d: %g with N = 11, %g with N = 50", n, c, i, a[c*11+i], b[c*50+i])
				}
				if a[i] != a[11+i] {
					differ = true
				}
			}
		}
	}
	if !differ {
		t.Error("the two copies received identical drives")
	}
}

func TestPoissonDriveRejectsBadParameters(t *testing.T) {
	env := soma.Env{N: 1, Batch: 1, Dt: 0.1}
	for _, d := range []*PoissonDrive{{RateHz: -1}, {RateHz: math.Inf(1)}, {RateHz: 1, Weight: math.NaN()}} {
		if err := d.Bind(env); err == nil {
			t.Errorf("%+v accepted", *d)
		}
	}
	// The mean per step, rate × dt / 1000, is at most rng.MaxPoissonMean
	// (1e9): 1e13 Hz at dt 0.1 ms exactly, not twice that.
	if err := (&PoissonDrive{RateHz: 1e13}).Bind(env); err != nil {
		t.Errorf("1e13 Hz: %v", err)
	}
	err := (&PoissonDrive{RateHz: 2e13}).Bind(env)
	if err == nil || !strings.Contains(err.Error(), "a mean of 2e+09 events per step: must be at most 1e+09 (rate_hz <= 1e+13 at this dt)") {
		t.Errorf("2e13 Hz: %v", err)
	}
}

// A slice of a drive draws, for its neurons, exactly the numbers of the
// whole drive, whatever the alignment of its bounds.
func TestPoissonDriveSlice(t *testing.T) {
	const n = 37
	whole := &PoissonDrive{RateHz: 30000, Weight: 0.1}
	if err := whole.Bind(soma.Env{N: n, Batch: 1, Dt: 0.1, Key: rng.NewKey(5)}); err != nil {
		t.Fatal(err)
	}
	bounds := [][2]int{{0, 3}, {3, 11}, {11, 12}, {12, 37}}
	var parts []interface{ Add(int64, []float32) }
	for _, b := range bounds {
		p, err := whole.Slice(b[0], b[1], n)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	for step := int64(0); step < 300; step++ {
		w := make([]float32, n)
		whole.Add(step, w)
		for k, p := range parts {
			got := make([]float32, bounds[k][1]-bounds[k][0])
			p.Add(step, got)
			for i, x := range got {
				if x != w[bounds[k][0]+i] {
					t.Fatalf("step %d neuron %d: slice %g, whole %g", step, bounds[k][0]+i, x, w[bounds[k][0]+i])
				}
			}
		}
	}
	if _, err := whole.Slice(5, 3, n); err == nil {
		t.Error("empty slice accepted")
	}
}
