package synapse_test

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

func delayed(t *testing.T, v param.Value) *synapse.CSR {
	t.Helper()
	c, err := connectivity.Bernoulli{P: 0.3}.Build(connectivity.Shape{Rows: 40, Cols: 30}, rng.NewKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.InitDelays(v, 0.1, param.Steps, rng.NewKey(2)); err != nil {
		t.Fatal(err)
	}
	return c
}

// Drawn delays: one uint8 per synapse up to 255 steps, else one uint16
// (also where only a few, late in the draw, are beyond: normal(5, 10) ms,
// about 2 % above 25.5 ms), reproducible, redrawn below 0; a column part
// keeps each synapse's delay; Release drops them.
func TestInitDelaysDrawn(t *testing.T) {
	for _, c := range []struct {
		v     param.Value
		bytes int
	}{{param.Normal(0.5, 0.5), 1}, {param.Uniform(0, 100), 2}, {param.Normal(5, 10), 2}} {
		w := delayed(t, c.v)
		n := len(w.D8)
		if c.bytes == 2 {
			n = len(w.D)
		}
		if n != w.Len() || w.D8 != nil && w.D != nil {
			t.Fatalf("%v: %d delays of %d bytes for %d synapses", c.v, n, c.bytes, w.Len())
		}
		if got, want := w.Memory(), 4*(cap(w.Ptr)+cap(w.Idx)+cap(w.W))+c.bytes*w.Len(); got != want {
			t.Errorf("%v: memory %d B, want %d (%d per synapse for the delays)", c.v, got, want, c.bytes)
		}
		again := delayed(t, c.v)
		for k := range w.Len() {
			if again.Delay(k) != w.Delay(k) {
				t.Fatalf("%v: two draws differ", c.v)
			}
		}
		part := w.Columns(10, 20)
		q := 0
		for k, j := range w.Idx {
			if j >= 10 && j < 20 {
				if part.Delay(q) != w.Delay(k) {
					t.Fatalf("%v: part synapse %d: delay %d, whole %d", c.v, q, part.Delay(q), w.Delay(k))
				}
				q++
			}
		}
		if q != part.Len() || part.Validate() != nil {
			t.Errorf("%v: part: %d synapses, want %d (%v)", c.v, part.Len(), q, part.Validate())
		}
		if b := part.BytesPerSynapse(); b != 8+float64(c.bytes)+4*float64(part.Rows+1)/float64(part.Len()) {
			t.Errorf("%v: part: %.3f B per synapse, want %d + the row pointers", c.v, b, 8+c.bytes)
		}
		w.Release()
		if w.PerSynapseDelays() {
			t.Errorf("%v: Release kept the delays", c.v)
		}
	}
}

// Constants, and draws that all come out equal, are one value.
func TestInitDelaysUniform(t *testing.T) {
	for _, v := range []param.Value{param.Const(1.5), param.Uniform(0.3, 0.39)} {
		c := delayed(t, v)
		d, ok := c.UniformDelay()
		if !ok || c.PerSynapseDelays() || (d != 15 && d != 3) {
			t.Errorf("%v: uniform %v, %d steps", v, ok, d)
		}
		if c.Memory() != 4*(cap(c.Ptr)+cap(c.Idx)+cap(c.W)) {
			t.Errorf("%v: a common delay must cost nothing", v)
		}
	}
	c := delayed(t, param.Const(0.25))
	if d := c.Delay(3); d != 2 {
		t.Errorf("0.25 ms floored: %d steps, want 2", d)
	}
	c = &synapse.CSR{Rows: 1, Cols: 1, Ptr: []uint32{0, 1}, Idx: []uint32{0}, W: []float32{1}}
	if err := c.InitDelays(param.Const(0.25), 0.1, param.RoundSteps, rng.NewKey(1)); err != nil || c.Delay(0) != 3 {
		t.Errorf("0.25 ms rounded to the nearest: %d steps (%v), want 3", c.Delay(0), err)
	}
}

func TestInitDelaysErrors(t *testing.T) {
	c := &synapse.CSR{Rows: 1, Cols: 2, Ptr: []uint32{0, 2}, Idx: []uint32{0, 1}, W: []float32{1, 1}}
	for _, x := range []struct {
		v    param.Value
		want string
	}{
		{param.Const(-0.1), "must be >= 0"},
		{param.Array(0.1, -1), "delay_ms[1] = -1"},
		{param.Const(7000), "exceeds the limit of 65535 steps"},
		{param.Uniform(-2, -1), "below 0"},
	} {
		if err := c.InitDelays(x.v, 0.1, param.Steps, rng.NewKey(1)); err == nil || !strings.Contains(err.Error(), x.want) {
			t.Errorf("%v: %v, want %q", x.v, err, x.want)
		}
	}
	c.D = []uint16{1}
	if err := c.Validate(); err == nil {
		t.Error("1 delay for 2 synapses validated")
	}
}
