// Command microcircuit runs the cortical microcircuit of Potjans &
// Diesmann (2014) — 77,169 current-based LIF neurons in eight populations
// (layers 2/3, 4, 5, 6, excitatory and inhibitory) and 0.3 G synapses at
// full scale — with the parameters of the maintainers' PyNEST
// implementation (INM-6/microcircuit-PD14-model), and compares its
// population rates with the published NEST rates.
//
//	go run ./examples/microcircuit [-scale 1] [-kscale 1] [-bg dc|poisson]
//	    [-warmup 500] [-t 1000] [-engine lockstep|actors|sequential] [-workers N]
//	    [-seed 55] [-out DIR]
//
// It builds the network, simulates the warm-up (discarded) and then t ms,
// and prints the build and simulation times, the real-time factor of the
// measured part, the memory (synapse bytes per synapse, peak resident
// memory) and, per population, N, the rate, the NEST reference rate and
// the mean CV of the inter-spike intervals. With -out it writes a raster
// (raster.png) of the last 200 ms.
//
// -scale is N_scaling, the fraction of neurons; -kscale is K_scaling, the
// fraction of in-degrees (default 1: the full in-degrees, so a small
// network keeps the full model's input statistics). With kscale < 1
// weights grow by 1/√kscale and the DC compensates the missing mean input,
// as in the reference. See README.md for the deviations from NEST.
//
// -workers N runs the shards in N worker processes of this program (the
// actor engine, package workers): each builds only the synapses that end
// on its own shards, and this process, the coordinator, none.
//
// -write-yaml FILE writes the model of -scale, -kscale, -bg, -seed and -fixed-point as a
// model file for spiral-node (ModelFile) and exits; microcircuit.yaml is
// the full-scale one (go generate).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/workers"
)

// Result is what a run measured.
type Result struct {
	Neurons, Synapses int
	SynapseBytes      int     // bytes of all synapse arrays (CSR.Memory)
	BuildS, WarmupS   float64 // wall seconds
	SimulateS         float64 // wall seconds of the measured part
	SimulateCPUS      float64 // CPU seconds (user + system, all threads) of the measured part
	MeasuredMs        float64 // simulated ms after the warm-up
	PeakRSS           int64   // bytes (VmHWM); 0 if unknown
	BuiltRSS          int64   // bytes (VmRSS) after the build and a GC
	RunRSS            int64   // bytes (VmRSS) at the end of the run
	Engine            string
	// Load averages (1 min) of the machine before and after the run, from
	// /proc/loadavg: the times mean little when other processes compete
	// for the cores.
	LoadBefore, LoadAfter string
	Stats                 [8]monitor.Stats // over the measured part
	Irregular             [8]Irregularity  // over the measured part
	// Spikes of the whole run, per population (steps and neurons).
	Steps    [8][]int64
	Elements [8][]uint32
}

// RTF is the real-time factor of the measured part.
func (r *Result) RTF() float64 { return r.SimulateS / (r.MeasuredMs / 1000) }

// Run builds c and simulates warmupMs + tMs on the chosen engine.
func Run(c Config, warmupMs, tMs float64, engine string, log io.Writer) (*Result, error) {
	return RunOn(c, warmupMs, tMs, engine, 0, log)
}

// RunOn is Run with the shards in nworkers worker processes of this
// program (package workers; 0: none), which needs the actor engine.
func RunOn(c Config, warmupMs, tMs float64, engine string, nworkers int, log io.Writer) (*Result, error) {
	if engine != "actors" && engine != "lockstep" && engine != "sequential" {
		return nil, fmt.Errorf("microcircuit: engine %q: want lockstep, actors or sequential", engine)
	}
	if nworkers < 0 || (nworkers > 0 && engine != "actors") {
		return nil, fmt.Errorf("microcircuit: %d workers: want 0, or more with the actors engine", nworkers)
	}
	load0 := loadAvg()
	t0 := time.Now()
	var part *network.Part
	if nworkers > 0 {
		part = &network.Part{} // the workers build the synapses
	}
	net, err := BuildPart(c, part)
	if err != nil {
		return nil, err
	}
	res := &Result{Neurons: net.Neurons(), Synapses: net.Synapses(), BuildS: time.Since(t0).Seconds(), MeasuredMs: tMs}
	for _, p := range net.Projections {
		res.SynapseBytes += p.Runtime.Syn.Memory()
	}
	if nworkers > 0 {
		return runOnWorkers(net, c, warmupMs, tMs, nworkers, t0, load0, res, log)
	}
	runtime.GC()
	debug.FreeOSMemory()
	res.BuiltRSS = procStatus("VmRSS:")
	fmt.Fprintf(log, "built %d neurons, %d synapses in %.1f s\n", res.Neurons, res.Synapses, res.BuildS)
	warm := int(math.Round(warmupMs / dtMs))
	meas := int(math.Round(tMs / dtMs))
	var spikes func(y int) ([]int64, []uint32)
	switch engine {
	case "sequential":
		s := stepper.New(net)
		var mons [8]*monitor.Spikes
		for y := range 8 {
			if mons[y], err = monitor.NewSpikes(net, popNames[y]); err != nil {
				return nil, err
			}
			s.AddMonitor(mons[y])
		}
		t1 := time.Now()
		if err := s.Run(warm); err != nil {
			return nil, err
		}
		res.WarmupS = time.Since(t1).Seconds()
		fmt.Fprintf(log, "warm-up %g ms in %.1f s\n", warmupMs, res.WarmupS)
		t2, c2 := time.Now(), cpuSeconds()
		if err := s.Run(meas); err != nil {
			return nil, err
		}
		res.SimulateS, res.SimulateCPUS = time.Since(t2).Seconds(), cpuSeconds()-c2
		res.Engine = "sequential stepper"
		spikes = func(y int) ([]int64, []uint32) { return mons[y].Steps, mons[y].Elements }
	case "lockstep":
		// The automatic layout of spiral-node run: the populations balanced
		// over the cores with as few cuts as possible.
		e, err := lockstep.New(net, lockstep.Options{Balance: true, Workers: layout.Cores(net, runtime.GOMAXPROCS(0)), ReleaseSynapses: true})
		if err != nil {
			return nil, err
		}
		defer e.Close()
		if spikes, err = runParallel(e, warm, meas, warmupMs, res, log); err != nil {
			return nil, err
		}
		res.Engine = fmt.Sprintf("lockstep, shards %v on %d cores, segments of %d steps", e.Shards(), e.Workers(), e.SegmentSteps())
	case "actors":
		e, err := actors.New(net, actors.Options{ReleaseSynapses: true})
		if err != nil {
			return nil, err
		}
		defer e.Close()
		if spikes, err = runParallel(e, warm, meas, warmupMs, res, log); err != nil {
			return nil, err
		}
		res.Engine = fmt.Sprintf("actors, shards %v, segments of %d steps", e.Shards(), e.SegmentSteps())
	default:
		return nil, fmt.Errorf("microcircuit: engine %q: want lockstep, actors or sequential", engine)
	}
	return finish(res, c, spikes, warm, meas, load0), nil
}

// runOnWorkers runs net (built without synapses) with its shards on
// nworkers worker processes, which build their parts while they start.
func runOnWorkers(net *network.Network, c Config, warmupMs, tMs float64, nworkers int, t0 time.Time, load0 string, res *Result, log io.Writer) (*Result, error) {
	shards := layout.Shards(net, nil, runtime.GOMAXPROCS(0))
	g, err := workers.Start(nworkers, shards, workers.Options{})
	if err != nil {
		return nil, err
	}
	defer g.Stop()
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	n, bytes := e.Synapses()
	res.Synapses, res.SynapseBytes, res.BuildS = int(n), int(bytes), time.Since(t0).Seconds()
	res.BuiltRSS = procStatus("VmRSS:")
	fmt.Fprintf(log, "%d workers built %d neurons, %d synapses in %.1f s\n", nworkers, res.Neurons, res.Synapses, res.BuildS)
	warm := int(math.Round(warmupMs / dtMs))
	meas := int(math.Round(tMs / dtMs))
	spikes, err := runParallel(e, warm, meas, warmupMs, res, log)
	if err != nil {
		return nil, err
	}
	res.Engine = fmt.Sprintf("actors, shards %v, segments of %d steps, %d worker processes (memory below: the coordinator's)", e.Shards(), e.SegmentSteps(), nworkers)
	return finish(res, c, spikes, warm, meas, load0), nil
}

// finish computes the statistics of the spikes over the measured part and
// the memory and load at the end of the run.
func finish(res *Result, c Config, spikes func(y int) ([]int64, []uint32), warm, meas int, load0 string) *Result {
	for y := range 8 {
		st, el := spikes(y)
		res.Steps[y], res.Elements[y] = st, el
		res.Stats[y] = monitor.Summary(c.popSize(y), st, el, int64(warm), int64(warm+meas), dtMs)
		res.Irregular[y] = irregularity(y, c.popSize(y), st, el, int64(warm), int64(warm+meas))
	}
	res.PeakRSS = procStatus("VmHWM:")
	res.RunRSS = procStatus("VmRSS:")
	res.LoadBefore, res.LoadAfter = load0, loadAvg()
	return res
}

// cpuSeconds returns the CPU time (user + system) of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// loadAvg returns the 1-minute load average ("?" if unavailable).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// procStatus reads a memory line (VmHWM:, VmRSS:) of /proc/self/status,
// in bytes; 0 if unavailable.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// Report prints the results.
func Report(w io.Writer, c Config, warmupMs float64, r *Result) {
	bg := "DC"
	if c.Poisson {
		bg = "Poisson"
	}
	fmt.Fprintf(w, "Potjans & Diesmann (2014) microcircuit: scale %g (N), kscale %g (K), %s background, seed %d\n", c.NScale, c.KScale, bg, c.Seed)
	fmt.Fprintf(w, "%d neurons, %d synapses, dt %g ms\n", r.Neurons, r.Synapses, dtMs)
	fmt.Fprintf(w, "engine: %s; %d cores, load average %s before, %s after\n", r.Engine, runtime.NumCPU(), r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "build %.1f s, warm-up %g ms in %.1f s, simulate %g ms in %.1f s: real-time factor %.2f (CPU %.1f s, %.2f CPU s per simulated s)\n",
		r.BuildS, warmupMs, r.WarmupS, r.MeasuredMs, r.SimulateS, r.RTF(), r.SimulateCPUS, r.SimulateCPUS/(r.MeasuredMs/1000))
	gib := func(b int64) float64 { return float64(b) / (1 << 30) }
	fmt.Fprintf(w, "memory: synapses %.2f GiB (%.2f bytes per synapse); resident after build %.2f GiB, at the end %.2f GiB, peak %.2f GiB\n",
		gib(int64(r.SynapseBytes)), float64(r.SynapseBytes)/float64(r.Synapses), gib(r.BuiltRSS), gib(r.RunRSS), gib(r.PeakRSS))
	fmt.Fprintf(w, "rates over [%g, %g) ms; NEST reference: full scale, Poisson background (full_mean_rates)\n", warmupMs, warmupMs+r.MeasuredMs)
	fmt.Fprintf(w, "%-5s %7s %12s %10s %7s %8s %7s\n", "pop", "N", "rate Spiral", "rate NEST", "ratio", "CV ISI", "silent")
	for y := range 8 {
		s := r.Stats[y]
		fmt.Fprintf(w, "%-5s %7d %12.3f %10.3f %7.2f %8.3f %6.1f%%\n", popNames[y], s.Neurons, s.RateHz, nestRates[y], s.RateHz/nestRates[y], s.CVISI, 100*s.FracSilent)
	}
	fmt.Fprintf(w, "irregularity and synchrony (NEST's reference analysis: CV of neurons with >= 3 spikes; spike-count correlations of %d sampled neurons, %g ms bins);\n", ccSample, ccBinMs)
	fmt.Fprintf(w, "NEST: the peaks of its 900 s reference distributions (read from its figures, ±0.05 and ±0.001)\n")
	fmt.Fprintf(w, "%-5s %8s %8s %6s %8s %10s %10s %7s %8s\n", "pop", "CV mean", "median", "n", "NEST", "CC mean", "median", "pairs", "NEST")
	for y := range 8 {
		q := r.Irregular[y]
		fmt.Fprintf(w, "%-5s %8.3f %8.3f %6d %8.2f %10.4f %10.4f %7d %8.3f\n", popNames[y], q.CVMean, q.CVMedian, q.NCV, nestCVPeak[y], q.CCMean, q.CCMedian, q.NCC, nestCCPeak[y])
	}
}

func main() {
	scale := flag.Float64("scale", 1, "N_scaling: fraction of neurons (0, 1]")
	kscale := flag.Float64("kscale", 1, "K_scaling: fraction of in-degrees (0, 1]; < 1 scales weights by 1/√K and compensates with DC")
	bg := flag.String("bg", "dc", "background input: dc (the reference default) or poisson")
	warmup := flag.Float64("warmup", 500, "warm-up ms, discarded")
	t := flag.Float64("t", 1000, "simulated ms after the warm-up")
	engine := flag.String("engine", "lockstep", "lockstep, actors or sequential")
	seed := flag.Uint64("seed", 55, "seed")
	out := flag.String("out", "", "folder for raster.png (none if empty)")
	writeYAML := flag.String("write-yaml", "", "write the model file of -scale, -kscale, -bg and -seed to this file and exit, without running")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the build and the run to this file (go tool pprof)")
	nworkers := flag.Int("workers", 0, "worker processes of this program that host the shards (needs -engine actors)")
	fixed := flag.Bool("fixed-point", false, "sum the synaptic input in fixed point (the same spikes on every engine and device)")
	flag.Parse()
	if *bg != "dc" && *bg != "poisson" {
		fmt.Fprintf(os.Stderr, "microcircuit: -bg = %q: want dc or poisson\n", *bg)
		os.Exit(2)
	}
	if !(*warmup >= 0) || !(*t > 0) {
		fmt.Fprintln(os.Stderr, "microcircuit: -warmup must be >= 0 and -t > 0")
		os.Exit(2)
	}
	c := Config{NScale: *scale, KScale: *kscale, Poisson: *bg == "poisson", Seed: *seed, FixedPoint: *fixed}
	if workers.Serving() {
		// Started by -workers: build this worker's part and host it.
		os.Exit(workers.Serve(func(part *network.Part) (*network.Network, error) { return BuildPart(c, part) }, workers.ServeOptions{Name: "microcircuit worker"}))
	}
	if *writeYAML != "" {
		data, err := ModelFile(c)
		if err == nil {
			err = os.WriteFile(*writeYAML, data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "microcircuit:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "microcircuit: -cpuprofile:", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	r, err := RunOn(c, *warmup, *t, *engine, *nworkers, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "microcircuit:", err)
		os.Exit(1)
	}
	Report(os.Stdout, c, *warmup, r)
	if *out != "" {
		if err := raster(*out, c, r, *warmup+*t-200, *warmup+*t); err != nil {
			fmt.Fprintln(os.Stderr, "microcircuit:", err)
			os.Exit(1)
		}
		fmt.Println("raster in", *out)
	}
}

// parallelEngine is what runParallel needs of the lockstep and actor
// engines.
type parallelEngine interface {
	Run(steps int) error
	Spikes(pop string) ([]int64, []uint32, error)
}

// runParallel runs the warm-up and the measured steps on e, timing them
// into res, and returns each population's spikes.
func runParallel(e parallelEngine, warm, meas int, warmupMs float64, res *Result, log io.Writer) (func(y int) ([]int64, []uint32), error) {
	t1 := time.Now()
	if err := e.Run(warm); err != nil {
		return nil, err
	}
	res.WarmupS = time.Since(t1).Seconds()
	fmt.Fprintf(log, "warm-up %g ms in %.1f s\n", warmupMs, res.WarmupS)
	t2, c2 := time.Now(), cpuSeconds()
	if err := e.Run(meas); err != nil {
		return nil, err
	}
	res.SimulateS, res.SimulateCPUS = time.Since(t2).Seconds(), cpuSeconds()-c2
	var steps [8][]int64
	var elems [8][]uint32
	for y := range 8 {
		st, el, err := e.Spikes(popNames[y])
		if err != nil {
			return nil, err
		}
		steps[y], elems[y] = st, el
	}
	return func(y int) ([]int64, []uint32) { return steps[y], elems[y] }, nil
}
