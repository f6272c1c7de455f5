package actors_test

import (
	"fmt"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/network"
)

// Far links (network.Network.FarAxons) may be applied several segments
// after their spikes (network.Network.Lags): two areas joined by long
// delays give the sequential stepper's spikes and weights on any number
// of shards, with the narrowest windows, and on workers that build only
// their part.
func TestFarLinksMatchSequential(t *testing.T) {
	for _, plastic := range []bool{false, true} {
		build := func(t testing.TB) *network.Network { return testnets.TwoAreas(t, plastic) }
		name := fmt.Sprintf("two areas (plastic %v)", plastic)
		want := sequential(t, build(t), 2400)
		for pop, st := range want.Steps {
			if len(st) == 0 && pop != "da" {
				t.Fatalf("%s: %s never fires: the comparison would be empty", name, pop)
			}
		}
		for _, k := range []int{1, 2, 3} {
			shards := map[string]int{"AE": k, "BE": k, "AI": min(k, 2)}
			compare(t, fmt.Sprintf("%s with %d shards", name, k), want, onActors(t, build(t), shards, 2400))
		}
		for _, w := range []int{1, 2, 9} {
			got := onActorsWith(t, build(t), actors.Options{Shards: map[string]int{"AE": 3, "BE": 2, "BI": 2}, Window: w}, 2400)
			compare(t, fmt.Sprintf("%s with a window of %d", name, w), want, got)
		}
		got := onWorkers(t, build, map[string]int{"AE": 2, "BE": 2}, 3, 2400)
		compare(t, name+" on three workers", want, got)
		// Workers that build only their part, and a coordinator that
		// builds none: the lags and far inputs come from the definition.
		got = onWorkerParts(t, func() *network.Builder { return testnets.TwoAreasBuilder(plastic) }, map[string]int{"AE": 2, "BE": 3, "BI": 2}, 2, 2400)
		for name := range want.Weights {
			if _, ok := got.Weights[name]; !ok {
				delete(want.Weights, name) // held by the workers only
			}
		}
		compare(t, name+" on two workers building their parts", want, got)
	}
}

// onWorkerParts runs the network that b defines (a fresh builder each
// call) on workers that each build only their part, coordinated by a
// process that builds none.
func onWorkerParts(t *testing.T, b func() *network.Builder, shards map[string]int, workers, steps int) result {
	t.Helper()
	skeleton, err := b().BuildPart(&network.Part{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var sizes []int
	for _, p := range skeleton.Populations {
		names, sizes = append(names, p.Name), append(sizes, p.N)
	}
	coord, ids := identities(t, workers)
	var addrs []string
	for i := range workers {
		net, err := b().BuildPart(actors.WorkerPart(names, sizes, shards, i, workers, nil))
		if err != nil {
			t.Fatal(err)
		}
		w, err := actors.Serve(net, actors.WorkerOptions{Index: i, Count: workers, Shards: shards, Identity: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		addrs = append(addrs, w.Address())
	}
	r, _ := coordinate(t, skeleton, shards, addrs, coord, steps)
	return r
}
