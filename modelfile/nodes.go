package modelfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/param"
)

// parser walks the YAML node tree and collects every problem.
type parser struct {
	file      string
	errs      Errors
	popNames  []string
	popDefs   map[string]*popDef // every population, even one with errors
	projNames []string           // every projection named, even one with errors
	dt        float64            // network.dt_ms (default applied)
	dtLine    int                // the line of network.dt_ms (0: not given)
	batch     int                // network.batch (>= 1)
	// threeFactor lists the three-factor rules (rstdp, modulated) of the
	// projection being read, which need its follow.
	threeFactor []threeFactorRule
	// count is every problem found; errs keeps the first MaxErrors.
	count int
	// warnings are costs worth a word that are not errors.
	warnings []string
	// substeps lists the HH populations with explicit sub-steps.
	substeps []substepUse
}

// substepUse is an HH population's sub-step count, for the cost warning.
type substepUse struct {
	line int
	path string
	n    int
	size int
}

func (p *parser) add(line int, path, value, format string, args ...any) {
	p.count++
	if len(p.errs) >= MaxErrors {
		return
	}
	p.errs = append(p.errs, &FieldError{File: p.file, Line: line, Path: path, Value: value, Msg: fmt.Sprintf(format, args...)})
}

// finish returns the problems in line order, with a last line counting
// those left out beyond MaxErrors.
func (p *parser) finish() Errors {
	es := p.errs.sorted()
	if more := p.count - len(es); more > 0 {
		es = append(es, &FieldError{File: p.file, Msg: fmt.Sprintf("%d more problems not listed (%d in all; the first %d above)", more, p.count, len(p.errs))})
	}
	return es
}

// bad reports a problem with the value node n.
func (p *parser) bad(n *yaml.Node, path, format string, args ...any) {
	p.add(n.Line, path, show(n), format, args...)
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line}
	}
	return n
}

// show renders a node for an error message.
func show(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		s := n.Value
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		if n.Tag == "!!str" && (s == "" || strings.ContainsAny(s, " :")) {
			return strconv.Quote(s)
		}
		return s
	case yaml.MappingNode:
		return "{...}"
	case yaml.SequenceNode:
		return "[...]"
	}
	return ""
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a string"
	}
	return "a node"
}

// mapping is a YAML mapping being read: get marks keys as known, done
// reports the unknown ones with a did-you-mean.
type mapping struct {
	p     *parser
	path  string
	line  int
	ok    bool
	keys  []*yaml.Node // key nodes in order
	vals  map[string]*yaml.Node
	known []string
	used  map[string]bool
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping reads n as a mapping; line is where it was introduced (the line
// of its key), for "missing field" errors. A nil n is an empty mapping.
func (p *parser) mapping(n *yaml.Node, path string, line int) *mapping {
	m := &mapping{p: p, path: path, line: line, vals: map[string]*yaml.Node{}, used: map[string]bool{}}
	n = resolve(n)
	if n == nil {
		return m
	}
	if n.Kind != yaml.MappingNode {
		p.bad(n, path, "must be a mapping (key: value), not %s", kindName(n))
		return m
	}
	m.ok = true
	if m.line == 0 {
		m.line = n.Line
	}
	// Merge keys (<<: *anchor) first, so that explicit keys override.
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			src := resolve(n.Content[i+1])
			if src.Kind != yaml.MappingNode {
				p.bad(src, path, "merge (<<) needs a mapping")
				continue
			}
			for j := 0; j+1 < len(src.Content); j += 2 {
				merged = append(merged, src.Content[j], src.Content[j+1])
			}
		}
	}
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			explicit[k.Value] = true
		}
	}
	for j := 0; j+1 < len(merged); j += 2 {
		k := resolve(merged[j])
		if k.Kind == yaml.ScalarNode && !explicit[k.Value] {
			if _, dup := m.vals[k.Value]; !dup {
				m.keys = append(m.keys, k)
				m.vals[k.Value] = merged[j+1]
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.bad(k, path, "keys must be strings")
			continue
		}
		if _, dup := m.vals[k.Value]; dup {
			p.add(k.Line, join(path, k.Value), "", "duplicate key")
			continue
		}
		m.keys = append(m.keys, k)
		m.vals[k.Value] = n.Content[i+1]
	}
	return m
}

// get returns the value of key (nil if absent) and the line of its key.
func (m *mapping) get(key string) (*yaml.Node, int) {
	m.known = append(m.known, key)
	m.used[key] = true
	v, ok := m.vals[key]
	if !ok {
		return nil, m.line
	}
	line := m.line
	for _, k := range m.keys {
		if k.Value == key {
			line = k.Line
		}
	}
	v = resolve(v)
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, line
	}
	return v, line
}

// has reports whether key is present (not null), without marking it.
func (m *mapping) has(key string) bool {
	v, ok := m.vals[key]
	if !ok {
		return false
	}
	v = resolve(v)
	return !(v.Kind == yaml.ScalarNode && v.Tag == "!!null")
}

// done reports unknown keys.
func (m *mapping) done() {
	for _, k := range m.keys {
		if m.used[k.Value] {
			continue
		}
		m.p.add(k.Line, join(m.path, k.Value), "", "unknown field%s", didYouMean(k.Value, m.known))
	}
}

func (m *mapping) missing(key string) {
	m.p.add(m.line, join(m.path, key), "", "missing required field")
}

// number reads a finite number that fits a float32: Spiral keeps neuron
// state, parameters and weights in float32, so a number beyond
// ±math.MaxFloat32 would become infinite and one too small for a float32
// (below about 1.4e-45, not 0) would become 0.
func (p *parser) number(n *yaml.Node, path string) (float64, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		p.bad(n, path, "must be a number, not %s", kindName(n))
		return 0, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil && n.Tag == "!!int" {
		if i, err2 := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err2 == nil {
			x, err = float64(i), nil
		}
	}
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		p.bad(n, path, "must be a finite number")
		return 0, false
	}
	if math.IsInf(float64(float32(x)), 0) {
		p.bad(n, path, "out of range: numbers are stored as float32 and must lie in [-3.4028235e+38, 3.4028235e+38]")
		return 0, false
	}
	if x != 0 && float32(x) == 0 {
		p.bad(n, path, "too small: numbers are stored as float32 and this one would become 0 (use 0, or a magnitude of at least 1.4e-45)")
		return 0, false
	}
	return x, true
}

// exactInt parses an integer scalar exactly (decimal, 0x, 0o, 0b, with
// _ separators), or an integral float of at most 2^53 (exact in a
// float64). ok is false when n is not such a number; inRange is false when
// it is an integer but not within int64 (or uint64 when unsigned).
func exactInt(n *yaml.Node, unsigned bool) (i int64, u uint64, ok, fits bool) {
	s := strings.ReplaceAll(n.Value, "_", "")
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		// Decimal (017 is 17, as a number has always been read here)
		// unless prefixed 0x, 0o or 0b.
		base, digits := 10, strings.TrimLeft(s, "+-")
		if len(digits) > 2 && digits[0] == '0' && strings.ContainsRune("xXoObB", rune(digits[1])) {
			base = 0
		}
		if unsigned {
			v, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), base, 64)
			if err == nil {
				return 0, v, true, true
			}
		} else if v, err := strconv.ParseInt(s, base, 64); err == nil {
			return v, 0, true, true
		}
		return 0, 0, true, false // an integer beyond 64 bits, or negative
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
		x, err := strconv.ParseFloat(s, 64)
		if err == nil && x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			if unsigned {
				if x < 0 {
					return 0, 0, true, false
				}
				return 0, uint64(x), true, true
			}
			return int64(x), 0, true, true
		}
	}
	return 0, 0, false, false
}

// integer reads an integer in [lo, hi], exactly (no rounding through a
// float64).
func (p *parser) integer(n *yaml.Node, path string, lo, hi int64) (int, bool) {
	n = resolve(n)
	i, _, isInt, fits := exactInt(n, false)
	if !isInt {
		if _, ok := p.number(n, path); !ok {
			return 0, false
		}
		p.bad(n, path, "must be an integer in [%d, %d]", lo, hi)
		return 0, false
	}
	if !fits || i < lo || i > hi {
		p.bad(n, path, "must lie in [%d, %d]", lo, hi)
		return 0, false
	}
	return int(i), true
}

// seed reads a seed: an integer in [0, 2^64-1], exactly.
func (p *parser) seed(n *yaml.Node, path string) (uint64, bool) {
	n = resolve(n)
	_, u, isInt, fits := exactInt(n, true)
	if !isInt || !fits {
		if isInt || n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
			p.bad(n, path, "must be an integer in [0, %d], written exactly", uint64(math.MaxUint64))
		} else {
			p.bad(n, path, "must be an integer in [0, %d], not %s", uint64(math.MaxUint64), kindName(n))
		}
		return 0, false
	}
	return u, true
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.bad(n, path, "must be true or false, not %s", kindName(n))
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		p.bad(n, path, "must be true or false")
		return false, false
	}
	return b, true
}

func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.bad(n, path, "must be a string, not %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// enum reads one of the names.
func (p *parser) enum(n *yaml.Node, path string, names []string) (string, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return "", false
	}
	for _, x := range names {
		if s == x {
			return s, true
		}
	}
	p.bad(n, path, "unknown value%s", didYouMean(s, names))
	return "", false
}

// check is a constraint on a number: nil when valid, else what is valid.
type check func(x float64) string

func gt(lo float64) check {
	return func(x float64) string {
		if x > lo {
			return ""
		}
		return fmt.Sprintf("must be > %g", lo)
	}
}

func ge(lo float64) check {
	return func(x float64) string {
		if x >= lo {
			return ""
		}
		return fmt.Sprintf("must be >= %g", lo)
	}
}

func inRange(lo, hi float64) check {
	return func(x float64) string {
		if x >= lo && x <= hi {
			return ""
		}
		return fmt.Sprintf("must lie in [%g, %g]", lo, hi)
	}
}

func (p *parser) checked(n *yaml.Node, path string, checks ...check) (float64, bool) {
	x, ok := p.number(n, path)
	if !ok {
		return 0, false
	}
	for _, c := range checks {
		if msg := c(x); msg != "" {
			p.bad(n, path, "%s", msg)
			return 0, false
		}
	}
	return x, true
}

// numberList reads a list of numbers.
func (p *parser) numberList(n *yaml.Node, path string, checks ...check) ([]float64, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.bad(n, path, "must be a list of numbers, not %s", kindName(n))
		return nil, false
	}
	xs := make([]float64, len(n.Content))
	ok := true
	for i, e := range n.Content {
		x, good := p.checked(e, fmt.Sprintf("%s[%d]", path, i), checks...)
		xs[i] = x
		ok = ok && good
	}
	return xs, ok
}

// value reads a parameter: a number, a list with one number per element
// (size of them; size < 0: any length), or a distribution
// ({uniform: [lo, hi]} / {normal: [mean, sd]}, optionally with min and
// max: see distribution).
func (p *parser) value(n *yaml.Node, path string, size int, checks ...check) (param.Value, bool) {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		x, ok := p.checked(n, path, checks...)
		return param.Const(x), ok
	case yaml.SequenceNode:
		xs, ok := p.numberList(n, path, checks...)
		if ok && size >= 0 && len(xs) != size {
			p.bad(n, path, "list of %d values: must have one value per element (%d)", len(xs), size)
			ok = false
		}
		return param.Array(xs...), ok
	case yaml.MappingNode:
		return p.distribution(n, path, checks...)
	}
	p.bad(n, path, "must be a number, a list or a distribution")
	return param.Value{}, false
}

// distribution reads {uniform: [lo, hi]} or {normal: [mean, sd]}, with
// optional redraw bounds min and max (a truncated distribution: a draw
// outside [min, max] is drawn again, as NEST redraws a delay below its
// minimum; param.Value.Within). The checks apply to the lowest value the
// distribution can give when it is bounded below (uniform's lo, or min).
func (p *parser) distribution(n *yaml.Node, path string, checks ...check) (param.Value, bool) {
	const shapes = "a distribution is {uniform: [lo, hi]} or {normal: [mean, sd]}, optionally with min and max (redraw bounds)"
	m := p.mapping(n, path, n.Line)
	var key string
	var v *yaml.Node
	for _, k := range []string{"uniform", "normal"} {
		if x, _ := m.get(k); x != nil {
			if v != nil {
				p.bad(n, path, "both %s and %s: %s", key, k, shapes)
				m.get("min")
				m.get("max")
				m.done()
				return param.Value{}, false
			}
			key, v = k, x
		}
	}
	minNode, _ := m.get("min")
	maxNode, _ := m.get("max")
	m.done()
	if v == nil {
		if m.ok {
			p.bad(n, path, "%s", shapes)
		}
		return param.Value{}, false
	}
	sub := join(path, key)
	xs, ok := p.numberList(v, sub)
	if !ok {
		return param.Value{}, false
	}
	if len(xs) != 2 {
		p.bad(v, sub, "must be a list of two numbers")
		return param.Value{}, false
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if minNode != nil {
		if lo, ok = p.number(minNode, join(path, "min")); !ok {
			return param.Value{}, false
		}
	}
	if maxNode != nil {
		if hi, ok = p.number(maxNode, join(path, "max")); !ok {
			return param.Value{}, false
		}
	}
	if !(lo <= hi) {
		p.bad(n, path, "min = %g, max = %g: min must be <= max", lo, hi)
		return param.Value{}, false
	}
	var d param.Value
	low := lo // the lowest value a draw can take
	if key == "uniform" {
		if !(xs[0] < xs[1]) {
			p.bad(v, sub, "must have lo < hi")
			return param.Value{}, false
		}
		if !(lo < xs[1] && hi > xs[0]) {
			p.bad(n, path, "min = %g, max = %g: no value of uniform [%g, %g) lies within them", lo, hi, xs[0], xs[1])
			return param.Value{}, false
		}
		low = max(lo, xs[0])
		d = param.Uniform(xs[0], xs[1])
	} else {
		if xs[1] < 0 {
			p.bad(v, sub, "sd must be >= 0")
			return param.Value{}, false
		}
		if xs[1] == 0 && !(xs[0] >= lo && xs[0] <= hi) {
			p.bad(n, path, "min = %g, max = %g: normal with sd 0 gives only %g, outside them", lo, hi, xs[0])
			return param.Value{}, false
		}
		d = param.Normal(xs[0], xs[1])
	}
	if !math.IsInf(low, -1) {
		for _, c := range checks {
			if msg := c(low); msg != "" {
				at, where, what := v, sub, "lower bound"
				if minNode != nil && low == lo {
					at, where, what = minNode, join(path, "min"), "min"
				}
				p.bad(at, where, "%s %s", what, msg)
				return param.Value{}, false
			}
		}
	}
	if minNode == nil && maxNode == nil {
		return d, true
	}
	return d.Within(lo, hi), true
}

// kinded opens a mapping that must name its kind, one of kinds. ok is
// false, the problem reported, when n is not a mapping or its kind is
// missing or unknown.
func (p *parser) kinded(n *yaml.Node, path string, line int, kinds []string) (m *mapping, kind string, ok bool) {
	m = p.mapping(n, path, line)
	if !m.ok {
		return m, "", false
	}
	kv, _ := m.get("kind")
	if kv == nil {
		m.missing("kind")
		return m, "", false
	}
	kind, ok = p.enum(kv, path+".kind", kinds)
	return m, kind, ok
}
