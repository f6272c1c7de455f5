package checkpoint

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/spiral-sim/spiral/state"
)

// wirePiece is a Piece as EncodePieces writes it: numbers as raw bytes.
type wirePiece struct {
	Entry     entry
	Lo, Hi, N int
	Whole     bool
	Cols      []byte
}

// EncodePieces encodes pieces for another process (DecodePieces).
func EncodePieces(ps []Piece) ([]byte, error) {
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	if err := enc.Encode(len(ps)); err != nil {
		return nil, fmt.Errorf("checkpoint: encoding state: %w", err)
	}
	for _, p := range ps {
		e := encodeEntry(p.Path, p.Value)
		e.Scope, e.Unit, e.Pop = uint8(p.Scope), p.Unit, p.Pop
		w := wirePiece{Entry: e, Lo: p.Lo, Hi: p.Hi, N: p.N, Whole: p.Whole}
		if p.Cols != nil {
			w.Cols = encodeEntry("", p.Cols).Raw
		}
		if err := enc.Encode(w); err != nil {
			return nil, fmt.Errorf("checkpoint: encoding state: %s: %w", p.Path, err)
		}
	}
	return b.Bytes(), nil
}

// DecodePieces decodes what EncodePieces encoded, from another process:
// a malformed encoding, or pieces whose ranges or scopes make no sense,
// are an error. What the pieces hold is checked where they are set or
// joined.
func DecodePieces(b []byte) ([]Piece, error) {
	dec := gob.NewDecoder(bytes.NewReader(b))
	var n int
	if err := dec.Decode(&n); err != nil || n < 0 || n > len(b) {
		return nil, fmt.Errorf("checkpoint: decoding state: %d pieces in %d bytes (%v)", n, len(b), err)
	}
	out := make([]Piece, 0, n)
	for range n {
		var w wirePiece
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("checkpoint: decoding state: %w", err)
		}
		v, err := w.Entry.value()
		if err != nil {
			return nil, fmt.Errorf("checkpoint: decoding state: %w", err)
		}
		e := w.Entry
		if e.Scope < uint8(state.Elements) || e.Scope > uint8(state.Synapses) || e.Pop < -1 ||
			w.Lo < 0 || w.Hi < w.Lo || w.N < w.Hi || (e.Pop < 0) != w.Whole || v == nil {
			return nil, fmt.Errorf("checkpoint: decoding state: %s: scope %d, population %d, elements [%d, %d) of %d", e.Path, e.Scope, e.Pop, w.Lo, w.Hi, w.N)
		}
		p := Piece{Path: e.Path, Meta: Meta{Scope: state.Scope(e.Scope), Unit: e.Unit, Pop: e.Pop}, Lo: w.Lo, Hi: w.Hi, N: w.N, Whole: w.Whole, Value: v}
		if w.Cols != nil {
			c, err := entry{Path: e.Path, Kind: "u32", Raw: w.Cols}.value()
			if err != nil {
				return nil, fmt.Errorf("checkpoint: decoding state: %w", err)
			}
			p.Cols = c.([]uint32)
			if len(p.Cols) != w.Hi-w.Lo {
				return nil, fmt.Errorf("checkpoint: decoding state: %s: in-degrees of %d columns for [%d, %d)", e.Path, len(p.Cols), w.Lo, w.Hi)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
