package actors_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/network"
)

// rewarder rewards the network with the number of E spikes of a segment
// divided by 50, through the modulator source "da".
type rewarder struct {
	counts []int
	fail   bool
}

func (r *rewarder) Receive(ctx actor.Context) {
	o, ok := ctx.Message().(*actors.Observation)
	if !ok {
		return
	}
	if r.fail && o.Segment == 3 {
		panic("environment crashed")
	}
	n := len(o.Spikes["E"].Steps)
	r.counts = append(r.counts, n)
	ctx.Respond(&actors.Actuation{Input: []float32{float32(n) / 50}})
}

func closedLoop(t *testing.T, net *network.Network, shards int, steps int) (result, *rewarder) {
	t.Helper()
	e, err := actors.New(net, actors.Options{Shards: map[string]int{"E": shards, "I": min(shards, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	env := &rewarder{}
	if err := e.Attach(actors.Attachment{Name: "env", Actor: env, Observe: []string{"E"}, Drive: "da"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps / 2); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps - steps/2); err != nil {
		t.Fatal(err)
	}
	e.GatherWeights()
	r := testnets.NewResult()
	for _, p := range net.Populations {
		r.Steps[p.Name], r.Elems[p.Name], _ = e.Spikes(p.Name)
	}
	for _, p := range net.Projections {
		r.Weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
	}
	return r, env
}

// A user actor in the loop: it sees every segment's spikes and its reward
// reaches the plastic projection through the modulator source. The run is
// identical for 1, 3 and 7 shards, and the actor saw exactly the spikes
// the engine recorded.
func TestAttachedActorClosedLoop(t *testing.T) {
	want, env := closedLoop(t, testnets.BrunelLike(t, true), 1, 1200)
	seg := 6 // the network's smallest latency: 1 + floor(0.5/0.1)
	total := 0
	for k, c := range env.counts {
		n := 0
		for _, st := range want.Steps["E"] {
			if st >= int64(k*seg) && st < int64((k+1)*seg) {
				n++
			}
		}
		if c != n {
			t.Fatalf("segment %d: the actor saw %d spikes of E, the engine recorded %d", k, c, n)
		}
		total += c
	}
	if total == 0 || len(env.counts) != 1200/seg {
		t.Fatalf("the actor saw %d segments with %d spikes", len(env.counts), total)
	}
	for _, k := range []int{3, 7} {
		got, _ := closedLoop(t, testnets.BrunelLike(t, true), k, 1200)
		compare(t, "closed loop with "+itoa(k)+" shards", want, got)
	}
}

func TestAttachedActorPanic(t *testing.T) {
	e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Attach(actors.Attachment{Name: "env", Actor: &rewarder{fail: true}, Observe: []string{"E"}, Drive: "da"}); err != nil {
		t.Fatal(err)
	}
	err = e.Run(1000)
	if err == nil || !strings.Contains(err.Error(), "attachment env") || !strings.Contains(err.Error(), "environment crashed") {
		t.Fatalf("error %v, want it to name the attachment and the panic", err)
	}
}

func TestAttachErrors(t *testing.T) {
	e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, a := range []actors.Attachment{
		{Name: "x", Actor: &rewarder{}, Observe: []string{"Q"}},
		{Name: "x", Actor: &rewarder{}, Drive: "Q"},
		{Name: "x"},
	} {
		if err := e.Attach(a); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}

// driver drives every neuron of E with its own current, which follows the
// number of I spikes of the segment: a closed loop whose input differs
// from neuron to neuron, so that a part of it applied to the wrong shard
// or element shows.
type driver struct{ segments int }

func (d *driver) Receive(ctx actor.Context) {
	o, ok := ctx.Message().(*actors.Observation)
	if !ok {
		return
	}
	d.segments++
	k := len(o.Spikes["I"].Steps)
	in := make([]float32, 800)
	for i := range in {
		in[i] = float32((i*7+k)%11) * 0.3
	}
	ctx.Respond(&actors.Actuation{Input: in})
}

// drivenLoop runs testnets.BrunelLike with the driver attached (driving E
// when drive is set, else only observing), its shards in this process or,
// with workers > 0, hosted by that many worker actor systems (each with
// its own remote transport on loopback, as separate processes would have).
func drivenLoop(t *testing.T, shards map[string]int, workers, steps int, drive bool) result {
	t.Helper()
	build := func() *network.Network { return testnets.BrunelLike(t, false) }
	var addrs []string
	coord, ids := identities(t, workers)
	for i := 0; i < workers; i++ {
		w, err := actors.Serve(build(), actors.WorkerOptions{Index: i, Count: workers, Shards: shards, Identity: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		addrs = append(addrs, w.Address())
	}
	net := build()
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: addrs, Identity: coord})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if workers > 0 {
		e.SetActuationPart(70) // every actuation travels in several parts
	}
	d := &driver{}
	a := actors.Attachment{Name: "driver", Actor: d, Observe: []string{"I"}}
	if drive {
		a.Drive = "E"
	}
	if err := e.Attach(a); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps / 2); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(steps - steps/2); err != nil {
		t.Fatal(err)
	}
	r := testnets.NewResult()
	for _, p := range net.Populations {
		r.Steps[p.Name], r.Elems[p.Name], _ = e.Spikes(p.Name)
	}
	e.Close() // the driver has handled every observation
	if want := steps / e.SegmentSteps(); d.segments != want {
		t.Fatalf("the driver saw %d segments, want %d", d.segments, want)
	}
	return r
}

// The driven population's input reaches the right neurons whatever the
// number of shards: a closed loop driving the whole of E gives the same
// spikes with 1 and 3 shards, and differs from the undriven run.
func TestAttachedActorDrivesSplitPopulation(t *testing.T) {
	const steps = 300 // 30 ms, 50 segments
	want := drivenLoop(t, map[string]int{"E": 1, "I": 1}, 0, steps, true)
	got := drivenLoop(t, map[string]int{"E": 3, "I": 2}, 0, steps, true)
	compare(t, "driven E in 3 shards", want, got)
	free := drivenLoop(t, map[string]int{"E": 1, "I": 1}, 0, steps, false)
	if slices.Equal(want.Steps["E"], free.Steps["E"]) && slices.Equal(want.Elems["E"], free.Elems["E"]) {
		t.Fatal("the drive changed nothing")
	}
	t.Logf("E spikes: %d driven, %d undriven", len(want.Steps["E"]), len(free.Steps["E"]))
}

// replier answers observations as told: with a string instead of an
// actuation, not at all, or with an actuation after a delay.
type replier struct {
	wrong, silent bool
	silentFrom    int64 // if > 0: no answer from this segment on
	delay         time.Duration
	answered      int
}

func (r *replier) Receive(ctx actor.Context) {
	if o, ok := ctx.Message().(*actors.Observation); ok {
		switch {
		case r.wrong:
			ctx.Respond("oops")
		case r.silent, r.silentFrom > 0 && o.Segment >= r.silentFrom:
		default:
			time.Sleep(r.delay)
			r.answered++
			ctx.Respond(&actors.Actuation{Input: []float32{0}})
		}
	}
}

// An attachment that answers with something other than an actuation fails
// the run, naming it and what it sent; one that never answers fails it
// after its Timeout; one that answers slowly, within its Timeout, does
// not.
func TestAttachedActorBadReplies(t *testing.T) {
	for _, c := range []struct {
		name    string
		r       *replier
		timeout time.Duration
		want    string
	}{
		{"wrong type", &replier{wrong: true}, 0, "attachment env: its answer to the observation of segment 0 is a string, want an *actors.Actuation"},
		{"no answer", &replier{silent: true}, 300 * time.Millisecond, "attachment env: no answer to the observation of segment 0 within 300ms (Attachment.Timeout)"},
		{"slow answers", &replier{delay: 50 * time.Millisecond}, time.Second, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if err := e.Attach(actors.Attachment{Name: "env", Actor: c.r, Observe: []string{"E"}, Drive: "da", Timeout: c.timeout}); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- e.Run(60) }()
			select {
			case err := <-done:
				if c.want == "" && err != nil {
					t.Fatalf("Run: %v", err)
				}
				if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
					t.Fatalf("Run: %v, want an error with %q", err, c.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run hangs")
			}
		})
	}
}

// A closed loop can start from a checkpoint: the actor is attached after
// Restore and sees the run from the checkpoint's step, segment by
// segment, with the spikes the engine records.
func TestAttachAfterRestore(t *testing.T) {
	warm, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := warm.Run(600); err != nil {
		t.Fatal(err)
	}
	snap, err := warm.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	warm.Close()
	e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Restore(snap); err != nil {
		t.Fatal(err)
	}
	env := &rewarder{}
	if err := e.Attach(actors.Attachment{Name: "env", Actor: env, Observe: []string{"E"}, Drive: "da"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(600); err != nil {
		t.Fatal(err)
	}
	steps, _, err := e.Spikes("E")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Attach(actors.Attachment{Name: "late", Actor: env}); err == nil || !strings.Contains(err.Error(), "after the first run") {
		t.Errorf("Attach after a run: %v, want it refused", err)
	}
	e.Close() // the actor has taken every observation
	if err := e.Attach(actors.Attachment{Name: "closed", Actor: env}); !errors.Is(err, actors.ErrClosed) {
		t.Errorf("Attach after Close: %v, want ErrClosed", err)
	}
	const seg = 6 // as in TestAttachedActorClosedLoop
	if len(env.counts) != 600/seg {
		t.Fatalf("the actor saw %d segments, want %d", len(env.counts), 600/seg)
	}
	total := 0
	for k, c := range env.counts {
		n := 0
		for _, st := range steps {
			if st >= int64(600+k*seg) && st < int64(600+(k+1)*seg) {
				n++
			}
		}
		if c != n {
			t.Fatalf("segment %d after the checkpoint: the actor saw %d spikes of E, the engine recorded %d", k, c, n)
		}
		total += c
	}
	if total == 0 {
		t.Fatal("no spikes after the checkpoint: the comparison is empty")
	}
}

// nanner answers every observation with a NaN input.
type nanner struct{}

func (nanner) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actors.Observation); ok {
		ctx.Respond(&actors.Actuation{Input: []float32{float32(math.NaN())}})
	}
}

// An actuation that is not a finite number fails the run, naming the
// attachment, the input and the population, as a stimulus's NaN would.
func TestAttachedActorNaN(t *testing.T) {
	e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Attach(actors.Attachment{Name: "env", Actor: nanner{}, Observe: []string{"E"}, Drive: "da"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(100); err == nil || !strings.Contains(err.Error(), `attachment env: actuation of segment 0: input 0 of population "da" is NaN`) {
		t.Fatalf("Run: %v, want the NaN refused", err)
	}
}

// An attachment that leaves the last observation of a run unanswered past
// its Timeout, while no run is in progress, fails the next Run (the
// report came between runs; it was dropped, and the next run hung).
func TestAttachTimeoutBetweenRuns(t *testing.T) {
	e, err := actors.New(testnets.BrunelLike(t, true), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// Segments of 6 steps: Run(60) is segments 0 to 9, and the answer to
	// segment 9 drives the next run's first.
	if err := e.Attach(actors.Attachment{Name: "env", Actor: &replier{silentFrom: 9}, Observe: []string{"E"}, Drive: "da", Timeout: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(60); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- e.Run(60) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no answer to the observation of segment 9 within 100ms") {
			t.Fatalf("Run: %v, want the timeout of segment 9", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run hangs")
	}
}
