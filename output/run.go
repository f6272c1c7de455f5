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
	"strings"
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
	// Fano is the population Fano factor: the variance of the
	// population's spike count per bin of FanoBinMS over its mean (Bins.Fano);
	// about 1 for independent Poisson neurons, far more when they fire
	// together, less when they fire regularly out of step. Null when
	// undefined (NaN).
	Fano NullFloat `json:"population_fano"`
}

// Summary is the content of summary.json, written last by Run.Commit.
//
// With worker processes (spiral-node run --workers), BuildS lasts until
// the last worker has built its part and is ready, Synapses and
// SynapseBytes count the synapses of the workers' shards (each worker
// builds only its own; the coordinator holds none but those whose weights
// it records), and PeakRSSBytes is the coordinator's own.
type Summary struct {
	DtMS float64 `json:"dt_ms"`
	// StartMS is the simulated time at which the run began: 0, or for a
	// resumed run its checkpoint's time. The run covers [StartMS,
	// StartMS + DurationMS), and its spike and state times are absolute.
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
	// WarmupMS is the start of the run that the statistics leave out
	// (run --warmup): the populations' spikes, rates, CVs and Fano
	// factors count from StartMS + WarmupMS on; the spike files hold all.
	WarmupMS  float64 `json:"warmup_ms,omitempty"`
	Seed      uint64  `json:"seed"`
	WallS     float64 `json:"wall_s"`
	BuildS    float64 `json:"build_s"`
	SimulateS float64 `json:"simulate_s"`
	Neurons   int64   `json:"neurons"`
	Synapses  int64   `json:"synapses"`
	// Engine says how the run was computed ("sequential stepper",
	// "lockstep, shards [2 2] on 2 cores, ...").
	Engine string `json:"engine,omitempty"`
	// SynapseBytes is the memory of the network's synapse storage
	// (CSR arrays) after building; PeakRSSBytes the process's peak
	// resident memory at the end of the run (0 where unknown).
	SynapseBytes int64 `json:"synapse_bytes,omitempty"`
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	// SynapticEvents counts the synaptic events delivered, exactly: for
	// every event an axon emitted (a spike; with a response function or a
	// graded source, each step of non-zero output) that reached a
	// projection during the run, the synapses of its source's row, those
	// blocked by a mask left out; events still in flight at the end are
	// not counted, nor is the drive of stimuli. Every engine counts the
	// same.
	// SynapticEventsPerS is SynapticEvents / SimulateS (0 if that is 0).
	SynapticEvents     int64               `json:"synaptic_events"`
	SynapticEventsPerS float64             `json:"synaptic_events_per_s"`
	Populations        []PopulationSummary `json:"populations"`
	// Recoveries lists the members lost during the run and what going
	// back to a checkpoint cost (run --on-member-loss recover); the
	// outputs hold the spikes as if nothing had been lost.
	Recoveries []Recovery `json:"recoveries,omitempty"`
}

// Recovery is one recovery from lost cluster members: their addresses,
// the simulated time the run had reached and the checkpoint it went back
// to (ms), and the wall time lost (the work since the checkpoint, noticing
// the loss, restarting and restoring; s).
type Recovery struct {
	Lost      []string `json:"lost"`
	AtMS      float64  `json:"at_ms"`
	BackToMS  float64  `json:"back_to_ms"`
	WallLostS float64  `json:"wall_lost_s"`
}

// Options tune Begin.
type Options struct {
	// Overwrite lets Begin use a directory that holds a previous run's
	// outputs (summary.json, spikes/, state/, weights/, plots/ and
	// nothing else). They stay in place, complete, while the new run
	// writes; Commit replaces them (moving them aside, moving the new
	// outputs in, then deleting the old ones), and a run that fails or is
	// aborted leaves them as they were.
	Overwrite bool
	// Compress deflates the .npz members (smaller, slower); default stored.
	Compress bool
	// HoldLock keeps the directory locked after a successful Commit,
	// until Release, for work on the committed outputs (plotting them,
	// say) that no other run should disturb.
	HoldLock bool
}

// Names of the bookkeeping entries of a run directory, besides PartialDir
// and LockFile.
const (
	// OldDir holds a previous run's outputs while an overwriting Commit
	// replaces them (and is empty otherwise); a killed Commit is undone
	// from it by the next Begin.
	OldDir = ".old"
	// movedMark in OldDir says that every previous output has been moved
	// into it, and that the new outputs are being moved in.
	movedMark = ".moved"
	// PlotsDir is where plots of the outputs go (package plot).
	PlotsDir = "plots"
)

// outputNames are the entries of a run directory that belong to the run,
// summary.json first (moved aside first, so that a directory being
// replaced never looks complete).
var outputNames = [...]string{SummaryFile, SpikesDir, StateDir, WeightsDir, PlotsDir}

// ErrNotEmpty is wrapped by the error of Begin when the directory holds
// something other than a previous run's bookkeeping, and Overwrite is not
// set.
var ErrNotEmpty = errors.New("not empty")

// Run is one output directory being written. Everything goes to
// DIR/.partial until Commit moves it into place and writes summary.json
// last; Abort removes it. A directory without summary.json is not a
// complete run. The directory is locked (DIR/.lock) from Begin to Commit
// or Abort: a second Begin on it fails with an *InUseError.
type Run struct {
	mu        sync.Mutex
	dir       string
	partial   string
	lock      *dirLock
	created   bool
	overwrite bool
	holdLock  bool
	compress  bool
	closed    bool
	committed bool
	notes     []string
	moved     []string                    // outputs Commit has moved into dir so far
	rename    func(from, to string) error // os.Rename; tests make it fail
	spikes    []*SpikeWriter
	states    []*StateWriter
	names     map[string]bool
}

// Begin starts a run in dir with default options.
func Begin(dir string) (*Run, error) { return BeginWith(dir, Options{}) }

// BeginWith starts a run in dir, creating it if needed, and locks it. It
// fails with an *InUseError (wrapping ErrInUse) when another run holds the
// directory. Under the lock, what a killed run left is tidied first (see
// Notes): a .partial is removed, and an overwrite that was killed while
// committing is undone or finished. Then dir must be empty, or, with
// opt.Overwrite, hold only a previous run's outputs.
func BeginWith(dir string, opt Options) (*Run, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("output: %s is a file, not a folder: give a folder (new, or one of an earlier run)", dir)
	}
	l, created, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	r := &Run{dir: dir, partial: filepath.Join(dir, PartialDir), lock: l, created: created,
		overwrite: opt.Overwrite, holdLock: opt.HoldLock, compress: opt.Compress, names: map[string]bool{},
		rename: os.Rename}
	if err := r.begin(); err != nil {
		r.lock.release(r.created)
		return nil, err
	}
	return r, nil
}

func (r *Run) begin() error {
	if err := r.recoverOld(); err != nil {
		return err
	}
	if _, err := os.Stat(r.partial); err == nil {
		if err := os.RemoveAll(r.partial); err != nil {
			return fmt.Errorf("output: removing %s left by an interrupted run: %w", r.partial, err)
		}
		r.notes = append(r.notes, fmt.Sprintf("removed %s, left by a run that was interrupted", r.partial))
	}
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	var others, foreign []string
	for _, e := range ents {
		switch n := e.Name(); n {
		case LockFile:
		case SummaryFile, SpikesDir, StateDir, WeightsDir, PlotsDir:
			others = append(others, n)
		default:
			others = append(others, n)
			foreign = append(foreign, n)
		}
	}
	switch {
	case len(others) > 0 && !r.overwrite:
		return fmt.Errorf("output: directory %s is %w (holds %s): choose another, or overwrite it",
			r.dir, ErrNotEmpty, strings.Join(others, ", "))
	case len(foreign) > 0:
		return fmt.Errorf("output: directory %s holds %s, which is not a run's output: only a previous run (%s) is overwritten",
			r.dir, strings.Join(foreign, ", "), strings.Join(outputNames[:], ", "))
	}
	if err := os.Mkdir(r.partial, 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// recoverOld tidies what an overwriting Commit killed midway left in
// DIR/.old. With summary.json in place the directory is complete (the new
// run's, or the old one's untouched): .old goes. Otherwise the old outputs
// are moved back — after removing the new ones that were being moved in,
// when .old is marked as holding all of the old ones.
func (r *Run) recoverOld() error {
	old := filepath.Join(r.dir, OldDir)
	if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(r.dir, SummaryFile)); err == nil {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("output: removing %s: %w", old, err)
		}
		r.notes = append(r.notes, fmt.Sprintf("removed %s, left by a run killed after it had committed", old))
		return nil
	}
	if err := r.restoreOld(); err != nil {
		return err
	}
	r.notes = append(r.notes, fmt.Sprintf("restored the outputs of %s that a run killed while committing was replacing", r.dir))
	return nil
}

// restoreOld moves the outputs in DIR/.old back into DIR, first removing
// the new ones from DIR if .old is marked as complete, and removes .old.
func (r *Run) restoreOld() error {
	old := filepath.Join(r.dir, OldDir)
	if _, err := os.Stat(filepath.Join(old, movedMark)); err == nil {
		for _, n := range outputNames {
			if err := os.RemoveAll(filepath.Join(r.dir, n)); err != nil {
				return fmt.Errorf("output: undoing a commit: %w", err)
			}
		}
	}
	for _, n := range outputNames {
		src := filepath.Join(old, n)
		if _, err := os.Lstat(src); err != nil {
			continue
		}
		if err := os.Rename(src, filepath.Join(r.dir, n)); err != nil {
			return fmt.Errorf("output: restoring the previous outputs of %s: %w", r.dir, err)
		}
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("output: removing %s: %w", old, err)
	}
	syncDir(r.dir)
	return nil
}

// Notes describes what Begin tidied up after an earlier run that was
// killed (one sentence each), for the user to be told.
func (r *Run) Notes() []string { return r.notes }

// Committed reports whether Commit succeeded: the outputs are complete and
// stay.
func (r *Run) Committed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.committed
}

// Release unlocks the directory after a Commit with Options.HoldLock. It
// is a no-op otherwise, and may be called more than once.
func (r *Run) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.lock.release(false)
	}
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
// Previous outputs (Options.Overwrite) are moved aside into DIR/.old first
// and deleted once the new ones are in place. On any error the run is
// aborted — the previous outputs moved back — and the error returned. The
// directory is unlocked unless Options.HoldLock.
func (r *Run) Commit(s Summary) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("output: run already committed or aborted")
	}
	if err := r.commit(s); err != nil {
		r.abortLocked()
		return fmt.Errorf("output: committing %s: %w", r.dir, err)
	}
	r.closed, r.committed = true, true
	if !r.holdLock {
		r.lock.release(false)
	}
	return nil
}

func (r *Run) commit(s Summary) error {
	if s.Populations == nil {
		s.Populations = []PopulationSummary{}
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("summary: %w", err)
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
	tmp := filepath.Join(r.partial, SummaryFile)
	if err := writeSync(tmp, js); err != nil {
		return err
	}
	// The previous outputs (if any) go aside into .old, summary.json
	// first; the mark then tells a later Begin that whatever outputs sit
	// in dir without a summary.json are this run's, half moved in.
	old := filepath.Join(r.dir, OldDir)
	if err := os.Mkdir(old, 0o755); err != nil {
		return err
	}
	for _, n := range outputNames {
		src := filepath.Join(r.dir, n)
		if _, err := os.Lstat(src); err != nil {
			continue
		}
		if err := r.rename(src, filepath.Join(old, n)); err != nil {
			return err
		}
	}
	if err := writeSync(filepath.Join(old, movedMark), nil); err != nil {
		return err
	}
	syncDir(old)
	syncDir(r.dir)
	for _, n := range []string{SpikesDir, StateDir, WeightsDir, SummaryFile} {
		src := filepath.Join(r.partial, n)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			continue
		}
		r.moved = append(r.moved, n)
		if err := r.rename(src, filepath.Join(r.dir, n)); err != nil {
			return err
		}
	}
	syncDir(r.dir)
	// Committed: the old outputs and the scaffolding go.
	os.RemoveAll(old)
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
// already moved by a failed Commit are removed (a previous run's outputs,
// with Options.Overwrite, are put back), dir itself is removed if Begin
// created it, and the lock is released. It is a no-op after a successful
// Commit and may be called more than once (typically deferred), from any
// goroutine: once it has returned no writer of the run creates a file.
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
	// Only what this run put into dir goes; what was there (a previous
	// run's outputs) is restored from .old.
	for _, n := range r.moved {
		os.RemoveAll(filepath.Join(r.dir, n))
	}
	if _, err := os.Stat(filepath.Join(r.dir, OldDir)); err == nil {
		os.Remove(filepath.Join(r.dir, OldDir, movedMark))
		r.restoreOld()
	}
	os.RemoveAll(r.partial)
	r.lock.release(r.created)
}
