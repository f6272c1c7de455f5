// Package layout chooses how the parallel engines split a network: how
// many shards each population gets and how many cores step them. It is
// neutral ground between the engines: the lockstep engine, the actor
// runtime, spiral-node and the memory estimate all read the same rule
// here, and choosing a layout needs none of the engines.
//
// The automatic layout splits every population that can be split
// (Splittable) and has at least MinShardSize neurons into as many
// shards as the cores the network keeps busy (Cores); the others stay
// whole. The sequential stepper does not split: its layout is one shard
// per population.
//
//	l := layout.Choose(net, 0, runtime.GOMAXPROCS(0)) // automatic
//	e, err := lockstep.New(net, lockstep.Options{Shards: l.Shards, Workers: l.Cores})
package layout

import (
	"fmt"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
)

// MinShardSize is the smallest population the automatic layout splits.
const MinShardSize = 2000

// MinWorkPerCore is the least work per segment, in neuron-steps (neurons
// times the segment's steps), that the automatic layout gives a core.
// Below it the cores would spend more time handing segments over than
// stepping: CUBA ×10 (40,000 neurons, one-step segments) ran 4–5× slower
// on 16 cores with every population in 16 shards than with 4 (measured on
// a 16-core Xeon, docs/benchmarks.md).
const MinWorkPerCore = 8000

// Layout is how a parallel engine splits a network.
type Layout struct {
	// Shards per population name, every population listed.
	Shards map[string]int
	// Cores is how many cores (workers, dispatchers) step the shards;
	// 0 leaves the choice to the engine (GOMAXPROCS).
	Cores int
}

// Choose returns the layout of net on a machine of procs cores: with
// shards > 0, that many shards (at most its size) for every population
// that can be split and one for the others, on every core (Cores 0); with
// shards = 0, the automatic layout (Shards(net, nil, procs)) on
// Cores(net, procs) cores.
func Choose(net *network.Network, shards, procs int) Layout {
	if shards > 0 {
		return Layout{Shards: Shards(net, Uniform(net, shards), procs)}
	}
	return Layout{Shards: Shards(net, nil, procs), Cores: Cores(net, procs)}
}

// Cores returns how many cores the automatic layout uses for net on a
// machine of procs cores: procs, or fewer where the network's work per
// segment (its neurons times the segment's steps) gives each less than
// MinWorkPerCore; at least one.
func Cores(net *network.Network, procs int) int {
	work := 0
	for _, p := range net.Populations {
		work += p.N
	}
	work *= net.MinLatency()
	return max(1, min(procs, work/MinWorkPerCore))
}

// Shards resolves the shard count of every population: the given ones,
// and for the others the automatic count — Cores(net, procs), at most the
// population's size, for populations of at least MinShardSize neurons
// that can be split; else one. Worker processes must be given the
// resolved counts.
func Shards(net *network.Network, given map[string]int, procs int) map[string]int {
	cores := Cores(net, procs)
	counts := make(map[string]int, len(net.Populations))
	for i, p := range net.Populations {
		if n, ok := given[p.Name]; ok {
			counts[p.Name] = n
			continue
		}
		counts[p.Name] = 1
		if p.N >= MinShardSize && shard.Splittable(net, i) == nil {
			counts[p.Name] = min(cores, p.N)
		}
	}
	return counts
}

// Uniform gives every population that can be split n shards (at most its
// size) and the others one; none for n ≤ 0 (then Shards chooses).
func Uniform(net *network.Network, n int) map[string]int {
	counts := map[string]int{}
	if n <= 0 {
		return counts
	}
	for i, p := range net.Populations {
		counts[p.Name] = min(n, p.N)
		if shard.Splittable(net, i) != nil {
			counts[p.Name] = 1
		}
	}
	return counts
}

// Splittable reports why population pi of net cannot be split into
// several shards (its model keeps state across neurons, a batch of
// copies, a principle that sees the whole population, …), or nil if it
// can: the parallel engines give such a population one shard.
func Splittable(net *network.Network, pi int) error {
	if pi < 0 || pi >= len(net.Populations) {
		return fmt.Errorf("layout: population %d of %d", pi, len(net.Populations))
	}
	return shard.Splittable(net, pi)
}
