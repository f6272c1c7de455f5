package main

import (
	"bytes"
	"encoding/json"
	"github.com/spiral-sim/spiral/plot"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as a worker process (run --workers
// starts this executable with the "worker" command), and as spiral-node
// itself, with its exit codes and signals, when asSpiralNode is set in
// its environment (see spiralNode).
func TestMain(m *testing.M) {
	if os.Getenv(asSpiralNode) != "" || (len(os.Args) > 1 && os.Args[1] == "worker") {
		keepRunningOnClosedStdout()
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Two worker processes over loopback give the same spikes as the
// sequential stepper (the summary table lists spike counts, rates and CVs),
// and the same count of synaptic events delivered.
func TestWorkerProcessesMatchSequential(t *testing.T) {
	table := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		model, _, _ := strings.Cut(out.String(), "\n") // neurons and synapses
		_, ev, _ := strings.Cut(out.String(), "synaptic events delivered: ")
		ev, _, _ = strings.Cut(ev, ",")
		_, tab, _ := strings.Cut(out.String(), "pop ")
		return model + "\nevents " + ev + "\n" + tab
	}
	seq := table("run", "brunel", "--scale", "0.1", "--duration", "200", "--engine", "sequential")
	two := table("run", "brunel", "--scale", "0.1", "--duration", "200", "--workers", "2", "--shards", "2")
	if seq != two || !strings.Contains(seq, "E ") || strings.Contains(seq, "events 0\n") || strings.Contains(seq, "events \n") || !strings.Contains(seq, " synapses") {
		t.Errorf("sequential:\n%s\ntwo worker processes:\n%s", seq, two)
	}
}

// A plastic model file whose learnt weights are recorded, on two worker
// processes that each build only their part of the synapses (the
// coordinator builds only the recorded projection): the spike and weight
// files are byte-identical to the sequential stepper's, and the summary
// counts every synapse.
func TestWorkerPartsMatchSequential(t *testing.T) {
	model := filepath.Join("..", "..", "examples", "brunel", "brunel_plastic.yaml")
	dirs := map[string]string{}
	for _, how := range []string{"sequential", "workers"} {
		dir := filepath.Join(t.TempDir(), how)
		args := []string{"run", model, "--duration", "40", "--quiet", "--out", dir}
		if how == "workers" {
			args = append(args, "--engine", "actors", "--workers", "2", "--shards", "2")
		} else {
			args = append(args, "--engine", "sequential")
		}
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		dirs[how] = dir
	}
	for _, f := range []string{"spikes/E.npz", "spikes/I.npz", "weights/EE.npz"} {
		a, err := os.ReadFile(filepath.Join(dirs["sequential"], f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs["workers"], f))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) < 200 || !bytes.Equal(a, b) {
			t.Errorf("%s: %d bytes sequentially, %d on workers, or different ones", f, len(a), len(b))
		}
	}
	var sums [2]struct{ Synapses int64 }
	for i, how := range []string{"sequential", "workers"} {
		data, err := os.ReadFile(filepath.Join(dirs[how], "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &sums[i]); err != nil {
			t.Fatal(err)
		}
	}
	if sums[0].Synapses != 1250*10000+1250*2500 || sums[1] != sums[0] {
		t.Errorf("summary synapses: %d sequentially, %d on workers; the model has %d", sums[0].Synapses, sums[1].Synapses, 1250*10000+1250*2500)
	}
}

// The lockstep engine writes byte-identical spike files to the
// sequential stepper's.
func TestLockstepMatchesSequential(t *testing.T) {
	dirs := map[string]string{}
	for _, engine := range []string{"sequential", "lockstep"} {
		dir := filepath.Join(t.TempDir(), engine)
		var out, errb bytes.Buffer
		args := []string{"run", "cuba", "--duration", "200", "--engine", engine, "--quiet", "--out", dir}
		if engine == "lockstep" {
			args = append(args, "--shards", "3")
		}
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		dirs[engine] = dir
	}
	for _, pop := range []string{"E", "I"} {
		a, err := os.ReadFile(filepath.Join(dirs["sequential"], "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs["lockstep"], "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) < 200 || !bytes.Equal(a, b) {
			t.Errorf("spikes/%s.npz: %d bytes sequentially, %d with lockstep, or different ones", pop, len(a), len(b))
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string // expected in stdout (code 0) or stderr
	}{
		{[]string{"run", "fi", "--duration", "100"}, 0, "model fi: 201 neurons"},
		{[]string{"run", "--duration", "50", "cuba", "--scale", "0.25"}, 0, "E           800"},
		{[]string{"run", "fi", "cuba"}, 2, "unexpected argument"},
		{[]string{"models"}, 0, "brunel"},
		{[]string{"--help"}, 0, "usage"},
		{[]string{}, 2, "usage"},
		{[]string{"run"}, 2, "usage: spiral-node run MODEL"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"run", "nope"}, 2, `unknown model "nope"`},
		{[]string{"run", "fi", "--duration", "-5"}, 2, `invalid value "-5" for flag -duration: must be > 0`},
		{[]string{"run", "fi", "--scale", "-1"}, 2, "scale = -1: must be > 0"},
		{[]string{"run", "fi", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"run", "fi", "--duration", "0.01"}, 2, "must be at least one step (0.1 ms) and at most"},
		{[]string{"run", "fi", "--duration", "1e300"}, 2, "must be at least one step (0.1 ms) and at most"},
		{[]string{"run", "fi", "--scale", "1e12"}, 2, "scale = 1e+12: must be > 0 and at most 1000"},
		{[]string{"run", "fi", "--shards", "2", "--engine", "sequential"}, 2, "the sequential engine does not split"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", c.args, code, c.code, errb.String())
			continue
		}
		text := out.String() + errb.String()
		if !strings.Contains(text, c.out) {
			t.Errorf("%v: output does not contain %q:\n%s", c.args, c.out, text)
		}
	}
}

// --out writes summary.json (fields of the issue) and one .npz of spikes
// per population; a directory that is not empty is refused (exit 2).
func TestRunOut(t *testing.T) {
	dir := t.TempDir() + "/out"
	var out, errb bytes.Buffer
	if code := run([]string{"run", "fi", "--duration", "100", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(dir + "/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		DtMS        float64 `json:"dt_ms"`
		DurationMS  float64 `json:"duration_ms"`
		Neurons     int     `json:"neurons"`
		Engine      string  `json:"engine"`
		PeakRSS     int64   `json:"peak_rss_bytes"`
		Populations []struct {
			Name   string `json:"name"`
			Size   int    `json:"size"`
			Spikes int    `json:"spikes"`
		} `json:"populations"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.DtMS != 0.1 || sum.DurationMS != 100 || sum.Neurons != 201 || len(sum.Populations) != 1 || sum.Populations[0].Spikes == 0 ||
		!strings.HasPrefix(sum.Engine, "lockstep") || sum.PeakRSS < 1<<20 {
		t.Errorf("summary %+v", sum)
	}
	if fi, err := os.Stat(dir + "/spikes/lif.npz"); err != nil || fi.Size() == 0 {
		t.Errorf("spikes file: %v", err)
	}
	errb.Reset()
	if code := run([]string{"run", "fi", "--duration", "100", "--out", dir}, &out, &errb); code != 2 {
		t.Errorf("a non-empty --out directory: exit %d, want 2 (%s)", code, errb.String())
	}
}

// A model file runs like the built-in model it describes (same spikes),
// and validate reports every problem with its line (exit 2).
func TestModelFiles(t *testing.T) {
	table := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		_, tab, _ := strings.Cut(out.String(), "pop ")
		return tab
	}
	file := table("run", "../../examples/cuba/cuba.yaml", "--duration", "200", "--engine", "sequential")
	builtin := table("run", "cuba", "--duration", "200", "--engine", "sequential")
	if file != builtin {
		t.Errorf("cuba.yaml:\n%s\nbuilt-in cuba:\n%s", file, builtin)
	}
	// Graded units drive spiking ones: the LIF population fires only
	// through the rate units' output.
	mixed := table("run", "../../examples/mixed/mixed.yaml", "--duration", "200", "--quiet")
	for _, line := range strings.Split(mixed, "\n") {
		if f := strings.Fields(line); len(f) == 6 && f[0] == "lif" && f[2] == "0" {
			t.Errorf("mixed.yaml: the LIF population never fired:\n%s", mixed)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "../../examples/brunel/brunel.yaml"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "valid") {
		t.Errorf("validate brunel.yaml: exit %d, %s%s", code, out.String(), errb.String())
	}
	bad := t.TempDir() + "/bad.yaml"
	if err := os.WriteFile(bad, []byte("network: {dt_ms: -1, sead: 3}\npopulations:\n  E: {size: 0, model: {kind: lifx}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	code := run([]string{"validate", bad}, &out, &errb)
	msg := errb.String()
	if code != 2 || !strings.Contains(msg, "bad.yaml:1: network.dt_ms: -1") || !strings.Contains(msg, `did you mean "seed"`) ||
		!strings.Contains(msg, "bad.yaml:3: populations.E.model.kind") {
		t.Errorf("validate a broken file: exit %d:\n%s", code, msg)
	}
	errb.Reset()
	if code := run([]string{"run", bad}, &out, &errb); code != 2 {
		t.Errorf("run a broken file: exit %d", code)
	}
}

func TestInspectAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", "../../examples/brunel/brunel.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Brunel: NE·CE + NI·CE + NE·CI + NI·CI synapses, 16-step segments
	// (1 + 1.5 ms / 0.1 ms).
	for _, want := range []string{"15625000 synapses", "segments of 16 steps", "E                 10000  lif"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "spiral-node ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
}

// run --out --plot renders plots; plot DIR renders them again; a
// directory that is not a run is refused (exit 2).
func TestPlots(t *testing.T) {
	dir := t.TempDir() + "/run"
	var out, errb bytes.Buffer
	if code := run([]string{"run", "cuba", "--duration", "100", "--quiet", "--out", dir, "--plot"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"raster_E.png", "rate_I.svg"} {
		if fi, err := os.Stat(dir + "/plots/" + f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	out.Reset()
	if code := run([]string{"plot", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "raster_E") {
		t.Errorf("plot DIR: exit %d: %s%s", code, out.String(), errb.String())
	}
	if code := run([]string{"plot", t.TempDir()}, &out, &errb); code != 2 {
		t.Errorf("plot of a non-run directory: exit %d, want 2", code)
	}
	if code := run([]string{"run", "fi", "--plot"}, &out, &errb); code != 2 {
		t.Errorf("--plot without --out: exit %d, want 2", code)
	}
	// --bin: 0 is the automatic choice, a negative width is refused
	if code := run([]string{"plot", dir, "--bin", "0", "--format", "png"}, &out, &errb); code != 0 {
		t.Errorf("plot --bin 0: exit %d: %s", code, errb.String())
	}
	if code := run([]string{"plot", dir, "--bin", "-1"}, &out, &errb); code != 2 {
		t.Errorf("plot --bin -1: exit %d, want 2", code)
	}
}

// examples/mixed records its graded population, and the plots show it as
// values over time.
func TestPlotsGraded(t *testing.T) {
	dir := t.TempDir() + "/run"
	var out, errb bytes.Buffer
	if code := run([]string{"run", "../../examples/mixed/mixed.yaml", "--duration", "50", "--quiet", "--out", dir, "--plot"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(dir + "/plots/state_rate.r.svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"graded population", "r (graded output)", "unit 0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("state_rate.r.svg lacks %q", want)
		}
	}
}

// A model file's monitors write state samples and final weights.
func TestMonitorsFromFile(t *testing.T) {
	dir := t.TempDir() + "/run"
	var out, errb bytes.Buffer
	if code := run([]string{"run", "../../examples/stdp/stdp.yaml", "--duration", "100", "--quiet", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "sequential stepper (state monitors need it)") {
		t.Errorf("the engine line does not say why it stepped sequentially:\n%s", out.String())
	}
	if errb.Len() > 0 {
		t.Errorf("a note with the default engine: %q", errb.String())
	}
	// An engine asked for by name: a note says it was replaced.
	out.Reset()
	if code := run([]string{"run", "../../examples/stdp/stdp.yaml", "--duration", "100", "--quiet", "--engine", "actors", "--out", dir + "2"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "spiral-node run: note: the model's state monitors need the sequential stepper: it runs instead of --engine actors"; !strings.Contains(errb.String(), want) {
		t.Errorf("--engine actors with state monitors: stderr %q, want %q", errb.String(), want)
	}
	for _, f := range []string{"state/out.v.npz", "weights/syn.npz"} {
		if fi, err := os.Stat(dir + "/" + f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// A model file can record "current" (direct input plus dendritic
// currents), also on the fused path: one spike of weight w through a 1 ms
// axon into an exponential receptor (tau 5 ms) gives the current w·d^m,
// d = exp(−dt/τ), m steps after it arrives, and 0 before.
func TestCurrentStateMonitor(t *testing.T) {
	const model = `network: {dt_ms: 0.1, seed: 1}
run: {duration_ms: 5}
populations:
  src:
    size: 1
    model: {kind: spike_array, neurons: [0], times_ms: [1]}
    axons: {out: {delay_ms: 1}}
  dst:
    size: 1
    model: {kind: lif, tau_ms: 10, rest_mV: -65, threshold_mV: -50}
    receptors:
      syn: {kernel: exp_current, tau_ms: 5}
projections:
  p:
    from: src
    to: dst
    receptor: syn
    connectivity: {kind: one_to_one}
    weight: 2
monitors:
  state: [{population: dst, var: current}]
`
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"run", file, "--quiet", "--out", filepath.Join(dir, "run")}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	a, err := plot.ReadNPZArray(filepath.Join(dir, "run", "state", "dst.current.npz"), "values")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data) != 50 {
		t.Fatalf("%d samples, want 50 (5 ms at 0.1 ms)", len(a.Data))
	}
	first := -1
	for k, v := range a.Data {
		if v != 0 {
			first = k
			break
		}
	}
	// The spike at step 10 travels the axon's latency, 1 + 10 steps.
	if first < 15 || first > 25 {
		t.Fatalf("the current starts at step %d (values %v)", first, a.Data[:30])
	}
	d := math.Exp(-0.1 / 5)
	for m, v := range a.Data[first:] {
		if want := 2 * math.Pow(d, float64(m)); math.Abs(v-want) > 1e-5*want {
			t.Fatalf("%d steps after arrival: current %g, want %g", m, v, want)
		}
	}
}

// A run on worker processes that ends well says nothing on stderr with
// --quiet: the connections that drop as the workers leave are the run's
// end, not errors (a new user saw "ERROR EndpointWriter lost connection"
// after every such run).
func TestWorkersEndQuietly(t *testing.T) {
	for range 3 {
		var out, errb bytes.Buffer
		if code := run([]string{"run", "../../examples/first/first.yaml", "--workers", "2", "--quiet", "--duration", "200"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if errb.Len() > 0 {
			t.Fatalf("stderr of a run that ended well: %q", errb.String())
		}
	}
}
