package golden

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/modelfile"
)

// modelFileMs is the simulated time of each example model file in
// TestGoldenModelFiles (ms; others: defaultMs): long enough for every
// population to fire, short enough for the whole set to take seconds.
var modelFileMs = map[string]float64{
	"brunel/brunel.yaml":         100,
	"brunel/brunel_plastic.yaml": 20,   // 10^7 plastic synapses, built 3 times
	"neuromodulation/rstdp.yaml": 1000, // the first reward comes at 500 ms
}

// defaultMs is the simulated time of a model file not in modelFileMs.
const defaultMs = 200

// skipped are the example model files not run here, and why.
var skipped = map[string]string{
	// 77,169 neurons and 3·10^8 synapses: gigabytes and minutes to build,
	// and model files take no --scale. examples/microcircuit's
	// TestGoldenMicrocircuit pins down the same generator's file at 2 % of
	// the neurons (ModelFile), and the Go program's network.
	"microcircuit/microcircuit.yaml": "full scale only (covered at 2 % by examples/microcircuit TestGoldenMicrocircuit)",
}

// TestGoldenModelFiles runs every example model file
// (examples/*/*.yaml) on every engine and compares the hashes of its
// spikes and of its plastic projections' final weights with
// testdata/golden/modelfiles.txt; all engines must agree. A new example
// file is picked up by itself (and fails until its golden lines are
// written). To accept an intended change of the results:
//
//	SPIRAL_UPDATE_GOLDEN=1 go test ./internal/golden -run Golden
func TestGoldenModelFiles(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("%d example model files found, want at least 10: %v", len(files), files)
	}
	book := Open(t, "modelfiles")
	for _, file := range files {
		name := filepath.ToSlash(strings.TrimPrefix(file, "../../examples/"))
		t.Run(name, func(t *testing.T) {
			if why, ok := skipped[name]; ok {
				t.Skip(why)
			}
			ms, ok := modelFileMs[name]
			if !ok {
				ms = defaultMs
			}
			m, err := modelfile.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			byEngine := map[string]Outputs{}
			for _, engine := range Engines {
				net, err := m.Build()
				if err != nil {
					t.Fatal(err)
				}
				before := Outputs{}
				AddWeights(before, net)
				out := Run(t, net, engine, int(ms/net.Config.DtMs+0.5))
				if s := Silent(out); len(s) > 0 {
					t.Errorf("%s on %s: %v never fired in %g ms: lengthen its run in modelFileMs", name, engine, s, ms)
				}
				if s := Unchanged(before, out); len(s) > 0 {
					t.Errorf("%s on %s: %v did not change in %g ms: lengthen its run in modelFileMs", name, engine, s, ms)
				}
				book.Check(t, name, engine, out)
				byEngine[engine] = out
			}
			Agree(t, name, byEngine)
		})
	}
}
