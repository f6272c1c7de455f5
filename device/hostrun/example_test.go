//go:build cgo

package hostrun_test

import (
	"fmt"
	"slices"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/hostrun"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/stepper"
)

// A network on two devices — here the GPU kernels on the CPU, as a GPU
// would run them — with its sums in fixed point: the placement cuts the
// largest population into one shard per device, and the spikes are the
// sequential stepper's, bit for bit.
func Example() {
	o := models.Options{Scale: 0.2, Seed: 1, FixedPoint: true}
	onDevices, err := models.CUBA(o)
	if err != nil {
		panic(err)
	}
	d, err := device.NewOn([]device.Backend{hostrun.Backend{Device: 0}, hostrun.Backend{Device: 1}}, onDevices, nil)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	for _, sh := range d.Shards() {
		fmt.Printf("%s[%d:%d] on device %d\n", d.Net().Populations[sh.Population].Name, sh.Lo, sh.Hi, sh.Device)
	}
	if err := d.Run(2000); err != nil { // 200 ms
		panic(err)
	}

	net, err := models.CUBA(o)
	if err != nil {
		panic(err)
	}
	s := stepper.New(net)
	e, _ := monitor.NewSpikes(net, "E")
	s.AddMonitor(e)
	if err := s.Run(2000); err != nil {
		panic(err)
	}
	steps, neurons, _ := d.Spikes("E")
	fmt.Println("E's spikes as the stepper's:", len(steps) > 0 && slices.Equal(steps, e.Steps) && slices.Equal(neurons, e.Elements))
	fmt.Println("synaptic events as the stepper's:", d.Events() == s.Events())
	// Output:
	// E[0:320] on device 0
	// E[320:640] on device 1
	// I[0:160] on device 0
	// E's spikes as the stepper's: true
	// synaptic events as the stepper's: true
}
