package plot

import (
	"image"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// spike is one raster point, kept compact (8 bytes).
type spike struct {
	t float32 // ms
	i uint32  // neuron index
}

// pixelRaster draws spikes as pixels of an image the size of the data area
// (in device pixels for PNG, at svgDPI for vector formats): a spike sets the
// pixel column of its time across the rows of its neuron (at least one
// pixel). Drawing cost is one image, whatever the number of spikes, where
// glyphs cost a filled path each.
type pixelRaster struct {
	spikes []spike
	color  color.NRGBA
}

// svgDPI is the resolution of the raster image embedded in vector formats.
const svgDPI = 192

// Plot implements gplot.Plotter.
func (r *pixelRaster) Plot(c draw.Canvas, p *gplot.Plot) {
	dpi := float64(svgDPI)
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok {
		dpi = d.DPI()
	}
	// the image covers whole device pixels of the data area, so that it
	// is drawn unscaled and unblurred (no resampling of its pixels)
	dots := func(l vg.Length) float64 { return float64(l.Dots(dpi)) }
	length := func(d float64) vg.Length { return vg.Length(d * 72 / dpi) }
	x0, x1 := math.Ceil(dots(c.Min.X)), math.Floor(dots(c.Max.X))
	y0, y1 := math.Ceil(dots(c.Min.Y)), math.Floor(dots(c.Max.Y))
	w, h := int(x1-x0), int(y1-y0)
	if w <= 0 || h <= 0 || p.X.Max <= p.X.Min || p.Y.Max <= p.Y.Min {
		return
	}
	rect := vg.Rectangle{Min: vg.Point{X: length(x0), Y: length(y0)}, Max: vg.Point{X: length(x1), Y: length(y1)}}
	// a mark is a point wide (at least a pixel): alike in PNG and SVG
	mark := max(1, int(math.Round(dpi/72)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	trX, trY := p.Transforms(&c)
	for _, s := range r.spikes {
		x := int(math.Floor(dots(trX(float64(s.t))) - x0))
		if x < 0 || x >= w {
			continue
		}
		xe := min(x+mark, w)
		// neuron i covers [i-0.5, i+0.5]; image row 0 is the top
		ya := int(math.Floor(y1 - dots(trY(float64(s.i)+0.5))))
		yb := int(math.Ceil(y1 - dots(trY(float64(s.i)-0.5))))
		yb = max(yb, ya+1)
		for y := max(ya, 0); y < min(yb, h); y++ {
			for xx := x; xx < xe; xx++ {
				px := img.Pix[img.PixOffset(xx, y):]
				px[0], px[1], px[2], px[3] = r.color.R, r.color.G, r.color.B, r.color.A
			}
		}
	}
	c.DrawImage(rect, img)
}
