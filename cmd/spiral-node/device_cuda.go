//go:build cuda

package main

import (
	"fmt"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/cuda"
)

// openGPU opens GPU ordinal as a device.
func openGPU(ordinal int) (device.Backend, func(), error) {
	n, err := cuda.Count()
	if err != nil {
		return nil, nil, fmt.Errorf("--device cuda: %w", err)
	}
	if ordinal >= n {
		return nil, nil, fmt.Errorf("--device cuda:%d: this machine has %d GPUs", ordinal, n)
	}
	d, err := cuda.Open(ordinal)
	if err != nil {
		return nil, nil, fmt.Errorf("--device cuda:%d: %w", ordinal, err)
	}
	return cuda.Backend{D: d}, d.Close, nil
}
