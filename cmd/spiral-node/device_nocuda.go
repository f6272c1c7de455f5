//go:build !cuda

package main

import (
	"errors"

	"github.com/spiral-sim/spiral/device"
)

// openGPUs fails: this build has no CUDA.
func openGPUs([]int) ([]device.Backend, func(), error) {
	return nil, nil, errors.New("--device cuda: this spiral-node was built without CUDA; build it with -tags cuda against CUDA's headers (docs/gpu.md), or use --device host to run the GPU kernels on the CPU")
}
