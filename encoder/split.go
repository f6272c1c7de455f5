package encoder

import (
	"fmt"

	"github.com/spiral-sim/spiral/soma"
)

// Splitting (soma.Splitter). Every encoder whose neurons are independent of
// one another can be cut into contiguous ranges of neurons, so that a
// population spread over shards fires exactly the spikes of the whole:
//
//   - Poisson: the part of neurons [lo, hi) keeps drawing with the
//     population index FirstNeuron + lo + i (the random stream never sees
//     the split); its rates are those of its neurons.
//   - SpikeArray (SpikeTrains): the part fires the spikes of its neurons,
//     renumbered from 0.
//   - TTFS and Lazy: each neuron reads only its own input.
//   - Position and OneHot: the population is made of groups of K (Size)
//     neurons, but each neuron still reads only its own input element (the
//     group's value, repeated over the group) and its place in the group,
//     (lo + i) mod K, is a function of its population index. So a part may
//     start and end anywhere, even inside a group: its neurons keep their
//     tuning (preferred value, class). Requiring whole groups would buy
//     nothing and would refuse the even ranges a sharder picks.
//
// RankOrder is not splittable (its model does not implement soma.Splitter):
// a neuron's spike time is its rank among all N inputs of the window, which
// no part can compute from its own neurons' inputs.
//
// Split is valid with a batch of one copy, before the first Step (or after
// Reset); the part shares read-only parameters with the whole, which must
// not be stepped afterwards. Error messages of a part name population
// indices.

// splitRange checks a split of [lo, hi) out of a model of n neurons and
// batch copies.
func splitRange(kind string, n, batch, lo, hi int, stepped bool) error {
	if lo < 0 || hi > n || lo >= hi {
		return fmt.Errorf("%s: split [%d, %d) of %d neurons: need 0 <= lo < hi <= %d", kind, lo, hi, n, n)
	}
	if batch != 1 {
		return fmt.Errorf("%s: split of a batch of %d copies: only one copy can be split", kind, batch)
	}
	if stepped {
		return fmt.Errorf("%s: split after the model was stepped", kind)
	}
	return nil
}

func sub[T any](x []T, lo, hi int) []T {
	if x == nil {
		return nil
	}
	return x[lo:hi:hi]
}

// partEnv is the environment of a part of hi − lo neurons: the same key
// (draws are keyed by population index, not by part).
func partEnv(env soma.Env, lo, hi int) soma.Env {
	env.N = hi - lo
	return env
}

// Split implements soma.Splitter: the part draws with population indices
// FirstNeuron + lo + i.
func (m *poisson) Split(lo, hi int) (soma.Model, error) {
	if err := splitRange("poisson", m.env.N, m.env.Batch, lo, hi, m.stepped); err != nil {
		return nil, err
	}
	p := *m
	p.env = partEnv(m.env, lo, hi)
	p.first = m.first + uint64(lo)
	p.rate = sub(m.rate, lo, hi)
	p.p = sub(m.p, lo, hi)
	p.thr = nil
	p.err = nil
	return &p, nil
}

// Split implements soma.Splitter: the part fires the spikes of neurons
// [lo, hi), as neurons 0..hi−lo−1.
func (m *spikeArray) Split(lo, hi int) (soma.Model, error) {
	if err := splitRange("spike_array", m.env.N, m.env.Batch, lo, hi, m.stepped); err != nil {
		return nil, err
	}
	p := &spikeArray{env: partEnv(m.env, lo, hi)}
	for j, i := range m.neurons {
		if int(i) >= lo && int(i) < hi {
			p.steps = append(p.steps, m.steps[j])
			p.neurons = append(p.neurons, i-uint32(lo))
		}
	}
	return p, nil
}

// Split implements soma.Splitter; any range, even one that cuts a group.
func (m *oneHot) Split(lo, hi int) (soma.Model, error) {
	if err := splitRange("one_hot", m.env.N, m.env.Batch, lo, hi, m.stepped); err != nil {
		return nil, err
	}
	return &oneHot{env: partEnv(m.env, lo, hi), size: m.size, first: m.first + lo}, nil
}

// Split implements soma.Splitter.
func (m *lazy) Split(lo, hi int) (soma.Model, error) {
	if err := splitRange("lazy", m.env.N, m.env.Batch, lo, hi, m.stepped); err != nil {
		return nil, err
	}
	return &lazy{env: partEnv(m.env, lo, hi), first: m.first + lo}, nil
}

// splitWindowed is a window code whose neurons are independent (TTFS,
// Position): it adds Split to windowed. RankOrder uses a bare *windowed.
type splitWindowed struct{ *windowed }

// Split implements soma.Splitter. A model that has latched a window (was
// stepped since New or Reset) is refused.
func (m *splitWindowed) Split(lo, hi int) (soma.Model, error) {
	w := m.windowed
	if err := splitRange(w.kind, w.env.N, w.env.Batch, lo, hi, w.window != noWindow); err != nil {
		return nil, err
	}
	env := partEnv(w.env, lo, hi)
	p := &windowed{
		kind: w.kind, env: env, length: w.length, code: w.code, first: w.first + lo, window: noWindow,
		at: make([]int32, env.Len()), start: make([]int32, len(w.start)), order: make([]uint32, 0, env.Len()),
	}
	return &splitWindowed{p}, nil
}

var (
	_ soma.Splitter = (*poisson)(nil)
	_ soma.Splitter = (*spikeArray)(nil)
	_ soma.Splitter = (*oneHot)(nil)
	_ soma.Splitter = (*lazy)(nil)
	_ soma.Splitter = (*splitWindowed)(nil)
)
