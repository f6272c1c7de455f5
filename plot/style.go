package plot

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// cleanTicks places ticks as gonum/plot's DefaultTicks does, but labels
// them with the fewest decimals that tell the labelled ticks apart exactly
// ("0", "2500", "5000" rather than "0.00", "2500.00", "5000.00"; "0.25",
// "0.5" as needed).
type cleanTicks struct{}

func (cleanTicks) Ticks(lo, hi float64) []gplot.Tick {
	ticks := gplot.DefaultTicks{}.Ticks(lo, hi)
	var vals []float64
	for _, t := range ticks {
		if t.Label != "" {
			vals = append(vals, t.Value)
		}
	}
	d := labelDecimals(vals)
	for k := range ticks {
		if ticks[k].Label != "" {
			ticks[k].Label = formatTick(ticks[k].Value, d)
		}
	}
	return ticks
}

// labelDecimals returns the fewest decimals (0 to 10) with which every value
// is written exactly, to within a millionth of the spacing of the values.
func labelDecimals(vals []float64) int {
	tol := 1e-9
	if len(vals) > 1 {
		tol = math.Abs(vals[1]-vals[0]) * 1e-6
	}
	for d := 0; d < 10; d++ {
		p := math.Pow(10, float64(d))
		ok := true
		for _, v := range vals {
			if math.Abs(math.Round(v*p)/p-v) > tol {
				ok = false
				break
			}
		}
		if ok {
			return d
		}
	}
	return 10
}

// formatTick writes v with d decimals, and zero as "0".
func formatTick(v float64, d int) string {
	s := strconv.FormatFloat(v, 'f', d, 64)
	if strings.Trim(s, "-0.") == "" {
		s = "0"
	}
	return s
}

// indexTicks label an axis of integers (neuron indices): every integer
// when there are at most ten, else multiples of a step of 1, 2 or 5 × 10ⁿ
// giving at most six labels, with unlabelled ticks at the integers
// between them when there are at most ten per step.
type indexTicks struct{}

func (indexTicks) Ticks(lo, hi float64) []gplot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	if last < first {
		return nil
	}
	step := 1.0
	for (last-first)/step > 5 && (last-first) >= 10 {
		step = nextStep(step)
	}
	minor := step / 5
	if step <= 5 {
		minor = 1
	}
	var out []gplot.Tick
	for v := math.Ceil(first/minor) * minor; v <= last; v += minor {
		t := gplot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = formatTick(v, 0)
		}
		out = append(out, t)
	}
	return out
}

// nextStep returns the step after s in 1, 2, 5, 10, 20, 50, ...
func nextStep(s float64) float64 {
	e := math.Pow(10, math.Floor(float64(math.Log10(s))+1e-9))
	switch m := math.Round(s / e); m {
	case 1:
		return 2 * e
	case 2:
		return 5 * e
	}
	return 10 * e
}

// blankTicks labels the ends of an axis with blank text: an axis drawn
// without lines takes the room of a labelled one (the colour bar lines up
// with the matrix beside it).
type blankTicks struct{}

func (blankTicks) Ticks(lo, hi float64) []gplot.Tick {
	return []gplot.Tick{{Value: lo, Label: " "}, {Value: hi, Label: " "}}
}

// newPlot returns a plot with the package's axes: clean tick labels.
func newPlot(title, xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = cleanTicks{}
	p.Y.Tick.Marker = cleanTicks{}
	return p
}

// lineChunk is the number of points per path stroked: the rasteriser
// (freetype, under vgimg) slows down sharply on long paths, so a long line
// is drawn as consecutive paths of this many points sharing their ends.
const lineChunk = 128

// addLine adds the polyline xy to p in colour c, dashed by dashes if any
// (as several paths, see lineChunk) and returns the first piece, for a
// legend entry.
func addLine(p *gplot.Plot, xy plotter.XYs, c color.Color, width vg.Length, step bool, dashes ...vg.Length) (*plotter.Line, error) {
	var first *plotter.Line
	for lo := 0; lo < len(xy)-1 || (lo == 0 && len(xy) == 1); lo += lineChunk - 1 {
		hi := min(len(xy), lo+lineChunk)
		l, err := plotter.NewLine(xy[lo:hi])
		if err != nil {
			return nil, err
		}
		l.Color = c
		if width > 0 {
			l.Width = width
		}
		if step {
			l.StepStyle = plotter.PostStep
		}
		l.Dashes = dashes
		p.Add(l)
		if first == nil {
			first = l
		}
	}
	return first, nil
}

// units of the state variables whose unit is known from the model files'
// conventions (potentials in mV).
var stateUnits = map[string]string{
	"v":     "mV",
	"theta": "mV",
}

// stateLabel returns the axis label of state variable name: "v (mV)" for a
// known unit; for graded (rate) populations, whose recorded variable is
// their output, "r (graded output)"; otherwise the name.
func stateLabel(name string, graded bool) string {
	if u, ok := stateUnits[name]; ok {
		return name + " (" + u + ")"
	}
	if graded {
		return name + " (graded output)"
	}
	return name
}

// envelope decimates a trace for drawing: samples fall into buckets of
// equal time, and each bucket keeps its first sample, its minimum and its
// maximum (in time order), so peaks such as spikes stay visible whatever the
// number of samples; at most 3 points per bucket are drawn.
type envelope struct {
	t0, width float64
	b         []bucket
}

type bucket struct {
	n                int
	tf, vf           float64 // first sample
	tlo, lo, thi, hi float64
}

func newEnvelope(t0, span float64, buckets int) envelope {
	return envelope{t0: t0, width: span / float64(buckets), b: make([]bucket, buckets)}
}

func (e *envelope) add(t, v float64) {
	if math.IsNaN(v) {
		return
	}
	k := int((t - e.t0) / e.width)
	k = min(max(k, 0), len(e.b)-1)
	b := &e.b[k]
	if b.n == 0 {
		*b = bucket{n: 1, tf: t, vf: v, tlo: t, lo: v, thi: t, hi: v}
		return
	}
	b.n++
	if v < b.lo {
		b.tlo, b.lo = t, v
	}
	if v > b.hi {
		b.thi, b.hi = t, v
	}
}

// points returns the kept samples in time order.
func (e *envelope) points() plotter.XYs {
	var xy plotter.XYs
	for _, b := range e.b {
		if b.n == 0 {
			continue
		}
		ps := [3]plotter.XY{{X: b.tf, Y: b.vf}, {X: b.tlo, Y: b.lo}, {X: b.thi, Y: b.hi}}
		if ps[2].X < ps[1].X {
			ps[1], ps[2] = ps[2], ps[1]
		}
		xy = append(xy, ps[0])
		for _, q := range ps[1:] {
			if q != xy[len(xy)-1] {
				xy = append(xy, q)
			}
		}
	}
	return xy
}

// seriesColors are the colours of successive series (matplotlib's "tab10"
// palette): ten colours told apart, where gonum/plot's default palette
// repeats after seven.
var seriesColors = [...]color.NRGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
	{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
	{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff}, // olive
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
}

// SeriesColor returns the colour of the i-th series of a figure (i ≥ 0);
// the ten colours repeat from the eleventh series on.
func SeriesColor(i int) color.Color {
	return seriesColors[i%len(seriesColors)]
}
