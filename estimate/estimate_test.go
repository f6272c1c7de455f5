package estimate

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/rng"
)

// The exact patterns' counts equal the synapses they build.
func TestExactCounts(t *testing.T) {
	shapes := []connectivity.Shape{
		{Rows: 40, Cols: 30},
		{Rows: 50, Cols: 50, Self: true},
		{Rows: 50, Cols: 50, Self: true, Autapses: true},
		{Rows: 60, Cols: 20, Terminals: 3},
		{Rows: 60, Cols: 20, Terminals: 3, Self: true},
	}
	patterns := []connectivity.Pattern{
		connectivity.FixedInDegree{K: 7},
		connectivity.FixedInDegree{K: 9, Multapses: true},
		connectivity.FixedOutDegree{K: 5},
		connectivity.FixedOutDegree{K: 4, Multapses: true},
		connectivity.FixedTotal{N: 123},
		connectivity.FixedTotal{N: 300, Multapses: true},
		connectivity.AllToAll{},
		connectivity.OneToOne{},
		connectivity.List{I: []int{0, 1, 2, 3, 3}, J: []int{1, 2, 3, 4, 5}},
		connectivity.Bernoulli{P: 1},
		connectivity.Bernoulli{P: 0},
	}
	key := rng.NewKey(7)
	for _, s := range shapes {
		for _, p := range patterns {
			if p.Validate(s) != nil {
				continue // e.g. one-to-one within a population without autapses
			}
			c, err := SynapseCount(p, s)
			if err != nil {
				t.Fatalf("%s on %+v: %v", p.Kind(), s, err)
			}
			syn, err := p.Build(s, key)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Exact || c.Synapses != float64(syn.Len()) {
				t.Errorf("%s on %+v: count %+v, built %d", p.Kind(), s, c, syn.Len())
			}
		}
	}
}

// Bernoulli's expectation lies within five standard deviations of what
// it builds; combinations are bounded by the pairs.
func TestBernoulliAndBounds(t *testing.T) {
	s := connectivity.Shape{Rows: 400, Cols: 300, Self: false}
	for _, p := range []float64{0.01, 0.1, 0.5} {
		c, err := SynapseCount(connectivity.Bernoulli{P: p}, s)
		if err != nil {
			t.Fatal(err)
		}
		syn, _ := connectivity.Bernoulli{P: p}.Build(s, rng.NewKey(3))
		sd := math.Sqrt(c.Synapses * (1 - p))
		if c.Exact || math.Abs(float64(syn.Len())-c.Synapses) > 5*sd {
			t.Errorf("p = %g: expected %g, built %d (sd %g)", p, c.Synapses, syn.Len(), sd)
		}
	}
	inv := connectivity.Invert(connectivity.Bernoulli{P: 0.2})
	c, err := SynapseCount(inv, s)
	if err != nil {
		t.Fatal(err)
	}
	syn, _ := inv.Build(s, rng.NewKey(3))
	if !c.Bound || c.Synapses != 400*300 || float64(syn.Len()) > c.Synapses {
		t.Errorf("invert: count %+v, built %d", c, syn.Len())
	}
	if _, err := SynapseCount(connectivity.FixedInDegree{K: 500}, s); err == nil {
		t.Error("K above the rows: want an error")
	}
}

func builtinNet(t *testing.T, name string, o models.Options) *network.Network {
	t.Helper()
	var (
		net *network.Network
		err error
	)
	switch name {
	case "brunel":
		net, err = models.Brunel(o, models.BrunelParams{})
	case "cuba":
		net, err = models.CUBA(o)
	case "coba":
		net, err = models.COBA(o)
	case "stdp":
		net, err = models.STDP(o)
	case "fi":
		net, _, err = models.FI(o)
	}
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// The built-in models' descriptions match the built networks: the same
// populations, projections and synapse counts; the CSR bytes are exact for
// exact patterns and within 5 standard deviations of the count (at 4 or 8
// B per synapse) for Bernoulli; splittability as the shard package sees
// it.
func TestBuiltinsMatchBuiltNetworks(t *testing.T) {
	for _, name := range Builtins() {
		for _, scale := range []float64{0.1, 0.25} {
			o := models.Options{Scale: scale, Seed: 5}
			m, err := Builtin(name, o)
			if err != nil {
				t.Fatal(err)
			}
			net := builtinNet(t, name, o)
			e, err := Of(m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Populations) != len(net.Populations) || len(e.Projections) != len(net.Projections) {
				t.Fatalf("%s: %d populations, %d projections; built %d, %d", name,
					len(e.Populations), len(e.Projections), len(net.Populations), len(net.Projections))
			}
			for i, p := range net.Populations {
				if e.Populations[i].Name != p.Name || e.Populations[i].N != p.N {
					t.Errorf("%s: population %d: %s/%d, built %s/%d", name, i, e.Populations[i].Name, e.Populations[i].N, p.Name, p.N)
				}
				if got, want := m.Populations[i].Splittable, shard.Splittable(net, i) == nil; got != want {
					t.Errorf("%s: population %s: splittable %v, shard says %v", name, p.Name, got, want)
				}
				for _, rn := range p.ReceptorNames() {
					r, _ := p.Receptor(rn)
					_ = r
				}
			}
			if got, want := SegmentSteps(m), net.MinLatency(); got != want {
				t.Errorf("%s: segment of %d steps, built %d", name, got, want)
			}
			meas := Measure(net)
			for _, pe := range e.Projections {
				n, b := meas.Synapses[pe.Name], meas.CSR[pe.Name]
				if pe.Exact {
					if float64(n) != pe.Synapses || b != pe.CSR {
						t.Errorf("%s %s: estimated %g synapses %d B, built %d, %d B", name, pe.Name, pe.Synapses, pe.CSR, n, b)
					}
					if pe.Plastic > 0 {
						pe.Plastic -= traceBytes(pe.Rows, pe.Cols, 1)
					}
					if pe.Plastic != meas.Plastic[pe.Name] {
						t.Errorf("%s %s: plasticity: column view and accumulator %d B, built %d B (traces excluded)",
							name, pe.Name, pe.Plastic, meas.Plastic[pe.Name])
					}
					continue
				}
				// Bernoulli: the index slice reserves the mean plus six
				// standard deviations (exact); the weights, if kept,
				// follow the count.
				sd := math.Sqrt(pe.Synapses)
				if math.Abs(float64(n)-pe.Synapses) > 5*sd || math.Abs(float64(b-pe.CSR)) > 5*sd*4 {
					t.Errorf("%s %s: estimated %g synapses %d B, built %d, %d B", name, pe.Name, pe.Synapses, pe.CSR, n, b)
				}
			}
		}
	}
}

// The shards' column copies are as estimated: exactly for fixed
// in-degree (Brunel), and the network's CSR is kept beside them.
func TestShardCopies(t *testing.T) {
	o := models.Options{Scale: 0.2, Seed: 2}
	m, _ := Builtin("brunel", o)
	for _, s := range []int{1, 2, 3} {
		layout := ShardLayout(m, s, 2, 2000, 8000)
		e, err := Of(m, Options{Shards: layout})
		if err != nil {
			t.Fatal(err)
		}
		net := builtinNet(t, "brunel", o)
		shards, err := shard.Split(net, layout)
		if err != nil {
			t.Fatal(err)
		}
		per, total := shard.ColumnCopies(net, shards)
		if total != e.ShardSynapses {
			t.Errorf("%d shards: copies estimated %d B, measured %d B (%v)", s, e.ShardSynapses, total, per)
		}
		if s == 1 && total != 0 {
			t.Errorf("one shard per population copies %d B", total)
		}
		if e.Actors != e.Sequential+e.ShardPopulations+e.ShardSynapses {
			t.Error("actor total is not the sum of its parts")
		}
	}
}

// Brunel at scale 4 is 50,000 neurons and 250 M synapses at 4 B each.
func TestBrunelScale4(t *testing.T) {
	m, err := Builtin("brunel", models.Options{Scale: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Of(m, Options{Shards: ShardLayout(m, 0, 2, 2000, 8000)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Neurons != 50_000 || e.Synapses != 250_000_000 || !e.Exact {
		t.Fatalf("%d neurons, %g synapses, exact %v", e.Neurons, e.Synapses, e.Exact)
	}
	for _, p := range e.Projections {
		if b := p.BytesPerSynapse(); b < 4 || b > 4.01 {
			t.Errorf("%s: %g B per synapse, want 4 (compact)", p.Name, b)
		}
	}
	if e.Sequential < 1_000_000_000 || e.Sequential > 1_020_000_000 {
		t.Errorf("sequential %d B", e.Sequential)
	}
	// Two shards per population: the copies roughly double the synapses.
	if e.ShardSynapses < 1_000_000_000 {
		t.Errorf("shard copies %d B", e.ShardSynapses)
	}
	// Drawn two at a time, the projections' building peaks further by
	// the transient of the largest: E→E (160 M synapses, fixed in-degree:
	// its drawn rows, 4 B each, kept until the scatter, and its weights,
	// 4 B each, until they are compacted) — 1.28 GB.
	e2, err := Of(m, Options{Shards: ShardLayout(m, 0, 2, 2000, 8000), BuildWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d := e2.BuildPeak - e.BuildPeak; d != 8*160_000_000 {
		t.Errorf("two builders add %d B to the build's peak, want %d", d, 8*160_000_000)
	}
}

// The example model files are estimated as they build.
func TestFiles(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.yaml")
	if len(files) == 0 {
		t.Skip("no example files")
	}
	for _, f := range files {
		mf, err := modelfile.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m, err := File(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		e, err := Of(m, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The full-scale microcircuit (3·10⁸ synapses) is not built here.
		if e.Synapses > 20e6 {
			t.Logf("%s: %.0f synapses (estimated): not built", f, e.Synapses)
			continue
		}
		net, err := mf.Build()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(e.Projections) != len(net.Projections) || len(e.Populations) != len(net.Populations) {
			t.Fatalf("%s: %d/%d projections, %d/%d populations", f, len(e.Projections), len(net.Projections), len(e.Populations), len(net.Populations))
		}
		for i, p := range net.Populations {
			if e.Populations[i].N != p.N {
				t.Errorf("%s: population %s: %d neurons, built %d", f, p.Name, e.Populations[i].N, p.N)
			}
			if got, want := m.Populations[i].Splittable, shard.Splittable(net, i) == nil; got != want {
				t.Logf("%s: population %s: splittable %v, shard says %v", f, p.Name, got, want)
			}
		}
		meas := Measure(net)
		for _, pe := range e.Projections {
			n, b := meas.Synapses[pe.Name], meas.CSR[pe.Name]
			sd := math.Sqrt(pe.Synapses)
			if pe.Exact && (float64(n) != pe.Synapses || b != pe.CSR) ||
				!pe.Exact && (math.Abs(float64(n)-pe.Synapses) > 5*sd+1 || math.Abs(float64(b-pe.CSR)) > 4*(5*sd+1)) {
				t.Errorf("%s %s: estimated %g synapses %d B, built %d, %d B", f, pe.Name, pe.Synapses, pe.CSR, n, b)
			}
		}
	}
}

// AutoCores follows the work per segment: procs for a network that keeps
// them busy, fewer for a small one with one-step segments.
func TestAutoCores(t *testing.T) {
	for _, tc := range []struct {
		name        string
		scale       float64
		procs, want int
	}{
		{"cuba", 1, 16, 1},     // 4,000 neurons · 1 step < 8,000
		{"cuba", 10, 16, 5},    // 40,000 · 1 / 8,000
		{"cuba", 10, 2, 2},     // enough for both
		{"brunel", 1, 16, 16},  // 12,500 · 16 steps: 25 cores' worth
		{"brunel", 0.1, 64, 2}, // 1,250 neurons · 16 steps / 8,000 = 2.5
	} {
		m, err := Builtin(tc.name, models.Options{Scale: tc.scale, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := AutoCores(m, tc.procs, 8000); got != tc.want {
			t.Errorf("%s ×%g on %d cores: %d, want %d", tc.name, tc.scale, tc.procs, got, tc.want)
		}
	}
}

// A file's numbers are read as modelfile reads them (hex, octal and
// binary integers, _ separators, aliases) — the estimate reads the
// definition modelfile parses — so the memory estimate sees the sizes and
// delays the network will have.
func TestFileNumbersAsModelfile(t *testing.T) {
	data := []byte(`network: {batch: 1_000}
populations:
  A: {size: &big 0x7ff, model: {kind: lif}, axons: {out: {delay_ms: {uniform: [0, &d 2.5]}}}}
  A2: {size: *big, model: {kind: lif}, axons: {out: {delay_ms: *d}}}
  B: {size: 2_000, model: {kind: lif}}
  C: {size: 0o17, model: {kind: lif}}
  D: {size: 0b101, model: {kind: lif}}
  E: {size: 017, model: {kind: lif}}
`)
	m, err := Parse("x.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Batch != 1000 {
		t.Errorf("batch %d, want 1000", m.Batch)
	}
	want := map[string]int{"A": 0x7ff, "A2": 0x7ff, "B": 2_000, "C": 15, "D": 5, "E": 17}
	for _, p := range m.Populations {
		if p.N != want[p.Name] {
			t.Errorf("population %s: %d neurons, want %d", p.Name, p.N, want[p.Name])
		}
	}
	if a := m.Populations[0].Axons; len(a) != 1 || a[0].DelayMs != 2.5 || a[0].MinDelayMs != 0 {
		t.Errorf("axon of A: %+v, want delays from 0 to 2.5 ms", a)
	}
	if a := m.Populations[1].Axons; len(a) != 1 || a[0].DelayMs != 2.5 || a[0].MinDelayMs != 2.5 {
		t.Errorf("axon of A2: %+v, want the delay 2.5 ms (through the alias)", a)
	}
}

// BalancedLayout counts the shards of the lockstep engine's automatic
// layout: CUBA ×10 on two cores cuts E once and keeps I whole; on one
// core nothing is cut.
func TestBalancedLayout(t *testing.T) {
	m, err := Builtin("cuba", models.Options{Scale: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := BalancedLayout(m, 2, 8000); got["E"] != 2 || got["I"] != 1 {
		t.Errorf("on two cores: %v, want E 2, I 1", got)
	}
	if got := BalancedLayout(m, 1, 8000); got["E"] != 1 || got["I"] != 1 {
		t.Errorf("on one core: %v, want E 1, I 1", got)
	}
}
