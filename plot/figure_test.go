package plot

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	gplot "gonum.org/v1/plot"
)

func TestStackOffsets(t *testing.T) {
	for _, c := range []struct {
		name  string
		sizes []int
		gap   int
		want  []int
	}{
		{"none", nil, 20, []int{}},
		{"one group starts at 0", []int{7}, 20, []int{0}},
		// the last group at the bottom: 0; above it 2 rows + 20 empty
		{"two groups", []int{3, 2}, 20, []int{22, 0}},
		{"three groups, no gap", []int{4, 1, 5}, 0, []int{6, 5, 0}},
		{"an empty group takes only its gap", []int{2, 0, 3}, 10, []int{23, 13, 0}},
	} {
		if got := stackOffsets(c.sizes, c.gap); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: offsets %v, want %v", c.name, got, c.want)
		}
	}
}

// Group k's neuron j is drawn at y = offset[k] + j, the first group on
// top; spikes outside [from, to) are left out; a tick names each group at
// its middle.
func TestStackedRasterPlacement(t *testing.T) {
	groups := []Group{
		{Name: "A", N: 3, T: []float64{5, 6, 100}, Idx: []uint32{2, 0, 1}},
		{Name: "B", N: 2, T: []float64{4, 9.999, 10}, Idx: []uint32{1, 0, 1}},
	}
	pts, ticks, err := stackSpikes(groups, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	// A starts at 2 + 20 = 22: neuron 2 at 24, neuron 0 at 22; A's spike
	// at 100 ms and B's at 10 ms lie outside [0, 10)
	want := [][]spike{{{t: 5, i: 24}, {t: 6, i: 22}}, {{t: 4, i: 1}, {t: 9.999, i: 0}}}
	if !reflect.DeepEqual(pts, want) {
		t.Errorf("spikes %v, want %v", pts, want)
	}
	wantTicks := []gplot.Tick{{Value: 23, Label: "A"}, {Value: 0.5, Label: "B"}}
	if !reflect.DeepEqual(ticks, wantTicks) {
		t.Errorf("ticks %v, want %v", ticks, wantTicks)
	}
	p, err := stackedPlot("t", groups, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Min != -0.5 || p.Y.Max != 24.5 || p.X.Min != 0 || p.X.Max != 10 {
		t.Errorf("ranges x [%g, %g], y [%g, %g]; want [0, 10], [-0.5, 24.5]", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
}

func TestStackedRasterErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.png")
	for _, c := range []struct {
		name     string
		groups   []Group
		from, to float64
	}{
		{"empty time range", []Group{{Name: "A", N: 1}}, 5, 5},
		{"lengths differ", []Group{{Name: "A", N: 1, T: []float64{1}}}, 0, 10},
		{"neuron out of range", []Group{{Name: "A", N: 2, T: []float64{1}, Idx: []uint32{2}}}, 0, 10},
		{"negative size", []Group{{Name: "A", N: -1}}, 0, 10},
	} {
		if err := (Figure{}).StackedRaster(path, "t", c.groups, c.from, c.to); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestBarSpan(t *testing.T) {
	for _, c := range []struct {
		lo, hi       float64
		k, n         int
		wantLo, want float64
	}{
		// one series covers the middle 80 % of the bin
		{0, 1, 0, 1, 0.1, 0.9},
		// two series: 0.4 each, side by side
		{0, 1, 0, 2, 0.1, 0.5},
		{0, 1, 1, 2, 0.5, 0.9},
		// a bin of 0.05 from 0.95, the second of two
		{0.95, 1, 1, 2, 0.975, 0.995},
	} {
		lo, hi := barSpan(c.lo, c.hi, c.k, c.n)
		if math.Abs(lo-c.wantLo) > 1e-12 || math.Abs(hi-c.want) > 1e-12 {
			t.Errorf("bin [%g, %g], bar %d of %d: [%g, %g], want [%g, %g]", c.lo, c.hi, c.k, c.n, lo, hi, c.wantLo, c.want)
		}
	}
}

func TestCategoryOffset(t *testing.T) {
	for _, c := range []struct {
		k, n int
		want float64
	}{
		{0, 1, 0}, {0, 2, -0.25}, {1, 2, 0.25}, {0, 5, -0.25}, {2, 5, 0}, {4, 5, 0.25},
	} {
		if got := categoryOffset(c.k, c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("series %d of %d: offset %g, want %g", c.k, c.n, got, c.want)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		l        Limits
		set      bool
		min, max float64 // the axis after apply to [-1, 2]
	}{
		{Limits{}, false, -1, 2},
		{Limits{Min: 0, Max: 1.1}, true, 0, 1.1},
		{Limits{Min: 3, Max: 3}, false, -1, 2},
		{Limits{Min: 4, Max: 3}, false, -1, 2},
		{Limits{Min: -5, Max: 0}, true, -5, 0},
	} {
		ax := gplot.New().X
		ax.Min, ax.Max = -1, 2
		c.l.apply(&ax)
		if c.l.set() != c.set || ax.Min != c.min || ax.Max != c.max {
			t.Errorf("%+v: set %v, axis [%g, %g]; want %v, [%g, %g]", c.l, c.l.set(), ax.Min, ax.Max, c.set, c.min, c.max)
		}
	}
}

// A NaN breaks a series into the runs between NaNs.
func TestSegments(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		y    []float64
		want [][]float64 // the x of each run
	}{
		{"no NaN", []float64{1, 2, 3}, [][]float64{{0, 1, 2}}},
		{"a gap", []float64{1, nan, 3, 4}, [][]float64{{0}, {2, 3}}},
		{"leading and trailing", []float64{nan, 2, 3, nan}, [][]float64{{1, 2}}},
		{"all NaN", []float64{nan, nan}, nil},
	} {
		x := make([]float64, len(c.y))
		for k := range x {
			x[k] = float64(k)
		}
		var got [][]float64
		for _, seg := range segments(Series{X: x, Y: c.y}, 0, float64(len(x))) {
			var xs []float64
			for _, p := range seg {
				xs = append(xs, p.X)
			}
			got = append(got, xs)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: runs %v, want %v", c.name, got, c.want)
		}
	}
}

func TestGridRange(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		z      []float64
		lo, hi float64
	}{
		{[]float64{1, 5, nan, 3}, 1, 5},
		{[]float64{2, 2}, 1.5, 2.5},
		{[]float64{nan, nan}, 0, 1},
	} {
		if lo, hi := (Grid{Rows: 1, Cols: len(c.z), Z: c.z}).zRange(); lo != c.lo || hi != c.hi {
			t.Errorf("%v: range [%g, %g], want [%g, %g]", c.z, lo, hi, c.lo, c.hi)
		}
	}
	// cells: x = column, y = row; flipped, row 0 at the top
	g := Grid{Rows: 2, Cols: 3, Z: []float64{0, 1, 2, 10, 11, 12}}
	if z := (cells{g: g}).Z(2, 1); z != 12 {
		t.Errorf("Z(col 2, row 1) = %g, want 12", z)
	}
	if z := (cells{g: g, flip: true}).Z(2, 1); z != 2 {
		t.Errorf("flipped Z(col 2, y 1) = %g, want 2 (row 0)", z)
	}
}

func TestSeriesColorsDistinct(t *testing.T) {
	seen := map[[4]uint32]int{}
	for i := range 10 {
		r, g, b, a := SeriesColor(i).RGBA()
		k := [4]uint32{r, g, b, a}
		if j, ok := seen[k]; ok {
			t.Errorf("series %d has the colour of series %d", i, j)
		}
		seen[k] = i
	}
	if SeriesColor(10) != SeriesColor(0) {
		t.Error("the palette does not repeat after ten")
	}
}

// Every figure writes a PNG that decodes, and refuses malformed input.
func TestFigures(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	f := Figure{Width: 4 * Inch, Height: 3 * Inch}
	for _, c := range []struct {
		name string
		draw func(path string) error
		ok   bool
	}{
		{"lines with markers, dashes, NaN and limits", func(p string) error {
			return Figure{YLim: Limits{Min: 0, Max: 2}, LegendOutside: true}.Lines(p, "t", "time (ms)", "v (mV)", []Series{
				{Name: "a", X: []float64{0, 1, 2}, Y: []float64{0, nan, 1}, Dashed: true},
				{Name: "b", X: []float64{0, 1, 2}, Y: []float64{1, 1, 1}, Markers: true},
			}, []HLine{{Name: "h", Y: 0.5}})
		}, true},
		{"lines of unequal length", func(p string) error {
			return f.Lines(p, "t", "x", "y", []Series{{X: []float64{0}, Y: nil}}, nil)
		}, false},
		{"stacked raster", func(p string) error {
			return f.StackedRaster(p, "t", []Group{{Name: "A", N: 2, T: []float64{1}, Idx: []uint32{1}}, {Name: "B", N: 3}}, 0, 10)
		}, true},
		{"bars", func(p string) error {
			return f.Bars(p, "t", "w", "synapses", []float64{0, 0.5, 1}, []BarSeries{{Name: "a", Values: []float64{3, 4}}, {Name: "b", Values: []float64{2, nan}}})
		}, true},
		{"bars, too few values", func(p string) error {
			return f.Bars(p, "t", "w", "n", []float64{0, 0.5, 1}, []BarSeries{{Values: []float64{3}}})
		}, false},
		{"bars, edges decreasing", func(p string) error {
			return f.Bars(p, "t", "w", "n", []float64{1, 0}, []BarSeries{{Values: []float64{3}}})
		}, false},
		{"heat map", func(p string) error {
			return f.HeatMap(p, "t", "bar", "neuron", "wins", Grid{Rows: 2, Cols: 3, Z: []float64{0, 1, 2, 3, nan, 5}}, Limits{})
		}, true},
		{"heat map, wrong size", func(p string) error {
			return f.HeatMap(p, "t", "x", "y", "z", Grid{Rows: 2, Cols: 3, Z: []float64{0}}, Limits{})
		}, false},
		{"tiles", func(p string) error {
			tile := Tile{Title: "a", Grid: Grid{Rows: 2, Cols: 2, Z: []float64{0, 1, 2, 3}}, Max: 3}
			return Figure{}.Tiles(p, "t", []Tile{tile, tile, tile}, 2)
		}, true},
		{"tiles, no columns", func(p string) error {
			return Figure{}.Tiles(p, "t", []Tile{{Grid: Grid{Rows: 1, Cols: 1, Z: []float64{0}}}}, 0)
		}, false},
		{"categories, log y", func(p string) error {
			return Figure{LogY: true}.Categories(p, "t", "time (s)", []string{"a", "b\nc"}, []CategorySeries{
				{Name: "x", Mid: []float64{1, 2}, Low: []float64{0.5, 1}, High: []float64{2, 3}},
				{Name: "y", Mid: []float64{nan, 20}, Low: []float64{nan, 10}, High: []float64{nan, 30}},
			})
		}, true},
		{"categories, wrong length", func(p string) error {
			return f.Categories(p, "t", "y", []string{"a"}, []CategorySeries{{Mid: []float64{1, 2}}})
		}, false},
	} {
		path := filepath.Join(dir, c.name+".png")
		err := c.draw(path)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok %v", c.name, err, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	err := Figure{LogY: true}.Categories(filepath.Join(dir, "none.png"), "t", "y", []string{"a"},
		[]CategorySeries{{Mid: []float64{nan}, Low: []float64{nan}, High: []float64{nan}}})
	if !errors.Is(err, ErrNoPoints) {
		t.Errorf("categories without points: %v, want ErrNoPoints", err)
	}
}
