package output

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
)

// WeightsDir holds weight recordings: weights/<projection>.npz with one
// float32 array w (the weights in the projection's synapse order).
const WeightsDir = "weights"

// Weights writes weights/<projection>.npz with the array w, in full, now
// (it lands in the run directory at Commit).
func (r *Run) Weights(projection string, w []float32) error {
	if err := validName(projection); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rel := filepath.Join(WeightsDir, projection+".npz")
	if err := r.claim(rel); err != nil {
		return err
	}
	path := filepath.Join(r.partial, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	raw := make([]byte, 0, 4*len(w))
	for _, x := range w {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	z := newNPZWriter(f, r.compress)
	err = z.add("w", "<f4", bytes.NewReader(raw), int64(len(w)))
	if err == nil {
		err = z.close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
