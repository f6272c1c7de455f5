package modelfile_test

import (
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/stepper"
)

// TestExampleFilesRun loads, builds and runs every model file under
// examples/ for a few milliseconds, so that none of them (the first model
// of docs/getting-started.md included) falls behind the format.
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
