package kerneltest

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/spiral-sim/spiral/device"
)

// BackendRunner runs each kernel on a device.Backend on host arrays: it
// copies them to the device, launches, and copies the results back — for
// checking the kernels, not for speed.
type BackendRunner struct{ B device.Backend }

// session is one kernel's buffers on the device; the first error sticks.
type session struct {
	b    device.Backend
	bufs []device.Buffer
	err  error
}

// raw views a slice of numbers as bytes.
func raw[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// alloc allocates bytes on the device.
func (s *session) alloc(bytes int) device.Buffer {
	if s.err != nil {
		return nil
	}
	buf, err := s.b.Alloc(int64(bytes))
	if err != nil {
		s.err = err
		return nil
	}
	s.bufs = append(s.bufs, buf)
	return buf
}

// put allocates a buffer holding x (bytes at least).
func (s *session) put(x []byte, bytes int) device.Buffer {
	buf := s.alloc(max(len(x), bytes))
	if s.err == nil && len(x) > 0 {
		s.err = s.b.Upload(buf, x)
	}
	return buf
}

// launch launches a kernel.
func (s *session) launch(kernel string, threads, block int, args ...any) {
	if s.err == nil {
		s.err = s.b.Launch(kernel, threads, block, args...)
	}
}

// get copies a buffer's start into dst.
func (s *session) get(dst []byte, buf device.Buffer) {
	if s.err == nil && len(dst) > 0 {
		s.err = s.b.Download(dst, buf)
	}
}

// close frees the buffers and returns the first error.
func (s *session) close() error {
	var es []error
	for _, buf := range s.bufs {
		es = append(es, s.b.Free(buf))
	}
	return errors.Join(append([]error{s.err}, es...)...)
}

// LIFExp2 implements Runner.
func (r BackendRunner) LIFExp2(v, a1, s1, a2, s2, rc []float32, prm [10]float32, prev, mask []uint32) error {
	s := &session{b: r.B}
	n := int64(len(v))
	bs := make([]device.Buffer, 6)
	for i, x := range [][]float32{v, a1, s1, a2, s2, rc} {
		bs[i] = s.put(raw(x), 4*len(v))
	}
	p, pv, m := s.put(raw(prm[:]), 0), s.put(raw(prev), 0), s.alloc(4*len(mask))
	s.launch("lif_exp2", int(n), 256, n, bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], p, pv, m)
	for i, x := range [][]float32{v, a1, s1, a2, s2, rc} {
		s.get(raw(x), bs[i])
	}
	s.get(raw(mask), m)
	return s.close()
}

// PoissonNeurons implements Runner.
func (r BackendRunner) PoissonNeurons(first int64, key uint64, step int64, thr []uint64, mask []uint32) error {
	s := &session{b: r.B}
	t, m := s.put(raw(thr), 0), s.alloc(4*len(mask))
	s.launch("poisson_neurons", len(thr), 256, int64(len(thr)), first, key, step, t, m)
	s.get(raw(mask), m)
	return s.close()
}

// PoissonGrouped implements Runner.
func (r BackendRunner) PoissonGrouped(n int, first int64, key uint64, step int64, gthr [9]uint64, mask []uint32) error {
	s := &session{b: r.B}
	g, m := s.put(raw(gthr[:]), 0), s.alloc(4*len(mask))
	s.launch("poisson_grouped", n, 256, int64(n), first, key, step, g, m)
	s.get(raw(mask), m)
	return s.close()
}

// Compact implements Runner: scan_masks, then compact.
func (r BackendRunner) Compact(mask []uint32) ([]uint32, error) {
	s := &session{b: r.B}
	w := int64(len(mask))
	m, off, total, list := s.put(raw(mask), 4), s.alloc(4*len(mask)), s.alloc(4), s.alloc(4*32*len(mask))
	s.launch("scan_masks", scanThreads, scanThreads, w, m, off, total)
	s.launch("compact", len(mask), 128, w, m, off, list)
	count := make([]uint32, 1)
	s.get(raw(count), total)
	var out []uint32
	if s.err == nil {
		if int64(count[0]) > 32*w {
			s.err = fmt.Errorf("kerneltest: %d spikes in %d mask words", count[0], w)
		} else {
			out = make([]uint32, count[0])
			s.get(raw(out), list)
		}
	}
	return out, s.close()
}

// scanThreads is scan_masks's block (kernels.ScanThreads).
const scanThreads = 1024

// DeliverFixed implements Runner.
func (r BackendRunner) DeliverFixed(spikes, ptr, idx []uint32, w []float32, w0 float32, acc []uint64) error {
	s := &session{b: r.B}
	sp, p, ix, a := s.put(raw(spikes), 4), s.put(raw(ptr), 4), s.put(raw(idx), 4), s.put(raw(acc), 8)
	var wb device.Buffer // nil: one weight for all
	if w != nil {
		wb = s.put(raw(w), 4)
	}
	s.launch("deliver_fixed", 32*len(spikes), 64, int64(len(spikes)), sp, p, ix, wb, float64(w0), a)
	s.get(raw(acc), a)
	return s.close()
}

// AddFixed implements Runner.
func (r BackendRunner) AddFixed(acc []uint64, into []float32) error {
	if len(acc) != len(into) {
		return fmt.Errorf("kerneltest: %d sums for %d inputs", len(acc), len(into))
	}
	s := &session{b: r.B}
	a, in := s.put(raw(acc), 8), s.put(raw(into), 4)
	s.launch("add_fixed", len(into), 256, int64(len(into)), a, in)
	s.get(raw(acc), a)
	s.get(raw(into), in)
	return s.close()
}

// RSTDPModulate implements Runner.
func (r BackendRunner) RSTDPModulate(c []float32, last []int64, pow, pow2 []float64, now int64, sc float64, learn bool, w []float32, wmin, wmax float32) (bool, error) {
	s := &session{b: r.B}
	n := int64(len(c))
	cb, lb, pb, p2b, wb := s.put(raw(c), 4), s.put(raw(last), 8), s.put(raw(pow), 8), s.put(raw(pow2), 8), s.put(raw(w), 4)
	prm := s.put(raw([]float32{0, wmin, wmax, 0, 0, 0}), 0)
	badb := s.put(raw([]uint32{0}), 4)
	l := int64(0)
	if learn {
		l = 1
	}
	s.launch("rstdp_modulate", int(n), 256, n, cb, lb, pb, p2b, now, sc, l, wb, prm, badb)
	s.get(raw(c), cb)
	s.get(raw(last), lb)
	s.get(raw(w), wb)
	bad := []uint32{0}
	s.get(raw(bad), badb)
	return bad[0] != 0, s.close()
}

// RSTDPFold implements Runner: each synapse k is alone in row k (or
// column k), every one marked.
func (r BackendRunner) RSTDPFold(byCols bool, dw []float32, touched []uint8, c []float32, last []int64, pow, pow2 []float64, now int64) error {
	s := &session{b: r.B}
	n := int64(len(dw))
	ptr := make([]uint32, n+1)
	for k := range ptr {
		ptr[k] = uint32(k)
	}
	mask := make([]uint32, (n+31)/32)
	for k := range n {
		mask[k>>5] |= 1 << (k & 31)
	}
	pb, mb := s.put(raw(ptr), 4), s.put(raw(mask), 4)
	db, tb, cb, lb := s.put(raw(dw), 4), s.put(touched, 1), s.put(raw(c), 4), s.put(raw(last), 8)
	p1, p2 := s.put(raw(pow), 8), s.put(raw(pow2), 8)
	if byCols {
		// colptr = colsyn = 0, 1, …: column k holds synapse k.
		s.launch("rstdp_fold_cols", 32*int(n), 256, n, mb, pb, pb, db, tb, cb, lb, p1, p2, now)
	} else {
		s.launch("rstdp_fold_rows", 32*int(n), 256, n, mb, pb, db, tb, cb, lb, p1, p2, now)
	}
	s.get(raw(dw), db)
	s.get(touched, tb)
	s.get(raw(c), cb)
	s.get(raw(last), lb)
	return s.close()
}
