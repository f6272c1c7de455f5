package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/hostrun"
	"github.com/spiral-sim/spiral/engine"
)

// deviceSpec is a --device other than cpu: GPUs (cuda) or host devices
// (the kernels compiled for the CPU, for checking).
type deviceSpec struct {
	kind string // "cuda" or "host"
	ids  []int  // the devices' numbers; nil for cuda: every GPU
}

// deviceUsage says what --device takes.
const deviceUsage = "cpu (the default), cuda (every GPU), cuda:N[,M...] (GPUs N, M...), or host[:N,M...] (the GPU kernels on the CPU, as devices N, M...: slow, for checking)"

// parseDevice checks --device. It returns nil for cpu (the CPU's
// engines).
func parseDevice(s string) (*deviceSpec, error) {
	kind, list, hasList := strings.Cut(s, ":")
	switch {
	case s == "" || s == "cpu":
		return nil, nil
	case kind != "cuda" && kind != "host":
		return nil, fmt.Errorf("--device %q: %s", s, deviceUsage)
	case !hasList && kind == "host":
		return &deviceSpec{kind: kind, ids: []int{0}}, nil
	case !hasList:
		return &deviceSpec{kind: kind}, nil
	}
	d := &deviceSpec{kind: kind}
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("--device %q: %q is not a device number (N >= 0): %s", s, f, deviceUsage)
		}
		if slices.Contains(d.ids, n) {
			return nil, fmt.Errorf("--device %q: device %d named twice", s, n)
		}
		d.ids = append(d.ids, n)
	}
	return d, nil
}

// String is the spec as --device takes it.
func (d *deviceSpec) String() string {
	if d.ids == nil {
		return d.kind
	}
	s := make([]string, len(d.ids))
	for i, n := range d.ids {
		s[i] = strconv.Itoa(n)
	}
	return d.kind + ":" + strings.Join(s, ",")
}

// openDevices opens the devices of spec, and returns them with their
// release.
func openDevices(spec *deviceSpec) ([]device.Backend, func(), error) {
	if spec.kind == "cuda" {
		return openGPUs(spec.ids)
	}
	var devs []device.Backend
	for _, n := range spec.ids {
		b, err := hostrun.Open(n)
		if err != nil {
			return nil, nil, fmt.Errorf("--device %s: %w", spec, err)
		}
		devs = append(devs, b)
	}
	return devs, func() {}, nil
}

// startDevice puts spec's network on the devices of ds (device.Net,
// populations placed by device.Place): an engine that hands its spikes
// to spec.onSpikes after each run, its description, and its release.
func startDevice(spec engineSpec, ds *deviceSpec) (engine.Engine, string, func(), int, error) {
	devs, closeDevs, err := openDevices(ds)
	if err != nil {
		return nil, "", nil, 2, err
	}
	n, err := device.NewOn(devs, spec.net, nil)
	if err != nil {
		closeDevs()
		return nil, "", nil, 2, fmt.Errorf("--device %s: %w", ds, err)
	}
	// State monitors: the devices log the variables (device.Net.Watch).
	if spec.out != nil {
		for _, sm := range spec.src.stateMons {
			rec, err := newStateRecorder(spec.out, spec.net, sm, spec.wfail)
			if err == nil {
				err = n.Watch(sm.Population, sm.Var, sm.Neurons, sm.Every, rec.write)
			}
			if err != nil {
				n.Close()
				closeDevs()
				return nil, "", nil, 2, fmt.Errorf("--device %s: monitors.state: %w", ds, err)
			}
		}
	}
	e := &spikesOut{Engine: device.AdaptWith(n, device.Options{OnBlock: spec.onProgress}), on: spec.onSpikes, sent: map[string]int{}}
	for _, p := range spec.net.Populations {
		e.pops = append(e.pops, p.Name)
	}
	return e, "device.Net on " + describePlacement(n), func() { e.Close(); closeDevs() }, 0, nil
}

// describePlacement names a Net's devices, and with several, or with
// populations on the CPU, what each holds: populations whole, and
// shards as NAME[LO:HI].
func describePlacement(n *device.Net) string {
	devs := n.Devices()
	byDev := make([][]string, len(devs))
	var cpu []string
	pops := n.Net().Populations
	for _, sh := range n.Shards() {
		name := pops[sh.Population].Name
		if sh.Lo != 0 || sh.Hi != pops[sh.Population].Len() {
			name = fmt.Sprintf("%s[%d:%d]", name, sh.Lo, sh.Hi)
		}
		if sh.Device == device.OnCPU {
			cpu = append(cpu, name)
		} else {
			byDev[sh.Device] = append(byDev[sh.Device], name)
		}
	}
	// The projections that learn on the devices, if any.
	learns := ""
	if l := n.Learning(); len(l) > 0 {
		learns = "\n  learning on the devices: " + strings.Join(l, ", ")
	}
	if len(devs) == 1 && len(cpu) == 0 {
		return devs[0].Name() + learns
	}
	var parts []string
	for k, b := range devs {
		held := "nothing"
		if len(byDev[k]) > 0 {
			held = strings.Join(byDev[k], ", ")
		}
		parts = append(parts, fmt.Sprintf("%s holds %s", b.Name(), held))
	}
	if len(cpu) > 0 {
		parts = append(parts, "the CPU holds "+strings.Join(cpu, ", ")+" (what the devices cannot step)")
	}
	desc := fmt.Sprintf("%s: %s", plural(len(devs), "device"), strings.Join(parts, "; "))
	// Why each population on the CPU is there.
	refused := device.Refusals(n.Net())
	for i, k := range n.Placement() {
		if k != device.OnCPU {
			continue
		}
		why := "with the source of a projection that learns into it, which a device learns only between populations it holds"
		if err := refused[i]; err != nil {
			why = strings.TrimPrefix(err.Error(), "device: ")
		}
		desc += fmt.Sprintf("\n  %s on the CPU: %s", pops[i].Name, why)
	}
	return desc + learns
}

// spikesOut hands an engine's new spikes to on after each run (the
// engines of the CPU call it as they record; device.Net keeps them).
type spikesOut struct {
	engine.Engine
	on   func(pop string, steps []int64, neurons []uint32)
	pops []string
	sent map[string]int
}

// Run implements engine.Engine.
func (s *spikesOut) Run(steps int) error {
	err := s.Engine.Run(steps)
	s.flush()
	return err
}

// RunMs implements engine.Engine.
func (s *spikesOut) RunMs(ms float64) error {
	err := s.Engine.RunMs(ms)
	s.flush()
	return err
}

func (s *spikesOut) flush() {
	if s.on == nil {
		return
	}
	for _, pop := range s.pops {
		st, el, err := s.Engine.Spikes(pop)
		if err != nil {
			continue
		}
		if k := s.sent[pop]; k < len(st) {
			s.on(pop, st[k:], el[k:])
			s.sent[pop] = len(st)
		}
	}
}
