package plot

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figures below draw data held in memory, for programs (the examples)
// that plot what they simulate, with the same axes, ticks, legends and
// drawing path as Render.

// Series is one named line: Y[k] at X[k]. A NaN value of Y breaks the
// line (the point is missing).
type Series struct {
	Name string
	X, Y []float64
	// Color of the line or markers; nil selects the palette's colour of the
	// series' position.
	Color color.Color
	// Width of the line; 0 selects 1.2 points.
	Width vg.Length
	// Dashed draws the line dashed.
	Dashed bool
	// Markers draws each point as a circle and no line.
	Markers bool
}

// HLine is a dashed horizontal reference line.
type HLine struct {
	Name string
	Y    float64
}

// Limits fixes the range of an axis to [Min, Max]; the zero value (or any
// Max ≤ Min) leaves the range to the data.
type Limits struct {
	Min, Max float64
}

// set reports whether l fixes a range.
func (l Limits) set() bool { return l.Max > l.Min }

// apply fixes the range of ax when l is set.
func (l Limits) apply(ax *gplot.Axis) {
	if l.set() {
		ax.Min, ax.Max = l.Min, l.Max
	}
}

// Figure sets the size, axis ranges and legend placement of a figure;
// zero values select 8 × 4 inches, ranges fitted to the data and a legend
// at the top right, inside the axes.
type Figure struct {
	Width, Height vg.Length
	LegendLeft    bool   // legend at the top left
	LegendOutside bool   // legend in a strip right of the axes
	XLim, YLim    Limits // fixed axis ranges (zero: fitted to the data)
	LogY          bool   // logarithmic y axis (Categories)
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
// bucket (first, minimum, maximum), which keeps peaks. Series drawn with
// markers get a margin of 4 % of the data range on each side (unless the
// figure fixes the range), so that no marker is cut by the axes.
func (f Figure) Lines(path, title, xlabel, ylabel string, series []Series, hlines []HLine) error {
	p := newPlot(title, xlabel, ylabel)
	p.Add(plotter.NewGrid())
	leg := gplot.NewLegend()
	xmin, xmax := 0.0, 1.0
	first := true
	markers := false
	for _, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		markers = markers || s.Markers
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
	if f.XLim.set() {
		xmin, xmax = f.XLim.Min, f.XLim.Max
	}
	for i, s := range series {
		c := s.Color
		if c == nil {
			c = SeriesColor(i)
		}
		var thumb gplot.Thumbnailer
		for _, xy := range segments(s, xmin, xmax) {
			if s.Markers {
				sc, err := plotter.NewScatter(xy)
				if err != nil {
					return fmt.Errorf("plot: series %q: %w", s.Name, err)
				}
				sc.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(2.5), Color: c}
				p.Add(sc)
				if thumb == nil {
					thumb = sc
				}
				continue
			}
			w := s.Width
			if w <= 0 {
				w = vg.Points(1.2)
			}
			var dashes []vg.Length
			if s.Dashed {
				dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			l, err := addLine(p, xy, c, w, false, dashes...)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			if thumb == nil {
				thumb = l
			}
		}
		if s.Name != "" && thumb != nil {
			leg.Add(s.Name, thumb)
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
	if markers {
		padRange(&p.X, 0.04)
		padRange(&p.Y, 0.04)
	}
	f.XLim.apply(&p.X)
	f.YLim.apply(&p.Y)
	if f.LegendOutside {
		return f.save(path, sideLegend(p, leg))
	}
	leg.Top, leg.Left = true, f.LegendLeft
	p.Legend = leg
	return f.save(path, p.Draw)
}

// segments returns the runs of s between NaN values of Y, as points to
// draw: decimated (see Lines) when s is long.
func segments(s Series, xmin, xmax float64) []plotter.XYs {
	var out []plotter.XYs
	long := len(s.X) > 2*DefaultMaxTracePoints
	for lo := 0; lo < len(s.X); {
		if math.IsNaN(s.Y[lo]) {
			lo++
			continue
		}
		hi := lo
		for hi < len(s.X) && !math.IsNaN(s.Y[hi]) {
			hi++
		}
		var xy plotter.XYs
		if long && hi-lo > 2*DefaultMaxTracePoints {
			e := newEnvelope(xmin, xmax-xmin+1e-12, DefaultMaxTracePoints/2)
			for k := lo; k < hi; k++ {
				e.add(s.X[k], s.Y[k])
			}
			xy = e.points()
		} else {
			xy = make(plotter.XYs, hi-lo)
			for k := lo; k < hi; k++ {
				xy[k-lo] = plotter.XY{X: s.X[k], Y: s.Y[k]}
			}
		}
		out = append(out, xy)
		lo = hi
	}
	return out
}

// padRange widens the data range of ax by frac of its span on each side
// (a span of zero by frac of 1).
func padRange(ax *gplot.Axis, frac float64) {
	d := (ax.Max - ax.Min) * frac
	if d == 0 {
		d = frac
	}
	ax.Min -= d
	ax.Max += d
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
	p, err := rasterPlot(title, pts, n, 0, durationMS, rad)
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

// Length is a length on a figure, in points (1/72 inch): gonum/plot's
// vg.Length, so that callers size figures without importing gonum/plot.
type Length = vg.Length

// Units of Length.
const (
	Point      Length = 1
	Inch              = vg.Inch
	Millimeter        = vg.Millimeter
)
