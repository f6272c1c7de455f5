package actors_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// onWorkers runs a network with its shards hosted by worker actor systems
// (each with its own remote transport on loopback, as separate processes
// would have), the coordinator keeping the clock and recorder; the axons
// run in the workers, next to their source shards.
func onWorkers(t *testing.T, build func(testing.TB) *network.Network, shards map[string]int, workers, steps int) result {
	t.Helper()
	var addrs []string
	coord, ids := identities(t, workers)
	for i := 0; i < workers; i++ {
		w, err := actors.Serve(build(t), actors.WorkerOptions{Index: i, Count: workers, Shards: shards, Identity: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		addrs = append(addrs, w.Address())
	}
	r, _ := coordinate(t, build(t), shards, addrs, coord, steps)
	return r
}

// coordinate runs net for steps with its shards on the workers at addrs
// and returns what it recorded: spikes, events, and the weights (and
// learnt latencies) of the projections net holds whole, with the number
// of synapses the engine counts in its shards (Engine.Synapses).
func coordinate(t *testing.T, net *network.Network, shards map[string]int, addrs []string, coord *transport.Identity, steps int) (result, int64) {
	t.Helper()
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: addrs, Identity: coord})
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
	if err := e.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	r := testnets.NewResult()
	for _, p := range net.Populations {
		r.Steps[p.Name], r.Elems[p.Name], _ = e.Spikes(p.Name)
	}
	for _, p := range net.Projections {
		if p.Columns != nil {
			continue // held in part: its weights stay in the workers
		}
		r.Weights[p.Name] = append([]float32(nil), p.Runtime.Syn.W...)
		if l := p.Runtime.Latencies(); l != nil {
			r.Weights[p.Name+" latencies"] = append([]float32(nil), l...)
		}
	}
	if r.Events, err = e.Events(); err != nil {
		t.Fatal(err)
	}
	n, _ := e.Synapses()
	return r, n
}

func TestWorkersOverLoopbackMatchSequential(t *testing.T) {
	nets := map[string]func(testing.TB) *network.Network{
		"cuba": func(t testing.TB) *network.Network {
			net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			return net
		},
		"brunel":  func(t testing.TB) *network.Network { return testnets.BrunelLike(t, false) },
		"plastic": func(t testing.TB) *network.Network { return testnets.BrunelLike(t, true) },
	}
	for name, build := range nets {
		want := sequential(t, build(t), 1500)
		for _, c := range []struct {
			workers int
			shards  map[string]int
		}{{1, map[string]int{"E": 2}}, {2, map[string]int{"E": 3, "I": 2}}, {3, map[string]int{"E": 4, "I": 1}}} {
			got := onWorkers(t, build, c.shards, c.workers, 1500)
			compare(t, fmt.Sprintf("%s on %d workers with shards %v", name, c.workers, c.shards), want, got)
		}
	}
}

// Each worker builds only the synapses of the shards it hosts
// (WorkerPart), and the coordinator none but those of the projections
// whose weights it gathers: the spikes, events and gathered weights are
// the sequential stepper's on the whole network, and each process holds
// only its share of the synapses.
func TestWorkersBuildOnlyTheirPart(t *testing.T) {
	shards := map[string]int{"E": 3, "I": 2}
	for _, plastic := range []bool{false, true} {
		whole := testnets.BrunelLike(t, plastic)
		want := sequential(t, whole, 1500)
		skeleton, err := testnets.BrunelLikeBuilder(plastic).BuildPart(&network.Part{})
		if err != nil {
			t.Fatal(err)
		}
		if n := skeleton.Synapses(); n != 0 {
			t.Fatalf("a network built for no neurons holds %d synapses", n)
		}
		var names []string
		var sizes []int
		for _, p := range skeleton.Populations {
			names, sizes = append(names, p.Name), append(sizes, p.N)
		}
		coord, ids := identities(t, 2)
		var addrs []string
		held := 0
		for i := range 2 {
			part := actors.WorkerPart(names, sizes, shards, i, 2, nil)
			net, err := testnets.BrunelLikeBuilder(plastic).BuildPart(part)
			if err != nil {
				t.Fatal(err)
			}
			// The part holds the whole's synapses that end on its neurons.
			share := 0
			for _, pr := range whole.Projections {
				for _, j := range pr.Runtime.Syn.Idx {
					for _, r := range part.Neurons[whole.Populations[pr.Target].Name] {
						if int(j) >= r[0] && int(j) < r[1] {
							share++
						}
					}
				}
			}
			if got := net.Synapses(); got != share || got > whole.Synapses()*2/3 {
				t.Errorf("plastic %v, worker %d (%v): %d synapses, want %d of %d", plastic, i, part, got, share, whole.Synapses())
			}
			held += net.Synapses()
			w, err := actors.Serve(net, actors.WorkerOptions{Index: i, Count: 2, Shards: shards, Identity: ids[i]})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			addrs = append(addrs, w.Address())
		}
		if held != whole.Synapses() {
			t.Errorf("plastic %v: the workers hold %d synapses, the network has %d", plastic, held, whole.Synapses())
		}
		var gathered []string
		if plastic {
			gathered = []string{"EE", "EI"} // the learning ones
		}
		net, err := testnets.BrunelLikeBuilder(plastic).BuildPart(&network.Part{Whole: gathered})
		if err != nil {
			t.Fatal(err)
		}
		wantHeld := 0
		for _, name := range gathered {
			p, _ := whole.Projection(name)
			wantHeld += p.Runtime.Syn.Len()
		}
		if net.Synapses() != wantHeld {
			t.Errorf("plastic %v: the coordinator holds %d synapses, want %d (those it gathers)", plastic, net.Synapses(), wantHeld)
		}
		for name := range want.Weights {
			if !slices.Contains(gathered, strings.TrimSuffix(name, " latencies")) {
				delete(want.Weights, name)
			}
		}
		got, n := coordinate(t, net, shards, addrs, coord, 1500)
		compare(t, fmt.Sprintf("plastic %v, built in parts on two workers", plastic), want, got)
		if n != int64(whole.Synapses()) {
			t.Errorf("plastic %v: the engine counts %d synapses in its shards, the network has %d", plastic, n, whole.Synapses())
		}
	}
}

// A worker that goes away makes the run fail promptly with a clear error.
func TestLostWorkerFailsTheRun(t *testing.T) {
	shards := map[string]int{"E": 2, "I": 2}
	coord, ids := identities(t, 2)
	w0, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: 0, Count: 2, Shards: shards, Identity: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer w0.Close()
	w1, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: 1, Count: 2, Shards: shards, Identity: ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(testnets.BrunelLike(t, false), actors.Options{Shards: shards, Workers: []string{w0.Address(), w1.Address()}, Identity: coord})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(200); err != nil {
		t.Fatal(err)
	}
	w1.Close()
	done := make(chan error, 1)
	go func() { done <- e.Run(100000) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "lost the worker at "+w1.Address()) {
			t.Fatalf("error %v, want it to name the lost worker", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run hung after a worker went away")
	}
}

// Outputs too big for one message are cut into parts and put back
// together: 40,000 rate units over 64-step segments send 2.56 M samples
// per segment from one worker.
func TestLargeOutputsAcrossProcesses(t *testing.T) {
	build := func(t testing.TB) *network.Network {
		b := network.New(network.Config{DtMs: 0.1})
		b.Population("R", 40000, soma.RateUnit(soma.Tanh)).Stimulus(stimulus.Constant(0.5))
		b.Population("S", 30000, encoder.Poisson{RateHz: param.Const(9000)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	want := sequential(t, build(t), 128)
	got := onWorkers(t, build, map[string]int{"R": 1, "S": 1}, 1, 128)
	compare(t, "large outputs", want, got)
}

// A worker that built another network (here: another seed) is refused at
// once, with a message saying what to check.
func TestWorkerWithAnotherNetworkRefused(t *testing.T) {
	other := func() *network.Network {
		net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 99})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	shards := map[string]int{"E": 2, "I": 1}
	coord, ids := identities(t, 1)
	w, err := actors.Serve(other(), actors.WorkerOptions{Index: 0, Count: 1, Shards: shards, Identity: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	net, err := models.CUBA(models.Options{Scale: 0.25, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = actors.New(net, actors.Options{Shards: shards, Workers: []string{w.Address()}, Identity: coord})
	if err == nil || !strings.Contains(err.Error(), "different network") {
		t.Fatalf("a worker with another network: %v", err)
	}
}

// An attached actor drives a population split across two worker
// processes: the actuations travel as protobuf, cut into several parts
// each (drivenLoop sets a part limit of 70 samples), and the closed loop gives the
// same spikes as in one process, with the same shards and with one shard.
func TestAttachedActorDrivesWorkers(t *testing.T) {
	const steps = 300 // 30 ms, 50 segments
	shards := map[string]int{"E": 4, "I": 2}
	got := drivenLoop(t, shards, 2, steps, true)
	compare(t, "driven E on two workers vs one process", drivenLoop(t, shards, 0, steps, true), got)
	compare(t, "driven E on two workers vs one shard", drivenLoop(t, map[string]int{"E": 1, "I": 1}, 0, steps, true), got)
	free := drivenLoop(t, shards, 2, steps, false)
	if slices.Equal(got.Steps["E"], free.Steps["E"]) && slices.Equal(got.Elems["E"], free.Elems["E"]) {
		t.Fatal("the drive changed nothing")
	}
}

// identities makes the identities of a run with n workers.
func identities(t testing.TB, n int) (*transport.Identity, []*transport.Identity) {
	t.Helper()
	coord, ids, err := actors.Identities(n)
	if err != nil {
		t.Fatal(err)
	}
	return coord, ids
}

// A worker that is gone when the run starts fails the start promptly,
// as a peer's failure (not the network's), naming the worker.
func TestWorkerGoneAtStartFailsFast(t *testing.T) {
	shards := map[string]int{"E": 2, "I": 2}
	coord, ids := identities(t, 1)
	w, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: 0, Count: 1, Shards: shards, Identity: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	addr := w.Address()
	w.Close()
	start := time.Now()
	_, err = actors.New(testnets.BrunelLike(t, false), actors.Options{Shards: shards, Workers: []string{addr}, Identity: coord})
	if !errors.Is(err, actors.ErrPeer) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v, want a peer error naming %s", err, addr)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("failed after %v", d)
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
}

// A worker cannot listen on a port that is taken: a clear error, not a
// panic (protoactor's Start panics when it cannot listen).
func TestWorkerPortTaken(t *testing.T) {
	_, ids := identities(t, 2)
	w, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: 0, Count: 2, Shards: map[string]int{"E": 2}, Identity: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Listen: w.Address(), Index: 1, Count: 2, Shards: map[string]int{"E": 2}, Identity: ids[1]})
	if err == nil || !strings.Contains(err.Error(), "listening on "+w.Address()) {
		t.Fatalf("a taken port: %v", err)
	}
}

// Without an identity a worker does not serve: every connection between
// processes is authenticated.
func TestWorkerNeedsAnIdentity(t *testing.T) {
	_, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: 0, Count: 1})
	if err == nil || !strings.Contains(err.Error(), "no identity") {
		t.Fatalf("a worker without identity: %v", err)
	}
}

// Links times every link of a run with workers, during the run and after
// it: the coordinator's to each worker and each worker's to every other,
// named by their certificates.
func TestLinks(t *testing.T) {
	const n = 3
	shards := map[string]int{"E": 3, "I": 3}
	coord, ids := identities(t, n)
	var addrs []string
	for i := range n {
		w, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: i, Count: n, Shards: shards, Identity: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		addrs = append(addrs, w.Address())
	}
	e, err := actors.New(testnets.BrunelLike(t, false), actors.Options{Shards: shards, Workers: addrs, Identity: coord})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	check := func(when string) {
		t.Helper()
		links, err := e.Links()
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		want := map[[2]string]bool{}
		for i := range n {
			want[[2]string{actors.CoordinatorName, actors.WorkerName(i)}] = true
			for j := range n {
				if i != j {
					want[[2]string{actors.WorkerName(i), actors.WorkerName(j)}] = true
				}
			}
		}
		for _, l := range links {
			k := [2]string{l.From, l.To}
			if !want[k] {
				t.Errorf("%s: unexpected or repeated link %s → %s", when, l.From, l.To)
			}
			delete(want, k)
			if l.RTT <= 0 || l.RTT > 2*time.Second {
				t.Errorf("%s: link %s → %s: round trip %v", when, l.From, l.To, l.RTT)
			}
		}
		for k := range want {
			t.Errorf("%s: link %s → %s missing", when, k[0], k[1])
		}
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(3000) }()
	check("during the run")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	check("after the run")
}

// LoadIdentity reads back the identity spiral-node tls saves for a
// member, and refuses a name it holds none for.
func TestLoadIdentity(t *testing.T) {
	dir := t.TempDir()
	a, err := transport.InitDir(dir, "test authority")
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.Issue("m1")
	if err != nil {
		t.Fatal(err)
	}
	if err := transport.SaveIdentity(dir, id); err != nil {
		t.Fatal(err)
	}
	got, err := actors.LoadIdentity(dir, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "m1" || !bytes.Equal(got.Cert, id.Cert) || !bytes.Equal(got.CA, id.CA) {
		t.Errorf("loaded identity %q, want m1 with the issued certificate", got.Name)
	}
	if _, err := actors.LoadIdentity(dir, "m2"); err == nil {
		t.Error("an identity never issued loaded")
	}
}
