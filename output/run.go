package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Names of the entries of a run directory.
const (
	SummaryFile = "summary.json"
	SpikesDir   = "spikes"
	StateDir    = "state"
	PartialDir  = ".partial"
)

// NullFloat is a float64 that is encoded in JSON as null when it is NaN or
// infinite, and decoded from null as NaN.
type NullFloat float64

// MarshalJSON implements json.Marshaler.
func (f NullFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *NullFloat) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*f = NullFloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = NullFloat(v)
	return nil
}

// PopulationSummary is one entry of summary.json's populations list.
type PopulationSummary struct {
	Name   string    `json:"name"`
	Size   int       `json:"size"`
	Spikes int64     `json:"spikes"`
	RateHz float64   `json:"rate_hz"`
	CVISI  NullFloat `json:"cv_isi"` // null when undefined (NaN)
}

// Summary is the content of summary.json, written last by Run.Commit.
type Summary struct {
	DtMS       float64 `json:"dt_ms"`
	DurationMS float64 `json:"duration_ms"`
	Seed       uint64  `json:"seed"`
	WallS      float64 `json:"wall_s"`
	BuildS     float64 `json:"build_s"`
	SimulateS  float64 `json:"simulate_s"`
	Neurons    int64   `json:"neurons"`
	Synapses   int64   `json:"synapses"`
	// Engine says how the run was computed ("sequential stepper",
	// "lockstep, shards [2 2] on 2 cores, ...").
	Engine string `json:"engine,omitempty"`
	// SynapseBytes is the memory of the network's synapse storage
	// (CSR arrays) after building; PeakRSSBytes the process's peak
	// resident memory at the end of the run (0 where unknown).
	SynapseBytes int64               `json:"synapse_bytes,omitempty"`
	PeakRSSBytes int64               `json:"peak_rss_bytes,omitempty"`
	Populations  []PopulationSummary `json:"populations"`
}

// Options tune Begin.
type Options struct {
	// Overwrite lets Begin reuse a directory holding a previous run: its
	// summary.json is removed first (so it no longer looks complete), then
	// its spikes/ and state/ directories.
	Overwrite bool
	// Compress deflates the .npz members (smaller, slower); default stored.
	Compress bool
}

// Run is one output directory being written. Everything goes to
// DIR/.partial until Commit moves it into place and writes summary.json
// last; Abort removes it. A directory without summary.json is not a
// complete run.
type Run struct {
	mu       sync.Mutex
	dir      string
	partial  string
	created  bool
	compress bool
	closed   bool
	spikes   []*SpikeWriter
	states   []*StateWriter
	names    map[string]bool
}

// Begin starts a run in dir with default options.
func Begin(dir string) (*Run, error) { return BeginWith(dir, Options{}) }

// BeginWith starts a run in dir, creating it if needed. An existing dir must
// be empty apart from a stale .partial (removed), unless opt.Overwrite.
func BeginWith(dir string, opt Options) (*Run, error) {
	r := &Run{dir: dir, partial: filepath.Join(dir, PartialDir), compress: opt.Compress, names: map[string]bool{}}
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		r.created = true
	case err != nil:
		return nil, err
	default:
		var others []string
		for _, e := range ents {
			if e.Name() != PartialDir {
				others = append(others, e.Name())
			}
		}
		if len(others) > 0 {
			if !opt.Overwrite {
				return nil, fmt.Errorf("output: directory %s is not empty (%v); choose another or overwrite", dir, others)
			}
			if err := os.Remove(filepath.Join(dir, SummaryFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
			for _, n := range []string{SpikesDir, StateDir, WeightsDir} {
				if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := os.RemoveAll(r.partial); err != nil {
		return nil, err
	}
	if err := os.Mkdir(r.partial, 0o755); err != nil {
		r.cleanup()
		return nil, err
	}
	return r, nil
}

// Dir is the run directory.
func (r *Run) Dir() string { return r.dir }

func (r *Run) claim(rel string) error {
	if r.closed {
		return errors.New("output: run already committed or aborted")
	}
	if r.names[rel] {
		return fmt.Errorf("output: %s requested twice", rel)
	}
	r.names[rel] = true
	return nil
}

// SpikeWriter creates the writer of spikes/<population>.npz.
func (r *Run) SpikeWriter(population string, size int, dtMS float64) (*SpikeWriter, error) {
	if err := validName(population); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rel := filepath.Join(SpikesDir, population+".npz")
	if err := r.claim(rel); err != nil {
		return nil, err
	}
	w, err := NewSpikeWriter(filepath.Join(r.partial, rel), size, dtMS, r.compress)
	if err != nil {
		return nil, err
	}
	r.spikes = append(r.spikes, w)
	return w, nil
}

// StateWriter creates the writer of state/<population>.<variable>.npz.
func (r *Run) StateWriter(population, variable string, elements []uint32, dtMS float64) (*StateWriter, error) {
	if err := validName(population); err != nil {
		return nil, err
	}
	if err := validName(variable); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rel := filepath.Join(StateDir, population+"."+variable+".npz")
	if err := r.claim(rel); err != nil {
		return nil, err
	}
	w, err := NewStateWriter(filepath.Join(r.partial, rel), elements, dtMS, r.compress)
	if err != nil {
		return nil, err
	}
	r.states = append(r.states, w)
	return w, nil
}

// Commit closes every writer, moves the outputs from .partial into the run
// directory and writes summary.json last (via a temporary file and rename).
// On any error the run is aborted and the error returned.
func (r *Run) Commit(s Summary) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("output: run already committed or aborted")
	}
	if err := r.commit(s); err != nil {
		r.abortLocked()
		return err
	}
	r.closed = true
	return nil
}

func (r *Run) commit(s Summary) error {
	if s.Populations == nil {
		s.Populations = []PopulationSummary{}
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("output: summary: %w", err)
	}
	js = append(js, '\n')
	for _, w := range r.spikes {
		if err := w.Close(); err != nil {
			return err
		}
	}
	for _, w := range r.states {
		if err := w.Close(); err != nil {
			return err
		}
	}
	for _, n := range []string{SpikesDir, StateDir, WeightsDir} {
		src := filepath.Join(r.partial, n)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.Rename(src, filepath.Join(r.dir, n)); err != nil {
			return err
		}
	}
	tmp := filepath.Join(r.partial, SummaryFile)
	if err := writeSync(tmp, js); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(r.dir, SummaryFile)); err != nil {
		return err
	}
	os.RemoveAll(r.partial)
	syncDir(r.dir)
	return nil
}

func writeSync(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Abort discards the run: writers are aborted, .partial and any outputs
// already moved are removed, and dir itself is removed if Begin created it.
// It is a no-op after a successful Commit and may be called more than once
// (typically deferred).
func (r *Run) Abort() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.abortLocked()
}

func (r *Run) abortLocked() {
	r.closed = true
	for _, w := range r.spikes {
		w.Abort()
	}
	for _, w := range r.states {
		w.Abort()
	}
	r.cleanup()
}

func (r *Run) cleanup() {
	os.Remove(filepath.Join(r.dir, SummaryFile))
	os.RemoveAll(r.partial)
	for _, n := range []string{SpikesDir, StateDir, WeightsDir} {
		os.RemoveAll(filepath.Join(r.dir, n))
	}
	if r.created {
		os.Remove(r.dir) // only if empty
	}
}
