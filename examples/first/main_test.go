package main

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/workers"
)

// The Go program and the model file are the same network: first.yaml on
// the sequential stepper and build on the lockstep engine give the same
// spikes, step for step and neuron for neuron.
func TestSameAsModelFile(t *testing.T) {
	m, err := modelfile.Load("first.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fileNet, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := stepper.New(fileNet)
	mons := map[string]*monitor.Spikes{}
	for _, p := range []string{"E", "I"} {
		if mons[p], err = monitor.NewSpikes(fileNet, p); err != nil {
			t.Fatal(err)
		}
		s.AddMonitor(mons[p])
	}
	if err := s.RunMs(300); err != nil {
		t.Fatal(err)
	}
	goNet, err := build(1)
	if err != nil {
		t.Fatal(err)
	}
	if goNet.Neurons() != fileNet.Neurons() || goNet.Synapses() != fileNet.Synapses() {
		t.Fatalf("Go: %d neurons, %d synapses; file: %d, %d", goNet.Neurons(), goNet.Synapses(), fileNet.Neurons(), fileNet.Synapses())
	}
	eng, err := lockstep.New(goNet, lockstep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.RunMs(300); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"E", "I"} {
		steps, neurons, err := eng.Spikes(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) == 0 {
			t.Fatalf("%s: no spikes", p)
		}
		if !slices.Equal(steps, mons[p].Steps) || !slices.Equal(neurons, mons[p].Elements) {
			t.Errorf("%s: Go program %d spikes, model file %d, or at other steps or neurons", p, len(steps), len(mons[p].Steps))
		}
	}
}

// The program prints both populations, firing irregularly at a moderate
// rate.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 1, 500); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "1000 neurons, 100000 synapses, 500 ms simulated" {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		rate, err1 := strconv.ParseFloat(f[2], 64)
		cv, err2 := strconv.ParseFloat(f[3], 64)
		if len(f) != 4 || err1 != nil || err2 != nil || rate < 5 || rate > 60 || cv < 0.4 {
			t.Errorf("%q: want a rate in [5, 60] Hz and a CV of ISI of at least 0.4", l)
		}
	}
}

// TestMain lets the test binary serve as a worker of runOn (seed 1, as
// the test below runs).
func TestMain(m *testing.M) {
	if workers.Serving() {
		os.Exit(workers.Serve(func(part *network.Part) (*network.Network, error) { return buildPart(1, part) }, workers.ServeOptions{}))
	}
	os.Exit(m.Run())
}

// With -workers 2 the program prints what it prints in one process: the
// same network (every synapse, held by the workers) and the same spikes,
// so the same counts, rates and CVs.
func TestRunOnWorkers(t *testing.T) {
	var one, two bytes.Buffer
	if err := run(&one, 1, 300); err != nil {
		t.Fatal(err)
	}
	if err := runOn(&two, 1, 300, 2); err != nil {
		t.Fatal(err)
	}
	if one.String() != two.String() || !strings.HasPrefix(one.String(), "1000 neurons, 100000 synapses") {
		t.Errorf("one process:\n%s\ntwo workers:\n%s", one.String(), two.String())
	}
}
