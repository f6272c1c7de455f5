//go:build !cuda

package main

import (
	"errors"

	"github.com/spiral-sim/spiral/device"
)

// openGPU answers that this build has no GPU support: the CUDA device
// needs the build tag cuda (docs/gpu.md).
func openGPU(int) (device.Backend, func(), error) {
	return nil, nil, errors.New("--device cuda: this spiral-node was built without CUDA; build it with -tags cuda against CUDA's headers (docs/gpu.md)")
}
