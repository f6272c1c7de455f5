package modelfile

import (
	"fmt"
	"github.com/spiral-sim/spiral/plasticity"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/synapse"
)

var patternKinds = []string{"all_to_all", "one_to_one", "bernoulli", "fixed_in_degree", "fixed_out_degree", "fixed_total", "list"}

func (p *parser) parseProjections(top *mapping, m *Model) {
	n, line := top.get("projections")
	if n == nil {
		return
	}
	pm := p.mapping(n, "projections", line)
	for _, k := range pm.keys {
		v, kl := pm.get(k.Value)
		path := "projections." + k.Value
		if !p.name(k, path) {
			continue
		}
		if _, clash := p.popDefs[k.Value]; clash {
			p.add(k.Line, path, "", "name already used by a population")
		}
		p.projNames = append(p.projNames, k.Value)
		if d := p.parseProjection(v, path, kl, k.Value, m.Network.DtMs); d != nil {
			d.line, d.fields = k.Line, fieldLines(v)
			m.projs = append(m.projs, d)
		}
	}
	pm.done()
}

// ref reads a population reference.
func (p *parser) ref(m *mapping, key, path string) *popDef {
	v, _ := m.get(key)
	if v == nil {
		if m.ok {
			m.missing(key)
		}
		return nil
	}
	s, ok := p.str(v, path+"."+key)
	if !ok {
		return nil
	}
	d, ok := p.popDefs[s]
	if !ok {
		p.bad(v, path+"."+key, "no such population%s", didYouMean(s, p.popNames))
		return nil
	}
	return d
}

func (p *parser) parseProjection(n *yaml.Node, path string, line int, name string, dt float64) *projDef {
	m := p.mapping(n, path, line)
	before := p.count
	var c network.Connection
	from := p.ref(m, "from", path)
	to := p.ref(m, "to", path)
	if from != nil {
		c.From = from.name
	}
	if to != nil {
		c.To = to.name
	}
	if v, _ := m.get("axon"); v != nil {
		if s, ok := p.str(v, path+".axon"); ok {
			c.Axon = s
			if from != nil {
				names := axonNames(from.axons)
				if !contains(names, s) {
					p.bad(v, path+".axon", "no such axon in population %s%s", from.name, didYouMean(s, names))
				}
			}
		}
	}
	if v, _ := m.get("receptor"); v != nil {
		if s, ok := p.str(v, path+".receptor"); ok {
			c.Receptor = s
			if to != nil {
				names := recNames(to.receptors)
				if !contains(names, s) {
					p.bad(v, path+".receptor", "no such receptor in population %s%s", to.name, didYouMean(s, names))
				}
			}
		}
	}
	if v, cl := m.get("connectivity"); v != nil {
		rows, cols := -1, -1
		if from != nil {
			rows = from.size
		}
		if to != nil {
			cols = to.size
		}
		c.Pattern = p.parsePattern(v, path+".connectivity", cl, rows, cols)
	} else if m.ok {
		m.missing("connectivity")
	}
	if v, _ := m.get("autapses"); v != nil {
		c.Autapses, _ = p.boolean(v, path+".autapses")
	}
	if v, _ := m.get("weight"); v != nil {
		c.Weight, _ = p.value(v, path+".weight", -1)
	} else if m.ok {
		m.missing("weight")
	}
	if v, _ := m.get("wmin"); v != nil {
		c.Wmin, _ = p.number(v, path+".wmin")
	}
	if v, _ := m.get("wmax"); v != nil {
		c.Wmax, _ = p.number(v, path+".wmax")
		if c.Wmax < c.Wmin {
			p.bad(v, path+".wmax", "must be >= wmin (%g)", c.Wmin)
		}
	}
	if v, nl := m.get("normalize"); v != nil {
		c.Normalization = p.parseNormalize(v, path+".normalize", nl, c.Wmin, c.Wmax)
	}
	var pv *yaml.Node
	p.threeFactor = p.threeFactor[:0]
	if v, pl := m.get("plasticity"); v != nil {
		pv = v
		c.Plasticity = p.parsePlasticityList(v, path+".plasticity", pl, dt)
	}
	p.parseFollow(m, path, pv, &c)
	if !m.has("follow") {
		// A three-factor rule multiplies its changes by the modulator:
		// without one its weights never change.
		for _, r := range p.threeFactor {
			p.bad(r.kind, r.path+".kind", "a three-factor rule needs a neuromodulator: give the projection a follow field (%s.follow: the modulator population)", path)
		}
	}
	if v, ll := m.get("latency"); v != nil {
		c.Latency = p.parseLatency(v, path+".latency", ll, dt)
	}
	p.parseSynapseDelay(m, path, pv, &c)
	m.done()
	if p.count > before {
		return nil
	}
	return &projDef{name: name, c: c}
}

// parseSynapseDelay reads delay_ms (a synaptic delay per synapse, added to
// the axon's) and delay_rounding.
func (p *parser) parseSynapseDelay(m *mapping, path string, plast *yaml.Node, c *network.Connection) {
	v, _ := m.get("delay_ms")
	if v != nil {
		c.DelayMs, _ = p.value(v, path+".delay_ms", -1, ge(0))
		if _, isConst := c.DelayMs.IsConst(); !isConst && plast != nil {
			p.bad(v, path+".delay_ms", "synaptic delays that differ per synapse cannot be combined with plasticity (the rules see a presynaptic event at one step for its whole row): use a constant delay_ms, or the axon's delay_ms")
		}
		if m.has("latency") {
			p.bad(v, path+".delay_ms", "cannot be combined with learnt latencies (latency)")
		}
	}
	if r, _ := m.get("delay_rounding"); r != nil {
		if s, _ := p.enum(r, path+".delay_rounding", delayRoundings); s == "nearest" {
			c.DelayRounding = axon.Nearest
		}
		if v == nil {
			p.bad(r, path+".delay_rounding", "needs delay_ms (the synaptic delay it rounds)")
		}
	}
	if v != nil {
		p.warnSubStep(v, path+".delay_ms", c.DelayMs, c.DelayRounding)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// parseFollow reads follow and modulator_axon: the modulator population
// whose axon's summed output the projection's plasticity sees.
func (p *parser) parseFollow(m *mapping, path string, plast *yaml.Node, c *network.Connection) {
	fv, _ := m.get("follow")
	av, _ := m.get("modulator_axon")
	var src *popDef
	if fv != nil {
		if s, ok := p.str(fv, path+".follow"); ok {
			c.Follow = s
			d, found := p.popDefs[s]
			switch {
			case !found:
				p.bad(fv, path+".follow", "no such population%s", didYouMean(s, p.popNames))
			default:
				src = d
			}
			if plast == nil {
				p.bad(fv, path+".follow", "only plasticity reads a neuromodulator; give the projection a plasticity rule")
			} else if c.Plasticity != nil && !plasticity.ReadsModulator(c.Plasticity) {
				p.bad(fv, path+".follow", "the rule %s (%s.plasticity) reads no neuromodulator, so the modulator would change nothing; rules that read one: %s",
					c.Plasticity.Kind(), path, plasticity.ModulatedKinds)
			}
		}
	}
	if av != nil {
		if s, ok := p.str(av, path+".modulator_axon"); ok {
			c.ModulatorAxon = s
			if fv == nil {
				p.bad(av, path+".modulator_axon", "needs follow (the modulator population)")
			} else if src != nil {
				names := axonNames(src.axons)
				if !contains(names, s) {
					p.bad(av, path+".modulator_axon", "no such axon in population %s%s", src.name, didYouMean(s, names))
				}
			}
		}
	}
}

func (p *parser) parsePattern(n *yaml.Node, path string, line, rows, cols int) connectivity.Pattern {
	m, kind, ok := p.kinded(n, path, line, patternKinds)
	if !ok {
		return nil
	}
	multapses := func() bool {
		if v, _ := m.get("multapses"); v != nil {
			b, _ := p.boolean(v, path+".multapses")
			return b
		}
		return false
	}
	count := func(key string) int {
		v, _ := m.get(key)
		if v == nil {
			m.missing(key)
			return 0
		}
		k, _ := p.integer(v, path+"."+key, 0, math.MaxInt32)
		return k
	}
	var out connectivity.Pattern
	switch kind {
	case "all_to_all":
		out = connectivity.AllToAll{}
	case "one_to_one":
		out = connectivity.OneToOne{}
	case "bernoulli":
		v, _ := m.get("p")
		if v == nil {
			m.missing("p")
		} else if x, ok := p.checked(v, path+".p", inRange(0, 1)); ok {
			out = connectivity.Bernoulli{P: x}
		}
	case "fixed_in_degree":
		out = connectivity.FixedInDegree{K: count("k"), Multapses: multapses()}
	case "fixed_out_degree":
		out = connectivity.FixedOutDegree{K: count("k"), Multapses: multapses()}
	case "fixed_total":
		out = connectivity.FixedTotal{N: count("n"), Multapses: multapses()}
	case "list":
		out = p.parseList(m, path, rows, cols, multapses())
	}
	m.done()
	return out
}

// parseList reads an explicit list of (i, j) pairs: i indexes the source
// population (rows), j the target (columns).
func (p *parser) parseList(m *mapping, path string, rows, cols int, multapses bool) connectivity.Pattern {
	idx := func(key string, n int) ([]int, *yaml.Node) {
		v, _ := m.get(key)
		if v == nil {
			m.missing(key)
			return nil, nil
		}
		hi := float64(math.MaxInt32)
		if n > 0 {
			hi = float64(n - 1)
		}
		xs, ok := p.numberList(v, path+"."+key, inRange(0, hi), integral)
		if !ok {
			return nil, nil
		}
		out := make([]int, len(xs))
		for k, x := range xs {
			out[k] = int(x)
		}
		return out, v
	}
	is, iv := idx("i", rows)
	js, jv := idx("j", cols)
	if iv == nil || jv == nil {
		return nil
	}
	if len(is) != len(js) {
		p.bad(jv, path+".j", "list of %d values: must have one value per pair, as many as i (%d)", len(js), len(is))
		return nil
	}
	if !multapses {
		seen := make(map[[2]int]int, len(is))
		for k := range is {
			pair := [2]int{is[k], js[k]}
			if first, dup := seen[pair]; dup {
				p.bad(jv.Content[k], fmt.Sprintf("%s.j[%d]", path, k), "pair (%d, %d) repeats pair %d; set multapses: true to allow", is[k], js[k], first)
				return nil
			}
			seen[pair] = k
		}
	}
	return connectivity.List{I: is, J: js, Multapses: multapses}
}

var normalizeAxes = []string{"total", "fan_in", "fan_out"}

// parseNormalize reads {axis: total|fan_in|fan_out, target: x}: the
// weights are rescaled so that their sum over the whole projection, each
// postsynaptic neuron or each presynaptic row is target — after building
// and after every plastic update (the three normalisations of the Python
// Spiral).
func (p *parser) parseNormalize(n *yaml.Node, path string, line int, wmin, wmax float64) *synapse.Normalizer {
	m := p.mapping(n, path, line)
	if !m.ok {
		return nil
	}
	var axis synapse.Axis
	if v, _ := m.get("axis"); v != nil {
		if a, ok := p.enum(v, path+".axis", normalizeAxes); ok {
			axis = map[string]synapse.Axis{"total": synapse.Total, "fan_in": synapse.FanIn, "fan_out": synapse.FanOut}[a]
		}
	} else {
		m.missing("axis")
	}
	var target float64
	if v, _ := m.get("target"); v != nil {
		target, _ = p.number(v, path+".target")
	} else {
		m.missing("target")
	}
	m.done()
	// The rescaling is affine around the lower bound (the reference's
	// w ← m + (w − m)·s), which must be finite: 0 unless bounds are given.
	return &synapse.Normalizer{Axis: axis, Target: target, Bounds: normalizeBounds(wmin, wmax)}
}

// normalizeBounds are a normaliser's bounds for a projection's wmin and
// wmax: [0, +Inf) unless bounds are given.
func normalizeBounds(wmin, wmax float64) synapse.Bounds {
	if wmin != 0 || wmax != 0 {
		return synapse.Bounds{Min: float32(wmin), Max: float32(wmax)}
	}
	return synapse.Bounds{Min: 0, Max: float32(math.Inf(1))}
}
