package actors

import (
	"errors"
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/clock"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
)

// shardActor owns one shard. In the coordinator's process it talks to
// the other actors with plain Go values; hosted by a worker process
// (remote) it talks protobuf (package messages) and learns where the
// coordinator's actors are from a WorkerInit.
type shardActor struct {
	net         *network.Network
	fail        func(error) // reports a failure: the run stops
	log         *zap.Logger
	sh          *shard.Shard
	id          uint32 // global shard id: index in (population, shard) order
	nshard      int    // shards of the population
	name        string
	remote      bool
	fingerprint uint64                 // worker: of the network and layout it built
	onInit      func(clock *actor.PID) // worker: learn where the clock is
	host        *workerHost            // worker: what its actors share

	clock *actor.PID
	// rec is the recorder, or nil when a bundle of the population forwards
	// its merged spikes to it.
	rec *actor.PID
	out []*actor.PID // bundles of the population's axons
	// outLocal tells, in a worker, which of out run in this process (they
	// take the output as it is; the others, and the recorder, protobuf).
	outLocal []bool
	// emitters are the population's axons this shard runs itself (it is
	// the population's only shard); self is its own PID.
	emitters []*emitter
	self     *actor.PID
	// inputs lists the axons (ascending) whose bundles feed this shard.
	inputs []int
	// takeEvs and touched: scratch for, and the sum returned by,
	// shard.Take.
	takeEvs [][]stepEvent
	touched uint32
	learn   bool
	ext     *extInput // input from an attachment, or nil

	seg     int64 // next segment to compute
	granted int64 // worker: the last segment granted
	segLen  int   // worker: the segment length, steps (from WorkerInit)
	// past holds the last segments computed, segment n at n mod
	// len(past): a batch applied lag segments late covers one of them.
	past []grant
	// lag gives, per input (by position in inputs), how many segments
	// after its own the batch of a segment is applied
	// (network.Network.Lags): 1 for near links; far links and modulator
	// links with long delays more. groups lists the inputs by lag, each
	// group applied together in the canonical order; maxLag is the
	// largest lag.
	lag    []int
	groups []lagGroup
	maxLag int
	// applied gives, per input, the first segment whose batch is still
	// to be applied: a checkpoint's flush applies every batch emitted so
	// far, ahead of time (0 until then). flushTo, when set, is the
	// flush waiting for batches still on their way.
	applied []int64
	flushTo *actor.PID
	// flushWire: the flush was asked over the wire (answer a
	// WorkerReady); state: the state taken or restored over the wire.
	flushWire bool
	state     stateIO
	restored  bool
	step      int64 // current step (for failure reports)
	grants    map[int64]grant
	pos       []int // per input: position in its batch while applying
	// in holds, per segment, the batches received so far (by position
	// in inputs); free keeps emptied slots for reuse, and slot gives the
	// position of each axon in inputs.
	in   map[int64]*inSlot
	free []*inSlot
	slot []int
	// ring holds the outputs of the last segments, reused in turn: the
	// output of segment j is read by the bundles and the recorder, and the
	// clock's window guarantees that they are done with it before the
	// shard computes segment j + len(ring) (see Engine.start).
	ring []*output

	// Remote mode: segment cutting (the clock's rule) and reassembly.
	plan    *clock.Cutter
	parts   map[[2]int64][]*messages.SpikeBatch // by (link, segment)
	scratch []messages.Event
}

func newShardActor(net *network.Network, sh *shard.Shard, id uint32, nshard int, fail func(error), log *zap.Logger) *shardActor {
	p := net.Populations[sh.Pop]
	name := p.Name
	if nshard > 1 {
		name = name + "[" + itoa(sh.Lo) + ":" + itoa(sh.Hi) + "]"
	}
	s := &shardActor{net: net, fail: fail, log: log, sh: sh, id: id, nshard: nshard, name: "shard " + name,
		grants: map[int64]grant{}, in: map[int64]*inSlot{}, parts: map[[2]int64][]*messages.SpikeBatch{},
		slot: make([]int, len(net.Axons)), ring: make([]*output, 1)}
	for a := range net.Axons {
		s.slot[a] = -1
		if sh.Population == nil {
			continue // a stub (shard.SplitPart): the shard runs in a worker
		}
		if len(sh.In[a]) > 0 || len(sh.ModIn[a]) > 0 {
			s.slot[a] = len(s.inputs)
			s.inputs = append(s.inputs, a)
		}
	}
	s.maxLag = 1
	if len(s.inputs) > 0 {
		lags := net.Lags(segmentLength(net))
		for k, a := range s.inputs {
			l := max(lags[a], 1)
			s.lag = append(s.lag, l)
			s.maxLag = max(s.maxLag, l)
			i := slices.IndexFunc(s.groups, func(g lagGroup) bool { return g.lag == l })
			if i < 0 {
				i = len(s.groups)
				s.groups = append(s.groups, lagGroup{lag: l})
			}
			s.groups[i].pos = append(s.groups[i].pos, k)
			s.groups[i].axons = append(s.groups[i].axons, a)
		}
	}
	s.past = make([]grant, s.maxLag)
	s.applied = make([]int64, len(s.inputs))
	return s
}

// lagGroup is the inputs of a shard with one lag: positions in inputs and
// their axons, both ascending.
type lagGroup struct {
	lag   int
	pos   []int
	axons []int
}

// inSlot gathers the batches of one segment.
type inSlot struct {
	got     int
	batches []*events // by position in shardActor.inputs
}

// Receive implements actor.Actor.
func (s *shardActor) Receive(ctx actor.Context) {
	defer guard(s.log, s.fail, s.name, &s.step)
	switch m := ctx.Message().(type) {
	case *grants:
		for _, g := range m.list {
			s.grants[g.seg] = g
		}
	case *events:
		s.take(m)
	case *actuation:
		s.ext.got[m.seg] = m.values
	case *flushReq:
		s.flushTo = ctx.Sender()
	default:
		if !s.receiveWire(ctx) {
			return
		}
	}
	for s.ready() {
		s.compute(ctx)
	}
	if s.flushTo != nil && s.flush() {
		var done any = &flushed{}
		if s.flushWire {
			done = &messages.WorkerReady{Actor: s.id}
		}
		ctx.Send(s.flushTo, done)
		s.flushTo, s.flushWire = nil, false
	}
}

// flushReq asks a shard, between runs, to apply every batch emitted so
// far (a checkpoint); it answers flushed once it has.
type flushReq struct{}

// flushed answers a flushReq.
type flushed struct{}

// flush applies, once all have arrived, the batches of every segment
// before s.seg not yet applied — in segment order within each group of
// inputs of one lag, as they would have been — and reports whether it
// did. Later segments then take no batch of those segments.
func (s *shardActor) flush() bool {
	for k, l := range s.lag {
		for m := max(s.applied[k], s.seg-int64(l), 0); m < s.seg; m++ {
			if b := s.in[m]; b == nil || b.batches[k] == nil {
				return false // still on its way
			}
		}
	}
	for gi := range s.groups {
		g := &s.groups[gi]
		from := max(s.applied[g.pos[0]], s.seg-int64(g.lag), 0)
		for m := from; m < s.seg; m++ {
			s.applyGroup(g, m)
		}
	}
	for k := range s.applied {
		s.applied[k] = s.seg
	}
	return true
}

// receiveWire handles the protobuf messages of a worker-hosted shard (and
// the coordinator's requests); it reports whether the shard may now be
// able to compute.
func (s *shardActor) receiveWire(ctx actor.Context) bool {
	switch m := ctx.Message().(type) {
	case *messages.WorkerInit:
		ctx.Respond(s.workerInit(m, ctx.Self()))
	case *messages.Control:
		return s.control(ctx, m)
	case *messages.GradedBatch:
		return s.actuationPart(m)
	case *messages.Grant:
		if !s.remote {
			s.wireFail("a grant before the worker was wired")
			return false
		}
		for {
			if _, n := s.plan.Cut(); n > int64(min(m.UntilEpoch, 1<<62)) {
				break
			}
			sg, ok := s.plan.Next()
			if !ok {
				break
			}
			s.grants[sg.N] = grant{seg: sg.N, from: sg.From, to: sg.To}
			s.granted = max(s.granted, sg.N)
		}
		return true
	case *messages.SpikeBatch:
		if !s.remote {
			s.wireFail("a spike batch before the worker was wired")
			return false
		}
		ev, err := s.unpack(m)
		if err != nil {
			s.wireFail("%v", err)
			return false
		}
		if ev != nil {
			if err := s.takeChecked(ev); err != nil {
				s.wireFail("%v", err)
				return false
			}
		}
		return true
	case *messages.StateRequest:
		if !s.remote {
			s.wireFail("a state request before the worker was wired")
			return false
		}
		ctx.Respond(s.state.serve(m, s.id, s.pieces))
	case *messages.StateChunk:
		ready := &messages.WorkerReady{Actor: s.id}
		if err := s.restoreChunk(ctx, m); err != nil {
			ready.Error = fmt.Sprintf("shard %d: %v", s.id, err)
		}
		ctx.Respond(ready)
	case *messages.EventsRequest:
		var n int64
		for _, in := range s.sh.Inboxes {
			n += in.Events()
		}
		ctx.Respond(&messages.Events{Actor: s.id, Events: n})
	case *messages.WeightsRequest:
		resp := &messages.Weights{Projection: m.Projection, Actor: s.id}
		if int(m.Projection) < len(s.net.Projections) {
			if w := s.sh.Syn[int(m.Projection)]; w != nil {
				resp.W = w.W
			}
			resp.Latency = s.sh.Latencies(int(m.Projection))
		}
		ctx.Respond(resp)
	}
	return false
}

// pieces returns the state of a worker-hosted shard at step: its own and
// that of the axons it runs (package checkpoint).
func (s *shardActor) pieces(step int64) ([]checkpoint.Piece, error) {
	ps, err := checkpoint.HoldingPieces(s.net, s.sh.Holding(), step)
	if err != nil {
		return nil, err
	}
	for _, m := range s.emitters {
		as, err := checkpoint.AxonPieces(s.net, m.index, step)
		if err != nil {
			return nil, err
		}
		ps = append(ps, as...)
	}
	return ps, nil
}

// restoreChunk takes a chunk of the state a worker-hosted shard restores
// (from its coordinator, before the first run) and, with the last, sets
// it: the shard's, its axons', and the step its segments start at.
func (s *shardActor) restoreChunk(ctx actor.Context, m *messages.StateChunk) error {
	switch {
	case !s.remote:
		return errors.New("a state to restore before the worker was wired")
	case ctx.Sender() == nil || ctx.Sender().Address != s.clock.Address:
		return errors.New("a state to restore from another process than the coordinator")
	case s.seg != 0 || s.restored:
		return errors.New("a state to restore after the first run, or a second time")
	case m.Step < 0:
		return fmt.Errorf("a state to restore at step %d", m.Step)
	}
	ps, err := s.state.take(m)
	if err != nil || ps == nil {
		return err
	}
	axons := map[string][]checkpoint.Piece{}
	var own []checkpoint.Piece
	for _, p := range ps {
		if p.Whole {
			axons[p.Unit] = append(axons[p.Unit], p)
		} else {
			own = append(own, p)
		}
	}
	if err := checkpoint.RestoreHolding(s.net, s.sh.Holding(), m.Step, own); err != nil {
		return err
	}
	for _, e := range s.emitters {
		u := checkpoint.AxonUnit(s.net, e.index)
		if err := checkpoint.RestoreAxon(s.net, e.index, m.Step, axons[u]); err != nil {
			return err
		}
		delete(axons, u)
	}
	for u := range axons {
		return fmt.Errorf("the state of %s, which this shard does not run", u)
	}
	if err := s.plan.StartAt(m.Step); err != nil {
		return err
	}
	s.step, s.restored = m.Step, true
	return nil
}

// workerInit checks a coordinator's WorkerInit against what this worker
// built and, if it agrees, wires the shard to the coordinator's actors;
// it returns the answer.
func (s *shardActor) workerInit(m *messages.WorkerInit, self *actor.PID) *messages.WorkerReady {
	ready := &messages.WorkerReady{Actor: s.id}
	if s.host == nil {
		ready.Error = fmt.Sprintf("shard %d: not hosted by a worker", s.id)
		return ready
	}
	switch err := s.host.checkInit(m); {
	case s.remote:
		ready.Error = fmt.Sprintf("shard %d: already wired to the coordinator at %s", s.id, s.clock.Address)
	case err != nil:
		ready.Error = fmt.Sprintf("shard %d: %v", s.id, err)
	default:
		s.init(m, self)
		for _, syn := range s.sh.Syn {
			ready.Synapses += uint64(syn.Len())
			ready.SynapseBytes += uint64(syn.Memory())
		}
	}
	return ready
}

// control handles a coordinator's control of a worker-hosted shard; it
// reports whether the shard may now be able to compute.
func (s *shardActor) control(ctx actor.Context, m *messages.Control) bool {
	if m.Command == messages.Control_STOP {
		// The run ends: the workers' connections will drop, which is
		// not news (Engine.Close sends this before it leaves). Only the
		// coordinator of a wired worker-hosted shard says so.
		switch {
		case s.host == nil || !s.remote:
			s.wireFail("a STOP before the worker was wired")
			return false
		case ctx.Sender() == nil || ctx.Sender().Address != s.clock.Address:
			s.wireFail("a STOP from another process than the coordinator")
			return false
		}
		if s.host.ending != nil {
			s.host.ending.Store(true)
		}
		ctx.Respond(&messages.WorkerReady{Actor: s.id})
		return false
	}
	if !s.remote {
		s.wireFail("a control before the worker was wired")
		return false
	}
	switch m.Command {
	case messages.Control_RUN_UNTIL:
		if cut, _ := s.plan.Cut(); m.UntilStep < cut {
			s.wireFail("run until step %d, before step %d already cut", m.UntilStep, cut)
			return false
		}
		s.plan.RunUntil(m.UntilStep)
		s.learn = m.Learn
		return true
	case messages.Control_FLUSH:
		s.flushTo, s.flushWire = ctx.Sender(), true
		return true
	case messages.Control_DRIVE:
		// An attachment drives this shard: from now on it waits for each
		// segment's actuation (the coordinator sends this before the
		// first run and waits for the answer).
		if s.ext == nil {
			s.ext = newExtInput(s.sh.Hi - s.sh.Lo)
			s.sh.Population.AddStimulus(s.ext)
		}
		ctx.Respond(&messages.WorkerReady{Actor: s.id})
	default:
		s.wireFail("control command %v", m.Command)
	}
	return false
}

// actuationPart files an actuation (or a part of one) for a
// worker-hosted shard; it reports whether the shard may now be able to
// compute.
func (s *shardActor) actuationPart(m *messages.GradedBatch) bool {
	switch {
	case !s.remote:
		s.wireFail("an actuation before the worker was wired")
		return false
	case s.ext == nil:
		s.wireFail("an actuation of segment %d for a shard no attachment drives", m.Epoch)
		return false
	case m.Link != s.id:
		s.wireFail("an actuation of segment %d for shard %d", m.Epoch, m.Link)
		return false
	}
	if err := checkWindow(int64(min(m.Epoch, 1<<62)), s.seg-1, s.granted+aheadSlack); err != nil {
		s.wireFail("actuation: %v", err)
		return false
	}
	if err := s.ext.take(m, s.sh.Hi-s.sh.Lo); err != nil {
		s.wireFail("%v", err)
		return false
	}
	return true
}

func (s *shardActor) take(m *events) {
	if err := s.takeChecked(m); err != nil {
		panic(err) // from this process: a bug
	}
}

// wireFail fails the run for a message from another process that this
// worker-hosted shard cannot take, naming the peer.
func (s *shardActor) wireFail(format string, args ...any) {
	from := "no coordinator yet"
	if s.clock != nil && s.remote {
		from = "its coordinator is " + s.clock.Address
	}
	s.fail(peerError("shard %d refused a message from the run's peers (%s): %s", s.id, from, fmt.Sprintf(format, args...)))
}

// takeChecked files a batch for its segment; a batch of an axon that does
// not feed this shard, or a second batch of an axon for a segment, is an
// error.
func (s *shardActor) takeChecked(m *events) error {
	if m.axon < 0 || m.axon >= len(s.slot) || s.slot[m.axon] < 0 {
		return fmt.Errorf("a batch of axon %d, which does not feed this shard", m.axon)
	}
	if k := s.slot[m.axon]; m.seg < s.seg-int64(s.lag[k]) || m.seg < s.applied[k] {
		return fmt.Errorf("a batch of axon %d for segment %d, already applied", m.axon, m.seg)
	}
	if b := s.in[m.seg]; b != nil && b.batches[s.slot[m.axon]] != nil {
		return fmt.Errorf("a second batch of axon %d for segment %d", m.axon, m.seg)
	}
	b := s.in[m.seg]
	if b == nil {
		if n := len(s.free); n > 0 {
			b, s.free = s.free[n-1], s.free[:n-1]
		} else {
			b = &inSlot{batches: make([]*events, len(s.inputs))}
		}
		s.in[m.seg] = b
	}
	b.batches[s.slot[m.axon]] = m
	b.got++
	return nil
}

// init wires a worker-hosted shard to the coordinator's actors and to
// the bundles of its population's axons, local or in other workers; a
// population's only shard runs its axons itself. m has been checked.
func (s *shardActor) init(m *messages.WorkerInit, self *actor.PID) {
	s.remote, s.segLen = true, int(m.SegmentSteps) // checked against the network's
	plan, err := clock.New(int(m.SegmentSteps))
	if err != nil {
		panic(err)
	}
	s.plan = plan
	s.clock = actor.NewPID(m.Address, m.Clock)
	if s.onInit != nil {
		s.onInit(s.clock)
	}
	s.rec = actor.NewPID(m.Address, m.Recorder)
	// The outputs are read by local bundles and emitters until the clock's
	// window has passed (see Engine.start).
	s.ring = make([]*output, int(m.Window)+maxLag(s.net)+1)
	s.out, s.outLocal, s.emitters, s.self = s.out[:0], s.outLocal[:0], s.emitters[:0], self
	for a, ws := range s.host.replicas {
		if s.net.Axons[a].Source != s.sh.Pop {
			continue
		}
		for _, w := range ws {
			switch {
			case w != s.host.index:
				s.out = append(s.out, actor.NewPID(m.Workers[w], BundleActorName(a)))
				s.outLocal = append(s.outLocal, false)
			case s.nshard == 1: // this worker's copy runs here
				e := s.host.newEmitter(a)
				s.host.wireEmitter(e, m, self, int(s.id))
				s.emitters = append(s.emitters, e)
			default:
				s.out = append(s.out, actor.NewPID(s.host.address, BundleActorName(a)))
				s.outLocal = append(s.outLocal, true)
			}
		}
	}
}

// unpack turns a bundle's protobuf batch (possibly one part of several)
// into events after checking it; it returns nil until every part has
// arrived.
func (s *shardActor) unpack(m *messages.SpikeBatch) (*events, error) {
	a := int(m.Link)
	if int64(m.Link) >= int64(len(s.slot)) || s.slot[a] < 0 {
		return nil, fmt.Errorf("a spike batch on link %d, which does not feed this shard", m.Link)
	}
	ax := s.net.Axons[a]
	rows := uint64(ax.Axon.Rows()) * uint64(max(1, s.net.Populations[ax.Source].Batch))
	// At most one event per row, copy and terminal per step, twice over.
	most := spikeParts(2 * int64(rows) * int64(max(1, ax.Axon.Terminals())) * int64(s.segLen))
	if int64(m.Parts) > int64(most) {
		return nil, fmt.Errorf("a spike batch of axon %d in %d parts (its link needs at most %d)", a, m.Parts, most)
	}
	if err := checkWindow(int64(min(m.Epoch, 1<<62)), s.seg-int64(s.lag[s.slot[a]]), s.granted+aheadSlack); err != nil {
		return nil, fmt.Errorf("a spike batch of axon %d: %w", a, err)
	}
	purge(s.parts, s.seg-int64(s.maxLag))
	parts, err := collect(s.parts, [2]int64{int64(m.Link), int64(m.Epoch)}, m, most)
	if err != nil || parts == nil {
		return nil, err
	}
	if s.scratch, err = messages.Reassemble(s.scratch[:0], parts); err != nil {
		return nil, err
	}
	if int(m.EpochLen) > s.segLen {
		return nil, fmt.Errorf("a spike batch of axon %d for segment %d of %d steps (segments have at most %d)", a, m.Epoch, m.EpochLen, s.segLen)
	}
	maxDelay := uint32(ax.Axon.MaxLatency())
	ev := &events{axon: a, seg: int64(m.Epoch), from: m.FirstStep, steps: int(m.EpochLen), ev: make([]stepEvent, len(s.scratch))}
	for i, x := range s.scratch {
		if uint64(x.Src) >= rows || x.Delay >= maxDelay {
			return nil, fmt.Errorf("a spike batch of axon %d for segment %d: event %d has source %d (of %d) and extra delay %d (below %d)", a, m.Epoch, i, x.Src, rows, x.Delay, maxDelay)
		}
		ev.ev[i] = stepEvent{Step: x.Step, Event: axonEvent(x)}
	}
	return ev, nil
}

// ready reports whether segment s.seg can be computed: it is granted and
// every feeding bundle's batch that it applies has arrived — of the
// segment before it for a near link, lag segments before it for a far one.
func (s *shardActor) ready() bool {
	if _, ok := s.grants[s.seg]; !ok {
		return false
	}
	if s.seg == 0 {
		return true
	}
	if s.ext != nil {
		if _, ok := s.ext.got[s.seg-1]; !ok {
			return false
		}
	}
	for gi := range s.groups {
		g := &s.groups[gi]
		m := s.seg - int64(g.lag)
		if m < 0 || m < s.applied[g.pos[0]] {
			continue // nothing to apply, or applied by a flush
		}
		b := s.in[m]
		if b == nil {
			return false
		}
		for _, k := range g.pos {
			if b.batches[k] == nil {
				return false
			}
		}
	}
	return true
}

// compute computes segment s.seg, which is ready: it applies the
// previous segment's batches and actuation, steps the shard through the
// segment (shard.Shard.StepSegment) and sends its output on.
func (s *shardActor) compute(ctx actor.Context) {
	g := s.grants[s.seg]
	delete(s.grants, s.seg)
	if !s.apply() {
		return
	}
	o := ringSlot(s.ring, s.seg)
	o.seg, o.from, o.pop, o.shard = s.seg, g.from, s.sh.Pop, s.sh.Index
	if err := s.sh.StepSegment(s.net, g.from, g.to, s.learn, &o.Output, &s.step); err != nil {
		s.fail(errAt(s.step, s.name, err))
		return
	}
	if !s.send(ctx, o, int(g.to-g.from)) {
		return
	}
	s.past[s.seg%int64(len(s.past))] = g
	s.seg++
}

// apply hands the shard the batches it applies before computing s.seg,
// in the canonical order (shard.Shard.Take) within each group of inputs
// of one lag — those of segment s.seg − lag — and the attachment's
// actuation of the segment before. Groups add into different rings or
// queues (a far link's into its receptor's far input), so their order
// does not matter. It reports false when the run failed (a batch that
// does not cover its segment).
func (s *shardActor) apply() bool {
	for gi := range s.groups {
		g := &s.groups[gi]
		m := s.seg - int64(g.lag)
		if m < 0 || m < s.applied[g.pos[0]] {
			continue
		}
		if !s.applyGroup(g, m) {
			return false
		}
	}
	if s.ext != nil && s.seg > 0 {
		copy(s.ext.values, s.ext.got[s.seg-1])
		delete(s.ext.got, s.seg-1)
	}
	return true
}

// applyGroup hands the shard the batches of segment m of the inputs of
// group g, in the canonical order. It reports false when the run failed
// (a batch that does not cover its segment).
func (s *shardActor) applyGroup(g *lagGroup, m int64) bool {
	b := s.in[m]
	seg := s.past[m%int64(len(s.past))]
	if len(s.pos) < len(g.pos) {
		s.pos = make([]int, len(s.inputs))
	}
	evs := s.takeEvs[:0]
	for _, k := range g.pos {
		x := b.batches[k]
		if x.from != seg.from || int64(x.steps) != seg.to-seg.from {
			err := fmt.Errorf("a batch of axon %d for segment %d covers steps [%d, %d), the segment [%d, %d)",
				x.axon, x.seg, x.from, x.from+int64(x.steps), seg.from, seg.to)
			if !s.remote {
				panic(err) // from this process: a bug
			}
			s.wireFail("%v", err)
			return false
		}
		evs = append(evs, x.ev)
		b.batches[k] = nil
		b.got--
	}
	if b.got == 0 {
		delete(s.in, m)
		s.free = append(s.free, b)
	}
	s.takeEvs = evs
	s.touched += s.sh.Take(s.net, seg.from, seg.to, g.axons, evs, s.pos)
	return true
}

// send hands a segment's output of n steps to the population's bundles
// and the recorder (as protobuf from a worker process), and runs the
// axons this shard emits itself. It reports false when the run failed.
func (s *shardActor) send(ctx actor.Context, o *output, n int) bool {
	var wire []any // the output as protobuf, once needed
	for k, b := range s.out {
		if !s.remote || s.outLocal[k] {
			ctx.Send(b, o)
			continue
		}
		if wire == nil {
			wire = s.encode(o, n)
		}
		for _, msg := range wire {
			ctx.Send(b, msg)
		}
	}
	for _, m := range s.emitters {
		msg, err := m.emit([]*output{o}, &s.step)
		if err != nil {
			s.fail(err)
			return false
		}
		m.send(ctx, msg, s.self, s.take)
	}
	switch {
	case s.rec == nil: // a bundle records the population's spikes
	case s.remote:
		if wire == nil {
			wire = s.encode(o, n)
		}
		for _, msg := range wire {
			ctx.Send(s.rec, msg)
		}
	default:
		ctx.Send(s.rec, o) // the recorder tells the clock when a segment is done
	}
	return true
}

// ringSlot returns the output of ring for segment seg (its storage is
// reused; shard.Shard.StepSegment and shard.Emitter.Emit size it).
func ringSlot(ring []*output, seg int64) *output {
	k := int(seg % int64(len(ring)))
	o := ring[k]
	if o == nil {
		o = &output{}
		ring[k] = o
	}
	return o
}

// encode turns a segment's output into protobuf messages, cut into parts
// that stay well under gRPC's message limit: SpikeBatches whose link is the
// shard id and whose events are the spikes (source = population element),
// or for graded populations GradedBatches of the shard's values (elements
// numbered from the shard's first).
func (s *shardActor) encode(o *output, n int) []any {
	var out []any
	if o.Values != nil {
		m := s.sh.Hi - s.sh.Lo
		if s.net.Populations[s.sh.Pop].Batch > 1 {
			m = s.net.Populations[s.sh.Pop].Len()
		}
		gb := &messages.GradedBatch{Link: s.id, Epoch: uint64(o.seg), FirstStep: o.from, EpochLen: uint32(n),
			NElements: uint32(m), TotalElements: uint32(m)}
		for _, v := range o.Values {
			gb.Samples = append(gb.Samples, v...)
		}
		parts, err := gb.Split(messages.MaxFloatsPerMessage)
		if err != nil {
			panic(fmt.Errorf("cutting the output of segment %d: %w", o.seg, err))
		}
		for _, p := range parts {
			out = append(out, p)
		}
		return out
	}
	sb := &messages.SpikeBatch{Link: s.id, Epoch: uint64(o.seg), FirstStep: o.from, EpochLen: uint32(n)}
	s.scratch = s.scratch[:0]
	for k, f := range o.Fired {
		for _, e := range f {
			s.scratch = append(s.scratch, messages.Event{Step: o.from + int64(k), Src: e, Value: 1})
		}
	}
	if err := messages.PackSpikes(sb, s.scratch); err != nil {
		panic(fmt.Errorf("packing the output of segment %d: %w", o.seg, err))
	}
	parts, err := sb.Split(messages.MaxEventsPerMessage)
	if err != nil {
		panic(fmt.Errorf("cutting the output of segment %d: %w", o.seg, err))
	}
	for _, p := range parts {
		out = append(out, p)
	}
	return out
}
