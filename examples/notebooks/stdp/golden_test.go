package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenSTDP runs the notebook's clamped network for its 25 cycles on
// every engine: the hashes of the spikes and of the final weights must
// match testdata/golden/notebook-stdp.txt and agree between the engines
// (package internal/golden says how to update them).
func TestGoldenSTDP(t *testing.T) {
	book := golden.Open(t, "notebook-stdp")
	out := book.CheckEngines(t, "notebooks/stdp", build, steps)
	if s := golden.Silent(out); len(s) > 0 {
		t.Errorf("%v never fired", s)
	}
}
