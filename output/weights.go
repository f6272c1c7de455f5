package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// WeightsDir holds weight recordings: weights/<projection>.npz with the
// float32 array w (the weights in the projection's synapse order) and,
// for projections that learn latencies, latency_ms.
const WeightsDir = "weights"

// Weights writes weights/<projection>.npz with the array w, in full, now
// (it lands in the run directory at Commit). If rows and cols are given
// (one per synapse: its presynaptic row and postsynaptic column), they are
// stored too, as uint32 arrays i and j, with shape = [number of rows,
// number of columns] (int64), so the weights can be drawn as a matrix.
// A projection that learns its latencies (package latency) passes them in
// latencyMs (ms, one per synapse; nil otherwise): they are stored as the
// float32 array latency_ms.
func (r *Run) Weights(projection string, w []float32, rows, cols []uint32, shape [2]int, latencyMs []float32) error {
	if rows != nil && (len(rows) != len(w) || len(cols) != len(w)) {
		return fmt.Errorf("output: weights of %s: %d weights, %d rows, %d columns", projection, len(w), len(rows), len(cols))
	}
	if latencyMs != nil && len(latencyMs) != len(w) {
		return fmt.Errorf("output: weights of %s: %d weights, %d latencies", projection, len(w), len(latencyMs))
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
	f32 := func(xs []float32) []byte {
		b := make([]byte, 0, 4*len(xs))
		for _, x := range xs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	z := newNPZWriter(f, r.compress)
	err = z.add("w", "<f4", bytes.NewReader(f32(w)), int64(len(w)))
	if err == nil && latencyMs != nil {
		err = z.add("latency_ms", "<f4", bytes.NewReader(f32(latencyMs)), int64(len(latencyMs)))
	}
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
