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
	rect := c.Rectangle
	sz := rect.Size()
	w := int(math.Ceil(sz.X.Dots(dpi)))
	h := int(math.Ceil(sz.Y.Dots(dpi)))
	if w <= 0 || h <= 0 || p.X.Max <= p.X.Min || p.Y.Max <= p.Y.Min {
		return
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	sx := float64(w) / (p.X.Max - p.X.Min)
	sy := float64(h) / (p.Y.Max - p.Y.Min)
	for _, s := range r.spikes {
		x := int((float64(s.t) - p.X.Min) * sx)
		if x < 0 || x >= w {
			continue
		}
		// neuron i covers [i-0.5, i+0.5]; image row 0 is the top (Y.Max)
		y0 := int(math.Floor((p.Y.Max - (float64(s.i) + 0.5)) * sy))
		y1 := int(math.Ceil((p.Y.Max - (float64(s.i) - 0.5)) * sy))
		y1 = max(y1, y0+1)
		for y := max(y0, 0); y < min(y1, h); y++ {
			px := img.Pix[img.PixOffset(x, y):]
			px[0], px[1], px[2], px[3] = r.color.R, r.color.G, r.color.B, r.color.A
		}
	}
	c.DrawImage(vg.Rectangle{Min: rect.Min, Max: rect.Max}, img)
}
