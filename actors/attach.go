package actors

import (
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
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
// shards.
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
// first Run.
func (e *Engine) Attach(a Attachment) error {
	if e.step > 0 {
		return fmt.Errorf("engine: attach %q after the run started", a.Name)
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
	if a.Drive != "" && len(e.workers) > 0 {
		return fmt.Errorf("engine: attach %q: driving a population hosted by worker processes is not supported yet", a.Name)
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
		at.drive = i
		for _, s := range e.shardAs[i] {
			s.ext = &extInput{values: make([]float32, s.sh.Hi-s.sh.Lo), got: map[int64][]float32{}}
			s.sh.Population.AddStimulus(s.ext)
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

// extInput is the direct input an attachment provides to one shard.
type extInput struct {
	values []float32
	got    map[int64][]float32 // actuations by the segment they answer
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

// relay sits between the recorder and one attachment: it asks the user's
// actor about each segment and hands the answers to the driven shards, in
// segment order.
type relay struct {
	e       *Engine
	at      *attachment
	user    *actor.PID
	pending []int64 // observed segments not answered yet
	step    int64
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
		r.pending = append(r.pending, m.Segment)
		ctx.Request(r.user, m)
	case *Actuation:
		if len(r.pending) == 0 {
			panic(fmt.Sprintf("an actuation without an observation to answer"))
		}
		seg := r.pending[0]
		r.pending = r.pending[1:]
		shards := r.e.shardAs[r.at.drive]
		n := r.e.net.Populations[r.at.drive].Len()
		if len(m.Input) != n {
			r.e.finish(fmt.Errorf("attachment %s: actuation of segment %d has %d values, population %q has %d neurons",
				r.at.a.Name, seg, len(m.Input), r.at.a.Drive, n))
			return
		}
		for k, s := range shards {
			part := slices.Clone(m.Input[s.sh.Lo:s.sh.Hi])
			ctx.Send(r.e.spids[r.at.drive][k], &actuation{seg: seg, values: part})
		}
	}
}
