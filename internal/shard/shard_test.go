package shard_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/synapse"
)

func TestRangesCoverEvenly(t *testing.T) {
	for _, c := range [][2]int{{10, 3}, {7, 7}, {12500, 2}, {5, 1}} {
		r := shard.Ranges(c[0], c[1])
		if r[0][0] != 0 || r[len(r)-1][1] != c[0] {
			t.Errorf("%v: ranges %v do not cover [0, %d)", c, r, c[0])
		}
		for k := range r {
			if k > 0 && r[k][0] != r[k-1][1] {
				t.Errorf("%v: gap between %v and %v", c, r[k-1], r[k])
			}
			if size := r[k][1] - r[k][0]; size < c[0]/c[1] || size > c[0]/c[1]+1 {
				t.Errorf("%v: range %v has size %d", c, r[k], size)
			}
		}
	}
}

// Columns keeps, per row, the synapses of the range in their order, and
// Gather puts the parts of a plastic projection back.
func TestColumnsAndGather(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 4})
	b.Population("A", 30, soma.LIF())
	b.Connect("AA", network.Connection{From: "A", To: "A", Pattern: connectivity.FixedInDegree{K: 6, Multapses: true},
		Autapses: true, Weight: param.Uniform(0, 1), Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.01), Wmin: -10, Wmax: 10})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	full := net.Projections[0].Runtime.Syn
	orig := slices.Clone(full.W)
	shards, err := shard.Split(net, map[string]int{"A": 4})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, sh := range shards[0] {
		part := sh.Syn[0]
		total += part.Len()
		for r := 0; r < full.Rows; r++ {
			var want []float32
			for k := full.Ptr[r]; k < full.Ptr[r+1]; k++ {
				if j := int(full.Idx[k]); j >= sh.Lo && j < sh.Hi {
					want = append(want, full.W[k])
				}
			}
			idx, w := part.Row(r)
			if !slices.Equal(w, want) {
				t.Fatalf("shard [%d,%d) row %d: weights %v, want %v", sh.Lo, sh.Hi, r, w, want)
			}
			for _, j := range idx {
				if int(j) >= sh.Hi-sh.Lo {
					t.Fatalf("shard [%d,%d): local column %d out of range", sh.Lo, sh.Hi, j)
				}
			}
		}
		for k := range part.W {
			part.W[k] += 1 // as if learned
		}
	}
	if total != full.Len() {
		t.Fatalf("the parts hold %d synapses, the whole %d", total, full.Len())
	}
	shard.Gather(net, shards, 0)
	for k := range full.W {
		if full.W[k] != orig[k]+1 {
			t.Fatalf("synapse %d: gathered %g, want %g", k, full.W[k], orig[k]+1)
		}
	}
}

func TestUnsplittableSaysWhy(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("K", 20, soma.LIF()).Principle(&principle.KWTA{K: 1})
	b.Population("B", 20, soma.LIF())
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shard.Split(net, map[string]int{"K": 2}); err == nil || !strings.Contains(err.Error(), "principles") {
		t.Errorf("splitting a k-WTA population: %v", err)
	}
	if _, err := shard.Split(net, map[string]int{"B": 21}); err == nil {
		t.Error("21 shards of 20 neurons accepted")
	}
	if _, err := shard.Split(net, map[string]int{"Q": 2}); err == nil {
		t.Error("an unknown population accepted")
	}
}

// Static projections with one weight for all are compacted, and so are
// their parts.
func TestStaticPartsCompacted(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 4})
	b.Population("A", 30, soma.LIF())
	b.Connect("AA", network.Connection{From: "A", To: "A", Pattern: connectivity.FixedInDegree{K: 6}, Weight: param.Const(0.5)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	two, err := shard.Split(net, map[string]int{"A": 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range two[0] {
		if w, ok := sh.Syn[0].Uniform(); !ok || w != 0.5 {
			t.Errorf("shard [%d,%d): not compacted (%g, %v)", sh.Lo, sh.Hi, w, ok)
		}
	}
	if w, ok := net.Projections[0].Runtime.Syn.Uniform(); !ok || w != 0.5 {
		t.Errorf("the network's static projection is not compacted (%g, %v)", w, ok)
	}
}

// ColumnValues cuts a per-synapse mask as Columns cuts the synapses: per
// row, the synapses of the range in their order (multapses and unsorted
// rows included); the whole range shares the slice, and a range without
// synapses gives an empty mask, not nil (which would mean no mask).
func TestColumnValuesMask(t *testing.T) {
	// Rows: 0 → {0, 2, 3}, 1 → {1, 1, 3}, 2 → {2, 0}; column 4 has none.
	c := &synapse.CSR{Rows: 3, Cols: 5, Ptr: []uint32{0, 3, 6, 8}, Idx: []uint32{0, 2, 3, 1, 1, 3, 2, 0},
		W: []float32{0, 1, 2, 3, 4, 5, 6, 7}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	mask := []bool{true, false, true, false, true, true, false, true}
	for _, tc := range []struct {
		lo, hi int
		want   []bool
		syn    []float32 // the synapses kept (their weight is their index)
	}{
		{0, 5, mask, c.W},
		{0, 2, []bool{true, false, true, true}, []float32{0, 3, 4, 7}},
		{2, 5, []bool{false, true, true, false}, []float32{1, 2, 5, 6}},
		{1, 2, []bool{false, true}, []float32{3, 4}},
		{3, 4, []bool{true, true}, []float32{2, 5}},
		{4, 5, []bool{}, []float32{}},
	} {
		got := shard.ColumnValues(c, mask, tc.lo, tc.hi)
		if got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("[%d,%d): mask %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
		part := shard.Columns(c, tc.lo, tc.hi)
		if !slices.Equal(part.W, tc.syn) || !slices.Equal(shard.ColumnValues(c, c.W, tc.lo, tc.hi), tc.syn) {
			t.Errorf("[%d,%d): part holds synapses %v, values cut to %v, want %v",
				tc.lo, tc.hi, part.W, shard.ColumnValues(c, c.W, tc.lo, tc.hi), tc.syn)
		}
		if len(got) != part.Len() {
			t.Errorf("[%d,%d): %d mask entries for %d synapses", tc.lo, tc.hi, len(got), part.Len())
		}
	}
	if whole := shard.ColumnValues(c, mask, 0, 5); &whole[0] != &mask[0] {
		t.Error("the whole range does not share the mask")
	}
}

// maskAll sets a random mask that blocks about half the synapses on every
// projection into a spiking population (static, plastic, learnt-latency
// and modulated ones), the same for the same network.
func maskAll(t *testing.T, net *network.Network) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 9))
	for _, pr := range net.Projections {
		if net.Populations[pr.Target].Name == "da" {
			continue
		}
		m := make([]bool, pr.Runtime.Syn.Len())
		for k := range m {
			m[k] = r.IntN(2) == 0
		}
		if err := pr.SetMask(m); err != nil {
			t.Fatal(err)
		}
	}
}

// A network whose projections are masked (set before the split) runs the
// same sharded (lockstep, 1, 2 and 3 shards, also releasing the static
// synapses, which keeps the masked ones) as on the sequential stepper, bit
// for bit, spikes and learnt weights; and the masks matter: the masked
// network fires differently from the unmasked one.
func TestMaskedMatchesSequential(t *testing.T) {
	const steps = 600
	for _, tc := range []struct {
		name  string
		build func(testing.TB) *network.Network
	}{
		{"brunel", func(t testing.TB) *network.Network { return testnets.BrunelLike(t, false) }},
		{"plastic", func(t testing.TB) *network.Network { return testnets.BrunelLike(t, true) }},
		{"learning", testnets.LearningZoo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			masked := func() *network.Network {
				net := tc.build(t)
				maskAll(t, net)
				return net
			}
			want := testnets.Sequential(t, masked(), steps)
			unmasked := testnets.Sequential(t, tc.build(t), steps)
			if slices.Equal(want.Steps["E"], unmasked.Steps["E"]) && slices.Equal(want.Elems["E"], unmasked.Elems["E"]) {
				t.Fatal("the masks change nothing: the comparison would not test them")
			}
			for _, c := range []struct {
				shards  int
				release bool
			}{{1, false}, {2, false}, {3, false}, {3, true}} {
				net := masked()
				o := lockstep.Options{Shards: map[string]int{"E": c.shards, "I": c.shards}, Workers: 2, ReleaseSynapses: c.release}
				got := runLockstep(t, net, o, steps)
				testnets.Compare(t, fmt.Sprintf("%s masked, %d shards (release %v)", tc.name, c.shards, c.release), want, got)
				for _, pr := range net.Projections {
					if pr.Runtime.Mask() != nil && pr.Runtime.Syn.Released() {
						t.Errorf("masked projection %s released", pr.Name)
					}
				}
			}
		})
	}
}

// runLockstep runs net on the lockstep engine in two runs, as
// testnets.Sequential does, and gathers its spikes and weights.
func runLockstep(t *testing.T, net *network.Network, o lockstep.Options, steps int) testnets.Result {
	t.Helper()
	e, err := lockstep.New(net, o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, n := range []int{steps / 3, steps - steps/3} {
		if err := e.Run(n); err != nil {
			t.Fatal(err)
		}
	}
	e.GatherWeights()
	r := testnets.NewResult()
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Steps[p.Name], r.Elems[p.Name] = st, el
	}
	r.TakeWeights(net)
	return r
}

// The fingerprint covers masks, so that a worker that did not set the
// coordinator's masks is refused.
func TestFingerprintCoversMasks(t *testing.T) {
	fp := func(mask func(*network.Network)) uint64 {
		net := testnets.BrunelLike(t, false)
		mask(net)
		shards, err := shard.Split(net, map[string]int{"E": 2})
		if err != nil {
			t.Fatal(err)
		}
		return shard.Fingerprint(net, shards)
	}
	none := fp(func(*network.Network) {})
	masked := fp(func(net *network.Network) { maskAll(t, net) })
	other := fp(func(net *network.Network) {
		maskAll(t, net)
		m := net.Projections[0].Runtime.Mask()
		m[len(m)/2] = !m[len(m)/2]
	})
	if none == masked || masked == other {
		t.Errorf("fingerprints unmasked %x, masked %x, another mask %x: want all different", none, masked, other)
	}
	if again := fp(func(net *network.Network) { maskAll(t, net) }); again != masked {
		t.Errorf("the same mask gives fingerprints %x and %x", masked, again)
	}
}
