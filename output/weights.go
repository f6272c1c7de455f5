package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// WeightsDir holds weight recordings: weights/<projection>.npz with one
// float32 array w (the weights in the projection's synapse order).
const WeightsDir = "weights"

// Weights writes weights/<projection>.npz with the array w, in full, now
// (it lands in the run directory at Commit). If rows and cols are given
// (one per synapse: its presynaptic row and postsynaptic column), they are
// stored too, as uint32 arrays i and j, with shape = [number of rows,
// number of columns] (int64), so the weights can be drawn as a matrix.
func (r *Run) Weights(projection string, w []float32, rows, cols []uint32, shape [2]int) error {
	if rows != nil && (len(rows) != len(w) || len(cols) != len(w)) {
		return fmt.Errorf("output: weights of %s: %d weights, %d rows, %d columns", projection, len(w), len(rows), len(cols))
	}
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
	if err == nil && rows != nil {
		u32 := func(xs []uint32) []byte {
			b := make([]byte, 0, 4*len(xs))
			for _, x := range xs {
				b = binary.LittleEndian.AppendUint32(b, x)
			}
			return b
		}
		err = z.add("i", "<u4", bytes.NewReader(u32(rows)), int64(len(rows)))
		if err == nil {
			err = z.add("j", "<u4", bytes.NewReader(u32(cols)), int64(len(cols)))
		}
		if err == nil {
			sh := binary.LittleEndian.AppendUint64(nil, uint64(shape[0]))
			sh = binary.LittleEndian.AppendUint64(sh, uint64(shape[1]))
			err = z.add("shape", "<i8", bytes.NewReader(sh), 2)
		}
	}
	if err == nil {
		err = z.close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
