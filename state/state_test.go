package state

import (
	"reflect"
	"strings"
	"testing"
)

type tag struct {
	s     []float32 `state:"elements"`
	decay []float32 `state:"-"`
}

type model struct {
	v     []float32 `state:"elements"`
	last  []uint32  `state:"indices"`
	flag  bool      `state:"shared"`
	count int64     `state:"summed"`
	pre   *tag      `state:"rows"`
	post  *tag
	again *tag // the same component as post: walked once
	parts []any
	done  int `state:"-"`
}

type ring struct {
	r []float32 `state:"-"` // kept in rotation: StateVars
}

func (r *ring) StateVars(step int64) []Var {
	return []Var{{Path: "ring", Scope: Elements, Value: reflect.ValueOf(step), Set: func(reflect.Value) error { return nil }}}
}

type restorable struct {
	x     []float32 `state:"elements"`
	fixed bool      `state:"-"`
}

func (r *restorable) Restored() { r.fixed = true }

// Walk names every tagged field by its path, follows pointers,
// interfaces and slices of components (a shared one once), forces the
// scope under a "rows" field, adds Custom variables, and reads and writes
// through the fields.
func TestWalk(t *testing.T) {
	post := &tag{s: []float32{1, 2}}
	m := &model{v: []float32{3, 4}, last: []uint32{1}, flag: true, count: 7, pre: &tag{s: []float32{5}}, post: post, again: post,
		parts: []any{&ring{}, &restorable{x: []float32{9}}}}
	vars, err := Walk(m, "m", 42)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Scope{}
	for _, v := range vars {
		got[v.Path] = v.Scope
	}
	want := map[string]Scope{"m.v": Elements, "m.last": Indices, "m.flag": Shared, "m.count": Summed, "m.pre.s": Shared,
		"m.post.s": Elements, "m.parts[0].ring": Elements, "m.parts[1].x": Elements}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("variables %v, want %v", got, want)
	}
	for _, v := range vars {
		switch v.Path {
		case "m.v":
			v.Value.Index(1).SetFloat(8) // an unexported field, written through
		case "m.flag":
			v.Value.SetBool(false)
		case "m.parts[0].ring":
			if v.Value.Int() != 42 || v.Set == nil {
				t.Errorf("custom variable: value %v, want the step 42 and a setter", v.Value)
			}
		}
	}
	if m.v[1] != 8 || m.flag {
		t.Errorf("writes through the variables did not reach the fields: v %v, flag %v", m.v, m.flag)
	}
	Restored(m)
	if !m.parts[1].(*restorable).fixed {
		t.Error("Restored did not reach a component that implements Restorer")
	}
}

type forgotten struct {
	v    []float32 `state:"elements"`
	w    []float32
	n    int
	bad  []int `state:"sometimes"`
	next *forgotten
}

// A leaf field without a tag, or with an unknown one, is an error that
// names the type and the field: a component counts as covered only when
// every field is classified.
func TestWalkNamesUnclassifiedFields(t *testing.T) {
	_, err := Walk(&forgotten{next: &forgotten{}}, "f", 0)
	if err == nil {
		t.Fatal("no error for unclassified fields")
	}
	for _, want := range []string{"state.forgotten.w", "state.forgotten.n", `state.forgotten.bad (tag "sometimes")`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
