package modelfile_test

import (
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/stepper"
)

// TestExampleFilesRun loads, builds and runs every model file under
// examples/ for a few milliseconds, so that none of them (the first model
// of docs/getting-started.md included) falls behind the format. A file of
// more than maxExampleSynapses synapses (the full-scale microcircuit,
// 3·10⁸) is parsed but not built: its package tests it at a small scale.
func TestExampleFilesRun(t *testing.T) {
	files, err := filepath.Glob("../examples/*/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			m, err := modelfile.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := estimatedSynapses(t, f); n > maxExampleSynapses {
				t.Skipf("%.0f synapses (estimated): parsed, not built; its example tests it at a small scale", n)
			}
			net, err := m.Build()
			if err != nil {
				t.Fatal(err)
			}
			if net.Neurons() == 0 {
				t.Fatal("no neurons")
			}
			if err := stepper.New(net).RunMs(5); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// maxExampleSynapses is the most synapses of an example file that the
// tests build.
const maxExampleSynapses = 20e6

// estimatedSynapses returns the synapses of file f as package estimate
// counts them before building.
func estimatedSynapses(t *testing.T, f string) float64 {
	t.Helper()
	m, err := estimate.File(f)
	if err != nil {
		t.Fatal(err)
	}
	e, err := estimate.Of(m, estimate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e.Synapses
}
