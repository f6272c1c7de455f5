package modelfile

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
)

var plasticityKinds = []string{"stdp", "triplet", "inhibitory_stdp", "rstdp", "modulated", "convergent"}

var (
	pairings          = []string{"all_to_all", "nearest"}
	weightDependences = []string{"additive", "multiplicative", "soft_bound"}
	traceMethods      = []string{"euler", "exact"}
)

// Defaults of the rules that have none in package plasticity.
const (
	// Pfister & Gerstner (2006), from Bi & Poo's window.
	defaultTripletTauPlus  = 16.8
	defaultTripletTauMinus = 33.7
	// Vogels et al. (2011).
	defaultInhibitoryTau = 20.0
	// Izhikevich (2007) and the reference.
	defaultRSTDPTauC = 1000.0
)

// threeFactorRule is an rstdp or modulated rule met while reading a
// projection: its kind node and path, for the error when the projection
// has no follow.
type threeFactorRule struct {
	kind *yaml.Node
	path string
}

// parsePlasticityList reads one rule, or a list of rules whose changes are
// summed (plasticity.Composite).
func (p *parser) parsePlasticityList(n *yaml.Node, path string, line int, dt float64) plasticity.Spec {
	if n = resolve(n); n.Kind != yaml.SequenceNode {
		return p.parsePlasticity(n, path, line, dt)
	}
	if len(n.Content) == 0 {
		p.bad(n, path, "need at least one rule")
		return nil
	}
	var rules []plasticity.Spec
	p.list(n, path, func(e *yaml.Node, ep string) {
		rules = append(rules, p.parsePlasticity(e, ep, e.Line, dt))
	})
	if len(rules) == 1 {
		return rules[0]
	}
	return plasticity.Composite{Rules: rules}
}

// traceTau is the check of a trace's time constant: > 0, and >= dt with
// the Euler factor 1 − dt/τ.
func traceTau(dt float64, exact bool) check {
	return func(x float64) string {
		if !(x > 0) {
			return "must be > 0"
		}
		if !exact && x < dt {
			return fmt.Sprintf("must be >= dt_ms (%g) with traces: euler (the factor 1 − dt/τ would be negative); or set traces: exact", dt)
		}
		return ""
	}
}

// parsePlasticity reads a plasticity rule, handing each kind to its own
// reader.
func (p *parser) parsePlasticity(n *yaml.Node, path string, line int, dt float64) plasticity.Spec {
	m, kind, ok := p.kinded(n, path, line, plasticityKinds)
	if !ok {
		return nil
	}
	// traces reads traces: euler|exact (exact: true).
	traces := func() bool {
		if v, _ := m.get("traces"); v != nil {
			s, _ := p.enum(v, path+".traces", traceMethods)
			return s == "exact"
		}
		return false
	}
	// pairing reads pairing: all_to_all|nearest.
	pairing := func() plasticity.Pairing {
		if v, _ := m.get("pairing"); v != nil {
			if s, _ := p.enum(v, path+".pairing", pairings); s == "nearest" {
				return plasticity.Nearest
			}
		}
		return plasticity.AllToAll
	}
	var out plasticity.Spec
	switch kind {
	case "convergent":
		s := plasticity.Convergent{TauMs: 250}
		if v, _ := m.get("tau_ms"); v != nil {
			s.TauMs, _ = p.checked(v, path+".tau_ms", ge(dt))
		}
		if v, _ := m.get("c"); v != nil {
			s.C, _ = p.number(v, path+".c")
		}
		out = s
	case "stdp":
		out = p.parseSTDP(m, path, dt, traces(), pairing())
	case "triplet":
		out = p.parseTriplet(m, path, dt, traces(), pairing())
	case "inhibitory_stdp":
		out = p.parseInhibitory(m, path, dt, traces())
	case "rstdp", "modulated":
		out = p.parseThreeFactor(m, path, kind, dt)
	}
	m.done()
	return out
}

// optionalTau reads the optional time constant key (ms) of the mapping m
// at path, def when absent.
func (p *parser) optionalTau(m *mapping, path, key string, def float64, checks ...check) float64 {
	if v, _ := m.get(key); v != nil {
		x, _ := p.checked(v, path+"."+key, checks...)
		return x
	}
	return def
}

// parseTriplet reads the fields of kind: triplet, whose traces are exact
// or Euler and paired as pairing.
func (p *parser) parseTriplet(m *mapping, path string, dt float64, exact bool, pairing plasticity.Pairing) plasticity.Triplet {
	s := plasticity.Triplet{Pairing: pairing, Exact: exact}
	s.TauPlusMs = p.optionalTau(m, path, "tau_plus_ms", defaultTripletTauPlus, traceTau(dt, exact))
	s.TauMinusMs = p.optionalTau(m, path, "tau_minus_ms", defaultTripletTauMinus, traceTau(dt, exact))
	// The amplitudes are changes per spike pair or triplet (Pfister &
	// Gerstner's A); the rule's are rates per ms, A/dt, which KEY_per_ms
	// gives instead (a rate no amplitude reads back as exactly).
	amp := func(key string) float64 {
		v, _ := m.get(key)
		r, _ := m.get(key + "_per_ms")
		switch {
		case v != nil && r != nil:
			p.bad(r, path+"."+key+"_per_ms", "give %s or %s_per_ms, not both", key, key)
		case v != nil:
			x, _ := p.number(v, path+"."+key)
			return x / dt
		case r != nil:
			x, _ := p.number(r, path+"."+key+"_per_ms")
			return x
		}
		return 0
	}
	s.A2Plus, s.A3Plus = amp("a2_plus"), amp("a3_plus")
	s.A2Minus, s.A3Minus = amp("a2_minus"), amp("a3_minus")
	// The triplet traces: required when their amplitude is not 0.
	slow := func(key, ampKey string, a float64) float64 {
		if v, _ := m.get(key); v != nil {
			x, _ := p.checked(v, path+"."+key, traceTau(dt, exact))
			return x
		}
		if a != 0 && m.ok {
			p.add(m.line, path+"."+key, "", "missing required field: %s is not 0, so its triplet trace needs a time constant", ampKey)
		}
		return 0
	}
	s.TauXMs = slow("tau_x_ms", "a3_minus", s.A3Minus)
	s.TauYMs = slow("tau_y_ms", "a3_plus", s.A3Plus)
	return s
}

// parseInhibitory reads the fields of kind: inhibitory_stdp, whose trace
// is exact or Euler: eta, and rho0_hz or alpha (one of them).
func (p *parser) parseInhibitory(m *mapping, path string, dt float64, exact bool) plasticity.Inhibitory {
	s := plasticity.Inhibitory{Exact: exact}
	s.TauMs = p.optionalTau(m, path, "tau_ms", defaultInhibitoryTau, traceTau(dt, exact))
	if v, _ := m.get("eta"); v != nil {
		s.Eta, _ = p.checked(v, path+".eta", ge(0))
	} else {
		m.missing("eta")
	}
	rv, _ := m.get("rho0_hz")
	av, _ := m.get("alpha")
	switch {
	case rv != nil && av != nil:
		p.bad(av, path+".alpha", "give either rho0_hz or alpha, not both (alpha = 2·rho0_hz·tau_ms/1000)")
	case rv != nil:
		s.Rho0Hz, _ = p.checked(rv, path+".rho0_hz", gt(0))
	case av != nil:
		s.Alpha, _ = p.checked(av, path+".alpha", gt(0))
	default:
		p.add(m.line, path+".rho0_hz", "", "missing required field: give rho0_hz (the target rate, Hz) or alpha (the depression offset)")
	}
	return s
}

// parseThreeFactor reads the fields of kind: rstdp or modulated (kind):
// the inner rule, required, and for rstdp the eligibility time constant.
// The rule is recorded for the check that a modulator follows it.
func (p *parser) parseThreeFactor(m *mapping, path, kind string, dt float64) plasticity.Spec {
	p.threeFactor = append(p.threeFactor, threeFactorRule{kind: resolve(m.vals["kind"]), path: path})
	var inner plasticity.Spec
	if v, rl := m.get("rule"); v != nil {
		inner = p.parsePlasticityList(v, path+".rule", rl, dt)
	} else {
		m.missing("rule")
	}
	if kind == "modulated" {
		return plasticity.Modulated{Rule: inner}
	}
	s := plasticity.RSTDP{Rule: inner, TauCMs: defaultRSTDPTauC}
	if v, _ := m.get("tau_c_ms"); v != nil {
		s.TauCMs, _ = p.checked(v, path+".tau_c_ms", gt(0), func(x float64) string {
			if x < dt {
				return fmt.Sprintf("must be >= dt_ms (%g): the eligibility traces decay by 1 − dt/τc per step", dt)
			}
			return ""
		})
	}
	return s
}

// parseSTDP reads the fields of kind: stdp.
func (p *parser) parseSTDP(m *mapping, path string, dt float64, exact bool, pairing plasticity.Pairing) plasticity.Spec {
	tau := func(key string) param.Value {
		v, _ := m.get(key)
		if v == nil {
			return param.Const(response.DefaultTau)
		}
		x, _ := p.checked(v, path+"."+key, gt(0))
		return param.Const(x)
	}
	tp, tm := tau("tau_plus_ms"), tau("tau_minus_ms")
	dep := "additive"
	if v, _ := m.get("weight_dependence"); v != nil {
		if s, ok := p.enum(v, path+".weight_dependence", weightDependences); ok {
			dep = s
		}
	}
	// rate: eta_X is the rule's rate (per ms); a_X the change per spike
	// pair (Brian2's Apre/Apost), eta = a/dt. The weight dependence
	// shapes it: additive η, multiplicative η·(wmax − w) for
	// potentiation and η·(w − wmin) for depression, soft_bound
	// η·(wmax − w)·(w − wmin) for both.
	rate := func(eta, a string, ltp bool) plasticity.RateSpec {
		ev, _ := m.get(eta)
		av, _ := m.get(a)
		x, given := plasticity.DefaultRate, false
		switch {
		case ev != nil && av != nil:
			p.bad(av, path+"."+a, "give either %s or %s, not both", eta, a)
		case ev != nil:
			x, given = p.checked(ev, path+"."+eta, ge(0))
		case av != nil:
			var y float64
			if y, given = p.checked(av, path+"."+a, ge(0)); given {
				x = y / dt
				if x > math.MaxFloat32 {
					p.bad(av, path+"."+a, "%s / dt_ms = %g per ms: the rate is stored as float32 and must be at most 3.4028235e+38 (%s <= %.8g at this dt)", a, x, a, math.MaxFloat32*dt)
					x, given = plasticity.DefaultRate, false
				}
			}
		}
		switch dep {
		case "multiplicative":
			if ltp {
				return plasticity.UpperBoundRate{Eta: x}
			}
			return plasticity.LowerBoundRate{Eta: x}
		case "soft_bound":
			return plasticity.SoftBoundRate{Eta: x}
		}
		if !given {
			return nil // the rule's default constant rate
		}
		return plasticity.ConstRate{Eta: x}
	}
	s := plasticity.STDP{
		Pre:     response.Leaky{Tau: tp, Exact: exact},
		Post:    response.Leaky{Tau: tm, Exact: exact},
		LTP:     rate("eta_plus", "a_plus", true),
		LTD:     rate("eta_minus", "a_minus", false),
		Pairing: pairing,
	}
	if v, _ := m.get("pre_first"); v != nil {
		s.PreFirst, _ = p.boolean(v, path+".pre_first")
	}
	return s
}
