package main

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenLinearDendrite runs every variant as the program does (run: on
// the sequential stepper, which can switch learning off) for 200 steps:
// the hashes of the spikes of LIF and of the final weights of dendrite
// must match testdata/golden/notebook-linear_dendrite.txt (package
// internal/golden says how to update them).
func TestGoldenLinearDendrite(t *testing.T) {
	book := golden.Open(t, "notebook-linear_dendrite")
	for _, c := range variants() {
		r, err := run(c)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(r.sp.Steps) == 0 {
			t.Errorf("%s: LIF never fired", c.name)
		}
		book.Check(t, "notebooks/linear_dendrite/"+strings.ReplaceAll(c.file, " ", "_"), "sequential", golden.Outputs{
			"spikes/LIF":       golden.Spikes(r.sp.Steps, r.sp.Elements),
			"weights/dendrite": golden.Float32s(r.w.Values[len(r.w.Values)-1]),
		})
	}
}
