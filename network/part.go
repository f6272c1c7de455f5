package network

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/synapse"
)

// Part is one process's share of a network, for BuildPart: the neurons
// whose incoming synapses it builds. Each process of a run builds only its
// part, so no process holds the whole network's synapses — the way NEST
// creates a connection only on the rank that owns its target, and Arbor's
// ranks build the cells they own.
//
// What a part still builds whole: every population (its neurons' state is
// small next to the synapses), every axon, and the projections named in
// Whole (those whose weights the process reads: recorded or learnt ones a
// coordinator gathers). A projection normalised by a function
// (Connection.Normalize) needs its whole target in one part; masks
// (Projection.SetMask) need a whole projection.
type Part struct {
	// Neurons lists, per population (by name), the ranges [lo, hi) of its
	// neurons that belong to the part: ascending, disjoint and non-empty.
	// A population not listed has none of its neurons in the part.
	Neurons map[string][][2]int
	// Whole names projections built whole whatever the part.
	Whole []string
}

// Everything reports whether the part is the whole network (nil is).
func (p *Part) Everything() bool { return p == nil }

// String describes the part, e.g. "E[0,400) I[0,100)".
func (p *Part) String() string {
	if p == nil {
		return "everything"
	}
	names := make([]string, 0, len(p.Neurons))
	for k := range p.Neurons {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, r := range p.Neurons[k] {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s[%d,%d)", k, r[0], r[1])
		}
	}
	if b.Len() == 0 {
		b.WriteString("no neurons")
	}
	if len(p.Whole) > 0 {
		fmt.Fprintf(&b, "; whole: %s", strings.Join(p.Whole, ", "))
	}
	return b.String()
}

// Part returns what the network was built for: nil for the whole network
// (Build), else the part given to BuildPart.
func (n *Network) Part() *Part { return n.part }

// columns checks the part against the definition and returns, per
// connection, the target columns to build: nil for all of them.
func (s *buildState) columns(part *Part) ([]*[][2]int, error) {
	cols := make([]*[][2]int, len(s.b.conns))
	if part == nil {
		return cols, nil
	}
	for name, rs := range part.Neurons {
		d, ok := s.byName[name]
		if !ok {
			if s.failed[name] {
				continue // reported
			}
			return nil, fmt.Errorf("network: part: no population %q%s", name, s.b.suggest(name))
		}
		if err := synapse.CheckRanges(rs, d.def.size); err != nil {
			return nil, fmt.Errorf("network: part: population %q: %w (it has %d neurons)", name, err, d.def.size)
		}
	}
	for _, w := range part.Whole {
		if !slices.ContainsFunc(s.b.conns, func(c *connDef) bool { return c.name == w }) {
			return nil, fmt.Errorf("network: part: whole projection %q: no such projection%s", w, s.b.suggest(w))
		}
	}
	for i, cd := range s.b.conns {
		d, ok := s.byName[cd.c.To]
		if !ok || slices.Contains(part.Whole, cd.name) {
			continue
		}
		rs := part.Neurons[cd.c.To]
		if len(rs) == 1 && rs[0] == [2]int{0, d.def.size} {
			continue // all of it
		}
		if rs == nil {
			rs = [][2]int{}
		}
		cols[i] = &rs
	}
	return cols, nil
}

// delayFloor returns the smallest synaptic delay, in steps, that the
// connection's delay allows: a constant's, an array's smallest, a
// distribution's lower bound (0 without one: draws below 0 are redrawn).
// A part build counts it for MinLatency instead of the smallest drawn,
// which only the whole knows, so that every part of a network agrees on
// the segment length.
func delayFloor(c Connection, dt float64) int {
	if !c.hasDelay() {
		return 0
	}
	steps := c.DelayRounding.Steps
	if x, ok := c.DelayMs.IsConst(); ok {
		return steps(x, dt)
	}
	if n, ok := c.DelayMs.Len(); ok {
		xs, err := c.DelayMs.Expand("delay_ms", n, nil)
		if err != nil || len(xs) == 0 {
			return 0
		}
		lo := math.Inf(1)
		for _, x := range xs {
			lo = min(lo, param.Widen(x))
		}
		return steps(max(lo, 0), dt)
	}
	if lo, _, ok := c.DelayMs.Bounds(); ok && lo > 0 {
		return steps(lo, dt)
	}
	return 0
}
