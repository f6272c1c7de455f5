package main

import (
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// raster draws the spikes of [fromMs, toMs) of up to 400 neurons per
// population (the first ones), populations stacked from L2/3 at the top
// to L6 at the bottom, into dir/raster.png.
func raster(dir string, c Config, r *Result, fromMs, toMs float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "Microcircuit raster (first ≤ 400 neurons per population)"
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "neuron (L2/3 top, L6 bottom)"
	const per = 400
	offset := 0.0
	var ticks []plot.Tick
	for y := 7; y >= 0; y-- {
		n := min(per, c.popSize(y))
		xy := plotter.XYs{}
		for k, st := range r.Steps[y] {
			t := float64(st) * dtMs
			if t < fromMs || t >= toMs || int(r.Elements[y][k]) >= n {
				continue
			}
			xy = append(xy, plotter.XY{X: t, Y: offset + float64(r.Elements[y][k])})
		}
		if len(xy) > 0 {
			s, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			s.GlyphStyle.Shape = draw.CircleGlyph{}
			s.GlyphStyle.Radius = vg.Points(0.6)
			s.GlyphStyle.Color = plotutil.Color(y % 2)
			p.Add(s)
		}
		ticks = append(ticks, plot.Tick{Value: offset + float64(float64(n)/2), Label: popNames[y]})
		offset += float64(n) + 20
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = fromMs, toMs
	return p.Save(8*vg.Inch, 8*vg.Inch, filepath.Join(dir, "raster.png"))
}
