package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// WriteOptions add to a written model file what a network definition does
// not say.
type WriteOptions struct {
	// Comment, if set, heads the file (each line prefixed with "# ").
	Comment string
	// DurationMs, if > 0, is run.duration_ms.
	DurationMs float64
	// WeightMonitors names projections for monitors.weights.
	WeightMonitors []string
	// StateMonitors are monitors.state.
	StateMonitors []StateMonitor
}

// Write writes a network definition (network.Builder.Definition,
// Model.Definition) as a model file that Parse reads back into the same
// network: Build of the parsed file gives, bit for bit, the network the
// definition builds. Every model file's definition can be written (tests
// check every example and a file holding every kind); a definition made
// in Go can be written when it uses what a model file can say. What it
// cannot — a Go function (Connection.Normalize, a rate unit's custom
// transfer, k_random_clamps' k), a type of the user's own, a distribution
// other than uniform and normal (param.Dist), bounds on an array,
// inhibitory rows or a maximum delay on an axon, integrate-and-fire terms
// in another order than a model file's kind gives them (they add in their
// order) — is an error naming the object and what it holds, and nothing
// is written.
func Write(d network.Definition, o WriteOptions) ([]byte, error) {
	w := &writer{}
	root := w.mapping()
	if o.Comment != "" {
		root.HeadComment = o.Comment
	}
	cfg := d.Config
	dt := cfg.DtMs
	if dt == 0 {
		dt = 0.1
	}
	netm := w.mapping()
	w.put(netm, "dt_ms", w.number(dt))
	w.put(netm, "seed", w.scalar(strconv.FormatUint(cfg.Seed, 10), "!!int"))
	if cfg.Batch > 1 {
		w.put(netm, "batch", w.integer(cfg.Batch))
	}
	if cfg.FixedPoint {
		w.put(netm, "fixed_point", w.scalar("true", "!!bool"))
	}
	netm.Style = yaml.FlowStyle
	w.put(root, "network", netm)
	if o.DurationMs > 0 {
		run := w.mapping()
		run.Style = yaml.FlowStyle
		w.put(run, "duration_ms", w.number(o.DurationMs))
		w.put(root, "run", run)
	}
	if len(o.WeightMonitors) > 0 || len(o.StateMonitors) > 0 {
		w.put(root, "monitors", w.monitors(o))
	}
	pops := w.mapping()

	for _, p := range d.Populations {
		w.put(pops, p.Name, w.population(p))
	}
	w.put(root, "populations", pops)
	if len(d.Connections) > 0 {
		projs := w.mapping()
		for _, c := range d.Connections {
			w.put(projs, c.Name, w.connection(c, dt))
		}
		w.put(root, "projections", projs)
	}
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("modelfile: writing: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("modelfile: writing: %w", err)
	}
	return buf.Bytes(), nil
}

// monitors writes the monitors section.
func (w *writer) monitors(o WriteOptions) *yaml.Node {
	mon := w.mapping()
	if len(o.StateMonitors) > 0 {
		list := w.sequence()
		for _, sm := range o.StateMonitors {
			e := w.mapping()
			e.Style = yaml.FlowStyle
			w.put(e, "population", w.str(sm.Population))
			w.put(e, "var", w.str(sm.Var))
			if sm.Neurons != nil {
				ns := w.sequence()
				ns.Style = yaml.FlowStyle
				for _, i := range sm.Neurons {
					ns.Content = append(ns.Content, w.integer(i))
				}
				w.put(e, "neurons", ns)
			}
			if sm.Every > 1 {
				w.put(e, "every_steps", w.integer(sm.Every))
			}
			list.Content = append(list.Content, e)
		}
		w.put(mon, "state", list)
	}
	if len(o.WeightMonitors) > 0 {
		list := w.sequence()
		list.Style = yaml.FlowStyle
		for _, name := range o.WeightMonitors {
			list.Content = append(list.Content, w.str(name))
		}
		w.put(mon, "weights", list)
	}
	return mon
}

// writer builds the YAML tree of a model file and collects what cannot be
// written.
type writer struct {
	errs []error
}

func (w *writer) fail(where, format string, args ...any) {
	w.errs = append(w.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

func (w *writer) mapping() *yaml.Node  { return &yaml.Node{Kind: yaml.MappingNode} }
func (w *writer) sequence() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} }

func (w *writer) scalar(v, tag string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag}
}

func (w *writer) str(s string) *yaml.Node { return w.scalar(s, "!!str") }

func (w *writer) boolean(b bool) *yaml.Node { return w.scalar(strconv.FormatBool(b), "!!bool") }

func (w *writer) integer(i int) *yaml.Node { return w.scalar(strconv.Itoa(i), "!!int") }

// number writes x so that it reads back as the same float64 (the shortest
// decimal that does; infinities as .inf).
func (w *writer) number(x float64) *yaml.Node {
	switch {
	case math.IsInf(x, 1):
		return w.scalar(".inf", "")
	case math.IsInf(x, -1):
		return w.scalar("-.inf", "")
	}
	// Untagged: 20 reads as an integer, 0.1 as a float; both are numbers.
	return w.scalar(strconv.FormatFloat(x, 'g', -1, 64), "")
}

func (w *writer) put(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, w.str(key), v)
}

// numbers writes a flow list of numbers.
func (w *writer) numbers(xs []float64) *yaml.Node {
	s := w.sequence()
	s.Style = yaml.FlowStyle
	for _, x := range xs {
		s.Content = append(s.Content, w.number(x))
	}
	return s
}

// value writes a parameter: a number, a list, or a distribution with its
// redraw bounds.
func (w *writer) value(v param.Value, where string) *yaml.Node {
	if x, ok := v.IsConst(); ok {
		if lo, hi, b := v.Bounds(); b && (x < lo || x > hi) {
			w.fail(where, "constant %g outside its bounds [%g, %g]", x, lo, hi)
		}
		return w.number(x)
	}
	if _, ok := v.Len(); ok {
		if _, _, b := v.Bounds(); b {
			w.fail(where, "an array with bounds (Within) has no model-file form")
		}
		return w.numbers(v.Elements())
	}
	name, args, ok := v.Family()
	if !ok {
		w.fail(where, "the distribution %s has no model-file form (uniform and normal have)", v)
		return w.number(0)
	}
	m := w.mapping()
	m.Style = yaml.FlowStyle
	w.put(m, name, w.numbers(args))
	if lo, hi, b := v.Bounds(); b {
		if !math.IsInf(lo, -1) {
			w.put(m, "min", w.number(lo))
		}
		if !math.IsInf(hi, 1) {
			w.put(m, "max", w.number(hi))
		}
	}
	return m
}

// population writes populations.NAME.
func (w *writer) population(p network.PopulationDefinition) *yaml.Node {
	where := fmt.Sprintf("population %q", p.Name)
	m := w.mapping()
	w.put(m, "size", w.integer(p.Size))
	w.put(m, "model", w.model(p.Model, where+": model"))
	if len(p.Receptors) > 0 {
		rs := w.mapping()
		for _, r := range p.Receptors {
			w.put(rs, r.Name, w.receptor(r.Spec))
		}
		w.put(m, "receptors", rs)
	}
	if len(p.Axons) > 0 {
		as := w.mapping()
		for _, a := range p.Axons {
			w.put(as, a.Name, w.axon(a.Spec, fmt.Sprintf("%s: axon %q", where, a.Name)))
		}
		w.put(m, "axons", as)
	}
	if len(p.Stimuli) > 0 {
		ss := w.sequence()
		for i, s := range p.Stimuli {
			ss.Content = append(ss.Content, w.stimulus(s, fmt.Sprintf("%s: stimulus %d", where, i)))
		}
		w.put(m, "stimuli", ss)
	}
	if len(p.Drives) > 0 {
		w.put(m, "drives", w.drives(p, where))
	}
	if len(p.Principles) > 0 {
		ps := w.sequence()
		for i, pr := range p.Principles {
			ps.Content = append(ps.Content, w.principle(pr, fmt.Sprintf("%s: principle %d", where, i)))
		}
		w.put(m, "principles", ps)
	}
	return m
}

// stimulus writes one entry of a population's stimuli.
func (w *writer) stimulus(s population.Stimulus, where string) *yaml.Node {
	st := w.mapping()
	st.Style = yaml.FlowStyle
	switch s := s.(type) {
	case stimulus.Constant:
		w.put(st, "constant", w.number(float64(float32(s))))
	case stimulus.PerNeuron:
		xs := make([]float64, len(s))
		for k, x := range s {
			xs[k] = float64(x)
		}
		w.put(st, "per_neuron", w.numbers(xs))
	case stimulus.SquarePulse:
		sp := w.mapping()
		sp.Style = yaml.FlowStyle
		w.put(sp, "low", w.number(float64(s.Low)))
		w.put(sp, "high", w.number(float64(s.High)))
		w.put(sp, "period_steps", w.integer(int(s.Period)))
		w.put(sp, "width_steps", w.integer(int(s.Width)))
		if s.Phase != 0 {
			w.put(sp, "phase_steps", w.integer(int(s.Phase)))
		}
		w.put(st, "square_pulse", sp)
	case *stimulus.FunctionGenerator:
		fg := w.mapping()
		fg.Style = yaml.FlowStyle
		for _, f := range []struct {
			key string
			m   map[int64]float64
		}{{"baseline", s.Baseline}, {"slope", s.Slope}, {"noise", s.Noise}, {"population_noise", s.PopulationNoise}} {
			if f.m != nil {
				w.put(fg, f.key, w.steps(f.m))
			}
		}
		if s.Stream != 0 {
			w.put(fg, "stream", w.scalar(strconv.FormatUint(s.Stream, 10), "!!int"))
		}
		if s.IndependentCopies {
			w.put(fg, "independent_copies", w.boolean(true))
		}
		w.put(st, "function_generator", fg)
	case *stimulus.Sequence:
		w.put(st, "sequence", w.sequenceStimulus(*s))
	case stimulus.Sequence:
		w.put(st, "sequence", w.sequenceStimulus(s))
	default:
		w.fail(where, "%T has no model-file form", s)
	}
	return st
}

// drives writes a population's drives.
func (w *writer) drives(p network.PopulationDefinition, where string) *yaml.Node {
	ds := w.sequence()
	for i, d := range p.Drives {
		pd, ok := d.Stimulus.(*stimulus.PoissonDrive)
		if !ok {
			w.fail(fmt.Sprintf("%s: drive %d", where, i), "%T has no model-file form (Poisson drives have)", d.Stimulus)
			continue
		}
		dm := w.mapping()
		dm.Style = yaml.FlowStyle
		w.put(dm, "receptor", w.str(d.Receptor))
		w.put(dm, "poisson_rate_hz", w.number(pd.RateHz))
		w.put(dm, "weight", w.number(pd.Weight))
		ds.Content = append(ds.Content, dm)
	}
	return ds
}

// principle writes one entry of a population's principles.
func (w *writer) principle(pr population.Principle, where string) *yaml.Node {
	e := w.mapping()
	e.Style = yaml.FlowStyle
	switch pr := pr.(type) {
	case *principle.KWTA:
		w.put(e, "kind", w.str("kwta"))
		w.put(e, "k", w.integer(pr.K))
		if pr.DurationMs != 0 {
			w.put(e, "duration_ms", w.number(pr.DurationMs))
		}
		if pr.Score != "" {
			w.put(e, "score", w.str(pr.Score))
		}
		if pr.SuppressVar != "" {
			w.put(e, "suppress_var", w.str(pr.SuppressVar))
		}
		if pr.SuppressValue != 0 {
			w.put(e, "suppress_value", w.number(float64(pr.SuppressValue)))
		}
	case *principle.FireOnce:
		w.put(e, "kind", w.str("fire_once"))
	default:
		w.fail(where, "%T has no model-file form (kwta and fire_once have; k_random_clamps takes its k as a Go function)", pr)
	}
	return e
}

// steps writes a function generator's {start step: value} map, in step
// order.
func (w *writer) steps(m map[int64]float64) *yaml.Node {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := w.mapping()
	out.Style = yaml.FlowStyle
	for _, k := range keys {
		out.Content = append(out.Content, w.scalar(strconv.FormatInt(k, 10), "!!int"), w.number(m[k]))
	}
	return out
}

// sequenceStimulus writes a sequence stimulus.
func (w *writer) sequenceStimulus(s stimulus.Sequence) *yaml.Node {
	m := w.mapping()
	if s.Hold != 0 {
		w.put(m, "hold", w.integer(s.Hold))
	}
	frames := w.sequence()
	for _, f := range s.Frames {
		xs := make([]float64, len(f))
		for i, x := range f {
			xs[i] = float64(x)
		}
		frames.Content = append(frames.Content, w.numbers(xs))
	}
	w.put(m, "frames", frames)
	return m
}

// model writes a population's model.
func (w *writer) model(s soma.Spec, where string) *yaml.Node {
	m := w.mapping()
	switch s := s.(type) {
	case soma.IF:
		w.integrateAndFire(m, s, where)
	case encoder.Poisson:
		if s.FirstNeuron != 0 || s.Drive != (encoder.Poisson{}).Drive {
			w.fail(where, "a Poisson source with a drive or a first neuron has no model-file form")
		}
		w.put(m, "kind", w.str("poisson"))
		w.put(m, "rate_hz", w.value(s.RateHz, where+": rate_hz"))
	case soma.Rate:
		w.rate(m, s, where)
	case soma.Izhikevich:
		w.put(m, "kind", w.str("izhikevich"))
		w.put(m, "a", w.value(s.A, where+": a"))
		w.put(m, "b", w.value(s.B, where+": b"))
		w.put(m, "c", w.value(s.C, where+": c"))
		w.put(m, "d", w.value(s.D, where+": d"))
		w.put(m, "peak_mV", w.value(s.PeakMV, where+": peak_mV"))
		if s.V0MV != nil {
			w.put(m, "v0_mV", w.value(*s.V0MV, where+": v0_mV"))
		}
		if s.U0 != nil {
			w.put(m, "u0", w.value(*s.U0, where+": u0"))
		}
		method := "half_ms"
		if s.Method == soma.IzhikevichEuler {
			method = "euler"
		}
		w.put(m, "method", w.str(method))
	case soma.HH:
		w.put(m, "kind", w.str("hh"))
		for _, f := range []struct {
			key string
			v   param.Value
		}{{"area_um2", s.AreaUm2}, {"cm_uF_cm2", s.CmUFPerCm2}, {"gl_mS_cm2", s.GLMSPerCm2}, {"gna_mS_cm2", s.GNaMSPerCm2},
			{"gk_mS_cm2", s.GKMSPerCm2}, {"el_mV", s.ELMV}, {"ena_mV", s.ENaMV}, {"ek_mV", s.EKMV}, {"vt_mV", s.VTMV}, {"threshold_mV", s.ThresholdMV}} {
			w.put(m, f.key, w.value(f.v, where+": "+f.key))
		}
		if s.V0MV != nil {
			w.put(m, "v0_mV", w.value(*s.V0MV, where+": v0_mV"))
		}
		if s.Substeps > 0 {
			w.put(m, "substeps", w.integer(s.Substeps))
		}
	case encoder.SpikeArray:
		w.put(m, "kind", w.str("spike_array"))
		ns := make([]float64, len(s.Neurons))
		for i, n := range s.Neurons {
			ns[i] = float64(n)
		}
		w.put(m, "neurons", w.numbers(ns))
		w.put(m, "times_ms", w.numbers(s.TimesMs))
	case encoder.TTFS:
		w.put(m, "kind", w.str("ttfs"))
		w.put(m, "window_ms", w.number(s.WindowMs))
	case encoder.OneHot:
		w.put(m, "kind", w.str("one_hot"))
		w.put(m, "size", w.integer(s.Size))
	case encoder.Position:
		w.put(m, "kind", w.str("position"))
		w.put(m, "k", w.integer(s.K))
		w.put(m, "window_ms", w.number(s.WindowMs))
		if s.Means != nil {
			w.put(m, "means", w.numbers(s.Means))
		}
		if s.SD != 0 {
			w.put(m, "sd", w.number(s.SD))
		}
		if s.IgnoreThreshold != 0 {
			w.put(m, "ignore_threshold", w.number(s.IgnoreThreshold))
		}
	case soma.Tissue:
		w.put(m, "kind", w.str("tissue"))
		w.put(m, "form", w.str(s.Form.String()))
		switch s.Form {
		case soma.TissueLeaky:
			w.put(m, "integration", w.str(integrationName(s.Integration)))
			w.put(m, "tau_ms", w.value(s.TauMs, where+": tau_ms"))
		case soma.TissueWindowed:
			w.put(m, "window_ms", w.value(s.WindowMs, where+": window_ms"))
		}
	default:
		w.fail(where, "%T has no model-file form", s)
	}
	return m
}

// integrationName names an integration method as model files do.
func integrationName(i soma.Integration) string {
	if i == soma.Exact {
		return "exact"
	}
	return "euler"
}

// rate writes a rate unit.
func (w *writer) rate(m *yaml.Node, s soma.Rate, where string) {
	if s.Transfer == soma.Custom || s.Func != nil {
		w.fail(where, "a rate unit with a Go transfer function has no model-file form")
		return
	}
	w.put(m, "kind", w.str("rate"))
	w.put(m, "transfer", w.str(s.Transfer.String()))
	w.put(m, "tau_ms", w.value(s.TauMs, where+": tau_ms"))
	w.put(m, "gain", w.value(s.Gain, where+": gain"))
	w.put(m, "threshold", w.value(s.Threshold, where+": threshold"))
	w.put(m, "bias", w.value(s.Bias, where+": bias"))
	if s.Max != nil {
		w.put(m, "max", w.value(*s.Max, where+": max"))
	}
	w.put(m, "integration", w.str(integrationName(s.Integration)))
	w.put(m, "r0", w.value(s.R0, where+": r0"))
}

// integrateAndFire writes an integrate-and-fire model: its kind from its
// terms, which must come in the order the kind's constructor gives them
// (the terms add in that order), and every field.
func (w *writer) integrateAndFire(m *yaml.Node, s soma.IF, where string) {
	kind := s.Kind()
	var ref soma.IF
	switch kind {
	case "lif":
		ref = soma.LIF()
	case "if":
		ref = soma.PerfectIF()
	case "eif":
		ref = soma.EIF()
	case "aif":
		ref = soma.AIF()
	case "adex":
		ref = soma.AdEx()
	default:
		w.fail(where, "integrate-and-fire terms %s have no model-file kind", kind)
		return
	}
	if len(ref.Terms) != len(s.Terms) {
		w.fail(where, "terms %s", kind)
		return
	}
	w.put(m, "kind", w.str(kind))
	for i, t := range s.Terms {
		if reflect.TypeOf(t) != reflect.TypeOf(ref.Terms[i]) {
			w.fail(where, "terms in the order %T at %d, where a model file's %s has %T: the terms add in their order", t, i, kind, ref.Terms[i])
			return
		}
	}
	w.put(m, "tau_ms", w.value(s.TauMs, where+": tau_ms"))
	w.put(m, "resistance", w.value(s.R, where+": resistance"))
	w.put(m, "rest_mV", w.value(s.RestMV, where+": rest_mV"))
	w.put(m, "threshold_mV", w.value(s.ThresholdMV, where+": threshold_mV"))
	if s.ResetMV != nil {
		w.put(m, "reset_mV", w.value(*s.ResetMV, where+": reset_mV"))
	}
	w.put(m, "refractory_ms", w.value(s.RefractoryMs, where+": refractory_ms"))
	if s.RefractoryFromSpike {
		w.put(m, "refractory_from_spike", w.boolean(true))
	}
	if s.DropRefractoryInput {
		w.put(m, "drop_refractory_input", w.boolean(true))
	}
	if s.FireAtThreshold {
		w.put(m, "fire_at_threshold", w.boolean(true))
	}
	w.put(m, "integration", w.str(integrationName(s.Integration)))
	if s.V0MV != nil {
		w.put(m, "v0_mV", w.value(*s.V0MV, where+": v0_mV"))
	}
	for _, t := range s.Terms {
		switch t := t.(type) {
		case soma.Exponential:
			w.put(m, "delta_t_mV", w.value(t.DeltaTMV, where+": delta_t_mV"))
			w.put(m, "theta_rh_mV", w.value(t.ThetaRHMV, where+": theta_rh_mV"))
		case soma.Adaptation:
			w.put(m, "a", w.value(t.A, where+": a"))
			w.put(m, "b", w.value(t.B, where+": b"))
			w.put(m, "tau_w_ms", w.value(t.TauWMs, where+": tau_w_ms"))
			if t.Form == soma.AdaptTextbook {
				w.put(m, "adaptation_form", w.str("textbook"))
			}
		}
	}
	if a := s.AdaptiveThreshold; a != nil {
		w.put(m, "theta_delta_mV", w.value(a.DeltaMV, where+": theta_delta_mV"))
		w.put(m, "tau_theta_ms", w.value(a.TauMs, where+": tau_theta_ms"))
		if a.Exact {
			w.put(m, "theta_exact", w.boolean(true))
		}
	}
}

// receptor writes a receptor.
func (w *writer) receptor(s dendrite.Spec) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	w.put(m, "kernel", w.str(s.Kernel.String()))
	if s.Kernel != dendrite.Delta || s.TauMs != 0 {
		w.put(m, "tau_ms", w.number(s.TauMs))
	}
	if s.Kernel.Conductance() {
		w.put(m, "reversal_mV", w.number(s.ReversalMV))
	}
	if s.PSC != dendrite.Exact {
		w.put(m, "psc", w.str(s.PSC.String()))
	}
	return m
}

// axon writes an axon.
func (w *writer) axon(s axon.Spec, where string) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	if s.Terminals > 1 {
		w.put(m, "terminals", w.integer(s.Terminals))
	}
	if x, ok := s.DelayMs.IsConst(); !ok || x != 0 {
		w.put(m, "delay_ms", w.value(s.DelayMs, where+": delay_ms"))
	}
	if s.Rounding == axon.Nearest {
		w.put(m, "delay_rounding", w.str("nearest"))
	}
	if s.Inhibitory {
		w.put(m, "inhibitory", w.boolean(true))
	}
	if s.Response != nil {
		w.put(m, "response", w.response(s.Response, where+": response"))
	}
	if s.InhibitoryRows != nil || s.MaxDelayMs != 0 {
		w.fail(where, "inhibitory rows or a maximum delay have no model-file form")
	}
	return m
}

// response writes an axon's response function.
func (w *writer) response(r response.Spec, where string) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	// A response's parameters are numbers or lists: no distributions.
	val := func(key string, v param.Value) {
		if _, _, ok := v.Family(); ok {
			w.fail(where, "%s: a distribution has no model-file form here (a number or a list has)", key)
		}
		w.put(m, key, w.value(v, where+": "+key))
	}
	switch r := r.(type) {
	case response.Identity:
		w.put(m, "kind", w.str("identity"))
	case response.Scaling:
		w.put(m, "kind", w.str("scaling"))
		val("scale", r.Scale)
	case response.Leaky:
		w.put(m, "kind", w.str("leaky"))
		val("tau_ms", r.Tau)
		if r.Exact {
			w.put(m, "exact", w.boolean(true))
		}
	case response.Flat:
		w.put(m, "kind", w.str("flat"))
	case response.LimitedFlat:
		w.put(m, "kind", w.str("limited_flat"))
		val("duration_ms", r.Duration)
		if r.Reference {
			w.put(m, "reference", w.boolean(true))
		}
	case response.TsodyksMarkram:
		w.put(m, "kind", w.str("tsodyks_markram"))
		val("u", r.U)
		val("tau_d_ms", r.TauDMs)
		val("tau_f_ms", r.TauFMs)
	default:
		w.fail(where, "%T has no model-file form", r)
	}
	return m
}

// connection writes projections.NAME.
func (w *writer) connection(cd network.ConnectionDefinition, dt float64) *yaml.Node {
	c := cd.Connection
	where := fmt.Sprintf("projection %q", cd.Name)
	m := w.mapping()
	w.put(m, "from", w.str(c.From))
	w.put(m, "to", w.str(c.To))
	if c.Axon != "" {
		w.put(m, "axon", w.str(c.Axon))
	}
	if c.Receptor != "" {
		w.put(m, "receptor", w.str(c.Receptor))
	}
	w.put(m, "connectivity", w.pattern(c.Pattern, where+": connectivity"))
	if c.Autapses {
		w.put(m, "autapses", w.boolean(true))
	}
	w.put(m, "weight", w.value(c.Weight, where+": weight"))
	if c.Wmin != 0 || c.Wmax != 0 {
		w.put(m, "wmin", w.number(c.Wmin))
		w.put(m, "wmax", w.number(c.Wmax))
	}
	if x, ok := c.DelayMs.IsConst(); !ok || x != 0 {
		w.put(m, "delay_ms", w.value(c.DelayMs, where+": delay_ms"))
		if c.DelayRounding == axon.Nearest {
			w.put(m, "delay_rounding", w.str("nearest"))
		}
	}
	if c.Plasticity != nil {
		w.put(m, "plasticity", w.plasticity(c.Plasticity, dt, where+": plasticity"))
	}
	if c.Normalize != nil {
		w.fail(where, "Normalize is a Go function: it has no model-file form (Normalization, a synapse.Normalizer, has)")
	}
	if nz := c.Normalization; nz != nil {
		if nz.Bounds != normalizeBounds(c.Wmin, c.Wmax) {
			w.fail(where, "a normalisation within bounds %v, which a model file derives from wmin and wmax (%v)", nz.Bounds, normalizeBounds(c.Wmin, c.Wmax))
		}
		n := w.mapping()
		n.Style = yaml.FlowStyle
		w.put(n, "axis", w.str(normalizeAxes[nz.Axis]))
		w.put(n, "target", w.number(nz.Target))
		w.put(m, "normalize", n)
	}
	if c.Follow != "" {
		w.put(m, "follow", w.str(c.Follow))
		if c.ModulatorAxon != "" {
			w.put(m, "modulator_axon", w.str(c.ModulatorAxon))
		}
	}
	switch l := c.Latency.(type) {
	case nil:
	case latency.Align:
		lm := w.mapping()
		lm.Style = yaml.FlowStyle
		w.put(lm, "kind", w.str("align"))
		w.put(lm, "eta", w.number(l.Eta))
		w.put(lm, "window_ms", w.number(l.WindowMs))
		w.put(lm, "max_ms", w.number(l.Max))
		w.put(lm, "init_ms", w.value(l.InitMs, where+": latency: init_ms"))
		w.put(m, "latency", lm)
	default:
		w.fail(where, "latency %T has no model-file form", l)
	}
	return m
}

// pattern writes a connectivity pattern.
func (w *writer) pattern(p connectivity.Pattern, where string) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	multapses := func(b bool) {
		if b {
			w.put(m, "multapses", w.boolean(true))
		}
	}
	switch p := p.(type) {
	case connectivity.AllToAll:
		w.put(m, "kind", w.str("all_to_all"))
	case connectivity.OneToOne:
		w.put(m, "kind", w.str("one_to_one"))
	case connectivity.Bernoulli:
		w.put(m, "kind", w.str("bernoulli"))
		w.put(m, "p", w.number(p.P))
	case connectivity.FixedInDegree:
		w.put(m, "kind", w.str("fixed_in_degree"))
		w.put(m, "k", w.integer(p.K))
		multapses(p.Multapses)
	case connectivity.FixedOutDegree:
		w.put(m, "kind", w.str("fixed_out_degree"))
		w.put(m, "k", w.integer(p.K))
		multapses(p.Multapses)
	case connectivity.FixedTotal:
		w.put(m, "kind", w.str("fixed_total"))
		w.put(m, "n", w.scalar(strconv.FormatUint(uint64(p.N), 10), "!!int"))
		multapses(p.Multapses)
	case connectivity.List:
		m.Style = 0
		w.put(m, "kind", w.str("list"))
		is, js := make([]float64, len(p.I)), make([]float64, len(p.J))
		for k := range p.I {
			is[k] = float64(p.I[k])
		}
		for k := range p.J {
			js[k] = float64(p.J[k])
		}
		w.put(m, "i", w.numbers(is))
		w.put(m, "j", w.numbers(js))
		multapses(p.Multapses)
	default:
		w.fail(where, "%T has no model-file form", p)
	}
	return m
}

// triplet writes the fields of a triplet rule into m.
func (w *writer) triplet(m *yaml.Node, r plasticity.Triplet, dt float64, where string) {
	w.put(m, "kind", w.str("triplet"))
	w.put(m, "tau_plus_ms", w.number(r.TauPlusMs))
	w.put(m, "tau_minus_ms", w.number(r.TauMinusMs))
	if r.TauXMs != 0 {
		w.put(m, "tau_x_ms", w.number(r.TauXMs))
	}
	if r.TauYMs != 0 {
		w.put(m, "tau_y_ms", w.number(r.TauYMs))
	}
	// The file gives amplitudes per pair or triplet, the rule rates
	// per ms (a/dt): the amplitude written is one that reads back as
	// the rate, or, where none does, the rate itself (KEY_per_ms).
	for _, a := range []struct {
		key string
		x   float64
	}{{"a2_plus", r.A2Plus}, {"a3_plus", r.A3Plus}, {"a2_minus", r.A2Minus}, {"a3_minus", r.A3Minus}} {
		if a.x != 0 {
			if amp, ok := perStep(a.x, dt); ok {
				w.put(m, a.key, w.number(amp))
			} else {
				w.put(m, a.key+"_per_ms", w.number(a.x))
			}
		}
	}
	if r.Exact {
		w.put(m, "traces", w.str("exact"))
	}
	if r.Pairing == plasticity.Nearest {
		w.put(m, "pairing", w.str("nearest"))
	}
}

// stdp writes the fields of an STDP rule with exponential traces into m.
func (w *writer) stdp(m *yaml.Node, st plasticity.STDP, where string) {
	pre, ok1 := st.Pre.(response.Leaky)
	post, ok2 := st.Post.(response.Leaky)
	tp, c1 := pre.Tau.IsConst()
	tm, c2 := post.Tau.IsConst()
	if !ok1 || !ok2 || !c1 || !c2 || pre.Exact != post.Exact {
		w.fail(where, "STDP traces other than leaky ones with constant time constants, both exact or both not, have no model-file form")
		return
	}
	w.put(m, "kind", w.str("stdp"))
	w.put(m, "tau_plus_ms", w.number(tp))
	w.put(m, "tau_minus_ms", w.number(tm))
	if pre.Exact {
		w.put(m, "traces", w.str("exact"))
	}
	dep := ""
	rate := func(r plasticity.RateSpec, key string, ltp bool) {
		var eta float64
		var d string
		switch r := r.(type) {
		case nil:
			return // the default rate
		case plasticity.ConstRate:
			eta, d = r.Eta, "additive"
		case plasticity.UpperBoundRate:
			eta, d = r.Eta, "multiplicative"
			if !ltp {
				d = "?"
			}
		case plasticity.LowerBoundRate:
			eta, d = r.Eta, "multiplicative"
			if ltp {
				d = "?"
			}
		case plasticity.SoftBoundRate:
			eta, d = r.Eta, "soft_bound"
		default:
			d = "?"
		}
		if d == "?" || (dep != "" && d != dep) {
			w.fail(where, "the rates %T and %T have no model-file form together", st.LTP, st.LTD)
			return
		}
		dep = d
		w.put(m, key, w.number(eta))
	}
	rate(st.LTP, "eta_plus", true)
	rate(st.LTD, "eta_minus", false)
	if dep != "" && dep != "additive" {
		if st.LTP == nil || st.LTD == nil {
			// A model file's weight dependence applies to both sides.
			w.fail(where, "a weight-dependent rate on one side and the default on the other has no model-file form")
		}
		w.put(m, "weight_dependence", w.str(dep))
	}
	if st.PreFirst {
		w.put(m, "pre_first", w.boolean(true))
	}
	if st.Pairing == plasticity.Nearest {
		w.put(m, "pairing", w.str("nearest"))
	}
}

// perStep returns an amplitude a with a/dt == rate exactly (what a model
// file's per-pair amplitudes read back as), trying a·dt and its
// neighbours.
func perStep(rate, dt float64) (float64, bool) {
	a := rate * dt
	for range 4 {
		if a/dt == rate {
			return a, true
		}
		if a/dt < rate {
			a = math.Nextafter(a, math.Inf(1))
		} else {
			a = math.Nextafter(a, math.Inf(-1))
		}
	}
	return rate * dt, false
}

// plasticity writes a plasticity rule.
func (w *writer) plasticity(s plasticity.Spec, dt float64, where string) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	switch r := s.(type) {
	case plasticity.Modulated:
		m.Style = 0
		w.put(m, "kind", w.str("modulated"))
		w.put(m, "rule", w.plasticity(r.Rule, dt, where+": rule"))
		return m
	case plasticity.RSTDP:
		m.Style = 0
		w.put(m, "kind", w.str("rstdp"))
		w.put(m, "tau_c_ms", w.number(r.TauCMs))
		w.put(m, "rule", w.plasticity(r.Rule, dt, where+": rule"))
		return m
	case plasticity.Composite:
		list := w.sequence()
		for i, rule := range r.Rules {
			list.Content = append(list.Content, w.plasticity(rule, dt, fmt.Sprintf("%s[%d]", where, i)))
		}
		if len(r.Rules) < 2 {
			w.fail(where, "a composite of %d rules (a model file's list has at least 2)", len(r.Rules))
		}
		return list
	case plasticity.Convergent:
		w.put(m, "kind", w.str("convergent"))
		w.put(m, "tau_ms", w.number(r.TauMs))
		w.put(m, "c", w.number(r.C))
		return m
	case plasticity.Inhibitory:
		w.put(m, "kind", w.str("inhibitory_stdp"))
		w.put(m, "tau_ms", w.number(r.TauMs))
		w.put(m, "eta", w.number(r.Eta))
		if r.Rho0Hz != 0 {
			w.put(m, "rho0_hz", w.number(r.Rho0Hz))
		}
		if r.Alpha != 0 {
			w.put(m, "alpha", w.number(r.Alpha))
		}
		if r.Exact {
			w.put(m, "traces", w.str("exact"))
		}
		return m
	case plasticity.Triplet:
		w.triplet(m, r, dt, where)
		return m
	}
	st, ok := s.(plasticity.STDP)
	if !ok {
		w.fail(where, "%T has no model-file form", s)
		return m
	}
	w.stdp(m, st, where)
	return m
}
