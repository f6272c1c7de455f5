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
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// brunelLike is a recurrent network with per-row delays (0.5–2 ms, so
// segments of 6 steps), Poisson drive and, when plastic, STDP on E→E that
// follows a modulator source through a 3 ms delay and learnt latencies on
// E→I.
func brunelLike(t testing.TB, plastic bool) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 11})
	n := soma.LIF()
	n.Rest = param.Const(0)
	n.Threshold = param.Const(20)
	v10 := param.Const(10)
	n.Reset = &v10
	n.Refractory = param.Const(2)
	n.Integration = soma.Exact
	for _, p := range []struct {
		name string
		size int
	}{{"E", 800}, {"I", 200}} {
		b.Population(p.name, p.size, n).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{Delay: param.Uniform(0.5, 2)}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 24000, Weight: 0.1})
	}
	if plastic {
		seq := make([][]float32, 50)
		for i := range seq {
			seq[i] = []float32{float32(i%7) * 0.1}
		}
		b.Population("da", 1, soma.RateUnit(soma.Linear)).
			Stimulus(&stimulus.Sequence{Frames: seq, Hold: 1}).
			Axon("out", axon.Spec{Delay: param.Const(3)})
	}
	for _, c := range []struct {
		from, to string
		w        float64
	}{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}} {
		conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 50, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*c.w, 1.5*c.w)}
		if plastic && c.from == "E" && c.to == "E" {
			conn.Plasticity = plasticity.LeakySTDP(20, 20, 0.02, 0.021)
			conn.Wmin, conn.Wmax = 0, 0.5
			conn.Follow = "da"
		}
		if plastic && c.from == "E" && c.to == "I" {
			conn.Latency = latency.Align{Eta: 0.3, WindowMs: 2, InitMs: param.Uniform(0, 1), Max: 2}
		}
		b.Connect(c.from+c.to, conn)
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

type result struct {
	steps   map[string][]int64
	elems   map[string][]uint32
	weights map[string][]float32
}

func sequential(t *testing.T, net *network.Network, steps int) result {
	t.Helper()
	s := stepper.New(net)
	mons := map[string]*monitor.Spikes{}
	for _, p := range net.Populations {
		m, _ := monitor.NewSpikes(net, p.Name)
		mons[p.Name] = m
		s.AddMonitor(m)
	}
	// Two runs, to check that consecutive runs continue one another.
	if err := s.Run(steps / 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(steps - steps/3); err != nil {
		t.Fatal(err)
	}
	r := result{map[string][]int64{}, map[string][]uint32{}, map[string][]float32{}}
	for name, m := range mons {
		r.steps[name], r.elems[name] = m.Steps, m.Elements
	}
	for _, p := range net.Projections {
		r.weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			r.weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
	return r
}

func onActors(t *testing.T, net *network.Network, shards map[string]int, steps int) result {
	t.Helper()
	e, err := actors.New(net, actors.Options{Shards: shards})
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
	r := result{map[string][]int64{}, map[string][]uint32{}, map[string][]float32{}}
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.steps[p.Name], r.elems[p.Name] = st, el
	}
	for _, p := range net.Projections {
		r.weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			r.weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
	return r
}

func compare(t *testing.T, what string, want, got result) {
	t.Helper()
	for name := range want.steps {
		if len(want.steps[name]) == 0 && name != "da" && name != "R" { // graded populations do not spike
			t.Fatalf("%s: population %s never fired; the comparison needs spikes", what, name)
		}
		if !slices.Equal(want.steps[name], got.steps[name]) || !slices.Equal(want.elems[name], got.elems[name]) {
			t.Errorf("%s: population %s: %d spikes sequentially, %d on actors, or different ones",
				what, name, len(want.steps[name]), len(got.steps[name]))
		}
	}
	for name, w := range want.weights {
		if !slices.Equal(w, got.weights[name]) {
			t.Errorf("%s: projection %s: final weights (or learnt latencies) differ", what, name)
		}
	}
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
		"brunel":  func(t testing.TB) *network.Network { return brunelLike(t, false) },
		"plastic": func(t testing.TB) *network.Network { return brunelLike(t, true) },
	}
	for name, build := range nets {
		want := sequential(t, build(t), 3000)
		for _, k := range []int{1, 2, 3, 7} {
			shards := map[string]int{"E": k, "I": min(k, 3)}
			got := onActors(t, build(t), shards, 3000)
			compare(t, name+" with "+itoa(k)+" shards", want, got)
		}
	}
}

func itoa(k int) string { return string(rune('0' + k)) }

// Pause, Resume and Stop: a stopped run ends at a segment boundary, and
// continuing from there gives exactly the spikes of an uninterrupted run.
func TestPauseResumeStopContinue(t *testing.T) {
	const total = 20000
	want := sequential(t, brunelLike(t, true), total)
	net := brunelLike(t, true)
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
	stopped := e.Step()
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
	if e.Step() != total {
		t.Fatalf("at step %d after continuing, want %d", e.Step(), total)
	}
	if err := e.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	got := result{map[string][]int64{}, map[string][]uint32{}, map[string][]float32{}}
	for _, p := range net.Populations {
		got.steps[p.Name], got.elems[p.Name], _ = e.Spikes(p.Name)
	}
	for _, p := range net.Projections {
		got.weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			got.weights[p.Name+" latencies"] = slices.Clone(l)
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
		n.Rest, n.Threshold = param.Const(0), param.Const(20)
		n.Integration = soma.Exact
		b.Population("A", 300, n).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{Delay: param.Const(1)}).
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
}

// OnSpikes hands out every spike in order, exactly those of the sequential
// stepper, and DiscardSpikes keeps none in memory.
func TestStreamingSpikes(t *testing.T) {
	want := sequential(t, brunelLike(t, false), 2000)
	got := map[string][]int64{}
	gotEl := map[string][]uint32{}
	e, err := actors.New(brunelLike(t, false), actors.Options{Shards: map[string]int{"E": 3, "I": 2}, DiscardSpikes: true,
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
		if !slices.Equal(got[p], want.steps[p]) || !slices.Equal(gotEl[p], want.elems[p]) {
			t.Errorf("%s: %d spikes streamed, %d sequentially", p, len(got[p]), len(want.steps[p]))
		}
	}
	if _, _, err := e.Spikes("E"); err == nil {
		t.Error("Spikes answered although spikes are discarded")
	}
}

// The learnt latencies of the plastic network move within their bounds, so
// that the comparisons above compare something that changed.
func TestLearntLatenciesMove(t *testing.T) {
	net := brunelLike(t, true)
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
