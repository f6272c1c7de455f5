package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

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
		m, err := modelfile.Load(name)
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
			stateMons: m.StateMonitors, weightMons: m.WeightMonitors}, 0
	}
	b, ok := builtin[name]
	if !ok {
		fmt.Fprintf(stderr, "spiral-node: unknown model %q (see spiral-node models, or give a model file ending in .yaml)\n", name)
		return source{}, 2
	}
	args := []string{"--model", name, "--seed", strconv.FormatUint(seed, 10), "--scale", strconv.FormatFloat(scale, 'g', -1, 64)}
	return source{build: func() (*network.Network, error) { return b.build(models.Options{Scale: scale, Seed: seed}) },
		duration: b.duration, workerArgs: args}, 0
}

// printModelErrors prints every problem of a model file, one per line.
func printModelErrors(w io.Writer, err error) {
	var es modelfile.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}

// validate checks a model file, builds it (drawing its connectivity) and
// reports every problem.
func validate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: spiral-node validate FILE")
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			return 0
		}
		return 2
	}
	m, err := modelfile.Load(args[0])
	if err != nil {
		printModelErrors(stderr, err)
		return 2
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
					args[0], k, sm.Var, sm.Population, p.Model().Vars())
				return 2
			}
		}
	}
	fmt.Fprintf(stdout, "%s: valid: %d populations, %d neurons, %d projections, %d synapses\n",
		args[0], len(net.Populations), net.Neurons(), len(net.Projections), net.Synapses())
	return 0
}
