package modelfile

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

func spikes(t *testing.T, net *network.Network, steps int) map[string][2][]int64 {
	t.Helper()
	s := stepper.New(net)
	mons := map[string]*monitor.Spikes{}
	for _, p := range net.Populations {
		m, err := monitor.NewSpikes(net, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		mons[p.Name] = m
		s.AddMonitor(m)
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	out := map[string][2][]int64{}
	for name, m := range mons {
		el := make([]int64, len(m.Elements))
		for i, e := range m.Elements {
			el[i] = int64(e)
		}
		out[name] = [2][]int64{m.Steps, el}
	}
	return out
}

// TestExamplesMatchModels builds every example file and the same model
// with package models, and checks that they give the same network and the
// same spikes over 200 steps.
func TestExamplesMatchModels(t *testing.T) {
	o := models.Options{Seed: 1}
	for _, tc := range []struct {
		file  string
		build func() (*network.Network, error)
	}{
		{"cuba.yaml", func() (*network.Network, error) { return models.CUBA(o) }},
		{"coba.yaml", func() (*network.Network, error) { return models.COBA(o) }},
		{"brunel.yaml", func() (*network.Network, error) { return models.Brunel(o, models.BrunelParams{}) }},
		{"stdp.yaml", func() (*network.Network, error) { return models.STDP(o) }},
		{"fi.yaml", func() (*network.Network, error) { n, _, err := models.FI(o); return n, err }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if testing.Short() && tc.file == "brunel.yaml" {
				t.Skip("large")
			}
			m, err := Load(filepath.Join("..", "examples", strings.TrimSuffix(tc.file, ".yaml"), tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Build()
			if err != nil {
				t.Fatal(err)
			}
			want, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			if got.Neurons() != want.Neurons() || got.Synapses() != want.Synapses() {
				t.Fatalf("file: %d neurons, %d synapses; models: %d, %d", got.Neurons(), got.Synapses(), want.Neurons(), want.Synapses())
			}
			for i, p := range want.Projections {
				g := got.Projections[i]
				if g.Name != p.Name || !slices.Equal(g.Runtime.Syn.W, p.Runtime.Syn.W) {
					t.Fatalf("projection %s: weights differ", p.Name)
				}
			}
			gs, ws := spikes(t, got, 200), spikes(t, want, 200)
			total := 0
			for name, w := range ws {
				g := gs[name]
				total += len(w[0])
				if !slices.Equal(g[0], w[0]) || !slices.Equal(g[1], w[1]) {
					t.Errorf("population %s: %d spikes from the file, %d from models; not the same", name, len(g[0]), len(w[0]))
				}
			}
			t.Logf("%s: %d neurons, %d synapses, %d spikes in 200 steps", tc.file, got.Neurons(), got.Synapses(), total)
			if m.Run.DurationMs != 1000 || m.Network.Seed != 1 {
				t.Errorf("run settings %+v, network %+v", m.Run, m.Network)
			}
		})
	}
}

// An axon's delay_rounding: floor by default (1.06 ms at dt 0.1 ms is
// 10 steps, latency 11), nearest as NEST (11 steps, latency 12); another
// value is an error naming the field and the valid ones.
func TestDelayRounding(t *testing.T) {
	src := func(rounding string) string {
		return `network: {dt_ms: 0.1}
populations:
  A:
    size: 2
    model: {kind: lif}
    axons: {out: {delay_ms: 1.06` + rounding + `}}
projections:
  AA: {from: A, to: A, connectivity: {kind: all_to_all}, weight: 1}
`
	}
	for _, c := range []struct {
		rounding string
		latency  int
	}{{"", 11}, {", delay_rounding: floor", 11}, {", delay_rounding: nearest", 12}} {
		m, err := Parse("x.yaml", []byte(src(c.rounding)))
		if err != nil {
			t.Fatal(err)
		}
		net, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		if got := net.Axons[0].Axon.Latency(0); got != c.latency {
			t.Errorf("delay_rounding %q: latency %d steps, want %d", c.rounding, got, c.latency)
		}
		if got := net.MinLatency(); got != c.latency {
			t.Errorf("delay_rounding %q: segment length %d, want %d", c.rounding, got, c.latency)
		}
	}
	_, err := Parse("x.yaml", []byte(src(", delay_rounding: round")))
	if err == nil || !strings.Contains(err.Error(), "x.yaml:6: populations.A.axons.out.delay_rounding: round: unknown value") || !strings.Contains(err.Error(), "floor, nearest") {
		t.Errorf("an unknown rounding: %v", err)
	}
}

// TestDriveOnDefaultReceptor checks that a drive reaches the default
// receptor "in" when the population declares none, and when it declares
// others: with each event 40 mV above a reset 30.6 mV below threshold
// (and no refractory period), a neuron fires at every step with at least
// one of its Poisson events, so the 10 neurons fire 10·S·(1 − e^{−λ})
// times in S steps (λ = rate·dt), within five standard deviations.
func TestDriveOnDefaultReceptor(t *testing.T) {
	for _, c := range []struct{ name, receptors string }{
		{"none declared", ""},
		{"another declared", "    receptors: {ex: {kernel: exp_current, tau_ms: 5}}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "network: {dt_ms: 0.1, seed: 3}\npopulations:\n  E:\n    size: 10\n    model: {kind: lif}\n" + c.receptors +
				"    drives:\n      - {poisson_rate_hz: 100, weight: 40}\n"
			m, err := Parse("drive.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			net, err := m.Build()
			if err != nil {
				t.Fatal(err)
			}
			const steps = 10000
			got := len(spikes(t, net, steps)["E"][0])
			lambda := 100 * 0.1 / 1000
			p := 1 - math.Exp(-lambda)
			n := 10.0 * steps
			mean, sd := n*p, math.Sqrt(n*p*(1-p))
			if math.Abs(float64(got)-mean) > 5*sd {
				t.Errorf("%d spikes, want %.0f ± %.0f (5 sd)", got, mean, 5*sd)
			}
		})
	}
}

// TestDrivesIndependent checks that two Poisson drives of one population
// draw independent counts: onto perfect integrators that never fire, a
// drive of +1 and one of −1 per event, each λ = 0.1 events per step, give
// after S steps v = N₊ − N₋ with variance 2λS = 200 across neurons (the
// same draws would give v = 0 everywhere); the sample variance of 2000
// neurons lies within five of its standard errors, 200·√(2/1999) each.
func TestDrivesIndependent(t *testing.T) {
	src := "network: {dt_ms: 0.1, seed: 9}\npopulations:\n  E:\n    size: 2000\n" +
		"    model: {kind: if, rest_mV: 0, threshold_mV: 1e9}\n" +
		"    drives:\n      - {poisson_rate_hz: 1000, weight: 1}\n      - {poisson_rate_hz: 1000, weight: -1}\n"
	m, err := Parse("drives.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	const steps = 1000
	spikes(t, net, steps)
	p, _ := net.Population("E")
	v, ok := p.Model().Var("v")
	if !ok {
		t.Fatal("no v")
	}
	var sum, sq float64
	for _, x := range v {
		sum += float64(x)
	}
	mean := sum / float64(len(v))
	for _, x := range v {
		sq += (float64(x) - mean) * (float64(x) - mean)
	}
	variance := sq / float64(len(v)-1)
	want := 2 * 0.1 * steps
	if se := want * math.Sqrt(2.0/float64(len(v)-1)); math.Abs(variance-want) > 5*se {
		t.Errorf("variance of v %.1f across neurons, want %.0f ± %.1f (5 standard errors): the drives' counts are not independent", variance, want, 5*se)
	}
}

// TestConductanceSigns checks that a projection cannot make a conductance
// negative — an inhibitory axon, a negative weight, or a plastic lower
// bound below 0 onto a conductance receptor is refused at its line —
// while positive conductances onto an inhibitory reversal potential build.
func TestConductanceSigns(t *testing.T) {
	head := "populations:\n  I:\n    size: 10\n    model: {kind: lif}\n    axons:\n      inh: {inhibitory: true}\n" +
		"  E:\n    size: 10\n    model: {kind: lif}\n    receptors:\n      gi: {kernel: exp_conductance, tau_ms: 10, reversal_mV: -80}\nprojections:\n"
	for _, c := range []struct{ proj, want string }{
		{"  IE: {from: I, axon: inh, to: E, receptor: gi, connectivity: {kind: all_to_all}, weight: 0.5}\n", `axon "inh" is inhibitory (sign -1, row 0) onto the conductance receptor "gi": a conductance must be >= 0`},
		{"  IE: {from: I, to: E, receptor: gi, connectivity: {kind: all_to_all}, weight: -0.5}\n", `weight -0.5 (synapse 0) onto the conductance receptor "gi"`},
		{"  IE: {from: I, to: E, receptor: gi, connectivity: {kind: all_to_all}, weight: 0.5, wmin: -1, wmax: 1, plasticity: {kind: inhibitory_stdp, rho0_hz: 5, eta: 0.001}}\n", `wmin = -1 onto the conductance receptor "gi"`},
		{"  IE: {from: I, to: E, receptor: gi, connectivity: {kind: all_to_all}, weight: 0.5}\n", ""},
	} {
		m, err := Parse("g.yaml", []byte(head+c.proj))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Build()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("positive conductances: %v", err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "g.yaml:13: projections.IE")):
			t.Errorf("%s: %v, want an error at g.yaml:13 with %q", strings.TrimSpace(c.proj), err, c.want)
		}
	}
}

// A Poisson drive with a negative weight onto a conductance receptor is
// refused at the population's line, as a projection's negative weight is.
func TestConductanceDriveSign(t *testing.T) {
	src := "populations:\n  E:\n    size: 10\n    model: {kind: lif}\n    receptors:\n      gi: {kernel: exp_conductance, tau_ms: 10, reversal_mV: -80}\n" +
		"    drives:\n      - {receptor: gi, poisson_rate_hz: 1000, weight: -0.5}\n"
	m, err := Parse("d.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Build(); err == nil || !strings.Contains(err.Error(), `drive 0: weight = -0.5 onto the conductance receptor "gi"`) {
		t.Errorf("Build: %v, want the negative drive refused", err)
	}
}
