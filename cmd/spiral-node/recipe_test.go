package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/spiral-sim/spiral/messages"
)

// A worker's model comes with its assignment as a messages.Recipe: a
// model file (a built-in model's written by modelfile.Write) and the seed.
// A built-in model's recipe builds the network the built-in builds, bit
// for bit; a recipe that does not decode or parse is refused with a
// message saying what is wrong.
func TestLoadRecipe(t *testing.T) {
	for _, name := range []string{"cuba", "brunel", "stdp"} {
		src, code := resolveModel("test", name, modelArgs{seed: 4, seedSet: true, scale: 0.1, scaleSet: true}, io.Discard)
		if code != 0 {
			t.Fatalf("%s: exit %d", name, code)
		}
		recipe, err := src.recipe()
		if err != nil {
			t.Fatal(err)
		}
		build, err := loadRecipe(recipe)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fromRecipe, err := build(nil)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := src.build(nil)
		if err != nil {
			t.Fatal(err)
		}
		if fromRecipe.Config != direct.Config || fromRecipe.Config.Seed != 4 || fromRecipe.Synapses() != direct.Synapses() {
			t.Fatalf("%s: the recipe builds %+v with %d synapses, the built-in %+v with %d", name, fromRecipe.Config, fromRecipe.Synapses(), direct.Config, direct.Synapses())
		}
		for k, p := range direct.Projections {
			a, b := p.Runtime.Syn, fromRecipe.Projections[k].Runtime.Syn
			if !slices.Equal(a.Idx, b.Idx) || !slices.Equal(a.Ptr, b.Ptr) {
				t.Fatalf("%s: projection %s: the synapses differ", name, p.Name)
			}
			for s := range a.Len() {
				if a.Weight(s) != b.Weight(s) {
					t.Fatalf("%s: projection %s: weight %d differs", name, p.Name, s)
				}
			}
		}
	}
	enc := func(r *messages.Recipe) []byte {
		b, err := proto.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	file := "network: {dt_ms: 0.1, seed: 1}\npopulations:\n  A: {size: 10, model: {kind: lif}}\n"
	build, err := loadRecipe(enc(&messages.Recipe{Name: "a.yaml", ModelFile: []byte(file), Seed: 9}))
	if err != nil {
		t.Fatal(err)
	}
	if net, err := build(nil); err != nil || net.Neurons() != 10 || net.Config.Seed != 9 {
		t.Errorf("a file's recipe: %v, want 10 neurons and seed 9", err)
	}
	for _, tc := range []struct {
		recipe []byte
		want   string
	}{
		{enc(&messages.Recipe{Name: "b.yaml", ModelFile: []byte("populations: [1]\n")}), "b.yaml"},
		{[]byte{0xff, 0xff, 0xff}, "recipe: decoding"},
	} {
		if _, err := loadRecipe(tc.recipe); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one saying %q", tc.recipe, err, tc.want)
		}
	}
}

// inspect --recipe prints a model file that spiral-node runs to the same
// spikes as the built-in model it came from.
func TestInspectRecipeRuns(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", "cuba", "--scale", "0.25", "--seed", "4", "--recipe"}, &out, &errb); code != 0 {
		t.Fatalf("inspect --recipe: exit %d: %s", code, errb.String())
	}
	file := filepath.Join(dir, "cuba.yaml")
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	spikes := func(args ...string) []byte {
		o := filepath.Join(dir, fmt.Sprint(len(args), args[1] == file))
		var sout, serr bytes.Buffer
		args = append(args, "--duration", "300", "--engine", "sequential", "--quiet", "--out", o)
		if code := run(args, &sout, &serr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, serr.String())
		}
		var all []byte
		for _, pop := range []string{"E", "I"} {
			b, err := os.ReadFile(filepath.Join(o, "spikes", pop+".npz"))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	builtin := spikes("run", "cuba", "--scale", "0.25", "--seed", "4")
	fromFile := spikes("run", file)
	if len(builtin) < 400 || !bytes.Equal(builtin, fromFile) {
		t.Errorf("the built-in model and its recipe: %d and %d bytes of spikes, or different ones", len(builtin), len(fromFile))
	}
}
