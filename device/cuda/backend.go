//go:build cuda

package cuda

import (
	"fmt"

	"gorgonia.org/cu"

	"github.com/spiral-sim/spiral/device"
)

// Backend is the GPU as a device.Backend, for device.Net.
type Backend struct{ D *Device }

// Bytes implements device.Buffer.
func (b Buffer) Bytes() int64 { return b.bytes }

// Name implements device.Backend.
func (b Backend) Name() string { return fmt.Sprintf("GPU %d (%s)", b.D.ordinal, b.D.name) }

// Alloc implements device.Backend.
func (b Backend) Alloc(bytes int64) (device.Buffer, error) {
	var buf Buffer
	err := b.D.Do(func() error {
		if err := b.D.flushHere(); err != nil {
			return err
		}
		var err error
		buf, err = Alloc(bytes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// buffer returns x as this device's buffer.
func buffer(x device.Buffer) (Buffer, error) {
	buf, ok := x.(Buffer)
	if !ok {
		return Buffer{}, fmt.Errorf("cuda: a buffer of type %T", x)
	}
	return buf, nil
}

// Free implements device.Backend.
func (b Backend) Free(x device.Buffer) error {
	buf, err := buffer(x)
	if err != nil {
		return err
	}
	return b.D.Do(func() error {
		if err := b.D.flushHere(); err != nil {
			return err
		}
		return buf.Free()
	})
}

// Upload implements device.Backend.
func (b Backend) Upload(dst device.Buffer, src []byte) error {
	buf, err := buffer(dst)
	if err != nil {
		return err
	}
	return b.D.Do(func() error {
		if err := b.D.flushHere(); err != nil {
			return err
		}
		return Upload(buf, src)
	})
}

// Download implements device.Backend.
func (b Backend) Download(dst []byte, src device.Buffer) error {
	buf, err := buffer(src)
	if err != nil {
		return err
	}
	return b.D.Do(func() error {
		if err := b.D.flushHere(); err != nil {
			return err
		}
		return Download(dst, buf)
	})
}

// Launch implements device.Backend: the launch is queued (Device.Queue)
// and made, with those queued before it, at the next copy, allocation
// or release, or when the queue is full; a bad launch's error may show
// there.
func (b Backend) Launch(kernel string, threads, block int, args ...any) error {
	return b.D.Queue(kernel, threads, block, args...)
}

// FreeMemory implements device.MemoryReporter: the GPU's free memory, as
// the driver reports it.
func (b Backend) FreeMemory() (int64, error) {
	var free int64
	err := b.D.Do(func() error {
		var err error
		free, _, err = cu.MemInfo()
		return err
	})
	return free, err
}

// Address implements device.Addresser: the buffer's device address.
func (b Backend) Address(x device.Buffer) (uint64, error) {
	buf, err := buffer(x)
	if err != nil {
		return 0, err
	}
	return uint64(buf.ptr), nil
}

// StrideWarps implements device.Strider: 32 warps per multiprocessor,
// enough to fill the GPU and hide the latency of the atomic adds.
func (b Backend) StrideWarps() int { return 32 * max(1, b.D.sms) }

// Flush implements device.Flusher: the queued launches start.
func (b Backend) Flush() error { return b.D.Flush() }
