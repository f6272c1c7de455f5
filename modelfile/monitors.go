package modelfile

import (
	"math"
	"slices"

	"go.yaml.in/yaml/v3"
)

// StateMonitor asks for a state variable of some neurons, sampled every
// Every steps (written to state/<population>.<var>.npz with run --out).
type StateMonitor struct {
	Population string
	Var        string
	Neurons    []int // nil: all
	Every      int
	Line       int    // where the file asks for it (0 when not known)
	Path       string // its place in the file, as monitors.state[i]
}

// parseMonitors reads the optional section
//
//	monitors:
//	  state:   [{population: E, var: v, neurons: [0, 1, 2], every_steps: 10}]
//	  weights: [syn, ...]   # final weights of these projections
func (p *parser) parseMonitors(top *mapping, m *Model) {
	n, line := top.get("monitors")
	if n == nil {
		return
	}
	mm := p.mapping(n, "monitors", line)
	if !mm.ok {
		return
	}
	if v, _ := mm.get("state"); v != nil {
		seen := map[[2]string]string{} // population, var → the first entry's path
		p.list(v, "monitors.state", func(e *yaml.Node, ep string) {
			em := p.mapping(e, ep, e.Line)
			if !em.ok {
				return
			}
			sm := StateMonitor{Line: e.Line, Path: ep}
			neurons, _ := em.get("neurons") // read even when the population is bad: the field is known
			// A population with a bad size has said so: its neurons are
			// not checked against it.
			if d := p.ref(em, "population", ep); d != nil && d.size >= 1 {
				sm.Population = d.name
				if v := neurons; v != nil {
					p.list(v, ep+".neurons", func(x *yaml.Node, xp string) {
						if i, ok := p.integer(x, xp, 0, int64(d.size)-1); ok {
							sm.Neurons = append(sm.Neurons, i)
						}
					})
					if v = resolve(v); v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
						p.bad(v, ep+".neurons", "empty: list neurons, or leave it out for all")
					}
				}
			}
			if v, _ := em.get("var"); v != nil {
				sm.Var, _ = p.str(v, ep+".var")
			} else {
				em.missing("var")
			}
			sm.Every = 1
			if v, _ := em.get("every_steps"); v != nil {
				sm.Every, _ = p.integer(v, ep+".every_steps", 1, math.MaxInt32)
			}
			em.done()
			if sm.Population != "" && sm.Var != "" {
				// Each variable is written to one file: a second monitor
				// of it would be refused after the run.
				k := [2]string{sm.Population, sm.Var}
				if first, ok := seen[k]; ok {
					p.add(e.Line, ep, "", "%s.%s is already monitored by %s: give one monitor per variable (its neurons, every_steps), written to state/%s.%s.npz", sm.Population, sm.Var, first, sm.Population, sm.Var)
					return
				}
				seen[k] = ep
			}
			m.StateMonitors = append(m.StateMonitors, sm)
		})
	}
	if v, _ := mm.get("weights"); v != nil {
		seen := map[string]string{} // projection → the first entry's path
		p.list(v, "monitors.weights", func(e *yaml.Node, ep string) {
			s, ok := p.str(e, ep)
			if !ok {
				return
			}
			if first, ok := seen[s]; ok {
				p.bad(e, ep, "already monitored by %s", first)
				return
			}
			seen[s] = ep
			// Every projection named counts, even one with errors (they
			// are reported where they are).
			names := p.projNames
			if !slices.Contains(names, s) {
				p.bad(e, ep, "no such projection%s", didYouMean(s, names))
				return
			}
			m.WeightMonitors = append(m.WeightMonitors, s)
		})
	}
	mm.done()
}
