package encoder

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// WindowSteps is the number of steps of a coding window of ms milliseconds:
// floor(ms/dt) (the Python TemporaryEncoder's time//dt), computed with a
// relative tolerance of 1e-9 (param.StepsRel) so that 0.3 ms at dt = 0.1 ms
// is 3 steps.
func WindowSteps(ms, dt float64) (int, error) {
	if !(dt > 0) || math.IsInf(dt, 0) {
		return 0, fmt.Errorf("dt = %g ms: must be > 0", dt)
	}
	q := ms / dt
	if !(q >= 0) || q > math.MaxInt32 {
		return 0, fmt.Errorf("window = %g ms: must be >= dt and finite", ms)
	}
	n := param.StepsRel(ms, dt) // q is at most MaxInt32: no saturation
	if n < 1 {
		return 0, fmt.Errorf("window = %g ms is shorter than dt = %g ms", ms, dt)
	}
	return n, nil
}

// TTFSStep is the time-to-first-spike code of x in [0, 1] over a window of
// length steps: stage = round(x·length) (halves away from zero), and the
// spike comes at window step length − stage. So x = 1 fires at the window's
// first step, larger values fire earlier, and stage 0 (x < 1/(2·length),
// in particular x = 0) never fires: −1. x outside [0, 1] (or NaN) gives −1.
func TTFSStep(x float64, length int) int {
	if !(x >= 0 && x <= 1) {
		return -1
	}
	stage := int(math.Round(x * float64(length)))
	if stage < 1 {
		return -1
	}
	return length - stage
}

// TTFSDecode inverts TTFSStep: x ≈ (length − step)/length, 0 for no spike
// (step < 0). The round trip error is at most 1/(2·length) for values that
// fire.
func TTFSDecode(step, length int) float64 {
	if step < 0 {
		return 0
	}
	return float64(length-step) / float64(length)
}

// FirstSpikeSteps returns, for each of n elements, the index of the first
// step of steps (each one step's fired list) in which it fired, −1 if
// never. With steps = the fired lists of one coding window, this is the
// input of TTFSDecode and PositionCode.Decode.
func FirstSpikeSteps(steps [][]uint32, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	for t, fired := range steps {
		for _, e := range fired {
			if int(e) < n && out[e] < 0 {
				out[e] = t
			}
		}
	}
	return out
}

// TTFS is a time-to-first-spike encoder: time is cut into windows of
// WindowMs (L = WindowSteps steps; window k is steps [kL, (k+1)L)). At the
// first step of each window the encoder reads each element's input x, which
// must lie in [0, 1] (a value outside is recorded, reported by Err, and the
// element stays silent), and the element fires once, at window step
// TTFSStep(x, L). Inputs during the rest of the window are ignored, so a
// stimulus may present each item for one step or for the whole window.
type TTFS struct {
	WindowMs float64
}

// Kind implements soma.Spec.
func (TTFS) Kind() string { return "ttfs" }

// New implements soma.Spec.
func (s TTFS) New(env soma.Env) (soma.Model, error) {
	m, err := newWindowed("ttfs", env, s.WindowMs)
	if err != nil {
		return nil, err
	}
	m.code = func(m *windowed, step int64, x []float32, at []int32) {
		L, n := int(m.length), m.env.N
		for e, v := range x {
			at[e] = -1
			if !(v >= 0 && v <= 1) {
				m.failf("ttfs: neuron %d (copy %d) at step %d: value %g outside [0, 1]", m.first+e%n, e/n, step, v)
				continue
			}
			at[e] = int32(TTFSStep(float64(v), L))
		}
	}
	return &splitWindowed{m}, nil
}

// RankOrder is a rank-order encoder: at the first step of each window it
// replaces the N inputs of each copy by their normalised ranks
// (NormalizedRanks: the largest value has rank 1) and fires each element once
// at window step TTFSStep(rank, L). The largest value fires first, at the
// window's first step; equal values fire together. Unlike the Python
// RankOrderEncoder the ranks are normalised to (0, 1], so every element fires
// inside the window. With N > L several ranks share a step. Needs the whole
// population (ranks are over all N neurons of a copy). NaN input is recorded
// (Err) and silences that copy for the window.
type RankOrder struct {
	WindowMs float64
}

// Kind implements soma.Spec.
func (RankOrder) Kind() string { return "rank_order" }

// New implements soma.Spec.
func (s RankOrder) New(env soma.Env) (soma.Model, error) {
	m, err := newWindowed("rank_order", env, s.WindowMs)
	if err != nil {
		return nil, err
	}
	ranks := make([]float64, env.N)
	m.code = func(m *windowed, step int64, x []float32, at []int32) {
		L := int(m.length)
		for b := 0; b < env.Batch; b++ {
			xb, ab := x[b*env.N:(b+1)*env.N], at[b*env.N:(b+1)*env.N]
			if err := NormalizedRanks(xb, ranks); err != nil {
				m.failf("rank_order: copy %d at step %d: %v", b, step, err)
				for i := range ab {
					ab[i] = -1
				}
				continue
			}
			for i, r := range ranks {
				ab[i] = int32(TTFSStep(r, L))
			}
		}
	}
	return m, nil
}

// NormalizedRanks writes into out the rank of each value divided by
// len(xs): rank(x_i) = #{j : x_j <= x_i}, so the largest value has 1, the
// smallest (if unique) 1/n, and equal values share the higher rank. NaN is an
// error, and so is an out shorter than xs.
func NormalizedRanks(xs []float32, out []float64) error {
	n := len(xs)
	if len(out) < n {
		return fmt.Errorf("ranks of %d values need %d outputs, have %d", n, n, len(out))
	}
	idx := make([]int, n)
	for i, v := range xs {
		if v != v {
			return fmt.Errorf("value %d is NaN", i)
		}
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	for k := 0; k < n; {
		j := k
		for j+1 < n && xs[idx[j+1]] == xs[idx[k]] {
			j++
		}
		r := float64(j+1) / float64(n)
		for ; k <= j; k++ {
			out[idx[k]] = r
		}
	}
	return nil
}

// Position is a Gaussian receptive-field (population) code: each input value
// drives K neurons (N = G·K; neuron m of group g is element b·N + g·K + m, and
// every element of a group reads the group's value, see ExpandGroups).
// Neuron m has preferred value Means[m] and stage
// s = exp(−(x − μ_m)²/(2·SD²)) (1 at the preferred value). At the first step
// of each window it reads x; if s < IgnoreThreshold it stays silent, else it
// fires once at window step L − round(s·L) (never if that is L). So the
// best-tuned neuron fires first, at the window's first step if x = μ_m.
// Values may be any finite number (typically data normalised to [0, 1]);
// NaN or ±Inf is recorded (Err) and silences the neuron.
type Position struct {
	K int // neurons per input value, >= 1 (>= 2 unless Means and SD are given)
	// Means are the preferred values (len K); nil = linspace(0, 1, K).
	Means []float64
	// SD is the tuning width; 0 = 1/(2(K−1)).
	SD float64
	// IgnoreThreshold: stages below it never fire; 0 = 1e-3.
	IgnoreThreshold float64
	WindowMs        float64
}

// Kind implements soma.Spec.
func (Position) Kind() string { return "position" }

// PositionCode is a Position encoder resolved for a time step: defaults
// filled in and the window length in steps.
type PositionCode struct {
	Means     []float64
	SD        float64
	Threshold float64
	Length    int
}

// Code resolves the defaults of s for time step dt and validates it.
func (s Position) Code(dt float64) (PositionCode, error) {
	if s.K < 1 {
		return PositionCode{}, fmt.Errorf("position: k = %d: must be >= 1", s.K)
	}
	L, err := WindowSteps(s.WindowMs, dt)
	if err != nil {
		return PositionCode{}, fmt.Errorf("position: %w", err)
	}
	c := PositionCode{Means: s.Means, SD: s.SD, Threshold: s.IgnoreThreshold, Length: L}
	if c.Means == nil {
		if s.K < 2 {
			return PositionCode{}, fmt.Errorf("position: k = 1 needs explicit means")
		}
		c.Means = make([]float64, s.K)
		for m := range c.Means {
			c.Means[m] = float64(m) / float64(s.K-1)
		}
	} else {
		if len(c.Means) != s.K {
			return PositionCode{}, fmt.Errorf("position: %d means for k = %d", len(c.Means), s.K)
		}
		c.Means = slices.Clone(c.Means)
		for m, mu := range c.Means {
			if math.IsNaN(mu) || math.IsInf(mu, 0) {
				return PositionCode{}, fmt.Errorf("position: mean[%d] = %g: must be finite", m, mu)
			}
		}
	}
	if c.SD == 0 {
		if s.K < 2 {
			return PositionCode{}, fmt.Errorf("position: k = 1 needs an explicit sd")
		}
		c.SD = 1 / (2 * float64(s.K-1))
	}
	if !(c.SD > 0) || math.IsInf(c.SD, 0) {
		return PositionCode{}, fmt.Errorf("position: sd = %g: must be > 0 and finite", c.SD)
	}
	if c.Threshold == 0 {
		c.Threshold = 1e-3
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		return PositionCode{}, fmt.Errorf("position: ignore threshold = %g: must lie in (0, 1]", c.Threshold)
	}
	return c, nil
}

// K is the number of neurons per value.
func (c PositionCode) K() int { return len(c.Means) }

// Stage is neuron m's tuning curve at x: exp(−(x − μ_m)²/(2·SD²)).
func (c PositionCode) Stage(x float64, m int) float64 {
	d := (x - c.Means[m]) / c.SD
	return math.Exp(-0.5 * d * d)
}

// Step is neuron m's spike step in the window for value x, −1 for none.
func (c PositionCode) Step(x float64, m int) int {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return -1
	}
	s := c.Stage(x, m)
	if s < c.Threshold {
		return -1
	}
	t := c.Length - int(math.Round(s*float64(c.Length)))
	if t >= c.Length {
		return -1
	}
	return t
}

// Decode estimates the value from the K spike steps of one group (−1 = no
// spike). Each neuron that fired at step t observed the stage
// (L − t)/L, so x lies at μ_m ± SD·sqrt(−2·ln stage); of these candidates
// Decode returns the one whose predicted stages best match all K
// observations (least squares, silent neurons observed 0). Error: no neuron
// fired. For a value between two preferred values spaced 2·SD apart
// (the default), the error is about 1.85·SD/L at most.
func (c PositionCode) Decode(steps []int) (float64, error) {
	K, L := c.K(), float64(c.Length)
	if len(steps) != K {
		return 0, fmt.Errorf("position decode: %d steps for k = %d", len(steps), K)
	}
	obs := make([]float64, K)
	any := false
	for m, t := range steps {
		if t >= 0 {
			obs[m] = (L - float64(t)) / L
			any = true
		}
	}
	if !any {
		return 0, fmt.Errorf("position decode: no neuron fired")
	}
	sse := func(x float64) float64 {
		var e float64
		for m := 0; m < K; m++ {
			s := c.Stage(x, m)
			if s < c.Threshold {
				s = 0
			}
			e += float64((s - obs[m]) * (s - obs[m]))
		}
		return e
	}
	best, bestE := math.NaN(), math.Inf(1)
	for m, s := range obs {
		if s <= 0 {
			continue
		}
		d := float64(c.SD * math.Sqrt(-2*math.Log(math.Min(s, 1))))
		for _, x := range [2]float64{c.Means[m] - d, c.Means[m] + d} {
			if e := sse(x); e < bestE {
				best, bestE = x, e
			}
		}
	}
	return best, nil
}

// New implements soma.Spec.
func (s Position) New(env soma.Env) (soma.Model, error) {
	c, err := s.Code(env.Dt)
	if err != nil {
		return nil, err
	}
	if env.N%s.K != 0 {
		return nil, fmt.Errorf("position: population of %d neurons is not a whole number of groups of k = %d", env.N, s.K)
	}
	m, err := newWindowed("position", env, s.WindowMs)
	if err != nil {
		return nil, err
	}
	m.code = func(m *windowed, step int64, x []float32, at []int32) {
		n := m.env.N
		for e, v := range x {
			i := m.first + e%n // population index: neuron i%K of group i/K
			xv := float64(v)
			if math.IsNaN(xv) || math.IsInf(xv, 0) {
				m.failf("position: neuron %d (copy %d) at step %d: value %g: must be finite", i, e/n, step, v)
			}
			at[e] = int32(c.Step(xv, i%s.K))
		}
	}
	return &splitWindowed{m}, nil
}

// windowed is the state shared by the window codes: per element the window
// step of its spike, and the elements bucketed by that step.
type windowed struct {
	kind   string                                                 `state:"-"`
	env    soma.Env                                               `state:"-"`
	length int64                                                  `state:"-"`
	code   func(m *windowed, step int64, x []float32, at []int32) `state:"-"`
	first  int                                                    `state:"-"`      // population index of neuron 0 (a part made by Split)
	window int64                                                  `state:"shared"` // latched window, or noWindow
	at     []int32                                                `state:"elements"`
	start  []int32                                                `state:"-"` // bucket t is order[start[t]:start[t+1]]
	order  []uint32                                               `state:"-"` // elements, ascending within a bucket
	err    error                                                  `state:"-"`
}

const noWindow = math.MinInt64

func newWindowed(kind string, env soma.Env, ms float64) (*windowed, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	L, err := WindowSteps(ms, env.Dt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return &windowed{
		kind: kind, env: env, length: int64(L), window: noWindow,
		at: make([]int32, env.Len()), start: make([]int32, L+2), order: make([]uint32, 0, env.Len()),
	}, nil
}

func (m *windowed) failf(format string, args ...any) {
	if m.err == nil {
		m.err = fmt.Errorf(format, args...)
	}
}

func (m *windowed) Len() int { return m.env.Len() }

func (m *windowed) Step(step int64, in soma.Input, fired []uint32) []uint32 {
	L := m.length
	w := step / L
	if step%L < 0 {
		w--
	}
	rel := step - w*L
	if w != m.window {
		m.window = w
		m.latch(step, in.Current)
	}
	return append(fired, m.order[m.start[rel]:m.start[rel+1]]...)
}

// latch reads the inputs of a new window and buckets the elements by spike
// step (a counting sort, stable, so buckets stay ascending).
func (m *windowed) latch(step int64, x []float32) {
	switch {
	case x == nil:
		for e := range m.at {
			m.at[e] = -1
		}
	case len(x) != len(m.at):
		m.failf("%s: input has %d values, want %d", m.kind, len(x), len(m.at))
		for e := range m.at {
			m.at[e] = -1
		}
	default:
		m.code(m, step, x, m.at)
	}
	m.buckets()
}

// buckets sorts the elements into the window's steps by at.
func (m *windowed) buckets() {
	clear(m.start)
	for _, t := range m.at {
		if t >= 0 {
			m.start[t+2]++
		}
	}
	for t := 2; t < len(m.start); t++ {
		m.start[t] += m.start[t-1]
	}
	m.order = m.order[:m.start[len(m.start)-1]]
	for e, t := range m.at {
		if t >= 0 {
			m.order[m.start[t+1]] = uint32(e)
			m.start[t+1]++
		}
	}
}

// Restored implements state.Restorer: the window's steps are sorted
// again from the restored spike times.
func (m *windowed) Restored() {
	if m.window == noWindow {
		m.order = m.order[:0]
		clear(m.start)
		return
	}
	m.buckets()
}

// Err implements soma.Failer.
func (m *windowed) Err() error { return m.err }

// Reset forgets the latched window and the recorded error.
func (m *windowed) Reset() {
	m.window, m.err = noWindow, nil
	m.order = m.order[:0]
	clear(m.start)
}

func (m *windowed) Var(string) ([]float32, bool) { return nil, false }
func (m *windowed) Vars() []string               { return nil }
