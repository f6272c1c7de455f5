package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Grid is a Rows × Cols array of values: Z[r·Cols + c] is row r, column c;
// NaN marks a missing value.
type Grid struct {
	Rows, Cols int
	Z          []float64
}

func (g Grid) check() error {
	if g.Rows <= 0 || g.Cols <= 0 || len(g.Z) != g.Rows*g.Cols {
		return fmt.Errorf("plot: grid of %d × %d with %d values", g.Rows, g.Cols, len(g.Z))
	}
	return nil
}

// zRange returns the least and greatest values of g, ignoring NaNs; (0, 1)
// when there are none, and a range of 1 around a single value.
func (g Grid) zRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range g.Z {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return 0, 1
	}
	if lo == hi {
		return lo - 0.5, hi + 0.5
	}
	return lo, hi
}

// cells adapts a Grid to plotter.GridXYZ: x = column, y = row, row 0 at the
// bottom, or at the top when flip is set.
type cells struct {
	g    Grid
	flip bool
}

func (m cells) Dims() (c, r int) { return m.g.Cols, m.g.Rows }
func (m cells) Z(c, r int) float64 {
	if m.flip {
		r = m.g.Rows - 1 - r
	}
	return m.g.Z[r*m.g.Cols+c]
}
func (m cells) X(c int) float64 { return float64(c) }
func (m cells) Y(r int) float64 { return float64(r) }

// HeatMap writes g as a heat map with a colour bar labelled zlabel to
// path: column c is drawn at x = c and row r at y = r (row 0 at the
// bottom), both axes ticked at integers; missing values are grey. The
// colours span z, or the range of the values when z is the zero Limits.
func (f Figure) HeatMap(path, title, xlabel, ylabel, zlabel string, g Grid, z Limits) error {
	if err := g.check(); err != nil {
		return err
	}
	lo, hi := g.zRange()
	if z.set() {
		lo, hi = z.Min, z.Max
	}
	return f.save(path, heatMap(title, xlabel, ylabel, zlabel, g, lo, hi))
}

// heatMap returns the drawing of a heat map of g on the colour scale
// [lo, hi] (lo < hi) with its colour bar on the right.
func heatMap(title, xlabel, ylabel, zlabel string, g Grid, lo, hi float64) func(draw.Canvas) {
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(lo)
	cm.SetMax(hi)
	p := newPlot(title, xlabel, ylabel)
	h := plotter.NewHeatMap(cells{g: g}, cm.Palette(256))
	h.Min, h.Max = lo, hi
	h.NaN = color.Gray{Y: 0xd0}
	p.Add(h)
	p.X.Min, p.X.Max = -0.5, float64(g.Cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(g.Rows)-0.5
	p.X.Tick.Marker, p.Y.Tick.Marker = indexTicks{}, indexTicks{}
	// the colour bar, a plot of its own beside the matrix, with the same
	// top (a blank title) and bottom (a blank x axis) margins
	bar := newPlot(" ", " ", zlabel)
	bar.X.Tick.Marker = blankTicks{}
	bar.X.LineStyle.Width, bar.X.Tick.LineStyle.Width = 0, 0
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.Y.Min, bar.Y.Max = lo, hi
	return func(dc draw.Canvas) {
		wbar := vg.Inch
		p.Draw(draw.Crop(dc, 0, -wbar, 0, 0))
		bar.Draw(draw.Crop(dc, dc.Size().X-wbar+vg.Points(8), 0, 0, 0))
	}
}

// Tile is one panel of Tiles: Grid drawn as an image (row 0 at the top),
// grey from black at 0 to white at Max (and above).
type Tile struct {
	Title string
	Grid  Grid
	Max   float64
}

// Tiles writes tiles in rows of cols panels, under title, to path. A zero
// Width or Height of the figure selects 110 points per tile (plus the
// titles).
func (f Figure) Tiles(path, title string, tiles []Tile, cols int) error {
	if cols <= 0 || len(tiles) == 0 {
		return fmt.Errorf("plot: %d tiles in %d columns", len(tiles), cols)
	}
	rows := (len(tiles) + cols - 1) / cols
	plots := make([][]*gplot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*gplot.Plot, cols)
	}
	for k, t := range tiles {
		if err := t.Grid.check(); err != nil {
			return fmt.Errorf("tile %q: %w", t.Title, err)
		}
		p := gplot.New()
		p.Title.Text = t.Title
		p.Title.TextStyle.Font.Size = vg.Points(9)
		p.HideAxes()
		h := plotter.NewHeatMap(cells{g: t.Grid, flip: true}, greys(256))
		h.Min, h.Max = 0, t.Max
		if !(t.Max > 0) {
			h.Max = 1
		}
		h.Rasterized = false
		p.Add(h)
		plots[k/cols][k%cols] = p
	}
	titleH := vg.Points(24)
	if f.Width <= 0 {
		f.Width = vg.Length(cols) * vg.Points(110)
	}
	if f.Height <= 0 {
		f.Height = vg.Length(vg.Length(rows)*(vg.Points(110)+vg.Points(14))) + titleH
	}
	return f.save(path, func(dc draw.Canvas) {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		top := dc
		top.Min.Y = top.Max.Y - titleH
		top.FillText(draw.TextStyle{Color: color.Black, Font: font.From(gplot.DefaultFont, vg.Points(12)),
			Handler: gplot.DefaultTextHandler, XAlign: draw.XCenter, YAlign: draw.YCenter},
			vg.Point{X: (top.Min.X + top.Max.X) / 2, Y: (top.Min.Y + top.Max.Y) / 2}, title)
		body := dc
		body.Max.Y -= titleH
		tl := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(6), PadY: vg.Points(6),
			PadLeft: vg.Points(4), PadRight: vg.Points(4), PadBottom: vg.Points(4)}
		canvases := gplot.Align(plots, tl, body)
		for i := range plots {
			for j, p := range plots[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	})
}

// greys is a black-to-white palette of n ≥ 2 colours.
type greys int

// Colors implements palette.Palette.
func (g greys) Colors() []color.Color {
	cs := make([]color.Color, int(g))
	for i := range cs {
		cs[i] = color.Gray{Y: uint8(255 * i / (int(g) - 1))}
	}
	return cs
}

var _ palette.Palette = greys(0)
