// Package dendrite holds the receiving side of synapses: receptors, each
// with a synaptic kernel (delta, exponential or alpha current, exponential
// or alpha conductance with a reversal potential) and an input ring buffer
// indexed by arrival step.
//
// Presynaptic events are added into the ring slot of the step at which they
// arrive (weight × value); at that step the receptor consumes the slot,
// updates its kernel state and contributes to the soma's Input:
//
//	delta:             Jump  += a                       (voltage jump, mV)
//	exp current:       g += a;  I += g;  g ← g·e^{−dt/τ}
//	alpha current:     h += a·e/τ; I += g; (g, h) propagated exactly
//	exp conductance:   g += a;  I += g·(E − v);  g ← g·e^{−dt/τ}
//	alpha conductance: as alpha current, I += g·(E − v)
//
// so an event of weight w at step n produces, for the exponential kernel,
// the current w·e^{−(m−n)·dt/τ} at step m ≥ n, and for the alpha kernel
// w·((m−n)dt/τ)·e^{1−(m−n)dt/τ} (peak w at τ). v is the potential at the
// start of the step (semi-implicit).
//
// An exponential-current receptor may scale its inputs by a gain
// (Receptor.Gain), applied by whatever adds into its ring, once per event:
// with the Exact PSC form (the default) and a model that integrates an
// exponentially decaying current exactly (soma.PSCGainer: the LIF with
// soma.Exact), the population sets it to P21/P20, so that the current the
// soma holds over a step gives the potential of the PSC decaying within it
// (NEST's iaf_psc_exp). The state g is then the gain times the PSC.
//
// # Fixed point
//
// A receptor whose Spec has Fixed set sums its inputs in 64-bit fixed
// point instead of float32: each input x, already rounded to float32,
// adds ToFixed(x) = round(x·2³²) into an integer ring (FixedSlot), and
// when the receptor reads a step's inputs it adds FromFixed of that
// step's sum (near and far links together) into the float32 slot,
// after whatever the population's drives added there. Integer sums do
// not depend on the order of their terms, so every engine, every shard
// layout and every device (package device, which sums the same way)
// computes the same input, bit for bit, whatever order the events come
// in. Inputs are exact to 2⁻³² and bounded by ±2³¹ in each step's sum.
package dendrite

import (
	"fmt"
	"math"
	"reflect"

	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/state"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Kernel names a synaptic kernel.
type Kernel int

// Kernels.
const (
	Delta Kernel = iota
	ExpCurrent
	AlphaCurrent
	ExpConductance
	AlphaConductance
)

var kernelNames = [...]string{"delta", "exp_current", "alpha_current", "exp_conductance", "alpha_conductance"}

func (k Kernel) String() string {
	if k < 0 || int(k) >= len(kernelNames) {
		return fmt.Sprintf("kernel(%d)", int(k))
	}
	return kernelNames[k]
}

// ParseKernel returns the kernel named s.
func ParseKernel(s string) (Kernel, error) {
	for i, n := range kernelNames {
		if n == s {
			return Kernel(i), nil
		}
	}
	return 0, fmt.Errorf("unknown kernel %q (valid: %v)", s, kernelNames)
}

// Conductance reports whether the kernel is conductance-based.
func (k Kernel) Conductance() bool { return k == ExpConductance || k == AlphaConductance }

// PSCForm selects how an exponential-current receptor's current acts on
// the soma within a step.
type PSCForm int

const (
	// Exact (the default): where the population's model integrates an
	// exponentially decaying current exactly (soma.PSCGainer: the leaky
	// integrate-and-fire neuron with soma.Exact integration and one
	// membrane time constant for every neuron), the receptor scales its
	// input by the model's gain f = P21/P20, so that the PSC, which decays
	// within the step, is integrated exactly — NEST's iaf_psc_exp (Rotter &
	// Diesmann 1999). With any other model f = 1: the same as
	// StepConstant.
	Exact PSCForm = iota
	// StepConstant holds the current over the step: the soma integrates
	// g as a constant input (with soma.Exact, with P20).
	StepConstant
)

var pscNames = [...]string{"exact", "step_constant"}

func (f PSCForm) String() string {
	if f < 0 || int(f) >= len(pscNames) {
		return fmt.Sprintf("psc(%d)", int(f))
	}
	return pscNames[f]
}

// ParsePSC returns the PSC form named s ("exact", "step_constant").
func ParsePSC(s string) (PSCForm, error) {
	for i, n := range pscNames {
		if n == s {
			return PSCForm(i), nil
		}
	}
	return 0, fmt.Errorf("unknown psc %q (valid: %v)", s, pscNames)
}

// Spec describes a receptor.
type Spec struct {
	Kernel Kernel
	// TauMs is the kernel time constant (ms); unused for Delta.
	TauMs float64
	// ReversalMV is the reversal potential of conductance kernels (mV).
	ReversalMV float64
	// PSC is the form of an ExpCurrent receptor's current within a step:
	// Exact (default) or StepConstant. Other kernels take Exact only.
	PSC PSCForm
	// Fixed sums the inputs in 64-bit fixed point (see the package
	// comment): network.Config.FixedPoint sets it on every receptor.
	Fixed bool
}

// ToFixed is x in the fixed point of receptors with Spec.Fixed:
// round(x·2³²), ties to even, as the device's kernels round it.
func ToFixed(x float32) int64 { return int64(math.RoundToEven(float64(x) * (1 << 32))) }

// FromFixed is a fixed-point sum as float32: float32(float64(s)·2⁻³²),
// as the device's kernels convert it.
func FromFixed(s int64) float32 { return float32(float64(s) * (1.0 / (1 << 32))) }

// Validate checks the parameters.
func (s Spec) Validate() error {
	if s.Kernel < Delta || s.Kernel > AlphaConductance {
		return fmt.Errorf("kernel = %d: unknown (valid: %v)", int(s.Kernel), kernelNames)
	}
	if s.Kernel != Delta && !(s.TauMs > 0 && !math.IsInf(s.TauMs, 0)) {
		return fmt.Errorf("%s: tau_ms = %g: must be > 0 and finite", s.Kernel, s.TauMs)
	}
	if math.IsNaN(s.ReversalMV) || math.IsInf(s.ReversalMV, 0) {
		return fmt.Errorf("%s: reversal_mV = %g: must be finite", s.Kernel, s.ReversalMV)
	}
	switch {
	case s.PSC != Exact && s.PSC != StepConstant:
		return fmt.Errorf("%s: psc = %d: unknown (valid: %v)", s.Kernel, int(s.PSC), pscNames)
	case s.PSC == StepConstant && s.Kernel != ExpCurrent:
		return fmt.Errorf("%s: psc = step_constant: only for exp_current", s.Kernel)
	}
	return nil
}

// Receptor is the runtime state of one receptor of a population.
type Receptor struct {
	spec  Spec      `state:"-"`
	n     int       `state:"-"` // elements (neurons × batch)
	ring  []float32 `state:"-"` // slots × n arrivals
	slots int       `state:"-"`
	g, h  []float32 `state:"elements"`
	decay float32   `state:"-"` // e^{-dt/τ}
	gain  float32   `state:"-"` // scales every input (SetGain); 1 by default
	alpha float32   `state:"-"` // e/τ: jump of h per unit weight (alpha kernels)
	dt    float32   `state:"-"`
	// far, if set, is the receptor's input from far links (Far): a ring
	// of its own, added into this one's slot when the slot is read.
	far *Receptor
	// fixed is the ring of fixed-point sums (slots × n), nil unless
	// spec.Fixed; touched lists, per slot, the elements whose sum was 0
	// when an input arrived (AddFixed): reading a step visits only them.
	fixed   []int64   `state:"-"`
	touched [][]int32 `state:"-"`
}

// New builds a receptor for n elements whose inputs arrive at most
// maxLatency steps after they are sent.
func (s Spec) New(n int, dt float64, maxLatency int) (*Receptor, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if maxLatency < 1 {
		maxLatency = 1
	}
	r := &Receptor{spec: s, n: n, slots: maxLatency + 1, dt: float32(dt), gain: 1}
	r.ring = make([]float32, r.slots*n)
	if s.Fixed {
		r.fixed, r.touched = make([]int64, r.slots*n), make([][]int32, r.slots)
	}
	if s.Kernel != Delta {
		r.g = make([]float32, n)
		r.decay = float32(math.Exp(-dt / s.TauMs))
	}
	if s.Kernel == AlphaCurrent || s.Kernel == AlphaConductance {
		r.h = make([]float32, n)
		r.alpha = float32(math.E / s.TauMs)
	}
	return r, nil
}

// Spec returns the receptor's description.
func (r *Receptor) Spec() Spec { return r.spec }

// Gain returns the factor by which every input into the receptor is
// scaled (SetGain); 1 unless set. Whatever adds into the receptor's ring
// (Slot, Ring) multiplies its value by it, once per event (the event's
// value, before the weights), so that a gain of 1 changes no bit.
func (r *Receptor) Gain() float32 { return r.gain }

// SetGain sets the factor of Gain. The population sets it for an
// exponential-current receptor with the Exact PSC form to its model's
// soma.PSCGainer factor P21/P20. The kernel state (G, and the current the
// receptor gives the soma) is then f times the PSC as the weights define
// it: the current as the soma receives it.
func (r *Receptor) SetGain(g float32) {
	r.gain = g
	if r.far != nil {
		r.far.gain = g
	}
}

// Slots returns the ring length: inputs may arrive up to Slots()-1 steps
// ahead.
func (r *Receptor) Slots() int { return r.slots }

// Ring returns the input ring itself: Slots() slots of n elements, slot
// step mod Slots() holding the inputs arriving at step (as Slot returns
// it). For delivery loops that would otherwise call Slot per input.
func (r *Receptor) Ring() (ring []float32, slots, n int) { return r.ring, r.slots, r.n }

// Grow enlarges the ring so inputs can arrive maxLatency steps ahead. It
// must be called before the run starts.
func (r *Receptor) Grow(maxLatency int) {
	if maxLatency+1 <= r.slots {
		return
	}
	r.slots = maxLatency + 1
	r.ring = make([]float32, r.slots*r.n)
	if r.fixed != nil {
		r.fixed, r.touched = make([]int64, r.slots*r.n), make([][]int32, r.slots)
	}
}

// Fixed reports whether the receptor sums its inputs in fixed point
// (Spec.Fixed).
func (r *Receptor) Fixed() bool { return r.fixed != nil }

// FixedSlot returns the fixed-point sums of the inputs arriving at step
// (Spec.Fixed; nil otherwise): len n, indexed by element, and the list
// of the elements touched so far. Events add ToFixed(weight × value)
// into it with AddFixed (or as AddFixed does), so that the list holds
// every element whose sum is not 0.
func (r *Receptor) FixedSlot(step int64) ([]int64, *[]int32) {
	if r.fixed == nil {
		return nil, nil
	}
	s := int(step % int64(r.slots))
	return r.fixed[s*r.n : (s+1)*r.n], &r.touched[s]
}

// FixedRing is Ring for the fixed-point sums (nil unless Spec.Fixed),
// with the lists of touched elements per slot (FixedSlot).
func (r *Receptor) FixedRing() ([]int64, [][]int32) { return r.fixed, r.touched }

// AddFixed adds x into element j of the sums f (a slot of FixedSlot),
// listing j in touched when its sum was 0.
func AddFixed(f []int64, touched *[]int32, j int, x int64) {
	if f[j] == 0 {
		*touched = append(*touched, int32(j))
	}
	f[j] += x
}

// Slot returns the buffer for inputs arriving at step: len n, indexed by
// element. Events add weight × value into it.
func (r *Receptor) Slot(step int64) []float32 {
	s := int(step % int64(r.slots))
	return r.ring[s*r.n : (s+1)*r.n]
}

// Far returns the receptor's input for far links, made on first use: a
// delta receptor of the same elements and gain, with a ring of its own,
// into which the links whose spikes an engine may apply several segments
// late (network.Network.FarAxons) add their inputs, in their own order.
// When the receptor reads a step's inputs (Consume, ConsumeConductance,
// Exp) it first adds the far input's slot of that step into its own, so
// that every engine sums a step's input alike — the near links' in their
// order, then the far links' sum — however late it applied the far links'
// spikes.
func (r *Receptor) Far() *Receptor {
	if r.far == nil {
		r.far = &Receptor{spec: Spec{Kernel: Delta, Fixed: r.spec.Fixed}, n: r.n, slots: r.slots, dt: r.dt, gain: r.gain}
		r.far.ring = make([]float32, r.slots*r.n)
		if r.fixed != nil {
			r.far.fixed, r.far.touched = make([]int64, r.slots*r.n), make([][]int32, r.slots)
		}
	}
	return r.far
}

// FarInput returns the receptor's far input, nil if it has none (Far
// makes one).
func (r *Receptor) FarInput() *Receptor { return r.far }

// take returns the inputs arriving at step, the far input's added (Far);
// with fixed point, the step's fixed-point sum (near and far) added to
// what the drives put into the slot.
func (r *Receptor) take(step int64) []float32 {
	a := r.Slot(step)
	if r.fixed != nil {
		// Only the elements touched since the slot was last read can
		// hold a sum; one of 0 adds nothing (the slot starts at +0 and
		// only sums are added into it, so it never holds −0, and x + 0
		// is x), and the order of the elements changes nothing.
		f, touched := r.FixedSlot(step)
		if r.far != nil {
			ff, farTouched := r.far.FixedSlot(step)
			for _, list := range []*[]int32{touched, farTouched} {
				for _, j := range *list {
					if f[j]|ff[j] != 0 {
						if s := f[j] + ff[j]; s != 0 {
							a[j] += FromFixed(s)
						}
						f[j], ff[j] = 0, 0
					}
				}
				*list = (*list)[:0]
			}
		} else {
			for _, j := range *touched {
				if x := f[j]; x != 0 {
					a[j] += FromFixed(x)
					f[j] = 0
				}
			}
			*touched = (*touched)[:0]
		}
		return a
	}
	if r.far != nil {
		f := r.far.Slot(step)
		for i, x := range f[:len(a)] {
			a[i] += x
		}
		clear(f)
	}
	return a
}

// Exp returns, for an exponential receptor (current or conductance), what
// a model that updates it itself needs (soma.Fuser): the inputs arriving
// at step, the kernel state, its per-step decay and, for a conductance,
// the reversal potential. ok is false for other kernels.
func (r *Receptor) Exp(step int64) (e soma.ExpCurrent, ok bool) {
	switch r.spec.Kernel {
	case ExpCurrent:
		return soma.ExpCurrent{In: r.take(step), G: r.g, Decay: r.decay}, true
	case ExpConductance:
		return soma.ExpCurrent{In: r.take(step), G: r.g, Decay: r.decay, Conductance: true, E: float32(r.spec.ReversalMV)}, true
	}
	return soma.ExpCurrent{}, false
}

// G returns the kernel state (conductance or current) per element, nil for
// delta receptors.
func (r *Receptor) G() []float32 { return r.g }

// Consume takes the inputs arriving at step, updates the kernel and adds
// the receptor's contribution to current (and, for delta kernels, to
// jump). v is the potential at the start of the step (conductance kernels
// only; may be nil otherwise). The slot is cleared for reuse.
func (r *Receptor) Consume(step int64, v, current, jump []float32) {
	a := r.take(step)
	n := len(a)
	switch r.spec.Kernel {
	case Delta:
		jump = jump[:n]
		for i, x := range a {
			jump[i] += x
		}
	case ExpCurrent:
		g, c := r.g[:n], current[:n]
		d := r.decay
		for i, x := range a {
			gi := g[i] + x
			c[i] += gi
			g[i] = gi * d
		}
	case ExpConductance:
		g, c, vv := r.g[:n], current[:n], v[:n]
		d, e := r.decay, float32(r.spec.ReversalMV)
		for i, x := range a {
			gi := g[i] + x
			c[i] += float32(gi * (e - vv[i]))
			g[i] = gi * d
		}
	case AlphaCurrent, AlphaConductance:
		// g' = -g/τ + h,  h' = -h/τ: exact propagation over dt,
		// g(t+dt) = e^{-dt/τ}(g + dt·h), h(t+dt) = e^{-dt/τ} h.
		g, h, c := r.g[:n], r.h[:n], current[:n]
		d, k, dt := r.decay, r.alpha, r.dt
		cond := r.spec.Kernel == AlphaConductance
		var e float32
		var vv []float32
		if cond {
			e, vv = float32(r.spec.ReversalMV), v[:n]
		}
		for i, x := range a {
			hi := h[i] + float32(x*k)
			gi := g[i]
			if cond {
				c[i] += float32(gi * (e - vv[i]))
			} else {
				c[i] += gi
			}
			g[i] = d * (gi + float32(dt*hi))
			h[i] = d * hi
		}
	}
	clear(a)
}

// ConsumeConductance is Consume for a model that integrates conductances
// itself (soma.Conductor): a conductance kernel adds its conductance g
// into gsum and g·E into ge instead of a current. Other kernels behave as
// in Consume.
func (r *Receptor) ConsumeConductance(step int64, v, current, jump, gsum, ge []float32) {
	if !r.spec.Kernel.Conductance() {
		r.Consume(step, v, current, jump)
		return
	}
	a := r.take(step)
	n := len(a)
	g, gs, gE := r.g[:n], gsum[:n], ge[:n]
	e := float32(r.spec.ReversalMV)
	d := r.decay
	if r.spec.Kernel == ExpConductance {
		for i, x := range a {
			gi := g[i] + x
			gs[i] += gi
			gE[i] += float32(gi * e)
			g[i] = gi * d
		}
	} else {
		h, k, dt := r.h[:n], r.alpha, r.dt
		for i, x := range a {
			hi := h[i] + float32(x*k)
			gi := g[i]
			gs[i] += gi
			gE[i] += float32(gi * e)
			g[i] = d * (gi + float32(dt*hi))
			h[i] = d * hi
		}
	}
	clear(a)
}

// Reset clears the kernel state and every input in flight.
func (r *Receptor) Reset() {
	clear(r.ring)
	clear(r.fixed)
	for s := range r.touched {
		r.touched[s] = r.touched[s][:0]
	}
	clear(r.g)
	clear(r.h)
	if r.far != nil {
		r.far.Reset()
	}
}

// StateVars implements state.Custom: the inputs in flight, as rows of
// one value per element for the steps step, step+1, … (the ring's slots
// in arrival order, so that a ring of another length takes them).
func (r *Receptor) StateVars(step int64) []state.Var {
	rows := make([]float32, len(r.ring))
	for k := range r.slots {
		s := int((step + int64(k)) % int64(r.slots))
		copy(rows[k*r.n:(k+1)*r.n], r.ring[s*r.n:(s+1)*r.n])
	}
	set := func(v reflect.Value) error {
		in, ok := v.Interface().([]float32)
		if !ok || r.n == 0 || len(in)%r.n != 0 {
			return fmt.Errorf("receptor inputs: %d values for rows of %d elements", v.Len(), r.n)
		}
		clear(r.ring)
		for k := 0; k*r.n < len(in); k++ {
			row := in[k*r.n : (k+1)*r.n]
			if k >= r.slots {
				for _, x := range row {
					if x != 0 {
						return fmt.Errorf("receptor inputs arriving %d steps ahead, beyond its %d slots", k, r.slots)
					}
				}
				continue
			}
			s := int((step + int64(k)) % int64(r.slots))
			copy(r.ring[s*r.n:(s+1)*r.n], row)
		}
		return nil
	}
	vars := []state.Var{{Path: "ring", Scope: state.Elements, Value: reflect.ValueOf(rows), Set: set}}
	if r.fixed != nil {
		vars = append(vars, r.fixedVar(step))
	}
	return vars
}

// fixedVar is the fixed-point sums in flight as a state variable, rows
// as the ring's.
func (r *Receptor) fixedVar(step int64) state.Var {
	rows := make([]int64, len(r.fixed))
	for k := range r.slots {
		s := int((step + int64(k)) % int64(r.slots))
		copy(rows[k*r.n:(k+1)*r.n], r.fixed[s*r.n:(s+1)*r.n])
	}
	set := func(v reflect.Value) error {
		in, ok := v.Interface().([]int64)
		if !ok || r.n == 0 || len(in)%r.n != 0 {
			return fmt.Errorf("receptor fixed-point inputs: %d values for rows of %d elements", v.Len(), r.n)
		}
		clear(r.fixed)
		for s := range r.touched {
			r.touched[s] = r.touched[s][:0]
		}
		for k := 0; k*r.n < len(in); k++ {
			row := in[k*r.n : (k+1)*r.n]
			if k >= r.slots {
				for _, x := range row {
					if x != 0 {
						return fmt.Errorf("receptor fixed-point inputs arriving %d steps ahead, beyond its %d slots", k, r.slots)
					}
				}
				continue
			}
			s := int((step + int64(k)) % int64(r.slots))
			copy(r.fixed[s*r.n:(s+1)*r.n], row)
			for j, x := range row {
				if x != 0 {
					r.touched[s] = append(r.touched[s], int32(j))
				}
			}
		}
		return nil
	}
	return state.Var{Path: "fixed", Scope: state.Elements, Value: reflect.ValueOf(rows), Set: set}
}
