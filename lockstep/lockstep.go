// Package lockstep runs a network's shards on several cores of one
// process in lockstep: every shard computes a segment of E steps (E = the
// smallest latency of any link), then the axons turn the segment's spikes
// into events, then every shard takes the events — with a spinning barrier
// between the phases instead of messages. When every axon is memoryless
// and fed by spikes (the usual case), each worker turns its own shards'
// spikes into events as soon as it has computed them, into one of two
// buffers that alternate from segment to segment, so that a segment needs
// one barrier instead of two.
//
// It computes what the sequential stepper and the actor runtime compute,
// bit for bit (the same shards, the same canonical order of delivery:
// emission step, axon, projection, source). It exists for models whose
// links are one step long (CUBA and COBA have no delays): there the actor
// runtime passes a message per link per step, and each cross-core hand-off
// wakes a parked thread, which costs more than the step itself. A barrier
// between goroutines that spin costs a fraction of a microsecond. The
// actor runtime remains the engine for worker processes, user actors,
// pause and resume.
//
// Workers spin while they wait, so an engine should not have more workers
// than idle cores; the default is GOMAXPROCS.
package lockstep

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
)

// Options configure an engine.
type Options struct {
	// Shards per population name (missing or < 1: one). Populations that
	// cannot be split must have one (layout.Splittable).
	Shards map[string]int
	// Workers is the number of goroutines that step shards; default
	// GOMAXPROCS, at most the number of shards.
	Workers int
	// Balance, instead of Shards, splits the populations over the workers
	// evenly: every worker gets as many neurons as the
	// others, and at most Workers − 1 populations are cut (CUBA on two
	// cores: E in two shards of 20,000 and 12,000 neurons, I whole with
	// the second), where Shards cuts every population it names.
	Balance bool
	// OnSpikes, if set, receives every population's spikes of a segment,
	// in order (step, then element), from the goroutine that called Run;
	// the slices are valid during the call only.
	OnSpikes func(population string, steps []int64, elements []uint32)
	// OnProgress, if set, is called after every segment with the number
	// of steps computed so far.
	OnProgress func(steps int64)
	// DiscardSpikes keeps no spikes once handed to OnSpikes (Spikes then
	// returns an error).
	DiscardSpikes bool
	// ReleaseSynapses drops the network's copy of every static projection
	// into a split population once its shards hold their parts
	// (each shard holds its columns); their weights can then no longer be read
	// from the network.
	ReleaseSynapses bool
}

// Engine runs a network in lockstep.
type Engine struct {
	net    *network.Network
	shards [][]*shard.Shard
	all    []*shard.Shard // every shard, in population order
	e      int            // segment length, steps
	o      Options
	learn  bool

	work [][]int // per worker: indices into all (phase 1)
	pops [][]int // per worker: population indices (phase 2)

	// direct: every axon that feeds a projection is memoryless
	// (axon.Runtime.Direct) and its source population spikes (not graded),
	// so each shard's spikes turn into events on their own and a worker
	// emits its shards' events itself: one barrier per segment, no phase
	// 2.
	direct bool
	first  []int   // per population: the index of its first shard in all
	outAx  [][]int // per population: its axons that feed projections

	// Buffers written in a segment and read in the next come in two,
	// indexed by the parity of the segment (seg & 1): a segment's writes
	// go to one while the previous segment's are read from the other.
	//
	// Per buffer, per shard: what it fired (population indices) or
	// output, per step of the segment.
	out [2][]shard.Output
	// Per population: spikes of the segment (merged), for recording.
	segSteps [][]int64
	segElems [][]uint32
	spSteps  [][]int64 // kept spikes, per population
	spElems  [][]uint32
	// Per axon: the events of the segment, with their emission steps
	// (phase 2; not direct).
	events [][]shard.StepEvent
	// Direct: per buffer, per shard, per axon of outAx[its population]:
	// the events of its spikes in the segment.
	shEvents [2][][][]shard.StepEvent
	// Per shard: the axons that reach it (ascending), and scratch for
	// shard.Take.
	inputs  [][]int
	takeEvs [][][]shard.StepEvent
	pos     [][]int
	// Direct, per shard: per input, the events of every shard of the
	// source merged by step (scratch); per source shard, a position.
	merged [][][]shard.StepEvent
	srcPos [][]int
	// Direct, per shard, per axon of outAx[its population]: the emitter
	// of the shard's part of the axon's events (phase 1).
	shEm [][]*shard.Emitter
	// Not direct, per axon: its emitter (phase 2).
	axEm []*shard.Emitter

	touched []uint32 // per worker: sums of the prefetching reads, kept so that they stay
	step    int64    // next step
	seg     uint64   // segments computed so far (their parity picks the buffers)
	end     int64    // where the current run ends
	prev    span     // the segment whose events are pending
	// The previous segment's spikes are not recorded yet: they are in
	// buffer recBuf.
	pendingRecord bool
	recBuf        uint64
	recSpan       span
	errs          []error // per worker, set when it failed
	stop          atomic.Bool
	stopReq       atomic.Bool // Stop was called; consumed by the run it ends
	// Worker 0's reading of stopReq for a segment, for all workers, per
	// buffer.
	halt     [2]bool
	bar      barrier
	mu       sync.Mutex
	running  bool
	closed   bool
	failed   error
	startCh  []chan int // per worker > 0: a run to take part in; closed by Close
	doneWG   sync.WaitGroup
	workerWG sync.WaitGroup
}

// span is the steps [from, to) of a segment.
type span struct{ from, to int64 }

// New splits the network into shards and prepares the workers. The network
// must not have been stepped; the engine owns it from now on.
func New(net *network.Network, o Options) (_ *Engine, err error) {
	if net == nil {
		return nil, errors.New("lockstep: no network (nil)")
	}
	if len(net.Populations) == 0 {
		return nil, errors.New("lockstep: the network has no population")
	}
	if name, ok := net.Stepped(); ok {
		return nil, fmt.Errorf("lockstep: the network has been stepped (population %q): build it again for a new engine (Restore takes a checkpoint into it)", name)
	}
	if o.Workers < 0 {
		return nil, fmt.Errorf("lockstep: Workers %d: must be >= 0 (0: GOMAXPROCS)", o.Workers)
	}
	if err := shard.CheckCounts(net, o.Shards); err != nil {
		return nil, fmt.Errorf("lockstep: Shards: %w", err)
	}
	if o.Balance && len(o.Shards) > 0 {
		return nil, errors.New("lockstep: Balance and Shards both set")
	}
	const who = "a lockstep engine"
	if err := net.Claim(who); err != nil {
		return nil, fmt.Errorf("lockstep: %w", err)
	}
	defer func() {
		// A failure that left the network as it was gives it back (one
		// that released its synapses did not).
		if err != nil && !o.ReleaseSynapses {
			net.Unclaim(who)
		}
	}()
	w := o.Workers
	if w < 1 {
		w = runtime.GOMAXPROCS(0)
	}
	var (
		shards [][]*shard.Shard
		pieces []shard.Piece
	)
	if o.Balance {
		pieces, shards, err = shard.SplitBalanced(net, w, o.ReleaseSynapses)
	} else {
		split := shard.Split
		if o.ReleaseSynapses {
			split = shard.SplitReleasing
		}
		shards, err = split(net, o.Shards)
	}
	if err != nil {
		return nil, fmt.Errorf("lockstep: %w", err)
	}
	e := &Engine{net: net, shards: shards, e: net.MinLatency(), o: o, learn: true}
	for _, s := range shards {
		e.all = append(e.all, s...)
	}
	if pieces != nil {
		e.place(pieces)
		w = len(e.work)
	} else {
		w = max(1, min(w, len(e.all)))
		e.plan(w)
	}
	e.wire()
	e.errs = make([]error, w)
	e.touched = make([]uint32, w)
	e.bar.n = int32(w)
	e.bar.cond = sync.NewCond(&e.bar.mu)
	// With a processor to spare a waiter need not yield its own: Gosched
	// goes through the scheduler's global queue and lock.
	e.bar.yield = w >= runtime.GOMAXPROCS(0)
	e.startCh = make([]chan int, w)
	for k := 1; k < w; k++ {
		e.startCh[k] = make(chan int, 1)
		e.workerWG.Add(1)
		go e.worker(k)
	}
	return e, nil
}

// wire sets up what the engine keeps between segments: the shards'
// output buffers, each population's axons and the shards that take their
// events, and the emitters — per shard when every axon is memoryless and
// fed by spikes (the direct path: one barrier per segment), else per axon.
func (e *Engine) wire() {
	net, shards := e.net, e.shards
	for b := range e.out {
		e.out[b] = make([]shard.Output, len(e.all))
	}
	np := len(net.Populations)
	e.first = make([]int, np)
	for p := 1; p < np; p++ {
		e.first[p] = e.first[p-1] + len(shards[p-1])
	}
	e.outAx = make([][]int, np)
	e.direct = true
	for a, ax := range net.Axons {
		if len(ax.Targets) == 0 && len(ax.ModTargets) == 0 {
			continue
		}
		e.outAx[ax.Source] = append(e.outAx[ax.Source], a)
		if !ax.Axon.Direct() || shards[ax.Source][0].Population.Graded() {
			e.direct = false
		}
	}
	e.segSteps, e.segElems = make([][]int64, np), make([][]uint32, np)
	e.spSteps, e.spElems = make([][]int64, np), make([][]uint32, np)
	na := len(net.Axons)
	e.events = make([][]shard.StepEvent, na)
	e.inputs = make([][]int, len(e.all))
	e.takeEvs = make([][][]shard.StepEvent, len(e.all))
	e.pos = make([][]int, len(e.all))
	for i, sh := range e.all {
		for a := range net.Axons {
			if len(sh.In[a]) > 0 || len(sh.ModIn[a]) > 0 {
				e.inputs[i] = append(e.inputs[i], a)
			}
		}
		e.pos[i] = make([]int, len(e.inputs[i]))
	}
	if e.direct {
		most := 0
		for _, s := range shards {
			most = max(most, len(s))
		}
		for b := range e.shEvents {
			e.shEvents[b] = make([][][]shard.StepEvent, len(e.all))
			for i, sh := range e.all {
				e.shEvents[b][i] = make([][]shard.StepEvent, len(e.outAx[sh.Pop]))
			}
		}
		e.merged = make([][][]shard.StepEvent, len(e.all))
		e.srcPos = make([][]int, len(e.all))
		e.shEm = make([][]*shard.Emitter, len(e.all))
		for i, sh := range e.all {
			e.merged[i] = make([][]shard.StepEvent, len(e.inputs[i]))
			e.srcPos[i] = make([]int, most)
			for _, a := range e.outAx[sh.Pop] {
				e.shEm[i] = append(e.shEm[i], &shard.Emitter{Axon: net.Axons[a].Axon})
			}
		}
	} else {
		e.axEm = make([]*shard.Emitter, na)
		for a, ax := range net.Axons {
			e.axEm[a] = &shard.Emitter{Axon: ax.Axon, Graded: shards[ax.Source][0].Population.Graded()}
		}
	}
}

// place assigns the shards to the workers that pieces (one per shard, in
// order) name, leaving out workers without any, and populations as plan
// does.
func (e *Engine) place(pieces []shard.Piece) {
	byWorker := map[int][]int{}
	for i, pc := range pieces {
		byWorker[pc.Worker] = append(byWorker[pc.Worker], i)
	}
	ws := slices.Sorted(maps.Keys(byWorker))
	e.work = make([][]int, len(ws))
	for k, w := range ws {
		e.work[k] = byWorker[w]
	}
	e.planPops()
}

// plan assigns shards (largest first, to the least loaded worker) and
// populations (by the neurons their axons emit for) to w workers.
func (e *Engine) plan(w int) {
	e.work = make([][]int, w)
	load := make([]int, w)
	idx := make([]int, len(e.all))
	for i := range idx {
		idx[i] = i
	}
	size := func(i int) int { return e.all[i].Hi - e.all[i].Lo }
	slices.SortStableFunc(idx, func(a, b int) int { return size(b) - size(a) })
	for _, i := range idx {
		k := slices.Index(load, slices.Min(load))
		e.work[k] = append(e.work[k], i)
		load[k] += size(i)
	}
	for k := range e.work {
		slices.Sort(e.work[k])
	}
	e.planPops()
}

// planPops assigns the populations (whose axons phase 2 runs) to the
// workers, each to the least loaded by neurons.
func (e *Engine) planPops() {
	e.pops = make([][]int, len(e.work))
	load := make([]int, len(e.work))
	for p, pop := range e.net.Populations {
		k := slices.Index(load, slices.Min(load))
		e.pops[k] = append(e.pops[k], p)
		load[k] += pop.N
	}
}

// Shards returns the number of shards of each population, in network
// order.
func (e *Engine) Shards() []int {
	out := make([]int, len(e.shards))
	for i, s := range e.shards {
		out[i] = len(s)
	}
	return out
}

// Workers returns the number of worker goroutines.
func (e *Engine) Workers() int { return len(e.work) }

// SegmentSteps returns the segment length E, in steps.
func (e *Engine) SegmentSteps() int { return e.e }

// Steps returns the number of steps run so far (the next step to compute).
func (e *Engine) Steps() int64 { return e.step }

// Events returns the synaptic events delivered so far, summed over the
// shards: for every event that arrived at a projection at a step computed
// so far, the synapses of its source's row — the same count as the
// sequential stepper's (stepper.Stepper.Events). Call it between runs.
func (e *Engine) Events() int64 {
	var n int64
	for _, sh := range e.all {
		for _, in := range sh.Inboxes {
			n += in.Events()
		}
	}
	return n
}

// SetLearning switches plasticity on or off for the following runs
// (traces keep running either way).
func (e *Engine) SetLearning(on bool) { e.learn = on }

// RunMs advances by the given simulated time, rounded to whole steps.
func (e *Engine) RunMs(ms float64) error {
	n, err := engine.Steps(ms, e.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("lockstep: %w", err)
	}
	return e.Run(n)
}

// Run advances the network by steps steps. Consecutive runs continue one
// another (spikes in flight are kept). After an error the engine stops
// for good.
func (e *Engine) Run(steps int) error {
	if steps < 0 {
		return fmt.Errorf("lockstep: %d steps: must be >= 0", steps)
	}
	e.mu.Lock()
	switch {
	case e.closed:
		e.mu.Unlock()
		return errors.New("lockstep: the engine is closed")
	case e.failed != nil:
		e.mu.Unlock()
		return fmt.Errorf("lockstep: an earlier run failed: %w", e.failed)
	case e.running:
		e.mu.Unlock()
		return errors.New("lockstep: a run is already in progress")
	}
	e.running = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
	}()
	if e.stopReq.Swap(false) {
		return ErrStopped
	}
	if steps == 0 {
		return nil
	}
	e.end = e.step + int64(steps)
	w := len(e.work)
	e.doneWG.Add(w - 1)
	for k := 1; k < w; k++ {
		e.startCh[k] <- 0
	}
	e.loop(0)
	e.doneWG.Wait()
	for _, err := range e.errs {
		if err != nil {
			e.mu.Lock()
			e.failed = err
			e.mu.Unlock()
			return err
		}
	}
	e.record(e.step)
	if e.stopReq.Swap(false) && e.step < e.end {
		return ErrStopped
	}
	return nil
}

// ErrStopped is returned by a Run that Stop ended early.
var ErrStopped = errors.New("lockstep: run stopped")

// Stop ends the run in progress at the end of the segment being computed
// (or the next one, when called from OnSpikes or OnProgress, which run
// between segments); that Run returns ErrStopped, with everything up to
// Step computed and recorded, and a later Run continues from there. A
// Stop while no run is in progress ends the next Run before it steps. It
// may be called from any goroutine.
func (e *Engine) Stop() { e.stopReq.Store(true) }

// segmentAfter returns the end of the segment that starts at from:
// segments stay aligned to multiples of E, so that a run that stops in the
// middle of one continues where it should.
func (e *Engine) segmentAfter(from int64) int64 {
	return min((from/int64(e.e)+1)*int64(e.e), e.end)
}

func (e *Engine) worker(k int) {
	defer e.workerWG.Done()
	for range e.startCh[k] {
		e.loop(k)
		e.doneWG.Done()
	}
}

// loop is one worker's part of a run: every segment, phase 1 (its
// shards; when direct, also their axons' events), a barrier, then unless
// direct phase 2 (its populations' axons) and a second barrier. Worker 0
// also records the previous segment's spikes during phase 1 (they are in
// the other buffer, rewritten only in the segment after), and reads
// whether Stop was called, which every worker honours after the segment.
// A failure anywhere stops every worker after the same barrier.
func (e *Engine) loop(k int) {
	from, prev, seg := e.step, e.prev, e.seg
	for from < e.end {
		to := e.segmentAfter(from)
		b := seg & 1
		if k == 0 {
			if e.pendingRecord {
				e.record(from)
			}
			// Every worker reads this after the segment's barrier;
			// worker 0 writes this buffer's flag again two segments on,
			// once every worker has passed the next barrier.
			e.halt[b] = e.stopReq.Load()
		}
		e.fail(k, e.protect(k, from, func() error { return e.compute(k, b, prev, from, to) }))
		e.bar.wait()
		if e.stop.Load() {
			return
		}
		halt := e.halt[b]
		if !e.direct {
			e.fail(k, e.protect(k, from, func() error { return e.emit(k, b, from, to) }))
			e.bar.wait()
			if e.stop.Load() {
				return
			}
		}
		if k == 0 {
			e.pendingRecord, e.recBuf, e.recSpan = true, b, span{from, to}
		}
		prev = span{from, to}
		from = to
		seg++
		if halt {
			break
		}
	}
	if k == 0 {
		e.step, e.prev, e.seg = from, prev, seg
	}
}

// fail records worker k's error, if any, and tells every worker to stop
// after the next barrier.
func (e *Engine) fail(k int, err error) {
	if err != nil {
		e.errs[k] = err
		e.stop.Store(true)
	}
}

// protect turns a panic into an error naming the worker's part.
func (e *Engine) protect(k int, from int64, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lockstep: worker %d: panic in the segment from step %d: %v", k, from, r)
		}
	}()
	return f()
}

// compute is phase 1 for worker k's shards: take the previous segment's
// events, then step through this segment, writing buffer b; when direct,
// turn the shard's spikes into events too.
func (e *Engine) compute(k int, b uint64, prev span, from, to int64) error {
	for _, i := range e.work[k] {
		sh := e.all[i]
		e.touched[k] += e.deliver(i, sh, b^1, prev)
		if err := e.stepShard(i, sh, b, from, to); err != nil {
			return err
		}
		if e.direct {
			e.emitShard(i, b, from, to)
		}
	}
	return nil
}

// deliver hands a shard the events of the previous segment (shard.Take),
// which are in buffer pb.
func (e *Engine) deliver(i int, sh *shard.Shard, pb uint64, prev span) uint32 {
	if prev.to == prev.from || len(e.inputs[i]) == 0 {
		return 0
	}
	evs := e.takeEvs[i][:0]
	for n, a := range e.inputs[i] {
		if e.direct {
			evs = append(evs, e.gather(i, n, e.net.Axons[a].Source, pb, prev))
		} else {
			evs = append(evs, e.events[a])
		}
	}
	e.takeEvs[i] = evs
	return sh.Take(e.net, prev.from, prev.to, e.inputs[i], evs, e.pos[i])
}

// gather returns the events of input n of shard i (an axon of population
// p) in the segment prev, from buffer pb: those of every shard of p, step
// by step (the order of the axon's events had the whole population
// emitted them: a step's spikes ascend from shard to shard).
func (e *Engine) gather(i, n, p int, pb uint64, prev span) []shard.StepEvent {
	src := e.shards[p]
	slot := slices.Index(e.outAx[p], e.inputs[i][n])
	if len(src) == 1 {
		return e.shEvents[pb][e.first[p]][slot]
	}
	out := e.merged[i][n][:0]
	if prev.to-prev.from == 1 {
		for j := range src {
			out = append(out, e.shEvents[pb][e.first[p]+j][slot]...)
		}
		e.merged[i][n] = out
		return out
	}
	pos := e.srcPos[i][:len(src)]
	clear(pos)
	for st := prev.from; st < prev.to; st++ {
		for j := range src {
			evs := e.shEvents[pb][e.first[p]+j][slot]
			q := pos[j]
			for q < len(evs) && evs[q].Step == st {
				out = append(out, evs[q])
				q++
			}
			pos[j] = q
		}
	}
	e.merged[i][n] = out
	return out
}

// stepShard computes the segment's steps of shard i into buffer b
// (shard.Shard.StepSegment).
func (e *Engine) stepShard(i int, sh *shard.Shard, b uint64, from, to int64) error {
	var at int64
	if err := sh.StepSegment(e.net, from, to, e.learn, &e.out[b][i], &at); err != nil {
		return e.errAt(at, sh, err)
	}
	return nil
}

// emitShard turns the spikes of shard i in the segment (buffer b) into
// the events of its population's axons (direct only: the axons are
// memoryless, so that each shard's part can be emitted on its own, and
// concurrently).
func (e *Engine) emitShard(i int, b uint64, from, to int64) {
	var at int64
	for slot, m := range e.shEm[i] {
		// A memoryless axon fed by spikes does not fail.
		e.shEvents[b][i][slot], _ = m.Emit(from, int(to-from), e.out[b][i:i+1], e.shEvents[b][i][slot][:0], nil, &at)
	}
}

func (e *Engine) errAt(step int64, sh *shard.Shard, err error) error {
	name := e.net.Populations[sh.Pop].Name
	if len(e.shards[sh.Pop]) > 1 {
		name = fmt.Sprintf("%s[%d:%d]", name, sh.Lo, sh.Hi)
	}
	return fmt.Errorf("step %d: population %s: %w", step, name, err)
}

// emit is phase 2 for worker k's populations (not direct): run their
// axons on the segment's output, in buffer b.
func (e *Engine) emit(k int, b uint64, from, to int64) error {
	n := int(to - from)
	for _, p := range e.pops[k] {
		for _, a := range e.outAx[p] {
			if err := e.emitAxon(a, b, e.first[p], len(e.shards[p]), from, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// emitAxon turns the segment's output of the source's shards (all[first:
// first+count]) in buffer b into axon a's events (shard.Emitter).
func (e *Engine) emitAxon(a int, b uint64, first, count int, from int64, n int) error {
	var (
		at  int64
		err error
	)
	e.events[a], err = e.axEm[a].Emit(from, n, e.out[b][first:first+count], e.events[a][:0], nil, &at)
	if err != nil {
		return fmt.Errorf("step %d: axon %q of population %s: %w", at, e.net.Axons[a].Name,
			e.net.Populations[e.net.Axons[a].Source].Name, err)
	}
	return nil
}

// record hands the last segment's spikes (merged from its shards' in
// buffer recBuf, step by step) to OnSpikes, keeps them, and reports
// progress up to step.
func (e *Engine) record(step int64) {
	if !e.pendingRecord {
		return
	}
	e.pendingRecord = false
	defer func() {
		if e.o.OnProgress != nil {
			e.o.OnProgress(step)
		}
	}()
	out, sp := e.out[e.recBuf], e.recSpan
	for p, pop := range e.net.Populations {
		steps, elems := e.segSteps[p][:0], e.segElems[p][:0]
		if first := e.first[p]; !e.shards[p][0].Population.Graded() {
			for s := range int(sp.to - sp.from) {
				st := sp.from + int64(s)
				for j := range e.shards[p] {
					for _, x := range out[first+j].Fired[s] {
						steps = append(steps, st)
						elems = append(elems, x)
					}
				}
			}
		}
		e.segSteps[p], e.segElems[p] = steps, elems
		if e.o.OnSpikes != nil {
			e.o.OnSpikes(pop.Name, steps, elems)
		}
		if !e.o.DiscardSpikes {
			e.spSteps[p] = append(e.spSteps[p], steps...)
			e.spElems[p] = append(e.spElems[p], elems...)
		}
	}
}

// Spikes returns the recorded spikes of a population (steps and elements,
// in order), or an error when the engine discards them or there is no
// such population.
func (e *Engine) Spikes(pop string) ([]int64, []uint32, error) {
	if e.o.DiscardSpikes {
		return nil, nil, errors.New("lockstep: spikes are discarded (Options.DiscardSpikes)")
	}
	i, ok := e.net.PopulationIndex(pop)
	if !ok {
		return nil, nil, fmt.Errorf("lockstep: no population %q", pop)
	}
	return e.spSteps[i], e.spElems[i], nil
}

// GatherWeights copies every shard's weights (and learnt latencies) back
// into the network's projections.
func (e *Engine) GatherWeights() {
	for k := range e.net.Projections {
		shard.Gather(e.net, e.shards, k)
	}
}

// Close stops the workers. The engine cannot run again.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.running {
		return
	}
	e.closed = true
	for k := 1; k < len(e.startCh); k++ {
		close(e.startCh[k])
	}
	e.workerWG.Wait()
}

// barrier is a reusable barrier for n goroutines. Waiters spin for a
// while (a hand-off between running goroutines then costs well under a
// microsecond) and then sleep, so that a worker whose thread was
// descheduled — the machine is busy — does not keep the others burning
// their time slices.
type barrier struct {
	n        int32
	yield    bool // spinning waiters yield the processor now and then
	count    atomic.Int32
	gen      atomic.Uint32
	sleepers atomic.Int32
	mu       sync.Mutex
	cond     *sync.Cond
}

// spinFor is how long a waiter checks the barrier before it goes to
// sleep: long enough to outlast the imbalance of a segment's work between
// workers, so that they seldom sleep and need waking.
const spinFor = 200 * time.Microsecond

// wait returns once all n goroutines have called it.
func (b *barrier) wait() {
	if b.n == 1 {
		return
	}
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Add(1)
		if b.sleepers.Load() > 0 {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		}
		return
	}
	var deadline time.Time
	for i := 1; ; i++ {
		if b.gen.Load() != g {
			return
		}
		if i&255 != 0 {
			continue
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(spinFor)
		} else if time.Now().After(deadline) {
			break
		}
		if b.yield {
			runtime.Gosched()
		}
	}
	b.mu.Lock()
	b.sleepers.Add(1)
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.sleepers.Add(-1)
	b.mu.Unlock()
}

// Checkpoint returns the network's state after the steps computed so far
// (package checkpoint), to restore on any engine and layout. Call it
// between runs. The events of the last segment, which the next segment
// would take first, are handed to their shards now.
func (e *Engine) Checkpoint() (*checkpoint.Snapshot, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running || e.closed || e.failed != nil {
		return nil, errors.New("lockstep: a checkpoint needs an engine between runs (not running, closed or failed)")
	}
	e.flush()
	return checkpoint.CaptureHoldings(e.net, shard.Holdings(e.shards), e.step)
}

// flush hands the shards the events of the last segment computed (which
// the next segment would take first), so that nothing is pending.
func (e *Engine) flush() {
	if e.prev.to == e.prev.from {
		return
	}
	pb := (e.seg & 1) ^ 1
	for i, sh := range e.all {
		e.touched[0] += e.deliver(i, sh, pb, e.prev)
	}
	e.prev = span{}
}

// Restore sets the network's state to snap's, on this engine's layout,
// and continues from its step. Call it before the first run.
func (e *Engine) Restore(snap *checkpoint.Snapshot) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running || e.closed || e.step != 0 {
		return errors.New("lockstep: restore a checkpoint into a new engine, before its first run")
	}
	if err := checkpoint.RestoreHoldings(snap, e.net, shard.Holdings(e.shards)); err != nil {
		return err
	}
	e.step = snap.Step
	return nil
}
