package kerneltest

import (
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
)

// dyadic builds an E/I network driven by two Poisson populations (one
// rate for all, and one per neuron), whose synaptic sums are exact in
// float32 on the CPU: weights that are multiples of 2⁻¹, receptors of
// gain 1 (psc: step_constant). Its rows have delays of their own (0.5 to
// 2 ms), and the target populations refractory periods.
func dyadic(t *testing.T) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 3})
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
	reset := param.Const(10)
	lif.ResetMV = &reset
	v0 := param.Uniform(0, 20)
	lif.V0MV = &v0
	lif.TauMs, lif.RefractoryMs, lif.Integration = param.Const(20), param.Const(2), soma.Exact
	b.Population("in", 400, encoder.Poisson{RateHz: param.Const(30)})
	b.Population("in2", 100, encoder.Poisson{RateHz: param.Uniform(5, 50)})
	for _, p := range []struct {
		name string
		n    int
	}{{"E", 400}, {"I", 100}} {
		b.Population(p.name, p.n, lif).
			Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5, PSC: dendrite.StepConstant}).
			Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10, PSC: dendrite.StepConstant}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)})
	}
	for _, c := range []struct {
		from, to, rec string
		w             float64
	}{{"in", "E", "ge", 4}, {"in2", "I", "ge", 4}, {"E", "E", "ge", 0.5}, {"E", "I", "ge", 1}, {"I", "E", "gi", -2}, {"I", "I", "gi", -1.5}} {
		b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to, Receptor: c.rec,
			Pattern: connectivity.FixedInDegree{K: 40, Multapses: true}, Autapses: true, Weight: param.Const(c.w)})
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// A network stepped by the kernels on device b gives the sequential
// stepper's spikes and synaptic events, bit for bit, where the CPU's sums
// are exact: every population's spikes, over 3,000 steps, with input
// arriving through rows of their own delays.
func NetMatchesTheStepper(t *testing.T, b device.Backend) {
	const steps = 3000
	ref := dyadic(t)
	mons, events := sequentialSpikes(t, ref, steps)
	d, err := device.New(b, dyadic(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Run(steps / 3); err != nil {
		t.Fatal(err)
	}
	if err := d.Run(steps - steps/3); err != nil {
		t.Fatal(err)
	}
	if got := d.Events(); got != events || events == 0 {
		t.Errorf("the device counts %d synaptic events, the stepper %d", got, events)
	}
	for _, p := range ref.Populations {
		st, el, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		m := mons[p.Name]
		if len(m.Steps) < 100 {
			t.Fatalf("%s: %d spikes in %d steps: too few to compare", p.Name, len(m.Steps), steps)
		}
		if !slices.Equal(st, m.Steps) || !slices.Equal(el, m.Elements) {
			k := 0
			for k < min(len(st), len(m.Steps)) && st[k] == m.Steps[k] && el[k] == m.Elements[k] {
				k++
			}
			t.Errorf("%s: the device's %d spikes differ from the stepper's %d from spike %d on", p.Name, len(st), len(m.Steps), k)
		}
	}
}

// sequentialSpikes runs net on the sequential stepper and returns each
// population's spikes.
func sequentialSpikes(t *testing.T, net *network.Network, steps int) (map[string]*monitor.Spikes, int64) {
	t.Helper()
	s := stepper.New(net)
	mons := map[string]*monitor.Spikes{}
	for _, p := range net.Populations {
		m, _ := monitor.NewSpikes(net, p.Name)
		mons[p.Name] = m
		s.AddMonitor(m)
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	return mons, s.Events()
}

// CUBA (Brian2's benchmark, exact PSCs, so sums that are not exact in
// float32) on device b: its rates agree with the sequential stepper's
// within 5 % (the runs part in their last bits, then in spikes, as any
// two summation orders do). It returns the device's steps per second.
func CUBARates(t *testing.T, b device.Backend, scale float64, steps int) {
	o := models.Options{Scale: scale, Seed: 2}
	ref, err := models.CUBA(o)
	if err != nil {
		t.Fatal(err)
	}
	mons, _ := sequentialSpikes(t, ref, steps)
	net, err := models.CUBA(o)
	if err != nil {
		t.Fatal(err)
	}
	d, err := device.New(b, net)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Run(steps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ref.Populations {
		st, _, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := len(mons[p.Name].Steps)
		if want < 1000 {
			t.Fatalf("%s: %d spikes: too few to compare rates", p.Name, want)
		}
		if r := float64(len(st)) / float64(want); math.Abs(r-1) > 0.05 {
			t.Errorf("%s: %d spikes on the device, %d on the stepper (ratio %.3f)", p.Name, len(st), want, r)
		}
		t.Logf("%s: %d spikes on the device, %d on the stepper", p.Name, len(st), want)
	}
}
