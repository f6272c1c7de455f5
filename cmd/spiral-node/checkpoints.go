package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/internal/progress"
	"github.com/spiral-sim/spiral/network"
)

// checkpoints are a run's checkpoint flags, checked: every everyMs of
// simulated time (whole ms) a checkpoint DIR/<t>ms; the last keep of
// those this run wrote are kept (0: all).
type checkpoints struct {
	dir     string
	everyMs float64
	keep    int
}

// checkpointFlags reads and checks --checkpoint-every, --checkpoint-dir
// and --checkpoint-keep; nil when checkpoints are off. what names the
// command for messages.
func checkpointFlags(every *msFlag, dir string, keep int, what string, stderr io.Writer) (*checkpoints, int) {
	switch {
	case !every.set && dir == "":
		return nil, 0
	case !every.set:
		fmt.Fprintf(stderr, "%s: --checkpoint-dir needs --checkpoint-every T (e.g. 500ms)\n", what)
		return nil, 2
	case dir == "":
		fmt.Fprintf(stderr, "%s: --checkpoint-every needs --checkpoint-dir DIR, where the checkpoints go\n", what)
		return nil, 2
	case !(every.ms >= 1) || every.ms != math.Trunc(every.ms) || every.ms > 1e12:
		fmt.Fprintf(stderr, "%s: --checkpoint-every %s: must be a whole number of ms, at least 1ms (checkpoints are named by their time: DIR/500ms)\n", what, formatMs(every.ms))
		return nil, 2
	case keep < 0:
		fmt.Fprintf(stderr, "%s: --checkpoint-keep %d: must be >= 0 (0 keeps every checkpoint)\n", what, keep)
		return nil, 2
	}
	return &checkpoints{dir: dir, everyMs: every.ms, keep: keep}, 0
}

// separateFromOut refuses a checkpoint directory that is, or lies in,
// the run's --out directory (whose contents a run replaces as a whole).
func (c *checkpoints) separateFromOut(out, what string, stderr io.Writer) int {
	if c == nil || out == "" {
		return 0
	}
	a, err1 := filepath.Abs(c.dir)
	b, err2 := filepath.Abs(out)
	if err1 == nil && err2 == nil && (a == b || strings.HasPrefix(a, b+string(filepath.Separator))) {
		fmt.Fprintf(stderr, "%s: --checkpoint-dir %s lies in --out %s, which a run replaces as a whole: give another directory\n", what, c.dir, out)
		return 2
	}
	return 0
}

// checkpointer writes a run's checkpoints.
type checkpointer struct {
	c       checkpoints
	every   int64 // steps
	dt      float64
	info    checkpoint.Info
	written []string
	stderr  io.Writer
	prog    *progress.Reporter // notes each checkpoint (nil: quiet)
	// onSave, if set, is given each checkpoint written (recovery keeps
	// the last).
	onSave func(*checkpoint.Snapshot)
}

// checkpointName returns the file name of a checkpoint at step: the
// simulated time in ms ("500ms", "12.5ms").
func checkpointName(step int64, dt float64) string {
	return strconv.FormatFloat(roundNs(float64(step)*dt), 'f', -1, 64) + "ms"
}

// save writes e's checkpoint into the directory and drops the oldest this
// run wrote beyond keep.
func (ck *checkpointer) save(e engine.Engine) (string, error) {
	t := time.Now()
	snap, err := e.Checkpoint()
	if err != nil {
		return "", err
	}
	path := filepath.Join(ck.c.dir, checkpointName(snap.Step, ck.dt))
	if err := checkpoint.Write(path, ck.info, snap); err != nil {
		return "", err
	}
	if ck.prog != nil {
		size := int64(0)
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		ck.prog.Note(fmt.Sprintf("spiral-node: checkpoint %s (%s) in %.3f s", path, gb(size), time.Since(t).Seconds()))
	}
	ck.written = append(ck.written, path)
	if ck.onSave != nil {
		ck.onSave(snap)
	}
	if ck.c.keep > 0 {
		for len(ck.written) > ck.c.keep {
			if err := os.Remove(ck.written[0]); err != nil && !errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(ck.stderr, "spiral-node: removing an old checkpoint: %v\n", err)
			}
			ck.written = ck.written[1:]
		}
	}
	return path, nil
}

// simulate runs e for steps more steps; with ck, it writes a checkpoint
// at every multiple of ck.every steps (counted from step 0) that it
// reaches, the last one included.
func simulate(e engine.Engine, steps int64, ck *checkpointer) error {
	if ck == nil {
		return e.Run(int(steps))
	}
	end := e.Steps() + steps
	for e.Steps() < end {
		next := min((e.Steps()/ck.every+1)*ck.every, end)
		if err := e.Run(int(next - e.Steps())); err != nil {
			return err
		}
		if e.Steps()%ck.every == 0 {
			if _, err := ck.save(e); err != nil {
				return fmt.Errorf("writing a checkpoint at %s: %w", formatMs(float64(e.Steps())*ck.dt), err)
			}
		}
	}
	return nil
}

// inspectCheckpoint describes the checkpoint at path: what made it, where
// the run was, its size and what it holds.
func inspectCheckpoint(path string, stdout, stderr io.Writer) int {
	info, snap, err := checkpoint.Read(path)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect: %v\n", err)
		return 2
	}
	st, _ := os.Stat(path)
	end := "unknown"
	if info.EndStep > 0 {
		end = formatMs(float64(info.EndStep) * info.DtMs)
	}
	fmt.Fprintf(stdout, "checkpoint %s: model %s, seed %d, written by Spiral %s on %s\n", path, info.Model, info.Seed, info.Spiral, info.Created)
	fmt.Fprintf(stdout, "at %s of %s simulated (step %d, dt %g ms); %s on disk, %d state variables\n",
		formatMs(float64(info.Step)*info.DtMs), end, info.Step, info.DtMs, gb(st.Size()), info.Vars)
	type group struct {
		name  string
		vars  int
		bytes int64
	}
	groups := map[string]*group{}
	for p, v := range snap.Vars {
		name := componentOf(p)
		g := groups[name]
		if g == nil {
			g = &group{name: name}
			groups[name] = g
		}
		g.vars++
		g.bytes += checkpoint.Size(v)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "%-40s %6s %12s\n", "component", "vars", "state")
	for _, n := range names {
		g := groups[n]
		fmt.Fprintf(stdout, "%-40s %6d %12s\n", g.name, g.vars, gb(g.bytes))
	}
	fmt.Fprintf(stdout, "resume with: spiral-node resume %s\n", path)
	return 0
}

// componentOf returns the component a variable's path belongs to:
// "population E", "projection EE", "inbox E.in" (or "inbox E.in.far"),
// "axon E.out".
func componentOf(path string) string {
	kind, rest, _ := strings.Cut(path, " ")
	parts := strings.Split(rest, ".")
	n := 1
	switch {
	case kind == "inbox" && len(parts) > 3 && parts[2] == "far":
		n = 3
	case kind == "inbox" || kind == "axon":
		n = 2
	}
	return kind + " " + strings.Join(parts[:min(n, len(parts))], ".")
}

// resumeFrom is the checkpoint a run continues from (spiral-node resume).
type resumeFrom struct {
	path string
	info checkpoint.Info
	snap *checkpoint.Snapshot
}

// startCheckpoints prepares a run's checkpoints (nil without
// --checkpoint-every): the directory, and what each checkpoint says of the
// run — the recipe and seed that rebuild the model, the step it ends at.
func startCheckpoints(o runOptions, name string, src source, net *network.Network, end int64, stderr io.Writer) (*checkpointer, int) {
	if o.checkpoints == nil {
		return nil, 0
	}
	c := *o.checkpoints
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "spiral-node run: --checkpoint-dir: %v\n", err)
		return nil, 2
	}
	rec, err := src.recipe()
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run %s: the model for its checkpoints: %v\n", name, err)
		return nil, 1
	}
	v, _ := versionString()
	every := int64(math.Round(c.everyMs / net.Config.DtMs))
	if every < 1 || math.Abs(float64(float64(every)*net.Config.DtMs)-c.everyMs) > 1e-9*c.everyMs {
		fmt.Fprintf(stderr, "spiral-node run: --checkpoint-every %s: not a whole number of steps of %g ms\n", formatMs(c.everyMs), net.Config.DtMs)
		return nil, 2
	}
	return &checkpointer{c: c, every: every, dt: net.Config.DtMs, stderr: stderr,
		info: checkpoint.Info{Spiral: v, Model: name, Recipe: rec, Seed: net.Config.Seed, DtMs: net.Config.DtMs, EndStep: end}}, 0
}

// finalCheckpoint writes the checkpoint of a run that a signal stopped and
// says how to resume it; the process waits for it rather than exit after
// the usual grace (a second signal still exits at once).
func finalCheckpoint(ctl *interruption, ck *checkpointer, e engine.Engine, stderr io.Writer) {
	ctl.hold(true)
	defer ctl.hold(false)
	path, err := ck.save(e)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node run: no checkpoint of the interrupted run: %v\n", err)
		return
	}
	fmt.Fprintf(stderr, "spiral-node run: the run stopped at %s; its checkpoint is %s: spiral-node resume %s continues it\n",
		formatMs(float64(e.Steps())*ck.dt), path, path)
}

// resumeUsage is resume's usage line.
const resumeUsage = "usage: spiral-node resume CKPT [--duration T] [--engine lockstep|actors|sequential] [--shards N] [--workers N | --members HOST:PORT[,...] --tls DIR [--name N] [--listen HOST:PORT]] [--peer-timeout T] [--on-member-loss fail|recover] [--device cpu|cuda[:N,...]|host[:N,...]] [--out DIR [--overwrite] [--plot]] [--checkpoint-every T --checkpoint-dir DIR [--checkpoint-keep N]] [--metrics HOST:PORT] [--log-level L] [--quiet] [--force]"

// resumeCommand continues a run from a checkpoint (spiral-node resume):
// to the run's end, or for --duration more, on any engine that can
// restore it and any shard count. Its outputs hold what happens from the
// checkpoint's time on.
func resumeCommand(args []string, stdout, stderr io.Writer) int {
	const what = "spiral-node resume"
	fs := flag.NewFlagSet("resume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	durationFlag := &msFlag{name: "duration", plainMs: true}
	fs.Var(durationFlag, "duration", "how much more to simulate: 1s, 500ms, or a plain number of ms (default: to the end of the run the checkpoint was taken in)")
	kind := fs.String("engine", "", "lockstep (the default), actors (the default with --workers or --members) or sequential")
	shards := fs.Int("shards", 0, "shards per population with the lockstep and actor engines (0: lockstep balances the populations over the cores, as few cut as possible; actors cut each of 2000 neurons or more into one per core)")
	placement := addPlacementFlags(fs)
	outDir := fs.String("out", "", "write summary.json and spikes/<population>.npz (from the checkpoint's time on) into this directory (must be empty or absent, unless --overwrite)")
	overwrite := fs.Bool("overwrite", false, "with --out: replace a previous run's outputs in DIR once this run has succeeded")
	withPlots := fs.Bool("plot", false, "with --out: render plots into DIR/plots after the run")
	ckEvery := &msFlag{name: "checkpoint-every", plainMs: true}
	fs.Var(ckEvery, "checkpoint-every", "go on writing a checkpoint every T of simulated time (a whole number of ms) into --checkpoint-dir")
	ckDir := fs.String("checkpoint-dir", "", "with --checkpoint-every: the directory of the checkpoints")
	ckKeep := fs.Int("checkpoint-keep", 2, "with --checkpoint-every: how many of this run's checkpoints to keep (0: all)")
	metricsAddr := fs.String("metrics", "", "serve the run's progress as Prometheus metrics on http://ADDR/metrics")
	level := newLogLevel()
	fs.Var(level, "log-level", logLevelUsage)
	quiet := fs.Bool("quiet", false, "no progress report")
	force := fs.Bool("force", false, "run even when the memory estimate exceeds the available memory")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), resumeUsage); fs.PrintDefaults() }
	path, code := parseWithModel(fs, args, what, "one checkpoint", stdout, stderr)
	if code >= 0 {
		return code
	}
	if path == "" {
		fmt.Fprintf(stderr, "%s: give one checkpoint (a file DIR/<t>ms that run --checkpoint-every wrote)\n%s\n", what, resumeUsage)
		return 2
	}
	info, snap, err := checkpoint.Read(path)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 2
	}
	name, src, err := recipeSource(info.Recipe)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s: its model: %v\n", what, path, err)
		return 2
	}
	duration := durationFlag.ms
	if !durationFlag.set {
		duration = float64(info.EndStep-info.Step) * info.DtMs
		if !(duration > 0) {
			fmt.Fprintf(stderr, "%s: %s was taken at the end of its run (%s): give --duration for more\n", what, path, formatMs(float64(info.Step)*info.DtMs))
			return 2
		}
	}
	if !(duration > 0) {
		fmt.Fprintf(stderr, "%s: --duration %s: must be > 0\n", what, formatMs(duration))
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o := runOptions{resume: &resumeFrom{path: path, info: info, snap: snap}, logLevel: level.Level,
		duration: duration, shards: *shards, metrics: *metricsAddr, quiet: *quiet, withPlots: *withPlots,
		outDir: *outDir, force: *force, overwrite: *overwrite}
	if code := placement.check(what, kind, *shards, set["engine"], &o, stderr); code != 0 {
		return code
	}
	o.kind = *kind
	switch {
	case set["engine"]:
		o.asked = "--engine " + *kind
	case set["shards"]:
		o.asked = fmt.Sprintf("--shards %d", *shards)
	}
	if *shards < 0 || *shards > 1 && *kind == "sequential" {
		fmt.Fprintf(stderr, "%s: --shards %d: at least 0, and only with the lockstep and actor engines\n", what, *shards)
		return 2
	}
	if (*overwrite || *withPlots) && *outDir == "" {
		fmt.Fprintf(stderr, "%s: --overwrite and --plot need --out DIR\n", what)
		return 2
	}
	ck, code := checkpointFlags(ckEvery, *ckDir, *ckKeep, what, stderr)
	if code != 0 {
		return code
	}
	if code := ck.separateFromOut(*outDir, what, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stderr, "%s: %s at %s, from %s\n", what, name, formatMs(float64(info.Step)*info.DtMs), path)
	o.checkpoints = ck
	return runNet(name, src, o, stdout, stderr)
}
