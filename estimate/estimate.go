// Package estimate computes the memory a Spiral network will need before
// it is built: per projection (synapses, bytes per synapse, bytes), per
// population (neuron state, receptors and their ring buffers, axon
// buffers), and totals for the sequential engine and for the actor engine
// with a given shard layout. Nothing proportional to the synapses is
// allocated: the synapse count of each connectivity pattern is computed
// (exactly for fixed in-degree, fixed out-degree, fixed total, all-to-all,
// one-to-one and lists; its expectation for Bernoulli).
//
// The estimator works from Model, the memory-relevant summary of a
// network, which FromDefinition takes from a network definition
// (network.Builder.Definition, modelfile.Model.Definition) — the one
// description that model files and the Go builder share — without drawing
// anything; File, Parse and Builtin do so for a model file and a built-in
// model (the tests compare the estimates with the built networks).
//
// The figures follow the data structures:
//
//   - synapse.CSR: 4 B per row pointer, 4 B per synapse index, 4 B per
//     weight unless the projection is static with equal weights
//     (Compact): 8 or 4 B per synapse.
//   - plastic projections: the column view (ColSyn, ColRow: 8 B per
//     synapse, ColPtr 4 B per column), the learner's accumulator (DW, 4 B
//     per synapse) and traces per row and column.
//   - receptors: a ring of (max latency + 1) slots × neurons × 4 B, plus
//     conductance state for non-delta kernels.
//   - axons: per row the delay, sign, output and event template (24 B);
//     stateful axons keep a history instead of the template.
//   - actor engine: the coordinator keeps the network (its CSR
//     included); every shard of a population split into several shards
//     holds a copy of its columns of each incoming projection (allocated
//     to size), plus its own copy of the population's state.
package estimate

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Model describes a network for estimation.
type Model struct {
	Name        string
	DtMs        float64 // default 0.1
	Batch       int     // default 1
	Populations []PopulationSummary
	Projections []ProjectionSummary
}

// PopulationSummary describes a population.
type PopulationSummary struct {
	Name string
	N    int
	// StateBytes is the soma model's state per element (neuron × batch
	// copy); 0 means DefaultStateBytes.
	StateBytes int
	Receptors  []ReceptorSummary
	Axons      []AxonSummary
	// Splittable reports whether the actor engine may split the
	// population into several shards (layout.Splittable).
	Splittable bool
}

// DefaultStateBytes is the assumed soma state per element when a
// population does not give it: eight float32 arrays (an integrate-and-fire
// neuron keeps its potential, refractory counter and coefficients).
const DefaultStateBytes = 32

// ReceptorSummary is a named receptor of a population.
type ReceptorSummary struct {
	Name   string
	Kernel dendrite.Kernel
}

// AxonSummary is a named axon of a population.
type AxonSummary struct {
	Name      string
	Terminals int     // 0 means 1
	DelayMs   float64 // the largest delay
	// Stateful marks an axon with a stateful response (or buffered):
	// it keeps a history rather than an event template.
	Stateful bool
	// MinDelayMs is the smallest delay (stateful axons deliver at it).
	MinDelayMs float64
	// Nearest rounds the delays to the nearest step (axon.Nearest)
	// rather than down.
	Nearest bool
}

// ProjectionSummary describes a projection.
type ProjectionSummary struct {
	Name     string
	From, To string
	Axon     string // "" = "out"
	Receptor string // "" = "in"
	Pattern  connectivity.Pattern
	Autapses bool
	// Plastic: the projection learns (a plasticity rule; learnt
	// latencies count as plastic too).
	Plastic bool
	// Uniform: static with every weight equal (a constant weight, no
	// normalisation): the CSR is compacted to 4 B per synapse.
	Uniform bool
	// SynDelays: synaptic delays that differ per synapse (delay_ms a list
	// or a distribution): 1 B per synapse more (2 beyond 255 steps). SynMinDelayMs and
	// SynMaxDelayMs bound the synaptic delays (0 without), which add to
	// the axon's; SynNearest rounds them to the nearest step.
	SynDelays                    bool
	SynMinDelayMs, SynMaxDelayMs float64
	SynNearest                   bool
}

// Count is a pattern's synapse count for a shape.
type Count struct {
	Synapses float64 // exact, expected, or an upper bound
	Exact    bool    // the count is exact
	Bound    bool    // the count is an upper bound (every pair)
}

// Counter may be implemented by patterns outside package connectivity to
// give their synapse count without drawing them.
type Counter interface {
	Count(s connectivity.Shape) (Count, error)
}

// rowCols and colRows mirror connectivity's space.
func rowCols(s connectivity.Shape) int {
	if s.Self && !s.Autapses {
		return max(s.Cols-1, 0)
	}
	return s.Cols
}

func colRows(s connectivity.Shape) int {
	if s.Self && !s.Autapses {
		return max(s.Rows-max(s.Terminals, 1), 0)
	}
	return s.Rows
}

// SynapseCount returns the synapse count of pattern p on shape s, after
// validating p against s. Patterns of package connectivity are counted by
// type; others through Counter; combinations (Invert, And, Or) and
// unknown patterns are bounded by the number of pairs.
func SynapseCount(p connectivity.Pattern, s connectivity.Shape) (Count, error) {
	if p == nil {
		return Count{}, fmt.Errorf("estimate: nil pattern")
	}
	if err := s.Validate(); err != nil {
		return Count{}, err
	}
	if err := p.Validate(s); err != nil {
		return Count{}, err
	}
	pairs := float64(s.Rows) * float64(rowCols(s))
	switch q := p.(type) {
	case connectivity.FixedInDegree:
		return Count{Synapses: float64(q.K) * float64(s.Cols), Exact: true}, nil
	case connectivity.FixedOutDegree:
		return Count{Synapses: float64(q.K) * float64(s.Rows), Exact: true}, nil
	case connectivity.FixedTotal:
		return Count{Synapses: float64(q.N), Exact: true}, nil
	case connectivity.AllToAll:
		return Count{Synapses: pairs, Exact: true}, nil
	case connectivity.OneToOne:
		return Count{Synapses: float64(s.Rows), Exact: true}, nil
	case connectivity.List:
		return Count{Synapses: float64(len(q.I)), Exact: true}, nil
	case connectivity.Bernoulli:
		if q.P == 0 || q.P == 1 {
			return Count{Synapses: q.P * pairs, Exact: true}, nil
		}
		return Count{Synapses: q.P * pairs}, nil
	case Counter:
		return q.Count(s)
	}
	return Count{Synapses: pairs, Bound: true}, nil
}

// ProjectionEstimate is the estimate of one projection.
type ProjectionEstimate struct {
	Name, From, To string
	Kind           string // the pattern's kind
	Count
	Rows, Cols int
	// CSR is the bytes of the synapse.CSR (Ptr, Idx, W).
	CSR int64
	// Plastic is the bytes of the plasticity structures (column view,
	// accumulator, traces); 0 when static.
	Plastic int64
	// Transient is the extra bytes while the projection is built (the
	// drawn list of fixed in-degree, the weights before Compact).
	Transient int64
}

// BytesPerSynapse returns (CSR + Plastic) per synapse (0 without
// synapses).
func (p ProjectionEstimate) BytesPerSynapse() float64 {
	if p.Synapses == 0 {
		return 0
	}
	return float64(p.CSR+p.Plastic) / p.Synapses
}

// PopulationEstimate is the estimate of one population.
type PopulationEstimate struct {
	Name string
	N    int
	// State: the soma model's state and the population's input buffers.
	State int64
	// Receptors: ring buffers and kernel state.
	Receptors int64
	// Axons: delays, signs, outputs, event templates or histories.
	Axons int64
	// Shards is the number of shards of the actor engine.
	Shards int
}

// Total returns State + Receptors + Axons.
func (p PopulationEstimate) Total() int64 { return p.State + p.Receptors + p.Axons }

// ShardCopy is what the actor engine's shards of one population hold of
// one incoming projection.
type ShardCopy struct {
	Projection string
	Population string
	Shards     int
	Synapses   float64 // over all shards
	Bytes      int64   // CSR copies (allocated to size) and plasticity
}

// Estimate is the memory estimate of a network.
type Estimate struct {
	Model       string
	Projections []ProjectionEstimate
	Populations []PopulationEstimate
	Copies      []ShardCopy
	Neurons     int
	Synapses    float64
	Exact       bool // every synapse count is exact
	// Sequential is the network's memory (what the sequential engine
	// steps); BuildPeak the most held at once while building it
	// (transients included, garbage not). With BuildWorkers projections
	// drawn at once, up to BuildWorkers − 1 others may still hold their
	// transients while one is drawn: BuildPeak counts the largest of them
	// that many times on top.
	Sequential, BuildPeak int64
	// Actors is the network plus the shards' populations and column
	// copies (the coordinator keeps the network); ShardPopulations and
	// ShardSynapses split the difference.
	Actors, ShardPopulations, ShardSynapses int64
	// ActorsPeak is the most held at once while the shards are made:
	// Actors, or BuildPeak if larger (garbage not counted).
	ActorsPeak int64
}

// Options say which shard layout the actor engine gets.
type Options struct {
	// Shards per population name, as layout.Shards gives them; a
	// missing population counts one shard. Nil: one per population.
	Shards map[string]int
	// BuildWorkers is how many projections the network draws at once
	// (network.Builder.Build: one per core, GOMAXPROCS); 0 counts one.
	BuildWorkers int
}

// ShardLayout mirrors layout.Shards and the run command's --shards:
// with shards > 0 every splittable population gets min(shards, N); with
// 0 the populations of at least minAuto neurons that can be split get
// min(AutoCores(m, procs, minWork), N) and the others one.
func ShardLayout(m *Model, shards, procs, minAuto, minWork int) map[string]int {
	cores := AutoCores(m, procs, minWork)
	out := map[string]int{}
	for _, p := range m.Populations {
		out[p.Name] = 1
		switch {
		case shards > 0 && p.Splittable:
			out[p.Name] = min(shards, p.N)
		case shards == 0 && p.Splittable && p.N >= minAuto:
			out[p.Name] = min(cores, p.N)
		}
	}
	return out
}

// BalancedLayout mirrors the lockstep engine's automatic layout (the run
// command's --shards 0; lockstep.Options.Balance on AutoCores(m, procs,
// minWork) workers): the number of pieces that layout cuts each
// population into.
func BalancedLayout(m *Model, procs, minWork int) map[string]int {
	sizes := make([]int, len(m.Populations))
	splittable := make([]bool, len(m.Populations))
	for i, p := range m.Populations {
		sizes[i], splittable[i] = p.N, p.Splittable
	}
	out := map[string]int{}
	for _, pc := range shard.Balanced(sizes, splittable, AutoCores(m, procs, minWork)) {
		out[m.Populations[pc.Pop].Name]++
	}
	return out
}

// AutoCores mirrors layout.Cores: procs, or fewer where the model's
// neurons times its segment's steps (SegmentSteps) give each core less than
// minWork; at least one.
func AutoCores(m *Model, procs, minWork int) int {
	work := 0
	for _, p := range m.Populations {
		work += p.N
	}
	work *= SegmentSteps(m)
	return max(1, min(procs, work/max(minWork, 1)))
}

// SegmentSteps mirrors network.Network.MinLatency: the smallest latency,
// in steps, of the projections' links (1 + the axon's smallest delay + the
// smallest synaptic delay; 64 without projections). An axon whose smallest delay the model
// does not give (MinDelayMs 0 on the direct path) counts its DelayMs, the
// largest: for delays drawn from a distribution this can overstate it.
func SegmentSteps(m *Model) int {
	dt := m.DtMs
	if dt == 0 {
		dt = 0.1
	}
	e := 0
	for _, pr := range m.Projections {
		d, nearest := 0.0, false
		for _, p := range m.Populations {
			if p.Name != pr.From {
				continue
			}
			name := pr.Axon
			if name == "" {
				name = "out"
			}
			for _, a := range p.Axons {
				if a.Name == name {
					d = a.DelayMs
					if a.Stateful || a.MinDelayMs > 0 {
						d = a.MinDelayMs
					}
					nearest = a.Nearest
				}
			}
		}
		if l := 1 + delaySteps(d, dt, nearest) + delaySteps(pr.SynMinDelayMs, dt, pr.SynNearest); e == 0 || l < e {
			e = l
		}
	}
	if e == 0 {
		e = 64
	}
	return e
}

// Of estimates m.
func Of(m *Model, o Options) (*Estimate, error) {
	dt := m.DtMs
	if dt == 0 {
		dt = 0.1
	}
	batch := m.Batch
	if batch == 0 {
		batch = 1
	}
	w, err := newWiring(m)
	if err != nil {
		return nil, err
	}
	e := &Estimate{Model: m.Name, Exact: true}
	retained := int64(0) // CSR and plasticity built so far
	maxTransient := int64(0)
	for _, pr := range m.Projections {
		src, dst, a, err := w.connect(pr, dt)
		if err != nil {
			return nil, err
		}
		pe, err := projectionEstimate(pr, src, dst, a, dt, batch)
		if err != nil {
			return nil, err
		}
		if !pe.Exact {
			e.Exact = false
		}
		e.BuildPeak = max(e.BuildPeak, retained+pe.CSR+pe.Plastic+pe.Transient)
		maxTransient = max(maxTransient, pe.Transient)
		retained += pe.CSR + pe.Plastic
		e.Synapses += pe.Synapses
		e.Projections = append(e.Projections, pe)
	}

	// Actor engine: shards of split populations copy their columns.
	for _, pr := range m.Projections {
		s := o.Shards[pr.To]
		if s <= 1 {
			continue
		}
		var pe ProjectionEstimate
		for _, x := range e.Projections {
			if x.Name == pr.Name {
				pe = x
			}
		}
		cp := shardCopy(pr, pe, s, dt, batch)
		e.Copies = append(e.Copies, cp)
		e.ShardSynapses += cp.Bytes
	}
	for _, p := range m.Populations {
		pe := w.population(p, dt, batch)
		s := max(o.Shards[p.Name], 1)
		pe.Shards = s
		// Each shard builds its own population and receptors (its axons
		// stay with the coordinator's network).
		e.ShardPopulations += pe.State + pe.Receptors
		e.Populations = append(e.Populations, pe)
		e.Neurons += p.N
		e.Sequential += pe.Total()
	}
	e.Sequential += retained
	e.BuildPeak += e.Sequential - retained + int64(max(o.BuildWorkers, 1)-1)*maxTransient
	e.Actors = e.Sequential + e.ShardPopulations + e.ShardSynapses
	e.ActorsPeak = max(e.BuildPeak, e.Actors)
	return e, nil
}

// axonKey names an axon of a population.
type axonKey struct{ pop, axon string }

// recKey names a receptor of a population.
type recKey struct{ pop, rec string }

// wiring is a model's populations, axons and receptors as the builder
// creates them: the default axon "out" and receptor "in" on demand, as
// the projections need them.
type wiring struct {
	pops       map[string]*PopulationSummary
	axons      map[axonKey]AxonSummary
	extraAxons []axonKey // the default axons created on demand, in order
	recs       map[recKey]dendrite.Kernel
	slots      map[recKey]int // ring slots: max latency + 1, at least 2
}

// newWiring indexes the populations of m, their axons and their
// receptors; a population named twice is an error.
func newWiring(m *Model) (*wiring, error) {
	w := &wiring{pops: map[string]*PopulationSummary{}, axons: map[axonKey]AxonSummary{},
		recs: map[recKey]dendrite.Kernel{}, slots: map[recKey]int{}}
	for i := range m.Populations {
		p := &m.Populations[i]
		if _, dup := w.pops[p.Name]; dup {
			return nil, fmt.Errorf("estimate: duplicate population %q", p.Name)
		}
		w.pops[p.Name] = p
	}
	for _, p := range m.Populations {
		for _, a := range p.Axons {
			w.axons[axonKey{p.Name, a.Name}] = a
		}
	}
	for _, p := range m.Populations {
		for _, r := range p.Receptors {
			w.recs[recKey{p.Name, r.Name}] = r.Kernel
			w.slots[recKey{p.Name, r.Name}] = 2
		}
	}
	return w, nil
}

// connect resolves the projection pr's source and target populations and
// its axon, creating the default axon "out" and receptor "in" on demand,
// and widens the target receptor's ring to the projection's latency.
func (w *wiring) connect(pr ProjectionSummary, dt float64) (src, dst *PopulationSummary, a AxonSummary, err error) {
	src, ok := w.pops[pr.From]
	if !ok {
		return nil, nil, AxonSummary{}, fmt.Errorf("estimate: projection %q: no population %q", pr.Name, pr.From)
	}
	dst, ok = w.pops[pr.To]
	if !ok {
		return nil, nil, AxonSummary{}, fmt.Errorf("estimate: projection %q: no population %q", pr.Name, pr.To)
	}
	an := pr.Axon
	if an == "" {
		an = "out"
	}
	a, ok = w.axons[axonKey{src.Name, an}]
	if !ok {
		if an != "out" {
			return nil, nil, AxonSummary{}, fmt.Errorf("estimate: projection %q: population %q has no axon %q", pr.Name, src.Name, an)
		}
		a = AxonSummary{Name: "out"}
		w.axons[axonKey{src.Name, an}] = a
		w.extraAxons = append(w.extraAxons, axonKey{src.Name, an})
	}
	rn := pr.Receptor
	if rn == "" {
		rn = "in"
	}
	rk := recKey{dst.Name, rn}
	if _, ok := w.recs[rk]; !ok {
		if pr.Receptor != "" {
			return nil, nil, AxonSummary{}, fmt.Errorf("estimate: projection %q: population %q has no receptor %q", pr.Name, dst.Name, rn)
		}
		w.recs[rk] = dendrite.Delta
		w.slots[rk] = 2
	}
	w.slots[rk] = max(w.slots[rk], maxLatency(a, dt)+1+delaySteps(pr.SynMaxDelayMs, dt, pr.SynNearest))
	return src, dst, a, nil
}

// projectionEstimate estimates the projection pr from src through its
// axon a to dst: its synapse count, the bytes of its CSR and plasticity,
// and the extra bytes while it is built.
func projectionEstimate(pr ProjectionSummary, src, dst *PopulationSummary, a AxonSummary, dt float64, batch int) (ProjectionEstimate, error) {
	t := max(a.Terminals, 1)
	shape := connectivity.Shape{Rows: src.N * t, Cols: dst.N, Terminals: t, Self: src == dst, Autapses: pr.Autapses}
	c, err := SynapseCount(pr.Pattern, shape)
	if err != nil {
		return ProjectionEstimate{}, fmt.Errorf("estimate: %w", &network.ElementError{Kind: "projection", Name: pr.Name, Err: fmt.Errorf("projection %q: %w", pr.Name, err)})
	}
	pe := ProjectionEstimate{Name: pr.Name, From: src.Name, To: dst.Name, Kind: pr.Pattern.Kind(), Count: c,
		Rows: shape.Rows, Cols: shape.Cols}
	n := int64(math.Round(c.Synapses))
	wPer := int64(4)
	if pr.Uniform && !pr.Plastic {
		wPer = 0
	}
	pe.CSR = 4*int64(shape.Rows+1) + 4*idxCap(pr.Pattern, shape, n) + wPer*n
	pe.CSR += delayBytes(pr, dt) * n // synapse.CSR.D8 or D
	if pr.Plastic {
		pe.Plastic = plasticBytes(n, shape.Rows, shape.Cols, batch)
	}
	// Building draws the structure (fixed in-degree keeps the drawn
	// rows until the scatter, fixed total its drawn pairs when there
	// are at most 2³²), then allocates W before Compact.
	pe.Transient = 4 * n * (1 - wPer/4)
	switch q := pr.Pattern.(type) {
	case connectivity.FixedInDegree:
		pe.Transient += 4 * n
	case connectivity.FixedTotal:
		pe.Transient += 4 * fixedTotalDrawn(q, shape)
	}
	return pe, nil
}

// population estimates the population p (one shard): its soma and
// receptor state and its axons, the default ones created for the
// projections included. It is called once every projection is connected.
func (w *wiring) population(p PopulationSummary, dt float64, batch int) PopulationEstimate {
	elems := int64(p.N) * int64(batch)
	sb := p.StateBytes
	if sb == 0 {
		sb = DefaultStateBytes
	}
	pe := PopulationEstimate{Name: p.Name, N: p.N, Shards: 1}
	// soma state, the population's current, fired lists (up to N
	// each, two of them).
	pe.State = elems * int64(sb+4+8)
	delta, cond := false, false
	for k, kern := range w.recs {
		if k.pop != p.Name {
			continue
		}
		pe.Receptors += int64(w.slots[k]) * elems * 4
		if kern != dendrite.Delta {
			pe.Receptors += elems * 4
		}
		if kern == dendrite.AlphaCurrent || kern == dendrite.AlphaConductance {
			pe.Receptors += elems * 4
		}
		delta = delta || kern == dendrite.Delta
		cond = cond || kern.Conductance()
	}
	if delta {
		pe.State += elems * 4 // jump
	}
	if cond {
		pe.State += elems * 8 // g, ge
	}
	var as []AxonSummary
	for _, a := range p.Axons {
		as = append(as, a)
	}
	for _, k := range w.extraAxons {
		if k.pop == p.Name {
			as = append(as, w.axons[k])
		}
	}
	for _, a := range as {
		rows := int64(p.N) * int64(max(a.Terminals, 1))
		pe.Axons += rows * int64(batch) * 4 // y
		pe.Axons += rows * 8                // delays, signs
		if a.Stateful {
			h := int64(math.Round((a.DelayMs-a.MinDelayMs)/dt)) + 1
			pe.Axons += h*int64(batch)*int64(p.N)*4 + rows*4
		} else {
			pe.Axons += rows * int64(batch) * 12 // event template
		}
	}
	return pe
}

// shardCopy estimates the columns of the projection pr (estimated as pe)
// that the actor engine copies to each of the s shards of its target.
func shardCopy(pr ProjectionSummary, pe ProjectionEstimate, s int, dt float64, batch int) ShardCopy {
	cp := ShardCopy{Projection: pr.Name, Population: pr.To, Shards: s}
	uniform := pr.Uniform && !pr.Plastic
	for k := 0; k < s; k++ {
		lo, hi := k*pe.Cols/s, (k+1)*pe.Cols/s
		ns := pe.Synapses * float64(hi-lo) / float64(max(pe.Cols, 1))
		if fid, ok := pr.Pattern.(connectivity.FixedInDegree); ok {
			ns = float64(fid.K) * float64(hi-lo)
		}
		n := int64(math.Round(ns))
		cp.Synapses += ns
		// synapse.CSR.Columns counts first: exact capacity.
		b := 4*int64(pe.Rows+1) + 4*n
		if !uniform {
			b += 4 * n
		}
		b += delayBytes(pr, dt) * n
		if pr.Plastic {
			b += plasticBytes(n, pe.Rows, hi-lo, batch)
		}
		cp.Bytes += b
	}
	return cp
}

// idxCap is the capacity of the CSR's index slice: the count, except
// for Bernoulli, which reserves the mean plus six standard deviations and
// 64 (connectivity.Bernoulli's structure).
func idxCap(p connectivity.Pattern, s connectivity.Shape, n int64) int64 {
	b, ok := p.(connectivity.Bernoulli)
	if !ok || b.P == 0 || b.P == 1 || s.Rows == 0 || s.Cols == 0 {
		return n
	}
	pairs := float64(s.Rows) * float64(rowCols(s))
	mean := float64(pairs * b.P)
	return max(n, int64(math.Min(pairs, mean+float64(6*math.Sqrt(mean*(1-b.P)))+64)))
}

// fixedTotalDrawn is how many pairs a fixed total keeps as drawn until it
// places them in rows (connectivity.FixedTotal, with at most 2³² pairs:
// N, or the pairs left out when N distinct pairs are more than half).
func fixedTotalDrawn(p connectivity.FixedTotal, s connectivity.Shape) int64 {
	pairs := uint64(s.Rows) * uint64(rowCols(s))
	if pairs > math.MaxUint32 {
		return 0 // drawn twice instead: counted, then placed
	}
	if !p.Multapses && uint64(p.N) > pairs/2 {
		return int64(pairs) - int64(p.N)
	}
	return int64(p.N)
}

// traceBytes is the per-row and per-column state of a plastic
// projection: the runtime's pre and post values and marks, and a pair
// rule's traces.
func traceBytes(rows, cols, batch int) int64 {
	return int64(batch) * (int64(rows)*(4+1+8) + int64(cols)*(4+12))
}

// plasticBytes is the plasticity of a projection of n synapses: the
// column view (ColPtr, ColSyn, ColRow), the accumulator DW, and the
// runtime's and a pair rule's traces per row and column.
func plasticBytes(n int64, rows, cols, batch int) int64 {
	return 4*int64(cols+1) + 12*n + traceBytes(rows, cols, batch)
}

// maxLatency mirrors axon.MaxLatency: 1 + the largest delay in steps
// beyond the one-step minimum (the smallest for a stateful axon).
func maxLatency(a AxonSummary, dt float64) int {
	d := a.DelayMs
	if a.Stateful {
		d = a.MinDelayMs
	}
	return max(1, int(math.Round(d/dt)))
}

// delayBytes mirrors synapse.CSR.InitDelays: synaptic delays that differ
// take 1 byte per synapse when all are at most 255 steps, else 2.
func delayBytes(pr ProjectionSummary, dt float64) int64 {
	switch {
	case !pr.SynDelays:
		return 0
	case delaySteps(pr.SynMaxDelayMs, dt, pr.SynNearest) <= 255:
		return 1
	}
	return 2
}

// delaySteps converts a delay to steps as axon.Rounding does: down, or to
// the nearest step.
func delaySteps(d, dt float64, nearest bool) int {
	if nearest {
		return param.RoundSteps(d, dt)
	}
	return param.Steps(d, dt)
}
