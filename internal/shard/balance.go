package shard

import (
	"cmp"
	"slices"

	"github.com/spiral-sim/spiral/network"
)

// Piece is the range [Lo, Hi) of population Pop, placed on worker Worker.
type Piece struct {
	Pop, Lo, Hi, Worker int
}

// Balanced lays out populations of the given sizes (neurons) on workers
// so that every worker gets the same number of neurons, within one where
// the populations that cannot be split (splittable[i] false) allow it,
// while cutting as few populations as possible: at most workers − 1 cuts.
// A population split into shards makes every projection into it read
// each spike's synapse row in as many parts (a cache miss for each part,
// and a part of a row seldom fills its cache lines), so two cores are
// better served by one cut than by halving every population.
//
// The populations that cannot be split go first, largest first, each to
// the least loaded worker; the others, largest first, are laid end to end
// and poured into the workers in order up to a common level (McNaughton's
// wrap-around rule). It returns the pieces in population order, each
// population's in ascending order; a worker may get none when there are
// fewer neurons than workers.
func Balanced(sizes []int, splittable []bool, workers int) []Piece {
	workers = max(workers, 1)
	order := make([]int, len(sizes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })
	load := make([]int, workers)
	var out []Piece
	rest := 0 // neurons of the splittable populations
	for _, p := range order {
		if splittable[p] {
			rest += sizes[p]
			continue
		}
		k := slices.Index(load, slices.Min(load))
		out = append(out, Piece{Pop: p, Lo: 0, Hi: sizes[p], Worker: k})
		load[k] += sizes[p]
	}
	// The level: the smallest L with Σ max(0, L − load) ≥ rest; each
	// worker takes up to L, the last ones one less where that overshoots.
	fill := func(l int) int {
		s := 0
		for _, x := range load {
			s += max(0, l-x)
		}
		return s
	}
	lo, hi := 0, slices.Max(load)+rest
	for lo < hi {
		if m := (lo + hi) / 2; fill(m) >= rest {
			hi = m
		} else {
			lo = m + 1
		}
	}
	room := make([]int, workers)
	over := fill(lo) - rest
	for k := workers - 1; k >= 0; k-- {
		room[k] = max(0, lo-load[k])
		if over > 0 && room[k] > 0 {
			room[k]--
			over--
		}
	}
	k := 0
	for _, p := range order {
		if !splittable[p] {
			continue
		}
		for at := 0; at < sizes[p]; {
			for room[k] == 0 {
				k++
			}
			n := min(sizes[p]-at, room[k])
			out = append(out, Piece{Pop: p, Lo: at, Hi: at + n, Worker: k})
			room[k] -= n
			at += n
		}
	}
	slices.SortStableFunc(out, func(a, b Piece) int {
		return cmp.Or(cmp.Compare(a.Pop, b.Pop), cmp.Compare(a.Lo, b.Lo))
	})
	return out
}

// SplitBalanced splits net as Balanced lays it out on w workers: the
// populations that can be split (Splittable) cut so that every worker
// gets as many neurons as it can, the others whole. It returns the pieces
// (one per shard, naming its worker) and the shards of every population,
// as SplitRanges does (release as there).
func SplitBalanced(net *network.Network, w int, release bool) ([]Piece, [][]*Shard, error) {
	sizes := make([]int, len(net.Populations))
	splittable := make([]bool, len(net.Populations))
	for i, p := range net.Populations {
		sizes[i], splittable[i] = p.N, Splittable(net, i) == nil
	}
	pieces := Balanced(sizes, splittable, w)
	ranges := map[string][][2]int{}
	for _, pc := range pieces {
		name := net.Populations[pc.Pop].Name
		ranges[name] = append(ranges[name], [2]int{pc.Lo, pc.Hi})
	}
	shards, err := SplitRanges(net, ranges, release)
	return pieces, shards, err
}
