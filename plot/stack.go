package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Group is one population of a stacked raster: neuron Idx[k] (of N) fired
// at T[k] ms.
type Group struct {
	Name  string
	N     int
	T     []float64
	Idx   []uint32
	Color color.Color // nil: the palette's colour of the group's position
}

// StackGap is the number of empty neuron rows between two groups of a
// stacked raster.
const StackGap = 20

// stackOffsets returns the y of neuron 0 of each group of the given sizes,
// stacked with the first group at the top and gap empty rows between
// groups: the last group starts at 0, and group k's neuron j lies at
// offsets[k] + j.
func stackOffsets(sizes []int, gap int) []int {
	off := make([]int, len(sizes))
	y := 0
	for k := len(sizes) - 1; k >= 0; k-- {
		off[k] = y
		y += sizes[k] + gap
	}
	return off
}

// StackedRaster writes the spike rasters of several populations, stacked
// in one axes with the first group at the top, to path: x = time (ms) over
// [fromMS, toMS), y = the populations, named by ticks at their middles
// (within a group, neuron 0 at the bottom). Spikes outside the time range
// are left out. Up to GlyphRasterMax spikes in all are drawn as squares,
// more as pixels.
func (f Figure) StackedRaster(path, title string, groups []Group, fromMS, toMS float64) error {
	p, err := stackedPlot(title, groups, fromMS, toMS)
	if err != nil {
		return err
	}
	f.XLim.apply(&p.X)
	return f.save(path, p.Draw)
}

// stackSpikes returns the spikes of each group in [fromMS, toMS) on the
// rows of the stack (group k's neuron j on row offset[k] + j, see
// stackOffsets), and a tick naming each group at its middle row.
func stackSpikes(groups []Group, fromMS, toMS float64) ([][]spike, []gplot.Tick, error) {
	sizes := make([]int, len(groups))
	for k, g := range groups {
		if len(g.T) != len(g.Idx) {
			return nil, nil, fmt.Errorf("plot: group %q has %d times and %d indices", g.Name, len(g.T), len(g.Idx))
		}
		if g.N < 0 {
			return nil, nil, fmt.Errorf("plot: group %q of %d neurons", g.Name, g.N)
		}
		sizes[k] = g.N
	}
	off := stackOffsets(sizes, StackGap)
	pts := make([][]spike, len(groups))
	ticks := make([]gplot.Tick, len(groups))
	for k, g := range groups {
		for q, t := range g.T {
			if int64(g.Idx[q]) >= int64(g.N) {
				return nil, nil, fmt.Errorf("plot: group %q: neuron %d of %d", g.Name, g.Idx[q], g.N)
			}
			if t < fromMS || t >= toMS {
				continue
			}
			pts[k] = append(pts[k], spike{t: float32(t), i: uint32(off[k]) + g.Idx[q]})
		}
		ticks[k] = gplot.Tick{Value: float64(off[k]) + float64(float64(g.N-1)/2), Label: g.Name}
	}
	return pts, ticks, nil
}

// stackedPlot returns the plot that StackedRaster draws.
func stackedPlot(title string, groups []Group, fromMS, toMS float64) (*gplot.Plot, error) {
	if !(toMS > fromMS) {
		return nil, fmt.Errorf("plot: stacked raster over [%g, %g] ms", fromMS, toMS)
	}
	pts, ticks, err := stackSpikes(groups, fromMS, toMS)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, ps := range pts {
		total += len(ps)
	}
	p := newPlot(title, "time (ms)", "population (neurons stacked)")
	for k, g := range groups {
		c := g.Color
		if c == nil {
			c = SeriesColor(k)
		}
		if total > GlyphRasterMax {
			r, gg, b, a := c.RGBA()
			p.Add(&pixelRaster{spikes: pts[k], color: color.NRGBA{R: uint8(r >> 8), G: uint8(gg >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}})
		} else if len(pts[k]) > 0 {
			xy := make(plotter.XYs, len(pts[k]))
			for q, s := range pts[k] {
				xy[q] = plotter.XY{X: float64(s.t), Y: float64(s.i)}
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Shape: draw.BoxGlyph{}, Radius: vg.Points(0.6), Color: c}
			p.Add(sc)
		}
	}
	p.Y.Tick.Marker = gplot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = fromMS, toMS
	top := 0.5
	if len(groups) > 0 {
		// the top group's last row
		top = math.Max(ticks[0].Value+float64(float64(groups[0].N-1)/2)+0.5, 0.5)
	}
	p.Y.Min, p.Y.Max = -0.5, top
	return p, nil
}
