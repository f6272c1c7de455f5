// Package checkpoint captures the state of a running network at a step and
// restores it, on any layout: the state is kept as the whole network's,
// in global neuron order and, for synapses, in column order (by target
// neuron, then source row, in the order of the connections) — package
// state describes each component's — so that a checkpoint taken with one
// engine and shard count restores on another, and processes that each
// hold a part of the network (workers, cluster members) take and restore
// their parts without any of them holding the whole (Piece, Join, Cut). Static synapses are not stored: they are
// built again from the model. A checkpoint file is versioned and
// checksummed, says which model, seed and Spiral made it, and is written
// atomically (Write).
package checkpoint

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/state"
	"github.com/spiral-sim/spiral/synapse"
)

// Snapshot is the state of a whole network after Step steps: every
// variable of every component (package state), by path, in the whole
// network's element order and synapse column order.
type Snapshot struct {
	Step int64
	Vars map[string]any
	// Meta says, per variable, how it maps onto a part of the network.
	Meta map[string]Meta
	// InDegree gives, per projection unit ("projection NAME") with
	// per-synapse state, the synapses that end on each target neuron:
	// what places a part's synapses in the whole's column order.
	InDegree map[string][]uint32
	// Structure describes the network it belongs to; Restore refuses
	// another.
	Structure Structure
}

// Meta is how a variable maps onto the parts of a network: its scope
// (package state), the component tree it belongs to ("population E",
// "inbox E.ampa", "projection EE", "axon E.out") and the population whose
// elements index it (−1 for an axon's, which is never split).
type Meta struct {
	Scope state.Scope
	Unit  string
	Pop   int
}

// Structure is what a snapshot must agree with: the populations (name,
// elements) and projections (name, synapses), in network order.
type Structure struct {
	Populations []Part `json:"populations"`
	Projections []Part `json:"projections"`
	// Seed and DtMS are the network's (network.Config); nil in the
	// checkpoints of versions that did not record them, which are then
	// not checked. Another seed draws other synapses, weights and delays:
	// the state would not fit them.
	Seed *uint64  `json:"seed,omitempty"`
	DtMS *float64 `json:"dt_ms,omitempty"`
}

// Part is a population's or projection's name and size. A projection's
// size is −1 where it is not known: a process that built only its part of
// the network (network.BuildPart) does not count the whole's synapses.
type Part struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// StructureOf returns the structure of net.
func StructureOf(net *network.Network) Structure {
	seed, dt := net.Config.Seed, net.Config.DtMs
	s := Structure{Seed: &seed, DtMS: &dt}
	for _, p := range net.Populations {
		s.Populations = append(s.Populations, Part{p.Name, p.Len()})
	}
	for _, p := range net.Projections {
		n := p.Runtime.Syn.Len()
		if p.Columns != nil {
			n = -1 // built in part
		}
		s.Projections = append(s.Projections, Part{p.Name, n})
	}
	return s
}

// check reports the first difference between s and t.
func (s Structure) check(t Structure) error {
	if s.Seed != nil && t.Seed != nil && *s.Seed != *t.Seed {
		return fmt.Errorf("the checkpoint's network was built with seed %d, this one with seed %d (another seed draws other synapses, weights and delays): build it with seed %d", *s.Seed, *t.Seed, *s.Seed)
	}
	if s.DtMS != nil && t.DtMS != nil && *s.DtMS != *t.DtMS {
		return fmt.Errorf("the checkpoint's network steps dt = %g ms, this one %g ms", *s.DtMS, *t.DtMS)
	}
	for _, c := range []struct {
		what string
		a, b []Part
	}{{"population", s.Populations, t.Populations}, {"projection", s.Projections, t.Projections}} {
		if len(c.a) != len(c.b) {
			return fmt.Errorf("the checkpoint's network has %d %ss, this one %d", len(c.a), c.what, len(c.b))
		}
		for i := range c.a {
			a, b := c.a[i], c.b[i]
			if a.Size < 0 || b.Size < 0 {
				a.Size, b.Size = -1, -1 // one is not known
			}
			if a != b {
				return fmt.Errorf("%s %d: the checkpoint's is %q of size %d, this network's %q of size %d", c.what, i, c.a[i].Name, c.a[i].Size, c.b[i].Name, c.b[i].Size)
			}
		}
	}
	return nil
}

// unit is one tree of components that an engine steps: a population (or
// one shard of it), an inbox, a projection (or a shard's part of it), an
// axon.
type unit struct {
	root   any
	path   string
	pop    int          // the population it indexes; −1 for an axon
	lo, hi int          // the elements it holds of that population
	n      int          // that population's elements
	syn    *synapse.CSR // its synapses (a projection's), columns from lo
	// batch is the population's copies (network.Config.Batch; 0 or 1:
	// one): its elements are copy × size + neuron, its synapses' columns
	// the neurons (a batched population is held whole).
	batch int
	// whole: a component never split (an axon): its variables are taken
	// and set as they are, whatever their scope.
	whole bool
}

// Holding is the part of a population's state that one process holds
// as an engine cut it (the engines make them from their shards): the
// population's elements [Lo, Hi) — every element when the population runs
// a batch of copies — its inboxes, and the projections into it, each
// holding the synapses of those columns. Population is nil when another
// process holds the part.
type Holding struct {
	Pop         int // index of the population in the network
	Lo, Hi      int // the elements held
	Population  *population.Population
	Inboxes     []*projection.Inbox
	Projections []*projection.Runtime
}

// units returns the component trees of net as an engine steps it: the
// network's own components when whole, else the holdings' (in the order
// given).
func units(net *network.Network, hs []Holding, whole bool) ([]unit, error) {
	var us []unit
	if whole {
		for pi, p := range net.Populations {
			var ins []*projection.Inbox
			for _, in := range net.Inboxes {
				if inboxName(p, in) != "" {
					ins = append(ins, in)
				}
			}
			var rts []*projection.Runtime
			for _, pr := range net.Projections {
				if pr.Target == pi {
					rts = append(rts, pr.Runtime)
				}
			}
			u, err := treeUnits(net, pi, p, ins, rts, 0, p.Len())
			if err != nil {
				return nil, err
			}
			us = append(us, u...)
		}
	} else {
		for _, h := range hs {
			u, err := holdingUnits(net, h)
			if err != nil {
				return nil, err
			}
			us = append(us, u...)
		}
	}
	for a := range net.Axons {
		us = append(us, axonUnit(net, a))
	}
	return us, nil
}

// holdingUnits returns the component trees of one holding.
func holdingUnits(net *network.Network, h Holding) ([]unit, error) {
	if h.Pop < 0 || h.Pop >= len(net.Populations) {
		return nil, fmt.Errorf("checkpoint: a holding of population %d: the network has %d", h.Pop, len(net.Populations))
	}
	p := net.Populations[h.Pop]
	lo, hi := h.Lo, h.Hi
	if p.Batch > 1 {
		lo, hi = 0, p.Len() // one holding holds every copy
	}
	if lo < 0 || hi > p.Len() || lo > hi {
		return nil, fmt.Errorf("checkpoint: population %q: a holding of elements [%d, %d) of %d", p.Name, h.Lo, h.Hi, p.Len())
	}
	if h.Population == nil {
		return nil, fmt.Errorf("checkpoint: population %q: elements [%d, %d) are held by another process", p.Name, lo, hi)
	}
	if got := h.Population.Len(); got != hi-lo {
		return nil, fmt.Errorf("checkpoint: population %q: a holding of elements [%d, %d) whose population has %d", p.Name, lo, hi, got)
	}
	return treeUnits(net, h.Pop, h.Population, h.Inboxes, h.Projections, lo, hi)
}

// treeUnits returns the units of a population's component tree (or a
// shard's, holding elements [lo, hi)): the population, its inboxes and
// the projections into it.
func treeUnits(net *network.Network, pi int, pop *population.Population, ins []*projection.Inbox, rts []*projection.Runtime, lo, hi int) ([]unit, error) {
	p := net.Populations[pi]
	n := p.Len()
	us := []unit{{root: pop, path: "population " + p.Name, pop: pi, lo: lo, hi: hi, n: n}}
	for _, in := range ins {
		name := inboxName(pop, in)
		if name == "" {
			return nil, fmt.Errorf("checkpoint: population %q: an inbox of none of its receptors", p.Name)
		}
		us = append(us, unit{root: in, path: "inbox " + p.Name + "." + name, pop: pi, lo: lo, hi: hi, n: n})
	}
	for _, rt := range rts {
		if !slices.ContainsFunc(net.Projections, func(q *network.Projection) bool { return q.Name == rt.Name }) {
			return nil, fmt.Errorf("checkpoint: population %q: projection %q is not the network's", p.Name, rt.Name)
		}
		us = append(us, unit{root: rt, path: "projection " + rt.Name, pop: pi, lo: lo, hi: hi, n: n, syn: rt.Syn, batch: p.Batch})
	}
	return us, nil
}

// axonUnit returns axon a's unit: never split, taken and set whole.
func axonUnit(net *network.Network, a int) unit {
	ax := net.Axons[a]
	return unit{root: ax.Axon, path: AxonUnit(net, a), pop: -1, whole: true}
}

// AxonUnit names axon a's component tree, as Meta.Unit does: "axon
// SOURCE.NAME".
func AxonUnit(net *network.Network, a int) string {
	ax := net.Axons[a]
	return "axon " + net.Populations[ax.Source].Name + "." + ax.Name
}

// inboxName names the receptor of p that in feeds ("in"), or its far
// input ("in.far"); "" when in feeds none of p's.
func inboxName(p *population.Population, in *projection.Inbox) string {
	for _, rn := range p.ReceptorNames() {
		r, _ := p.Receptor(rn)
		switch {
		case r == in.Target():
			return rn
		case r.FarInput() != nil && r.FarInput() == in.Target():
			return rn + ".far"
		}
	}
	return ""
}

// Unclassified lists the fields of net's components that declare no
// state scope (package state), as "package.Type.field", sorted: a network
// with any cannot be checkpointed.
func Unclassified(net *network.Network) ([]string, error) {
	us, err := units(net, nil, true)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range us {
		if _, err := state.Walk(u.root, u.path, 0); err != nil {
			var m *state.Unclassified
			if !errors.As(err, &m) {
				return nil, err
			}
			for _, f := range m.Fields {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Size estimates the bytes of a state variable's value (numbers and
// slices of them, nested).
func Size(v any) int64 { return size(reflect.ValueOf(v)) }

func size(v reflect.Value) int64 {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return 0
		}
		if k := v.Type().Elem().Kind(); k != reflect.Slice && k != reflect.Array && k != reflect.Struct {
			return int64(v.Len()) * int64(v.Type().Elem().Size())
		}
		n := int64(0)
		for i := range v.Len() {
			n += size(v.Index(i))
		}
		return n
	case reflect.Invalid:
		return 0
	}
	return int64(v.Type().Size())
}

// columns returns the range of synapse columns (target neurons) a part
// holding elements [lo, hi) of a population of n elements in batch copies
// holds, and the population's columns: the same range without copies;
// with copies the part holds them all (lo = 0, hi = n), and its columns
// are the n / batch neurons.
func columns(lo, hi, n, batch int) (clo, chi, cn int) {
	if batch <= 1 {
		return lo, hi, n
	}
	return lo / batch, hi / batch, n / batch
}
