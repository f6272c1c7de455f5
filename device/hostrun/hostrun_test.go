//go:build cgo

package hostrun

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/device/internal/kerneltest"
)

func TestLIFExp2MatchesSoma(t *testing.T) {
	kerneltest.LIFExp2MatchesSoma(t, kerneltest.BackendRunner{B: Backend{}})
}
func TestPoissonMatchesEncoder(t *testing.T) {
	kerneltest.PoissonMatchesEncoder(t, kerneltest.BackendRunner{B: Backend{}})
}
func TestCompactListsInOrder(t *testing.T) {
	kerneltest.CompactListsInOrder(t, kerneltest.BackendRunner{B: Backend{}})
}
func TestDeliverFixedIsOrderFree(t *testing.T) {
	kerneltest.DeliverFixedIsOrderFree(t, kerneltest.BackendRunner{B: Backend{}})
}
func TestRSTDPModulates(t *testing.T) {
	kerneltest.RSTDPModulates(t, kerneltest.BackendRunner{B: Backend{}})
}
func TestRSTDPFolds(t *testing.T) {
	kerneltest.RSTDPFolds(t, kerneltest.BackendRunner{B: Backend{}})
}

// A device refuses another's buffers, in launches and copies, as a GPU
// cannot read another's memory.
func TestDevicesRefuseOthersBuffers(t *testing.T) {
	a, b := Backend{Device: 0}, Backend{Device: 1}
	buf, err := b.Alloc(128)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.Alloc(128)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Launch("take_mask", 32, 32, int64(1), buf, int64(0), mine); err == nil || !strings.Contains(err.Error(), "device 1 on device 0") {
		t.Errorf("a launch on device 0 with a buffer of device 1: %v", err)
	}
	if err := a.Launch("take_mask", 32, 32, int64(1), mine, int64(0), mine); err != nil {
		t.Errorf("a launch with its own buffers: %v", err)
	}
	if err := a.Upload(buf, []byte{1}); err == nil {
		t.Error("device 0 uploads into device 1's buffer")
	}
	if err := a.Download(make([]byte, 1), buf); err == nil {
		t.Error("device 0 downloads from device 1's buffer")
	}
}
