package modelfile

import (
	"math"
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

// A distribution with a redraw bound (min): NEST's microcircuit delays,
// normal(1.5, 0.75) redrawn below 0.05 ms and rounded to the nearest step,
// never give 0 steps, while without the bound about Φ(−1.93) ≈ 2.7 % of
// the draws fall below 0.05 ms (0 steps). Both counts are checked against
// the normal distribution's mass.
func TestDelayRedrawBound(t *testing.T) {
	src := func(delay string) string {
		return `network: {dt_ms: 0.1, seed: 5}
populations:
  A: {size: 200, model: {kind: lif}}
projections:
  AA: {from: A, to: A, connectivity: {kind: all_to_all}, weight: 1, delay_rounding: nearest, delay_ms: ` + delay + `}
`
	}
	zeros := func(delay string) (int, int) {
		m, err := Parse("x.yaml", []byte(src(delay)))
		if err != nil {
			t.Fatal(err)
		}
		net, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := net.Projection("AA")
		n := 0
		for _, d := range p.Runtime.Syn.D8 {
			if d == 0 {
				n++
			}
		}
		return n, len(p.Runtime.Syn.D8)
	}
	// Unbounded (redrawn below 0 only): 0 steps for draws in [0, 0.05):
	// P = (Φ(−1.933) − Φ(−2)) / (1 − Φ(−2)).
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	p := (phi((0.05-1.5)/0.75) - phi(-2)) / (1 - phi(-2))
	n0, n := zeros("{normal: [1.5, 0.75]}")
	if want, sd := p*float64(n), math.Sqrt(p*float64(n)); math.Abs(float64(n0)-want) > 5*sd {
		t.Errorf("without min: %d of %d delays are 0 steps, want %.0f ± %.0f", n0, n, want, 5*sd)
	}
	if n0, n := zeros("{normal: [1.5, 0.75], min: 0.05}"); n0 != 0 || n != 200*199 {
		t.Errorf("with min 0.05: %d of %d delays are 0 steps, want none of 39800 (all to all, no autapses)", n0, n)
	}
}

func TestDistributionBoundErrors(t *testing.T) {
	head := `network: {dt_ms: 0.1}
populations:
  A: {size: 2, model: {kind: lif, tau_ms: `
	for _, c := range []struct{ name, tau, want string }{
		{"min above max", "{normal: [10, 1], min: 5, max: 4}}}\n", "x.yaml:3: populations.A.model.tau_ms: {...}: min = 5, max = 4: min must be <= max"},
		{"misspelt", "{normal: [10, 1], mn: 5}}}\n", `populations.A.model.tau_ms.mn: unknown field; did you mean "min"?`},
		{"min checked", "{normal: [10, 1], min: -1}}}\n", "populations.A.model.tau_ms.min: -1: min must be > 0"},
		{"uniform outside", "{uniform: [1, 2], min: 3}}}\n", "min = 3, max = +Inf: no value of uniform [1, 2) lies within them"},
		{"two shapes", "{uniform: [1, 2], normal: [1, 1]}}}\n", "both uniform and normal"},
		{"bounds only", "{min: 1}}}\n", "a distribution is {uniform: [lo, hi]} or {normal: [mean, sd]}"},
		{"unreachable", "{normal: [10, 1], min: 100}}}\n", "1000 draws in a row outside the bounds"},
	} {
		m, err := Parse("x.yaml", []byte(head+c.tau))
		if err == nil {
			_, err = m.Build()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
