package modelfile

import (
	"errors"
	"go.yaml.in/yaml/v3"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const base = `network: {dt_ms: 0.1, seed: 1}
populations:
  E:
    size: 10
    model: {kind: lif, tau_ms: 20}
    receptors:
      ge: {kernel: exp_current, tau_ms: 5}
`

func TestBrokenFiles(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"negative tau", "populations:\n  E:\n    size: 3\n    model:\n      kind: lif\n      tau_ms: -20\n",
			"x.yaml:6: populations.E.model.tau_ms: -20: must be > 0"},
		{"unknown field", base + "    modle: 1\n", `x.yaml:8: populations.E.modle: unknown field; did you mean "model"?`},
		{"unknown model field", strings.Replace(base, "tau_ms: 20", "tau: 20", 1), `x.yaml:5: populations.E.model.tau: unknown field; did you mean "tau_ms"?`},
		{"bad kind", strings.Replace(base, "kind: lif", "kind: lifx", 1), `x.yaml:5: populations.E.model.kind: lifx: unknown value; did you mean "lif"?`},
		{"wrong type", strings.Replace(base, "size: 10", "size: ten", 1), "x.yaml:4: populations.E.size: ten: must be a number, not a string"},
		{"missing size", strings.Replace(base, "    size: 10\n", "", 1), "x.yaml:3: populations.E.size: missing required field"},
		{"unknown population", base + "projections:\n  EE: {from: F, to: E, receptor: ge, connectivity: {kind: all_to_all}, weight: 1}\n",
			`x.yaml:9: projections.EE.from: F: no such population; did you mean "E"?`},
		{"unknown receptor", base + "projections:\n  EE: {from: E, to: E, receptor: gee, connectivity: {kind: all_to_all}, weight: 1}\n",
			`x.yaml:9: projections.EE.receptor: gee: no such receptor in population E; did you mean "ge"?`},
		{"unknown axon", base + "projections:\n  EE: {from: E, to: E, axon: outt, connectivity: {kind: all_to_all}, weight: 1}\n",
			`x.yaml:9: projections.EE.axon: outt: no such axon in population E; did you mean "out"?`},
		{"bad p", base + "projections:\n  EE:\n    from: E\n    to: E\n    connectivity: {kind: bernoulli, p: 1.5}\n    weight: 1\n",
			"x.yaml:12: projections.EE.connectivity.p: 1.5: must lie in [0, 1]"},
		{"bad pattern", base + "projections:\n  EE: {from: E, to: E, connectivity: {kind: fixed_indegree, k: 2}, weight: 1}\n",
			`projections.EE.connectivity.kind: fixed_indegree: unknown value; did you mean "fixed_in_degree"?`},
		{"list length", strings.Replace(base, "tau_ms: 20", "tau_ms: [1, 2]", 1),
			"x.yaml:5: populations.E.model.tau_ms: [...]: list of 2 values: must have one value per element (10)"},
		{"bad distribution", strings.Replace(base, "tau_ms: 20", "v0_mV: {uniform: [1]}", 1),
			"populations.E.model.v0_mV.uniform: [...]: must be a list of two numbers"},
		{"malformed", "network: {dt_ms: 0.1\npopulations: [\n", "x.yaml:"},
		{"tabs", "network:\n\tdt_ms: 1\n", "invalid YAML"},
		{"empty", "", "empty file"},
		{"not a mapping", "- 1\n- 2\n", "must be a mapping"},
		{"duplicate", base + "  E:\n    size: 2\n", "x.yaml:8: populations.E: duplicate key"},
		{"top level", base + "projection: {}\n", `x.yaml:8: projection: unknown field; did you mean "projections"?`},
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

func TestAllErrorsInOnePass(t *testing.T) {
	src := `network: {dt_ms: -1, seeed: 2}
populations:
  E:
    size: 0
    model: {kind: lif, tau_ms: -20, rest_mv: 1}
    receptors:
      ge: {kernel: exp_curent}
projections:
  EE: {from: E, to: X, connectivity: {kind: bernoulli}, weight: 1}
`
	_, err := Parse("multi.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %v", err)
	}
	want := []string{
		"multi.yaml:1: network.dt_ms: -1: must be > 0",
		`multi.yaml:1: network.seeed: unknown field; did you mean "seed"?`,
		"multi.yaml:4: populations.E.size: 0: must lie in [1, 2147483647]",
		"multi.yaml:5: populations.E.model.tau_ms: -20: must be > 0",
		`multi.yaml:5: populations.E.model.rest_mv: unknown field; did you mean "rest_mV"?`,
		`multi.yaml:7: populations.E.receptors.ge.kernel: exp_curent: unknown value; did you mean "exp_current"?`,
		`multi.yaml:9: projections.EE.to: X: no such population; did you mean "E"?`,
		"multi.yaml:9: projections.EE.connectivity.p: missing required field",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
	if len(es) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(es), len(want), err)
	}
}

// A mistake is reported once, where it is: a monitor of a projection or a
// population with errors of its own adds none (a new user got "no such
// projection" for a projection whose p was 1.1, "neurons: unknown field"
// for a monitor of an unknown population, and "must lie in [0, -2]" for
// the neurons of a population of size 0).
func TestNoFollowOnErrors(t *testing.T) {
	pops := `populations:
  E:
    size: SIZE
    model: {kind: lif, tau_ms: 20}
    receptors:
      ge: {kernel: exp_current, tau_ms: 5}
`
	for _, tc := range []struct{ name, src, want string }{
		{"bad projection, monitored", strings.Replace(pops, "SIZE", "10", 1) + `projections:
  PE: {from: E, to: E, connectivity: {kind: bernoulli, p: 1.1}, weight: 1, receptor: ge, plasticity: {kind: stdp}}
monitors:
  weights: [PE]
`, "x.yaml:8: projections.PE.connectivity.p: 1.1: must lie in [0, 1]"},
		{"monitor of an unknown population", strings.Replace(pops, "SIZE", "10", 1) + `monitors:
  state: [{population: X, var: v, neurons: [0, 1]}]
`, `x.yaml:8: monitors.state[0].population: X: no such population; did you mean "E"?`},
		{"monitor of a population of bad size", strings.Replace(pops, "SIZE", "0", 1) + `monitors:
  state: [{population: E, var: v, neurons: [0, 1]}]
`, "x.yaml:3: populations.E.size: 0: must lie in [1, 2147483647]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("got %v, want Errors", err)
			}
			if len(es) != 1 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got\n%v\nwant only\n%s", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../examples/*/*.yaml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(base))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data)
		if (m == nil) == (err == nil) {
			t.Fatalf("model %v, error %v", m, err)
		}
	})
}

// The problems found when the network is built — a population's model
// (reset above threshold) or a projection's pattern (one-to-one between
// sizes that differ) — are at the line of the element's name, under its
// path, each once, without the element's name again — at the line and
// path of the field a message names ("reset_mV = -50"), where the element
// has one key of that name.
func TestBuildErrorsAtTheirLines(t *testing.T) {
	src := `network: {dt_ms: 0.1}
populations:
  E:
    size: 10
    model: {kind: lif, tau_ms: 20, rest_mV: -65, threshold_mV: -54, reset_mV: -50}
  I:
    size: 100
    model: {kind: lif, tau_ms: 20}
    receptors:
      syn: {kernel: delta}
  F: {size: 10, model: {kind: lif}}
projections:
  II: {from: I, to: I, receptor: syn, connectivity: {kind: one_to_one}, weight: 1}
  FI: {from: F, to: I, receptor: syn, connectivity: {kind: one_to_one}, weight: 1}
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Build()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %v, want Errors", err)
	}
	want := []string{
		"x.yaml:5: populations.E.model.reset_mV: lif: reset_mV = -50: must be < threshold_mV = -54",
		"x.yaml:13: projections.II: connectivity: one-to-one within one population connects every neuron to itself: allow autapses (Shape.Autapses; autapses: true in a model file), or use Invert(OneToOne{}) for everyone but oneself",
		"x.yaml:14: projections.FI: connectivity: one-to-one needs as many sources as targets, have 10 sources (Rows) and 100 targets (Cols)",
	}
	if len(es) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(es), len(want), err)
	}
	for i, w := range want {
		if es[i].Error() != w {
			t.Errorf("problem %d: %q, want %q", i, es[i].Error(), w)
		}
	}
}

// A constant delay above 0 that rounds to no step draws a warning at its
// line (rounded down, an axon's default, or to the nearest step); one of
// a step or more, or of 0, draws none.
func TestSubStepDelayWarns(t *testing.T) {
	src := `network: {dt_ms: 0.1}
populations:
  E:
    size: 10
    model: {kind: lif}
    receptors: {syn: {kernel: delta}}
    axons: {out: {delay_ms: 0.05}, far: {delay_ms: 0.1}, none: {delay_ms: 0}}
projections:
  EE: {from: E, to: E, receptor: syn, connectivity: {kind: all_to_all}, weight: 0.1, delay_ms: 0.04, delay_rounding: nearest}
  EF: {from: E, to: E, axon: far, receptor: syn, connectivity: {kind: all_to_all}, weight: 0.1, delay_ms: 0.06, delay_rounding: nearest}
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"x.yaml:7: populations.E.axons.out.delay_ms: 0.05: valid, but shorter than a step: rounded down it is 0 steps of dt = 0.1 ms",
		"x.yaml:9: projections.EE.delay_ms: 0.04: valid, but shorter than a step: rounded to the nearest step it is 0 steps of dt = 0.1 ms",
	}
	got := m.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings %q, want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("warning %d: %q, want it to begin %q", i, got[i], w)
		}
	}
}

// TestNamedField checks which key a build error's message points at: the
// one key of the name it gives first ("K = 20" is connectivity.k), the one
// under the section the message starts with where several keys share the
// name (a model's tau_ms, not its receptor's), and none where it cannot
// tell or no key has the name.
func TestNamedField(t *testing.T) {
	var n yaml.Node
	src := "size: 10\nmodel: {kind: lif, tau_ms: 0.05}\nreceptors:\n  syn: {kernel: exp_current, tau_ms: 5}\n" +
		"connectivity: {kind: fixed_in_degree, k: 20}\n"
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	fields := fieldLines(n.Content[0])
	for _, c := range []struct {
		msg, path string
		line      int
	}{
		{"lif: tau_ms = 0.05: Euler integration ...", "model.tau_ms", 2},
		{"connectivity: fixed-in-degree: K = 20 > 10 presynaptic rows", "connectivity.k", 5},
		{"receptors: tau_ms = 5: ...", "receptors.syn.tau_ms", 4},
		{"tau_ms = 1: no section", "", 0},
		{"initial weight 1.5 lies outside the bounds", "", 0},
		{"lif: reset_mV = -40: must be below", "", 0},
	} {
		path, line, ok := namedField(c.msg, fields)
		if path != c.path || line != c.line || ok != (c.path != "") {
			t.Errorf("%q: %q at line %d (%v), want %q at %d", c.msg, path, line, ok, c.path, c.line)
		}
	}
}

// TestMisindentedLine checks the line a "did not find expected key" error
// is reported at: the first line indented to no open level, where the
// YAML parser names the block it was in; forms the search does not follow
// (lists, block scalars, flow collections over lines) leave the parser's.
func TestMisindentedLine(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int
	}{
		{"populations:\n  E:\n    size: 10\n   model: {kind: lif}\n", 4},
		{"populations:\n  E:\n    size: 10\n    model: {kind: lif}\n", 0},
		{"a:\n  b: 1\n    c: 2\n", 3},
		{"a: |\n  text\n    more\n", 0},
		{"a: {b: 1,\n    c: 2}\n", 0},
		{"a:\n  - 1\n  - 2\n", 0},
		{"populations:\n  E:   # excitatory\n    size: 10\n   model: {kind: lif}\n", 4},
		{"populations:\n  E: &pop\n    size: 10\n    model: {kind: lif}\n  F:\n    size: 3\n     model: {kind: lif}\n", 7},
	} {
		if got := misindented([]byte(c.src)); got != c.want {
			t.Errorf("%q: line %d, want %d", c.src, got, c.want)
		}
	}
	_, err := Parse("y.yaml", []byte("populations:\n  E:\n    size: 10\n   model: {kind: lif}\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "y.yaml:4: invalid YAML: did not find expected key") {
		t.Errorf("Parse: %v, want the error at line 4", err)
	}
}
