package synapse_test

import (
	"slices"
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

// Drawn delays: one uint16 per synapse, reproducible, redrawn below 0;
// a column part keeps each synapse's delay; Release drops them.
func TestInitDelaysDrawn(t *testing.T) {
	c := delayed(t, param.Normal(0.5, 0.5))
	if len(c.D) != c.Len() {
		t.Fatalf("%d delays for %d synapses", len(c.D), c.Len())
	}
	if got, want := c.Memory(), 4*(cap(c.Ptr)+cap(c.Idx)+cap(c.W))+2*c.Len(); got != want {
		t.Errorf("memory %d B, want %d (2 per synapse for the delays)", got, want)
	}
	if !slices.Equal(c.D, delayed(t, param.Normal(0.5, 0.5)).D) {
		t.Error("two draws differ")
	}
	part := c.Columns(10, 20)
	q := 0
	for k, j := range c.Idx {
		if j >= 10 && j < 20 {
			if part.D[q] != c.D[k] {
				t.Fatalf("part synapse %d: delay %d, whole %d", q, part.D[q], c.D[k])
			}
			q++
		}
	}
	if q != len(part.D) || part.Validate() != nil {
		t.Errorf("part: %d delays for %d synapses (%v)", len(part.D), q, part.Validate())
	}
	if b := part.BytesPerSynapse(); b != 10+4*float64(part.Rows+1)/float64(part.Len()) {
		t.Errorf("part: %.3f B per synapse, want 10 + the row pointers", b)
	}
	c.Release()
	if c.D != nil {
		t.Error("Release kept the delays")
	}
}

// Constants, and draws that all come out equal, are one value.
func TestInitDelaysUniform(t *testing.T) {
	for _, v := range []param.Value{param.Const(1.5), param.Uniform(0.3, 0.39)} {
		c := delayed(t, v)
		d, ok := c.UniformDelay()
		if !ok || c.D != nil || (d != 15 && d != 3) {
			t.Errorf("%v: uniform %v, %d steps, %d per synapse", v, ok, d, len(c.D))
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
