package shard_test

import (
	"fmt"
	"testing"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/network"
)

// The shared kernel alone — Take, StepSegment and Emitter, driven by the
// simplest loop, one shard after another — computes what the sequential
// stepper computes, bit for bit, whatever the shards.
func TestKernelMatchesSequential(t *testing.T) {
	const steps = 600
	for _, tc := range []struct {
		name  string
		build func(testing.TB) *network.Network
	}{
		{"brunel", func(t testing.TB) *network.Network { return testnets.BrunelLike(t, false) }},
		{"plastic", func(t testing.TB) *network.Network { return testnets.BrunelLike(t, true) }},
		{"learning", testnets.LearningZoo},
		{"delays", func(t testing.TB) *network.Network { return testnets.SynapseDelays(t, true) }},
	} {
		want := testnets.Sequential(t, tc.build(t), steps)
		for _, s := range []int{1, 3} {
			net := tc.build(t)
			got := runKernel(t, net, map[string]int{"E": s, "I": s}, steps)
			testnets.Compare(t, fmt.Sprintf("%s, %d shards", tc.name, s), want, got)
		}
	}
}

// runKernel runs net split into shards with the shared kernel, segment by
// segment, and gathers its spikes and weights.
func runKernel(t *testing.T, net *network.Network, counts map[string]int, steps int) testnets.Result {
	t.Helper()
	shards, err := shard.Split(net, counts)
	if err != nil {
		t.Fatal(err)
	}
	e := int64(net.MinLatency())
	outs := make([][]shard.Output, len(shards))
	for p := range shards {
		outs[p] = make([]shard.Output, len(shards[p]))
	}
	emitters := make([]*shard.Emitter, len(net.Axons))
	for a, ax := range net.Axons {
		emitters[a] = &shard.Emitter{Axon: ax.Axon, Graded: shards[ax.Source][0].Population.Graded()}
	}
	events := make([][]shard.StepEvent, len(net.Axons))
	r := testnets.NewResult()
	var prev [2]int64
	var at int64
	for from := int64(0); from < int64(steps); {
		to := min(from+e, int64(steps))
		for p, ss := range shards {
			for k, sh := range ss {
				var inputs []int
				var evs [][]shard.StepEvent
				for a := range net.Axons {
					if len(sh.In[a]) > 0 || len(sh.ModIn[a]) > 0 {
						inputs = append(inputs, a)
						evs = append(evs, events[a])
					}
				}
				sh.Take(net, prev[0], prev[1], inputs, evs, make([]int, len(inputs)))
				if err := sh.StepSegment(net, from, to, true, &outs[p][k], &at); err != nil {
					t.Fatalf("step %d: %v", at, err)
				}
			}
		}
		for a, ax := range net.Axons {
			events[a], err = emitters[a].Emit(from, int(to-from), outs[ax.Source], events[a][:0], nil, &at)
			if err != nil {
				t.Fatalf("step %d: axon %s: %v", at, ax.Name, err)
			}
		}
		for p, pop := range net.Populations {
			if shards[p][0].Population.Graded() {
				continue
			}
			for s := range int(to - from) {
				for k := range shards[p] {
					for _, x := range outs[p][k].Fired[s] {
						r.Steps[pop.Name] = append(r.Steps[pop.Name], from+int64(s))
						r.Elems[pop.Name] = append(r.Elems[pop.Name], x)
					}
				}
			}
		}
		prev = [2]int64{from, to}
		from = to
	}
	for k := range net.Projections {
		shard.Gather(net, shards, k)
	}
	r.TakeWeights(net)
	return r
}
