package axon

import (
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// MaxDelaySteps is the largest delay, in steps, that an axon accepts: it
// fits the 16-bit latency of a stored synapse, and bounds the ring buffers
// that consumers size from MaxLatency.
const MaxDelaySteps = 65535

// maxHistory bounds the delay history of the stateful path (float32
// values), so that a mistyped delay is an error, not an enormous
// allocation.
const maxHistory = 1 << 31

// Rounding is how a delay in ms becomes whole steps of dt.
type Rounding int

const (
	// Floor rounds down, D = floor(d/dt + 1e-9) (DelaySteps): the Python
	// Spiral's rule; the default.
	Floor Rounding = iota
	// Nearest rounds to the nearest step, halves up, D = floor(d/dt + 0.5
	// + 1e-9) (param.RoundSteps), as NEST does for its delays.
	Nearest
)

// String returns "floor" or "nearest".
func (r Rounding) String() string {
	switch r {
	case Floor:
		return "floor"
	case Nearest:
		return "nearest"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// Steps converts a delay d (ms) to whole steps at time step dt (ms) by
// the rule r.
func (r Rounding) Steps(d, dt float64) int {
	if r == Nearest {
		return param.RoundSteps(d, dt)
	}
	return DelaySteps(d, dt)
}

// DelaySteps converts a delay d (ms) to whole steps at time step dt (ms):
// D = floor(d/dt + 1e-9) (param.Steps). The tolerance absorbs
// floating-point error, so 1.5 ms at dt = 0.1 ms is 15 steps (1.5/0.1 is
// 14.999999999999998).
func DelaySteps(d, dt float64) int {
	return param.Steps(d, dt)
}

// Spec describes an axon: the outgoing side of a population of N neurons,
// each with Terminals terminals. Row r = i·Terminals + k is terminal k of
// neuron i; Rows = N·Terminals.
type Spec struct {
	// Terminals per neuron; 0 means 1.
	Terminals int
	// DelayMs is the axonal delay in ms (≥ 0), given as a constant, an
	// array of Terminals values (one per terminal, the same for every
	// neuron), an array of N·Terminals values (one per row), or a
	// distribution (one draw per row, in row order, from env.Key's stream
	// for rng.PurposeDelays; network keys it by population and axon name).
	// The zero Value is no delay.
	DelayMs param.Value
	// Inhibitory makes every terminal inhibitory (sign −1).
	Inhibitory bool
	// InhibitoryRows marks inhibitory terminals: Terminals values (one per
	// terminal) or N·Terminals (one per row); true = inhibitory. A row is
	// inhibitory if Inhibitory or its entry is set. For one sign per
	// neuron, repeat each neuron's sign Terminals times.
	InhibitoryRows []bool
	// Response shapes the release at each terminal; nil is the identity.
	// It is built for Batch·Rows elements ordered (copy, neuron,
	// terminal). An array parameter must have 1 value, Terminals values
	// (one per terminal) or N·Terminals values (one per neuron and
	// terminal, shared by the copies); for one value per neuron, repeat
	// each neuron's value Terminals times. Other lengths are errors.
	Response response.Spec
	// MaxDelayMs (ms), if > 0, rejects longer delays; delays are always
	// limited to MaxDelaySteps steps.
	MaxDelayMs float64
	// Rounding turns delays in ms into whole steps: Floor (the default,
	// the reference's rule) or Nearest (NEST's).
	Rounding Rounding
	// Buffered makes the axon hold spikes in flight itself even when the
	// response function is memoryless: events then all carry the
	// smallest delay (see the package documentation). Axons with a
	// stateful response always work this way.
	Buffered bool
}

// Event is one release at a terminal: the consumer applies Value to row
// Src at step n + 1 + Delay, where n is the step of the Emit call that
// produced it.
type Event struct {
	Src   uint32  // b·Rows + row, row = i·Terminals + k
	Delay uint32  // steps beyond the one-step minimum
	Value float32 // sign × response
}

// Runtime is a built axon: the engine-level state that a network.Axon
// holds (as Axon). See the package documentation for its two paths.
type Runtime struct {
	n, batch, k, rows int `state:"-"`

	d          []uint32  `state:"-"` // delay of each row, steps
	dmin, dmax uint32    `state:"-"` // smallest and largest delay
	sign       []float32 `state:"-"` // +1 or −1 per row

	rf     response.Function // nil: identity
	direct bool              `state:"-"` // memoryless path: events carry the row delay
	err    error             `state:"-"` // first run-time problem (Err)

	// Direct path: the event of a spike at each element b·Rows+row (its
	// Value sign·RF(1)); a spike of element e = b·N+i owns the K
	// templates from e·K on. spikeZero: some template has Value 0.
	tmpl      []Event   `state:"-"`
	spikeZero bool      `state:"-"`
	y         []float32 `state:"-"` // scratch, per element b·Rows+row

	// Stateful path: output history per (copy, neuron); slot s holds the
	// output of a step ≡ s (mod h) at hist[s·Batch·N:].
	hist  []float32 `state:"shared"`
	shift []int32   `state:"-"`      // per row: D − dmin
	h     int       `state:"-"`      // slots = dmax − dmin + 1
	pos   int       `state:"shared"` // slot of the current step
}

// New builds the axon of a population that runs in env.
func (s Spec) New(env soma.Env) (*Runtime, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("axon: %w", err)
	}
	k := s.Terminals
	if k == 0 {
		k = 1
	}
	if k < 0 {
		return nil, fmt.Errorf("axon: terminals = %d: must be >= 1", s.Terminals)
	}
	rows := env.N * k
	if int64(rows)*int64(env.Batch) > math.MaxUint32 {
		return nil, fmt.Errorf("axon: %d copies × %d neurons × %d terminals do not fit 32-bit event sources", env.Batch, env.N, k)
	}
	a := &Runtime{n: env.N, batch: env.Batch, k: k, rows: rows}

	if err := a.setDelays(s, env); err != nil {
		return nil, err
	}
	if err := a.setSigns(s); err != nil {
		return nil, err
	}

	ne := env.Batch * rows
	a.y = make([]float32, ne)
	memoryless := true
	if s.Response != nil {
		if err := a.responseLayout().Check(s.Response); err != nil {
			return nil, fmt.Errorf("axon: response %w", err)
		}
		rf, err := s.Response.New(ne, env.Dt)
		if err != nil {
			return nil, fmt.Errorf("axon: response: %w", err)
		}
		if rf.Len() != ne {
			return nil, fmt.Errorf("axon: response %s has %d elements, want %d", s.Response.Kind(), rf.Len(), ne)
		}
		a.rf = rf
		memoryless = rf.Memoryless()
	}
	a.direct = memoryless && !s.Buffered

	if a.direct {
		// A spike is the input 1 at its element; a memoryless function's
		// answer to it is fixed, so compute it once.
		y := a.y
		for e := range y {
			y[e] = 1
		}
		if a.rf != nil {
			a.rf.Step(y, y)
			a.rf.Reset()
		}
		a.tmpl = make([]Event, ne)
		for e, v := range y {
			r := e % rows
			a.tmpl[e] = Event{Src: uint32(e), Delay: a.d[r], Value: v * a.sign[r]}
			a.spikeZero = a.spikeZero || v == 0
		}
		return a, nil
	}

	a.h = int(a.dmax-a.dmin) + 1
	if int64(a.h)*int64(env.Batch)*int64(env.N) > maxHistory {
		return nil, fmt.Errorf("axon: a delay spread of %d steps over %d copies × %d neurons needs too much history (limit %d values)", a.h-1, env.Batch, env.N, maxHistory)
	}
	a.hist = make([]float32, a.h*env.Batch*env.N)
	a.shift = make([]int32, rows)
	for r, d := range a.d {
		a.shift[r] = int32(d - a.dmin)
	}
	return a, nil
}

// responseLayout is the layout of the response elements (copy, neuron,
// terminal): arrays are per terminal or per (neuron, terminal).
func (a *Runtime) responseLayout() response.Layout {
	if a.k == 1 {
		return response.Layout{Valid: []int{1, a.rows}, Labels: []string{"", "per neuron"}}
	}
	return response.Layout{
		Valid:  []int{1, a.k, a.rows},
		Labels: []string{"", "per terminal", "per neuron and terminal"},
	}
}

// setDelays expands, checks and converts the delays.
func (a *Runtime) setDelays(s Spec, env soma.Env) error {
	if s.Rounding != Floor && s.Rounding != Nearest {
		return fmt.Errorf("axon: rounding %v: must be Floor or Nearest", s.Rounding)
	}
	if !(s.MaxDelayMs >= 0) || math.IsInf(s.MaxDelayMs, 0) {
		return fmt.Errorf("axon: max_delay_ms = %g: must be >= 0 and finite (0: only the limit of %d steps)", s.MaxDelayMs, MaxDelaySteps)
	}
	ms, err := a.delayValues(s.DelayMs, env)
	if err != nil {
		return err
	}
	a.d = make([]uint32, a.rows)
	a.dmin = math.MaxUint32
	for r := range a.d {
		d := ms[r%len(ms)]
		name := "delay_ms"
		if len(ms) > 1 {
			name = fmt.Sprintf("delay_ms[%d]", r%len(ms))
		}
		if s.MaxDelayMs > 0 && d > s.MaxDelayMs {
			return fmt.Errorf("axon: %s = %g: exceeds max_delay_ms = %g", name, d, s.MaxDelayMs)
		}
		D := s.Rounding.Steps(d, env.Dt) // saturates, so the check below holds for any d
		if D > MaxDelaySteps {
			return fmt.Errorf("axon: %s = %g: %d steps at dt = %g ms exceeds the limit of %d steps", name, d, D, env.Dt, MaxDelaySteps)
		}
		a.d[r] = uint32(D)
		a.dmin = min(a.dmin, uint32(D))
		a.dmax = max(a.dmax, uint32(D))
	}
	return nil
}

// delayValues returns the delays in ms: one value, Terminals values or
// Rows values (index r mod len gives row r's delay). Values are checked
// (finite, ≥ 0).
func (a *Runtime) delayValues(v param.Value, env soma.Env) ([]float64, error) {
	if c, ok := v.IsConst(); ok {
		if _, err := v.Scalar("delay_ms", param.NonNegative); err != nil {
			return nil, fmt.Errorf("axon: %w", err)
		}
		return []float64{c}, nil
	}
	if l, ok := v.Len(); ok {
		if l != 1 && l != a.k && l != a.rows {
			hint := ""
			if l == a.n {
				hint = "; for one delay per neuron, repeat each neuron's delay Terminals times"
			}
			return nil, fmt.Errorf("axon: delay_ms has %d values, want 1, %d (one per terminal) or %d (one per neuron and terminal)%s", l, a.k, a.rows, hint)
		}
		vals, err := v.Expand("delay_ms", l, nil, param.NonNegative)
		if err != nil {
			return nil, fmt.Errorf("axon: %w", err)
		}
		return widen(vals), nil
	}
	src := env.Key.Stream(uint64(rng.PurposeDelays))
	vals, err := v.Expand("delay_ms", a.rows, src, param.NonNegative)
	if err != nil {
		return nil, fmt.Errorf("axon: %w", err)
	}
	return widen(vals), nil
}

// setSigns fills the sign of every row.
func (a *Runtime) setSigns(s Spec) error {
	m := s.InhibitoryRows
	if len(m) != 0 && len(m) != a.k && len(m) != a.rows {
		return fmt.Errorf("axon: inhibitory_rows has %d values, want %d (one per terminal) or %d (one per neuron and terminal)", len(m), a.k, a.rows)
	}
	a.sign = make([]float32, a.rows)
	for r := range a.sign {
		a.sign[r] = 1
		if s.Inhibitory || (len(m) > 0 && m[r%len(m)]) {
			a.sign[r] = -1
		}
	}
	return nil
}

// Rows returns N·Terminals, the number of presynaptic rows per copy.
func (a *Runtime) Rows() int { return a.rows }

// Terminals returns the terminals per neuron.
func (a *Runtime) Terminals() int { return a.k }

// Latency returns the latency of row r in steps: 1 + its delay D. A
// spike at step n acts through row r at step n + Latency(r).
func (a *Runtime) Latency(r int) int { return 1 + int(a.d[r]) }

// MinLatency returns the smallest latency of any row, 1 + min D: the
// latency of the link for epoch planning. Events of both paths arrive no
// earlier than MinLatency steps after the step they were emitted in.
func (a *Runtime) MinLatency() int { return 1 + int(a.dmin) }

// MaxLatency returns 1 + the largest Delay an event of this axon carries:
// 1 + max D on the direct path, 1 + min D on the stateful path. A
// consumer's ring buffer needs MaxLatency future slots.
func (a *Runtime) MaxLatency() int {
	if a.direct {
		return 1 + int(a.dmax)
	}
	return 1 + int(a.dmin)
}

// Sign returns +1 for an excitatory row, −1 for an inhibitory one. Event
// values include it; a plasticity rule that wants the unsigned
// presynaptic signal multiplies by it again.
func (a *Runtime) Sign(r int) float32 { return a.sign[r] }

// Direct reports whether the axon uses the direct path: events carry each
// row's own delay and the axon holds nothing in flight.
func (a *Runtime) Direct() bool { return a.direct }

// Emit takes the spikes of one step — the ascending elements e = b·N + i
// that fired — and appends the resulting events to ev. Call it once per
// step, also when nothing fired. Events are appended in ascending Src.
func (a *Runtime) Emit(fired []uint32, ev []Event) []Event {
	if !a.direct {
		cur := a.slot()
		clear(cur)
		for _, e := range fired {
			cur[e] = 1
		}
		return a.emitHistory(ev)
	}
	// The rows of element e = b·N+i are b·Rows + i·K + k = e·K + k.
	k := a.k
	ev = slices.Grow(ev, len(fired)*k)
	tmpl := a.tmpl
	switch {
	case a.spikeZero:
		for _, e := range fired {
			for _, t := range tmpl[int(e)*k : int(e)*k+k] {
				if t.Value != 0 {
					ev = append(ev, t)
				}
			}
		}
	case k == 1:
		for _, e := range fired {
			ev = append(ev, tmpl[e])
		}
	default:
		for _, e := range fired {
			ev = append(ev, tmpl[int(e)*k:int(e)*k+k]...)
		}
	}
	return ev
}

// EmitGraded takes the graded output of one step, one value per element
// b·N + i (len Batch·N), and appends the resulting events to ev: one per
// row whose response is not zero, in ascending Src. Call it once per step.
//
// An out of the wrong length is recorded (Err) and emits nothing; the axon
// does not advance.
func (a *Runtime) EmitGraded(out []float32, ev []Event) []Event {
	if len(out) != a.batch*a.n {
		if a.err == nil {
			a.err = fmt.Errorf("axon: EmitGraded got %d values, want %d (%d copies × %d neurons); nothing emitted", len(out), a.batch*a.n, a.batch, a.n)
		}
		return ev
	}
	if !a.direct {
		copy(a.slot(), out)
		return a.emitHistory(ev)
	}
	y := a.y
	a.spread(out, y)
	if a.rf != nil {
		a.rf.Step(y, y)
	}
	for b := range a.batch {
		base := b * a.rows
		yb := y[base : base+a.rows]
		for r, v := range yb {
			if v != 0 {
				ev = append(ev, Event{Src: uint32(base + r), Delay: a.d[r], Value: v * a.sign[r]})
			}
		}
	}
	return ev
}

// spread copies each neuron's value to its terminals: y[b·Rows+i·K+k] =
// out[b·N+i].
func (a *Runtime) spread(out, y []float32) {
	if a.k == 1 {
		copy(y, out)
		return
	}
	k := a.k
	for e, v := range out {
		t := y[e*k : e*k+k]
		for j := range t {
			t[j] = v
		}
	}
}

// slot returns the history slot of the current step.
func (a *Runtime) slot() []float32 {
	bn := a.batch * a.n
	return a.hist[a.pos*bn : (a.pos+1)*bn]
}

// emitHistory runs the stateful path once the current output is in its
// slot: y[b,i,k] = out_{n−(D[i,k]−dmin)}[b,i], r = RF(y), and every
// non-zero r becomes an event with Delay dmin.
func (a *Runtime) emitHistory(ev []Event) []Event {
	bn := a.batch * a.n
	y := a.y
	if a.h == 1 {
		a.spread(a.hist[a.pos*bn:(a.pos+1)*bn], y)
	} else {
		// Row r reads slot pos − shift[r] (mod h) at neuron r/k.
		hist, shift := a.hist, a.shift
		pos, h, k, n, rows := a.pos, a.h, a.k, a.n, a.rows
		if a.batch == 1 && k == 1 {
			y := y[:len(shift)]
			for r, sh := range shift {
				j := pos - int(sh)
				j += h & (j >> 63) // branch-free: shifts vary from row to row
				y[r] = hist[j*bn+r]
			}
		} else {
			for r, sh := range shift {
				j := pos - int(sh)
				j += h & (j >> 63)
				off := j*bn + r/k
				for b := range a.batch {
					y[b*rows+r] = hist[off+b*n]
				}
			}
		}
	}
	if a.rf != nil {
		a.rf.Step(y, y)
	}
	for b := range a.batch {
		base := b * a.rows
		yb := y[base : base+a.rows]
		for r, v := range yb {
			if v != 0 {
				ev = append(ev, Event{Src: uint32(base + r), Delay: a.dmin, Value: v * a.sign[r]})
			}
		}
	}
	a.pos++
	if a.pos == a.h {
		a.pos = 0
	}
	return ev
}

// Err returns the first problem met at run time (EmitGraded given the
// wrong number of values), or nil.
func (a *Runtime) Err() error { return a.err }

// Reset returns the axon to its initial state: it clears the delay
// history (spikes in flight inside the axon are dropped), the response
// function's state and the recorded error. Events already emitted belong
// to their consumer, which must clear its own buffers.
func (a *Runtime) Reset() {
	a.err = nil
	clear(a.hist)
	a.pos = 0
	if a.rf != nil {
		a.rf.Reset()
	}
}

// widen returns param.Widen of every value: the float64 each float32
// delay most likely came from, so that 0.7 ms at dt = 0.1 ms is 7 steps.
func widen(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = param.Widen(x)
	}
	return out
}
