package plot

import (
	"bufio"
	"bytes"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	npyz "codeberg.org/sbinet/npyio/npz"
	"github.com/spiral-sim/spiral/output"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The bin widths derived by hand from RateBin's rule:
// w = max(1, 10 / (N · rate / 1000), D / 1000), rounded up to 1, 2, 2.5, 5 × 10ⁿ,
// or, beyond D / 20, rounded down from D / 20.
func TestRateBin(t *testing.T) {
	for _, c := range []struct {
		name         string
		n            int
		rate, dur, w float64
	}{
		// 10 / (1 · 0.01) = 1000 ms > 5000 / 20 = 250: the cap, 250 ms (2.5 spikes a bin)
		{"1 neuron at 10 Hz, 5 s", 1, 10, 5000, 250},
		// 1000 ms > 1000 / 20 = 50: 50 ms
		{"1 neuron at 10 Hz, 1 s", 1, 10, 1000, 50},
		// 10 / 0.0758 = 131.9 ms, rounded up to 200 (< 250)
		{"1 neuron at 75.8 Hz, 5 s (the STDP output)", 1, 75.8, 5000, 200},
		// 10 / (10000 · 0.03) = 0.033 ms < 1 ms = D / 1000: 1 ms
		{"10,000 neurons at 30 Hz, 1 s", 10000, 30, 1000, 1},
		// 0.033 ms < 5000 / 1000 = 5 ms: 5 ms
		{"10,000 neurons at 30 Hz, 5 s", 10000, 30, 5000, 5},
		// 10 / (100 · 0.0674) = 1.48 ms, rounded up to 2
		{"100 neurons at 67.4 Hz, 0.5 s", 100, 67.4, 500, 2},
		// 10 / (10 · 0.02) = 50 ms > 1 ms and D / 1000: 50 ms exactly
		{"10 neurons at 20 Hz, 2 s", 10, 20, 2000, 50},
		// silent: the cap, 5000 / 20
		{"silent", 100, 0, 5000, 250},
		// 5 ms run: cap 0.25 ms
		{"5 ms run", 10, 1420, 5, 0.25},
	} {
		if w := RateBin(c.n, c.rate, c.dur); math.Abs(w-c.w) > 1e-12 {
			t.Errorf("%s: bin %g ms, want %g", c.name, w, c.w)
		}
	}
}

func TestTickLabels(t *testing.T) {
	for _, c := range []struct {
		vals []float64
		want []string
	}{
		{[]float64{0, 2500, 5000}, []string{"0", "2500", "5000"}},
		{[]float64{0, 0.25, 0.5}, []string{"0", "0.25", "0.50"}},
		{[]float64{-0.4, 0, 0.4}, []string{"-0.4", "0", "0.4"}},
		{[]float64{0, 0.003, 0.006}, []string{"0", "0.003", "0.006"}},
		{[]float64{-90, -70, -50}, []string{"-90", "-70", "-50"}},
	} {
		d := labelDecimals(c.vals)
		for k, v := range c.vals {
			if got := formatTick(v, d); got != c.want[k] {
				t.Errorf("%v: %g written %q, want %q", c.vals, v, got, c.want[k])
			}
		}
	}
	// the ticker labels 0..5000 without decimals
	for _, tk := range (cleanTicks{}).Ticks(0, 5000) {
		if strings.Contains(tk.Label, ".") {
			t.Errorf("tick %g labelled %q", tk.Value, tk.Label)
		}
	}
	// index axes label integers: each of a few, or round multiples
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{-0.5, 0.5, "0"},
		{-0.5, 2.5, "0 1 2"},
		{-0.5, 999.5, "0 200 400 600 800"},
		{-0.5, 11.5, "0 5 10"},
	} {
		var got []string
		for _, tk := range (indexTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("index ticks on [%g, %g]: %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}

// The envelope keeps each bucket's extremes: a one-sample spike among
// 100,000 samples survives decimation to 100 buckets.
func TestEnvelope(t *testing.T) {
	e := newEnvelope(0, 1000, 100)
	for k := range 100000 {
		tm := float64(k) * 0.01
		v := -65.0
		if k == 43210 {
			v = 20
		}
		e.add(tm, v)
	}
	xy := e.points()
	if len(xy) > 300 {
		t.Errorf("%d points from 100 buckets, want at most 300", len(xy))
	}
	found := false
	for k, p := range xy {
		if k > 0 && p.X < xy[k-1].X {
			t.Fatalf("points out of time order at %d", k)
		}
		found = found || (p.Y == 20 && math.Abs(p.X-432.1) < 1e-9)
	}
	if !found {
		t.Error("the spike at 432.1 ms was lost")
	}
}

// A pixel raster on a 100 × 50 px canvas (72 dpi: 1 pt = 1 px) over x in
// [0, 100) ms and neurons 0..4 (y in [-0.5, 4.5]): the spike of neuron 4 at
// 10 ms fills column 10 of rows 0..9 (the top fifth), and nothing else.
func TestPixelRaster(t *testing.T) {
	img := vgimg.NewWith(vgimg.UseWH(100, 50), vgimg.UseDPI(72))
	dc := draw.New(img)
	p := gplot.New()
	p.X.Min, p.X.Max = 0, 100
	p.Y.Min, p.Y.Max = -0.5, 4.5
	r := &pixelRaster{spikes: []spike{{t: 10, i: 4}}, color: color.NRGBA{A: 0xff}}
	r.Plot(dc, p)
	im := img.Image()
	for y := range 50 {
		for x := range 100 {
			r, _, _, _ := im.At(x, y).RGBA() // white background, black spikes
			want := x == 10 && y < 10
			if (r < 0x8000) != want {
				t.Fatalf("pixel (%d, %d): red %#x, want black %v", x, y, r, want)
			}
		}
	}
}

// Files written by package output read back identically, with this
// package's reader and with npyio's.
func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := output.Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Abort()
	const dt = 0.1
	sw, err := run.SpikeWriter("p", 1000, dt)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	var idx []uint32
	for s := int64(0); s < 3000; s++ {
		for i := uint32(0); i < 1000; i += 97 + uint32(s%5) {
			steps, idx = append(steps, s), append(idx, i)
		}
	}
	if err := sw.Append(steps, idx); err != nil {
		t.Fatal(err)
	}
	els := []uint32{1, 5, 999}
	st, err := run.StateWriter("p", "v", els, dt)
	if err != nil {
		t.Fatal(err)
	}
	var vals []float32
	for s := int64(0); s < 500; s++ {
		row := []float32{-65 + float32(s)/7, float32(math.Sin(float64(s))), float32(s) * 1e-3}
		vals = append(vals, row...)
		if err := st.Append(s, row); err != nil {
			t.Fatal(err)
		}
	}
	w := []float32{0.5, -1.25, 3e-7}
	if err := run.Weights("pp", w, []uint32{0, 1, 2}, []uint32{2, 1, 0}, [2]int{3, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Commit(output.Summary{DtMS: dt, DurationMS: 300}); err != nil {
		t.Fatal(err)
	}

	spikes := filepath.Join(dir, "spikes", "p.npz")
	tm, err := ReadNPZArray(spikes, "t_ms")
	if err != nil {
		t.Fatal(err)
	}
	ia, err := ReadNPZArray(spikes, "i")
	if err != nil {
		t.Fatal(err)
	}
	if tm.Descr != "<f8" || ia.Descr != "<u4" || len(tm.Data) != len(steps) || len(ia.Data) != len(idx) {
		t.Fatalf("spikes read as %s %v, %s %v; wrote %d", tm.Descr, tm.Shape, ia.Descr, ia.Shape, len(steps))
	}
	for k := range steps {
		// The writer stores step·0.1 as the double nearest the decimal.
		if tm.Data[k] != float64(steps[k])/10 || ia.Data[k] != float64(idx[k]) {
			t.Fatalf("spike %d: (%g, %g), wrote (%g, %d)", k, tm.Data[k], ia.Data[k], float64(steps[k])/10, idx[k])
		}
	}
	state := filepath.Join(dir, "state", "p.v.npz")
	va, err := ReadNPZArray(state, "values")
	if err != nil {
		t.Fatal(err)
	}
	if va.Descr != "<f4" || len(va.Shape) != 2 || va.Shape[0] != 500 || va.Shape[1] != 3 {
		t.Fatalf("values %s %v", va.Descr, va.Shape)
	}
	for k, v := range vals {
		if va.Data[k] != float64(v) {
			t.Fatalf("value %d: %g, wrote %g", k, va.Data[k], v)
		}
	}
	wa, err := ReadNPZArray(filepath.Join(dir, "weights", "pp.npz"), "w")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range w {
		if wa.Data[k] != float64(v) {
			t.Fatalf("weight %d: %g, wrote %g", k, wa.Data[k], v)
		}
	}

	// npyio, typed
	f, err := npyz.Open(spikes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var nt []float64
	var ni []uint32
	if err := f.Read("t_ms.npy", &nt); err != nil {
		t.Fatal(err)
	}
	if err := f.Read("i.npy", &ni); err != nil {
		t.Fatal(err)
	}
	for k := range steps {
		if nt[k] != float64(steps[k])/10 || ni[k] != idx[k] {
			t.Fatalf("npyio spike %d: (%g, %d)", k, nt[k], ni[k])
		}
	}
	g, err := npyz.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var nv []float32
	var ne []uint32
	if err := g.Read("values.npy", &nv); err != nil {
		t.Fatal(err)
	}
	if err := g.Read("elements.npy", &ne); err != nil {
		t.Fatal(err)
	}
	if len(nv) != len(vals) || len(ne) != 3 || ne[2] != 999 {
		t.Fatalf("npyio state: %d values, elements %v", len(nv), ne)
	}
	for k := range vals {
		if nv[k] != vals[k] {
			t.Fatalf("npyio value %d: %g, wrote %g", k, nv[k], vals[k])
		}
	}
}

// Malformed preambles are errors, never panics or huge allocations.
func TestHostileHeaders(t *testing.T) {
	pad := func(d string) string {
		for (10+len(d)+1)%64 != 0 {
			d += " "
		}
		return d + "\n"
	}
	v1 := func(dict string) string {
		return "\x93NUMPY\x01\x00" + string([]byte{byte(len(dict)), byte(len(dict) >> 8)}) + dict
	}
	for name, in := range map[string]string{
		"keys reordered": v1(pad("{'shape': (3,), 'fortran_order': False, 'descr': '<f8', }")),
		"no newline":     "\x93NUMPY\x01\x00\x08\x00{'descr'",
		"huge v2 length": "\x93NUMPY\x02\x00\xff\xff\xff\x7f{",
		"fortran order":  v1(pad("{'descr': '<f8', 'fortran_order': True, 'shape': (3,), }")),
		"big-endian":     v1(pad("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }")),
		"negative shape": v1(pad("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }")),
		"version 9":      "\x93NUMPY\x09\x00\x08\x00",
		"short":          "\x93NUM",
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", name, p)
				}
			}()
			if _, err := readNPYHeader(bufio.NewReaderSize(strings.NewReader(in), 1<<16)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}()
	}
	// a well-formed one is read, leaving the reader at the data
	br := bufio.NewReaderSize(strings.NewReader(v1(pad("{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }"))+"DATA"), 1<<16)
	h, err := readNPYHeader(br)
	if err != nil || h.descr != "<u4" || len(h.shape) != 2 || h.shape[0] != 2 || h.shape[1] != 3 || h.itemsize != 4 {
		t.Fatalf("header %+v, %v", h, err)
	}
	if rest, _ := br.ReadString(0); rest != "DATA" {
		t.Errorf("reader left at %q, want DATA", rest)
	}
}

// The rate legend names the population and the bin; a population recorded
// as state without spikes is drawn as a graded one.
func TestLabels(t *testing.T) {
	dir, _ := makeRun(t)
	// a graded population: state only
	if _, err := Render(dir, Options{Formats: []string{"svg"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, PlotsDir, "rate_exc.svg"))
	if err != nil {
		t.Fatal(err)
	}
	// 71 spikes of 10 neurons in 5 ms: 10 / (10 · 1.42) = 0.7 ms, over the
	// 5 / 20 = 0.25 ms cap, which is 2.5 steps of 0.1 ms: 3 steps
	for _, want := range []string{"exc (10 neurons), 0.3 ms bins", "rate (Hz)", "time (ms)"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("rate_exc.svg lacks %q", want)
		}
	}
	b, _ = os.ReadFile(filepath.Join(dir, PlotsDir, "state_exc.v.svg"))
	for _, want := range []string{"v (mV)", "neuron 7", "exc: v of 3 recorded neurons"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("state_exc.v.svg lacks %q", want)
		}
	}
}
