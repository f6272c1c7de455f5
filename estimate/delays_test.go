package estimate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/modelfile"
)

// Synaptic delays that differ cost 2 B per synapse, as built (10 B per
// synapse with weights and targets); a constant costs nothing; the
// segment includes the smallest synaptic delay.
func TestSynapticDelays(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 3}
populations:
  A: {size: 300, model: {kind: lif}, axons: {out: {delay_ms: 0.5}}}
  B: {size: 200, model: {kind: lif}}
projections:
  AB: {from: A, to: B, connectivity: {kind: fixed_in_degree, k: 30}, weight: {uniform: [0, 1]}, delay_ms: {normal: [1.5, 0.75]}}
  AA: {from: A, to: A, connectivity: {kind: fixed_in_degree, k: 30}, weight: 1, delay_ms: 0.4}
  BA: {from: B, to: A, connectivity: {kind: fixed_in_degree, k: 30}, weight: 1, delay_ms: [0.2, 0.3, 0.5]}
`
	f := filepath.Join(t.TempDir(), "d.yaml")
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := File(f)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Of(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// BA's list has 3 values for 9000 synapses: only the estimate reads
	// it, so build without it.
	src2 := src[:len(src)-len("  BA: {from: B, to: A, connectivity: {kind: fixed_in_degree, k: 30}, weight: 1, delay_ms: [0.2, 0.3, 0.5]}\n")]
	mf, err := modelfile.Parse("d.yaml", []byte(src2))
	if err != nil {
		t.Fatal(err)
	}
	net, err := mf.Build()
	if err != nil {
		t.Fatal(err)
	}
	meas := Measure(net)
	for _, pe := range e.Projections {
		if pe.Name == "BA" {
			if pe.CSR != 4*int64(pe.Rows+1)+4*9000+1*9000 {
				t.Errorf("BA: %d B estimated, want rows + 5 B per synapse (uniform weight, byte delays)", pe.CSR)
			}
			continue
		}
		if b := meas.CSR[pe.Name]; b != pe.CSR {
			t.Errorf("%s: estimated %d B, built %d B", pe.Name, pe.CSR, b)
		}
	}
	ab, _ := net.Projection("AB")
	syn := ab.Runtime.Syn
	if b, want := syn.BytesPerSynapse(), 9+4*float64(syn.Rows+1)/float64(syn.Len()); b != want {
		t.Errorf("AB: %.3f B per synapse with delays, want 9 + the row pointers = %.3f", b, want)
	}
	// A's links: 1 + 5 + min(0 (normal, redrawn), 4); B's: 1 + 0 + 2.
	if got := SegmentSteps(m); got != 3 {
		t.Errorf("segment %d steps, want 3", got)
	}
}

// A distribution's redraw bound raises the smallest synaptic delay the
// segment length counts: normal(1.5, 0.75) redrawn below 0.25 ms, floored
// at dt 0.1 ms, is at least 2 steps (a latency of 1 + 2), where without
// the bound it may be 0 (a latency of 1).
func TestSynapticDelayBound(t *testing.T) {
	for _, c := range []struct {
		delay string
		want  int
	}{
		{"{normal: [1.5, 0.75]}", 1},
		{"{normal: [1.5, 0.75], min: 0.25}", 3},
		{"{uniform: [0.3, 2], min: 0.45}", 5},
		{"{uniform: [0.6, 2], min: 0.1}", 7},
	} {
		src := `network: {dt_ms: 0.1}
populations:
  A: {size: 10, model: {kind: lif}}
projections:
  AA: {from: A, to: A, connectivity: {kind: all_to_all}, weight: 1, delay_ms: ` + c.delay + `}
`
		f := filepath.Join(t.TempDir(), "d.yaml")
		if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := File(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := SegmentSteps(m); got != c.want {
			t.Errorf("delay_ms %s: segment %d steps, want %d", c.delay, got, c.want)
		}
		mf, err := modelfile.Parse("d.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		net, err := mf.Build()
		if err != nil {
			t.Fatal(err)
		}
		if got := net.MinLatency(); got != c.want {
			t.Errorf("delay_ms %s: built network's segment %d steps, estimate %d", c.delay, got, c.want)
		}
	}
}
