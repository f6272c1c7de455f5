// Package projection holds the runtime of one projection: the synapses
// from one axon of a source population to one receptor of a target
// population, the delivery of presynaptic events into the receptor's input
// ring, and, when the projection is plastic, the learner that changes its
// weights.
//
// Static projections deliver an event as soon as it is emitted, into the
// ring slot of its arrival step (the weights never change, so the result is
// the same as delivering on arrival, and cheaper). Plastic, masked or
// modulated projections keep events pending until their arrival step and
// deliver them with the weights of that step, as the reference does.
package projection

import (
	"fmt"
	"slices"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/synapse"
)

// Learner applies learning rules to a projection's weights once per step.
type Learner interface {
	Step(d *plasticity.StepData, learn bool)
	Reset()
}

type pending struct {
	src   uint32
	value float32
}

// Projection is a projection's runtime state.
type Projection struct {
	Name   string
	Syn    *synapse.CSR
	Batch  int
	target *dendrite.Receptor

	deferred bool        // deliver on arrival (plastic, masked, modulated)
	queue    [][]pending // by arrival step mod len
	learner  Learner
	mask     []bool // per synapse, nil = all pass

	pre       []float32
	preActive []uint32
	post      []float32
	postIdx   []uint32

	modQueue  [][]float32 // by arrival step: concentration per copy
	modulated bool
	modRow    []float32
	data      plasticity.StepData
}

// New binds synapses to a target receptor. maxLatency is the largest
// latency (steps) of the events the projection will receive.
func New(name string, syn *synapse.CSR, batch int, target *dendrite.Receptor, maxLatency int) (*Projection, error) {
	if err := syn.Validate(); err != nil {
		return nil, fmt.Errorf("projection %q: %w", name, err)
	}
	if syn.Cols*batch > 0 && target != nil && len(target.Slot(0)) != syn.Cols*batch {
		return nil, fmt.Errorf("projection %q: %d target elements, receptor has %d", name, syn.Cols*batch, len(target.Slot(0)))
	}
	target.Grow(maxLatency)
	return &Projection{Name: name, Syn: syn, Batch: batch, target: target}, nil
}

func (p *Projection) defer_(maxLatency int) {
	if !p.deferred {
		p.deferred = true
	}
	if len(p.queue) < maxLatency+1 {
		p.queue = make([][]pending, maxLatency+1)
	}
}

// SetLearner makes the projection plastic. post is the number of
// postsynaptic elements (Cols·Batch).
func (p *Projection) SetLearner(l Learner, maxLatency int) {
	p.learner = l
	p.defer_(maxLatency)
	p.pre = make([]float32, p.Batch*p.Syn.Rows)
	p.post = make([]float32, p.Batch*p.Syn.Cols)
}

// SetMask gates synapses: mask[k] false blocks synapse k (CSR order) until
// the mask changes; nil lets all pass. The slice is used as is, so a caller
// may change it between steps.
func (p *Projection) SetMask(mask []bool, maxLatency int) error {
	if mask != nil && len(mask) != p.Syn.Len() {
		return fmt.Errorf("projection %q: mask has %d entries, want one per synapse (%d)", p.Name, len(mask), p.Syn.Len())
	}
	p.mask = mask
	p.defer_(maxLatency)
	return nil
}

// Follow makes the projection receive a neuromodulator with events of up
// to maxLatency steps; SendModulator delivers them.
func (p *Projection) Follow(maxLatency int) {
	p.modulated = true
	if len(p.modQueue) < maxLatency+1 {
		p.modQueue = make([][]float32, maxLatency+1)
		for i := range p.modQueue {
			p.modQueue[i] = make([]float32, p.Batch)
		}
	}
	if p.modRow == nil {
		p.modRow = make([]float32, p.Batch*p.Syn.Rows)
	}
	p.defer_(maxLatency)
}

// Plastic reports whether the projection learns.
func (p *Projection) Plastic() bool { return p.learner != nil }

// Send takes one presynaptic event emitted at step: source index src =
// b·Rows+row, arriving 1+delay steps later with the given value (sign ×
// response).
func (p *Projection) Send(step int64, src uint32, delay uint32, value float32) {
	arrival := step + 1 + int64(delay)
	if p.deferred {
		q := &p.queue[arrival%int64(len(p.queue))]
		*q = append(*q, pending{src, value})
		return
	}
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	cols := p.Syn.Cols
	slot := p.target.Slot(arrival)
	p.Syn.Deliver(row, value, slot[b*cols:(b+1)*cols])
}

// SendModulator adds a neuromodulator sample of copy b emitted at step and
// arriving 1+delay steps later.
func (p *Projection) SendModulator(step int64, b int, delay uint32, value float32) {
	arrival := step + 1 + int64(delay)
	p.modQueue[arrival%int64(len(p.modQueue))][b] += value
}

// Arrive delivers the deferred events that arrive at step into the
// receptor, with the current weights and mask. Call it before the target
// population steps.
func (p *Projection) Arrive(step int64) {
	if !p.deferred {
		return
	}
	q := &p.queue[step%int64(len(p.queue))]
	events := *q
	if len(events) == 0 {
		return
	}
	// Canonical order (design.md §4): by source index, so the floating
	// point sums do not depend on the order events were sent in.
	slices.SortStableFunc(events, func(a, b pending) int {
		switch {
		case a.src < b.src:
			return -1
		case a.src > b.src:
			return 1
		}
		return 0
	})
	rows := uint32(p.Syn.Rows)
	cols := p.Syn.Cols
	slot := p.target.Slot(step)
	for _, e := range events {
		b, row := int(e.src/rows), int(e.src%rows)
		out := slot[b*cols : (b+1)*cols]
		if p.mask == nil {
			p.Syn.Deliver(row, e.value, out)
		} else {
			lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
			for k := lo; k < hi; k++ {
				if p.mask[k] {
					out[p.Syn.Idx[k]] += e.value * p.Syn.W[k]
				}
			}
		}
		if p.pre != nil {
			if p.pre[e.src] == 0 {
				p.preActive = append(p.preActive, e.src)
			}
			p.pre[e.src] += e.value
		}
	}
	*q = events[:0]
}

// Learn runs the learner after the target population stepped. postFired
// lists the target's spikes of the previous step (spiking targets) and
// postOut its graded output of the previous step (graded targets, else
// nil). learn false freezes the weights while traces keep running.
func (p *Projection) Learn(step int64, postFired []uint32, postOut []float32, learn bool) {
	if p.learner == nil {
		return
	}
	p.postIdx = p.postIdx[:0]
	if postOut != nil {
		copy(p.post, postOut)
		for i, x := range postOut {
			if x != 0 {
				p.postIdx = append(p.postIdx, uint32(i))
			}
		}
	} else {
		for _, i := range postFired {
			p.post[i] = 1
			p.postIdx = append(p.postIdx, i)
		}
	}
	slices.Sort(p.preActive)
	// Pre values of zero (a positive and a negative event cancelling)
	// stay listed; rules treat them as no-ops.
	d := &p.data
	d.Step = step
	d.Pre, d.PreActive = p.pre, p.preActive
	d.Post, d.PostActive = p.post, p.postIdx
	d.Modulator = nil
	if p.modulated {
		m := p.modQueue[step%int64(len(p.modQueue))]
		rows := p.Syn.Rows
		for b := 0; b < p.Batch; b++ {
			for r := 0; r < rows; r++ {
				p.modRow[b*rows+r] = m[b]
			}
		}
		clear(m)
		d.Modulator = p.modRow
	}
	p.learner.Step(d, learn)
	for _, i := range p.preActive {
		p.pre[i] = 0
	}
	p.preActive = p.preActive[:0]
	if postOut != nil {
		clear(p.post)
	} else {
		for _, i := range postFired {
			p.post[i] = 0
		}
	}
}

// Reset clears events in flight and the learner's traces. Weights are not
// restored (a reset continues learning from the current weights, as in
// the reference).
func (p *Projection) Reset() {
	for i := range p.queue {
		p.queue[i] = p.queue[i][:0]
	}
	for _, m := range p.modQueue {
		clear(m)
	}
	clear(p.pre)
	p.preActive = p.preActive[:0]
	if p.learner != nil {
		p.learner.Reset()
	}
}
