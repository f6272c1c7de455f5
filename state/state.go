// Package state reads and writes the mutable state of a network's runtime
// components — neuron and receptor state, inputs in flight, traces,
// plastic weights — as named variables that do not depend on how the
// network is cut into shards, so that a checkpoint taken on one layout
// restores on any other.
//
// A component declares its state with struct tags on its fields:
//
//	v    []float32 `state:"elements"` // one value per element of its range
//	last []uint32  `state:"indices"`  // element indices, ascending
//	pos  int       `state:"shared"`   // the same in every shard
//	sent []int64   `state:"summed"`   // counts that shards hold in part
//	k    []float32 `state:"-"`        // parameters, scratch: not state
//	pre  response.Function `state:"rows"` // a component whose elements are rows
//
// Walk follows untagged pointer, interface, struct and slice-of-component
// fields into the components they hold, and returns every tagged field as
// a Var, named by its path. A leaf field (numbers, slices of numbers,
// booleans, strings) without a tag is an error naming the type and the
// field: a component type counts as covered only when every one of its
// fields is classified, so that a field added later cannot be forgotten.
// Components whose state is not a plain field (a ring kept in rotation,
// a queue of pointers) implement Custom instead. A component used per
// presynaptic row (a plasticity rule's presynaptic tag) is the same in
// every shard: the field that holds it is tagged "rows", which makes
// every variable under it Shared.
//
// The scopes say how the state of shards maps to the whole population's
// (Join) and back (Split): elements and indices by the shard's range of
// elements, synapses by the shard's columns of the projection, shared
// state from any one shard, summed counters added up.
package state

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// Scope says how a variable of a shard relates to the whole population's.
type Scope uint8

const (
	// Elements: one value per element (neuron × batch copy) of the
	// component's range, in Rows rows (a row per slot of a ring, for
	// instance): len = Rows · elements.
	Elements Scope = iota + 1
	// Indices: element indices of the component's range, ascending.
	Indices
	// Shared: the same in every shard that holds the component.
	Shared
	// Summed: counters (int64 or []int64) that the shards hold in part.
	Summed
	// Synapses: one value per synapse of a projection, in CSR order.
	Synapses
)

var scopeNames = map[string]Scope{"elements": Elements, "indices": Indices, "shared": Shared, "summed": Summed, "synapses": Synapses}

// String returns the tag name of the scope.
func (s Scope) String() string {
	for n, v := range scopeNames {
		if v == s {
			return n
		}
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// Var is one variable of a component's state.
type Var struct {
	Path  string
	Scope Scope
	// Value is the field itself (addressable and settable): reading it
	// reads the component's state, setting it restores it. For a Custom
	// variable it is a value Get made, which Set takes back.
	Value reflect.Value
	// Set, for a Custom variable, stores the value back into the
	// component; nil for a field (set Value instead).
	Set func(reflect.Value) error
}

// Custom is implemented by components whose state is not a plain field:
// StateVars returns their variables (Value a copy, Set the way back), given
// the step the component is at.
type Custom interface {
	StateVars(step int64) []Var
}

// Walk returns the state variables of root and of every component it
// holds, depth first in field order, named path.field[index]..., and an
// error naming every leaf field without a state tag. step is the step the
// network is at (for Custom components).
func Walk(root any, path string, step int64) ([]Var, error) {
	w := &walker{step: step, seen: map[uintptr]bool{}}
	w.walk(reflect.ValueOf(root), path)
	if len(w.missing) > 0 {
		return w.vars, &Unclassified{Fields: w.missing}
	}
	return w.vars, nil
}

// Unclassified is Walk's error for fields without a state tag (or with an
// unknown one): "package.Type.field" each.
type Unclassified struct {
	Fields []string
}

func (e *Unclassified) Error() string {
	return fmt.Sprintf("state: fields not classified (tag them state:\"...\"): %s", strings.Join(e.Fields, ", "))
}

type walker struct {
	step    int64
	vars    []Var
	missing []string
	seen    map[uintptr]bool // pointers walked: shared components once
	restore bool             // call Restored rather than collect variables
}

func (w *walker) walk(v reflect.Value, path string) { w.walkAs(v, path, 0) }

// walkAs walks v; a non-zero force replaces the scope of every variable
// found under it.
func (w *walker) walkAs(v reflect.Value, path string, force Scope) {
	add := func(x Var) {
		if force != 0 {
			x.Scope = force
		}
		w.vars = append(w.vars, x)
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			w.walkAs(v.Elem(), path, force)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().Kind() != reflect.Struct {
			return
		}
		if w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		if r, ok := v.Interface().(Restorer); ok && w.restore {
			r.Restored()
		}
		if c, ok := v.Interface().(Custom); ok && !w.restore {
			for _, x := range c.StateVars(w.step) {
				x.Path = path + "." + x.Path
				add(x)
			}
		}
		w.walkAs(v.Elem(), path, force)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			fv := v.Field(i)
			if !fv.CanInterface() && fv.CanAddr() {
				fv = reflect.NewAt(f.Type, unsafe.Pointer(fv.UnsafeAddr())).Elem()
			}
			name := path + "." + f.Name
			tag, tagged := f.Tag.Lookup("state")
			switch {
			case tag == "-":
			case tag == "rows":
				w.walkAs(fv, name, Shared)
			case tagged:
				s, ok := scopeNames[tag]
				if !ok {
					w.missing = append(w.missing, fmt.Sprintf("%s.%s (tag %q)", t, f.Name, tag))
					continue
				}
				add(Var{Path: name, Scope: s, Value: fv})
			case isLeaf(f.Type):
				w.missing = append(w.missing, t.String()+"."+f.Name)
			default:
				w.walkAs(fv, name, force)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walkAs(v.Index(i), fmt.Sprintf("%s[%d]", path, i), force)
		}
	}
}

// isLeaf reports whether a field of type t holds data rather than
// components: numbers, booleans, strings, structs of them, and slices,
// arrays and maps of them; functions and channels count as data too
// (they must be tagged "-").
func isLeaf(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return isLeaf(t.Elem())
	case reflect.Map:
		return true
	case reflect.Pointer, reflect.Interface:
		return false
	case reflect.Struct:
		for i := range t.NumField() {
			if !isLeaf(t.Field(i).Type) {
				return false
			}
		}
	}
	return true
}

// Restorer is implemented by components that must bring derived data up
// to date once their state has been set (Restored walks them).
type Restorer interface {
	Restored()
}

// Restored calls Restored on root and on every component it holds that
// implements Restorer, once each.
func Restored(root any) {
	w := &walker{seen: map[uintptr]bool{}, restore: true}
	w.walk(reflect.ValueOf(root), "")
}
