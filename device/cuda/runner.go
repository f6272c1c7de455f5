//go:build cuda

package cuda

import (
	"fmt"

	"github.com/spiral-sim/spiral/device/kernels"
)

// Runner runs each kernel on the device on host arrays: it copies them
// to the device, launches, copies the results back. It is for checking
// the kernels against the CPU (package device/internal/kerneltest), not
// for speed.
type Runner struct{ D *Device }

// buffers allocates a buffer per size, uploads nothing, and returns them
// with their release.
func buffers(sizes ...int64) ([]Buffer, func() error, error) {
	var bs []Buffer
	release := func() error {
		var es []error
		for _, b := range bs {
			es = append(es, b.Free())
		}
		return errs(es...)
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

// LIFExp2 runs lif_exp2.
func (r Runner) LIFExp2(v, a1, s1, a2, s2, rc []float32, prm [10]float32, prev, mask []uint32) error {
	n := int64(len(v))
	return r.D.Do(func() error {
		b, release, err := buffers(4*n, 4*n, 4*n, 4*n, 4*n, 4*n, 40, 4*int64(len(prev)), 4*int64(len(mask)))
		if err != nil {
			return err
		}
		defer release()
		for i, x := range [][]float32{v, a1, s1, a2, s2, rc, prm[:]} {
			if err := Upload(b[i], x); err != nil {
				return err
			}
		}
		if err := Upload(b[7], prev); err != nil {
			return err
		}
		if err := r.D.Launch("lif_exp2", int(n), 256, n, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8]); err != nil {
			return err
		}
		for i, x := range [][]float32{v, a1, s1, a2, s2, rc} {
			if err := Download(x, b[i]); err != nil {
				return err
			}
		}
		return Download(mask, b[8])
	})
}

// PoissonNeurons runs poisson_neurons.
func (r Runner) PoissonNeurons(first int64, key uint64, step int64, thr []uint64, mask []uint32) error {
	n := int64(len(thr))
	return r.D.Do(func() error {
		b, release, err := buffers(8*n, 4*int64(len(mask)))
		if err != nil {
			return err
		}
		defer release()
		if err := Upload(b[0], thr); err != nil {
			return err
		}
		if err := r.D.Launch("poisson_neurons", int(n), 256, n, first, key, step, b[0], b[1]); err != nil {
			return err
		}
		return Download(mask, b[1])
	})
}

// PoissonGrouped runs poisson_grouped.
func (r Runner) PoissonGrouped(n int, first int64, key uint64, step int64, gthr [9]uint64, mask []uint32) error {
	return r.D.Do(func() error {
		b, release, err := buffers(8*9, 4*int64(len(mask)))
		if err != nil {
			return err
		}
		defer release()
		if err := Upload(b[0], gthr[:]); err != nil {
			return err
		}
		if err := r.D.Launch("poisson_grouped", n, 256, int64(n), first, key, step, b[0], b[1]); err != nil {
			return err
		}
		return Download(mask, b[1])
	})
}

// Compact runs scan_masks and compact.
func (r Runner) Compact(mask []uint32) ([]uint32, error) {
	w := int64(len(mask))
	var out []uint32
	err := r.D.Do(func() error {
		b, release, err := buffers(4*w, 4*w, 4, 4*32*w)
		if err != nil {
			return err
		}
		defer release()
		if err := Upload(b[0], mask); err != nil {
			return err
		}
		if err := r.D.Launch("scan_masks", kernels.ScanThreads, kernels.ScanThreads, w, b[0], b[1], b[2]); err != nil {
			return err
		}
		if err := r.D.Launch("compact", int(w), 128, w, b[0], b[1], b[3]); err != nil {
			return err
		}
		total := make([]uint32, 1)
		if err := Download(total, b[2]); err != nil {
			return err
		}
		if int64(total[0]) > 32*w {
			return fmt.Errorf("cuda: %d spikes in %d mask words", total[0], w)
		}
		out = make([]uint32, total[0])
		return Download(out, b[3])
	})
	return out, err
}

// DeliverFixed runs deliver_fixed.
func (r Runner) DeliverFixed(spikes, ptr, idx []uint32, w []float32, w0 float32, acc []uint64) error {
	return r.D.Do(func() error {
		b, release, err := buffers(4*int64(len(spikes)), 4*int64(len(ptr)), 4*int64(len(idx)), 4*int64(len(w)), 8*int64(len(acc)))
		if err != nil {
			return err
		}
		defer release()
		for i, x := range [][]uint32{spikes, ptr, idx} {
			if err := Upload(b[i], x); err != nil {
				return err
			}
		}
		wb := Buffer{} // null: one weight for all
		if w != nil {
			wb = b[3]
			if err := Upload(wb, w); err != nil {
				return err
			}
		}
		if err := Upload(b[4], acc); err != nil {
			return err
		}
		if err := r.D.Launch("deliver_fixed", 32*len(spikes), 64, int64(len(spikes)), b[0], b[1], b[2], wb, float64(w0), b[4]); err != nil {
			return err
		}
		return Download(acc, b[4])
	})
}

// AddFixed runs add_fixed.
func (r Runner) AddFixed(acc []uint64, into []float32) error {
	if len(acc) != len(into) {
		return fmt.Errorf("cuda: %d sums for %d inputs", len(acc), len(into))
	}
	n := int64(len(into))
	return r.D.Do(func() error {
		b, release, err := buffers(8*n, 4*n)
		if err != nil {
			return err
		}
		defer release()
		if err := Upload(b[0], acc); err != nil {
			return err
		}
		if err := Upload(b[1], into); err != nil {
			return err
		}
		if err := r.D.Launch("add_fixed", int(n), 256, n, b[0], b[1]); err != nil {
			return err
		}
		if err := Download(acc, b[0]); err != nil {
			return err
		}
		return Download(into, b[1])
	})
}
