package output

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// npyArray is what the test reader extracts from an .npy member.
type npyArray struct {
	descr string
	shape []int64
	r     io.Reader // raw data
}

var headerRE = regexp.MustCompile(`^\{'descr': '([<>|][a-z][0-9])', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)

// readNPYHeader parses and checks an NPY 1.0 preamble against the spec.
func readNPYHeader(t *testing.T, r io.Reader) (string, []int64) {
	t.Helper()
	pre := make([]byte, 10)
	if _, err := io.ReadFull(r, pre); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		t.Fatalf("bad magic %q", pre[:6])
	}
	if pre[6] != 1 || pre[7] != 0 {
		t.Fatalf("version %d.%d, want 1.0", pre[6], pre[7])
	}
	hlen := int(binary.LittleEndian.Uint16(pre[8:]))
	if (10+hlen)%64 != 0 {
		t.Fatalf("preamble length %d not a multiple of 64", 10+hlen)
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(r, h); err != nil {
		t.Fatal(err)
	}
	m := headerRE.FindSubmatch(h)
	if m == nil {
		t.Fatalf("bad header %q", h)
	}
	var shape []int64
	for _, s := range strings.Split(string(m[2]), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		shape = append(shape, n)
	}
	if !strings.Contains(string(m[2]), ",") && len(shape) == 1 {
		t.Fatalf("1-d shape without trailing comma: %q", m[2])
	}
	return string(m[1]), shape
}

// openNPZ opens every member of an npz archive; the caller closes the zip.
func openNPZ(t *testing.T, path string) (*zip.ReadCloser, map[string]npyArray) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]npyArray{}
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, ".npy") {
			t.Fatalf("member %q", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d, s := readNPYHeader(t, rc)
		out[strings.TrimSuffix(f.Name, ".npy")] = npyArray{d, s, rc}
	}
	return z, out
}

func readAll(t *testing.T, a npyArray) []byte {
	b, err := io.ReadAll(a.r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func f64s(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for k := range v {
		v[k] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:]))
	}
	return v
}

func u32s(b []byte) []uint32 {
	v := make([]uint32, len(b)/4)
	for k := range v {
		v[k] = binary.LittleEndian.Uint32(b[4*k:])
	}
	return v
}

func TestNPYHeaderAlignment(t *testing.T) {
	for _, d := range []string{DescrFloat64, DescrFloat32, DescrUint32, DescrInt64} {
		for _, shape := range [][]int64{{0}, {7}, {123456789012}, {3, 4}, {1 << 40, 12345}} {
			h, err := NPYHeader(d, shape...)
			if err != nil {
				t.Fatal(err)
			}
			if len(h)%64 != 0 || h[len(h)-1] != '\n' {
				t.Fatalf("header %q length %d", h, len(h))
			}
			gd, gs := readNPYHeader(t, bytes.NewReader(h))
			if gd != d || !reflect.DeepEqual(gs, shape) {
				t.Fatalf("round trip %s %v -> %s %v", d, shape, gd, gs)
			}
		}
	}
	h, _ := NPYHeader(DescrFloat64, 5)
	want := "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }"
	if string(h[10:10+len(want)]) != want {
		t.Fatalf("header %q", h)
	}
	if _, err := NPYHeader("<c16", 1); err == nil {
		t.Fatal("unsupported dtype accepted")
	}
}

func TestRunSpikesAndState(t *testing.T) {
	for _, compress := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "out")
		run, err := BeginWith(dir, Options{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		defer run.Abort()
		const dt = 0.1
		sw, err := run.SpikeWriter("exc", 10, dt)
		if err != nil {
			t.Fatal(err)
		}
		steps := []int64{0, 0, 3, 7, 7, 7, 12, 20, 21}
		els := []uint32{1, 4, 2, 0, 1, 9, 1, 1, 2}
		if err := sw.Append(steps[:4], els[:4]); err != nil {
			t.Fatal(err)
		}
		if err := sw.Append(steps[4:], els[4:]); err != nil {
			t.Fatal(err)
		}
		if err := sw.Append([]int64{21}, []uint32{2}); err == nil {
			t.Fatal("duplicate spike accepted")
		}
		if err := sw.Append([]int64{20}, []uint32{5}); err == nil {
			t.Fatal("unsorted spike accepted")
		}
		if err := sw.Append([]int64{30}, []uint32{10}); err == nil {
			t.Fatal("out of range element accepted")
		}
		empty, err := run.SpikeWriter("inh", 5, dt)
		if err != nil {
			t.Fatal(err)
		}
		_ = empty
		if _, err := run.SpikeWriter("exc", 10, dt); err == nil {
			t.Fatal("duplicate writer accepted")
		}
		if _, err := run.SpikeWriter("../x", 10, dt); err == nil {
			t.Fatal("bad name accepted")
		}
		elements := []uint32{0, 3, 9}
		st, err := run.StateWriter("exc", "v", elements, dt)
		if err != nil {
			t.Fatal(err)
		}
		var vals [][]float32
		for s := int64(0); s < 50; s += 5 {
			row := []float32{float32(s) * -0.5, float32(math.Inf(1)), float32(s) / 3}
			if s == 10 {
				row[1] = float32(math.NaN())
			}
			vals = append(vals, row)
			if err := st.Append(s, row); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Append(45, vals[0]); err == nil {
			t.Fatal("non-increasing sample accepted")
		}
		if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err == nil {
			t.Fatal("summary.json before commit")
		}
		sum := Summary{DtMS: dt, DurationMS: 10, Seed: 42, Neurons: 15,
			Populations: []PopulationSummary{sw.Summary("exc", 10), empty.Summary("inh", 10)}}
		if err := run.Commit(sum); err != nil {
			t.Fatal(err)
		}
		run.Abort() // no-op after commit

		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if !reflect.DeepEqual(names, []string{"spikes", "state", "summary.json"}) {
			t.Fatalf("dir entries %v", names)
		}
		assertFiles(t, filepath.Join(dir, "spikes"), "exc.npz", "inh.npz")
		assertFiles(t, filepath.Join(dir, "state"), "exc.v.npz")

		z, arr := openNPZ(t, filepath.Join(dir, "spikes", "exc.npz"))
		if a := arr["t_ms"]; a.descr != "<f8" || !reflect.DeepEqual(a.shape, []int64{9}) {
			t.Fatalf("t_ms %s %v", a.descr, a.shape)
		}
		if a := arr["i"]; a.descr != "<u4" || !reflect.DeepEqual(a.shape, []int64{9}) {
			t.Fatalf("i %s %v", a.descr, a.shape)
		}
		gotT := f64s(readAll(t, arr["t_ms"]))
		for k, s := range steps {
			if math.Float64bits(gotT[k]) != math.Float64bits(float64(s)/10) { // s·0.1, the double nearest the decimal

				t.Fatalf("t_ms[%d] = %v", k, gotT[k])
			}
		}
		if got := u32s(readAll(t, arr["i"])); !reflect.DeepEqual(got, els) {
			t.Fatalf("i = %v", got)
		}
		z.Close()

		z, arr = openNPZ(t, filepath.Join(dir, "spikes", "inh.npz"))
		if len(arr) != 2 || !reflect.DeepEqual(arr["t_ms"].shape, []int64{0}) || len(readAll(t, arr["i"])) != 0 {
			t.Fatalf("empty population %v", arr)
		}
		z.Close()

		z, arr = openNPZ(t, filepath.Join(dir, "state", "exc.v.npz"))
		if a := arr["values"]; a.descr != "<f4" || !reflect.DeepEqual(a.shape, []int64{10, 3}) {
			t.Fatalf("values %s %v", a.descr, a.shape)
		}
		if a := arr["elements"]; a.descr != "<u4" || !reflect.DeepEqual(a.shape, []int64{3}) ||
			!reflect.DeepEqual(u32s(readAll(t, a)), elements) {
			t.Fatalf("elements %v", a)
		}
		gotT = f64s(readAll(t, arr["t_ms"]))
		raw := readAll(t, arr["values"])
		for r, row := range vals {
			if math.Float64bits(gotT[r]) != math.Float64bits(float64(5*r)*dt) {
				t.Fatalf("state t_ms[%d] = %v", r, gotT[r])
			}
			for c, v := range row {
				if g := binary.LittleEndian.Uint32(raw[4*(3*r+c):]); g != math.Float32bits(v) {
					t.Fatalf("values[%d,%d] bits %x want %x", r, c, g, math.Float32bits(v))
				}
			}
		}
		z.Close()

		var back Summary
		b, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Populations[0].Spikes != 9 || back.Populations[0].RateHz != 90 {
			t.Fatalf("summary %s", b)
		}
		if !math.IsNaN(float64(back.Populations[1].CVISI)) || !bytes.Contains(b, []byte(`"cv_isi": null`)) {
			t.Fatalf("inh cv_isi not null: %s", b)
		}
	}
}

func assertFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s holds %v, want %v", dir, got, want)
	}
}

func TestCVISI(t *testing.T) {
	w, err := NewSpikeWriter(filepath.Join(t.TempDir(), "p.npz"), 2, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// neuron 0: regular ISIs 10 -> CV 0; neuron 1: ISIs 10, 30 -> sd 10, mean 20 -> CV 0.5
	for _, s := range []struct {
		t int64
		i uint32
	}{{0, 0}, {0, 1}, {10, 0}, {10, 1}, {20, 0}, {30, 0}, {40, 1}} {
		if err := w.Append([]int64{s.t}, []uint32{s.i}); err != nil {
			t.Fatal(err)
		}
	}
	if cv := w.CVISI(); math.Abs(cv-0.25) > 1e-12 {
		t.Fatalf("CV %v want 0.25", cv)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	run, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := run.SpikeWriter("p", 3, 0.1)
	sw.Append([]int64{1, 2}, []uint32{0, 1})
	st, _ := run.StateWriter("p", "v", []uint32{0}, 0.1)
	st.Append(1, []float32{1})
	// one writer finished, the other not: an interruption in the middle
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	// while running, nothing complete-looking sits in dir: the lock and
	// .partial only
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != LockFile || ents[1].Name() != PartialDir {
		t.Fatalf("entries during run: %v", ents)
	}
	run.Abort()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("created dir left after abort: %v", err)
	}
	if err := run.Commit(Summary{}); err == nil {
		t.Fatal("commit after abort succeeded")
	}
	if err := st.Append(2, []float32{1}); err == nil {
		t.Fatal("append after abort succeeded")
	}

	// an existing dir is kept, emptied of this run's files
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run, _ = Begin(dir)
	run.SpikeWriter("p", 3, 0.1)
	run.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("entries after abort: %v", ents)
	}

	// a commit whose summary cannot be encoded fails and cleans up
	run, _ = Begin(dir)
	run.SpikeWriter("p", 3, 0.1)
	if err := run.Commit(Summary{WallS: math.NaN()}); err == nil {
		t.Fatal("NaN wall_s accepted")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("entries after failed commit: %v", ents)
	}
}

// Overwrite keeps the previous run's outputs, complete, until the new run
// commits; a new run that fails or is aborted leaves them as they were.
func TestBeginExistingRun(t *testing.T) {
	dir := t.TempDir()
	commit := func(opt Options, pop string) error {
		run, err := BeginWith(dir, opt)
		if err != nil {
			return err
		}
		defer run.Abort()
		sw, err := run.SpikeWriter(pop, 1, 1)
		if err != nil {
			return err
		}
		sw.Append([]int64{1}, []uint32{0})
		return run.Commit(Summary{Seed: uint64(len(pop))})
	}
	if err := commit(Options{}, "old"); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, PlotsDir), 0o755)
	os.WriteFile(filepath.Join(dir, PlotsDir, "raster_old.png"), []byte("png"), 0o644)
	if err := commit(Options{}, "x"); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "holds plots, spikes, summary.json") {
		t.Fatalf("Begin over a previous run without Overwrite: %v", err)
	}

	// a new run that is aborted, or whose commit fails, keeps the old outputs
	run, err := BeginWith(dir, Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := run.SpikeWriter("new", 1, 1)
	sw.Append([]int64{1}, []uint32{0})
	assertFiles(t, filepath.Join(dir, SpikesDir), "old.npz") // old outputs stay while it runs
	if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err != nil {
		t.Fatal("old summary.json gone while the new run writes")
	}
	run.Abort()
	assertFiles(t, dir, PlotsDir, SpikesDir, SummaryFile)
	assertFiles(t, filepath.Join(dir, SpikesDir), "old.npz")
	run, _ = BeginWith(dir, Options{Overwrite: true})
	run.SpikeWriter("new", 1, 1)
	if err := run.Commit(Summary{WallS: math.NaN()}); err == nil {
		t.Fatal("NaN wall_s accepted")
	}
	assertFiles(t, dir, PlotsDir, SpikesDir, SummaryFile)
	assertFiles(t, filepath.Join(dir, SpikesDir), "old.npz")
	assertFiles(t, filepath.Join(dir, PlotsDir), "raster_old.png")

	// a commit that fails while moving the old outputs aside, or the new
	// ones in, puts the old ones back
	for fail := 1; fail <= 6; fail++ {
		run, _ = BeginWith(dir, Options{Overwrite: true})
		sw, _ := run.SpikeWriter("new", 1, 1)
		sw.Append([]int64{1}, []uint32{0})
		run.StateWriter("new", "v", []uint32{0}, 1)
		renames := 0
		run.rename = func(from, to string) error {
			if renames++; renames == fail {
				return fmt.Errorf("injected failure renaming %s", from)
			}
			return os.Rename(from, to)
		}
		// moves: summary.json, spikes, plots aside (1-3); spikes, state, summary.json in (4-6)
		if err := run.Commit(Summary{}); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("failure at rename %d: commit: %v", fail, err)
		}
		assertFiles(t, dir, PlotsDir, SpikesDir, SummaryFile)
		assertFiles(t, filepath.Join(dir, SpikesDir), "old.npz")
		assertFiles(t, filepath.Join(dir, PlotsDir), "raster_old.png")
		if b, _ := os.ReadFile(filepath.Join(dir, SummaryFile)); !strings.Contains(string(b), `"seed": 3`) {
			t.Fatalf("failure at rename %d: summary.json: %s", fail, b)
		}
	}

	// a successful overwrite replaces every old output, plots included
	if err := commit(Options{Overwrite: true}, "new"); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, dir, SpikesDir, SummaryFile)
	assertFiles(t, filepath.Join(dir, SpikesDir), "new.npz")

	// Overwrite never deletes what is not a run's output
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := commit(Options{Overwrite: true}, "x"); err == nil || !strings.Contains(err.Error(), "holds notes.txt, which is not a run's output") {
		t.Fatalf("overwrite of a directory with notes.txt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
}

// A second run on a directory that a run holds fails at once, naming the
// holder, and touches nothing; the lock goes with the first run's commit
// or abort.
func TestLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	first, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := first.SpikeWriter("p", 1, 1)
	sw.Append([]int64{1}, []uint32{0})
	for _, opt := range []Options{{}, {Overwrite: true}} {
		_, err := BeginWith(dir, opt)
		var inUse *InUseError
		if !errors.As(err, &inUse) || !errors.Is(err, ErrInUse) || inUse.PID != os.Getpid() ||
			err.Error() != fmt.Sprintf("output: %s is in use by pid %d (another run writes it)", dir, os.Getpid()) {
			t.Fatalf("second Begin: %v", err)
		}
	}
	if err := first.Commit(Summary{}); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, dir, SpikesDir, SummaryFile) // lock file removed
	assertFiles(t, filepath.Join(dir, SpikesDir), "p.npz")

	// after the commit, another run may take the directory (and is told
	// it is not empty)
	if _, err := Begin(dir); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Begin after commit: %v", err)
	}
	second, err := BeginWith(dir, Options{Overwrite: true, HoldLock: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Commit(Summary{}); err != nil {
		t.Fatal(err)
	}
	if _, err := BeginWith(dir, Options{Overwrite: true}); !errors.Is(err, ErrInUse) {
		t.Fatalf("Begin while a committed run holds the lock: %v", err)
	}
	second.Release()
	third, err := BeginWith(dir, Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	third.Abort()
	assertFiles(t, dir, SummaryFile) // the second run's outputs (no spikes) survive
}

// Many runs racing for one directory: exactly one at a time holds it, and
// a committed run's files are never touched by the others.
func TestLockRace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var wg sync.WaitGroup
	results := make([]error, 8)
	for k := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run, err := Begin(dir)
			if err != nil {
				results[k] = err
				return
			}
			defer run.Abort()
			sw, err := run.SpikeWriter("p", 10, 1)
			if err != nil {
				results[k] = err
				return
			}
			for s := int64(0); s < 1000; s++ {
				sw.Append([]int64{s}, []uint32{uint32(k)})
			}
			results[k] = run.Commit(Summary{Seed: uint64(k)})
		}()
	}
	wg.Wait()
	won := -1
	for k, err := range results {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("runs %d and %d both committed", won, k)
		case err == nil:
			won = k
		case !errors.Is(err, ErrInUse) && !errors.Is(err, ErrNotEmpty):
			t.Errorf("run %d: %v", k, err)
		}
	}
	if won < 0 {
		t.Fatal("no run committed")
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil || !strings.Contains(string(b), fmt.Sprintf(`"seed": %d`, won)) {
		t.Fatalf("summary.json of the run that committed (%d): %s, %v", won, b, err)
	}
	_, arrays := openNPZ(t, filepath.Join(dir, SpikesDir, "p.npz"))
	if i := u32s(readAll(t, arrays["i"])); len(i) != 1000 || i[0] != uint32(won) {
		t.Fatalf("spikes of the run that committed (%d): %d, first %v", won, len(i), i[:min(1, len(i))])
	}
	assertFiles(t, dir, SpikesDir, SummaryFile)
}

// What a killed run leaves is tidied by the next one: a .partial, or an
// overwriting commit stopped midway (undone when the new summary.json is
// not in place, finished when it is).
func TestStaleLeftovers(t *testing.T) {
	dir := t.TempDir()
	write := func(path, text string) {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// a .partial and a lock file nobody holds
	write(filepath.Join(dir, PartialDir, "spikes", "x.npz.t_ms.tmp"), "junk")
	write(filepath.Join(dir, LockFile), "999999\n")
	run, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Notes(); len(n) != 1 || !strings.Contains(n[0], "removed "+filepath.Join(dir, PartialDir)+", left by a run that was interrupted") {
		t.Fatalf("notes: %q", n)
	}
	if _, err := os.Stat(filepath.Join(dir, PartialDir, "spikes")); !os.IsNotExist(err) {
		t.Fatal("stale partial kept")
	}
	run.Abort()

	// killed while moving the old outputs aside: they come back
	write(filepath.Join(dir, OldDir, SummaryFile), "old summary")
	write(filepath.Join(dir, OldDir, SpikesDir, "p.npz"), "old spikes")
	write(filepath.Join(dir, StateDir, "p.v.npz"), "old state")
	write(filepath.Join(dir, PartialDir, SpikesDir, "p.npz"), "new spikes")
	run, err = BeginWith(dir, Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Notes(); len(n) != 2 || !strings.Contains(n[0], "restored the outputs") {
		t.Fatalf("notes: %q", n)
	}
	run.Abort()
	check := func(rel, want string) {
		t.Helper()
		if b, err := os.ReadFile(filepath.Join(dir, rel)); string(b) != want {
			t.Errorf("%s: %q, %v; want %q", rel, b, err, want)
		}
	}
	check(SummaryFile, "old summary")
	check(filepath.Join(SpikesDir, "p.npz"), "old spikes")
	check(filepath.Join(StateDir, "p.v.npz"), "old state")
	assertFiles(t, dir, SpikesDir, StateDir, SummaryFile)

	// killed while moving the new outputs in: they go, the old ones come back
	os.Rename(filepath.Join(dir, SummaryFile), filepath.Join(dir, "s"))
	os.MkdirAll(filepath.Join(dir, OldDir), 0o755)
	os.Rename(filepath.Join(dir, "s"), filepath.Join(dir, OldDir, SummaryFile))
	os.Rename(filepath.Join(dir, SpikesDir), filepath.Join(dir, OldDir, SpikesDir))
	os.Rename(filepath.Join(dir, StateDir), filepath.Join(dir, OldDir, StateDir))
	write(filepath.Join(dir, OldDir, movedMark), "")
	write(filepath.Join(dir, SpikesDir, "p.npz"), "new spikes")
	run, err = BeginWith(dir, Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	run.Abort()
	check(SummaryFile, "old summary")
	check(filepath.Join(SpikesDir, "p.npz"), "old spikes")
	check(filepath.Join(StateDir, "p.v.npz"), "old state")

	// killed after the new summary.json was in place: the new run stands
	os.RemoveAll(filepath.Join(dir, StateDir))
	write(filepath.Join(dir, OldDir, SpikesDir, "p.npz"), "old spikes")
	run, err = BeginWith(dir, Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Notes(); len(n) != 1 || !strings.Contains(n[0], "killed after it had committed") {
		t.Fatalf("notes: %q", n)
	}
	run.Abort()
	check(filepath.Join(SpikesDir, "p.npz"), "old spikes") // what stood in dir with its summary
	assertFiles(t, dir, SpikesDir, SummaryFile)
}

func TestSummaryJSON(t *testing.T) {
	s := Summary{DtMS: 0.1, DurationMS: 1000, Seed: math.MaxUint64, WallS: 1.5, BuildS: 0.25, SimulateS: 1.25,
		Neurons: 4000, Synapses: 320000, SynapticEvents: 4_000_000, SynapticEventsPerS: 3.2e6,
		Populations: []PopulationSummary{
			{Name: "exc", Size: 3200, Spikes: 12345, RateHz: 3.857, CVISI: 0.93},
			{Name: "inh", Size: 800, Spikes: 0, RateHz: 0, CVISI: NullFloat(math.NaN()), Fano: NullFloat(math.NaN())},
		}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	keys := []string{"dt_ms", "start_ms", "duration_ms", "seed", "wall_s", "build_s", "simulate_s", "neurons", "synapses",
		"synaptic_events", "synaptic_events_per_s", "populations"}
	if len(m) != len(keys) {
		t.Fatalf("keys %v", m)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("missing %s in %s", k, b)
		}
	}
	p := m["populations"].([]any)[1].(map[string]any)
	if v, ok := p["cv_isi"]; !ok || v != nil || len(p) != 6 || p["population_fano"] != nil {
		t.Fatalf("population %v", p)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(back.Populations[1].CVISI)) || !math.IsNaN(float64(back.Populations[1].Fano)) {
		t.Fatal("null did not decode to NaN")
	}
	back.Populations[1].CVISI, s.Populations[1].CVISI = 0, 0
	back.Populations[1].Fano, s.Populations[1].Fano = 0, 0
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip %+v != %+v", back, s)
	}
}

// TestStreamingMemory writes 5 million spikes and checks the heap does not
// grow with their number.
func TestStreamingMemory(t *testing.T) {
	const (
		size  = 1000
		total = 5_000_000
		batch = 1000
	)
	path := filepath.Join(t.TempDir(), "big.npz")
	w, err := NewSpikeWriter(path, size, 0.1, false)
	if err != nil {
		t.Fatal(err)
	}
	steps := make([]int64, batch)
	els := make([]uint32, batch)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var early uint64
	for b := 0; b < total/batch; b++ {
		for k := range steps {
			n := b*batch + k
			steps[k] = int64(n / 500) // 500 spikes per step, indices 0,2,...,998
			els[k] = uint32(n%500) * 2
		}
		if err := w.Append(steps, els); err != nil {
			t.Fatal(err)
		}
		if b == 100 {
			early = heap()
		}
	}
	late := heap()
	if late > early+1<<20 {
		t.Fatalf("heap grew from %d to %d bytes while streaming", early, late)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if after := heap(); after > early+1<<20 {
		t.Fatalf("heap grew from %d to %d bytes at close", early, after)
	}
	z, arr := openNPZ(t, path)
	defer z.Close()
	if !reflect.DeepEqual(arr["t_ms"].shape, []int64{total}) || !reflect.DeepEqual(arr["i"].shape, []int64{total}) {
		t.Fatalf("shapes %v %v", arr["t_ms"].shape, arr["i"].shape)
	}
	buf := make([]byte, 8*batch)
	for b := 0; b < total/batch; b++ {
		if _, err := io.ReadFull(arr["t_ms"].r, buf); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < batch; k += 97 {
			n := b*batch + k
			if g := binary.LittleEndian.Uint64(buf[8*k:]); g != math.Float64bits(float64(n/500)/10) {
				t.Fatalf("t_ms[%d] bits %x", n, g)
			}
		}
	}
	ib := buf[:4*batch]
	for b := 0; b < total/batch; b++ {
		if _, err := io.ReadFull(arr["i"].r, ib); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < batch; k++ {
			if g := binary.LittleEndian.Uint32(ib[4*k:]); g != uint32((b*batch+k)%500)*2 {
				t.Fatalf("i[%d] = %d", b*batch+k, g)
			}
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

func TestWeights(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := []float32{0.5, -1, float32(math.Inf(1)), 3e-9}
	if err := r.Weights("syn", w, []uint32{0, 0, 1, 2}, []uint32{1, 2, 0, 0}, [2]int{3, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Weights("syn", w, nil, nil, [2]int{}, nil); err == nil {
		t.Error("the same weights file was accepted twice")
	}
	if err := r.Commit(Summary{}); err != nil {
		t.Fatal(err)
	}
	zr, arrays := openNPZ(t, filepath.Join(dir, WeightsDir, "syn.npz"))
	defer zr.Close()
	a := arrays["w"]
	if a.descr != "<f4" || len(a.shape) != 1 || a.shape[0] != 4 {
		t.Fatalf("w: %s %v", a.descr, a.shape)
	}
	raw := readAll(t, a)
	for k, x := range w {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])); got != x {
			t.Errorf("w[%d] = %g, want %g", k, got, x)
		}
	}
	if j := u32s(readAll(t, arrays["j"])); len(j) != 4 || j[1] != 2 || j[2] != 0 {
		t.Errorf("j = %v", j)
	}
	if sh := arrays["shape"]; sh.descr != "<i8" || sh.shape[0] != 2 {
		t.Errorf("shape: %s %v", sh.descr, sh.shape)
	}
	if _, ok := arrays["latency_ms"]; ok {
		t.Error("latency_ms written for a projection without learnt latencies")
	}
}

func TestWeightsWithLatencies(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, lat := []float32{1, 2}, []float32{0.1, 2.5}
	if err := r.Weights("syn", w, nil, nil, [2]int{}, lat[:1]); err == nil {
		t.Error("one latency for two weights was accepted")
	}
	if err := r.Weights("syn", w, nil, nil, [2]int{}, lat); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(Summary{}); err != nil {
		t.Fatal(err)
	}
	zr, arrays := openNPZ(t, filepath.Join(dir, WeightsDir, "syn.npz"))
	defer zr.Close()
	a, ok := arrays["latency_ms"]
	if !ok || a.descr != "<f4" || a.shape[0] != 2 {
		t.Fatalf("latency_ms: %v %+v", ok, a)
	}
	raw := readAll(t, a)
	for k, x := range lat {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])); got != x {
			t.Errorf("latency_ms[%d] = %g, want %g", k, got, x)
		}
	}
}

// A writer rewound to a mark holds what it held then: the spikes after it
// are gone from the archive and from the statistics, and the spikes
// appended again after the rewind follow on.
func TestSpikeWriterRewind(t *testing.T) {
	dir := t.TempDir()
	type spike struct {
		t int64
		i uint32
	}
	write := func(w *SpikeWriter, ss []spike) {
		for _, s := range ss {
			if err := w.Append([]int64{s.t}, []uint32{s.i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := []spike{{0, 0}, {0, 1}, {10, 0}, {10, 1}}
	lost := []spike{{15, 1}, {20, 0}, {25, 1}}
	after := []spike{{20, 0}, {30, 0}, {40, 1}}
	// The same spikes as TestCVISI's once rewound: CV 0.25.
	w, err := NewSpikeWriter(filepath.Join(dir, "p.npz"), 2, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	write(w, before)
	m := w.Mark()
	write(w, lost)
	if err := w.Rewind(m); err != nil {
		t.Fatal(err)
	}
	if n := w.Count(); n != int64(len(before)) {
		t.Fatalf("%d spikes after the rewind, want %d", n, len(before))
	}
	write(w, after) // step 20 again: allowed after the rewind
	if cv := w.CVISI(); math.Abs(cv-0.25) > 1e-12 {
		t.Fatalf("CV %v after the rewind, want 0.25 (the lost spikes' intervals left out)", cv)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z, arrs := openNPZ(t, filepath.Join(dir, "p.npz"))
	defer z.Close()
	ts, is := f64s(readAll(t, arrs["t_ms"])), u32s(readAll(t, arrs["i"]))
	want := append(slices.Clone(before), after...)
	if len(ts) != len(want) || len(is) != len(want) {
		t.Fatalf("%d and %d values in the archive, want %d", len(ts), len(is), len(want))
	}
	for k, s := range want {
		if ts[k] != float64(s.t) || is[k] != s.i {
			t.Fatalf("spike %d: (%g, %d), want (%d, %d)", k, ts[k], is[k], s.t, s.i)
		}
	}
}

// A path that is a file is refused at once, saying so, and the file is
// left as it was.
func TestBeginOnAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Begin(file)
	if err == nil || !strings.Contains(err.Error(), file+" is a file, not a folder") {
		t.Fatalf("Begin on a file: %v", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "mine" {
		t.Fatalf("the file after Begin: %q, %v", b, err)
	}
}

// Spike times are the doubles nearest the decimal products step·dt where
// dt is a short decimal (step 101 of 0.1 ms is 10.1, not the product's
// 10.100000000000001), and the products where it is not.
func TestSpikeTimesDecimal(t *testing.T) {
	third, five, big := 1.0/3, 5.0, float64(int64(1)<<60) // products at run time, not exact constants
	for _, c := range []struct {
		dt   float64
		step int64
		want float64 // the decimal's nearest double, or the plain product
	}{
		{0.1, 101, 10.1},
		{0.1, 3, 0.3},
		{0.025, 3, 0.075},
		{1, 7, 7},
		{third, 5, five * third},
		{0.1, 1 << 60, big * 0.1}, // beyond 53 bits: the product
	} {
		if got := newStepTimes(c.dt).at(c.step); math.Float64bits(got) != math.Float64bits(c.want) {
			t.Errorf("dt %g, step %d: %v, want %v", c.dt, c.step, got, c.want)
		}
	}
	if float64(101)*0.1 == 10.1 {
		t.Fatal("the product is already 10.1: the first case tests nothing")
	}
}

// A state archive's times are the spike archive's: step 101 of 0.1 ms is
// 10.1 in both, so the two join on t_ms.
func TestStateTimesAsSpikeTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.npz")
	w, err := NewStateWriter(path, []uint32{0}, 0.1, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int64{3, 101} {
		if err := w.Append(s, []float32{1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z, arr := openNPZ(t, path)
	defer z.Close()
	got := f64s(readAll(t, arr["t_ms"]))
	if len(got) != 2 || got[0] != 0.3 || got[1] != 10.1 {
		t.Errorf("t_ms %v, want [0.3 10.1]", got)
	}
}

// StepTimeMS is the archives' time of a step, for durations too.
func TestStepTimeMS(t *testing.T) {
	if got := StepTimeMS(1001, 0.1); got != 100.1 {
		t.Errorf("1001 steps of 0.1 ms: %v ms, want 100.1", got)
	}
}
