package checkpoint_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/stepper"
)

// A run checkpointed half way and resumed in a new process (here a new
// network built from the same model) fires exactly as the run that went
// on without stopping.
func Example() {
	build := func() *stepper.Stepper {
		net, err := models.CUBA(models.Options{Scale: 0.1, Seed: 7})
		if err != nil {
			log.Fatal(err)
		}
		return stepper.New(net)
	}
	// spikes appends the step's spikes, as step·2³² + population offset
	// + neuron.
	spikes := func(s *stepper.Stepper, out []uint64) []uint64 {
		off := uint64(0)
		for _, p := range s.Network().Populations {
			for _, i := range p.Fired() {
				out = append(out, uint64(s.Steps())<<32+off+uint64(i))
			}
			off += uint64(p.Len())
		}
		return out
	}

	// The run that goes on: 2000 steps, counting the spikes of the second
	// half.
	whole := build()
	if err := whole.Run(1000); err != nil {
		log.Fatal(err)
	}
	var want []uint64
	for range 1000 {
		if err := whole.Run(1); err != nil {
			log.Fatal(err)
		}
		want = spikes(whole, want)
	}

	// The run that stops half way and writes a checkpoint…
	first := build()
	if err := first.Run(1000); err != nil {
		log.Fatal(err)
	}
	snap, err := first.Checkpoint()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "checkpoint")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "100ms")
	if err := checkpoint.Write(path, checkpoint.Info{Model: "cuba", Seed: 7, DtMs: 0.1}, snap); err != nil {
		log.Fatal(err)
	}

	// …and a new network that reads it and goes on.
	info, back, err := checkpoint.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	second := build()
	if err := second.Restore(back); err != nil {
		log.Fatal(err)
	}
	var got []uint64
	for range 1000 {
		if err := second.Run(1); err != nil {
			log.Fatal(err)
		}
		got = spikes(second, got)
	}
	fmt.Printf("checkpoint of %s at step %d\n", info.Model, info.Step)
	fmt.Println("the same spikes after it:", len(got) > 0 && slices.Equal(got, want))
	// Output:
	// checkpoint of cuba at step 1000
	// the same spikes after it: true
}
