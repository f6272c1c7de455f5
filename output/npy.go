package output

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// NumPy dtype descriptors used by the writers (little-endian).
const (
	DescrFloat64 = "<f8"
	DescrFloat32 = "<f4"
	DescrUint32  = "<u4"
	DescrInt64   = "<i8"
)

// npyMagic is the NumPy format magic string followed by version 1.0.
var npyMagic = []byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}

// descrSize returns the item size in bytes of a supported dtype descriptor.
func descrSize(descr string) (int, error) {
	switch descr {
	case DescrFloat64, DescrInt64:
		return 8, nil
	case DescrFloat32, DescrUint32:
		return 4, nil
	}
	return 0, fmt.Errorf("output: unsupported npy dtype %q", descr)
}

// NPYHeader returns the complete NumPy format 1.0 preamble (magic, version,
// header length and header dictionary) for a C-ordered array with the given
// dtype descriptor and shape. The header dictionary is padded with spaces and
// terminated by a newline so that the preamble length is a multiple of 64.
func NPYHeader(descr string, shape ...int64) ([]byte, error) {
	if _, err := descrSize(descr); err != nil {
		return nil, err
	}
	var sh strings.Builder
	sh.WriteByte('(')
	for k, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("output: negative npy dimension %d", d)
		}
		if k > 0 {
			sh.WriteString(", ")
		}
		sh.WriteString(strconv.FormatInt(d, 10))
	}
	if len(shape) == 1 {
		sh.WriteByte(',')
	}
	sh.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh.String())
	// preamble = magic+version (8) + uint16 length (2) + dict + padding + '\n'
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hlen := len(dict) + pad + 1
	if hlen > 0xffff {
		return nil, fmt.Errorf("output: npy header too long (%d bytes)", hlen)
	}
	buf := make([]byte, 0, 10+hlen)
	buf = append(buf, npyMagic...)
	buf = append(buf, byte(hlen), byte(hlen>>8))
	buf = append(buf, dict...)
	for range pad {
		buf = append(buf, ' ')
	}
	buf = append(buf, '\n')
	return buf, nil
}

// npzWriter writes a .npz archive (a zip of name.npy members) whose array
// data are streamed from readers.
//
// It is kept, rather than codeberg.org/sbinet/npyio (which the plot package
// uses to read these files back), because a run's arrays are streamed: their
// length is known only at the end of the run, and their data are spilled to
// temporary files meanwhile so that memory stays bounded. npyio's writers
// (npy.Write, npz.Writer.Write) take the whole array as one Go value and
// derive the shape from it, so they would hold every spike of a run in
// memory; they cannot write a header with a given shape followed by data
// copied from a reader.
type npzWriter struct {
	zw     *zip.Writer
	method uint16
}

func newNPZWriter(w io.Writer, compress bool) *npzWriter {
	m := zip.Store
	if compress {
		m = zip.Deflate
	}
	return &npzWriter{zw: zip.NewWriter(w), method: m}
}

// add writes member name+".npy" with the given dtype and shape; its raw
// little-endian C-ordered data (exactly prod(shape)*itemsize bytes) is copied
// from data.
func (n *npzWriter) add(name, descr string, data io.Reader, shape ...int64) error {
	hdr, err := NPYHeader(descr, shape...)
	if err != nil {
		return err
	}
	size, _ := descrSize(descr)
	nbytes := int64(size)
	for _, d := range shape {
		nbytes *= d
	}
	w, err := n.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: n.method})
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	copied, err := io.Copy(w, io.LimitReader(data, nbytes))
	if err != nil {
		return err
	}
	if copied != nbytes {
		return fmt.Errorf("output: npz member %s: wrote %d of %d bytes", name, copied, nbytes)
	}
	return nil
}

func (n *npzWriter) close() error { return n.zw.Close() }
