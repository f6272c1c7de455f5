package modelfile_test

import (
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/internal/golden"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
	"github.com/spiral-sim/spiral/synapse"
)

// sameNetwork checks that two built networks hold the same populations
// and the same synapses, weights and delays, bit for bit.
func sameNetwork(t *testing.T, what string, a, b *network.Network) {
	t.Helper()
	if a.Config != b.Config || len(a.Populations) != len(b.Populations) || len(a.Projections) != len(b.Projections) {
		t.Fatalf("%s: configs %+v and %+v, %d and %d populations, %d and %d projections", what, a.Config, b.Config,
			len(a.Populations), len(b.Populations), len(a.Projections), len(b.Projections))
	}
	for i, p := range a.Populations {
		q := b.Populations[i]
		if p.Name != q.Name || p.N != q.N || p.Kind != q.Kind {
			t.Errorf("%s: population %d: %s (%d, %s) and %s (%d, %s)", what, i, p.Name, p.N, p.Kind, q.Name, q.N, q.Kind)
		}
	}
	for k, p := range a.Projections {
		q := b.Projections[k]
		x, y := p.Runtime.Syn, q.Runtime.Syn
		if p.Name != q.Name || !reflect.DeepEqual(x.Ptr, y.Ptr) || !reflect.DeepEqual(x.Idx, y.Idx) || p.Wmin != q.Wmin || p.Wmax != q.Wmax {
			t.Fatalf("%s: projection %s: the synapses or bounds differ", what, p.Name)
		}
		for s := range x.Len() {
			if x.Weight(s) != y.Weight(s) || x.Delay(s) != y.Delay(s) {
				t.Fatalf("%s: projection %s, synapse %d: weight %g and %g, delay %d and %d", what, p.Name, s, x.Weight(s), y.Weight(s), x.Delay(s), y.Delay(s))
			}
		}
	}
}

// roundTrip writes b's definition as a model file, parses it back and
// checks that both build the same network, which spikes the same.
func roundTrip(t *testing.T, what string, b func() *network.Builder, steps int) []byte {
	t.Helper()
	data, err := modelfile.Write(b().Definition(), modelfile.WriteOptions{Comment: what, DurationMs: 100})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	m, err := modelfile.Parse(what+".yaml", data)
	if err != nil {
		t.Fatalf("%s: the written file does not parse: %v\n%s", what, err, data)
	}
	fromFile, err := m.Build()
	if err != nil {
		t.Fatalf("%s: the written file does not build: %v\n%s", what, err, data)
	}
	fromGo, err := b().Build()
	if err != nil {
		t.Fatal(err)
	}
	sameNetwork(t, what, fromGo, fromFile)
	want := golden.Run(t, fromGo, "sequential", steps)
	got := golden.Run(t, fromFile, "sequential", steps)
	if s := golden.Silent(want); len(s) == len(fromGo.Populations) {
		t.Errorf("%s: nothing fired: the comparison says little", what)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: the spikes of the Go network and of its model file differ", what)
	}
	return data
}

// Every built-in model, written as a model file, builds the same network
// and gives the same spikes.
func TestWriteBuiltinModels(t *testing.T) {
	o := models.Options{Scale: 0.2, Seed: 7}
	for _, tc := range []struct {
		name string
		def  func(models.Options) (*network.Builder, models.Options, error)
	}{
		{"cuba", models.CUBADefinition},
		{"coba", models.COBADefinition},
		{"brunel", func(o models.Options) (*network.Builder, models.Options, error) {
			return models.BrunelDefinition(o, models.BrunelParams{})
		}},
		{"stdp", models.STDPDefinition},
		{"fi", models.FIDefinition},
	} {
		roundTrip(t, tc.name, func() *network.Builder {
			b, _, err := tc.def(o)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, 2000)
	}
}

// A network that uses the rest of what Write covers: distributions with
// redraw bounds, per-synapse and axonal delays rounded to the nearest
// step, every pattern, adaptive and exponential integrate-and-fire models,
// conductances, per-neuron stimuli, soft-bound STDP, batch copies, sums
// in fixed point.
func TestWriteCoversItsVocabulary(t *testing.T) {
	def := func() *network.Builder {
		b := network.New(network.Config{DtMs: 0.1, Seed: 3, Batch: 2, FixedPoint: true})
		adex := soma.AdEx()
		adex.V0MV = func() *param.Value { v := param.Normal(-65, 3); return &v }()
		adex.AdaptiveThreshold = &soma.AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Const(50), Exact: true}
		in := make([]float32, 50)
		for i := range in {
			in[i] = 500 + float32(i)*7.5
		}
		b.Population("A", 50, adex).
			Receptor("g", dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 5, ReversalMV: 0}).
			Receptor("s", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 3, PSC: dendrite.StepConstant}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2).Within(0.6, math.Inf(1)), Rounding: axon.Nearest}).
			Stimulus(stimulus.PerNeuron(in))
		lif := soma.LIF()
		lif.TauMs = param.Uniform(15, 25)
		b.Population("B", 40, lif).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{DelayMs: param.Const(1), Inhibitory: true}).
			Stimulus(stimulus.Constant(25)).
			Drive("in", &stimulus.PoissonDrive{RateHz: 2000, Weight: 0.5})
		b.Population("P", 30, soma.Spec(nil))
		b.Connect("AB", network.Connection{From: "A", To: "B", Pattern: connectivity.FixedOutDegree{K: 5}, Weight: param.Normal(1, 0.2).Within(0, math.Inf(1)),
			DelayMs: param.Normal(1.5, 0.75), DelayRounding: axon.Nearest})
		b.Connect("BA", network.Connection{From: "B", To: "A", Receptor: "s", Pattern: connectivity.FixedTotal{N: 300, Multapses: true}, Weight: param.Uniform(0.1, 0.3)})
		b.Connect("AA", network.Connection{From: "A", To: "A", Receptor: "g", Pattern: connectivity.Bernoulli{P: 0.1}, Autapses: true, Weight: param.Const(0.05),
			Wmin: 0, Wmax: 0.2, Plasticity: plasticity.STDP{Pre: response.Leaky{Tau: param.Const(20)}, Post: response.Leaky{Tau: param.Const(30)},
				LTP: plasticity.SoftBoundRate{Eta: 0.01}, LTD: plasticity.SoftBoundRate{Eta: 0.012}, Pairing: plasticity.Nearest}})
		b.Connect("BB", network.Connection{From: "B", To: "B", Pattern: connectivity.OneToOne{}, Weight: param.Const(0.1), Autapses: true})
		return b
	}
	// The P population above has no model: only the others are written.
	full := func() *network.Builder {
		b := def()
		return b
	}
	_, err := modelfile.Write(full().Definition(), modelfile.WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), `population "P": model: <nil> has no model-file form`) {
		t.Fatalf("a population without a model: %v", err)
	}
	roundTrip(t, "vocabulary", func() *network.Builder {
		b := network.New(network.Config{DtMs: 0.1, Seed: 3, Batch: 2, FixedPoint: true})
		d := def().Definition()
		for _, p := range d.Populations {
			if p.Name == "P" {
				continue
			}
			pd := b.Population(p.Name, p.Size, p.Model)
			for _, r := range p.Receptors {
				pd.Receptor(r.Name, r.Spec)
			}
			for _, a := range p.Axons {
				pd.Axon(a.Name, a.Spec)
			}
			for _, s := range p.Stimuli {
				pd.Stimulus(s)
			}
			for _, dr := range p.Drives {
				pd.Drive(dr.Receptor, dr.Stimulus)
			}
		}
		for _, c := range d.Connections {
			b.Connect(c.Name, c.Connection)
		}
		return b
	}, 1000)
}

// What has no model-file form is refused, naming the object, and nothing
// is written.
func TestWriteRefuses(t *testing.T) {
	base := func() *network.Builder {
		b := network.New(network.Config{})
		b.Population("A", 10, soma.LIF())
		return b
	}
	for _, tc := range []struct {
		add  func(b *network.Builder)
		want string
	}{
		{func(b *network.Builder) { b.Population("H", 3, soma.RateUnit(soma.Custom)) }, `population "H": model: a rate unit with a Go transfer function`},
		{func(b *network.Builder) {
			b.Population("K", 3, soma.LIF()).Principle(&principle.KRandomClamps{K: func(int64) int { return 1 }})
		}, `population "K": principle 0: *principle.KRandomClamps has no model-file form`},
		{func(b *network.Builder) {
			b.Connect("p", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}, Weight: param.Dist("gamma", nil)})
		}, `projection "p": weight: the distribution gamma has no model-file form`},
		{func(b *network.Builder) {
			b.Connect("n", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}, Normalize: func(*synapse.CSR) error { return nil }})
		}, `projection "n": Normalize is a Go function`},
		{func(b *network.Builder) {
			lif := soma.LIF()
			lif.Terms = []soma.Term{soma.DefaultAdaptation(), soma.Leak{}}
			b.Population("R", 3, lif)
		}, `population "R": model: terms in the order`},
	} {
		b := base()
		tc.add(b)
		data, err := modelfile.Write(b.Definition(), modelfile.WriteOptions{})
		if err == nil || data != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v (data %d bytes), want one saying %q", err, len(data), tc.want)
		}
	}
}

// The example model files, and a file that holds every kind a model file
// knows (testdata/vocabulary.yaml), read and written back: the written
// file parses to the same run settings and monitors, writing it again
// gives the same text, and it builds the same network, which spikes the
// same (the full-scale microcircuit, too big to build here, is checked as
// the fixed point only).
func TestWriteModelFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "*", "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("example files: %v, %v", files, err)
	}
	files = append(files, filepath.Join("testdata", "vocabulary.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		m, err := modelfile.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		o := modelfile.WriteOptions{DurationMs: m.Run.DurationMs, WeightMonitors: m.WeightMonitors, StateMonitors: m.StateMonitors}
		data, err := modelfile.Write(m.Definition(), o)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		back, err := modelfile.Parse(base, data)
		if err != nil {
			t.Fatalf("%s: the written file does not parse: %v\n%s", f, err, data)
		}
		if back.Run.DurationMs != m.Run.DurationMs || !reflect.DeepEqual(back.WeightMonitors, m.WeightMonitors) || !reflect.DeepEqual(placeless(back.StateMonitors), placeless(m.StateMonitors)) {
			t.Errorf("%s: run or monitors changed", f)
		}
		again, err := modelfile.Write(back.Definition(), o)
		if err != nil || string(again) != string(data) {
			t.Errorf("%s: writing the written file gives another text (%v)", f, err)
		}
		if base == "microcircuit.yaml" {
			continue // 0.3 G synapses: the fixed point above
		}
		a, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		b, err := back.Build()
		if err != nil {
			t.Fatal(err)
		}
		sameNetwork(t, f, a, b)
		want, got := golden.Run(t, a, "sequential", 1000), golden.Run(t, b, "sequential", 1000)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: the spikes of the file and of its written form differ", f)
		}
		if base == "vocabulary.yaml" {
			if s := golden.Silent(want); len(s) > 4 {
				t.Logf("silent: %v", s)
				t.Errorf("%s: %v never fired: the comparison says little", f, s)
			}
		}
	}
}

// placeless returns the monitors without their places in the file (Line
// and Path), which a written file does not keep.
func placeless(ms []modelfile.StateMonitor) []modelfile.StateMonitor {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Line, out[i].Path = 0, ""
	}
	return out
}

// A triplet rule whose rates no amplitude reads back as exactly (0.007
// per ms at dt 0.1 ms: no float64 a has a/0.1 == 0.007) is written as
// rates (a2_plus_per_ms, ...) and reads back bit for bit: the same
// network, spikes and learnt weights. Both forms of one amplitude are
// refused.
func TestWriteTripletRates(t *testing.T) {
	if a := 0.007 * 0.1; a/0.1 == 0.007 || math.Nextafter(a, 1)/0.1 == 0.007 || math.Nextafter(a, -1)/0.1 == 0.007 {
		t.Fatal("0.007 per ms has an amplitude at dt 0.1: the case tests nothing")
	}
	build := func() *network.Builder {
		lif := soma.LIF()
		lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
		b := network.New(network.Config{DtMs: 0.1, Seed: 5})
		b.Population("E", 60, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 3000, Weight: 1})
		b.Connect("EE", network.Connection{From: "E", To: "E", Pattern: connectivity.FixedInDegree{K: 6},
			Weight: param.Uniform(0, 0.5), Wmax: 1, Plasticity: plasticity.Triplet{TauPlusMs: 17, TauMinusMs: 34, TauYMs: 114,
				A2Plus: 0.007, A2Minus: 0.007, A3Plus: 0.0062}})
		return b
	}
	data := roundTrip(t, "triplet rates", build, 3000)
	for _, want := range []string{"a2_plus_per_ms: 0.007", "a2_minus_per_ms: 0.007", "a3_plus"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the written file lacks %q:\n%s", want, data)
		}
	}
	bad := "populations:\n  E: {size: 2, model: {kind: lif}}\nprojections:\n  EE: {from: E, to: E, connectivity: {kind: all_to_all}, weight: 0.1,\n" +
		"    plasticity: {kind: triplet, a2_plus: 0.0007, a2_plus_per_ms: 0.007}}\n"
	if _, err := modelfile.Parse("bad.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "give a2_plus or a2_plus_per_ms, not both") {
		t.Errorf("both forms: %v, want them refused", err)
	}
}
