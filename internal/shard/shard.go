// Package shard splits a built network into shards: contiguous ranges of a
// population's neurons, each with its own state, its receptors, and the
// incoming synapses that end on its neurons. Shards are what the actor
// runtime places on cores and machines; stepping the shards of a network
// (with the same inputs in the same order) computes exactly what the
// sequential stepper computes on the whole network, bit for bit.
//
// A population can be split when its model implements soma.Splitter, its
// stimuli and drives implement population.Slicer, it has no spike
// principles (they act on the whole population), it runs one batch copy,
// and no projection into it normalises weights over rows or the whole
// projection. Otherwise it stays in one shard (Splittable says why).
//
// Masks (network.Projection.SetMask) are split with the synapses: each
// shard takes its part of the mask when the network is split, and its
// projections gate transmission and plasticity with it as the network
// does. Masks must therefore be set before the network is split (before
// an engine that shards it is built): a later SetMask, or a change of the
// mask slice in place, does not reach a population split into several
// shards. (A shard that holds a whole population shares the network's
// slice, so a change in place would reach it; do not rely on that.)
package shard

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"sync"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/synapse"
)

// Shard is one range [Lo, Hi) of a population.
type Shard struct {
	Pop    int // population index in the network
	Index  int // shard index within the population
	Lo, Hi int
	// Population is the shard's runtime (N = Hi − Lo).
	Population *population.Population
	// Inboxes of the shard's receptors that have incoming projections.
	Inboxes []*projection.Inbox
	// In lists, per axon of the network (by index), the shard's
	// projections fed by it, in network order; nil when none.
	In [][]*projection.Runtime
	// ModIn lists, per axon, the shard's projections that follow it as a
	// neuromodulator source.
	ModIn [][]*projection.Runtime
	// Plastic lists the shard's plastic projections, in network order,
	// with the network projection index of each.
	Plastic   []*projection.Runtime
	PlasticOf []int
	// Syn holds, per network projection index, the shard's part of its
	// synapses (nil when the projection does not end here), and ColLo its
	// first column.
	Syn map[int]*synapse.CSR
}

// Split divides every population into the requested number of shards
// (counts by population name; missing or < 1 means 1) and returns the
// shards of each population in network order. The network must not have
// been stepped. A population that cannot be split is an error naming the
// reason.
func Split(net *network.Network, counts map[string]int) ([][]*Shard, error) {
	return split(net, counts, false)
}

// SplitReleasing is Split that also releases (synapse.CSR.Release) the
// network's copy of every static projection into a population split into
// several shards, as soon as the shards have copied their parts, so that
// the synapses are not held twice: the network's Runtime.Syn of those
// projections can then no longer deliver or be read (Len still counts).
// Plastic, masked and latency-learning projections are kept.
func SplitReleasing(net *network.Network, counts map[string]int) ([][]*Shard, error) {
	return split(net, counts, true)
}

// SplitRanges is Split with each population's shards given as ranges:
// ranges[name] lists contiguous, non-empty ranges [lo, hi) that cover
// [0, N) in order (a missing population is one shard). With release, the
// network's copies are released as with SplitReleasing.
func SplitRanges(net *network.Network, ranges map[string][][2]int, release bool) ([][]*Shard, error) {
	for name, rs := range ranges {
		p, ok := net.Population(name)
		if !ok {
			return nil, fmt.Errorf("shard: no population %q", name)
		}
		at := 0
		for _, r := range rs {
			if r[0] != at || r[1] <= r[0] {
				break
			}
			at = r[1]
		}
		if at != p.N || len(rs) == 0 {
			return nil, fmt.Errorf("shard: population %q: ranges %v do not cover [0, %d) in order", name, rs, p.N)
		}
	}
	return splitWith(net, func(pi int) [][2]int {
		if rs, ok := ranges[net.Populations[pi].Name]; ok {
			return rs
		}
		return Ranges(net.Populations[pi].N, 1)
	}, release)
}

func split(net *network.Network, counts map[string]int, release bool) ([][]*Shard, error) {
	if err := CheckCounts(net, counts); err != nil {
		return nil, err
	}
	return splitWith(net, func(pi int) [][2]int {
		return Ranges(net.Populations[pi].N, max(counts[net.Populations[pi].Name], 1))
	}, release)
}

// CheckCounts checks shard counts against the network's populations: every
// name one of them, no count above its size.
func CheckCounts(net *network.Network, counts map[string]int) error {
	for name := range counts {
		if _, ok := net.Population(name); !ok {
			return fmt.Errorf("shard: no population %q", name)
		}
	}
	for _, p := range net.Populations {
		if s := counts[p.Name]; s > p.N {
			return fmt.Errorf("shard: population %q: %d shards for %d neurons", p.Name, s, p.N)
		}
	}
	return nil
}

// splitWith builds the shards of every population over the ranges that
// ranges gives for it.
func splitWith(net *network.Network, ranges func(pi int) [][2]int, release bool) ([][]*Shard, error) {
	return splitOwned(net, ranges, release, nil)
}

// SplitPart is Split for one process of a run: it builds only the shards
// g (numbered across the populations in network order, as the actor
// runtime numbers them) for which own(g) holds, and leaves the others as
// stubs that hold their place and range (Pop, Index, Lo, Hi) and nothing
// else (Population nil). net may be built for a part (network.BuildPart)
// that holds the owned shards' neurons (see Part). With release, the
// network's copies are released as with SplitReleasing.
func SplitPart(net *network.Network, counts map[string]int, own func(g int) bool, release bool) ([][]*Shard, error) {
	if err := CheckCounts(net, counts); err != nil {
		return nil, err
	}
	return splitOwned(net, func(pi int) [][2]int {
		return Ranges(net.Populations[pi].N, max(counts[net.Populations[pi].Name], 1))
	}, release, own)
}

// Part returns the network part (for network.BuildPart) that holds the
// neurons of the shards g for which own(g) holds, the populations of
// sizes (by name, in network order: names) cut as Split cuts them with
// counts; whole names the projections to build whole.
func Part(names []string, sizes []int, counts map[string]int, own func(g int) bool, whole []string) *network.Part {
	part := &network.Part{Neurons: map[string][][2]int{}, Whole: whole}
	g := 0
	for i, name := range names {
		for _, r := range Ranges(sizes[i], max(counts[name], 1)) {
			if own(g) {
				rs := part.Neurons[name]
				if n := len(rs); n > 0 && rs[n-1][1] == r[0] {
					rs[n-1][1] = r[1] // adjacent: one range
				} else {
					part.Neurons[name] = append(rs, r)
				}
			}
			g++
		}
	}
	return part
}

// splitOwned builds the shards of every population over the ranges that
// ranges gives for it: those that own (nil: all) owns, stubs for the
// others.
func splitOwned(net *network.Network, ranges func(pi int) [][2]int, release bool, own func(g int) bool) ([][]*Shard, error) {
	out := make([][]*Shard, len(net.Populations))
	g := 0
	for pi, p := range net.Populations {
		rs := ranges(pi)
		s := len(rs)
		if s > 1 {
			if err := Splittable(net, pi); err != nil {
				return nil, fmt.Errorf("shard: population %q cannot be split: %w", p.Name, err)
			}
		}
		var mine func(k int) bool
		if own != nil {
			first := g
			mine = func(k int) bool { return own(first + k) }
		}
		g += s
		shards, err := splitPopulation(net, pi, rs, mine)
		if err != nil {
			return nil, fmt.Errorf("shard: population %q: %w", p.Name, err)
		}
		out[pi] = shards
		if release && s > 1 {
			released := false
			for _, pr := range net.Projections {
				if pr.Target == pi && !pr.Plastic && pr.Runtime.Mask() == nil && !pr.Runtime.Syn.Released() {
					pr.Runtime.Syn.Release()
					released = true
				}
			}
			if released {
				// Collect now, so that the next population's copies reuse
				// this memory instead of adding to the peak.
				runtime.GC()
			}
		}
	}
	return out, nil
}

// Splittable reports why population pi cannot be split into several
// shards, or nil if it can.
func Splittable(net *network.Network, pi int) error {
	p := net.Populations[pi]
	if p.Batch != 1 {
		return fmt.Errorf("batch of %d copies (sharding needs one)", p.Batch)
	}
	if _, ok := p.Model().(soma.Splitter); !ok {
		return fmt.Errorf("its model (%T) cannot be split", p.Model())
	}
	if len(p.Principles()) > 0 {
		return fmt.Errorf("spike principles act on the whole population")
	}
	// Some stimuli slice only when their parts do: try.
	for _, s := range p.Stimuli() {
		sl, ok := s.(population.Slicer)
		if !ok {
			return fmt.Errorf("stimulus %T cannot be sliced", s)
		}
		if _, err := sl.Slice(0, p.N, p.N); err != nil {
			return fmt.Errorf("stimulus %T: %w", s, err)
		}
	}
	for _, d := range p.Drives() {
		sl, ok := d.Stimulus.(population.Slicer)
		if !ok {
			return fmt.Errorf("drive %T cannot be sliced", d.Stimulus)
		}
		if _, err := sl.Slice(0, p.N, p.N); err != nil {
			return fmt.Errorf("drive %T: %w", d.Stimulus, err)
		}
	}
	for _, pr := range net.Projections {
		if pr.Target == pi && pr.Normalize != nil {
			return fmt.Errorf("projection %q normalises its weights", pr.Name)
		}
	}
	return nil
}

// Ranges returns s contiguous ranges covering [0, n) whose sizes differ by
// at most one.
func Ranges(n, s int) [][2]int {
	out := make([][2]int, s)
	for k := range out {
		out[k] = [2]int{k * n / s, (k + 1) * n / s}
	}
	return out
}

// splitPopulation builds the shards of population pi over ranges, one
// goroutine per core: each reads the network (models, stimuli,
// projections) and writes only its own shard.
func splitPopulation(net *network.Network, pi int, ranges [][2]int, own func(k int) bool) ([]*Shard, error) {
	s := len(ranges)
	at := make([]int, 0, s)
	var mine [][2]int
	for k, r := range ranges {
		if own == nil || own(k) {
			mine, at = append(mine, r), append(at, k)
		}
	}
	built, err := buildShards(net, pi, s, mine, at)
	if err != nil || len(mine) == s {
		return built, err
	}
	// Stubs for the shards of other processes.
	shards := make([]*Shard, s)
	for k, r := range ranges {
		shards[k] = &Shard{Pop: pi, Index: k, Lo: r[0], Hi: r[1]}
	}
	for i, k := range at {
		shards[k] = built[i]
	}
	return shards, nil
}

// buildShards builds the shards at[i] (of s) of population pi over
// ranges[i], one goroutine per core when there are several.
func buildShards(net *network.Network, pi, s int, ranges [][2]int, at []int) ([]*Shard, error) {
	shards := make([]*Shard, len(ranges))
	errs := make([]error, len(ranges))
	if len(ranges) == 1 {
		shards[0], errs[0] = buildShard(net, pi, at[0], s, ranges[0][0], ranges[0][1])
		return shards, errs[0]
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, r := range ranges {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			defer func() {
				if x := recover(); x != nil {
					errs[i] = fmt.Errorf("shard %d: panic: %v", at[i], x)
				}
			}()
			shards[i], errs[i] = buildShard(net, pi, at[i], s, r[0], r[1])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return shards, nil
}

// buildShard builds shard k of s of population pi: neurons [lo, hi).
func buildShard(net *network.Network, pi, k, s, lo, hi int) (*Shard, error) {
	p := net.Populations[pi]
	dt := net.Config.DtMs
	m := p.Model()
	if s > 1 {
		var err error
		if m, err = m.(soma.Splitter).Split(lo, hi); err != nil {
			return nil, fmt.Errorf("shard %d: %w", k, err)
		}
	}
	sp, err := population.New(p.Name, hi-lo, p.Batch, m)
	if err != nil {
		return nil, err
	}
	sh := &Shard{Pop: pi, Index: k, Lo: lo, Hi: hi, Population: sp,
		In: make([][]*projection.Runtime, len(net.Axons)), ModIn: make([][]*projection.Runtime, len(net.Axons)),
		Syn: map[int]*synapse.CSR{}}
	for _, name := range p.ReceptorNames() {
		r, _ := p.Receptor(name)
		if _, err := sp.AddReceptor(name, r.Spec(), dt, 1); err != nil {
			return nil, err
		}
	}
	for _, st := range p.Stimuli() {
		if s > 1 {
			if st, err = st.(population.Slicer).Slice(lo, hi, p.N); err != nil {
				return nil, fmt.Errorf("shard %d: stimulus: %w", k, err)
			}
		}
		sp.AddStimulus(st)
	}
	for _, d := range p.Drives() {
		st := d.Stimulus
		if s > 1 {
			if st, err = st.(population.Slicer).Slice(lo, hi, p.N); err != nil {
				return nil, fmt.Errorf("shard %d: drive: %w", k, err)
			}
		}
		if err := sp.AddDrive(d.Receptor, st); err != nil {
			return nil, err
		}
	}
	for _, pr := range p.Principles() {
		sp.AddPrinciple(pr)
	}
	if err := sh.connect(net, pi); err != nil {
		return nil, fmt.Errorf("shard %d: %w", k, err)
	}
	return sh, nil
}

// connect builds the shard's part of every projection into its population.
func (sh *Shard) connect(net *network.Network, pi int) error {
	inboxes := map[*dendrite.Receptor]*projection.Inbox{}
	inbox := func(rec *dendrite.Receptor) *projection.Inbox {
		in, ok := inboxes[rec]
		if !ok {
			in = projection.NewInbox(rec)
			inboxes[rec] = in
			sh.Inboxes = append(sh.Inboxes, in)
		}
		return in
	}
	far := net.FarAxons()
	deferred := map[string]bool{}
	for _, pr := range net.Projections {
		if pr.Target == pi && pr.Plastic {
			deferred[pr.Receptor] = true
		}
	}
	for k, pr := range net.Projections {
		if pr.Target != pi {
			continue
		}
		if !within(pr.Columns, sh.Lo, sh.Hi) {
			return fmt.Errorf("projection %q: the network holds the synapses of neurons %v of %q only, not those of this shard, [%d, %d) (network.BuildPart)",
				pr.Name, pr.Columns, net.Populations[pi].Name, sh.Lo, sh.Hi)
		}
		rec, _ := sh.Population.Receptor(pr.Receptor)
		in := inbox(rec)
		syn := Columns(pr.Runtime.Syn, sh.Lo, sh.Hi)
		if !pr.Plastic && pr.Runtime.Mask() == nil && syn != pr.Runtime.Syn {
			syn.Compact() // static copy: one weight for all, if they agree (a mask reads them one by one)
		}
		sh.Syn[k] = syn
		ax := net.Axons[pr.Axon].Axon
		batch := net.Populations[pi].Batch
		rt, err := projection.New(pr.Name, syn, batch, in, ax.MaxLatency())
		if err != nil {
			return err
		}
		// The shard's part of the mask, taken now: a later SetMask on the
		// network's projection does not reach a split population (see the
		// package documentation).
		var mask []bool
		if m := pr.Runtime.Mask(); m != nil {
			mask = ColumnValues(pr.Runtime.Syn, m, sh.Lo, sh.Hi)
			if err := rt.SetMask(mask); err != nil {
				return err
			}
		}
		if pr.Plastic && pr.Rule != nil {
			pp, err := plasticity.NewSynapses(syn, batch, net.Config.DtMs, pr.Wmin, pr.Wmax)
			if err != nil {
				return fmt.Errorf("projection %q: %w", pr.Name, err)
			}
			pp.Mask = mask // masked synapses do not learn, as in the network
			l, err := plasticity.NewLearner(pp, pr.Rule)
			if err != nil {
				return fmt.Errorf("projection %q: %w", pr.Name, err)
			}
			// A normalised projection's target is never split (see
			// Splittable): its one shard holds the network's own CSR,
			// which the network's normaliser works on.
			l.Normalize = pr.Learner.Normalize
			rt.SetLearner(l)
		}
		if pr.Latency != nil {
			l := ColumnValues(pr.Runtime.Syn, pr.Runtime.Latencies(), sh.Lo, sh.Hi)
			rule, err := pr.Latency.New(latency.Synapses{Syn: syn, Dt: net.Config.DtMs, L: l, Max: pr.LatencyMax})
			if err != nil {
				return fmt.Errorf("projection %q: %w", pr.Name, err)
			}
			if err := rt.SetLatency(rule, l, pr.LatencyMax); err != nil {
				return err
			}
		}
		if far[pr.Axon] {
			// As the network does (Network.FarAxons), once set up.
			if err := rt.MoveTo(inbox(rec.Far())); err != nil {
				return err
			}
		}
		if pr.Plastic {
			sh.Plastic = append(sh.Plastic, rt)
			sh.PlasticOf = append(sh.PlasticOf, k)
		}
		if pr.FollowAxon >= 0 {
			rt.Follow(net.Axons[pr.FollowAxon].Axon.MaxLatency())
			sh.ModIn[pr.FollowAxon] = append(sh.ModIn[pr.FollowAxon], rt)
		}
		sh.In[pr.Axon] = append(sh.In[pr.Axon], rt)
	}
	return nil
}

// within reports whether [lo, hi) lies in one of the ranges cols (nil:
// all columns).
func within(cols [][2]int, lo, hi int) bool {
	if cols == nil {
		return true
	}
	for _, r := range cols {
		if lo >= r[0] && hi <= r[1] {
			return true
		}
	}
	return false
}

// Columns returns the part of c whose columns lie in [lo, hi) (c itself
// for the whole range); see synapse.CSR.Columns.
func Columns(c *synapse.CSR, lo, hi int) *synapse.CSR {
	if lo == 0 && hi == c.Cols {
		return c
	}
	return c.Columns(lo, hi)
}

// ColumnValues returns the part of a per-synapse array v of c (CSR order)
// that belongs to the columns in [lo, hi), in the order of c.Columns(lo,
// hi) — v itself for the whole range. It serves learnt latencies
// ([]float32) and masks ([]bool) alike.
func ColumnValues[T any](c *synapse.CSR, v []T, lo, hi int) []T {
	if lo == 0 && hi == c.Cols {
		return v
	}
	n := 0
	for _, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			n++
		}
	}
	out := make([]T, 0, n) // not nil even when empty: a nil mask means none
	for k, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			out = append(out, v[k])
		}
	}
	return out
}

// Gather writes the weights (and learnt latencies) of every shard's part
// of projection k back into the network's projection (for monitors and
// comparisons after a sharded run).
func Gather(net *network.Network, shards [][]*Shard, k int) {
	pr := net.Projections[k]
	if pr.Latency != nil {
		gatherLatencies(pr, shards[pr.Target], k)
	}
	full := pr.Runtime.Syn
	for _, sh := range shards[pr.Target] {
		part := sh.Syn[k]
		if sh.Population == nil {
			continue // a stub: the shard lives elsewhere (SplitPart)
		}
		if _, static := part.Uniform(); part == full || static || !pr.Plastic {
			continue // shared, or never changed
		}
		// Walk each row of the whole and of the part together.
		for r := 0; r < full.Rows; r++ {
			q := part.Ptr[r]
			for kk := full.Ptr[r]; kk < full.Ptr[r+1]; kk++ {
				if j := int(full.Idx[kk]); j >= sh.Lo && j < sh.Hi {
					full.W[kk] = part.W[q]
					q++
				}
			}
		}
	}
}

// Place writes vals, the values of the synapses of full whose columns lie
// in [lo, hi) in the order of full.Columns(lo, hi) (a shard's weights or
// learnt latencies), into dst, full's per-synapse array (CSR order): the
// reverse of ColumnValues. A count of values that does not match is an
// error, and nothing is written.
func Place(full *synapse.CSR, lo, hi int, dst, vals []float32) error {
	if len(dst) != full.Len() {
		return fmt.Errorf("%d values for %d synapses", len(dst), full.Len())
	}
	n := 0
	for _, j := range full.Idx {
		if int(j) >= lo && int(j) < hi {
			n++
		}
	}
	if len(vals) != n {
		return fmt.Errorf("%d values for the %d synapses of neurons [%d, %d)", len(vals), n, lo, hi)
	}
	q := 0
	for k, j := range full.Idx {
		if int(j) >= lo && int(j) < hi {
			dst[k] = vals[q]
			q++
		}
	}
	return nil
}

// Fingerprint summarises a network and its shard layout — time step,
// batch, seed, the segment length, populations, sizes and shard ranges,
// each projection's name, ends, shape and plasticity, and masks — so that the
// processes of a run, each of which builds its own part of the network
// (network.BuildPart), can check that they built the same model. It reads
// no synapse: no process holds them all.
func Fingerprint(net *network.Network, shards [][]*Shard) uint64 {
	h := fnv.New64a()
	put := func(xs ...uint64) {
		var b [8]byte
		for _, x := range xs {
			binary.LittleEndian.PutUint64(b[:], x)
			h.Write(b[:])
		}
	}
	put(math.Float64bits(net.Config.DtMs), uint64(net.Config.Batch), net.Config.Seed, uint64(net.MinLatency()))
	for i, p := range net.Populations {
		h.Write([]byte(p.Name))
		put(uint64(p.N), uint64(len(shards[i])))
		for _, sh := range shards[i] {
			put(uint64(sh.Lo), uint64(sh.Hi))
		}
	}
	for _, a := range net.Axons {
		h.Write([]byte(a.Name))
		put(uint64(a.Source), uint64(a.Axon.Rows()), uint64(a.Axon.MinLatency()), uint64(a.Axon.MaxLatency()))
	}
	for _, pr := range net.Projections {
		h.Write([]byte(pr.Name))
		h.Write([]byte(pr.Receptor))
		syn := pr.Runtime.Syn
		plastic := uint64(0)
		if pr.Plastic {
			plastic = 1
		}
		put(uint64(pr.Source), uint64(pr.Target), uint64(pr.Axon), uint64(int64(pr.FollowAxon)), uint64(syn.Rows), uint64(syn.Cols), plastic,
			uint64(math.Float32bits(pr.Wmin)), uint64(math.Float32bits(pr.Wmax)))
		if m := pr.Runtime.Mask(); m != nil {
			// Masks are set on whole projections (network.Projection.SetMask)
			// by the program that runs the engine: a process that did not
			// set the same ones is refused.
			x := uint64(1)
			for k, pass := range m {
				if !pass {
					x = x*1099511628211 ^ uint64(k)
				}
			}
			put(uint64(len(m)), x)
		}
	}
	return h.Sum64()
}

// gatherLatencies copies each shard's learnt latencies of projection k
// into the network's.
func gatherLatencies(pr *network.Projection, shards []*Shard, k int) {
	full, all := pr.Runtime.Syn, pr.Runtime.Latencies()
	for _, sh := range shards {
		if sh.Population == nil {
			continue // a stub
		}
		part := sh.Latencies(k)
		if len(part) == 0 || &part[0] == &all[0] {
			continue // empty, or shared with the network
		}
		q := 0
		for kk, j := range full.Idx {
			if int(j) >= sh.Lo && int(j) < sh.Hi {
				all[kk] = part[q]
				q++
			}
		}
	}
}

// Latencies returns the shard's learnt latencies of projection k (CSR
// order of Syn[k]), or nil.
func (sh *Shard) Latencies(k int) []float32 {
	for i, p := range sh.PlasticOf {
		if p == k {
			return sh.Plastic[i].Latencies()
		}
	}
	return nil
}

// ColumnCopies returns the bytes of the column copies the shards hold
// (a shard that uses the network's own CSR adds nothing), per projection
// name and in total.
func ColumnCopies(net *network.Network, shards [][]*Shard) (map[string]int64, int64) {
	per := map[string]int64{}
	var total int64
	for _, ps := range shards {
		for _, sh := range ps {
			for k, syn := range sh.Syn {
				if syn == net.Projections[k].Runtime.Syn {
					continue
				}
				b := int64(syn.Memory())
				per[net.Projections[k].Name] += b
				total += b
			}
		}
	}
	return per, total
}
