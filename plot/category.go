package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CategorySeries is one series of a category plot: in category i, a
// marker at Mid[i] and a bar from Low[i] to High[i] (a median and its
// range, say). A NaN Mid leaves category i without a point, as does a
// Mid ≤ 0 on a logarithmic axis.
type CategorySeries struct {
	Name           string
	Mid, Low, High []float64
	Color          color.Color // nil: SeriesColor of the series' position
}

// ErrNoPoints is returned by Categories when no series has a point.
var ErrNoPoints = errors.New("plot: no point to draw")

// categoryShapes are the markers of successive category series.
var categoryShapes = [...]draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{},
	draw.RingGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{},
}

// categoryOffset returns the x offset of series k of n within a category
// (category i is centred on x = i): the series spread evenly over
// [-0.25, 0.25], a single one at 0.
func categoryOffset(k, n int) float64 {
	if n <= 1 {
		return 0
	}
	return -0.25 + 0.5*float64(k)/float64(n-1)
}

// Categories writes a category plot to path: the categories cats (labels
// may hold newlines) along the x axis, and each series' points side by
// side within each category, each series with its own colour and marker,
// with bars from Low to High. With f.LogY the y axis is logarithmic; the
// y range is f.YLim, or else the data's, widened for the legend at the top
// (on a log axis from half the lowest Low to four times the highest High;
// on a linear one from 0, or the lowest Low if negative, to 1.3 times the
// highest High). It returns ErrNoPoints when no series has a point.
func (f Figure) Categories(path, title, ylabel string, cats []string, series []CategorySeries) error {
	p := newPlot(title, "", ylabel)
	if f.LogY {
		p.Y.Scale = gplot.LogScale{}
		p.Y.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	any := false
	for k, s := range series {
		if len(s.Mid) != len(cats) || len(s.Low) != len(cats) || len(s.High) != len(cats) {
			return fmt.Errorf("plot: category series %q: %d, %d and %d values for %d categories",
				s.Name, len(s.Mid), len(s.Low), len(s.High), len(cats))
		}
		var pts errPoints
		for i := range cats {
			m, lo, hi := s.Mid[i], s.Low[i], s.High[i]
			if math.IsNaN(m) || (f.LogY && !(m > 0 && lo > 0)) {
				continue
			}
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(i) + categoryOffset(k, len(series)), Y: m})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{m - lo, hi - m})
			ymin, ymax = math.Min(ymin, lo), math.Max(ymax, hi)
		}
		if len(pts.XYs) == 0 {
			continue
		}
		any = true
		c := s.Color
		if c == nil {
			c = SeriesColor(k)
		}
		sc, err := plotter.NewScatter(pts.XYs)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Shape: categoryShapes[k%len(categoryShapes)], Radius: vg.Points(4)}
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		eb.LineStyle.Color = c
		p.Add(sc, eb)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	if !any {
		return ErrNoPoints
	}
	p.NominalX(cats...)
	p.X.Min, p.X.Max = -0.6, float64(len(cats))-0.4
	p.Legend.Top, p.Legend.Left = true, f.LegendLeft
	p.Add(plotter.NewGrid())
	if f.LogY {
		p.Y.Min, p.Y.Max = ymin/2, ymax*4
	} else {
		p.Y.Min, p.Y.Max = math.Min(0, ymin), ymax*1.3
		if p.Y.Max <= p.Y.Min {
			p.Y.Max = p.Y.Min + 1
		}
	}
	f.YLim.apply(&p.Y)
	return f.save(path, p.Draw)
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}
