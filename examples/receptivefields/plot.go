package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// image is a rows×cols array of values shown as a heat map (row 0 at
// the top).
type image struct {
	rows, cols int
	z          []float64 // row-major
}

func (m image) Dims() (c, r int)   { return m.cols, m.rows }
func (m image) Z(c, r int) float64 { return m.z[(m.rows-1-r)*m.cols+c] }
func (m image) X(c int) float64    { return float64(c) }
func (m image) Y(r int) float64    { return float64(r) }

// gray is a black-to-white palette.
type gray int

func (g gray) Colors() []color.Color {
	cs := make([]color.Color, int(g))
	for i := range cs {
		cs[i] = color.Gray{Y: uint8(255 * i / (int(g) - 1))}
	}
	return cs
}

var _ palette.Palette = gray(0)

// panel is one heat map of a figure.
type panel struct {
	title string
	img   image
	zmax  float64 // white level; 0 = the figure's
}

// saveTiles draws the panels in a grid of cols columns, each on the colour
// scale [0, its zmax] (the figure's zmax where the panel has none), into
// path.
func saveTiles(path, title string, panels []panel, cols int, zmax float64, size vg.Length) error {
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for k, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.Title.TextStyle.Font.Size = vg.Points(9)
		p.HideAxes()
		h := plotter.NewHeatMap(pn.img, gray(256))
		h.Min, h.Max = 0, zmax
		if pn.zmax > 0 {
			h.Max = pn.zmax
		}
		h.Rasterized = false
		p.Add(h)
		plots[k/cols][k%cols] = p
	}
	titleH := vg.Points(24)
	w, ht := vg.Length(cols)*size, vg.Length(vg.Length(rows)*(size+vg.Points(14)))+titleH
	img := vgimg.New(w, ht)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	top := dc
	top.Min.Y = top.Max.Y - titleH
	top.FillText(draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(12)),
		Handler: plot.DefaultTextHandler, XAlign: draw.XCenter, YAlign: draw.YCenter},
		vg.Point{X: (top.Min.X + top.Max.X) / 2, Y: (top.Min.Y + top.Max.Y) / 2}, title)
	body := dc
	body.Max.Y -= titleH
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(6), PadY: vg.Points(6),
		PadLeft: vg.Points(4), PadRight: vg.Points(4), PadBottom: vg.Points(4)}
	canvases := plot.Align(plots, tiles, body)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func maxOf(ws [][]float32) float64 {
	m := 0.0
	for _, w := range ws {
		for _, x := range w {
			m = max(m, float64(x))
		}
	}
	return m
}

// fieldPanels returns one panel per output neuron: its incoming weights
// on the grid, white at its own largest weight.
func (r *Result) fieldPanels(ws [][]float32, labels bool) []panel {
	g := r.Config.Grid
	var ps []panel
	for j, w := range ws {
		z := make([]float64, len(w))
		zmax := 0.0
		for i, x := range w {
			z[i] = float64(x)
			zmax = max(zmax, z[i])
		}
		t := fmt.Sprintf("n%d", j)
		if labels {
			if p := r.Preferred[j]; p >= 0 {
				t = fmt.Sprintf("n%d: %s %.0f%%", j, barCode(p), 100*r.Selectivity[j])
			} else {
				t = fmt.Sprintf("n%d: never won", j)
			}
		}
		ps = append(ps, panel{title: t, img: image{rows: g, cols: g, z: z}, zmax: zmax})
	}
	return ps
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
	cols := 6
	size := vg.Points(110)
	g := r.Config.Grid

	var bars []panel
	for b, p := range r.Bars {
		z := make([]float64, len(p.Pixels))
		for i, x := range p.Pixels {
			z[i] = float64(x)
		}
		bars = append(bars, panel{title: barCode(b) + ": " + p.Name, img: image{rows: g, cols: g, z: z}})
	}
	if err := add("patterns.png", saveTiles(filepath.Join(dir, "patterns.png"),
		fmt.Sprintf("the %d bars (white: %g Hz pixels)", len(r.Bars), r.Config.BarRateHz), bars, 4, 1, size)); err != nil {
		return files, err
	}
	if err := add("initial_fields.png", saveTiles(filepath.Join(dir, "initial_fields.png"),
		"initial weights into each output neuron (black = 0, white = the panel's largest weight)",
		r.fieldPanels(r.Initial, false), cols, maxOf(r.Initial), size)); err != nil {
		return files, err
	}
	if err := add("receptive_fields.png", saveTiles(filepath.Join(dir, "receptive_fields.png"),
		fmt.Sprintf("learned receptive fields (white = the panel's largest weight, at most %g mV); title: preferred bar, selectivity", r.Config.Wmax),
		r.fieldPanels(r.Weights, true), cols, maxOf(r.Weights), size)); err != nil {
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
	wins := []panel{{title: "rows: neurons 0 (top) to " + fmt.Sprint(len(r.Counts)-1) + "; columns: bars b0 to b" + fmt.Sprint(len(r.Bars)-1),
		img: image{rows: len(r.Counts), cols: len(r.Bars), z: z}}}
	if err := add("wins.png", saveTiles(filepath.Join(dir, "wins.png"),
		fmt.Sprintf("test wins per neuron and bar (white = %.0f)", zmax), wins, 1, zmax, vg.Points(320))); err != nil {
		return files, err
	}
	return files, nil
}
