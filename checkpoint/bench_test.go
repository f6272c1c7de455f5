package checkpoint_test

import (
	"path/filepath"
	"testing"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/models"
)

// BenchmarkCheckpoint takes, writes, reads and restores a checkpoint of
// Brunel (12,500 neurons, 15.6 M static synapses) after 100 ms on the
// lockstep engine with 2 shards per population; the sub-benchmarks time
// each part (restore: into a new engine, on 3 shards per population).
func BenchmarkCheckpoint(b *testing.B) {
	net, err := models.Brunel(models.Options{Scale: 1, Seed: 1}, models.BrunelParams{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := lockstep.New(net, lockstep.Options{Shards: map[string]int{"E": 2, "I": 2}, DiscardSpikes: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(1000); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "100ms")
	b.Run("capture", func(b *testing.B) {
		for range b.N {
			if _, err := e.Checkpoint(); err != nil {
				b.Fatal(err)
			}
		}
	})
	snap, err := e.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("write", func(b *testing.B) {
		for range b.N {
			if err := checkpoint.Write(path, checkpoint.Info{Model: "brunel"}, snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for range b.N {
			if _, _, err := checkpoint.Read(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restore", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			fresh, err := models.Brunel(models.Options{Scale: 1, Seed: 1}, models.BrunelParams{})
			if err != nil {
				b.Fatal(err)
			}
			r, err := lockstep.New(fresh, lockstep.Options{Shards: map[string]int{"E": 3, "I": 3}, DiscardSpikes: true})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := r.Restore(snap); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			r.Close()
			b.StartTimer()
		}
	})
}
