package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
)

// source is a model to run: a built-in one or a model file.
type source struct {
	build      func() (*network.Network, error)
	duration   float64  // default simulated time, ms
	shards     int      // the file's shard count (0: none given)
	workerArgs []string // how a worker builds the same network
	// Recordings a model file asks for (written with --out).
	stateMons  []modelfile.StateMonitor
	weightMons []string
	// estimate describes the network for the memory estimate, before
	// anything is built.
	estimate func() (*estimate.Model, error)
	// warnings are a model file's costs worth a word (modelfile
	// Model.Warnings).
	warnings []string
}

// isFile reports whether name names a model file rather than a built-in
// model.
func isFile(name string) bool {
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return strings.ContainsRune(name, os.PathSeparator)
}

// resolveModel finds the model named on the command line. A non-zero code
// is the exit code of a failure already reported on stderr.
func resolveModel(name string, seed uint64, seedSet bool, scale float64, scaleSet bool, stderr io.Writer) (source, int) {
	if isFile(name) {
		if scaleSet {
			fmt.Fprintf(stderr, "spiral-node: --scale applies to built-in models, not to the file %s\n", name)
			return source{}, 2
		}
		data, err := modelfile.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "spiral-node: %v\n", err)
			return source{}, 2
		}
		m, err := modelfile.Parse(name, data)
		if err != nil {
			printModelErrors(stderr, err)
			return source{}, 2
		}
		if seedSet {
			m.Network.Seed = seed
		}
		d := m.Run.DurationMs
		if d == 0 {
			d = 1000
		}
		args := []string{"--file", name, "--seed", strconv.FormatUint(m.Network.Seed, 10)}
		return source{build: m.Build, duration: d, shards: m.Run.Shards, workerArgs: args,
			stateMons: m.StateMonitors, weightMons: m.WeightMonitors, warnings: m.Warnings(),
			estimate: func() (*estimate.Model, error) { return estimate.Parse(name, data) }}, 0
	}
	b, ok := builtin[name]
	if !ok {
		fmt.Fprintf(stderr, "spiral-node: unknown model %q (see spiral-node models, or give a model file ending in .yaml)\n", name)
		return source{}, 2
	}
	args := []string{"--model", name, "--seed", strconv.FormatUint(seed, 10), "--scale", strconv.FormatFloat(scale, 'g', -1, 64)}
	return source{build: func() (*network.Network, error) { return b.build(models.Options{Scale: scale, Seed: seed}) },
		duration: b.duration, workerArgs: args,
		estimate: func() (*estimate.Model, error) {
			return estimate.Builtin(name, models.Options{Scale: scale, Seed: seed})
		}}, 0
}

// maxPrinted is the most problems printed of a model file; a last line
// counts the rest.
const maxPrinted = modelfile.MaxErrors

// printModelErrors prints the problems of a model file, one per line:
// the first maxPrinted, then how many more there are.
func printModelErrors(w io.Writer, err error) {
	var es modelfile.Errors
	if errors.As(err, &es) {
		for i, e := range es {
			// Parse lists at most maxPrinted and a line counting the
			// rest; other lists are cut here.
			if i == maxPrinted && len(es) > maxPrinted+1 {
				fmt.Fprintf(w, "... and %d more problems not listed\n", len(es)-maxPrinted)
				break
			}
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}

// printWarnings prints a model's cost warnings on stderr.
func printWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintln(w, "warning:", s)
	}
}

// validate checks a model file, estimates its memory (refused beyond the
// memory available unless --force), builds it (drawing its connectivity)
// and reports every problem.
func validate(args []string, stdout, stderr io.Writer) int {
	const usage = "usage: spiral-node validate FILE [--force]"
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	force := fs.Bool("force", false, "build even when the memory estimate exceeds the available memory")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	name, code := parseWithModel(fs, args, "spiral-node validate", "one file", stderr)
	if code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	data, err := modelfile.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node validate: %v\n", err)
		return 2
	}
	m, err := modelfile.Parse(name, data)
	if err != nil {
		printModelErrors(stderr, err)
		return 2
	}
	printWarnings(stderr, m.Warnings())
	src := source{estimate: func() (*estimate.Model, error) { return estimate.Parse(name, data) }}
	if code := memoryGuard("spiral-node validate", name, src, "", 0, *force, stderr); code != 0 {
		return code
	}
	net, err := m.Build()
	if err != nil {
		fmt.Fprintln(stderr, err) // already names the file
		return 2
	}
	for k, sm := range m.StateMonitors {
		if p, ok := net.Population(sm.Population); ok {
			if _, ok := p.Model().Var(sm.Var); !ok {
				fmt.Fprintf(stderr, "%s: monitors.state[%d].var: %q: population %s has no such variable (has %v)\n",
					name, k, sm.Var, sm.Population, p.Model().Vars())
				return 2
			}
		}
	}
	fmt.Fprintf(stdout, "%s: valid: %d populations, %d neurons, %d projections, %d synapses\n",
		name, len(net.Populations), net.Neurons(), len(net.Projections), net.Synapses())
	return 0
}
