package soma_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// StepFused gives bit for bit what consuming exponential current
// receptors (g ← g + in, I += g, g ← g·decay, in ← 0, in receptor order)
// and then Step give: for one and two receptors, with and without a
// stimulus current, with refractoriness, and for sizes that leave a tail
// after the four-neuron blocks (and, for AVX2, the eight-neuron blocks;
// for AVX-512, the sixteen-neuron blocks, its last one masked); on the
// AVX-512 kernel (where the processor has it), the AVX2 kernel and the Go
// loops, and on all three in turn. Its sum, stored into its own slice or
// over the current, is the current I handed to Step.
func TestStepFusedMatchesStep(t *testing.T) {
	type fusedCase struct {
		name    string
		n, recs int
		current bool
		exact   bool
		refrOn  bool
		goLoop  bool   // hold the model to the Go loops
		avx2    bool   // hold the model to the AVX2 kernel (where AVX-512 runs)
		toggle  bool   // switch between the AVX-512 kernel, the AVX2 kernel and the Go loops every few steps
		sum     string // "", "own" (a slice of its own) or "current" (in place)
	}
	var cases []fusedCase
	for _, c := range []fusedCase{
		{name: "two receptors", n: 103, recs: 2, exact: true, refrOn: true},
		{name: "two receptors and a current", n: 97, recs: 2, current: true, refrOn: true},
		{name: "two receptors, fewer than eight", n: 5, recs: 2, current: true, exact: true},
		{name: "one receptor and a current", n: 41, recs: 1, current: true, exact: true},
		{name: "one receptor", n: 8, recs: 1, refrOn: true},
		{name: "two receptors, sixteen and a tail of seven", n: 23, recs: 2, current: true, exact: true, refrOn: true},
		{name: "two receptors, sixteen", n: 16, recs: 2, current: true, exact: true, refrOn: true},
		{name: "two receptors, thirteen (one masked block)", n: 13, recs: 2, current: true, refrOn: true},
		{name: "two receptors, kernels and Go loops in turn", n: 45, recs: 2, exact: true, refrOn: true, toggle: true},
		{name: "two receptors, kernels and Go loops in turn, many", n: 301, recs: 2, current: true, refrOn: true, toggle: true},
	} {
		for _, kernel := range []string{"", "avx2", "go"} {
			if c.toggle && kernel != "" {
				continue
			}
			sums := []string{"", "own"}
			if c.current {
				sums = append(sums, "current")
			}
			for _, sum := range sums {
				c.goLoop, c.avx2, c.sum = kernel == "go", kernel == "avx2", sum
				cases = append(cases, c)
			}
		}
	}
	if !soma.HaveAVX512() {
		t.Log("no AVX-512 on this processor: the cases named for it run the AVX2 kernel")
	}
	for _, c := range cases {
		name := c.name
		if c.goLoop {
			name += ", Go loop"
		}
		if c.avx2 {
			name += ", AVX2"
		}
		if c.sum != "" {
			name += ", sum into " + c.sum
		}
		t.Run(name, func(t *testing.T) {
			spec := soma.LIF()
			spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
			spec.TauMs = param.Const(20)
			if c.refrOn {
				spec.RefractoryMs = param.Const(0.5)
			}
			if c.exact {
				spec.Integration = soma.Exact
			}
			env := soma.Env{N: c.n, Batch: 1, Dt: 0.1}
			plain, err := spec.New(env)
			if err != nil {
				t.Fatal(err)
			}
			fusedModel, _ := spec.New(env)
			soma.SetSIMD(fusedModel, !c.goLoop)
			soma.SetAVX512(fusedModel, !c.avx2)
			fu, ok := fusedModel.(soma.Fuser)
			if !ok {
				t.Fatal("LIF does not implement soma.Fuser")
			}
			var sum []float32
			if c.sum == "own" {
				sum = make([]float32, c.n)
			}
			decay := []float32{0.98, 0.95}
			gPlain := make([][]float32, c.recs)
			gFused := make([][]float32, c.recs)
			in := make([][]float32, c.recs)
			for r := range c.recs {
				gPlain[r], gFused[r], in[r] = make([]float32, c.n), make([]float32, c.n), make([]float32, c.n)
			}
			rnd := rand.New(rand.NewPCG(1, 2))
			var fp, ff []uint32
			spikes := 0
			for step := int64(0); step < 400; step++ {
				var cur []float32
				if c.current {
					cur = make([]float32, c.n)
					for i := range cur {
						cur[i] = float32(rnd.Float64() * 5)
					}
				}
				for r := range c.recs {
					for i := range in[r] {
						switch rnd.IntN(40) {
						case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9:
							in[r][i] = float32(rnd.Float64()*3 - 0.5)
						case 10: // −0, which must be cleared too
							in[r][i] = float32(math.Copysign(0, -1))
						}
					}
				}
				// Plain: receptors' Consume, then Step.
				total := make([]float32, c.n)
				if cur != nil {
					copy(total, cur)
				}
				for r := range c.recs {
					for i := range total {
						y := gPlain[r][i] + in[r][i]
						total[i] += y
						gPlain[r][i] = y * decay[r]
					}
				}
				fp = plain.Step(step, soma.Input{Current: total}, fp[:0])
				// Fused, on copies of the same inputs.
				recs := make([]soma.ExpCurrent, c.recs)
				for r := range c.recs {
					recs[r] = soma.ExpCurrent{In: slices.Clone(in[r]), G: gFused[r], Decay: decay[r]}
					clear(in[r])
				}
				if c.sum == "current" {
					sum = cur
				}
				if c.toggle {
					// AVX-512 for three steps, AVX2 for two, Go loops
					// for three: each takes over the refractory neurons
					// the one before counted down.
					soma.SetSIMD(fusedModel, step%8 < 5)
					soma.SetAVX512(fusedModel, step%8 < 3)
				}
				var done bool
				ff, done = fu.StepFused(step, soma.Input{Current: cur}, recs, sum, ff[:0])
				if !done {
					t.Fatal("StepFused refused a plain LIF")
				}
				if sum != nil {
					for i := range total {
						if math.Float32bits(sum[i]) != math.Float32bits(total[i]) {
							t.Fatalf("step %d: neuron %d: summed current %g, want %g as consumed", step, i, sum[i], total[i])
						}
					}
				}
				for r := range recs {
					for i, x := range recs[r].In {
						if math.Float32bits(x) != 0 {
							t.Fatalf("step %d: receptor %d input %d not cleared (%g)", step, r, i, x)
						}
					}
				}
				if !slices.Equal(fp, ff) {
					t.Fatalf("step %d: fired %v plain, %v fused", step, fp, ff)
				}
				spikes += len(fp)
				vp, _ := plain.Var("v")
				vf, _ := fusedModel.Var("v")
				if !sameBits(vp, vf) {
					t.Fatalf("step %d: potentials differ", step)
				}
				rp, _ := plain.Var("refractory")
				rf, _ := fusedModel.Var("refractory")
				if !slices.Equal(rp, rf) {
					t.Fatalf("step %d: refractory counts differ", step)
				}
				for r := range c.recs {
					if !slices.Equal(gPlain[r], gFused[r]) {
						t.Fatalf("step %d: receptor %d state differs", step, r)
					}
				}
			}
			if spikes == 0 {
				t.Fatal("no spikes: the comparison needs some")
			}
		})
	}
}

// With conductance receptors StepFused gives what consuming them
// (G += g + in, GE += (g + in)·E, in receptor order, from zero) and then
// Step with Input.G and Input.GE give, bit for bit.
func TestStepFusedConductanceMatchesStep(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     int
		recs  int
		exact bool
	}{
		{"two receptors, exact", 103, 2, true},
		{"two receptors, exact, large conductances", 203, 2, true},
		{"two receptors, Euler", 50, 2, false},
		{"one receptor, exact", 9, 1, true},
		{"two receptors, exact, Go loop", 103, 2, true},
		{"two receptors, exact, large conductances, Go loop", 203, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := soma.LIF()
			spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
			spec.TauMs = param.Const(20)
			spec.RefractoryMs = param.Const(0.5)
			if c.exact {
				spec.Integration = soma.Exact
			}
			env := soma.Env{N: c.n, Batch: 1, Dt: 0.1}
			plain, err := spec.New(env)
			if err != nil {
				t.Fatal(err)
			}
			if cd, ok := plain.(soma.Conductor); !ok || !cd.Conductances() {
				t.Fatal("a leaky LIF should integrate conductances itself")
			}
			fusedModel, _ := spec.New(env)
			soma.SetSIMD(fusedModel, !strings.HasSuffix(c.name, "Go loop"))
			fu := fusedModel.(soma.Fuser)
			decay, rev := []float32{0.98, 0.9}, []float32{0, -80}
			gPlain := make([][]float32, c.recs)
			gFused := make([][]float32, c.recs)
			in := make([][]float32, c.recs)
			for r := range c.recs {
				gPlain[r], gFused[r], in[r] = make([]float32, c.n), make([]float32, c.n), make([]float32, c.n)
			}
			rnd := rand.New(rand.NewPCG(3, 4))
			var fp, ff []uint32
			spikes, outside := 0, 0
			for step := int64(0); step < 400; step++ {
				cur := make([]float32, c.n)
				for i := range cur {
					cur[i] = float32(10 + rnd.Float64()*10)
				}
				scale := 0.3
				if strings.Contains(c.name, "large") && step%3 == 0 {
					// Some blocks' e^{−(1+g)·dt/τ} argument leaves the
					// polynomial's range (|x| ≥ 0.75, g ≥ 149).
					scale = 100
				}
				for r := range c.recs {
					for i := range in[r] {
						if rnd.IntN(5) == 0 {
							in[r][i] = float32(rnd.Float64() * scale)
						}
					}
				}
				gs, ge := make([]float32, c.n), make([]float32, c.n)
				for r := range c.recs {
					for i := range gs {
						y := gPlain[r][i] + in[r][i]
						gs[i] += y
						ge[i] += y * rev[r]
						gPlain[r][i] = y * decay[r]
					}
				}
				for _, g := range gs {
					if g > 149 {
						outside++
					}
				}
				fp = plain.Step(step, soma.Input{Current: cur, G: gs, GE: ge}, fp[:0])
				recs := make([]soma.ExpCurrent, c.recs)
				for r := range c.recs {
					recs[r] = soma.ExpCurrent{In: slices.Clone(in[r]), G: gFused[r], Decay: decay[r], Conductance: true, E: rev[r]}
					clear(in[r])
				}
				sum := make([]float32, c.n)
				for i := range sum {
					sum[i] = 99 // overwritten
				}
				var done bool
				ff, done = fu.StepFused(step, soma.Input{Current: cur}, recs, sum, ff[:0])
				if !done {
					t.Fatal("StepFused refused conductance receptors on a leaky LIF")
				}
				if !slices.Equal(sum, cur) {
					t.Fatalf("step %d: sum %v, want the direct current %v alone", step, sum[:3], cur[:3])
				}
				if !slices.Equal(fp, ff) {
					t.Fatalf("step %d: fired %v plain, %v fused", step, fp, ff)
				}
				spikes += len(fp)
				vp, _ := plain.Var("v")
				vf, _ := fusedModel.Var("v")
				if !sameBits(vp, vf) {
					t.Fatalf("step %d: potentials differ", step)
				}
				rp, _ := plain.Var("refractory")
				rf, _ := fusedModel.Var("refractory")
				if !slices.Equal(rp, rf) {
					t.Fatalf("step %d: refractory counts differ", step)
				}
				for r := range c.recs {
					if !slices.Equal(gPlain[r], gFused[r]) {
						t.Fatalf("step %d: receptor %d state differs", step, r)
					}
				}
			}
			if spikes == 0 {
				t.Fatal("no spikes: the comparison needs some")
			}
			if strings.Contains(c.name, "large") && outside == 0 {
				t.Fatal("no conductance above 149: the blocks outside the polynomial's range were not exercised")
			}
		})
	}
}

// StepFused allocates nothing per step, with or without a current, with
// or without storing the sum.
func TestStepFusedAllocates(t *testing.T) {
	for _, c := range []struct {
		recs int
		sum  []float32
	}{{1, nil}, {2, nil}, {1, make([]float32, 64)}, {2, make([]float32, 64)}} {
		recs := c.recs
		spec := soma.LIF()
		m, err := spec.New(soma.Env{N: 64, Batch: 1, Dt: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		fu := m.(soma.Fuser)
		rs := make([]soma.ExpCurrent, recs)
		for r := range rs {
			rs[r] = soma.ExpCurrent{In: make([]float32, 64), G: make([]float32, 64), Decay: 0.9}
		}
		fired := make([]uint32, 0, 64)
		step := int64(0)
		fu.StepFused(step, soma.Input{}, rs, c.sum, fired) // first step may set up
		if a := testing.AllocsPerRun(100, func() {
			step++
			fu.StepFused(step, soma.Input{}, rs, c.sum, fired[:0])
		}); a != 0 {
			t.Errorf("%d receptors, sum %t: %g allocations per step, want 0", recs, c.sum != nil, a)
		}
	}
}

// sameBits reports whether a and b hold the same float32 values bit for
// bit (so that −0 and +0 differ).
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
