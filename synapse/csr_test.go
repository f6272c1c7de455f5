package synapse_test

import (
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

func TestMemory(t *testing.T) {
	c := build(t, connectivity.FixedInDegree{K: 30}, connectivity.Shape{Rows: 100, Cols: 200})
	if want := 4*101 + 8*c.Len(); c.Memory() != want {
		t.Errorf("Memory() = %d, want %d", c.Memory(), want)
	}
	if got, want := c.BytesPerSynapse(), 8+4*101/float64(c.Len()); got != want {
		t.Errorf("BytesPerSynapse() = %g, want %g", got, want)
	}
	if (&synapse.CSR{}).BytesPerSynapse() != 0 {
		t.Error("empty CSR bytes/synapse not 0")
	}
}

func TestDeliver(t *testing.T) {
	c := build(t, connectivity.FixedOutDegree{K: 37, Multapses: true}, connectivity.Shape{Rows: 20, Cols: 15})
	if err := c.InitWeights(param.Uniform(-1, 1), synapse.Unbounded(), rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float32{1, 0.25} {
		for r := 0; r < c.Rows; r++ {
			got := make([]float32, c.Cols)
			want := make([]float64, c.Cols)
			c.Deliver(r, scale, got)
			idx, w := c.Row(r)
			for k, j := range idx {
				want[j] += float64(scale * w[k])
			}
			for j := range want {
				if d := float64(got[j]) - want[j]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("row %d scale %g: into[%d] = %g, want %g", r, scale, j, got[j], want[j])
				}
			}
		}
	}
}

func TestTransposeAndValidate(t *testing.T) {
	c := build(t, connectivity.FixedOutDegree{K: 4, Multapses: true}, connectivity.Shape{Rows: 30, Cols: 10})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	colPtr, syn, row := c.Transpose()
	seen := make([]bool, c.Len())
	for j := 0; j < c.Cols; j++ {
		for q := colPtr[j]; q < colPtr[j+1]; q++ {
			k := syn[q]
			if c.Idx[k] != uint32(j) || k < c.Ptr[row[q]] || k >= c.Ptr[row[q]+1] || seen[k] {
				t.Fatalf("column %d entry %d: synapse %d row %d wrong", j, q, k, row[q])
			}
			if q > colPtr[j] && row[q] < row[q-1] {
				t.Fatalf("column %d rows not ascending", j)
			}
			seen[k] = true
		}
	}
	bad := *c
	bad.Idx = append([]uint32(nil), c.Idx...)
	bad.Idx[3] = 10
	if err := bad.Validate(); err == nil {
		t.Error("column out of range not reported")
	}
}

// A compacted CSR delivers exactly what the full one does, with half the
// memory; unequal weights are not compacted.
func TestCompact(t *testing.T) {
	mk := func(w []float32) *synapse.CSR {
		return &synapse.CSR{Rows: 2, Cols: 3, Ptr: []uint32{0, 2, 3}, Idx: []uint32{0, 2, 1}, W: w}
	}
	full, compact := mk([]float32{0.1, 0.1, 0.1}), mk([]float32{0.1, 0.1, 0.1})
	if !compact.Compact() || compact.W != nil {
		t.Fatal("equal weights were not compacted")
	}
	if err := compact.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float32{1, -0.5} {
		a, b := make([]float32, 3), make([]float32, 3)
		for r := 0; r < 2; r++ {
			full.Deliver(r, scale, a)
			compact.Deliver(r, scale, b)
		}
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("scale %g: column %d: %g compacted, %g full", scale, j, b[j], a[j])
			}
		}
	}
	if compact.Memory() >= full.Memory() {
		t.Errorf("compacted %d bytes, full %d", compact.Memory(), full.Memory())
	}
	if w, ok := compact.Uniform(); !ok || w != float32(0.1) {
		t.Errorf("Uniform = %g, %v", w, ok)
	}
	if mk([]float32{0.1, 0.2, 0.1}).Compact() {
		t.Error("unequal weights were compacted")
	}
}

// InitUniform leaves a constant weight as InitWeights followed by Compact
// would, clipping included, without writing the array; it declines
// distributions and reports bad constants and bounds.
func TestInitUniform(t *testing.T) {
	mk := func(w []float32) *synapse.CSR {
		return &synapse.CSR{Rows: 2, Cols: 3, Ptr: []uint32{0, 2, 3}, Idx: []uint32{0, 2, 1}, W: w}
	}
	for _, tc := range []struct {
		v    float64
		b    synapse.Bounds
		want float32
	}{
		{0.25, synapse.Unbounded(), 0.25},
		{3, synapse.Bounds{Min: 0, Max: 1}, 1},    // clipped above
		{-2, synapse.Bounds{Min: -1, Max: 1}, -1}, // clipped below
	} {
		u := mk(make([]float32, 3))
		done, err := u.InitUniform(param.Const(tc.v), tc.b)
		if !done || err != nil {
			t.Fatalf("%g: done %v, %v", tc.v, done, err)
		}
		ref := mk(nil)
		if err := ref.InitWeights(param.Const(tc.v), tc.b, rng.NewKey(1)); err != nil || !ref.Compact() {
			t.Fatalf("%g: reference: %v", tc.v, err)
		}
		w, ok := u.Uniform()
		rw, _ := ref.Uniform()
		if !ok || w != tc.want || w != rw || u.W != nil {
			t.Errorf("%g in %+v: uniform %g (%v), W %v; want %g", tc.v, tc.b, w, ok, u.W, tc.want)
		}
		for k := 0; k < 3; k++ {
			if u.Weight(k) != tc.want {
				t.Errorf("%g: weight %d = %g", tc.v, k, u.Weight(k))
			}
		}
	}
	if done, _ := mk(make([]float32, 3)).InitUniform(param.Uniform(0, 1), synapse.Unbounded()); done {
		t.Error("a distribution was taken as a constant")
	}
	if _, err := mk(nil).InitUniform(param.Const(math.Inf(1)), synapse.Unbounded()); err == nil {
		t.Error("an infinite weight was accepted")
	}
	if _, err := mk(nil).InitUniform(param.Const(1), synapse.Bounds{Min: 2, Max: 1}); err == nil {
		t.Error("bounds with Min > Max were accepted")
	}
	empty := &synapse.CSR{Rows: 1, Cols: 1, Ptr: []uint32{0, 0}}
	if done, err := empty.InitUniform(param.Const(1), synapse.Unbounded()); !done || err != nil || len(empty.W) != 0 {
		t.Errorf("no synapses: done %v, %v, W %v", done, err, empty.W)
	}
	if _, ok := empty.Uniform(); ok {
		t.Error("a CSR without synapses was marked uniform")
	}
}

func TestRelease(t *testing.T) {
	c := &synapse.CSR{Rows: 2, Cols: 3, Ptr: []uint32{0, 2, 3}, Idx: []uint32{0, 2, 1}, W: []float32{1, 2, 3}}
	c.Release()
	if !c.Released() || c.Len() != 3 || c.Idx != nil || c.W != nil || c.Memory() != 12 {
		t.Fatalf("released CSR: released %v, Len %d, Idx %v, W %v, Memory %d; want true, 3, nil, nil, 12 (the row pointers)",
			c.Released(), c.Len(), c.Idx, c.W, c.Memory())
	}
}

// Touch reads one index per 16 (a cache line) of a row and sums them; a
// released CSR reads nothing.
func TestTouch(t *testing.T) {
	c := &synapse.CSR{Rows: 2, Cols: 100, Ptr: []uint32{0, 3, 40}}
	for k := 0; k < 40; k++ {
		c.Idx = append(c.Idx, uint32(k))
	}
	if got, want := c.Touch(0), uint32(0); got != want {
		t.Errorf("row 0: Touch = %d, want %d (index 0 only)", got, want)
	}
	if got, want := c.Touch(1), uint32(3+19+35); got != want {
		t.Errorf("row 1: Touch = %d, want %d (indices at 3, 19, 35)", got, want)
	}
	c.Release()
	if got := c.Touch(1); got != 0 {
		t.Errorf("released: Touch = %d, want 0", got)
	}
}

// DeliverFixed adds, per synapse, float32(scale × w) times 2³² rounded
// to the nearest integer (ties to even): rows with multapses sum several
// into one column, exactly, in any order; uniform weights alike.
func TestDeliverFixed(t *testing.T) {
	c := build(t, connectivity.FixedOutDegree{K: 37, Multapses: true}, connectivity.Shape{Rows: 20, Cols: 15})
	if err := c.InitWeights(param.Uniform(-1, 1), synapse.Unbounded(), rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float32{1, 0.3} {
		for r := 0; r < c.Rows; r++ {
			got := make([]int64, c.Cols)
			want := make([]int64, c.Cols)
			touched := c.DeliverFixed(r, scale, got, nil, 100)
			idx, w := c.Row(r)
			// Backwards: integer sums do not depend on the order.
			for k := len(idx) - 1; k >= 0; k-- {
				x := float64(float32(scale * w[k]))
				want[idx[k]] += int64(math.RoundToEven(x * 4294967296))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("row %d scale %g: %v, want %v", r, scale, got, want)
			}
			// Each column reached is listed once (offset 100): the first
			// time its sum was 0.
			var cols []int32
			for j, x := range got {
				if x != 0 {
					cols = append(cols, 100+int32(j))
				}
			}
			slices.Sort(touched)
			if !slices.Equal(touched, cols) {
				t.Fatalf("row %d: touched %v, want %v", r, touched, cols)
			}
		}
	}
	// Uniform weights of 0.5 at scale 1: 2³¹ per synapse.
	u := build(t, connectivity.FixedOutDegree{K: 3}, connectivity.Shape{Rows: 2, Cols: 5})
	if err := u.InitWeights(param.Const(0.5), synapse.Unbounded(), rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	got := make([]int64, 5)
	u.DeliverFixed(0, 1, got, nil, 0)
	idx, _ := u.Row(0)
	for _, j := range idx {
		got[j] -= 1 << 31
	}
	if slices.ContainsFunc(got, func(x int64) bool { return x != 0 }) {
		t.Errorf("uniform weights 0.5: %v left after taking 2^31 per synapse", got)
	}
}
