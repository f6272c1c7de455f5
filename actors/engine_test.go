package actors_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

type result = testnets.Result

func sequential(t *testing.T, net *network.Network, steps int) result {
	t.Helper()
	return testnets.Sequential(t, net, steps)
}

func onActors(t *testing.T, net *network.Network, shards map[string]int, steps int) result {
	t.Helper()
	return onActorsWith(t, net, actors.Options{Shards: shards}, steps)
}

func onActorsWith(t *testing.T, net *network.Network, o actors.Options, steps int) result {
	t.Helper()
	e, err := actors.New(net, o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(steps / 3); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps - steps/3); err != nil {
		t.Fatal(err)
	}
	e.GatherWeights()
	r := testnets.NewResult()
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Steps[p.Name], r.Elems[p.Name] = st, el
	}
	for _, p := range net.Projections {
		r.Weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			r.Weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
	if r.Events, err = e.Events(); err != nil {
		t.Fatal(err)
	}
	return r
}

func compare(t *testing.T, what string, want, got result) {
	t.Helper()
	testnets.Compare(t, what, want, got)
}

func TestActorsMatchSequential(t *testing.T) {
	cuba := func(t testing.TB) *network.Network {
		net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	nets := map[string]func(testing.TB) *network.Network{
		"cuba":    cuba,
		"brunel":  func(t testing.TB) *network.Network { return testnets.BrunelLike(t, false) },
		"plastic": func(t testing.TB) *network.Network { return testnets.BrunelLike(t, true) },
	}
	for name, build := range nets {
		want := sequential(t, build(t), 3000)
		for _, k := range []int{1, 2, 3, 7} {
			shards := map[string]int{"E": k, "I": min(k, 3)}
			got := onActors(t, build(t), shards, 3000)
			compare(t, name+" with "+itoa(k)+" shards", want, got)
		}
		// The narrowest windows: shards, bundles and the recorder as
		// close to one another as the clock allows (outputs and batches
		// are reused in rings sized by the window).
		for _, w := range []int{1, 2} {
			got := onActorsWith(t, build(t), actors.Options{Shards: map[string]int{"E": 3, "I": 2}, Window: w}, 3000)
			compare(t, name+" with a window of "+itoa(w), want, got)
		}
	}
}

func itoa(k int) string { return string(rune('0' + k)) }

// Pause, Resume and Stop: a stopped run ends at a segment boundary, and
// continuing from there gives exactly the spikes of an uninterrupted run.
func TestPauseResumeStopContinue(t *testing.T) {
	const total = 20000
	want := sequential(t, testnets.BrunelLike(t, true), total)
	net := testnets.BrunelLike(t, true)
	e, err := actors.New(net, actors.Options{Shards: map[string]int{"E": 3, "I": 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	done := make(chan error, 1)
	go func() { done <- e.Run(total) }()
	time.Sleep(20 * time.Millisecond)
	e.Pause()
	select {
	case err := <-done:
		t.Fatalf("the run finished within 20 ms (%v); the test needs a longer run", err)
	case <-time.After(100 * time.Millisecond): // paused: nothing finishes
	}
	e.Stop()
	if err := <-done; !errors.Is(err, actors.ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	stopped := e.Steps()
	if stopped <= 0 || stopped >= total || stopped%int64(e.SegmentSteps()) != 0 {
		t.Fatalf("stopped at step %d, want a segment boundary inside the run", stopped)
	}
	// Continue, through a pause.
	e.Pause()
	go func() { done <- e.Run(int(total - stopped)) }()
	time.Sleep(50 * time.Millisecond)
	e.Resume()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.Steps() != total {
		t.Fatalf("at step %d after continuing, want %d", e.Steps(), total)
	}
	if err := e.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	got := testnets.NewResult()
	for _, p := range net.Populations {
		got.Steps[p.Name], got.Elems[p.Name], _ = e.Spikes(p.Name)
	}
	for _, p := range net.Projections {
		got.Weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			got.Weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
	compare(t, "stopped and continued", want, got)
}

// A batch of copies runs on actors (its populations stay whole) and gives
// the sequential stepper's spikes.
func TestBatchOnActors(t *testing.T) {
	build := func(t testing.TB) *network.Network {
		b := network.New(network.Config{DtMs: 0.1, Seed: 5, Batch: 2})
		n := soma.LIF()
		n.RestMV, n.ThresholdMV = param.Const(0), param.Const(20)
		n.Integration = soma.Exact
		b.Population("A", 300, n).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{DelayMs: param.Const(1)}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 22000, Weight: 0.1})
		b.Connect("AA", network.Connection{From: "A", To: "A", Pattern: connectivity.FixedInDegree{K: 30},
			Weight: param.Uniform(-0.5, 0.3)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	want := sequential(t, build(t), 1000)
	got := onActors(t, build(t), nil, 1000)
	compare(t, "batch of 2", want, got)
	// On a worker process the copies' spikes (elements b·N + i) cross the
	// wire and pass its checks.
	compare(t, "batch of 2 on two workers", want, onWorkers(t, build, map[string]int{"A": 1}, 2, 1000))
}

// OnSpikes hands out every spike in order, exactly those of the sequential
// stepper, and DiscardSpikes keeps none in memory.
func TestStreamingSpikes(t *testing.T) {
	want := sequential(t, testnets.BrunelLike(t, false), 2000)
	got := map[string][]int64{}
	gotEl := map[string][]uint32{}
	e, err := actors.New(testnets.BrunelLike(t, false), actors.Options{Shards: map[string]int{"E": 3, "I": 2}, DiscardSpikes: true,
		OnSpikes: func(pop string, steps []int64, el []uint32) {
			got[pop] = append(got[pop], steps...)
			gotEl[pop] = append(gotEl[pop], el...)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(2000 / 3); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(2000 - 2000/3); err != nil {
		t.Fatal(err)
	}
	e.Close()
	for _, p := range []string{"E", "I"} {
		if !slices.Equal(got[p], want.Steps[p]) || !slices.Equal(gotEl[p], want.Elems[p]) {
			t.Errorf("%s: %d spikes streamed, %d sequentially", p, len(got[p]), len(want.Steps[p]))
		}
	}
	if _, _, err := e.Spikes("E"); err == nil {
		t.Error("Spikes answered although spikes are discarded")
	}
}

// The learnt latencies of the plastic network move within their bounds, so
// that the comparisons above compare something that changed.
func TestLearntLatenciesMove(t *testing.T) {
	net := testnets.BrunelLike(t, true)
	p, _ := net.Projection("EI")
	l0 := slices.Clone(p.Runtime.Latencies())
	if err := stepper.New(net).Run(1500); err != nil {
		t.Fatal(err)
	}
	l := p.Runtime.Latencies()
	moved := 0
	for k := range l {
		if l[k] != l0[k] {
			moved++
		}
		if !(l[k] >= 0 && l[k] <= float32(p.LatencyMax)) {
			t.Fatalf("synapse %d: learnt latency %g steps outside [0, %d]", k, l[k], p.LatencyMax)
		}
	}
	t.Logf("%d of %d learnt latencies moved", moved, len(l))
	if moved < len(l)/10 {
		t.Fatalf("only %d of %d learnt latencies moved in 150 ms", moved, len(l))
	}
}
