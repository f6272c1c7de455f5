//go:build cuda

// Package cuda is Spiral's CUDA device, on gorgonia.org/cu: a GPU with one
// context, owned by one goroutine locked to its OS thread, which runs
// every call on the device (Do); Spiral's kernels (package
// device/kernels) loaded from their embedded PTX; device buffers; and
// launches whose scalar arguments are 8-byte slots.
//
// It builds only with the build tag cuda, against CUDA's cuda.h and a
// libcuda.so (.ci/cuda-vet fetches Debian's). gorgonia.org/cu initialises
// the driver when the program starts and exits it where there is no
// GPU, so nothing of the default build imports this package, and its
// tests run only on a machine with a GPU (device/gpucheck.sh).
package cuda

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/spiral-sim/spiral/device/kernels"
)

// Count returns the number of GPUs.
func Count() (int, error) { return cu.NumDevices() }

// Device is one GPU, with Spiral's kernels loaded.
type Device struct {
	ordinal int
	name    string
	sms     int // multiprocessors
	work    chan func()
	done    chan struct{}
	fns     map[string]cu.Function
	// pending are launches queued by Queue, made by the next Flush (or
	// the next copy of Backend's), in one call on the device's
	// goroutine: a step of a network is tens of launches, and each call
	// through Do is a round trip between goroutines.
	pending []queued
	mu      sync.Mutex // guards pending
}

// queued is a launch waiting for Flush: its kernel, grid, block and
// argument slots.
type queued struct {
	name        string
	fn          cu.Function
	grid, block int
	slots       []uint64
}

// maxPending bounds the launches Queue keeps before it flushes them.
const maxPending = 4096

// Open opens GPU ordinal: its context, on a goroutine of its own, and the
// kernels.
func Open(ordinal int) (*Device, error) {
	d := &Device{ordinal: ordinal, work: make(chan func()), done: make(chan struct{}), fns: map[string]cu.Function{}}
	ready := make(chan error, 1)
	go d.loop(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return d, nil
}

// loop owns the device's context: it makes it, loads the kernels, then
// runs the work sent to it until Close.
func (d *Device) loop(ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(d.done)
	fail := func(err error) { ready <- fmt.Errorf("cuda: GPU %d: %w", d.ordinal, err) }
	dev, err := cu.GetDevice(d.ordinal)
	if err != nil {
		fail(err)
		return
	}
	if d.name, err = dev.Name(); err != nil {
		fail(err)
		return
	}
	if d.sms, err = dev.Attribute(cu.MultiprocessorCount); err != nil {
		fail(err)
		return
	}
	ctx, err := dev.MakeContext(cu.SchedBlockingSync)
	if err != nil {
		fail(err)
		return
	}
	defer ctx.Destroy()
	mod, err := cu.LoadData(kernels.PTX)
	if err != nil {
		fail(fmt.Errorf("loading the kernels: %w", err))
		return
	}
	for _, name := range kernels.Names {
		fn, err := mod.Function(name)
		if err != nil {
			fail(fmt.Errorf("kernel %s: %w", name, err))
			return
		}
		d.fns[name] = fn
	}
	ready <- nil
	for f := range d.work {
		f()
	}
}

// Name is the GPU's name, as the driver gives it.
func (d *Device) Name() string { return d.name }

// Do runs f on the device's goroutine, with its context current.
func (d *Device) Do(f func() error) error {
	errc := make(chan error, 1)
	d.work <- func() { errc <- f() }
	return <-errc
}

// Close releases the device; it cannot be used again.
func (d *Device) Close() {
	close(d.work)
	<-d.done
}

// Buffer is memory on the device.
type Buffer struct {
	ptr   cu.DevicePtr
	bytes int64
}

// Alloc allocates bytes (at least 1) on the device, zeroed. Call it in Do.
func Alloc(bytes int64) (Buffer, error) {
	bytes = max(bytes, 1)
	p, err := cu.MemAlloc(bytes)
	if err != nil {
		return Buffer{}, err
	}
	if err := cu.MemsetD8(p, 0, bytes); err != nil {
		_ = cu.MemFree(p)
		return Buffer{}, err
	}
	return Buffer{p, bytes}, nil
}

// Free frees the buffer. Call it in Do.
func (b Buffer) Free() error { return cu.MemFree(b.ptr) }

// Upload copies src (a slice of numbers) into the buffer. Call it in Do.
func Upload[T any](b Buffer, src []T) error {
	n := int64(len(src)) * int64(unsafe.Sizeof(*new(T)))
	if n == 0 {
		return nil
	}
	if n > b.bytes {
		return fmt.Errorf("cuda: %d bytes into a buffer of %d", n, b.bytes)
	}
	return cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&src[0]), n)
}

// Download copies the buffer's first len(dst) values into dst. Call it
// in Do.
func Download[T any](dst []T, b Buffer) error {
	n := int64(len(dst)) * int64(unsafe.Sizeof(*new(T)))
	if n == 0 {
		return nil
	}
	if n > b.bytes {
		return fmt.Errorf("cuda: %d bytes from a buffer of %d", n, b.bytes)
	}
	return cu.MemcpyDtoH(unsafe.Pointer(&dst[0]), b.ptr, n)
}

// Launch queues kernel name over threads threads (blocks of block, a
// multiple of 32) on the device's stream, after the kernels queued
// before; Download and Synchronize wait for it. Each argument takes an 8-byte slot:
// a Buffer (its address; nil or the zero Buffer is a null pointer), int64,
// uint64, float64. Call it in Do.
func (d *Device) Launch(name string, threads, block int, args ...any) error {
	q, err := d.prepare(name, threads, block, args)
	if err != nil {
		return err
	}
	return q.launch()
}

// Queue checks a launch as Launch does and queues it for Flush. It
// needs no Do: it only records the launch.
func (d *Device) Queue(name string, threads, block int, args ...any) error {
	q, err := d.prepare(name, threads, block, args)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.pending = append(d.pending, q)
	full := len(d.pending) >= maxPending
	d.mu.Unlock()
	if full {
		return d.Flush()
	}
	return nil
}

// Flush makes the launches queued so far, in order, in one call on the
// device's goroutine.
func (d *Device) Flush() error {
	d.mu.Lock()
	n := len(d.pending)
	d.mu.Unlock()
	if n == 0 {
		return nil
	}
	return d.Do(d.flushHere)
}

// flushHere makes the queued launches; call it in Do. A launch that
// fails drops those queued after it.
func (d *Device) flushHere() error {
	d.mu.Lock()
	pending := d.pending
	d.pending = nil
	d.mu.Unlock()
	for _, q := range pending {
		if err := q.launch(); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks a launch and converts its arguments to 8-byte slots.
func (d *Device) prepare(name string, threads, block int, args []any) (queued, error) {
	fn, ok := d.fns[name]
	if !ok {
		return queued{}, fmt.Errorf("cuda: no kernel %s", name)
	}
	if block <= 0 || block%32 != 0 || block > 1024 {
		return queued{}, fmt.Errorf("cuda: kernel %s: blocks of %d threads (a multiple of 32, at most 1024)", name, block)
	}
	slots := make([]uint64, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case nil:
			slots[i] = 0 // a null pointer
		case Buffer:
			slots[i] = uint64(x.ptr)
		case int64:
			slots[i] = uint64(x)
		case uint64:
			slots[i] = x
		case float64:
			slots[i] = *(*uint64)(unsafe.Pointer(&x))
		default:
			return queued{}, fmt.Errorf("cuda: kernel %s: argument %d of type %T (want Buffer, int64, uint64 or float64)", name, i, a)
		}
	}
	return queued{name: name, fn: fn, grid: max((threads+block-1)/block, 1), block: block, slots: slots}, nil
}

// launch launches q on the device's stream; call it in Do.
func (q queued) launch() error {
	params := make([]unsafe.Pointer, len(q.slots))
	for i := range q.slots {
		params[i] = unsafe.Pointer(&q.slots[i])
	}
	if err := q.fn.Launch(q.grid, 1, 1, q.block, 1, 1, 0, cu.Stream{}, params); err != nil {
		return fmt.Errorf("cuda: kernel %s: %w", q.name, err)
	}
	return nil
}

// Synchronize waits for every kernel launched so far; a kernel's failure
// shows here (or at the next Download, which waits too). Call it in Do.
func Synchronize() error {
	if err := cu.Synchronize(); err != nil {
		return fmt.Errorf("cuda: %w", err)
	}
	return nil
}
