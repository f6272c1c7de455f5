package actors_test

import (
	"fmt"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/network"
)

// Synaptic delays (drawn per synapse, constant, rounded to the nearest
// step; on emission and, next to a plastic projection, on arrival): the
// actors, in one process and on two workers, give the sequential
// stepper's spikes, weights and events.
func TestSynapseDelaysMatchSequential(t *testing.T) {
	for _, plastic := range []bool{false, true} {
		build := func(t testing.TB) *network.Network { return testnets.SynapseDelays(t, plastic) }
		want := sequential(t, build(t), 900)
		for _, k := range []int{1, 3} {
			got := onActors(t, build(t), map[string]int{"E": k, "I": min(k, 2)}, 900)
			compare(t, fmt.Sprintf("plastic %v, %d shards", plastic, k), want, got)
		}
		got := onActorsWith(t, build(t), actors.Options{Shards: map[string]int{"E": 2, "I": 2}, Window: 1}, 900)
		compare(t, fmt.Sprintf("plastic %v, window 1", plastic), want, got)
		got = onWorkers(t, build, map[string]int{"E": 3, "I": 2}, 2, 900)
		compare(t, fmt.Sprintf("plastic %v, two workers", plastic), want, got)
	}
}
