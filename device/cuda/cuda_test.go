//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"testing"

	"github.com/spiral-sim/spiral/device"
	"github.com/spiral-sim/spiral/device/internal/kerneltest"
	"github.com/spiral-sim/spiral/device/kernels"
	"github.com/spiral-sim/spiral/models"
)

// open opens GPU 0 for a test (this package runs only where there is
// one: gorgonia.org/cu exits the program otherwise).
func open(t *testing.T) *Device {
	t.Helper()
	d, err := Open(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	t.Logf("GPU 0: %s", d.Name())
	return d
}

// The kernels compute on the GPU what the CPU computes, bit for bit (the
// same checks as package hostrun's on the host).
func TestLIFExp2MatchesSoma(t *testing.T) {
	kerneltest.LIFExp2MatchesSoma(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}
func TestPoissonMatchesEncoder(t *testing.T) {
	kerneltest.PoissonMatchesEncoder(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}
func TestCompactListsInOrder(t *testing.T) {
	kerneltest.CompactListsInOrder(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}
func TestDeliverFixedIsOrderFree(t *testing.T) {
	kerneltest.DeliverFixedIsOrderFree(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}
func TestRSTDPModulates(t *testing.T) {
	kerneltest.RSTDPModulates(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}
func TestRSTDPFolds(t *testing.T) {
	kerneltest.RSTDPFolds(t, kerneltest.BackendRunner{B: Backend{open(t)}})
}

// A network stepped on the GPU gives the sequential stepper's spikes, bit
// for bit, where the CPU's sums are exact; CUBA's rates agree with it.
func TestNetMatchesTheStepper(t *testing.T) { kerneltest.NetMatchesTheStepper(t, Backend{open(t)}) }
func TestCUBARates(t *testing.T)            { kerneltest.CUBARates(t, Backend{open(t)}, 1, 10000) }
func TestBrunelRates(t *testing.T)          { kerneltest.BrunelRates(t, Backend{open(t)}, 1, 5000) }
func TestDeltaNetMatchesTheStepper(t *testing.T) {
	kerneltest.DeltaNetMatchesTheStepper(t, Backend{open(t)})
}
func TestSpreadNetMatchesTheStepper(t *testing.T) {
	kerneltest.SpreadNetMatchesTheStepper(t, Backend{open(t)})
}
func TestCheckpointsAcross(t *testing.T) { kerneltest.CheckpointsAcross(t, Backend{open(t)}) }
func TestCondNetMatchesTheStepper(t *testing.T) {
	kerneltest.CondNetMatchesTheStepper(t, Backend{open(t)})
}
func TestCOBARates(t *testing.T) { kerneltest.COBARates(t, Backend{open(t)}, 1, 5000) }

// Shards on one GPU deliver each other's spikes there.
func TestShardsOnOneDevice(t *testing.T) {
	d := open(t)
	kerneltest.ShardsOnOneDevice(t, Backend{d}, Backend{d})
}

// Checkpoint edges and a retry after a failed allocation, on the GPU.
func TestCheckpointEdges(t *testing.T) {
	d := open(t)
	kerneltest.CheckpointEdges(t, []device.Backend{Backend{d}, Backend{d}})
}
func TestRetryAfterFailedRun(t *testing.T) { kerneltest.RetryAfterFailedRun(t, Backend{open(t)}) }
func TestFailedBlockIsFinal(t *testing.T)  { kerneltest.FailedBlockIsFinal(t, Backend{open(t)}) }

// In fixed point the GPU's spikes and state are the stepper's, bit for
// bit, on a network whose float32 sums depend on their order.
func TestFixedPointMatches(t *testing.T) {
	d := open(t)
	kerneltest.FixedPointMatches(t, Backend{d}, Backend{d})
}

// STDP learnt on the GPU gives the stepper's spikes and weights, bit for
// bit, in fixed point, in one run and across checkpoints; as two devices
// on the one GPU as well.
func TestLearnsOnDevices(t *testing.T) {
	d := open(t)
	kerneltest.LearnsOnDevices(t, []device.Backend{Backend{d}})
	kerneltest.LearnsOnDevices(t, []device.Backend{Backend{d}, Backend{d}})
}

// A modulated rule following no modulator, and one whose modulator stays
// at 0 while its sums overflow, on the GPU.
func TestModulatorEdges(t *testing.T) {
	kerneltest.ModulatorEdges(t, []device.Backend{Backend{open(t)}})
}

// The networks of exact sums spread over every GPU, or over two devices
// on the one GPU (their spikes still pass through the host), give the
// stepper's spikes, bit for bit.
func TestSpreadOverDevices(t *testing.T) {
	n, err := Count()
	if err != nil {
		t.Fatal(err)
	}
	var devs []device.Backend
	for k := range n {
		d, err := Open(k)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		devs = append(devs, Backend{d})
	}
	if len(devs) == 1 {
		devs = append(devs, devs[0])
	}
	kerneltest.SpreadOverDevices(t, devs)
}

// BenchmarkCUBANet times device.Net on CUBA ×10 (40,000 neurons, 3.2 M
// synapses): 100 ms of simulated time per op, so the real-time factor is
// the time per op over 0.1 s. Every step copies its spikes back to the
// host.
func BenchmarkCUBANet(b *testing.B) {
	d, err := Open(0)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	net, err := models.CUBA(models.Options{Scale: 10, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	n, err := device.New(Backend{d}, net)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	b.ResetTimer()
	for range b.N {
		if err := n.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)/0.1, "real-time-factor")
}

// BenchmarkLIFStep times one step of n LIF neurons on the GPU with their
// state resident there: lif_exp2, then the spike list (scan_masks,
// compact) and its length read back, as an engine's step would.
func BenchmarkLIFStep(b *testing.B) {
	for _, n := range []int64{77169, 1 << 20, 1 << 23} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d, err := Open(0)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			w := (n + 31) / 32
			prm := []float32{0.98, 0.99, 0.005, -60, 0.005, -50, -60, 20, 0, 0}
			err = d.Do(func() error {
				bs, release, err := buffers(4*n, 4*n, 4*n, 4*n, 4*n, 4*n, 40, 4*w, 4*w, 4*w, 4, 4*32*w)
				if err != nil {
					return err
				}
				defer release()
				if err := Upload(bs[6], prm); err != nil {
					return err
				}
				v := make([]float32, n)
				for i := range v {
					v[i] = -60 + float32(i%11)
				}
				if err := Upload(bs[0], v); err != nil {
					return err
				}
				total := make([]uint32, 1)
				prev, mask := bs[7], bs[8]
				b.ResetTimer()
				for range b.N {
					if err := d.Launch("lif_exp2", int(n), 256, n, bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], prev, mask); err != nil {
						return err
					}
					if err := d.Launch("scan_masks", kernels.ScanThreads, kernels.ScanThreads, w, mask, bs[9], bs[10]); err != nil {
						return err
					}
					if err := d.Launch("compact", int(w), 128, w, mask, bs[9], bs[11]); err != nil {
						return err
					}
					if err := Download(total, bs[10]); err != nil {
						return err
					}
					prev, mask = mask, prev
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/neuron")
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkDeliver times the delivery of one step's spikes on the GPU:
// nspikes rows of a CSR of rows × fan synapses into cols targets, in
// fixed point, then added to the inputs — CUBA ×10's step (about 22
// spikes of 4,000-neuron rows of 80 synapses) and the microcircuit's
// (about 300 spikes of rows of 3,900 synapses).
func BenchmarkDeliver(b *testing.B) {
	for _, c := range []struct {
		name                     string
		rows, cols, fan, nspikes int
	}{{"cuba10", 40000, 40000, 80, 22}, {"microcircuit", 77169, 77169, 3900, 300}} {
		b.Run(c.name, func(b *testing.B) {
			d, err := Open(0)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			ptr := make([]uint32, c.rows+1)
			idx := make([]uint32, c.rows*c.fan)
			for r := range c.rows {
				ptr[r+1] = uint32((r + 1) * c.fan)
				for k := range c.fan {
					idx[r*c.fan+k] = uint32((r*7919 + k*104729) % c.cols)
				}
			}
			spikes := make([]uint32, c.nspikes)
			for i := range spikes {
				spikes[i] = uint32((i * 2654435761) % c.rows)
			}
			err = d.Do(func() error {
				bs, release, err := buffers(4*int64(len(ptr)), 4*int64(len(idx)), 4*int64(c.nspikes), 8*int64(c.cols), 4*int64(c.cols))
				if err != nil {
					return err
				}
				defer release()
				for i, x := range [][]uint32{ptr, idx, spikes} {
					if err := Upload(bs[i], x); err != nil {
						return err
					}
				}
				b.ResetTimer()
				for range b.N {
					if err := d.Launch("deliver_fixed", 32*c.nspikes, 64, int64(c.nspikes), bs[2], bs[0], bs[1], Buffer{}, 0.1, bs[3]); err != nil {
						return err
					}
					if err := d.Launch("add_fixed", c.cols, 256, int64(c.cols), bs[3], bs[4]); err != nil {
						return err
					}
				}
				if err := Synchronize(); err != nil {
					return err
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.nspikes*c.fan), "ns/synapse")
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// buffers allocates a buffer per size, uploads nothing, and returns them
// with their release.
func buffers(sizes ...int64) ([]Buffer, func() error, error) {
	var bs []Buffer
	release := func() error {
		var es []error
		for _, b := range bs {
			es = append(es, b.Free())
		}
		return errors.Join(es...)
	}
	for _, s := range sizes {
		b, err := Alloc(s)
		if err != nil {
			_ = release()
			return nil, nil, err
		}
		bs = append(bs, b)
	}
	return bs, release, nil
}
