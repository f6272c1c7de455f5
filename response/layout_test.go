package response

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// opaque is a user spec that does not list its arrays.
type opaque struct{}

func (opaque) Kind() string                            { return "opaque" }
func (opaque) New(n int, dt float64) (Function, error) { return Identity{}.New(n, dt) }

func TestArrayParams(t *testing.T) {
	c := Composite{Functions: []Spec{
		Scaling{Scale: param.Array(1, 2, 3)},
		Leaky{Tau: param.Const(4)},
		Composite{Functions: []Spec{LimitedFlat{Duration: param.Array(1, 2)}}},
		opaque{},
		Flat{},
	}}
	got, ok := ArrayParams(c)
	want := []ArrayParam{
		{Kind: "composite: function 0: scaling", Name: "scale", Len: 3},
		{Kind: "composite: function 2: composite: function 0: limited_flat", Name: "duration_ms", Len: 2},
	}
	if !ok || !slices.Equal(got, want) {
		t.Errorf("ArrayParams = %v, %v; want %v, true", got, ok, want)
	}
	if ps, ok := ArrayParams(Leaky{Tau: param.Array(5)}); !ok || !slices.Equal(ps, []ArrayParam{{Kind: "leaky", Name: "tau_ms", Len: 1}}) {
		t.Errorf("leaky: %v, %v", ps, ok)
	}
	if ps, ok := ArrayParams(opaque{}); ok || ps != nil {
		t.Errorf("a spec without ArrayParams reports %v, %v", ps, ok)
	}
}

func TestLayoutCheck(t *testing.T) {
	l := Layout{Valid: []int{1, 3, 6}, Labels: []string{"", "per terminal", "per neuron and terminal"}}
	for _, s := range []Spec{
		Identity{}, Flat{}, Scaling{Scale: param.Const(2)}, Scaling{Scale: param.Array(1)},
		Leaky{Tau: param.Array(1, 2, 3)}, LimitedFlat{Duration: param.Array(1, 2, 3, 4, 5, 6)},
		opaque{},
	} {
		if err := l.Check(s); err != nil {
			t.Errorf("%s: %v", s.Kind(), err)
		}
	}
	err := l.Check(Scaling{Scale: param.Array(10, 20)})
	if want := "scaling: scale has 2 values; valid lengths: 1, 3 (per terminal) or 6 (per neuron and terminal)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	err = l.Check(Composite{Functions: []Spec{Identity{}, Leaky{Tau: param.Array()}}})
	if err == nil || !strings.Contains(err.Error(), "composite: function 1: leaky: tau_ms has 0 values") {
		t.Errorf("empty array: %v", err)
	}
	// Equal lengths are listed once, with the first label.
	dup := Layout{Valid: []int{1, 3, 3}, Labels: []string{"", "per terminal", "per neuron and terminal"}}
	err = dup.Check(Scaling{Scale: param.Array(1, 2)})
	if want := "scaling: scale has 2 values; valid lengths: 1 or 3 (per terminal)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestWindowStepsSaturates(t *testing.T) {
	// A huge duration must not wrap to a small or negative window: it is
	// rejected as too long.
	for _, ref := range []bool{false, true} {
		if w := WindowSteps(1e300, 1, ref); w != math.MaxInt {
			t.Errorf("reference=%v: WindowSteps(1e300, 1) = %d, want math.MaxInt", ref, w)
		}
		_, err := LimitedFlat{Duration: param.Const(1e300), Reference: ref}.New(1, 1)
		if err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
			t.Errorf("reference=%v: duration 1e300: %v", ref, err)
		}
	}
}
