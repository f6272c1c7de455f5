package main

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenLatency runs the program's network for 10 periods on every
// engine: the hashes of its spikes and of the learnt latencies must match
// testdata/golden/latency.txt and agree between the engines (package
// internal/golden says how to update them).
func TestGoldenLatency(t *testing.T) {
	const periods = 10
	book := golden.Open(t, "latency")
	const example = "latency/10periods"
	byEngine := map[string]golden.Outputs{}
	for _, engine := range golden.Engines {
		net, err := build(periods)
		if err != nil {
			t.Fatal(err)
		}
		before := golden.Outputs{}
		golden.AddWeights(before, net)
		out := golden.Run(t, net, engine, periods*int(math.Round(period/dt)))
		if s := golden.Silent(out); len(s) > 0 {
			t.Errorf("%s: %v never fired", engine, s)
		}
		if s := golden.Unchanged(before, out); len(s) > 0 {
			t.Errorf("%s: %v learnt nothing", engine, s)
		}
		book.Check(t, example, engine, out)
		byEngine[engine] = out
	}
	golden.Agree(t, example, byEngine)
}
