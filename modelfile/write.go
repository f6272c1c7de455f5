package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
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
}

// Write writes a network definition (network.Builder.Definition) as a
// model file that Parse reads back into the same network: Build of the
// parsed file gives, bit for bit, the network the definition builds. It
// covers the vocabulary of model files that has a Go form here —
// integrate-and-fire models (lif, if, eif, aif, adex, with an adaptive
// threshold) and Poisson sources; receptors; axons with delays; constant
// and per-neuron stimuli and Poisson drives; every connectivity pattern;
// weights and delays as numbers, lists or distributions (uniform, normal,
// with redraw bounds); STDP with exponential traces. Anything else — a
// model, stimulus, principle or rule of another kind, a Go function
// (Connection.Normalize), a distribution other than uniform and normal —
// is an error naming the object and what it holds, and nothing is
// written.
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
	netm.Style = yaml.FlowStyle
	w.put(root, "network", netm)
	if o.DurationMs > 0 {
		run := w.mapping()
		run.Style = yaml.FlowStyle
		w.put(run, "duration_ms", w.number(o.DurationMs))
		w.put(root, "run", run)
	}
	if len(o.WeightMonitors) > 0 {
		mon := w.mapping()
		list := w.sequence()
		list.Style = yaml.FlowStyle
		for _, name := range o.WeightMonitors {
			list.Content = append(list.Content, w.str(name))
		}
		w.put(mon, "weights", list)
		w.put(root, "monitors", mon)
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
			default:
				w.fail(fmt.Sprintf("%s: stimulus %d", where, i), "%T has no model-file form here (constant and per-neuron stimuli have)", s)
			}
			ss.Content = append(ss.Content, st)
		}
		w.put(m, "stimuli", ss)
	}
	if len(p.Drives) > 0 {
		ds := w.sequence()
		for i, d := range p.Drives {
			pd, ok := d.Stimulus.(*stimulus.PoissonDrive)
			if !ok {
				w.fail(fmt.Sprintf("%s: drive %d", where, i), "%T has no model-file form (Poisson drives have)", d.Stimulus)
				continue
			}
			if !reflect.DeepEqual(*pd, stimulus.PoissonDrive{RateHz: pd.RateHz, Weight: pd.Weight}) {
				w.fail(fmt.Sprintf("%s: drive %d", where, i), "a Poisson drive that was already bound or set beyond its rate and weight")
				continue
			}
			dm := w.mapping()
			dm.Style = yaml.FlowStyle
			w.put(dm, "receptor", w.str(d.Receptor))
			w.put(dm, "poisson_rate_hz", w.number(pd.RateHz))
			w.put(dm, "weight", w.number(pd.Weight))
			ds.Content = append(ds.Content, dm)
		}
		w.put(m, "drives", ds)
	}
	if len(p.Principles) > 0 {
		w.fail(where, "principles (%T...) have no model-file form here", p.Principles[0])
	}
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
	default:
		w.fail(where, "%T has no model-file form here (integrate-and-fire models and Poisson sources have)", s)
	}
	return m
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
	integration := "euler"
	if s.Integration == soma.Exact {
		integration = "exact"
	}
	w.put(m, "integration", w.str(integration))
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
	if s.InhibitoryRows != nil || s.Response != nil || s.MaxDelayMs != 0 {
		w.fail(where, "inhibitory rows, a response function or a maximum delay have no model-file form here")
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
		w.fail(where, "Normalize is a Go function: it has no model-file form")
	}
	if c.Follow != "" || c.Latency != nil {
		w.fail(where, "follow and latency have no model-file form here")
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
	default:
		w.fail(where, "%T has no model-file form here (all_to_all, one_to_one, bernoulli, fixed_in_degree, fixed_out_degree and fixed_total have)", p)
	}
	return m
}

// plasticity writes a plasticity rule: STDP with exponential traces.
func (w *writer) plasticity(s plasticity.Spec, dt float64, where string) *yaml.Node {
	m := w.mapping()
	m.Style = yaml.FlowStyle
	st, ok := s.(plasticity.STDP)
	if !ok {
		w.fail(where, "%s has no model-file form here (stdp has)", s.Kind())
		return m
	}
	pre, ok1 := st.Pre.(response.Leaky)
	post, ok2 := st.Post.(response.Leaky)
	tp, c1 := pre.Tau.IsConst()
	tm, c2 := post.Tau.IsConst()
	if !ok1 || !ok2 || !c1 || !c2 || pre.Exact != post.Exact {
		w.fail(where, "STDP traces other than leaky ones with constant time constants, both exact or both not, have no model-file form")
		return m
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
		w.put(m, "weight_dependence", w.str(dep))
	}
	if st.PreFirst {
		w.put(m, "pre_first", w.boolean(true))
	}
	if st.Pairing == plasticity.Nearest {
		w.put(m, "pairing", w.str("nearest"))
	}
	return m
}
