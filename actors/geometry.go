package actors

import (
	"fmt"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
)

// geometry is what the actors of one process know of a run's layout: the
// network, its shards, which of them live in other processes and where,
// and the segments. The coordinator (Engine) and every worker (Worker)
// hold one.
type geometry struct {
	net    *network.Network
	shards [][]*shard.Shard
	e      int // segment length (smallest link latency), steps
	// Worker processes (remote shards).
	workers     []string // their addresses
	remoteShard []bool   // per global shard id: hosted by another process
	ids         [][2]int // global shard id -> (population, shard)
	placement   []int    // each shard's worker (nil: round robin)
	window      int      // segments the clock grants ahead of the slowest shard
	nworkers    int      // len(workers), known before their addresses
	// cuts: outputs are checked against the segments the clock cut (segs);
	// only the coordinator knows them.
	cuts bool
	segs *segBounds // with cuts: the steps of the segments cut, not yet recorded
}

// dest is a shard, by population and index.
type dest struct{ pop, shard int }

func (e *geometry) shardCount() int {
	n := 0
	for _, s := range e.shards {
		n += len(s)
	}
	return n
}

// fedBy returns which axons feed population pi's shards: those of its
// incoming projections and of the modulators they follow (what
// shard.Shard.In and ModIn list, known here without the shards, which
// live in workers).
func (e *geometry) fedBy(pi int) []bool {
	fed := make([]bool, len(e.net.Axons))
	for _, pr := range e.net.Projections {
		if pr.Target != pi {
			continue
		}
		fed[pr.Axon] = true
		if pr.FollowAxon >= 0 {
			fed[pr.FollowAxon] = true
		}
	}
	return fed
}

// feeds returns, per axon, the shards it feeds.
func (e *geometry) feeds() [][]dest {
	feeds := make([][]dest, len(e.net.Axons))
	for pi, row := range e.shards {
		fed := e.fedBy(pi)
		for si := range row {
			for a := range e.net.Axons {
				if fed[a] {
					feeds[a] = append(feeds[a], dest{pi, si})
				}
			}
		}
	}
	return feeds
}

// globalID returns the global id of shard k of population pi.
func (e *geometry) globalID(pi, k int) int {
	id := 0
	for i := 0; i < pi; i++ {
		id += len(e.shards[i])
	}
	return id + k
}

// workerOf returns the address of the worker hosting global shard g.
func (e *geometry) workerOf(g int) string {
	if i := e.workerIndex(g); i < len(e.workers) {
		return e.workers[i]
	}
	return "worker " + itoa(e.workerIndex(g))
}

// workerIndex returns the index of the worker hosting global shard g.
func (e *geometry) workerIndex(g int) int {
	if e.placement != nil {
		return e.placement[g]
	}
	return g % e.nworkers
}

// wireSegment checks the segment of a batch from worker-hosted shard g to
// an actor expecting segment next and later: inside the window.
func (e *geometry) wireSegment(seg uint64, next int64) error {
	if seg > uint64(1<<62) {
		return fmt.Errorf("segment %d", seg)
	}
	return checkWindow(int64(seg), next, next+int64(e.window)+aheadSlack)
}

// checkOutput checks a remote shard's output after reassembly: its
// segment's bounds agree with the first output of that segment gathered
// so far (ref, nil if none), and its elements lie in the shard.
func (e *geometry) checkOutput(o, ref *output) error {
	n := max(len(o.Fired), len(o.Values))
	if n > e.e {
		return fmt.Errorf("segment %d of %d steps (segments have at most %d)", o.seg, n, e.e)
	}
	if e.cuts {
		b, ok := e.segs.get(o.seg)
		if !ok {
			return fmt.Errorf("segment %d, which the clock has not cut", o.seg)
		}
		if o.from != b[0] || o.from+int64(n) != b[1] {
			return fmt.Errorf("segment %d covers steps [%d, %d), the clock cut [%d, %d)", o.seg, o.from, o.from+int64(n), b[0], b[1])
		}
	}
	if ref != nil {
		if rn := max(len(ref.Fired), len(ref.Values)); ref.from != o.from || rn != n {
			return fmt.Errorf("segment %d covers steps [%d, %d), another shard's [%d, %d)", o.seg, o.from, o.from+int64(n), ref.from, ref.from+int64(rn))
		}
	}
	sh := e.shards[o.pop][o.shard]
	lo, hi := sh.Lo, sh.Hi
	if p := e.net.Populations[o.pop]; p.Batch > 1 {
		// One shard holds every copy: elements b·N + i.
		lo, hi = 0, p.Len()
	}
	for k, f := range o.Fired {
		for _, x := range f {
			if int(x) < lo || int(x) >= hi {
				return fmt.Errorf("segment %d step %d: element %d outside the shard's [%d, %d)", o.seg, o.from+int64(k), x, lo, hi)
			}
		}
	}
	return nil
}

// replicas returns, per axon, the workers (indices, ascending) that run
// a copy of it when the shards live in workers: each worker that holds a
// shard the axon feeds (feeds, as returned by feeds). A copy gathers the
// outputs of every source shard — from its own process as they are, from
// the others' once over the network — and emits to the shards of its
// worker only, so that a segment's spikes cross the network once, from
// the worker of a source shard to that of a target shard. The copies of
// an axon compute the same events from the same outputs (an axon is a
// deterministic function of its sources' spikes).
func (e *geometry) replicas(feeds [][]dest) [][]int {
	out := make([][]int, len(e.net.Axons))
	on := make([]bool, e.nworkers)
	for a := range e.net.Axons {
		clear(on)
		for _, d := range feeds[a] {
			on[e.workerIndex(e.globalID(d.pop, d.shard))] = true
		}
		for w, ok := range on {
			if ok {
				out[a] = append(out[a], w)
			}
		}
	}
	return out
}

// inShard reports whether worker w runs its copy of axon a inside the
// source population's shard: the population has one, and w holds it.
func (e *geometry) inShard(a, w int) bool {
	src := e.net.Axons[a].Source
	return len(e.shards[src]) == 1 && e.workerIndex(e.globalID(src, 0)) == w
}
