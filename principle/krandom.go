package principle

import (
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// KRandomClamps forces k distinct neurons per batch copy, drawn at random, to
// fire at a step (random exploration or noise; the Python
// KRandomClampsPrinciple). Neuron i is drawn with weight Weights[i] >= 0,
// without replacement: the draw is successive weighted sampling
// (multinomial without replacement), done in one pass by the
// Efraimidis–Spirakis method — neuron i gets the key ln(u_i)/w_i and the k
// largest keys win, u_i being uniform and keyed by (population, copy,
// neuron, step, rng.PurposeClamps). With k = 1 neuron i is chosen with
// probability w_i/Σw.
//
// k comes from SetK (for the next Apply only) or else from K(step); no k
// means no clamps. A k larger than the number of neurons with positive
// weight is recorded (Err) and all of them are clamped. The forced spikes
// are ORed into the fired list.
type KRandomClamps struct {
	// Weights per neuron (shared by the copies). Any constant — the zero
	// Value included — means uniform; an array or distribution gives one
	// weight per neuron (distributions are drawn once, at Bind).
	Weights param.Value
	// K gives k for a step; nil = 0 unless SetK is used.
	K func(step int64) int

	bound
	w          []float32 // nil = uniform
	npos       int
	key        rng.Key
	pending    int
	hasPending bool
	heap       []esItem
	chosen     []uint32
	out        []uint32
}

type esItem struct {
	key float64
	i   uint32
}

// Bind implements Principle.
// Renew returns new clamps of the same weights and k, not bound
// (population.Renewer; k is the same function).
func (p *KRandomClamps) Renew() any { return &KRandomClamps{Weights: p.Weights, K: p.K} }

// Bind implements Principle.
func (p *KRandomClamps) Bind(env soma.Env) error {
	if err := p.begin("k_random_clamps", env); err != nil {
		return err
	}
	p.key = env.Key.Sub(uint64(rng.PurposeClamps))
	p.w, p.npos = nil, env.N
	if c, ok := p.Weights.IsConst(); ok {
		if !(c >= 0) || math.IsInf(c, 0) {
			return fmt.Errorf("k_random_clamps: weight = %g: must be >= 0 and finite", c)
		}
		p.done(env)
		return nil
	}
	src := env.Key.Sub(uint64(rng.PurposeInitialState)).Stream(uint64(rng.PurposeClamps))
	w, err := p.Weights.Expand("k_random_clamps: weight", env.N, src, param.NonNegative)
	if err != nil {
		return err
	}
	p.w, p.npos = w, 0
	for _, x := range w {
		if x > 0 {
			p.npos++
		}
	}
	if p.npos == 0 {
		return fmt.Errorf("k_random_clamps: every weight is 0")
	}
	p.done(env)
	return nil
}

// SetK sets k for the next Apply only (overriding K).
func (p *KRandomClamps) SetK(k int) { p.pending, p.hasPending = k, true }

// Reset forgets a pending k and the recorded error.
func (p *KRandomClamps) Reset() {
	p.pending, p.hasPending = 0, false
	p.err = nil
}

// Apply implements Principle.
func (p *KRandomClamps) Apply(step int64, fired []uint32, m soma.Model) []uint32 {
	if !p.ready("k_random_clamps", step) {
		return fired
	}
	k := 0
	if p.hasPending {
		k = p.pending
	} else if p.K != nil {
		k = p.K(step)
	}
	p.pending, p.hasPending = 0, false
	if k <= 0 {
		return fired
	}
	if k > p.npos {
		p.failf("k_random_clamps at step %d: k = %d but only %d neurons have a positive weight", step, k, p.npos)
		k = p.npos
	}
	n := p.env.N
	p.chosen = p.chosen[:0]
	for b := 0; b < p.env.Batch; b++ {
		p.heap = p.heap[:0]
		for i := 0; i < n; i++ {
			var key float64
			u := 1 - p.key.Uniform(uint64(step), uint64(b)<<32|uint64(i)) // (0, 1]
			if p.w == nil {
				key = u // monotone in ln(u)/w for equal weights
			} else {
				w := p.w[i]
				if w <= 0 {
					continue
				}
				key = math.Log(u) / float64(w)
			}
			it := esItem{key, uint32(i)}
			if len(p.heap) < k {
				p.heap = append(p.heap, it)
				siftUp(p.heap, len(p.heap)-1)
			} else if less(p.heap[0], it) {
				p.heap[0] = it
				siftDown(p.heap, 0)
			}
		}
		start := len(p.chosen)
		for _, it := range p.heap {
			p.chosen = append(p.chosen, uint32(b*n)+it.i)
		}
		slices.Sort(p.chosen[start:])
	}
	p.out = union(p.out, fired, p.chosen)
	return append(fired[:0], p.out...)
}

// less orders heap items: the smaller key (and, for equal keys, the larger
// index) is the weaker item, at the top of the min-heap.
func less(a, b esItem) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.i > b.i
}

func siftUp(h []esItem, j int) {
	for j > 0 {
		parent := (j - 1) / 2
		if !less(h[j], h[parent]) {
			return
		}
		h[j], h[parent] = h[parent], h[j]
		j = parent
	}
}

func siftDown(h []esItem, j int) {
	for {
		l := 2*j + 1
		if l >= len(h) {
			return
		}
		s := l
		if r := l + 1; r < len(h) && less(h[r], h[l]) {
			s = r
		}
		if !less(h[s], h[j]) {
			return
		}
		h[j], h[s] = h[s], h[j]
		j = s
	}
}

// FireOnce lets each element (neuron of a copy) fire only once until Reset
// (the Python DisposablePopulationProxy): later spikes of an element that
// has fired are removed.
type FireOnce struct {
	bound
	used []bool `state:"elements"`
}

// Bind implements Principle.
// Renew returns a new FireOnce, not bound (population.Renewer).
func (p *FireOnce) Renew() any { return &FireOnce{} }

// Bind implements Principle.
func (p *FireOnce) Bind(env soma.Env) error {
	if err := p.begin("fire_once", env); err != nil {
		return err
	}
	p.used = make([]bool, env.Len())
	p.done(env)
	return nil
}

// Reset lets every element fire again.
func (p *FireOnce) Reset() {
	clear(p.used)
	p.err = nil
}

// Apply implements Principle.
func (p *FireOnce) Apply(step int64, fired []uint32, m soma.Model) []uint32 {
	if !p.ready("fire_once", step) {
		return fired
	}
	k := 0
	for _, e := range fired {
		if !p.used[e] {
			p.used[e] = true
			fired[k] = e
			k++
		}
	}
	return fired[:k]
}
