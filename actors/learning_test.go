package actors_test

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// learningZoo is a recurrent E/I network in which every kind of learning
// acts at once, so that one comparison covers them all: adaptive
// thresholds on E; a second E axon with short-term depression
// (Tsodyks–Markram) and delays; triplet STDP (nearest) on E→E;
// multiplicative STDP and learnt latencies on E→I; inhibitory STDP on I→E;
// soft-bound nearest-pairing STDP on I→I; reward-modulated STDP with
// eligibility traces on the depressing E→E pathway, following a leaky
// dopaminergic tissue through a 2 ms axon; windowed reward modulation on a
// second E→I projection following the spiking population I itself.
func learningZoo(t testing.TB) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 5})
	lif := func(adapt bool) soma.IF {
		n := soma.LIF()
		n.Rest, n.Threshold = param.Const(0), param.Const(20)
		v10 := param.Const(10)
		n.Reset = &v10
		n.Refractory = param.Const(2)
		n.Integration = soma.Exact
		if adapt {
			n.AdaptiveThreshold = &soma.AdaptiveThreshold{Delta: param.Const(0.5), Tau: param.Const(50)}
		}
		return n
	}
	b.Population("E", 600, lif(true)).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{Delay: param.Uniform(0.5, 2)}).
		Axon("stp", axon.Spec{Delay: param.Const(1), Response: response.TsodyksMarkram{
			U: param.Const(0.5), TauD: param.Const(100), TauF: param.Const(20)}}).
		Drive("in", &stimulus.PoissonDrive{RateHz: 26000, Weight: 0.1})
	b.Population("I", 150, lif(false)).
		Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
		Axon("out", axon.Spec{Delay: param.Uniform(0.5, 2)}).
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
		Axon("out", axon.Spec{Delay: param.Const(2)})
	conn := func(from, to string, w float64) network.Connection {
		return network.Connection{From: from, To: to, Pattern: connectivity.FixedInDegree{K: 40, Multapses: true},
			Autapses: true, Weight: param.Uniform(0.5*w, 1.5*w)}
	}
	ee := conn("E", "E", 0.3)
	ee.Plasticity = plasticity.Triplet{TauPlus: 17, TauX: 100, TauMinus: 34, TauY: 125,
		A2Plus: 0.5, A3Plus: 0.6, A2Minus: 0.7, A3Minus: 0.02, Pairing: plasticity.Nearest}
	ee.Wmin, ee.Wmax = 0, 0.6
	b.Connect("EE", ee)
	ei := conn("E", "I", 0.3)
	ei.Plasticity = plasticity.MultiplicativeSTDP(20, 20, 0.5, 0.5)
	ei.Wmin, ei.Wmax = 0, 0.6
	ei.Latency = latency.Align{Eta: 0.3, WindowMs: 2, InitMs: param.Uniform(0, 1), Max: 2}
	b.Connect("EI", ei)
	ie := conn("I", "E", 1)
	ie.Plasticity = plasticity.Inhibitory{Tau: 20, Eta: 0.05, Rho0: 5}
	ie.Wmin, ie.Wmax = 0, 3
	b.Connect("IE", ie)
	ii := conn("I", "I", 1)
	ii.Plasticity = plasticity.STDP{Pre: response.Leaky{Tau: param.Const(20)}, Post: response.Leaky{Tau: param.Const(20)},
		LTP: plasticity.SoftBoundRate{Eta: 0.2}, LTD: plasticity.SoftBoundRate{Eta: 0.25}, Pairing: plasticity.Nearest}
	ii.Wmin, ii.Wmax = 0, 2
	b.Connect("II", ii)
	r := conn("E", "E", 0.2)
	r.Axon = "stp"
	r.Plasticity = plasticity.RSTDP{Rule: plasticity.LeakySTDP(20, 20, 0.5, 0.55), TauC: 200}
	r.Wmin, r.Wmax = 0, 0.6
	r.Follow = "da"
	b.Connect("EE-reward", r)
	m := conn("E", "I", 0.1)
	m.Plasticity = plasticity.Modulated{Rule: plasticity.STDP{
		Pre: response.LimitedFlat{Duration: param.Const(10)}, Post: response.LimitedFlat{Duration: param.Const(10)},
		LTP: plasticity.ConstRate{Eta: 0.05}, LTD: plasticity.ConstRate{Eta: 0.05}}}
	m.Wmin, m.Wmax = 0, 0.3
	m.Follow = "I"
	b.Connect("EI-modulated", m)
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// Every learning rule gives the same spikes, weights and latencies on the
// sequential stepper, on 1, 3 and 7 shards, and on two worker processes —
// and each of them changed its weights, so the comparison compares
// something.
func TestLearningRulesMatchAcrossShards(t *testing.T) {
	const steps = 2000
	initial := map[string][]float32{}
	for _, p := range learningZoo(t).Projections {
		initial[p.Name] = slices.Clone(p.Runtime.Syn.W)
	}
	want := sequential(t, learningZoo(t), steps)
	for name, w := range want.weights {
		if init, ok := initial[name]; ok && slices.Equal(init, w) {
			t.Errorf("projection %s: weights unchanged after %d steps; the comparison would prove nothing", name, steps)
		}
	}
	for _, k := range []int{1, 3, 7} {
		shards := map[string]int{"E": k, "I": min(k, 3)}
		got := onActors(t, learningZoo(t), shards, steps)
		compare(t, "learning rules with "+itoa(k)+" shards", want, got)
	}
	got := onWorkers(t, learningZoo, map[string]int{"E": 3, "I": 2}, 2, steps)
	compare(t, "learning rules on two workers", want, got)
}

// The zoo is also stable under stepping alone (no panics, no NaN errors).
func TestLearningZooRuns(t *testing.T) {
	net := learningZoo(t)
	if err := stepper.New(net).Run(500); err != nil {
		t.Fatal(err)
	}
}
