package encoder

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/soma"
)

// SpikeArray fires given neurons at given times (a spike-source array, like
// Brian2's SpikeGeneratorGroup): spike k is neuron Neurons[k] at TimesMs[k].
// A time t is emitted at step round(t/dt) — the nearest step, halves away
// from zero (math.Round), so t = 0.25 ms at dt = 0.1 ms is step 3 (2.5
// rounds up) and 0.3 ms is step 3 although 0.3/0.1 = 2.9999999999999996.
//
// Validation (errors from New, naming the spike): a neuron outside [0, N);
// a negative, NaN or infinite time; two spikes of one neuron that round to
// the same step (an error, as in Brian2, rather than a silent merge). The
// spikes need not be sorted. Every batch copy gets the same spikes. The
// input is ignored.
type SpikeArray struct {
	Neurons []int
	TimesMs []float64
}

// SpikeTrains builds a SpikeArray from one list of spike times per neuron.
func SpikeTrains(trains [][]float64) SpikeArray {
	var s SpikeArray
	for i, ts := range trains {
		for _, t := range ts {
			s.Neurons = append(s.Neurons, i)
			s.TimesMs = append(s.TimesMs, t)
		}
	}
	return s
}

// Kind implements soma.Spec.
func (SpikeArray) Kind() string { return "spike_array" }

type arraySpike struct {
	step   int64
	neuron uint32
	k      int // index in the spec, for errors
}

// New implements soma.Spec.
func (s SpikeArray) New(env soma.Env) (soma.Model, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("spike_array: %w", err)
	}
	if len(s.Neurons) != len(s.TimesMs) {
		return nil, fmt.Errorf("spike_array: %d neurons but %d times", len(s.Neurons), len(s.TimesMs))
	}
	ev := make([]arraySpike, len(s.Neurons))
	for k, i := range s.Neurons {
		t := s.TimesMs[k]
		if i < 0 || i >= env.N {
			return nil, fmt.Errorf("spike_array: spike %d: neuron %d out of range [0, %d)", k, i, env.N)
		}
		if !(t >= 0) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("spike_array: spike %d (neuron %d): time %g ms: must be >= 0 and finite", k, i, t)
		}
		q := math.Round(t / env.Dt)
		if q > math.MaxInt64/2 {
			return nil, fmt.Errorf("spike_array: spike %d (neuron %d): time %g ms is too late", k, i, t)
		}
		ev[k] = arraySpike{step: int64(q), neuron: uint32(i), k: k}
	}
	slices.SortFunc(ev, func(a, b arraySpike) int {
		if c := cmp.Compare(a.step, b.step); c != 0 {
			return c
		}
		if c := cmp.Compare(a.neuron, b.neuron); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	for j := 1; j < len(ev); j++ {
		if a, b := ev[j-1], ev[j]; a.step == b.step && a.neuron == b.neuron {
			return nil, fmt.Errorf("spike_array: neuron %d has two spikes in step %d (%g ms and %g ms at dt = %g ms)",
				a.neuron, a.step, s.TimesMs[a.k], s.TimesMs[b.k], env.Dt)
		}
	}
	m := &spikeArray{env: env, steps: make([]int64, len(ev)), neurons: make([]uint32, len(ev))}
	for j, e := range ev {
		m.steps[j], m.neurons[j] = e.step, e.neuron
	}
	return m, nil
}

type spikeArray struct {
	env     soma.Env `state:"-"`
	steps   []int64  `state:"-"` // ascending
	neurons []uint32 `state:"-"` // ascending within a step
	stepped bool     `state:"-"` // Step was called since New or the last Reset
}

func (m *spikeArray) Len() int { return m.env.Len() }

func (m *spikeArray) Step(step int64, in soma.Input, fired []uint32) []uint32 {
	m.stepped = true
	lo, _ := slices.BinarySearch(m.steps, step)
	hi := lo
	for hi < len(m.steps) && m.steps[hi] == step {
		hi++
	}
	if lo == hi {
		return fired
	}
	for b := 0; b < m.env.Batch; b++ {
		base := uint32(b * m.env.N)
		for _, i := range m.neurons[lo:hi] {
			fired = append(fired, base+i)
		}
	}
	return fired
}

func (m *spikeArray) Reset()                       { m.stepped = false }
func (m *spikeArray) Var(string) ([]float32, bool) { return nil, false }
func (m *spikeArray) Vars() []string               { return nil }
