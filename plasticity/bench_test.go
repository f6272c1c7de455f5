package plasticity

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/synapse"
)

// poissonSteps draws nSteps steps of independent spikes of n elements,
// each with probability pr per step, as StepData event lists.
func poissonSteps(rng *rand.Rand, n, nSteps int, pr float64) [][]uint32 {
	out := make([][]uint32, nSteps)
	for s := range out {
		// Geometric gaps: cost ∝ spikes, not elements.
		for i := skip(rng, pr); i < n; i += 1 + skip(rng, pr) {
			out[s] = append(out[s], uint32(i))
		}
	}
	return out
}

func skip(rng *rand.Rand, pr float64) int {
	k := 0
	for rng.Float64() >= pr {
		k++
		if k > 1<<30 {
			break
		}
	}
	return k
}

func benchSTDP(b *testing.B, syn *synapse.CSR, dt, preHz, postHz float64, spec Spec) {
	p, err := NewSynapses(syn, 1, dt, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLearner(p, spec)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	const nSteps = 2000
	pre := poissonSteps(rng, syn.Rows, nSteps, preHz*dt/1000)
	post := poissonSteps(rng, syn.Cols, nSteps, postHz*dt/1000)
	d := StepData{Pre: make([]float32, syn.Rows), Post: make([]float32, syn.Cols)}
	events := 0
	for s := range nSteps {
		for _, i := range pre[s] {
			events += int(syn.Ptr[i+1] - syn.Ptr[i])
		}
		for _, j := range post[s] {
			events += int(p.ColPtr[j+1] - p.ColPtr[j])
		}
	}
	s := 0
	b.ResetTimer()
	for b.Loop() {
		for _, i := range d.PreActive {
			d.Pre[i] = 0
		}
		for _, j := range d.PostActive {
			d.Post[j] = 0
		}
		d.PreActive, d.PostActive = pre[s], post[s]
		for _, i := range d.PreActive {
			d.Pre[i] = 1
		}
		for _, j := range d.PostActive {
			d.Post[j] = 1
		}
		l.Step(&d, true)
		s++
		if s == nSteps {
			s = 0
		}
	}
	b.ReportMetric(float64(events)/nSteps, "syn-events/step")
}

// Song, Miller & Abbott (2000): 1000 excitatory inputs at ~15 Hz onto one
// neuron, dt = 0.1 ms, τ± = 20 ms.
func BenchmarkSTDPSongAbbott(b *testing.B) {
	const rows = 1000
	syn := &synapse.CSR{Rows: rows, Cols: 1, Ptr: make([]uint32, rows+1), Idx: make([]uint32, rows), W: make([]float32, rows)}
	for i := range rows {
		syn.Ptr[i+1] = uint32(i + 1)
		syn.W[i] = 0.5
	}
	for _, c := range []struct {
		name string
		spec Spec
	}{
		{"const", LeakySTDP(20, 20, 0.005, 0.00525)},
		{"softbound", STDP{Pre: leaky(20), Post: leaky(20), LTP: SoftBoundRate{0.02}, LTD: SoftBoundRate{0.021}}},
	} {
		b.Run(c.name, func(b *testing.B) { benchSTDP(b, syn, 0.1, 15, 20, c.spec) })
	}
}

var brunelSyn *synapse.CSR

// A Brunel-sized excitatory projection: 12,500 rows, 1250 distinct random
// targets each among 12,500 neurons (15.6 M synapses), pre and post at
// 10 Hz, dt = 0.1 ms.
func BenchmarkSTDPBrunel(b *testing.B) {
	if brunelSyn == nil {
		const rows, cols, per = 12500, 12500, 1250
		rng := rand.New(rand.NewPCG(3, 5))
		syn := &synapse.CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1),
			Idx: make([]uint32, 0, rows*per), W: make([]float32, rows*per)}
		seen := make([]bool, cols)
		row := make([]uint32, 0, per)
		for r := range rows {
			row = row[:0]
			for len(row) < per {
				j := uint32(rng.IntN(cols))
				if !seen[j] {
					seen[j] = true
					row = append(row, j)
				}
			}
			slices.Sort(row)
			for _, j := range row {
				seen[j] = false
			}
			syn.Idx = append(syn.Idx, row...)
			syn.Ptr[r+1] = uint32(len(syn.Idx))
		}
		for k := range syn.W {
			syn.W[k] = 0.5
		}
		brunelSyn = syn
	}
	for _, c := range []struct {
		name string
		spec Spec
	}{
		{"const", LeakySTDP(20, 20, 0.005, 0.00525)},
		{"softbound", STDP{Pre: leaky(20), Post: leaky(20), LTP: SoftBoundRate{0.02}, LTD: SoftBoundRate{0.021}}},
	} {
		b.Run(c.name, func(b *testing.B) { benchSTDP(b, brunelSyn, 0.1, 10, 10, c.spec) })
	}
}
