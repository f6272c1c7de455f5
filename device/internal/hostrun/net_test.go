//go:build cgo

package hostrun

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/internal/kerneltest"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/soma"
)

func TestNetMatchesTheStepper(t *testing.T) { kerneltest.NetMatchesTheStepper(t, Backend{}) }

// CUBA at half its size for 1 s on the CPU as a device: rates as
// the stepper's.
func TestCUBARates(t *testing.T) { kerneltest.CUBARates(t, Backend{}, 0.5, 10000) }

// What Net cannot step is refused with a message naming it.
func TestNetRefuses(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 1})
	lif := soma.LIF()
	b.Population("E", 10, lif).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := device.New(Backend{}, net); err == nil || !strings.Contains(err.Error(), `population "E": 1 receptors`) {
		t.Errorf("a delta receptor: %v", err)
	}
}
