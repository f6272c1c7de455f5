package engine_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// hooks are the recording options every engine takes.
type hooks struct {
	onSpikes   func(pop string, steps []int64, neurons []uint32)
	onProgress func(steps int64)
	discard    bool
}

// engines builds each engine for the contract: the parallel ones with
// populations split in three shards, so that the shards' exchange is
// part of what is compared.
var engines = []struct {
	name string
	new  func(t *testing.T, net *network.Network, h hooks) engine.Engine
}{
	{"sequential", func(t *testing.T, net *network.Network, h hooks) engine.Engine {
		return stepper.Adapt(stepper.New(net), stepper.Options{OnSpikes: h.onSpikes, OnProgress: h.onProgress, DiscardSpikes: h.discard})
	}},
	{"lockstep", func(t *testing.T, net *network.Network, h hooks) engine.Engine {
		e, err := lockstep.New(net, lockstep.Options{Shards: layout.Uniform(net, 3), Workers: 2,
			OnSpikes: h.onSpikes, OnProgress: h.onProgress, DiscardSpikes: h.discard})
		if err != nil {
			t.Fatal(err)
		}
		return lockstep.Adapt(e)
	}},
	{"actors", func(t *testing.T, net *network.Network, h hooks) engine.Engine {
		e, err := actors.New(net, actors.Options{Shards: layout.Uniform(net, 3),
			OnSpikes: h.onSpikes, OnProgress: h.onProgress, DiscardSpikes: h.discard})
		if err != nil {
			t.Fatal(err)
		}
		return actors.Adapt(e)
	}},
}

// result is what a run leaves: spikes per population, weights and
// learnt latencies per projection, synaptic events.
type result struct {
	steps   map[string][]int64
	neurons map[string][]uint32
	weights map[string][]float32
	events  int64
}

// take reads e's spikes, gathers its weights into net and copies them.
func take(t *testing.T, name string, e engine.Engine, net *network.Network) result {
	t.Helper()
	r := result{map[string][]int64{}, map[string][]uint32{}, map[string][]float32{}, 0}
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatalf("%s: spikes of %s: %v", name, p.Name, err)
		}
		r.steps[p.Name], r.neurons[p.Name] = slices.Clone(st), slices.Clone(el)
	}
	if err := e.GatherWeights(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, p := range net.Projections {
		r.weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			r.weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
	var err error
	if r.events, err = e.Events(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// compare fails t unless got is want.
func compare(t *testing.T, what string, want, got result) {
	t.Helper()
	for pop, st := range want.steps {
		if !slices.Equal(st, got.steps[pop]) || !slices.Equal(want.neurons[pop], got.neurons[pop]) {
			t.Errorf("%s: population %s: %d spikes on the reference, %d here, or different ones", what, pop, len(st), len(got.steps[pop]))
		}
	}
	for p, w := range want.weights {
		if !slices.Equal(w, got.weights[p]) {
			t.Errorf("%s: projection %s: the weights differ from the reference", what, p)
		}
	}
	if want.events != got.events {
		t.Errorf("%s: %d synaptic events on the reference, %d here", what, want.events, got.events)
	}
}

// canonical fails t unless the spikes are sorted by step, then neuron.
func canonical(t *testing.T, what string, r result) {
	t.Helper()
	for pop, st := range r.steps {
		el := r.neurons[pop]
		for k := 1; k < len(st); k++ {
			if st[k] < st[k-1] || (st[k] == st[k-1] && el[k] <= el[k-1]) {
				t.Fatalf("%s: spikes of %s out of order at %d: (%d, %d) after (%d, %d)", what, pop, k, st[k], el[k], st[k-1], el[k-1])
			}
		}
	}
}

// Every engine computes the same spikes, weights and events for a plastic
// network (STDP following a delayed modulator, learnt latencies), in
// consecutive runs, with learning switched off in the last (the weights
// then stay), and streams the spikes it records.
func TestSameResults(t *testing.T) {
	const steps = 600
	var want result
	for i, eng := range engines {
		net := testnets.BrunelLike(t, true)
		streamed := map[string]int{}
		e := eng.new(t, net, hooks{onSpikes: func(pop string, st []int64, _ []uint32) { streamed[pop] += len(st) }})
		for _, n := range []int{steps / 3, steps - steps/3} {
			if err := e.Run(n); err != nil {
				t.Fatalf("%s: %v", eng.name, err)
			}
		}
		if e.Steps() != steps {
			t.Fatalf("%s: Step %d after %d steps", eng.name, e.Steps(), steps)
		}
		got := take(t, eng.name, e, net)
		canonical(t, eng.name, got)
		for pop, st := range got.steps {
			if streamed[pop] != len(st) {
				t.Errorf("%s: %d spikes of %s streamed, %d recorded", eng.name, streamed[pop], pop, len(st))
			}
		}
		if i == 0 {
			want = got
			if len(want.steps["E"]) == 0 {
				t.Fatal("the reference has no spike of E: nothing to compare")
			}
		} else {
			compare(t, eng.name, want, got)
		}
		e.SetLearning(false)
		if err := e.RunMs(5); err != nil {
			t.Fatalf("%s: %v", eng.name, err)
		}
		if err := e.GatherWeights(); err != nil {
			t.Fatalf("%s: %v", eng.name, err)
		}
		p, _ := net.Projection("EE")
		if !slices.Equal(p.Runtime.Syn.W, got.weights["EE"]) {
			t.Errorf("%s: E→E's weights changed with learning off", eng.name)
		}
		e.Close()
	}
}

// Stop from another goroutine ends a run early; the run that follows
// continues where it stopped, and the whole is the reference's. A Stop
// between runs ends the next run before it steps.
func TestStop(t *testing.T) {
	const steps = 600
	ref := testnets.BrunelLike(t, false)
	e := engines[0].new(t, ref, hooks{})
	if err := e.Run(steps); err != nil {
		t.Fatal(err)
	}
	want := take(t, "sequential", e, ref)
	e.Close()
	for _, eng := range engines {
		net := testnets.BrunelLike(t, false)
		// The first progress report waits until Stop has been called from
		// another goroutine, so that the run is stopped early.
		progressed, asked := make(chan struct{}), make(chan struct{})
		var once sync.Once
		e := eng.new(t, net, hooks{onProgress: func(int64) {
			once.Do(func() {
				close(progressed)
				<-asked
			})
		}})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			<-progressed
			e.Stop()
			close(asked)
		}()
		err := e.Run(1 << 30) // days of work unless stopped
		<-stopped
		if !errors.Is(err, engine.ErrStopped) {
			t.Fatalf("%s: a stopped run returned %v, want an error wrapping ErrStopped", eng.name, err)
		}
		if !strings.HasPrefix(err.Error(), eng.name+": ") {
			t.Errorf("%s: the error %q does not name the engine", eng.name, err)
		}
		at := e.Steps()
		if at <= 0 || at >= steps {
			t.Fatalf("%s: stopped at step %d; the test needs 0 < step < %d", eng.name, at, steps)
		}
		e.Stop() // no run in progress: ends the next one at once
		if err := e.Run(10); !errors.Is(err, engine.ErrStopped) || e.Steps() != at {
			t.Fatalf("%s: a run after Stop returned %v at step %d, want ErrStopped at %d", eng.name, err, e.Steps(), at)
		}
		if err := e.Run(int(steps - at)); err != nil {
			t.Fatalf("%s: the run after the stop: %v", eng.name, err)
		}
		compare(t, eng.name+", stopped and continued", want, take(t, eng.name, e, net))
		e.Close()
	}
}

// Close twice is safe; a run after it fails, wrapping ErrClosed.
func TestClose(t *testing.T) {
	for _, eng := range engines {
		e := eng.new(t, testnets.BrunelLike(t, false), hooks{})
		if err := e.Run(10); err != nil {
			t.Fatalf("%s: %v", eng.name, err)
		}
		e.Close()
		e.Close()
		if err := e.Run(10); !errors.Is(err, engine.ErrClosed) {
			t.Errorf("%s: Run after Close returned %v, want an error wrapping ErrClosed", eng.name, err)
		}
	}
}

// The errors name the engine and what is at fault.
func TestErrors(t *testing.T) {
	for _, eng := range engines {
		for _, discard := range []bool{false, true} {
			e := eng.new(t, testnets.BrunelLike(t, false), hooks{onSpikes: func(string, []int64, []uint32) {}, discard: discard})
			_, _, err := e.Spikes("nowhere")
			if err == nil || !strings.HasPrefix(err.Error(), eng.name+": ") || !strings.Contains(err.Error(), `"nowhere"`) {
				t.Errorf("%s: spikes of a population that does not exist: %v, want an error naming the engine and the population", eng.name, err)
			}
			_, _, err = e.Spikes("E")
			switch {
			case discard && (err == nil || !strings.HasPrefix(err.Error(), eng.name+": ")):
				t.Errorf("%s: spikes discarded: %v, want an error naming the engine", eng.name, err)
			case !discard && err != nil:
				t.Errorf("%s: %v", eng.name, err)
			}
			if err := e.RunMs(-1); err == nil {
				t.Errorf("%s: RunMs(-1) ran", eng.name)
			}
			if err := e.Run(-1); err == nil {
				t.Errorf("%s: Run(-1) ran", eng.name)
			}
			e.Close()
		}
	}
}

// TestSteps checks the rounding of durations to steps (to the nearest,
// halves up) and the refusal of durations that are no count of steps.
func TestSteps(t *testing.T) {
	for _, c := range []struct {
		ms, dt float64
		want   int
		ok     bool
	}{
		{1, 0.1, 10, true}, {0, 0.1, 0, true}, {0.04, 0.1, 0, true}, {0.25, 0.5, 1, true},
		{-1, 0.1, 0, false}, {math.NaN(), 0.1, 0, false}, {math.Inf(1), 0.1, 0, false}, {1e300, 0.1, 0, false},
	} {
		got, err := engine.Steps(c.ms, c.dt)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Steps(%g, %g) = %d, %v; want %d and ok %v", c.ms, c.dt, got, err, c.want, c.ok)
		}
	}
}

// TestBadOptionsRefused checks that the engines refuse options they
// cannot honour — a shard count for no population, negative counts, no
// network — before they claim the network, so that a corrected call on
// the same network succeeds.
func TestBadOptionsRefused(t *testing.T) {
	net := testnets.BrunelLike(t, false)
	for _, c := range []struct {
		name string
		new  func() error
		want string
	}{
		{"actors, unknown population", func() error { _, err := actors.New(net, actors.Options{Shards: map[string]int{"Nope": 2}}); return err }, `no population "Nope"`},
		{"actors, Cores -1", func() error { _, err := actors.New(net, actors.Options{Cores: -1}); return err }, "Cores -1: must be >= 0"},
		{"actors, Window -1", func() error { _, err := actors.New(net, actors.Options{Window: -1}); return err }, "Window -1: must be >= 0"},
		{"lockstep, unknown population", func() error {
			_, err := lockstep.New(net, lockstep.Options{Shards: map[string]int{"Nope": 2}})
			return err
		}, `no population "Nope"`},
		{"lockstep, Workers -1", func() error { _, err := lockstep.New(net, lockstep.Options{Workers: -1}); return err }, "Workers -1: must be >= 0"},
		{"lockstep, Balance and Shards", func() error {
			_, err := lockstep.New(net, lockstep.Options{Balance: true, Shards: map[string]int{"E": 2}})
			return err
		}, "Balance and Shards both set"},
		{"actors, PeerTimeout 1ms", func() error {
			_, err := actors.New(net, actors.Options{Workers: []string{"127.0.0.1:1"}, PeerTimeout: time.Millisecond})
			return err
		}, "PeerTimeout 1ms: must be at least"},
		{"lockstep, nil", func() error { _, err := lockstep.New(nil, lockstep.Options{}); return err }, "no network (nil)"},
		{"actors, nil", func() error { _, err := actors.New(nil, actors.Options{}); return err }, "no network (nil)"},
		{"stepper, nil", func() error { return stepper.New(nil).Run(1) }, "no network (nil)"},
		{"monitor, nil", func() error { _, err := monitor.NewSpikes(nil, "E"); return err }, "no network (nil)"},
	} {
		if err := c.new(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	e, err := lockstep.New(net, lockstep.Options{})
	if err != nil {
		t.Fatalf("a refused engine kept the network: %v", err)
	}
	e.Close()
}
