package actors

import (
	"testing"

	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/testnets"
)

// A shard waits for a far link's batch of a segment only when it computes
// the segment lag later (network.Network.Lags), and for a near link's
// batch when it computes the next segment.
func TestShardWaitsOnlyForWhatItApplies(t *testing.T) {
	net := testnets.TwoAreas(t, false)
	shards, err := shard.Split(net, map[string]int{"BE": 2})
	if err != nil {
		t.Fatal(err)
	}
	be, _ := net.PopulationIndex("BE")
	var failed error
	s := newShardActor(net, shards[be][0], 0, 2, func(err error) { failed = err }, zap.NewNop())
	s.ring = make([]*output, 16)
	e := segmentLength(net)
	lags := net.Lags(e)
	far, near := -1, 0
	for k, a := range s.inputs {
		switch {
		case net.FarAxons()[a]:
			far = k
		default:
			near++
		}
	}
	if far < 0 || near == 0 {
		t.Fatalf("BE's shard has inputs %v: want a far one (AE.long) and near ones", s.inputs)
	}
	k := lags[s.inputs[far]]
	if k < 3 {
		t.Fatalf("AE.long's lag is %d: the test needs at least 3", k)
	}
	const segs = 3 // beyond the far lag
	batch := func(pos int, n int64) {
		t.Helper()
		if err := s.takeChecked(&events{axon: s.inputs[pos], seg: n, from: n * int64(e), steps: e}); err != nil {
			t.Fatal(err)
		}
	}
	for n := int64(0); n <= int64(k+segs); n++ {
		s.grants[n] = grant{seg: n, from: n * int64(e), to: (n + 1) * int64(e)}
		for pos := range s.inputs {
			if pos != far {
				batch(pos, n)
			}
		}
	}
	run := func() {
		for s.ready() {
			s.compute(nil)
		}
		if failed != nil {
			t.Fatal(failed)
		}
	}
	run()
	if s.seg != int64(k) {
		t.Fatalf("without the far link's batches the shard computed %d segments, want %d (its lag)", s.seg, k)
	}
	for n := int64(0); n < segs; n++ {
		batch(far, n)
		run()
		if s.seg != int64(k)+n+1 {
			t.Fatalf("with the far link's batches of segments 0 to %d the shard computed %d segments, want %d", n, s.seg, int64(k)+n+1)
		}
	}
}
