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
	if !r.Fixed() || r.FixedSlot(0) == nil {
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
		for _, k := range order {
			r.FixedSlot(step)[0] += ToFixed(xs[k])
		}
		// Element 1: 1 + 2⁻²⁴ near (float32: 1) and 2⁻²⁴ far (float32:
		// 2⁻²⁴, and 1 + 2⁻²⁴ rounds to 1 again): 1 + 2⁻²³ exactly, read
		// as one sum.
		r.FixedSlot(step)[1] += (1 << 32) + (1 << 8)
		far.FixedSlot(step)[1] += 1 << 8
		r.Slot(step)[0] += 0.5 // a drive
		jump := make([]float32, 2)
		r.Consume(step, nil, make([]float32, 2), jump)
		if w := 0.5 + FromFixed(want); jump[0] != w {
			t.Errorf("order %v: %g, want %g", order, jump[0], w)
		}
		if w := float32(1 + math.Ldexp(1, -23)); jump[1] != w {
			t.Errorf("order %v: near and far: %.9g, want 1 + 2^-23 (%.9g)", order, jump[1], w)
		}
		for _, s := range [][]int64{r.FixedSlot(step), far.FixedSlot(step)} {
			if s[0] != 0 || s[1] != 0 {
				t.Errorf("order %v: the sums are not cleared once read: %v", order, s)
			}
		}
	}
}
