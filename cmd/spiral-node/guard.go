package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/layout"
)

// memoryGuard estimates, before anything is allocated, the memory that
// building the model (engine "") or running it on engine needs, as
// inspect does, and refuses beyond the memory available (MemAvailable)
// unless force. It returns 0 to go on, or the exit code of a refusal
// already reported on stderr: 1 (the input is valid, this machine too
// small), 2 when the model cannot be estimated. Where the memory available
// is unknown (no /proc/meminfo) it lets the command go on.
func memoryGuard(what, name string, src source, engine string, shards int, force bool, stderr io.Writer) int {
	if force || src.estimate == nil {
		return 0
	}
	avail, err := memAvailable()
	if err != nil {
		return 0
	}
	m, err := src.estimate()
	if err != nil {
		printModelErrors(stderr, what+" "+name+": estimating its memory", src.located(err))
		return 2
	}
	var shardLayout map[string]int
	actorsLike := engine == "actors" || engine == "lockstep"
	if actorsLike {
		shardLayout = estimate.ShardLayout(m, shards, runtime.GOMAXPROCS(0), layout.MinShardSize, layout.MinWorkPerCore)
		if engine == "lockstep" && shards == 0 {
			shardLayout = estimate.BalancedLayout(m, runtime.GOMAXPROCS(0), layout.MinWorkPerCore)
		}
	}
	est, err := estimate.Of(m, estimate.Options{Shards: shardLayout, BuildWorkers: runtime.GOMAXPROCS(0)})
	if err != nil {
		printModelErrors(stderr, what+" "+name+": estimating its memory", src.located(err))
		return 2
	}
	need := max(est.BuildPeak, est.Sequential)
	if actorsLike {
		need = max(need, est.ActorsPeak)
	}
	// The byte totals are int64: a count of synapses too large for them
	// (which the float64 count is not) refuses all the same.
	if need < 0 || est.Synapses*4 > float64(avail) {
		need = max(need, int64(min(est.Synapses*4, 1<<62)))
	}
	for _, p := range est.Populations {
		if p.State < 0 || p.Receptors < 0 || p.Axons < 0 {
			need = 1 << 62 // an overflowed figure: beyond any machine
		}
	}
	if need <= avail {
		return 0
	}
	for_ := "to build it"
	if engine != "" {
		for_ = "for the " + engine + " engine"
	}
	fmt.Fprintf(stderr, "%s %s: the memory estimate (%s %s: %d neurons, batch %d, %.0f synapses) exceeds the memory available (%s, MemAvailable): not building; --force builds anyway, spiral-node inspect %s --estimate-only details the estimate\n",
		what, name, gb(need), for_, est.Neurons, max(m.Batch, 1), est.Synapses, gb(avail), name)
	return 1
}
