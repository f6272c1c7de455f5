package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenClosedLoop runs the loop (gain 1) for 300 ms: the hashes of
// the motor spikes and of the final weights of in-motor must match
// testdata/golden/closedloop.txt (package internal/golden says how to
// update them). The loop runs on the actor engine only: the environment
// is an actor attached to it (actors.Engine.Attach), which the other
// engines do not have.
func TestGoldenClosedLoop(t *testing.T) {
	book := golden.Open(t, "closedloop")
	o, err := simulate(1, 300)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.motorSteps) == 0 || o.finalMean == o.initialMean {
		t.Fatalf("%d motor spikes, mean weight %g → %g: the loop pins down little", len(o.motorSteps), o.initialMean, o.finalMean)
	}
	book.Check(t, "closedloop/gain1-300ms", "actors", golden.Outputs{
		"spikes/motor":     golden.Spikes(o.motorSteps, o.motorNeurons),
		"weights/in-motor": golden.Float32s(o.weights),
	})
}
