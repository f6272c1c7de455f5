package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// RunSettings are the file's run section.
type RunSettings struct {
	DurationMs float64 // 0 when not given
	Shards     int     // default 1
}

// Model is a parsed and validated model file. Build it as often as
// needed; every Build gives a fresh network.
type Model struct {
	File    string
	Network network.Config
	Run     RunSettings
	// StateMonitors and WeightMonitors are the recordings the file asks
	// for (the optional monitors section).
	StateMonitors  []StateMonitor
	WeightMonitors []string
	warnings       []string
	pops           []*popDef
	projs          []*projDef
}

type named[T any] struct {
	name string
	spec T
}

type popDef struct {
	name string
	line int // of its name in the file
	// fields gives the line of every key under the population, by its
	// path from there (model.reset_mV), for errors found by the build.
	fields    map[string]int
	size      int
	model     soma.Spec
	receptors []named[dendrite.Spec]
	axons     []named[axon.Spec]
	// stimuli and principles are factories: a stateful one (a function
	// generator, kwta) must be fresh for every Build.
	stimuli    []func() population.Stimulus
	principles []func() population.Principle
	drives     []driveDef
}

type driveDef struct {
	receptor       string
	rateHz, weight float64
}

type projDef struct {
	name   string
	line   int            // of its name in the file
	fields map[string]int // as popDef's
	c      network.Connection
}

// Warnings returns what the file asks for that is valid but costly (many
// HH sub-steps, a tiny time step), each with its estimated work, for a
// tool to print; nil when there is nothing to say.
func (m *Model) Warnings() []string { return m.warnings }

// Populations returns the population names in file order.
func (m *Model) Populations() []string {
	s := make([]string, len(m.pops))
	for i, p := range m.pops {
		s[i] = p.name
	}
	return s
}

// Projections returns the projection names in file order.
func (m *Model) Projections() []string {
	s := make([]string, len(m.projs))
	for i, p := range m.projs {
		s[i] = p.name
	}
	return s
}

// Build builds the network: connectivity and weights are drawn from
// network.seed.
func (m *Model) Build() (*network.Network, error) { return m.BuildPart(nil) }

// BuildPart builds a part of the network (network.Builder.BuildPart; nil
// is the whole): the synapses that end on the part's neurons, exactly as
// Build draws them.
func (m *Model) BuildPart(part *network.Part) (*network.Network, error) {
	net, err := m.builder().BuildPart(part)
	if err != nil {
		return nil, m.Locate(err)
	}
	return net, nil
}

// Locate returns an error of building the file's network or of
// estimating its memory as Errors, each problem of one population or
// projection (network.ElementError) at the line of its name in the file,
// under its field path, without the element's name that the path gives;
// other problems at no line. BuildPart's errors are so already.
func (m *Model) Locate(err error) error {
	var done Errors
	if errors.As(err, &done) {
		return err
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	var es Errors
	for _, e := range list {
		fe := &FieldError{File: m.File, Msg: e.Error()}
		var ee *network.ElementError
		if errors.As(e, &ee) {
			fe.Msg = ee.Err.Error()
			line := 0
			var fields map[string]int
			switch ee.Kind {
			case "population":
				for _, d := range m.pops {
					if d.name == ee.Name {
						line, fields = d.line, d.fields
					}
				}
			case "projection":
				for _, d := range m.projs {
					if d.name == ee.Name {
						line, fields = d.line, d.fields
					}
				}
			}
			fe.Line, fe.Path = line, ee.Kind+"s."+ee.Name
			// The path names the element: its message need not.
			if rest, ok := strings.CutPrefix(fe.Msg, fmt.Sprintf("%s %q", ee.Kind, ee.Name)); ok {
				if strings.HasPrefix(rest, " (") { // "population "E" (lif): …"
					if _, after, found := strings.Cut(rest, "): "); found {
						rest = ": " + after
					}
				}
				if msg, ok := strings.CutPrefix(rest, ": "); ok {
					fe.Msg = msg
				}
			}
			// A message that names a field of the element ("reset_mV =
			// -40: ...") points at that field's line.
			if f, l, ok := namedField(fe.Msg, fields); ok {
				fe.Line = l
				fe.Path += "." + f
			}
		}
		es = append(es, fe)
	}
	return es
}

// Definition returns the network the file defines, as a description
// (network.Builder.Definition): what Build builds, before anything is
// drawn. Write writes it back as a model file.
func (m *Model) Definition() network.Definition { return m.builder().Definition() }

// builder defines the file's network on a new builder (fresh stimuli, so
// that each build has its own).
func (m *Model) builder() *network.Builder {
	b := network.New(m.Network)
	for _, p := range m.pops {
		d := b.Population(p.name, p.size, p.model)
		for _, r := range p.receptors {
			d.Receptor(r.name, r.spec)
		}
		for _, a := range p.axons {
			d.Axon(a.name, a.spec)
		}
		for _, s := range p.stimuli {
			d.Stimulus(s())
		}
		for _, pr := range p.principles {
			d.Principle(pr())
		}
		for _, dr := range p.drives {
			d.Drive(dr.receptor, &stimulus.PoissonDrive{RateHz: dr.rateHz, Weight: dr.weight})
		}
	}
	for _, c := range m.projs {
		b.Connect(c.name, c.c)
	}
	return b
}

// Load reads and parses a model file: ReadFile (a regular file of at
// most MaxFileSize bytes), then Parse.
func Load(path string) (*Model, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a model file; name is used in error messages. Every problem
// is reported at once as Errors (at most MaxErrors of them, then one line
// counting the rest). Whatever data holds, Parse builds at most MaxNodes
// YAML values (aliases counted as what they stand for).
func Parse(name string, data []byte) (m *Model, err error) {
	p := &parser{file: name}
	if len(data) > MaxFileSize {
		p.add(0, "", "", "file of %d bytes: larger than %d bytes (16 MiB), the largest model file read", len(data), MaxFileSize)
		return nil, p.errs
	}
	if n := countTokens(data, maxTokens); n > maxTokens {
		p.add(0, "", "", "more than %d YAML tokens: a model file holds at most %d values (list items, keys and values)", maxTokens, MaxNodes)
		return nil, p.errs
	}
	var root yaml.Node
	if e := decode(data, &root); e != nil {
		line, msg := yamlLine(e), trimYAMLErr(e)
		if l := misindented(data); l > line && strings.Contains(msg, "did not find expected key") {
			// The parser names the block it was in; the line that
			// broke it is the first indented to no open level.
			line, msg = l, msg+": this line is indented to no level of the lines above (a key of the block above, or a child of the key before it?)"
		}
		p.add(line, "", "", "invalid YAML: %s", msg)
		return nil, p.errs
	}
	if n := expandedSize(&root, MaxNodes); n > MaxNodes {
		p.add(0, "", "", "more than %d values once aliases are expanded: a model file holds at most %d values (list items, keys and values; an alias counts as the values it stands for)", MaxNodes, MaxNodes)
		return nil, p.errs
	}
	m = &Model{File: name, Run: RunSettings{Shards: 1}}
	var doc *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		doc = root.Content[0]
	}
	if doc == nil {
		p.add(1, "", "", "empty file: a model file needs at least populations (network is optional)")
		return nil, p.errs
	}
	top := p.mapping(doc, "", 1)
	if !top.ok {
		return nil, p.finish()
	}
	p.parseNetwork(top, m)
	p.dt, p.batch = m.Network.DtMs, max(1, m.Network.Batch)
	p.parseRun(top, m)
	p.parsePopulations(top, m)
	p.parseProjections(top, m)
	p.parseMonitors(top, m)
	top.done()
	if p.count > 0 {
		return nil, p.finish()
	}
	p.costWarnings(m)
	m.warnings = p.warnings
	return m, nil
}

// MaxSteps bounds the steps of a run (2^40: about 3.5 years of simulated
// time at dt = 0.1 ms), as spiral-node run does.
const MaxSteps = 1 << 40

// Thresholds of the cost warnings: a time step below MinQuietDtMs, or HH
// sub-steps above MaxQuietSubsteps per step, is valid but worth a word.
const (
	MinQuietDtMs     = 1e-3
	MaxQuietSubsteps = 1000
)

// costWarnings notes what is valid but costly, with its estimated work: a
// tiny time step (steps per simulated second, neuron updates per
// simulated second) and many HH sub-steps (sub-step updates per simulated
// second).
func (p *parser) costWarnings(m *Model) {
	dt := m.Network.DtMs
	batch := max(1, m.Network.Batch)
	stepsPerS := 1000 / dt
	if dt < MinQuietDtMs {
		var elements float64
		for _, d := range m.pops {
			elements += float64(float64(d.size) * float64(batch))
		}
		p.warnings = append(p.warnings, (&FieldError{File: p.file, Line: p.dtLine, Path: "network.dt_ms", Value: fmt.Sprint(dt),
			Msg: fmt.Sprintf("valid, but a time step below %g ms is costly: %.3g steps per simulated second, about %.3g neuron updates per simulated second (%.0f neurons in all, batch copies included)",
				MinQuietDtMs, stepsPerS, stepsPerS*elements, elements)}).Error())
	}
	for _, s := range p.substeps {
		if s.n <= MaxQuietSubsteps {
			continue
		}
		work := float64(s.n) * float64(max(s.size, 0)) * float64(batch) * stepsPerS
		p.warnings = append(p.warnings, (&FieldError{File: p.file, Line: s.line, Path: s.path, Value: fmt.Sprint(s.n),
			Msg: fmt.Sprintf("valid, but more than %d HH sub-steps per step is costly: sub-steps of %.3g ms, about %.3g neuron sub-step updates per simulated second (%d neurons × batch %d × %d sub-steps × %.3g steps)",
				MaxQuietSubsteps, dt/float64(s.n), work, s.size, batch, s.n, stepsPerS)}).Error())
	}
}

func decode(data []byte, root *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(root); err != nil {
		if err.Error() == "EOF" {
			return nil
		}
		return err
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return fmt.Errorf("line %d: more than one YAML document", extra.Line)
	}
	return nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	if s := lineRE.FindStringSubmatch(err.Error()); s != nil {
		var n int
		fmt.Sscan(s[1], &n)
		return n
	}
	return 0
}

// misindented returns the first line of block YAML indented to none of
// the levels open above it (deeper than its sibling but not under a key
// that opens a block, or between two open levels), or 0. Flow
// collections, block scalars and list items are taken as they come: it
// only refines a "did not find expected key" error's line.
func misindented(data []byte) int {
	var levels []int // open indentation levels, innermost last
	opens := false   // the line before ends a key that opens a block
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, " \r")
		body := strings.TrimLeft(line, " ")
		if body == "" || strings.HasPrefix(body, "#") {
			continue
		}
		if strings.HasPrefix(body, "- ") || body == "-" || strings.ContainsAny(body[:1], "|>{[\"'") {
			return 0 // lists, flow and quoted forms: not handled
		}
		if blockScalar.MatchString(body) || strings.Count(body, "{") != strings.Count(body, "}") || strings.Count(body, "[") != strings.Count(body, "]") {
			return 0 // a block scalar or a flow collection over several lines: not handled
		}
		ind := len(line) - len(body)
		switch {
		case len(levels) == 0 || ind > levels[len(levels)-1]:
			if len(levels) > 0 && !opens {
				return i + 1 // deeper than its sibling, under no block
			}
			levels = append(levels, ind)
		default:
			for len(levels) > 0 && levels[len(levels)-1] > ind {
				levels = levels[:len(levels)-1]
			}
			if len(levels) == 0 || levels[len(levels)-1] != ind {
				return i + 1 // between two open levels
			}
		}
		// A key opens a block when nothing but a comment, an anchor or a
		// tag follows it.
		if i := strings.Index(body, " #"); i >= 0 {
			body = strings.TrimRight(body[:i], " ")
		}
		opens = strings.HasSuffix(body, ":") || opensTagged.MatchString(body)
	}
	return 0
}

// opensTagged matches a key whose block value carries an anchor or a tag
// (E: &pop, E: !!map).
var opensTagged = regexp.MustCompile(`:\s+[&!]\S*$`)

// blockScalar matches a line that opens a block scalar (key: |, key: >-).
var blockScalar = regexp.MustCompile(`[|>][-+]?[0-9]?$`)

var yamlPrefix = regexp.MustCompile(`^yaml: (line \d+: )?`)

func trimYAMLErr(err error) string { return yamlPrefix.ReplaceAllString(err.Error(), "") }

func (p *parser) parseNetwork(top *mapping, m *Model) {
	n, line := top.get("network")
	net := p.mapping(n, "network", line)
	if v, _ := net.get("dt_ms"); v != nil {
		m.Network.DtMs, _ = p.checked(v, "network.dt_ms", gt(0))
		p.dtLine = v.Line
	}
	if v, _ := net.get("seed"); v != nil {
		m.Network.Seed, _ = p.seed(v, "network.seed")
	}
	if v, _ := net.get("batch"); v != nil {
		m.Network.Batch, _ = p.integer(v, "network.batch", 1, math.MaxInt32)
	}
	if v, _ := net.get("fixed_point"); v != nil {
		m.Network.FixedPoint, _ = p.boolean(v, "network.fixed_point")
	}
	net.done()
	if m.Network.DtMs == 0 {
		m.Network.DtMs = 0.1
	}
}

func (p *parser) parseRun(top *mapping, m *Model) {
	n, line := top.get("run")
	r := p.mapping(n, "run", line)
	if v, _ := r.get("duration_ms"); v != nil {
		var ok bool
		if m.Run.DurationMs, ok = p.checked(v, "run.duration_ms", gt(0)); ok {
			if steps := m.Run.DurationMs / p.dt; !(steps >= 1) || steps > MaxSteps {
				p.bad(v, "run.duration_ms", "%.3g steps of dt %g ms: a run has between 1 and %d steps (duration_ms in [%.6g, %.6g] at this dt)",
					steps, p.dt, int64(MaxSteps), p.dt, p.dt*MaxSteps)
				m.Run.DurationMs = 0
			}
		}
	}
	if v, _ := r.get("shards"); v != nil {
		m.Run.Shards, _ = p.integer(v, "run.shards", 1, math.MaxInt32)
	}
	r.done()
}

func (p *parser) name(k *yaml.Node, path string) bool {
	if !network.ValidName(k.Value) {
		p.add(k.Line, path, fmt.Sprintf("%q", k.Value), "invalid name (letters, digits, _ . -, not starting with a digit)")
		return false
	}
	return true
}

// popInfo is what projections need to check their references.
type popInfo struct {
	size      int
	receptors []string
	axons     []string
}

func (p *parser) parsePopulations(top *mapping, m *Model) {
	n, line := top.get("populations")
	if n == nil {
		top.missing("populations")
		return
	}
	pops := p.mapping(n, "populations", line)
	if pops.ok && len(pops.keys) == 0 {
		p.add(line, "populations", "", "need at least one population")
	}
	for _, k := range pops.keys {
		v, kl := pops.get(k.Value)
		path := "populations." + k.Value
		if !p.name(k, path) {
			continue
		}
		if d := p.parsePopulation(v, path, kl, k.Value, m.Network.DtMs); d != nil {
			d.line, d.fields = k.Line, fieldLines(v)
			m.pops = append(m.pops, d)
		}
	}
	pops.done()
}

var modelKinds = []string{"lif", "if", "eif", "aif", "adex", "izhikevich", "hh", "rate", "tissue", "poisson", "spike_array", "ttfs", "one_hot", "position"}

func (p *parser) parsePopulation(n *yaml.Node, path string, line int, name string, dt float64) *popDef {
	pm := p.mapping(n, path, line)
	d := &popDef{name: name}
	before := p.count
	size := -1
	if v, _ := pm.get("size"); v != nil {
		if s, ok := p.integer(v, path+".size", 1, math.MaxInt32); ok {
			if int64(s)*int64(p.batch) > math.MaxInt32 {
				p.bad(v, path+".size", "size × batch = %d × %d elements: must be at most %d (elements are indexed by 32-bit integers)", s, p.batch, math.MaxInt32)
			} else {
				size = s
			}
		}
	} else if pm.ok {
		pm.missing("size")
	}
	d.size = size
	if v, ml := pm.get("model"); v != nil {
		d.model = p.parseSoma(v, path+".model", ml, size)
	} else if pm.ok {
		pm.missing("model")
	}
	if v, rl := pm.get("receptors"); v != nil {
		rm := p.mapping(v, path+".receptors", rl)
		for _, k := range rm.keys {
			rv, kl := rm.get(k.Value)
			rp := path + ".receptors." + k.Value
			if p.name(k, rp) {
				d.receptors = append(d.receptors, named[dendrite.Spec]{k.Value, p.parseReceptor(rv, rp, kl)})
			}
		}
		rm.done()
	}
	if v, al := pm.get("axons"); v != nil {
		am := p.mapping(v, path+".axons", al)
		for _, k := range am.keys {
			av, kl := am.get(k.Value)
			ap := path + ".axons." + k.Value
			if p.name(k, ap) {
				d.axons = append(d.axons, named[axon.Spec]{k.Value, p.parseAxon(av, ap, kl, size)})
			}
		}
		am.done()
	}
	if v, _ := pm.get("stimuli"); v != nil {
		p.list(v, path+".stimuli", func(e *yaml.Node, ep string) {
			if s := p.parseStimulus(e, ep, size); s != nil {
				d.stimuli = append(d.stimuli, s)
			}
		})
	}
	if v, _ := pm.get("principles"); v != nil {
		p.list(v, path+".principles", func(e *yaml.Node, ep string) {
			if pr := p.parsePrinciple(e, ep, size); pr != nil {
				d.principles = append(d.principles, pr)
			}
		})
	}
	if v, _ := pm.get("drives"); v != nil {
		p.list(v, path+".drives", func(e *yaml.Node, ep string) {
			dm := p.mapping(e, ep, e.Line)
			dr := driveDef{receptor: "in"}
			if rv, _ := dm.get("receptor"); rv != nil {
				if s, ok := p.str(rv, ep+".receptor"); ok {
					if !p.hasName(s, d.receptors, "in") {
						p.bad(rv, ep+".receptor", "no such receptor in population %s%s", name, didYouMean(s, recNames(d.receptors)))
					}
					dr.receptor = s
				}
			}
			if rv, _ := dm.get("poisson_rate_hz"); rv != nil {
				var ok bool
				if dr.rateHz, ok = p.checked(rv, ep+".poisson_rate_hz", ge(0)); ok && dr.rateHz*dt/1000 > rng.MaxPoissonMean {
					p.bad(rv, ep+".poisson_rate_hz", "a mean of %g events per step at dt %g ms: the mean per step (rate × dt) must be at most %g, so rate_hz <= %g at this dt",
						dr.rateHz*dt/1000, dt, rng.MaxPoissonMean, rng.MaxPoissonMean*1000/dt)
				}
			} else if dm.ok {
				dm.missing("poisson_rate_hz")
			}
			if wv, _ := dm.get("weight"); wv != nil {
				dr.weight, _ = p.number(wv, ep+".weight")
			} else if dm.ok {
				dm.missing("weight")
			}
			dm.done()
			d.drives = append(d.drives, dr)
		})
	}
	pm.done()
	if p.popDefs == nil {
		p.popDefs = map[string]*popDef{}
	}
	p.popNames = append(p.popNames, name)
	p.popDefs[name] = d
	if p.count > before {
		return nil
	}
	return d
}

func recNames(rs []named[dendrite.Spec]) []string {
	s := []string{"in"}
	for _, r := range rs {
		if r.name != "in" {
			s = append(s, r.name)
		}
	}
	return s
}

func axonNames(as []named[axon.Spec]) []string {
	s := []string{"out"}
	for _, a := range as {
		if a.name != "out" {
			s = append(s, a.name)
		}
	}
	return s
}

func (p *parser) hasName(s string, rs []named[dendrite.Spec], def string) bool {
	for _, n := range recNames(rs) {
		if n == s {
			return true
		}
	}
	return false
}

func (p *parser) list(n *yaml.Node, path string, each func(e *yaml.Node, ep string)) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.bad(n, path, "must be a list, not %s", kindName(n))
		return
	}
	for i, e := range n.Content {
		each(resolve(e), fmt.Sprintf("%s[%d]", path, i))
	}
}

func (p *parser) parseReceptor(n *yaml.Node, path string, line int) dendrite.Spec {
	m := p.mapping(n, path, line)
	var s dendrite.Spec
	if v, _ := m.get("kernel"); v != nil {
		names := []string{"delta", "exp_current", "alpha_current", "exp_conductance", "alpha_conductance"}
		if k, ok := p.enum(v, path+".kernel", names); ok {
			s.Kernel, _ = dendrite.ParseKernel(k)
		}
	} else if m.ok {
		m.missing("kernel")
	}
	if v, _ := m.get("tau_ms"); v != nil {
		s.TauMs, _ = p.checked(v, path+".tau_ms", gt(0))
	} else if m.ok && s.Kernel != dendrite.Delta {
		m.missing("tau_ms")
	}
	if v, _ := m.get("reversal_mV"); v != nil {
		s.ReversalMV, _ = p.number(v, path+".reversal_mV")
		if !s.Kernel.Conductance() {
			p.bad(v, path+".reversal_mV", "only conductance kernels (exp_conductance, alpha_conductance) have a reversal potential")
		}
	}
	if v, _ := m.get("psc"); v != nil {
		if f, ok := p.enum(v, path+".psc", []string{"exact", "step_constant"}); ok {
			s.PSC, _ = dendrite.ParsePSC(f)
			if s.PSC != dendrite.Exact && s.Kernel != dendrite.ExpCurrent {
				p.bad(v, path+".psc", "only exp_current receptors take psc: step_constant")
			}
		}
	}
	m.done()
	return s
}

func (p *parser) parseAxon(n *yaml.Node, path string, line, size int) axon.Spec {
	m := p.mapping(n, path, line)
	var s axon.Spec
	if v, _ := m.get("terminals"); v != nil {
		s.Terminals, _ = p.integer(v, path+".terminals", 1, 1<<20)
	}
	if v, _ := m.get("delay_ms"); v != nil {
		s.DelayMs, _ = p.value(v, path+".delay_ms", -1, ge(0))
	}
	if v, _ := m.get("delay_rounding"); v != nil {
		if r, _ := p.enum(v, path+".delay_rounding", delayRoundings); r == "nearest" {
			s.Rounding = axon.Nearest
		}
	}
	if v, _ := m.get("delay_ms"); v != nil {
		p.warnSubStep(v, path+".delay_ms", s.DelayMs, s.Rounding)
	}
	if v, _ := m.get("inhibitory"); v != nil {
		s.Inhibitory, _ = p.boolean(v, path+".inhibitory")
	}
	if v, rl := m.get("response"); v != nil {
		s.Response = p.parseResponse(v, path+".response", rl, size, max(1, s.Terminals))
	}
	m.done()
	return s
}

// delayRoundings are the values of an axon's delay_rounding.
var delayRoundings = []string{"floor", "nearest"}

var responseKinds = []string{"identity", "scaling", "leaky", "flat", "limited_flat", "tsodyks_markram"}

// parseResponse reads an axon's response function. A parameter is a
// number or a list of 1, terminals (one per terminal) or size·terminals
// values (one per neuron and terminal, neuron-major).
func (p *parser) parseResponse(n *yaml.Node, path string, line, size, terminals int) response.Spec {
	m, kind, ok := p.kinded(n, path, line, responseKinds)
	if !ok {
		return nil
	}
	param1 := func(key string, def float64, required bool, checks ...check) param.Value {
		v, _ := m.get(key)
		if v == nil {
			if required {
				m.missing(key)
			}
			return param.Const(def)
		}
		if v.Kind != yaml.ScalarNode && v.Kind != yaml.SequenceNode {
			p.bad(v, path+"."+key, "must be a number or a list (one value per terminal, or per neuron and terminal)")
			return param.Const(def)
		}
		x, ok := p.value(v, path+"."+key, -1, checks...)
		if l, isList := x.Len(); ok && isList && v.Kind == yaml.SequenceNode {
			if l != 1 && l != terminals && (size < 0 || l != size*terminals) {
				want := fmt.Sprintf("1 or %d (one per terminal)", terminals)
				if size >= 0 {
					want += fmt.Sprintf(" or %d (one per neuron and terminal)", size*terminals)
				}
				p.bad(v, path+"."+key, "list of %d values: must have %s", l, want)
			}
		}
		return x
	}
	exact := func(key string) bool {
		if v, _ := m.get(key); v != nil {
			b, _ := p.boolean(v, path+"."+key)
			return b
		}
		return false
	}
	var out response.Spec
	switch kind {
	case "identity":
		out = response.Identity{}
	case "scaling":
		out = response.Scaling{Scale: param1("scale", 0, true)}
	case "leaky":
		out = response.Leaky{Tau: param1("tau_ms", response.DefaultTau, false, gt(0)), Exact: exact("exact")}
	case "flat":
		out = response.Flat{}
	case "limited_flat":
		out = response.LimitedFlat{Duration: param1("duration_ms", response.DefaultDuration, false, ge(0)), Reference: exact("reference")}
	case "tsodyks_markram":
		out = response.TsodyksMarkram{
			U:      param1("u", 0, true, unitInterval),
			TauDMs: param1("tau_d_ms", 0, true, gt(0)),
			TauFMs: param1("tau_f_ms", 0, false, ge(0)),
		}
	}
	m.done()
	return out
}

// unitInterval accepts 0 < x <= 1.
func unitInterval(x float64) string {
	if x > 0 && x <= 1 {
		return ""
	}
	return "must lie in (0, 1]"
}

func (p *parser) parseStimulus(n *yaml.Node, path string, size int) func() population.Stimulus {
	m := p.mapping(n, path, n.Line)
	if !m.ok {
		return nil
	}
	kinds := []string{"constant", "per_neuron", "square_pulse", "function_generator", "sequence"}
	if len(m.keys) != 1 {
		p.bad(n, path, "a stimulus is a mapping with exactly one of: %s", strings.Join(kinds, ", "))
		return nil
	}
	var out population.Stimulus
	var fresh func() population.Stimulus
	if v, l := m.get("function_generator"); v != nil {
		fresh = p.parseGenerator(v, path+".function_generator", l)
	}
	if v, l := m.get("sequence"); v != nil {
		if sq, ok := p.parseSequence(v, path+".sequence", l, size); ok {
			out = sq
		}
	}
	if v, _ := m.get("constant"); v != nil {
		if x, ok := p.number(v, path+".constant"); ok {
			out = stimulus.Constant(float32(x))
		}
	}
	if v, _ := m.get("per_neuron"); v != nil {
		if xs, ok := p.numberList(v, path+".per_neuron"); ok {
			if size >= 0 && len(xs) != size {
				p.bad(v, path+".per_neuron", "list of %d values: must have one value per neuron (%d)", len(xs), size)
			} else {
				f := make([]float32, len(xs))
				for i, x := range xs {
					f[i] = float32(x)
				}
				out = stimulus.PerNeuron(f)
			}
		}
	}
	if v, l := m.get("square_pulse"); v != nil {
		sm := p.mapping(v, path+".square_pulse", l)
		var sp stimulus.SquarePulse
		get := func(key string) float64 {
			if x, _ := sm.get(key); x != nil {
				f, _ := p.number(x, path+".square_pulse."+key)
				return f
			}
			return 0
		}
		sp.Low, sp.High = float32(get("low")), float32(get("high"))
		geti := func(key string, lo int64) int64 {
			if x, _ := sm.get(key); x != nil {
				i, _ := p.integer(x, path+".square_pulse."+key, lo, math.MaxInt32)
				return int64(i)
			}
			if key == "period_steps" && sm.ok {
				sm.missing(key)
			}
			return 0
		}
		sp.Period, sp.Width, sp.Phase = geti("period_steps", 1), geti("width_steps", 0), geti("phase_steps", 0)
		sm.done()
		if sp.Period >= 1 {
			if err := sp.Validate(); err != nil {
				p.bad(v, path+".square_pulse", "%v", err)
			} else {
				out = sp
			}
		}
	}
	for _, k := range m.keys {
		if !m.used[k.Value] {
			p.add(k.Line, join(path, k.Value), "", "unknown stimulus%s", didYouMean(k.Value, kinds))
		}
	}
	if fresh != nil {
		return fresh
	}
	if out == nil {
		return nil
	}
	return func() population.Stimulus { return out }
}

// warnSubStep adds a warning for a constant delay above 0 that rounds to
// no step of dt (what an event's arrival the step after its spike already
// gives): valid, but likely not what was meant.
func (p *parser) warnSubStep(n *yaml.Node, path string, d param.Value, r axon.Rounding) {
	c, ok := d.IsConst()
	if !ok || !(c > 0) || !(p.dt > 0) || r.Steps(c, p.dt) != 0 {
		return
	}
	how := "down"
	if r == axon.Nearest {
		how = "to the nearest step"
	}
	p.warnings = append(p.warnings, (&FieldError{File: p.file, Line: n.Line, Path: path, Value: fmt.Sprint(c),
		Msg: fmt.Sprintf("valid, but shorter than a step: rounded %s it is 0 steps of dt = %g ms, the same as 0 (an event arrives the step after its spike either way)", how, p.dt)}).Error())
}

// fieldLines returns the line of every mapping key under n, by its path
// from n (model.reset_mV; a list's items are not entered).
func fieldLines(n *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, prefix string, depth int)
	walk = func(n *yaml.Node, prefix string, depth int) {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			path := prefix + k.Value
			if _, seen := out[path]; !seen {
				out[path] = k.Line
			}
			walk(n.Content[i+1], path+".", depth+1)
		}
	}
	walk(n, "", 0)
	return out
}

// fieldRE finds "name = value" in a build error's message: the field it
// names.
var fieldRE = regexp.MustCompile(`(?:^|[\s:(])([A-Za-z][A-Za-z0-9_]*) = `)

// namedField returns the path and line of the field that a build error's
// message names first ("lif: reset_mV = -40: must be < threshold_mV"),
// when exactly one key of the element has that name (ignoring case:
// messages may give the Go name, K for k).
//
// Where several keys have that name (a model's tau_ms and a receptor's),
// the one under the section the message starts with is taken: "lif: ..."
// (a model kind) means model, "connectivity: ..." connectivity.
func namedField(msg string, fields map[string]int) (path string, line int, ok bool) {
	m := fieldRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return "", 0, false
	}
	name, before := msg[m[2]:m[3]], msg[:m[2]]
	var found []string
	for p := range fields {
		last := p
		if i := strings.LastIndexByte(p, '.'); i >= 0 {
			last = p[i+1:]
		}
		if strings.EqualFold(last, name) {
			found = append(found, p)
		}
	}
	if len(found) > 1 {
		section, _, _ := strings.Cut(before, ":")
		if slices.Contains(modelKinds, section) {
			section = "model"
		}
		found = slices.DeleteFunc(found, func(p string) bool { return !strings.HasPrefix(p, section+".") })
	}
	if len(found) != 1 {
		return "", 0, false // none, or no telling which
	}
	return found[0], fields[found[0]], true
}
