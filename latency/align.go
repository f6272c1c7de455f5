package latency

import (
	"fmt"
	"math"
	"reflect"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/state"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Align moves each synapse's arrival toward its target neuron's spikes
// (see the package documentation): a spike that arrives up to Window
// before the target fires is slowed by η·(S − A); one that arrives up to
// Window after the target fired is sped up by η·(A − S); A and S are the
// steps of the arrival and of the spike, and the change is in steps (η is
// dimensionless: ms of latency per ms of misalignment). The learnt latency
// stays in [0, Max].
type Align struct {
	Eta      float64     // learning rate, > 0 and ≤ 1
	WindowMs float64     // pairing window, ms, ≥ dt
	InitMs   param.Value // initial learnt latency per synapse, ms; default 0
	Max      float64     // largest learnt latency, ms
}

// Kind returns "align".
func (Align) Kind() string { return "align" }

// Initial implements Spec.
func (a Align) Initial() param.Value { return a.InitMs }

// MaxMs implements Spec.
func (a Align) MaxMs() float64 { return a.Max }

// New binds the rule.
func (a Align) New(s Synapses) (Rule, error) {
	const name = "latency align"
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !(a.Eta > 0 && a.Eta <= 1) {
		return nil, fmt.Errorf("%s: eta = %g: must be in (0, 1] (the fraction of the misalignment corrected per pairing)", name, a.Eta)
	}
	if !(a.WindowMs >= s.Dt) || math.IsInf(a.WindowMs, 0) {
		return nil, fmt.Errorf("%s: window = %g ms: must be finite and at least dt = %g ms", name, a.WindowMs, s.Dt)
	}
	colPtr, colSyn, _ := s.Syn.Transpose()
	r := &alignRule{
		s: s, colPtr: colPtr, colSyn: colSyn,
		eta:      float32(a.Eta),
		win:      int64(param.Steps(a.WindowMs, s.Dt)),
		lastArr:  make([]int64, s.Syn.Len()),
		lastPost: make([]int64, s.Syn.Cols),
		queue:    make([][]uint32, s.Max+1),
	}
	r.Reset()
	return r, nil
}

// never is the "last event" of a synapse or neuron that had none: far
// enough in the past that no window reaches it.
const never = math.MinInt64 / 2

type alignRule struct {
	s              Synapses   `state:"-"`
	colPtr, colSyn []uint32   `state:"-"`
	eta            float32    `state:"-"`
	win            int64      `state:"-"`
	lastArr        []int64    `state:"synapses"` // last arrival step per synapse
	lastPost       []int64    `state:"elements"` // last spike step per target neuron
	queue          [][]uint32 `state:"-"`        // synapses arriving at a step, by step mod len
}

// Schedule implements Rule.
func (r *alignRule) Schedule(k uint32, step int64) {
	q := &r.queue[step%int64(len(r.queue))]
	*q = append(*q, k)
}

// Step implements Rule.
func (r *alignRule) Step(step int64, fired []uint32, learn bool) {
	L, max := r.s.L, float32(r.s.Max)
	// Spikes of step − 1 against the arrivals up to then: early arrivals
	// are slowed.
	S := step - 1
	for _, j := range fired {
		r.lastPost[j] = S
		if !learn {
			continue
		}
		for _, k := range r.colSyn[r.colPtr[j]:r.colPtr[j+1]] {
			if d := S - r.lastArr[k]; d > 0 && d <= r.win {
				L[k] = min(L[k]+float32(r.eta*float32(d)), max)
			}
		}
	}
	// Arrivals of this step against the target's last spike: late
	// arrivals are sped up.
	q := &r.queue[step%int64(len(r.queue))]
	idx := r.s.Syn.Idx
	for _, k := range *q {
		r.lastArr[k] = step
		if !learn {
			continue
		}
		if d := step - r.lastPost[idx[k]]; d > 0 && d <= r.win {
			L[k] = max32(L[k]-float32(r.eta*float32(d)), 0)
		}
	}
	*q = (*q)[:0]
}

func max32(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// Reset implements Rule.
func (r *alignRule) Reset() {
	for k := range r.lastArr {
		r.lastArr[k] = never
	}
	for j := range r.lastPost {
		r.lastPost[j] = never
	}
	for i := range r.queue {
		r.queue[i] = r.queue[i][:0]
	}
}

// StateVars implements state.Custom: the arrivals scheduled, as rows of
// one count per synapse for the steps step, step+1, … (in any layout a
// synapse's arrivals are its own: their order within a step does not
// matter).
func (r *alignRule) StateVars(step int64) []state.Var {
	n := r.s.Syn.Len()
	rows := len(r.queue)
	counts := make([]int32, rows*n)
	for k := range rows {
		for _, syn := range r.queue[int((step+int64(k))%int64(rows))] {
			counts[k*n+int(syn)]++
		}
	}
	set := func(v reflect.Value) error {
		c, ok := v.Interface().([]int32)
		if !ok || n == 0 && len(c) != 0 || n > 0 && len(c)%n != 0 {
			return fmt.Errorf("latency align: %d scheduled arrivals for rows of %d synapses", v.Len(), n)
		}
		for i := range r.queue {
			r.queue[i] = r.queue[i][:0]
		}
		for k := 0; n > 0 && k*n < len(c); k++ {
			for syn, m := range c[k*n : (k+1)*n] {
				if m != 0 && k >= rows {
					return fmt.Errorf("latency align: an arrival %d steps ahead, beyond its %d", k, rows)
				}
				q := &r.queue[int((step+int64(k))%int64(rows))]
				for range m {
					*q = append(*q, uint32(syn))
				}
			}
		}
		return nil
	}
	return []state.Var{{Path: "queue", Scope: state.Synapses, Value: reflect.ValueOf(counts), Set: set}}
}
