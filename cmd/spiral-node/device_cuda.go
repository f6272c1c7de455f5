//go:build cuda

package main

import (
	"fmt"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/cuda"
)

// openGPUs opens GPUs ids (nil: every GPU) as devices.
func openGPUs(ids []int) ([]device.Backend, func(), error) {
	n, err := cuda.Count()
	if err != nil {
		return nil, nil, fmt.Errorf("--device cuda: %w", err)
	}
	if ids == nil {
		if n == 0 {
			return nil, nil, fmt.Errorf("--device cuda: this machine has no GPU")
		}
		for k := range n {
			ids = append(ids, k)
		}
	}
	var (
		devs   []device.Backend
		opened []*cuda.Device
	)
	release := func() {
		for _, d := range opened {
			d.Close()
		}
	}
	for _, k := range ids {
		if k >= n {
			release()
			return nil, nil, fmt.Errorf("--device cuda:%d: this machine has %d GPUs (0 to %d)", k, n, n-1)
		}
		d, err := cuda.Open(k)
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("--device cuda:%d: %w", k, err)
		}
		opened = append(opened, d)
		devs = append(devs, cuda.Backend{D: d})
	}
	return devs, release, nil
}
