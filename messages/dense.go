package messages

import (
	"fmt"
	"math"
)

func (g *GradedBatch) errorf(format string, args ...any) error {
	prefix := fmt.Sprintf("messages: graded batch link %d epoch %d", g.GetLink(), g.GetEpoch())
	if g.GetParts() > 1 {
		prefix += fmt.Sprintf(" part %d/%d", g.GetPart(), g.GetParts())
	}
	return fmt.Errorf(prefix+": "+format, args...)
}

// Validate checks the header and that Samples holds EpochLen × NElements
// values for an element range inside TotalElements.
func (g *GradedBatch) Validate() error {
	if g == nil {
		return fmt.Errorf("messages: nil graded batch")
	}
	if g.EpochLen == 0 {
		return g.errorf("epoch length is 0")
	}
	if g.Parts > 1 && g.Part >= g.Parts {
		return g.errorf("part index %d not below part count %d", g.Part, g.Parts)
	}
	if g.Parts <= 1 && (g.Part != 0 || g.FirstElement != 0 || g.NElements != g.TotalElements) {
		return g.errorf("whole batch holds elements [%d, %d) of %d (part %d)",
			g.FirstElement, uint64(g.FirstElement)+uint64(g.NElements), g.TotalElements, g.Part)
	}
	if uint64(g.FirstElement)+uint64(g.NElements) > uint64(g.TotalElements) {
		return g.errorf("elements [%d, %d) exceed the total %d",
			g.FirstElement, uint64(g.FirstElement)+uint64(g.NElements), g.TotalElements)
	}
	if want := uint64(g.EpochLen) * uint64(g.NElements); uint64(len(g.Samples)) != want {
		return g.errorf("%d samples, want %d steps × %d elements = %d",
			len(g.Samples), g.EpochLen, g.NElements, want)
	}
	return nil
}

// Split cuts the batch by element range into parts of at most maxFloats
// samples each (MaxFloatsPerMessage when maxFloats <= 0; at least one
// element per part). A batch that fits is returned as is, alone.
func (g *GradedBatch) Split(maxFloats int) ([]*GradedBatch, error) {
	if maxFloats <= 0 {
		maxFloats = MaxFloatsPerMessage
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if g.Parts > 1 {
		return nil, g.errorf("cannot split a part")
	}
	if len(g.Samples) <= maxFloats {
		return []*GradedBatch{g}, nil
	}
	steps, n := int(g.EpochLen), int(g.NElements)
	per := max(maxFloats/steps, 1)
	parts := (n + per - 1) / per
	if parts > math.MaxUint32 {
		return nil, g.errorf("%d parts overflow uint32", parts)
	}
	out := make([]*GradedBatch, 0, parts)
	for k := range parts {
		lo, hi := k*per, min((k+1)*per, n)
		p := &GradedBatch{
			Link: g.Link, Epoch: g.Epoch, FirstStep: g.FirstStep, EpochLen: g.EpochLen,
			Part: uint32(k), Parts: uint32(parts),
			FirstElement: uint32(lo), NElements: uint32(hi - lo), TotalElements: g.TotalElements,
			Samples: make([]float32, 0, steps*(hi-lo)),
		}
		for s := range steps {
			p.Samples = append(p.Samples, g.Samples[s*n+lo:s*n+hi]...)
		}
		out = append(out, p)
	}
	return out, nil
}

// ReassembleGraded joins the parts of one split graded batch, given in any
// order, into dst (reusing its storage): the result holds EpochLen ×
// TotalElements samples, step-major. Part k must hold the element range that
// follows part k-1's, and together they must cover every element.
func ReassembleGraded(dst []float32, parts []*GradedBatch) ([]float32, error) {
	dst = dst[:0]
	if len(parts) == 0 {
		return dst, fmt.Errorf("messages: reassemble graded: no parts")
	}
	h := parts[0]
	if h == nil {
		return dst, fmt.Errorf("messages: reassemble graded: nil part")
	}
	want := max(int(h.Parts), 1)
	if len(parts) != want {
		return dst, h.errorf("have %d parts, want %d", len(parts), want)
	}
	byIndex := make([]*GradedBatch, want)
	for _, p := range parts {
		if err := p.Validate(); err != nil {
			return dst, err
		}
		if p.Link != h.Link || p.Epoch != h.Epoch || p.FirstStep != h.FirstStep || p.EpochLen != h.EpochLen ||
			max(int(p.Parts), 1) != want || p.TotalElements != h.TotalElements {
			return dst, h.errorf("part %d has a different header", p.Part)
		}
		if byIndex[p.Part] != nil {
			return dst, h.errorf("part %d given twice", p.Part)
		}
		byIndex[p.Part] = p
	}
	// Part k must hold the elements that follow part k-1's.
	var next uint32
	for _, p := range byIndex {
		if p.FirstElement != next {
			return dst, p.errorf("starts at element %d, want %d", p.FirstElement, next)
		}
		next += p.NElements
	}
	if next != h.TotalElements {
		return dst, h.errorf("parts hold %d elements, want %d", next, h.TotalElements)
	}
	steps, n := int(h.EpochLen), int(h.TotalElements)
	size := steps * n
	if cap(dst) < size {
		dst = make([]float32, size)
	}
	dst = dst[:size]
	for _, p := range byIndex {
		lo, m := int(p.FirstElement), int(p.NElements)
		if m == 0 {
			continue // nothing to copy, however many steps it claims
		}
		for s := range steps {
			copy(dst[s*n+lo:s*n+lo+m], p.Samples[s*m:(s+1)*m])
		}
	}
	return dst, nil
}

// Validate checks that Concentration holds EpochLen × Copies values.
func (m *ModulatorSamples) Validate() error {
	if m == nil {
		return fmt.Errorf("messages: nil modulator samples")
	}
	if m.EpochLen == 0 {
		return fmt.Errorf("messages: modulator samples link %d epoch %d: epoch length is 0", m.Link, m.Epoch)
	}
	if want := uint64(m.EpochLen) * uint64(m.Copies); uint64(len(m.Concentration)) != want {
		return fmt.Errorf("messages: modulator samples link %d epoch %d: %d concentrations, want %d steps × %d copies = %d",
			m.Link, m.Epoch, len(m.Concentration), m.EpochLen, m.Copies, want)
	}
	return nil
}
