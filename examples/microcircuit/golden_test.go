package main

import (
	"io"
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenMicrocircuit pins down the microcircuit at 2 % of the neurons
// for 100 ms: with DC background and the full in-degrees (6·10^6
// synapses, about a second to build on each engine), and with Poisson
// background and 10 % of the in-degrees. Each runs through Run (the
// program's own engine set-up) on every engine; the Poisson one also as
// the model file that ModelFile writes for it (the generator of
// microcircuit.yaml, which is too big to run in a test) through
// golden.Run. The hashes of the spikes must match
// testdata/golden/microcircuit.txt and agree between the engines (package
// internal/golden says how to update them).
func TestGoldenMicrocircuit(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const ms = 100
	book := golden.Open(t, "microcircuit")
	for _, tc := range []struct {
		name string
		c    Config
		file bool // also as a model file
	}{
		{"n0.02-k1-dc", Config{NScale: 0.02, KScale: 1, Seed: 3}, false},
		{"n0.02-k0.1-poisson", Config{NScale: 0.02, KScale: 0.1, Poisson: true, Seed: 3}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			example := "microcircuit/" + tc.name + "-100ms"
			byEngine := map[string]golden.Outputs{}
			for _, engine := range golden.Engines {
				r, err := Run(tc.c, 0, ms, engine, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				out := golden.Outputs{}
				for y, name := range popNames {
					out["spikes/"+name] = golden.Spikes(r.Steps[y], r.Elements[y])
				}
				if s := golden.Silent(out); len(s) > 0 {
					t.Errorf("%s: %v never fired", engine, s)
				}
				book.Check(t, example, engine, out)
				byEngine[engine] = out
			}
			golden.Agree(t, example, byEngine)
			// On two worker processes (-workers 2), each of which builds
			// only the synapses of its shards: the same spikes.
			setWorkerConfig(t, tc.c)
			r, err := RunOn(tc.c, 0, ms, "actors", 2, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			out := golden.Outputs{}
			for y, name := range popNames {
				out["spikes/"+name] = golden.Spikes(r.Steps[y], r.Elements[y])
			}
			golden.Agree(t, example+" on two workers", map[string]golden.Outputs{"sequential": byEngine["sequential"], "actors": out})
			if want := byEngine["sequential"]; r.Synapses != buildSynapses(t, tc.c) || len(want) == 0 {
				t.Errorf("on two workers: %d synapses counted, the network has %d", r.Synapses, buildSynapses(t, tc.c))
			}
			if !tc.file {
				return
			}
			file := "microcircuit/modelfile-" + tc.name + "-100ms"
			byEngine = map[string]golden.Outputs{}
			for _, engine := range golden.Engines {
				net := buildFile(t, tc.c)
				out := golden.Run(t, net, engine, int(ms/net.Config.DtMs+0.5))
				if s := golden.Silent(out); len(s) > 0 {
					t.Errorf("%s: %v never fired", engine, s)
				}
				book.Check(t, file, engine, out)
				byEngine[engine] = out
			}
			golden.Agree(t, file, byEngine)
		})
	}
}

// buildSynapses returns the number of synapses of c's network.
func buildSynapses(t *testing.T, c Config) int {
	t.Helper()
	net, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return net.Synapses()
}
