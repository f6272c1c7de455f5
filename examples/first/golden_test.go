package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenFirst runs the program's network (seed 1) for 300 ms on every
// engine: the hashes of its spikes must match testdata/golden/first.txt
// and agree between the engines (package internal/golden says how to
// update them).
func TestGoldenFirst(t *testing.T) {
	book := golden.Open(t, "first")
	const example = "first/seed1-300ms"
	byEngine := map[string]golden.Outputs{}
	for _, engine := range golden.Engines {
		net, err := build(1)
		if err != nil {
			t.Fatal(err)
		}
		out := golden.Run(t, net, engine, 3000)
		if s := golden.Silent(out); len(s) > 0 {
			t.Errorf("%s: %v never fired", engine, s)
		}
		book.Check(t, example, engine, out)
		byEngine[engine] = out
	}
	golden.Agree(t, example, byEngine)
}
