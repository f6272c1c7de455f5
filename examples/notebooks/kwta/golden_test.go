package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/network"
)

// TestGoldenKWTA runs the notebook's network with and without k-WTA for
// 500 steps on every engine: the hashes of the spikes must match
// testdata/golden/notebook-kwta.txt and agree between the engines (package
// internal/golden says how to update them).
func TestGoldenKWTA(t *testing.T) {
	book := golden.Open(t, "notebook-kwta")
	for _, kwta := range []bool{false, true} {
		name := "notebooks/kwta/off"
		if kwta {
			name = "notebooks/kwta/on"
		}
		out := book.CheckEngines(t, name, func() (*network.Network, error) { return build(kwta) }, steps)
		if s := golden.Silent(out); len(s) > 0 {
			t.Errorf("%s: %v never fired", name, s)
		}
	}
}
