package output

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// column is an append-only spill file holding one array's raw little-endian
// data until the final length is known.
type column struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	n    int64 // items written
	buf  []byte
}

func newColumn(path string) (*column, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &column{path: path, f: f, bw: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (c *column) write(b []byte, items int) error {
	if _, err := c.bw.Write(b); err != nil {
		return err
	}
	c.n += int64(items)
	return nil
}

// truncate cuts the column back to its first items items (size bytes).
func (c *column) truncate(items, size int64) error {
	if err := c.bw.Flush(); err != nil {
		return err
	}
	if err := c.f.Truncate(size); err != nil {
		return err
	}
	if _, err := c.f.Seek(size, io.SeekStart); err != nil {
		return err
	}
	c.bw.Reset(c.f)
	c.n = items
	return nil
}

// rewind flushes buffered data and positions the file at its start.
func (c *column) rewind() (io.Reader, error) {
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	if _, err := c.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(c.f, 1<<16), nil
}

func (c *column) remove() {
	if c.f != nil {
		c.f.Close()
		c.f = nil
	}
	os.Remove(c.path)
}

// archive is the part shared by SpikeWriter and StateWriter: spill columns
// next to the final path, assembled into path at Close.
type archive struct {
	// mu serialises a writer's calls, so that Abort, from any goroutine,
	// waits for a call in progress and no file is created after it.
	mu       sync.Mutex
	path     string // final .npz path
	compress bool
	cols     []*column
	done     bool
	err      error // sticky error
}

func (a *archive) openColumns(names ...string) error {
	if err := os.MkdirAll(filepath.Dir(a.path), 0o755); err != nil {
		return err
	}
	for _, n := range names {
		c, err := newColumn(a.path + "." + n + ".tmp")
		if err != nil {
			a.abort()
			return err
		}
		a.cols = append(a.cols, c)
	}
	return nil
}

type member struct {
	name, descr string
	col         *column
	shape       []int64
}

// assemble streams the spill columns into path+".partial", syncs it, renames
// it to path and removes the spill files. On error everything is removed.
func (a *archive) assemble(members []member) (err error) {
	tmp := a.path + ".partial"
	defer func() {
		a.done = true
		for _, c := range a.cols {
			c.remove()
		}
		if err != nil {
			os.Remove(tmp)
			a.err = err
		}
	}()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	zw := newNPZWriter(bw, a.compress)
	for _, m := range members {
		r, err := m.col.rewind()
		if err != nil {
			f.Close()
			return err
		}
		if err := zw.add(m.name, m.descr, r, m.shape...); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, a.path)
}

// abort removes spill files and any partial archive; the final path is not
// created.
func (a *archive) abort() {
	if a.done {
		return
	}
	a.done = true
	for _, c := range a.cols {
		c.remove()
	}
	os.Remove(a.path + ".partial")
	if a.err == nil {
		a.err = errAborted
	}
}

var (
	errAborted = errors.New("output: writer aborted")
	errClosed  = errors.New("output: writer closed")
)

func (a *archive) check() error {
	if a.err != nil {
		return a.err
	}
	if a.done {
		return errClosed
	}
	return nil
}

// validName reports whether s can be used as a file name component.
func validName(s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
		return fmt.Errorf("output: invalid name %q", s)
	}
	return nil
}

// SpikeWriter streams the spikes of one population into an .npz archive with
// arrays t_ms (float64, n) and i (uint32, n), sorted by time then index.
// Memory use is bounded by the population size (per-neuron statistics), not
// by the number of spikes: columns are spilled to temporary files next to the
// final path and assembled by Close.
type SpikeWriter struct {
	archive
	size      int
	stepTimes        // the time of each step
	last      int64  // last step written
	lastI     uint32 // last index written in step last
	any       bool
	buf       []byte

	// per-neuron ISI statistics (Welford on ISIs, in steps)
	lastSpike []int64
	isiN      []int32
	isiMean   []float64
	isiM2     []float64

	bins Bins // the population's spikes per bin (Fano)

	// statsFrom is the first step whose spikes the statistics count
	// (SetStatsFrom; all are written); counted is how many they counted.
	statsFrom, counted int64
}

// NewSpikeWriter creates a writer that will produce path (normally
// ".../spikes/<population>.npz") for a population of size neurons simulated
// with time step dtMS; spike times are stored as step·dtMS milliseconds, the
// double nearest the decimal product where dtMS has at most nine decimals
// (10.1, not 10.100000000000001, for step 101 of 0.1 ms).
func NewSpikeWriter(path string, size int, dtMS float64, compress bool) (*SpikeWriter, error) {
	if size < 0 || !(dtMS > 0) || math.IsInf(dtMS, 0) {
		return nil, fmt.Errorf("output: spike writer %s: bad size %d or dt %g", path, size, dtMS)
	}
	w := &SpikeWriter{archive: archive{path: path, compress: compress}, size: size,
		lastSpike: make([]int64, size), isiN: make([]int32, size),
		isiMean: make([]float64, size), isiM2: make([]float64, size)}
	w.stepTimes = newStepTimes(dtMS)
	w.bins.Step = FanoBin(dtMS)
	for k := range w.lastSpike {
		w.lastSpike[k] = -1
	}
	if err := w.openColumns("t_ms", "i"); err != nil {
		return nil, err
	}
	return w, nil
}

// Path is the final archive path.
func (w *SpikeWriter) Path() string { return w.path }

// Count is the number of spikes appended so far.
func (w *SpikeWriter) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cols[0].n
}

// Append adds spikes: steps[k] is the (non-negative) time step of the spike
// of element elements[k]. Spikes must come sorted by step then element, also
// across calls, with no duplicate; elements must be below the population
// size. A rejected call writes nothing.
func (w *SpikeWriter) Append(steps []int64, elements []uint32) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.check(); err != nil {
		return err
	}
	if len(steps) != len(elements) {
		return fmt.Errorf("output: %s: %d steps for %d elements", w.path, len(steps), len(elements))
	}
	last, lastI, any := w.last, w.lastI, w.any
	for k, s := range steps {
		e := elements[k]
		switch {
		case s < 0:
			return fmt.Errorf("output: %s: negative step %d", w.path, s)
		case int64(e) >= int64(w.size):
			return fmt.Errorf("output: %s: element %d out of range [0,%d)", w.path, e, w.size)
		case any && (s < last || (s == last && e <= lastI)):
			return fmt.Errorf("output: %s: spike (step %d, element %d) after (step %d, element %d): not sorted by time then index",
				w.path, s, e, last, lastI)
		}
		last, lastI, any = s, e, true
	}
	w.last, w.lastI, w.any = last, lastI, any

	b := w.buf[:0]
	for _, s := range steps {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w.at(s)))
	}
	if err := w.cols[0].write(b, len(steps)); err != nil {
		w.err = err
		return err
	}
	b = b[:0]
	for _, e := range elements {
		b = binary.LittleEndian.AppendUint32(b, e)
	}
	if err := w.cols[1].write(b, len(elements)); err != nil {
		w.err = err
		return err
	}
	if cap(b) <= 1<<20 {
		w.buf = b[:0]
	}
	for k, s := range steps {
		if s < w.statsFrom {
			continue // written, not counted (a warm-up)
		}
		w.counted++
		e := elements[k]
		if p := w.lastSpike[e]; p >= 0 {
			isi := float64(s - p)
			w.isiN[e]++
			d := isi - w.isiMean[e]
			w.isiMean[e] += d / float64(w.isiN[e])
			w.isiM2[e] += float64(d * (isi - w.isiMean[e]))
		}
		w.lastSpike[e] = s
		w.bins.Add(s)
	}
	return nil
}

// SpikeMark is where a SpikeWriter stood (Mark): the spikes written and
// the statistics of them, to go back to (Rewind).
type SpikeMark struct {
	n         int64
	bytes     [2]int64
	last      int64
	lastI     uint32
	any       bool
	lastSpike []int64
	isiN      []int32
	isiMean   []float64
	isiM2     []float64
	bins      Bins
	counted   int64
}

// Mark returns where the writer stands: the spikes appended so far. Its
// memory is the per-neuron statistics' (a few words per neuron).
func (w *SpikeWriter) Mark() SpikeMark {
	w.mu.Lock()
	defer w.mu.Unlock()
	return SpikeMark{n: w.cols[0].n, bytes: [2]int64{w.cols[0].n * 8, w.cols[1].n * 4}, last: w.last, lastI: w.lastI, any: w.any,
		lastSpike: slices.Clone(w.lastSpike), isiN: slices.Clone(w.isiN), isiMean: slices.Clone(w.isiMean), isiM2: slices.Clone(w.isiM2),
		bins: Bins{Step: w.bins.Step, first: w.bins.first, counts: slices.Clone(w.bins.counts)}, counted: w.counted}
}

// Rewind drops the spikes appended since m was marked, as if they had
// never been: a run that goes back to a checkpoint appends them again.
func (w *SpikeWriter) Rewind(m SpikeMark) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.check(); err != nil {
		return err
	}
	if m.n > w.cols[0].n || len(m.lastSpike) != w.size {
		return fmt.Errorf("output: %s: rewind to %d spikes of %d written", w.path, m.n, w.cols[0].n)
	}
	for k, c := range w.cols {
		if err := c.truncate(m.n, m.bytes[k]); err != nil {
			w.err = err
			return err
		}
	}
	w.last, w.lastI, w.any = m.last, m.lastI, m.any
	copy(w.lastSpike, m.lastSpike)
	copy(w.isiN, m.isiN)
	copy(w.isiMean, m.isiMean)
	copy(w.isiM2, m.isiM2)
	w.bins = Bins{Step: m.bins.Step, first: m.bins.first, counts: slices.Clone(m.bins.counts)}
	w.counted = m.counted
	return nil
}

// SetStatsFrom makes the statistics (Summary's spikes, rate and CV of
// ISI, Fano) count only the spikes from step on, as after a warm-up; the
// earlier ones are still written. Call it before the first Append.
func (w *SpikeWriter) SetStatsFrom(step int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.statsFrom = step
}

// Fano returns the population Fano factor of the spikes written, over the
// whole bins within steps [from, to) (Bins.Fano).
func (w *SpikeWriter) Fano(from, to int64) float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bins.Fano(from, to)
}

// CVISI is the coefficient of variation of the inter-spike intervals,
// computed per neuron (population standard deviation / mean of its ISIs) for
// neurons with at least two ISIs, then averaged over those neurons. It is NaN
// when no neuron has two ISIs.
func (w *SpikeWriter) CVISI() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cvISI()
}

func (w *SpikeWriter) cvISI() float64 {
	sum, n := 0.0, 0
	for e, c := range w.isiN {
		if c < 2 || w.isiMean[e] <= 0 {
			continue
		}
		sum += math.Sqrt(w.isiM2[e]/float64(c)) / w.isiMean[e]
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Summary returns the population entry of summary.json for a run of
// durationMS milliseconds (from SetStatsFrom's step on, if set): rate_hz
// is spikes / size / duration, counting the spikes from there.
func (w *SpikeWriter) Summary(name string, durationMS float64) PopulationSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.counted
	return PopulationSummary{Name: name, Size: w.size, Spikes: n, RateHz: RateHz(n, w.size, durationMS), CVISI: NullFloat(w.cvISI())}
}

// RateHz is a summary's rate: spikes per neuron per second of
// durationMS, 0 without neurons or time.
func RateHz(spikes int64, size int, durationMS float64) float64 {
	if size <= 0 || !(durationMS > 0) {
		return 0
	}
	return float64(spikes) / float64(size) / (durationMS / 1000)
}

// Close assembles the archive and moves it to its final path. It is
// idempotent; after an error or Abort it returns that error.
func (w *SpikeWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return w.err
	}
	if w.err != nil {
		w.abort()
		return w.err
	}
	n := w.cols[0].n
	return w.assemble([]member{
		{"t_ms", DescrFloat64, w.cols[0], []int64{n}},
		{"i", DescrUint32, w.cols[1], []int64{n}},
	})
}

// Abort discards everything written; the final path is never created. It
// may be called from any goroutine.
func (w *SpikeWriter) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.abort()
}

// StateWriter streams samples of one state variable of k elements of a
// population into an .npz archive with arrays t_ms (float64, n), values
// (float32, n × k, row t holds the k elements at time t_ms[t]) and elements
// (uint32, k, the element indices of the columns).
type StateWriter struct {
	archive
	elements  []uint32
	stepTimes // the time of each step
	last      int64
	any       bool
	buf       []byte
}

// NewStateWriter creates a writer producing path (normally
// ".../state/<population>.<var>.npz") for the given recorded elements.
func NewStateWriter(path string, elements []uint32, dtMS float64, compress bool) (*StateWriter, error) {
	if !(dtMS > 0) || math.IsInf(dtMS, 0) {
		return nil, fmt.Errorf("output: state writer %s: bad dt %g", path, dtMS)
	}
	w := &StateWriter{archive: archive{path: path, compress: compress},
		elements: append([]uint32(nil), elements...), stepTimes: newStepTimes(dtMS)}
	if err := w.openColumns("t_ms", "values"); err != nil {
		return nil, err
	}
	return w, nil
}

// Path is the final archive path.
func (w *StateWriter) Path() string { return w.path }

// Count is the number of samples (rows) appended so far.
func (w *StateWriter) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cols[0].n
}

// Append adds one sample taken at step; values[j] belongs to elements[j].
// Steps must be strictly increasing.
func (w *StateWriter) Append(step int64, values []float32) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.check(); err != nil {
		return err
	}
	if len(values) != len(w.elements) {
		return fmt.Errorf("output: %s: %d values for %d elements", w.path, len(values), len(w.elements))
	}
	if step < 0 || (w.any && step <= w.last) {
		return fmt.Errorf("output: %s: sample step %d not after %d", w.path, step, w.last)
	}
	w.last, w.any = step, true
	b := binary.LittleEndian.AppendUint64(w.buf[:0], math.Float64bits(w.at(step)))
	if err := w.cols[0].write(b, 1); err != nil {
		w.err = err
		return err
	}
	b = b[:0]
	for _, v := range values {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := w.cols[1].write(b, len(values)); err != nil {
		w.err = err
		return err
	}
	w.buf = b[:0]
	return nil
}

// Close assembles the archive and moves it to its final path.
func (w *StateWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return w.err
	}
	if w.err != nil {
		w.abort()
		return w.err
	}
	n, k := w.cols[0].n, int64(len(w.elements))
	// the element indices are small: write them to their spill file now
	el := w.cols[1] // values
	ec, err := newColumn(w.path + ".elements.tmp")
	if err != nil {
		w.abort()
		return err
	}
	w.cols = append(w.cols, ec)
	var b []byte
	for _, e := range w.elements {
		b = binary.LittleEndian.AppendUint32(b, e)
	}
	if err := ec.write(b, len(w.elements)); err != nil {
		w.abort()
		return err
	}
	return w.assemble([]member{
		{"t_ms", DescrFloat64, w.cols[0], []int64{n}},
		{"values", DescrFloat32, el, []int64{n, k}},
		{"elements", DescrUint32, ec, []int64{k}},
	})
}

// Abort discards everything written; the final path is never created. It
// may be called from any goroutine.
func (w *StateWriter) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.abort()
}

// stepTimes turns steps into the times the archives hold (t_ms).
type stepTimes struct {
	dt float64
	// dt = units/scale exactly in decimal (scale a power of ten), or
	// scale 0; limit is the first step whose product s·units passes 2^53
	units, scale, limit int64
}

// newStepTimes returns the step times of dt: as a decimal units/scale,
// scale the least power of ten up to 10⁹ that makes units a whole number
// (dt, a double, being the one nearest that decimal), where there is one.
func newStepTimes(dt float64) stepTimes {
	for scale := int64(1); scale <= 1e9; scale *= 10 {
		u := math.Round(dt * float64(scale))
		if u >= 1 && u < 1<<53 && u/float64(scale) == dt {
			return stepTimes{dt, int64(u), scale, (1 << 53) / int64(u)}
		}
	}
	return stepTimes{dt: dt}
}

// at returns the time of step s in ms: the double nearest the decimal
// s·dt (an exact integer product, one correctly rounded division) where dt
// is a short decimal and the product fits 53 bits, else s·dt.
func (c stepTimes) at(s int64) float64 {
	if c.scale > 0 && s >= 0 && s < c.limit {
		return float64(s*c.units) / float64(c.scale)
	}
	return float64(s) * c.dt
}

// StepTimeMS returns the time of step s of dt ms as the archives hold it
// (t_ms): the double nearest the decimal s·dt where dt has at most nine
// decimals (10.1 for step 101 of 0.1 ms), else the float64 product. A
// duration of s steps reads the same.
func StepTimeMS(s int64, dt float64) float64 { return newStepTimes(dt).at(s) }
