package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenBuilder runs the network the program builds (it only prints
// it) for 500 steps on every engine: the hashes of the spikes and of the
// plastic weights must match testdata/golden/notebook-builder.txt and agree
// between the engines (package internal/golden says how to update them).
func TestGoldenBuilder(t *testing.T) {
	book := golden.Open(t, "notebook-builder")
	out := book.CheckEngines(t, "notebooks/builder", build, 500)
	if s := golden.Silent(out); len(s) > 0 {
		t.Errorf("%v never fired", s)
	}
}
