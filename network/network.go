// Package network assembles a Spiral network with a Go builder and holds
// the built result: populations, axons and projections with their
// connectivity and initial weights drawn deterministically from the seed.
//
// A Builder collects definitions and reports every problem at Build, each
// naming the object (population, axon, receptor, projection) and the bad
// value; nothing is half-built. The built Network is run by one of the
// engines: the sequential stepper (package stepper), the lockstep engine
// (package lockstep) or the actor runtime (package actors).
//
//	b := network.New(network.Config{DtMs: 0.1, Seed: 1})
//	b.Population("E", 3200, soma.LIF()).
//		Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}).
//		Axon("out", axon.Spec{})
//	b.Connect("EE", network.Connection{From: "E", To: "E", Receptor: "ge",
//		Pattern: connectivity.Bernoulli{P: 0.02}, Weight: param.Const(1.62)})
//	net, err := b.Build()
package network

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/synapse"
)

// Config holds settings shared by the whole network.
type Config struct {
	DtMs  float64 // time step (ms); default 0.1
	Seed  uint64  // seed of every random stream
	Batch int     // independent copies sharing weights; default 1
	// FixedPoint sums every receptor's synaptic input in 64-bit fixed
	// point (dendrite.Spec.Fixed): the same bits whatever the order of
	// the events, so every engine, layout and device — a GPU's
	// included (package device) — computes the same spikes. Off, inputs
	// are float32 sums in the engines' canonical order.
	FixedPoint bool
}

// Connection describes a projection from an axon of one population to a
// receptor of another (or the same) population.
type Connection struct {
	From string // source population
	Axon string // source axon; "" = the population's default axon "out"
	To   string // target population
	// Receptor of the target; "" = the target's default receptor "in",
	// made on demand (a delta receptor) where the target defines none of
	// that name. A receptor named here must be defined.
	Receptor string
	Pattern  connectivity.Pattern
	// Autapses allows self-connections when From == To (excluded by
	// default).
	Autapses bool
	// Weight of every synapse (constant, array in CSR order, or a
	// distribution); clipped to [Wmin, Wmax].
	Weight param.Value
	// Bounds; both zero means unbounded for static projections and
	// [0, 1] for plastic ones (the reference default).
	Wmin, Wmax float64
	// Plasticity, optional: learning rules of the projection.
	Plasticity plasticity.Spec
	// Normalize, optional, is applied to the weights after building and
	// after every plastic update.
	Normalize func(syn *synapse.CSR) error
	// Normalization, optional, is Normalize as data: a normaliser
	// (synapse.Normalizer: axis, target, bounds) that each build copies
	// and applies, as Normalize. Set one of the two, not both.
	Normalization *synapse.Normalizer
	// Follow names a modulator population whose output, through its axon
	// ModulatorAxon (default "out"), is the neuromodulator the
	// projection's plasticity sees: the sum of what the axon releases at
	// all its rows (a dopaminergic tissue of size 1, or the summed
	// activity of any population — give the axon a scaling response for a
	// mean), arriving after the axon's latency, the same for every
	// synapse of the projection. The plasticity must read it
	// (plasticity.ReadsModulator: RSTDP, Modulated, or a Composite holding
	// one); Build refuses a rule that would ignore it.
	Follow        string
	ModulatorAxon string
	// Latency, optional, makes the synapses' latencies learnt: a rule of
	// package latency adds to the axonal latency a per-synapse part that
	// changes with activity. Needs batch 1 and a spiking target.
	Latency latency.Spec
	// DelayMs, optional, is a synaptic delay in ms (≥ 0) of each synapse,
	// added to the axon's: a constant, an array in CSR order, or a
	// distribution drawn per synapse (row r of the projection's CSR from
	// its own stream, so that every engine and shard layout gets the same
	// delays; draws below 0 are redrawn). The zero Value (constant 0) is
	// no synaptic delay. Synapse k's input acts D[k] steps after the
	// axon's arrival, D[k] = floor(d/dt) (DelayRounding Floor, the
	// default, as the axons) or round(d/dt) (Nearest), at most 65535
	// steps. Stored as one value when all synapses share one (no cost),
	// else as 1 byte per synapse (2 beyond 255 steps). Delays that differ per synapse cannot
	// be combined with Plasticity (the rules see a row's event at one
	// step) or with Latency; a constant delay can.
	DelayMs       param.Value
	DelayRounding axon.Rounding
}

// hasDelay reports whether the connection sets synaptic delays.
func (c Connection) hasDelay() bool {
	x, ok := c.DelayMs.IsConst()
	return !ok || x != 0
}

// Builder collects a network's definition.
type Builder struct {
	cfg   Config
	pops  []*PopulationDef
	conns []*connDef
	errs  []error
	names map[string]string // name -> kind, for duplicates
	// builds counts the builds started: the first binds the stimuli and
	// principles given, later ones renewed copies (population.Renewer).
	builds int
}

// PopulationDef is a population being defined; its methods chain.
type PopulationDef struct {
	b          *Builder
	name       string
	size       int
	model      soma.Spec
	receptors  []namedReceptor
	axons      []namedAxon
	stimuli    []population.Stimulus
	drives     []namedDrive
	principles []population.Principle
}

type namedDrive struct {
	receptor string
	s        population.Stimulus
}

type namedReceptor struct {
	name string
	spec dendrite.Spec
}

type namedAxon struct {
	name string
	spec axon.Spec
}

type connDef struct {
	name string
	c    Connection
}

// New starts a network definition.
func New(cfg Config) *Builder {
	return &Builder{cfg: cfg, names: map[string]string{}}
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// ValidName reports whether s may name a population, axon, receptor or
// projection: letters, digits, _ . -, not starting with a digit, dot or
// dash.
func ValidName(s string) bool { return nameRE.MatchString(s) }

func (b *Builder) claim(kind, name string) bool {
	if !ValidName(name) {
		b.errs = append(b.errs, fmt.Errorf("%s %q: invalid name (letters, digits, _ . -, not starting with a digit)", kind, name))
		return false
	}
	if k, ok := b.names[name]; ok {
		b.errs = append(b.errs, fmt.Errorf("%s %q: duplicate name (already a %s)", kind, name, k))
		return false
	}
	if b.names == nil { // a Builder{} rather than New's
		b.names = map[string]string{}
	}
	b.names[name] = kind
	return true
}

// Population defines a population of size neurons with a soma model.
func (b *Builder) Population(name string, size int, model soma.Spec) *PopulationDef {
	p := &PopulationDef{b: b, name: name, size: size, model: model}
	if b.claim("population", name) {
		b.pops = append(b.pops, p)
	}
	return p
}

// Receptor adds a named receptor (a synaptic kernel) to the population.
func (p *PopulationDef) Receptor(name string, spec dendrite.Spec) *PopulationDef {
	for _, r := range p.receptors {
		if r.name == name {
			p.b.errs = append(p.b.errs, fmt.Errorf("population %q: duplicate receptor %q", p.name, name))
			return p
		}
	}
	p.receptors = append(p.receptors, namedReceptor{name, spec})
	return p
}

// Axon adds a named axon to the population.
func (p *PopulationDef) Axon(name string, spec axon.Spec) *PopulationDef {
	for _, a := range p.axons {
		if a.name == name {
			p.b.errs = append(p.b.errs, fmt.Errorf("population %q: duplicate axon %q", p.name, name))
			return p
		}
	}
	p.axons = append(p.axons, namedAxon{name, spec})
	return p
}

// Stimulus adds a direct input to the population.
func (p *PopulationDef) Stimulus(s population.Stimulus) *PopulationDef {
	if isNil(s) {
		p.b.errs = append(p.b.errs, fmt.Errorf("population %q: nil stimulus", p.name))
		return p
	}
	p.stimuli = append(p.stimuli, s)
	return p
}

// Drive adds s into the named receptor's input every step, as presynaptic
// events would (for example stimulus.PoissonDrive for background input).
// The receptor "in", unless the population declares it, is the default
// delta receptor, made on demand as for projections (Connection.Receptor).
func (p *PopulationDef) Drive(receptor string, s population.Stimulus) *PopulationDef {
	if isNil(s) {
		p.b.errs = append(p.b.errs, fmt.Errorf("population %q: nil drive", p.name))
		return p
	}
	p.drives = append(p.drives, namedDrive{receptor, s})
	return p
}

// Principle adds a spike principle (applied in the order added).
func (p *PopulationDef) Principle(pr population.Principle) *PopulationDef {
	if isNil(pr) {
		p.b.errs = append(p.b.errs, fmt.Errorf("population %q: nil principle", p.name))
		return p
	}
	p.principles = append(p.principles, pr)
	return p
}

// Connect defines a projection.
func (b *Builder) Connect(name string, c Connection) {
	if b.claim("projection", name) {
		b.conns = append(b.conns, &connDef{name, c})
	}
}

// Network is a built network, ready to be stepped.
type Network struct {
	Config      Config
	Populations []*population.Population
	Axons       []*Axon
	Projections []*Projection
	// Inboxes are the receptors' delivery queues (one per receptor with
	// incoming projections), in network order.
	Inboxes   []*projection.Inbox
	popIndex  map[string]int
	projIndex map[string]int
	// part is what BuildPart built (nil: the whole network).
	part *Part
	// runner names the engine that runs the network (Claim); "" while
	// none does.
	runner   string
	runnerMu sync.Mutex
}

// Claim records that an engine (who, as "the lockstep engine") runs the
// network from now on, and fails, naming it, when another already does
// — even one closed since: an engine keeps the network's state in the
// network's components (or splits it among its shards), so two engines
// stepping one network would compute neither's run. Build the network
// again for another engine; a checkpoint carries a run's state across.
// The engines call it when they are made (the sequential stepper when it
// first steps).
func (n *Network) Claim(who string) error {
	n.runnerMu.Lock()
	defer n.runnerMu.Unlock()
	if n.runner != "" {
		return fmt.Errorf("the network is run by %s: build it again for %s (a checkpoint carries a run's state across)", n.runner, who)
	}
	n.runner = who
	return nil
}

// Unclaim gives back who's claim (Claim), for an engine whose making
// failed before it changed the network: another may then run it. It does
// nothing when who does not hold the claim.
func (n *Network) Unclaim(who string) {
	n.runnerMu.Lock()
	defer n.runnerMu.Unlock()
	if n.runner == who {
		n.runner = ""
	}
}

// Axon is a built axon and the projections it feeds.
type Axon struct {
	Name    string
	Source  int // population index
	Axon    *axon.Runtime
	Targets []*projection.Runtime
	// ModTargets are projections that follow this axon as a
	// neuromodulator source.
	ModTargets []*projection.Runtime
	// targetProjections are the network's projections of Targets, in the
	// same order.
	targetProjections []*Projection
}

// Projection is a built projection and where it comes from.
type Projection struct {
	Name    string
	Source  int // population index
	Target  int // population index
	Runtime *projection.Runtime
	Learner *plasticity.Learner
	// Axon is the index in Network.Axons of the axon the projection
	// leaves from; Receptor the name of the target receptor; Rule the
	// plasticity spec (nil when static); FollowAxon the index of the
	// modulator axon it follows, or -1.
	Axon       int
	Receptor   string
	Rule       plasticity.Spec
	FollowAxon int
	Normalize  func(syn *synapse.CSR) error
	Wmin, Wmax float32
	// Plastic is set when the projection learns: weights (Rule), learnt
	// latencies (Latency), or both.
	Plastic bool
	// Latency is the latency rule (nil when latencies are fixed),
	// LatencyMax the largest learnt latency in steps; the learnt
	// latencies themselves are Runtime.Latencies().
	Latency    latency.Spec
	LatencyMax int
	// Columns lists the target neurons whose synapses were built, as
	// ranges [lo, hi) (see BuildPart); nil when all were. Runtime.Syn is
	// then the whole projection's shape with only these columns filled.
	Columns [][2]int
	// delayFloor is the smallest synaptic delay (steps) that MinLatency
	// counts for the projection: the smallest drawn in a whole build, the
	// smallest its delay allows in a part build (see BuildPart).
	delayFloor int
	// allowedFloor is the smallest synaptic delay its definition allows
	// (steps), in every build: what FarAxons counts.
	allowedFloor int
	err          error
}

// Err returns the first run-time problem of the projection (a failed
// normalisation, a learning rule that produced an invalid change), or nil.
func (p *Projection) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.Runtime.Err()
}

// SetMask gates the projection's synapses from the next step on:
// mask[k] false blocks synapse k (CSR order of Runtime.Syn), both for
// transmission and for activity-driven plasticity. The caller may change
// the slice in place between steps; nil removes the mask. That holds for
// the sequential stepper; the engines that split populations into shards
// (package shard: lockstep, actors) copy each shard's part of the mask when
// they are built, so there the mask must be set before, and later changes
// do not reach a split population.
func (p *Projection) SetMask(mask []bool) error {
	if p.Columns != nil && mask != nil {
		return fmt.Errorf("projection %q: a mask needs the whole projection, and this network holds only the synapses of %v of its target (BuildPart)", p.Name, p.Columns)
	}
	if err := p.Runtime.SetMask(mask); err != nil {
		return err
	}
	if p.Learner != nil {
		p.Learner.P.Mask = mask
	}
	return nil
}

// setLatency binds a latency rule to the projection: it draws the initial
// learnt latencies (stream PurposeDelays of the projection) and hands them
// and the rule to the runtime. With an origin o (a part build) it draws
// the whole projection's and keeps the part's.
func (p *Projection) setLatency(s latency.Spec, cfg Config, key rng.Key, o *synapse.Origin) error {
	if cfg.Batch != 1 {
		return fmt.Errorf("%s: learnt latencies need batch 1, the network has batch %d", s.Kind(), cfg.Batch)
	}
	syn := p.Runtime.Syn
	n := syn.Len()
	if o != nil {
		n = o.Len() // the whole's draws, of which the part keeps its own
	}
	l, max, err := latency.Init(s, n, cfg.DtMs, key.Stream(uint64(rng.PurposeDelays)))
	if err != nil {
		return err
	}
	if o != nil {
		part := make([]float32, syn.Len())
		synapse.Pick(o, part, l)
		l = part
	}
	rule, err := s.New(latency.Synapses{Syn: syn, Dt: cfg.DtMs, L: l, Max: max})
	if err != nil {
		return err
	}
	if err := p.Runtime.SetLatency(rule, l, max); err != nil {
		return err
	}
	p.Latency, p.LatencyMax, p.Plastic = s, max, true
	return nil
}

// MinLatency returns the smallest latency, in steps, of any link: an
// axon's smallest latency plus, for a projection, its smallest synaptic
// delay (a modulator follower adds none). It is the segment length of the
// parallel engines (a spike emitted in one segment acts in a later one).
// Without links it returns 64: nothing constrains the segments.
func (n *Network) MinLatency() int {
	return minLatency(n.Axons, func(p *Projection) int { return p.delayFloor })
}

// minLatency is MinLatency with the projections' smallest synaptic delays
// given by floor.
func minLatency(axons []*Axon, floor func(*Projection) int) int {
	e := 0
	for _, a := range axons {
		if l, ok := a.latency(floor); ok && (e == 0 || l < e) {
			e = l
		}
	}
	if e == 0 {
		e = 64
	}
	return e
}

// latency returns the smallest latency (steps) of the axon's links — its
// own smallest latency plus, unless a modulator follower reads it (which
// adds none), its projections' smallest synaptic delay as floor gives it —
// and false when it feeds nothing.
func (a *Axon) latency(floor func(*Projection) int) (int, bool) {
	if len(a.Targets) == 0 && len(a.ModTargets) == 0 {
		return 0, false
	}
	l := a.Axon.MinLatency()
	if len(a.ModTargets) == 0 {
		d := math.MaxInt
		for _, t := range a.targetProjections {
			d = min(d, floor(t))
		}
		l += d
	}
	return l, true
}

// FarAxons reports, per axon, whether its links are far: it feeds a
// projection (not only modulator followers) and its smallest latency is
// at least twice the network's smallest, both counted with the synaptic
// delays the connections' definitions allow (so that every build of the
// network, whole or in part, agrees). The projections of a far axon add
// their input into their receptor's far input (dendrite.Receptor.Far),
// which the receptor adds to the near links' sum when it reads a step's
// input: a parallel engine may then apply a far axon's spikes several
// segments after they were emitted (Lags) and still sum every step's
// input as the sequential stepper does. A network without far axons sums
// as it always did.
func (n *Network) FarAxons() []bool {
	allowed := func(p *Projection) int { return p.allowedFloor }
	e := minLatency(n.Axons, allowed)
	far := make([]bool, len(n.Axons))
	for i, a := range n.Axons {
		l, ok := a.latency(allowed)
		far[i] = ok && len(a.Targets) > 0 && l >= 2*e
	}
	return far
}

// Lags returns, per axon, how many segments of seg steps (seg ≤
// MinLatency) after a segment a parallel engine may apply the events its
// spikes of that segment send: the spikes of segment j must reach a
// target before it computes segment j + lag. Each far axon (FarAxons)
// gets the same lag, the least ⌊latency/seg⌋ among them, so that they
// keep their order in their receptors' far inputs; an axon that feeds
// only modulator followers gets its own ⌊latency/seg⌋ (each follower
// hears one axon); any other axon gets 1, and an axon that feeds nothing
// 0. Latencies count this build's synaptic delays (MinLatency's).
func (n *Network) Lags(seg int) []int {
	far := n.FarAxons()
	own := func(p *Projection) int { return p.delayFloor }
	lags := make([]int, len(n.Axons))
	k := 0 // the far axons' common lag
	for i, a := range n.Axons {
		if l, ok := a.latency(own); ok && far[i] && (k == 0 || l/seg < k) {
			k = l / seg
		}
	}
	for i, a := range n.Axons {
		l, ok := a.latency(own)
		switch {
		case !ok:
		case far[i]:
			lags[i] = max(k, 1)
		case len(a.Targets) == 0:
			lags[i] = max(l/seg, 1)
		default:
			lags[i] = 1
		}
	}
	return lags
}

// Population returns the named population.
func (n *Network) Population(name string) (*population.Population, bool) {
	i, ok := n.popIndex[name]
	if !ok {
		return nil, false
	}
	return n.Populations[i], true
}

// PopulationIndex returns the index of the named population.
func (n *Network) PopulationIndex(name string) (int, bool) {
	i, ok := n.popIndex[name]
	return i, ok
}

// Projection returns the named projection.
func (n *Network) Projection(name string) (*Projection, bool) {
	i, ok := n.projIndex[name]
	if !ok {
		return nil, false
	}
	return n.Projections[i], true
}

// Synapses returns the total number of synapses built (those of the part,
// for a network built by BuildPart).
func (n *Network) Synapses() int {
	s := 0
	for _, p := range n.Projections {
		s += p.Runtime.Syn.Len()
	}
	return s
}

// Stepped returns the first population that has been stepped
// (population.Population.Stepped), if any: an engine that owns a network
// from step 0 refuses one that has.
func (n *Network) Stepped() (name string, ok bool) {
	for _, p := range n.Populations {
		if p.Stepped() {
			return p.Name, true
		}
	}
	return "", false
}

// Neurons returns the total number of neurons (one batch copy).
func (n *Network) Neurons() int {
	s := 0
	for _, p := range n.Populations {
		s += p.N
	}
	return s
}

// SetFixedPoint sets Config.FixedPoint: the network's receptors sum
// their input in fixed point (on) or in float32 (off). It may be called
// at any time before Build.
func (b *Builder) SetFixedPoint(on bool) { b.cfg.FixedPoint = on }

// Build validates the definition and builds the network, drawing
// connectivity and weights from the seed. The problems are reported
// together (errors.Join), each naming its object, in two rounds: those of
// the definitions themselves (names, duplicates, the configuration) first;
// once there are none, those of building (models' parameters, receptors,
// connectivity, projections).
//
// The projections' synapses are drawn in parallel, one projection per core
// (GOMAXPROCS) at a time, in order: each is a pure function of its
// connection, shape and key, so the network does not depend on the number
// of cores. While a projection is drawn, up to GOMAXPROCS − 1 others may
// still hold their temporaries (package estimate counts them).
func (b *Builder) Build() (*Network, error) { return b.BuildPart(nil) }

// BuildPart is Build for one part of the network (nil: the whole; see
// Part): every population, axon and projection is built, but a
// projection holds only the synapses that end on the part's neurons of its
// target — bit for bit those that Build gives them, with the same weights,
// delays and learnt latencies — and the others are never held.
func (b *Builder) BuildPart(part *Part) (*Network, error) {
	net, err := b.buildPart(part)
	if err != nil {
		return nil, err
	}
	return net, nil
}

// ElementError is a problem of one population or projection of a
// definition: Build reports each such problem so (errors.As finds them
// among those it joins), for a tool that maps it back to where the
// element is defined, a model file's line. Its message is Err's, which
// names the element.
type ElementError struct {
	Kind string // "population" or "projection"
	Name string
	Err  error
}

// Error returns Err's message.
func (e *ElementError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *ElementError) Unwrap() error { return e.Err }

// buildPart is BuildPart, its problems of one element as ElementErrors.
func (b *Builder) buildPart(part *Part) (*Network, error) {
	cfg, errs := b.config()
	if len(errs) > len(b.errs) {
		// Without a valid dt or batch nothing else can be checked.
		return nil, errors.Join(errs...)
	}
	s := &buildState{
		b:       b,
		cfg:     cfg,
		root:    rng.NewKey(cfg.Seed),
		net:     &Network{Config: cfg, popIndex: map[string]int{}, projIndex: map[string]int{}, part: part},
		errs:    errs,
		byName:  map[string]*popRT{},
		failed:  map[string]bool{},
		inboxes: map[*dendrite.Receptor]*projection.Inbox{},
		renew:   b.builds > 0,
	}
	b.builds++
	for _, d := range b.pops {
		k := len(s.errs)
		s.population(d)
		for i := k; i < len(s.errs); i++ {
			s.errs[i] = &ElementError{Kind: "population", Name: d.name, Err: s.errs[i]}
		}
	}
	// The synapses of every projection are drawn first, in parallel, while
	// the loop below assembles the projections in order.
	cols, err := s.columns(part)
	if err != nil {
		return nil, errors.Join(append(s.errs, err)...)
	}
	draws := drawAll(b.conns, s.shapes(), cols, cfg.DtMs, s.root)
	defer draws.stop()
	for i, cd := range b.conns {
		if err := s.projection(i, cd, draws); err != nil {
			s.errs = append(s.errs, &ElementError{Kind: "projection", Name: cd.name, Err: err})
		}
	}
	if len(s.errs) > 0 {
		return nil, errors.Join(s.errs...)
	}
	if err := s.net.moveFar(); err != nil {
		return nil, err
	}
	return s.net, nil
}

// moveFar moves every projection of a far axon (FarAxons) into its
// receptor's far input (dendrite.Receptor.Far), whose inbox it adds to
// Inboxes after the others.
func (n *Network) moveFar() error {
	far := n.FarAxons()
	inboxes := map[*dendrite.Receptor]*projection.Inbox{}
	for _, pr := range n.Projections {
		if !far[pr.Axon] {
			continue
		}
		rec, _ := n.Populations[pr.Target].Receptor(pr.Receptor)
		in, ok := inboxes[rec]
		if !ok {
			in = projection.NewInbox(rec.Far())
			inboxes[rec] = in
			n.Inboxes = append(n.Inboxes, in)
		}
		if err := pr.Runtime.MoveTo(in); err != nil {
			return err
		}
	}
	return nil
}

// config returns the builder's settings with their defaults filled in,
// and the builder's errors followed by those of a bad dt or batch.
func (b *Builder) config() (Config, []error) {
	cfg := b.cfg
	if cfg.DtMs == 0 {
		cfg.DtMs = 0.1
	}
	if cfg.Batch == 0 {
		cfg.Batch = 1
	}
	errs := append([]error(nil), b.errs...)
	if !(cfg.DtMs > 0) || math.IsInf(cfg.DtMs, 0) {
		errs = append(errs, fmt.Errorf("network: dt_ms = %g: must be > 0 and finite", cfg.DtMs))
	}
	if cfg.Batch < 0 {
		errs = append(errs, fmt.Errorf("network: batch = %d: must be >= 1", cfg.Batch))
	}
	return cfg, errs
}

// buildState is a network being built by Build: what is built so far and
// the problems found so far.
type buildState struct {
	b       *Builder
	cfg     Config
	root    rng.Key
	net     *Network
	errs    []error
	byName  map[string]*popRT // the populations built
	failed  map[string]bool   // populations that did not build
	inboxes map[*dendrite.Receptor]*projection.Inbox
	// renew: this is not the builder's first build, so stimuli and
	// principles are renewed (see fresh).
	renew bool
}

// popRT is a built population's definition with what the projections
// need of it: its environment, its axons and its receptors.
type popRT struct {
	def   *PopulationDef
	env   soma.Env
	axons map[string]*Axon
	recs  map[string]dendrite.Spec
}

// population builds the population d with its stimuli, principles,
// receptors, drives and axons, and adds it to the network. A population
// whose model cannot be built is marked failed, so that the projections
// to and from it are not reported again; the problems of its parts are
// reported and the population is added without them.
func (s *buildState) population(d *PopulationDef) {
	env := soma.Env{N: d.size, Batch: s.cfg.Batch, Dt: s.cfg.DtMs, Key: s.root.Sub(1, nameID(d.name))}
	pop, err := newPopulation(d, env)
	if err != nil {
		s.errs = append(s.errs, err)
		s.failed[d.name] = true
		return
	}
	rt := &popRT{def: d, env: env, axons: map[string]*Axon{}, recs: map[string]dendrite.Spec{}}
	s.addInputs(d, env, pop, rt)
	s.addAxons(d, rt)
	s.net.popIndex[d.name] = len(s.net.Populations)
	s.net.Populations = append(s.net.Populations, pop)
	s.byName[d.name] = rt
}

// newPopulation builds the population d's model in env and the
// population around it.
func newPopulation(d *PopulationDef, env soma.Env) (*population.Population, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("population %q: %w", d.name, err)
	}
	if d.model == nil {
		return nil, fmt.Errorf("population %q: no model", d.name)
	}
	m, err := d.model.New(env)
	if err != nil {
		return nil, fmt.Errorf("population %q (%s): %w", d.name, d.model.Kind(), err)
	}
	pop, err := population.New(d.name, d.size, env.Batch, m)
	if err != nil {
		return nil, err
	}
	pop.Kind = d.model.Kind()
	return pop, nil
}

// addInputs binds and adds the population d's stimuli, principles and
// drives to pop, and adds its receptors, recording their specs in rt.
func (s *buildState) addInputs(d *PopulationDef, env soma.Env, pop *population.Population, rt *popRT) {
	for _, x := range d.stimuli {
		if x, ok := fresh(s, d, "stimulus", x); ok && s.bind(d, env, "stimulus", x) {
			pop.AddStimulus(x)
		}
	}
	for _, pr := range d.principles {
		if pr, ok := fresh(s, d, "principle", pr); ok && s.bind(d, env, "principle", pr) {
			pop.AddPrinciple(pr)
		}
	}
	for _, r := range d.receptors {
		r.spec.Fixed = s.cfg.FixedPoint
		if _, err := pop.AddReceptor(r.name, r.spec, s.cfg.DtMs, 1); err != nil {
			s.errs = append(s.errs, err)
		}
		rt.recs[r.name] = r.spec
	}
	for k, dr := range d.drives {
		x, ok := fresh(s, d, "drive", dr.s)
		if !ok || !s.bind(d, driveEnv(env, k), "drive", x) {
			continue
		}
		if _, ok := pop.Receptor(dr.receptor); !ok && dr.receptor == "in" {
			// The default receptor, made on demand as for projections.
			if _, err := s.defaultReceptor(pop); err != nil {
				s.errs = append(s.errs, err)
				continue
			}
		}
		if r, ok := pop.Receptor(dr.receptor); ok && r.Spec().Kernel.Conductance() {
			// As for projections (conductanceSigns): a negative
			// conductance would excite.
			if w, ok := x.(interface{ EventWeight() float64 }); ok && w.EventWeight() < 0 {
				s.errs = append(s.errs, fmt.Errorf("population %q: drive %d: weight = %g onto the conductance receptor %q: %s; give the weight >= 0",
					d.name, k, w.EventWeight(), dr.receptor, conductanceWhy))
				continue
			}
		}
		if err := pop.AddDrive(dr.receptor, x); err != nil {
			s.errs = append(s.errs, err)
		}
	}
}

// saltDrive keys the random streams of a population's second and later
// drives (driveEnv).
const saltDrive uint64 = 0x5719

// driveEnv returns the environment the k-th drive of a population is
// bound in: the population's for the first, else one whose random
// streams are keyed by saltDrive and k as well, so that two Poisson
// drives of one population draw independent counts (they drew the same)
// while a population's first keeps the counts it always drew. (Stimuli
// keep their own streams — a generator's stream field — and each
// principle draws for a purpose of its own.)
func driveEnv(env soma.Env, k int) soma.Env {
	if k > 0 {
		env.Key = env.Key.Sub(saltDrive, uint64(k))
	}
	return env
}

// defaultReceptor adds the default receptor "in" (a delta kernel) to pop,
// made on demand for the projections and drives that name it.
func (s *buildState) defaultReceptor(pop *population.Population) (*dendrite.Receptor, error) {
	return pop.AddReceptor("in", dendrite.Spec{Kernel: dendrite.Delta, Fixed: s.cfg.FixedPoint}, s.cfg.DtMs, 1)
}

// fresh returns the stimulus, drive or principle x for this build: x
// itself on the builder's first build; on a later one a renewed copy
// (population.Renewer), so that two networks never share the state of one
// — a stateful one (a pointer) that cannot be renewed is an error then.
func fresh[T any](s *buildState, d *PopulationDef, kind string, x T) (T, bool) {
	if !s.renew {
		return x, true
	}
	if _, ok := any(x).(population.Renewer); ok {
		return population.Renew(x), true
	}
	if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer {
		s.errs = append(s.errs, fmt.Errorf("population %q: %s %T: this builder was built before, and a %s that keeps state cannot serve two networks: give it a Renew method (population.Renewer) or define the network again", d.name, kind, x, kind))
		return x, false
	}
	return x, true // a value: a copy of its own
}

// bind binds x, a stimulus, principle or drive (kind) of the population
// d, to the population's environment if x is a population.Binder. It
// reports whether x is usable, recording the problem if not.
func (s *buildState) bind(d *PopulationDef, env soma.Env, kind string, x any) bool {
	if bd, ok := x.(population.Binder); ok {
		if err := bd.Bind(env); err != nil {
			s.errs = append(s.errs, fmt.Errorf("population %q: %s: %w", d.name, kind, err))
			return false
		}
	}
	return true
}

// addAxons builds the axons the population d defines and adds them to
// the network and to rt; the population is the next one in the network.
func (s *buildState) addAxons(d *PopulationDef, rt *popRT) {
	for _, a := range d.axons {
		ax, err := a.spec.New(axonEnv(rt.env, a.name))
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("population %q: axon %q: %w", d.name, a.name, err))
			continue
		}
		na := &Axon{Name: a.name, Source: len(s.net.Populations), Axon: ax}
		rt.axons[a.name] = na
		s.net.Axons = append(s.net.Axons, na)
	}
}

// axonOf returns the axon name ("" = "out") of the population rt. The
// default axon "out", if the population does not define it, is created
// on demand and added to the network.
func (s *buildState) axonOf(rt *popRT, name string) (*Axon, error) {
	if name == "" {
		name = "out"
	}
	if a, ok := rt.axons[name]; ok {
		return a, nil
	}
	if name != "out" {
		return nil, fmt.Errorf("population %q has no axon %q", rt.def.name, name)
	}
	ax, err := axon.Spec{}.New(axonEnv(rt.env, name))
	if err != nil {
		return nil, err
	}
	a := &Axon{Name: name, Source: s.net.popIndex[rt.def.name], Axon: ax}
	rt.axons[name] = a
	s.net.Axons = append(s.net.Axons, a)
	return a, nil
}

// shapes returns the shape of every connection's synapse matrix, nil for
// a connection that cannot be drawn (reported by projection). It resolves
// the axons the projections leave from, and their modulator axons, in the
// order projection would create them, so that the network's axons do not
// depend on the drawing.
func (s *buildState) shapes() []*connectivity.Shape {
	shapes := make([]*connectivity.Shape, len(s.b.conns))
	for i, cd := range s.b.conns {
		c := cd.c
		src, ok1 := s.byName[c.From]
		dst, ok2 := s.byName[c.To]
		if !ok1 || !ok2 || s.failed[c.From] || s.failed[c.To] || s.failed[c.Follow] || c.Pattern == nil {
			continue
		}
		a, err := s.axonOf(src, c.Axon)
		if err != nil {
			continue // reported by projection
		}
		shapes[i] = &connectivity.Shape{Rows: a.Axon.Rows(), Cols: dst.def.size, Terminals: a.Axon.Terminals(),
			Self: src == dst, Autapses: c.Autapses}
		if ms, ok := s.byName[c.Follow]; ok && c.Plasticity != nil {
			_, _ = s.axonOf(ms, c.ModulatorAxon) // errors reported by projection
		}
	}
	return shapes
}

// projection builds the projection cd, the i-th connection, from the
// synapses drawn for it, and wires it to its axon, its receptor and, if
// it follows one, its modulator axon. It returns the first problem found,
// naming the projection; a projection to or from a population that did
// not build is skipped (its problem is already reported).
func (s *buildState) projection(i int, cd *connDef, draws *drawing) error {
	c := cd.c
	where := fmt.Sprintf("projection %q", cd.name)
	if c.Normalization != nil {
		if c.Normalize != nil {
			return fmt.Errorf("%s: both Normalize and Normalization: set one", where)
		}
		// A normaliser of this build's own (its scratch is per build).
		nz := &synapse.Normalizer{Axis: c.Normalization.Axis, Target: c.Normalization.Target, Bounds: c.Normalization.Bounds}
		c.Normalize = nz.Apply
	}
	if s.failed[c.From] || s.failed[c.To] || s.failed[c.Follow] {
		return nil // already reported
	}
	e, err := s.endpoints(c, where)
	if err != nil {
		return err
	}
	if c.Pattern == nil {
		return fmt.Errorf("%s: no connectivity pattern", where)
	}
	d := draws.wait(i)
	if d.err == nil && d.syn == nil {
		d.err = errors.New("internal error: its synapses were not drawn")
	}
	if d.err != nil {
		return fmt.Errorf("%s: %w", where, d.err)
	}
	syn := d.syn
	if c.Normalize != nil && d.cols != nil {
		return fmt.Errorf("%s: normalisation needs the whole projection, and the part holds only the neurons %v of %q: a part must hold all of a normalised projection's target", where, d.cols, c.To)
	}
	if c.Normalize != nil {
		if err := c.Normalize(syn); err != nil {
			return fmt.Errorf("%s: normalisation: %w", where, err)
		}
	}
	if e.rec.Spec().Kernel.Conductance() {
		if err := conductanceSigns(e, syn, float64(d.lo), c.Plasticity != nil); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	rt, err := projection.New(cd.name, syn, s.cfg.Batch, s.inbox(e.rec), e.axon.Axon.MaxLatency())
	if err != nil {
		return err
	}
	np := &Projection{Name: cd.name, Source: s.net.popIndex[e.src.def.name], Target: s.net.popIndex[e.dst.def.name],
		Runtime: rt, Normalize: c.Normalize, Wmin: d.lo, Wmax: d.hi,
		Axon: slices.Index(s.net.Axons, e.axon), Receptor: e.recName, Rule: c.Plasticity, FollowAxon: -1, Columns: d.cols}
	np.delayFloor, _ = syn.DelayRange()
	np.allowedFloor = delayFloor(c, s.cfg.DtMs)
	if d.cols != nil {
		np.delayFloor = np.allowedFloor
	}
	if c.Plasticity != nil {
		if err := np.setPlasticity(syn, s.cfg); err != nil {
			if strings.HasPrefix(err.Error(), "plasticity: ") {
				return fmt.Errorf("%s: %w", where, err) // the rules name their package
			}
			return fmt.Errorf("%s: plasticity: %w", where, err)
		}
	}
	if err := np.setDelays(c, syn, s.cfg, s.root.Sub(2, nameID(cd.name)), d.origin, where); err != nil {
		return err
	}
	if err := s.follow(np, c, where); err != nil {
		return err
	}
	e.axon.Targets = append(e.axon.Targets, rt)
	e.axon.targetProjections = append(e.axon.targetProjections, np)
	s.net.projIndex[cd.name] = len(s.net.Projections)
	s.net.Projections = append(s.net.Projections, np)
	return nil
}

// ends is where a projection leaves from and arrives at.
type ends struct {
	src, dst *popRT
	axon     *Axon
	rec      *dendrite.Receptor
	recName  string
}

// endpoints resolves the connection c's source and target populations,
// its axon (the default "out" created on demand) and its receptor (the
// default "in", a delta kernel, created on demand). where names the
// projection in the problems.
func (s *buildState) endpoints(c Connection, where string) (ends, error) {
	src, ok := s.byName[c.From]
	if !ok {
		return ends{}, fmt.Errorf("%s: from = %q: no such population%s", where, c.From, s.b.suggest(c.From))
	}
	dst, ok := s.byName[c.To]
	if !ok {
		return ends{}, fmt.Errorf("%s: to = %q: no such population%s", where, c.To, s.b.suggest(c.To))
	}
	a, err := s.axonOf(src, c.Axon)
	if err != nil {
		return ends{}, fmt.Errorf("%s: axon: %w", where, err)
	}
	recName := c.Receptor
	if recName == "" {
		recName = "in"
	}
	dpop := s.net.Populations[s.net.popIndex[dst.def.name]]
	rec, ok := dpop.Receptor(recName)
	if !ok {
		if c.Receptor != "" {
			return ends{}, fmt.Errorf("%s: receptor = %q: population %q has no such receptor (has %v)", where, recName, dst.def.name, dpop.ReceptorNames())
		}
		rec, err = s.defaultReceptor(dpop)
		if err != nil {
			return ends{}, fmt.Errorf("%s: %w", where, err)
		}
	}
	return ends{src: src, dst: dst, axon: a, rec: rec, recName: recName}, nil
}

// inbox returns the inbox of the receptor rec, shared by every projection
// onto it, creating it and adding it to the network on first use.
func (s *buildState) inbox(rec *dendrite.Receptor) *projection.Inbox {
	inbox, ok := s.inboxes[rec]
	if !ok {
		inbox = projection.NewInbox(rec)
		s.inboxes[rec] = inbox
		s.net.Inboxes = append(s.net.Inboxes, inbox)
	}
	return inbox
}

// setPlasticity gives the projection a learner of its rule over its
// synapses syn, within its weight bounds; the projection's normalisation,
// if any, runs after every plastic update and its first failure is kept
// for Err.
func (p *Projection) setPlasticity(syn *synapse.CSR, cfg Config) error {
	pp, err := plasticity.NewSynapses(syn, cfg.Batch, cfg.DtMs, p.Wmin, p.Wmax)
	if err != nil {
		return err
	}
	l, err := plasticity.NewLearner(pp, p.Rule)
	if err != nil {
		return err
	}
	if p.Normalize != nil {
		norm := p.Normalize
		l.Normalize = func([]float32) {
			if err := norm(syn); err != nil && p.err == nil {
				p.err = fmt.Errorf("projection %q: normalisation: %w", p.Name, err)
			}
		}
	}
	p.Learner = l
	p.Plastic = true
	p.Runtime.SetLearner(l)
	return nil
}

// setDelays checks the synaptic delays syn of the connection c against
// its learnt latency and its plasticity, and sets up the learnt latency,
// if any, drawing its initial values from key. where names the projection
// in the problems.
func (p *Projection) setDelays(c Connection, syn *synapse.CSR, cfg Config, key rng.Key, o *synapse.Origin, where string) error {
	if c.Latency != nil && syn.Delays() {
		return fmt.Errorf("%s: latency: learnt latencies cannot be combined with synaptic delays (delay_ms)", where)
	}
	if _, same := syn.UniformDelay(); c.Plasticity != nil && !same {
		return fmt.Errorf("%s: plasticity: synaptic delays that differ per synapse (delay_ms = %v) cannot be combined with plasticity: the rules see a presynaptic event at one step for its whole row; use a constant delay_ms or the axon's delay", where, c.DelayMs)
	}
	if c.Latency != nil {
		if err := p.setLatency(c.Latency, cfg, key, o); err != nil {
			return fmt.Errorf("%s: latency: %w", where, err)
		}
	}
	return nil
}

// follow makes the projection p's plasticity read the neuromodulator
// released by the axon ModulatorAxon of the population c.Follow, if the
// connection c names one. where names the projection in the problems.
func (s *buildState) follow(p *Projection, c Connection, where string) error {
	if c.Follow == "" {
		return nil
	}
	if c.Plasticity == nil {
		return fmt.Errorf("%s: follow = %q: only plasticity reads a neuromodulator; give the projection a plasticity rule", where, c.Follow)
	}
	if !plasticity.ReadsModulator(c.Plasticity) {
		// Its weights would never see the modulator: a model that
		// looks neuromodulated and is not.
		return fmt.Errorf("%s: follow = %q: the rule %s reads no neuromodulator, so the modulator would change nothing; rules that read one: %s",
			where, c.Follow, c.Plasticity.Kind(), plasticity.ModulatedKinds)
	}
	ms, ok := s.byName[c.Follow]
	if !ok {
		return fmt.Errorf("%s: follow = %q: no such population%s", where, c.Follow, s.b.suggest(c.Follow))
	}
	ma, err := s.axonOf(ms, c.ModulatorAxon)
	if err != nil {
		return fmt.Errorf("%s: modulator axon: %w", where, err)
	}
	p.Runtime.Follow(ma.Axon.MaxLatency())
	ma.ModTargets = append(ma.ModTargets, p.Runtime)
	p.FollowAxon = slices.Index(s.net.Axons, ma)
	return nil
}

// drawn is the synapses of one projection, drawn with their weights.
type drawn struct {
	syn    *synapse.CSR
	lo, hi float32 // weight bounds
	// cols are the target neurons drawn (nil: all) and origin where
	// their synapses lie in the whole (nil when nothing per synapse is
	// drawn, or for the whole).
	cols   [][2]int
	origin *synapse.Origin
	err    error
	done   chan struct{}
}

// drawing is the synapse drawing of every projection, in progress.
type drawing struct {
	out  []drawn
	quit chan struct{}
	wg   sync.WaitGroup
}

// drawAll starts drawing the synapses of every connection whose shape is
// known (nil shapes are left for the caller to report), on one goroutine
// per core, taking the connections in order. Drawing is a pure function
// of the connection, its shape and its key, so the network does not depend
// on the number of goroutines.
func drawAll(conns []*connDef, shapes []*connectivity.Shape, cols []*[][2]int, dt float64, root rng.Key) *drawing {
	d := &drawing{out: make([]drawn, len(conns)), quit: make(chan struct{})}
	for i := range d.out {
		d.out[i].done = make(chan struct{})
	}
	var next atomic.Int64
	workers := max(1, min(runtime.GOMAXPROCS(0), len(conns)))
	d.wg.Add(workers)
	for range workers {
		go func() {
			defer d.wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				select {
				case <-d.quit:
					return
				default:
				}
				r := &d.out[i]
				if shapes[i] != nil {
					if cols[i] != nil {
						r.cols = *cols[i]
					}
					r.syn, r.origin, r.lo, r.hi, r.err = drawSynapses(conns[i].c, *shapes[i], cols[i], dt, root.Sub(2, nameID(conns[i].name)))
				}
				close(r.done)
			}
		}()
	}
	return d
}

// wait returns the synapses of connection i once drawn, and forgets
// them: the caller holds them from now on (and drops a part's origin,
// 4 bytes per synapse, once the projection is assembled).
func (d *drawing) wait(i int) drawn {
	<-d.out[i].done
	r := d.out[i]
	d.out[i].syn, d.out[i].origin = nil, nil
	return r
}

// stop tells the goroutines to draw nothing more (Build returns) and
// waits for them.
func (d *drawing) stop() {
	close(d.quit)
	d.wg.Wait()
}

// drawSynapses draws a connection's synapses, their synaptic delays (if
// any) and initial weights (within the weight bounds it returns): a static
// projection whose weights are all equal keeps one value. A panic in a
// pattern is returned as an error.
func drawSynapses(c Connection, shape connectivity.Shape, cols *[][2]int, dt float64, key rng.Key) (syn *synapse.CSR, o *synapse.Origin, lo, hi float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			syn, err = nil, fmt.Errorf("drawing the synapses: panic: %v", r)
		}
	}()
	syn, o, err = buildPattern(c, shape, cols, key.Sub(uint64(rng.PurposeConnectivity)))
	if err != nil {
		return nil, nil, 0, 0, err
	}
	lo, hi, err = drawValues(c, syn, o, dt, key)
	return syn, o, lo, hi, err
}

// buildPattern draws the connection's pattern: whole (cols nil), or the
// part that ends on the columns *cols, with its origin when the synapses
// draw values of their own (weights, delays or learnt latencies not
// constant).
func buildPattern(c Connection, shape connectivity.Shape, cols *[][2]int, key rng.Key) (*synapse.CSR, *synapse.Origin, error) {
	if cols == nil {
		syn, err := c.Pattern.Build(shape, key)
		return syn, nil, err
	}
	_, constW := c.Weight.IsConst()
	_, constD := c.DelayMs.IsConst()
	return connectivity.BuildPart(c.Pattern, shape, key, *cols, !constW || !constD || c.Latency != nil)
}

// drawValues draws the synaptic delays (if any) and the initial weights
// of syn (within the weight bounds it returns) as drawSynapses says; o is
// syn's origin when syn is a part.
func drawValues(c Connection, syn *synapse.CSR, o *synapse.Origin, dt float64, key rng.Key) (lo, hi float32, err error) {
	if c.hasDelay() {
		if c.DelayRounding != axon.Floor && c.DelayRounding != axon.Nearest {
			return 0, 0, fmt.Errorf("delay rounding %v: must be Floor or Nearest", c.DelayRounding)
		}
		if err := syn.InitDelaysPart(c.DelayMs, dt, c.DelayRounding.Steps, key.Sub(uint64(rng.PurposeDelays)), o); err != nil {
			return 0, 0, err
		}
	}
	wmin, wmax := c.Wmin, c.Wmax
	defaulted := wmin == 0 && wmax == 0
	if defaulted {
		if c.Plasticity != nil {
			wmax = 1
		} else {
			wmin, wmax = math.Inf(-1), math.Inf(1)
		}
	}
	if !(wmin <= wmax) {
		return 0, 0, fmt.Errorf("weight bounds [%g, %g]: wmin must not exceed wmax", wmin, wmax)
	}
	lo, hi = float32(wmin), float32(wmax)
	if defaulted && c.Plasticity != nil {
		// Clipping initial weights into bounds nobody asked for would
		// silently change the model.
		if err := syn.InitWeightsPart(c.Weight, synapse.Unbounded(), key.Sub(uint64(rng.PurposeWeights)), o); err != nil {
			return 0, 0, err
		}
		if k := outside(syn.W, lo, hi); k >= 0 {
			return 0, 0, fmt.Errorf("initial weight %g lies outside the default bounds [0, 1] of a plastic projection: set the bounds (Wmin and Wmax; wmin and wmax in a model file)", syn.W[k])
		}
	}
	bounds := synapse.Bounds{Min: lo, Max: hi}
	static := c.Plasticity == nil && c.Normalize == nil && c.Normalization == nil
	if static {
		// Static weights that are all equal (constant weights, as in
		// Brunel's model) keep one value: 4 bytes per synapse. A
		// constant is set so without writing the weights one by one.
		if done, err := syn.InitUniform(c.Weight, bounds); err != nil {
			return 0, 0, err
		} else if done {
			return lo, hi, nil
		}
	}
	if err := syn.InitWeightsPart(c.Weight, bounds, key.Sub(uint64(rng.PurposeWeights)), o); err != nil {
		return 0, 0, err
	}
	if static {
		syn.Compact()
	}
	return lo, hi, nil
}

// axonEnv is the environment of a population's axon: its random streams
// (delays drawn from a distribution) are keyed by the axon's name too, so
// two axons of one population draw different delays.
func axonEnv(env soma.Env, name string) soma.Env {
	env.Key = env.Key.Sub(nameID(name))
	return env
}

// nameID derives a stream identity from an object's name (FNV-1a), so
// adding, removing or reordering other definitions never changes the
// random numbers of this one.
func nameID(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// outside returns the index of the first weight outside [lo, hi], or -1.
func outside(w []float32, lo, hi float32) int {
	for k, x := range w {
		if x < lo || x > hi {
			return k
		}
	}
	return -1
}

// suggest returns " (did you mean X?)" for a close population name.
func (b *Builder) suggest(name string) string {
	// Close means at most a third of the name's letters (at least one)
	// differ, and not all of them: "I" is not a typo of "E".
	best, bd := "", max(1, len(name)/3)+1
	for _, p := range b.pops {
		if d := editDistance(name, p.name); d < bd && d < len(name) {
			best, bd = p.name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// isNil reports whether x is nil or a nil pointer in an interface (a
// typed nil, as (*stimulus.PoissonDrive)(nil)), which would panic when
// used.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// conductanceWhy says why a conductance receptor takes no negative input.
const conductanceWhy = "a conductance must be >= 0: inhibition comes from the receptor's reversal potential (reversal_mV below the rest, e.g. -80 mV)"

// conductanceSigns checks a projection onto a conductance receptor: a
// conductance is never negative — inhibition comes from the receptor's
// reversal potential — so neither an inhibitory axon (sign −1) nor a
// negative weight, nor for a plastic projection a lower bound below 0,
// may feed it (either would turn its input into the opposite drive).
func conductanceSigns(e ends, syn *synapse.CSR, wmin float64, plastic bool) error {
	for r := range e.axon.Axon.Rows() {
		if e.axon.Axon.Sign(r) < 0 {
			return fmt.Errorf("axon %q is inhibitory (sign -1, row %d) onto the conductance receptor %q: %s; make the axon excitatory", e.axon.Name, r, e.recName, conductanceWhy)
		}
	}
	for k := range syn.Len() {
		if w := syn.Weight(k); w < 0 {
			return fmt.Errorf("weight %g (synapse %d) onto the conductance receptor %q: %s; give weights >= 0", w, k, e.recName, conductanceWhy)
		}
	}
	if plastic && wmin < 0 {
		return fmt.Errorf("wmin = %g onto the conductance receptor %q: learning could make a conductance negative; %s", wmin, e.recName, conductanceWhy)
	}
	return nil
}
