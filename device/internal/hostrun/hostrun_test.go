//go:build cgo

package hostrun

import (
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
