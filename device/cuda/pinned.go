//go:build cuda

package cuda

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>

// spiral_host_alloc allocates page-locked host memory that every context
// may use (gorgonia.org/cu frees it, but has no call to allocate it).
static CUresult spiral_host_alloc(void **p, size_t bytes) {
	return cuMemHostAlloc(p, bytes, CU_MEMHOSTALLOC_PORTABLE);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// AllocHost implements device.HostAllocator: page-locked host memory,
// which the GPU's DMA engines copy to and from directly (a copy from
// pageable memory goes through a staging buffer of the driver's),
// portable to every GPU's context, zeroed.
func (b Backend) AllocHost(bytes int64) ([]byte, error) {
	if bytes < 1 {
		return nil, fmt.Errorf("cuda: host memory of %d bytes", bytes)
	}
	var p unsafe.Pointer
	err := b.D.Do(func() error {
		if r := C.spiral_host_alloc(&p, C.size_t(bytes)); r != C.CUDA_SUCCESS {
			return fmt.Errorf("cuda: page-locked host memory of %d bytes: CUresult %d", bytes, int(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mem := unsafe.Slice((*byte)(p), bytes)
	clear(mem)
	return mem, nil
}

// FreeHost implements device.HostAllocator.
func (b Backend) FreeHost(mem []byte) error {
	if len(mem) == 0 {
		return errors.New("cuda: no host memory to free")
	}
	p := unsafe.Pointer(&mem[0])
	return b.D.Do(func() error { return cu.MemFreeHost(p) })
}
