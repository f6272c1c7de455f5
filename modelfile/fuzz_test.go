package modelfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/stepper"
)

// FuzzModelFile feeds any bytes through what spiral-node does with a
// model file: parse, estimate, build (when the estimate is small) and a
// few steps. Nothing may panic; Parse gives a model or errors, never both
// or neither, and at most MaxErrors problems and a count. Seeded with the
// example models and the hostile corpus, it runs on those under go test;
//
//	go test -fuzz=FuzzModelFile -fuzztime=10m ./modelfile
//
// explores further (docs/security.md).
func FuzzModelFile(f *testing.F) {
	for _, pattern := range []string{"../examples/*/*.yaml", "../testdata/hostile/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		if len(files) == 0 {
			f.Fatalf("no seeds in %s", pattern)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := modelfile.Parse("fuzz.yaml", data)
		if (m == nil) == (err == nil) {
			t.Fatalf("model %v, error %v", m, err)
		}
		if err != nil {
			var es modelfile.Errors
			if !errors.As(err, &es) || len(es) == 0 || len(es) > modelfile.MaxErrors+1 {
				t.Fatalf("%d problems (want 1 to %d): %v", len(es), modelfile.MaxErrors+1, err)
			}
			return
		}
		// As spiral-node: estimate first, build only what is small
		// (and not flagged as costly to step).
		em, err := estimate.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		est, err := estimate.Of(em, estimate.Options{})
		if err != nil || max(est.BuildPeak, est.Sequential) > 32<<20 || est.Synapses > 1e6 || len(m.Warnings()) > 0 {
			return
		}
		net, err := m.Build()
		if err != nil {
			return
		}
		s := stepper.New(net)
		_ = s.Run(3) // an error is an answer; a panic is not
	})
}
