package checkpoint_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// runner is an engine that can checkpoint: the sequential stepper, or
// lockstep with some shard count.
type runner struct {
	name    string
	run     func(n int) error
	save    func() (*checkpoint.Snapshot, error)
	restore func(*checkpoint.Snapshot) error
	result  func() testnets.Result
	close   func()
}

// builder builds a test's network (again for every engine and process).
type builder = func(t *testing.T) *network.Network

func sequential(t *testing.T, build builder) runner {
	net := build(t)
	s := stepper.New(net)
	return runner{name: "sequential", run: s.Run, save: s.Checkpoint, restore: s.Restore, close: func() {},
		result: testnets.Monitored(s, net)}
}

func onLockstep(shards int) func(t *testing.T, build builder) runner {
	return func(t *testing.T, build builder) runner {
		net := build(t)
		counts := shardCounts(net, shards)
		e, err := lockstep.New(net, lockstep.Options{Shards: counts, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		return runner{name: fmt.Sprintf("lockstep with %d shards", shards), run: e.Run, save: e.Checkpoint, restore: e.Restore, close: e.Close,
			result: func() testnets.Result {
				e.GatherWeights()
				r := testnets.NewResult()
				for _, p := range net.Populations {
					r.Steps[p.Name], r.Elems[p.Name], _ = e.Spikes(p.Name)
				}
				r.TakeWeights(net)
				r.Events = e.Events()
				return r
			}}
	}
}

func onActors(shards int) func(t *testing.T, build builder) runner {
	return func(t *testing.T, build builder) runner {
		net := build(t)
		counts := shardCounts(net, shards)
		e, err := actors.New(net, actors.Options{Shards: counts})
		if err != nil {
			t.Fatal(err)
		}
		return runner{name: fmt.Sprintf("actors with %d shards", shards), run: e.Run, save: e.Checkpoint, restore: e.Restore, close: e.Close,
			result: func() testnets.Result { return actorResult(t, e, net) }}
	}
}

// shardCounts gives every population of net that can be cut in shards
// shards (at least two neurons each).
func shardCounts(net *network.Network, shards int) map[string]int {
	counts := map[string]int{}
	for _, p := range net.Populations {
		if p.Batch == 1 && p.N >= 2*shards {
			counts[p.Name] = shards
		}
	}
	return counts
}

// actorResult is what the actor engine e ran net to: spikes, weights and
// events.
func actorResult(t *testing.T, e *actors.Engine, net *network.Network) testnets.Result {
	if err := e.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	r := testnets.NewResult()
	for _, p := range net.Populations {
		r.Steps[p.Name], r.Elems[p.Name], _ = e.Spikes(p.Name)
	}
	r.TakeWeights(net)
	r.Events, _ = e.Events()
	return r
}

// onWorkers runs the actor engine with its shards (shards per
// population) in n workers, each its own actor system with its own remote
// transport on loopback, as separate processes would have.
func onWorkers(n, shards int) func(t *testing.T, build builder) runner {
	return func(t *testing.T, build builder) runner {
		net := build(t)
		counts := shardCounts(net, shards)
		coord, ids, err := actors.Identities(n)
		if err != nil {
			t.Fatal(err)
		}
		var ws []*actors.Worker
		var addrs []string
		for i := range n {
			w, err := actors.Serve(build(t), actors.WorkerOptions{Index: i, Count: n, Shards: counts, Identity: ids[i]})
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, w)
			addrs = append(addrs, w.Address())
		}
		e, err := actors.New(net, actors.Options{Shards: counts, Workers: addrs, Identity: coord})
		if err != nil {
			t.Fatal(err)
		}
		return runner{name: fmt.Sprintf("%d workers with %d shards", n, shards), run: e.Run, save: e.Checkpoint, restore: e.Restore,
			close: func() {
				e.Close()
				for _, w := range ws {
					w.Close()
				}
			},
			result: func() testnets.Result { return actorResult(t, e, net) }}
	}
}

// after keeps the spikes at step from on.
func after(r testnets.Result, from int64) testnets.Result {
	for name, st := range r.Steps {
		k, _ := slices.BinarySearch(st, from)
		r.Steps[name], r.Elems[name] = st[k:], r.Elems[name][k:]
	}
	return r
}

// A run checkpointed at step t and resumed — on the same engine or
// another, on the same shard count or another — gives the uninterrupted
// run's spikes from t on, its final weights and its count of synaptic
// events, bit for bit: CUBA, COBA, Brunel, STDP (Poisson inputs, plastic
// synapses), a Brunel-like network with per-row delays — static, and
// plastic with a delayed modulator and learnt latencies — a network in
// which every learning rule acts, two areas joined by far links, and
// three of them with their sums in fixed point.
func TestResumeMatchesUninterrupted(t *testing.T) {
	o := models.Options{Scale: 0.1, Seed: 4}
	nets := map[string]func(t *testing.T) *network.Network{
		"cuba":                func(t *testing.T) *network.Network { return must(t)(models.CUBA(o)) },
		"coba":                func(t *testing.T) *network.Network { return must(t)(models.COBA(o)) },
		"brunel":              func(t *testing.T) *network.Network { return must(t)(models.Brunel(o, models.BrunelParams{})) },
		"stdp":                func(t *testing.T) *network.Network { return must(t)(models.STDP(models.Options{Scale: 1, Seed: 4})) },
		"delays":              func(t *testing.T) *network.Network { return testnets.BrunelLike(t, false) },
		"plastic":             func(t *testing.T) *network.Network { return testnets.BrunelLike(t, true) },
		"learning":            func(t *testing.T) *network.Network { return testnets.LearningZoo(t) },
		"far links":           func(t *testing.T) *network.Network { return testnets.TwoAreas(t, true) },
		"batch of 2, plastic": func(t *testing.T) *network.Network { return testnets.BatchedPlastic(t) },
		// Delays per synapse: each shard's ring is as long as the largest
		// delay onto its neurons, so the shards' rings differ in length.
		"synaptic delays": func(t *testing.T) *network.Network {
			net, err := testnets.SynapseDelaysBuilder(false).Build()
			return must(t)(net, err)
		},
		// Sums in fixed point: the rings of sums as state, near and far.
		"fixed point, plastic": func(t *testing.T) *network.Network { return testnets.Fixed(t, testnets.BrunelLikeBuilder(true)) },
		"fixed point, far links": func(t *testing.T) *network.Network {
			return testnets.Fixed(t, testnets.TwoAreasBuilder(true))
		},
		"fixed point, synaptic delays": func(t *testing.T) *network.Network {
			return testnets.Fixed(t, testnets.SynapseDelaysBuilder(true))
		},
		"fixed point, cuba": func(t *testing.T) *network.Network {
			return must(t)(models.CUBA(models.Options{Scale: 0.1, Seed: 4, FixedPoint: true}))
		},
	}
	engines := []func(t *testing.T, build builder) runner{sequential, onLockstep(1), onWorkers(2, 2), onActors(2), onLockstep(3), onWorkers(3, 3), onActors(3)}
	const total, at = 1500, 700
	for name, build := range nets {
		whole := sequential(t, build)
		if err := whole.run(total); err != nil {
			t.Fatal(err)
		}
		want := after(whole.result(), at)
		if s := testnetsSilent(want); len(s) == len(want.Steps) {
			t.Fatalf("%s: nothing fires after step %d: the comparison would be empty", name, at)
		}
		for i, first := range engines {
			second := engines[(i+1)%len(engines)]
			a := first(t, build)
			if err := a.run(at / 2); err != nil {
				t.Fatal(err)
			}
			if err := a.run(at - at/2); err != nil {
				t.Fatal(err)
			}
			snap, err := a.save()
			if err != nil {
				t.Fatalf("%s on %s: %v", name, a.name, err)
			}
			a.close()
			b := second(t, build)
			if err := b.restore(snap); err != nil {
				t.Fatalf("%s: %s → %s: %v", name, a.name, b.name, err)
			}
			if err := b.run(total - at); err != nil {
				t.Fatal(err)
			}
			testnets.Compare(t, fmt.Sprintf("%s checkpointed on %s at step %d, resumed on %s", name, a.name, at, b.name), want, after(b.result(), at))
			b.close()
		}
	}
}

func testnetsSilent(r testnets.Result) []string {
	var out []string
	for name, st := range r.Steps {
		if len(st) == 0 {
			out = append(out, name)
		}
	}
	return out
}

func must(t *testing.T) func(*network.Network, error) *network.Network {
	return func(net *network.Network, err error) *network.Network {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
}

// Every component that a model file can name classifies all of its
// fields (package state): the model-file vocabulary, which uses every
// kind, builds a network with none unclassified. A component added
// without state tags fails here.
func TestEveryComponentClassified(t *testing.T) {
	m, err := modelfile.Load("../modelfile/testdata/vocabulary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	un, err := checkpoint.Unclassified(net)
	if err != nil {
		t.Fatal(err)
	}
	if len(un) > 0 {
		t.Errorf("fields without a state tag: %s", strings.Join(un, ", "))
	}
	if _, err := stepper.New(net).Checkpoint(); err != nil {
		t.Errorf("checkpoint of the vocabulary: %v", err)
	}
}

// A checkpoint written to a file and read back resumes as the snapshot
// does; the file says what made it. A damaged, cut or foreign file is
// refused with an error saying so, and so is a checkpoint of another
// network.
func TestFile(t *testing.T) {
	o := models.Options{Scale: 0.1, Seed: 4}
	build := func(t *testing.T) *network.Network { return must(t)(models.Brunel(o, models.BrunelParams{})) }
	const total, at = 1200, 500
	whole := sequential(t, build)
	if err := whole.run(total); err != nil {
		t.Fatal(err)
	}
	want := after(whole.result(), at)
	a := sequential(t, build)
	if err := a.run(at); err != nil {
		t.Fatal(err)
	}
	snap, err := a.save()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "500ms")
	info := checkpoint.Info{Spiral: "test", Model: "brunel", Recipe: []byte("model: brunel\n"), Seed: 4, DtMs: 0.1, EndStep: total}
	if err := checkpoint.Write(path, info, snap); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	got, back, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "brunel" || got.Seed != 4 || got.Step != at || got.EndStep != total || string(got.Recipe) != "model: brunel\n" ||
		got.Format != checkpoint.Format || got.Vars != len(snap.Vars) || got.Created == "" {
		t.Errorf("info read back: %+v", got)
	}
	b := onLockstep(3)(t, build)
	defer b.close()
	if err := b.restore(back); err != nil {
		t.Fatal(err)
	}
	if err := b.run(total - at); err != nil {
		t.Fatal(err)
	}
	testnets.Compare(t, "brunel from a checkpoint file", want, after(b.result(), at))

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a flipped bit", flip(raw, len(raw)/2), "damaged"},
		{"cut short", raw[:len(raw)-100], "damaged"},
		{"empty", nil, "not a Spiral checkpoint"},
		{"a model file", []byte("model: brunel\n"), "not a Spiral checkpoint"},
		{"another format", withFormat(raw, 99), "format 99"},
	} {
		bad := filepath.Join(dir, "bad")
		if err := os.WriteFile(bad, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := checkpoint.Read(bad); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", c.name, err, c.want)
		}
	}
	other := stepper.New(must(t)(models.CUBA(o)))
	if err := other.Restore(back); err == nil || !strings.Contains(err.Error(), "another network") {
		t.Errorf("a Brunel checkpoint restored into CUBA: %v", err)
	}
	// Sums in float32 into fixed point, and back: refused, saying so.
	fo := o
	fo.FixedPoint = true
	for _, c := range []struct {
		from, to models.Options
		want     string
	}{{o, fo, "this network sums its synaptic input in fixed point"}, {fo, o, "the checkpoint's network sums its synaptic input in fixed point"}} {
		s := stepper.New(must(t)(models.CUBA(c.from)))
		if err := s.Run(10); err != nil {
			t.Fatal(err)
		}
		snap, err := s.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		if err := stepper.New(must(t)(models.CUBA(c.to))).Restore(snap); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CUBA (fixed point %v) restored into CUBA (fixed point %v): %v", c.from.FixedPoint, c.to.FixedPoint, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 1
	return c
}

func withFormat(b []byte, v uint32) []byte {
	c := slices.Clone(b)
	binary.LittleEndian.PutUint32(c[8:], v)
	return c
}

// Workers that each build only their part of the network, with a
// coordinator that holds no synapse at all (a cluster's members), take a
// checkpoint and restore one: a run checkpointed on lockstep, resumed on
// such workers, checkpointed there and resumed on lockstep again gives
// the uninterrupted run's spikes, events and final weights, bit for bit.
func TestResumeOnWorkersThatBuildTheirPart(t *testing.T) {
	build := func(t *testing.T) *network.Network { return must(t)(testnets.BrunelLikeBuilder(true).Build()) }
	const total, first, second = 1500, 500, 1000
	whole := sequential(t, build)
	if err := whole.run(total); err != nil {
		t.Fatal(err)
	}
	want := after(whole.result(), second)

	a := onLockstep(2)(t, build)
	if err := a.run(first); err != nil {
		t.Fatal(err)
	}
	snap, err := a.save()
	if err != nil {
		t.Fatal(err)
	}
	a.close()

	shards := map[string]int{"E": 3, "I": 2}
	skeleton := must(t)(testnets.BrunelLikeBuilder(true).BuildPart(&network.Part{}))
	var names []string
	var sizes []int
	for _, p := range skeleton.Populations {
		names, sizes = append(names, p.Name), append(sizes, p.N)
	}
	coord, ids, err := actors.Identities(2)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for i := range 2 {
		net := must(t)(testnets.BrunelLikeBuilder(true).BuildPart(actors.WorkerPart(names, sizes, shards, i, 2, nil)))
		w, err := actors.Serve(net, actors.WorkerOptions{Index: i, Count: 2, Shards: shards, Identity: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		addrs = append(addrs, w.Address())
	}
	e, err := actors.New(skeleton, actors.Options{Shards: shards, Workers: addrs, Identity: coord})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(second - first); err != nil {
		t.Fatal(err)
	}
	snap2, err := e.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if snap2.Step != second {
		t.Fatalf("the workers' checkpoint is at step %d, want %d", snap2.Step, second)
	}
	// No process holds a static projection whole: its size is unknown
	// (−1). The plastic ones' sizes are their parts' synapses added up.
	for k, p := range snap2.Structure.Projections {
		want := snap.Structure.Projections[k]
		if _, plastic := snap2.InDegree["projection "+p.Name]; p != want && (plastic || p.Size != -1 || p.Name != want.Name) {
			t.Errorf("projection %d: the workers' checkpoint describes %+v, lockstep's %+v", k, p, want)
		}
	}
	if len(snap2.InDegree) != 2 {
		t.Errorf("in-degrees of %d projections, want the 2 plastic ones", len(snap2.InDegree))
	}

	c := onLockstep(3)(t, build)
	defer c.close()
	if err := c.restore(snap2); err != nil {
		t.Fatal(err)
	}
	if err := c.run(total - second); err != nil {
		t.Fatal(err)
	}
	testnets.Compare(t, "checkpointed on lockstep, then on workers that build their part, resumed on lockstep", want, after(c.result(), second))
}

// Every engine, through engine.Engine, takes a checkpoint on a new engine
// only, before its first run, as the contract says; after a run it
// refuses, saying so, rather than mixing the spikes of both.
func TestRestoreOnlyBeforeTheFirstRun(t *testing.T) {
	build := func() *network.Network { return testnets.BrunelLike(t, false) }
	src := stepper.Adapt(stepper.New(build()), stepper.Options{})
	if err := src.Run(20); err != nil {
		t.Fatal(err)
	}
	snap, err := src.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	for name, newEngine := range map[string]func() (engine.Engine, error){
		"sequential": func() (engine.Engine, error) { return stepper.Adapt(stepper.New(build()), stepper.Options{}), nil },
		"lockstep": func() (engine.Engine, error) {
			e, err := lockstep.New(build(), lockstep.Options{Shards: map[string]int{"E": 2, "I": 1}})
			if err != nil {
				return nil, err
			}
			return lockstep.Adapt(e), nil
		},
		"actors": func() (engine.Engine, error) {
			e, err := actors.New(build(), actors.Options{Shards: map[string]int{"E": 2, "I": 1}})
			if err != nil {
				return nil, err
			}
			return actors.Adapt(e), nil
		},
	} {
		e, err := newEngine()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(5); err != nil {
			t.Fatal(err)
		}
		if err := e.Restore(snap); err == nil || !strings.Contains(err.Error(), "before its first run") {
			t.Errorf("%s: a restore after a run: %v, want it refused", name, err)
		}
		e.Close()
		if e, err = newEngine(); err != nil {
			t.Fatal(err)
		}
		if err := e.Restore(snap); err != nil {
			t.Errorf("%s: a restore into a new engine: %v", name, err)
		}
		e.Close()
	}
}

// A checkpoint restores only into a network built with its seed and time
// step (another seed draws other synapses; the state would not fit them),
// saying what to do; a checkpoint that does not record them (an older
// version's) is not checked for them.
func TestRestoreChecksSeedAndDt(t *testing.T) {
	build := func(seed uint64, dt float64) *network.Network {
		src := fmt.Sprintf(`network: {dt_ms: %g, seed: %d}
populations:
  P: {size: 50, model: {kind: poisson, rate_hz: 20}}
  E: {size: 20, model: {kind: lif}}
projections:
  PE: {from: P, to: E, connectivity: {kind: fixed_in_degree, k: 10}, weight: 2}
`, dt, seed)
		m, err := modelfile.Parse("x.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		net, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	s := stepper.New(build(1, 0.1))
	if err := s.Run(20); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if err := stepper.New(build(2, 0.1)).Restore(snap); err == nil || !strings.Contains(err.Error(), "built with seed 1, this one with seed 2") {
		t.Errorf("another seed: %v, want it refused", err)
	}
	if err := stepper.New(build(1, 0.05)).Restore(snap); err == nil || !strings.Contains(err.Error(), "steps dt = 0.1 ms, this one 0.05 ms") {
		t.Errorf("another dt: %v, want it refused", err)
	}
	old := *snap
	old.Structure.Seed, old.Structure.DtMS = nil, nil
	if err := stepper.New(build(1, 0.1)).Restore(&old); err != nil {
		t.Errorf("a checkpoint without seed and dt: %v", err)
	}
}

// Write records the version of Spiral that wrote a checkpoint when the
// caller leaves it out.
func TestWriteRecordsTheVersion(t *testing.T) {
	s := stepper.New(testnets.BrunelLike(t, false))
	if err := s.Run(5); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := checkpoint.Write(path, checkpoint.Info{}, snap); err != nil {
		t.Fatal(err)
	}
	info, _, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Spiral == "" {
		t.Error("the checkpoint does not say which Spiral wrote it")
	}
	if info.DtMs != 0.1 || info.Step != 5 {
		t.Errorf("the checkpoint says step %d of dt %g ms, want the snapshot's 5 and 0.1", info.Step, info.DtMs)
	}
	if err := checkpoint.Write(path, checkpoint.Info{}, nil); err == nil || !strings.Contains(err.Error(), "no snapshot (nil)") {
		t.Errorf("Write of nil: %v, want it refused", err)
	}
}

// The lockstep and actor engines refuse a network that another engine has
// stepped (its state is not a step 0 they could start from), saying what
// to do.
func TestEnginesRefuseASteppedNetwork(t *testing.T) {
	net := testnets.BrunelLike(t, false)
	if err := stepper.New(net).Run(5); err != nil {
		t.Fatal(err)
	}
	if _, err := lockstep.New(net, lockstep.Options{}); err == nil || !strings.Contains(err.Error(), "has been stepped") {
		t.Errorf("lockstep on a stepped network: %v, want it refused", err)
	}
	if _, err := actors.New(net, actors.Options{}); err == nil || !strings.Contains(err.Error(), "has been stepped") {
		t.Errorf("actors on a stepped network: %v, want it refused", err)
	}
}

// TestOneEngineANetwork checks that a network runs on one engine only:
// a second engine (or stepper) on it is refused, naming the first, even
// after the first was closed and before either has stepped — lockstep
// keeps a whole population's neurons in the network's own components, so
// a second engine would step the same state — and that a stepper refuses
// a negative step count.
func TestOneEngineANetwork(t *testing.T) {
	const want = "the network is run by"
	net := testnets.BrunelLike(t, false)
	l, err := lockstep.New(net, lockstep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := lockstep.New(net, lockstep.Options{}); err == nil || !strings.Contains(err.Error(), want+" a lockstep engine") {
		t.Errorf("a second lockstep engine: %v, want it refused", err)
	}
	if _, err := actors.New(net, actors.Options{}); err == nil || !strings.Contains(err.Error(), want+" a lockstep engine") {
		t.Errorf("an actor engine after lockstep: %v, want it refused", err)
	}
	if err := stepper.New(net).Run(1); err == nil || !strings.Contains(err.Error(), want+" a lockstep engine") {
		t.Errorf("a stepper after lockstep: %v, want it refused", err)
	}
	net = testnets.BrunelLike(t, false)
	s := stepper.New(net)
	if err := s.Run(-5); err == nil || !strings.Contains(err.Error(), "-5 steps: must be >= 0") {
		t.Errorf("Run(-5): %v, want it refused", err)
	}
	for range 2 { // the same stepper again and again
		if err := s.Run(3); err != nil {
			t.Fatal(err)
		}
	}
	if err := stepper.New(net).Restore(nil); err == nil || !strings.Contains(err.Error(), want+" a sequential stepper") {
		t.Errorf("a second stepper: %v, want it refused", err)
	}
	if err := stepper.New(testnets.BrunelLike(t, false)).Restore(nil); err == nil || !strings.Contains(err.Error(), "no checkpoint (nil)") {
		t.Errorf("Restore(nil): %v, want it refused", err)
	}
	l, err = lockstep.New(testnets.BrunelLike(t, false), lockstep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Restore(nil); err == nil || !strings.Contains(err.Error(), "no snapshot (nil)") {
		t.Errorf("lockstep Restore(nil): %v, want it refused", err)
	}
	a, err := actors.New(testnets.BrunelLike(t, false), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Restore(nil); err == nil || !strings.Contains(err.Error(), "no snapshot (nil)") {
		t.Errorf("actors Restore(nil): %v, want it refused", err)
	}
	sa := stepper.Adapt(stepper.New(testnets.BrunelLike(t, false)), stepper.Options{})
	for _, ms := range []float64{math.Inf(1), 1e300, math.NaN(), -1} {
		for name, run := range map[string]func(float64) error{"lockstep": l.RunMs, "actors": a.RunMs, "stepper": s.RunMs,
			"lockstep adapted": lockstep.Adapt(l).RunMs, "actors adapted": actors.Adapt(a).RunMs, "stepper adapted": sa.RunMs} {
			if err := run(ms); err == nil || !strings.Contains(err.Error(), "must be >= 0 and at most") {
				t.Errorf("%s RunMs(%g): %v, want it refused", name, ms, err)
			}
		}
	}
}

// TestHoldingsValidated checks that a holding that names no population of
// the network, elements outside it, or a part held elsewhere is refused,
// naming it, before anything is taken or set.
func TestHoldingsValidated(t *testing.T) {
	net := must(t)(models.CUBA(models.Options{Scale: 0.1, Seed: 1}))
	s := stepper.New(net)
	if err := s.Run(20); err != nil {
		t.Fatal(err)
	}
	snap, err := checkpoint.Capture(net, 20)
	if err != nil {
		t.Fatal(err)
	}
	e := net.Populations[0]
	for _, c := range []struct {
		h    checkpoint.Holding
		want string
	}{
		{checkpoint.Holding{Pop: len(net.Populations), Hi: 1, Population: e}, fmt.Sprintf("population %d: the network has %d", len(net.Populations), len(net.Populations))},
		{checkpoint.Holding{Pop: -1, Population: e}, "population -1"},
		{checkpoint.Holding{Pop: 0, Lo: 0, Hi: e.Len() + 1, Population: e}, fmt.Sprintf("elements [0, %d) of %d", e.Len()+1, e.Len())},
		{checkpoint.Holding{Pop: 0, Lo: 5, Hi: 3, Population: e}, "elements [5, 3)"},
		{checkpoint.Holding{Pop: 0, Lo: 0, Hi: 10}, "elements [0, 10) are held by another process"},
	} {
		if _, err := checkpoint.CaptureHoldings(net, []checkpoint.Holding{c.h}, 20); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CaptureHoldings(%+v): %v, want an error with %q", c.h, err, c.want)
		}
		if _, err := checkpoint.HoldingPieces(net, c.h, 20); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("HoldingPieces(%+v): %v, want an error with %q", c.h, err, c.want)
		}
		if err := checkpoint.RestoreHoldings(snap, net, []checkpoint.Holding{c.h}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RestoreHoldings(%+v): %v, want an error with %q", c.h, err, c.want)
		}
	}
	i := net.Populations[1]
	if _, err := checkpoint.CaptureHoldings(net, []checkpoint.Holding{{Pop: 0, Hi: e.Len(), Population: e}}, 20); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("population %q: no holding of it", i.Name)) {
		t.Errorf("CaptureHoldings of one population of two: %v, want the other named", err)
	}
	if _, err := checkpoint.CaptureHoldings(net, []checkpoint.Holding{{Pop: 0, Hi: 10, Population: e}}, 20); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("a holding of elements [0, 10) whose population has %d", e.Len())) {
		t.Errorf("a holding of 10 elements with the whole population: %v, want it refused", err)
	}
	if _, err := checkpoint.HoldingState(nil, net, 0, 0, 1); err == nil || !strings.Contains(err.Error(), "no snapshot (nil)") {
		t.Errorf("HoldingState(nil): %v", err)
	}
	if _, err := checkpoint.HoldingState(snap, net, 7, 0, 1); err == nil || !strings.Contains(err.Error(), "population 7: the network has 2") {
		t.Errorf("HoldingState of population 7: %v", err)
	}
	if _, err := checkpoint.AxonState(snap, net, -1); err == nil || !strings.Contains(err.Error(), "axon -1") {
		t.Errorf("AxonState of axon -1: %v", err)
	}
	// The whole network's own components restore what they gave.
	if err := checkpoint.Restore(snap, net); err != nil {
		t.Fatal(err)
	}
	again, err := checkpoint.Capture(net, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(snap.Vars, again.Vars) {
		t.Error("Capture after Restore of its own snapshot gives other values")
	}
}

// A windowed tissue cut into shards is checkpointed element by element:
// its window (kept neuron by neuron in the model) joins and cuts as the
// other per-element state does, so that a checkpoint of 2 lockstep
// shards restores on the sequential stepper and goes on as the
// uninterrupted run (its output d bit for bit).
func TestWindowedTissueAcrossLayouts(t *testing.T) {
	build := func() *network.Network {
		lif := soma.LIF()
		lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
		b := network.New(network.Config{DtMs: 0.1, Seed: 17})
		b.Population("src", 20, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 6000, Weight: 1})
		tissue := soma.WindowedTissue()
		tissue.WindowMs = param.Uniform(0.5, 2.5)
		b.Population("da", 8, tissue).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta})
		b.Connect("sd", network.Connection{From: "src", To: "da", Pattern: connectivity.FixedInDegree{K: 3}, Weight: param.Uniform(0.5, 1.5)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	const at, more = 53, 37
	whole := build()
	ws := stepper.New(whole)
	if err := ws.Run(at + more); err != nil {
		t.Fatal(err)
	}
	want, _ := whole.Population("da")
	l, err := lockstep.New(build(), lockstep.Options{Shards: map[string]int{"da": 2}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Run(at); err != nil {
		t.Fatal(err)
	}
	snap, err := l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	net := build()
	s := stepper.New(net)
	if err := s.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(more); err != nil {
		t.Fatal(err)
	}
	got, _ := net.Population("da")
	w, g := want.Output(), got.Output()
	if !slices.Equal(w, g) {
		t.Errorf("d after the resumed run %v, uninterrupted %v", g, w)
	}
	nonzero := false
	for _, x := range w {
		nonzero = nonzero || x != 0
	}
	if !nonzero {
		t.Fatal("the tissue's output is all zero: the comparison says little")
	}
}

// The counts of synaptic events in flight follow the rings: when the
// first shard of a population has the shorter ring (its synapses the
// shorter delays), a checkpoint still restores on the same layout and on
// the stepper, and the events are counted as in the uninterrupted run.
func TestShortRingFirst(t *testing.T) {
	build := func() *network.Network {
		lif := soma.LIF()
		lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
		b := network.New(network.Config{DtMs: 0.1, Seed: 19})
		b.Population("src", 100, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 8000, Weight: 1})
		b.Population("T", 100, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta})
		is, delays := make([]int, 100), make([]float64, 100)
		for i := range is {
			is[i], delays[i] = i, 0.1
			if i >= 50 {
				delays[i] = 3 // onto the second shard's neurons only
			}
		}
		b.Connect("sT", network.Connection{From: "src", To: "T", Pattern: connectivity.List{I: is, J: is}, Weight: param.Const(15), DelayMs: param.Array(delays...)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	build2 := func(t *testing.T) *network.Network { return build() }
	const total, at = 500, 200
	whole := sequential(t, build2)
	if err := whole.run(total); err != nil {
		t.Fatal(err)
	}
	want := after(whole.result(), at)
	for _, second := range []func(t *testing.T, b builder) runner{onLockstep(2), sequential} {
		l, err := lockstep.New(build(), lockstep.Options{Shards: map[string]int{"T": 2}, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Run(at); err != nil {
			t.Fatal(err)
		}
		snap, err := l.Checkpoint()
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := second(t, build2)
		if err := b.restore(snap); err != nil {
			t.Fatalf("restore on %s: %v", b.name, err)
		}
		if err := b.run(total - at); err != nil {
			t.Fatal(err)
		}
		testnets.Compare(t, "checkpointed on lockstep with T in 2 shards, resumed on "+b.name, want, after(b.result(), at))
		b.close()
	}
}
