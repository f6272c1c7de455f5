package estimate

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/modelfile"
)

// File describes the network of a model file (the format of package
// modelfile, which the caller should have validated with modelfile.Load:
// File reads only what memory depends on — sizes, receptors, axons,
// patterns, weights, plasticity — and trusts the rest). It reads the file
// as modelfile.ReadFile does: a regular file of at most
// modelfile.MaxFileSize bytes.
func File(path string) (*Model, error) {
	data, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse is File on the file's contents.
//
// (About 105 lines: it reads the model file's own structure, and goes when
// the estimate reads the recipe that modelfile builds — issue 11.)
func Parse(name string, data []byte) (*Model, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	top := &root
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	m := &Model{Name: name, DtMs: 0.1, Batch: 1}
	if n := get(top, "network"); n != nil {
		if v := get(n, "dt_ms"); v != nil {
			m.DtMs = num(v)
		}
		if v := get(n, "batch"); v != nil {
			m.Batch = int(num(v))
		}
	}
	normalized := map[string]bool{} // target populations of normalised projections
	projs := get(top, "projections")
	each(projs, func(k string, v *yaml.Node) {
		if get(v, "normalize") != nil {
			normalized[str(get(v, "to"))] = true
		}
	})
	var perr error
	each(get(top, "populations"), func(name string, v *yaml.Node) {
		p := Population{Name: name, N: int(num(get(v, "size")))}
		kind := str(get(get(v, "model"), "kind"))
		p.Splittable = m.Batch == 1 && get(v, "principles") == nil && !normalized[name] && kind != "izhikevich" && kind != "hh"
		each(get(v, "receptors"), func(rn string, r *yaml.Node) {
			k, err := dendrite.ParseKernel(str(get(r, "kernel")))
			if err != nil && perr == nil {
				perr = fmt.Errorf("%s: populations.%s.receptors.%s: %w", name, p.Name, rn, err)
			}
			p.Receptors = append(p.Receptors, Receptor{Name: rn, Kernel: k})
		})
		each(get(v, "axons"), func(an string, a *yaml.Node) {
			ax := Axon{Name: an, Terminals: int(num(get(a, "terminals")))}
			ax.MinDelayMs, ax.DelayMs = minMax(get(a, "delay_ms"))
			ax.Nearest = str(get(a, "delay_rounding")) == "nearest"
			if r := get(a, "response"); r != nil {
				switch str(get(r, "kind")) {
				case "identity", "scaling", "":
				default:
					ax.Stateful = true
				}
			}
			p.Axons = append(p.Axons, ax)
		})
		m.Populations = append(m.Populations, p)
	})
	if perr != nil {
		return nil, perr
	}
	each(projs, func(name string, v *yaml.Node) {
		pr := Projection{Name: name, From: str(get(v, "from")), To: str(get(v, "to")),
			Axon: str(get(v, "axon")), Receptor: str(get(v, "receptor")),
			Autapses: str(get(v, "autapses")) == "true"}
		pr.Plastic = get(v, "plasticity") != nil || get(v, "latency") != nil
		if d := get(v, "delay_ms"); d != nil {
			pr.SynDelays, pr.SynMinDelayMs, pr.SynMaxDelayMs = synDelayRange(d)
			pr.SynNearest = str(get(v, "delay_rounding")) == "nearest"
		}
		w := get(v, "weight")
		pr.Uniform = !pr.Plastic && get(v, "normalize") == nil && (w == nil || w.Kind == yaml.ScalarNode)
		c := get(v, "connectivity")
		multi := str(get(c, "multapses")) == "true"
		switch str(get(c, "kind")) {
		case "all_to_all":
			pr.Pattern = connectivity.AllToAll{}
		case "one_to_one":
			pr.Pattern = connectivity.OneToOne{}
		case "bernoulli":
			pr.Pattern = connectivity.Bernoulli{P: num(get(c, "p"))}
		case "fixed_in_degree":
			pr.Pattern = connectivity.FixedInDegree{K: int(num(get(c, "k"))), Multapses: multi}
		case "fixed_out_degree":
			pr.Pattern = connectivity.FixedOutDegree{K: int(num(get(c, "k"))), Multapses: multi}
		case "fixed_total":
			pr.Pattern = connectivity.FixedTotal{N: int(num(get(c, "n"))), Multapses: multi}
		case "list":
			l := connectivity.List{Multapses: multi}
			if i := get(c, "i"); i != nil {
				for _, x := range i.Content {
					l.I = append(l.I, int(num(x)))
				}
			}
			if j := get(c, "j"); j != nil {
				for _, x := range j.Content {
					l.J = append(l.J, int(num(x)))
				}
			}
			pr.Pattern = l
		default:
			if perr == nil {
				perr = fmt.Errorf("%s: projections.%s.connectivity: kind %q unknown", name, name, str(get(c, "kind")))
			}
		}
		m.Projections = append(m.Projections, pr)
	})
	if perr != nil {
		return nil, perr
	}
	return m, nil
}

// pairs returns the keys and values of mapping n in order, with YAML
// merge keys (<<: *anchor) resolved: the mapping's own keys win.
func pairs(n *yaml.Node) (keys []string, vals []*yaml.Node) { return pairsDepth(n, 0) }

// pairsDepth is pairs within merges depth deep: a merge of a mapping
// into itself (or deeper than 64 merges) ends.
func pairsDepth(n *yaml.Node, depth int) (keys []string, vals []*yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 64 {
		return nil, nil
	}
	seen := map[string]bool{}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "<<" && n.Content[i].Tag == "!!merge" {
			v := deref(n.Content[i+1])
			if v.Kind == yaml.SequenceNode {
				merged = append(merged, v.Content...)
			} else {
				merged = append(merged, v)
			}
			continue
		}
		keys = append(keys, n.Content[i].Value)
		vals = append(vals, deref(n.Content[i+1]))
		seen[n.Content[i].Value] = true
	}
	for _, mn := range merged {
		mk, mv := pairsDepth(mn, depth+1)
		for i, k := range mk {
			if !seen[k] {
				keys, vals = append(keys, k), append(vals, mv[i])
				seen[k] = true
			}
		}
	}
	return keys, vals
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// get returns the value of key in mapping n (nil if absent).
func get(n *yaml.Node, key string) *yaml.Node {
	keys, vals := pairs(n)
	for i, k := range keys {
		if k == key {
			return vals[i]
		}
	}
	return nil
}

// each calls f for every key of mapping n, in order.
func each(n *yaml.Node, f func(key string, v *yaml.Node)) {
	keys, vals := pairs(n)
	for i, k := range keys {
		f(k, vals[i])
	}
}

func str(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// num reads a number as package modelfile does (0 if n is none).
func num(n *yaml.Node) float64 {
	x, _ := parseNum(str(n))
	return x
}

// parseNum parses a number as package modelfile does: _ separators
// allowed, integers with a 0x, 0o or 0b prefix in that base, the rest
// decimal.
func parseNum(s string) (float64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if d := strings.TrimLeft(s, "+-"); len(d) > 2 && d[0] == '0' && strings.ContainsRune("xXoObB", rune(d[1])) {
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), true
		}
		if u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, 64); err == nil {
			return float64(u), true
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}

// minMax reads a number or a list of numbers.
// synDelayRange bounds a projection's delay_ms: a number (the same for
// every synapse), a list, {uniform: [lo, hi]}, or {normal: [mean, sd]}
// (redrawn below 0: from 0 to mean + 6 sd), each distribution narrowed by
// its redraw bounds min and max. varies is set unless it is a number.
func synDelayRange(n *yaml.Node) (varies bool, lo, hi float64) {
	n = deref(n)
	if n == nil {
		return false, 0, 0
	}
	if n.Kind == yaml.ScalarNode {
		x := num(n)
		return false, x, x
	}
	if n.Kind == yaml.MappingNode {
		lo, hi = 0, 0
		if u := deref(get(n, "normal")); u != nil && u.Kind == yaml.SequenceNode && len(u.Content) == 2 {
			m, sd := num(u.Content[0]), num(u.Content[1])
			hi = max(0, m+float64(6*math.Abs(sd)))
		} else {
			lo, hi = minMax(deref(get(n, "uniform")))
		}
		if b := deref(get(n, "min")); b != nil {
			lo = max(lo, num(b))
		}
		if b := deref(get(n, "max")); b != nil {
			hi = min(hi, num(b))
		}
		return true, max(lo, 0), max(hi, lo, 0)
	}
	lo, hi = minMax(n)
	return true, max(lo, 0), max(hi, 0)
}

func minMax(n *yaml.Node) (lo, hi float64) {
	if n == nil {
		return 0, 0
	}
	if n.Kind == yaml.SequenceNode {
		for k, x := range n.Content {
			v := num(x)
			if k == 0 || v < lo {
				lo = v
			}
			if k == 0 || v > hi {
				hi = v
			}
		}
		return lo, hi
	}
	if n.Kind == yaml.MappingNode { // a distribution: bound it by its numbers
		first := true
		var walk func(*yaml.Node, int)
		walk = func(x *yaml.Node, depth int) {
			x = deref(x)
			// A distribution is {uniform: [lo, hi]} (modelfile checks
			// it): deeper aliases, cycles included, are not followed.
			if x == nil || depth > 8 {
				return
			}
			if x.Kind == yaml.ScalarNode {
				if v, ok := parseNum(x.Value); ok {
					if first || v < lo {
						lo = v
					}
					if first || v > hi {
						hi = v
					}
					first = false
				}
				return
			}
			for _, c := range x.Content {
				walk(c, depth+1)
			}
		}
		walk(n, 0)
		return max(lo, 0), hi
	}
	v := num(n)
	return v, v
}
