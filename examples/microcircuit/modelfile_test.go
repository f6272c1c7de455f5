package main

import (
	"bytes"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// TestModelFileCommitted checks that microcircuit.yaml is what the
// generator writes from the parameters (full scale, Poisson background,
// seed 55), and that it parses.
func TestModelFileCommitted(t *testing.T) {
	want, err := ModelFile(FileConfig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("microcircuit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("microcircuit.yaml differs from ModelFile(FileConfig) (%d bytes, want %d): regenerate it with `go generate ./examples/microcircuit`", len(got), len(want))
	}
	m, err := modelfile.Parse("microcircuit.yaml", got)
	if err != nil {
		t.Fatal(err)
	}
	nproj := 0
	for y := range 8 {
		for x := range 8 {
			if connProb[y][x] > 0 {
				nproj++
			}
		}
	}
	if len(m.Populations()) != 8 || len(m.Projections()) != nproj {
		t.Errorf("%d populations, %d projections, want 8 and %d", len(m.Populations()), len(m.Projections()), nproj)
	}
}

// smallFile is the configuration the tests build: 2 % of the neurons,
// 10 % of the in-degrees (weights × 1/√0.1 and the DC compensation as a
// constant stimulus), Poisson background.
var smallFile = Config{NScale: 0.02, KScale: 0.1, Poisson: true, Seed: 7}

func buildFile(t *testing.T, c Config) *network.Network {
	t.Helper()
	data, err := ModelFile(c)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Parse("small.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestModelFileEngines checks that the generated file gives the same
// spikes on the sequential stepper and on lockstep with 2 shards per
// population, for 100 ms: at 2 % of the neurons with 10 % of the
// in-degrees and Poisson background, and with the full in-degrees and DC
// background.
func TestModelFileEngines(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t.Run("kscale 0.1, poisson", func(t *testing.T) { checkEngines(t, smallFile) })
	t.Run("kscale 1, dc", func(t *testing.T) { checkEngines(t, Config{NScale: 0.02, KScale: 1, Seed: 3}) })
}

func checkEngines(t *testing.T, c Config) {
	const steps = 1000
	net := buildFile(t, c)
	s := stepper.New(net)
	var mons [8]*monitor.Spikes
	for y := range 8 {
		var err error
		if mons[y], err = monitor.NewSpikes(net, popNames[y]); err != nil {
			t.Fatal(err)
		}
		s.AddMonitor(mons[y])
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	shards := map[string]int{}
	for _, n := range popNames {
		shards[n] = 2
	}
	e, err := lockstep.New(buildFile(t, c), lockstep.Options{Shards: shards})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(steps); err != nil {
		t.Fatal(err)
	}
	total := 0
	for y, name := range popNames {
		st, el, err := e.Spikes(name)
		if err != nil {
			t.Fatal(err)
		}
		total += len(mons[y].Steps)
		if !slices.Equal(st, mons[y].Steps) || !slices.Equal(el, mons[y].Elements) {
			t.Errorf("%s: lockstep %d spikes, sequential %d, or different spikes", name, len(st), len(mons[y].Steps))
		}
	}
	if total == 0 {
		t.Error("no spikes in 100 ms")
	}
	t.Logf("%d neurons, %d synapses, %d spikes in 100 ms", net.Neurons(), net.Synapses(), total)
}

// roundedDelayMean returns the mean of a normal(mean, sd) delay redrawn
// below 0 and rounded to the nearest step of dt (halves up), in ms.
func roundedDelayMean(mean, sd, dt float64) float64 {
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2)) }
	above := 1 - cdf(0)
	s := 0.0
	for k := 1; float64(k)*dt < mean+20*sd; k++ {
		lo, hi := math.Max(0, (float64(k)-0.5)*dt), (float64(k)+0.5)*dt
		s += float64(k) * dt * (cdf(hi) - cdf(lo))
	}
	return s / above
}

// TestModelFileMatchesBuild checks that the file's network has Build's
// synapse counts (fixed total) per projection, and per-synapse delays whose
// mean is the sheet's distribution's.
func TestModelFileMatchesBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	c := smallFile
	file := buildFile(t, c)
	gonet, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	if file.Neurons() != gonet.Neurons() || file.Synapses() != gonet.Synapses() {
		t.Errorf("file: %d neurons, %d synapses; Build: %d, %d", file.Neurons(), file.Synapses(), gonet.Neurons(), gonet.Synapses())
	}
	// Pooled over the projections of each source type: the sum of the
	// delays and the count, against the expected mean.
	var sum, n, zero [2]float64
	for y := range 8 {
		for x := range 8 {
			name := projName(y, x)
			fp, fok := file.Projection(name)
			gp, gok := gonet.Projection(name)
			if fok != gok {
				t.Errorf("%s: in the file %v, in Build %v", name, fok, gok)
				continue
			}
			if !fok {
				continue
			}
			syn := fp.Runtime.Syn
			if got, want := syn.Len(), gp.Runtime.Syn.Len(); got != want || want != c.synapseCount(y, x) {
				t.Errorf("%s: %d synapses, Build %d, want %d", name, got, want, c.synapseCount(y, x))
			}
			mean := delayEMs
			if !excitatory(x) {
				mean = delayIMs
			}
			sd := delayRel * mean
			s := 0.0
			for k := range syn.Len() {
				d := syn.Delay(k)
				s += float64(d) * dtMs
				if d == 0 {
					zero[x%2]++
				}
			}
			k := syn.Len()
			i := x % 2
			sum[i] += s
			n[i] += float64(k)
			// 5 standard errors; the rounding adds at most dt²/12 to the variance.
			want := roundedDelayMean(mean, sd, dtMs)
			tol := 5 * math.Sqrt(sd*sd+dtMs*dtMs/12) / math.Sqrt(float64(k))
			if got := s / float64(k); math.Abs(got-want) > tol {
				t.Errorf("%s: mean delay %.4f ms over %d synapses, want %.4f ± %.4f (normal(%g, %g) redrawn below 0, rounded)", name, got, k, want, tol, mean, sd)
			}
		}
	}
	for i, mean := range []float64{delayEMs, delayIMs} {
		sd := delayRel * mean
		got := sum[i] / n[i]
		se := math.Sqrt(sd*sd+dtMs*dtMs/12) / math.Sqrt(n[i])
		// The redraw below 0 raises the mean above the sheet's by
		// sd·φ(2)/(1 − Φ(−2)) (0.0415 ms for E, 0.0207 ms for I).
		shift := roundedDelayMean(mean, sd, dtMs) - mean
		if math.Abs(got-mean-shift) > 5*se {
			t.Errorf("type %d: mean delay %.4f ms over %.0f synapses; the sheet's %g ms + the redraw's shift %.4f ms, ± %.4f", i, got, n[i], mean, shift, 5*se)
		}
		// The draws in [0, dt/2) come out as 0 steps, where NEST (and
		// Build) redraw below dt/2: a fraction P(0 <= X < dt/2)/P(X >= 0).
		cdf := func(x float64) float64 { return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2)) }
		p := (cdf(dtMs/2) - cdf(0)) / (1 - cdf(0))
		if f := zero[i] / n[i]; math.Abs(f-p) > 5*math.Sqrt(p*(1-p)/n[i]) {
			t.Errorf("type %d: %.4f of the synapses with delay 0 steps, want %.4f", i, f, p)
		}
		t.Logf("source type %d: %.4f of the synapses with a synaptic delay of 0 steps (expected %.4f)", i, zero[i]/n[i], p)
		t.Logf("source type %d: mean delay %.4f ms over %.0f synapses (sheet %g ms, expected with the redraw below 0 %.4f ms, se %.4f)", i, got, n[i], mean, mean+shift, se)
	}
}
