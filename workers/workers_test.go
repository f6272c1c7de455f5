package workers_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/workers"
)

// build is the model every process of the tests builds: the plastic
// BrunelLike network (modulated STDP, learnt latencies).
func build(part *network.Part) (*network.Network, error) {
	return testnets.BrunelLikeBuilder(true).BuildPart(part)
}

// TestMain lets the test binary serve as a worker when Start runs it.
func TestMain(m *testing.M) {
	if workers.Serving() {
		os.Exit(workers.Serve(build, workers.ServeOptions{}))
	}
	os.Exit(m.Run())
}

// Two worker processes of this program, each building only its part,
// with a coordinator that builds only the projections whose weights it
// gathers: spikes, events, weights and learnt latencies are the
// sequential stepper's on the whole network, and the workers hold every
// synapse between them.
func TestWorkersMatchSequential(t *testing.T) {
	whole, err := build(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := testnets.Sequential(t, whole, 1200)
	shards := map[string]int{"E": 3, "I": 2, "da": 1}
	g, err := workers.Start(2, shards, workers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	gathered := []string{"EE", "EI"}
	net, err := build(&network.Part{Whole: gathered})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if n, _ := e.Synapses(); n != int64(whole.Synapses()) {
		t.Errorf("the workers hold %d synapses, the network has %d", n, whole.Synapses())
	}
	if err := e.Run(500); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(700); err != nil {
		t.Fatal(err)
	}
	if err := e.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	got := testnets.NewResult()
	for _, p := range net.Populations {
		if got.Steps[p.Name], got.Elems[p.Name], err = e.Spikes(p.Name); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range gathered {
		p, _ := net.Projection(name)
		got.Weights[name] = append([]float32(nil), p.Runtime.Syn.W...)
		if l := p.Runtime.Latencies(); l != nil {
			got.Weights[name+" latencies"] = append([]float32(nil), l...)
		}
	}
	for name := range want.Weights {
		if !strings.HasPrefix(name, "EE") && !strings.HasPrefix(name, "EI") {
			delete(want.Weights, name)
		}
	}
	if got.Events, err = e.Events(); err != nil {
		t.Fatal(err)
	}
	testnets.Compare(t, "two worker processes", want, got)
}

// A worker refuses a bad setup (its identity, on its standard input) with
// exit code 2 and a message saying what is wrong, before it listens.
func TestServeRefusesBadSetup(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", "reading this worker's identity"},
		{"not json\n", "reading this worker's identity"},
		{`{"identity": {"name": "x"}}` + "\n", "this worker's identity: transport"},
		{strings.Repeat("x", 65<<10) + "\n", "more than"},
	} {
		var out, errb bytes.Buffer
		code := workers.Serve(build, workers.ServeOptions{Stdin: strings.NewReader(tc.in), Stdout: &out, Stderr: &errb})
		if code != 2 || !strings.Contains(errb.String(), tc.want) || out.Len() != 0 {
			t.Errorf("input %.60q: exit %d, stdout %q, stderr %q; want exit 2 and a message saying %q", tc.in, code, out.String(), errb.String(), tc.want)
		}
	}
}

// A member refuses a bad assignment with a line "error: WHY" to the
// coordinator, and serves on: the next coordinator gets its hello.
func TestMemberRefusesBadAssignments(t *testing.T) {
	coord, ids, err := actors.Identities(1)
	if err != nil {
		t.Fatal(err)
	}
	load := func(r []byte) (workers.Build, error) {
		if string(r) == "bad" {
			return nil, errors.New("unknown model")
		}
		return build, nil
	}
	m, err := workers.ListenMember(workers.MemberOptions{Listen: "127.0.0.1:0", Identity: ids[0], Recipe: load, Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Serve() }()
	defer m.Close()
	cfg, err := coord.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	line := func(fields map[string]any) string {
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	ok := map[string]any{"index": 0, "count": 1, "version": "v1", "schema": messages.Schema()}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for key, x := range ok {
			out[key] = x
		}
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		send, want string
	}{
		{"not json\n", "reading the run's assignment"},
		{line(with("index", 2)), "worker 2 of 1"},
		{line(with("shards", map[string]int{"E": 0})), `population "E": 0 shards`},
		{line(with("shards", map[string]int{"X": 2})), `population "X", which the model does not have`},
		{line(with("shards", map[string]int{"E": 801})), `population "E": 801 shards for 800 neurons`},
		{line(with("placement", []int{0, 3})), "placement: shard 1 on worker 3 of 1"},
		{line(with("version", "v2")), `the coordinator runs version "v2", this member "v1"`},
		{line(with("schema", "0123456789abcdef")), `the coordinator speaks message schema "0123456789abcdef", this member "` + messages.Schema() + `"`},
		{line(with("recipe", []byte("bad"))), "the recipe of the assignment: unknown model"},
		{strings.Repeat("x", 65<<20) + "\n", "more than"},
	} {
		c, err := tls.Dial("tcp", m.Addr(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		hello, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(hello, "hello ") {
			t.Fatalf("hello: %q, %v", hello, err)
		}
		go func() { _, _ = io.WriteString(c, tc.send) }()
		answer, _ := r.ReadString('\n')
		c.Close()
		if !strings.HasPrefix(answer, "error: ") || !strings.Contains(answer, tc.want) {
			t.Errorf("sent %.60q: answer %q, want an error saying %q", tc.send, answer, tc.want)
		}
	}
}
