package workers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
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

// A worker refuses a bad assignment with exit code 2 and a message saying
// what is wrong, before it builds or listens.
func TestServeRefusesBadAssignments(t *testing.T) {
	_, ids, err := actors.Identities(1)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ids[0].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	line := func(index, count int, shards map[string]int, identity []byte) string {
		b, err := json.Marshal(map[string]any{"index": index, "count": count, "shards": shards, "identity": json.RawMessage(identity)})
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	for _, tc := range []struct {
		in, want string
	}{
		{"", "reading this worker's assignment"},
		{"not json\n", "reading this worker's assignment"},
		{line(2, 2, nil, id), "worker 2 of 2"},
		{line(0, 1, map[string]int{"E": 0}, id), `population "E": 0 shards`},
		{line(0, 1, nil, []byte(`{"name":"x"}`)), "assignment: transport"},
		{line(0, 1, map[string]int{"X": 2}, id), `population "X", which the model does not have`},
		{line(0, 1, map[string]int{"E": 801}, id), `population "E": 801 shards for 800 neurons`},
		{strings.Repeat("x", 65<<20) + "\n", "more than"},
	} {
		var out, errb bytes.Buffer
		code := workers.Serve(build, workers.ServeOptions{Stdin: strings.NewReader(tc.in), Stdout: &out, Stderr: &errb})
		if code != 2 || !strings.Contains(errb.String(), tc.want) || out.Len() != 0 {
			t.Errorf("input %.60q: exit %d, stdout %q, stderr %q; want exit 2 and a message saying %q", tc.in, code, out.String(), errb.String(), tc.want)
		}
	}
}

// With ServeOptions.Recipe, the worker builds what the assignment's
// recipe says; a recipe it cannot read is refused with exit code 2.
func TestServeRecipe(t *testing.T) {
	_, ids, err := actors.Identities(1)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ids[0].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"index": 0, "count": 1, "shards": map[string]int{}, "identity": json.RawMessage(id), "recipe": []byte("no such model")})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	load := func(r []byte) (workers.Build, error) {
		got = r
		return nil, errors.New("unknown model")
	}
	var out, errb bytes.Buffer
	code := workers.Serve(build, workers.ServeOptions{Stdin: strings.NewReader(string(b) + "\n"), Stdout: &out, Stderr: &errb, Recipe: load})
	if code != 2 || string(got) != "no such model" || !strings.Contains(errb.String(), "the recipe of the assignment: unknown model") {
		t.Errorf("exit %d, recipe %q, stderr %q", code, got, errb.String())
	}
}
