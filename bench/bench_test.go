package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestParseSpiralSummary(t *testing.T) {
	m := defaultModels()[0] // CUBA
	var r Run
	if err := parseSpiralSummary(readFixture(t, "spiral_cuba_summary.json"), m, &r); err != nil {
		t.Fatal(err)
	}
	if !near(r.SimulateS, 0.026936553) || !near(r.BuildS, 0.006831583) {
		t.Errorf("timings: simulate %g build %g", r.SimulateS, r.BuildS)
	}
	if r.Neurons != 2000 || r.Synapses != 160181 || r.Spikes != 2114+487 {
		t.Errorf("sizes: %d neurons %d synapses %d spikes", r.Neurons, r.Synapses, r.Spikes)
	}
	if !near(r.RateHz["E"], 6.60625) || !near(r.RateHz["I"], 6.0874999999999995) {
		t.Errorf("rates %v", r.RateHz)
	}
	if !near(float64(r.CVISI["E"]), 0.2559112787916501) {
		t.Errorf("cv %v", r.CVISI)
	}
	// Synaptic events are estimated: spikes × synapses / neurons.
	if !r.SynEventsEstimated || !near(r.SynEvents, float64(2601)*160181/2000) {
		t.Errorf("events %g (estimated %v)", r.SynEvents, r.SynEventsEstimated)
	}
	if len(r.Raw) == 0 {
		t.Error("raw summary not kept")
	}
}

func TestParseSpiralSummarySTDPNamesAndNullCV(t *testing.T) {
	m := defaultModels()[3] // STDP: in -> inputs, out -> post
	var r Run
	if err := parseSpiralSummary(readFixture(t, "spiral_stdp_summary.json"), m, &r); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.RateHz["inputs"]; !ok {
		t.Fatalf("population in not mapped to inputs: %v", r.RateHz)
	}
	if r.RateHz["post"] != 0 || !math.IsNaN(float64(r.CVISI["post"])) {
		t.Errorf("post: rate %g cv %g", r.RateHz["post"], float64(r.CVISI["post"]))
	}
	// NaN survives a JSON round trip as null.
	b, err := json.Marshal(r.CVISI)
	if err != nil || !strings.Contains(string(b), `"post":null`) {
		t.Errorf("cv json %s %v", b, err)
	}
}

func TestParseSpiralSummaryBroken(t *testing.T) {
	var r Run
	err := parseSpiralSummary(readFixture(t, "spiral_broken_summary.json"), defaultModels()[0], &r)
	if err == nil || !strings.Contains(err.Error(), "simulate_s") {
		t.Errorf("want an error about simulate_s, got %v", err)
	}
	if err := parseSpiralSummary([]byte("{"), defaultModels()[0], &r); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestParseBrianJSON(t *testing.T) {
	r := Run{WholeS: 99}
	if err := parseBrianJSON(readFixture(t, "brian2_cuba_standalone.json"), &r); err != nil {
		t.Fatal(err)
	}
	if !near(r.SimulateS, 0.007045) {
		t.Errorf("sim_s %g", r.SimulateS)
	}
	if !near(r.WholeS, 10.549751074999222) {
		t.Errorf("whole run %g: want total_process_s", r.WholeS)
	}
	if !near(r.BuildS, 0.05951737199939089+7.050545976999274) {
		t.Errorf("construction %g: want setup_s + build_s", r.BuildS)
	}
	if r.Neurons != 2000 || r.Synapses != 159727 || r.SynEvents != 198420 || r.SynEventsEstimated {
		t.Errorf("sizes/events: %+v", r)
	}
	if !near(r.RateHz["E"], 6.325) || !near(float64(r.CVISI["I"]), 0.2162286389591415) {
		t.Errorf("stats %v %v", r.RateHz, r.CVISI)
	}
	if r.Brian2Version != "2.5.1" {
		t.Errorf("version %q", r.Brian2Version)
	}
	r.OK = true
	if !near(r.SynEventsPerS(), 198420/0.007045) {
		t.Errorf("events/s %g", r.SynEventsPerS())
	}
}

func TestParseBrianJSONSTDP(t *testing.T) {
	var r Run
	if err := parseBrianJSON(readFixture(t, "brian2_stdp_runtime.json"), &r); err != nil {
		t.Fatal(err)
	}
	if r.RateHz["post"] != 31.4 || r.CVISI != nil {
		t.Errorf("rates %v cv %v (the STDP script reports no CV)", r.RateHz, r.CVISI)
	}
	if r.CythonCacheWarm == nil || !*r.CythonCacheWarm {
		t.Error("cython_cache_warm not read")
	}
	if err := parseBrianJSON([]byte(`{"rate_hz": {"E": 1}, "timing": {}}`), &r); err == nil {
		t.Error("JSON without sim_s accepted")
	}
}

func TestParseInspect(t *testing.T) {
	bps, err := parseInspect(string(readFixture(t, "inspect_brunel.txt")))
	if err != nil {
		t.Fatal(err)
	}
	want := float64(40040000+10010000+10040000+2510000) / 15625000
	if !near(bps, want) {
		t.Errorf("bytes/synapse %g, want %g", bps, want)
	}
	if _, err := parseInspect("nothing here"); err == nil {
		t.Error("no rows accepted")
	}
}

func TestParseCPUInfoAndMem(t *testing.T) {
	cpu, n := parseCPUInfo("processor\t: 0\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\n")
	if cpu != "AMD EPYC" || n != 2 {
		t.Errorf("%q %d", cpu, n)
	}
	if g := parseMemTotalGiB("MemTotal:       25165824 kB\nMemFree: 1 kB\n"); !near(g, 24) {
		t.Errorf("mem %g", g)
	}
}

func TestDist(t *testing.T) {
	d := dist([]float64{3, 1, 2, math.NaN()})
	if d.N != 3 || d.Median != 2 || d.Min != 1 || d.Max != 3 {
		t.Errorf("%+v", d)
	}
	d = dist([]float64{4, 1, 2, 3})
	if d.Median != 2.5 {
		t.Errorf("even median %g", d.Median)
	}
	if d := dist(nil); d.N != 0 || !math.IsNaN(d.Median) {
		t.Errorf("empty %+v", d)
	}
	m, sd, n := meanSD([]float64{1, 2, 3})
	if m != 2 || sd != 1 || n != 3 {
		t.Errorf("meanSD %g %g %d", m, sd, n)
	}
}

// synth makes a successful run with one population's rate and CV.
func synth(sim, mode string, seed uint64, simS, wholeS, rate, cv float64) Run {
	return Run{Model: "CUBA", Sim: sim, Mode: mode, Seed: seed, OK: true, SimulateS: simS, WholeS: wholeS,
		PeakRSS: 100e6, SynEvents: 1e6, RateHz: map[string]float64{"E": rate}, CVISI: map[string]jfloat{"E": jfloat(cv)}}
}

var testRule = Rule{SD: 3, Rel: 0.10, RateAbsHz: 0.1, CVAbs: 0.02}

func TestSummarizeRatiosAndBestMode(t *testing.T) {
	m := defaultModels()[0]
	runs := []Run{
		synth(SimSpiral, "actors", 1, 1.0, 1.5, 10, 0.5),
		synth(SimSpiral, "actors", 2, 2.0, 2.5, 10, 0.5),
		synth(SimSpiral, "actors", 3, 3.0, 3.5, 10, 0.5),
		synth(SimBrian2, "runtime", 1, 8, 12, 10, 0.5),
		synth(SimBrian2, "runtime", 2, 9, 13, 10, 0.5),
		synth(SimBrian2, "runtime", 3, 10, 14, 10, 0.5),
		synth(SimBrian2, "cpp_standalone", 1, 4, 30, 10, 0.5),
		synth(SimBrian2, "cpp_standalone", 2, 5, 31, 10, 0.5),
		synth(SimBrian2, "cpp_standalone", 3, 6, 32, 10, 0.5),
	}
	// A warm-up and another model's run are ignored.
	w := synth(SimBrian2, "runtime", 1, 0.001, 0.001, 10, 0.5)
	w.Warmup = true
	o := synth(SimSpiral, "actors", 1, 100, 100, 10, 0.5)
	o.Model = "COBA"
	runs = append(runs, w, o)
	s := summarize(m, runs, []string{"actors"}, []string{"runtime", "cpp_standalone"}, testRule)
	if s.Spiral.Simulate.Median != 2 || s.Spiral.Simulate.N != 3 {
		t.Fatalf("spiral %+v", s.Spiral.Simulate)
	}
	if s.BestSim == nil || s.BestSim.Mode != "cpp_standalone" {
		t.Fatalf("best simulate mode %v", s.BestSim)
	}
	if s.BestWhole == nil || s.BestWhole.Mode != "runtime" {
		t.Fatalf("best whole-run mode %v", s.BestWhole)
	}
	if !near(s.RatioSim, 2.0/5) || !near(s.RatioSimLo, 1.0/6) || !near(s.RatioSimHi, 3.0/4) {
		t.Errorf("simulate ratio %g [%g, %g]", s.RatioSim, s.RatioSimLo, s.RatioSimHi)
	}
	if !near(s.RatioWhole, 2.5/13) || !near(s.RatioWholeLo, 1.5/14) || !near(s.RatioWholeHi, 3.5/12) {
		t.Errorf("whole ratio %g [%g, %g]", s.RatioWhole, s.RatioWholeLo, s.RatioWholeHi)
	}
	if s.Agreement.Verdict != "agree" {
		t.Errorf("verdict %q", s.Agreement.Verdict)
	}
	if !near(s.Spiral.EventsPS.Median, 1e6/2.0) {
		t.Errorf("events/s %g", s.Spiral.EventsPS.Median)
	}
}

func TestAgreementRule(t *testing.T) {
	// Brian2 rates over seeds 9, 10, 11 (sd 1): tolerance max(3·1, 1.0, 0.1) = 3.
	brian := []Run{
		synth(SimBrian2, "runtime", 1, 1, 1, 9, 0.5),
		synth(SimBrian2, "runtime", 2, 1, 1, 10, 0.5),
		synth(SimBrian2, "runtime", 3, 1, 1, 11, 0.5),
		// The same seeds in another mode are averaged per seed first, not
		// counted as more samples.
		synth(SimBrian2, "cpp_standalone", 1, 1, 1, 9, 0.5),
		synth(SimBrian2, "cpp_standalone", 2, 1, 1, 10, 0.5),
		synth(SimBrian2, "cpp_standalone", 3, 1, 1, 11, 0.5),
	}
	a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 12.9, 0.5)}, brian, testRule)
	if !a.OK || a.Verdict != "agree" {
		t.Errorf("12.9 vs 10 ± 1: %q", a.Verdict)
	}
	c := a.Checks[0]
	if c.Stat != "rate" || c.BrianN != 3 || !near(c.BrianSD, 1) || !near(c.Tol, 3) {
		t.Errorf("check %+v", c)
	}
	a = agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 13.1, 0.5)}, brian, testRule)
	if a.OK || !strings.Contains(a.Verdict, "DISAGREE") || !strings.Contains(a.Verdict, "E rate") {
		t.Errorf("13.1 vs 10 ± 1: %q", a.Verdict)
	}
	// With no spread the relative tolerance (10 %) applies.
	flat := []Run{synth(SimBrian2, "runtime", 1, 1, 1, 10, 0.5), synth(SimBrian2, "runtime", 2, 1, 1, 10, 0.5)}
	if a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 10.9, 0.5)}, flat, testRule); !a.OK {
		t.Errorf("10.9 vs 10 (10 %%): %q", a.Verdict)
	}
	if a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 11.1, 0.5)}, flat, testRule); a.OK {
		t.Errorf("11.1 vs 10 (10 %%) passed")
	}
	// CV: 0.5 ± 0 → tolerance 0.05.
	if a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 10, 0.56)}, flat, testRule); a.OK || !strings.Contains(a.Verdict, "E cv") {
		t.Errorf("cv 0.56 vs 0.5: %q", a.Verdict)
	}
	// Near zero the absolute floor applies.
	zero := []Run{synth(SimBrian2, "runtime", 1, 1, 1, 0, math.NaN()), synth(SimBrian2, "runtime", 2, 1, 1, 0, math.NaN())}
	if a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 0.05, math.NaN())}, zero, testRule); !a.OK {
		t.Errorf("silent in both: %q %+v", a.Verdict, a.Checks)
	}
	// A CV defined in one simulator only is a disagreement.
	if a := agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 0, 0.3)}, zero, testRule); a.OK {
		t.Errorf("CV defined in Spiral only passed")
	}
	// One Brian2 seed: no sd, the relative rule alone, and a note.
	a = agree([]Run{synth(SimSpiral, "actors", 1, 1, 1, 10.5, 0.5)}, flat[:1], testRule)
	if !a.OK || !strings.Contains(a.Checks[0].Note, "1 seed") {
		t.Errorf("one seed: %q %+v", a.Verdict, a.Checks[0])
	}
	// A population Spiral lacks.
	sp := synth(SimSpiral, "actors", 1, 1, 1, 10, 0.5)
	sp.RateHz, sp.CVISI = map[string]float64{"X": 1}, nil
	if a := agree([]Run{sp}, flat, testRule); a.OK || !strings.Contains(a.Checks[0].Note, "missing") {
		t.Errorf("missing population: %q", a.Verdict)
	}
	// Missing sides.
	if a := agree(nil, flat, testRule); a.OK || !strings.Contains(a.Verdict, "no successful Spiral") {
		t.Errorf("no spiral: %q", a.Verdict)
	}
	if a := agree([]Run{sp}, nil, testRule); a.OK || !strings.Contains(a.Verdict, "no successful Brian2") {
		t.Errorf("no brian: %q", a.Verdict)
	}
}

func TestTableWithFailures(t *testing.T) {
	models := defaultModels()[:2]
	bad := Run{Model: "CUBA", Sim: SimBrian2, Mode: "cpp_standalone", Seed: 2, Error: "exit status 1: g++ not found"}
	runs := []Run{
		synth(SimSpiral, "actors", 1, 1.0, 1.5, 10, 0.5),
		synth(SimSpiral, "actors", 2, 1.2, 1.7, 10, 0.5),
		synth(SimBrian2, "runtime", 1, 8, 12, 10, 0.5),
		synth(SimBrian2, "runtime", 2, 9, 13, 10.2, 0.5),
		synth(SimBrian2, "cpp_standalone", 1, 4, 30, 10, 0.5),
		bad,
		// Every COBA Spiral run failed.
		{Model: "COBA", Sim: SimSpiral, Mode: "actors", Seed: 1, Error: "summary.json: no simulate_s"},
		{Model: "COBA", Sim: SimBrian2, Mode: "runtime", Seed: 1, OK: true, SimulateS: 3, WholeS: 5,
			RateHz: map[string]float64{"E": 20}},
	}
	res := &Results{Machine: Machine{CPU: "Test CPU", Cores: 2, MemoryGiB: 24, Go: "go1.26", Brian2: "2.5.1", Date: "2026-11-26T07:00:00Z"},
		Config: Config{Reps: 2, Seed: 1, Engines: []string{"actors"}, BrianModes: []string{"runtime", "cpp_standalone"}},
		Models: models, Spiral: map[string]SpiralStatics{"CUBA": {BytesPerSynapse: 4.09, Source: "inspect, scale 1"}}, Runs: runs}
	var sums []ModelSummary
	for _, m := range models {
		sums = append(sums, summarize(m, runs, []string{"actors"}, res.Config.BrianModes, testRule))
	}
	if sums[0].BestSim.Mode != "cpp_standalone" || sums[0].BestSim.Simulate.N != 1 || len(sums[0].BestSim.Failed) != 1 {
		t.Errorf("standalone group %+v", sums[0].BestSim)
	}
	tab := renderTable(res, sums, testRule, "simulate.png")
	for _, want := range []string{
		"Test CPU, 2 cores, 24.0 GiB", "go1.26", "Brian2 2.5.1", "2026-11-26T07:00:00Z",
		"| CUBA |", "1.10 [1.00–1.20] (n=2)", // Spiral simulate, with its spread
		"4.00 (n=1, 1 failed) cpp_standalone", // best Brian2 mode, with the failure
		"0.275 [0.25–0.3]",                    // ratio simulate
		"4.09 (inspect, scale 1)",
		"| COBA |", "FAILED, 1 failed", "n/a: no successful Spiral run",
		"## Failed runs", "g++ not found", "no simulate_s",
		"Agreement rule: |Spiral − Brian2| ≤ max(3·sd, 10 %·|Brian2|",
	} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q\n%s", want, tab)
		}
	}
	// No speed without its statistics: every Spiral simulate cell of the
	// main table carries (n=...) or says why there is none.
	for _, line := range strings.Split(tab, "\n") {
		if strings.HasPrefix(line, "| CUBA | 4000") && !strings.Contains(line, "(n=") {
			t.Errorf("speed without statistics: %s", line)
		}
	}
}

func TestPlot(t *testing.T) {
	m := defaultModels()[0]
	runs := []Run{synth(SimSpiral, "actors", 1, 1.0, 1.5, 10, 0.5), synth(SimBrian2, "runtime", 1, 8, 12, 10, 0.5)}
	s := summarize(m, runs, []string{"actors"}, []string{"runtime", "cpp_standalone"}, testRule)
	p := filepath.Join(t.TempDir(), "p.png")
	if err := plotSimulate([]ModelSummary{s}, p); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("no png: %v", err)
	}
	failedOnly := summarize(m, []Run{{Model: "CUBA", Sim: SimSpiral, Mode: "actors", Error: "x"}}, []string{"actors"}, nil, testRule)
	if err := plotSimulate([]ModelSummary{failedOnly}, p); err == nil {
		t.Error("plot of nothing succeeded")
	}
}

func TestFlagsAndModels(t *testing.T) {
	if _, err := parseModes("runtime,cpp_standalone_t2"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"cython", "cpp_standalone_t0", "cpp_standalone_tx"} {
		if _, err := parseModes(bad); err == nil {
			t.Errorf("mode %q accepted", bad)
		}
	}
	ms, err := selectModels(defaultModels(), "Brunel,stdp")
	if err != nil || len(ms) != 2 || ms[0].Name != "Brunel" || ms[1].Name != "STDP" {
		t.Errorf("%v %v", ms, err)
	}
	if _, err := selectModels(defaultModels(), "microcircuit"); err == nil {
		t.Error("unknown model accepted")
	}
	d := defaultModels()
	if d[0].Size() != "40000 LIF" || d[2].Size() != "12500 LIF" || d[0].DurationS != 10 || d[1].DurationS != 5 || d[3].DurationS != 100 {
		t.Errorf("default sizes: %v", d)
	}
	if err := checkScripts(t.TempDir(), d); err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("missing scripts: %v", err)
	}
	if err := checkScripts(filepath.Join(t.TempDir(), "nope"), d); err == nil || !strings.Contains(err.Error(), "-brian2") {
		t.Errorf("missing dir: %v", err)
	}
}

func TestParseInspectCUBA(t *testing.T) {
	// The newer format: an estimate table first (counts with ~), then the
	// built network's table with more columns.
	bps, err := parseInspect(string(readFixture(t, "inspect_cuba.txt")))
	if err != nil {
		t.Fatal(err)
	}
	want := float64(843012+223236+213636+57348) / (206051 + 50865 + 50975 + 12670)
	if !near(bps, want) {
		t.Errorf("bytes/synapse %g, want %g", bps, want)
	}
}

func TestSeveralSpiralEngines(t *testing.T) {
	m := defaultModels()[0]
	runs := []Run{
		synth(SimSpiral, "actors", 1, 2.0, 9.0, 10, 0.5),
		synth(SimSpiral, "actors", 2, 2.2, 9.5, 12, 0.5),
		synth(SimSpiral, "lockstep", 1, 1.0, 10.0, 10, 0.5),
		synth(SimSpiral, "lockstep", 2, 1.1, 10.5, 12, 0.5),
		synth(SimBrian2, "runtime", 1, 4, 8, 10, 0.5),
		synth(SimBrian2, "runtime", 2, 4, 8, 12, 0.5),
	}
	s := summarize(m, runs, []string{"actors", "lockstep"}, []string{"runtime"}, testRule)
	if len(s.Spirals) != 2 || s.Spiral.Mode != "lockstep" || s.SpiralWhole.Mode != "actors" {
		t.Fatalf("best engines: simulate %s, whole %s", s.Spiral.Mode, s.SpiralWhole.Mode)
	}
	if !near(s.RatioSim, 1.05/4) || !near(s.RatioWhole, 9.25/8) {
		t.Errorf("ratios %g %g", s.RatioSim, s.RatioWhole)
	}
	// Spiral's seeds are averaged over its engines: two seeds, not four.
	c := s.Agreement.Checks[0]
	if c.SpiralN != 2 || c.Spiral != 11 || !s.Agreement.OK {
		t.Errorf("check %+v, verdict %q", c, s.Agreement.Verdict)
	}
	res := &Results{Config: Config{Reps: 2, Seed: 1, Engines: []string{"actors", "lockstep"}, BrianModes: []string{"runtime"}}, Runs: runs}
	tab := renderTable(res, []ModelSummary{s}, testRule, "")
	for _, want := range []string{"1.05 [1.00–1.10] (n=2) lockstep", "9.25 [9.00–9.50] (n=2) actors", "| CUBA | Spiral lockstep | 2 / 2 |"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q\n%s", want, tab)
		}
	}
}

func TestResultsJSONWithNaN(t *testing.T) {
	r := synth(SimSpiral, "actors", 1, 1, 1, 10, math.NaN())
	r.ForeignLoad = jfloat(math.NaN())
	p := filepath.Join(t.TempDir(), "results.json")
	if err := writeJSON(p, &Results{Runs: []Run{r}}); err != nil {
		t.Fatal(err)
	}
	var back Results
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(back.Runs[0].ForeignLoad)) || !math.IsNaN(float64(back.Runs[0].CVISI["E"])) {
		t.Errorf("NaN not kept as null: %s", b)
	}
}

// The repository's own Brian2 scripts are the default and hold every file
// the harness checks for; their JSON (fixtures written by cuba.py and
// stdp.py of bench/brian2, Brian2 2.5.1 runtime, small runs) parses.
func TestRepositoryBrian2Scripts(t *testing.T) {
	if err := checkScripts("brian2", defaultModels()); err != nil {
		t.Fatalf("bench/brian2: %v", err)
	}
	var r Run
	if err := parseBrianJSON(readFixture(t, "brian2_repo_cuba_runtime.json"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Neurons != 2000 || r.Synapses != 159727 || r.Spikes != 5910 || r.SynEvents != 471481 ||
		r.RateHz["E"] != 5.95625 || r.RateHz["I"] != 5.725 || math.IsNaN(float64(r.CVISI["E"])) ||
		r.Brian2Version != "2.5.1" || r.SimulateS <= 0 || r.BuildS <= 0 || r.WholeS < r.SimulateS {
		t.Errorf("cuba.py JSON read as %+v", r)
	}
	r = Run{}
	if err := parseBrianJSON(readFixture(t, "brian2_repo_stdp_runtime.json"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Neurons != 1001 || r.RateHz["inputs"] <= 0 || r.RateHz["post"] <= 0 || r.SimulateS <= 0 {
		t.Errorf("stdp.py JSON read as %+v", r)
	}
	// Syntax of every script, where a Python is at hand (no Brian2 needed).
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3: scripts' syntax not checked")
	}
	files, _ := filepath.Glob(filepath.Join("brian2", "*.py"))
	if len(files) < 6 {
		t.Fatalf("bench/brian2 has %d scripts", len(files))
	}
	code := "import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f).read(), f)\n"
	if out, err := exec.Command(py, append([]string{"-c", code}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("python3 cannot parse the scripts: %v\n%s", err, out)
	}
}

// inspect's tables with sizes in KiB (since it prints units): the bytes
// are the memory column read back with its unit.
func TestParseInspectUnits(t *testing.T) {
	bps, err := parseInspect(string(readFixture(t, "inspect_cuba_units.txt")))
	if err != nil {
		t.Fatal(err)
	}
	want := (823.3 + 218.0 + 208.6 + 56.0) * 1024 / (206051 + 50865 + 50975 + 12670)
	if !near(bps, want) {
		t.Errorf("bytes/synapse %g, want %g", bps, want)
	}
	for in, want := range map[string]float64{"843012": 843012, "1.5 KiB": 1536, "2 MiB": 2 << 20, "0 B": 0} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	if _, err := parseSize("3 TB"); err == nil {
		t.Error("an unknown unit was accepted")
	}
}

// A summary.json with synaptic_events (spiral-node counts them) is read
// exactly, not estimated.
func TestSpiralSummaryExactEvents(t *testing.T) {
	b := []byte(`{"dt_ms": 0.1, "simulate_s": 2, "neurons": 10, "synapses": 100, "synaptic_events": 12345,
		"populations": [{"name": "E", "size": 10, "spikes": 7, "rate_hz": 1, "cv_isi": null}]}`)
	var r Run
	if err := parseSpiralSummary(b, Model{Name: "cuba"}, &r); err != nil {
		t.Fatal(err)
	}
	if r.SynEvents != 12345 || r.SynEventsEstimated {
		t.Errorf("events %g (estimated %v), want 12345 exact", r.SynEvents, r.SynEventsEstimated)
	}
}
