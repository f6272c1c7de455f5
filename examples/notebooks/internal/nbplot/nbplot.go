// Package nbplot holds the small helpers shared by the notebook examples:
// a folder that receives their figures, and conversions of monitor data.
// The figures themselves are drawn by package plot (the same axes, ticks
// and drawing path as "spiral-node plot").
package nbplot

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spiral-sim/spiral/plot"
)

// Series is one named line: Y[k] at X[k].
type Series = plot.Series

// HLine is a dashed horizontal reference line.
type HLine = plot.HLine

// Writer saves plots into a folder and remembers what it wrote.
type Writer struct {
	Dir     string
	Written []string
}

// NewWriter creates dir.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Writer{Dir: dir}, nil
}

// Lines plots series (and dashed reference lines) into name, with the
// legend right of the axes, where it hides no data.
func (w *Writer) Lines(name, title, xlabel, ylabel string, series []Series, hlines []HLine) error {
	path := filepath.Join(w.Dir, name)
	if err := (plot.Figure{LegendOutside: true}).Lines(path, title, xlabel, ylabel, series, hlines); err != nil {
		return err
	}
	w.Written = append(w.Written, path)
	return nil
}

// Raster plots spikes: neuron ids[k] fired at step steps[k] (times in
// steps·dt ms); n neurons, run of length steps.
func (w *Writer) Raster(name, title string, steps []int64, ids []uint32, n int, length int64, dt float64) error {
	path := filepath.Join(w.Dir, name)
	ht := 2*plot.Inch + plot.Length(plot.Length(n)*0.12*plot.Inch)
	if err := (plot.Figure{Height: ht}).Raster(path, title, Steps(steps, dt), ids, n, float64(length)*dt); err != nil {
		return err
	}
	w.Written = append(w.Written, path)
	return nil
}

// Steps returns the sample steps as times in ms.
func Steps(steps []int64, dt float64) []float64 {
	t := make([]float64, len(steps))
	for k, s := range steps {
		t[k] = float64(s) * dt
	}
	return t
}

// Column returns values[k][j] for every sample k as float64.
func Column(values [][]float32, j int) []float64 {
	c := make([]float64, len(values))
	for k, v := range values {
		c[k] = float64(v[j])
	}
	return c
}

// Report prints the files written.
func (w *Writer) Report() {
	for _, f := range w.Written {
		fmt.Println("wrote", f)
	}
}
