package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/modelfile"
)

const inspectUsage = "usage: spiral-node inspect MODEL [--scale X] [--seed S] [--engine lockstep|actors|sequential] [--shards N] [--estimate-only] [--force] [--recipe]"

// MemoryEnv names the environment variable that, when set to a number of
// bytes, replaces MemAvailable in the memory guard of run, validate and
// inspect: for a container whose /proc/meminfo does not show its limit,
// and for tests.
const MemoryEnv = "SPIRAL_MEM_AVAILABLE"

// memAvailable returns the memory the guard compares estimates with:
// MemoryEnv if set, else MemAvailable of /proc/meminfo.
func memAvailable() (int64, error) {
	if v, ok := os.LookupEnv(MemoryEnv); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%s=%q: want a positive number of bytes", MemoryEnv, v)
		}
		return n, nil
	}
	return estimate.MemAvailable()
}

// inspect estimates a model's memory before building it (synapse counts
// from the connectivity patterns, bytes from the data structures), refuses
// to build when the estimate exceeds the memory available (unless
// --force), then builds it (its connectivity drawn from the seed) and
// describes it: populations, projections with their synapses and memory
// measured next to the estimate, the segment length of the actor runtime.
func inspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "random seed of a built-in model; given for a model file, it replaces the file's network.seed (whose default is 0)")
	scale := fs.Float64("scale", 1, "a built-in model's size factor: its populations scale, and so do the in-degrees of its fixed-in-degree projections (brunel: CE = 0.1·NE) with the weights unchanged, so the dynamics change with it (spiral-node models lists what each model scales)")
	engine := fs.String("engine", "lockstep", "the engine whose memory to estimate: lockstep (run's default) or actors (the same shards), or sequential")
	shards := fs.Int("shards", 0, "shards per population with the lockstep and actor engines (0: as run chooses them)")
	only := fs.Bool("estimate-only", false, "print the estimate and do not build")
	force := fs.Bool("force", false, "build even when the estimate exceeds the available memory")
	recipe := fs.Bool("recipe", false, "print the model file that rebuilds the model (a built-in model with its --scale and --seed, or a model file with its defaults filled in) and nothing else")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), inspectUsage)
		fmt.Fprintln(fs.Output(), modelHelp)
		fs.PrintDefaults()
	}
	name, code := parseWithModel(fs, args, "spiral-node inspect", "one model", stdout, stderr)
	if code >= 0 {
		return code
	}
	if name != "" && checkpoint.IsFile(name) {
		if *recipe {
			// The model file of the checkpoint's model, from the recipe
			// it carries.
			info, err := checkpoint.ReadInfo(name)
			if err != nil {
				fmt.Fprintf(stderr, "spiral-node inspect: %v\n", err)
				return 2
			}
			model, src, err := recipeSource(info.Recipe)
			if err != nil {
				fmt.Fprintf(stderr, "spiral-node inspect %s --recipe: its model: %v\n", name, err)
				return 2
			}
			return printRecipe(model, src, stdout, stderr)
		}
		return inspectCheckpoint(name, stdout, stderr)
	}
	if name == "" {
		fmt.Fprintln(stderr, "spiral-node inspect: no model: give a built-in model's name (spiral-node models) or a model file")
		fmt.Fprintln(stderr, inspectUsage)
		return 2
	}
	if *engine != "actors" && *engine != "lockstep" && *engine != "sequential" {
		fmt.Fprintf(stderr, "spiral-node inspect: --engine %q: must be lockstep, actors or sequential\n", *engine)
		return 2
	}
	// The lockstep and actor engines hold the same shards and copies.
	split := *engine != "sequential"
	if *shards < 0 || (*shards > 0 && !split) {
		fmt.Fprintf(stderr, "spiral-node inspect: --shards %d: must be >= 0, and only the lockstep and actor engines split populations\n", *shards)
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	src, code := resolveModel("spiral-node inspect", name, modelArgs{seed: *seed, seedSet: set["seed"], scale: *scale, scaleSet: set["scale"]}, stderr)
	if code != 0 {
		return code
	}
	if *recipe {
		return printRecipe(name, src, stdout, stderr)
	}
	if *shards == 0 && src.shards > 1 {
		*shards = src.shards
	}

	est, need, code := inspectEstimate(name, src, *engine, *shards, split, *only, *force, stdout, stderr)
	if code >= 0 {
		return code
	}
	return inspectBuilt(name, src, *engine, *shards, split, est, need, stdout, stderr)
}

// printRecipe prints the model file that rebuilds src (modelfile.Write):
// spiral-node run takes it, and builds the same network, bit for bit.
func printRecipe(name string, src source, stdout, stderr io.Writer) int {
	def, err := src.define()
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s: %v\n", name, err)
		return 2
	}
	data, err := modelfile.Write(def, modelfile.WriteOptions{Comment: fmt.Sprintf("%s, as written by spiral-node inspect %s --recipe", name, name),
		DurationMs: src.duration, WeightMonitors: src.weightMons, StateMonitors: src.stateMons})
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s --recipe: %v\n", name, err)
		return 1
	}
	if _, err := stdout.Write(data); err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s --recipe: %v\n", name, err)
		return 1
	}
	return 0
}

// inspectEstimate prints the estimate of src's memory on engine, before
// anything is built, and the memory available; it returns the estimate
// and the peak the engine needs, and an exit code (>= 0) when inspect
// ends here: --estimate-only, or an estimate beyond the available memory
// without --force.
func inspectEstimate(name string, src source, engine string, shards int, split, only, force bool, stdout, stderr io.Writer) (*estimate.Estimate, int64, int) {
	m, err := src.estimate() // a file's contents as read and validated, not read again
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s: estimate: %v\n", name, err)
		return nil, 0, 2
	}
	var shardLayout map[string]int
	if split {
		shardLayout = estimate.ShardLayout(m, shards, runtime.GOMAXPROCS(0), layout.MinShardSize, layout.MinWorkPerCore)
		if engine == "lockstep" && shards == 0 {
			shardLayout = estimate.BalancedLayout(m, runtime.GOMAXPROCS(0), layout.MinWorkPerCore)
		}
	}
	est, err := estimate.Of(m, estimate.Options{Shards: shardLayout, BuildWorkers: runtime.GOMAXPROCS(0)})
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s: estimate: %v\n", name, err)
		return nil, 0, 2
	}
	printEstimate(stdout, name, engine, est)
	need := max(est.BuildPeak, est.Sequential)
	if split {
		need = max(need, est.ActorsPeak)
	}
	avail, aerr := memAvailable()
	switch {
	case aerr != nil:
		fmt.Fprintf(stdout, "memory available: unknown (%v)\n", aerr)
	default:
		fmt.Fprintf(stdout, "memory available: %s (MemAvailable); the %s engine needs about %s\n", gb(avail), engine, gb(need))
	}
	if only {
		return est, need, 0
	}
	if aerr == nil && need > avail && !force {
		fmt.Fprintf(stderr, "spiral-node inspect %s: the estimate (%s for the %s engine) exceeds the available memory (%s): not building; --force builds anyway, --estimate-only only estimates\n",
			name, gb(need), engine, gb(avail))
		return est, need, 1
	}
	return est, need, -1
}

// inspectBuilt builds src and prints what it holds against the estimate:
// populations, projections (synapses, bytes), the shards' copies on a
// splitting engine, and the process's memory.
func inspectBuilt(name string, src source, engine string, shards int, split bool, est *estimate.Estimate, need int64, stdout, stderr io.Writer) int {
	net, err := src.build(nil)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s: %v\n", name, err)
		return 2
	}
	fmt.Fprintf(stdout, "\nbuilt %s: dt %g ms, seed %d, batch %d\n", name, net.Config.DtMs, net.Config.Seed, net.Config.Batch)
	fmt.Fprintf(stdout, "%-12s %10s  %s\n", "population", "neurons", "model")
	for _, p := range net.Populations {
		fmt.Fprintf(stdout, "%-12s %10d  %s\n", p.Name, p.N, p.Kind)
	}
	meas := estimate.Measure(net)
	fmt.Fprintf(stdout, "%-12s %-8s %-8s %12s %12s %12s %12s %8s\n", "projection", "from", "to", "synapses", "estimated", "memory", "estimated", "B/syn")
	var estBytes int64
	for i, p := range net.Projections {
		syn := p.Runtime.Syn
		b := meas.CSR[p.Name] + meas.Plastic[p.Name]
		var pe estimate.ProjectionEstimate
		if i < len(est.Projections) && est.Projections[i].Name == p.Name {
			pe = est.Projections[i]
		}
		eb := pe.CSR + pe.Plastic
		estBytes += eb
		bps := 0.0
		if syn.Len() > 0 {
			bps = float64(b) / float64(syn.Len())
		}
		fmt.Fprintf(stdout, "%-12s %-8s %-8s %12d %12.0f %12s %12s %8.2f\n", p.Name, net.Populations[p.Source].Name,
			net.Populations[p.Target].Name, syn.Len(), pe.Synapses, gb(b), gb(eb), bps)
	}
	fmt.Fprintf(stdout, "total: %s, %s, %s of synapses (estimated %s)\n",
		plural(net.Neurons(), "neuron"), plural(meas.TotalSynapses, "synapse"), gb(meas.TotalBytes), gb(estBytes))
	var kept [][]*shard.Shard // kept to the end, as the engine keeps them
	if split {
		// As run lays them out: lockstep's automatic layout balances the
		// populations over the cores (lockstep.Options.Balance).
		l := layout.Choose(net, shards, runtime.GOMAXPROCS(0))
		counts := l.Shards
		var sh [][]*shard.Shard
		var err error
		if engine == "lockstep" && shards == 0 {
			var pieces []shard.Piece
			pieces, sh, err = shard.SplitBalanced(net, l.Cores, false)
			counts = map[string]int{}
			for _, pc := range pieces {
				counts[net.Populations[pc.Pop].Name]++
			}
		} else {
			sh, err = shard.Split(net, counts)
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s engine: cannot split: %v\n", engine, err)
		} else {
			_, copies := shard.ColumnCopies(net, sh)
			fmt.Fprintf(stdout, "%s engine: shards %v; the shards' column copies hold %s (estimated %s) beside the network's CSR\n",
				engine, sortedCounts(counts), gb(copies), gb(est.ShardSynapses))
			kept = sh
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if rss, peak, err := estimate.RSS(); err == nil {
		fmt.Fprintf(stdout, "process: RSS %s, peak RSS %s, Go heap in use %s (estimated peak %s, garbage not counted)\n",
			gb(rss), gb(peak), gb(int64(ms.HeapInuse)), gb(need))
	}
	// What stays: the heap after a collection, against the estimate of
	// the engine's steady state.
	steady := est.Sequential
	if split {
		steady = est.Actors
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "after a collection: Go heap in use %s (estimated %s for the %s engine)\n", gb(int64(ms.HeapInuse)), gb(steady), engine)
	fmt.Fprintf(stdout, "actor runtime: segments of %s (the smallest link latency)\n", plural(actors.SegmentLength(net), "step"))
	runtime.KeepAlive(net)
	runtime.KeepAlive(kept)
	return 0
}

// printEstimate prints an estimate: populations, projections, totals.
func printEstimate(w io.Writer, name, engine string, e *estimate.Estimate) {
	fmt.Fprintf(w, "estimate for %s (before building): %s, %.0f synapses", name, plural(e.Neurons, "neuron"), e.Synapses)
	if !e.Exact {
		fmt.Fprint(w, " (some counts expected or bounded)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-12s %10s %12s %12s %12s %7s\n", "population", "neurons", "state", "receptors", "axons", "shards")
	for _, p := range e.Populations {
		fmt.Fprintf(w, "%-12s %10d %12s %12s %12s %7d\n", p.Name, p.N, gb(p.State), gb(p.Receptors), gb(p.Axons), p.Shards)
	}
	fmt.Fprintf(w, "%-12s %-8s %-8s %-16s %14s %8s %14s\n", "projection", "from", "to", "pattern", "synapses", "B/syn", "memory")
	for _, p := range e.Projections {
		n := fmt.Sprintf("%.0f", p.Synapses)
		switch {
		case p.Bound:
			n = "<=" + n
		case !p.Exact:
			n = "~" + n
		}
		fmt.Fprintf(w, "%-12s %-8s %-8s %-16s %14s %8.2f %14s\n", p.Name, p.From, p.To, p.Kind, n, p.BytesPerSynapse(), gb(p.CSR+p.Plastic))
	}
	fmt.Fprintf(w, "sequential engine: %s (building: peak %s)\n", gb(e.Sequential), gb(e.BuildPeak))
	if engine != "sequential" {
		fmt.Fprintf(w, "%s engine: %s = network %s + shards' populations %s + shards' column copies %s (splitting: peak %s)\n",
			engine, gb(e.Actors), gb(e.Sequential), gb(e.ShardPopulations), gb(e.ShardSynapses), gb(e.ActorsPeak))
		for _, c := range e.Copies {
			fmt.Fprintf(w, "  %-10s into %-8s %s copy %.0f synapses: %s\n", c.Projection, c.Population, plural(c.Shards, "shard"), c.Synapses, gb(c.Bytes))
		}
	}
}

// sortedCounts lists shard counts, sorted by population name.
func sortedCounts(counts map[string]int) []string {
	var s []string
	for k, v := range counts {
		s = append(s, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(s)
	return s
}

// gb formats bytes in binary units: GiB, MiB, KiB, or B below 1 KiB.
func gb(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// version prints the module version and the Go toolchain.
func version(stdout io.Writer) int {
	v, goVersion := versionString()
	fmt.Fprintf(stdout, "spiral-node %s %s\n", v, goVersion)
	return 0
}

// versionString returns this program's version (its module version and
// VCS revision, as built) and the Go version it was built with.
func versionString() (v, goVersion string) {
	v = "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return v, goVersion
}
