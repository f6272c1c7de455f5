package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarSeries is one series of bars: Values[b] over bin b.
type BarSeries struct {
	Name   string
	Values []float64
	Color  color.Color // nil: SeriesColor of the series' position
}

// BarFill is the fraction of a bin that its group of bars covers; the rest
// is split evenly on both sides.
const BarFill = 0.8

// barSpan returns the x range of the bar of series k (of n) in the bin
// [lo, hi]: the group covers the middle BarFill of the bin, split into n
// equal bars, series 0 leftmost.
func barSpan(lo, hi float64, k, n int) (float64, float64) {
	w := (hi - lo) * BarFill / float64(n)
	x0 := lo + float64(float64((hi-lo)*(1-BarFill))/2) + float64(float64(k)*w)
	return x0, x0 + w
}

// Bars writes a bar chart (a histogram, or several side by side) to path:
// bin b spans [edges[b], edges[b+1]] on the x axis, in data units, and
// every series has one value per bin; the series' bars stand side by side
// in each bin, in order. The y axis starts at 0 and, with the legend
// inside the axes, leaves 15 % of its range above the highest bar for the
// legend (unless the figure fixes the range).
func (f Figure) Bars(path, title, xlabel, ylabel string, edges []float64, series []BarSeries) error {
	nb := len(edges) - 1
	if nb < 1 || !sort.Float64sAreSorted(edges) {
		return fmt.Errorf("plot: bar edges %v: want at least two, increasing", edges)
	}
	p := newPlot(title, xlabel, ylabel)
	p.Add(horizontalGrid())
	leg := gplot.NewLegend()
	named := false
	for k, s := range series {
		if len(s.Values) != nb {
			return fmt.Errorf("plot: bar series %q has %d values for %d bins", s.Name, len(s.Values), nb)
		}
		c := s.Color
		if c == nil {
			c = SeriesColor(k)
		}
		b := &barSet{color: c}
		for i, v := range s.Values {
			lo, hi := barSpan(edges[i], edges[i+1], k, len(series))
			b.rects = append(b.rects, [3]float64{lo, hi, v})
		}
		p.Add(b)
		if s.Name != "" {
			leg.Add(s.Name, b)
			named = true
		}
	}
	p.X.Min, p.X.Max = edges[0], edges[nb]
	p.Y.Min = math.Min(0, p.Y.Min)
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1
	}
	if !f.LegendOutside && named {
		// room above the highest bar for the legend
		p.Y.Max += float64(0.15 * (p.Y.Max - p.Y.Min))
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

// barSet is a series of bars, each [x0, x1] × [0, y], filled with color
// and outlined in black.
type barSet struct {
	rects [][3]float64 // x0, x1, y
	color color.Color
}

// Plot implements gplot.Plotter.
func (b *barSet) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	line := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	for _, r := range b.rects {
		if math.IsNaN(r[2]) {
			continue
		}
		x0, x1 := trX(r[0]), trX(r[1])
		y0, y1 := trY(0), trY(r[2])
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.color, c.ClipPolygonXY(pts))
		c.StrokeLines(line, c.ClipLinesXY(append(pts, pts[0]))...)
	}
}

// DataRange implements gplot.DataRanger.
func (b *barSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, r := range b.rects {
		xmin, xmax = math.Min(xmin, r[0]), math.Max(xmax, r[1])
		if !math.IsNaN(r[2]) {
			ymin, ymax = math.Min(ymin, r[2]), math.Max(ymax, r[2])
		}
	}
	return
}

// Thumbnail implements gplot.Thumbnailer: a filled square for the legend.
func (b *barSet) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(b.color, c.ClipPolygonY(pts))
	c.StrokeLines(draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}, append(pts, pts[0]))
}

// horizontalGrid returns grid lines at the y ticks only.
func horizontalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	return g
}
