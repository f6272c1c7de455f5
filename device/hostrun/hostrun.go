//go:build cgo

package hostrun

/*
// ISO C (-std=c11) makes GCC contract no a·b + c into a fused
// multiply-add (it does in its GNU modes where the target has one), so
// that the host computes the CPU's bits on amd64 and arm64 alike.
#cgo CFLAGS: -O2 -std=c11
#cgo LDFLAGS: -lm
#include <stdlib.h>
#include "spiral_cu.h"

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
                             void *acc, int64_t row0) {
	host_launch(g, b, deliver_spread(count, spikes, ptr, idx, w, w0, scale, delay, d8, d16, base, slots, n, acc, row0));
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
static void k_deliver_fixed(unsigned g, unsigned b, int64_t nspikes, void *spikes, void *ptr, void *idx, void *w, double w0,
                            void *acc) {
	host_launch(g, b, deliver_fixed(nspikes, spikes, ptr, idx, w, w0, acc));
}
static void k_add_fixed(unsigned g, unsigned b, int64_t n, void *acc, void *into) {
	host_launch(g, b, add_fixed(n, acc, into));
}
static void k_step_all(unsigned g, unsigned b, void *ds, void *blocks, int64_t t) {
	host_launch(g, b, step_all(ds, blocks, t));
}
static void k_scan_all(unsigned g, unsigned b, void *ds, int64_t t) {
	host_launch_phases(g, b, SCAN_PHASES, scan_all(ds, t));
}
static void k_compact_all(unsigned g, unsigned b, void *ds, void *blocks, int64_t t, int64_t k) {
	host_launch(g, b, compact_all(ds, blocks, t, k));
}
static void k_deliver_all(unsigned g, unsigned b, int64_t nproj, void *ds, int64_t t) {
	host_launch(g, b, deliver_all(nproj, ds, t));
}
static void k_gather(unsigned g, unsigned b, int64_t n, void *idx, void *src, void *log, int64_t k) {
	host_launch(g, b, gather(n, idx, src, log, k));
}
static void k_take_mask(unsigned g, unsigned b, int64_t words, void *log, int64_t k, void *mask) {
	host_launch(g, b, take_mask(words, log, k, mask));
}
static void k_log_mask(unsigned g, unsigned b, int64_t words, void *mask, void *log, int64_t k) {
	host_launch(g, b, log_mask(words, mask, log, k));
}
static void k_deliver_rows(unsigned g, unsigned b, void *count, void *spikes, void *ptr, void *idx, void *w, double w0,
                           void *scale, void *delay, int64_t base, int64_t slots, int64_t n, void *acc, int64_t row0) {
	host_launch(g, b, deliver_rows(count, spikes, ptr, idx, w, w0, scale, delay, base, slots, n, acc, row0));
}
static void k_take_arrivals(unsigned g, unsigned b, int64_t rows, void *hist, int64_t h, int64_t words, void *delay,
                            int64_t base, void *arr) {
	host_launch(g, b, take_arrivals(rows, hist, h, words, delay, base, arr));
}
static void k_deliver_arrived(unsigned g, unsigned b, int64_t rows, void *arr, void *ptr, void *idx, void *w, void *scale,
                              void *zero, int64_t t, int64_t slots, int64_t n, void *acc) {
	host_launch(g, b, deliver_arrived(rows, arr, ptr, idx, w, scale, zero, t, slots, n, acc));
}
static void k_stdp_traces(unsigned g, unsigned b, int64_t rows, int64_t cols, void *arr, void *xval, void *P, void *post,
                          void *Q, void *Qd, void *prm) {
	host_launch(g, b, stdp_traces(rows, cols, arr, xval, P, post, Q, Qd, prm));
}
static void k_stdp_potentiate(unsigned g, unsigned b, int64_t cols, void *post, void *colptr, void *colsyn, void *colrow,
                              void *P, void *w, void *dw, void *touched, void *prm, void *bad, double eta) {
	host_launch(g, b, stdp_potentiate(cols, post, colptr, colsyn, colrow, P, w, dw, touched, prm, bad, eta));
}
static void k_stdp_depress(unsigned g, unsigned b, int64_t rows, void *arr, void *ptr, void *idx, void *xval, void *Qd,
                           void *w, void *dw, void *touched, void *prm, void *bad, double eta) {
	host_launch(g, b, stdp_depress(rows, arr, ptr, idx, xval, Qd, w, dw, touched, prm, bad, eta));
}
static void k_stdp_apply_cols(unsigned g, unsigned b, int64_t cols, void *post, void *colptr, void *colsyn, void *w,
                              void *dw, void *touched, void *prm, void *bad, double m) {
	host_launch(g, b, stdp_apply_cols(cols, post, colptr, colsyn, w, dw, touched, prm, bad, m));
}
static void k_stdp_apply_rows(unsigned g, unsigned b, int64_t rows, void *arr, void *ptr, void *w, void *dw, void *touched,
                              void *prm, void *bad, double m) {
	host_launch(g, b, stdp_apply_rows(rows, arr, ptr, w, dw, touched, prm, bad, m));
}
static void k_take_slot(unsigned g, unsigned b, int64_t n, void *acc, int64_t slot, void *into) {
	host_launch(g, b, take_slot(n, acc, slot, into));
}
static void k_rstdp_fold_cols(unsigned g, unsigned b, int64_t cols, void *post, void *colptr, void *colsyn, void *dw, void *touched,
                              void *c, void *last, void *pow, void *pow2, int64_t now) {
	host_launch(g, b, rstdp_fold_cols(cols, post, colptr, colsyn, dw, touched, c, last, pow, pow2, now));
}
static void k_rstdp_fold_rows(unsigned g, unsigned b, int64_t rows, void *arr, void *ptr, void *dw, void *touched, void *c,
                              void *last, void *pow, void *pow2, int64_t now) {
	host_launch(g, b, rstdp_fold_rows(rows, arr, ptr, dw, touched, c, last, pow, pow2, now));
}
static void k_rstdp_modulate(unsigned g, unsigned b, int64_t n, void *c, void *last, void *pow, void *pow2, int64_t now, double s,
                             int64_t learn, void *w, void *prm, void *bad) {
	host_launch(g, b, rstdp_modulate(n, c, last, pow, pow2, now, s, learn, w, prm, bad));
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/spiral-sim/spiral/device"
)

// mu serialises the kernels: the host shim's thread indices are the C
// file's globals.
var mu sync.Mutex

// Backend is the CPU as a device (device.Backend): buffers in Go memory,
// the kernels run as C, one thread after another. Several Backends with
// different Device numbers are several devices: each refuses the
// buffers of another, as a GPU cannot read another's memory, so that a
// network spread over them is checked to pass its spikes between them
// only through the host.
type Backend struct {
	// Device numbers the device.
	Device int
	// Memory, if > 0, is the memory the device reports free
	// (device.MemoryReporter), to test placement by memory; the buffers
	// themselves are not limited by it.
	Memory int64
	// Warps, if > 0, is StrideWarps (1 otherwise), to test kernels that
	// stride over their work with several warps, as on a GPU.
	Warps int
	// Plain gives no addresses (device.ErrNoAddresses), so that Net
	// launches kernels one population and projection at a time.
	Plain bool
}

// hostBuf is a buffer of Backend, in C's memory (calloc: aligned for
// every kernel's values), so that its address may be stored in a
// descriptor table that a kernel reads (device.Addresser).
type hostBuf struct {
	mem   unsafe.Pointer
	bytes int64
	dev   int
}

// Bytes implements device.Buffer.
func (b *hostBuf) Bytes() int64 { return b.bytes }

// Name implements device.Backend.
func (h Backend) Name() string {
	return fmt.Sprintf("host device %d (the GPU kernels on the CPU)", h.Device)
}

// FreeMemory implements device.MemoryReporter: Memory, or 0 (not
// reported) when it is not set.
func (h Backend) FreeMemory() (int64, error) { return h.Memory, nil }

// Alloc implements device.Backend.
func (h Backend) Alloc(bytes int64) (device.Buffer, error) {
	if bytes < 0 {
		return nil, fmt.Errorf("hostrun: a buffer of %d bytes", bytes)
	}
	bytes = max(bytes, 1)
	mem := C.calloc(C.size_t((bytes+7)/8), 8)
	if mem == nil {
		return nil, fmt.Errorf("hostrun: out of memory for a buffer of %d bytes", bytes)
	}
	return &hostBuf{mem: mem, bytes: bytes, dev: h.Device}, nil
}

// Free implements device.Backend.
func (h Backend) Free(b device.Buffer) error {
	if _, err := h.raw(b); err != nil {
		return err
	}
	x := b.(*hostBuf)
	if x.mem != nil {
		C.free(x.mem)
		x.mem = nil
	}
	return nil
}

// AllocHost implements device.HostAllocator: C's memory, as a GPU's
// page-locked memory is not Go's.
func (h Backend) AllocHost(bytes int64) ([]byte, error) {
	if bytes < 1 {
		return nil, fmt.Errorf("hostrun: host memory of %d bytes", bytes)
	}
	mem := C.calloc(C.size_t(bytes), 1)
	if mem == nil {
		return nil, fmt.Errorf("hostrun: out of host memory for %d bytes", bytes)
	}
	return unsafe.Slice((*byte)(mem), bytes), nil
}

// FreeHost implements device.HostAllocator.
func (h Backend) FreeHost(mem []byte) error {
	if len(mem) == 0 {
		return errors.New("hostrun: no host memory to free")
	}
	C.free(unsafe.Pointer(&mem[0]))
	return nil
}

// Address implements device.Addresser (device.ErrNoAddresses when
// Plain).
func (h Backend) Address(b device.Buffer) (uint64, error) {
	if h.Plain {
		return 0, device.ErrNoAddresses
	}
	if _, err := h.raw(b); err != nil {
		return 0, err
	}
	return uint64(uintptr(b.(*hostBuf).mem)), nil
}

// StrideWarps implements device.Strider: Warps, or 1 — the host runs a
// grid-stride kernel's warps one after another, so one warp does the
// work at the least cost.
func (h Backend) StrideWarps() int { return max(1, h.Warps) }

// raw returns a buffer's bytes; it refuses another device's buffer.
func (h Backend) raw(b device.Buffer) ([]byte, error) {
	x, ok := b.(*hostBuf)
	if !ok {
		return nil, fmt.Errorf("hostrun: a buffer of type %T", b)
	}
	if x.dev != h.Device {
		return nil, fmt.Errorf("hostrun: device %d given a buffer of device %d", h.Device, x.dev)
	}
	if x.mem == nil {
		return nil, errors.New("hostrun: a buffer already freed")
	}
	return unsafe.Slice((*byte)(x.mem), x.bytes), nil
}

// Upload implements device.Backend.
func (h Backend) Upload(dst device.Buffer, src []byte) error {
	b, err := h.raw(dst)
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
func (h Backend) Download(dst []byte, src device.Buffer) error {
	b, err := h.raw(src)
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
	dev  int
	err  error
}

func (a *args) ptr(i int) unsafe.Pointer {
	switch x := a.list[i].(type) {
	case nil:
		return nil
	case *hostBuf:
		if x.dev != a.dev {
			if a.err == nil {
				a.err = fmt.Errorf("argument %d: a buffer of device %d on device %d", i, x.dev, a.dev)
			}
			return nil
		}
		if x.mem == nil {
			if a.err == nil {
				a.err = fmt.Errorf("argument %d: a buffer already freed", i)
			}
			return nil
		}
		return x.mem
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
var arity = map[string]int{"deliver_fixed": 7, "add_fixed": 3, "lif_exp2": 10, "lif_cond": 10, "lif_exp1": 8, "deliver_spread": 15, "lif_delta": 8, "drive_poisson": 10, "poisson_neurons": 6, "poisson_grouped": 6, "scan_masks": 4, "compact": 4,
	"deliver_rows": 13, "log_mask": 4, "take_mask": 4, "take_slot": 4, "deliver_all": 3, "gather": 5,
	"step_all": 3, "scan_all": 2, "compact_all": 4, "take_arrivals": 7, "deliver_arrived": 11, "stdp_traces": 9, "stdp_potentiate": 12, "stdp_depress": 12, "stdp_apply_cols": 10, "stdp_apply_rows": 9,
	"rstdp_fold_cols": 11, "rstdp_fold_rows": 10, "rstdp_modulate": 11}

// Launch implements device.Backend.
func (h Backend) Launch(kernel string, threads, block int, list ...any) error {
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
	a := &args{list: list, dev: h.Device}
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
		base, slots, n, acc, row0 := a.i64(10), a.i64(11), a.i64(12), a.ptr(13), a.i64(14)
		if a.err == nil {
			C.k_deliver_spread(g, b, cnt, spikes, ptr, idx, w, w0, scale, delay, d8, d16, base, slots, n, acc, row0)
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
		row0 := a.i64(12)
		if a.err == nil {
			C.k_deliver_rows(g, b, ns, spikes, ptr, idx, w, w0, scale, delay, base, slots, n, acc, row0)
		}
	case "take_arrivals":
		rows, hist, h, words, delay, base, arr := a.i64(0), a.ptr(1), a.i64(2), a.i64(3), a.ptr(4), a.i64(5), a.ptr(6)
		if a.err == nil {
			C.k_take_arrivals(g, b, rows, hist, h, words, delay, base, arr)
		}
	case "deliver_arrived":
		rows, arr, ptr, idx, w, scale, zero := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6)
		t, slots, n, acc := a.i64(7), a.i64(8), a.i64(9), a.ptr(10)
		if a.err == nil {
			C.k_deliver_arrived(g, b, rows, arr, ptr, idx, w, scale, zero, t, slots, n, acc)
		}
	case "stdp_traces":
		rows, cols, arr, xval, P, post, Q, Qd, prm := a.i64(0), a.i64(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8)
		if a.err == nil {
			C.k_stdp_traces(g, b, rows, cols, arr, xval, P, post, Q, Qd, prm)
		}
	case "stdp_potentiate":
		cols, post, colptr, colsyn, colrow, P := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5)
		w, dw, touched, prm, bad, eta := a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9), a.ptr(10), a.f64(11)
		if a.err == nil {
			C.k_stdp_potentiate(g, b, cols, post, colptr, colsyn, colrow, P, w, dw, touched, prm, bad, eta)
		}
	case "stdp_depress":
		rows, arr, ptr, idx, xval, Qd := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5)
		w, dw, touched, prm, bad, eta := a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9), a.ptr(10), a.f64(11)
		if a.err == nil {
			C.k_stdp_depress(g, b, rows, arr, ptr, idx, xval, Qd, w, dw, touched, prm, bad, eta)
		}
	case "stdp_apply_cols":
		cols, post, colptr, colsyn, w, dw, touched, prm, bad := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8)
		m := a.f64(9)
		if a.err == nil {
			C.k_stdp_apply_cols(g, b, cols, post, colptr, colsyn, w, dw, touched, prm, bad, m)
		}
	case "stdp_apply_rows":
		rows, arr, ptr, w, dw, touched, prm, bad := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.ptr(7)
		m := a.f64(8)
		if a.err == nil {
			C.k_stdp_apply_rows(g, b, rows, arr, ptr, w, dw, touched, prm, bad, m)
		}
	case "rstdp_fold_cols":
		cols, post, colptr, colsyn, dw, touched := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5)
		c, last, pow, pow2, now := a.ptr(6), a.ptr(7), a.ptr(8), a.ptr(9), a.i64(10)
		if a.err == nil {
			C.k_rstdp_fold_cols(g, b, cols, post, colptr, colsyn, dw, touched, c, last, pow, pow2, now)
		}
	case "rstdp_fold_rows":
		rows, arr, ptr, dw, touched := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4)
		c, last, pow, pow2, now := a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8), a.i64(9)
		if a.err == nil {
			C.k_rstdp_fold_rows(g, b, rows, arr, ptr, dw, touched, c, last, pow, pow2, now)
		}
	case "rstdp_modulate":
		n, c, last, pow, pow2, now, sc := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.i64(5), a.f64(6)
		learn, w, prm, bad := a.i64(7), a.ptr(8), a.ptr(9), a.ptr(10)
		if a.err == nil {
			C.k_rstdp_modulate(g, b, n, c, last, pow, pow2, now, sc, learn, w, prm, bad)
		}
	case "deliver_fixed":
		ns, spikes, ptr, idx, w, w0, acc := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.f64(5), a.ptr(6)
		if a.err == nil {
			C.k_deliver_fixed(g, b, ns, spikes, ptr, idx, w, w0, acc)
		}
	case "add_fixed":
		n, acc, into := a.i64(0), a.ptr(1), a.ptr(2)
		if a.err == nil {
			C.k_add_fixed(g, b, n, acc, into)
		}
	case "log_mask":
		words, mask, log, k := a.i64(0), a.ptr(1), a.ptr(2), a.i64(3)
		if a.err == nil {
			C.k_log_mask(g, b, words, mask, log, k)
		}
	case "step_all":
		ds, blocks, t := a.ptr(0), a.ptr(1), a.i64(2)
		if a.err == nil {
			C.k_step_all(g, b, ds, blocks, t)
		}
	case "scan_all":
		ds, t := a.ptr(0), a.i64(1)
		if a.err == nil {
			C.k_scan_all(g, b, ds, t)
		}
	case "compact_all":
		ds, blocks, t, k := a.ptr(0), a.ptr(1), a.i64(2), a.i64(3)
		if a.err == nil {
			C.k_compact_all(g, b, ds, blocks, t, k)
		}
	case "deliver_all":
		nproj, ds, t := a.i64(0), a.ptr(1), a.i64(2)
		if a.err == nil {
			C.k_deliver_all(g, b, nproj, ds, t)
		}
	case "gather":
		n, idx, src, log, k := a.i64(0), a.ptr(1), a.ptr(2), a.ptr(3), a.i64(4)
		if a.err == nil {
			C.k_gather(g, b, n, idx, src, log, k)
		}
	case "take_mask":
		words, log, k, mask := a.i64(0), a.ptr(1), a.i64(2), a.ptr(3)
		if a.err == nil {
			C.k_take_mask(g, b, words, log, k, mask)
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

// Open returns host device number dev.
func Open(dev int) (device.Backend, error) { return Backend{Device: dev}, nil }
