//go:build cgo

package hostrun

import (
	"testing"

	"github.com/spiral-sim/spiral/device/internal/kerneltest"
)

func TestLIFExp2MatchesSoma(t *testing.T)      { kerneltest.LIFExp2MatchesSoma(t, Host{}) }
func TestPoissonMatchesEncoder(t *testing.T)   { kerneltest.PoissonMatchesEncoder(t, Host{}) }
func TestCompactListsInOrder(t *testing.T)     { kerneltest.CompactListsInOrder(t, Host{}) }
func TestDeliverFixedIsOrderFree(t *testing.T) { kerneltest.DeliverFixedIsOrderFree(t, Host{}) }
