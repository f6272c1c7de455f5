package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Time flags: a number with a unit, or a plain number of ms where allowed.
// The expected values are derived by hand from the units' definitions.
func TestParseMs(t *testing.T) {
	ok := []struct {
		in      string
		plainMs bool
		ms      float64
	}{
		{"1s", true, 1000},
		{"500ms", true, 500},
		{"2.5min", true, 150000}, // 2.5 × 60 s
		{"1h", true, 3600000},    // 60 × 60 × 1000
		{"250us", true, 0.25},
		{"250µs", true, 0.25}, // micro sign
		{"250μs", true, 0.25}, // Greek mu
		{"1e3", true, 1000},   // a plain number is ms
		{"1e3ms", true, 1000},
		{"0.1", true, 0.1},
		{" 2 s ", true, 2000},
		{"15s", false, 15000},
		{"1.5e-3s", false, 1.5},
	}
	for _, c := range ok {
		got, err := parseMs(c.in, c.plainMs)
		if err != nil || got != c.ms {
			t.Errorf("parseMs(%q, plain ms %v) = %g, %v; want %g ms", c.in, c.plainMs, got, err, c.ms)
		}
	}
	bad := []struct {
		in      string
		plainMs bool
		why     string
	}{
		{"", true, "empty"},
		{"   ", true, "empty"},
		{"-1s", true, "must be > 0"},
		{"-5", true, "must be > 0"},
		{"0", true, "must be > 0"},
		{"0ms", true, "must be > 0"},
		{"NaN", true, "not a finite time"},
		{"NaNs", true, "not a finite time"},
		{"inf", true, "not a finite time"},
		{"1e400", true, "too large"},
		{"1e306h", true, "too large"}, // finite, but × 3.6e6 ms is not
		{"2m", true, `"m" is ambiguous`},
		{"1m30s", true, "not a time"},
		{"1 week", true, "not a time"},
		{"s", true, "no number before the unit"},
		{"abc", true, "not a time"},
		{"15", false, "a unit is needed"},
	}
	for _, c := range bad {
		_, err := parseMs(c.in, c.plainMs)
		if err == nil || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "such as") {
			t.Errorf("parseMs(%q, plain ms %v): error %v; want one saying %q and the valid forms", c.in, c.plainMs, err, c.why)
		}
	}
}

// A bad time names the flag, the value and the valid forms, on one line
// prefixed with the program's name; exit 2.
func TestTimeFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "fi", "--duration", "5 parsecs"}, `spiral-node run: invalid value "5 parsecs" for flag -duration: not a time; give a number with a unit`},
		{[]string{"run", "fi", "--duration", "-1s"}, `spiral-node run: invalid value "-1s" for flag -duration: must be > 0`},
		{[]string{"run", "fi", "--peer-timeout", "15"}, `spiral-node run: invalid value "15" for flag -peer-timeout: a unit is needed; give a number with a unit`},
		{[]string{"run", "fi", "--peer-timeout", "1e300h"}, `spiral-node run: --peer-timeout 1e+300h: must be between 1 ns and`},
		{[]string{"plot", "x", "--bin", "-1"}, `spiral-node plot: invalid value "-1" for flag -bin: must be > 0`},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		if first, _, _ := strings.Cut(errb.String(), "\n"); !strings.HasPrefix(first, c.want) {
			t.Errorf("%v: first line of stderr %q; want it to begin %q", c.args, first, c.want)
		}
	}
}

// --duration with units runs as long as the same time in ms.
func TestDurationUnits(t *testing.T) {
	for _, d := range []string{"0.05s", "50ms", "50", "5e4us"} {
		var out, errb bytes.Buffer
		if code := run([]string{"run", "fi", "--duration", d, "--quiet"}, &out, &errb); code != 0 {
			t.Fatalf("--duration %s: exit %d: %s", d, code, errb.String())
		}
		if !strings.Contains(out.String(), ", 50 ms simulated,") {
			t.Errorf("--duration %s: not 50 ms:\n%s", d, out.String())
		}
	}
}

// The msFlag's default shows in the flag's help with its unit.
func TestMsFlagDefault(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &msFlag{name: "peer-timeout", ms: 15000}
	fs.Var(f, "peer-timeout", "")
	if got := fs.Lookup("peer-timeout").DefValue; got != "15s" {
		t.Errorf("default shown as %q, want 15s", got)
	}
	if err := fs.Parse([]string{"--peer-timeout", "2.5min"}); err != nil || f.ms != 150000 || !f.set {
		t.Errorf("--peer-timeout 2.5min: %g ms, set %v, %v; want 150000 ms", f.ms, f.set, err)
	}
	if d, err := f.duration(); err != nil || d.Seconds() != 150 {
		t.Errorf("as a duration: %v, %v; want 2m30s", d, err)
	}
}

// Errors of every command: the usage without a model, a did-you-mean for
// a misspelt built-in model, a folder named as such; every line on stderr
// begins with the program's name.
func TestCommandErrors(t *testing.T) {
	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, "net.yaml"), []byte("populations: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(folder, "net.yaml")
	for _, c := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"run"}, 2, "usage: spiral-node run MODEL"},
		{[]string{"run", "--quiet"}, 2, "spiral-node run: no model: give a built-in model's name"},
		{[]string{"run", "brunl"}, 2, `spiral-node run: unknown model "brunl"; did you mean "brunel"? (built-in: brunel, coba, cuba, fi, stdp;`},
		{[]string{"run", "zzzzzz"}, 2, `spiral-node run: unknown model "zzzzzz" (built-in: brunel, coba, cuba, fi, stdp;`},
		{[]string{"inspect", "cubba"}, 2, `spiral-node inspect: unknown model "cubba"; did you mean "cuba"?`},
		{[]string{"run", folder}, 2, "spiral-node run: " + folder + " is a folder, not a model: give a model file (it holds " + model + ")"},
		{[]string{"validate", folder}, 2, "spiral-node validate: " + folder + " is a folder, not a model file (it holds " + model + ")"},
		{[]string{"validate"}, 2, "spiral-node validate: no model file given"},
		{[]string{"validate", "brunel"}, 2, "spiral-node validate: brunel is a built-in model, not a model file: validate checks model files (spiral-node inspect brunel"},
		{[]string{"validate", model}, 2, "spiral-node validate: " + model},
		{[]string{"run", model}, 2, "spiral-node run: " + model},
		{[]string{"run", "fi", "--bogus"}, 2, "spiral-node run: flag provided but not defined: -bogus"},
		{[]string{"inspect", "fi", "--bogus"}, 2, "spiral-node inspect: flag provided but not defined: -bogus"},
		{[]string{"validate", "--bogus"}, 2, "spiral-node validate: flag provided but not defined: -bogus"},
		{[]string{"plot", "--bogus"}, 2, "spiral-node plot: flag provided but not defined: -bogus"},
		{[]string{"plot"}, 2, "spiral-node plot: no run directory given"},
		{[]string{"plot", folder}, 2, "spiral-node plot: "},
		{[]string{"worker", "--bogus"}, 2, "spiral-node worker: flag provided but not defined: -bogus"},
		{[]string{"fly"}, 2, `spiral-node: unknown command "fly" (commands: run, resume, validate, inspect, plot, tls, serve, models, version;`},
		{[]string{"runn"}, 2, `spiral-node: unknown command "runn"; did you mean "run"?`},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, want %d, and stderr with %q:\n%s", c.args, code, c.code, c.want, errb.String())
		}
		checkPrefixed(t, c.args, errb.String())
	}
}

// checkPrefixed fails t unless every error line of stderr begins with the
// program's name: "spiral-node:" or "spiral-node COMMAND". The usage and
// flag lists that follow a usage error are not error lines.
func checkPrefixed(t *testing.T, args []string, stderr string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		switch {
		case line == "", strings.HasPrefix(line, "spiral-node:"), strings.HasPrefix(line, "spiral-node "),
			strings.HasPrefix(line, "usage:"), strings.HasPrefix(line, "MODEL:"), strings.HasPrefix(line, "  "),
			strings.HasPrefix(line, "Renders the plots"):
			continue
		}
		t.Errorf("%v: a line of stderr without the program's name: %q", args, line)
	}
}

// --help lists the user's commands first, in order, hides the worker
// command, says what a model is and keeps the exit codes.
func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := out.String()
	last := -1
	for _, cmd := range []string{"\n  run MODEL", "\n  validate FILE", "\n  inspect MODEL", "\n  plot DIR", "\n  models", "\n  version"} {
		i := strings.Index(help, cmd)
		if i < 0 || i < last {
			t.Errorf("%q missing or out of order in:\n%s", cmd, help)
		}
		last = i
	}
	for _, want := range []string{"MODEL is a built-in model's name", "or a\nmodel file", "Exit codes:", "130  interrupted by SIGINT", "1s, 500ms, 2.5min"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "worker") && !strings.Contains(help, "a worker lost") {
		t.Errorf("help names the worker command:\n%s", help)
	}
	if strings.Contains(help, "\n  worker") {
		t.Errorf("help lists the worker command:\n%s", help)
	}
	// A command's --help goes to stdout too, exit 0.
	out.Reset()
	if code := run([]string{"run", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage: spiral-node run MODEL") {
		t.Errorf("run --help: exit %d:\n%s", code, out.String())
	}
}

// inspect estimates, by default, for run's default engine (lockstep), and
// prints its tables in binary units.
func TestInspectDefaultEngine(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", "cuba", "--scale", "0.1", "--estimate-only"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"\nlockstep engine: ", "the lockstep engine needs about"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, " MB") || strings.HasSuffix(line, " B") && !strings.HasSuffix(line, "KiB") {
			t.Errorf("a size not in KiB, MiB or GiB: %q", line)
		}
	}
}

// validate counts in the singular where there is one.
func TestValidateSingular(t *testing.T) {
	file := filepath.Join(t.TempDir(), "one.yaml")
	model := "populations:\n  A: {size: 1, model: {kind: lif}, receptors: {syn: {kernel: delta}}}\n" +
		"projections:\n  AA: {from: A, to: A, receptor: syn, connectivity: {kind: all_to_all}, autapses: true, weight: 0.1}\n"
	if err := os.WriteFile(file, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"validate", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := file + ": valid: 1 population, 1 neuron, 1 projection, 1 synapse\n"; out.String() != want {
		t.Errorf("validate said %q, want %q", out.String(), want)
	}
}

// eventsModel is a spike_array source of 2 neurons, all to all onto 10
// LIF neurons through a 1 ms delay (11 steps from spike to arrival), run
// for 10 ms (100 steps). Its spikes at 1, 2, 3, 5 and 8 ms arrive at
// steps 21, 31, 41, 61 and 91; the one at 9.5 ms would arrive at step 106,
// after the run. Each arrival reaches the 10 synapses of its row: 5 × 10 =
// 50 synaptic events.
const eventsModel = `network: {dt_ms: 0.1, seed: 1}
run: {duration_ms: 10}
populations:
  A:
    size: 2
    model: {kind: spike_array, neurons: [0, 0, 0, 1, 1, 1], times_ms: [1, 2, 3, 5, 8, 9.5]}
    axons:
      out: {delay_ms: 1}
  B:
    size: 10
    model: {kind: lif}
    receptors:
      syn: {kernel: delta}
projections:
  AB: {from: A, to: B, axon: out, receptor: syn, connectivity: {kind: all_to_all}, weight: 0.1}
`

// summary.json and the printed summary give the synaptic events delivered
// (50, derived above) and events per second, the same on every engine.
func TestSynapticEvents(t *testing.T) {
	file := filepath.Join(t.TempDir(), "events.yaml")
	if err := os.WriteFile(file, []byte(eventsModel), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"sequential", "lockstep", "actors"} {
		dir := filepath.Join(t.TempDir(), engine)
		var out, errb bytes.Buffer
		if code := run([]string{"run", file, "--engine", engine, "--quiet", "--out", dir}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", engine, code, errb.String())
		}
		if !strings.Contains(out.String(), "\nsynaptic events delivered: 50, ") {
			t.Errorf("%s: the summary lacks the 50 events:\n%s", engine, out.String())
		}
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			SimulateS float64  `json:"simulate_s"`
			Events    *int64   `json:"synaptic_events"`
			PerS      *float64 `json:"synaptic_events_per_s"`
		}
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Events == nil || *sum.Events != 50 {
			t.Errorf("%s: synaptic_events %v, want 50: %s", engine, sum.Events, b)
			continue
		}
		if sum.PerS == nil || sum.SimulateS <= 0 || math.Abs(*sum.PerS-50/sum.SimulateS) > 1e-9**sum.PerS {
			t.Errorf("%s: synaptic_events_per_s %v, want 50 / simulate_s (%g)", engine, sum.PerS, sum.SimulateS)
		}
	}
}

// TestMonitorProblemsLocated checks that validate (and run, before it
// simulates) reports a variable monitored twice, a projection's weights
// monitored twice, and every unknown state variable, each at its line and
// place in the file.
func TestMonitorProblemsLocated(t *testing.T) {
	dir := t.TempDir()
	base := "populations:\n  E: {size: 2, model: {kind: lif}}\n" +
		"projections:\n  EE: {from: E, to: E, connectivity: {kind: all_to_all}, weight: 0.1}\n"
	for _, c := range []struct {
		name, monitors string
		want           []string
	}{
		{"state twice", "monitors:\n  state:\n    - {population: E, var: v, neurons: [0]}\n    - {population: E, var: v, every_steps: 2}\n",
			[]string{"m.yaml:8: monitors.state[1]: E.v is already monitored by monitors.state[0]"}},
		{"weights twice", "monitors:\n  weights: [EE, EE]\n",
			[]string{"m.yaml:6: monitors.weights[1]: EE: already monitored by monitors.weights[0]"}},
		{"unknown vars", "monitors:\n  state:\n    - {population: E, var: vv}\n    - {population: E, var: v}\n    - {population: E, var: curent}\n",
			[]string{"m.yaml:7: monitors.state[0].var: \"vv\": population E has no such variable", "m.yaml:9: monitors.state[2].var: \"curent\""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, "m.yaml")
			if err := os.WriteFile(file, []byte(base+c.monitors), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"validate", file}, {"run", file, "--duration", "1ms", "--out", filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-"))}} {
				var out, errb bytes.Buffer
				if code := run(args, &out, &errb); code != 2 {
					t.Errorf("%s: exit %d, want 2 (stderr %q)", args[0], code, errb.String())
				}
				for _, w := range c.want {
					if !strings.Contains(errb.String(), w) {
						t.Errorf("%s: stderr %q lacks %q", args[0], errb.String(), w)
					}
				}
				if strings.Contains(out.String(), "rate_hz") {
					t.Errorf("%s simulated before refusing: %q", args[0], out.String())
				}
			}
		})
	}
}

// TestFileShardsAndSequential checks that a model file's run.shards
// applies to the engines that split populations and not to the
// sequential stepper, and that only an explicit --shards above 1 with
// the sequential engine is refused.
func TestFileShardsAndSequential(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.yaml")
	model := "run: {duration_ms: 5, shards: 2}\npopulations:\n  E: {size: 40, model: {kind: lif}}\n" +
		"projections:\n  EE: {from: E, to: E, connectivity: {kind: fixed_in_degree, k: 4}, weight: 0.5}\n"
	if err := os.WriteFile(file, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--engine", "sequential"}, 0, "engine: sequential stepper"},
		{[]string{"--engine", "sequential", "--shards", "1"}, 0, "engine: sequential stepper"},
		{[]string{"--engine", "sequential", "--shards", "2"}, 2, "--shards 2: the sequential engine does not split populations"},
		{[]string{"--engine", "lockstep"}, 0, "shards [2]"},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"run", file}, c.args...), &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("run %v: exit %d (want %d), output %q, want %q in it", c.args, code, c.code, out.String()+errb.String(), c.want)
		}
	}
}
