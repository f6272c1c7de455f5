package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A worker's model comes with its assignment (modelRecipe): a built-in
// model or a model file's content builds, with the seed and scale given;
// anything else is refused with a message saying what is wrong.
func TestLoadRecipe(t *testing.T) {
	enc := func(r modelRecipe) []byte {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	file := "network: {dt_ms: 0.1, seed: 1}\npopulations:\n  A: {size: 10, model: {kind: lif}}\n"
	for _, tc := range []struct {
		recipe []byte
		want   string // "" builds
		n      int    // its neurons
	}{
		{enc(modelRecipe{Builtin: "cuba", Seed: 3, Scale: 0.25}), "", 1000},
		{enc(modelRecipe{File: "a.yaml", Data: []byte(file), Seed: 9}), "", 10},
		{enc(modelRecipe{Builtin: "nope", Seed: 3}), `unknown built-in model "nope"`, 0},
		{enc(modelRecipe{Builtin: "cuba", Seed: 3, Scale: -1}), "scale = -1", 0},
		{enc(modelRecipe{File: "b.yaml", Data: []byte("populations: [1]\n")}), "b.yaml", 0},
		{[]byte("{"), "decoding the model", 0},
	} {
		build, err := loadRecipe(tc.recipe)
		if err == nil {
			net, berr := build(nil)
			if berr == nil && tc.want == "" {
				if net.Neurons() != tc.n {
					t.Errorf("%s: %d neurons, want %d", tc.recipe, net.Neurons(), tc.n)
				}
				continue
			}
			err = berr
		}
		if tc.want == "" || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.recipe, err, tc.want)
		}
	}
}
