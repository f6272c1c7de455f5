package shard_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/shard"
	"github.com/spiral-sim/spiral/soma"
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
