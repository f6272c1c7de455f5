package plasticity

import (
	"errors"
	"fmt"
)

// Modulated multiplies the changes of an inner rule by the neuromodulator
// concentration of the synapse's row, with no eligibility trace:
//
//	Δw[i→j] = (1/B) Σ_b Δ_inner[b, i→j] · M[b,i]
//
// where Δ_inner[b] is the change the inner rule computes from copy b alone
// (its change for a batch is the mean of these) and M = StepData.Modulator
// at this step. Without a modulator (a projection that follows none, nil
// Modulator) the weights do not change; the inner rule still runs, so its
// traces stay up to date. A masked synapse (Synapses.Mask) receives no
// inner change, hence no modulated change.
//
// With STDP tags of the limited-flat kind and 10 ms windows on both sides
// (response.LimitedFlat{Duration: param.Const(10)} as Pre and Post) this
// is the reference's FlatRSTDP (Δw = FlatSTDPΔ·NM), whose FlatSTDP counts
// the spikes of the last 10 ms before and after (set LimitedFlat.Reference
// for the reference's window of floor(T/dt)+1 steps).
type Modulated struct {
	Rule Spec // the inner rule, typically STDP
}

// Kind returns "modulated".
func (Modulated) Kind() string { return "modulated" }

// New binds the rule and its inner rule to p.
func (s Modulated) New(p *Synapses) (Rule, error) {
	const name = "plasticity: modulated"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cr, err := newCopyRunner(name, s.Rule, p)
	if err != nil {
		return nil, err
	}
	return &modulatedRule{copyRunner: cr, inv: 1 / float32(p.Batch)}, nil
}

type modulatedRule struct {
	*copyRunner
	inv float32 `state:"-"` // 1/B
}

// Step implements Rule.
func (r *modulatedRule) Step(d *StepData, acc *Delta) {
	r.step(d)
	m := d.Modulator
	if m == nil {
		r.discard()
		return
	}
	rows := r.p.Syn.Rows
	for b, dl := range r.deltas {
		mb := m[b*rows : (b+1)*rows]
		r.drain(dl, func(k uint32, dw float32) {
			if x := mb[r.row[k]]; x != 0 {
				acc.Add(k, dw*x*r.inv)
			}
		})
	}
}

// Reset implements Rule.
func (r *modulatedRule) Reset() { r.reset() }

// copyRunner runs an inner rule once per batch copy, each on a view of
// the projection with a batch of one, so that the change of every copy is
// known separately (a modulator differs between copies). With one copy the
// inner rule is bound to the projection itself.
type copyRunner struct {
	p      *Synapses `state:"-"`
	inner  []Rule
	views  []*Synapses `state:"-"` // per copy (nil with one copy)
	deltas []*Delta    `state:"-"` // the inner changes of each copy
	row    []uint32    `state:"-"` // the row of each synapse
	sub    StepData    `state:"-"` // the data of one copy
	preAct [][]uint32  `state:"-"` // per copy: its PreActive, shifted
	posAct [][]uint32  `state:"-"` // per copy: its PostActive, shifted
}

func newCopyRunner(name string, inner Spec, p *Synapses) (*copyRunner, error) {
	if inner == nil {
		return nil, errors.New(name + ": Rule (the inner rule) is nil: give a Spec, e.g. LeakySTDP(20, 20, 0.01, 0.012)")
	}
	B := p.Batch
	c := &copyRunner{p: p, inner: make([]Rule, B), deltas: make([]*Delta, B)}
	n := p.Syn.Len()
	for b := range B {
		view := p
		if B > 1 {
			v := *p
			v.Batch = 1
			view = &v
			c.views = append(c.views, view)
		}
		r, err := inner.New(view)
		if err != nil {
			return nil, fmt.Errorf("%s: Rule (%s): %w", name, inner.Kind(), err)
		}
		c.inner[b] = r
		c.deltas[b] = NewDelta(n)
	}
	c.row = make([]uint32, n)
	for i := range p.Syn.Rows {
		for k := p.Syn.Ptr[i]; k < p.Syn.Ptr[i+1]; k++ {
			c.row[k] = uint32(i)
		}
	}
	if B > 1 {
		c.preAct = make([][]uint32, B)
		c.posAct = make([][]uint32, B)
	}
	return c, nil
}

// step runs the inner rule of every copy on its part of d.
func (c *copyRunner) step(d *StepData) {
	if c.views == nil {
		c.inner[0].Step(d, c.deltas[0])
		return
	}
	p := c.p
	rows, cols := p.Syn.Rows, p.Syn.Cols
	for b := range c.preAct {
		c.preAct[b] = c.preAct[b][:0]
		c.posAct[b] = c.posAct[b][:0]
	}
	for _, a := range d.PreActive {
		b := int(a) / rows
		c.preAct[b] = append(c.preAct[b], a-uint32(b*rows))
	}
	for _, a := range d.PostActive {
		b := int(a) / cols
		c.posAct[b] = append(c.posAct[b], a-uint32(b*cols))
	}
	s := &c.sub
	s.Step = d.Step
	for b, r := range c.inner {
		// The owner may have replaced the mask or bounds since the last
		// step: the views follow the projection.
		v := c.views[b]
		*v = *p
		v.Batch = 1
		s.Pre, s.PreActive = d.Pre[b*rows:(b+1)*rows], c.preAct[b]
		s.Post, s.PostActive = d.Post[b*cols:(b+1)*cols], c.posAct[b]
		s.Modulator = nil
		if d.Modulator != nil {
			s.Modulator = d.Modulator[b*rows : (b+1)*rows]
		}
		r.Step(s, c.deltas[b])
	}
}

// drain calls fn with every non-zero change accumulated in dl and clears
// dl. (A synapse listed twice in Touched is seen once: its entry is zeroed
// as it is read.)
func (c *copyRunner) drain(dl *Delta, fn func(k uint32, dw float32)) {
	if dl.Dense {
		for k, dw := range dl.DW {
			if dw != 0 {
				dl.DW[k] = 0
				fn(uint32(k), dw)
			}
		}
	} else {
		for _, k := range dl.Touched {
			if dw := dl.DW[k]; dw != 0 {
				dl.DW[k] = 0
				fn(k, dw)
			}
		}
	}
	dl.Touched = dl.Touched[:0]
	dl.Dense = false
}

// discard clears the inner changes of every copy.
func (c *copyRunner) discard() {
	for _, dl := range c.deltas {
		dl.Discard()
	}
}

func (c *copyRunner) reset() {
	for _, r := range c.inner {
		r.Reset()
	}
	c.discard()
}
