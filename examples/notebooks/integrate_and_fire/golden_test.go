package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/network"
)

// TestGoldenIntegrateAndFire runs each model's network for the notebook's
// 200 steps on every engine: the hashes of the spikes must match
// testdata/golden/notebook-integrate_and_fire.txt and agree between the
// engines (package internal/golden says how to update them).
func TestGoldenIntegrateAndFire(t *testing.T) {
	book := golden.Open(t, "notebook-integrate_and_fire")
	in, err := input()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models() {
		out := book.CheckEngines(t, "notebooks/integrate_and_fire/"+m.name,
			func() (*network.Network, error) { return build(m, in) }, steps)
		if s := golden.Silent(out); len(s) > 0 {
			t.Errorf("%s: %v never fired", m.name, s)
		}
	}
}
