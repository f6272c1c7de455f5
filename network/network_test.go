package network_test

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
	"github.com/spiral-sim/spiral/synapse"
)

// silentLIF never fires (threshold far away) and has no leak effect on a
// zero-rest potential: v stays 0 until an input arrives.
func silentLIF() soma.IF {
	s := soma.LIF()
	s.RestMV = param.Const(0)
	s.ThresholdMV = param.Const(1e9)
	s.TauMs = param.Const(1e9)
	return s
}

// TestLatency checks the latency rule of docs/model-core.md ("Time and the
// order within a step"): a spike emitted at step n through an axon with
// delay d acts on its target at step n + 1 + floor(d/dt).
func TestLatency(t *testing.T) {
	const dt = 0.1
	for _, d := range []float64{0, 0.05, 0.25, 1.5, 3.3} {
		b := network.New(network.Config{DtMs: dt})
		b.Population("src", 1, encoder.SpikeArray{Neurons: []int{0}, TimesMs: []float64{0.7}}).
			Axon("out", axon.Spec{DelayMs: param.Const(d)})
		b.Population("dst", 1, silentLIF())
		b.Connect("p", network.Connection{From: "src", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Const(2)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		s := stepper.New(net)
		v, err := monitor.NewState(net, "dst", "v", nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		s.AddMonitor(v)
		if err := s.Run(60); err != nil {
			t.Fatal(err)
		}
		want := 7 + 1 + int(math.Floor(d/dt+1e-9))
		first := -1
		for k, row := range v.Values {
			if row[0] != 0 {
				first = int(v.Steps[k])
				break
			}
		}
		if first != want {
			t.Errorf("delay %g ms: input arrived at step %d, want 7 + 1 + floor(d/dt) = %d", d, first, want)
		}
		if got := v.Values[len(v.Values)-1][0]; math.Abs(float64(got)-2) > 1e-4 {
			t.Errorf("delay %g ms: potential %g after one event of weight 2", d, got)
		}
	}
}

// brunelLike builds a small recurrent network with delays and Poisson
// drive; plastic makes E→E plastic with zero learning rates.
func brunelLike(t *testing.T, batch int, plastic bool) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 7, Batch: batch})
	n := soma.LIF()
	n.RestMV = param.Const(0)
	n.ThresholdMV = param.Const(20)
	n.ResetMV = ptrV(param.Const(10))
	n.RefractoryMs = param.Const(2)
	n.Integration = soma.Exact
	for _, p := range []struct {
		name string
		size int
	}{{"E", 400}, {"I", 100}} {
		b.Population(p.name, p.size, n).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 25000, Weight: 0.1})
	}
	for _, c := range []struct {
		from, to string
		w        float64
	}{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}} {
		conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 40}, Weight: param.Const(c.w)}
		if plastic && c.from == "E" && c.to == "E" {
			tag := plasticity.LeakySTDP(20, 20, 0, 0)
			conn.Plasticity = tag
			conn.Wmin, conn.Wmax = -10, 10
		}
		b.Connect(c.from+c.to, conn)
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func ptrV(v param.Value) *param.Value { return &v }

func spikesOf(t *testing.T, net *network.Network, steps int) map[string]*monitor.Spikes {
	t.Helper()
	s := stepper.New(net)
	out := map[string]*monitor.Spikes{}
	for _, p := range net.Populations {
		m, err := monitor.NewSpikes(net, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		out[p.Name] = m
		s.AddMonitor(m)
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeferredDeliveryMatchesImmediate: a plastic projection (learning
// rate zero) delivers on arrival, a static one at emission; the spikes
// must be identical.
func TestDeferredDeliveryMatchesImmediate(t *testing.T) {
	a := spikesOf(t, brunelLike(t, 1, false), 2000)
	b := spikesOf(t, brunelLike(t, 1, true), 2000)
	for _, p := range []string{"E", "I"} {
		if len(a[p].Steps) < 100 {
			t.Fatalf("%s fired only %d spikes; the test needs activity", p, len(a[p].Steps))
		}
		if !slices.Equal(a[p].Steps, b[p].Steps) || !slices.Equal(a[p].Elements, b[p].Elements) {
			t.Errorf("%s: spikes differ between immediate (%d) and deferred (%d) delivery", p, len(a[p].Steps), len(b[p].Steps))
		}
	}
}

// TestDeterministic: the same seed gives the same spikes.
func TestDeterministic(t *testing.T) {
	a := spikesOf(t, brunelLike(t, 1, false), 1000)
	b := spikesOf(t, brunelLike(t, 1, false), 1000)
	if !slices.Equal(a["E"].Elements, b["E"].Elements) || !slices.Equal(a["E"].Steps, b["E"].Steps) {
		t.Error("two runs with the same seed differ")
	}
}

// TestBatchCopiesAreIndependent: in a batch, each copy is a network of
// its own (routing never crosses copies) driven by its own random draws;
// copy 0 of a batch of 3 equals the batch-1 network.
func TestBatchCopiesAreIndependent(t *testing.T) {
	one := spikesOf(t, brunelLike(t, 1, false), 1000)
	three := spikesOf(t, brunelLike(t, 3, false), 1000)
	for _, p := range []string{"E", "I"} {
		n := uint32(map[string]int{"E": 400, "I": 100}[p])
		var steps []int64
		var elems []uint32
		counts := make([]int, 3)
		for k, e := range three[p].Elements {
			counts[e/n]++
			if e < n {
				steps = append(steps, three[p].Steps[k])
				elems = append(elems, e)
			}
		}
		if !slices.Equal(steps, one[p].Steps) || !slices.Equal(elems, one[p].Elements) {
			t.Errorf("%s: copy 0 of a batch differs from the unbatched network", p)
		}
		if counts[1] == 0 || counts[2] == 0 {
			t.Errorf("%s: copies 1 and 2 silent: %v", p, counts)
		}
		if counts[0] == counts[1] && counts[1] == counts[2] {
			t.Errorf("%s: the copies fired exactly alike (%v): their random drives are not independent", p, counts)
		}
	}
}

// TestGradedAndSpikingMix: a classical rate unit (r = I, instantaneous)
// drives a spiking population through an axon and a delta receptor; the
// LIF receives w·r one step later. The LIF (Euler, leak) then follows
// v_n = v_{n−1}(1 − dt/τ) + w·r_{n−1}, computed here by hand.
func TestGradedAndSpikingMix(t *testing.T) {
	const dt, tau, w = 0.1, 10.0, 0.5
	b := network.New(network.Config{DtMs: dt})
	// r_n = n·0.01 for n < 50, then 0.
	drive := make([]float32, 80)
	for n := range drive {
		if n < 50 {
			drive[n] = float32(n) * 0.01
		}
	}
	seq := make([][]float32, len(drive))
	for n := range seq {
		seq[n] = []float32{drive[n]}
	}
	b.Population("rate", 1, soma.RateUnit(soma.Linear)).Stimulus(&stimulus.Sequence{Frames: seq, Hold: 1})
	lif := silentLIF()
	lif.TauMs = param.Const(tau)
	b.Population("lif", 1, lif)
	b.Connect("p", network.Connection{From: "rate", To: "lif", Pattern: connectivity.AllToAll{}, Weight: param.Const(w)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := stepper.New(net)
	v, _ := monitor.NewState(net, "lif", "v", nil, 1)
	s.AddMonitor(v)
	if err := s.Run(len(drive)); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for n := range drive {
		in := 0.0
		if n > 0 {
			in = w * float64(drive[n-1])
		}
		want = want*(1-dt/tau) + in
		if got := float64(v.Values[n][0]); math.Abs(got-want) > 1e-5 {
			t.Fatalf("step %d: v = %g, want %g", n, got, want)
		}
	}
}

// modProbe is a learning rule that records the modulator it sees.
type modProbe struct{ seen *[]float32 }

func (m modProbe) Kind() string         { return "probe" }
func (m modProbe) ReadsModulator() bool { return true }
func (m modProbe) New(p *plasticity.Synapses) (plasticity.Rule, error) {
	return probeRule{m.seen}, nil
}

type probeRule struct{ seen *[]float32 }

func (r probeRule) Step(d *plasticity.StepData, acc *plasticity.Delta) {
	v := float32(0)
	if d.Modulator != nil {
		v = d.Modulator[0]
	}
	*r.seen = append(*r.seen, v)
}
func (r probeRule) Reset() {}

// TestModulatorDelay: a projection following a modulator source sees the
// source's output L = 1 + floor(d/dt) steps later, scaled by the
// modulator axon's response function.
func TestModulatorDelay(t *testing.T) {
	const dt, d = 0.1, 2.0
	b := network.New(network.Config{DtMs: dt})
	seq := make([][]float32, 100)
	for n := range seq {
		seq[n] = []float32{0}
	}
	seq[10][0] = 3 // a reward at step 10
	b.Population("dopamine", 1, soma.RateUnit(soma.Linear)).
		Stimulus(&stimulus.Sequence{Frames: seq, Hold: 1}).
		Axon("volume", axon.Spec{DelayMs: param.Const(d)})
	b.Population("pre", 2, encoder.Poisson{RateHz: param.Const(50)})
	b.Population("post", 2, silentLIF())
	var seen []float32
	b.Connect("p", network.Connection{From: "pre", To: "post", Pattern: connectivity.OneToOne{},
		Weight: param.Const(0.1), Plasticity: modProbe{&seen}, Follow: "dopamine", ModulatorAxon: "volume"})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := stepper.New(net).Run(60); err != nil {
		t.Fatal(err)
	}
	arrive := 10 + 1 + int(math.Floor(d/dt+1e-9))
	for n, v := range seen {
		want := float32(0)
		if n == arrive {
			want = 3
		}
		if v != want {
			t.Errorf("step %d: modulator %g, want %g (reward at 10 arrives at %d)", n, v, want, arrive)
		}
	}
}

// TestMaskBlocksSynapses: a per-step mask gates transmission.
func TestMaskBlocksSynapses(t *testing.T) {
	b := network.New(network.Config{DtMs: 1})
	b.Population("src", 2, encoder.SpikeArray{Neurons: []int{0, 1, 0, 1}, TimesMs: []float64{1, 1, 5, 5}})
	b.Population("dst", 1, silentLIF())
	b.Connect("p", network.Connection{From: "src", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Array(1, 10)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := net.Projection("p")
	mask := []bool{true, true}
	if err := p.SetMask(mask); err != nil {
		t.Fatal(err)
	}
	s := stepper.New(net)
	v, _ := monitor.NewState(net, "dst", "v", nil, 1)
	s.AddMonitor(v)
	if err := s.Run(4); err != nil {
		t.Fatal(err)
	}
	mask[1] = false // block the weight-10 synapse from now on
	if err := s.Run(6); err != nil {
		t.Fatal(err)
	}
	// Step 2: both arrive (11); step 6: only the first (+1).
	if got := v.Values[2][0]; math.Abs(float64(got)-11) > 1e-3 {
		t.Errorf("after the first pair v = %g, want 11", got)
	}
	if got := v.Values[9][0]; math.Abs(float64(got)-12) > 1e-3 {
		t.Errorf("after the masked pair v = %g, want 12", got)
	}
	if err := p.SetMask([]bool{true}); err == nil {
		t.Error("a mask of the wrong length was accepted")
	}
}

// TestBuildReportsEveryError: all problems at once, each naming its
// object and value.
func TestBuildReportsEveryError(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1})
	bad := soma.LIF()
	bad.TauMs = param.Const(-3)
	b.Population("A", 10, soma.LIF()).Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 0})
	b.Population("A", 5, soma.LIF())
	b.Population("B", 10, bad)
	b.Population("C", 0, soma.LIF())
	b.Population("D", 4, soma.LIF()).Axon("slow", axon.Spec{DelayMs: param.Const(-1)})
	b.Connect("p1", network.Connection{From: "AA", To: "A", Pattern: connectivity.AllToAll{}})
	b.Connect("p2", network.Connection{From: "A", To: "A", Receptor: "gx", Pattern: connectivity.AllToAll{}})
	b.Connect("p3", network.Connection{From: "A", To: "A", Pattern: connectivity.Bernoulli{P: 1.5}})
	b.Connect("p4", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}, Wmin: 2, Wmax: 1})
	b.Connect("p5", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}, Weight: param.Array(1, 2)})
	b.Connect("p6", network.Connection{From: "A", To: "A"})
	b.Connect("p1", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}})
	_, err := b.Build()
	if err == nil {
		t.Fatal("Build accepted a broken network")
	}
	msg := err.Error()
	for _, want := range []string{
		`population "A": duplicate name`,
		`population "B" (lif)`, "-3",
		`population "C"`, "size = 0",
		`axon "slow"`,
		`projection "p1": from = "AA": no such population (did you mean "A"?)`,
		`projection "p2": receptor = "gx"`,
		`projection "p3": connectivity: bernoulli: P = 1.5`,
		`projection "p4": weight bounds [2, 1]`,
		`projection "p5"`, "array has 2 values, want 90 (one per element)",
		`projection "p6": no connectivity pattern`,
		`projection "p1": duplicate name`,
		`receptor "ge"`, "tau_ms = 0",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if bad := (network.Config{DtMs: -1}); true {
		_, err := network.New(bad).Build()
		if err == nil || !strings.Contains(err.Error(), "dt_ms = -1") {
			t.Errorf("negative dt: %v", err)
		}
	}
	var j interface{ Unwrap() []error }
	if !errors.As(err, &j) || len(j.Unwrap()) < 10 {
		t.Errorf("want one joined error per problem, got %v", err)
	}
}

// TestCanonicalDeliveryOrder: events emitted at different steps that
// arrive together are added in emission order whether the projection
// delivers at emission (static), on arrival (masked) or is plastic.
// Neuron 2 fires at step 0 (delay 2 ms, w = −1e8), neuron 1 at step 1
// (1 ms, +1e8), neuron 0 at step 2 (0 ms, +1): all arrive at step 3. In
// emission order the float32 sum is (−1e8 + 1e8) + 1 = 1; any order that
// adds the 1 before the two large weights cancel loses it.
func TestCanonicalDeliveryOrder(t *testing.T) {
	for _, mode := range []string{"static", "masked", "plastic"} {
		b := network.New(network.Config{DtMs: 1})
		b.Population("src", 3, encoder.SpikeArray{Neurons: []int{2, 1, 0}, TimesMs: []float64{0, 1, 2}}).
			Axon("out", axon.Spec{DelayMs: param.Array(0, 1, 2)})
		b.Population("dst", 1, silentLIF())
		c := network.Connection{From: "src", To: "dst", Pattern: connectivity.AllToAll{}, Weight: param.Array(1, 1e8, -1e8)}
		if mode == "plastic" {
			c.Plasticity = plasticity.LeakySTDP(20, 20, 0, 0)
			c.Wmin, c.Wmax = -1e9, 1e9
		}
		b.Connect("p", c)
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		if mode == "masked" {
			p, _ := net.Projection("p")
			if err := p.SetMask([]bool{true, true, true}); err != nil {
				t.Fatal(err)
			}
		}
		s := stepper.New(net)
		v, _ := monitor.NewState(net, "dst", "v", nil, 1)
		s.AddMonitor(v)
		if err := s.Run(5); err != nil {
			t.Fatal(err)
		}
		if got := v.Values[3][0]; got != 1 {
			t.Errorf("%s: v = %g after the three events, want 1 (emission order)", mode, got)
		}
	}
}

// Following a modulator with a rule that reads none is refused, naming the
// projection, the rule and the rules that do read one; a rule that reads
// one (here inside a composite) is accepted.
func TestFollowNeedsAModulatedRule(t *testing.T) {
	build := func(rule plasticity.Spec) error {
		b := network.New(network.Config{DtMs: 0.1})
		b.Population("a", 2, soma.LIF())
		b.Population("da", 1, soma.RateUnit(soma.Linear))
		b.Connect("p", network.Connection{From: "a", To: "a", Pattern: connectivity.AllToAll{}, Weight: param.Const(0.1),
			Plasticity: rule, Follow: "da"})
		_, err := b.Build()
		return err
	}
	err := build(plasticity.LeakySTDP(20, 20, 0.01, 0.01))
	if err == nil || !strings.Contains(err.Error(), `projection "p": follow = "da": the rule stdp reads no neuromodulator`) ||
		!strings.Contains(err.Error(), "rstdp") || !strings.Contains(err.Error(), "modulated") {
		t.Errorf("follow with plain STDP: %v", err)
	}
	if err := build(plasticity.Composite{Rules: []plasticity.Spec{plasticity.Convergent{TauMs: 100},
		plasticity.Modulated{Rule: plasticity.LeakySTDP(20, 20, 0.01, 0.01)}}}); err != nil {
		t.Errorf("follow with a composite holding a modulated rule: %v", err)
	}
}

// TestFollowNeedsPlasticity: a neuromodulator is read only by plasticity.
func TestFollowNeedsPlasticity(t *testing.T) {
	b := network.New(network.Config{DtMs: 1})
	b.Population("da", 1, soma.RateUnit(soma.Linear))
	b.Population("a", 2, soma.LIF())
	b.Connect("p", network.Connection{From: "a", To: "a", Pattern: connectivity.AllToAll{}, Follow: "da"})
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), `projection "p": follow = "da"`) {
		t.Errorf("Follow without plasticity: %v", err)
	}
}

// TestPopulationAsModulator: a spiking population of any size serves as a
// modulator source; the projection sees the summed release of its axon —
// here the number of its spikes, each scaled by the axon's response (0.5)
// — 1 + floor(d/dt) steps after they were fired.
func TestPopulationAsModulator(t *testing.T) {
	const dt, d = 1.0, 3.0
	b := network.New(network.Config{DtMs: dt})
	// Three neurons: spikes at steps 5 (two neurons) and 9 (all three).
	b.Population("vta", 3, encoder.SpikeArray{Neurons: []int{0, 2, 0, 1, 2}, TimesMs: []float64{5, 5, 9, 9, 9}}).
		Axon("out", axon.Spec{DelayMs: param.Const(d), Response: response.Scaling{Scale: param.Const(0.5)}})
	b.Population("pre", 2, encoder.Poisson{RateHz: param.Const(50)})
	b.Population("post", 2, silentLIF())
	var seen []float32
	b.Connect("p", network.Connection{From: "pre", To: "post", Pattern: connectivity.OneToOne{},
		Weight: param.Const(0.1), Plasticity: modProbe{&seen}, Follow: "vta"})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := stepper.New(net).Run(20); err != nil {
		t.Fatal(err)
	}
	L := 1 + int(d/dt)
	want := make([]float32, 20)
	want[5+L], want[9+L] = 2*0.5, 3*0.5
	if !slices.Equal(seen, want) {
		t.Fatalf("modulator seen per step = %v, want %v", seen, want)
	}
}

// Two axons of one population with the same distribution of delays draw
// different delays (their streams are keyed by the axon's name), and the
// same axon draws the same delays in every build.
func TestAxonDelayStreamsPerAxon(t *testing.T) {
	build := func() *network.Network {
		b := network.New(network.Config{DtMs: 0.1, Seed: 3})
		b.Population("p", 200, encoder.Poisson{RateHz: param.Const(10)}).
			Axon("a", axon.Spec{DelayMs: param.Uniform(0, 5)}).
			Axon("b", axon.Spec{DelayMs: param.Uniform(0, 5)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	lat := func(net *network.Network, name string) []int {
		for _, a := range net.Axons {
			if a.Name == name {
				out := make([]int, a.Axon.Rows())
				for r := range out {
					out[r] = a.Axon.Latency(r)
				}
				return out
			}
		}
		t.Fatalf("no axon %q", name)
		return nil
	}
	n1, n2 := build(), build()
	a, b := lat(n1, "a"), lat(n1, "b")
	if slices.Equal(a, b) {
		t.Error("axons a and b of one population drew the same delays")
	}
	if !slices.Equal(a, lat(n2, "a")) {
		t.Error("axon a drew different delays in two builds")
	}
}

// The synapses are drawn on one goroutine per core: the network must not
// depend on how many there are. A network with several patterns, random
// weights, plastic and static projections and a default axon is built with
// GOMAXPROCS 1 and 4, and every projection's structure and weights, and the
// axons' order, must agree.
func TestBuildIndependentOfCores(t *testing.T) {
	build := func(procs int) *network.Network {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		b := network.New(network.Config{DtMs: 0.1, Seed: 9})
		b.Population("E", 300, soma.LIF()).Axon("fast", axon.Spec{DelayMs: param.Uniform(0.1, 2)})
		b.Population("I", 80, soma.LIF())
		b.Population("M", 1, soma.LIF())
		w := param.Normal(0.5, 0.1)
		b.Connect("EE", network.Connection{From: "E", To: "E", Axon: "fast", Pattern: connectivity.FixedInDegree{K: 40}, Weight: w})
		b.Connect("EI", network.Connection{From: "E", To: "I", Pattern: connectivity.Bernoulli{P: 0.2}, Weight: param.Const(0.3)})
		b.Connect("IE", network.Connection{From: "I", To: "E", Pattern: connectivity.FixedTotal{N: 5000, Multapses: true}, Weight: w,
			Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.01), Wmax: 2})
		b.Connect("II", network.Connection{From: "I", To: "I", Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, 1)})
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	one, four := build(1), build(4)
	for k, p := range one.Projections {
		q := four.Projections[k]
		a, b := p.Runtime.Syn, q.Runtime.Syn
		if p.Name != q.Name || !slices.Equal(a.Ptr, b.Ptr) || !slices.Equal(a.Idx, b.Idx) || !slices.Equal(a.W, b.W) || p.Axon != q.Axon {
			t.Errorf("projection %s differs between 1 and 4 cores", p.Name)
		}
		if a.Len() == 0 {
			t.Errorf("projection %s: no synapses drawn", p.Name)
		}
		wa, ua := a.Uniform()
		wb, ub := b.Uniform()
		if ua != ub || wa != wb {
			t.Errorf("projection %s: uniform weight %g (%v) on one core, %g (%v) on four", p.Name, wa, ua, wb, ub)
		}
	}
	for k, a := range one.Axons {
		if b := four.Axons[k]; a.Name != b.Name || a.Source != b.Source {
			t.Errorf("axon %d: %s of %d on one core, %s of %d on four", k, a.Name, a.Source, b.Name, b.Source)
		}
	}
}

// panicky is a pattern whose drawing panics.
type panicky struct{ connectivity.AllToAll }

func (panicky) Build(connectivity.Shape, rng.Key) (*synapse.CSR, error) { panic("no luck") }

// A pattern that panics while its synapses are drawn (on another
// goroutine) fails Build with an error naming the projection.
func TestPanickingPatternIsAnError(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("A", 10, soma.LIF())
	b.Connect("ok", network.Connection{From: "A", To: "A", Pattern: connectivity.AllToAll{}})
	b.Connect("bad", network.Connection{From: "A", To: "A", Pattern: panicky{}})
	_, err := b.Build()
	if err == nil || !strings.Contains(err.Error(), `projection "bad"`) || !strings.Contains(err.Error(), "no luck") {
		t.Fatalf("a panicking pattern: %v", err)
	}
}

// A typed nil stimulus, drive or principle is a build error, not a panic,
// and a zero Builder works as New's.
func TestNilInputsAndZeroBuilder(t *testing.T) {
	b := &network.Builder{}
	b.Population("E", 5, soma.LIF()).Drive("in", (*stimulus.PoissonDrive)(nil)).Stimulus((*stimulus.Constant)(nil))
	_, err := b.Build()
	if err == nil || !strings.Contains(err.Error(), `population "E": nil drive`) || !strings.Contains(err.Error(), `population "E": nil stimulus`) {
		t.Errorf("Build: %v, want the typed nils refused", err)
	}
	ok := &network.Builder{}
	ok.Population("E", 5, soma.LIF())
	if _, err := ok.Build(); err != nil {
		t.Errorf("a zero Builder: %v", err)
	}
}

// One PoissonDrive object given as two drives of one population is
// refused with a message that says so, not that it belongs elsewhere.
func TestOneDriveTwice(t *testing.T) {
	b := network.New(network.Config{})
	d := &stimulus.PoissonDrive{RateHz: 100, Weight: 1}
	b.Population("E", 5, soma.LIF()).Drive("in", d).Drive("in", d)
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "give every drive a PoissonDrive of its own") {
		t.Errorf("Build: %v, want the shared drive refused", err)
	}
}
