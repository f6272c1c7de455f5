package layout_test

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/soma"
)

// The automatic layout uses as many cores as the network keeps busy:
// neurons times segment steps over MinWorkPerCore.
func TestCores(t *testing.T) {
	cuba := func(scale float64) *network.Network {
		net, err := models.CUBA(models.Options{Scale: scale, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	brunel := func(scale float64) *network.Network {
		net, err := models.Brunel(models.Options{Scale: scale, Seed: 1}, models.BrunelParams{})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	for _, tc := range []struct {
		name        string
		net         *network.Network
		procs, want int
	}{
		{"CUBA ×1: 4,000 neurons, 1 step", cuba(1), 16, 1},
		{"CUBA ×10: 40,000 neurons, 1 step", cuba(10), 16, 40000 / layout.MinWorkPerCore},
		{"CUBA ×10 on 2 cores", cuba(10), 2, 2},
		{"Brunel: 12,500 neurons, 16 steps", brunel(1), 16, 16},
		{"Brunel ×0.1: 1,250 neurons, 16 steps", brunel(0.1), 16, 1250 * 16 / layout.MinWorkPerCore},
	} {
		if got := layout.Cores(tc.net, tc.procs); got != tc.want {
			t.Errorf("%s on %d cores: %d, want %d", tc.name, tc.procs, got, tc.want)
		}
	}
}

// Splittable says which populations can be cut: a spiking population of
// a network of one copy can, an index outside the network is an error.
func TestSplittable(t *testing.T) {
	net, err := models.CUBA(models.Options{Scale: 0.05, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.Populations {
		if err := layout.Splittable(net, i); err != nil {
			t.Errorf("%s: %v, want it splittable", net.Populations[i].Name, err)
		}
	}
	if err := layout.Splittable(net, len(net.Populations)); err == nil {
		t.Error("a population past the end: no error")
	}
	b := network.New(network.Config{DtMs: 0.1, Batch: 2})
	b.Population("P", 10, soma.LIF())
	batched, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := layout.Splittable(batched, 0); err == nil || !strings.Contains(err.Error(), "batch of 2 copies") {
		t.Errorf("a batch of two copies: %v, want it unsplittable", err)
	}
}
