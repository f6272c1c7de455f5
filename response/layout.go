package response

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ArrayParam is a per-element parameter of a Spec given as an array
// (param.Array).
type ArrayParam struct {
	Kind string // the function, e.g. "scaling"; inside a composite "composite: function 1: scaling"
	Name string // the parameter, e.g. "scale"
	Len  int    // number of values
}

// ArrayLister is implemented by specs with per-element parameters: it
// lists the parameters given as arrays, so that an owner can check their
// lengths against its element layout (see Layout). All the built-in specs
// implement it; Composite lists the arrays of its functions.
type ArrayLister interface {
	ArrayParams() []ArrayParam
}

// ArrayParams returns the array parameters of s (nil for none), and
// whether s says: false when s does not implement ArrayLister.
func ArrayParams(s Spec) ([]ArrayParam, bool) {
	l, ok := s.(ArrayLister)
	if !ok {
		return nil, false
	}
	return l.ArrayParams(), true
}

// Layout states how an owner orders the elements of its response functions
// and which array lengths are meaningful for it. New broadcasts an array of
// length L as "element e uses value e mod L", which is suffix broadcasting
// only when L is the size of a trailing group of the owner's element
// order; any other divisor of the element count would silently mis-map the
// values. An axon, whose elements are ordered (copy, neuron, terminal),
// accepts 1, Terminals and Neurons·Terminals values.
type Layout struct {
	// Valid lists the accepted array lengths, e.g. {1, 3, 6}.
	Valid []int
	// Labels optionally describes each valid length for error messages
	// ("per terminal"); an empty label prints the length alone. When two
	// entries of Valid are equal the first label is used.
	Labels []string
}

// Check returns an error if a parameter of s is an array whose length is
// not in l.Valid, naming the function, the parameter, its length and the
// valid lengths, e.g. "scaling: scale has 2 values; valid lengths: 1, 3
// (per terminal) or 6 (per neuron and terminal)". Specs that do not
// implement ArrayLister are not checked (New still requires their array
// lengths to divide the element count).
func (l Layout) Check(s Spec) error {
	ps, _ := ArrayParams(s)
	for _, p := range ps {
		if !slices.Contains(l.Valid, p.Len) {
			return fmt.Errorf("%s: %s has %d values; valid lengths: %s", p.Kind, p.Name, p.Len, l.describe())
		}
	}
	return nil
}

// describe lists the valid lengths: "1, 3 (per terminal) or 6 (per neuron
// and terminal)".
func (l Layout) describe() string {
	var items []string
	var seen []int
	for i, n := range l.Valid {
		if slices.Contains(seen, n) {
			continue
		}
		seen = append(seen, n)
		item := strconv.Itoa(n)
		if i < len(l.Labels) && l.Labels[i] != "" {
			item += " (" + l.Labels[i] + ")"
		}
		items = append(items, item)
	}
	switch len(items) {
	case 0:
		return "none (give constants)"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// arrayParam lists v as an array parameter if it is one.
func arrayParam(ps []ArrayParam, kind, name string, n int, isArray bool) []ArrayParam {
	if isArray {
		ps = append(ps, ArrayParam{Kind: kind, Name: name, Len: n})
	}
	return ps
}

// ArrayParams implements ArrayLister (none).
func (Identity) ArrayParams() []ArrayParam { return nil }

// ArrayParams implements ArrayLister.
func (s Scaling) ArrayParams() []ArrayParam {
	n, ok := s.Scale.Len()
	return arrayParam(nil, KindScaling, "scale", n, ok)
}

// ArrayParams implements ArrayLister.
func (l Leaky) ArrayParams() []ArrayParam {
	n, ok := l.Tau.Len()
	return arrayParam(nil, KindLeaky, "tau_ms", n, ok)
}

// ArrayParams implements ArrayLister (none).
func (Flat) ArrayParams() []ArrayParam { return nil }

// ArrayParams implements ArrayLister.
func (l LimitedFlat) ArrayParams() []ArrayParam {
	n, ok := l.Duration.Len()
	return arrayParam(nil, KindLimitedFlat, "duration_ms", n, ok)
}

// ArrayParams implements ArrayLister: the arrays of every function, their
// kind prefixed with the position in the chain. A function that does not
// implement ArrayLister contributes nothing.
func (c Composite) ArrayParams() []ArrayParam {
	var ps []ArrayParam
	for i, s := range c.Functions {
		if s == nil {
			continue
		}
		sub, _ := ArrayParams(s)
		for _, p := range sub {
			p.Kind = fmt.Sprintf("%s: function %d: %s", KindComposite, i, p.Kind)
			ps = append(ps, p)
		}
	}
	return ps
}
