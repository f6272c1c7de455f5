// Package plasticity holds synaptic learning rules (STDP with pluggable
// tags, convergent decay, composite rules), their learning rates, and the
// machinery that applies weight changes with bounds.
package plasticity

import "github.com/spiral-sim/spiral/synapse"

// Projection is what a rule sees of the synapses it changes. It is built
// once, when the network is built.
type Projection struct {
	Syn   *synapse.CSR
	Batch int     // independent copies sharing the weights
	Dt    float64 // ms
	// Column view of Syn (see synapse.CSR.Transpose): synapses into
	// postsynaptic neuron j are ColSyn[ColPtr[j]:ColPtr[j+1]], from rows
	// ColRow[...].
	ColPtr, ColSyn, ColRow []uint32
	Wmin, Wmax             float32
}

// StepData is what happened at one step, from the synapses' point of view.
type StepData struct {
	Step int64
	// Pre is the presynaptic signal arriving at the synapses at this step
	// (after delay, terminal response function and sign; spikes are 1),
	// per (copy, row): index b·Rows+r, len Batch·Rows. PreActive lists the
	// indices where Pre is not zero, ascending.
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
// the synapses they touch and list each touched synapse in Touched once
// (use Add). The projection then applies w ← clip(w + DW) and clears DW.
type Delta struct {
	DW      []float32
	mark    []bool
	Touched []uint32
	// Dense is set by rules that change every synapse each step; the
	// whole of DW is then applied.
	Dense bool
}

// NewDelta returns an empty accumulator for n synapses.
func NewDelta(n int) *Delta {
	return &Delta{DW: make([]float32, n), mark: make([]bool, n)}
}

// Add adds dw to synapse k.
func (d *Delta) Add(k uint32, dw float32) {
	if !d.mark[k] {
		d.mark[k] = true
		d.Touched = append(d.Touched, k)
	}
	d.DW[k] += dw
}

// Apply adds the accumulated changes to w, clips them to [lo, hi] and
// clears the accumulator. It returns the synapses changed (nil when Dense).
func (d *Delta) Apply(w []float32, lo, hi float32) {
	if d.Dense {
		for k := range w {
			w[k] = clip(w[k]+d.DW[k], lo, hi)
			d.DW[k] = 0
			d.mark[k] = false
		}
	} else {
		for _, k := range d.Touched {
			w[k] = clip(w[k]+d.DW[k], lo, hi)
			d.DW[k] = 0
			d.mark[k] = false
		}
	}
	d.Touched = d.Touched[:0]
	d.Dense = false
}

// Discard clears the accumulator without applying it (plasticity switched
// off: traces ran, weights stay).
func (d *Delta) Discard() {
	if d.Dense {
		clear(d.DW)
		clear(d.mark)
	} else {
		for _, k := range d.Touched {
			d.DW[k] = 0
			d.mark[k] = false
		}
	}
	d.Touched = d.Touched[:0]
	d.Dense = false
}

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
	// postsynaptic population fired, whether or not learning is on.
	Step(d *StepData, acc *Delta)
	// Reset clears traces and counters.
	Reset()
}

// Spec describes a rule; New binds it to a projection.
type Spec interface {
	Kind() string
	New(p *Projection) (Rule, error)
}
