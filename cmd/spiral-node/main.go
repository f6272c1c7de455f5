// Command spiral-node runs Spiral models: a built-in benchmark model (cuba,
// coba, brunel, stdp, fi; `spiral-node models` lists them) or a model file
// (YAML or JSON, docs/model-format.md), which `validate` checks and
// `inspect` sizes before anything is built.
//
// `run` prints a summary (neurons, synapses, build and simulate times, the
// synaptic events delivered, and per population the rate and the CV of
// inter-spike intervals) and with --out writes summary.json and spikes/<population>.npz (docs/outputs.md),
// with --plot also the plots that `spiral-node plot DIR` renders. Engines
// (--engine), all giving the same spikes for a seed: lockstep (the
// default: the populations split into shards on every core, a barrier
// between segments), actors (shards as actors exchanging messages; with
// --workers N they live in N worker processes on this machine, connected
// by mutual TLS) and sequential (the reference loop on one core).
//
//	spiral-node run brunel --duration 1s --scale 0.5
//	spiral-node run examples/brunel/brunel.yaml --out out/brunel --plot
//	spiral-node run cuba --engine actors --workers 2
//	spiral-node validate net.yaml
//	spiral-node models
//
// spiral-node --help lists the commands and the exit codes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/internal/metrics"
	"github.com/spiral-sim/spiral/internal/progress"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/output"
	"github.com/spiral-sim/spiral/plot"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/workers"
)

// maxSteps bounds the steps of one run (2^40: about 3.5 years of
// simulated time at dt = 0.1 ms).
const maxSteps = 1 << 40

// builtin maps a model name to its builder and default duration (ms).
var builtin = map[string]struct {
	build    func(o models.Options) (*network.Network, error)
	define   func(o models.Options) (*network.Builder, models.Options, error)
	duration float64
	about    string
}{
	"cuba": {models.CUBA, models.CUBADefinition, 1000, "Vogels–Abbott CUBA as Brian2's example, 4000·scale LIF, exponential currents; p = 0.02/scale keeps the in-degree"},
	"coba": {models.COBA, models.COBADefinition, 1000, "Vogels–Abbott COBA as Brian2's example, 4000·scale LIF, exponential conductances; p = 0.02/scale keeps the in-degree"},
	"brunel": {func(o models.Options) (*network.Network, error) { return models.Brunel(o, models.BrunelParams{}) },
		func(o models.Options) (*network.Builder, models.Options, error) {
			return models.BrunelDefinition(o, models.BrunelParams{})
		}, 1000, "Brunel 2000 model A with NEST's brunel_delta parameters (reset 0 mV, v(0) = 0), 12,500·scale LIF, delta synapses, 1.5 ms delays, Poisson drive; in-degrees 0.1·N scale too"},
	"stdp": {models.STDP, models.STDPDefinition, 20000, "Song–Miller–Abbott STDP as Brian2's example (current-based, no inhibition), 1000·scale Poisson inputs onto one LIF"},
	"fi": {func(o models.Options) (*network.Network, error) {
		n, _, err := models.FI(o)
		return n, err
	}, models.FIDefinition, 1000, "LIF f–I curve, 201 unconnected neurons"},
}

func main() {
	keepRunningOnClosedStdout()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// runUsage is the synopsis of the run command.
const runUsage = "usage: spiral-node run MODEL [--duration T] [--seed S] [--scale X] [--fixed-point] [--engine lockstep|actors|sequential] [--shards N] [--workers N | --members HOST:PORT[,...] --tls DIR [--name N] [--listen HOST:PORT]] [--peer-timeout T] [--on-member-loss fail|recover] [--device cpu|cuda[:N,...]|host[:N,...]] [--out DIR [--overwrite] [--plot]] [--metrics HOST:PORT] [--log-level L] [--checkpoint-every T --checkpoint-dir DIR [--checkpoint-keep N]] [--quiet] [--force]"

// usage writes the program's help: the user's commands (the internal
// worker command, which run --workers starts, is left out), what a model
// and a time are, and the exit codes.
func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: spiral-node <command> [flags]

commands:
  run MODEL [--duration T] [--seed S] [--scale X] [--fixed-point] [--engine lockstep|actors|sequential] [--shards N]
            [--workers N | --members HOST:PORT[,...] --tls DIR [--name N] [--listen HOST:PORT]]
            [--peer-timeout T] [--on-member-loss fail|recover] [--device cpu|cuda[:N,...]|host[:N,...]] [--out DIR [--overwrite] [--plot]]
            [--metrics HOST:PORT] [--log-level L] [--checkpoint-every T --checkpoint-dir DIR [--checkpoint-keep N]]
            [--quiet] [--force]
                      run a model and print a summary (refused when the memory estimate exceeds
                      MemAvailable, unless --force); checkpoints every T into DIR/<t>ms, and a last
                      one on SIGINT or SIGTERM; with --on-member-loss recover, a lost member's
                      shards go to the others and the run goes on from the last checkpoint
  resume CKPT [--duration T] [--engine lockstep|actors|sequential] [--shards N] [--workers N | --members ...] [--out DIR] [...]
                      continue a run from a checkpoint, on any layout, to its end or for T more
  validate FILE [--force]
                      check a model file; every problem, with its line (the first 100); refused
                      when building it would exceed MemAvailable, unless --force
  inspect MODEL [--scale X] [--seed S] [--engine lockstep|actors|sequential] [--shards N] [--estimate-only] [--force]
                      estimate the memory before building (refused above MemAvailable unless
                      --force), then build and measure: neurons, synapses and memory per
                      projection, segment length
  inspect CKPT        describe a checkpoint (run --checkpoint-every): model, time, size, contents
  plot DIR [--bin T] [--max-points N] [--format png,svg]
                      render rasters, rates, traces and weight plots of a run's outputs (run --out DIR)
  tls init DIR [--name NAME] [--host H[,H...]]
  tls issue DIR NAME --host H[,H...]
                      make a cluster's certificate authority and its members' certificates
                      (crypto/x509, ECDSA P-256; keys 0600; nothing overwritten)
  serve --listen HOST:PORT [--advertise HOST:PORT] --tls DIR [--name NAME]
                      a cluster member: hosts the shards of one run at a time for a coordinator
                      (run --members), its part built from the recipe it is sent
  models              list the built-in models
  version             the program's version

MODEL is a built-in model's name (brunel, coba, cuba, fi, stdp: see spiral-node models) or a
model file (.yaml, .yml or .json; docs/model-format.md).
A time T is a number with a unit — h, min, s, ms, us (or µs): 1s, 500ms, 2.5min, 1e3ms — or a
plain number of ms (1000); --peer-timeout needs a unit (15s).
spiral-node COMMAND --help lists a command's flags.

Exit codes:
  0    success
  1    the run failed (a model error at run time, a failed write: a full disk stops the run at once;
       a worker lost, frozen or refusing), or was refused: the memory estimate exceeds MemAvailable
  2    invalid input or usage; nothing was run (also: --out DIR not empty without --overwrite,
       or in use by another run: "DIR is in use by pid N")
  130  interrupted by SIGINT, 143 by SIGTERM: outputs not yet committed are removed`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	case "models":
		for _, k := range builtinNames() {
			fmt.Fprintf(stdout, "%-8s %s\n", k, builtin[k].about)
		}
		return 0
	case "run":
		return runModel(args[1:], stdout, stderr)
	case "resume":
		return resumeCommand(args[1:], stdout, stderr)
	case "worker":
		return runWorker(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "inspect":
		return inspect(args[1:], stdout, stderr)
	case "plot":
		return plotCommand(args[1:], stdout, stderr)
	case "tls":
		return tlsCommand(args[1:], stdout, stderr)
	case "serve":
		return serveCommand(args[1:], stdout, stderr)
	case "version":
		return version(stdout)
	}
	commands := []string{"run", "resume", "validate", "inspect", "plot", "tls", "serve", "models", "version"}
	guess := ""
	if g := modelfile.Suggest(args[0], commands); g != "" {
		guess = fmt.Sprintf("; did you mean %q?", g)
	}
	fmt.Fprintf(stderr, "spiral-node: unknown command %q%s (commands: %s; spiral-node --help details them)\n",
		args[0], guess, strings.Join(commands, ", "))
	return 2
}

func runModel(args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	durationFlag := &msFlag{name: "duration", plainMs: true}
	fs.Var(durationFlag, "duration", "simulated time: 1s, 500ms, 2.5min, or a plain number of ms (default: the model's)")
	warmup := &msFlag{name: "warmup", plainMs: true, zeroOK: true}
	fs.Var(warmup, "warmup", "leave the run's first T out of the summary's statistics (spikes, rates, CV of ISI, Fano factor; the spike files hold every spike): a start-up transient")
	seed := fs.Uint64("seed", 1, "random seed of a built-in model; given for a model file, it replaces the file's network.seed (whose default is 0)")
	scale := fs.Float64("scale", 1, "a built-in model's size factor: its populations scale, and so do the in-degrees of its fixed-in-degree projections (brunel: CE = 0.1·NE) with the weights unchanged, so the dynamics change with it (spiral-node models lists what each model scales)")
	fixed := fs.Bool("fixed-point", false, "sum synaptic input in 64-bit fixed point (network.fixed_point in a model file): the same spikes, bit for bit, on every engine, layout and device, a GPU's included")
	kind := fs.String("engine", "", "lockstep (shards on every core, barriers between segments; the default), actors (shards on every core, messages between them; the default with --workers) or sequential (the reference loop)")
	shards := fs.Int("shards", 0, "shards per population with the lockstep and actor engines (0: lockstep balances the populations over the cores, as few cut as possible; actors cut each of 2000 neurons or more into one per core)")
	metricsAddr := fs.String("metrics", "", "serve the run's progress as Prometheus metrics on http://ADDR/metrics (HOST:PORT; port 0 picks one, printed on stderr)")
	placement := addPlacementFlags(fs)
	quiet := fs.Bool("quiet", false, "no progress report")
	ckEvery := &msFlag{name: "checkpoint-every", plainMs: true}
	fs.Var(ckEvery, "checkpoint-every", "write a checkpoint every T of simulated time (a whole number of ms: 500ms, 1s) into --checkpoint-dir, as DIR/<t>ms; SIGINT or SIGTERM writes a last one (any engine, --workers and --members too)")
	ckDir := fs.String("checkpoint-dir", "", "with --checkpoint-every: the directory of the checkpoints (made if absent)")
	ckKeep := fs.Int("checkpoint-keep", 2, "with --checkpoint-every: how many of this run's checkpoints to keep, the latest (0: all)")
	level := newLogLevel()
	fs.Var(level, "log-level", logLevelUsage+" (the workers' too)")
	withPlots := fs.Bool("plot", false, "with --out: render plots into DIR/plots after the run")
	outDir := fs.String("out", "", "write summary.json and spikes/<population>.npz into this directory (must be empty or absent, unless --overwrite); locked while the run writes it")
	force := fs.Bool("force", false, "run even when the memory estimate exceeds the available memory")
	overwrite := fs.Bool("overwrite", false, "with --out: replace a previous run's outputs in DIR, once this run has succeeded (they are kept if it fails or is interrupted)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), runUsage)
		fmt.Fprintln(fs.Output(), modelHelp)
		fs.PrintDefaults()
	}
	name, code := parseWithModel(fs, args, "spiral-node run", "one model per run", stdout, stderr)
	if code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(stderr, "spiral-node run: no model: give a built-in model's name (spiral-node models) or a model file")
		fs.SetOutput(stderr)
		fs.Usage()
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	src, code := resolveModel("spiral-node run", name, modelArgs{*seed, set["seed"], *scale, set["scale"], *fixed}, stderr)
	if code != 0 {
		return code
	}
	duration := &durationFlag.ms
	if !durationFlag.set {
		*duration = src.duration
	}
	if !set["shards"] && src.shards > 1 && *kind != "sequential" {
		// The model file's run.shards, for the engines that split (the
		// sequential stepper holds every population whole).
		*shards = src.shards
	}
	o := runOptions{duration: *duration, warmup: warmup.ms, shards: *shards, metrics: *metricsAddr, quiet: *quiet, withPlots: *withPlots,
		outDir: *outDir, force: *force, overwrite: *overwrite, logLevel: level.Level}
	if warmup.set && *duration > 0 && !(warmup.ms >= 0 && warmup.ms < *duration) {
		fmt.Fprintf(stderr, "spiral-node run: --warmup %s: must be >= 0 and shorter than the run (%s)\n", formatMs(warmup.ms), formatMs(*duration))
		return 2
	}
	if code := placement.check("spiral-node run", kind, *shards, set["engine"], &o, stderr); code != 0 {
		return code
	}
	o.kind = *kind
	switch {
	case set["engine"]:
		o.asked = "--engine " + *kind
	case set["shards"]:
		o.asked = fmt.Sprintf("--shards %d", *shards)
	}
	if *shards < 0 {
		fmt.Fprintf(stderr, "spiral-node run: --shards %d: must be >= 0\n", *shards)
		return 2
	}
	if *withPlots && *outDir == "" {
		fmt.Fprintln(stderr, "spiral-node run: --plot needs --out DIR")
		return 2
	}
	if *overwrite && *outDir == "" {
		fmt.Fprintln(stderr, "spiral-node run: --overwrite needs --out DIR")
		return 2
	}
	if !(*duration > 0) {
		fmt.Fprintf(stderr, "spiral-node run: --duration %g: must be > 0 ms\n", *duration)
		return 2
	}
	if *shards > 1 && *kind == "sequential" {
		fmt.Fprintf(stderr, "spiral-node run: --shards %d: the sequential engine does not split populations (leave --shards out, or give 1)\n", *shards)
		return 2
	}
	ck, code := checkpointFlags(ckEvery, *ckDir, *ckKeep, "spiral-node run", stderr)
	if code != 0 {
		return code
	}
	if code := ck.separateFromOut(*outDir, "spiral-node run", stderr); code != 0 {
		return code
	}
	o.checkpoints = ck
	return runNet(name, src, o, stdout, stderr)
}

// command names the command that runs: "spiral-node resume" for a
// resumed run, else "spiral-node run".
func (o runOptions) command() string {
	if o.resume != nil {
		return "spiral-node resume"
	}
	return "spiral-node run"
}

// runOptions are run's flags, checked.
type runOptions struct {
	// checkpoints, if set, are written as the run goes (--checkpoint-*);
	// resume, if set, is the checkpoint the run continues from.
	checkpoints *checkpoints
	resume      *resumeFrom
	logLevel    zapcore.Level
	duration    float64 // ms
	warmup      float64 // ms left out of the summary's statistics
	kind        string  // --engine
	asked       string  // the --engine or --shards given, as given ("" if none)
	shards      int
	workers     int
	peerTimeout time.Duration
	// members, with the certificate directory, this coordinator's
	// certificate name and its listen address (run --members).
	members                  []string
	tlsDir, certName, listen string
	metrics                  string // --metrics ADDR
	quiet                    bool
	withPlots                bool
	outDir                   string
	// onMemberLoss is --on-member-loss: fail (the default) or recover.
	onMemberLoss string
	// dev is --device; nil for the CPU's engines.
	dev       *deviceSpec
	force     bool
	overwrite bool
}

// runNet builds the model of src, runs it as o says and reports the run:
// the summary on stdout, the outputs with --out. It returns the exit code
// (130 or 143 when a signal interrupted it). It reads top to bottom as the
// run's phases — outputs, build, engine, simulate, report — whose details
// live in buildNet, spikeWriters, startEngine, summarize and commit; it
// stays one function because the deferred cleanups (signals, outputs, the
// engine) must span them all.
func runNet(name string, src source, o runOptions, stdout, stderr io.Writer) (code int) {
	// A summary that cannot be written (a closed pipe, a full disk) is
	// said on stderr: without --out it is the run's only result.
	sw := &watchedWriter{w: stdout}
	stdout = sw
	defer func() {
		if sw.err == nil || code != 0 {
			return
		}
		if o.outDir == "" {
			fmt.Fprintf(stderr, "spiral-node run %s: the summary could not be written to standard output: %v (--out DIR keeps a run's results in files)\n", name, sw.err)
			code = 1
			return
		}
		fmt.Fprintf(stderr, "spiral-node run %s: note: the summary could not be written to standard output (%v); the outputs are in %s\n", name, sw.err, o.outDir)
	}()
	printWarnings(stderr, "spiral-node run", src.warnings)
	if code := memoryGuard("spiral-node run", name, src, o.kind, o.shards, o.force, stderr); code != 0 {
		return code
	}
	t0 := time.Now()
	// SIGINT and SIGTERM end the run with 130 and 143, leaving no
	// half-written outputs (see interruption).
	ctl := watchSignals(stderr)
	defer ctl.close()
	defer func() {
		if c, ok := ctl.code(); ok {
			ctl.reported()
			code = c
		}
	}()
	var out *output.Run
	if o.outDir != "" {
		var err error
		if out, err = output.BeginWith(o.outDir, output.Options{Overwrite: o.overwrite, HoldLock: true}); err != nil {
			fmt.Fprintf(stderr, "spiral-node run: --out %s: %v\n", o.outDir, err)
			if errors.Is(err, output.ErrNotEmpty) {
				fmt.Fprintln(stderr, "spiral-node run: --overwrite replaces a previous run's outputs once this run has succeeded")
			}
			return 2
		}
		defer out.Release() // after plotting
		defer out.Abort()   // no-op after a successful Commit
		ctl.setOutputs(out)
		for _, n := range out.Notes() {
			fmt.Fprintf(stderr, "spiral-node run: --out %s: %s\n", o.outDir, n)
		}
	}
	// With workers, each worker builds the synapses of its own shards and
	// this process only those whose weights it records.
	var part *network.Part
	if o.workers > 0 || len(o.members) > 0 {
		part = &network.Part{Whole: src.weightMons}
	}
	net, code := buildNet(o.command(), name, src, part, o.duration, stderr)
	if code != 0 {
		return code
	}
	build := time.Since(t0)
	var synapses, synBytes int64
	for _, p := range net.Projections {
		synapses += int64(p.Runtime.Syn.Len())
		synBytes += int64(p.Runtime.Syn.Memory())
	}
	// With --out, spikes stream into the output files as they are
	// recorded (memory stays bounded); otherwise they are kept for the
	// summary.
	// The first failed write (a full disk) stops the engine.
	writers, err := spikeWriters(out, net)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: %v\n", name, err)
		return 1
	}
	wfail := &writeFailure{ctl: ctl}
	if out != nil && len(src.stateMons) > 0 && o.kind != "sequential" && o.dev == nil {
		// Shards own the neuron state: recording it needs the
		// sequential stepper (the same spikes).
		what := o.command()
		if o.workers > 0 || len(o.members) > 0 {
			fmt.Fprintf(stderr, "%s: state monitors need one process; drop --workers or --members\n", what)
			return 2
		}
		if o.asked != "" {
			fmt.Fprintf(stderr, "%s: note: the model's state monitors need the sequential stepper: it runs instead of %s (the same spikes)\n", what, o.asked)
		}
		o.kind, o.shards = "sequential", 0
	}
	// The run goes from start (0, or the checkpoint's step) for steps.
	var start int64
	if o.resume != nil {
		start = o.resume.snap.Step
	}
	steps := int64(o.duration/net.Config.DtMs + 0.5)
	// The statistics count from start + warm (--warmup).
	warm := int64(o.warmup/net.Config.DtMs + 0.5)
	for _, w := range writers {
		w.SetStatsFrom(start + warm)
	}
	ck, code := startCheckpoints(o, name, src, net, start+steps, stderr)
	if code != 0 {
		return code
	}
	var prog *progress.Reporter
	if !o.quiet {
		prog = progress.New(stderr, start+steps, net.Config.DtMs)
		prog.From(start)
	}
	if ck != nil {
		ck.prog = prog
	}
	spec := engineSpec{kind: o.kind, dev: o.dev, shards: o.shards, workers: o.workers, peerTimeout: o.peerTimeout, net: net, src: &src, logLevel: o.logLevel,
		members: o.members, tlsDir: o.tlsDir, certName: o.certName, listen: o.listen,
		out: out, wfail: wfail, release: len(src.weightMons) == 0, stderr: stderr, held: &heldSynapses{}}
	if out != nil {
		spec.onSpikes = func(pop string, st []int64, el []uint32) {
			if w := writers[pop]; w != nil && wfail.failed() == nil {
				if err := w.Append(st, el); err != nil {
					wfail.set(fmt.Errorf("writing spikes of %s: %w", pop, err))
				}
			}
		}
	}
	if prog != nil {
		spec.onProgress = prog.Update
	}
	var reached atomic.Int64 // the last step recorded (--on-member-loss recover)
	if o.onMemberLoss == "recover" {
		report := spec.onProgress
		spec.onProgress = func(step int64) {
			reached.Store(step)
			if report != nil {
				report(step)
			}
		}
	}
	mets, stopMetrics, code := serveMetrics(o.metrics, name, net, &spec, stderr)
	if code != 0 {
		return code
	}
	defer stopMetrics()
	e, desc, release, code, err := startEngine(spec)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: %v\n", name, err)
		return code
	}
	defer func() { release() }() // the engine of the last recovery
	var eventsBefore int64       // delivered before the checkpoint resumed
	if o.resume != nil {
		t := time.Now()
		if err := e.Restore(o.resume.snap); err != nil {
			fmt.Fprintf(stderr, "spiral-node resume %s: %v\n", o.resume.path, err)
			return 2
		}
		if eventsBefore, err = e.Events(); err != nil {
			fmt.Fprintf(stderr, "spiral-node resume %s: %v\n", o.resume.path, err)
			return 1
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "spiral-node resume: restored %s in %.3f s\n", o.resume.path, time.Since(t).Seconds())
		}
	}
	if o.workers > 0 || len(o.members) > 0 {
		// The workers built their parts while the engine started: the
		// build ends when the last is ready; the synapses are theirs.
		build = time.Since(t0)
		synapses, synBytes = spec.held.n, spec.held.bytes
	}
	var rec *recovery
	if o.onMemberLoss == "recover" {
		// A checkpoint of the start, in memory, to go back to until the
		// first one is written.
		rec = &recovery{writers: writers}
		snap, err := e.Checkpoint()
		if err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: --on-member-loss recover: %v\n", name, err)
			return 1
		}
		rec.keep(snap)
		if ck != nil {
			ck.onSave = rec.keep
		}
	}
	if mets != nil {
		mets.Peers(spec.held.peers)
		mets.Start()
	}
	// The engine runs until the end, a signal or a failed write stops it.
	t1 := time.Now()
	stopProbes := probeLinks(mets, e)
	ctl.simulating(e.Stop)
	err = simulate(e, steps, ck)
	for err != nil && rec != nil && wfail.failed() == nil {
		if _, stopped := ctl.code(); stopped {
			break
		}
		lost := rec.lost(e, spec.members, spec.peerTimeout)
		left := survivors(spec.members, lost)
		if len(lost) == 0 || len(left) == 0 {
			break // not a member lost, or none left
		}
		// Fence the lost members (the engine has: nothing of theirs is
		// taken any more), start again on the others from the last
		// checkpoint, the outputs rolled back to it.
		ctl.simulating(nil)
		stopProbes()
		d := recovered{at: max(e.Steps(), reached.Load()), back: rec.snap.Step}
		for _, i := range lost {
			d.lost = append(d.lost, spec.members[i])
		}
		fmt.Fprintf(stderr, "spiral-node run %s: %v\nspiral-node run: lost %s; going back to %s on %s\n", name, err,
			strings.Join(d.lost, ", "), formatMs(float64(d.back)*net.Config.DtMs), plural(len(left), "member"))
		tr := time.Now()
		d.sinceS = tr.Sub(rec.keptAt).Seconds()
		if out == nil {
			rec.keepSpikes(e, net)
		}
		release()
		release = func() {}
		spec.members = left
		// The members left may still be ending the failed run (their
		// shards wait for the lost one): they are asked again, a while.
		for start := time.Now(); ; time.Sleep(time.Second) {
			if net, code = buildNet(o.command(), name, src, part, o.duration, stderr); code != 0 {
				return code
			}
			spec.net = net
			if e, desc, release, code, err = startEngine(spec); err == nil {
				break
			}
			release = func() {} // startEngine released what it started
			if !errors.Is(err, workers.ErrBusy) || time.Since(start) > recoverBusyWait {
				fmt.Fprintf(stderr, "spiral-node run %s: recovering: %v\n", name, err)
				return code
			}
		}
		if err := e.Restore(rec.snap); err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: recovering: %v\n", name, err)
			return 1
		}
		if err := rec.rewind(); err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: recovering: %v\n", name, err)
			return 1
		}
		d.restartS = time.Since(tr).Seconds()
		rec.done = append(rec.done, d)
		if mets != nil {
			mets.Peers(spec.held.peers)
		}
		stopProbes = probeLinks(mets, e)
		ctl.simulating(e.Stop)
		err = simulate(e, start+steps-e.Steps(), ck)
	}
	ctl.simulating(nil)
	stopProbes()
	if mets != nil {
		mets.Progress(e.Steps())
	}
	sim := time.Since(t1)
	if _, ok := ctl.code(); ok {
		if ck != nil && e.Steps() > start {
			finalCheckpoint(ctl, ck, e, stderr)
		}
		return 1 // the signal handler has said why
	}
	ran := e.Steps() - start
	if werr := wfail.failed(); werr != nil {
		prog.Done(ran) // ends a progress bar's line
		fmt.Fprintf(stderr, "spiral-node run %s: %v; the run stopped at %.6g ms of %g ms\n",
			name, werr, float64(ran)*net.Config.DtMs, o.duration)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: %v%s\n", name, err, silentMembers(e, spec.members, rec, spec.peerTimeout))
		return 1
	}
	events, err := e.Events() // synaptic events delivered
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: %v\n", name, err)
		return 1
	}
	events -= eventsBefore
	if len(src.weightMons) > 0 {
		if err := e.GatherWeights(); err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: %v\n", name, err)
			return 1
		}
	}
	prog.Done(ran)
	var recoveries []output.Recovery
	if rec != nil {
		recoveries = rec.report(stderr, net.Config.DtMs)
	}
	var before map[string]spikeList
	if rec != nil {
		before = rec.before
	}
	sum, err := summarize(stdout, e, net, writers, runStats{desc: desc, build: build, sim: sim, ran: ran, from: start, warm: warm, events: events, synapses: synapses, synBytes: synBytes, before: before}, name)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: %v\n", name, err)
		return 1
	}
	if out != nil {
		sum.WallS = time.Since(t0).Seconds()
		sum.Recoveries = recoveries
		return commit(out, net, src.weightMons, sum, o.withPlots, ctl, name, stdout, stderr)
	}
	return 0
}

// serveMetrics serves the run's metrics on addr (--metrics; nothing when
// addr is empty) and hooks them into spec's spike and progress callbacks.
// It returns the metrics (nil without), the function that stops serving
// them, and an exit code (2 when addr cannot be served).
func serveMetrics(addr, name string, net *network.Network, spec *engineSpec, stderr io.Writer) (*metrics.Run, func(), int) {
	if addr == "" {
		return nil, func() {}, 0
	}
	m := metrics.New(name, net.Config.DtMs)
	srv, err := metrics.Serve(addr, m)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run: --metrics %s: %v\n", addr, err)
		return nil, nil, 2
	}
	fmt.Fprintf(stderr, "spiral-node run: metrics on http://%s/metrics\n", srv.Addr())
	spec.onSpikes, spec.onProgress = withMetrics(m, spec.onSpikes, spec.onProgress)
	return m, func() { _ = srv.Close() }, 0
}

// linkProbeEvery is how often a run with --metrics and workers or
// members times its links.
const linkProbeEvery = 2 * time.Second

// probeLinks times the links between the processes of a run every
// linkProbeEvery into m (when there are metrics and the engine has links
// to time) until the function it returns is called, which waits for a
// probe under way.
func probeLinks(m *metrics.Run, e engine.Engine) func() {
	le, ok := e.(interface{ Links() ([]actors.Link, error) })
	if m == nil || !ok {
		return func() {}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(linkProbeEvery)
		defer tick.Stop()
		for {
			links, err := le.Links()
			if err != nil {
				return
			}
			for _, l := range links {
				m.Link(l.From, l.To, l.RTT)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(stop); <-done }
}

// withMetrics returns spike and progress callbacks that also update m.
func withMetrics(m *metrics.Run, onSpikes func(pop string, steps []int64, neurons []uint32), onProgress func(steps int64)) (func(string, []int64, []uint32), func(int64)) {
	return func(pop string, steps []int64, neurons []uint32) {
			m.Spikes(pop, len(steps))
			if onSpikes != nil {
				onSpikes(pop, steps, neurons)
			}
		}, func(steps int64) {
			m.Progress(steps)
			if onProgress != nil {
				onProgress(steps)
			}
		}
}

// buildNet builds the network of src and checks what needs it built: the
// duration in steps, the state monitors' variables. It returns the exit
// code 2 after reporting a problem.
func buildNet(what, name string, src source, part *network.Part, duration float64, stderr io.Writer) (*network.Network, int) {
	net, err := src.build(part)
	if err != nil {
		printModelErrors(stderr, what+" "+name, err) // a model file's, at their lines
		return nil, 2
	}
	for _, p := range net.Projections {
		// Initial weights outside the bounds are set to them: say so.
		if k := p.Runtime.Syn.ClippedAtInit(); k > 0 {
			fmt.Fprintf(stderr, "%s %s: note: projection %q: %d of %d initial weights lay outside its bounds (wmin, wmax) and were set to them (give the weight's distribution min and max to redraw instead)\n",
				what, name, p.Name, k, p.Runtime.Syn.Len())
		}
	}
	if steps := duration / net.Config.DtMs; !(steps >= 1) || steps > maxSteps {
		fmt.Fprintf(stderr, "%s %s: duration %g ms at dt %g ms is %g steps: must be at least one step (%g ms) and at most %g steps (%g ms)\n",
			what, name, duration, net.Config.DtMs, steps, net.Config.DtMs, float64(maxSteps), float64(maxSteps)*net.Config.DtMs)
		return nil, 2
	}
	if badStateVars(stderr, what, name, net, src.stateMons) {
		return nil, 2
	}
	return net, 0
}

// spikeWriters opens the spike file of every spiking population of net in
// out (none without out).
func spikeWriters(out *output.Run, net *network.Network) (map[string]*output.SpikeWriter, error) {
	writers := map[string]*output.SpikeWriter{}
	if out == nil {
		return writers, nil
	}
	for _, p := range net.Populations {
		if p.Graded() {
			continue
		}
		w, err := out.SpikeWriter(p.Name, p.Len(), net.Config.DtMs)
		if err != nil {
			return nil, err
		}
		writers[p.Name] = w
	}
	return writers, nil
}

// commit writes the recorded weights and the summary into out, commits
// it and renders the plots when asked; it returns the exit code.
func commit(out *output.Run, net *network.Network, weightMons []string, sum output.Summary, withPlots bool, ctl *interruption, name string, stdout, stderr io.Writer) int {
	for _, wm := range weightMons {
		if err := writeWeights(out, net, wm); err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: weights of %s: %v\n", name, wm, err)
			return 1
		}
	}
	if err := out.Commit(sum); err != nil {
		if _, ok := ctl.code(); !ok { // else aborted by the signal handler
			fmt.Fprintf(stderr, "spiral-node run %s: --out %s: %v\n", name, out.Dir(), err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\n", out.Dir())
	if withPlots {
		files, err := plot.Render(out.Dir(), plot.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "spiral-node run %s: plots: %v\n", name, err)
			return 1
		}
		fmt.Fprintf(stdout, "plotted %s into %s/plots\n", plural(len(files), "file"), out.Dir())
	}
	return 0
}

// runStats is what a run measured, for its summary.
type runStats struct {
	desc        string // the engine, as startEngine describes it
	build, sim  time.Duration
	ran, events int64 // steps computed, synaptic events delivered
	from        int64 // the step the run started from (a resumed run's)
	warm        int64 // steps from there that the statistics leave out (--warmup)
	// synapses and their bytes, in this process or, with workers, in the
	// workers' shards
	synapses, synBytes int64
	// before holds, per population, the spikes of engines that a
	// recovery replaced, up to where the last engine took over (without
	// --out, where e holds the spikes).
	before map[string]spikeList
}

// summarize prints the summary of a run of e on net (with the spike
// counts of writers where spikes went into files, else of e) and returns
// it for summary.json. Its error is a failed close of a spike file.
func summarize(stdout io.Writer, e engine.Engine, net *network.Network, writers map[string]*output.SpikeWriter, r runStats, name string) (output.Summary, error) {
	dt := net.Config.DtMs
	sums := ""
	if net.Config.FixedPoint {
		sums = ", sums in fixed point"
	}
	neurons := plural(net.Neurons(), "neuron")
	if b := net.Config.Batch; b > 1 {
		neurons += fmt.Sprintf(" × %d copies", b) // the table counts every copy
	}
	from := ""
	if r.from > 0 {
		from = fmt.Sprintf(" from %g ms", output.StepTimeMS(r.from, dt)) // a resumed run
	}
	fmt.Fprintf(stdout, "model %s: %s, %s, dt %g ms, %g ms simulated%s, seed %d%s\n",
		name, neurons, plural(int(r.synapses), "synapse"), dt, output.StepTimeMS(r.ran, dt), from, net.Config.Seed, sums)
	fmt.Fprintf(stdout, "engine: %s\n", r.desc)
	fmt.Fprintf(stdout, "build %.3f s, simulate %.3f s (real-time factor %.3f)\n",
		r.build.Seconds(), r.sim.Seconds(), r.sim.Seconds()/(float64(r.ran)*dt/1000))
	eps := 0.0
	if r.sim > 0 {
		eps = float64(r.events) / r.sim.Seconds()
	}
	fmt.Fprintf(stdout, "synaptic events delivered: %d, %.3g per second of simulate time\n", r.events, eps)
	wide := 6 // the names' column: as wide as the longest name
	for _, p := range net.Populations {
		wide = max(wide, len(p.Name))
	}
	// The statistics' window: [from + warm, from + ran).
	warm := min(r.warm, r.ran)
	measured := float64(r.ran-warm) * dt
	if warm > 0 {
		fmt.Fprintf(stdout, "statistics over the last %g ms (--warmup %g ms left out)\n", output.StepTimeMS(r.ran-warm, dt), output.StepTimeMS(warm, dt))
	}
	fmt.Fprintf(stdout, "%-*s %8s %10s %10s %8s %9s\n", wide, "pop", "size", "spikes", "rate_hz", "cv_isi", "pop_fano")
	sum := output.Summary{DtMS: dt, StartMS: output.StepTimeMS(r.from, dt), WarmupMS: output.StepTimeMS(warm, dt), DurationMS: output.StepTimeMS(r.ran, dt), Seed: net.Config.Seed, BuildS: r.build.Seconds(), SimulateS: r.sim.Seconds(),
		Neurons: int64(net.Neurons()), Synapses: r.synapses, Engine: r.desc, SynapseBytes: r.synBytes,
		SynapticEvents: r.events, SynapticEventsPerS: eps}
	if _, peak, err := estimate.RSS(); err == nil {
		sum.PeakRSSBytes = peak
	}
	for _, p := range net.Populations {
		var ps output.PopulationSummary
		if w := writers[p.Name]; w != nil {
			ps = w.Summary(p.Name, measured)
			ps.Fano = output.NullFloat(w.Fano(r.from+warm, r.from+r.ran))
			if err := w.Close(); err != nil {
				return sum, fmt.Errorf("writing spikes of %s: %w", p.Name, err)
			}
		} else {
			st, el, _ := e.Spikes(p.Name) // none for graded populations
			if b, ok := r.before[p.Name]; ok {
				st, el = append(slices.Clip(b.steps), st...), append(slices.Clip(b.elements), el...)
			}
			// Every copy of a batch counts, as in the spike files
			// (element copy·N + neuron): the summary is the same with
			// --out and without.
			n := p.N * max(net.Config.Batch, 1)
			s := monitor.Summary(n, st, el, r.from+warm, r.from+r.ran, dt)
			ps = output.PopulationSummary{Name: p.Name, Size: n, Spikes: int64(s.Spikes),
				RateHz: output.RateHz(int64(s.Spikes), n, measured), CVISI: output.NullFloat(s.CVISI), Fano: output.NullFloat(s.Fano)}
		}
		cv, fano := "n/a", "n/a" // fewer than three spikes everywhere; no spike, or under two bins
		if c := float64(ps.CVISI); !math.IsNaN(c) {
			cv = fmt.Sprintf("%.3f", c)
		}
		if f := float64(ps.Fano); !math.IsNaN(f) {
			fano = fmt.Sprintf("%.3g", f)
		}
		fmt.Fprintf(stdout, "%-*s %8d %10d %10.3f %8s %9s\n", wide, p.Name, ps.Size, ps.Spikes, ps.RateHz, cv, fano)
		sum.Populations = append(sum.Populations, ps)
	}
	return sum, nil
}

// writeWeights writes the weights of projection name (a weight monitor)
// into out: per synapse its weight, row and column, and with learnt
// latencies its total latency in ms (the axon's, per row, plus the learnt
// part).
func writeWeights(out *output.Run, net *network.Network, name string) error {
	p, _ := net.Projection(name)
	syn := p.Runtime.Syn
	w := make([]float32, syn.Len())
	rows := make([]uint32, syn.Len())
	for k := range w {
		w[k] = syn.Weight(k)
	}
	for r := 0; r < syn.Rows; r++ {
		for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
			rows[k] = uint32(r)
		}
	}
	var lat []float32
	if l := p.Runtime.Latencies(); l != nil {
		ax := net.Axons[p.Axon].Axon
		lat = make([]float32, len(l))
		for r := 0; r < syn.Rows; r++ {
			for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
				lat[k] = float32(float64(ax.Latency(r)+int(latency.Steps(l[k]))) * net.Config.DtMs)
			}
		}
	}
	return out.Weights(name, w, rows, syn.Idx, [2]int{syn.Rows, syn.Cols}, lat)
}

// stateRecorder streams a state variable of some neurons into
// state/<population>.<var>.npz every few steps.
type stateRecorder struct {
	v     []float32
	idx   []int
	every int64
	w     *output.StateWriter
	row   []float32
	fail  *writeFailure // the first error, which stops the run
}

func newStateRecorder(out *output.Run, net *network.Network, sm modelfile.StateMonitor, fail *writeFailure) (*stateRecorder, error) {
	p, ok := net.Population(sm.Population)
	if !ok {
		return nil, fmt.Errorf("state monitor: no population %q", sm.Population)
	}
	v, ok := stateVar(p, sm.Var)
	if !ok {
		return nil, fmt.Errorf("state monitor of %s: no variable %q (has %v)", sm.Population, sm.Var, stateVars(p))
	}
	idx := sm.Neurons
	if idx == nil {
		idx = make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
	}
	el := make([]uint32, len(idx))
	for i, x := range idx {
		el[i] = uint32(x)
	}
	w, err := out.StateWriter(sm.Population, sm.Var, el, net.Config.DtMs)
	if err != nil {
		return nil, err
	}
	return &stateRecorder{v: v, idx: idx, every: int64(sm.Every), w: w, row: make([]float32, len(idx)), fail: fail}, nil
}

// Record implements stepper.Monitor.
func (m *stateRecorder) Record(step int64, _ *network.Network) {
	if step%m.every != 0 || m.fail.failed() != nil {
		return
	}
	for i, x := range m.idx {
		m.row[i] = m.v[x]
	}
	m.write(step, m.row)
}

// write appends a step's values (device.Net.Watch gives them on a
// device).
func (m *stateRecorder) write(step int64, values []float32) {
	if m.fail.failed() != nil {
		return
	}
	if err := m.w.Append(step, values); err != nil {
		m.fail.set(fmt.Errorf("writing state %s: %w", m.w.Path(), err))
	}
}

// modelHelp says what a MODEL argument is, for the commands' usage.
const modelHelp = "MODEL: a built-in model's name (spiral-node models) or a model file (.yaml, .yml, .json)"

// parseFlags parses a command's flags. The help (-h, --help) goes to
// stdout; a bad flag is reported on stderr as one line prefixed with what
// (the program and command's name), saying where the flags are listed
// (the whole usage would bury the error). It returns −1 to go
// on, else the exit code: 0 after the help, 2 for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, what string, stdout, stderr io.Writer) int {
	fs.SetOutput(io.Discard) // the flag package's own report is unprefixed
	err := fs.Parse(args)
	switch {
	case err == nil:
		fs.SetOutput(stderr)
		return -1
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v (%s --help lists the flags)\n", what, err, what)
	fs.SetOutput(stderr)
	return 2
}

// parseWithModel parses a command's flags, which may come before and after
// its one model argument, and returns the model name (empty if none).
// code is −1 to go on, or the exit code: 0 after --help, 2 for bad flags or
// a second argument (named after what, with why).
func parseWithModel(fs *flag.FlagSet, args []string, what, why string, stdout, stderr io.Writer) (name string, code int) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for {
		if code := parseFlags(fs, args, what, stdout, stderr); code >= 0 {
			return "", code
		}
		if fs.NArg() == 0 {
			return name, -1
		}
		if name != "" {
			fmt.Fprintf(stderr, "%s: unexpected argument %q (%s)\n", what, fs.Arg(0), why)
			return "", 2
		}
		name, args = fs.Arg(0), fs.Args()[1:]
	}
}

// plural writes n and the noun, with an s (es after an s) unless n is 1.
func plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return strconv.FormatInt(int64(n), 10) + " " + noun + "es"
	}
	return strconv.FormatInt(int64(n), 10) + " " + noun + "s"
}

// stateVar returns the values of a population's state variable name: one
// of its model's variables, or "current" (direct input plus dendritic
// currents, stored from this call on).
func stateVar(p *population.Population, name string) ([]float32, bool) {
	if name == "current" {
		return p.Current(), true
	}
	return p.Model().Var(name)
}

// hasStateVar reports whether stateVar knows name, without side effects.
func hasStateVar(p *population.Population, name string) bool {
	if name == "current" {
		return true
	}
	_, ok := p.Model().Var(name)
	return ok
}

// stateVars lists the variables a state monitor of p may record.
func stateVars(p *population.Population) []string {
	return append(slices.Clone(p.Model().Vars()), "current")
}

// watchedWriter writes to w and keeps the first error.
type watchedWriter struct {
	w   io.Writer
	err error
}

func (x *watchedWriter) Write(p []byte) (int, error) {
	n, err := x.w.Write(p)
	if err != nil && x.err == nil {
		x.err = err
	}
	return n, err
}
