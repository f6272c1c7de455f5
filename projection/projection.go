// Package projection holds the runtime of one projection: the synapses
// from one axon of a source population to one receptor of a target
// population, the delivery of presynaptic events into the receptor's input
// ring, and, when the projection is plastic, the learner that changes its
// weights.
//
// Static projections deliver an event as soon as it is emitted, into the
// ring slot of its arrival step (the weights never change, so the result is
// the same as delivering on arrival, and cheaper). When a receptor has a
// plastic or masked projection, every projection into that receptor keeps
// its events pending in the receptor's Inbox until their arrival step and
// delivers them then, with the weights and mask of that step, as the
// reference does.
//
// Either way the floating-point additions into a receptor's input happen
// in one canonical order — emission step, then link (axon, then
// projection, in network order), then source index — so that switching a
// projection between the two modes, or splitting the network into shards,
// never changes a bit of the result.
//
// Synaptic delays (synapse.CSR.InitDelays) add to the axon's latency: a
// delay common to all synapses shifts the whole event; delays that differ
// put each synapse's input into the ring slot of its own step (on
// emission, or, in a receptor that delivers on arrival, when the event
// reaches the projection; in the latter case the additions into one slot
// follow the arrival at the projection rather than the emission step, so
// with axons of different delays into one receptor the two modes may
// differ in the last bits — every engine and shard layout still agrees).
package projection

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/state"
	"github.com/spiral-sim/spiral/synapse"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Learner applies learning rules to a projection's weights once per step.
type Learner interface {
	Step(d *plasticity.StepData, learn bool)
	Reset()
}

type pending struct {
	p     *Runtime `state:"-"`
	src   uint32   `state:"-"`
	value float32  `state:"-"`
}

// Inbox is the deferred-delivery queue of one receptor, shared by every
// projection into it, so their events are added in emission order
// whatever mix of static and plastic projections the receptor has.
//
// It also counts the synaptic events that arrive (Events): an event of a
// source that reaches a projection counts once per synapse of the source's
// row (in the projection, or in a shard's part of it), when it arrives.
type Inbox struct {
	target   *dendrite.Receptor `state:"-"`
	deferred bool               `state:"-"`
	queue    [][]pending        `state:"-"` // by arrival step mod len
	// sent counts the synaptic events sent and not yet arrived, by arrival
	// step mod len (immediate delivery); arrived those that have.
	sent    []int64 `state:"-"`
	arrived int64   `state:"summed"`
	// later counts, by arrival step, the events restored from a
	// checkpoint that arrive beyond the slots of sent (a shard's ring is
	// as long as the largest delay onto its own neurons; another layout's
	// counts may go further).
	later map[int64]int64 `state:"-"`
	// members are the projections that deliver through the inbox.
	members []*Runtime `state:"-"`
}

// Queued is an event waiting in an inbox (delivery on arrival), as a
// checkpoint keeps it: Offset steps after the checkpoint's step it
// arrives at projection Proj from source Src with Value.
type Queued struct {
	Offset int32
	Proj   string
	Src    uint32
	Value  float32
}

// StateVars implements state.Custom: the events waiting for their arrival
// step (the same in every shard of the target population, which all hear
// the whole axon) and the counts of events in flight, both in arrival order
// from step on.
func (in *Inbox) StateVars(step int64) []state.Var {
	var q []Queued
	for k := range in.queue {
		s := int((step + int64(k)) % int64(len(in.queue)))
		for _, e := range in.queue[s] {
			q = append(q, Queued{Offset: int32(k), Proj: e.p.Name, Src: e.src, Value: e.value})
		}
	}
	sent := make([]int64, len(in.sent))
	for k := range in.sent {
		sent[k] = in.sent[int((step+int64(k))%int64(len(in.sent)))]
	}
	for at, x := range in.later {
		k := int(at - step)
		for k >= len(sent) {
			sent = append(sent, 0)
		}
		sent[k] += x
	}
	setQueue := func(v reflect.Value) error {
		q, ok := v.Interface().([]Queued)
		if !ok {
			return fmt.Errorf("inbox: events of type %s", v.Type())
		}
		for i := range in.queue {
			in.queue[i] = in.queue[i][:0]
		}
		for _, e := range q {
			var p *Runtime
			for _, m := range in.members {
				if m.Name == e.Proj {
					p = m
				}
			}
			switch {
			case p == nil:
				return fmt.Errorf("inbox: an event waiting for projection %q, which does not deliver here", e.Proj)
			case e.Offset < 0 || int(e.Offset) >= len(in.queue):
				return fmt.Errorf("inbox: an event arriving %d steps ahead, beyond its %d slots", e.Offset, len(in.queue))
			}
			s := int((step + int64(e.Offset)) % int64(len(in.queue)))
			in.queue[s] = append(in.queue[s], pending{p: p, src: e.Src, value: e.Value})
		}
		return nil
	}
	setSent := func(v reflect.Value) error {
		c, ok := v.Interface().([]int64)
		if !ok {
			return fmt.Errorf("inbox: counts of type %s", v.Type())
		}
		clear(in.sent)
		clear(in.later)
		for k, x := range c {
			if k >= len(in.sent) {
				if x != 0 {
					if in.later == nil {
						in.later = map[int64]int64{}
					}
					in.later[step+int64(k)] = x
				}
				continue
			}
			in.sent[int((step+int64(k))%int64(len(in.sent)))] = x
		}
		return nil
	}
	return []state.Var{
		{Path: "queue", Scope: state.Shared, Value: reflect.ValueOf(q), Set: setQueue},
		{Path: "sent", Scope: state.Summed, Value: reflect.ValueOf(sent), Set: setSent},
	}
}

// NewInbox returns the (initially immediate) inbox of a receptor.
func NewInbox(target *dendrite.Receptor) *Inbox { return &Inbox{target: target} }

// Target returns the receptor (or receptor's far input) the inbox feeds.
func (in *Inbox) Target() *dendrite.Receptor { return in.target }

// Deferred reports whether events wait for their arrival step.
func (in *Inbox) Deferred() bool { return in.deferred }

// Grow makes room for events arriving up to maxLatency steps after they are
// sent; call it for every projection into the receptor before the run.
func (in *Inbox) Grow(maxLatency int) {
	in.target.Grow(maxLatency)
	if n := in.target.Slots(); len(in.sent) < n {
		in.sent = make([]int64, n) // only ever grown before any event is sent
	}
	if in.deferred && len(in.queue) < maxLatency+1 {
		in.resize(maxLatency + 1)
	}
}

func (in *Inbox) resize(n int) {
	q := make([][]pending, n)
	copy(q, in.queue) // only ever grown before any event is pending
	in.queue = q
}

// Defer switches the inbox to delivery on arrival, from the next event on.
func (in *Inbox) Defer() {
	if in.deferred {
		return
	}
	in.deferred = true
	in.resize(in.target.Slots())
}

// Arrive delivers the events that arrive at step, in the order they were
// sent (emission step, link, source). Call it before the target
// population steps.
func (in *Inbox) Arrive(step int64) {
	if in.deferred {
		// First, so that the synapses of delay 0 of a projection with
		// synaptic delays, counted as sent for step, are counted below.
		q := &in.queue[step%int64(len(in.queue))]
		slot := in.target.Slot(step)
		fixed, touched := in.target.FixedSlot(step)
		for _, e := range *q {
			switch {
			case e.p.lat != nil:
				e.p.deliverLate(step, e.src, e.value)
			case e.p.spread:
				e.p.deliverSpread(step, e.src, e.value)
			case fixed != nil:
				e.p.deliverFixed(e.src, e.value, fixed, touched)
			default:
				e.p.deliver(e.src, e.value, slot)
			}
		}
		*q = (*q)[:0]
	}
	if len(in.sent) > 0 {
		k := step % int64(len(in.sent))
		in.arrived += in.sent[k]
		in.sent[k] = 0
	}
	if x, ok := in.later[step]; ok {
		in.arrived += x
		delete(in.later, step)
	}
}

// Reset drops the events in flight. The count of the events that have
// arrived (Events) is kept.
func (in *Inbox) Reset() {
	for i := range in.queue {
		in.queue[i] = in.queue[i][:0]
	}
	clear(in.sent)
	clear(in.later)
}

// Events returns the synaptic events that have arrived so far (at the
// steps passed to Arrive): for every event that reached a projection into
// the receptor, the synapses of its source's row, those blocked by a mask
// (SetMask) left out. Events in flight — sent, arriving later — are not
// counted. It is exact, and the same whichever way the network is split
// into shards, since a row's synapses are split among them.
func (in *Inbox) Events() int64 { return in.arrived }

// Runtime is a projection's runtime state: its synapses, its share of
// the receptor's delivery queue (Inbox), learning and learnt latencies —
// what an engine steps. network.Projection is the model-level projection
// that holds one.
type Runtime struct {
	Name   string       `state:"-"`
	Syn    *synapse.CSR `state:"-"`
	Batch  int          `state:"-"`
	inbox  *Inbox       `state:"-"`
	maxLat int          `state:"-"`

	// Synaptic delays (synapse.CSR.InitDelays), in steps after the
	// axon's latency: shift when all synapses share one (0 without
	// delays), else spread is set and Syn.D8 or Syn.D holds them; dmin, dmax their
	// range.
	shift      int64 `state:"-"`
	spread     bool  `state:"-"`
	dmin, dmax int   `state:"-"`

	learner Learner
	mask    []bool `state:"-"` // per synapse, nil = all pass
	defers  bool   `state:"-"` // the projection needs delivery on arrival (Inbox.Defer)

	// Learnt latency (package latency): lat schedules, latL holds the
	// latency of each synapse in steps, latMax its bound.
	lat    latency.Rule
	latL   []float32 `state:"-"`
	latMax int       `state:"-"`

	pre       []float32 `state:"shared"`
	preMark   []bool    `state:"shared"`
	preActive []uint32  `state:"shared"`
	post      []float32 `state:"-"`
	postIdx   []uint32  `state:"-"`

	modQueue  [][]float32         `state:"shared"` // by arrival step: concentration per copy
	modulated bool                `state:"-"`
	modRow    []float32           `state:"-"`
	modTaken  []float32           `state:"-"` // TakeModulator's
	data      plasticity.StepData `state:"-"`
}

// New binds synapses to the inbox of a target receptor. maxLatency is the
// largest latency (steps) of the events the projection will receive from
// its axon; synaptic delays of the CSR (synapse.CSR.InitDelays) add to it:
// synapse k's input reaches the target D[k] steps after the event reached
// the projection.
func New(name string, syn *synapse.CSR, batch int, inbox *Inbox, maxLatency int) (*Runtime, error) {
	if err := syn.Validate(); err != nil {
		return nil, fmt.Errorf("projection %q: %w", name, err)
	}
	if n := len(inbox.target.Slot(0)); syn.Cols*batch != n {
		return nil, fmt.Errorf("projection %q: %d target elements, receptor has %d", name, syn.Cols*batch, n)
	}
	p := &Runtime{Name: name, Syn: syn, Batch: batch, inbox: inbox}
	p.dmin, p.dmax = syn.DelayRange()
	if d, ok := syn.UniformDelay(); ok {
		p.shift = int64(d)
	} else {
		p.spread = true
	}
	p.maxLat = maxLatency + p.dmax
	inbox.Grow(p.maxLat)
	inbox.members = append(inbox.members, p)
	return p, nil
}

// MoveTo moves the projection into another inbox, of a receptor of the
// same elements — a receptor's far input (dendrite.Receptor.Far) — which
// it grows, and defers if the projection delivers on arrival. Call it
// once the projection is set up (SetLearner, SetMask, SetLatency), before
// any event; the inbox it leaves keeps what it became for it.
func (p *Runtime) MoveTo(in *Inbox) error {
	if n := len(in.target.Slot(0)); p.Syn.Cols*p.Batch != n {
		return fmt.Errorf("projection %q: %d target elements, receptor has %d", p.Name, p.Syn.Cols*p.Batch, n)
	}
	old := p.inbox
	old.members = slices.DeleteFunc(old.members, func(m *Runtime) bool { return m == p })
	p.inbox = in
	in.members = append(in.members, p)
	if p.defers {
		in.Defer()
	}
	in.Grow(p.maxLat)
	return nil
}

// DelayRange returns the smallest and largest synaptic delay (steps) of
// the projection's synapses, added to the axon's latency; 0, 0 without
// synaptic delays.
func (p *Runtime) DelayRange() (lo, hi int) { return p.dmin, p.dmax }

// deliverSpread hands an event that reached the projection at step (the
// axon's arrival) to each synapse of its row, D[k] steps later, with the
// weights and mask of step; each synapse counts as an event when its input
// arrives.
func (p *Runtime) deliverSpread(step int64, src uint32, value float32) {
	value = float32(value * p.inbox.target.Gain()) // the receptor's gain (dendrite.Receptor.Gain)
	if p.Syn.D8 != nil {
		spread(p, p.Syn.D8, step, src, value)
	} else {
		spread(p, p.Syn.D, step, src, value)
	}
}

// spread is deliverSpread for delays stored as T.
func spread[T uint8 | uint16](p *Runtime, delays []T, step int64, src uint32, value float32) {
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	off := b * p.Syn.Cols
	in := p.inbox
	ring, slots, n := in.target.Ring()
	if fixed, touched := in.target.FixedRing(); fixed != nil {
		spreadFixed(p, delays, fixed, touched, slots, n, step, src, value)
		return
	}
	sent := in.sent[:slots] // as long as the ring (Grow)
	s0 := int(step % int64(slots))
	lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
	idx, d := p.Syn.Idx[lo:hi], delays[lo:hi]
	d = d[:len(idx)]
	if w0, ok := p.Syn.Uniform(); ok && p.mask == nil {
		x := float32(value * w0)
		for k, j := range idx {
			// d[k] < slots (the ring holds the largest delay), so one
			// subtraction wraps it.
			s := s0 + int(d[k])
			if s >= slots {
				s -= slots
			}
			ring[s*n+off+int(j)] += x
			sent[s]++
		}
		return
	}
	w := p.Syn.W[lo:hi]
	w = w[:len(idx)]
	for k, j := range idx {
		if p.mask != nil && !p.mask[int(lo)+k] {
			continue
		}
		s := s0 + int(d[k])
		if s >= slots {
			s -= slots
		}
		ring[s*n+off+int(j)] += float32(value * w[k])
		sent[s]++
	}
}

// spreadFixed is spread into the fixed-point sums of the ring fixed
// (dendrite.Spec.Fixed).
func spreadFixed[T uint8 | uint16](p *Runtime, delays []T, fixed []int64, touched [][]int32, slots, n int, step int64, src uint32, value float32) {
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	off := b * p.Syn.Cols
	sent := p.inbox.sent[:slots]
	s0 := int(step % int64(slots))
	lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
	idx, d := p.Syn.Idx[lo:hi], delays[lo:hi]
	d = d[:len(idx)]
	w0, uniform := p.Syn.Uniform()
	x := dendrite.ToFixed(float32(value * w0))
	for k, j := range idx {
		if p.mask != nil && !p.mask[int(lo)+k] {
			continue
		}
		if !uniform {
			x = dendrite.ToFixed(float32(value * p.Syn.W[int(lo)+k]))
		}
		s := s0 + int(d[k])
		if s >= slots {
			s -= slots
		}
		dendrite.AddFixed(fixed[s*n:(s+1)*n], &touched[s], off+int(j), x)
		sent[s]++
	}
}

// SetLearner makes the projection plastic: events are then delivered on
// arrival (for the whole receptor), with the weights of that step.
func (p *Runtime) SetLearner(l Learner) {
	p.learner = l
	p.defers = true
	p.inbox.Defer()
	p.inbox.Grow(p.maxLat)
	p.pre = make([]float32, p.Batch*p.Syn.Rows)
	p.preMark = make([]bool, p.Batch*p.Syn.Rows)
	p.post = make([]float32, p.Batch*p.Syn.Cols)
}

// SetLatency gives the projection learnt synaptic latencies (package
// latency): synapse k's input reaches the target round(l[k]) steps after
// the event reached the projection, and rule changes l (steps, within [0,
// max]) as the run goes. The slice is used as is. The projection then
// delivers every event on arrival (for the whole receptor). Only batch 1
// is supported.
func (p *Runtime) SetLatency(rule latency.Rule, l []float32, max int) error {
	switch {
	case rule == nil:
		return fmt.Errorf("projection %q: latency rule is nil", p.Name)
	case p.Batch != 1:
		return fmt.Errorf("projection %q: learnt latencies need batch 1, the network has batch %d", p.Name, p.Batch)
	case len(l) != p.Syn.Len():
		return fmt.Errorf("projection %q: %d learnt latencies for %d synapses", p.Name, len(l), p.Syn.Len())
	case max < 0:
		return fmt.Errorf("projection %q: largest learnt latency %d steps: must be ≥ 0", p.Name, max)
	}
	p.lat, p.latL, p.latMax = rule, l, max
	p.Syn.Expand() // delivery reads weights one by one
	p.defers = true
	p.inbox.Defer()
	p.inbox.Grow(p.maxLat + max)
	p.maxLat += max
	if p.post == nil {
		p.post = make([]float32, p.Batch*p.Syn.Cols)
	}
	return nil
}

// Latencies returns the learnt latencies (steps, CSR order) set by
// SetLatency, or nil.
func (p *Runtime) Latencies() []float32 { return p.latL }

// deliverLate hands an event that reached the projection at step to each
// synapse of its row, round(L[k]) steps later, and tells the latency rule.
// The weight and mask are those of step (as plasticity sees them).
func (p *Runtime) deliverLate(step int64, src uint32, value float32) {
	row := src // batch 1
	lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
	n := int64(hi - lo)
	vg := float32(value * p.inbox.target.Gain()) // the receptor's gain
	for k := lo; k < hi; k++ {
		if p.mask != nil && !p.mask[k] {
			n--
			continue
		}
		at := step + int64(latency.Steps(p.latL[k]))
		if f, touched := p.inbox.target.FixedSlot(at); f != nil {
			dendrite.AddFixed(f, touched, int(p.Syn.Idx[k]), dendrite.ToFixed(float32(vg*p.Syn.W[k])))
		} else {
			p.inbox.target.Slot(at)[p.Syn.Idx[k]] += float32(vg * p.Syn.W[k])
		}
		p.lat.Schedule(k, at)
	}
	p.inbox.arrived += n
	if p.pre != nil {
		if !p.preMark[src] {
			p.preMark[src] = true
			p.preActive = append(p.preActive, src)
		}
		p.pre[src] += value
	}
}

// Mask returns the mask set by SetMask, or nil.
func (p *Runtime) Mask() []bool { return p.mask }

// SetMask gates synapses: mask[k] false blocks synapse k (CSR order) for
// the events that arrive from the next step on; nil lets all pass. The
// slice is used as is, so a caller may change it between steps. A shard's
// projection gets its own part of the network's mask (package shard), so a
// change to the network's slice does not reach it.
func (p *Runtime) SetMask(mask []bool) error {
	if mask != nil && len(mask) != p.Syn.Len() {
		return fmt.Errorf("projection %q: mask has %d entries, want one per synapse (%d)", p.Name, len(mask), p.Syn.Len())
	}
	p.mask = mask
	p.Syn.Expand() // gating reads weights one by one
	p.defers = true
	p.inbox.Defer()
	p.inbox.Grow(p.maxLat)
	return nil
}

// Follow makes the projection receive a neuromodulator with events of up
// to maxLatency steps; SendModulator delivers them.
func (p *Runtime) Follow(maxLatency int) {
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
}

// Err returns the learner's first run-time problem (a rule that produced
// an invalid change), or nil.
func (p *Runtime) Err() error {
	if f, ok := p.learner.(interface{ Err() error }); ok {
		if err := f.Err(); err != nil {
			return fmt.Errorf("projection %q: %w", p.Name, err)
		}
	}
	return nil
}

// Plastic reports whether the projection learns (weights or latencies).
func (p *Runtime) Plastic() bool { return p.learner != nil || p.lat != nil }

// Send takes one presynaptic event emitted at step: source index src =
// b·Rows+row, arriving 1+delay steps later with the given value (sign ×
// response).
func (p *Runtime) Send(step int64, src uint32, delay uint32, value float32) {
	arrival := step + 1 + int64(delay) + p.shift
	in := p.inbox
	if in.deferred {
		q := &in.queue[arrival%int64(len(in.queue))]
		*q = append(*q, pending{p, src, value})
		return
	}
	if p.spread {
		p.deliverSpread(arrival, src, value)
		return
	}
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	cols := p.Syn.Cols
	// The receptor's gain (dendrite.Receptor.Gain), once per event: with
	// gain 1 the product is value itself.
	if f, touched := in.target.FixedSlot(arrival); f != nil {
		*touched = p.Syn.DeliverFixed(row, float32(value*in.target.Gain()), f[b*cols:(b+1)*cols], *touched, int32(b*cols))
	} else {
		slot := in.target.Slot(arrival)
		p.Syn.Deliver(row, float32(value*in.target.Gain()), slot[b*cols:(b+1)*cols])
	}
	in.sent[arrival%int64(len(in.sent))] += int64(p.Syn.Ptr[row+1] - p.Syn.Ptr[row])
}

// Touch reads the synapse rows of the given events ahead of Send, so that
// their cache misses overlap (see synapse.CSR.Touch). It changes nothing.
// The result is only there to keep the reads.
func (p *Runtime) Touch(srcs func(yield func(src uint32) bool)) uint32 {
	rows := uint32(p.Syn.Rows)
	var s uint32
	for src := range srcs {
		s += p.Syn.Touch(int(src % rows))
	}
	return s
}

// deliver adds one arriving event into slot with the current weights and
// mask, and records it as presynaptic signal for plasticity.
func (p *Runtime) deliver(src uint32, value float32, slot []float32) {
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	cols := p.Syn.Cols
	out := slot[b*cols : (b+1)*cols]
	lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
	vg := float32(value * p.inbox.target.Gain()) // the receptor's gain; p.pre takes value
	if p.mask == nil {
		p.Syn.Deliver(row, vg, out)
		p.inbox.arrived += int64(hi - lo)
	} else {
		for k := lo; k < hi; k++ {
			if p.mask[k] {
				out[p.Syn.Idx[k]] += float32(vg * p.Syn.W[k])
				p.inbox.arrived++
			}
		}
	}
	p.markPre(src, value)
}

// deliverFixed is deliver into fixed-point sums (dendrite.Spec.Fixed).
func (p *Runtime) deliverFixed(src uint32, value float32, slot []int64, touched *[]int32) {
	rows := uint32(p.Syn.Rows)
	b, row := int(src/rows), int(src%rows)
	cols := p.Syn.Cols
	out := slot[b*cols : (b+1)*cols]
	lo, hi := p.Syn.Ptr[row], p.Syn.Ptr[row+1]
	vg := float32(value * p.inbox.target.Gain()) // the receptor's gain; p.pre takes value
	if p.mask == nil {
		*touched = p.Syn.DeliverFixed(row, vg, out, *touched, int32(b*cols))
		p.inbox.arrived += int64(hi - lo)
	} else {
		for k := lo; k < hi; k++ {
			if p.mask[k] {
				dendrite.AddFixed(slot, touched, b*cols+int(p.Syn.Idx[k]), dendrite.ToFixed(float32(vg*p.Syn.W[k])))
				p.inbox.arrived++
			}
		}
	}
	p.markPre(src, value)
}

// markPre records an event's value for the learner (p.pre), if it reads
// them.
func (p *Runtime) markPre(src uint32, value float32) {
	if p.pre != nil {
		if !p.preMark[src] {
			p.preMark[src] = true
			p.preActive = append(p.preActive, src)
		}
		p.pre[src] += value
	}
}

// SendModulator adds a neuromodulator sample of copy b emitted at step and
// arriving 1+delay steps later.
func (p *Runtime) SendModulator(step int64, b int, delay uint32, value float32) {
	arrival := step + 1 + int64(delay)
	p.modQueue[arrival%int64(len(p.modQueue))][b] += value
}

// TakeModulator returns the neuromodulator concentrations (one per copy)
// that arrive at step, and clears them, as Learn does when it reads
// them: for a projection that learns elsewhere (a device) and takes its
// modulator from here. The slice is reused by the next call. It is nil
// for a projection that follows no modulator.
func (p *Runtime) TakeModulator(step int64) []float32 {
	if !p.modulated {
		return nil
	}
	m := p.modQueue[step%int64(len(p.modQueue))]
	p.modTaken = append(p.modTaken[:0], m...)
	clear(m)
	return p.modTaken
}

// Learn runs the learner after the target population stepped. postFired
// lists the target's spikes of the previous step (spiking targets) and
// postOut its graded output of the previous step (graded targets, else
// nil). learn false freezes the weights while traces keep running.
func (p *Runtime) Learn(step int64, postFired []uint32, postOut []float32, learn bool) {
	if p.lat != nil {
		p.lat.Step(step, postFired, learn)
	}
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
	// Pre values of zero (events cancelling) stay listed; rules treat
	// them as no-ops.
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
		p.preMark[i] = false
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
func (p *Runtime) Reset() {
	for _, m := range p.modQueue {
		clear(m)
	}
	clear(p.pre)
	clear(p.preMark)
	p.preActive = p.preActive[:0]
	if p.learner != nil {
		p.learner.Reset()
	}
	if p.lat != nil {
		p.lat.Reset()
	}
}

// StateVars implements state.Custom: a plastic projection's weights and
// learnt latencies, one per synapse (a static projection's weights are
// built again from the model, never stored).
func (p *Runtime) StateVars(int64) []state.Var {
	var vs []state.Var
	if p.learner != nil {
		vs = append(vs, state.Var{Path: "w", Scope: state.Synapses, Value: reflect.ValueOf(&p.Syn.W).Elem()})
	}
	if p.lat != nil {
		vs = append(vs, state.Var{Path: "latency", Scope: state.Synapses, Value: reflect.ValueOf(&p.latL).Elem()})
	}
	return vs
}
