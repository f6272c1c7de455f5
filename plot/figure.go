package plot

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figures below draw data held in memory, for programs (the examples)
// that plot what they simulate, with the same axes, ticks, legends and
// drawing path as Render.

// Series is one named line: Y[k] at X[k].
type Series struct {
	Name string
	X, Y []float64
}

// HLine is a dashed horizontal reference line.
type HLine struct {
	Name string
	Y    float64
}

// Figure sets the size and legend placement of a figure; zero values
// select 8 × 4 inches and a legend at the top right, inside the axes.
type Figure struct {
	Width, Height vg.Length
	LegendLeft    bool // legend at the top left
	LegendOutside bool // legend in a strip right of the axes
}

func (f Figure) size() (vg.Length, vg.Length) {
	w, h := f.Width, f.Height
	if w <= 0 {
		w = 8 * vg.Inch
	}
	if h <= 0 {
		h = 4 * vg.Inch
	}
	return w, h
}

// Lines writes a line plot of series (and dashed reference lines) to path,
// in the format its extension names (.png, .svg, .pdf, ...). Long series
// are decimated for drawing to at most three points per horizontal pixel
// bucket (first, minimum, maximum), which keeps peaks.
func (f Figure) Lines(path, title, xlabel, ylabel string, series []Series, hlines []HLine) error {
	p := newPlot(title, xlabel, ylabel)
	p.Add(plotter.NewGrid())
	leg := gplot.NewLegend()
	xmin, xmax := 0.0, 1.0
	first := true
	for _, s := range series {
		for _, x := range s.X {
			if first || x < xmin {
				xmin = x
			}
			if first || x > xmax {
				xmax = x
			}
			first = false
		}
	}
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		var xy plotter.XYs
		if len(s.X) > 2*DefaultMaxTracePoints {
			e := newEnvelope(xmin, xmax-xmin+1e-12, DefaultMaxTracePoints/2)
			for k := range s.X {
				e.add(s.X[k], s.Y[k])
			}
			xy = e.points()
		} else {
			xy = make(plotter.XYs, len(s.X))
			for k := range s.X {
				xy[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := addLine(p, xy, plotutil.Color(i), vg.Points(1.2), false)
		if err != nil {
			return fmt.Errorf("plot: series %q: %w", s.Name, err)
		}
		if s.Name != "" {
			leg.Add(s.Name, l)
		}
	}
	for i, h := range hlines {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h.Y}, {X: xmax, Y: h.Y}})
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: uint8(60 + 60*i)}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		if h.Name != "" {
			leg.Add(h.Name, l)
		}
	}
	if f.LegendOutside {
		return f.save(path, sideLegend(p, leg))
	}
	leg.Top, leg.Left = true, f.LegendLeft
	p.Legend = leg
	return f.save(path, p.Draw)
}

// Raster writes the spike raster of n neurons to path: neuron idx[k] fired
// at t[k] ms; the time axis spans [0, durationMS]. Up to GlyphRasterMax
// spikes are drawn as squares, more as pixels.
func (f Figure) Raster(path, title string, t []float64, idx []uint32, n int, durationMS float64) error {
	if len(t) != len(idx) {
		return fmt.Errorf("plot: raster of %d times and %d indices", len(t), len(idx))
	}
	pts := make([]spike, len(t))
	for k := range t {
		if int64(idx[k]) >= int64(n) {
			return fmt.Errorf("plot: raster: neuron %d of %d", idx[k], n)
		}
		pts[k] = spike{t: float32(t[k]), i: idx[k]}
	}
	rad := vg.Length(0)
	if n <= 50 {
		rad = vg.Points(1.6)
	}
	p, err := rasterPlot(title, pts, n, durationMS, rad)
	if err != nil {
		return err
	}
	p.Add(plotter.NewGrid())
	return f.save(path, p.Draw)
}

// save draws fig on a canvas of the figure's size and writes it to path in
// the format its extension names, via a temporary file.
func (f Figure) save(path string, fig func(draw.Canvas)) error {
	w, h := f.size()
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	fig(draw.New(c))
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = c.WriteTo(fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
