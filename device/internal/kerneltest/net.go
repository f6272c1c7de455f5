package kerneltest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// testLIF is the neuron of the test networks: rest 0 mV, threshold 20
// mV, reset 10 mV, τ 20 ms, 2 ms refractory, exact integration.
func testLIF() soma.IF {
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
	reset := param.Const(10)
	lif.ResetMV = &reset
	lif.TauMs, lif.RefractoryMs, lif.Integration = param.Const(20), param.Const(2), soma.Exact
	return lif
}

// dyadic builds an E/I network (E integrated exactly, I by Euler) driven
// by two Poisson populations (one rate for all, and one per neuron) and,
// for I, a direct current, whose synaptic sums are exact in
// float32 on the CPU: weights that are multiples of 2⁻¹, receptors of
// gain 1 (psc: step_constant). Its rows have delays of their own (0.5 to
// 2 ms), and the target populations refractory periods.
func dyadic(t *testing.T) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 3})
	lif := testLIF()
	v0 := param.Uniform(0, 20)
	lif.V0MV = &v0
	b.Population("in", 400, encoder.Poisson{RateHz: param.Const(30)})
	b.Population("in2", 100, encoder.Poisson{RateHz: param.Uniform(5, 50)})
	for _, p := range []struct {
		name string
		n    int
	}{{"E", 400}, {"I", 100}} {
		model := lif
		if p.name == "I" {
			model.Integration = soma.Euler // E exact, I by Euler
		}
		d := b.Population(p.name, p.n, model).
			Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5, PSC: dendrite.StepConstant}).
			Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10, PSC: dendrite.StepConstant}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)})
		if p.name == "I" {
			d.Stimulus(stimulus.Constant(0.5)) // a direct current
		}
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
func NetMatchesTheStepper(t *testing.T, b device.Backend) { netMatches(t, b, dyadic, 3000) }

// netMatches runs the network that build makes on the stepper and on
// device b for steps steps and compares their spikes and events.
func netMatches(t *testing.T, b device.Backend, build func(*testing.T) *network.Network, steps int) {
	ref := build(t)
	want := testnets.Sequential(t, ref, steps)
	d, err := device.New(b, build(t))
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
	if got := d.Events(); got != want.Events || want.Events == 0 {
		t.Errorf("the device counts %d synaptic events, the stepper %d", got, want.Events)
	}
	for _, p := range ref.Populations {
		st, el, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		ws, we := want.Steps[p.Name], want.Elems[p.Name]
		if len(ws) < 100 {
			t.Fatalf("%s: %d spikes in %d steps: too few to compare", p.Name, len(ws), steps)
		}
		if !slices.Equal(st, ws) || !slices.Equal(el, we) {
			k := 0
			for k < min(len(st), len(ws)) && st[k] == ws[k] && el[k] == we[k] {
				k++
			}
			t.Errorf("%s: the device's %d spikes differ from the stepper's %d from spike %d on", p.Name, len(st), len(ws), k)
		}
	}
}

// brunelLike builds a Brunel-like network of exact float32 sums: E and I
// LIF populations with one delta receptor each, driven by Poisson drives
// (stimulus.PoissonDrive) of weight 0.5, recurrent weights 0.5 and −2,
// rows with delays of their own, refractory periods that drop the input
// (E) or keep it (I).
func brunelLike(t *testing.T) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 7})
	for _, p := range []struct {
		name   string
		n      int
		drop   bool
		rateHz float64
	}{{"E", 400, true, 16000}, {"I", 100, false, 14000}} {
		lif := testLIF()
		lif.DropRefractoryInput = p.drop
		d := b.Population(p.name, p.n, lif).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)}).
			Drive("in", &stimulus.PoissonDrive{RateHz: p.rateHz, Weight: 0.5})
		if p.name == "I" {
			d.Stimulus(stimulus.Constant(1)) // a direct current
		}
	}
	for _, c := range []struct {
		from, to string
		w        float64
	}{{"E", "E", 0.5}, {"E", "I", 0.5}, {"I", "E", -2}, {"I", "I", -2}} {
		b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to, Receptor: "in",
			Pattern: connectivity.FixedInDegree{K: 40, Multapses: true}, Autapses: true, Weight: param.Const(c.w)})
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// DeltaNetMatchesTheStepper is NetMatchesTheStepper for the Brunel-like
// network: delta receptors, Poisson drives, refractory input dropped or
// kept.
func DeltaNetMatchesTheStepper(t *testing.T, b device.Backend) {
	netMatches(t, b, brunelLike, 3000)
}

// synapticDelays builds a network of exact float32 sums whose synapses
// have delays of their own (normal, redrawn below 0.1 ms, rounded to the
// nearest step), as the microcircuit's: two LIF populations with one
// exponential current receptor each (gain 1), Poisson drives of weight
// 4, recurrent weights 2 and −8, axons of delays of their own too.
func synapticDelays(t *testing.T) *network.Network { return delayNetwork(t, false) }

// delayNetwork builds synapticDelays, or with uneven unevenDelays.
func delayNetwork(t *testing.T, uneven bool) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 9, FixedPoint: uneven})
	lif := testLIF()
	if uneven {
		v0 := param.Uniform(0, 20)
		lif.V0MV = &v0
	}
	for _, p := range []struct {
		name   string
		n      int
		rateHz float64
	}{{"E", 400, 12000}, {"I", 100, 11000}} {
		d := b.Population(p.name, p.n, lif).
			Receptor("syn", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 0.5, PSC: dendrite.StepConstant}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0, 0.5)}).
			Drive("syn", &stimulus.PoissonDrive{RateHz: p.rateHz, Weight: 4})
		switch {
		case p.name == "E" && uneven:
			d.Receptor("bg", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 2, PSC: dendrite.StepConstant}).
				Drive("bg", &stimulus.PoissonDrive{RateHz: 500, Weight: 0.5})
		case p.name == "E":
			d.Stimulus(stimulus.Constant(0.25)) // a direct current
		}
	}
	for _, c := range []struct {
		from, to string
		w, d     float64
	}{{"E", "E", 2, 1.5}, {"E", "I", 2, 1.5}, {"I", "E", -8, 0.75}, {"I", "I", -8, 0.75}} {
		conn := network.Connection{From: c.from, To: c.to, Receptor: "syn",
			Pattern: connectivity.FixedInDegree{K: 40, Multapses: true}, Autapses: true, Weight: param.Const(c.w),
			DelayMs: param.Normal(c.d, c.d/2).Within(0.1, math.Inf(1)), DelayRounding: axon.Nearest}
		if uneven && c.from == "E" && c.to == "E" {
			// All on E's neurons from 32 on, with longer delays.
			var li, lj []int
			for j := 32; j < 400; j++ {
				for q := range 40 {
					li, lj = append(li, (j*7+q*13)%400), append(lj, j)
				}
			}
			conn.Pattern = connectivity.List{I: li, J: lj, Multapses: true}
			conn.DelayMs = param.Normal(3, 1.5).Within(0.1, math.Inf(1))
		}
		b.Connect(c.from+c.to, conn)
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// SpreadNetMatchesTheStepper is NetMatchesTheStepper for a network with
// per-synapse delays and one exponential current receptor per
// population (the microcircuit's kind).
func SpreadNetMatchesTheStepper(t *testing.T, b device.Backend) {
	netMatches(t, b, synapticDelays, 3000)
}

// conductances builds a COBA-like network of exact sums: E and I LIF
// populations with two exponential conductance receptors (reversal 0 and
// −80 mV), a direct drive (Euler for E, exact for I), dyadic weights,
// rows with delays of their own.
func conductances(t *testing.T) *network.Network {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1, Seed: 13})
	for _, p := range []struct {
		name  string
		n     int
		exact bool
	}{{"E", 400, false}, {"I", 100, true}} {
		lif := soma.LIF()
		lif.RestMV, lif.ThresholdMV = param.Const(-60), param.Const(-50)
		reset := param.Const(-60)
		lif.ResetMV = &reset
		v0 := param.Uniform(-60, -50)
		lif.V0MV = &v0
		lif.TauMs, lif.RefractoryMs = param.Const(20), param.Const(5)
		lif.Integration = soma.Euler
		if p.exact {
			lif.Integration = soma.Exact
		}
		b.Population(p.name, p.n, lif).
			Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 5, ReversalMV: 0}).
			Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 10, ReversalMV: -80}).
			Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)}).
			Stimulus(stimulus.Constant(12))
	}
	for _, c := range []struct {
		from, to, rec string
		w             float64
	}{{"E", "E", "ge", 0.5}, {"E", "I", "ge", 0.5}, {"I", "E", "gi", 2}, {"I", "I", "gi", 0.25}} {
		b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to, Receptor: c.rec,
			Pattern: connectivity.FixedInDegree{K: 40, Multapses: true}, Autapses: true, Weight: param.Const(c.w)})
	}
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// CondNetMatchesTheStepper is NetMatchesTheStepper for the COBA-like
// network: conductance receptors, Euler and exact integration.
func CondNetMatchesTheStepper(t *testing.T, b device.Backend) {
	netMatches(t, b, conductances, 3000)
}

// COBARates is CUBARates for COBA (conductances, exact integration).
func COBARates(t *testing.T, b device.Backend, scale float64, steps int) {
	ModelRates(t, b, "COBA", func() (*network.Network, error) { return models.COBA(models.Options{Scale: scale, Seed: 2}) }, steps)
}

// CUBARates runs CUBA (Brian2's benchmark, with exact PSCs, so sums that
// are not exact in float32) at scale for steps on device b and on the
// stepper: ModelRates.
func CUBARates(t *testing.T, b device.Backend, scale float64, steps int) {
	ModelRates(t, b, "CUBA", func() (*network.Network, error) { return models.CUBA(models.Options{Scale: scale, Seed: 2}) }, steps)
}

// BrunelRates is CUBARates for Brunel (delta synapses of 0.1 mV, Poisson
// drives, delays of 1.5 ms).
func BrunelRates(t *testing.T, b device.Backend, scale float64, steps int) {
	ModelRates(t, b, "Brunel", func() (*network.Network, error) {
		return models.Brunel(models.Options{Scale: scale, Seed: 2}, models.BrunelParams{})
	}, steps)
}

// ModelRates runs the network build makes for steps on device b and on
// the sequential stepper: every population's spike count agrees within
// 5 % (the runs part in the last bits of some sums, then in spikes, as
// any two summation orders do).
func ModelRates(t *testing.T, b device.Backend, name string, build func() (*network.Network, error), steps int) {
	t.Helper()
	ref, err := build()
	if err != nil {
		t.Fatal(err)
	}
	want := testnets.Sequential(t, ref, steps)
	net, err := build()
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
		n := len(want.Steps[p.Name])
		if n < 1000 {
			t.Fatalf("%s %s: %d spikes: too few to compare rates", name, p.Name, n)
		}
		if r := float64(len(st)) / float64(n); math.Abs(r-1) > 0.05 {
			t.Errorf("%s %s: %d spikes on the device, %d on the stepper (ratio %.3f)", name, p.Name, len(st), n, r)
		}
		t.Logf("%s %s: %d spikes on the device, %d on the stepper", name, p.Name, len(st), n)
	}
}

// CheckpointsAcross checks device checkpoints against the stepper on the
// networks of exact sums (exact in float32, or summed in fixed point): a run checkpointed at step 1,000 on the device
// and resumed on the stepper, one checkpointed on the stepper and resumed
// on the device, and one checkpointed and resumed on the device give the
// uninterrupted stepper's spikes and events from the checkpoint on, bit
// for bit.
func CheckpointsAcross(t *testing.T, b device.Backend) {
	const total, at = 3000, 1000
	for name, build := range map[string]func(*testing.T) *network.Network{"currents": dyadic, "delta": brunelLike, "synaptic delays": synapticDelays,
		"fixed point": dense(true)} {
		ref := build(t)
		want := testnets.Sequential(t, ref, total)
		onDevice := func(steps int) (*checkpoint.Snapshot, error) {
			d, err := device.New(b, build(t))
			if err != nil {
				return nil, err
			}
			defer d.Close()
			if err := d.Run(steps); err != nil {
				return nil, err
			}
			return d.Checkpoint()
		}
		onStepper := func(steps int) (*checkpoint.Snapshot, error) {
			s := stepper.New(build(t))
			if err := s.Run(steps); err != nil {
				return nil, err
			}
			return s.Checkpoint()
		}
		for _, c := range []struct {
			from, to string
			save     func(int) (*checkpoint.Snapshot, error)
			toDevice bool
		}{{"device", "stepper", onDevice, false}, {"stepper", "device", onStepper, true}, {"device", "device", onDevice, true}} {
			what := fmt.Sprintf("%s: checkpointed on the %s, resumed on the %s", name, c.from, c.to)
			snap, err := c.save(at)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			var got testnets.Result
			if c.toDevice {
				net := build(t)
				d, err := device.New(b, net)
				if err != nil {
					t.Fatal(err)
				}
				if err := d.Restore(snap); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if err := d.Run(total - at); err != nil {
					t.Fatal(err)
				}
				got = hybridResult(t, d, net)
				d.Close()
			} else {
				got = stepperFrom(t, what, build(t), snap, total-at)
			}
			for _, p := range ref.Populations {
				ws, we := want.Steps[p.Name], want.Elems[p.Name]
				k, _ := slices.BinarySearch(ws, int64(at))
				st, el := got.Steps[p.Name], got.Elems[p.Name]
				if len(ws)-k < 20 || !slices.Equal(st, ws[k:]) || !slices.Equal(el, we[k:]) {
					t.Errorf("%s: %s: %d spikes from step %d, the uninterrupted run %d, or other ones", what, p.Name, len(st), at, len(ws)-k)
				}
			}
			if got.Events != want.Events {
				t.Errorf("%s: %d synaptic events, the uninterrupted run %d", what, got.Events, want.Events)
			}
		}
	}
}

// SpreadOverDevices runs the networks of exact sums spread over the
// devices devs (at least two), each population whole on one: round
// robin, round robin shifted by one, and where device.Place puts them.
// Every placement gives the sequential stepper's spikes and events, bit
// for bit: spikes that cross devices go through the host and arrive
// when they would on one. A checkpoint taken on several devices resumes
// on one, and one taken on one resumes on several, both as the
// uninterrupted run.
func SpreadOverDevices(t *testing.T, devs []device.Backend) {
	if len(devs) < 2 {
		t.Fatalf("%d devices: SpreadOverDevices needs two or more", len(devs))
	}
	const steps, at = 1200, 500
	// The conductance network's E is nearly silent after its first
	// burst: it is not checked across checkpoints (as in
	// CheckpointsAcross).
	nets := []struct {
		name        string
		build       func(*testing.T) *network.Network
		checkpoints bool
	}{{"currents", dyadic, true}, {"delta", brunelLike, true}, {"synaptic delays", synapticDelays, true}, {"conductances", conductances, false}}
	for _, c := range nets {
		ref := c.build(t)
		want := testnets.Sequential(t, ref, steps)
		np := len(ref.Populations)
		robin, shifted := make([]int, np), make([]int, np)
		for i := range np {
			robin[i], shifted[i] = i%len(devs), (i+1)%len(devs)
		}
		for _, pl := range []struct {
			name  string
			place []int
		}{{"round robin", robin}, {"shifted", shifted}, {"placed", nil}} {
			what := fmt.Sprintf("%s, %s over %d devices", c.name, pl.name, len(devs))
			d, err := device.NewOn(devs, c.build(t), pl.place)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if pl.place != nil && !slices.Equal(d.Placement(), pl.place) {
				t.Errorf("%s: placed %v, asked %v", what, d.Placement(), pl.place)
			}
			if err := d.Run(at); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if err := d.Run(steps - at); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			compare(t, what, ref, want, d, 0)
			d.Close()
		}
		if !c.checkpoints {
			continue
		}
		// Checkpoints: several devices → one, and one → several.
		for _, x := range []struct {
			name     string
			from, to []device.Backend
			place    []int
		}{{"from several devices to one", devs, devs[:1], robin}, {"from one device to several", devs[:1], devs, shifted}} {
			what := fmt.Sprintf("%s: a checkpoint %s", c.name, x.name)
			place := func(bs []device.Backend) []int {
				if len(bs) == 1 {
					return make([]int, np)
				}
				return x.place
			}
			d, err := device.NewOn(x.from, c.build(t), place(x.from))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if err := d.Run(at); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			snap, err := d.Checkpoint()
			d.Close()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			d, err = device.NewOn(x.to, c.build(t), place(x.to))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if err := d.Restore(snap); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if err := d.Run(steps - at); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			compare(t, what, ref, want, d, at)
			d.Close()
		}
	}
}

// compare checks that d's spikes from step from on and its events are
// the stepper's, want.
func compare(t *testing.T, what string, ref *network.Network, want testnets.Result, d *device.Net, from int64) {
	t.Helper()
	if got := d.Events(); got != want.Events || want.Events == 0 {
		t.Errorf("%s: %d synaptic events, the stepper %d", what, got, want.Events)
	}
	for _, p := range ref.Populations {
		st, el, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		ws, we := want.Steps[p.Name], want.Elems[p.Name]
		k, _ := slices.BinarySearch(ws, from)
		if len(ws)-k < 50 {
			t.Fatalf("%s: %s: %d spikes: too few to compare", what, p.Name, len(ws)-k)
		}
		if !slices.Equal(st, ws[k:]) || !slices.Equal(el, we[k:]) {
			j := 0
			for j < min(len(st), len(ws)-k) && st[j] == ws[k+j] && el[j] == we[k+j] {
				j++
			}
			t.Errorf("%s: %s: %d spikes, the stepper %d, differing from spike %d on", what, p.Name, len(st), len(ws)-k, j)
		}
	}
}

// dense builds a network whose synaptic sums are not exact in float32,
// summed in fixed point or not: E and I LIF populations with two
// exponential current receptors (exact PSCs: gains that are not powers
// of two), each neuron taking 400 inputs from a Poisson population of
// 2,000 neurons at 100 Hz (4 events a step on average) and 40 from each
// of E and I, every weight drawn uniformly (0.05 to 0.25 from the input,
// and up to 2 within), rows with delays of their own.
func dense(fixed bool) func(*testing.T) *network.Network {
	return func(t *testing.T) *network.Network {
		t.Helper()
		b := network.New(network.Config{DtMs: 0.1, Seed: 21, FixedPoint: fixed})
		lif := testLIF()
		v0 := param.Uniform(0, 20)
		lif.V0MV = &v0
		b.Population("in", 2000, encoder.Poisson{RateHz: param.Const(100)})
		for _, p := range []struct {
			name string
			n    int
		}{{"E", 400}, {"I", 100}} {
			b.Population(p.name, p.n, lif).
				Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}).
				Receptor("gi", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10}).
				Axon("out", axon.Spec{DelayMs: param.Uniform(0.5, 2)})
		}
		for _, c := range []struct {
			from, to, rec string
			k             int
			w             param.Value
		}{{"in", "E", "ge", 400, param.Uniform(0.1, 0.25)}, {"in", "I", "ge", 400, param.Uniform(0.05, 0.2)},
			{"E", "E", "ge", 40, param.Uniform(0.1, 0.5)}, {"E", "I", "ge", 40, param.Uniform(0.2, 0.6)},
			{"I", "E", "gi", 40, param.Uniform(-2, -0.5)}, {"I", "I", "gi", 40, param.Uniform(-1, -0.3)}} {
			b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to, Receptor: c.rec,
				Pattern: connectivity.FixedInDegree{K: c.k, Multapses: true}, Autapses: true, Weight: c.w, Wmin: -10, Wmax: 10})
		}
		net, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
}

// FixedPointMatches runs the dense network, whose float32 sums depend on
// their order, on device b and on the sequential stepper for 3,000
// steps. In fixed point (network.Config.FixedPoint) the two give the
// same spikes and events and end in the same state (potentials and
// receptor currents), bit for bit, on b alone and spread over b and
// the devices more; in float32 their states differ (the check that the
// network tells the two apart). CUBA, COBA and Brunel, in fixed point,
// give the same spikes on the device as on the stepper.
func FixedPointMatches(t *testing.T, b device.Backend, more ...device.Backend) {
	const steps = 3000
	ref := dense(true)(t)
	want := testnets.Sequential(t, ref, steps)
	wantState := stepperState(t, dense(true)(t), steps)
	for _, devs := range [][]device.Backend{{b}, append([]device.Backend{b}, more...)} {
		what := fmt.Sprintf("fixed point on %d devices", len(devs))
		d, err := device.NewOn(devs, dense(true)(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Run(steps); err != nil {
			t.Fatal(err)
		}
		compare(t, what, ref, want, d, 0)
		if n := differ(t, wantState, d); n > 0 {
			t.Errorf("%s: %d values of the state differ from the stepper's", what, n)
		}
		// The inputs on their way are checkpointed as the CPU holds them
		// in fixed point: as sums (near and far links' together), the
		// float32 ring empty.
		snap, err := d.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		const rec = "population E.receptors[0]"
		ring, _ := snap.Vars[rec+".ring"].([]float32)
		got, want := fixedSums(snap, rec), fixedSums(wantState, rec)
		if slices.ContainsFunc(ring, func(x float32) bool { return x != 0 }) || !slices.Equal(got, want) || !slices.ContainsFunc(got, func(x int64) bool { return x != 0 }) {
			t.Errorf("%s: the inputs on their way are not the stepper's fixed-point sums", what)
		}
		d.Close()
	}
	// In float32 the stepper's sums are not the device's: the states part.
	d, err := device.New(b, dense(false)(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Run(steps); err != nil {
		t.Fatal(err)
	}
	n := differ(t, stepperState(t, dense(false)(t), steps), d)
	if n == 0 {
		t.Error("in float32 the device's state is the stepper's too: the dense network does not tell the sums apart")
	}
	t.Logf("in float32, %d values of the state differ from the stepper's", n)
	for name, build := range map[string]func() (*network.Network, error){
		"CUBA": func() (*network.Network, error) {
			return models.CUBA(models.Options{Scale: 0.5, Seed: 2, FixedPoint: true})
		},
		"COBA": func() (*network.Network, error) {
			return models.COBA(models.Options{Scale: 0.2, Seed: 2, FixedPoint: true})
		},
		"Brunel": func() (*network.Network, error) {
			return models.Brunel(models.Options{Scale: 0.1, Seed: 2, FixedPoint: true}, models.BrunelParams{})
		},
	} {
		ref, err := build()
		if err != nil {
			t.Fatal(err)
		}
		want := testnets.Sequential(t, ref, steps)
		net, err := build()
		if err != nil {
			t.Fatal(err)
		}
		d, err := device.New(b, net)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Run(steps); err != nil {
			t.Fatal(err)
		}
		compare(t, name+" in fixed point", ref, want, d, 0)
		d.Close()
	}
}

// stateVars are the state that FixedPointMatches compares: potentials
// and receptor currents of E and I.
var stateVars = []string{"population E.model.v", "population I.model.v",
	"population E.receptors[0].g", "population E.receptors[1].g", "population I.receptors[0].g", "population I.receptors[1].g"}

// stepperState runs net on the sequential stepper for steps and returns
// its checkpoint.
func stepperState(t *testing.T, net *network.Network, steps int) *checkpoint.Snapshot {
	t.Helper()
	s := stepper.New(net)
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// differ counts the values of stateVars whose bits differ between want
// and d's checkpoint.
func differ(t *testing.T, want *checkpoint.Snapshot, d *device.Net) int {
	t.Helper()
	got, err := d.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range stateVars {
		a, okA := want.Vars[path].([]float32)
		b, okB := got.Vars[path].([]float32)
		if !okA || !okB || len(a) != len(b) || len(a) == 0 {
			t.Fatalf("%s: %T (%d) on the stepper, %T (%d) on the device", path, want.Vars[path], len(a), got.Vars[path], len(b))
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				n++
			}
		}
	}
	return n
}

// fixedSums returns a receptor's fixed-point sums on their way in snap,
// its near and far links' added.
func fixedSums(snap *checkpoint.Snapshot, rec string) []int64 {
	near, _ := snap.Vars[rec+".fixed"].([]int64)
	sum := slices.Clone(near)
	if far, ok := snap.Vars[rec+".far.fixed"].([]int64); ok && len(far) == len(sum) {
		for i, x := range far {
			sum[i] += x
		}
	}
	return sum
}

// HybridMatches runs networks with plastic projections, their sums in
// fixed point, with what the devices devs can step on them and the rest
// on the CPU (device.Place): a Brunel-like network with per-synapse
// delays and STDP; two areas joined by far links, one of them learning
// (STDP), with a graded modulator source; and the STDP benchmark; the
// targets of STDP placed on the CPU (a device would learn it:
// LearnsOnDevices). Each gives the sequential stepper's spikes, events
// and final weights, bit for bit, in one run and across a checkpoint
// (taken on the devices and resumed on the stepper, and back).
func HybridMatches(t *testing.T, devs []device.Backend) {
	const steps, at = 1500, 600
	// The targets of learning projections on the CPU (a device would learn
	// them: LearnsOnDevices); nil: device.Place's.
	placement := map[string][]int{"STDP": {0, device.OnCPU}, "synaptic delays, plastic": {device.OnCPU, 0}}
	for name, build := range map[string]func(*testing.T) *network.Network{
		"synaptic delays, plastic": func(t *testing.T) *network.Network {
			return testnets.Fixed(t, testnets.SynapseDelaysBuilder(true))
		},
		"two areas, plastic": func(t *testing.T) *network.Network { return testnets.Fixed(t, testnets.TwoAreasBuilder(true)) },
		"STDP": func(t *testing.T) *network.Network {
			net, err := models.STDP(models.Options{Seed: 4, FixedPoint: true})
			if err != nil {
				t.Fatal(err)
			}
			return net
		},
	} {
		want := testnets.Sequential(t, build(t), steps)
		net := build(t)
		d, err := device.NewOn(devs, net, placement[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		place := d.Placement()
		if !slices.Contains(place, device.OnCPU) || !slices.ContainsFunc(place, func(k int) bool { return k != device.OnCPU }) {
			t.Fatalf("%s: placed %v: the test needs populations on the CPU and on devices", name, place)
		}
		if err := d.Run(steps / 3); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.Run(steps - steps/3); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		testnets.Compare(t, fmt.Sprintf("%s on %v", name, place), want, hybridResult(t, d, net))
		d.Close()

		acrossCheckpoints(t, name, devs, placement[name], build, want, steps, at)
	}
}

// checkpointAt returns a function that runs the Net it is given (or
// fails t with its error) for at steps, and returns its checkpoint,
// closing it.
func checkpointAt(t *testing.T, what string, at int) func(*device.Net, error) *checkpoint.Snapshot {
	return func(d *device.Net, err error) *checkpoint.Snapshot {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := d.Run(at); err != nil {
			t.Fatal(err)
		}
		snap, err := d.Checkpoint()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return snap
	}
}

// acrossCheckpoints checks that a run of the network build builds,
// checkpointed at step at on the devices devs (placed as place says; nil:
// as device.NewOn places it), resumes on the stepper, and one
// checkpointed on the stepper resumes on the devices, and from there, at
// the end, on the stepper again, as want, the uninterrupted run of steps
// steps: spikes, events and weights.
func acrossCheckpoints(t *testing.T, name string, devs []device.Backend, place []int, build func(*testing.T) *network.Network, want testnets.Result, steps, at int) {
	t.Helper()
	snap := checkpointAt(t, name, at)(device.NewOn(devs, build(t), place))
	// The events on their way to projections that learn, queued as the
	// stepper queues them, in its order (the devices deliver the others'
	// into the rings).
	ref := build(t)
	learns := func(x any) []projection.Queued {
		q, _ := x.([]projection.Queued)
		return slices.DeleteFunc(slices.Clone(q), func(e projection.Queued) bool {
			return !slices.ContainsFunc(ref.Projections, func(p *network.Projection) bool { return p.Name == e.Proj && p.Plastic })
		})
	}
	for path, x := range stepperState(t, ref, at).Vars {
		if want, got := learns(x), learns(snap.Vars[path]); !slices.Equal(want, got) {
			t.Errorf("%s: %s: the devices queue %d events of projections that learn, the stepper %d, or others, or in another order", name, path, len(got), len(want))
		}
	}
	got := stepperFrom(t, name+": resumed on the stepper", build(t), snap, steps-at)
	testnets.Compare(t, name+": checkpointed on the devices, resumed on the stepper", after(want, int64(at)), got)

	s := stepper.New(build(t))
	if err := s.Run(at); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	net := build(t)
	d, err := device.NewOn(devs, net, place)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Restore(snap); err != nil {
		t.Fatalf("%s: resumed on the devices: %v", name, err)
	}
	// Half way, checkpointed on the devices again: what the restore put
	// on the host must not reach this checkpoint.
	mid := at + (steps-at)/2
	if err := d.Run(mid - at); err != nil {
		t.Fatal(err)
	}
	again, err := d.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(steps - mid); err != nil {
		t.Fatal(err)
	}
	if err := d.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	testnets.Compare(t, name+": checkpointed on the stepper, resumed on the devices", after(want, int64(at)), hybridResult(t, d, net))
	got = stepperFrom(t, name+": resumed on the stepper again", build(t), again, steps-mid)
	testnets.Compare(t, name+": from the stepper to the devices and back", after(want, int64(mid)), got)
}

// hybridResult is what d, stepping net, computed: spikes, events, weights
// (those learnt on devices read back first).
func hybridResult(t *testing.T, d *device.Net, net *network.Network) testnets.Result {
	t.Helper()
	if err := d.GatherWeights(); err != nil {
		t.Fatal(err)
	}
	r := testnets.NewResult()
	for _, p := range net.Populations {
		st, el, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Steps[p.Name], r.Elems[p.Name] = st, el
	}
	r.TakeWeights(net)
	r.Events = d.Events()
	return r
}

// after is r's spikes from step at on; weights and events as they are.
func after(r testnets.Result, at int64) testnets.Result {
	a := testnets.NewResult()
	for p, st := range r.Steps {
		k, _ := slices.BinarySearch(st, at)
		a.Steps[p], a.Elems[p] = st[k:], r.Elems[p][k:]
	}
	a.Weights, a.Events = r.Weights, r.Events
	return a
}

// cutInTwo places every population of net of 64 neurons or more in two
// shards, cut at a multiple of 32 near its middle, population i's on
// devices i and i+1 (modulo devs), and the others whole on device i.
func cutInTwo(net *network.Network, devs int) []device.Shard {
	var shards []device.Shard
	for i, p := range net.Populations {
		n := p.Len()
		if n < 64 {
			shards = append(shards, device.Shard{Population: i, Lo: 0, Hi: n, Device: i % devs})
			continue
		}
		cut := 32 * (n / 64)
		shards = append(shards, device.Shard{Population: i, Lo: 0, Hi: cut, Device: i % devs},
			device.Shard{Population: i, Lo: cut, Hi: n, Device: (i + 1) % devs})
	}
	return shards
}

// ShardsOverDevices runs the networks of exact sums (and the dense one in
// fixed point) with every population cut in two shards on two devices
// of devs: the stepper's spikes and events, bit for bit; and a
// checkpoint taken in shards resumes on one device, and one taken on one
// device resumes in shards, as the uninterrupted run.
func ShardsOverDevices(t *testing.T, devs []device.Backend) {
	const steps, at = 1200, 500
	for _, c := range []struct {
		name  string
		build func(*testing.T) *network.Network
	}{{"currents", dyadic}, {"delta", brunelLike}, {"synaptic delays", synapticDelays}, {"conductances", conductances}, {"fixed point", dense(true)}} {
		ref := c.build(t)
		want := testnets.Sequential(t, ref, steps)
		shards := cutInTwo(ref, len(devs))
		d, err := device.NewSharded(devs, c.build(t), shards)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := d.Shards(); !slices.Equal(got, shards) {
			t.Errorf("%s: shards %v, asked %v", c.name, got, shards)
		}
		if err := d.Run(at); err != nil {
			t.Fatal(err)
		}
		if err := d.Run(steps - at); err != nil {
			t.Fatal(err)
		}
		compare(t, c.name+" in shards", ref, want, d, 0)
		d.Close()
		if c.name == "conductances" {
			continue // nearly silent after its first burst (CheckpointsAcross)
		}
		one := func() (*device.Net, error) { return device.New(devs[0], c.build(t)) }
		cut := func() (*device.Net, error) { return device.NewSharded(devs, c.build(t), shards) }
		for _, x := range []struct {
			name     string
			from, to func() (*device.Net, error)
		}{{"from shards to one device", cut, one}, {"from one device to shards", one, cut}} {
			what := c.name + ": a checkpoint " + x.name
			snap := checkpointAt(t, what, at)(x.from())
			d, err := x.to()
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Restore(snap); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if err := d.Run(steps - at); err != nil {
				t.Fatal(err)
			}
			compare(t, what, ref, want, d, at)
			d.Close()
		}
	}
}

// unevenDelays builds a network in fixed point whose E→E synapses, with
// delays of their own of up to about 8 ms, all end on E's neurons from
// 32 on, and whose E has a second receptor fed by a Poisson drive only
// (no projection, so no inbox): cut at neuron 32, E's first shard needs a
// shorter ring than its second.
func unevenDelays(t *testing.T) *network.Network { return delayNetwork(t, true) }

// CheckpointEdges checks checkpoints where they are easy to get wrong:
// restored into shards whose rings differ in length (E cut at neuron
// 32 on the uneven-delays network, inputs in flight up to the longest
// ring); taken right after a restore, before any step (the pending
// resets kept); taken before the first run; of a receptor no projection
// reaches. Each run goes on as the uninterrupted stepper's, bit for bit.
func CheckpointEdges(t *testing.T, devs []device.Backend) {
	const at, total = 700, 1500
	want := testnets.Sequential(t, unevenDelays(t), total)
	s := stepper.New(unevenDelays(t))
	if err := s.Run(at); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	shards := []device.Shard{{Population: 0, Lo: 0, Hi: 32, Device: 0}, {Population: 0, Lo: 32, Hi: 400, Device: 1 % len(devs)},
		{Population: 1, Lo: 0, Hi: 100, Device: 0}}
	ref := unevenDelays(t)
	// Stepper → shards → (checkpoint at once) → one device → run.
	d, err := device.NewSharded(devs, unevenDelays(t), shards)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Restore(snap); err != nil {
		t.Fatalf("restored into shards: %v", err)
	}
	again, err := d.Checkpoint()
	d.Close()
	if err != nil {
		t.Fatalf("a checkpoint right after a restore: %v", err)
	}
	// resume restores s on the Net that build gives and runs it to the
	// end: the uninterrupted run's spikes and events.
	resume := func(what string, build func() (*device.Net, error), s *checkpoint.Snapshot) {
		t.Helper()
		d, err := build()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := d.Restore(s); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := d.Run(total - at); err != nil {
			t.Fatal(err)
		}
		compare(t, what, ref, want, d, at)
	}
	resume("stepper → shards → checkpoint at once → one device", func() (*device.Net, error) { return device.New(devs[0], unevenDelays(t)) }, again)
	resume("stepper → shards of uneven rings", func() (*device.Net, error) { return device.NewSharded(devs, unevenDelays(t), shards) }, snap)
	// A checkpoint before the first run, resumed on the stepper.
	if d, err = device.NewSharded(devs, unevenDelays(t), shards); err != nil {
		t.Fatal(err)
	}
	first, err := d.Checkpoint()
	d.Close()
	if err != nil {
		t.Fatalf("a checkpoint before the first run: %v", err)
	}
	got := stepperFrom(t, "a checkpoint before the first run", unevenDelays(t), first, total)
	for name := range want.Steps {
		if !slices.Equal(got.Steps[name], want.Steps[name]) || !slices.Equal(got.Elems[name], want.Elems[name]) {
			t.Errorf("a checkpoint before the first run, resumed on the stepper: %s differs", name)
		}
	}
}

// stepperFrom restores snap on the sequential stepper of net and runs it
// for steps: its spikes from there, its weights and events.
func stepperFrom(t *testing.T, what string, net *network.Network, snap *checkpoint.Snapshot, steps int) testnets.Result {
	t.Helper()
	s := stepper.New(net)
	if err := s.Restore(snap); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	result := testnets.Monitored(s, net)
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	return result()
}

// wrapped is a device that forwards the optional interfaces of the one
// it wraps (device.Addresser, device.Strider), for the test devices
// below that change one method.
type wrapped struct {
	device.Backend
}

// Address implements device.Addresser, as the device it wraps.
func (w wrapped) Address(b device.Buffer) (uint64, error) {
	if a, ok := w.Backend.(device.Addresser); ok {
		return a.Address(b)
	}
	return 0, device.ErrNoAddresses
}

// StrideWarps implements device.Strider, as the device it wraps.
func (w wrapped) StrideWarps() int {
	if st, ok := w.Backend.(device.Strider); ok {
		return st.StrideWarps()
	}
	return 1024
}

// failingAlloc is a device whose allocation number failAt (counting from
// 1) fails, as when the device's memory runs out.
type failingAlloc struct {
	wrapped
	n      *int
	failAt int
}

// Alloc implements device.Backend.
func (f failingAlloc) Alloc(bytes int64) (device.Buffer, error) {
	*f.n++
	if *f.n == f.failAt {
		return nil, fmt.Errorf("out of memory (allocation %d)", *f.n)
	}
	return f.Backend.Alloc(bytes)
}

// failingLaunch is a device whose launch number failAt (counted in n)
// fails.
type failingLaunch struct {
	wrapped
	n      *int
	failAt int
}

// Launch implements device.Backend.
func (f failingLaunch) Launch(kernel string, threads, block int, args ...any) error {
	*f.n++
	if *f.n == f.failAt {
		return fmt.Errorf("launch %d (%s) failed", *f.n, kernel)
	}
	return f.Backend.Launch(kernel, threads, block, args...)
}

// FailedBlockIsFinal makes a launch part way through a block of steps
// fail (of a network that learns, with a modulator and a descending rate,
// so that the block took concentrations and rates from the host): the run
// reports it, and
// the Net then refuses to run on or to checkpoint, saying so, rather than
// go on from a state that is neither before the block nor after it.
func FailedBlockIsFinal(t *testing.T, b device.Backend) {
	n := 0
	net := testnets.Fixed(t, testnets.LearningBuilder(testnets.LearnModulated))
	place := make([]int, len(net.Populations)) // the modulator on the CPU
	place[slices.IndexFunc(net.Populations, func(p *population.Population) bool { return p.Graded() })] = device.OnCPU
	d, err := device.NewOn([]device.Backend{failingLaunch{wrapped{b}, &n, 40}}, net, place)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Run(100); err == nil || !strings.Contains(err.Error(), "launch 40") {
		t.Fatalf("a launch failing: the run says %v", err)
	}
	if n < 40 {
		t.Fatalf("%d launches: the test needs the failing one part way through the block", n)
	}
	if err := d.Run(100); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("the run again: %v, want a refusal", err)
	}
	if _, err := d.Checkpoint(); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("a checkpoint after it: %v, want a refusal", err)
	}
	if err := d.GatherWeights(); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("the weights after it: %v, want a refusal", err)
	}
}

// RetryAfterFailedRun makes each allocation of a Net's first run fail in
// turn (the rings, logs and tables are allocated then): the run reports
// it, and a second one, whose allocations succeed, gives the stepper's
// spikes — nothing half-built is used.
func RetryAfterFailedRun(t *testing.T, b device.Backend) {
	const steps = 800
	want := testnets.Sequential(t, dyadic(t), steps)
	n := 0
	d, err := device.New(failingAlloc{wrapped{b}, &n, -1}, dyadic(t))
	if err != nil {
		t.Fatal(err)
	}
	built := n
	if err := d.Run(steps); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if n == built {
		t.Fatal("the first run allocated nothing: the test needs it to")
	}
	for at := built + 1; at <= n; at++ {
		count := 0
		d, err := device.New(failingAlloc{wrapped{b}, &count, at}, dyadic(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Run(steps); err == nil || !strings.Contains(err.Error(), "out of memory") {
			t.Errorf("allocation %d failing: the run says %v", at, err)
		}
		if err := d.Run(steps); err != nil {
			t.Errorf("allocation %d failing: the run again: %v", at, err)
		} else {
			compare(t, fmt.Sprintf("allocation %d failing, then the run again", at), dyadic(t), want, d, 0)
		}
		d.Close()
	}
}

// WatchesMatch records the potentials and refractory counts of some
// neurons of the dense network, in fixed point, every step and every 7
// steps, on the
// devices devs (E in two shards, I on the CPU) and on the stepper (the
// model's variables read after each step): the same values, bit for
// bit. A watch after the first run, or of a variable a device does not
// record, is refused.
func WatchesMatch(t *testing.T, devs []device.Backend) {
	const steps = 1500
	neurons := []int{0, 5, 31, 32, 33, 250, 399}
	// Potentials every step (several rows of a block's log), refractory
	// counts every 7 steps.
	everyOf := map[string]int{"v": 1, "refractory": 7}
	type rec struct {
		steps  []int64
		values []float32
	}
	// On the stepper.
	net := dense(true)(t)
	s := stepper.New(net)
	want := map[string]*rec{}
	for _, pop := range []string{"E", "I"} {
		for _, name := range device.WatchVars {
			r := &rec{}
			want[pop+"."+name] = r
			p, _ := net.Population(pop)
			v, _ := p.Model().Var(name)
			every := int64(everyOf[name])
			s.AddMonitor(monitorFunc(func(step int64) {
				if step%every == 0 {
					r.steps = append(r.steps, step)
					for _, i := range neurons {
						if i < len(v) {
							r.values = append(r.values, v[i])
						}
					}
				}
			}))
		}
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	// On the devices: E in two shards, I on the CPU (blocks of one step:
	// the input's links take one); and all on one device (blocks of
	// hundreds of steps, a log of many rows).
	split := []device.Shard{{Population: 0, Lo: 0, Hi: 2000, Device: 0},
		{Population: 1, Lo: 0, Hi: 224, Device: 0}, {Population: 1, Lo: 224, Hi: 400, Device: 1 % len(devs)},
		{Population: 2, Lo: 0, Hi: 100, Device: device.OnCPU}}
	whole := []device.Shard{{Population: 0, Lo: 0, Hi: 2000, Device: 0}, {Population: 1, Lo: 0, Hi: 400, Device: 0},
		{Population: 2, Lo: 0, Hi: 100, Device: 0}}
	var d *device.Net
	for _, shards := range [][]device.Shard{split, whole} {
		ref := dense(true)(t)
		var err error
		if d, err = device.NewSharded(devs, ref, shards); err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		got := map[string]*rec{}
		for _, pop := range []string{"E", "I"} {
			p, _ := ref.Population(pop)
			var idx []int
			for _, i := range neurons {
				if i < p.Len() {
					idx = append(idx, i)
				}
			}
			for _, name := range device.WatchVars {
				r := &rec{}
				got[pop+"."+name] = r
				if err := d.Watch(pop, name, idx, everyOf[name], func(step int64, values []float32) {
					r.steps = append(r.steps, step)
					r.values = append(r.values, values...)
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := d.Run(steps / 2); err != nil {
			t.Fatal(err)
		}
		if err := d.Run(steps - steps/2); err != nil {
			t.Fatal(err)
		}
		for key, w := range want {
			g := got[key]
			every := everyOf[key[strings.IndexByte(key, '.')+1:]]
			if len(w.steps) != (steps-1)/every+1 || !slices.Equal(g.steps, w.steps) || !slices.Equal(g.values, w.values) {
				t.Errorf("%v: %s: %d records on the devices, %d on the stepper, or other values", d.Shards(), key, len(g.steps), len(w.steps))
			}
		}
	}
	// d is the last Net, which ran.
	if err := d.Watch("E", "v", nil, 1, func(int64, []float32) {}); err == nil {
		t.Error("a watch after the first run is taken")
	}
	if err := d.Watch("in", "current", nil, 1, func(int64, []float32) {}); err == nil || !strings.Contains(err.Error(), "v") {
		t.Errorf("a watch of an unknown variable: %v", err)
	}
}

// monitorFunc is a stepper.Monitor calling a function after each step.
type monitorFunc func(step int64)

// Record implements stepper.Monitor.
func (f monitorFunc) Record(step int64, _ *network.Network) { f(step) }

// uploads is a device that counts the copies made into it.
type uploads struct {
	wrapped
	n *int
}

// Upload implements device.Backend.
func (u uploads) Upload(dst device.Buffer, src []byte) error {
	*u.n++
	return u.Backend.Upload(dst, src)
}

// ShardsOnOneDevice runs the dense network in fixed point with E cut in
// two shards on one device: the stepper's spikes, and no spike copied
// into the device while it runs — shards on one device deliver each
// other's spikes there, within the step. Cut over two devices, spikes
// are copied in.
func ShardsOnOneDevice(t *testing.T, a, b device.Backend) {
	const steps = 1500
	ref := dense(true)(t)
	want := testnets.Sequential(t, ref, steps)
	for _, c := range []struct {
		name   string
		second int // E's second shard's device
	}{{"E's shards on one device", 0}, {"E's shards on two devices", 1}} {
		var na, nb int
		devs := []device.Backend{uploads{wrapped{a}, &na}, uploads{wrapped{b}, &nb}}
		shards := []device.Shard{{Population: 0, Lo: 0, Hi: 2000, Device: 0},
			{Population: 1, Lo: 0, Hi: 224, Device: 0}, {Population: 1, Lo: 224, Hi: 400, Device: c.second},
			{Population: 2, Lo: 0, Hi: 100, Device: 0}}
		d, err := device.NewSharded(devs, dense(true)(t), shards)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Run(1); err != nil { // the rings, logs and tables
			t.Fatal(err)
		}
		before := na + nb
		if err := d.Run(steps - 1); err != nil {
			t.Fatal(err)
		}
		compare(t, c.name, ref, want, d, 0)
		copies := na + nb - before
		if c.second == 0 && copies != 0 {
			t.Errorf("%s: %d copies into the device while it ran", c.name, copies)
		}
		if c.second == 1 && copies == 0 {
			t.Errorf("%s: no copy into the devices while they ran (the test cannot tell)", c.name)
		}
		d.Close()
	}
}

// LearnsOnDevices runs networks whose projections learn STDP where a
// device learns it (plasticity.STDPForm), their sums in fixed point, on
// the devices devs (device.Place puts everything there): the STDP
// benchmark, and Brunel-like networks whose E→E projection learns
// (testnets.LearningBuilder: all to all or nearest pairs, exact or Euler
// tags, constant rates applied at once or bounded ones summed over a
// step, modulated, with eligibility traces (RSTDP), one delay or rows
// with delays of their own). Each gives the
// sequential stepper's spikes, events and final weights, bit for bit;
// with learning off, the weights stay as built.
//
// With names, only the networks of those names run.
func LearnsOnDevices(t *testing.T, devs []device.Backend, names ...string) {
	const steps = 1500
	for name, build := range map[string]func(*testing.T) *network.Network{
		"STDP": func(t *testing.T) *network.Network {
			net, err := models.STDP(models.Options{Seed: 4, FixedPoint: true})
			if err != nil {
				t.Fatal(err)
			}
			return net
		},
		"all to all":            learningNet(testnets.LearnAllToAll),
		"nearest, pre first":    learningNet(testnets.LearnNearest),
		"soft and lower bounds": learningNet(testnets.LearnBounded),
		"upper bound, nearest":  learningNet(testnets.LearnUpper),
		"modulated":             learningNet(testnets.LearnModulated),
		"descending":            learningNet(testnets.LearnDescending),
		"two delays":            learningNet(testnets.LearnTwoDelays),
		"two sources":           learningNet(testnets.LearnTwoSources),
		"eligibility":           learningNet(testnets.LearnEligibility),
	} {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		want := testnets.Sequential(t, build(t), steps)
		net := build(t)
		before := testnets.NewResult()
		before.TakeWeights(net)
		d, err := device.NewOn(devs, net, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, k := range d.Placement() {
			if p := net.Populations[i]; k == device.OnCPU && !p.Graded() {
				t.Fatalf("%s: placed %v: the test needs every spiking population on a device (%s is not)", name, d.Placement(), p.Name)
			}
		}
		if err := d.Run(steps / 3); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.Run(steps - steps/3); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.GatherWeights(); err != nil {
			t.Fatal(err)
		}
		got := hybridResult(t, d, net)
		testnets.Compare(t, name+" on devices", want, got)
		changed := 0
		for proj, w := range got.Weights {
			for k := range w {
				if w[k] != before.Weights[proj][k] {
					changed++
				}
			}
		}
		if changed == 0 {
			t.Errorf("%s: no weight changed: the comparison compares nothing learnt", name)
		}
		d.Close()

		// Checkpointed on the devices, resumed on the stepper; and back.
		acrossCheckpoints(t, name, devs, nil, build, want, steps, 700)

		// Placed apart, source and target: refused, naming what to do.
		if name == "STDP" {
			_, err := device.NewOn(devs[:1], build(t), []int{device.OnCPU, 0})
			if err == nil || !strings.Contains(err.Error(), `projection "syn"`) || !strings.Contains(err.Error(), `place "out" on "in"'s device, or on the CPU`) {
				t.Errorf("STDP's ends apart: %v", err)
			}
		}

		// Learning off: the tags run, the weights stay; then on again, as
		// on the stepper (the tags, rates and modulators of the steps
		// without learning taken as the CPU takes them).
		net = build(t)
		d, err = device.NewOn(devs, net, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := device.Adapt(d)
		e.SetLearning(false)
		if err := e.Run(steps / 3); err != nil {
			t.Fatal(err)
		}
		if err := e.GatherWeights(); err != nil {
			t.Fatal(err)
		}
		frozen := testnets.NewResult()
		frozen.TakeWeights(net)
		for proj, w := range frozen.Weights {
			if !slices.Equal(w, before.Weights[proj]) {
				t.Errorf("%s: learning off: the weights of %s changed", name, proj)
			}
		}
		e.SetLearning(true)
		if err := e.Run(steps - steps/3); err != nil {
			t.Fatal(err)
		}
		ref := build(t)
		s := stepper.New(ref)
		s.Learn = false
		if err := s.Run(steps / 3); err != nil {
			t.Fatal(err)
		}
		s.Learn = true
		if err := s.Run(steps - steps/3); err != nil {
			t.Fatal(err)
		}
		offOn := testnets.NewResult()
		offOn.TakeWeights(ref)
		offOn.Events = s.Events()
		testnets.Compare(t, name+": learning off, then on", offOn, hybridResult(t, d, net))
		e.Close()
	}
}

// learningNet builds testnets.LearningBuilder(rule), its sums in fixed
// point.
func learningNet(rule int) func(*testing.T) *network.Network {
	return func(t *testing.T) *network.Network { return testnets.Fixed(t, testnets.LearningBuilder(rule)) }
}

// ModulatorEdges runs the edges of a modulated rule on the devices devs,
// their sums in fixed point: a modulated rule and an R-STDP one following
// no modulator, which a device refuses (saying so) and the CPU steps in
// the same run; one whose modulator stays at 0 while its sums overflow to
// infinity, which changes no weight and is no error. Each gives the
// stepper's spikes and weights.
func ModulatorEdges(t *testing.T, devs []device.Backend) {
	const steps = 3000
	unfollowed := learningNet(testnets.LearnUnfollowed)
	unfollowedRSTDP := learningNet(testnets.LearnEligibilityUnfollowed)
	for _, build := range []func(*testing.T) *network.Network{unfollowed, unfollowedRSTDP} {
		net := build(t)
		e := slices.IndexFunc(net.Populations, func(p *population.Population) bool { return p.Name == "E" })
		if err := device.Refusals(net)[e]; err == nil || !strings.Contains(err.Error(), "following no modulator") {
			t.Errorf("%s, following no modulator: refusal %v, want one saying so", net.Projections[0].Rule.Kind(), err)
		}
	}
	for name, build := range map[string]func(*testing.T) *network.Network{"following no modulator": unfollowed,
		"R-STDP following no modulator": unfollowedRSTDP, "silent modulator": learningNet(testnets.LearnSilent)} {
		want := testnets.Sequential(t, build(t), steps)
		net := build(t)
		d, err := device.NewOn(devs, net, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.Run(steps); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		testnets.Compare(t, name, want, hybridResult(t, d, net))
		d.Close()
		built := testnets.NewResult()
		built.TakeWeights(build(t))
		if !slices.Equal(want.Weights["EE"], built.Weights["EE"]) {
			t.Errorf("%s: the stepper changed the weights: the test expects none changed", name)
		}
	}
}
