package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"time"

	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/state"
)

// Format is the version of the checkpoint file format that Write writes
// and Read reads. Format 2 stores per-synapse state in column order with
// each projection's in-degrees, and how each variable maps onto parts;
// format 1 (per-synapse state in CSR order) is no longer read.
const Format = 2

// magic opens every checkpoint file.
var magic = [8]byte{'S', 'P', 'I', 'R', 'A', 'L', 'C', 'K'}

// Info describes a checkpoint: what made it and where the run was.
type Info struct {
	Format int    `json:"format"`
	Spiral string `json:"spiral"` // the version of Spiral that wrote it (Write fills it in when empty)
	// Model is the model's name; Recipe the recipe that builds it, as
	// recipe.Recipe.Marshal encodes it (the model file — as written, or as
	// modelfile.Write writes a built-in model — with its name and seed;
	// spiral-node resume reads it) and Seed the run's seed, so that the
	// checkpoint alone resumes the run.
	Model  string `json:"model"`
	Recipe []byte `json:"recipe,omitempty"`
	Seed   uint64 `json:"seed"`
	// Step is the steps computed; DtMs the time step (Write takes the
	// snapshot's when it is 0); EndStep the step the run was to reach (0:
	// unknown).
	Step    int64   `json:"step"`
	DtMs    float64 `json:"dt_ms"`
	EndStep int64   `json:"end_step,omitempty"`
	// Created is when it was written (RFC 3339, UTC).
	Created   string    `json:"created"`
	Structure Structure `json:"structure"`
	// Vars is the number of state variables it holds.
	Vars int `json:"vars"`
}

// entry is one variable in a checkpoint file: a slice of numbers as its
// little-endian bytes (Kind names the type), anything else as Value.
type entry struct {
	Path  string
	Kind  string
	Raw   []byte
	Value any
	Scope uint8
	Unit  string
	Pop   int
}

// rawKinds are the slice types stored as raw little-endian bytes.
var rawKinds = map[string]reflect.Type{
	"f32": reflect.TypeOf([]float32(nil)), "f64": reflect.TypeOf([]float64(nil)),
	"i32": reflect.TypeOf([]int32(nil)), "i64": reflect.TypeOf([]int64(nil)),
	"u32": reflect.TypeOf([]uint32(nil)), "u64": reflect.TypeOf([]uint64(nil)),
}

// encodeEntry returns v's entry.
func encodeEntry(path string, v any) entry {
	t := reflect.TypeOf(v)
	for k, rt := range rawKinds {
		if t == rt {
			var b bytes.Buffer
			_ = binary.Write(&b, binary.LittleEndian, v)
			return entry{Path: path, Kind: k, Raw: b.Bytes()}
		}
	}
	return entry{Path: path, Value: v}
}

// value returns the variable an entry holds.
func (e entry) value() (any, error) {
	if e.Kind == "" {
		return e.Value, nil
	}
	rt, ok := rawKinds[e.Kind]
	if !ok {
		return nil, fmt.Errorf("%s: values of kind %q", e.Path, e.Kind)
	}
	size := int(rt.Elem().Size())
	if len(e.Raw)%size != 0 {
		return nil, fmt.Errorf("%s: %d bytes of %s values", e.Path, len(e.Raw), e.Kind)
	}
	v := reflect.MakeSlice(rt, len(e.Raw)/size, len(e.Raw)/size)
	if err := binary.Read(bytes.NewReader(e.Raw), binary.LittleEndian, v.Interface()); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return v.Interface(), nil
}

// init registers, for gob, the types of the state variables (package
// state) that the components declare.
func init() {
	for _, v := range []any{
		[]float32(nil), []float64(nil), []int64(nil), []int32(nil), []uint32(nil), []uint64(nil), []uint8(nil), []bool(nil),
		[][]float32(nil), [][]uint32(nil), []projection.Queued(nil),
		false, int(0), int64(0), int32(0), uint32(0), uint64(0), float32(0), float64(0),
	} {
		gob.Register(v)
	}
}

// Write writes snap, described by info (its Step, Structure and Vars are
// taken from snap), to path atomically: into a temporary file in the same
// directory, synced, then renamed over path; the directory is synced
// too. A failure leaves path as it was.
func Write(path string, info Info, snap *Snapshot) (err error) {
	if snap == nil {
		return fmt.Errorf("checkpoint: writing %s: %w", path, errNoSnapshot)
	}
	info.Format = Format
	info.Step = snap.Step
	if info.DtMs == 0 && snap.Structure.DtMS != nil {
		info.DtMs = *snap.Structure.DtMS
	}
	info.Structure = snap.Structure
	info.Vars = len(snap.Vars)
	if info.Created == "" {
		info.Created = time.Now().UTC().Format(time.RFC3339)
	}
	if info.Spiral == "" {
		info.Spiral = moduleVersion()
	}
	header, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	paths := make([]string, 0, len(snap.Vars))
	for p := range snap.Vars {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	// The file streams through the checksum: magic, format, the header's
	// length and the header, the state (gob), then the SHA-256 of all
	// that.
	sum := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<20)
	w.Write(magic[:])
	_ = binary.Write(w, binary.LittleEndian, uint32(Format))
	_ = binary.Write(w, binary.LittleEndian, uint32(len(header)))
	w.Write(header)
	enc := gob.NewEncoder(w)
	if err := enc.Encode(len(paths)); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	for _, p := range paths {
		e := encodeEntry(p, snap.Vars[p])
		m := snap.Meta[p]
		e.Scope, e.Unit, e.Pop = uint8(m.Scope), m.Unit, m.Pop
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("checkpoint %s: %s: %w", path, p, err)
		}
	}
	units := make([]string, 0, len(snap.InDegree))
	for u := range snap.InDegree {
		units = append(units, u)
	}
	sort.Strings(units)
	if err := enc.Encode(len(units)); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	for _, u := range units {
		if err := enc.Encode(encodeEntry(u, snap.InDegree[u])); err != nil {
			return fmt.Errorf("checkpoint %s: %s: %w", path, u, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("checkpoint %s: writing: %w", path, err)
	}
	if _, err := f.Write(sum.Sum(nil)); err != nil {
		return fmt.Errorf("checkpoint %s: writing: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("checkpoint %s: syncing: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// IsFile reports whether path is a regular file that opens as a
// checkpoint (its first bytes), without reading it further.
func IsFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	head := make([]byte, len(magic))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, magic[:])
}

// maxHeader bounds a checkpoint's header (its recipe is a model file of at
// most 16 MiB).
const maxHeader = 64 << 20

// ReadInfo reads a checkpoint's description, checking its checksum, and
// not its state.
func ReadInfo(path string) (Info, error) {
	info, _, err := read(path, false)
	return info, err
}

// Read reads a checkpoint written by Write. A file that is not a
// checkpoint, of another format, damaged (its checksum differs) or cut
// short is an error saying so.
func Read(path string) (Info, *Snapshot, error) {
	return read(path, true)
}

func read(path string, withState bool) (Info, *Snapshot, error) {
	var info Info
	fail := func(format string, args ...any) (Info, *Snapshot, error) {
		return info, nil, fmt.Errorf("checkpoint %s: %s", path, fmt.Sprintf(format, args...))
	}
	f, err := os.Open(path)
	if err != nil {
		return info, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return info, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fail("not a regular file")
	}
	size := st.Size()
	head := make([]byte, 12)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head[:8], magic[:]) {
		return fail("not a Spiral checkpoint")
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != Format {
		return fail("format %d; this Spiral reads format %d", v, Format)
	}
	if size < 12+4+sha256.Size {
		return fail("cut short (%d bytes)", size)
	}
	// First the checksum, streaming, so that nothing of a damaged file is
	// decoded; then the contents, streaming too.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return info, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := io.CopyN(h, f, size-sha256.Size); err != nil {
		return fail("reading: %v", err)
	}
	sum := make([]byte, sha256.Size)
	if _, err := io.ReadFull(f, sum); err != nil || !bytes.Equal(h.Sum(nil), sum) {
		return fail("damaged: its checksum does not match its contents")
	}
	if _, err := f.Seek(12, io.SeekStart); err != nil {
		return info, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	r := bufio.NewReaderSize(io.LimitReader(f, size-sha256.Size-12), 1<<20)
	var hl uint32
	if err := binary.Read(r, binary.LittleEndian, &hl); err != nil || hl > maxHeader || int64(hl) > size {
		return fail("a header of %d bytes in a file of %d", hl, size)
	}
	header := make([]byte, hl)
	if _, err := io.ReadFull(r, header); err != nil {
		return fail("reading its header: %v", err)
	}
	if err := json.Unmarshal(header, &info); err != nil {
		return fail("its header: %v", err)
	}
	if !withState {
		return info, nil, nil
	}
	dec := gob.NewDecoder(r)
	var n int
	if err := dec.Decode(&n); err != nil || n < 0 || n != info.Vars {
		return fail("%d variables, its header says %d (%v)", n, info.Vars, err)
	}
	snap := &Snapshot{Step: info.Step, Vars: make(map[string]any, n), Meta: make(map[string]Meta, n), InDegree: map[string][]uint32{}, Structure: info.Structure}
	for range n {
		var e entry
		if err := dec.Decode(&e); err != nil {
			return fail("reading its state: %v", err)
		}
		if _, dup := snap.Vars[e.Path]; dup {
			return fail("%s twice", e.Path)
		}
		v, err := e.value()
		if err != nil {
			return fail("%v", err)
		}
		if e.Scope < uint8(state.Elements) || e.Scope > uint8(state.Synapses) || e.Pop < -1 || e.Pop >= len(info.Structure.Populations) {
			return fail("%s: scope %d of population %d", e.Path, e.Scope, e.Pop)
		}
		snap.Vars[e.Path] = v
		snap.Meta[e.Path] = Meta{Scope: state.Scope(e.Scope), Unit: e.Unit, Pop: e.Pop}
	}
	var nu int
	if err := dec.Decode(&nu); err != nil || nu < 0 || nu > len(info.Structure.Projections) {
		return fail("in-degrees of %d projections (%v)", nu, err)
	}
	for range nu {
		var e entry
		if err := dec.Decode(&e); err != nil {
			return fail("reading its in-degrees: %v", err)
		}
		v, err := e.value()
		if err != nil {
			return fail("%v", err)
		}
		d, ok := v.([]uint32)
		if !ok {
			return fail("%s: in-degrees of type %T", e.Path, v)
		}
		snap.InDegree[e.Path] = d
	}
	return info, snap, nil
}

// moduleVersion returns the version of Spiral's module in this program,
// as built ("(devel)" when it is the main module built from a work tree,
// with its VCS revision where recorded), or "unknown".
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	const path = "github.com/spiral-sim/spiral"
	if bi.Main.Path == path {
		v := bi.Main.Version
		if v == "" {
			v = "(devel)"
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
		return v
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}
