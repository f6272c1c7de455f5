package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotSimulate draws the simulate time per model (median, whiskers min to
// max) of Spiral and of each Brian2 mode on a log scale.
func plotSimulate(sums []ModelSummary, path string) error {
	p := plot.New()
	p.Title.Text = "Simulate phase per model (median, min–max)"
	p.Y.Label.Text = "simulate time (s, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	names := make([]string, len(sums))
	for i, s := range sums {
		names[i] = fmt.Sprintf("%s\n%s, %s", s.Model.Name, s.Model.Size(), fmtSimulated(s.Model.DurationS))
	}
	// Series: Spiral, then every Brian2 mode seen in any model.
	type series struct {
		label string
		get   func(s ModelSummary) *Group
	}
	var ss []series
	seen := map[string]bool{}
	for _, s := range sums {
		for _, g := range append(append([]*Group{}, s.Spirals...), s.Brian...) {
			key := g.Sim + "/" + g.Mode
			if seen[key] {
				continue
			}
			seen[key] = true
			sim, mode := g.Sim, g.Mode
			ss = append(ss, series{g.Label(), func(s ModelSummary) *Group {
				for _, g := range append(append([]*Group{}, s.Spirals...), s.Brian...) {
					if g.Sim == sim && g.Mode == mode {
						return g
					}
				}
				return nil
			}})
		}
	}
	colors := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}}
	any := false
	for k, se := range ss {
		var pts plotter.XYs
		var errs plotter.YErrors
		off := 0.0
		if len(ss) > 1 {
			off = -0.25 + 0.5*float64(k)/float64(len(ss)-1)
		}
		for i, s := range sums {
			g := se.get(s)
			if g == nil || g.Simulate.N == 0 || !(g.Simulate.Min > 0) {
				continue
			}
			d := g.Simulate
			pts = append(pts, plotter.XY{X: float64(i) + off, Y: d.Median})
			errs = append(errs, struct{ Low, High float64 }{d.Median - d.Min, d.Max - d.Median})
		}
		if len(pts) == 0 {
			continue
		}
		any = true
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		c := colors[k%len(colors)]
		sc.GlyphStyle.Color = c
		sc.GlyphStyle.Shape = shapes[k%len(shapes)]
		sc.GlyphStyle.Radius = vg.Points(4)
		eb, err := plotter.NewYErrorBars(errBars{pts, errs})
		if err != nil {
			return err
		}
		eb.LineStyle.Color = c
		p.Add(sc, eb)
		p.Legend.Add(se.label, sc)
	}
	if !any {
		return fmt.Errorf("plot: no successful run to draw")
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(sums))-0.4
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	// Some room above and below the points on the log axis.
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, s := range sums {
		for _, g := range append(append([]*Group{}, s.Spirals...), s.Brian...) {
			if g.Simulate.N > 0 && g.Simulate.Min > 0 {
				ymin, ymax = math.Min(ymin, g.Simulate.Min), math.Max(ymax, g.Simulate.Max)
			}
		}
	}
	p.Y.Min, p.Y.Max = ymin/2, ymax*4
	return p.Save(vg.Length(70+45*len(sums))*vg.Millimeter, 110*vg.Millimeter, path)
}

type errBars struct {
	plotter.XYs
	plotter.YErrors
}
