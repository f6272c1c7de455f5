//go:build cgo

package hostrun

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/internal/kerneltest"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/soma"
)

func TestNetMatchesTheStepper(t *testing.T) { kerneltest.NetMatchesTheStepper(t, Backend{}) }
func TestDeltaNetMatchesTheStepper(t *testing.T) {
	kerneltest.DeltaNetMatchesTheStepper(t, Backend{})
}
func TestSpreadNetMatchesTheStepper(t *testing.T) {
	kerneltest.SpreadNetMatchesTheStepper(t, Backend{})
}
func TestCheckpointsAcross(t *testing.T) { kerneltest.CheckpointsAcross(t, Backend{}) }
func TestCondNetMatchesTheStepper(t *testing.T) {
	kerneltest.CondNetMatchesTheStepper(t, Backend{})
}

// COBA at a fifth of its size for 0.5 s: rates as the stepper's.
func TestCOBARates(t *testing.T) { kerneltest.COBARates(t, Backend{}, 0.2, 5000) }

// CUBA at half its size for 1 s on the CPU as a device: rates as
// the stepper's.
func TestCUBARates(t *testing.T) { kerneltest.CUBARates(t, Backend{}, 0.5, 10000) }

// Brunel at a tenth of its size for 0.3 s: rates as the stepper's.
func TestBrunelRates(t *testing.T) { kerneltest.BrunelRates(t, Backend{}, 0.1, 3000) }

// What Net cannot step is refused with a message naming it.
func TestNetRefuses(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 1})
	lif := soma.LIF()
	b.Population("E", 10, lif).Receptor("g", dendrite.Spec{Kernel: dendrite.AlphaCurrent, TauMs: 5})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := device.New(Backend{}, net); err == nil || !strings.Contains(err.Error(), `population "E": receptor "g": a single`) {
		t.Errorf("an alpha receptor: %v", err)
	}
}

// Net behind engine.Engine: runs in parts continue one another, Stop ends
// the next run, a checkpoint is at the step reached, and a closed engine
// refuses to run.
func TestNetAsEngine(t *testing.T) {
	net, err := models.CUBA(models.Options{Scale: 0.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := device.New(Backend{}, net)
	if err != nil {
		t.Fatal(err)
	}
	e := device.Adapt(d)
	if err := e.RunMs(10); err != nil || e.Steps() != 100 {
		t.Fatalf("RunMs(10): %v, at step %d", err, e.Steps())
	}
	e.Stop()
	if err := e.Run(50); !errors.Is(err, engine.ErrStopped) || e.Steps() != 100 {
		t.Errorf("a stopped run: %v, at step %d", err, e.Steps())
	}
	if err := e.Run(50); err != nil || e.Steps() != 150 {
		t.Errorf("the run after: %v, at step %d", err, e.Steps())
	}
	if snap, err := e.Checkpoint(); err != nil || snap.Step != 150 {
		t.Errorf("a checkpoint: %v", err)
	}
	if _, _, err := e.Spikes("E"); err != nil {
		t.Error(err)
	}
	e.Close()
	if err := e.Run(1); !errors.Is(err, engine.ErrClosed) {
		t.Errorf("a run after Close: %v", err)
	}
}

// Three host devices, each refusing the others' buffers.
func TestSpreadOverDevices(t *testing.T) {
	kerneltest.SpreadOverDevices(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}, Backend{Device: 2}})
}

// In fixed point the device's spikes are the stepper's, bit for bit, on
// networks whose float32 sums depend on their order.
func TestFixedPointMatches(t *testing.T) {
	kerneltest.FixedPointMatches(t, Backend{Device: 0}, Backend{Device: 1})
}

// Plastic networks with what the host devices can step on them and the
// rest on the CPU: the stepper's spikes, events and weights, bit for bit.
func TestHybridMatches(t *testing.T) {
	kerneltest.HybridMatches(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}})
}

// deliver_all strides over the (projection, spike) pairs with however
// many warps it is given: 3 and 500 warps give the stepper's spikes, as
// one does, on delays of rows and of synapses.
func TestDeliverAllWarps(t *testing.T) {
	for _, w := range []int{3, 500} {
		kerneltest.NetMatchesTheStepper(t, Backend{Warps: w})
		kerneltest.SpreadNetMatchesTheStepper(t, Backend{Warps: w})
	}
}

// Without addresses, Net launches kernels one population and projection
// at a time (lif_exp2, take_slot, deliver_rows, …): the same spikes.
func TestPlainLaunches(t *testing.T) {
	b := Backend{Plain: true}
	kerneltest.NetMatchesTheStepper(t, b)
	kerneltest.DeltaNetMatchesTheStepper(t, b)
	kerneltest.SpreadNetMatchesTheStepper(t, b)
	kerneltest.CondNetMatchesTheStepper(t, b)
}

// Populations cut into shards over host devices: the stepper's spikes.
func TestShardsOverDevices(t *testing.T) {
	kerneltest.ShardsOverDevices(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}, Backend{Device: 2}})
}

// Checkpoints into shards of uneven rings, right after a restore, before
// the first run, of a receptor no projection reaches.
func TestCheckpointEdges(t *testing.T) {
	kerneltest.CheckpointEdges(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}})
}

// A run whose allocations fail reports it, and the next one runs right.
func TestRetryAfterFailedRun(t *testing.T) { kerneltest.RetryAfterFailedRun(t, Backend{}) }

// AdaptWith reports the steps computed after each block of a run.
func TestProgressPerBlock(t *testing.T) {
	net, err := models.CUBA(models.Options{Scale: 0.05, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	n, err := device.New(Backend{}, net)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	e := device.AdaptWith(n, device.Options{OnBlock: func(s int64) { seen = append(seen, s) }})
	defer e.Close()
	if err := e.Run(2500); err != nil {
		t.Fatal(err)
	}
	// Blocks of at most 1,000 steps, in order, ending at the run's end.
	if len(seen) < 3 || seen[len(seen)-1] != 2500 || !slices.IsSorted(seen) || seen[0] > 1000 {
		t.Errorf("progress %v for 2500 steps", seen)
	}
}

// Watches record the stepper's values on devices, in shards and on the
// CPU.
func TestWatchesMatch(t *testing.T) {
	kerneltest.WatchesMatch(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}})
}

// Shards on one device deliver each other's spikes there.
func TestShardsOnOneDevice(t *testing.T) {
	kerneltest.ShardsOnOneDevice(t, Backend{Device: 0}, Backend{Device: 1})
}

// TestLearnsOnDevices runs STDP on the host device, and some of the
// networks on two (whose placement keeps each learning projection's ends
// together; the kernels are the same).
func TestLearnsOnDevices(t *testing.T) {
	kerneltest.LearnsOnDevices(t, []device.Backend{Backend{}})
	kerneltest.LearnsOnDevices(t, []device.Backend{Backend{Device: 0}, Backend{Device: 1}}, "STDP", "modulated", "two sources", "eligibility")
}

// TestModulatorEdges: a modulated rule following no modulator, and one
// whose modulator stays at 0 while its sums overflow.
func TestModulatorEdges(t *testing.T) { kerneltest.ModulatorEdges(t, []device.Backend{Backend{}}) }

// TestFailedBlockIsFinal: a launch failing part way through a block.
func TestFailedBlockIsFinal(t *testing.T) { kerneltest.FailedBlockIsFinal(t, Backend{}) }
