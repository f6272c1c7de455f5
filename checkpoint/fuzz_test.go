package checkpoint_test

import (
	"testing"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/stepper"
)

// FuzzDecodePieces feeds DecodePieces — which reads the state another
// process of a run sends — arbitrary bytes: it returns pieces or an
// error, never panics, and what it returns has ranges and scopes that
// make sense. The seeds are a real network's encoded state and cuts of
// it.
func FuzzDecodePieces(f *testing.F) {
	net, err := models.CUBA(models.Options{Scale: 0.02, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	s := stepper.New(net)
	if err := s.Run(50); err != nil {
		f.Fatal(err)
	}
	snap, err := s.Checkpoint()
	if err != nil {
		f.Fatal(err)
	}
	var ps []checkpoint.Piece
	for pi := range net.Populations {
		p, err := checkpoint.HoldingState(snap, net, pi, 0, net.Populations[pi].Len()/2)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p...)
	}
	b, err := checkpoint.EncodePieces(ps)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := checkpoint.DecodePieces(b)
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Lo < 0 || p.Hi < p.Lo || p.N < p.Hi || p.Cols != nil && len(p.Cols) != p.Hi-p.Lo || p.Value == nil {
				t.Fatalf("decoded a piece that makes no sense: %s [%d, %d) of %d, %d in-degrees", p.Path, p.Lo, p.Hi, p.N, len(p.Cols))
			}
		}
	})
}
