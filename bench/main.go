// Command bench runs Spiral and Brian2 side by side on the benchmark models
// (CUBA, COBA, Brunel, STDP; docs/benchmarks.md), back to back, several
// repetitions each with identical parameters, and writes results.json
// (every run), table.md (speed, memory and agreement of the statistics) and
// simulate.png. The Brian2 side runs the repository's scripts in
// bench/brian2 (-brian2 DIR points elsewhere).
//
//	go run ./bench -quick          # small sizes, a few minutes
//	go run ./bench                 # the full sizes (CUBA, COBA ×10; Brunel 12,500)
//	go run ./bench -install        # install Brian2 from Debian first
//
// See bench/README.md for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

type sizeFlags struct{ scale, duration *float64 }

// options is bench's command line, as parsed by parseFlags.
type options struct {
	args                                  []string
	install, skipBrian, quick, warmup     *bool
	doInspect                             *bool
	brianDir, python, outDir, cythonCache *string
	modelList, engineList, modeList       *string
	spiralBin                             *string
	reps                                  *int
	seed                                  *uint64
	timeout                               *time.Duration
	tolSD, tolRel, tolRate, tolCV         *float64
	sizes                                 map[string]sizeFlags
}

// run is bench's main: it parses the flags, prepares the Brian2 side and
// the spiral-node binary, runs every model and writes the results. It
// returns the exit status.
func run(args []string, stderr io.Writer) int {
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "bench: "+format+"\n", a...)
		return 1
	}
	engines, modes, models, err := o.plan()
	if err != nil {
		return fail("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := repoRoot()
	if err != nil {
		return fail("%v", err)
	}
	mc, err := o.prepare(ctx, root, models, logf)
	if err != nil {
		return fail("%v", err)
	}
	tmp, err := os.MkdirTemp("", "spiral-bench-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	bin := *o.spiralBin
	if bin == "" {
		logf("building cmd/spiral-node into %s", tmp)
		if bin, err = buildSpiral(ctx, root, tmp); err != nil {
			return fail("%v", err)
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return fail("-spiral-node: %v", err)
	}

	res := &Results{Machine: mc, Models: models, Spiral: map[string]SpiralStatics{},
		Config: Config{Reps: *o.reps, Seed: *o.seed, Engines: engines, BrianModes: modes, Quick: *o.quick, Brian2Dir: *o.brianDir,
			TolSD: *o.tolSD, TolRel: *o.tolRel, TolRateAbsHz: *o.tolRate, TolCVAbs: *o.tolCV, SkipBrian2: *o.skipBrian,
			Args: o.args, SpiralCommand: bin}}
	rule := Rule{SD: *o.tolSD, Rel: *o.tolRel, RateAbsHz: *o.tolRate, CVAbs: *o.tolCV}
	resultsPath := filepath.Join(*o.outDir, "results.json")
	o.runAll(ctx, res, resultsPath, bin, tmp, logf)
	var sums []ModelSummary
	for _, m := range models {
		sums = append(sums, summarize(m, res.Runs, engines, modes, rule))
	}
	plotName := "simulate.png"
	if err := plotSimulate(sums, filepath.Join(*o.outDir, plotName)); err != nil {
		logf("plot: %v", err)
		plotName = ""
	}
	table := renderTable(res, sums, rule, plotName)
	if ctx.Err() != nil {
		table = "**Interrupted: incomplete results.**\n\n" + table
	}
	tablePath := filepath.Join(*o.outDir, "table.md")
	if err := os.WriteFile(tablePath, []byte(table), 0o644); err != nil {
		return fail("%v", err)
	}
	logf("wrote %s, %s and %s", resultsPath, tablePath, filepath.Join(*o.outDir, plotName))
	nFail := 0
	for _, r := range res.Runs {
		if !r.OK && !r.Warmup {
			nFail++
		}
	}
	if ctx.Err() != nil {
		return 130
	}
	if nFail > 0 {
		logf("%d runs failed (listed in table.md)", nFail)
		return 1
	}
	return 0
}

// parseFlags parses bench's command line. When it returns ok false, run
// exits with code: 0 after -help, 2 after a bad flag or argument.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o = &options{args: args}
	o.install = fs.Bool("install", false, "install Brian2 from Debian (apt-get) when /usr/bin/python3 cannot import it")
	o.skipBrian = fs.Bool("skip-brian2", false, "run Spiral only (no Brian2 runs; no ratios, no agreement)")
	o.brianDir = fs.String("brian2", "", "directory of the Brian2 scripts (default bench/brian2 in the repository)")
	o.python = fs.String("python", "/usr/bin/python3", "Python interpreter with Brian2")
	o.outDir = fs.String("out", "", "output directory (default bench/results in the repository)")
	o.reps = fs.Int("reps", 3, "repetitions per model and simulator/mode; repetition r uses seed -seed + r in every simulator")
	o.seed = fs.Uint64("seed", 1, "seed of the first repetition")
	o.quick = fs.Bool("quick", false, "small sizes and durations for trying the harness out (a few minutes)")
	o.modelList = fs.String("models", "cuba,coba,brunel,stdp", "models to run, comma-separated")
	o.engineList = fs.String("engine", "lockstep", "Spiral engines, comma-separated (lockstep, actors, sequential, … as spiral-node run --engine takes them)")
	o.modeList = fs.String("modes", "runtime,cpp_standalone", "Brian2 modes: runtime, cpp_standalone (serial C++), cpp_standalone_tN (OpenMP, N threads)")
	o.timeout = fs.Duration("timeout", 30*time.Minute, "limit per run")
	o.warmup = fs.Bool("warmup", true, "one short untimed Brian2 runtime run per model first, to fill the Cython cache")
	o.cythonCache = fs.String("cython-cache", "", "Cython cache of Brian2's runtime mode (default: the user cache directory, spiral-bench/cython)")
	o.spiralBin = fs.String("spiral-node", "", "use this spiral-node binary instead of building cmd/spiral-node")
	o.doInspect = fs.Bool("inspect", true, "run spiral-node inspect per model for the bytes per synapse")
	o.tolSD = fs.Float64("tol-sd", 3, "agreement: multiples of Brian2's sd over seeds")
	o.tolRel = fs.Float64("tol-rel", 0.10, "agreement: relative tolerance")
	o.tolRate = fs.Float64("tol-rate-abs", 0.1, "agreement: absolute floor for rates (Hz)")
	o.tolCV = fs.Float64("tol-cv-abs", 0.02, "agreement: absolute floor for CV ISI")
	o.sizes = map[string]sizeFlags{}
	for _, m := range defaultModels() {
		o.sizes[m.Spiral] = sizeFlags{
			fs.Float64(m.Spiral+"-scale", 0, fmt.Sprintf("%s scale (default %g, -quick %g)", m.Name, m.Scale, quickScale(m.Spiral))),
			fs.Float64(m.Spiral+"-duration", 0, fmt.Sprintf("%s simulated time in s (default %g, -quick %g)", m.Name, m.DurationS, quickDuration(m.Spiral))),
		}
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./bench [flags]   (see bench/README.md)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0, false
		}
		return nil, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return nil, 2, false
	}
	return o, 0, true
}

// plan checks the flags that choose what runs and returns the Spiral
// engines, the Brian2 modes (none with -skip-brian2) and the models with
// their sizes.
func (o *options) plan() (engines, modes []string, models []Model, err error) {
	if *o.reps < 1 {
		return nil, nil, nil, fmt.Errorf("-reps %d: must be at least 1", *o.reps)
	}
	engines = splitList(*o.engineList)
	if len(engines) == 0 {
		return nil, nil, nil, errors.New("-engine: give at least one Spiral engine")
	}
	modes, err = parseModes(*o.modeList)
	if err != nil {
		return nil, nil, nil, err
	}
	if *o.skipBrian {
		modes = nil
	}
	all := defaultModels()
	if *o.quick {
		all = quickModels()
	}
	for i := range all {
		f := o.sizes[all[i].Spiral]
		if *f.scale != 0 {
			all[i].Scale = *f.scale
		}
		if *f.duration != 0 {
			all[i].DurationS = *f.duration
		}
		if !(all[i].Scale > 0) || !(all[i].DurationS > 0) {
			return nil, nil, nil, fmt.Errorf("%s: scale and duration must be > 0", all[i].Name)
		}
	}
	models, err = selectModels(all, *o.modelList)
	if err != nil {
		return nil, nil, nil, err
	}
	return engines, modes, models, nil
}

// prepare fills in the default directories, describes the machine,
// checks the Brian2 side (installing Brian2 with -install) unless
// -skip-brian2, and makes the Cython cache and output directories.
func (o *options) prepare(ctx context.Context, root string, models []Model, logf func(string, ...any)) (Machine, error) {
	if *o.outDir == "" {
		*o.outDir = filepath.Join(root, "bench", "results")
	}
	if *o.brianDir == "" {
		*o.brianDir = filepath.Join(root, "bench", "brian2")
	}
	if abs, err := filepath.Abs(*o.brianDir); err == nil {
		*o.brianDir = filepath.Clean(abs)
	}
	mc := machineInfo(ctx, root)
	if !*o.skipBrian {
		if err := checkScripts(*o.brianDir, models); err != nil {
			return Machine{}, err
		}
		b2, py, err := checkBrian2(ctx, *o.python)
		if err != nil && *o.install {
			logf("Brian2 missing; installing it from Debian")
			if ierr := installBrian2(ctx, logf); ierr != nil {
				return Machine{}, fmt.Errorf("installing Brian2: %w", ierr)
			}
			b2, py, err = checkBrian2(ctx, *o.python)
		}
		if err != nil {
			return Machine{}, err
		}
		mc.Brian2, mc.Python = b2, py
		logf("Brian2 %s (%s, %s), scripts in %s", b2, py, *o.python, *o.brianDir)
	}
	if *o.cythonCache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		*o.cythonCache = filepath.Join(d, "spiral-bench", "cython")
	}
	if err := os.MkdirAll(*o.cythonCache, 0o755); err != nil {
		return Machine{}, fmt.Errorf("-cython-cache: %w", err)
	}
	if err := os.MkdirAll(*o.outDir, 0o755); err != nil {
		return Machine{}, fmt.Errorf("-out: %w", err)
	}
	return mc, nil
}

// runAll runs every model of res, each its repetitions on every Spiral
// engine and Brian2 mode (after an inspect and a Brian2 warm-up run),
// until done or interrupted (ctx). Each run is logged and added to res,
// which is saved to resultsPath after every run and at the end.
func (o *options) runAll(ctx context.Context, res *Results, resultsPath, bin, tmp string, logf func(string, ...any)) {
	engines, modes := res.Config.Engines, res.Config.BrianModes
	save := func() {
		if err := writeJSON(resultsPath, res); err != nil {
			logf("writing %s: %v", resultsPath, err)
		}
	}
	add := func(r Run) {
		res.Runs = append(res.Runs, r)
		save()
		what := fmt.Sprintf("%s %s %s seed %d", r.Model, r.Sim, r.Mode, r.Seed)
		if r.Warmup {
			what += " (warm-up)"
		}
		if r.OK {
			logf("%-45s simulate %8.3f s  whole %8.2f s  RSS %6s MB  rates %s", what, r.SimulateS, r.WholeS, mb(r.PeakRSS), fmtRates(r.RateHz))
		} else {
			logf("%-45s FAILED: %s", what, r.Error)
		}
	}
	bo := brianOpts{Python: *o.python, Dir: *o.brianDir, CythonCache: *o.cythonCache}
	for _, m := range res.Models {
		if ctx.Err() != nil {
			break
		}
		logf("%s: %s, %s simulated, scale %g", m.Name, m.Size(), fmtSimulated(m.DurationS), m.Scale)
		if *o.doInspect {
			st := SpiralStatics{Source: "inspect, scale 1"}
			if bps, err := inspectBytesPerSynapse(ctx, bin, tmp, m.Spiral); err != nil {
				st.Error = err.Error()
			} else {
				st.BytesPerSynapse = bps
			}
			res.Spiral[m.Name] = st
		}
		if *o.warmup && contains(modes, "runtime") {
			r := runBrian(ctx, bo, tmp, m, "runtime", *o.seed, -1, min(m.DurationS, 0.05), *o.timeout)
			r.Warmup = true
			add(r)
		}
		for rep := 0; rep < *o.reps && ctx.Err() == nil; rep++ {
			s := *o.seed + uint64(rep)
			for _, e := range engines {
				if ctx.Err() == nil {
					add(runSpiral(ctx, bin, tmp, m, e, s, rep, *o.timeout))
				}
			}
			for _, md := range modes {
				if ctx.Err() != nil {
					break
				}
				add(runBrian(ctx, bo, tmp, m, md, s, rep, m.DurationS, *o.timeout))
			}
		}
	}
	res.Machine.DateEnd = time.Now().UTC().Format(time.RFC3339)
	save()
}

func splitList(list string) []string {
	var out []string
	for _, x := range strings.Split(list, ",") {
		if x = strings.TrimSpace(x); x != "" && !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func parseModes(list string) ([]string, error) {
	var modes []string
	for _, md := range strings.Split(list, ",") {
		md = strings.TrimSpace(md)
		switch {
		case md == "":
			continue
		case md == "runtime", md == "cpp_standalone":
		case strings.HasPrefix(md, "cpp_standalone_t"):
			var n int
			if _, err := fmt.Sscanf(strings.TrimPrefix(md, "cpp_standalone_t"), "%d", &n); err != nil || n < 1 ||
				fmt.Sprint(n) != strings.TrimPrefix(md, "cpp_standalone_t") {
				return nil, fmt.Errorf("-modes: %q: want cpp_standalone_tN with N >= 1", md)
			}
		default:
			return nil, fmt.Errorf("-modes: unknown Brian2 mode %q (runtime, cpp_standalone, cpp_standalone_tN)", md)
		}
		if !contains(modes, md) {
			modes = append(modes, md)
		}
	}
	return modes, nil
}

// checkScripts makes sure the Brian2 scripts of the models are there.
func checkScripts(dir string, models []Model) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("Brian2 scripts: directory %s not found (give it with -brian2 DIR; it holds cuba.py, coba.py, brunel.py, stdp.py and b2run.py, as bench/brian2 does)", dir)
	}
	var missing []string
	for _, f := range append([]string{"b2run.py"}, scriptNames(models)...) {
		if !fileExists(filepath.Join(dir, f)) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Brian2 scripts: %s lacks %s (give the right directory with -brian2 DIR)", dir, strings.Join(missing, ", "))
	}
	return nil
}

func scriptNames(ms []Model) []string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Script)
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func fmtRates(r map[string]float64) string {
	var parts []string
	for _, k := range sortedKeys(r) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, r[k]))
	}
	return strings.Join(parts, ", ")
}

func quickScale(name string) float64 {
	for _, m := range quickModels() {
		if m.Spiral == name {
			return m.Scale
		}
	}
	return 0
}

func quickDuration(name string) float64 {
	for _, m := range quickModels() {
		if m.Spiral == name {
			return m.DurationS
		}
	}
	return 0
}
