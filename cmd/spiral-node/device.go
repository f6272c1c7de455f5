package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/engine"
)

// parseDevice checks --device: "cpu" (the default: the CPU engines) or
// "cuda" / "cuda:N", GPU N (0 by default). It returns the GPU's ordinal,
// −1 for the CPU.
func parseDevice(s string) (int, error) {
	switch {
	case s == "" || s == "cpu":
		return -1, nil
	case s == "cuda":
		return 0, nil
	case strings.HasPrefix(s, "cuda:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "cuda:"))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("--device %q: cuda:N takes one GPU's number, N >= 0 (several GPUs in one run are still to come)", s)
		}
		return n, nil
	}
	return 0, fmt.Errorf("--device %q: cpu (the default) or cuda[:N]", s)
}

// startDevice puts spec's network on GPU ordinal (device.Net): an engine
// that hands its spikes to spec.onSpikes after each run, its
// description, and its release.
func startDevice(spec engineSpec, ordinal int) (engine.Engine, string, func(), int, error) {
	b, closeGPU, err := openGPU(ordinal)
	if err != nil {
		return nil, "", nil, 2, err
	}
	n, err := device.New(b, spec.net)
	if err != nil {
		closeGPU()
		return nil, "", nil, 2, err
	}
	e := &spikesOut{Engine: device.Adapt(n), on: spec.onSpikes, sent: map[string]int{}}
	for _, p := range spec.net.Populations {
		e.pops = append(e.pops, p.Name)
	}
	return e, "device.Net on " + b.Name(), func() { e.Close(); closeGPU() }, 0, nil
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
