// Package population holds the runtime unit that owns a population's
// neurons: its soma model, its receptors (the receiving side of every
// incoming projection), the stimuli that drive it directly and the spike
// principles that filter its spikes. One call to Step advances it by one
// step: consume the inputs arriving now, integrate, fire, filter.
//
// It is plain state with no I/O: the sequential stepper calls it in a loop,
// and the actor runtime calls it from a population actor.
package population

import (
	"fmt"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/soma"
)

// Stimulus adds a direct input current to a population each step.
type Stimulus interface {
	// Add adds the stimulus of step into current (len N·Batch, element
	// b·N+i).
	Add(step int64, current []float32)
}

// Slicer is implemented by stimuli (and drives) that can act on a
// contiguous range of a population's neurons, for populations split into
// shards. Slice returns the stimulus of neurons [lo, hi) of a population
// of n neurons (batch of one copy); its Add then receives hi−lo elements,
// element k being neuron lo+k. It is called after Bind.
type Slicer interface {
	Slice(lo, hi, n int) (Stimulus, error)
}

// Binder is implemented by stimuli and principles that need to know the
// population they act on (its size, time step and random key). The
// network builder calls Bind once, before the run.
type Binder interface {
	Bind(env soma.Env) error
}

// Renewer is implemented by stimuli and principles that keep state (or
// hold ones that do): Renew returns a new one with the same settings and
// no state, not yet bound. A network.Builder built more than once gives
// each later build renewed ones, so that one definition builds as often as
// asked — a part per process, or again — without two networks sharing
// state.
type Renewer interface {
	Renew() any
}

// Renew returns x renewed when it is a Renewer, and x itself otherwise.
func Renew[T any](x T) T {
	if r, ok := any(x).(Renewer); ok {
		if y, ok := r.Renew().(T); ok {
			return y
		}
	}
	return x
}

// Principle filters the spikes of a step (clamps, k-winners-take-all,
// fire-once...). It returns the filtered, ascending list.
type Principle interface {
	Apply(step int64, fired []uint32, m soma.Model) []uint32
	Reset()
}

// Population is the runtime state of one population.
type Population struct {
	Name     string `state:"-"`
	Kind     string `state:"-"` // the model's kind ("lif", "rate", ...), for reports
	N, Batch int    `state:"-"`

	model  soma.Model
	graded soma.Graded
	repol  soma.Repolarizer

	receptors     []*dendrite.Receptor
	receptorNames []string `state:"-"`
	stimuli       []Stimulus
	drives        []drive
	principles    []Principle

	current, jump []float32 `state:"-"`
	v             []float32 `state:"-"` // potential, for conductance receptors
	g, ge         []float32 `state:"-"` // conductances, for models that integrate them

	fired     []uint32  `state:"indices"` // elements that fired at the last step
	prevFired []uint32  `state:"-"`       // ... at the step before
	prevOut   []float32 `state:"-"`       // the output of the step before, copied at each step's start

	fuser soma.Fuser        // the model, when it can fold receptors in
	recs  []soma.ExpCurrent `state:"-"` // reused by stepFused
	// noFuse holds Step to the generic path (SetFused); keepCurrent makes
	// the fused path store the summed current too (set by Current).
	noFuse, keepCurrent bool `state:"-"`
	// stepped is set by the first Step (Stepped).
	stepped bool `state:"-"`
}

// Stepped reports whether the population has been stepped: an engine
// that must own a network from its start refuses one that has.
func (p *Population) Stepped() bool { return p.stepped }

// New wraps a built model.
func New(name string, n, batch int, m soma.Model) (*Population, error) {
	if m.Len() != n*batch {
		return nil, fmt.Errorf("population %q: model has %d elements, want %d·%d", name, m.Len(), n, batch)
	}
	p := &Population{Name: name, N: n, Batch: batch, model: m}
	p.graded, _ = m.(soma.Graded)
	p.repol, _ = m.(soma.Repolarizer)
	p.fuser, _ = m.(soma.Fuser)
	p.current = make([]float32, m.Len())
	return p, nil
}

// Model returns the soma model.
func (p *Population) Model() soma.Model { return p.model }

// Graded reports whether the population outputs graded values.
func (p *Population) Graded() bool { return p.graded != nil }

// Len returns N·Batch.
func (p *Population) Len() int { return p.N * p.Batch }

// AddReceptor adds a named receptor and returns it.
func (p *Population) AddReceptor(name string, spec dendrite.Spec, dt float64, maxLatency int) (*dendrite.Receptor, error) {
	for _, n := range p.receptorNames {
		if n == name {
			return nil, fmt.Errorf("population %q: duplicate receptor %q", p.Name, name)
		}
	}
	r, err := spec.New(p.Len(), dt, maxLatency)
	if err != nil {
		return nil, fmt.Errorf("population %q: receptor %q: %w", p.Name, name, err)
	}
	if spec.Kernel == dendrite.ExpCurrent && spec.PSC == dendrite.Exact {
		// Exact PSCs: the model's P21/P20 (dendrite.Exact).
		if pg, ok := p.model.(soma.PSCGainer); ok {
			if f, ok := pg.ExpPSCGain(spec.TauMs); ok {
				r.SetGain(float32(f))
			}
		}
	}
	if spec.Kernel == dendrite.Delta && p.jump == nil {
		p.jump = make([]float32, p.Len())
	}
	if spec.Kernel.Conductance() && p.g == nil {
		if c, ok := p.model.(soma.Conductor); ok && c.Conductances() {
			p.g = make([]float32, p.Len())
			p.ge = make([]float32, p.Len())
		}
	}
	if spec.Kernel.Conductance() && p.g == nil && p.v == nil {
		v, ok := p.model.Var("v")
		if !ok {
			return nil, fmt.Errorf("population %q: receptor %q: %s needs a membrane potential \"v\", which this model lacks", p.Name, name, spec.Kernel)
		}
		p.v = v
	}
	p.receptors = append(p.receptors, r)
	p.receptorNames = append(p.receptorNames, name)
	return r, nil
}

// Receptor returns the named receptor.
func (p *Population) Receptor(name string) (*dendrite.Receptor, bool) {
	for i, n := range p.receptorNames {
		if n == name {
			return p.receptors[i], true
		}
	}
	return nil, false
}

// ReceptorNames lists the receptors in the order they were added.
func (p *Population) ReceptorNames() []string { return p.receptorNames }

// AddStimulus adds a direct input.
func (p *Population) AddStimulus(s Stimulus) { p.stimuli = append(p.stimuli, s) }

type drive struct {
	r   *dendrite.Receptor
	s   Stimulus
	buf []float32 `state:"-"` // the drive's input before the receptor's gain (gain ≠ 1)
}

// AddDrive makes s add, each step, into the named receptor's input of that
// step (as if presynaptic events arrived), for example Poisson background
// spikes onto a delta or exponential receptor.
func (p *Population) AddDrive(receptor string, s Stimulus) error {
	r, ok := p.Receptor(receptor)
	if !ok {
		return fmt.Errorf("population %q: drive targets receptor %q, which does not exist (has %v)", p.Name, receptor, p.receptorNames)
	}
	d := drive{r: r, s: s}
	if r.Gain() != 1 {
		d.buf = make([]float32, p.Len())
	}
	p.drives = append(p.drives, d)
	return nil
}

// AddPrinciple appends a spike principle; principles apply in order.
func (p *Population) AddPrinciple(pr Principle) { p.principles = append(p.principles, pr) }

// Stimuli returns the direct inputs, in order.
func (p *Population) Stimuli() []Stimulus { return p.stimuli }

// Drive is a stimulus that adds into a receptor's input.
type Drive struct {
	Receptor string
	Stimulus Stimulus
}

// Drives returns the drives, in order.
func (p *Population) Drives() []Drive {
	out := make([]Drive, len(p.drives))
	for i, d := range p.drives {
		for k, r := range p.receptors {
			if r == d.r {
				out[i] = Drive{p.receptorNames[k], d.s}
			}
		}
	}
	return out
}

// Principles returns the spike principles, in order.
func (p *Population) Principles() []Principle { return p.principles }

// Step advances the population by one step.
func (p *Population) Step(step int64) {
	p.stepped = true
	for _, d := range p.drives {
		slot := d.r.Slot(step)
		if d.buf == nil {
			d.s.Add(step, slot)
			continue
		}
		// The receptor's gain (dendrite.Receptor.Gain), applied to the
		// drive's sum of the step.
		clear(d.buf)
		d.s.Add(step, d.buf)
		g := d.r.Gain()
		for i, x := range d.buf {
			slot[i] += float32(g * x)
		}
	}
	if len(p.stimuli) == 0 && p.stepFused(step, nil) {
		// No stimulus: the current is not read; the fused loop writes
		// the receptors' sum into it if Current was asked for.
		return
	}
	clear(p.current)
	if p.jump != nil {
		clear(p.jump)
	}
	for _, s := range p.stimuli {
		s.Add(step, p.current)
	}
	if p.g != nil {
		// The model integrates conductances itself.
		if p.stepFused(step, p.current) {
			return
		}
		clear(p.g)
		clear(p.ge)
		for _, r := range p.receptors {
			r.ConsumeConductance(step, p.v, p.current, p.jump, p.g, p.ge)
		}
	} else if p.stepFused(step, p.current) {
		return
	} else {
		if p.v != nil && p.repol != nil {
			// Conductance receptors read the potential: apply last
			// step's resets first so they see the reset value.
			p.repol.Repolarize()
		}
		for _, r := range p.receptors {
			r.Consume(step, p.v, p.current, p.jump)
		}
	}
	if p.graded != nil {
		p.keepPrevOutput()
	}
	p.prevFired, p.fired = p.fired, p.prevFired[:0]
	p.fired = p.model.Step(step, soma.Input{Current: p.current, Jump: p.jump, G: p.g, GE: p.ge}, p.fired)
	for _, pr := range p.principles {
		p.fired = pr.Apply(step, p.fired, p.model)
	}
	if len(p.principles) > 0 && p.repol != nil {
		// Reset exactly the spikes that are emitted.
		p.repol.SetFired(p.fired)
	}
}

// stepFused runs the rest of Step through the model's fused loop when
// every receptor is an exponential current and nothing needs a separate
// pass (delta jumps, principles); it reports whether it did. current is the
// step's summed stimulus current, or nil when there is none. Once Current
// has been called, the loop also stores into p.current the summed current
// the generic path would have left there (see soma.Fuser).
func (p *Population) stepFused(step int64, current []float32) bool {
	if p.noFuse || p.fuser == nil || p.jump != nil || p.graded != nil || len(p.principles) > 0 || len(p.receptors) == 0 {
		return false
	}
	p.recs = p.recs[:0]
	for _, r := range p.receptors {
		e, ok := r.Exp(step)
		if !ok {
			return false
		}
		p.recs = append(p.recs, e)
	}
	var sum []float32
	if p.keepCurrent {
		sum = p.current
	}
	fired, ok := p.fuser.StepFused(step, soma.Input{Current: current}, p.recs, sum, p.prevFired[:0])
	if !ok {
		return false
	}
	p.prevFired, p.fired = p.fired, fired
	return true
}

// Err returns the first run-time problem reported by the model or a
// principle (for example a Poisson probability above one), or nil.
func (p *Population) Err() error {
	if f, ok := p.model.(soma.Failer); ok {
		if err := f.Err(); err != nil {
			return err
		}
	}
	for _, pr := range p.principles {
		if f, ok := pr.(soma.Failer); ok {
			if err := f.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Population) keepPrevOutput() {
	if p.prevOut == nil {
		p.prevOut = make([]float32, p.Len())
	}
	copy(p.prevOut, p.graded.Output())
}

// Fired returns the elements that fired at the last step (ascending). The
// slice is reused by the next Step.
func (p *Population) Fired() []uint32 { return p.fired }

// PrevFired returns the elements that fired at the step before the last.
func (p *Population) PrevFired() []uint32 { return p.prevFired }

// Output returns the graded output of the last step (nil for spiking
// populations).
func (p *Population) Output() []float32 {
	if p.graded == nil {
		return nil
	}
	return p.graded.Output()
}

// PrevOutput returns the graded output of the step before the last.
func (p *Population) PrevOutput() []float32 { return p.prevOut }

// Current returns the input current of the last step (direct input plus
// dendritic currents), a live view, equal on every path to what the
// generic path (SetFused(false)) computes. Conductance receptors of a
// model that integrates conductances itself (soma.Conductor) add nothing
// to it: their input is a conductance, not a current. An exponential
// current receptor with a gain (dendrite.Receptor.Gain: exact PSCs on an
// exact LIF) adds its state, the gain times the PSC: the current as the
// soma receives it over the step.
//
// The fused path (exponential receptors folded into the model's loop)
// stores the current only from the first call of Current on, since doing
// so costs a pass of stores every step: call it before stepping, as the
// state monitors do when they are made; until then the view holds the
// direct input alone.
func (p *Population) Current() []float32 {
	p.keepCurrent = true
	return p.current
}

// SetFused lets Step fold exponential receptors into the model's own loop
// where the model can (on, the default: see soma.Fuser), or holds it to
// the generic path: each receptor consumed into the current, then the
// model's Step. Both give the same results bit for bit; the generic path
// is slower. It is meant for tests and comparisons.
func (p *Population) SetFused(on bool) { p.noFuse = !on }

// Reset restores the initial state: model, receptors (inputs in flight
// included), principles and spike history.
func (p *Population) Reset() {
	p.model.Reset()
	for _, r := range p.receptors {
		r.Reset()
	}
	for _, pr := range p.principles {
		pr.Reset()
	}
	p.fired = p.fired[:0]
	p.prevFired = p.prevFired[:0]
	clear(p.prevOut)
	clear(p.current)
}
