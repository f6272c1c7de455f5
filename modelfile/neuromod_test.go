package modelfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
)

// modBase has a size-1 modulator M with an axon "slow" and a plastic
// projection EE (line 12 onwards).
const modBase = `network: {dt_ms: 0.1, seed: 1}
populations:
  E:
    size: 10
    model: {kind: lif, tau_ms: 20}
  M:
    size: 1
    model: {kind: rate, tau_ms: 10}
    axons:
      slow: {delay_ms: 5}
projections:
  EE:
    from: E
    to: E
    connectivity: {kind: all_to_all}
    weight: 0.1
`

const stdp = "    plasticity: {kind: stdp}\n"

func TestExtensionErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"follow typo", modBase + stdp + "    follow: MM\n",
			`x.yaml:18: projections.EE.follow: MM: no such population; did you mean "M"?`},
		{"latency eta", modBase + "    latency: {kind: align, eta: 1.5, window_ms: 5, max_ms: 5}\n",
			"x.yaml:17: projections.EE.latency.eta: 1.5: must lie in [0, 1]"},
		{"latency max missing", modBase + "    latency: {kind: align, eta: 0.5, window_ms: 5}\n",
			"x.yaml:17: projections.EE.latency.max_ms: missing required field"},
		{"latency init above max", modBase + "    latency: {kind: align, eta: 0.5, window_ms: 5, max_ms: 2, init_ms: 3}\n",
			"x.yaml:17: projections.EE.latency.init_ms: 3: must lie in [0, 2]"},
		{"latency kind", modBase + "    latency: {kind: aline, eta: 0.5, window_ms: 5, max_ms: 2}\n",
			`x.yaml:17: projections.EE.latency.kind: aline: unknown value; did you mean "align"?`},
		{"follow without plasticity", modBase + "    follow: M\n",
			"x.yaml:17: projections.EE.follow: M: only plasticity reads a neuromodulator"},
		{"modulator axon typo", modBase + stdp + "    follow: M\n    modulator_axon: slw\n",
			`x.yaml:19: projections.EE.modulator_axon: slw: no such axon in population M; did you mean "slow"? (valid: out, slow)`},
		{"modulator axon without follow", modBase + stdp + "    modulator_axon: slow\n",
			"x.yaml:18: projections.EE.modulator_axon: slow: needs follow"},
		{"follow key typo", modBase + stdp + "    folow: M\n",
			`x.yaml:18: projections.EE.folow: unknown field; did you mean "follow"?`},
		{"plasticity kind", modBase + "    plasticity: {kind: convergnt}\n",
			`x.yaml:17: projections.EE.plasticity.kind: convergnt: unknown value; did you mean "convergent"?`},
		{"convergent tau", modBase + "    plasticity: {kind: convergent, tau_ms: 0.01}\n",
			"x.yaml:17: projections.EE.plasticity.tau_ms: 0.01: must be >= 0.1"},
		{"convergent field", modBase + "    plasticity: {kind: convergent, tau: 10}\n",
			`x.yaml:17: projections.EE.plasticity.tau: unknown field; did you mean "tau_ms"?`},
		{"composite element", modBase + "    plasticity:\n      - {kind: stdp}\n      - {kind: convergent, C: 0}\n",
			`x.yaml:19: projections.EE.plasticity[1].C: unknown field; did you mean "c"?`},
		{"composite empty", modBase + "    plasticity: []\n", "x.yaml:17: projections.EE.plasticity: [...]: need at least one rule"},
		{"list range", strings.Replace(modBase, "{kind: all_to_all}", "{kind: list, i: [0, 10], j: [1, 2]}", 1),
			"x.yaml:15: projections.EE.connectivity.i[1]: 10: must lie in [0, 9]"},
		{"list lengths", strings.Replace(modBase, "{kind: all_to_all}", "{kind: list, i: [0, 1], j: [1]}", 1),
			"x.yaml:15: projections.EE.connectivity.j: [...]: list of 1 values: must have one value per pair, as many as i (2)"},
		{"list missing", strings.Replace(modBase, "{kind: all_to_all}", "{kind: list, i: [0]}", 1),
			"x.yaml:15: projections.EE.connectivity.j: missing required field"},
		{"list repeat", strings.Replace(modBase, "{kind: all_to_all}", "{kind: list, i: [0, 0], j: [1, 1]}", 1),
			"x.yaml:15: projections.EE.connectivity.j[1]: 1: pair (0, 1) repeats pair 0; set multapses: true"},
		{"list kind typo", strings.Replace(modBase, "{kind: all_to_all}", "{kind: lst}", 1),
			`x.yaml:15: projections.EE.connectivity.kind: lst: unknown value; did you mean "list"?`},
		{"response kind", strings.Replace(modBase, "{delay_ms: 5}", "{delay_ms: 5, response: {kind: leakyy}}", 1),
			`x.yaml:10: populations.M.axons.slow.response.kind: leakyy: unknown value; did you mean "leaky"?`},
		{"response field", strings.Replace(modBase, "{delay_ms: 5}", "{response: {kind: leaky, tau: 5}}", 1),
			`x.yaml:10: populations.M.axons.slow.response.tau: unknown field; did you mean "tau_ms"?`},
		{"response tau", strings.Replace(modBase, "{delay_ms: 5}", "{response: {kind: leaky, tau_ms: -1}}", 1),
			"x.yaml:10: populations.M.axons.slow.response.tau_ms: -1: must be > 0"},
		{"response scale missing", strings.Replace(modBase, "{delay_ms: 5}", "{response: {kind: scaling}}", 1),
			"x.yaml:10: populations.M.axons.slow.response.scale: missing required field"},
		{"response per terminal", strings.Replace(modBase, "{delay_ms: 5}", "{terminals: 2, response: {kind: scaling, scale: [1, 2, 3]}}", 1),
			"x.yaml:10: populations.M.axons.slow.response.scale: [...]: list of 3 values: must have 1 or 2 (one per terminal) or 2 (one per neuron and terminal)"},
		{"response distribution", strings.Replace(modBase, "{delay_ms: 5}", "{response: {kind: scaling, scale: {uniform: [0, 1]}}}", 1),
			"x.yaml:10: populations.M.axons.slow.response.scale: {...}: must be a number or a list"},
		{"response field of other kind", strings.Replace(modBase, "{delay_ms: 5}", "{response: {kind: flat, tau_ms: 5}}", 1),
			"x.yaml:10: populations.M.axons.slow.response.tau_ms: unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
}

func TestExtensionsBuild(t *testing.T) {
	src := strings.Replace(modBase, "{delay_ms: 5}", "{delay_ms: 5, terminals: 2, response: {kind: scaling, scale: [1, 0.5]}}", 1)
	src = strings.Replace(src, "{kind: all_to_all}", "{kind: list, i: [0, 1, 1], j: [1, 2, 2], multapses: true}", 1)
	src += `    plasticity:
      - {kind: modulated, rule: {kind: stdp, a_plus: 0.001, a_minus: 0.001}}
      - {kind: convergent, tau_ms: 100, c: 0.05}
    follow: M
    modulator_axon: slow
  EM:
    from: M
    axon: out
    to: E
    connectivity: {kind: all_to_all}
    weight: 1
`
	src = strings.Replace(src, "  M:\n", "  M:\n    stimuli: [{square_pulse: {low: 0, high: 1, period_steps: 100, width_steps: 50}}]\n", 1)
	src = strings.Replace(src, "slow: {", "out: {response: {kind: limited_flat, duration_ms: 2}}\n      slow: {", 1)
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := m.projs[0].c
	if c.Follow != "M" || c.ModulatorAxon != "slow" {
		t.Errorf("follow %q axon %q", c.Follow, c.ModulatorAxon)
	}
	if l, ok := c.Pattern.(connectivity.List); !ok || len(l.I) != 3 || !l.Multapses {
		t.Errorf("pattern %#v", c.Pattern)
	}
	if comp, ok := c.Plasticity.(plasticity.Composite); !ok || len(comp.Rules) != 2 {
		t.Errorf("plasticity %#v", c.Plasticity)
	} else if cv := comp.Rules[1].(plasticity.Convergent); cv.TauMs != 100 || cv.C != 0.05 {
		t.Errorf("convergent %#v", cv)
	}
	if _, ok := m.pops[1].axons[1].spec.Response.(response.Scaling); !ok {
		t.Errorf("response %#v", m.pops[1].axons[1].spec.Response)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	spikes(t, net, 200)
}

// The neuromodulation example's weights change only with dopamine, and
// in the direction its STDP window implies: with a_plus·tau_plus above
// a_minus·tau_minus, uncorrelated pre- and postsynaptic spikes (plus the
// causal pairings the input makes) potentiate on average, so the mean
// weight grows while dopamine is present; with the dopamine pulse set to 0
// the modulated rule changes nothing and every weight stays as drawn.
func TestNeuromodulationExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "neuromodulation", "neuromodulation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(src []byte) (initial, final []float32) {
		m, err := Parse("neuromodulation.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		net, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := net.Projection("syn")
		initial = slices.Clone(p.Runtime.Syn.W)
		spikes(t, net, 5000) // 500 ms: two and a half dopamine pulses
		return initial, p.Runtime.Syn.W
	}
	mean := func(w []float32) float64 {
		s := 0.0
		for _, x := range w {
			s += float64(x)
		}
		return s / float64(len(w))
	}
	init, with := run(src)
	if !(mean(with) > mean(init)) {
		t.Errorf("with dopamine the mean weight went from %g to %g; the window favours potentiation", mean(init), mean(with))
	}
	silent := strings.Replace(string(src), "high: 1", "high: 0", 1)
	if silent == string(src) {
		t.Fatal("the example has no dopamine pulse of height 1 to silence")
	}
	init0, without := run([]byte(silent))
	if !slices.Equal(init0, without) {
		t.Errorf("without dopamine the weights changed (mean %g to %g)", mean(init0), mean(without))
	}
}

// A learnt latency in a model file reaches the built projection with its
// parameters: init_ms in steps, max_ms as the bound in steps.
func TestLatencyBuilds(t *testing.T) {
	m, err := Parse("x.yaml", []byte(modBase+"    latency: {kind: align, eta: 0.25, window_ms: 5, max_ms: 2, init_ms: 0.5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := net.Projection("EE")
	a, ok := p.Latency.(latency.Align)
	if !ok || a.Eta != 0.25 || a.WindowMs != 5 || a.Max != 2 || !p.Plastic {
		t.Fatalf("latency spec %#v (plastic %v), want align with eta 0.25, window 5 ms, max 2 ms", p.Latency, p.Plastic)
	}
	if p.LatencyMax != 20 {
		t.Errorf("largest learnt latency %d steps, want 2 ms / 0.1 ms = 20", p.LatencyMax)
	}
	for k, l := range p.Runtime.Latencies() {
		if l != float32(0.5/0.1) {
			t.Fatalf("synapse %d: initial learnt latency %g steps, want 5", k, l)
		}
	}
}
