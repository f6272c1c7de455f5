package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spiral-sim/spiral/actors"
)

// inspect builds a model (its connectivity drawn from the seed) and
// describes it: populations, projections with their synapses and memory,
// the segment length of the actor runtime.
func inspect(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: spiral-node inspect MODEL|FILE")
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			return 0
		}
		return 2
	}
	src, code := resolveModel(args[0], 1, false, 1, false, stderr)
	if code != 0 {
		return code
	}
	net, err := src.build()
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node inspect %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stdout, "%s: dt %g ms, seed %d, batch %d\n", args[0], net.Config.DtMs, net.Config.Seed, net.Config.Batch)
	fmt.Fprintf(stdout, "%-12s %10s  %s\n", "population", "neurons", "model")
	for _, p := range net.Populations {
		fmt.Fprintf(stdout, "%-12s %10d  %s\n", p.Name, p.N, p.Kind)
	}
	fmt.Fprintf(stdout, "%-12s %-8s %-8s %12s %12s %8s\n", "projection", "from", "to", "synapses", "bytes", "B/syn")
	var total, bytes int
	for _, p := range net.Projections {
		syn := p.Runtime.Syn
		total += syn.Len()
		bytes += syn.Memory()
		fmt.Fprintf(stdout, "%-12s %-8s %-8s %12d %12d %8.2f\n", p.Name, net.Populations[p.Source].Name,
			net.Populations[p.Target].Name, syn.Len(), syn.Memory(), syn.BytesPerSynapse())
	}
	fmt.Fprintf(stdout, "total: %d neurons, %d synapses, %.1f MB of synapses\n", net.Neurons(), total, float64(bytes)/1e6)
	fmt.Fprintf(stdout, "actor runtime: segments of %d steps (the smallest link latency)\n", actors.SegmentLength(net))
	return 0
}

// version prints the module version and the Go toolchain.
func version(stdout io.Writer) int {
	v := "(devel)"
	goVersion := ""
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
	fmt.Fprintf(stdout, "spiral-node %s %s\n", v, goVersion)
	return 0
}
