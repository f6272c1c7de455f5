package plot

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/output"
)

// makeSTDPLike writes a run shaped like "spiral-node run stdp --duration
// 5000": 1000 Poisson inputs at 15 Hz and one output neuron at 75 Hz, dt
// 0.1 ms, 5 s (about 75,000 + 375 spikes).
func makeSTDPLike(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "run")
	run, err := output.Begin(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer run.Abort()
	const dt, steps = 0.1, 50000
	rng := rand.New(rand.NewPCG(1, 2))
	in, err := run.SpikeWriter("in", 1000, dt)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := run.SpikeWriter("out", 1, dt)
	if err != nil {
		tb.Fatal(err)
	}
	var st []int64
	var idx []uint32
	for s := int64(0); s < steps; s++ {
		st, idx = st[:0], idx[:0]
		for i := uint32(0); i < 1000; i++ {
			if rng.Float64() < 15*dt/1000 {
				st, idx = append(st, s), append(idx, i)
			}
		}
		if err := in.Append(st, idx); err != nil {
			tb.Fatal(err)
		}
		if rng.Float64() < 75*dt/1000 {
			if err := out.Append([]int64{s}, []uint32{0}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	dur := steps * dt
	if err := run.Commit(output.Summary{DtMS: dt, DurationMS: dur, Populations: []output.PopulationSummary{
		in.Summary("in", dur), out.Summary("out", dur)}}); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkRenderSTDP renders the plots of a 5 s STDP-shaped run (PNG and
// SVG, as "spiral-node plot" does).
func BenchmarkRenderSTDP(b *testing.B) {
	dir := makeSTDPLike(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Render(dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
