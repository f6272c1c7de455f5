package main

import (
	"image/color"
	"os"
	"path/filepath"

	"github.com/spiral-sim/spiral/plot"
)

// Colours of the excitatory and inhibitory populations in the raster.
var (
	excColor = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	inhColor = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
)

// raster draws the spikes of [fromMs, toMs) of up to 400 neurons per
// population (the first ones), populations stacked from L2/3 at the top
// to L6 at the bottom, into dir/raster.png.
func raster(dir string, c Config, r *Result, fromMs, toMs float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const per = 400
	groups := make([]plot.Group, 8)
	for y := range groups {
		n := min(per, c.popSize(y))
		g := plot.Group{Name: popNames[y], N: n, Color: excColor}
		if y%2 == 1 {
			g.Color = inhColor
		}
		for k, st := range r.Steps[y] {
			if int(r.Elements[y][k]) < n {
				g.T = append(g.T, float64(st)*dtMs)
				g.Idx = append(g.Idx, r.Elements[y][k])
			}
		}
		groups[y] = g
	}
	f := plot.Figure{Width: 8 * plot.Inch, Height: 8 * plot.Inch}
	return f.StackedRaster(filepath.Join(dir, "raster.png"),
		"Microcircuit raster, first ≤ 400 neurons per population (red: excitatory, blue: inhibitory)",
		groups, fromMs, toMs)
}
