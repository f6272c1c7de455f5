package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenDistalReward runs the example for 60 s of simulated time
// (seed 1): the hashes of the final weights of the plastic projection and
// of the counts the monitors keep (pairings, rewards, spikes of out) must
// match testdata/golden/distalreward.txt (package internal/golden says
// how to update them). The program runs on the sequential stepper only:
// its rewards come from a stepper monitor that watches every step's
// spikes, which the parallel engines do not call.
func TestGoldenDistalReward(t *testing.T) {
	book := golden.Open(t, "distalreward")
	o, err := simulate(60, 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.rw.rewards == 0 || o.wm.spikes == 0 {
		t.Fatalf("%d rewards, %d spikes of out: the run pins down little", o.rw.rewards, o.wm.spikes)
	}
	book.Check(t, "distalreward/seed1-60s", "sequential", golden.Outputs{
		"weights/plastic":                   golden.Float32s(o.w),
		"counts/pairings-rewards-outspikes": golden.Ints([]int{o.rw.pairings, o.rw.rewards, o.wm.spikes}),
	})
}
