package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/network"
)

// TestGoldenAxon runs the notebook's network (every axon variant with its
// probe) for 200 steps on every engine: the hashes of the spikes must
// match testdata/golden/notebook-axon.txt and agree between the engines
// (package internal/golden says how to update them). The probes' currents,
// which the notebook plots, are not pinned down: only spikes are.
func TestGoldenAxon(t *testing.T) {
	book := golden.Open(t, "notebook-axon")
	out := book.CheckEngines(t, "notebooks/axon", func() (*network.Network, error) { return build(variants()) }, steps)
	if out["spikes/A"].Count == 0 {
		t.Error("A never fired")
	}
}
