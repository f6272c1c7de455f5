package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenNetwork runs the notebook's network for 500 steps with
// plasticity on (the program's second run, here from a fresh build) on
// every engine: the hashes of the spikes and of the plastic weights must
// match testdata/golden/notebook-network.txt and agree between the engines
// (package internal/golden says how to update them). The program's first
// run, with learning off, and its Reset are the sequential stepper's alone.
func TestGoldenNetwork(t *testing.T) {
	book := golden.Open(t, "notebook-network")
	out := book.CheckEngines(t, "notebooks/network", build, steps)
	if s := golden.Silent(out); len(s) > 0 {
		t.Errorf("%v never fired", s)
	}
}
