package plasticity

import (
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/synapse"
)

// leaky is the reference's leaky tag r_n = x_n + (1 − dt/τ)·r_{n−1}.
func leaky(tau float64) response.Spec { return response.Leaky{Tau: param.Const(tau)} }

// spike is an emission: element idx (b·Rows+row for pre, b·Cols+j for
// post) emits value v at a step.
type spike struct {
	idx uint32
	v   float32
}

// driver builds StepData as the network stepper does, with latency 1: at
// step n, Pre holds what presynaptic elements emitted at n−1 (arriving
// now) and Post what the postsynaptic elements emitted at n−1.
type driver struct {
	t         *testing.T
	p         *Synapses
	l         *Learner
	pre, post map[int64][]spike
	d         StepData
	n         int64
}

func newDriver(t *testing.T, syn *synapse.CSR, batch int, dt float64, wmin, wmax float32, rules ...Spec) *driver {
	t.Helper()
	p, err := NewSynapses(syn, batch, dt, wmin, wmax)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLearner(p, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return &driver{t: t, p: p, l: l, pre: map[int64][]spike{}, post: map[int64][]spike{},
		d: StepData{Pre: make([]float32, batch*syn.Rows), Post: make([]float32, batch*syn.Cols)}}
}

func (dr *driver) firePre(step int64, idx uint32, v float32) {
	dr.pre[step] = append(dr.pre[step], spike{idx, v})
}

func (dr *driver) firePost(step int64, idx uint32, v float32) {
	dr.post[step] = append(dr.post[step], spike{idx, v})
}

// step runs the current step and moves to the next.
func (dr *driver) step(learn bool) {
	d := &dr.d
	clear(d.Pre)
	clear(d.Post)
	d.PreActive, d.PostActive = d.PreActive[:0], d.PostActive[:0]
	for _, s := range dr.pre[dr.n-1] {
		d.Pre[s.idx] += s.v
		d.PreActive = append(d.PreActive, s.idx)
	}
	for _, s := range dr.post[dr.n-1] {
		d.Post[s.idx] += s.v
		d.PostActive = append(d.PostActive, s.idx)
	}
	slices.Sort(d.PreActive)
	d.PreActive = slices.Compact(d.PreActive)
	slices.Sort(d.PostActive)
	d.PostActive = slices.Compact(d.PostActive)
	d.Step = dr.n
	dr.l.Step(d, learn)
	dr.n++
}

func (dr *driver) run(steps int, learn bool) {
	for range steps {
		dr.step(learn)
	}
}

// oneToOne is n rows onto n columns, row i → column i, weights w.
func oneToOne(n int, w float32) *synapse.CSR {
	c := &synapse.CSR{Rows: n, Cols: n, Ptr: make([]uint32, n+1), Idx: make([]uint32, n), W: make([]float32, n)}
	for i := range n {
		c.Ptr[i+1] = uint32(i + 1)
		c.Idx[i] = uint32(i)
		c.W[i] = w
	}
	return c
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}
