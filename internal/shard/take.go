package shard

import (
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/network"
)

// StepEvent is an axon's event with the step at which it was emitted.
type StepEvent struct {
	Step int64
	axon.Event
}

// Take hands the shard the events emitted at steps [from, to) by the axons
// listed in axons (network axon indices, ascending), evs[k] being the
// events of axons[k] in step order. It sends them to the shard's
// projections in the canonical order of the sequential stepper — emission
// step, then axon, then projection, then source — so that every engine
// adds them up the same way; projections that follow an axon as a
// neuromodulator get its events as modulator samples. pos is scratch of
// at least len(axons) entries. Before sending a step's events to a
// projection it reads their synapse rows (Projection.Touch), so that the
// cache misses overlap; it returns the sum of those reads, which the
// caller keeps so that they are not optimised away.
func (sh *Shard) Take(net *network.Network, from, to int64, axons []int, evs [][]StepEvent, pos []int) (touched uint32) {
	pos = pos[:len(axons)]
	clear(pos)
	for st := from; st < to; st++ {
		for k, a := range axons {
			ev := evs[k]
			i := pos[k]
			j := i
			for j < len(ev) && ev[j].Step == st {
				j++
			}
			pos[k] = j
			if i == j {
				continue
			}
			batch := ev[i:j]
			for _, t := range sh.In[a] {
				if len(batch) > 1 {
					touched += t.Touch(func(yield func(uint32) bool) {
						for _, e := range batch {
							if !yield(e.Src) {
								return
							}
						}
					})
				}
				for _, e := range batch {
					t.Send(st, e.Src, e.Delay, e.Value)
				}
			}
			if mt := sh.ModIn[a]; len(mt) > 0 {
				rows := uint32(net.Axons[a].Axon.Rows())
				for _, t := range mt {
					for _, e := range batch {
						t.SendModulator(st, int(e.Src/rows), e.Delay, e.Value)
					}
				}
			}
		}
	}
	return touched
}
