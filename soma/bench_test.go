package soma

import (
	"testing"

	"github.com/spiral-sim/spiral/param"
)

const benchN = 40000

// benchInput returns currents that make a fraction of the neurons fire
// (R·I spread around the rheobase of the LIF defaults, 30.6 mV).
func benchInput(n int) []float32 {
	in := make([]float32, n)
	for i := range in {
		in[i] = 25 + 10*float32(i%97)/97
	}
	return in
}

func benchModel(b *testing.B, s Spec, withJump bool) {
	b.Helper()
	m, err := s.New(Env{N: benchN, Batch: 1, Dt: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Current: benchInput(benchN)}
	if withJump {
		in.Jump = make([]float32, benchN)
		for i := range in.Jump {
			if i%7 == 0 {
				in.Jump[i] = 0.1
			}
		}
	}
	fired := make([]uint32, 0, benchN)
	spikes := 0
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		fired = m.Step(int64(k), in, fired[:0])
		spikes += len(fired)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/neuron/step")
	b.ReportMetric(float64(spikes)/float64(b.N)/benchN*1e4, "Hz")
}

// BenchmarkLIF measures the fast LIF path on N = 40000 neurons (dt = 0.1
// ms); the figure to watch is ns/neuron/step.
func BenchmarkLIF(b *testing.B) {
	lif := LIF()
	b.Run("euler", func(b *testing.B) { benchModel(b, lif, false) })
	ex := LIF()
	ex.Integration = Exact
	b.Run("exact", func(b *testing.B) { benchModel(b, ex, false) })
	ref := ex
	ref.RefractoryMs = param.Const(2)
	b.Run("exact_refractory", func(b *testing.B) { benchModel(b, ref, false) })
	b.Run("exact_refractory_jump", func(b *testing.B) { benchModel(b, ref, true) })
	ref.DropRefractoryInput = true
	b.Run("exact_refractory_jump_drop", func(b *testing.B) { benchModel(b, ref, true) })
	b.Run("euler_jump", func(b *testing.B) { benchModel(b, lif, true) })
	het := ref
	het.TauMs = param.Uniform(15, 25)
	b.Run("per_neuron_tau_refractory_jump", func(b *testing.B) { benchModel(b, het, true) })
}

// BenchmarkIFGeneric measures the stacked-terms path.
func BenchmarkIFGeneric(b *testing.B) {
	b.Run("eif", func(b *testing.B) { benchModel(b, EIF(), false) })
	b.Run("adex", func(b *testing.B) { benchModel(b, AdEx(), false) })
	b.Run("adex_textbook", func(b *testing.B) { benchModel(b, AdExTextbook(), false) })
}
