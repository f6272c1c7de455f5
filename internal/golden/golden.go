// Package golden pins down what the examples compute, for tests: a
// SHA-256 of every population's spikes and of every plastic projection's
// final weights (and learnt latencies), per example and engine, compared
// with the hashes committed in testdata/golden/*.txt at the repository
// root. A change that alters a single spike or a single weight bit fails
// the test that ran the example, with a message naming the example, the
// engine and the output.
//
// A golden file holds one line per output,
//
//	example engine output count sha256
//
// sorted, where output is "spikes/<population>", "weights/<projection>"
// or "latencies/<projection>", and count the spikes or synapses hashed
// (a hint for the reader of a failure: the hash decides). When a change
// is meant to alter the results, rewrite the files by running the tests
// with SPIRAL_UPDATE_GOLDEN=1 set:
//
//	SPIRAL_UPDATE_GOLDEN=1 go test ./internal/golden ./examples/... -run Golden
//
// and commit the new files with the change, saying why the results moved.
// An update keeps the lines of examples the run did not reach (a -run
// filter), so the lines of a removed example are deleted by hand.
//
// Encodings (little-endian): spikes, per population, as the count
// (uint64), then per spike its step (int64) and neuron (uint32), in the
// engines' canonical order (by step, then neuron); weights and latencies
// as the float32 bits of each synapse in the projection's CSR order.
//
// The package is used by tests only.
package golden

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// UpdateEnv is the environment variable that, set to 1, makes Check
// rewrite the golden files instead of comparing with them.
const UpdateEnv = "SPIRAL_UPDATE_GOLDEN"

// Engines are the in-process engines every example runs on: the
// sequential stepper (the reference), lockstep (LockstepShards shards per
// splittable population on two workers) and actors (ActorShards shards).
var Engines = []string{"sequential", "lockstep", "actors"}

// Shard counts of the parallel engines: more than one, so that the split
// populations' exchange is part of what is pinned down, and different, so
// that the two engines split differently.
const (
	LockstepShards = 3
	ActorShards    = 2
)

// Hash is one output's digest: how many spikes or synapses it covers and
// the hex SHA-256 of their encoding.
type Hash struct {
	Count int
	Sum   string
}

// Outputs maps an output's name (spikes/E, weights/EE, latencies/EI) to its
// hash.
type Outputs map[string]Hash

// Spikes hashes one population's spikes (steps and neurons, in order).
func Spikes(steps []int64, neurons []uint32) Hash {
	h := sha256.New()
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(len(steps)))
	h.Write(b[:8])
	for i, s := range steps {
		binary.LittleEndian.PutUint64(b[:8], uint64(s))
		binary.LittleEndian.PutUint32(b[8:], neurons[i])
		h.Write(b[:])
	}
	return Hash{len(steps), hex.EncodeToString(h.Sum(nil))}
}

// Float32s hashes values (weights, latencies) by their bits.
func Float32s(v []float32) Hash {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	s := sha256.Sum256(b)
	return Hash{len(v), hex.EncodeToString(s[:])}
}

// Ints hashes integers (counts a program derives from its spikes).
func Ints(v []int) Hash {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(int64(x)))
	}
	s := sha256.Sum256(b)
	return Hash{len(v), hex.EncodeToString(s[:])}
}

// AddWeights adds the final weights (and learnt latencies) of every
// plastic projection of net to out. The parallel engines must have
// gathered their weights into net first.
func AddWeights(out Outputs, net *network.Network) {
	for _, p := range net.Projections {
		if !p.Runtime.Plastic() {
			continue
		}
		out["weights/"+p.Name] = Float32s(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			out["latencies/"+p.Name] = Float32s(l)
		}
	}
}

// Start builds the engine called name (one of Engines) for net, behind
// engine.Engine: the sequential stepper, lockstep with LockstepShards
// shards per splittable population on two workers, or actors with
// ActorShards.
func Start(net *network.Network, name string) (engine.Engine, error) {
	switch name {
	case "sequential":
		return stepper.Adapt(stepper.New(net), stepper.Options{}), nil
	case "lockstep":
		e, err := lockstep.New(net, lockstep.Options{Shards: layout.Uniform(net, LockstepShards), Workers: 2})
		if err != nil {
			return nil, fmt.Errorf("lockstep: %w", err)
		}
		return lockstep.Adapt(e), nil
	case "actors":
		e, err := actors.New(net, actors.Options{Shards: layout.Uniform(net, ActorShards)})
		if err != nil {
			return nil, fmt.Errorf("actors: %w", err)
		}
		return actors.Adapt(e), nil
	}
	return nil, fmt.Errorf("engine %q: want one of %v", name, Engines)
}

// Run runs net for steps on the engine called name (one of Engines) and returns the
// hashes of its spikes (every population but graded ones) and of its
// plastic projections' final weights.
func Run(t testing.TB, net *network.Network, name string, steps int) Outputs {
	t.Helper()
	e, err := Start(net, name)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(steps); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := e.GatherWeights(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := Outputs{}
	for _, p := range net.Populations {
		if p.Graded() {
			continue
		}
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatalf("%s: spikes of %s: %v", name, p.Name, err)
		}
		out["spikes/"+p.Name] = Spikes(st, el)
	}
	AddWeights(out, net)
	return out
}

// Silent lists the spike outputs of out that hold no spike: an example
// whose population never fires in the run pins down less than it seems.
func Silent(out Outputs) []string {
	var s []string
	for name, h := range out {
		if strings.HasPrefix(name, "spikes/") && h.Count == 0 {
			s = append(s, name)
		}
	}
	sort.Strings(s)
	return s
}

// Unchanged lists the plastic projections of before (AddWeights of the
// network as built) whose weights and learnt latencies are all the same
// in after: a projection that learnt nothing in the run pins down only its
// construction.
func Unchanged(before, after Outputs) []string {
	changed := map[string]bool{}
	for name, h := range before {
		_, proj, _ := strings.Cut(name, "/")
		changed[proj] = changed[proj] || after[name] != h
	}
	var s []string
	for proj, c := range changed {
		if !c {
			s = append(s, proj)
		}
	}
	sort.Strings(s)
	return s
}

// Agree fails t unless every engine of byEngine produced the same outputs
// for example: the engines' claim that they compute bit for bit what the
// sequential stepper computes.
func Agree(t testing.TB, example string, byEngine map[string]Outputs) {
	t.Helper()
	ref, ok := byEngine["sequential"]
	if !ok {
		t.Fatalf("%s: no sequential run to compare the engines with", example)
	}
	for _, engine := range Engines {
		got, ok := byEngine[engine]
		if !ok || engine == "sequential" {
			continue
		}
		for _, name := range names(ref, got) {
			if ref[name] != got[name] {
				t.Errorf("%s: %s differs between the engines: sequential %d (%.12s…), %s %d (%.12s…)",
					example, name, ref[name].Count, ref[name].Sum, engine, got[name].Count, got[name].Sum)
			}
		}
	}
}

// names lists the outputs of a and b, sorted.
func names(a, b Outputs) []string {
	var n []string
	for k := range a {
		n = append(n, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			n = append(n, k)
		}
	}
	sort.Strings(n)
	return n
}

// CheckEngines builds a network with build and runs it for steps on
// every engine, checks each engine's outputs with b (as example) and that
// the engines agree. It returns the sequential stepper's outputs.
func (b *Book) CheckEngines(t *testing.T, example string, build func() (*network.Network, error), steps int) Outputs {
	t.Helper()
	byEngine := map[string]Outputs{}
	for _, engine := range Engines {
		net, err := build()
		if err != nil {
			t.Fatalf("%s: %v", example, err)
		}
		out := Run(t, net, engine, steps)
		b.Check(t, example, engine, out)
		byEngine[engine] = out
	}
	Agree(t, example, byEngine)
	return byEngine["sequential"]
}

// key names one line of a golden file.
type key struct{ example, engine, output string }

// Book is a golden file: testdata/golden/<name>.txt at the repository
// root.
type Book struct {
	path   string
	update bool
	mu     sync.Mutex
	want   map[key]Hash
	got    map[key]Hash
}

// Open reads the golden file called name and, when SPIRAL_UPDATE_GOLDEN
// is 1, rewrites it when t ends, with the hashes Check was given in place
// of the old ones (and the lines Check was not given kept).
func Open(t *testing.T, name string) *Book {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b := &Book{path: filepath.Join(root, "testdata", "golden", name+".txt"),
		update: os.Getenv(UpdateEnv) == "1", want: map[key]Hash{}, got: map[key]Hash{}}
	if err := b.read(); err != nil && !(b.update && os.IsNotExist(err)) {
		t.Fatalf("%v (to create the golden file, run the test with %s=1)", err, UpdateEnv)
	}
	if b.update {
		t.Cleanup(func() {
			if t.Failed() {
				t.Errorf("%s not rewritten: the test failed", b.path)
				return
			}
			if err := b.write(); err != nil {
				t.Error(err)
			}
		})
	}
	return b
}

// Check compares the outputs of example on engine with the golden file
// (or records them, when updating). Every output must have a golden line
// and every golden line of example and engine an output.
func (b *Book) Check(t testing.TB, example, engine string, out Outputs) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for name, h := range out {
		if strings.ContainsAny(example+engine+name, " \t\n") {
			t.Fatalf("%q %q %q: names in a golden file have no spaces", example, engine, name)
		}
		b.got[key{example, engine, name}] = h
	}
	if b.update {
		return
	}
	rel := b.rel()
	hint := fmt.Sprintf("if the change is intended, rerun with %s=1 and commit %s", UpdateEnv, rel)
	for name, h := range out {
		want, ok := b.want[key{example, engine, name}]
		switch {
		case !ok:
			t.Errorf("%s on %s: %s has no golden hash in %s (%s)", example, engine, name, rel, hint)
		case want != h:
			t.Errorf("%s on %s: %s changed: %d items, sha256 %s; golden: %d items, sha256 %s (%s)",
				example, engine, name, h.Count, h.Sum, want.Count, want.Sum, hint)
		}
	}
	for k := range b.want {
		if _, ok := out[k.output]; k.example == example && k.engine == engine && !ok {
			t.Errorf("%s on %s: no output %s, which %s has (%s)", example, engine, k.output, rel, hint)
		}
	}
}

// rel is the golden file's path from the repository root.
func (b *Book) rel() string {
	return filepath.Join("testdata", "golden", filepath.Base(b.path))
}

func (b *Book) read() error {
	f, err := os.Open(b.path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		c, err := strconv.Atoi(safeField(f, 3))
		if len(f) != 5 || err != nil || len(f[4]) != 64 {
			return fmt.Errorf("%s:%d: %q: want \"example engine output count sha256\"", b.path, n, line)
		}
		b.want[key{f[0], f[1], f[2]}] = Hash{c, f[4]}
	}
	return sc.Err()
}

func safeField(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// write rewrites the golden file: the lines read, replaced or added to by
// the hashes checked, sorted.
func (b *Book) write() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	all := map[key]Hash{}
	for k, h := range b.want {
		all[k] = h
	}
	// A checked example and engine replaces all its old lines (an
	// output it no longer has goes).
	for k := range all {
		for g := range b.got {
			if g.example == k.example && g.engine == k.engine {
				delete(all, k)
				break
			}
		}
	}
	for k, h := range b.got {
		all[k] = h
	}
	keys := make([]key, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		return strings.Compare(x.example+"\x00"+x.engine+"\x00"+x.output, y.example+"\x00"+y.engine+"\x00"+y.output)
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "# Golden hashes (package internal/golden): example engine output count sha256.\n")
	fmt.Fprintf(&sb, "# Rewritten by the tests with %s=1; do not edit by hand, except to remove a deleted example.\n", UpdateEnv)
	for _, k := range keys {
		h := all[k]
		fmt.Fprintf(&sb, "%s %s %s %d %s\n", k.example, k.engine, k.output, h.Count, h.Sum)
	}
	if err := os.MkdirAll(filepath.Dir(b.path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(b.path, []byte(sb.String()), 0o644)
}

// moduleRoot finds the directory holding go.mod, from the working
// directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("golden: no go.mod above the working directory")
		}
		dir = up
	}
}
