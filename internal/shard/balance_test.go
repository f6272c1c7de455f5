package shard

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// CUBA's two populations on two cores: one cut, in the larger.
func TestBalancedCUBA(t *testing.T) {
	got := Balanced([]int{32000, 8000}, []bool{true, true}, 2)
	want := []Piece{{0, 0, 20000, 0}, {0, 20000, 32000, 1}, {1, 0, 8000, 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Every layout covers every population in order, cuts at most workers − 1
// times, and levels the workers' loads as far as the populations that
// cannot be split allow.
func TestBalancedProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(6)
		sizes, split := make([]int, n), make([]bool, n)
		for i := range sizes {
			sizes[i] = 1 + r.IntN(50000)
			if r.IntN(4) == 0 {
				sizes[i] = 1 + r.IntN(5)
			}
			split[i] = r.IntN(5) > 0
		}
		w := 1 + r.IntN(17)
		pieces := Balanced(sizes, split, w)
		at := make([]int, n)
		load := make([]int, w)
		cuts := 0
		for _, p := range pieces {
			if p.Lo != at[p.Pop] || p.Hi <= p.Lo || p.Worker < 0 || p.Worker >= w {
				t.Fatalf("sizes %v split %v on %d: bad piece %v in %v", sizes, split, w, p, pieces)
			}
			if p.Lo > 0 {
				cuts++
				if !split[p.Pop] {
					t.Fatalf("sizes %v split %v on %d: population %d cut: %v", sizes, split, w, p.Pop, pieces)
				}
			}
			at[p.Pop] = p.Hi
			load[p.Worker] += p.Hi - p.Lo
		}
		if !slices.Equal(at, sizes) {
			t.Fatalf("sizes %v on %d: covered %v: %v", sizes, w, at, pieces)
		}
		if cuts > w-1 {
			t.Fatalf("sizes %v split %v on %d: %d cuts: %v", sizes, split, w, cuts, pieces)
		}
		// With everything splittable the loads differ by at most one.
		if !slices.Contains(split, false) && slices.Max(load)-slices.Min(load) > 1 {
			t.Fatalf("sizes %v on %d: loads %v: %v", sizes, w, load, pieces)
		}
	}
}
