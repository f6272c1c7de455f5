package messages

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// MaxMessageBytes is the size a remote message is kept under: half of gRPC's
// default 4 MB frame limit, leaving room for protoactor's envelope.
const MaxMessageBytes = 2 << 20

// MaxEventsPerMessage bounds the events of one SpikeBatch. In the worst case
// an event costs 15 bytes on the wire (5-byte source, 5-byte delay extra,
// 4-byte value, its own 1-byte step count), so a batch of 1<<17 events takes
// at most 1.97 MB (for epochs of at most 1<<17 steps); typical batches take
// 1 to 2 bytes per event. Larger batches are cut with Split.
const MaxEventsPerMessage = 1 << 17

// MaxFloatsPerMessage bounds the samples of one GradedBatch (4 bytes each).
const MaxFloatsPerMessage = MaxMessageBytes / 4

// Event is one spike on a link, unpacked.
type Event struct {
	Step  int64   // absolute step the spike was emitted at
	Src   uint32  // source index: copy·rows + row of the sending axon
	Delay uint32  // extra delay in steps beyond the one-step minimum
	Value float32 // value carried (1 for a plain spike)
}

// SortEvents sorts events into canonical order (step, then source), keeping
// the relative order of events with equal step and source.
func SortEvents(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := cmp.Compare(a.Step, b.Step); c != 0 {
			return c
		}
		return cmp.Compare(a.Src, b.Src)
	})
}

const oneBits = 0x3f800000 // math.Float32bits(1)

// PackSpikes packs events, which must be in canonical order and inside the
// epoch, into dst. The header of dst (Link, Epoch, FirstStep, EpochLen) must
// be set; PackSpikes overwrites the event fields, reusing their storage, and
// marks dst whole (Part 0, Parts 0). On error the event fields of dst are
// left empty.
func PackSpikes(dst *SpikeBatch, events []Event) error {
	dst.Part, dst.Parts = 0, 0
	dst.BaseDelay = 0
	counts := dst.StepCounts[:0]
	srcs := dst.SrcDelta[:0]
	extras := dst.DelayExtra[:0]
	values := dst.Values[:0]
	if dst.EpochLen == 0 {
		return dst.clearEvents(dst.errorf("epoch length is 0"))
	}
	if dst.FirstStep > math.MaxInt64-int64(dst.EpochLen) {
		return dst.clearEvents(dst.errorf("first step %d overflows", dst.FirstStep))
	}
	srcs = slices.Grow(srcs, len(events))[:len(events)]
	var base uint32
	if len(events) > 0 {
		base = events[0].Delay
	}
	allOnes, allBase := true, true
	first, epochLen := dst.FirstStep, int64(dst.EpochLen)
	end := first + epochLen
	prevOff := int64(-1)
	var prevSrc, count uint32
	for i := range events {
		e := &events[i]
		if e.Step < first || e.Step >= end {
			return dst.clearEvents(dst.errorf("event %d at step %d is outside the epoch [%d, %d)",
				i, e.Step, first, end))
		}
		off := e.Step - first
		if off != prevOff {
			if off < prevOff {
				return dst.clearEvents(dst.errorf("event %d (step %d, source %d) is out of canonical order after (step %d, source %d)",
					i, e.Step, e.Src, first+prevOff, prevSrc))
			}
			if prevOff >= 0 {
				counts = append(counts, count)
			}
			for int64(len(counts)) < off {
				counts = append(counts, 0)
			}
			srcs[i] = e.Src
			count = 0
		} else {
			if e.Src < prevSrc {
				return dst.clearEvents(dst.errorf("event %d (step %d, source %d) is out of canonical order after (step %d, source %d)",
					i, e.Step, e.Src, first+prevOff, prevSrc))
			}
			srcs[i] = e.Src - prevSrc
		}
		count++
		prevOff, prevSrc = off, e.Src
		if e.Delay != base {
			allBase = false
			base = min(base, e.Delay)
		}
		if math.Float32bits(e.Value) != oneBits {
			allOnes = false
		}
	}
	if prevOff >= 0 {
		counts = append(counts, count)
	}
	if !allBase {
		extras = slices.Grow(extras, len(events))
		for i := range events {
			extras = append(extras, events[i].Delay-base)
		}
	}
	if !allOnes {
		values = slices.Grow(values, len(events))
		for i := range events {
			values = append(values, events[i].Value)
		}
	}
	dst.StepCounts, dst.SrcDelta, dst.DelayExtra, dst.Values = counts, srcs, extras, values
	dst.BaseDelay = base
	return nil
}

// clearEvents empties the event fields, keeping their storage, and returns
// err.
func (b *SpikeBatch) clearEvents(err error) error {
	b.StepCounts, b.SrcDelta, b.DelayExtra, b.Values = b.StepCounts[:0], b.SrcDelta[:0], b.DelayExtra[:0], b.Values[:0]
	b.BaseDelay = 0
	return err
}

// Len returns the number of events in the batch (or part).
func (b *SpikeBatch) Len() int { return len(b.SrcDelta) }

// Whole reports whether the batch is not one part of a split batch.
func (b *SpikeBatch) Whole() bool { return b.Parts <= 1 }

// Unpack validates the batch and decodes its events into dst, reusing dst's
// storage: the result is dst[:0] with the events appended, in canonical
// order, with absolute steps. On error it returns dst[:0].
func (b *SpikeBatch) Unpack(dst []Event) ([]Event, error) {
	return b.appendEvents(dst[:0])
}

// joinErrorf formats an error about the whole split batch that h is part of.
func joinErrorf(h *SpikeBatch, format string, args ...any) error {
	return fmt.Errorf(fmt.Sprintf("messages: spike batch link %d epoch %d: reassemble: ", h.Link, h.Epoch)+format, args...)
}

func (b *SpikeBatch) errorf(format string, args ...any) error {
	prefix := fmt.Sprintf("messages: spike batch link %d epoch %d", b.GetLink(), b.GetEpoch())
	if b.GetParts() > 1 {
		prefix += fmt.Sprintf(" part %d/%d", b.GetPart(), b.GetParts())
	}
	return fmt.Errorf(prefix+": "+format, args...)
}

// check validates lengths and header fields (not the decoded values).
func (b *SpikeBatch) check() error {
	if b == nil {
		return fmt.Errorf("messages: nil spike batch")
	}
	if b.EpochLen == 0 {
		return b.errorf("epoch length is 0")
	}
	if b.FirstStep > math.MaxInt64-int64(b.EpochLen) {
		return b.errorf("first step %d overflows", b.FirstStep)
	}
	if b.Parts > 1 && b.Part >= b.Parts {
		return b.errorf("part index %d not below part count %d", b.Part, b.Parts)
	}
	if b.Parts <= 1 && b.Part != 0 {
		return b.errorf("part index %d in a whole batch", b.Part)
	}
	if len(b.StepCounts) > int(b.EpochLen) {
		return b.errorf("%d step counts for an epoch of %d steps", len(b.StepCounts), b.EpochLen)
	}
	var sum uint64
	for _, c := range b.StepCounts {
		sum += uint64(c)
	}
	n := len(b.SrcDelta)
	if sum != uint64(n) {
		return b.errorf("step counts sum to %d but %d sources are given", sum, n)
	}
	if len(b.DelayExtra) != 0 && len(b.DelayExtra) != n {
		return b.errorf("%d delays for %d events", len(b.DelayExtra), n)
	}
	if len(b.Values) != 0 && len(b.Values) != n {
		return b.errorf("%d values for %d events", len(b.Values), n)
	}
	return nil
}

func (b *SpikeBatch) appendEvents(dst []Event) ([]Event, error) {
	start := len(dst)
	if err := b.check(); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, len(b.SrcDelta))
	extras, values := b.DelayExtra, b.Values
	i := 0
	for s, c := range b.StepCounts {
		step := b.FirstStep + int64(s)
		var src uint32
		for j := uint32(0); j < c; j++ {
			d := b.SrcDelta[i]
			if j == 0 {
				src = d
			} else {
				if d > math.MaxUint32-src {
					return dst[:start], b.errorf("event %d: source overflows uint32", i)
				}
				src += d
			}
			delay := b.BaseDelay
			if len(extras) != 0 {
				x := extras[i]
				if x > math.MaxUint32-delay {
					return dst[:start], b.errorf("event %d: delay overflows uint32", i)
				}
				delay += x
			}
			v := float32(1)
			if len(values) != 0 {
				v = values[i]
			}
			dst = append(dst, Event{Step: step, Src: src, Delay: delay, Value: v})
			i++
		}
	}
	return dst, nil
}

// Split cuts the batch into parts of at most maxEvents events each
// (MaxEventsPerMessage when maxEvents <= 0). A batch that fits is returned
// as is, alone. Each part is a valid SpikeBatch with the same header, its
// Part and Parts set, holding a contiguous run of the canonical event
// sequence; Reassemble joins them.
func (b *SpikeBatch) Split(maxEvents int) ([]*SpikeBatch, error) {
	if maxEvents <= 0 {
		maxEvents = MaxEventsPerMessage
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	if b.Parts > 1 {
		return nil, b.errorf("cannot split a part")
	}
	n := b.Len()
	if n <= maxEvents {
		return []*SpikeBatch{b}, nil
	}
	events, err := b.Unpack(nil)
	if err != nil {
		return nil, err
	}
	parts := (n + maxEvents - 1) / maxEvents
	if parts > math.MaxUint32 {
		return nil, b.errorf("%d parts overflow uint32", parts)
	}
	out := make([]*SpikeBatch, 0, parts)
	for k := range parts {
		lo, hi := k*maxEvents, min((k+1)*maxEvents, n)
		p := &SpikeBatch{Link: b.Link, Epoch: b.Epoch, FirstStep: b.FirstStep, EpochLen: b.EpochLen}
		if err := PackSpikes(p, events[lo:hi]); err != nil {
			return nil, err
		}
		p.Part, p.Parts = uint32(k), uint32(parts)
		out = append(out, p)
	}
	return out, nil
}

// Reassemble decodes the parts of one split batch, given in any order, into
// dst (reusing its storage as Unpack does). It checks that the parts share
// link, epoch, first step, epoch length and part count, that every part is
// present exactly once, and that the joined events are in canonical order.
// A whole batch is its own single part.
func Reassemble(dst []Event, parts []*SpikeBatch) ([]Event, error) {
	dst = dst[:0]
	if len(parts) == 0 {
		return dst, fmt.Errorf("messages: reassemble: no parts")
	}
	h := parts[0]
	if h == nil {
		return dst, fmt.Errorf("messages: reassemble: nil part")
	}
	want := max(int(h.Parts), 1)
	if len(parts) != want {
		return dst, joinErrorf(h, "have %d parts, want %d", len(parts), want)
	}
	for _, p := range parts {
		if p == nil {
			return dst, joinErrorf(h, "nil part")
		}
		if p.Link != h.Link || p.Epoch != h.Epoch || p.FirstStep != h.FirstStep ||
			p.EpochLen != h.EpochLen || max(int(p.Parts), 1) != want {
			return dst, joinErrorf(h, "part %d has header (link %d, epoch %d, first step %d, epoch length %d, parts %d), "+
				"want (link %d, epoch %d, first step %d, epoch length %d, parts %d)",
				p.Part, p.Link, p.Epoch, p.FirstStep, p.EpochLen, p.Parts,
				h.Link, h.Epoch, h.FirstStep, h.EpochLen, h.Parts)
		}
	}
	for k := range want {
		var p *SpikeBatch
		for _, q := range parts {
			if int(q.Part) == k {
				p = q
				break
			}
		}
		if p == nil {
			return dst[:0], joinErrorf(h, "part %d of %d is missing", k, want)
		}
		start := len(dst)
		var err error
		if dst, err = p.appendEvents(dst); err != nil {
			return dst[:0], err
		}
		if start > 0 && len(dst) > start {
			a, b := dst[start-1], dst[start]
			if b.Step < a.Step || (b.Step == a.Step && b.Src < a.Src) {
				return dst[:0], p.errorf("first event (step %d, source %d) is out of canonical order after the previous part's last (step %d, source %d)",
					b.Step, b.Src, a.Step, a.Src)
			}
		}
	}
	return dst, nil
}
