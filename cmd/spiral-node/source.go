package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/recipe"
	"github.com/spiral-sim/spiral/workers"
)

// source is a model to run: a built-in one or a model file.
type source struct {
	// build builds the network, or a part of it (nil: the whole; see
	// network.Part).
	build    func(part *network.Part) (*network.Network, error)
	duration float64 // default simulated time, ms
	shards   int     // the file's shard count (0: none given)
	// recipe returns what a worker builds the same network from
	// (loadRecipe): a messages.Recipe, protobuf.
	recipe func() ([]byte, error)
	// Recordings a model file asks for (written with --out).
	stateMons  []modelfile.StateMonitor
	weightMons []string
	// estimate describes the network for the memory estimate, before
	// anything is built.
	estimate func() (*estimate.Model, error)
	// warnings are a model file's costs worth a word (modelfile
	// Model.Warnings).
	warnings []string
	// define returns the model's definition (inspect --recipe writes it
	// as a model file).
	define func() (network.Definition, error)
	// locate places an error of the estimate or the build at the line
	// of the element it is about (a model file's; nil: as it is).
	locate func(error) error
}

// located returns err placed by s.locate, if any.
func (s source) located(err error) error {
	if s.locate == nil || err == nil {
		return err
	}
	return s.locate(err)
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

// builtinNames lists the built-in models' names, sorted.
func builtinNames() []string {
	names := make([]string, 0, len(builtin))
	for k := range builtin {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// modelArgs are the command line's settings of a model: --seed, --scale
// (whether given), --fixed-point.
type modelArgs struct {
	seed            uint64
	seedSet         bool
	scale           float64
	scaleSet, fixed bool
}

// resolveModel finds the model named on the command line: a built-in
// model's name or a model file. A non-zero code is the exit code of a
// failure already reported on stderr, on lines prefixed with what (the
// program and command's name).
func resolveModel(what, name string, a modelArgs, stderr io.Writer) (source, int) {
	seed, seedSet, scale, scaleSet := a.seed, a.seedSet, a.scale, a.scaleSet
	_, isBuiltin := builtin[name]
	if fi, err := os.Stat(name); err == nil && fi.IsDir() && (!isBuiltin || strings.ContainsRune(name, os.PathSeparator)) {
		msg := fmt.Sprintf("%s: %s is a folder, not a model: give a model file", what, name)
		if files := modelFilesIn(name); len(files) > 0 {
			msg += " (it holds " + strings.Join(files, ", ") + ")"
		}
		fmt.Fprintf(stderr, "%s or a built-in model's name (%s)\n", msg, strings.Join(builtinNames(), ", "))
		return source{}, 2
	}
	if isFile(name) {
		if scaleSet {
			fmt.Fprintf(stderr, "%s: --scale applies to built-in models, not to the file %s\n", what, name)
			return source{}, 2
		}
		data, err := modelfile.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, err)
			return source{}, 2
		}
		m, err := modelfile.Parse(name, data)
		if err != nil {
			printModelErrors(stderr, what, err)
			return source{}, 2
		}
		if seedSet {
			m.Network.Seed = seed
		}
		if a.fixed {
			m.Network.FixedPoint = true
		}
		rec, err := (&recipe.Recipe{Name: name, ModelFile: data, Seed: m.Network.Seed, FixedPoint: a.fixed}).Marshal()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, err)
			return source{}, 2
		}
		return fileSource(name, m, rec), 0
	}
	b, ok := builtin[name]
	if !ok {
		names := builtinNames()
		guess := ""
		if g := modelfile.Suggest(name, names); g != "" {
			guess = fmt.Sprintf("; did you mean %q?", g)
		}
		fmt.Fprintf(stderr, "%s: unknown model %q%s (built-in: %s; or give a model file ending in .yaml, .yml or .json)\n",
			what, name, guess, strings.Join(names, ", "))
		return source{}, 2
	}
	// Workers build a built-in model from its model file (modelfile.Write
	// of its definition), which builds the same network bit for bit.
	rec := func() ([]byte, error) {
		def, _, err := b.define(models.Options{Scale: scale, Seed: seed, FixedPoint: a.fixed})
		if err != nil {
			return nil, err
		}
		r, err := recipe.FromBuilder(name, def)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	}
	return source{build: func(part *network.Part) (*network.Network, error) {
		return b.build(models.Options{Scale: scale, Seed: seed, FixedPoint: a.fixed, Part: part})
	},
		duration: b.duration, recipe: rec,
		define: func() (network.Definition, error) {
			def, _, err := b.define(models.Options{Scale: scale, Seed: seed, FixedPoint: a.fixed})
			if err != nil {
				return network.Definition{}, err
			}
			return def.Definition(), nil
		},
		estimate: func() (*estimate.Model, error) {
			return estimate.Builtin(name, models.Options{Scale: scale, Seed: seed, FixedPoint: a.fixed})
		}}, 0
}

// fileSource is the source of a parsed model file m, named name, whose
// recipe (for workers and checkpoints) is rec.
func fileSource(name string, m *modelfile.Model, rec []byte) source {
	d := m.Run.DurationMs
	if d == 0 {
		d = 1000
	}
	return source{build: m.BuildPart, duration: d, shards: m.Run.Shards, recipe: func() ([]byte, error) { return rec, nil },
		define:    func() (network.Definition, error) { return m.Definition(), nil },
		stateMons: m.StateMonitors, weightMons: m.WeightMonitors, warnings: m.Warnings(),
		estimate: func() (*estimate.Model, error) { return estimate.FromDefinition(name, m.Definition()) },
		locate:   m.Locate}
}

// recipeSource is the source of a recipe (a checkpoint's): its model
// file, with its seed.
func recipeSource(rec []byte) (string, source, error) {
	r, err := recipe.Unmarshal(rec)
	if err != nil {
		return "", source{}, err
	}
	m, err := r.Model()
	if err != nil {
		return "", source{}, err
	}
	return r.Name, fileSource(r.Name, m, rec), nil
}

// loadRecipe returns the build of a recipe (messages.Recipe): its model
// file, parsed, with its seed. A worker thus needs neither the file nor
// model flags.
func loadRecipe(b []byte) (workers.Build, error) {
	r, err := recipe.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	m, err := r.Model()
	if err != nil {
		return nil, err
	}
	return m.BuildPart, nil
}

// modelFilesIn lists the model files (.yaml, .yml, .json) in dir, as
// paths, at most 5 (nil if it cannot be read).
func modelFilesIn(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && isFile(e.Name()) && len(files) < 5 {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files
}

// maxPrinted is the most problems printed of a model file; a last line
// counts the rest.
const maxPrinted = modelfile.MaxErrors

// printModelErrors prints the problems of a model file, one per line
// prefixed with what (the program and command's name): the first
// maxPrinted, then how many more there are.
func printModelErrors(w io.Writer, what string, err error) {
	var es modelfile.Errors
	if errors.As(err, &es) {
		for i, e := range es {
			// Parse lists at most maxPrinted and a line counting the
			// rest; other lists are cut here.
			if i == maxPrinted && len(es) > maxPrinted+1 {
				fmt.Fprintf(w, "%s: ... and %d more problems not listed\n", what, len(es)-maxPrinted)
				break
			}
			fmt.Fprintf(w, "%s: %v\n", what, e)
		}
		return
	}
	fmt.Fprintf(w, "%s: %v\n", what, err)
}

// printWarnings prints a model's cost warnings on stderr, prefixed with
// what (the program and command's name).
func printWarnings(w io.Writer, what string, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintf(w, "%s: warning: %s\n", what, s)
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
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	const what = "spiral-node validate"
	name, code := parseWithModel(fs, args, what, "one file", stdout, stderr)
	if code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(stderr, "spiral-node validate: no model file given")
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		msg := fmt.Sprintf("%s: %s is a folder, not a model file", what, name)
		if files := modelFilesIn(name); len(files) > 0 {
			msg += " (it holds " + strings.Join(files, ", ") + ")"
		}
		fmt.Fprintln(stderr, msg)
		return 2
	}
	data, err := modelfile.ReadFile(name)
	if err != nil {
		if _, isBuiltin := builtin[name]; isBuiltin && errors.Is(err, os.ErrNotExist) {
			// A built-in model is Go code, valid by construction.
			fmt.Fprintf(stderr, "%s: %s is a built-in model, not a model file: validate checks model files (spiral-node inspect %s shows a built-in model's size and memory)\n", what, name, name)
			return 2
		}
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 2
	}
	m, err := modelfile.Parse(name, data)
	if err != nil {
		printModelErrors(stderr, what, err)
		return 2
	}
	printWarnings(stderr, what, m.Warnings())
	src := source{estimate: func() (*estimate.Model, error) { return estimate.FromDefinition(name, m.Definition()) }, locate: m.Locate}
	// A model the estimate cannot take is not built: the estimate guards
	// the build against sizes that do not fit (hostile files among them).
	if code := memoryGuard(what, name, src, "", 0, *force, stderr); code != 0 {
		return code
	}
	net, err := m.Build()
	if err != nil {
		printModelErrors(stderr, what, err) // they name the file
		return 2
	}
	if badStateVars(stderr, what, name, net, m.StateMonitors) {
		return 2
	}
	fmt.Fprintf(stdout, "%s: valid: %s, %s, %s, %s\n", name, plural(len(net.Populations), "population"),
		plural(net.Neurons(), "neuron"), plural(len(net.Projections), "projection"), plural(net.Synapses(), "synapse"))
	return 0
}

// badStateVars reports every state monitor of mons whose variable its
// population does not have, at its place in the file, and whether there
// was any.
func badStateVars(stderr io.Writer, what, name string, net *network.Network, mons []modelfile.StateMonitor) bool {
	bad := false
	for k, sm := range mons {
		p, ok := net.Population(sm.Population)
		if !ok || hasStateVar(p, sm.Var) {
			continue
		}
		at, path := name, sm.Path
		if sm.Line > 0 {
			at = fmt.Sprintf("%s:%d", name, sm.Line)
		}
		if path == "" {
			path = fmt.Sprintf("monitors.state[%d]", k)
		}
		fmt.Fprintf(stderr, "%s: %s: %s.var: %q: population %s has no such variable (has %v)\n",
			what, at, path, sm.Var, sm.Population, stateVars(p))
		bad = true
	}
	return bad
}
