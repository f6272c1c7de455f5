package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/network"
)

// TestGoldenFullyConnected runs the notebook's three networks for 500
// steps on every engine: the hashes of the spikes and of the plastic
// weights must match testdata/golden/notebook-fully_connected.txt and agree
// between the engines (package internal/golden says how to update them).
func TestGoldenFullyConnected(t *testing.T) {
	book := golden.Open(t, "notebook-fully_connected")
	for _, c := range []struct {
		name  string
		build func() (*network.Network, error)
	}{
		{"feedforward", feedForward},
		{"excitatory", func() (*network.Network, error) { return recurrent(false) }},
		{"inhibitory", func() (*network.Network, error) { return recurrent(true) }},
	} {
		out := book.CheckEngines(t, "notebooks/fully_connected/"+c.name, c.build, steps)
		if s := golden.Silent(out); len(s) > 0 {
			t.Errorf("%s: %v never fired", c.name, s)
		}
	}
}
