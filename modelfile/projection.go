package modelfile

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
)

var patternKinds = []string{"all_to_all", "one_to_one", "bernoulli", "fixed_in_degree", "fixed_out_degree", "fixed_total"}

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
		if d := p.parseProjection(v, path, kl, k.Value, m.Network.DtMs); d != nil {
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
	before := len(p.errs)
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
		c.Pattern = p.parsePattern(v, path+".connectivity", cl)
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
	if v, pl := m.get("plasticity"); v != nil {
		c.Plasticity = p.parsePlasticity(v, path+".plasticity", pl, dt)
	}
	m.done()
	if len(p.errs) > before {
		return nil
	}
	return &projDef{name: name, c: c}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) parsePattern(n *yaml.Node, path string, line int) connectivity.Pattern {
	m := p.mapping(n, path, line)
	if !m.ok {
		return nil
	}
	kv, _ := m.get("kind")
	if kv == nil {
		m.missing("kind")
		return nil
	}
	kind, ok := p.enum(kv, path+".kind", patternKinds)
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
	}
	m.done()
	return out
}

func (p *parser) parsePlasticity(n *yaml.Node, path string, line int, dt float64) plasticity.Spec {
	m := p.mapping(n, path, line)
	if !m.ok {
		return nil
	}
	kv, _ := m.get("kind")
	if kv == nil {
		m.missing("kind")
		return nil
	}
	if _, ok := p.enum(kv, path+".kind", []string{"stdp"}); !ok {
		return nil
	}
	tau := func(key string) param.Value {
		v, _ := m.get(key)
		if v == nil {
			return param.Const(response.DefaultTau)
		}
		x, _ := p.checked(v, path+"."+key, gt(0))
		return param.Const(x)
	}
	tp, tm := tau("tau_plus_ms"), tau("tau_minus_ms")
	exact := false
	if v, _ := m.get("traces"); v != nil {
		s, _ := p.enum(v, path+".traces", []string{"euler", "exact"})
		exact = s == "exact"
	}
	// rate: eta_X is the rule's rate (per ms); a_X the change per spike
	// pair (Brian2's Apre/Apost), eta = a/dt.
	rate := func(eta, a string) plasticity.RateSpec {
		ev, _ := m.get(eta)
		av, _ := m.get(a)
		switch {
		case ev != nil && av != nil:
			p.bad(av, path+"."+a, "give either %s or %s, not both", eta, a)
		case ev != nil:
			x, _ := p.checked(ev, path+"."+eta, ge(0))
			return plasticity.ConstRate{Eta: x}
		case av != nil:
			x, _ := p.checked(av, path+"."+a, ge(0))
			return plasticity.ConstRate{Eta: x / dt}
		}
		return nil
	}
	s := plasticity.STDP{
		Pre:  response.Leaky{Tau: tp, Exact: exact},
		Post: response.Leaky{Tau: tm, Exact: exact},
		LTP:  rate("eta_plus", "a_plus"),
		LTD:  rate("eta_minus", "a_minus"),
	}
	if v, _ := m.get("pre_first"); v != nil {
		s.PreFirst, _ = p.boolean(v, path+".pre_first")
	}
	m.done()
	return s
}
