package synapse_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

func within(t *testing.T, what string, got, mean, sd, nsd float64) {
	t.Helper()
	if math.Abs(got-mean) > nsd*sd {
		t.Errorf("%s = %g, want %g ± %g (%g sd)", what, got, mean, nsd*sd, nsd)
	}
}

func build(t testing.TB, p connectivity.Pattern, s connectivity.Shape) *synapse.CSR {
	t.Helper()
	c, err := p.Build(s, rng.NewKey(7))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func meanVar(xs []float32) (m, v float64) {
	for _, x := range xs {
		m += float64(x)
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (float64(x) - m) * (float64(x) - m)
	}
	return m, v / float64(len(xs)-1)
}

func TestInitWeightsDistributions(t *testing.T) {
	c := build(t, connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 500, Cols: 400})
	n := float64(c.Len())
	for _, tc := range []struct {
		v             param.Value
		mean, vr, mu4 float64 // mean, variance, fourth central moment
	}{
		{param.Uniform(0, 1), 0.5, 1.0 / 12, 1.0 / 80},
		{param.Normal(2, 0.5), 2, 0.25, 3 * 0.0625},
		{param.Dist("exponential(2)", func(src rand.Source) distuv.Rander { return distuv.Exponential{Rate: 2, Src: src} }),
			0.5, 0.25, 9.0 / 16},
	} {
		if err := c.InitWeights(tc.v, synapse.Unbounded(), rng.NewKey(1)); err != nil {
			t.Fatal(err)
		}
		m, v := meanVar(c.W)
		within(t, tc.v.String()+" mean", m, tc.mean, math.Sqrt(tc.vr/n), 5)
		within(t, tc.v.String()+" variance", v, tc.vr, math.Sqrt((tc.mu4-tc.vr*tc.vr)/n), 5)
	}
}

func TestInitWeightsClip(t *testing.T) {
	c := build(t, connectivity.FixedOutDegree{K: 100}, connectivity.Shape{Rows: 500, Cols: 400})
	b := synapse.Bounds{Min: 0, Max: 1}
	if err := c.InitWeights(param.Normal(0.5, 1), b, rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	low, high := 0, 0
	for _, w := range c.W {
		if w < 0 || w > 1 {
			t.Fatalf("weight %g outside [0, 1]", w)
		}
		if w == 0 {
			low++
		}
		if w == 1 {
			high++
		}
	}
	// P(N(0.5, 1) < 0) = P(> 1) = Φ(−0.5).
	p := 0.5 * math.Erfc(0.5/math.Sqrt2)
	n := float64(c.Len())
	within(t, "clipped to Min", float64(low), n*p, math.Sqrt(n*p*(1-p)), 5)
	within(t, "clipped to Max", float64(high), n*p, math.Sqrt(n*p*(1-p)), 5)
	// Every weight at a bound was clipped there (a normal draw is never
	// exactly 0 or 1): ClippedAtInit counts them.
	if got := c.ClippedAtInit(); got != int64(low+high) {
		t.Errorf("ClippedAtInit %d, want the %d weights set to a bound", got, low+high)
	}

	if err := c.InitWeights(param.Const(3), b, rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	for _, w := range c.W {
		if w != 1 {
			t.Fatalf("constant 3 clipped to [0, 1] gave %g", w)
		}
	}
	if got := c.ClippedAtInit(); got != int64(c.Len()) {
		t.Errorf("constant 3: ClippedAtInit %d, want all %d", got, c.Len())
	}
	if err := c.InitWeights(param.Uniform(0.2, 0.8), b, rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	if got := c.ClippedAtInit(); got != 0 {
		t.Errorf("weights within the bounds: ClippedAtInit %d, want 0", got)
	}
	// A constant kept as one value (InitUniform) counts every synapse.
	if done, err := c.InitUniform(param.Const(-2), b); !done || err != nil {
		t.Fatal(done, err)
	}
	if got := c.ClippedAtInit(); got != int64(c.Len()) {
		t.Errorf("uniform −2: ClippedAtInit %d, want all %d", got, c.Len())
	}
}

func TestInitWeightsArrays(t *testing.T) {
	s := connectivity.Shape{Rows: 6, Cols: 7}
	c := build(t, connectivity.FixedTotal{N: 20, Multapses: true}, s)
	vals := make([]float64, c.Len())
	for i := range vals {
		vals[i] = float64(i)
	}
	if err := c.InitWeights(param.Array(vals...), synapse.Unbounded(), rng.Key{}); err != nil {
		t.Fatal(err)
	}
	for i, w := range c.W {
		if w != float32(i) {
			t.Fatalf("W[%d] = %g, want %d (CSR order)", i, w, i)
		}
	}
	err := c.InitWeights(param.Array(1, 2, 3), synapse.Unbounded(), rng.Key{})
	if err == nil || !strings.Contains(err.Error(), "array has 3 values, want 20") {
		t.Errorf("short array: error %v", err)
	}

	m := make([]float32, s.Rows*s.Cols)
	for i := range m {
		m[i] = float32(i) / 10
	}
	if err := c.InitWeightsDense(m, synapse.Bounds{Min: 0, Max: 4}); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < c.Rows; r++ {
		idx, w := c.Row(r)
		for k, j := range idx {
			if want := min(float32(r*s.Cols+int(j))/10, 4); w[k] != want {
				t.Fatalf("dense: w(%d, %d) = %g, want %g", r, j, w[k], want)
			}
		}
	}
	if err := c.InitWeightsDense(m[1:], synapse.Unbounded()); err == nil || !strings.Contains(err.Error(), "41 values, want Rows·Cols = 6·7 = 42") {
		t.Errorf("short dense matrix: error %v", err)
	}
	r0, _ := c.Row(0)
	for r := 0; len(r0) == 0; r++ {
		r0, _ = c.Row(r + 1)
	}
	m[int(r0[0])] = float32(math.NaN())
	if c.Ptr[1] > 0 {
		if err := c.InitWeightsDense(m, synapse.Unbounded()); err == nil || !strings.Contains(err.Error(), "must be finite") {
			t.Errorf("NaN in dense matrix: error %v", err)
		}
	}
}

func TestInitWeightsDeterminism(t *testing.T) {
	s := connectivity.Shape{Rows: 50, Cols: 60}
	a := build(t, connectivity.FixedOutDegree{K: 10}, s)
	b := build(t, connectivity.FixedOutDegree{K: 10}, s)
	v := param.Normal(0, 1)
	_ = a.InitWeights(v, synapse.Unbounded(), rng.NewKey(3))
	_ = b.InitWeights(v, synapse.Unbounded(), rng.NewKey(3))
	if !reflect.DeepEqual(a.W, b.W) {
		t.Error("same key, different weights")
	}
	_ = b.InitWeights(v, synapse.Unbounded(), rng.NewKey(4))
	if reflect.DeepEqual(a.W, b.W) {
		t.Error("different keys, same weights")
	}
	// A row's weights depend on that row only: drop row 0's synapses and
	// the other rows keep theirs.
	c := &synapse.CSR{Rows: a.Rows, Cols: a.Cols, Ptr: make([]uint32, a.Rows+1), Idx: a.Idx[a.Ptr[1]:]}
	for r := 1; r <= a.Rows; r++ {
		c.Ptr[r] = a.Ptr[r] - a.Ptr[1]
	}
	_ = c.InitWeights(v, synapse.Unbounded(), rng.NewKey(3))
	if !reflect.DeepEqual(c.W, a.W[a.Ptr[1]:]) {
		t.Error("weights of rows 1.. changed with row 0")
	}
}

func TestBoundsErrors(t *testing.T) {
	c := build(t, connectivity.AllToAll{}, connectivity.Shape{Rows: 3, Cols: 3})
	for _, b := range []synapse.Bounds{{Min: 1, Max: 0}, {Min: float32(math.NaN()), Max: 1}} {
		if err := c.InitWeights(param.Const(0.5), b, rng.Key{}); err == nil || !strings.Contains(err.Error(), "need Min <= Max") {
			t.Errorf("bounds %v: error %v", b, err)
		}
	}
	if err := c.InitWeights(param.Const(math.Inf(1)), synapse.Unbounded(), rng.Key{}); err == nil || !strings.Contains(err.Error(), "must be finite") {
		t.Errorf("infinite constant: error %v", err)
	}
	if n := (synapse.Bounds{Min: 0, Max: 1}).Clip([]float32{-1, 0.5, 2, 1}); n != 2 {
		t.Errorf("Clip moved %d weights, want 2", n)
	}
}
