package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spiral-sim/spiral/plot"
)

func maxOf(ws [][]float32) float64 {
	m := 0.0
	for _, w := range ws {
		for _, x := range w {
			m = max(m, float64(x))
		}
	}
	return m
}

// fieldTiles returns one tile per output neuron: its incoming weights on
// the grid, white at its own largest weight (at fallback when all are 0).
func (r *Result) fieldTiles(ws [][]float32, labels bool, fallback float64) []plot.Tile {
	g := r.Config.Grid
	var ts []plot.Tile
	for j, w := range ws {
		z := make([]float64, len(w))
		zmax := 0.0
		for i, x := range w {
			z[i] = float64(x)
			zmax = max(zmax, z[i])
		}
		if zmax <= 0 {
			zmax = fallback
		}
		t := fmt.Sprintf("n%d", j)
		if labels {
			if p := r.Preferred[j]; p >= 0 {
				t = fmt.Sprintf("n%d: %s %.0f%%", j, barCode(p), 100*r.Selectivity[j])
			} else {
				t = fmt.Sprintf("n%d: never won", j)
			}
		}
		ts = append(ts, plot.Tile{Title: t, Grid: plot.Grid{Rows: g, Cols: g, Z: z}, Max: zmax})
	}
	return ts
}

// Plot writes the figures into dir and returns their paths.
func (r *Result) Plot(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	add := func(name string, err error) error {
		if err != nil {
			return err
		}
		files = append(files, filepath.Join(dir, name))
		return nil
	}
	const cols = 6
	g := r.Config.Grid
	tiles := plot.Figure{}

	var bars []plot.Tile
	for b, p := range r.Bars {
		z := make([]float64, len(p.Pixels))
		for i, x := range p.Pixels {
			z[i] = float64(x)
		}
		bars = append(bars, plot.Tile{Title: barCode(b) + ": " + p.Name, Grid: plot.Grid{Rows: g, Cols: g, Z: z}, Max: 1})
	}
	if err := add("patterns.png", tiles.Tiles(filepath.Join(dir, "patterns.png"),
		fmt.Sprintf("the %d bars (white: %g Hz pixels, black: %g Hz background)", len(r.Bars), r.Config.BarRateHz, r.Config.Background*r.Config.BarRateHz), bars, 4)); err != nil {
		return files, err
	}
	if err := add("initial_fields.png", tiles.Tiles(filepath.Join(dir, "initial_fields.png"),
		"initial weights into each output neuron (black = 0, white = the panel's largest weight)",
		r.fieldTiles(r.Initial, false, maxOf(r.Initial)), cols)); err != nil {
		return files, err
	}
	if err := add("receptive_fields.png", tiles.Tiles(filepath.Join(dir, "receptive_fields.png"),
		fmt.Sprintf("learned receptive fields (black = 0, white = the panel's largest weight, at most %g mV); title: preferred bar, selectivity", r.Config.Wmax),
		r.fieldTiles(r.Weights, true, maxOf(r.Weights)), cols)); err != nil {
		return files, err
	}
	// Wins: neurons as rows, bars as columns.
	z := make([]float64, 0, len(r.Counts)*len(r.Bars))
	zmax := 1.0
	for _, row := range r.Counts {
		for _, n := range row {
			z = append(z, float64(n))
			zmax = max(zmax, float64(n))
		}
	}
	wins := plot.Grid{Rows: len(r.Counts), Cols: len(r.Bars), Z: z}
	f := plot.Figure{Width: 6 * plot.Inch, Height: 5 * plot.Inch}
	if err := add("wins.png", f.HeatMap(filepath.Join(dir, "wins.png"),
		fmt.Sprintf("test wins per neuron and bar (%d presentations per bar)", r.Config.TestRepeats),
		fmt.Sprintf("bar (b0 … b%d)", len(r.Bars)-1), "output neuron", "wins", wins, plot.Limits{Min: 0, Max: zmax})); err != nil {
		return files, err
	}
	return files, nil
}
