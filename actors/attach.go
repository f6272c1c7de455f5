package actors

import (
	"fmt"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/messages"
)

// Attachment puts an actor of the user's into a running network: it
// observes the spikes of some populations and, optionally, drives the
// direct input of one population — for example an environment that reads
// a motor population and sends a reward to a modulator source.
//
// After every segment the actor receives an *Observation with the spikes
// of that segment (sent with Request, so ctx.Respond answers). If the
// attachment drives a population, the actor must answer every Observation
// with an *Actuation: the input current of each neuron of the driven
// population during the next segment. The driven population waits for it,
// so the loop is closed with a latency of one segment and the run stays
// deterministic (given a deterministic actor) whatever the number of
// shards and wherever they run: each shard of the driven population gets
// its part of every actuation, in this process or, when worker processes
// host the shards (Options.Workers), as protobuf messages.
type Attachment struct {
	// Name names the attachment in errors.
	Name string
	// Actor is the user's actor. A panic in it stops the run with an
	// error naming the attachment.
	Actor actor.Actor
	// Observe lists the populations whose spikes the actor receives.
	Observe []string
	// Drive names the population whose input the actor provides ("" for
	// none).
	Drive string
	// Timeout, if above 0, bounds how long the engine waits for the
	// actor's answer (an Actuation) to an observation of a driven
	// population: past it the run fails, naming the attachment and the
	// segment. With 0 the engine waits as long as the actor takes — a
	// Stop then ends the run once it answers; Close ends it in any case.
	Timeout time.Duration
}

// Observation is what an attached actor receives after each segment.
type Observation struct {
	Segment  int64
	From, To int64 // steps [From, To)
	DtMs     float64
	// Spikes holds, per observed population, the spikes of the segment:
	// parallel steps and elements, sorted by step then element.
	Spikes map[string]Spikes
}

// Spikes are parallel lists of spike steps and elements.
type Spikes struct {
	Steps    []int64
	Elements []uint32
}

// Actuation answers an Observation: Input[i] is the current added to
// neuron i of the driven population at every step of the next segment.
type Actuation struct {
	Input []float32
}

type attachment struct {
	a       Attachment
	pid     *actor.PID
	observe []int
	drive   int // population index, -1 for none
}

// Attach adds a user actor to the engine. It must be called before the
// first Run (after Restore is fine: the actor then sees the run from the
// checkpoint's step). When it drives a population whose shards worker processes
// host, Attach tells each of those shards that it is driven and waits for
// them to confirm.
func (e *Engine) Attach(a Attachment) error {
	e.mu.Lock()
	closed := e.system == nil
	e.mu.Unlock()
	if closed {
		return fmt.Errorf("engine: attach %q: %w", a.Name, ErrClosed)
	}
	if e.runGen.Load() > 0 {
		return fmt.Errorf("engine: attach %q after the first run: attach before it (after Restore, if any)", a.Name)
	}
	if a.Actor == nil {
		return fmt.Errorf("engine: attach %q: no actor", a.Name)
	}
	at := &attachment{a: a, drive: -1}
	for _, name := range a.Observe {
		i, ok := e.net.PopulationIndex(name)
		if !ok {
			return fmt.Errorf("engine: attach %q: observe = %q: no such population", a.Name, name)
		}
		at.observe = append(at.observe, i)
	}
	if a.Drive != "" {
		i, ok := e.net.PopulationIndex(a.Drive)
		if !ok {
			return fmt.Errorf("engine: attach %q: drive = %q: no such population", a.Name, a.Drive)
		}
		for _, s := range e.shardAs[i] {
			if s.ext != nil {
				return fmt.Errorf("engine: attach %q: population %q is already driven by another attachment", a.Name, a.Drive)
			}
		}
		if err := e.driveRemote(i); err != nil {
			return fmt.Errorf("engine: attach %q: %w", a.Name, err)
		}
		at.drive = i
		for k, s := range e.shardAs[i] {
			// A worker-hosted shard keeps its own input (driveRemote);
			// here ext only marks the population as driven.
			s.ext = newExtInput(s.sh.Hi - s.sh.Lo)
			if !e.remoteShard[e.globalID(i, k)] {
				s.sh.Population.AddStimulus(s.ext)
			}
		}
	}
	name := "attachment " + a.Name
	wrapped := &guarded{e: e, name: name, inner: a.Actor}
	user := e.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return wrapped }))
	rl := &relay{e: e, at: at, user: user}
	at.pid = e.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return rl }))
	e.attached = append(e.attached, user, at.pid)
	e.rec.mu.Lock()
	e.rec.attachments = append(e.rec.attachments, at)
	e.rec.mu.Unlock()
	return nil
}

// guarded runs a user actor and turns its panics into a failed run.
type guarded struct {
	e     *Engine
	name  string
	inner actor.Actor
	step  int64
}

func (g *guarded) Receive(ctx actor.Context) {
	if o, ok := ctx.Message().(*Observation); ok {
		g.step = o.To
	}
	defer g.e.guard(g.name, &g.step)
	g.inner.Receive(ctx)
}

// driveRemote tells every worker-hosted shard of population pi that an
// attachment drives it (messages.Control_DRIVE) and waits until each has
// set up its input, so that it waits for the actuations from the first
// grant on.
func (e *Engine) driveRemote(pi int) error {
	var futures []*actor.Future
	var gs []int
	var pids []*actor.PID
	for k, p := range e.spids[pi] {
		g := e.globalID(pi, k)
		if e.remoteShard[g] {
			futures = append(futures, e.system.Root.RequestFuture(p, &messages.Control{Command: messages.Control_DRIVE}, requestTimeout))
			gs = append(gs, g)
			pids = append(pids, p)
		}
	}
	for j, f := range futures {
		res, err := f.Result()
		if err != nil {
			return fmt.Errorf("driving shard %d on the worker at %s: %w", gs[j], pids[j].Address, err)
		}
		if r, ok := res.(*messages.WorkerReady); !ok || r.Error != "" {
			msg := fmt.Sprintf("unexpected answer %T", res)
			if ok {
				msg = r.Error
			}
			return fmt.Errorf("driving shard %d: %s", gs[j], msg)
		}
	}
	return nil
}

// extInput is the direct input an attachment provides to one shard.
type extInput struct {
	values []float32
	got    map[int64][]float32 // actuations by the segment they answer
	// parts holds, in a worker-hosted shard, the parts of actuations cut
	// into several messages, by segment, until all have arrived.
	parts map[int64][]*messages.GradedBatch
}

func newExtInput(n int) *extInput {
	return &extInput{values: make([]float32, n), got: map[int64][]float32{}}
}

// take files one actuation message received by a worker-hosted shard of n
// neurons; a message cut into parts is filed once every part is here.
func (x *extInput) take(m *messages.GradedBatch, n int) error {
	if x.parts == nil {
		x.parts = map[int64][]*messages.GradedBatch{}
	}
	// Each part holds at least one of the n values.
	parts, err := collect(x.parts, int64(m.Epoch), m, n)
	if err != nil {
		return fmt.Errorf("actuation of segment %d: %w", m.Epoch, err)
	}
	if parts == nil {
		return nil
	}
	if m.EpochLen != 1 {
		return fmt.Errorf("actuation of segment %d covers %d steps, want 1", m.Epoch, m.EpochLen)
	}
	values, err := messages.ReassembleGraded(nil, parts)
	if err != nil {
		return fmt.Errorf("actuation of segment %d: %w", m.Epoch, err)
	}
	if len(values) != n {
		return fmt.Errorf("actuation of segment %d has %d values, the shard has %d neurons", m.Epoch, len(values), n)
	}
	if _, dup := x.got[int64(m.Epoch)]; dup {
		return fmt.Errorf("a second actuation of segment %d", m.Epoch)
	}
	x.got[int64(m.Epoch)] = values
	return nil
}

// observations builds, for each attachment, the observation of segment seg
// = [from, to). Called by the recorder with its lock held.
func (r *recorder) observations(ctx actor.Context, seg, from, to int64) {
	for _, at := range r.attachments {
		o := &Observation{Segment: seg, From: from, To: to, DtMs: r.e.net.Config.DtMs, Spikes: map[string]Spikes{}}
		for _, pi := range at.observe {
			p := r.pops[pi]
			lo, _ := slices.BinarySearch(p.steps, from)
			hi, _ := slices.BinarySearch(p.steps, to)
			o.Spikes[r.e.net.Populations[pi].Name] = Spikes{Steps: slices.Clone(p.steps[lo:hi]), Elements: slices.Clone(p.elems[lo:hi])}
		}
		ctx.Send(at.pid, o)
	}
}

func (x *extInput) Add(step int64, current []float32) {
	for i, v := range x.values {
		current[i] += v
	}
}

// actuation carries an attachment's answer for one shard.
type actuation struct {
	seg    int64 // the observed segment it answers
	values []float32
}

// observed identifies a segment an attachment observed: its number and
// end (the first step of the segment its answer drives).
type observed struct {
	n, to int64
	at    time.Time // when the actor was asked
}

// relay sits between the recorder and one attachment: it asks the user's
// actor about each segment and hands the answers to the driven shards, in
// segment order: an *actuation to a shard in this process, one or more
// messages.GradedBatch (link = the shard's global id, epoch = the segment
// answered, one step of the shard's neurons) to a worker-hosted one.
type relay struct {
	e       *Engine
	at      *attachment
	user    *actor.PID
	pending []observed // segments observed, not answered yet
	step    int64
}

// arm sets the relay's receive timeout (Attachment.Timeout) to when the
// oldest unanswered observation is due, at least a millisecond ahead
// (protoactor takes less as none), or cancels it with none unanswered.
func (r *relay) arm(ctx actor.Context) {
	switch {
	case r.at.a.Timeout <= 0:
	case len(r.pending) == 0:
		ctx.CancelReceiveTimeout()
	default:
		ctx.SetReceiveTimeout(max(time.Millisecond, r.at.a.Timeout-time.Since(r.pending[0].at)))
	}
}

func (r *relay) Receive(ctx actor.Context) {
	defer r.e.guard("attachment "+r.at.a.Name, &r.step)
	switch m := ctx.Message().(type) {
	case *Observation:
		r.step = m.To
		if r.at.drive < 0 {
			ctx.Send(r.user, m)
			return
		}
		r.pending = append(r.pending, observed{n: m.Segment, to: m.To, at: time.Now()})
		r.e.attachWaiting.Add(1)
		ctx.Request(r.user, m)
		if len(r.pending) == 1 {
			r.arm(ctx)
		}
	case *actor.ReceiveTimeout:
		// Nothing came for Timeout: fail if the oldest question is that
		// old (one asked since may be younger), else wait on.
		if len(r.pending) == 0 || time.Since(r.pending[0].at) < r.at.a.Timeout {
			r.arm(ctx)
		} else {
			ctx.CancelReceiveTimeout()
			err := fmt.Errorf("attachment %s: no answer to the observation of segment %d within %v (Attachment.Timeout)", r.at.a.Name, r.pending[0].n, r.at.a.Timeout)
			// Kept for the next Run too: between runs the run's
			// report would be dropped as a late one.
			r.e.attachErr.CompareAndSwap(nil, &err)
			r.e.finish(err)
		}
	case *Actuation:
		if len(r.pending) == 0 {
			panic(fmt.Sprintf("an actuation without an observation to answer"))
		}
		seg := r.pending[0]
		r.pending = r.pending[1:]
		r.e.attachWaiting.Add(-1)
		r.arm(ctx)
		shards := r.e.shardAs[r.at.drive]
		n := r.e.net.Populations[r.at.drive].Len()
		if len(m.Input) != n {
			r.e.finish(fmt.Errorf("attachment %s: actuation of segment %d has %d values, population %q has %d neurons",
				r.at.a.Name, seg.n, len(m.Input), r.at.a.Drive, n))
			return
		}
		for i, x := range m.Input {
			if x-x != 0 { // NaN or infinite
				r.e.finish(fmt.Errorf("attachment %s: actuation of segment %d: input %d of population %q is %g: want a finite number",
					r.at.a.Name, seg.n, i, r.at.a.Drive, x))
				return
			}
		}
		for k, s := range shards {
			part := slices.Clone(m.Input[s.sh.Lo:s.sh.Hi])
			pid := r.e.spids[r.at.drive][k]
			g := r.e.globalID(r.at.drive, k)
			if !r.e.remoteShard[g] {
				ctx.Send(pid, &actuation{seg: seg.n, values: part})
				continue
			}
			gb := &messages.GradedBatch{Link: uint32(g), Epoch: uint64(seg.n), FirstStep: seg.to, EpochLen: 1,
				NElements: uint32(len(part)), TotalElements: uint32(len(part)), Samples: part}
			parts, err := gb.Split(r.e.actuationPart)
			if err != nil {
				panic(fmt.Errorf("cutting the actuation of segment %d for shard %d: %w", seg.n, g, err))
			}
			for _, p := range parts {
				ctx.Send(pid, p)
			}
		}
	case actor.SystemMessage, actor.AutoReceiveMessage:
		// The relay's own life cycle.
	default:
		// A reply of another type would leave the segment waiting for
		// ever.
		what := "a message"
		if len(r.pending) > 0 {
			what = fmt.Sprintf("its answer to the observation of segment %d", r.pending[0].n)
		}
		r.e.finish(fmt.Errorf("attachment %s: %s is a %T, want an *actors.Actuation", r.at.a.Name, what, ctx.Message()))
	}
}
