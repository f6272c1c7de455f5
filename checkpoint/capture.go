package checkpoint

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/state"
	"github.com/spiral-sim/spiral/synapse"
)

// Piece is one part's share of a state variable: what one shard (or one
// copy of an axon) holds, in a form that needs nothing else of the
// network to join with the other parts' (Join) — so the processes of a
// run that each hold a part take a checkpoint without any of them holding
// the whole network.
type Piece struct {
	Path string
	Meta
	// Lo and Hi are the elements of population Pop (N elements) that the
	// part holds; Whole marks an axon's variable, taken as it is.
	Lo, Hi, N int
	Whole     bool
	// Cols, for per-synapse state, gives the part's synapses that end on
	// each of its columns (Lo to Hi); Value then holds them in column
	// order.
	Cols  []uint32
	Value any
}

// Capture returns the state of net after step steps, as its own
// components hold it (a network stepped by package stepper, or built and
// not run). The snapshot owns its values: the run may go on. A component
// whose state is not classified (package state) is an error naming it:
// such a network cannot be checkpointed yet. The engines' Checkpoint
// methods capture a network they hold in parts.
func Capture(net *network.Network, step int64) (*Snapshot, error) {
	return capture(net, nil, true, step)
}

// CaptureHoldings is Capture for a network whose populations' state is
// held in parts (Holding), as the parallel engines hold it: every
// population's parts must be given, together tiling it.
func CaptureHoldings(net *network.Network, hs []Holding, step int64) (*Snapshot, error) {
	return capture(net, hs, false, step)
}

func capture(net *network.Network, hs []Holding, whole bool, step int64) (*Snapshot, error) {
	us, err := units(net, hs, whole)
	if err != nil {
		return nil, err
	}
	if !whole {
		held := make([]bool, len(net.Populations))
		for _, h := range hs {
			held[h.Pop] = true // in range: units checked it
		}
		for pi, ok := range held {
			if !ok {
				return nil, fmt.Errorf("checkpoint: population %q: no holding of it (give every population's parts)", net.Populations[pi].Name)
			}
		}
	}
	ps, err := piecesOf(us, step)
	if err != nil {
		return nil, err
	}
	return Join(net, step, ps)
}

// HoldingPieces returns the pieces of the state of one holding after
// step steps: its population's elements, its inboxes and its part of the
// projections into it — what a process that holds the part contributes to
// a checkpoint (Join).
func HoldingPieces(net *network.Network, h Holding, step int64) ([]Piece, error) {
	us, err := holdingUnits(net, h)
	if err != nil {
		return nil, err
	}
	return piecesOf(us, step)
}

// AxonPieces returns the pieces of the state of axon a of net (a process
// that runs a copy of the axon holds it whole).
func AxonPieces(net *network.Network, a int, step int64) ([]Piece, error) {
	return piecesOf([]unit{axonUnit(net, a)}, step)
}

// piecesOf returns the pieces of the units' variables.
func piecesOf(us []unit, step int64) ([]Piece, error) {
	var out []Piece
	for _, u := range us {
		vars, err := state.Walk(u.root, u.path, step)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", u.path, err)
		}
		var cols []uint32
		var perm []uint32
		for _, v := range vars {
			p := Piece{Path: v.Path, Meta: Meta{Scope: v.Scope, Unit: u.path, Pop: u.pop}, Lo: u.lo, Hi: u.hi, N: u.n, Whole: u.whole}
			if v.Scope == state.Synapses && !u.whole {
				if u.syn == nil {
					return nil, fmt.Errorf("checkpoint: %s: per-synapse state outside a projection", v.Path)
				}
				if perm == nil {
					perm, cols = columnOrder(u.syn)
				}
				val, err := permute(v.Value, perm, false)
				if err != nil {
					return nil, fmt.Errorf("checkpoint: %s: %w", v.Path, err)
				}
				p.Cols, p.Value = cols, val.Interface()
				p.Lo, p.Hi, p.N = columns(u.lo, u.hi, u.n, u.batch)
			} else {
				p.Value = clone(v.Value).Interface()
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// Join joins pieces — every part of every variable of net's state after
// step steps, from whichever processes hold them — into the whole
// network's state. The parts of a variable must cover its population
// once; net may be built whole or only in part (its structure is taken,
// and the synapse counts it does not know are taken from the pieces).
func Join(net *network.Network, step int64, pieces []Piece) (*Snapshot, error) {
	byPath := map[string][]Piece{}
	for _, p := range pieces {
		byPath[p.Path] = append(byPath[p.Path], p)
	}
	snap := &Snapshot{Step: step, Vars: map[string]any{}, Meta: map[string]Meta{}, InDegree: map[string][]uint32{}, Structure: StructureOf(net)}
	for path, ps := range byPath {
		for _, p := range ps[1:] {
			if p.Meta != ps[0].Meta || p.Whole != ps[0].Whole || p.N != ps[0].N {
				return nil, fmt.Errorf("checkpoint: %s: two parts disagree on what it is (%+v, %+v)", path, ps[0].Meta, p.Meta)
			}
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Lo < ps[j].Lo })
		val, err := join(ps, snap.InDegree)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
		}
		snap.Vars[path] = val.Interface()
		snap.Meta[path] = ps[0].Meta
	}
	for k, pr := range net.Projections {
		if d, ok := snap.InDegree["projection "+pr.Name]; ok {
			n := 0
			for _, c := range d {
				n += int(c)
			}
			if s := &snap.Structure.Projections[k]; s.Size < 0 {
				s.Size = n
			} else if s.Size != n {
				return nil, fmt.Errorf("checkpoint: projection %q: its parts hold %d synapses, the network %d", pr.Name, n, s.Size)
			}
		}
	}
	return snap, nil
}

// join turns the parts of a variable (ascending ranges) into the whole
// network's value, a copy; for per-synapse state it records the
// projection's in-degrees in indeg.
func join(ps []Piece, indeg map[string][]uint32) (reflect.Value, error) {
	v0 := reflect.ValueOf(ps[0].Value)
	if ps[0].Whole || ps[0].Scope == state.Shared {
		return clone(v0), nil
	}
	if ps[0].Scope != state.Summed {
		// The parts must tile the population: [0, N) once.
		at := 0
		for _, p := range ps {
			if p.Lo != at || p.Hi < p.Lo || p.Hi > p.N {
				return reflect.Value{}, fmt.Errorf("parts [%d, %d) of %d elements, after %d: the parts do not cover the population once", p.Lo, p.Hi, p.N, at)
			}
			at = p.Hi
		}
		if at != ps[0].N {
			return reflect.Value{}, fmt.Errorf("the parts end at element %d of %d", at, ps[0].N)
		}
	}
	t := v0.Type()
	switch ps[0].Scope {
	case state.Elements:
		// A value holds rows of one value per element. The input rings
		// of a receptor's shards (dendrite.Receptor's ring and fixed, in
		// arrival order) may hold different numbers of rows — their
		// synapses have different largest delays — and a part's missing
		// rows are zero: no input arrives that far ahead at its
		// elements. Any other variable's parts must agree.
		ragged := strings.HasSuffix(ps[0].Path, ".ring") || strings.HasSuffix(ps[0].Path, ".fixed")
		n := ps[0].N
		rows := 0
		for _, p := range ps {
			m, v := p.Hi-p.Lo, reflect.ValueOf(p.Value)
			if m == 0 || v.Len() == 0 {
				continue
			}
			if v.Len()%m != 0 {
				return reflect.Value{}, fmt.Errorf("%d values for %d elements", v.Len(), m)
			}
			rows = max(rows, v.Len()/m)
		}
		whole := reflect.MakeSlice(t, rows*n, rows*n)
		for _, p := range ps {
			m, v := p.Hi-p.Lo, reflect.ValueOf(p.Value)
			if m == 0 || v.Len() == 0 {
				continue
			}
			if !ragged && v.Len() != rows*m {
				return reflect.Value{}, fmt.Errorf("%d values for %d rows of %d elements", v.Len(), rows, m)
			}
			for r := range v.Len() / m {
				reflect.Copy(whole.Slice(r*n+p.Lo, r*n+p.Lo+m), v.Slice(r*m, r*m+m))
			}
		}
		return whole, nil
	case state.Indices:
		out := []uint32{}
		for _, p := range ps {
			idx, ok := p.Value.([]uint32)
			if !ok {
				return reflect.Value{}, fmt.Errorf("indices of type %T", p.Value)
			}
			for _, i := range idx {
				if int(i) >= p.Hi-p.Lo {
					return reflect.Value{}, fmt.Errorf("index %d in a part of %d elements", i, p.Hi-p.Lo)
				}
				out = append(out, i+uint32(p.Lo))
			}
		}
		return reflect.ValueOf(out), nil
	case state.Summed:
		switch x := ps[0].Value.(type) {
		case int64:
			var s int64
			for _, p := range ps {
				v, ok := p.Value.(int64)
				if !ok {
					return reflect.Value{}, fmt.Errorf("summed counts of types %T and %T", x, p.Value)
				}
				s += v
			}
			return reflect.ValueOf(s), nil
		case []int64:
			var s []int64
			for _, p := range ps {
				c, ok := p.Value.([]int64)
				if !ok {
					return reflect.Value{}, fmt.Errorf("summed counts of types %T and %T", x, p.Value)
				}
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
		var deg []uint32
		total, rows := 0, -1
		for _, p := range ps {
			if len(p.Cols) != p.Hi-p.Lo {
				return reflect.Value{}, fmt.Errorf("in-degrees of %d columns for a part of %d", len(p.Cols), p.Hi-p.Lo)
			}
			ns := 0
			for _, c := range p.Cols {
				ns += int(c)
			}
			deg = append(deg, p.Cols...)
			total += ns
			v := reflect.ValueOf(p.Value)
			switch {
			case ns == 0, v.Len() == 0:
				// No synapses here, or state not made yet (zeros).
			case v.Len()%ns != 0:
				return reflect.Value{}, fmt.Errorf("%d values for %d synapses", v.Len(), ns)
			case rows >= 0 && v.Len()/ns != rows:
				return reflect.Value{}, fmt.Errorf("%d rows of values for %d synapses, %d in another part", v.Len()/ns, ns, rows)
			default:
				rows = v.Len() / ns
			}
		}
		if prev, ok := indeg[ps[0].Unit]; ok {
			if !equalU32(prev, deg) {
				return reflect.Value{}, fmt.Errorf("the synapses of %s counted differently by two of its variables", ps[0].Unit)
			}
		} else {
			indeg[ps[0].Unit] = deg
		}
		rows = max(rows, 0)
		if total == 0 {
			return reflect.MakeSlice(t, 0, 0), nil
		}
		whole := reflect.MakeSlice(t, rows*total, rows*total)
		at := 0
		for _, p := range ps {
			v := reflect.ValueOf(p.Value)
			ns := 0
			for _, c := range p.Cols {
				ns += int(c)
			}
			for r := 0; ns > 0 && v.Len() > 0 && r < rows; r++ {
				reflect.Copy(whole.Slice(r*total+at, r*total+at+ns), v.Slice(r*ns, r*ns+ns))
			}
			at += ns
		}
		return whole, nil
	}
	return reflect.Value{}, fmt.Errorf("scope %v", ps[0].Scope)
}

// Restore sets the state of net, as its own components hold it (see
// Capture), to snap's. The network must have the snapshot's structure
// (and seed and dt, where the snapshot records them), and every variable
// of one must be a variable of the other; a snapshot taken on another
// layout is cut to this one.
func Restore(snap *Snapshot, net *network.Network) error {
	return restore(snap, net, nil, true)
}

// RestoreHoldings is Restore for a network whose populations' state is
// held in parts (Holding; see CaptureHoldings).
func RestoreHoldings(snap *Snapshot, net *network.Network, hs []Holding) error {
	return restore(snap, net, hs, false)
}

// errNoSnapshot is a nil snapshot's error.
var errNoSnapshot = errors.New("checkpoint: no snapshot (nil)")

func restore(snap *Snapshot, net *network.Network, hs []Holding, whole bool) error {
	if snap == nil {
		return errNoSnapshot
	}
	if err := snap.Structure.check(StructureOf(net)); err != nil {
		return fmt.Errorf("checkpoint: another network: %w", err)
	}
	us, err := units(net, hs, whole)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, u := range us {
		ps, err := cutUnit(snap, u)
		if err != nil {
			return err
		}
		if err := apply([]unit{u}, snap.Step, ps, used); err != nil {
			return err
		}
	}
	for path := range snap.Vars {
		if !used[path] {
			return fmt.Errorf("checkpoint: the checkpoint holds %s, which this network does not have (%s)", path, why(path, true))
		}
	}
	return nil
}

// HoldingState returns the pieces of snap that a holding of population pop
// of its elements [lo, hi) takes (RestoreHolding), for a process that
// holds the shard elsewhere.
func HoldingState(snap *Snapshot, net *network.Network, pop, lo, hi int) ([]Piece, error) {
	switch {
	case snap == nil:
		return nil, errNoSnapshot
	case pop < 0 || pop >= len(net.Populations):
		return nil, fmt.Errorf("checkpoint: a holding of population %d: the network has %d", pop, len(net.Populations))
	}
	p := net.Populations[pop]
	if p.Batch > 1 {
		lo, hi = 0, p.Len()
	}
	if lo < 0 || hi > p.Len() || lo > hi {
		return nil, fmt.Errorf("checkpoint: population %q: a holding of elements [%d, %d) of %d", p.Name, lo, hi, p.Len())
	}
	var out []Piece
	for _, path := range snap.paths() {
		m := snap.Meta[path]
		if m.Pop != pop {
			continue
		}
		pc, err := cut(snap, path, lo, hi, p.Len(), p.Batch)
		if err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	return out, nil
}

// AxonState returns the pieces of snap that each copy of axon a takes
// (RestoreAxon).
func AxonState(snap *Snapshot, net *network.Network, a int) ([]Piece, error) {
	switch {
	case snap == nil:
		return nil, errNoSnapshot
	case a < 0 || a >= len(net.Axons):
		return nil, fmt.Errorf("checkpoint: axon %d: the network has %d", a, len(net.Axons))
	}
	return cutUnit(snap, axonUnit(net, a))
}

// RestoreHolding sets the state of one holding of net, in this process,
// to the pieces HoldingState cut for it; every variable of the holding must
// be among them, and every piece must be a variable of the holding.
func RestoreHolding(net *network.Network, h Holding, step int64, pieces []Piece) error {
	us, err := holdingUnits(net, h)
	if err != nil {
		return err
	}
	return applyAll(us, step, pieces)
}

// RestoreAxon sets the state of axon a of net, in this process, to the
// pieces AxonState cut for it.
func RestoreAxon(net *network.Network, a int, step int64, pieces []Piece) error {
	return applyAll([]unit{axonUnit(net, a)}, step, pieces)
}

// applyAll applies pieces to the units and checks that each was used.
func applyAll(us []unit, step int64, pieces []Piece) error {
	used := map[string]bool{}
	if err := apply(us, step, pieces, used); err != nil {
		return err
	}
	for _, p := range pieces {
		if !used[p.Path] {
			return fmt.Errorf("checkpoint: the checkpoint holds %s, which this network does not have (%s)", p.Path, why(p.Path, true))
		}
	}
	return nil
}

// cutUnit cuts every variable of snap that belongs to unit u to its part.
func cutUnit(snap *Snapshot, u unit) ([]Piece, error) {
	var out []Piece
	for _, path := range snap.paths() {
		if snap.Meta[path].Unit != u.path {
			continue
		}
		pc, err := cut(snap, path, u.lo, u.hi, u.n, u.batch)
		if err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	return out, nil
}

// paths returns the snapshot's variables, sorted.
func (s *Snapshot) paths() []string {
	out := make([]string, 0, len(s.Vars))
	for p := range s.Vars {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// cut returns the part of variable path of snap that a part holding
// elements [lo, hi) of its population (n elements, batch copies) takes.
func cut(snap *Snapshot, path string, lo, hi, n, batch int) (Piece, error) {
	m, ok := snap.Meta[path]
	if !ok {
		return Piece{}, fmt.Errorf("checkpoint: %s: no description of it in the checkpoint", path)
	}
	if m.Scope == state.Synapses {
		lo, hi, n = columns(lo, hi, n, batch)
	}
	whole := reflect.ValueOf(snap.Vars[path])
	p := Piece{Path: path, Meta: m, Lo: lo, Hi: hi, N: n, Whole: m.Pop < 0}
	fail := func(format string, args ...any) (Piece, error) {
		return Piece{}, fmt.Errorf("checkpoint: %s: %s", path, fmt.Sprintf(format, args...))
	}
	if p.Whole || m.Scope == state.Shared {
		p.Value = clone(whole).Interface()
		return p, nil
	}
	switch m.Scope {
	case state.Elements:
		k := hi - lo
		if n == 0 || whole.Len()%n != 0 {
			return fail("%d values for rows of %d elements", whole.Len(), n)
		}
		rows := whole.Len() / n
		out := reflect.MakeSlice(whole.Type(), rows*k, rows*k)
		for r := range rows {
			reflect.Copy(out.Slice(r*k, r*k+k), whole.Slice(r*n+lo, r*n+hi))
		}
		p.Value = out.Interface()
	case state.Indices:
		idx, ok := whole.Interface().([]uint32)
		if !ok {
			return fail("indices of type %s", whole.Type())
		}
		out := []uint32{}
		for _, i := range idx {
			if int(i) >= lo && int(i) < hi {
				out = append(out, i-uint32(lo))
			}
		}
		p.Value = out
	case state.Summed:
		// The first part takes the counts; the others start from 0.
		switch {
		case lo == 0:
			p.Value = clone(whole).Interface()
		case whole.Kind() == reflect.Slice:
			p.Value = reflect.MakeSlice(whole.Type(), whole.Len(), whole.Len()).Interface()
		default:
			p.Value = reflect.Zero(whole.Type()).Interface()
		}
	case state.Synapses:
		deg, ok := snap.InDegree[m.Unit]
		if !ok || len(deg) != n {
			return fail("the checkpoint does not say which synapses end on which of the %d neurons", n)
		}
		total, off, ns := 0, 0, 0
		for j, c := range deg {
			total += int(c)
			switch {
			case j < lo:
				off += int(c)
			case j < hi:
				ns += int(c)
			}
		}
		if total == 0 || whole.Len()%total != 0 {
			if whole.Len() == 0 {
				p.Cols, p.Value = deg[lo:hi], whole.Interface()
				return p, nil
			}
			return fail("%d values for rows of %d synapses", whole.Len(), total)
		}
		rows := whole.Len() / total
		out := reflect.MakeSlice(whole.Type(), rows*ns, rows*ns)
		for r := range rows {
			reflect.Copy(out.Slice(r*ns, r*ns+ns), whole.Slice(r*total+off, r*total+off+ns))
		}
		p.Cols, p.Value = deg[lo:hi], out.Interface()
	default:
		return fail("scope %v", m.Scope)
	}
	return p, nil
}

// apply sets the variables of the units to the pieces (each unit's own
// part), marking in used the paths it set.
func apply(us []unit, step int64, pieces []Piece, used map[string]bool) error {
	byPath := make(map[string]*Piece, len(pieces))
	for i := range pieces {
		byPath[pieces[i].Path] = &pieces[i]
	}
	for _, u := range us {
		vars, err := state.Walk(u.root, u.path, step)
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %w", u.path, err)
		}
		var perm, cols []uint32
		for _, v := range vars {
			p, ok := byPath[v.Path]
			if !ok {
				return fmt.Errorf("checkpoint: the checkpoint has no %s (%s)", v.Path, why(v.Path, false))
			}
			if p.Scope != v.Scope {
				return fmt.Errorf("checkpoint: %s: stored as %v, here %v (another version of Spiral)", v.Path, p.Scope, v.Scope)
			}
			used[v.Path] = true
			val := reflect.ValueOf(p.Value)
			if !val.IsValid() {
				return fmt.Errorf("checkpoint: %s: no value", v.Path)
			}
			if v.Scope == state.Synapses && !u.whole {
				if u.syn == nil {
					return fmt.Errorf("checkpoint: %s: per-synapse state outside a projection", v.Path)
				}
				if perm == nil {
					perm, cols = columnOrder(u.syn)
				}
				if !equalU32(cols, p.Cols) {
					return fmt.Errorf("checkpoint: %s: the checkpoint's synapses end on neurons [%d, %d) otherwise than this network's (another network)", v.Path, u.lo, u.hi)
				}
				val, err = permute(val, perm, true)
				if err != nil {
					return fmt.Errorf("checkpoint: %s: %w", v.Path, err)
				}
			} else {
				val = clone(val)
			}
			if err := set(v, val); err != nil {
				return fmt.Errorf("checkpoint: %s: %w", v.Path, err)
			}
		}
		state.Restored(u.root)
	}
	return nil
}

// columnOrder returns the column order of c's synapses — perm[q] is the
// CSR index of the q-th synapse by (column, row, position in the row) —
// and the synapses per column.
func columnOrder(c *synapse.CSR) (perm, cols []uint32) {
	cols = make([]uint32, c.Cols)
	for _, j := range c.Idx {
		cols[j]++
	}
	start := make([]uint32, c.Cols)
	var s uint32
	for j, n := range cols {
		start[j] = s
		s += n
	}
	perm = make([]uint32, len(c.Idx))
	for k, j := range c.Idx {
		perm[start[j]] = uint32(k)
		start[j]++
	}
	return perm, cols
}

// permute returns a copy of v (rows of len(perm) values) in column order
// (out[q] = v[perm[q]] in each row), or back in CSR order with inverse
// (out[perm[q]] = v[q]).
func permute(v reflect.Value, perm []uint32, inverse bool) (reflect.Value, error) {
	ns := len(perm)
	if v.Kind() != reflect.Slice {
		return reflect.Value{}, fmt.Errorf("per-synapse state of type %s", v.Type())
	}
	if ns == 0 {
		if v.Len() != 0 {
			return reflect.Value{}, fmt.Errorf("%d values for no synapses", v.Len())
		}
		return reflect.MakeSlice(v.Type(), 0, 0), nil
	}
	if v.Len()%ns != 0 {
		return reflect.Value{}, fmt.Errorf("%d values for rows of %d synapses", v.Len(), ns)
	}
	switch x := v.Interface().(type) {
	case []float32:
		return reflect.ValueOf(permuteOf(x, perm, inverse)), nil
	case []float64:
		return reflect.ValueOf(permuteOf(x, perm, inverse)), nil
	case []int64:
		return reflect.ValueOf(permuteOf(x, perm, inverse)), nil
	case []int32:
		return reflect.ValueOf(permuteOf(x, perm, inverse)), nil
	case []uint32:
		return reflect.ValueOf(permuteOf(x, perm, inverse)), nil
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for r := 0; r < v.Len(); r += ns {
		for q, k := range perm {
			if inverse {
				out.Index(r + int(k)).Set(clone(v.Index(r + q)))
			} else {
				out.Index(r + q).Set(clone(v.Index(r + int(k))))
			}
		}
	}
	return out, nil
}

// permuteOf is permute for slices of numbers.
func permuteOf[T any](v []T, perm []uint32, inverse bool) []T {
	ns := len(perm)
	out := make([]T, len(v))
	for r := 0; r < len(v); r += ns {
		o, in := out[r:r+ns], v[r:r+ns]
		if inverse {
			for q, k := range perm {
				o[k] = in[q]
			}
		} else {
			for q, k := range perm {
				o[q] = in[k]
			}
		}
	}
	return out
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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
	return fmt.Errorf("the checkpoint holds %d values, this network %d: a component of another kind or size (another network?)", p.Len(), f.Len())
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

// Check reports whether snap can restore into net, as far as the network
// alone tells (each part checks its own variables as it takes them): the
// same structure, and every variable belonging to a population or an
// axon of net.
func Check(snap *Snapshot, net *network.Network) error {
	if snap == nil {
		return errNoSnapshot
	}
	if err := snap.Structure.check(StructureOf(net)); err != nil {
		return fmt.Errorf("checkpoint: another network: %w", err)
	}
	axons := map[string]bool{}
	for a := range net.Axons {
		axons[AxonUnit(net, a)] = true
	}
	for _, path := range snap.paths() {
		m, ok := snap.Meta[path]
		switch {
		case !ok:
			return fmt.Errorf("checkpoint: %s: no description of it in the checkpoint", path)
		case m.Pop >= len(net.Populations) || m.Pop < 0 && !axons[m.Unit]:
			return fmt.Errorf("checkpoint: the checkpoint holds %s, which this network does not have (%s)", path, why(path, true))
		}
	}
	return nil
}

// why guesses why a variable is in the checkpoint and not in the network
// (held) or the other way round.
func why(path string, held bool) string {
	if strings.HasSuffix(path, ".fixed") {
		if held {
			return "the checkpoint's network sums its synaptic input in fixed point, this one in float32: network.Config.FixedPoint, fixed_point in a model file, run --fixed-point"
		}
		return "this network sums its synaptic input in fixed point, the checkpoint's in float32: network.Config.FixedPoint, fixed_point in a model file, run --fixed-point"
	}
	return "another model, or another version of Spiral"
}
