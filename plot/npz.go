package plot

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// npyHeader is the parsed preamble of one .npy array.
type npyHeader struct {
	descr    string
	shape    []int64
	itemsize int
}

// count is the number of elements, the product of the shape, or -1 when
// a dimension is negative or the product overflows (a corrupt header).
func (h npyHeader) count() int64 {
	n := int64(1)
	for _, d := range h.shape {
		if d < 0 || (d > 0 && n > math.MaxInt64/d) {
			return -1
		}
		n *= d
	}
	return n
}

// itemSize returns the size of a supported little-endian numeric dtype.
func itemSize(descr string) (int, bool) {
	switch descr {
	case "<f8", "<i8", "<u8":
		return 8, true
	case "<f4", "<i4", "<u4":
		return 4, true
	case "<i2", "<u2":
		return 2, true
	case "|u1", "|i1", "<u1", "<i1":
		return 1, true
	}
	return 0, false
}

// maxHeaderLen bounds the header dictionary read (NumPy writes under 1 KiB);
// readNPYHeader needs a buffer of at least 12 + maxHeaderLen bytes.
const maxHeaderLen = 1 << 15

// readNPYHeader reads the NumPy format preamble from br with
// codeberg.org/sbinet/npyio/npy, leaving br at the first data byte. The
// preamble is checked first, so that a corrupt or hostile file gets an
// error rather than a huge allocation (npyio allocates the header length
// it reads) or a panic (npyio slices the header up to its last newline).
func readNPYHeader(br *bufio.Reader) (npyHeader, error) {
	pre, err := br.Peek(12)
	if len(pre) < 10 {
		return npyHeader{}, fmt.Errorf("npy preamble: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return npyHeader{}, errors.New("not a NumPy .npy array (bad magic)")
	}
	var hlen, off int
	switch pre[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2:
		if len(pre) < 12 {
			return npyHeader{}, fmt.Errorf("npy preamble: %w", err)
		}
		hlen, off = int(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return npyHeader{}, fmt.Errorf("unsupported npy version %d.%d", pre[6], pre[7])
	}
	if hlen > maxHeaderLen {
		return npyHeader{}, fmt.Errorf("npy header too long (%d bytes)", hlen)
	}
	if br.Size() < off+hlen {
		return npyHeader{}, fmt.Errorf("npy header of %d bytes exceeds the %d-byte buffer", hlen, br.Size())
	}
	all, err := br.Peek(off + hlen)
	if err != nil {
		return npyHeader{}, fmt.Errorf("npy header: %w", err)
	}
	if bytes.IndexByte(all[off:], '\n') < 0 {
		return npyHeader{}, errors.New("npy header not terminated by a newline")
	}
	d, err := parseWithNPYIO(br)
	if err != nil {
		return npyHeader{}, fmt.Errorf("npy header: %w", err)
	}
	h := npyHeader{descr: strings.Trim(d.Type, "'\"")}
	size, ok := itemSize(h.descr)
	if !ok {
		return h, fmt.Errorf("unsupported npy dtype %q", h.descr)
	}
	h.itemsize = size
	if d.Fortran {
		return h, errors.New("npy array is not C-ordered (fortran_order must be False)")
	}
	for _, n := range d.Shape {
		if n < 0 {
			return h, fmt.Errorf("bad npy shape %v", d.Shape)
		}
		h.shape = append(h.shape, int64(n))
	}
	return h, nil
}

// parseWithNPYIO reads the preamble with npyio. Its dictionary parser
// expects NumPy's key order and slices by position, so a reordered or
// mangled dictionary can make it panic: that is turned into an error.
func parseWithNPYIO(br *bufio.Reader) (d npyDescr, err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("malformed header dictionary")
		}
	}()
	r, err := npy.NewReader(br)
	if err != nil {
		return d, err
	}
	return r.Header.Descr, nil
}

// npyDescr is npyio's description of an array: dtype, order and shape.
type npyDescr = struct {
	Type    string
	Fortran bool
	Shape   []int
}

// npz is an open .npz archive.
type npz struct {
	path string
	zr   *zip.ReadCloser
}

func openNPZ(path string) (*npz, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .npz archive: %w", path, err)
	}
	return &npz{path: path, zr: zr}, nil
}

func (z *npz) Close() error { return z.zr.Close() }

func (z *npz) has(name string) bool {
	for _, f := range z.zr.File {
		if f.Name == name+".npy" {
			return true
		}
	}
	return false
}

// column opens array name of the archive for streaming.
func (z *npz) column(name string) (*column, error) {
	for _, f := range z.zr.File {
		if f.Name != name+".npy" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", z.path, name, err)
		}
		br := bufio.NewReaderSize(rc, 1<<16)
		h, err := readNPYHeader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: %s: %w", z.path, name, err)
		}
		// The header's shape must fit the member's data: a crafted
		// header cannot make a reader allocate or loop beyond the file.
		if n := h.count(); n < 0 || uint64(n) > f.UncompressedSize64/uint64(max(h.itemsize, 1)) {
			rc.Close()
			return nil, fmt.Errorf("%s: %s: shape %v does not fit the %d bytes stored", z.path, name, h.shape, f.UncompressedSize64)
		}
		return &column{h: h, rc: rc, r: br, left: h.count(), name: z.path + ": " + name}, nil
	}
	return nil, fmt.Errorf("%s: no array %q", z.path, name)
}

// column streams the elements of one array, converted to float64.
type column struct {
	h    npyHeader
	rc   io.ReadCloser
	r    io.Reader
	left int64
	name string
	raw  []byte
}

func (c *column) Close() error { return c.rc.Close() }

// next fills buf with up to len(buf) further elements and returns how many
// it read; it returns io.EOF once all elements have been read.
func (c *column) next(buf []float64) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := len(buf)
	if int64(n) > c.left {
		n = int(c.left)
	}
	need := n * c.h.itemsize
	if cap(c.raw) < need {
		c.raw = make([]byte, need)
	}
	raw := c.raw[:need]
	if _, err := io.ReadFull(c.r, raw); err != nil {
		return 0, fmt.Errorf("%s: truncated array data: %w", c.name, err)
	}
	le := binary.LittleEndian
	for k := range n {
		b := raw[k*c.h.itemsize:]
		var v float64
		switch c.h.descr {
		case "<f8":
			v = math.Float64frombits(le.Uint64(b))
		case "<f4":
			v = float64(math.Float32frombits(le.Uint32(b)))
		case "<i8":
			v = float64(int64(le.Uint64(b)))
		case "<u8":
			v = float64(le.Uint64(b))
		case "<i4":
			v = float64(int32(le.Uint32(b)))
		case "<u4":
			v = float64(le.Uint32(b))
		case "<i2":
			v = float64(int16(le.Uint16(b)))
		case "<u2":
			v = float64(le.Uint16(b))
		case "|i1", "<i1":
			v = float64(int8(b[0]))
		default:
			v = float64(b[0])
		}
		buf[k] = v
	}
	c.left -= int64(n)
	return n, nil
}

// Array is a whole NumPy array converted to float64 (C order).
type Array struct {
	Descr string  // NumPy dtype descriptor as stored, e.g. "<f8"
	Shape []int64 // dimensions
	Data  []float64
}

// ReadNPZArray loads array name (without ".npy") of the .npz file at path.
// Supported dtypes are the little-endian integer and float types; the
// values are converted to float64. It is meant for small arrays: the
// renderer itself streams.
func ReadNPZArray(path, name string) (Array, error) {
	z, err := openNPZ(path)
	if err != nil {
		return Array{}, err
	}
	defer z.Close()
	c, err := z.column(name)
	if err != nil {
		return Array{}, err
	}
	defer c.Close()
	n := c.h.count()
	if n > 1<<31 {
		return Array{}, fmt.Errorf("%s: %s: array too large to load (%d elements)", path, name, n)
	}
	a := Array{Descr: c.h.descr, Shape: c.h.shape, Data: make([]float64, n)}
	off := 0
	for off < len(a.Data) {
		k, err := c.next(a.Data[off:])
		if err != nil {
			return Array{}, err
		}
		off += k
	}
	return a, nil
}
