package shard

import (
	"slices"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/projection"
)

// Holding describes the shard's state for package checkpoint: its
// elements, population, inboxes and the projections into it (each once,
// those it takes events from before those that only send it a
// neuromodulator). Population is nil when another process holds the shard.
func (sh *Shard) Holding() checkpoint.Holding {
	var rts []*projection.Runtime
	seen := map[*projection.Runtime]bool{}
	for _, list := range append(slices.Clone(sh.In), sh.ModIn...) {
		for _, rt := range list {
			if !seen[rt] {
				seen[rt] = true
				rts = append(rts, rt)
			}
		}
	}
	return checkpoint.Holding{Pop: sh.Pop, Lo: sh.Lo, Hi: sh.Hi, Population: sh.Population, Inboxes: sh.Inboxes, Projections: rts}
}

// Holdings returns the holdings of every shard (shards[population], in
// order), for checkpoint.CaptureHoldings and RestoreHoldings.
func Holdings(shards [][]*Shard) []checkpoint.Holding {
	var hs []checkpoint.Holding
	for _, list := range shards {
		for _, sh := range list {
			hs = append(hs, sh.Holding())
		}
	}
	return hs
}
