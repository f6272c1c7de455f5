package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	"github.com/spiral-sim/spiral/messages"
)

// listening returns the loopback TCP ports process pid listens on (Linux:
// its socket inodes from /proc/PID/fd matched against /proc/net/tcp).
func listening(t *testing.T, pid int) []int {
	t.Helper()
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	inodes := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	var ports []int
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
			continue
		}
		_, port, _ := strings.Cut(f[1], ":")
		p, _ := hex.DecodeString(port)
		if len(p) == 2 {
			ports = append(ports, int(p[0])<<8|int(p[1]))
		}
	}
	return ports
}

// attack sends what an unauthenticated local process could to addr:
// protoactor's unary calls (whose handlers panic), and its stream with a
// forged control, a forged failure and a part flood, in plaintext and over
// TLS without a certificate. It returns how many of them got through.
func attack(addr string) int {
	through := 0
	for _, creds := range []credentials.TransportCredentials{
		insecure.NewCredentials(),
		credentials.NewTLS(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}),
	} {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c := remote.NewRemotingClient(conn)
		if _, err := c.ListProcesses(ctx, &remote.ListProcessesRequest{}); err == nil {
			through++
		}
		if _, err := c.GetProcessDiagnostics(ctx, &remote.GetProcessDiagnosticsRequest{}); err == nil {
			through++
		}
		forged := []proto.Message{
			&messages.Control{Command: messages.Control_RUN_UNTIL, UntilStep: 1 << 40},
			&messages.Failure{ActorName: "attacker", Message: "stop the run"},
		}
		for k := range 200 {
			forged = append(forged, &messages.SpikeBatch{Link: 0, Epoch: uint64(k), EpochLen: 1, Parts: 1 << 30})
		}
		if s, err := c.Receive(ctx); err == nil {
			_ = s.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{ConnectRequest: &remote.ConnectRequest{
				ConnectionType: &remote.ConnectRequest_ServerConnection{ServerConnection: &remote.ServerConnection{SystemId: "x", Address: "127.0.0.1:1"}}}}})
			if _, err := s.Recv(); err == nil {
				through++
			}
			for _, m := range forged {
				data, _ := proto.Marshal(m)
				_ = s.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: &remote.MessageBatch{
					TypeNames: []string{string(proto.MessageName(m))},
					Targets:   []*actor.PID{{Address: addr, Id: actors.ShardActorName(0)}, {Address: addr, Id: "$1"}},
					Envelopes: []*remote.MessageEnvelope{{Target: 0, MessageData: data}, {Target: 1, MessageData: data}, {Target: 7}},
				}}})
			}
		}
		cancel()
		conn.Close()
	}
	return through
}

// A run on two worker processes, attacked on every port of the run (the
// coordinator's and both workers') by an unauthenticated local process
// while it runs, completes with the same spikes as the sequential stepper.
func TestAttackedWorkersRunCompletes(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("needs /proc to find the run's ports")
	}
	args := []string{"run", "brunel", "--scale", "0.1", "--duration", "3000", "--quiet"}
	seqDir, attackedDir := filepath.Join(t.TempDir(), "seq"), filepath.Join(t.TempDir(), "attacked")
	var seqOut, seqErr bytes.Buffer
	if code := run(append(args, "--engine", "sequential", "--out", seqDir), &seqOut, &seqErr); code != 0 {
		t.Fatalf("sequential: exit %d: %s", code, seqErr.String())
	}
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(append(args, "--workers", "2", "--shards", "2", "--out", attackedDir), &out, &errb)
	}()
	var workers []int
	for start := time.Now(); len(workers) < 2; time.Sleep(20 * time.Millisecond) {
		if workers = workerChildren(t); time.Since(start) > 60*time.Second {
			t.Fatalf("found workers %v", workers)
		}
	}
	var ports []int
	for start := time.Now(); len(ports) < 3 && time.Since(start) < 30*time.Second; time.Sleep(20 * time.Millisecond) {
		ports = append(listening(t, workers[0]), listening(t, workers[1])...)
		ports = append(ports, listening(t, os.Getpid())...)
	}
	if len(ports) < 3 {
		t.Fatalf("found ports %v of the coordinator and two workers", ports)
	}
	for _, p := range ports {
		if n := attack("127.0.0.1:" + strconv.Itoa(p)); n > 0 {
			t.Errorf("port %d: %d unauthenticated calls got through", p, n)
		}
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("the attacked run: exit %d: %s", code, errb.String())
		}
	case <-time.After(120 * time.Second):
		t.Fatal("the attacked run hung")
	}
	// The spike files, byte for byte.
	for _, pop := range []string{"E", "I"} {
		want, err := os.ReadFile(filepath.Join(seqDir, "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(attackedDir, "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) || len(want) < 1000 {
			t.Errorf("spikes of %s: %d bytes from the attacked run, %d from the sequential stepper; want the same", pop, len(got), len(want))
		}
	}
}
