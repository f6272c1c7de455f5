package modelfile

import (
	"strings"
	"testing"
)

// A projection's delay_ms: a constant (one value, no memory per synapse),
// a distribution drawn per synapse, delay_rounding nearest; the synaptic
// delay adds to the axon's.
func TestSynapticDelays(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 3}
populations:
  A:
    size: 20
    model: {kind: lif}
    axons: {out: {delay_ms: 1}}
  B: {size: 20, model: {kind: lif}}
projections:
  AB: {from: A, to: B, connectivity: {kind: all_to_all}, weight: 1, delay_ms: 0.3}
  BA: {from: B, to: A, connectivity: {kind: all_to_all}, weight: 1, delay_ms: {normal: [1.5, 0.75]}}
  BB: {from: B, to: B, connectivity: {kind: all_to_all}, weight: 1, delay_ms: 0.25, delay_rounding: nearest}
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	ab, _ := net.Projection("AB")
	if d, ok := ab.Runtime.Syn.UniformDelay(); !ok || d != 3 {
		t.Errorf("AB: delay_ms 0.3: %d steps (one value: %v), want 3", d, ok)
	}
	bb, _ := net.Projection("BB")
	if d, ok := bb.Runtime.Syn.UniformDelay(); !ok || d != 3 {
		t.Errorf("BB: delay_ms 0.25 rounded to the nearest step: %d steps, want 3", d)
	}
	ba, _ := net.Projection("BA")
	if lo, hi := ba.Runtime.Syn.DelayRange(); len(ba.Runtime.Syn.D8) != 400 || lo >= hi {
		t.Errorf("BA: %d delays from %d to %d steps, want one per synapse (400), drawn", len(ba.Runtime.Syn.D8), lo, hi)
	}
	// A's links: 1 + 10 + 3 (AB); B's: 1 + 0 + min(BA, BB = 3).
	lo, _ := ba.Runtime.Syn.DelayRange()
	if got, want := net.MinLatency(), 1+min(13, lo, 3); got != want {
		t.Errorf("segment length %d, want %d", got, want)
	}
}

func TestSynapticDelayErrors(t *testing.T) {
	head := `network: {dt_ms: 0.1}
populations:
  A: {size: 2, model: {kind: lif}}
projections:
  AA:
    from: A
    to: A
    connectivity: {kind: all_to_all}
    weight: 0.5
`
	for _, c := range []struct{ name, extra, want string }{
		{"negative", "    delay_ms: -1\n", "x.yaml:10: projections.AA.delay_ms: -1: must be >= 0"},
		{"rounding without delay", "    delay_rounding: nearest\n", "x.yaml:10: projections.AA.delay_rounding: nearest: needs delay_ms"},
		{"bad rounding", "    delay_ms: 1\n    delay_rounding: up\n", "x.yaml:11: projections.AA.delay_rounding: up: unknown value"},
		{"plastic", "    delay_ms: {uniform: [0, 1]}\n    plasticity: [{kind: stdp, tau_plus_ms: 20, tau_minus_ms: 20, a_plus: 0.01, a_minus: 0.01}]\n",
			"x.yaml:10: projections.AA.delay_ms: {...}: synaptic delays that differ per synapse cannot be combined with plasticity"},
	} {
		_, err := Parse("x.yaml", []byte(head+c.extra))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
