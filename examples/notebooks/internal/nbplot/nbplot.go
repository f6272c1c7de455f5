// Package nbplot holds the small plotting helpers shared by the notebook
// examples: spike rasters and line plots written as PNG files with
// gonum.org/v1/plot.
package nbplot

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

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

// Writer saves plots into a folder and remembers what it wrote.
type Writer struct {
	Dir     string
	Written []string
	// LegendLeft puts the legends of line plots at the top left instead
	// of the top right.
	LegendLeft bool
}

// NewWriter creates dir.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Writer{Dir: dir}, nil
}

func (w *Writer) save(p *plot.Plot, name string, wd, ht vg.Length) error {
	path := filepath.Join(w.Dir, name)
	if err := p.Save(wd, ht, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	w.Written = append(w.Written, path)
	return nil
}

// Lines plots series (and dashed reference lines) into name.
func (w *Writer) Lines(name, title, xlabel, ylabel string, series []Series, hlines []HLine) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = w.LegendLeft
	p.Add(plotter.NewGrid())
	xmin, xmax := 0.0, 1.0
	first := true
	for i, s := range series {
		pts := make(plotter.XYs, len(s.X))
		for k := range s.X {
			pts[k].X, pts[k].Y = s.X[k], s.Y[k]
			if first || s.X[k] < xmin {
				xmin = s.X[k]
			}
			if first || s.X[k] > xmax {
				xmax = s.X[k]
			}
			first = false
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
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
			p.Legend.Add(h.Name, l)
		}
	}
	return w.save(p, name, 8*vg.Inch, 4*vg.Inch)
}

// Raster plots spikes: neuron ids[k] fired at step steps[k] (times in
// steps·dt ms); n neurons, run of length steps.
func (w *Writer) Raster(name, title string, steps []int64, ids []uint32, n int, length int64, dt float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "neuron"
	p.X.Min, p.X.Max = 0, float64(length)*dt
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	pts := make(plotter.XYs, len(steps))
	for k := range steps {
		pts[k].X, pts[k].Y = float64(steps[k])*dt, float64(ids[k])
	}
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Shape = draw.BoxGlyph{}
		sc.GlyphStyle.Radius = vg.Points(1.6)
		sc.GlyphStyle.Color = color.Black
		p.Add(sc)
	}
	p.Add(plotter.NewGrid())
	ht := 2*vg.Inch + vg.Length(n)*0.12*vg.Inch
	return w.save(p, name, 8*vg.Inch, ht)
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
