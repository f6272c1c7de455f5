package plot

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/output"
)

// makeRun writes a small complete run directory: population "exc" (size 10)
// with spikes, "inh" (size 4) without any, and a state recording of exc.v.
func makeRun(t *testing.T) (string, []float64) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	run, err := output.Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Abort()
	const dt = 0.1
	exc, err := run.SpikeWriter("exc", 10, dt)
	if err != nil {
		t.Fatal(err)
	}
	inh, err := run.SpikeWriter("inh", 4, dt)
	if err != nil {
		t.Fatal(err)
	}
	var times []float64
	for step := int64(0); step < 50; step++ {
		var steps []int64
		var idx []uint32
		for i := uint32(0); i < 10; i++ {
			if (int64(i)+step)%7 == 0 {
				steps, idx = append(steps, step), append(idx, i)
				times = append(times, float64(step)*dt)
			}
		}
		if err := exc.Append(steps, idx); err != nil {
			t.Fatal(err)
		}
	}
	st, err := run.StateWriter("exc", "v", []uint32{0, 3, 7}, dt)
	if err != nil {
		t.Fatal(err)
	}
	for step := int64(0); step < 50; step++ {
		x := float32(step) * dt
		if err := st.Append(step, []float32{-65 + x, -60 - x, float32(math.Sin(float64(x)))}); err != nil {
			t.Fatal(err)
		}
	}
	dur := 50 * dt
	if err := run.Commit(output.Summary{DtMS: dt, DurationMS: dur, Populations: []output.PopulationSummary{
		exc.Summary("exc", dur), inh.Summary("inh", dur)}}); err != nil {
		t.Fatal(err)
	}
	return dir, times
}

// writeWeights writes dir/weights/name.npz with one float32 array w.
func writeWeights(t *testing.T, dir, name string, w []float32, shape string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("w.npy")
	if err != nil {
		t.Fatal(err)
	}
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	pre := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	f.Write(append(pre, hdr...))
	for _, v := range w {
		binary.Write(f, binary.LittleEndian, v)
	}
	zw.Close()
	os.MkdirAll(filepath.Join(dir, "weights"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "weights", name+".npz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkFiles(t *testing.T, files []string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, f := range files {
		have[filepath.Base(f)] = true
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: empty or unreadable (%v)", f, err)
		}
		switch filepath.Ext(f) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s: not a PNG: %v", f, err)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) {
				t.Errorf("%s: no <svg", f)
			}
		}
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("missing %s in %v", w, files)
		}
	}
}

func TestRender(t *testing.T) {
	dir, _ := makeRun(t)
	writeWeights(t, dir, "exc_exc", []float32{0.1, 0.2, 0.2, 0.5, float32(math.NaN()), 1}, "(2, 3)")
	files, err := Render(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, b := range []string{"raster_exc", "rate_exc", "raster_inh", "rate_inh", "state_exc.v", "weights_exc_exc"} {
		want = append(want, b+".png", b+".svg")
	}
	checkFiles(t, files, want...)
	if len(files) != len(want) {
		t.Errorf("%d files, want %d: %v", len(files), len(want), files)
	}
	for _, f := range files {
		if filepath.Dir(f) != filepath.Join(dir, PlotsDir) {
			t.Errorf("%s not in plots/", f)
		}
	}
	// a second rendering overwrites
	if _, err := Render(dir, Options{Formats: []string{"png"}}); err != nil {
		t.Fatal(err)
	}
}

func TestRasterSubsample(t *testing.T) {
	dir, times := makeRun(t)
	files, err := Render(dir, Options{MaxRasterPoints: 20, Formats: []string{"svg"}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, "raster_exc.svg")
	b, _ := os.ReadFile(filepath.Join(dir, PlotsDir, "raster_exc.svg"))
	if len(times) <= 20 {
		t.Fatalf("test run too small: %d spikes", len(times))
	}
	if !bytes.Contains(b, []byte("neuron shown")) {
		t.Errorf("subsampled raster title does not say so")
	}
}

func TestPopulationRate(t *testing.T) {
	// size 4, bins of 2 ms over 6 ms: counts 3, 0, 2 (t = 2 exactly lies in bin 1... here 1.9999 in bin 0)
	tms := []float64{0, 0.5, 1.9999, 4, 5.9}
	got := PopulationRate(tms, 4, 6, 2)
	want := []float64{3 / (4 * 0.002), 0, 2 / (4 * 0.002)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-9 {
			t.Errorf("bin %d: %g Hz, want %g", k, got[k], want[k])
		}
	}
	// t = step·dt on a bin edge counts in the bin starting there
	if r := PopulationRate([]float64{10 * 0.1, 3 * 0.1}, 1, 2, 0.1); r[10] != 10000 || r[3] != 10000 {
		t.Errorf("edge spikes misbinned: %v", r)
	}
}

// The rate drawn for the test run matches a hand count from the spike file.
func TestRateFromRun(t *testing.T) {
	dir, times := makeRun(t)
	tm, err := ReadNPZArray(filepath.Join(dir, "spikes", "exc.npz"), "t_ms")
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Data) != len(times) {
		t.Fatalf("read %d spikes, wrote %d", len(tm.Data), len(times))
	}
	r := PopulationRate(tm.Data, 10, 5, 1)
	if len(r) != 5 {
		t.Fatalf("%d bins, want 5", len(r))
	}
	for k := range 5 {
		n := 0
		for s := 10 * k; s < 10*(k+1); s++ { // steps of bin k (dt 0.1)
			for i := range 10 {
				if (i+s)%7 == 0 {
					n++
				}
			}
		}
		if want := float64(n) / (10 * 0.001); math.Abs(r[k]-want) > 1e-9 {
			t.Errorf("bin %d: %g Hz, want %g", k, r[k], want)
		}
	}
}

func TestBadDirectories(t *testing.T) {
	tmp := t.TempDir()
	empty := filepath.Join(tmp, "empty")
	os.Mkdir(empty, 0o755)
	badJSON := filepath.Join(tmp, "badjson")
	os.Mkdir(badJSON, 0o755)
	os.WriteFile(filepath.Join(badJSON, "summary.json"), []byte("{"), 0o644)
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	corrupt, _ := makeRun(t)
	os.WriteFile(filepath.Join(corrupt, "spikes", "exc.npz"), []byte("not a zip"), 0o644)
	for _, c := range []struct{ dir, msg string }{
		{filepath.Join(tmp, "missing"), "no such file"},
		{empty, "no summary.json"},
		{badJSON, "summary.json"},
		{file, "not a directory"},
		{corrupt, "exc.npz"},
	} {
		_, err := Render(c.dir, Options{Formats: []string{"png"}})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want ErrInvalid mentioning %q", c.dir, err, c.msg)
		}
	}
}

// A rate bin narrower than the run's step is refused (most bins would
// be empty, the others rates too high); one step wide is fine.
func TestRateBinBelowDt(t *testing.T) {
	dir, _ := makeRun(t)
	sum, err := ReadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Render(dir, Options{RateBinMS: sum.DtMS / 10, Formats: []string{"png"}})
	if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "narrower than the run's step") {
		t.Errorf("a bin of dt/10: %v, want ErrOption saying it is narrower than the step", err)
	}
	if _, err := Render(dir, Options{RateBinMS: sum.DtMS, Formats: []string{"png"}}); err != nil {
		t.Errorf("a bin of one step: %v", err)
	}
}

func TestReadNPYHeader(t *testing.T) {
	for _, bad := range []string{"", "\x93NUMPY\x01\x00\x05\x00{'de", "GARBAGE!", "\x93NUMPY\x01\x00\x40\x00{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }           \n"} {
		if _, err := readNPYHeader(bufio.NewReaderSize(strings.NewReader(bad), 1<<16)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// A weights file with the synapses' rows and columns is also drawn as a
// matrix: a 3 × 4 projection of 5 synapses (one multapse, summed).
func TestWeightMatrix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := output.Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := []float32{1, 2, 3, 4, 5}
	if err := r.Weights("m", w, []uint32{0, 0, 1, 2, 2}, []uint32{1, 3, 0, 2, 2}, [2]int{3, 4}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(output.Summary{DtMS: 0.1, DurationMS: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "plots", "wmatrix_m.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatal(err)
	}
}

// A resumed run's spikes (times from its start, Summary.StartMS) fill the
// bins from that start: 4 spikes of one neuron over [200, 500) ms in bins
// of 100 ms are 2, 1 and 1 spikes, 20, 10 and 10 Hz, whose mean is the
// run's rate, 4 / 0.3 s — with no empty bins for [0, 200), which the run
// never simulated.
func TestRateHistFromStart(t *testing.T) {
	h := rateHist{binMS: 100, origin: 200}
	for _, x := range []float64{200, 250, 350, 499.9} {
		h.add(x)
	}
	got := h.rates(1, 300)
	want := []float64{20, 10, 10}
	if len(got) != len(want) {
		t.Fatalf("rates %v, want %v", got, want)
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-9 {
			t.Errorf("bin %d: %g Hz, want %g", k, got[k], want[k])
		}
	}
	if m := mean(got); math.Abs(m-4/0.3) > 1e-9 {
		t.Errorf("mean %g Hz, want the run's %g", m, 4/0.3)
	}
}
