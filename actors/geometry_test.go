package actors

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/testnets"
)

// Each worker that holds a shard an axon feeds runs a copy of the axon,
// and only there; the copy runs inside the source shard when the source
// population has one shard and the worker holds it.
func TestReplicas(t *testing.T) {
	net := testnets.BrunelLike(t, true) // axons: E.out, I.out, da.out
	shards, err := shard.Split(net, map[string]int{"E": 4, "I": 2})
	if err != nil {
		t.Fatal(err)
	}
	// Global shard ids: E 0–3, I 4–5, da 6. E.out and I.out feed E and I;
	// da.out feeds the E shards (their E→E projection follows it).
	for _, c := range []struct {
		name      string
		placement []int
		workers   int
		want      [][]int
		inShard   [][2]int // (axon, worker) pairs run inside the source shard
	}{
		// da's only shard is on 1, which runs no copy of da.out (it feeds
		// nothing there): worker 0's copy gets da's output over the network.
		{"E on 0, I and da on 1", []int{0, 0, 0, 0, 1, 1, 1}, 2, [][]int{{0, 1}, {0, 1}, {0}}, nil},
		{"E split, I on 0, da on 1", []int{0, 0, 1, 1, 0, 0, 1}, 2, [][]int{{0, 1}, {0, 1}, {0, 1}}, [][2]int{{2, 1}}},
		{"worker 2 holds only da", []int{0, 0, 0, 0, 1, 1, 2}, 3, [][]int{{0, 1}, {0, 1}, {0}}, nil},
		{"round robin on 3", nil, 3, [][]int{{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, [][2]int{{2, 0}}},
	} {
		g := geometry{net: net, shards: shards, placement: c.placement, nworkers: c.workers}
		got := g.replicas(g.feeds())
		if !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s: copies %v, want %v", c.name, got, c.want)
		}
		for a, ws := range got {
			for _, w := range ws {
				want := slices.Contains(c.inShard, [2]int{a, w})
				if g.inShard(a, w) != want {
					t.Errorf("%s: axon %d on worker %d inside its shard: %v, want %v", c.name, a, w, !want, want)
				}
			}
		}
	}
	// A network whose axons feed nothing: no copy.
	lone := testnets.BrunelLike(t, false)
	lone.Projections = nil
	ls, err := shard.Split(lone, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := geometry{net: lone, shards: ls, nworkers: 2}
	if got := g.replicas(g.feeds()); len(got) != 2 || got[0] != nil || got[1] != nil {
		t.Errorf("axons that feed nothing: copies %v, want none", got)
	}
}
