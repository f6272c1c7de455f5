// Package device runs networks on a device: memory and kernels that live
// somewhere else than the Go heap — a GPU (package device/cuda, build tag
// cuda), or the same kernels compiled for the CPU (package
// device/hostrun, for tests). A Backend allocates device
// buffers, copies to and from them and launches the kernels of package
// device/kernels by name; Net steps a network on one.
//
// Net takes a restricted class of networks, and says why it refuses any
// other (see New): leaky integrate-and-fire populations with one delta
// receptor, one or two exponential current receptors, or one or two
// exponential conductance receptors, Poisson drives and constant stimuli; undriven Poisson populations; static projections
// with delays per source row and per synapse — CUBA, COBA, Brunel and
// the microcircuit among them. Synaptic input is summed in
// 64-bit fixed point, exact whatever the order of the events; where the
// CPU's float32 sums are exact too (weights that are multiples of a
// power of two, receptor gain 1), Net's spikes are the CPU engines', bit
// for bit (tested). Otherwise the two differ in the last bits of some
// sums, and so, over time, in spikes, as any two summation orders do —
// unless the network sums in fixed point on the CPU too
// (network.Config.FixedPoint): then every network's spikes are the
// CPU's, bit for bit.
//
// NewOn spreads a network over several devices, each population whole
// on one (Place: by memory, then work); spikes that cross devices go
// through the host, and the spikes do not depend on the placement.
package device

import (
	"errors"
	"fmt"
	"unsafe"
)

// Buffer is memory on a device.
type Buffer interface {
	// Bytes is the buffer's size.
	Bytes() int64
}

// Backend is a device: its memory and its kernels (device/kernels). A
// Backend is used by one goroutine at a time.
type Backend interface {
	// Name describes the device.
	Name() string
	// Alloc allocates a zeroed buffer of bytes (at least 1).
	Alloc(bytes int64) (Buffer, error)
	// Free releases a buffer.
	Free(Buffer) error
	// Upload copies src into the start of dst.
	Upload(dst Buffer, src []byte) error
	// Download copies the start of src into dst.
	Download(dst []byte, src Buffer) error
	// Launch runs a kernel over threads threads in blocks of block (a
	// multiple of 32), after the kernels launched before; it may return
	// before the kernel ends, and Download waits for it. Arguments are
	// Buffers (nil: a null pointer), int64, uint64 or float64, in the
	// kernel's order.
	Launch(kernel string, threads, block int, args ...any) error
}

// Addresser is a Backend whose buffers have addresses a kernel can read
// from the device's memory: Net then describes a device's populations
// and projections in tables and steps them with four launches a step
// (step_all, scan_all, compact_all, deliver_all) instead of several per
// population and one per projection.
type Addresser interface {
	// Address is the buffer's address on the device, or ErrNoAddresses.
	Address(Buffer) (uint64, error)
}

// ErrNoAddresses is an Addresser's answer when it gives none after all:
// Net then launches kernels one population and projection at a time.
var ErrNoAddresses = errors.New("device: the device gives no addresses")

// Flusher is a Backend that queues its launches: Flush starts those
// queued, without waiting for them. Net flushes each device once a
// block of steps is launched, so that the devices compute while the host
// steps its own part.
type Flusher interface {
	Flush() error
}

// HostAllocator is a Backend that allocates host memory it copies to
// and from faster than Go's (a GPU's page-locked memory, which its DMA
// engines read and write directly): Net keeps its logs of spike masks,
// read from the devices and uploaded to ghosts each block, there.
type HostAllocator interface {
	// AllocHost allocates bytes (at least 1) of zeroed host memory.
	AllocHost(bytes int64) ([]byte, error)
	// FreeHost frees memory of AllocHost.
	FreeHost([]byte) error
}

// Strider is a Backend that says how many warps a kernel that strides
// over its work (deliver_all) should run; 1,024 otherwise.
type Strider interface {
	StrideWarps() int
}

// bytesOf views a slice of numbers as bytes.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// upload allocates a buffer holding s.
func upload[T any](b Backend, s []T) (Buffer, error) {
	x := bytesOf(s)
	buf, err := b.Alloc(int64(len(x)))
	if err != nil {
		return nil, err
	}
	if err := b.Upload(buf, x); err != nil {
		_ = b.Free(buf)
		return nil, err
	}
	return buf, nil
}

// download copies the start of src into dst.
func download[T any](b Backend, dst []T, src Buffer) error {
	if len(dst) == 0 {
		return nil
	}
	if err := b.Download(bytesOf(dst), src); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	return nil
}
