package models

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// reference holds the Brian2 statistics of testdata/brian2/reference.json
// (8 seeds per model, Brian2 2.5.1 runtime mode; see its README for how
// they were measured).
type reference map[string]struct {
	Stats map[string]struct {
		Mean, SD, Min, Max float64
		N                  int
	} `json:"stats"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("../testdata/brian2/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// within checks that got lies in Brian2's spread for stat: mean ± k·sd,
// widened to [min, max] if that is wider. Eight seeds underestimate the
// spread, hence k = 4.
func within(t *testing.T, ref reference, model, stat string, got float64) {
	t.Helper()
	s, ok := ref[model].Stats[stat]
	if !ok {
		t.Fatalf("no Brian2 reference for %s.%s", model, stat)
	}
	const k = 4
	lo, hi := math.Min(s.Mean-k*s.SD, s.Min), math.Max(s.Mean+k*s.SD, s.Max)
	if !(got >= lo && got <= hi) {
		t.Errorf("%s %s = %.4g, Brian2 gives %.4g ± %.2g (8 seeds, [%.4g, %.4g]); accepted [%.4g, %.4g]",
			model, stat, got, s.Mean, s.SD, s.Min, s.Max, lo, hi)
	} else {
		t.Logf("%s %s = %.4g (Brian2 %.4g ± %.2g)", model, stat, got, s.Mean, s.SD)
	}
}

// simulate runs net for ms and returns a spike monitor per population.
func simulate(t testing.TB, net *network.Network, ms float64) (map[string]*monitor.Spikes, *stepper.Stepper) {
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
	if err := s.RunMs(ms); err != nil {
		t.Fatal(err)
	}
	return mons, s
}

func checkNetwork(t *testing.T, model string, net *network.Network, ms float64, pops ...string) {
	ref := loadReference(t)
	mons, s := simulate(t, net, ms)
	for _, p := range pops {
		st := mons[p].Summarize(0, 0, s.Steps(), net.Config.DtMs)
		within(t, ref, model, "rate_hz_"+p, st.RateHz)
		within(t, ref, model, "cv_isi_mean_"+p, st.CVISI)
	}
}

func TestCUBAMatchesBrian2(t *testing.T) {
	net, err := CUBA(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkNetwork(t, "cuba", net, 1000, "E", "I")
}

func TestCOBAMatchesBrian2(t *testing.T) {
	net, err := COBA(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkNetwork(t, "coba", net, 1000, "E", "I")
}

func TestBrunelMatchesBrian2(t *testing.T) {
	net, err := Brunel(Options{Seed: 1}, BrunelParams{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := net.Synapses(), 10000*1000+2500*1000+10000*250+2500*250; got != want {
		t.Fatalf("Brunel has %d synapses, want NE·CE+NI·CE+NE·CI+NI·CI = %d", got, want)
	}
	checkNetwork(t, "brunel_s1", net, 1000, "E", "I")
}

func TestSTDPMatchesBrian2(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s of simulated STDP; run without -short")
	}
	net, err := STDP(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ref := loadReference(t)
	mons, s := simulate(t, net, 20000)
	out := mons["out"].Summarize(0, 0, s.Steps(), net.Config.DtMs)
	in := mons["in"].Summarize(0, 0, s.Steps(), net.Config.DtMs)
	within(t, ref, "stdp", "post_rate_hz", out.RateHz)
	within(t, ref, "stdp", "input_rate_hz", in.RateHz)
	p, _ := net.Projection("syn")
	const gmax = 0.01
	var mean, below, above float64
	for _, w := range p.Runtime.Syn.W {
		x := float64(w) / gmax
		mean += x
		if x < 0.1 {
			below++
		}
		if x > 0.9 {
			above++
		}
	}
	n := float64(p.Runtime.Syn.Len())
	within(t, ref, "stdp", "w_mean_final", mean/n)
	within(t, ref, "stdp", "w_frac_below_0.1", below/n)
	within(t, ref, "stdp", "w_frac_above_0.9", above/n)
}

// TestFICurveExact checks every neuron's spike count against the
// discrete-time prediction of the exact LIF update (refractory period
// counted from the spike step), against Brian2's counts for the same model
// (deterministic, so equal to the spike), and the rate against the
// continuous-time formula f = 1/(t_ref + τ·ln(RI/(RI − θ))) within the
// error of a 0.1 ms grid.
func TestFICurveExact(t *testing.T) {
	net, ri, err := FI(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const T, dt, tau, theta, tref = 1000.0, 0.1, 10.0, 10.0, 5.0
	mons, s := simulate(t, net, T)
	steps := s.Steps()
	counts := mons["lif"].Count()
	P := math.Exp(-dt / tau)
	K := int64(math.Round(tref/dt)) - 1 // held steps after the spike step
	brian := loadFIReference(t)
	total := 0
	for k, x := range ri {
		I := float64(float32(x))
		// Steps m ≥ 1 of integration from v = 0 until v > θ:
		// v_m = I·(1 − P^m).
		want := 0
		if I > theta {
			m := int64(1)
			for v := I * (1 - P); !(v > theta); m++ {
				v = I + (v-I)*P
			}
			// First spike at step m−1; then every K+m steps.
			for st := m - 1; st < steps; st += K + m {
				want++
			}
			f := 1000 / (tref + tau*math.Log(I/(I-theta)))
			isi := float64(K+m) * dt
			if math.Abs(1000/isi-f) > f*f*dt/1000*1.01+1e-9 {
				t.Errorf("neuron %d: discrete rate %g Hz, analytic %g Hz", k, 1000/isi, f)
			}
		}
		if counts[k] != want {
			t.Errorf("neuron %d (R·I = %g mV): %d spikes, discrete prediction %d", k, I, counts[k], want)
		}
		if counts[k] != brian[k] {
			t.Errorf("neuron %d (R·I = %g mV): %d spikes, Brian2 %d", k, I, counts[k], brian[k])
		}
		total += counts[k]
	}
	if total != 6001 {
		t.Errorf("%d spikes in all, Brian2 6001", total)
	}
}

// loadFIReference returns Brian2's spike count per neuron for the fI model
// (rate_count_hz × 1 s, from testdata/brian2/fI_seed1.json).
func loadFIReference(t *testing.T) []int {
	t.Helper()
	b, err := os.ReadFile("../testdata/brian2/fI_seed1.json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		DurationS float64     `json:"duration_s"`
		Columns   []string    `json:"table_columns"`
		Table     [][]float64 `json:"table"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, c := range r.Columns {
		if c == "rate_count_hz" {
			col = i
		}
	}
	if col < 0 || r.DurationS != 1 {
		t.Fatalf("fI reference: no rate_count_hz column or duration %g s", r.DurationS)
	}
	out := make([]int, len(r.Table))
	for i, row := range r.Table {
		out[i] = int(math.Round(row[col] * r.DurationS))
	}
	return out
}

func BenchmarkBrunel(b *testing.B) {
	net, err := Brunel(Options{Seed: 1}, BrunelParams{})
	if err != nil {
		b.Fatal(err)
	}
	s := stepper.New(net)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(1000); err != nil { // 100 ms
			b.Fatal(err)
		}
	}
}

func BenchmarkCUBA(b *testing.B) {
	net, err := CUBA(Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	s := stepper.New(net)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}
