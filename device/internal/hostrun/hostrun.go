//go:build cgo

package hostrun

/*
// ISO C (-std=c11) makes GCC contract no a·b + c into a fused
// multiply-add (it does in its GNU modes where the target has one), so
// that the host computes the CPU's bits on amd64 and arm64 alike.
#cgo CFLAGS: -O2 -std=c11
#cgo LDFLAGS: -lm
#include "spiral_cu.h"

static unsigned grid_of(int64_t n, unsigned block) { return (unsigned)((n + block - 1) / block); }

static void run_lif_exp2(int64_t n, float *v, float *a1, float *s1, float *a2, float *s2, float *rc,
                         const float *prm, const uint32_t *prev, uint32_t *mask) {
	host_launch(grid_of(n, 256), 256, lif_exp2(n, v, a1, s1, a2, s2, rc, prm, prev, mask));
}

static void run_poisson_neurons(int64_t n, int64_t first, uint64_t key, int64_t step, const uint64_t *thr, uint32_t *mask) {
	host_launch(grid_of(n, 256), 256, poisson_neurons(n, first, key, step, thr, mask));
}

static void run_poisson_grouped(int64_t n, int64_t first, uint64_t key, int64_t step, const uint64_t *gthr, uint32_t *mask) {
	host_launch(grid_of(n, 256), 256, poisson_grouped(n, first, key, step, gthr, mask));
}

static uint32_t run_compact(int64_t words, const uint32_t *mask, uint32_t *offsets, uint32_t *spikes) {
	uint32_t total = 0;
	host_launch_phases(1, SCAN_THREADS, SCAN_PHASES, scan_masks(words, mask, offsets, &total));
	host_launch(grid_of(words, 128), 128, compact(words, mask, offsets, spikes));
	return total;
}

static void run_deliver_fixed(int64_t nspikes, const uint32_t *spikes, const uint32_t *ptr, const uint32_t *idx,
                              const float *w, double w0, unsigned long long *acc) {
	host_launch(grid_of(32 * nspikes, 64), 64, deliver_fixed(nspikes, spikes, ptr, idx, w, w0, acc));
}

static void run_add_fixed(int64_t n, unsigned long long *acc, float *into) {
	host_launch(grid_of(n, 256), 256, add_fixed(n, acc, into));
}

// The kernels by name, for Backend.Launch: grid and block given.
static void k_lif_exp2(unsigned g, unsigned b, int64_t n, void *v, void *a1, void *s1, void *a2, void *s2, void *rc,
                       void *prm, void *prev, void *mask) {
	host_launch(g, b, lif_exp2(n, v, a1, s1, a2, s2, rc, prm, prev, mask));
}
static void k_lif_cond(unsigned g, unsigned b, int64_t n, void *v, void *a1, void *s1, void *a2, void *s2, void *rc,
                       void *prm, void *prev, void *mask) {
	host_launch(g, b, lif_cond(n, v, a1, s1, a2, s2, rc, prm, prev, mask));
}
static void k_lif_exp1(unsigned g, unsigned b, int64_t n, void *v, void *a1, void *s1, void *rc, void *prm, void *prev,
                       void *mask) {
	host_launch(g, b, lif_exp1(n, v, a1, s1, rc, prm, prev, mask));
}
static void k_deliver_spread(unsigned g, unsigned b, void *count, void *spikes, void *ptr, void *idx, void *w, double w0,
                             void *scale, void *delay, void *d8, void *d16, int64_t base, int64_t slots, int64_t n,
                             void *acc) {
	host_launch(g, b, deliver_spread(count, spikes, ptr, idx, w, w0, scale, delay, d8, d16, base, slots, n, acc));
}
static void k_lif_delta(unsigned g, unsigned b, int64_t n, void *v, void *in, void *rc, void *prm, void *prev, void *mask,
                        int64_t drop) {
	host_launch(g, b, lif_delta(n, v, in, rc, prm, prev, mask, drop));
}
static void k_drive_poisson(unsigned g, unsigned b, int64_t n, int64_t first, uint64_t key, int64_t step, void *cdf,
                            int64_t ncdf, void *guide, double w, double gain, void *into) {
	host_launch(g, b, drive_poisson(n, first, key, step, cdf, ncdf, guide, w, gain, into));
}
static void k_poisson_neurons(unsigned g, unsigned b, int64_t n, int64_t first, uint64_t key, int64_t step, void *thr, void *mask) {
	host_launch(g, b, poisson_neurons(n, first, key, step, thr, mask));
}
static void k_poisson_grouped(unsigned g, unsigned b, int64_t n, int64_t first, uint64_t key, int64_t step, void *gthr, void *mask) {
	host_launch(g, b, poisson_grouped(n, first, key, step, gthr, mask));
}
static void k_scan_masks(unsigned g, unsigned b, int64_t words, void *mask, void *offsets, void *total) {
	host_launch_phases(g, b, SCAN_PHASES, scan_masks(words, mask, offsets, total));
}
static void k_compact(unsigned g, unsigned b, int64_t words, void *mask, void *offsets, void *spikes) {
	host_launch(g, b, compact(words, mask, offsets, spikes));
}
static void k_log_mask(unsigned g, unsigned b, int64_t words, void *mask, void *log, int64_t k) {
	host_launch(g, b, log_mask(words, mask, log, k));
}
static void k_deliver_rows(unsigned g, unsigned b, void *count, void *spikes, void *ptr, void *idx, void *w, double w0,
                           void *scale, void *delay, int64_t base, int64_t slots, int64_t n, void *acc) {
	host_launch(g, b, deliver_rows(count, spikes, ptr, idx, w, w0, scale, delay, base, slots, n, acc));
}
static void k_take_slot(unsigned g, unsigned b, int64_t n, void *acc, int64_t slot, void *into) {
	host_launch(g, b, take_slot(n, acc, slot, into));
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/spiral-sim/spiral/device"
)

// mu serialises the kernels: the host shim's thread indices are the C
// file's globals.
var mu sync.Mutex

func f32(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

func u32(s []uint32) *C.uint32_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint32_t)(unsafe.Pointer(&s[0]))
}

func u64(s []uint64) *C.uint64_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint64_t)(unsafe.Pointer(&s[0]))
}

// Words returns the mask words of n neurons.
func Words(n int) int { return (n + 31) / 32 }

// Host runs the kernels on the CPU (kerneltest.Runner).
type Host struct{}

// LIFExp2 runs the kernel lif_exp2 on n = len(v) neurons: prm is d1, d2,
// K, E, G, threshold, reset, refractory steps, the direct current and
// whether there is one; prev and mask have Words(n) words.
func (Host) LIFExp2(v, a1, s1, a2, s2, rc []float32, prm [10]float32, prev, mask []uint32) error {
	n := len(v)
	for _, x := range [][]float32{a1, s1, a2, s2, rc} {
		if len(x) != n {
			return fmt.Errorf("hostrun: arrays of %d and %d neurons", n, len(x))
		}
	}
	if len(prev) != Words(n) || len(mask) != Words(n) {
		return fmt.Errorf("hostrun: masks of %d and %d words for %d neurons", len(prev), len(mask), n)
	}
	mu.Lock()
	defer mu.Unlock()
	C.run_lif_exp2(C.int64_t(n), f32(v), f32(a1), f32(s1), f32(a2), f32(s2), f32(rc), f32(prm[:]), u32(prev), u32(mask))
	return nil
}

// PoissonNeurons runs poisson_neurons: neurons first … first+n−1 with
// thresholds thr (len n).
func (Host) PoissonNeurons(first int64, key uint64, step int64, thr []uint64, mask []uint32) error {
	if len(mask) != Words(len(thr)) {
		return fmt.Errorf("hostrun: a mask of %d words for %d neurons", len(mask), len(thr))
	}
	mu.Lock()
	defer mu.Unlock()
	C.run_poisson_neurons(C.int64_t(len(thr)), C.int64_t(first), C.uint64_t(key), C.int64_t(step), u64(thr), u32(mask))
	return nil
}

// PoissonGrouped runs poisson_grouped on n neurons from first: gthr is
// the eight group thresholds and the neuron threshold.
func (Host) PoissonGrouped(n int, first int64, key uint64, step int64, gthr [9]uint64, mask []uint32) error {
	if len(mask) != Words(n) {
		return fmt.Errorf("hostrun: a mask of %d words for %d neurons", len(mask), n)
	}
	mu.Lock()
	defer mu.Unlock()
	C.run_poisson_grouped(C.int64_t(n), C.int64_t(first), C.uint64_t(key), C.int64_t(step), u64(gthr[:]), u32(mask))
	return nil
}

// Compact runs scan_masks and compact: the neurons whose bits are set,
// ascending.
func (Host) Compact(mask []uint32) ([]uint32, error) {
	offsets := make([]uint32, len(mask))
	n := 0
	for _, m := range mask {
		for ; m != 0; m &= m - 1 {
			n++
		}
	}
	spikes := make([]uint32, n+1) // room for the kernel's writes, checked below
	mu.Lock()
	total := C.run_compact(C.int64_t(len(mask)), u32(mask), u32(offsets), u32(spikes))
	mu.Unlock()
	return spikes[:total], nil
}

// DeliverFixed runs deliver_fixed: the rows of spikes of the CSR (ptr,
// idx, and w, or w0 for every synapse when w is nil) added into acc in
// fixed point.
func (Host) DeliverFixed(spikes, ptr, idx []uint32, w []float32, w0 float32, acc []uint64) error {
	mu.Lock()
	defer mu.Unlock()
	C.run_deliver_fixed(C.int64_t(len(spikes)), u32(spikes), u32(ptr), u32(idx), f32(w), C.double(w0), (*C.ulonglong)(unsafe.Pointer(u64(acc))))
	return nil
}

// AddFixed runs add_fixed: acc added into into, and cleared.
func (Host) AddFixed(acc []uint64, into []float32) error {
	if len(acc) != len(into) {
		return fmt.Errorf("hostrun: %d sums for %d inputs", len(acc), len(into))
	}
	mu.Lock()
	defer mu.Unlock()
	C.run_add_fixed(C.int64_t(len(into)), (*C.ulonglong)(unsafe.Pointer(u64(acc))), f32(into))
	return nil
}

// Backend is the CPU as a device (device.Backend): buffers in Go memory,
// the kernels run as C, one thread after another.
type Backend struct{}

// hostBuf is a buffer of Backend: 8-byte words, so that every kernel's
// values are aligned.
type hostBuf struct {
	mem   []uint64
	bytes int64
}

// Bytes implements device.Buffer.
func (b *hostBuf) Bytes() int64 { return b.bytes }

// Name implements device.Backend.
func (Backend) Name() string { return "the CPU (the kernels compiled as C)" }

// Alloc implements device.Backend.
func (Backend) Alloc(bytes int64) (device.Buffer, error) {
	if bytes < 0 {
		return nil, fmt.Errorf("hostrun: a buffer of %d bytes", bytes)
	}
	bytes = max(bytes, 1)
	return &hostBuf{mem: make([]uint64, (bytes+7)/8), bytes: bytes}, nil
}

// Free implements device.Backend.
func (Backend) Free(device.Buffer) error { return nil }

// raw returns a buffer's bytes.
func raw(b device.Buffer) ([]byte, error) {
	h, ok := b.(*hostBuf)
	if !ok {
		return nil, fmt.Errorf("hostrun: a buffer of type %T", b)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&h.mem[0])), h.bytes), nil
}

// Upload implements device.Backend.
func (Backend) Upload(dst device.Buffer, src []byte) error {
	b, err := raw(dst)
	if err != nil {
		return err
	}
	if len(src) > len(b) {
		return fmt.Errorf("hostrun: %d bytes into a buffer of %d", len(src), len(b))
	}
	copy(b, src)
	return nil
}

// Download implements device.Backend.
func (Backend) Download(dst []byte, src device.Buffer) error {
	b, err := raw(src)
	if err != nil {
		return err
	}
	if len(dst) > len(b) {
		return fmt.Errorf("hostrun: %d bytes from a buffer of %d", len(dst), len(b))
	}
	copy(dst, b)
	return nil
}

// args converts a launch's arguments.
type args struct {
	list []any
	err  error
}

func (a *args) ptr(i int) unsafe.Pointer {
	switch x := a.list[i].(type) {
	case nil:
		return nil
	case *hostBuf:
		return unsafe.Pointer(&x.mem[0])
	}
	a.bad(i)
	return nil
}

func (a *args) i64(i int) C.int64_t {
	if x, ok := a.list[i].(int64); ok {
		return C.int64_t(x)
	}
	a.bad(i)
	return 0
}

func (a *args) u64(i int) C.uint64_t {
	if x, ok := a.list[i].(uint64); ok {
		return C.uint64_t(x)
	}
	a.bad(i)
	return 0
}

func (a *args) f64(i int) C.double {
	if x, ok := a.list[i].(float64); ok {
		return C.double(x)
	}
	a.bad(i)
	return 0
}

func (a *args) bad(i int) {
	if a.err == nil {
		a.err = fmt.Errorf("argument %d of type %T", i, a.list[i])
	}
}

// arity is each kernel's number of arguments.
var arity = map[string]int{"lif_exp2": 10, "lif_cond": 10, "lif_exp1": 8, "deliver_spread": 14, "lif_delta": 8, "drive_poisson": 10, "poisson_neurons": 6, "poisson_grouped": 6, "scan_masks": 4, "compact": 4,
	"deliver_rows": 12, "log_mask": 4, "take_slot": 4}

// Launch implements device.Backend.
func (Backend) Launch(kernel string, threads, block int, list ...any) error {
	n, ok := arity[kernel]
	switch {
	case !ok:
		return fmt.Errorf("hostrun: no kernel %s", kernel)
	case len(list) != n:
		return fmt.Errorf("hostrun: kernel %s: %d arguments, want %d", kernel, len(list), n)
	case block <= 0 || block%32 != 0 || block > 1024:
		return fmt.Errorf("hostrun: kernel %s: blocks of %d threads", kernel, block)
	}
	g, b := C.unsigned(max((threads+block-1)/block, 1)), C.unsigned(block)
	a := &args{list: list}
	mu.Lock()
	defer mu.Unlock()
	// Every argument is converted before the kernel runs.
	switch kernel {
	case "lif_exp2":
		n, v, a1, s1, a2, s2, rc, prm, prev, mask := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9)
		if a.err == nil {
			C.k_lif_exp2(g, b, n, v, a1, s1, a2, s2, rc, prm, prev, mask)
		}
	case "lif_cond":
		n, v, a1, s1, a2, s2, rc, prm, prev, mask := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9)
		if a.err == nil {
			C.k_lif_cond(g, b, n, v, a1, s1, a2, s2, rc, prm, prev, mask)
		}
	case "lif_exp1":
		n, v, a1, s1, rc, prm, prev, mask := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7)
		if a.err == nil {
			C.k_lif_exp1(g, b, n, v, a1, s1, rc, prm, prev, mask)
		}
	case "deliver_spread":
		cnt, spikes, ptr, idx, w, w0, scale, delay, d8, d16 := a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.f64(5),
			a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9)
		base, slots, n, acc := a.i64(10), a.i64(11), a.i64(12), a.ptr(13)
		if a.err == nil {
			C.k_deliver_spread(g, b, cnt, spikes, ptr, idx, w, w0, scale, delay, d8, d16, base, slots, n, acc)
		}
	case "lif_delta":
		n, v, in, rc, prm, prev, mask, drop := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.i64(7)
		if a.err == nil {
			C.k_lif_delta(g, b, n, v, in, rc, prm, prev, mask, drop)
		}
	case "drive_poisson":
		n, first, key, step, cdf, ncdf, guide, w, gain, into := a.i64(0), a.i64(1), a.u64(2), a.i64(3), a.ptr(4), a.i64(5),
			a.ptr(6), a.f64(7), a.f64(8), a.ptr(9)
		if a.err == nil {
			C.k_drive_poisson(g, b, n, first, key, step, cdf, ncdf, guide, w, gain, into)
		}
	case "poisson_neurons", "poisson_grouped":
		n, first, key, step, thr, mask := a.i64(0), a.i64(1), a.u64(2), a.i64(3), a.ptr(4), a.ptr(5)
		if a.err == nil && kernel == "poisson_neurons" {
			C.k_poisson_neurons(g, b, n, first, key, step, thr, mask)
		} else if a.err == nil {
			C.k_poisson_grouped(g, b, n, first, key, step, thr, mask)
		}
	case "scan_masks":
		words, mask, offsets, total := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3)
		if a.err == nil {
			C.k_scan_masks(g, b, words, mask, offsets, total)
		}
	case "compact":
		words, mask, offsets, spikes := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3)
		if a.err == nil {
			C.k_compact(g, b, words, mask, offsets, spikes)
		}
	case "deliver_rows":
		ns, spikes, ptr, idx, w, w0, scale, delay, base, slots, n, acc := a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.f64(5),
			a.ptr(6), a.ptr(7), a.i64(8), a.i64(9), a.i64(10), a.ptr(11)
		if a.err == nil {
			C.k_deliver_rows(g, b, ns, spikes, ptr, idx, w, w0, scale, delay, base, slots, n, acc)
		}
	case "log_mask":
		words, mask, log, k := a.i64(0), a.ptr(1), a.ptr(2), a.i64(3)
		if a.err == nil {
			C.k_log_mask(g, b, words, mask, log, k)
		}
	case "take_slot":
		n, acc, slot, into := a.i64(0), a.ptr(1), a.i64(2), a.ptr(3)
		if a.err == nil {
			C.k_take_slot(g, b, n, acc, slot, into)
		}
	}
	if a.err != nil {
		return fmt.Errorf("hostrun: kernel %s: %w", kernel, a.err)
	}
	return nil
}
