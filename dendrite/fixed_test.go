package dendrite

import (
	"math"
	"testing"
)

func TestToFixedAndBack(t *testing.T) {
	for _, c := range []struct {
		x    float32
		want int64
	}{
		{0.5, 1 << 31},
		{-0.25, -(1 << 30)},
		{1, 1 << 32},
		{float32(math.Ldexp(1, -33)), 0}, // ½ of 2⁻³²: ties to even, 0
		{float32(math.Ldexp(3, -33)), 2}, // 1½: to 2
		{float32(math.Ldexp(5, -33)), 2}, // 2½: to 2
		{float32(math.Ldexp(-3, -33)), -2},
	} {
		if got := ToFixed(c.x); got != c.want {
			t.Errorf("ToFixed(%g) = %d, want %d", c.x, got, c.want)
		}
	}
	for _, c := range []struct {
		s    int64
		want float32
	}{{1 << 32, 1}, {-(1 << 31), -0.5}, {3, float32(math.Ldexp(3, -32))}, {(1 << 32) + (1 << 8), 1}} {
		// 1 + 2⁻²⁴ is half a float32 ulp above 1: ties to even, 1.
		if got := FromFixed(c.s); got != c.want {
			t.Errorf("FromFixed(%d) = %g, want %g", c.s, got, c.want)
		}
	}
}

// A receptor in fixed point reads, at a step, what its drives put into
// the slot plus float32 of the exact sum of its inputs, near and far
// together: the same whatever their order; and one float32 rounding of
// the whole, not one per part.
func TestFixedReceptorSums(t *testing.T) {
	r, err := Spec{Kernel: Delta, Fixed: true}.New(2, 0.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := r.FixedSlot(0); !r.Fixed() || f == nil {
		t.Fatal("a receptor with Spec.Fixed has no fixed-point ring")
	}
	far := r.Far()
	xs := []float32{0.1, 0.2, 0.3, 1e-3, -0.7, 0.25}
	var want int64
	for _, x := range xs {
		want += ToFixed(x)
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 0, 4, 1, 5, 3}} {
		const step = 5
		f, touched := r.FixedSlot(step)
		ff, farTouched := far.FixedSlot(step)
		for _, k := range order {
			AddFixed(f, touched, 0, ToFixed(xs[k]))
		}
		// Element 1: 1 + 2⁻²⁴ near (float32: 1) and 2⁻²⁴ far (float32:
		// 2⁻²⁴, and 1 + 2⁻²⁴ rounds to 1 again): 1 + 2⁻²³ exactly, read
		// as one sum.
		AddFixed(f, touched, 1, (1<<32)+(1<<8))
		AddFixed(ff, farTouched, 1, 1<<8)
		r.Slot(step)[0] += 0.5 // a drive
		jump := make([]float32, 2)
		r.Consume(step, nil, make([]float32, 2), jump)
		if w := 0.5 + FromFixed(want); jump[0] != w {
			t.Errorf("order %v: %g, want %g", order, jump[0], w)
		}
		if w := float32(1 + math.Ldexp(1, -23)); jump[1] != w {
			t.Errorf("order %v: near and far: %.9g, want 1 + 2^-23 (%.9g)", order, jump[1], w)
		}
		for _, s := range [][]int64{f, ff} {
			if s[0] != 0 || s[1] != 0 {
				t.Errorf("order %v: the sums are not cleared once read: %v", order, s)
			}
		}
		if len(*touched) != 0 || len(*farTouched) != 0 {
			t.Errorf("order %v: the lists of touched elements are not cleared once read", order)
		}
	}
}

// An element's sum that comes back to 0 and then not is read once, and
// one whose sum is 0 adds nothing; the sums restored from a checkpoint
// are read as those added.
func TestFixedTouchedLists(t *testing.T) {
	r, err := Spec{Kernel: Delta, Fixed: true}.New(3, 0.1, 2)
	if err != nil {
		t.Fatal(err)
	}
	f, touched := r.FixedSlot(1)
	AddFixed(f, touched, 2, 5)
	AddFixed(f, touched, 2, -5) // back to 0
	AddFixed(f, touched, 2, 7)  // listed again
	AddFixed(f, touched, 0, 3)
	AddFixed(f, touched, 0, -3) // 0 when read
	jump := make([]float32, 3)
	r.Consume(1, nil, make([]float32, 3), jump)
	if want := []float32{0, 0, FromFixed(7)}; jump[0] != want[0] || jump[1] != want[1] || jump[2] != want[2] {
		t.Errorf("read %v, want %v", jump, want)
	}
	// Through the state: a sum set from a checkpoint is read.
	AddFixed(f, touched, 1, 9)
	var v = r.StateVars(1)
	r2, _ := Spec{Kernel: Delta, Fixed: true}.New(3, 0.1, 2)
	for _, sv := range r2.StateVars(1) {
		for _, x := range v {
			if x.Path == sv.Path {
				if err := sv.Set(x.Value); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	jump = make([]float32, 3)
	r2.Consume(1, nil, make([]float32, 3), jump)
	if jump[1] != FromFixed(9) {
		t.Errorf("a restored sum read as %v, want %v", jump[1], FromFixed(9))
	}
}
