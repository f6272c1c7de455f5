package plasticity

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/synapse"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Synapses is what a rule sees of the synapses it changes. It is built
// once, when the network is built (NewSynapses fills the column view and
// checks the fields).
type Synapses struct {
	Syn   *synapse.CSR `state:"-"`
	Batch int          `state:"-"` // independent copies sharing the weights
	Dt    float64      `state:"-"` // ms
	// Column view of Syn (see synapse.CSR.Transpose): synapses into
	// postsynaptic neuron j are ColSyn[ColPtr[j]:ColPtr[j+1]], from rows
	// ColRow[...].
	ColPtr, ColSyn, ColRow []uint32 `state:"-"`
	Wmin, Wmax             float32  `state:"-"`
	// Mask, when not nil, gates synapses (one entry per synapse, CSR
	// order): activity-driven rules (STDP) leave a synapse whose entry is
	// false untouched at that step, as the reference does for masked-off
	// synapses (they receive no signal). The slice is read every step, so
	// the owner may change it in place.
	Mask []bool `state:"-"`
}

// NewSynapses builds the projection of syn for a batch of copies, time
// step dt (ms) and weight bounds [wmin, wmax], with its column view.
func NewSynapses(syn *synapse.CSR, batch int, dt float64, wmin, wmax float32) (*Synapses, error) {
	if syn == nil {
		return nil, fmt.Errorf("plasticity: projection has no synapses (nil CSR)")
	}
	p := &Synapses{Syn: syn, Batch: batch, Dt: dt, Wmin: wmin, Wmax: wmax}
	if err := syn.Validate(); err != nil {
		return nil, fmt.Errorf("plasticity: projection: %w", err)
	}
	p.ColPtr, p.ColSyn, p.ColRow = syn.Transpose()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Validate checks the fields (not the CSR structure itself, which
// synapse.CSR.Validate does).
func (p *Synapses) Validate() error {
	switch {
	case p == nil || p.Syn == nil:
		return fmt.Errorf("plasticity: projection has no synapses (nil CSR)")
	case p.Batch < 1:
		return fmt.Errorf("plasticity: projection batch = %d: must be ≥ 1", p.Batch)
	case !(p.Dt > 0) || math.IsInf(p.Dt, 0):
		return fmt.Errorf("plasticity: projection dt = %g ms: must be > 0 and finite", p.Dt)
	case isNaN32(p.Wmin) || isNaN32(p.Wmax) || p.Wmin > p.Wmax:
		return fmt.Errorf("plasticity: projection weight bounds [%g, %g]: need Wmin ≤ Wmax", p.Wmin, p.Wmax)
	case len(p.ColPtr) != p.Syn.Cols+1 || len(p.ColSyn) != p.Syn.Len() || len(p.ColRow) != p.Syn.Len():
		return fmt.Errorf("plasticity: projection column view has %d pointers and %d/%d entries, want %d and %d (use NewSynapses or synapse.CSR.Transpose)",
			len(p.ColPtr), len(p.ColSyn), len(p.ColRow), p.Syn.Cols+1, p.Syn.Len())
	case p.Mask != nil && len(p.Mask) != p.Syn.Len():
		return fmt.Errorf("plasticity: projection mask has %d entries, want one per synapse (%d)", len(p.Mask), p.Syn.Len())
	}
	return nil
}

func isNaN32(x float32) bool { return x != x }

// StepData is what happened at one step, from the synapses' point of view.
type StepData struct {
	Step int64
	// Pre is the presynaptic signal arriving at the synapses at this step
	// (after delay, terminal response function and sign; spikes are 1),
	// per (copy, row): index b·Rows+r, len Batch·Rows. PreActive lists the
	// indices where Pre is not zero, ascending (an index whose value is
	// zero may be listed; rules treat it as silent). Rules may read Pre
	// only at the listed indices.
	Pre       []float32
	PreActive []uint32
	// Post is the postsynaptic output of the previous step (spikes 1 or
	// graded values) per (copy, neuron): index b·Cols+j, len Batch·Cols.
	// PostActive lists the non-zero indices, ascending.
	Post       []float32
	PostActive []uint32
	// Modulator is the neuromodulator concentration per (copy, row), len
	// Batch·Rows, or nil when the projection follows no modulator.
	Modulator []float32
}

// Delta accumulates the weight changes of one step. Rules add into DW at
// the synapses they touch with Add, which lists each synapse in Touched
// when its accumulated change leaves zero (a synapse whose sum returns to
// exactly zero and grows again is listed twice, which is harmless: Apply
// zeroes DW as it goes). The learner then applies w ← clip(w + DW) and
// clears DW.
type Delta struct {
	DW      []float32
	Touched []uint32
	// Dense is set by rules that change every synapse each step; the
	// whole of DW is then applied. Such a rule sets Dense and adds into DW
	// directly, for every synapse.
	Dense bool

	// Direct mode (set by the Learner for rules whose changes do not
	// depend on the weights, see directRule): Add applies each change to
	// w at once, clipped to [lo, hi], as event-driven simulators apply
	// each spike's change; a change that would make a weight NaN is not
	// applied and the first such synapse is kept in nanAt. This saves the
	// accumulator's random accesses.
	w       []float32
	lo, hi  float32
	nanAt   int
	changed bool
}

// NewDelta returns an empty accumulator for n synapses.
func NewDelta(n int) *Delta {
	return &Delta{DW: make([]float32, n)}
}

// Add adds dw to synapse k.
func (d *Delta) Add(k uint32, dw float32) {
	if dw == 0 {
		return
	}
	if d.w != nil {
		d.addDirect(k, dw)
		return
	}
	if d.DW[k] == 0 && !d.Dense {
		d.Touched = append(d.Touched, k)
	}
	d.DW[k] += float32(dw) // rounds dw: no FMA fusion with the caller's product, the same sums on every CPU
}

// addDirect applies dw to synapse k now (direct mode).
func (d *Delta) addDirect(k uint32, dw float32) {
	x := d.w[k] + float32(dw) // rounds dw, as Add does
	if x != x {
		if d.nanAt < 0 {
			d.nanAt = int(k)
		}
		return
	}
	d.w[k] = clip(x, d.lo, d.hi)
	d.changed = true
}

// direct starts direct mode on the weights w with bounds [lo, hi].
func (d *Delta) direct(w []float32, lo, hi float32) {
	d.w, d.lo, d.hi, d.nanAt, d.changed = w, lo, hi, -1, false
}

// Changed reports whether anything was accumulated (or, in direct mode,
// applied) since the last Apply or Discard.
func (d *Delta) Changed() bool { return d.Dense || len(d.Touched) > 0 || d.changed }

// Apply adds the accumulated changes to w, clips them to [lo, hi] and
// clears the accumulator. A synapse whose new weight would be NaN (a NaN
// change, or Inf − Inf) keeps its weight; Apply returns the first such
// synapse, or −1 when every change was applied. (Learner records it as an
// error.)
func (d *Delta) Apply(w []float32, lo, hi float32) (nanAt int) {
	nanAt = -1
	if d.w != nil {
		return d.endDirect()
	}
	dw := d.DW[:len(w)]
	if d.Dense {
		for k := range w {
			x := w[k] + dw[k]
			if x != x {
				if nanAt < 0 {
					nanAt = k
				}
				continue
			}
			w[k] = clip(x, lo, hi)
		}
		clear(d.DW)
	} else {
		for _, k := range d.Touched {
			x := w[k] + dw[k]
			dw[k] = 0
			if x != x {
				if nanAt < 0 {
					nanAt = int(k)
				}
				continue
			}
			w[k] = clip(x, lo, hi)
		}
	}
	d.Touched = d.Touched[:0]
	d.Dense = false
	return nanAt
}

// endDirect finishes a direct-mode step: the changes are in the weights
// already; it returns the first synapse whose change was refused as NaN,
// or −1.
func (d *Delta) endDirect() (nanAt int) {
	if d.w == nil {
		return -1 // not in direct mode
	}
	nanAt = d.nanAt
	d.w, d.nanAt, d.changed = nil, -1, false
	return nanAt
}

// Discard clears the accumulator without applying it (plasticity switched
// off: traces ran, weights stay).
func (d *Delta) Discard() {
	if d.Dense {
		clear(d.DW)
	} else {
		for _, k := range d.Touched {
			d.DW[k] = 0
		}
	}
	d.Touched = d.Touched[:0]
	d.Dense = false
}

// clip limits x to [lo, hi]. NaN passes through: Apply keeps it out.
func clip(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Rule is a learning rule bound to one projection.
type Rule interface {
	// Step updates the rule's traces with this step's data and adds the
	// weight changes into acc. It is called every step, after the
	// postsynaptic population fired, whether or not learning is on. It
	// reads the weights (Synapses.Syn.W) but does not change them.
	Step(d *StepData, acc *Delta)
	// Reset clears traces and counters.
	Reset()
}

// Spec describes a rule; New binds it to a projection. A Spec is a value
// that may be bound to many projections; every Rule it returns owns its
// own state.
type Spec interface {
	Kind() string
	New(p *Synapses) (Rule, error)
}
