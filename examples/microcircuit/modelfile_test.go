package main

import (
	"bytes"
	"math"
	"os"
	"slices"
	"strings"
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
// below lo and rounded to the nearest step of dt (halves up), in ms.
func roundedDelayMean(mean, sd, lo, dt float64) float64 {
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2)) }
	above := 1 - cdf(lo)
	s := 0.0
	for k := 1; float64(k)*dt < mean+20*sd; k++ {
		a, b := math.Max(lo, (float64(k)-0.5)*dt), (float64(k)+0.5)*dt
		if b > a {
			s += float64(k) * dt * (cdf(b) - cdf(a))
		}
	}
	return s / above
}

// TestModelFileIsBuild checks that the file's network is Build's, bit for
// bit: every projection's rows, targets, weights and delays, and the
// spikes of 100 ms on the sequential stepper.
func TestModelFileIsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, c := range []Config{smallFile, {NScale: 0.02, KScale: 1, Seed: 3}} {
		file := buildFile(t, c)
		gonet, err := Build(c)
		if err != nil {
			t.Fatal(err)
		}
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
				f, g := fp.Runtime.Syn, gp.Runtime.Syn
				if !slices.Equal(f.Ptr, g.Ptr) || !slices.Equal(f.Idx, g.Idx) || !slices.Equal(f.W, g.W) || !slices.Equal(f.D8, g.D8) {
					t.Errorf("%+v: %s: the file's synapses differ from Build's", c, name)
				}
			}
		}
		a, b := runSpikes(t, file, 1000), runSpikes(t, gonet, 1000)
		n := 0
		for y := range 8 {
			n += len(a[y].Steps)
			if !slices.Equal(a[y].Steps, b[y].Steps) || !slices.Equal(a[y].Elements, b[y].Elements) {
				t.Errorf("%+v: %s: the file gives %d spikes, Build %d, or other ones", c, popNames[y], len(a[y].Steps), len(b[y].Steps))
			}
		}
		if n == 0 {
			t.Errorf("%+v: no spikes in 100 ms", c)
		}
	}
}

// runSpikes runs net for steps on the sequential stepper and returns each
// population's spikes.
func runSpikes(t *testing.T, net *network.Network, steps int) [8]*monitor.Spikes {
	t.Helper()
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
	return mons
}

// TestDelays checks the per-synapse delays of every projection against
// the sheet's distribution: normal(mean, sd) redrawn below dt/2 and
// rounded to the nearest step, so none is 0 steps; the mean per
// projection and pooled per source type.
func TestDelays(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	c := smallFile
	net, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	var sum, n [2]float64
	for y := range 8 {
		for x := range 8 {
			name := projName(y, x)
			p, ok := net.Projection(name)
			if !ok {
				if c.synapseCount(y, x) != 0 {
					t.Errorf("%s missing", name)
				}
				continue
			}
			syn := p.Runtime.Syn
			if got, want := syn.Len(), c.synapseCount(y, x); got != want {
				t.Errorf("%s: %d synapses, want %d", name, got, want)
			}
			mean := delayEMs
			if !excitatory(x) {
				mean = delayIMs
			}
			sd := delayRel * mean
			s := 0.0
			for k := range syn.Len() {
				d := syn.Delay(k)
				if d == 0 {
					t.Fatalf("%s: synapse %d has a delay of 0 steps: NEST redraws below dt/2", name, k)
				}
				s += float64(d) * dtMs
			}
			k := syn.Len()
			i := x % 2
			sum[i] += s
			n[i] += float64(k)
			// 5 standard errors; the rounding adds at most dt²/12 to the variance.
			want := roundedDelayMean(mean, sd, dtMs/2, dtMs)
			tol := 5 * math.Sqrt(sd*sd+dtMs*dtMs/12) / math.Sqrt(float64(k))
			if got := s / float64(k); math.Abs(got-want) > tol {
				t.Errorf("%s: mean delay %.4f ms over %d synapses, want %.4f ± %.4f (normal(%g, %g) redrawn below dt/2, rounded)", name, got, k, want, tol, mean, sd)
			}
		}
	}
	for i, mean := range []float64{delayEMs, delayIMs} {
		sd := delayRel * mean
		got := sum[i] / n[i]
		se := math.Sqrt(sd*sd+dtMs*dtMs/12) / math.Sqrt(n[i])
		// The redraw below dt/2 raises the mean above the sheet's.
		shift := roundedDelayMean(mean, sd, dtMs/2, dtMs) - mean
		if math.Abs(got-mean-shift) > 5*se {
			t.Errorf("type %d: mean delay %.4f ms over %.0f synapses; the sheet's %g ms + the redraw's shift %.4f ms, ± %.4f", i, got, n[i], mean, shift, 5*se)
		}
		t.Logf("source type %d: mean delay %.4f ms over %.0f synapses (sheet %g ms, expected with the redraw %.4f ms, se %.4f)", i, got, n[i], mean, mean+shift, se)
	}
}

// A model file of another configuration than the committed one says how
// to write it again and run it, not that it is the committed file.
func TestVariantFileHeader(t *testing.T) {
	b, err := ModelFile(Config{NScale: 0.02, KScale: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "go run ./examples/microcircuit -scale 0.02 -kscale 0.5 -bg dc -seed 3 -write-yaml FILE") ||
		!strings.Contains(s, "spiral-node run FILE") || strings.Contains(s, "Do not edit") {
		t.Errorf("the variant's header:\n%s", s[:min(len(s), 900)])
	}
}

// A fixed-point configuration's model file sums in fixed point and says
// how to write it again.
func TestFixedPointFile(t *testing.T) {
	b, err := ModelFile(Config{NScale: 0.02, KScale: 0.5, Seed: 3, FixedPoint: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Parse("fixed.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Network.FixedPoint || !strings.Contains(string(b), "-seed 3 -fixed-point -write-yaml FILE") {
		t.Errorf("fixed point %v; header:\n%s", m.Network.FixedPoint, string(b)[:900])
	}
}
