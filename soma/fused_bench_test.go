package soma_test

import (
	"math/rand/v2"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// BenchmarkFusedCOBA steps 40,000 conductance-based LIF neurons with two
// exponential conductance receptors (COBA at scale 10), conductances of
// the size COBA's neurons see (1 to 100 leak conductances).
func BenchmarkFusedCOBA(b *testing.B) {
	const n = 40000
	spec := soma.LIF()
	spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
	spec.TauMs, spec.RefractoryMs, spec.Integration = param.Const(20), param.Const(5), soma.Exact
	m, err := spec.New(soma.Env{N: n, Batch: 1, Dt: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	fu := m.(soma.Fuser)
	rnd := rand.New(rand.NewPCG(1, 1))
	recs := []soma.ExpCurrent{
		{In: make([]float32, n), G: make([]float32, n), Decay: 0.98, Conductance: true, E: 0},
		{In: make([]float32, n), G: make([]float32, n), Decay: 0.99, Conductance: true, E: -80},
	}
	for i := 0; i < n; i++ {
		recs[0].G[i] = float32(rnd.Float64() * 40)
		recs[1].G[i] = float32(rnd.Float64() * 60)
	}
	cur := make([]float32, n)
	var fired []uint32
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range recs { // keep the conductances from decaying away
			for k := 0; k < n; k += 97 {
				recs[r].In[k] = 3
			}
		}
		fired, _ = fu.StepFused(int64(i), soma.Input{Current: cur}, recs, nil, fired[:0])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/neuron")
}

// BenchmarkFusedCUBA steps 40,000 current-based LIF neurons with
// exponential current receptors and no direct current (CUBA at scale
// 10): "two" is CUBA's loop (AVX2 on amd64; "two-go" the Go loop), "one"
// the one-receptor Go loop; "-sum" also stores the summed current (as a
// population does once its current is monitored).
func BenchmarkFusedCUBA(b *testing.B) {
	for _, c := range []struct {
		name        string
		recs        int
		goLoop      bool
		keepCurrent bool
		avx2        bool // the AVX2 kernel even where AVX-512 runs
	}{
		{"two", 2, false, false, false}, {"two-sum", 2, false, true, false},
		{"two-go", 2, true, false, false}, {"two-go-sum", 2, true, true, false},
		{"one", 1, false, false, false}, {"one-sum", 1, false, true, false},
		{"two-avx2", 2, false, false, true}, {"two-avx2-sum", 2, false, true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			const n = 40000
			spec := soma.LIF()
			spec.RestMV, spec.ThresholdMV = param.Const(-49), param.Const(-50)
			reset := param.Const(-60)
			spec.ResetMV = &reset
			spec.TauMs, spec.RefractoryMs, spec.Integration = param.Const(20), param.Const(5), soma.Exact
			m, err := spec.New(soma.Env{N: n, Batch: 1, Dt: 0.1})
			if err != nil {
				b.Fatal(err)
			}
			soma.SetSIMD(m, !c.goLoop)
			soma.SetAVX512(m, !c.avx2)
			fu := m.(soma.Fuser)
			recs := make([]soma.ExpCurrent, c.recs)
			for r := range recs {
				recs[r] = soma.ExpCurrent{In: make([]float32, n), G: make([]float32, n), Decay: 0.98 - 0.03*float32(r)}
			}
			var sum []float32
			if c.keepCurrent {
				sum = make([]float32, n)
			}
			var fired []uint32
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for r := range recs { // some input, as a step of CUBA has
					for k := r; k < n; k += 97 {
						recs[r].In[k] = 0.5 - float32(r)
					}
				}
				fired, _ = fu.StepFused(int64(i), soma.Input{}, recs, sum, fired[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/neuron")
		})
	}
}

// BenchmarkFusedCUBASparse is FusedCUBA/two with the inputs and spiking
// of a step of CUBA ×10 rather than every neuron firing (FusedCUBA's
// neurons rest above threshold, so nearly all are refractory): about 2 %
// of each receptor's inputs set per step, at random places, and a few
// percent of the neurons refractory (reported as refractory-%); on the
// default kernel (AVX-512 where the processor has it) and on AVX2.
func BenchmarkFusedCUBASparse(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchFusedCUBASparse(b, false) })
	b.Run("avx2", func(b *testing.B) { benchFusedCUBASparse(b, true) })
}

// benchFusedCUBASparse is BenchmarkFusedCUBASparse, held to AVX2 or not.
func benchFusedCUBASparse(b *testing.B, avx2 bool) {
	const n, steps = 40000, 64
	spec := soma.LIF()
	spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
	reset := param.Const(-60)
	spec.ResetMV = &reset
	spec.TauMs, spec.RefractoryMs, spec.Integration = param.Const(20), param.Const(5), soma.Exact
	m, err := spec.New(soma.Env{N: n, Batch: 1, Dt: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	soma.SetAVX512(m, !avx2)
	fu := m.(soma.Fuser)
	recs := make([]soma.ExpCurrent, 2)
	for r := range recs {
		recs[r] = soma.ExpCurrent{In: make([]float32, n), G: make([]float32, n), Decay: 0.98 - 0.03*float32(r)}
	}
	// The input places of 64 steps, drawn once.
	rnd := rand.New(rand.NewPCG(5, 6))
	var places [steps][2][]int32
	for s := range places {
		for r := range 2 {
			for range 900 {
				places[s][r] = append(places[s][r], int32(rnd.IntN(n)))
			}
		}
	}
	w := [2]float32{8.0, -1.2}
	var fired []uint32
	refr := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range recs {
			in := recs[r].In
			for _, j := range places[i%steps][r] {
				in[j] += w[r]
			}
		}
		fired, _ = fu.StepFused(int64(i), soma.Input{}, recs, nil, fired[:0])
		if i%steps == 0 {
			rc, _ := m.Var("refractory")
			for _, c := range rc {
				if c > 0 {
					refr++
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/neuron")
	b.ReportMetric(100*float64(refr)/float64(n)/float64((b.N+steps-1)/steps), "refractory-%")
}
