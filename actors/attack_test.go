package actors_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
)

// attackRun is a run of testnets.BrunelLike on two in-process workers
// (each with its own remote transport on loopback), with the run's
// authority kept so that a test can also act as an authenticated but
// misbehaving peer.
type attackRun struct {
	ca      *transport.Authority
	engine  *actors.Engine
	net     *network.Network
	workers []*actors.Worker
	addrs   []string
}

func startAttackRun(t *testing.T, peerTimeout time.Duration) *attackRun {
	t.Helper()
	ca, err := transport.NewAuthority("test authority")
	if err != nil {
		t.Fatal(err)
	}
	shards := map[string]int{"E": 2, "I": 2}
	r := &attackRun{ca: ca}
	for i := range 2 {
		id, err := ca.Issue(actors.WorkerName(i))
		if err != nil {
			t.Fatal(err)
		}
		w, err := actors.Serve(testnets.BrunelLike(t, false), actors.WorkerOptions{Index: i, Count: 2, Shards: shards, Identity: id})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Close)
		r.workers = append(r.workers, w)
		r.addrs = append(r.addrs, w.Address())
	}
	coord, err := ca.Issue(actors.CoordinatorName)
	if err != nil {
		t.Fatal(err)
	}
	r.net = testnets.BrunelLike(t, false)
	e, err := actors.New(r.net, actors.Options{Shards: shards, Workers: r.addrs, Identity: coord, PeerTimeout: peerTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	r.engine = e
	return r
}

// dial opens a gRPC connection to addr with the given transport
// credentials (nil: plaintext).
func dial(t *testing.T, addr string, creds credentials.TransportCredentials) *grpc.ClientConn {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// tlsAs returns client credentials presenting id's certificate, or none
// (nil id), trusting the authority of trust.
func tlsAs(t *testing.T, id, trust *transport.Identity) credentials.TransportCredentials {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(trust.CA)
	cfg := &tls.Config{RootCAs: pool, ServerName: transport.ServerName, MinVersion: tls.VersionTLS13}
	if id != nil {
		pair, err := tls.X509KeyPair(id.Cert, id.Key)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(cfg)
}

// unary calls protoactor's ListProcesses, whose handler panics.
func unary(conn *grpc.ClientConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := remote.NewRemotingClient(conn).ListProcesses(ctx, &remote.ListProcessesRequest{})
	return err
}

// stream opens protoactor's Receive stream, connects as a fake system and
// sends batch; it returns the error that ends the stream (nil if it stays
// open for a while).
func stream(conn *grpc.ClientConn, batch *remote.MessageBatch) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := remote.NewRemotingClient(conn).Receive(ctx)
	if err != nil {
		return err
	}
	// A Send on a stream the server has ended returns io.EOF; the
	// server's status comes with the next Recv.
	if err := s.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{ConnectRequest: &remote.ConnectRequest{
		ConnectionType: &remote.ConnectRequest_ServerConnection{ServerConnection: &remote.ServerConnection{SystemId: "attacker", Address: "127.0.0.1:1"}}}}}); err != nil {
		_, err = s.Recv()
		return err
	}
	if _, err := s.Recv(); err != nil {
		return err
	}
	if err := s.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: batch}}); err != nil {
		_, err = s.Recv()
		return err
	}
	_, err = s.Recv() // the server never answers a batch: it ends the stream, or the deadline does
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// batchOf wraps one Spiral message for the actor id at addr.
func batchOf(t *testing.T, addr, id string, m proto.Message) *remote.MessageBatch {
	t.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &remote.MessageBatch{
		TypeNames: []string{string(proto.MessageName(m))},
		Targets:   []*actor.PID{{Address: addr, Id: id}},
		Envelopes: []*remote.MessageEnvelope{{TypeId: 0, Target: 0, MessageData: data}},
	}
}

// Nothing an unauthenticated process sends reaches a run: unary calls
// (whose protoactor handlers would panic and end the process), streams
// without a certificate, in plaintext or with a certificate from another
// authority, and forged messages in them. The run then completes with the
// same spikes as the sequential stepper.
func TestUnauthenticatedPeersChangeNothing(t *testing.T) {
	want := sequential(t, testnets.BrunelLike(t, false), 600)
	r := startAttackRun(t, 0)
	stranger, err := transport.NewAuthority("stranger")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := stranger.Issue(actors.CoordinatorName) // the right name, the wrong authority
	if err != nil {
		t.Fatal(err)
	}
	member, err := r.ca.Issue("probe")
	if err != nil {
		t.Fatal(err)
	}
	poison := batchOf(t, r.addrs[0], actors.ShardActorName(0), &messages.Control{Command: messages.Control_RUN_UNTIL, UntilStep: 1 << 40})
	for _, addr := range r.addrs {
		for name, creds := range map[string]credentials.TransportCredentials{
			"plaintext":                 nil,
			"TLS without a certificate": tlsAs(t, nil, member),
			"another authority":         tlsAs(t, foreign, member),
		} {
			conn := dial(t, addr, creds)
			if err := unary(conn); err == nil {
				t.Errorf("%s: a unary call over %s was answered", addr, name)
			}
			if err := stream(conn, poison); err == nil {
				t.Errorf("%s: a stream over %s stayed open", addr, name)
			}
		}
		// A certificate of the run's authority under a name that is not
		// this worker's peer (only the coordinator is) opens no stream.
		if err := stream(dial(t, addr, tlsAs(t, member, member)), poison); err == nil || !strings.Contains(err.Error(), "not a peer") {
			t.Errorf("%s: a stream from %s: %v, want it refused", addr, member.Name, err)
		}
		// An authenticated peer's unary call is refused, not served (the
		// handler would panic).
		if err := unary(dial(t, addr, tlsAs(t, member, member))); err == nil || !strings.Contains(err.Error(), "not served") {
			t.Errorf("%s: an authenticated unary call: %v, want it refused", addr, err)
		}
	}
	if err := r.engine.Run(600); err != nil {
		t.Fatal(err)
	}
	compare(t, "after the attacks", want, r.result(t))
}

// Malformed batches from an authenticated peer (indices outside the
// batch's tables, types that are not Spiral's, another serializer) close
// that peer's stream before protoactor indexes anything: the worker goes
// on, and the run completes with the same spikes.
func TestMalformedBatchesCloseTheStream(t *testing.T) {
	want := sequential(t, testnets.BrunelLike(t, false), 400)
	r := startAttackRun(t, 0)
	member, err := r.ca.Issue(actors.CoordinatorName) // a second coordinator: authenticated, allowed, buggy
	if err != nil {
		t.Fatal(err)
	}
	good := func() *remote.MessageBatch {
		return batchOf(t, r.addrs[0], actors.ShardActorName(0), &messages.WeightsRequest{Projection: 0})
	}
	cases := map[string]func(b *remote.MessageBatch){
		"target outside the targets": func(b *remote.MessageBatch) { b.Targets = nil; b.Envelopes[0].Target = 7 },
		"negative target":            func(b *remote.MessageBatch) { b.Envelopes[0].Target = -1 },
		"sender outside the senders": func(b *remote.MessageBatch) { b.Envelopes[0].Sender = 3 },
		"type outside the types":     func(b *remote.MessageBatch) { b.Envelopes[0].TypeId = 5 },
		"unknown type":               func(b *remote.MessageBatch) { b.TypeNames[0] = "spiral.messages.Nothing" },
		"a type that is not Spiral's": func(b *remote.MessageBatch) {
			b.TypeNames[0] = "actor.Stop"
		},
		"json serializer": func(b *remote.MessageBatch) { b.Envelopes[0].SerializerId = 1 },
		"empty target":    func(b *remote.MessageBatch) { b.Targets[0] = nil },
	}
	for name, spoil := range cases {
		b := good()
		spoil(b)
		err := stream(dial(t, r.addrs[0], tlsAs(t, member, member)), b)
		if err == nil || !strings.Contains(err.Error(), "spiral") {
			t.Errorf("%s: stream ended with %v, want it closed by the screen", name, err)
		}
	}
	if err := r.engine.Run(400); err != nil {
		t.Fatal(err)
	}
	compare(t, "after malformed batches", want, r.result(t))
}

// Well-formed messages that a run cannot take — a flood of first parts
// announcing 2^30 parts for segments far ahead, more parts than the link
// can need inside the window, a batch on a link that
// does not feed the shard — fail the run with an error, promptly, instead
// of growing memory or panicking.
func TestForgedBatchesFailTheRun(t *testing.T) {
	cases := map[string]struct {
		m    *messages.SpikeBatch
		want string
		same bool // send the same message every time (else the next segment each time)
	}{
		"flood of first parts of 2^30":   {&messages.SpikeBatch{Link: 0, Epoch: 1 << 20, EpochLen: 1, Part: 0, Parts: 1 << 30}, "its link needs at most", false},
		"batches far ahead":              {&messages.SpikeBatch{Link: 0, Epoch: 1 << 20, EpochLen: 1}, "beyond the window", false},
		"more parts than the link needs": {&messages.SpikeBatch{Link: 0, Epoch: 30, EpochLen: 1, Part: 0, Parts: 1000}, "its link needs at most", false},
		"link feeding no one":            {&messages.SpikeBatch{Link: 999, Epoch: 0, EpochLen: 1}, "does not feed this shard", false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := startAttackRun(t, 0)
			if err := r.engine.Run(100); err != nil {
				t.Fatal(err)
			}
			member, err := r.ca.Issue(actors.CoordinatorName) // a second coordinator: authenticated, allowed, buggy
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- r.engine.Run(1 << 20) }()
			conn := dial(t, r.addrs[0], tlsAs(t, member, member))
			check := func(err error) {
				if err == nil || !strings.Contains(err.Error(), "refused a message") || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("run ended with %v, want the forged batch refused (%s)", err, c.want)
				}
			}
			for k := range 100 {
				m := proto.Clone(c.m).(*messages.SpikeBatch)
				if !c.same {
					m.Epoch += uint64(k)
				}
				_ = stream(conn, batchOf(t, r.addrs[0], actors.ShardActorName(0), m))
				select {
				case err := <-done:
					check(err)
					return
				default:
				}
			}
			select {
			case err := <-done:
				check(err)
			case <-time.After(30 * time.Second):
				t.Fatal("the run went on after forged batches")
			}
		})
	}
}

// A STOP control (the run ends) from another process than the
// coordinator, here a second coordinator's certificate, is refused and
// fails the run, naming it: it does not quiet the worker.
func TestForgedStopFailsTheRun(t *testing.T) {
	r := startAttackRun(t, 0)
	if err := r.engine.Run(100); err != nil {
		t.Fatal(err)
	}
	member, err := r.ca.Issue(actors.CoordinatorName) // a second coordinator: authenticated, allowed, buggy
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(1 << 20) }()
	stop := batchOf(t, r.addrs[0], actors.ShardActorName(0), &messages.Control{Command: messages.Control_STOP})
	_ = stream(dial(t, r.addrs[0], tlsAs(t, member, member)), stop)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "refused a message") || !strings.Contains(err.Error(), "a STOP from another process than the coordinator") {
			t.Fatalf("run ended with %v, want the forged STOP refused", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run went on after a forged STOP")
	}
}

// A worker that stops making progress (here: its shards never get their
// grants, as when it is frozen or cut off but its connection stays up)
// fails the run within the peer timeout, naming it.
func TestStalledWorkerFailsWithinTheTimeout(t *testing.T) {
	r := startAttackRun(t, 1500*time.Millisecond)
	if err := r.engine.Run(100); err != nil {
		t.Fatal(err)
	}
	r.workers[1].Freeze()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(1 << 20) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), r.addrs[1]) || strings.Contains(err.Error(), r.addrs[0]) {
			t.Fatalf("run ended with %v, want it to name the worker at %s only", err, r.addrs[1])
		}
		if d := time.Since(start); d < 1500*time.Millisecond {
			t.Fatalf("failed after %v, before the timeout", d)
		}
		// The stalled worker is fenced: whatever it sends from now on is
		// refused, while the other worker is still heard.
		for i, want := range []string{"", "fenced"} {
			id, err := r.ca.Issue(actors.WorkerName(i))
			if err != nil {
				t.Fatal(err)
			}
			ping := batchOf(t, r.engine.Address(), "nobody", &messages.Grant{})
			err = stream(dial(t, r.engine.Address(), tlsAs(t, id, id)), ping)
			if want == "" && err != nil && strings.Contains(err.Error(), "fenced") {
				t.Errorf("worker %d, not stalled, is fenced: %v", i, err)
			}
			if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Errorf("worker %d after it stalled: %v, want it fenced", i, err)
			}
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a stalled worker hung the run")
	}
}

// A stalled worker is blamed, not a healthy one that answers probes
// slowly (a loaded machine: here 600 ms late, within the 2 s a worker
// gets to answer the probe of a stalled run).
func TestSlowHealthyWorkerNotBlamed(t *testing.T) {
	r := startAttackRun(t, 1500*time.Millisecond)
	if err := r.engine.Run(100); err != nil {
		t.Fatal(err)
	}
	r.workers[1].Freeze()
	r.workers[0].SlowProbe(600 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(1 << 20) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), r.addrs[1]) || strings.Contains(err.Error(), r.addrs[0]) {
			t.Fatalf("run ended with %v, want it to name the worker at %s only", err, r.addrs[1])
		}
		if lost := r.engine.Lost(2 * time.Second); len(lost) != 1 || lost[0] != 1 {
			t.Fatalf("lost %v, want [1]", lost)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled worker hung the run")
	}
}

// result reads every population's spikes and every projection's weights
// from the run.
func (r *attackRun) result(t *testing.T) result {
	t.Helper()
	res := testnets.NewResult()
	for _, p := range r.net.Populations {
		st, el, err := r.engine.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		res.Steps[p.Name], res.Elems[p.Name] = st, el
	}
	if err := r.engine.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	for _, p := range r.net.Projections {
		res.Weights[p.Name] = append([]float32(nil), p.Runtime.Syn.W...)
	}
	return res
}

// A run paused for longer than the peer timeout is not a stalled worker:
// after Resume it completes with the sequential stepper's spikes.
func TestPauseLongerThanPeerTimeout(t *testing.T) {
	want := sequential(t, testnets.BrunelLike(t, false), 300)
	r := startAttackRun(t, 300*time.Millisecond)
	if err := r.engine.Run(100); err != nil {
		t.Fatal(err)
	}
	r.engine.Pause()
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(200) }()
	time.Sleep(1200 * time.Millisecond) // four peer timeouts
	r.engine.Resume()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the paused run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the resumed run did not end")
	}
	compare(t, "paused and resumed", want, r.result(t))
}

// Peer timeouts too short to mean anything, and windows beyond what a
// worker accepts, are refused by name.
func TestWorkerOptionsBounds(t *testing.T) {
	coord, _ := identities(t, 1)
	for _, o := range []actors.Options{
		{Workers: []string{"127.0.0.1:1"}, Identity: coord, PeerTimeout: 3},
		{Workers: []string{"127.0.0.1:1"}, Identity: coord, PeerTimeout: 50 * time.Millisecond},
		{Workers: []string{"127.0.0.1:1"}, Identity: coord, Window: actors.MaxWorkerWindow + 1},
	} {
		_, err := actors.New(testnets.BrunelLike(t, false), o)
		if err == nil || !(strings.Contains(err.Error(), "PeerTimeout") || strings.Contains(err.Error(), "Window")) {
			t.Errorf("options %+v: %v", o, err)
		}
	}
}
