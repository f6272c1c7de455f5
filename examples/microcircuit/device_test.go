//go:build cgo

package main

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/hostrun"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/stepper"
)

// The microcircuit at 2 % of its neurons and 10 % of its in-degrees, with
// Poisson background and sums in fixed point, on three host devices
// (the GPU kernels on the CPU; L2/3E, the largest population, in one
// shard per device): every population's spikes are the sequential
// stepper's, bit for bit, over 200 ms — synapses with delays of their
// own, drives, shards and spikes between devices included.
func TestDevicesInFixedPoint(t *testing.T) {
	c := Config{NScale: 0.02, KScale: 0.1, Poisson: true, Seed: 3, FixedPoint: true}
	const steps = 2000
	ref, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	s := stepper.New(ref)
	recs := map[string]*monitor.Spikes{}
	for _, p := range ref.Populations {
		if recs[p.Name], err = monitor.NewSpikes(ref, p.Name); err != nil {
			t.Fatal(err)
		}
		s.AddMonitor(recs[p.Name])
	}
	if err := s.Run(steps); err != nil {
		t.Fatal(err)
	}
	net, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	devs := []device.Backend{hostrun.Backend{Device: 0}, hostrun.Backend{Device: 1}, hostrun.Backend{Device: 2}}
	d, err := device.NewOn(devs, net, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Shards()) <= len(net.Populations) {
		t.Errorf("no population cut into shards: %v", d.Shards())
	}
	if err := d.Run(steps); err != nil {
		t.Fatal(err)
	}
	if d.Events() != s.Events() {
		t.Errorf("%d synaptic events on the devices, %d on the stepper", d.Events(), s.Events())
	}
	for _, p := range ref.Populations {
		st, el, err := d.Spikes(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r := recs[p.Name]
		if len(r.Steps) < 10 || !slices.Equal(st, r.Steps) || !slices.Equal(el, r.Elements) {
			t.Errorf("%s: %d spikes on the devices, %d on the stepper, or other ones", p.Name, len(st), len(r.Steps))
		}
	}
}
