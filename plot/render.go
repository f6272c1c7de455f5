// Package plot renders the figures of a simulation run directory (as
// written by package output) with gonum/plot, as PNG and SVG files in
// DIR/plots/:
//
//	raster_<pop>.{png,svg}        spike raster: x = time (ms), y = neuron index
//	rate_<pop>.{png,svg}          population rate (Hz) in bins chosen by RateBin, the width in the legend
//	state_<pop>.<var>.{png,svg}   traces of the recorded elements of state/<pop>.<var>.npz,
//	                              "v (mV)"; a population recorded without spikes is graded:
//	                              its output r is drawn as values over time
//	weights_<name>.{png,svg}      histogram of weights/<name>.npz (array w, any shape)
//	wmatrix_<name>.{png,svg}      presynaptic × postsynaptic matrix with a colour bar
//
// Weight files are optional: weights/<name>.npz holds one array "w" of any
// numeric dtype (float32 expected) and any shape, whose values are
// histogrammed (NaNs ignored).
//
// The NPY headers are parsed by codeberg.org/sbinet/npyio (after checks
// that keep a corrupt file from costing memory or a panic); the data are
// streamed, never loaded whole, so large runs stay memory bounded.
//
// # Speed
//
// Figures of large runs cost little more than small ones: a raster of more
// than GlyphRasterMax spikes is drawn as the pixels of one image rather than
// a vector glyph each, long lines are stroked in pieces (the rasteriser is
// superlinear in a path's length), and traces are decimated to the first,
// lowest and highest sample of each of MaxTracePoints/2 time buckets (peaks
// kept). Rendering a 5 s STDP run (1000 Poisson inputs at 15 Hz and one
// neuron, 75,600 spikes; "spiral-node plot DIR", PNG and SVG) took 3.6–4.8 s
// of CPU before these changes and takes 0.20–0.25 s (docs/benchmarks.md).
//
// The rate is computed from every spike, but the raster shows at most
// Options.MaxRasterPoints points: when a population has more spikes, only
// every s-th neuron (indices 0, s, 2s, …, keeping their full spike trains)
// is drawn, s being the smallest stride whose neurons hold at most that
// many spikes; the title then says "every s-th neuron shown". Traces draw
// at most Options.MaxTraces elements (evenly spaced among the recorded
// ones). The choice is deterministic.
//
// Figure draws data held in memory, for the examples, the notebook ports
// and the benchmark harness, with the same axes, ticks, palette and
// drawing path: Lines (series with chosen colours, dashes or markers,
// reference lines, fixed ranges), Raster, StackedRaster (several
// populations in one axes), Bars (grouped bars over bins), HeatMap (with a
// colour bar; the weight matrices use it), Tiles (panels of grey images)
// and Categories (points with ranges per category, optionally on a log
// axis). No other package of the module imports gonum/plot.
package plot

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/output"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// ErrInvalid marks errors caused by the input: a directory that is not a
// complete run, or malformed files in it.
var ErrInvalid = errors.New("invalid run directory")

// ErrOption marks an option that does not suit the run (Options).
var ErrOption = errors.New("invalid option")

// PlotsDir is the subdirectory of the run directory that receives the plots.
const PlotsDir = "plots"

// Defaults of Options.
const (
	DefaultMaxRasterPoints = 2_000_000
	DefaultMaxTraces       = 8
	DefaultMaxTracePoints  = 4000
	DefaultHistBins        = 50
)

// Options tune Render; zero values select the defaults.
type Options struct {
	RateBinMS       float64   // population-rate bin width in ms (default: chosen by RateBin)
	MaxRasterPoints int       // raster points per population (default 2,000,000)
	MaxTraces       int       // traces per state file (default 8)
	MaxTracePoints  int       // points drawn per trace (default 4000; see Render)
	HistBins        int       // weight histogram bins (default 50)
	Formats         []string  // image formats (default png and svg; gonum/plot names such as "pdf" work too)
	Width, Height   vg.Length // figure size (default 8 × 4 inches)
}

func (o *Options) defaults() error {
	if o.RateBinMS < 0 || math.IsNaN(o.RateBinMS) || math.IsInf(o.RateBinMS, 0) {
		return fmt.Errorf("plot: rate bin %g ms must be positive", o.RateBinMS)
	}
	if o.MaxRasterPoints <= 0 {
		o.MaxRasterPoints = DefaultMaxRasterPoints
	}
	if o.MaxTraces <= 0 {
		o.MaxTraces = DefaultMaxTraces
	}
	if o.MaxTracePoints <= 0 {
		o.MaxTracePoints = DefaultMaxTracePoints
	}
	if o.HistBins <= 0 {
		o.HistBins = DefaultHistBins
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"png", "svg"}
	}
	if o.Width <= 0 {
		o.Width = 8 * vg.Inch
	}
	if o.Height <= 0 {
		o.Height = 4 * vg.Inch
	}
	return nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// ReadSummary reads DIR/summary.json; a missing or malformed file is an
// ErrInvalid error (the directory is not a complete run).
func ReadSummary(dir string) (output.Summary, error) {
	var s output.Summary
	st, err := os.Stat(dir)
	if err != nil {
		return s, invalid("%v", err)
	}
	if !st.IsDir() {
		return s, invalid("%s is not a directory", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, output.SummaryFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, invalid("%s has no %s: not a run directory, or the run did not complete", dir, output.SummaryFile)
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, invalid("%s: %v", filepath.Join(dir, output.SummaryFile), err)
	}
	return s, nil
}

func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

// Render draws every plot of the run directory dir into dir/plots/ and
// returns the paths of the files written, in order. Errors wrapping
// ErrInvalid are caused by the input.
func Render(dir string, opts Options) ([]string, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	sum, err := ReadSummary(dir)
	if err != nil {
		return nil, err
	}
	if opts.RateBinMS > 0 && opts.RateBinMS < sum.DtMS {
		// Spikes come on steps: most bins would be empty, the others
		// rates several times too high.
		return nil, fmt.Errorf("%w: rate bin %g ms is narrower than the run's step, dt = %g ms: give at least dt", ErrOption, opts.RateBinMS, sum.DtMS)
	}
	r := &renderer{dir: dir, out: filepath.Join(dir, PlotsDir), opts: opts, sum: sum}
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		return nil, err
	}
	for _, p := range sum.Populations {
		if !safeName(p.Name) || p.Size < 0 {
			return r.files, invalid("%s: bad population %q (size %d)", output.SummaryFile, p.Name, p.Size)
		}
		path := filepath.Join(dir, output.SpikesDir, p.Name+".npz")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue // population not recorded
		}
		if err := r.spikes(p.Name, p.Size, path); err != nil {
			return r.files, err
		}
	}
	states, _ := filepath.Glob(filepath.Join(dir, output.StateDir, "*.npz"))
	sort.Strings(states)
	for _, path := range states {
		if err := r.state(path); err != nil {
			return r.files, err
		}
	}
	weights, _ := filepath.Glob(filepath.Join(dir, "weights", "*.npz"))
	sort.Strings(weights)
	for _, path := range weights {
		if err := r.weights(path); err != nil {
			return r.files, err
		}
	}
	return r.files, nil
}

type renderer struct {
	dir, out string
	opts     Options
	sum      output.Summary
	files    []string
}

// save draws fig in every format as out/base.<fmt>.
func (r *renderer) save(base string, fig func(draw.Canvas)) error {
	f := Figure{Width: r.opts.Width, Height: r.opts.Height}
	for _, format := range r.opts.Formats {
		path := filepath.Join(r.out, base+"."+format)
		if err := f.save(path, fig); err != nil {
			return err
		}
		r.files = append(r.files, path)
	}
	return nil
}

// rateHist accumulates spike counts in bins of binMS from t = 0.
type rateHist struct {
	binMS  float64
	origin float64 // the time of the first bin's start (ms)
	counts []int64
}

func (h *rateHist) add(t float64) {
	t -= h.origin
	if !(t >= 0) {
		t = 0
	}
	// the tolerance keeps t = step·dt exactly on a bin edge in that bin
	k := int(math.Floor(t/h.binMS + 1e-9))
	for k >= len(h.counts) {
		h.counts = append(h.counts, 0)
	}
	h.counts[k]++
}

// rates returns spikes per bin / (size · bin) in Hz, over
// ceil(durationMS / bin) bins (more if spikes lie beyond; spikes at or after
// the last full bin count in the bin that holds them).
func (h *rateHist) rates(size int, durationMS float64) []float64 {
	nb := 0
	if durationMS > 0 {
		nb = int(math.Ceil(durationMS/h.binMS - 1e-9))
	}
	nb = max(nb, len(h.counts))
	out := make([]float64, nb)
	if size <= 0 {
		return out
	}
	norm := float64(size) * h.binMS / 1000
	for k, c := range h.counts {
		out[k] = float64(c) / norm
	}
	return out
}

// PopulationRate is the population rate in Hz of spikes at times t (ms) of
// a population of size neurons: bin k covers [k·binMS, (k+1)·binMS) and
// holds count / (size · binMS / 1000). There are ceil(durationMS / binMS)
// bins, or more when spikes lie beyond durationMS.
func PopulationRate(t []float64, size int, durationMS, binMS float64) []float64 {
	h := rateHist{binMS: binMS}
	for _, v := range t {
		h.add(v)
	}
	return h.rates(size, durationMS)
}

const chunk = 1 << 16

// scanSpikes streams the spikes of an archive, calling fn for each chunk.
func scanSpikes(path string, fn func(t, i []float64) error) (n int64, err error) {
	z, err := openNPZ(path)
	if err != nil {
		return 0, invalid("%v", err)
	}
	defer z.Close()
	tc, err := z.column("t_ms")
	if err != nil {
		return 0, invalid("%v", err)
	}
	defer tc.Close()
	ic, err := z.column("i")
	if err != nil {
		return 0, invalid("%v", err)
	}
	defer ic.Close()
	if len(tc.h.shape) != 1 || len(ic.h.shape) != 1 || tc.h.shape[0] != ic.h.shape[0] {
		return 0, invalid("%s: t_ms %v and i %v must be 1-D of equal length", path, tc.h.shape, ic.h.shape)
	}
	tb, ib := make([]float64, chunk), make([]float64, chunk)
	for {
		k, err := tc.next(tb)
		if err == io.EOF {
			return tc.h.shape[0], nil
		}
		if err != nil {
			return 0, invalid("%v", err)
		}
		if _, err := ic.next(ib[:k]); err != nil {
			return 0, invalid("%v", err)
		}
		if err := fn(tb[:k], ib[:k]); err != nil {
			return 0, err
		}
	}
}

// spikeCount returns the number of spikes in a spike archive (from its header).
func spikeCount(path string) (int64, error) {
	z, err := openNPZ(path)
	if err != nil {
		return 0, invalid("%v", err)
	}
	defer z.Close()
	c, err := z.column("t_ms")
	if err != nil {
		return 0, invalid("%v", err)
	}
	defer c.Close()
	return c.h.count(), nil
}

// spikes draws a population's raster and rate from its spike file.
func (r *renderer) spikes(name string, size int, path string) error {
	pts, stride, total, tmax, err := r.rasterPoints(path, size)
	if err != nil {
		return err
	}
	// The run covers [start, start + duration): a resumed run starts at
	// its checkpoint's time (Summary.StartMS).
	start := r.sum.StartMS
	dur := math.Max(r.sum.DurationMS, tmax-start)

	// rate, binned from every spike
	bin := r.opts.RateBinMS
	if bin == 0 {
		rate := 0.0
		if size > 0 && dur > 0 {
			rate = float64(total) / float64(size) / (dur / 1000)
		}
		bin = RateBin(size, rate, dur)
		// A whole number of steps: spikes come on steps, and a bin of a
		// fraction of one, or of one and a half, would read some steps
		// twice as often as others.
		if dt := r.sum.DtMS; dt > 0 {
			bin = max(1, math.Round(bin/dt)) * dt
		}
	}
	hist := rateHist{binMS: bin, origin: start}
	if _, err := scanSpikes(path, func(t, _ []float64) error {
		for _, v := range t {
			hist.add(v)
		}
		return nil
	}); err != nil {
		return err
	}

	// raster
	title := fmt.Sprintf("%s: spike raster, %d neurons, %d spikes", name, size, total)
	if stride > 1 {
		title = fmt.Sprintf("%s: spike raster, %d neurons, %d spikes (every %s neuron shown)", name, size, total, ordinal(stride))
	}
	p, err := rasterPlot(title, pts, size, start, math.Max(dur, bin), 0)
	if err != nil {
		return err
	}
	if err := r.save("raster_"+name, p.Draw); err != nil {
		return err
	}
	return r.ratePlot(name, size, hist.rates(size, dur), start, bin)
}

// rasterPoints reads a population's spikes (size neurons) and returns the
// points to draw — all of them, or those of every stride-th neuron so
// that at most MaxRasterPoints remain — with the total count and the
// latest spike time. Neuron indices outside the population are an error.
func (r *renderer) rasterPoints(path string, size int) (pts []spike, stride int, total int64, tmax float64, err error) {
	total, err = spikeCount(path)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	maxPts := int64(r.opts.MaxRasterPoints)
	perNeuron := make([]int64, size)
	keepAll := total <= maxPts
	if keepAll {
		pts = make([]spike, 0, total)
	}
	_, err = scanSpikes(path, func(t, idx []float64) error {
		for k, i := range idx {
			if i < 0 || i >= float64(size) {
				return invalid("%s: neuron index %g out of range [0,%d)", path, i, size)
			}
			perNeuron[int(i)]++
			tmax = math.Max(tmax, t[k])
			if keepAll {
				pts = append(pts, spike{t: float32(t[k]), i: uint32(i)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, 0, err
	}
	stride = 1
	if keepAll {
		return pts, stride, total, tmax, nil
	}
	stride = int((total + maxPts - 1) / maxPts)
	for ; stride < size; stride++ {
		var n int64
		for j := 0; j < size; j += stride {
			n += perNeuron[j]
		}
		if n <= maxPts {
			break
		}
	}
	pts = make([]spike, 0, maxPts)
	_, err = scanSpikes(path, func(t, idx []float64) error {
		for k, i := range idx {
			if int(i)%stride == 0 && len(pts) < int(maxPts) {
				pts = append(pts, spike{t: float32(t[k]), i: uint32(i)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return pts, stride, total, tmax, nil
}

// ratePlot draws a population's rate, rates per bin of binMS.
func (r *renderer) ratePlot(name string, size int, rates []float64, start, bin float64) error {
	p := newPlot(fmt.Sprintf("%s: population rate (mean %s Hz)", name, sig3(mean(rates))), "time (ms)", "rate (Hz)")
	if len(rates) > 0 {
		xy := make(plotter.XYs, len(rates)+1)
		for k, v := range rates {
			xy[k] = plotter.XY{X: start + float64(float64(k)*bin), Y: v}
		}
		xy[len(rates)] = plotter.XY{X: start + float64(float64(len(rates))*bin), Y: rates[len(rates)-1]}
		l, err := addLine(p, xy, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, 0, true)
		if err != nil {
			return err
		}
		p.Legend.Add(fmt.Sprintf("%s (%d %s), %s ms bins", name, size, plural(size, "neuron"), sig3(bin)), l)
		p.Legend.Top = true
		p.X.Min, p.X.Max = start, xy[len(xy)-1].X
	}
	p.Y.Min = 0
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	// room above the highest bin for the legend
	p.Y.Max *= 1.15
	return r.save("rate_"+name, p.Draw)
}

// rasterPlot returns the raster of pts (neurons 0..size-1) over
// [startMS, startMS + durMS]: glyphs of radius rad (0: by count) up to GlyphRasterMax
// points, pixels beyond.
func rasterPlot(title string, pts []spike, size int, startMS, durMS float64, rad vg.Length) (*gplot.Plot, error) {
	p := newPlot(title, "time (ms)", "neuron index")
	p.Y.Tick.Marker = indexTicks{}
	if len(pts) > GlyphRasterMax {
		p.Add(&pixelRaster{spikes: pts, color: color.NRGBA{A: 0xff}})
	} else if len(pts) > 0 {
		xy := make(plotter.XYs, len(pts))
		for k, s := range pts {
			xy[k] = plotter.XY{X: float64(s.t), Y: float64(s.i)}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		if rad <= 0 {
			rad = vg.Points(1)
			if len(pts) > 1000 {
				rad = vg.Points(0.5)
			}
		}
		sc.GlyphStyle = draw.GlyphStyle{Shape: draw.BoxGlyph{}, Radius: rad, Color: color.Black}
		p.Add(sc)
	}
	p.X.Min, p.X.Max = startMS, startMS+durMS
	p.Y.Min, p.Y.Max = -0.5, math.Max(float64(size)-0.5, 0.5)
	return p, nil
}

// GlyphRasterMax is the number of raster points up to which spikes are
// drawn as vector glyphs; beyond, as pixels of an image (see pixelRaster).
const GlyphRasterMax = 5000

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// ordinal returns "2nd", "3rd", "10th", ...
func ordinal(n int) string {
	suf := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suf = "st"
		case 2:
			suf = "nd"
		case 3:
			suf = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suf)
}

// sig3 writes v with three significant digits and no trailing zeros.
func sig3(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// state plots the traces of state/<pop>.<var>.npz.
func (r *renderer) state(path string) error {
	base := strings.TrimSuffix(filepath.Base(path), ".npz")
	el, err := ReadNPZArray(path, "elements")
	if err != nil {
		return invalid("%v", err)
	}
	z, err := openNPZ(path)
	if err != nil {
		return invalid("%v", err)
	}
	defer z.Close()
	tc, err := z.column("t_ms")
	if err != nil {
		return invalid("%v", err)
	}
	defer tc.Close()
	vc, err := z.column("values")
	if err != nil {
		return invalid("%v", err)
	}
	defer vc.Close()
	n, k := int64(0), int64(len(el.Data))
	if len(tc.h.shape) == 1 {
		n = tc.h.shape[0]
	}
	if len(tc.h.shape) != 1 || len(vc.h.shape) != 2 || vc.h.shape[0] != n || vc.h.shape[1] != k {
		return invalid("%s: t_ms %v, values %v and elements (%d,) do not match", path, tc.h.shape, vc.h.shape, k)
	}
	// columns drawn: at most MaxTraces, evenly spaced
	var cols []int
	nt := min(int(k), r.opts.MaxTraces)
	for c := range nt {
		cols = append(cols, c*int(k)/nt)
	}
	pop, variable, _ := strings.Cut(base, ".")
	graded := false
	if _, err := os.Stat(filepath.Join(r.dir, output.SpikesDir, pop+".npz")); errors.Is(err, os.ErrNotExist) {
		graded = true // a population recorded without spikes: graded units
	}
	span := math.Max(r.sum.DurationMS, 1e-9)
	envs := make([]envelope, len(cols))
	for c := range envs {
		envs[c] = newEnvelope(r.sum.StartMS, span, max(1, r.opts.MaxTracePoints/2))
	}
	rows := max(1, chunk/max(1, int(k)))
	tb := make([]float64, rows)
	vb := make([]float64, rows*int(k))
	for {
		m, err := tc.next(tb)
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalid("%v", err)
		}
		if k > 0 {
			if _, err := vc.next(vb[:m*int(k)]); err != nil {
				return invalid("%v", err)
			}
		}
		for q := range m {
			for c, j := range cols {
				envs[c].add(tb[q], vb[q*int(k)+j])
			}
		}
	}
	what := "neuron"
	if graded {
		what = "unit"
	}
	title := fmt.Sprintf("%s: %s of %d recorded %s", pop, variable, k, plural(int(k), what))
	if len(cols) < int(k) {
		title = fmt.Sprintf("%s: %s of %d of %d recorded %s", pop, variable, len(cols), k, plural(int(k), what))
	}
	if graded {
		title += " (graded population)"
	}
	p := newPlot(title, "time (ms)", stateLabel(variable, graded))
	leg := gplot.NewLegend()
	for c := range envs {
		xy := envs[c].points()
		if len(xy) == 0 {
			continue
		}
		l, err := addLine(p, xy, SeriesColor(c), 0, false)
		if err != nil {
			return invalid("%s: %v", path, err)
		}
		leg.Add(fmt.Sprintf("%s %d", what, int64(el.Data[cols[c]])), l)
	}
	if r.sum.DurationMS > 0 {
		p.X.Min, p.X.Max = r.sum.StartMS, math.Max(r.sum.StartMS+r.sum.DurationMS, p.X.Max)
	}
	return r.save("state_"+base, sideLegend(p, leg))
}

// sideLegend draws p with legend leg in a strip on its right, outside the
// axes, where it hides no data.
func sideLegend(p *gplot.Plot, leg gplot.Legend) func(draw.Canvas) {
	return func(dc draw.Canvas) {
		lw := leg.Rectangle(dc).Size().X + vg.Points(10)
		p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
		leg.Top, leg.Left = true, true
		top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		leg.Draw(draw.Crop(dc, dc.Size().X-lw+vg.Points(6), 0, 0, -top))
	}
}

// weights plots the histogram of array w of weights/<name>.npz.
func (r *renderer) weights(path string) error {
	base := strings.TrimSuffix(filepath.Base(path), ".npz")
	scan := func(fn func(v float64)) error {
		z, err := openNPZ(path)
		if err != nil {
			return invalid("%v", err)
		}
		defer z.Close()
		c, err := z.column("w")
		if err != nil {
			return invalid("%v", err)
		}
		defer c.Close()
		buf := make([]float64, chunk)
		for {
			m, err := c.next(buf)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return invalid("%v", err)
			}
			for _, v := range buf[:m] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					fn(v)
				}
			}
		}
	}
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	if err := scan(func(v float64) { lo, hi, n = math.Min(lo, v), math.Max(hi, v), n+1 }); err != nil {
		return err
	}
	p := newPlot(fmt.Sprintf("%s: weight histogram (%d synapses)", base, n), "weight", "synapses")
	if n > 0 {
		if hi == lo {
			lo, hi = lo-0.5, hi+0.5
		}
		nb := r.opts.HistBins
		width := (hi - lo) / float64(nb)
		bins := make([]plotter.HistogramBin, nb)
		for b := range bins {
			bins[b] = plotter.HistogramBin{Min: lo + float64(float64(b)*width), Max: lo + float64(float64(b+1)*width)}
		}
		if err := scan(func(v float64) {
			b := min(nb-1, max(0, int((v-lo)/width)))
			bins[b].Weight++
		}); err != nil {
			return err
		}
		h := &plotter.Histogram{Bins: bins, Width: width, FillColor: color.Gray{Y: 128}, LineStyle: plotter.DefaultLineStyle}
		p.Add(h)
	} else {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	}
	if err := r.save("weights_"+base, p.Draw); err != nil {
		return err
	}
	return r.weightMatrix(path, base)
}

// MaxMatrixCells bounds the weight matrices drawn: larger projections get
// their histogram only.
const MaxMatrixCells = 512 * 512

// weightMatrix draws the weights of a projection whose file holds the
// synapses' rows and columns (arrays i, j and shape) as a presynaptic ×
// postsynaptic matrix (multapses summed; no synapse left blank).
func (r *renderer) weightMatrix(path, base string) error {
	z, err := openNPZ(path)
	if err != nil {
		return invalid("%v", err)
	}
	has := z.has("i") && z.has("j") && z.has("shape")
	z.Close()
	if !has {
		return nil
	}
	sh, err := ReadNPZArray(path, "shape")
	if err != nil || len(sh.Data) != 2 {
		return invalid("%s: shape: %v", path, err)
	}
	rows, cols := int(sh.Data[0]), int(sh.Data[1])
	if rows <= 0 || cols <= 0 || rows > MaxMatrixCells/cols {
		return nil
	}
	w, err := ReadNPZArray(path, "w")
	if err != nil {
		return invalid("%v", err)
	}
	is, err := ReadNPZArray(path, "i")
	if err != nil {
		return invalid("%v", err)
	}
	js, err := ReadNPZArray(path, "j")
	if err != nil {
		return invalid("%v", err)
	}
	if len(is.Data) != len(w.Data) || len(js.Data) != len(w.Data) {
		return invalid("%s: %d weights, %d rows, %d columns", path, len(w.Data), len(is.Data), len(js.Data))
	}
	g := Grid{Rows: rows, Cols: cols, Z: make([]float64, rows*cols)}
	for k := range g.Z {
		g.Z[k] = math.NaN()
	}
	for k, x := range w.Data {
		i, j := int(is.Data[k]), int(js.Data[k])
		if i < 0 || i >= rows || j < 0 || j >= cols {
			return invalid("%s: synapse %d at (%d, %d) outside %d × %d", path, k, i, j, rows, cols)
		}
		if c := &g.Z[i*cols+j]; math.IsNaN(*c) {
			*c = x
		} else {
			*c += x
		}
	}
	lo, hi := g.zRange()
	return r.save("wmatrix_"+base, heatMap(fmt.Sprintf("%s: weights (grey: no synapse)", base),
		"postsynaptic neuron", "presynaptic neuron", "weight", g, lo, hi))
}
