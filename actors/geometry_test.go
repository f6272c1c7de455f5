package actors

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/testnets"
)

// Each axon runs on the worker that holds most of its source shards; a
// tie goes to the worker that holds most of the shards it feeds, then to
// the lowest index; an axon that feeds nothing runs nowhere.
func TestBundleHosts(t *testing.T) {
	net := testnets.BrunelLike(t, true) // axons: E.out, I.out, da.out
	shards, err := shard.Split(net, map[string]int{"E": 4, "I": 2})
	if err != nil {
		t.Fatal(err)
	}
	// Global shard ids: E 0–3, I 4–5, da 6. E.out feeds E and I (and da
	// feeds the E shards, whose E→E projection follows it); I.out feeds E
	// and I.
	for _, c := range []struct {
		name      string
		placement []int
		workers   int
		want      []int
	}{
		{"E on 0, I and da on 1", []int{0, 0, 0, 0, 1, 1, 1}, 2, []int{0, 1, 1}},
		{"E mostly on 1", []int{0, 1, 1, 1, 0, 0, 0}, 2, []int{1, 0, 0}},
		// E's shards tie 2–2; of the shards E.out feeds (4 E, 2 I) worker
		// 1 holds 2 + 2, worker 0 holds 2.
		{"a tie on the source, broken by the targets", []int{0, 0, 1, 1, 1, 1, 0}, 2, []int{1, 1, 0}},
		// Everything ties: the lowest index.
		{"a full tie", []int{0, 1, 0, 1, 0, 1, 2}, 3, []int{0, 0, 2}},
		{"round robin on 3", nil, 3, []int{0, 1, 0}},
	} {
		g := geometry{net: net, shards: shards, placement: c.placement, nworkers: c.workers}
		if got := g.bundleHosts(g.feeds()); !slices.Equal(got, c.want) {
			t.Errorf("%s: hosts %v, want %v", c.name, got, c.want)
		}
	}
	// A network whose axon feeds nothing: -1.
	lone := testnets.BrunelLike(t, false)
	lone.Projections = nil
	ls, err := shard.Split(lone, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := geometry{net: lone, shards: ls, nworkers: 2}
	if got := g.bundleHosts(g.feeds()); !slices.Equal(got, []int{-1, -1}) {
		t.Errorf("axons that feed nothing: hosts %v, want [-1 -1]", got)
	}
}
