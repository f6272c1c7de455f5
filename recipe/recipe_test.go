package recipe_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/recipe"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/synapse"
)

// A network defined in Go travels as a recipe — protobuf and back — and
// builds the same network, whole and in parts: every part's synapses are
// the whole's on its neurons, and the whole spikes as the Go build.
func TestRecipeTravelsAndBuilds(t *testing.T) {
	def := func() *network.Builder {
		b, _, err := models.BrunelDefinition(models.Options{Scale: 0.1, Seed: 8}, models.BrunelParams{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r, err := recipe.FromBuilder("brunel", def())
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := recipe.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) || back.Seed != 8 {
		t.Fatalf("the recipe came back as %+v", back)
	}
	direct, err := def().Build()
	if err != nil {
		t.Fatal(err)
	}
	whole, err := back.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(golden.Run(t, direct, "sequential", 1000), golden.Run(t, whole, "sequential", 1000)) {
		t.Error("the recipe's network spikes differently from the Go build")
	}
	held := 0
	for _, part := range []*network.Part{
		{Neurons: map[string][][2]int{"E": {{0, 500}}, "I": {{0, 125}}}},
		{Neurons: map[string][][2]int{"E": {{500, 1000}}, "I": {{125, 250}}}},
	} {
		net, err := back.Build(part)
		if err != nil {
			t.Fatal(err)
		}
		held += net.Synapses()
		for k, p := range net.Projections {
			w := direct.Projections[k].Runtime.Syn
			rs := part.Neurons[direct.Populations[p.Target].Name]
			want := 0
			for _, j := range w.Idx {
				if int(j) >= rs[0][0] && int(j) < rs[0][1] {
					want++
				}
			}
			if p.Runtime.Syn.Len() != want {
				t.Errorf("part %v: %s holds %d synapses, want %d", part, p.Name, p.Runtime.Syn.Len(), want)
			}
		}
	}
	if held != direct.Synapses() {
		t.Errorf("the parts hold %d synapses, the network %d", held, direct.Synapses())
	}
}

// What a model file cannot say is refused, naming it; a recipe that does
// not decode, or whose file does not parse, is refused.
func TestRecipeRefuses(t *testing.T) {
	b := network.New(network.Config{})
	b.Population("A", 5, soma.LIF())
	b.Connect("n", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}, Weight: param.Const(1),
		Normalize: func(*synapse.CSR) error { return nil }})
	if _, err := recipe.FromBuilder("go", b); err == nil || !strings.Contains(err.Error(), `recipe go: projection "n": Normalize is a Go function`) {
		t.Errorf("a Go function: %v", err)
	}
	if _, err := recipe.Unmarshal([]byte{0xff, 0xff}); err == nil || !strings.Contains(err.Error(), "recipe: decoding") {
		t.Errorf("garbage: %v", err)
	}
	bad := &recipe.Recipe{Name: "bad.yaml", ModelFile: []byte("populations: {A: {size: -1}}\n")}
	if _, err := bad.Build(nil); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("a bad file: %v", err)
	}
	if _, err := recipe.FromFile("no/such/file.yaml"); err == nil {
		t.Error("a missing file: no error")
	}
}
