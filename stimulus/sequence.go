package stimulus

import (
	"fmt"

	"github.com/spiral-sim/spiral/soma"
)

// Sequence is a cyclic input: frame k is presented for Hold steps (0 means
// 1), then frame k+1, and after the last frame the sequence starts again —
// the Python Simulator's cyclic inputs, without its "None restarts" quirk.
// At step t the frame is Frames[⌊t/Hold⌋ mod len(Frames)]. A frame has N
// values (the same for every copy) or N·Batch values (one per element); all
// frames have the same length.
type Sequence struct {
	Frames [][]float32 `state:"-"`
	Hold   int         `state:"-"`
}

// Bind validates the frames against the population.
func (s Sequence) Bind(env soma.Env) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if l := len(s.Frames[0]); l != env.N && l != env.Len() {
		return fmt.Errorf("sequence: frames have %d values, want %d (per neuron) or %d (per element)", l, env.N, env.Len())
	}
	return nil
}

// Validate checks that there is a frame, that all frames have one length,
// that every value is finite, and that Hold >= 0.
func (s Sequence) Validate() error {
	if len(s.Frames) == 0 {
		return fmt.Errorf("sequence: no frames")
	}
	if s.Hold < 0 {
		return fmt.Errorf("sequence: hold = %d: must be >= 0", s.Hold)
	}
	for k, f := range s.Frames {
		if len(f) != len(s.Frames[0]) {
			return fmt.Errorf("sequence: frame %d has %d values, frame 0 has %d", k, len(f), len(s.Frames[0]))
		}
		if err := checkFinite(fmt.Sprintf("sequence: frame %d: value", k), f); err != nil {
			return err
		}
	}
	return nil
}

// Index is the frame presented at step t.
func (s Sequence) Index(t int64) int {
	h := int64(max(s.Hold, 1))
	q := t / h
	if t%h < 0 {
		q--
	}
	k := q % int64(len(s.Frames))
	if k < 0 {
		k += int64(len(s.Frames))
	}
	return int(k)
}

// Add implements Stimulus.
func (s Sequence) Add(t int64, current []float32) {
	if len(s.Frames) == 0 {
		return
	}
	f := s.Frames[s.Index(t)]
	if len(f) == len(current) {
		for e, v := range f {
			current[e] += v
		}
		return
	}
	addTiled(current, f)
}
