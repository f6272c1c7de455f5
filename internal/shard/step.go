package shard

import (
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/network"
)

// Output is what a shard computed over a segment, per step of the
// segment: the neurons it fired (population indices, ascending), or for a
// graded population its output values. Only one of the two is used; the
// storage of both is kept from segment to segment.
type Output struct {
	Fired  [][]uint32
	Values [][]float32
}

// StepSegment computes the shard's steps [from, to) — the one kernel that
// every engine that shards a network runs. At each step it lets the
// events due arrive at every receptor (projection.Inbox.Arrive), steps the
// population, lets every plastic projection learn (learn switches the
// weight changes; traces run either way), checks the population and the
// projections (their normalisation included) for errors, and records the
// step's spikes (population indices: the shard's offset by Lo) or graded
// output into out, which is resized to to − from steps and keeps its
// storage. The events must have been handed to the shard before (Take).
//
// *at is set to each step as it is computed, so that it names the step of
// an error — which StepSegment returns unwrapped, the step being the
// caller's to report — or of a panic.
func (sh *Shard) StepSegment(net *network.Network, from, to int64, learn bool, out *Output, at *int64) error {
	pop := sh.Population
	n := int(to - from)
	graded := pop.Graded()
	if graded {
		out.Values = grow(out.Values, n)
	} else {
		out.Fired = grow(out.Fired, n)
	}
	lo := uint32(sh.Lo)
	for s := 0; s < n; s++ {
		step := from + int64(s)
		*at = step
		for _, in := range sh.Inboxes {
			in.Arrive(step)
		}
		pop.Step(step)
		for _, p := range sh.Plastic {
			p.Learn(step, pop.PrevFired(), pop.PrevOutput(), learn)
		}
		if err := pop.Err(); err != nil {
			return err
		}
		for j, p := range sh.Plastic {
			err := p.Err()
			if err == nil {
				err = net.Projections[sh.PlasticOf[j]].Err() // normalisation
			}
			if err != nil {
				return err
			}
		}
		if graded {
			out.Values[s] = append(out.Values[s][:0], pop.Output()...)
			continue
		}
		f := out.Fired[s][:0]
		for _, x := range pop.Fired() {
			f = append(f, x+lo)
		}
		out.Fired[s] = f
	}
	return nil
}

// grow returns x with length n, keeping the storage of its elements.
func grow[T any](x [][]T, n int) [][]T {
	if cap(x) < n {
		x = append(x[:cap(x)], make([][]T, n-cap(x))...)
	}
	return x[:n]
}

// Emitter runs one axon over segments, for every engine: it merges the
// output of the source population's shards step by step — into what the
// whole population would have output — and turns it into the axon's
// events, each with its emission step. It keeps scratch between
// segments; one Emitter serves one goroutine at a time.
type Emitter struct {
	Axon   *axon.Runtime
	Graded bool // the source population is graded (EmitGraded)
	fired  []uint32
	values []float32
	ax     []axon.Event
}

// Emit appends to evs the events of the segment of n steps from step from,
// whose output parts holds (one per shard of the source population, in
// shard order), in step order, and returns them. A spiking axon fed by a
// single shard reads its spikes in place. If merged is not nil (spiking
// source only), it receives the population's merged spikes, per step,
// keeping its storage. *at is set to each step as it is emitted; an error
// of the axon (axon.Runtime.Err) is returned unwrapped, with the events so
// far.
func (m *Emitter) Emit(from int64, n int, parts []Output, evs []StepEvent, merged *Output, at *int64) ([]StepEvent, error) {
	if merged != nil {
		merged.Fired = grow(merged.Fired, n)
	}
	for s := 0; s < n; s++ {
		st := from + int64(s)
		*at = st
		if m.Graded {
			vals := m.values[:0]
			for _, p := range parts {
				vals = append(vals, p.Values[s]...)
			}
			m.values = vals
			m.ax = m.Axon.EmitGraded(vals, m.ax[:0])
		} else {
			var fired []uint32
			if len(parts) == 1 {
				fired = parts[0].Fired[s]
			} else {
				fired = m.fired[:0]
				for _, p := range parts {
					fired = append(fired, p.Fired[s]...)
				}
				m.fired = fired
			}
			if merged != nil {
				merged.Fired[s] = append(merged.Fired[s][:0], fired...)
			}
			m.ax = m.Axon.Emit(fired, m.ax[:0])
		}
		if err := m.Axon.Err(); err != nil {
			return evs, err
		}
		for _, ev := range m.ax {
			evs = append(evs, StepEvent{Step: st, Event: ev})
		}
	}
	return evs, nil
}
