// Package testnets builds the small networks that the engines' tests run
// on every engine and compare bit for bit: a Brunel-like network with
// delays (optionally plastic, with a delayed modulator and learnt
// latencies), and a network in which every learning rule acts at once.
// It is used by tests only.
package testnets

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// brunelPopulations adds the populations of BrunelLike to b: E (800) and
// I (200) exact LIF neurons with a delta receptor "in", an axon "out" of
// per-row delays uniform in [0.5, 2] ms, and a Poisson drive.
func brunelPopulations(b *network.Builder) {
	brunelPopulationsDelayed(b, param.Uniform(0.5, 2), param.Uniform(0.5, 2))
}

// brunelPopulationsDelayed is brunelPopulations with the delays of E's
// and I's axons.
func brunelPopulationsDelayed(b *network.Builder, e, i param.Value) {
	n := brunelLIF()
	for _, p := range []struct {
		name  string
		size  int
		delay param.Value
	}{{"E", 800, e}, {"I", 200, i}} {
		b.Population(p.name, p.size, n).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{DelayMs: p.delay}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 24000, Weight: 0.1})
	}
}

// brunelLIF is the exact LIF neuron of the Brunel-like networks: rest 0,
// threshold 20, reset 10 mV, 2 ms refractory.
func brunelLIF() soma.IF {
	n := soma.LIF()
	n.RestMV = param.Const(0)
	n.ThresholdMV = param.Const(20)
	v10 := param.Const(10)
	n.ResetMV = &v10
	n.RefractoryMs = param.Const(2)
	n.Integration = soma.Exact
	return n
}

// BrunelLike is a recurrent network with per-row delays (0.5–2 ms, so
// segments of 6 steps), Poisson drive and, when plastic, modulated STDP on E→E that
// follows a modulator source through a 3 ms delay and learnt latencies on
// E→I.
func BrunelLike(t testing.TB, plastic bool) *network.Network {
	t.Helper()
	net, err := BrunelLikeBuilder(plastic).Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// BrunelLikeBuilder defines BrunelLike, for builds of a part
// (network.Builder.BuildPart).
func BrunelLikeBuilder(plastic bool) *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 11})
	brunelPopulations(b)
	if plastic {
		seq := make([][]float32, 50)
		for i := range seq {
			seq[i] = []float32{float32(i%7) * 0.1}
		}
		b.Population("da", 1, soma.RateUnit(soma.Linear)).
			Stimulus(&stimulus.Sequence{Frames: seq, Hold: 1}).
			Axon("out", axon.Spec{DelayMs: param.Const(3)})
	}
	for _, c := range []struct {
		from, to string
		w        float64
	}{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}} {
		conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 50, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*c.w, 1.5*c.w)}
		if plastic && c.from == "E" && c.to == "E" {
			conn.Plasticity = plasticity.Modulated{Rule: plasticity.LeakySTDP(20, 20, 0.02, 0.021)}
			conn.Wmin, conn.Wmax = 0, 0.5
			conn.Follow = "da"
		}
		if plastic && c.from == "E" && c.to == "I" {
			conn.Latency = latency.Align{Eta: 0.3, WindowMs: 2, InitMs: param.Uniform(0, 1), Max: 2}
		}
		b.Connect(c.from+c.to, conn)
	}
	return b
}

// LearningZoo is a recurrent E/I network in which every kind of learning
// acts at once, so that one comparison covers them all: adaptive
// thresholds on E; a second E axon with short-term depression
// (Tsodyks–Markram) and delays; triplet STDP (nearest) on E→E;
// multiplicative STDP and learnt latencies on E→I; inhibitory STDP on I→E;
// soft-bound nearest-pairing STDP on I→I; reward-modulated STDP with
// eligibility traces on the depressing E→E pathway, following a leaky
// dopaminergic tissue through a 2 ms axon; windowed reward modulation,
// with a descending rate of depression, on a second E→I projection
// following the spiking population I itself.
func LearningZoo(t testing.TB) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 5})
	lif := func(adapt bool) soma.IF {
		n := soma.LIF()
		n.RestMV, n.ThresholdMV = param.Const(0), param.Const(20)
		v10 := param.Const(10)
		n.ResetMV = &v10
		n.RefractoryMs = param.Const(2)
		n.Integration = soma.Exact
		if adapt {
			n.AdaptiveThreshold = &soma.AdaptiveThreshold{DeltaMV: param.Const(0.5), TauMs: param.Const(50)}
		}
		return n
	}
	b.Population("E", 600, lif(true)).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)}).
		Axon("stp", axon.Spec{DelayMs: param.Const(1), Response: response.TsodyksMarkram{
			U: param.Const(0.5), TauDMs: param.Const(100), TauFMs: param.Const(20)}}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 26000, Weight: 0.1})
	b.Population("I", 150, lif(false)).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 24000, Weight: 0.1})
	reward := make([][]float32, 40)
	for i := range reward {
		if i%10 < 3 {
			reward[i] = []float32{2}
		} else {
			reward[i] = []float32{0}
		}
	}
	b.Population("da", 1, soma.LeakyTissue()).
		Stimulus(&stimulus.Sequence{Frames: reward, Hold: 5}).
		Axon("out", axon.Spec{DelayMs: param.Const(2)})
	conn := func(from, to string, w float64) network.Connection {
		return network.Connection{From: from, To: to, Pattern: connectivity.FixedInDegree{K: 40, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*w, 1.5*w)}
	}
	ee := conn("E", "E", 0.3)
	ee.Plasticity = plasticity.Triplet{TauPlusMs: 17, TauXMs: 100, TauMinusMs: 34, TauYMs: 125,
		A2Plus: 0.5, A3Plus: 0.6, A2Minus: 0.7, A3Minus: 0.02, Pairing: plasticity.Nearest}
	ee.Wmin, ee.Wmax = 0, 0.6
	b.Connect("EE", ee)
	ei := conn("E", "I", 0.3)
	ei.Plasticity = plasticity.MultiplicativeSTDP(20, 20, 0.5, 0.5)
	ei.Wmin, ei.Wmax = 0, 0.6
	ei.Latency = latency.Align{Eta: 0.3, WindowMs: 2, InitMs: param.Uniform(0, 1), Max: 2}
	b.Connect("EI", ei)
	ie := conn("I", "E", 1)
	ie.Plasticity = plasticity.Inhibitory{TauMs: 20, Eta: 0.05, Rho0Hz: 5}
	ie.Wmin, ie.Wmax = 0, 3
	b.Connect("IE", ie)
	ii := conn("I", "I", 1)
	ii.Plasticity = plasticity.STDP{Pre: response.Leaky{Tau: param.Const(20)}, Post: response.Leaky{Tau: param.Const(20)},
		LTP: plasticity.SoftBoundRate{Eta: 0.2}, LTD: plasticity.SoftBoundRate{Eta: 0.25}, Pairing: plasticity.Nearest}
	ii.Wmin, ii.Wmax = 0, 2
	b.Connect("II", ii)
	r := conn("E", "E", 0.2)
	r.Axon = "stp"
	r.Plasticity = plasticity.RSTDP{Rule: plasticity.LeakySTDP(20, 20, 0.5, 0.55), TauCMs: 200}
	r.Wmin, r.Wmax = 0, 0.6
	r.Follow = "da"
	b.Connect("EE-reward", r)
	m := conn("E", "I", 0.1)
	m.Plasticity = plasticity.Modulated{Rule: plasticity.STDP{
		Pre: response.LimitedFlat{Duration: param.Const(10)}, Post: response.LimitedFlat{Duration: param.Const(10)},
		LTP: plasticity.ConstRate{Eta: 0.05}, LTD: plasticity.DescendingRate{Eta0: 0.05, TauMs: 200}}}
	m.Wmin, m.Wmax = 0, 0.3
	m.Follow = "I"
	b.Connect("EI-modulated", m)
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// Result is what a run produced: spikes per population, final weights
// (and learnt latencies, as "<projection> latencies") per projection.
type Result struct {
	Steps   map[string][]int64
	Elems   map[string][]uint32
	Weights map[string][]float32
	// Events are the synaptic events delivered (the engine's Events), or
	// −1 where the engine's runner did not count them.
	Events int64
}

// NewResult returns an empty Result (Events −1: not counted).
func NewResult() Result {
	return Result{map[string][]int64{}, map[string][]uint32{}, map[string][]float32{}, -1}
}

// TakeWeights copies the weights and learnt latencies of every projection
// of net into r.
func (r Result) TakeWeights(net *network.Network) {
	for _, p := range net.Projections {
		r.Weights[p.Name] = slices.Clone(p.Runtime.Syn.W)
		if l := p.Runtime.Latencies(); l != nil {
			r.Weights[p.Name+" latencies"] = slices.Clone(l)
		}
	}
}

// Sequential runs net on the sequential stepper, in two runs (a third,
// then the rest) to check that consecutive runs continue one another.
func Sequential(t *testing.T, net *network.Network, steps int) Result {
	t.Helper()
	s := stepper.New(net)
	result := Monitored(s, net)
	if err := s.Run(steps / 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(steps - steps/3); err != nil {
		t.Fatal(err)
	}
	return result()
}

// Monitored gives s, stepping net, a spike monitor of every population,
// and returns what s has computed when called: the spikes recorded, the
// weights and the synaptic events.
func Monitored(s *stepper.Stepper, net *network.Network) func() Result {
	mons := map[string]*monitor.Spikes{}
	for _, p := range net.Populations {
		m, _ := monitor.NewSpikes(net, p.Name)
		mons[p.Name] = m
		s.AddMonitor(m)
	}
	return func() Result {
		r := NewResult()
		for name, m := range mons {
			r.Steps[name], r.Elems[name] = m.Steps, m.Elements
		}
		r.TakeWeights(net)
		r.Events = s.Events()
		return r
	}
}

// Compare fails t unless got has exactly want's spikes and weights, and
// want's count of synaptic events delivered where got has one. Every
// spiking population of want must have fired (graded ones are named "da"
// or "R" in these networks), so that the comparison compares something.
func Compare(t *testing.T, what string, want, got Result) {
	t.Helper()
	for name := range want.Steps {
		if len(want.Steps[name]) == 0 && name != "da" && name != "R" {
			t.Fatalf("%s: population %s never fired; the comparison needs spikes", what, name)
		}
		if !slices.Equal(want.Steps[name], got.Steps[name]) || !slices.Equal(want.Elems[name], got.Elems[name]) {
			t.Errorf("%s: population %s: %d spikes sequentially, %d here, or different ones",
				what, name, len(want.Steps[name]), len(got.Steps[name]))
		}
	}
	for name, w := range want.Weights {
		if !slices.Equal(w, got.Weights[name]) {
			t.Errorf("%s: projection %s: final weights (or learnt latencies) differ", what, name)
		}
	}
	if got.Events >= 0 && got.Events != want.Events {
		t.Errorf("%s: %d synaptic events delivered sequentially, %d here", what, want.Events, got.Events)
	}
}

// SynapseDelays is BrunelLike with synaptic delays (network.Connection.
// Delay) added to the axons': drawn per synapse from a normal
// distribution (E→E, redrawn below 0), a uniform one rounded to the
// nearest step (I→E), and a constant (E→I); I→I has none. When plastic,
// E→E learns (STDP, with a constant synaptic delay instead), which makes
// the receptor of E deliver on arrival, so I→E's per-synapse delays take
// the deferred path.
func SynapseDelays(t testing.TB, plastic bool) *network.Network {
	t.Helper()
	net, err := SynapseDelaysBuilder(plastic).Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// SynapseDelaysBuilder defines SynapseDelays.
func SynapseDelaysBuilder(plastic bool) *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 13})
	brunelPopulations(b)
	for _, c := range []struct {
		from, to string
		w        float64
		delay    param.Value
		nearest  bool
	}{
		{"E", "E", 0.2, param.Normal(1.5, 0.75), false},
		{"E", "I", 0.2, param.Const(0.3), false},
		{"I", "E", -1, param.Uniform(0, 1), true},
		{"I", "I", -1, param.Value{}, false},
	} {
		conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 50, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*c.w, 1.5*c.w), DelayMs: c.delay}
		if c.nearest {
			conn.DelayRounding = axon.Nearest
		}
		if plastic && c.from == "E" && c.to == "E" {
			conn.Plasticity = plasticity.LeakySTDP(20, 20, 0.02, 0.021)
			conn.Wmin, conn.Wmax = 0, 0.5
			conn.DelayMs = param.Const(0.4)
		}
		b.Connect(c.from+c.to, conn)
	}
	return b
}

// The learning rules of LearningBuilder's E→E projection.
const (
	// LearnAllToAll: all to all, exact tags of 15 and 25 ms, constant
	// rates (each change applied at once); E's axon delays every row
	// 1.5 ms, so with E→E's 0.3 ms an event arrives 19 steps after its
	// spike.
	LearnAllToAll = iota
	// LearnNearest: nearest pairs, pre first, Euler tags of 20 ms,
	// constant rates; E's rows have delays of their own, uniform in
	// [0.5, 2] ms.
	LearnNearest
	// LearnBounded: all to all, exact tags of 20 ms, a soft-bound
	// potentiation and a lower-bound depression (the changes of a step
	// summed, then applied); rows with delays of their own.
	LearnBounded
	// LearnUpper: nearest pairs, pre first, Euler tags, an upper-bound
	// potentiation and a constant depression (summed, then applied); rows
	// with delays of their own.
	LearnUpper
	// LearnModulated: all to all, exact tags, a soft-bound potentiation
	// and a descending depression, the step's changes scaled by the
	// concentration of a graded modulator "da" (a rate unit stepping
	// through 0.1, 0.3 and 0, 2 ms each, reaching the projection 3 ms
	// later); rows with delays of their own.
	LearnModulated
	// LearnDescending: all to all, exact tags, a potentiation whose rate
	// descends (τ = 50 ms) and a constant depression, each change applied
	// at once; rows with delays of their own.
	LearnDescending
	// LearnTwoDelays: two projections E→E learn, all to all with exact
	// tags, "EE" with 0.3 ms of synaptic delay and "EE2" with 0.5 ms;
	// E's axon delays every row 1 ms.
	LearnTwoDelays
	// LearnUnfollowed: LearnModulated's rule following no modulator (the
	// weights never change).
	LearnUnfollowed
	// LearnSilent: modulated by "da" at 0 throughout, with a potentiation
	// rate so large that the step's sums overflow to infinity (the
	// weights never change: 0 times an infinite sum is no change).
	LearnSilent
	// LearnTwoSources: I→E (connected first, weights in [−2, 0]) and E→E
	// learn, all to all with exact tags; E's and I's axons delay every
	// row 1 ms, so their events reach E's receptor at the same steps.
	LearnTwoSources
	// LearnEligibility: reward-modulated STDP with eligibility traces
	// (RSTDP, τc = 200 ms) over LearnModulated's STDP, following "da",
	// which is 0 for 20 ms, 0.3 for 2 ms, then 0 for 40 ms, and so on
	// (reaching the projection 3 ms later: rewards at steps 230–249,
	// 850–869 and 1470–1489 of a run, the first when the traces have
	// built up); rows with delays of their own.
	LearnEligibility
	// LearnEligibilityUnfollowed: LearnEligibility's rule following no
	// modulator (the weights never change).
	LearnEligibilityUnfollowed
)

// LearningBuilder is a Brunel-like network (E 800, I 200, delta
// receptors, Poisson drives) whose E→E projection learns STDP (rule: one
// of the Learn constants), with
// weights in [0, 0.5] and 0.3 ms of synaptic delay; the other projections
// are static.
func LearningBuilder(rule int) *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 17})
	switch rule {
	case LearnAllToAll:
		brunelPopulationsDelayed(b, param.Const(1.5), param.Uniform(0.5, 2))
	case LearnTwoDelays:
		brunelPopulationsDelayed(b, param.Const(1), param.Uniform(0.5, 2))
	case LearnTwoSources:
		brunelPopulationsDelayed(b, param.Const(1), param.Const(1))
	default:
		brunelPopulations(b)
	}
	frames := [][]float32{{0.1}, {0.3}, {0}}
	switch rule {
	case LearnSilent:
		frames = [][]float32{{0}}
	case LearnEligibility:
		frames = nil
		for k := range 31 {
			frames = append(frames, []float32{map[bool]float32{true: 0.3}[k == 10]})
		}
	}
	if rule == LearnModulated || rule == LearnSilent || rule == LearnEligibility {
		b.Population("da", 1, soma.RateUnit(soma.Linear)).
			Stimulus(&stimulus.Sequence{Frames: frames, Hold: 20}).
			Axon("out", axon.Spec{DelayMs: param.Const(3)})
	}
	type link struct {
		from, to string
		w        float64
	}
	links := []link{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}}
	if rule == LearnTwoSources {
		links = []link{{"I", "E", -1}, {"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "I", -1}}
	}
	for _, c := range links {
		conn := network.Connection{From: c.from, To: c.to, Pattern: connectivity.FixedInDegree{K: 50, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*c.w, 1.5*c.w)}
		if rule == LearnTwoSources && c.from == "I" && c.to == "E" {
			conn.Plasticity = learningRule(rule)
			conn.Wmin, conn.Wmax = -2, 0
			conn.DelayMs = param.Const(0.3)
		}
		if c.from == "E" && c.to == "E" {
			conn.Plasticity = learningRule(rule)
			switch rule {
			case LearnModulated, LearnSilent:
				conn.Plasticity, conn.Follow = plasticity.Modulated{Rule: learningRule(rule)}, "da"
			case LearnUnfollowed:
				conn.Plasticity = plasticity.Modulated{Rule: learningRule(LearnModulated)}
			case LearnEligibility:
				conn.Plasticity, conn.Follow = plasticity.RSTDP{Rule: learningRule(LearnModulated), TauCMs: 200}, "da"
			case LearnEligibilityUnfollowed:
				conn.Plasticity = plasticity.RSTDP{Rule: learningRule(LearnModulated), TauCMs: 200}
			}
			conn.Wmin, conn.Wmax = 0, 0.5
			conn.DelayMs = param.Const(0.3)
		}
		b.Connect(c.from+c.to, conn)
		if rule == LearnTwoDelays && c.from == "E" && c.to == "E" {
			// After EE: its events of a step, sent earlier, come first in
			// the CPU's queue.
			conn.DelayMs = param.Const(0.5)
			b.Connect("EE2", conn)
		}
	}
	return b
}

// learningRule is LearningBuilder's rule.
func learningRule(rule int) plasticity.STDP {
	r := plasticity.LeakySTDP(20, 20, 0.02, 0.021)
	exact := response.Leaky{Tau: param.Const(20), Exact: true}
	switch rule {
	case LearnAllToAll:
		r.Pre = response.Leaky{Tau: param.Const(15), Exact: true}
		r.Post = response.Leaky{Tau: param.Const(25), Exact: true}
	case LearnNearest:
		r.Pairing, r.PreFirst = plasticity.Nearest, true
	case LearnBounded:
		// (0.5 − w)·w is at most 1/16, w at most 1/2: rates of the same
		// size as the constant ones.
		r.Pre, r.Post = exact, exact
		r.LTP, r.LTD = plasticity.SoftBoundRate{Eta: 0.3}, plasticity.LowerBoundRate{Eta: 0.08}
	case LearnUpper:
		r.Pairing, r.PreFirst = plasticity.Nearest, true
		r.LTP = plasticity.UpperBoundRate{Eta: 0.08}
	case LearnDescending:
		r.Pre, r.Post = exact, exact
		r.LTP = plasticity.DescendingRate{Eta0: 0.04, TauMs: 50}
	case LearnModulated:
		// Scaled by 0.1 to 0.3: larger rates, for changes of the same size.
		r.Pre, r.Post = exact, exact
		r.LTP, r.LTD = plasticity.SoftBoundRate{Eta: 3}, plasticity.DescendingRate{Eta0: 0.2, TauMs: 100}
	case LearnTwoDelays, LearnTwoSources:
		r.Pre, r.Post = exact, exact
	case LearnSilent:
		slow := response.Leaky{Tau: param.Const(5000), Exact: true}
		r.Pre, r.Post = slow, slow
		r.LTP, r.LTD = plasticity.ConstRate{Eta: 3.4e38}, plasticity.ConstRate{Eta: 0}
	}
	return r
}

// TwoAreas is two Brunel-like areas, each of E (400) and I (100) exact LIF
// neurons with a Poisson drive and delays of 0.5–1.5 ms within the area,
// whose E populations excite each other's E and I through a second axon,
// "long", with delays of 4–6 ms: far links (network.Network.FarAxons)
// into the same receptors as the near ones. When plastic, the far A→B
// projection learns (STDP), so that the receptor's far input delivers on
// arrival, and a modulator source reaches a modulated E→E projection
// through a 3 ms delay.
func TwoAreas(t testing.TB, plastic bool) *network.Network {
	t.Helper()
	net, err := TwoAreasBuilder(plastic).Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// Fixed builds the network that builder defines with its synaptic sums
// in fixed point (network.Config.FixedPoint).
func Fixed(t testing.TB, builder *network.Builder) *network.Network {
	t.Helper()
	builder.SetFixedPoint(true)
	net, err := builder.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TwoAreasBuilder defines TwoAreas, for builds of a part.
func TwoAreasBuilder(plastic bool) *network.Builder {
	b := network.New(network.Config{DtMs: 0.1, Seed: 23})
	n := brunelLIF()
	for _, area := range []string{"A", "B"} {
		for _, p := range []struct {
			name string
			size int
		}{{"E", 400}, {"I", 100}} {
			pd := b.Population(area+p.name, p.size, n).
				Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
				Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 1.5)}).
				Drive("in", &stimulus.PoissonDrive{RateHz: 24000, Weight: 0.1})
			if p.name == "E" {
				pd.Axon("long", axon.Spec{DelayMs: param.Uniform(4, 6)})
			}
		}
	}
	if plastic {
		b.Population("da", 1, soma.RateUnit(soma.Linear)).
			Stimulus(&stimulus.Sequence{Frames: [][]float32{{0.1}, {0.3}, {0}}, Hold: 20}).
			Axon("out", axon.Spec{DelayMs: param.Const(3)})
	}
	for _, area := range []string{"A", "B"} {
		for _, c := range []struct {
			from, to string
			w        float64
		}{{"E", "E", 0.2}, {"E", "I", 0.2}, {"I", "E", -1}, {"I", "I", -1}} {
			conn := network.Connection{From: area + c.from, To: area + c.to, Pattern: connectivity.FixedInDegree{K: 40, Multapses: true},
				Autapses: true, Weight: param.Uniform(0.5*c.w, 1.5*c.w)}
			if plastic && area == "B" && c.from == "E" && c.to == "E" {
				conn.Plasticity = plasticity.Modulated{Rule: plasticity.LeakySTDP(20, 20, 0.02, 0.021)}
				conn.Wmin, conn.Wmax = 0, 0.5
				conn.Follow = "da"
			}
			b.Connect(area+c.from+c.to, conn)
		}
	}
	for _, c := range []struct{ from, to string }{{"AE", "BE"}, {"AE", "BI"}, {"BE", "AE"}, {"BE", "AI"}} {
		conn := network.Connection{From: c.from, To: c.to, Axon: "long", Pattern: connectivity.FixedInDegree{K: 20, Multapses: true},
			Weight: param.Uniform(0.1, 0.3)}
		if plastic && c.from == "AE" && c.to == "BE" {
			conn.Plasticity = plasticity.LeakySTDP(20, 20, 0.02, 0.021)
			conn.Wmin, conn.Wmax = 0, 0.5
		}
		b.Connect(c.from+"-"+c.to, conn)
	}
	return b
}

// BatchedPlastic is a network of two copies (Config.Batch 2): 100 LIF
// neurons driven by Poisson input (each copy its own draws), a plastic
// E→E projection (leaky STDP) whose weights the copies share and whose
// traces each copy keeps, and an E→I projection with delays of its own.
func BatchedPlastic(t testing.TB) *network.Network {
	t.Helper()
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
	b := network.New(network.Config{DtMs: 0.1, Seed: 31, Batch: 2})
	b.Population("E", 100, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 2000, Weight: 1})
	b.Population("I", 20, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta})
	b.Connect("EE", network.Connection{From: "E", To: "E", Pattern: connectivity.FixedInDegree{K: 5},
		Weight: param.Uniform(0, 0.5), Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.011), Wmax: 1,
		DelayMs: param.Const(0.5)})
	b.Connect("EI", network.Connection{From: "E", To: "I", Pattern: connectivity.FixedInDegree{K: 10},
		Weight: param.Const(2), DelayMs: param.Normal(1, 0.5).Within(0.1, 3)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}
