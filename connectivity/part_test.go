package connectivity_test

import (
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
)

// TestBuildPartIsPartOfBuild checks, for every pattern, shapes with and
// without autapses and terminals, parts of one and several ranges, on one
// core and several, and with and without an origin, that BuildPart gives
// exactly the whole build's synapses on the part's columns, in order, and
// that the origin (when asked for) places each in the whole.
func TestBuildPartIsPartOfBuild(t *testing.T) {
	type tc struct {
		p connectivity.Pattern
		s connectivity.Shape
	}
	cases := []tc{
		{connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 3000, Cols: 2000}},
		{connectivity.FixedInDegree{K: 100, Multapses: true}, connectivity.Shape{Rows: 3000, Cols: 2000}},
		{connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 2000, Cols: 2000, Self: true}},
		{connectivity.FixedInDegree{K: 60}, connectivity.Shape{Rows: 4000, Cols: 1500, Terminals: 2}},
		{connectivity.FixedInDegree{K: 5}, connectivity.Shape{Rows: 40, Cols: 30}},
		{connectivity.FixedOutDegree{K: 50}, connectivity.Shape{Rows: 1000, Cols: 800, Self: false}},
		{connectivity.Bernoulli{P: 0.05}, connectivity.Shape{Rows: 1200, Cols: 1200, Self: true}},
		{connectivity.FixedTotal{N: 30000}, connectivity.Shape{Rows: 900, Cols: 700}},
		{connectivity.AllToAll{}, connectivity.Shape{Rows: 60, Cols: 50}},
		{connectivity.OneToOne{}, connectivity.Shape{Rows: 50, Cols: 50}},
		{connectivity.Or(connectivity.OneToOne{}, connectivity.Bernoulli{P: 0.1}), connectivity.Shape{Rows: 300, Cols: 300}},
	}
	for _, c := range cases {
		whole, err := c.p.Build(c.s, key(11))
		if err != nil {
			t.Fatal(err)
		}
		n := c.s.Cols
		parts := [][][2]int{{{0, n}}, {{0, n / 2}}, {{n / 2, n}}, {{1, 2}, {n / 3, n/3 + 7}, {n - 1, n}}, nil}
		for _, cols := range parts {
			want, wo, err := whole.Keep(cols)
			if err != nil {
				t.Fatal(err)
			}
			for _, procs := range []int{1, 3} {
				for _, origin := range []bool{false, true} {
					prev := runtime.GOMAXPROCS(procs)
					got, o, err := connectivity.BuildPart(c.p, c.s, key(11), cols, origin)
					runtime.GOMAXPROCS(prev)
					if err != nil {
						t.Fatalf("%s %+v part %v: %v", c.p.Kind(), c.s, cols, err)
					}
					if got.Rows != whole.Rows || got.Cols != whole.Cols || !reflect.DeepEqual(got.Ptr, want.Ptr) || !slices.Equal(got.Idx, want.Idx) || len(got.W) != len(got.Idx) {
						t.Fatalf("%s %+v part %v (procs %d, origin %v): the synapses differ from the whole's", c.p.Kind(), c.s, cols, procs, origin)
					}
					if origin != (o != nil) {
						t.Fatalf("%s part %v: origin %v asked, got %v", c.p.Kind(), cols, origin, o)
					}
					if origin && len(cols) == 0 && len(o.At) != 0 {
						t.Fatalf("%s part %v: an origin of %d synapses for no column", c.p.Kind(), cols, len(o.At))
					}
					if origin && len(cols) > 0 && (!reflect.DeepEqual(o.Ptr, wo.Ptr) || !slices.Equal(o.At, wo.At)) {
						t.Fatalf("%s %+v part %v (procs %d): the origin differs from the whole's", c.p.Kind(), c.s, cols, procs)
					}
				}
			}
		}
	}
}

// TestBuildPartErrors checks that bad ranges and bad patterns are refused.
func TestBuildPartErrors(t *testing.T) {
	s := connectivity.Shape{Rows: 10, Cols: 10}
	if _, _, err := connectivity.BuildPart(connectivity.FixedInDegree{K: 3}, s, key(1), [][2]int{{5, 11}}, false); err == nil {
		t.Error("a range beyond the columns: no error")
	}
	if _, _, err := connectivity.BuildPart(connectivity.FixedInDegree{K: 30}, s, key(1), [][2]int{{0, 5}}, false); err == nil {
		t.Error("K above the rows: no error")
	}
	if _, _, err := connectivity.BuildPart(nil, s, key(1), nil, false); err == nil {
		t.Error("nil pattern: no error")
	}
}
