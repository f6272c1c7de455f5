package checkpoint

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/state"
	"github.com/spiral-sim/spiral/synapse"
)

// Capture returns the state of net after step steps, as an engine holds
// it: in shards (shards[population], each population's in order), or,
// with shards nil, in the network's own components. The snapshot owns its
// values: the run may go on. A component whose state is not classified
// (package state) is an error naming it: such a network cannot be
// checkpointed yet.
func Capture(net *network.Network, shards [][]*shard.Shard, step int64) (*Snapshot, error) {
	us, err := units(net, shards)
	if err != nil {
		return nil, err
	}
	type piece struct {
		u unit
		v state.Var
	}
	byPath := map[string][]piece{}
	for _, u := range us {
		vars, err := state.Walk(u.root, u.path, step)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", u.path, err)
		}
		for _, v := range vars {
			byPath[v.Path] = append(byPath[v.Path], piece{u, v})
		}
	}
	snap := &Snapshot{Step: step, Vars: map[string]any{}, Structure: StructureOf(net)}
	for path, ps := range byPath {
		parts := make([]part, len(ps))
		for i, p := range ps {
			parts[i] = part{u: p.u, v: p.v.Value}
			if p.v.Scope != ps[0].v.Scope {
				return nil, fmt.Errorf("checkpoint: %s: scopes %v and %v in two shards", path, ps[0].v.Scope, p.v.Scope)
			}
		}
		sort.SliceStable(parts, func(i, j int) bool { return parts[i].u.lo < parts[j].u.lo })
		val, err := join(net, ps[0].v.Scope, parts)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
		}
		snap.Vars[path] = val.Interface()
	}
	return snap, nil
}

// Restore sets the state of net, as an engine holds it (see Capture),
// to snap's. The network must have the snapshot's structure and every
// variable of one must be a variable of the other; a snapshot taken on
// another layout is cut to this one.
func Restore(snap *Snapshot, net *network.Network, shards [][]*shard.Shard) error {
	if err := snap.Structure.check(StructureOf(net)); err != nil {
		return fmt.Errorf("checkpoint: another network: %w", err)
	}
	us, err := units(net, shards)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, u := range us {
		vars, err := state.Walk(u.root, u.path, snap.Step)
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %w", u.path, err)
		}
		for _, v := range vars {
			whole, ok := snap.Vars[v.Path]
			if !ok {
				return fmt.Errorf("checkpoint: the checkpoint has no %s (another model, or another version of Spiral)", v.Path)
			}
			first := !used[v.Path]
			used[v.Path] = true
			p, err := split(net, v.Scope, reflect.ValueOf(whole), u, first)
			if err != nil {
				return fmt.Errorf("checkpoint: %s: %w", v.Path, err)
			}
			if err := set(v, p); err != nil {
				return fmt.Errorf("checkpoint: %s: %w", v.Path, err)
			}
		}
	}
	for path := range snap.Vars {
		if !used[path] {
			return fmt.Errorf("checkpoint: the checkpoint holds %s, which this network does not have (another model, or another version of Spiral)", path)
		}
	}
	for _, u := range us {
		state.Restored(u.root)
	}
	return nil
}

// part is one unit's value of a variable.
type part struct {
	u unit
	v reflect.Value
}

// join turns the parts of a variable (ascending ranges) into the whole
// network's value, a copy.
func join(net *network.Network, scope state.Scope, ps []part) (reflect.Value, error) {
	t := ps[0].v.Type()
	if len(ps) == 1 && ps[0].u.whole {
		return clone(ps[0].v), nil
	}
	switch scope {
	case state.Elements:
		n := ps[0].u.n
		rows := 0
		for _, p := range ps {
			m := p.u.hi - p.u.lo
			if m == 0 || p.v.Len() == 0 {
				continue
			}
			if p.v.Len()%m != 0 {
				return reflect.Value{}, fmt.Errorf("%d values for %d elements", p.v.Len(), m)
			}
			rows = max(rows, p.v.Len()/m)
		}
		whole := reflect.MakeSlice(t, rows*n, rows*n)
		for _, p := range ps {
			m := p.u.hi - p.u.lo
			if m == 0 {
				continue
			}
			for r := range p.v.Len() / m {
				reflect.Copy(whole.Slice(r*n+p.u.lo, r*n+p.u.lo+m), p.v.Slice(r*m, r*m+m))
			}
		}
		return whole, nil
	case state.Indices:
		idx, ok := ps[0].v.Interface().([]uint32)
		if !ok {
			return reflect.Value{}, fmt.Errorf("indices of type %s", t)
		}
		out := make([]uint32, 0, len(idx))
		for _, p := range ps {
			for _, i := range p.v.Interface().([]uint32) {
				out = append(out, i+uint32(p.u.lo))
			}
		}
		return reflect.ValueOf(out), nil
	case state.Shared:
		return clone(ps[0].v), nil
	case state.Summed:
		switch x := ps[0].v.Interface().(type) {
		case int64:
			var s int64
			for _, p := range ps {
				s += p.v.Int()
			}
			return reflect.ValueOf(s), nil
		case []int64:
			var s []int64
			for _, p := range ps {
				c := p.v.Interface().([]int64)
				for len(s) < len(c) {
					s = append(s, 0)
				}
				for i, v := range c {
					s[i] += v
				}
			}
			return reflect.ValueOf(s), nil
		default:
			return reflect.Value{}, fmt.Errorf("summed counts of type %T", x)
		}
	case state.Synapses:
		full := net.Projections[ps[0].u.proj].Runtime.Syn
		if len(ps) == 1 && ps[0].u.lo == 0 && ps[0].u.hi == ps[0].u.n {
			return clone(ps[0].v), nil // the whole projection (every copy)
		}
		rows := 0
		for _, p := range ps {
			ns := columnSynapses(full, p.u.lo, p.u.hi)
			if ns == 0 || p.v.Len() == 0 {
				continue
			}
			if p.v.Len()%ns != 0 {
				return reflect.Value{}, fmt.Errorf("%d values for %d synapses", p.v.Len(), ns)
			}
			rows = max(rows, p.v.Len()/ns)
		}
		whole := reflect.MakeSlice(t, rows*full.Len(), rows*full.Len())
		for _, p := range ps {
			ns := columnSynapses(full, p.u.lo, p.u.hi)
			for r := 0; ns > 0 && r < p.v.Len()/ns; r++ {
				place(full, p.u.lo, p.u.hi, whole.Slice(r*full.Len(), (r+1)*full.Len()), p.v.Slice(r*ns, (r+1)*ns))
			}
		}
		return whole, nil
	}
	return reflect.Value{}, fmt.Errorf("scope %v", scope)
}

// split returns unit u's part of a variable's whole value; first says
// whether u is the first unit to take it (summed counts go to the first).
func split(net *network.Network, scope state.Scope, whole reflect.Value, u unit, first bool) (reflect.Value, error) {
	if u.whole {
		return clone(whole), nil
	}
	switch scope {
	case state.Elements:
		n, m := u.n, u.hi-u.lo
		if n == 0 || whole.Len()%n != 0 {
			return reflect.Value{}, fmt.Errorf("%d values for rows of %d elements", whole.Len(), n)
		}
		rows := whole.Len() / n
		out := reflect.MakeSlice(whole.Type(), rows*m, rows*m)
		for r := range rows {
			reflect.Copy(out.Slice(r*m, r*m+m), whole.Slice(r*n+u.lo, r*n+u.hi))
		}
		return out, nil
	case state.Indices:
		idx, ok := whole.Interface().([]uint32)
		if !ok {
			return reflect.Value{}, fmt.Errorf("indices of type %s", whole.Type())
		}
		out := []uint32{}
		for _, i := range idx {
			if int(i) >= u.lo && int(i) < u.hi {
				out = append(out, i-uint32(u.lo))
			}
		}
		return reflect.ValueOf(out), nil
	case state.Shared:
		return clone(whole), nil
	case state.Summed:
		if first {
			return clone(whole), nil
		}
		if whole.Kind() == reflect.Slice {
			return reflect.MakeSlice(whole.Type(), whole.Len(), whole.Len()), nil
		}
		return reflect.Zero(whole.Type()), nil
	case state.Synapses:
		full := net.Projections[u.proj].Runtime.Syn
		if u.lo == 0 && u.hi == u.n {
			return clone(whole), nil
		}
		if full.Len() == 0 || whole.Len()%full.Len() != 0 {
			return reflect.Value{}, fmt.Errorf("%d values for rows of %d synapses", whole.Len(), full.Len())
		}
		rows, ns := whole.Len()/full.Len(), columnSynapses(full, u.lo, u.hi)
		out := reflect.MakeSlice(whole.Type(), rows*ns, rows*ns)
		for r := range rows {
			pick(full, u.lo, u.hi, out.Slice(r*ns, (r+1)*ns), whole.Slice(r*full.Len(), (r+1)*full.Len()))
		}
		return out, nil
	}
	return reflect.Value{}, fmt.Errorf("scope %v", scope)
}

// set stores a unit's part p into the variable v: a custom variable
// through its Set; a slice of the same length by copying into it (so that
// views of it keep seeing it), of another length (lists) by replacing
// it; a scalar by setting it.
func set(v state.Var, p reflect.Value) error {
	if v.Set != nil {
		return v.Set(p)
	}
	f := v.Value
	if p.Type() != f.Type() {
		return fmt.Errorf("a value of type %s for a field of type %s", p.Type(), f.Type())
	}
	if f.Kind() != reflect.Slice {
		f.Set(p)
		return nil
	}
	if f.Len() == p.Len() && copyInto(f, p) {
		return nil
	}
	switch v.Scope {
	case state.Indices, state.Shared:
		f.Set(clone(p))
		return nil
	}
	return fmt.Errorf("%d values for %d", p.Len(), f.Len())
}

// copyInto copies src into dst of the same length, element by element
// for slices of slices of equal lengths; it reports false where the inner
// lengths differ.
func copyInto(dst, src reflect.Value) bool {
	if dst.Type().Elem().Kind() != reflect.Slice {
		reflect.Copy(dst, src)
		return true
	}
	for i := range dst.Len() {
		if dst.Index(i).Len() != src.Index(i).Len() {
			return false
		}
	}
	for i := range dst.Len() {
		if !copyInto(dst.Index(i), src.Index(i)) {
			return false
		}
	}
	return true
}

// clone returns a deep copy of v (slices copied, recursively).
func clone(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Slice {
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		return c
	}
	if v.IsNil() {
		return reflect.Zero(v.Type())
	}
	c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	if v.Type().Elem().Kind() == reflect.Slice {
		for i := range v.Len() {
			c.Index(i).Set(clone(v.Index(i)))
		}
		return c
	}
	reflect.Copy(c, v)
	return c
}

// columnSynapses counts the synapses of c that end on columns [lo, hi).
func columnSynapses(c *synapse.CSR, lo, hi int) int {
	n := 0
	for _, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			n++
		}
	}
	return n
}

// place writes vals, the values of the synapses of c that end on columns
// [lo, hi) in CSR order, into their places in dst (one value per synapse
// of c); it is shard.Place for any element type.
func place(c *synapse.CSR, lo, hi int, dst, vals reflect.Value) {
	q := 0
	for k, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			dst.Index(k).Set(vals.Index(q))
			q++
		}
	}
}

// pick copies into out the values of whole (one per synapse of c) of the
// synapses that end on columns [lo, hi), in CSR order.
func pick(c *synapse.CSR, lo, hi int, out, whole reflect.Value) {
	q := 0
	for k, j := range c.Idx {
		if int(j) >= lo && int(j) < hi {
			out.Index(q).Set(whole.Index(k))
			q++
		}
	}
}
