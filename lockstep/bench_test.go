package lockstep_test

import (
	"testing"

	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/models"
)

// BenchmarkCUBA10 runs 100 ms of CUBA at scale 10 (40,000 neurons, one-step
// links) per operation on the lockstep engine with two shards per
// population; compare -cpu 1,2.
func BenchmarkCUBA10(b *testing.B) { benchCUBA10(b, false) }

// benchCUBA10 is BenchmarkCUBA10, its sums in fixed point or not.
func benchCUBA10(b *testing.B, fixed bool) {
	net, err := models.CUBA(models.Options{Scale: 10, Seed: 1, FixedPoint: fixed})
	if err != nil {
		b.Fatal(err)
	}
	e, err := lockstep.New(net, lockstep.Options{Shards: map[string]int{"E": 2, "I": 2}, DiscardSpikes: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCUBA10Balanced is BenchmarkCUBA10 with the layout of
// Options.Balance: on two workers E in two shards of 20,000 and 12,000
// neurons, I whole.
func BenchmarkCUBA10Balanced(b *testing.B) {
	net, err := models.CUBA(models.Options{Scale: 10, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	e, err := lockstep.New(net, lockstep.Options{Balance: true, DiscardSpikes: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Run(1000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCUBA10Fixed is BenchmarkCUBA10 with the sums in fixed point
// (network.Config.FixedPoint).
func BenchmarkCUBA10Fixed(b *testing.B) { benchCUBA10(b, true) }
