package encoder

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Drive says what a Poisson encoder's input (soma.Input.Current) means.
type Drive uint8

const (
	// Undriven: the input is ignored; p = rate·dt/1000.
	Undriven Drive = iota
	// DriveGain: the input x scales the rate, p = rate·dt/1000·x; typically
	// x is a normalised intensity in [0, 1] (a pixel). A nil input is x = 0.
	DriveGain
	// DriveRate: the input is the rate itself in Hz, p = x·dt/1000; Rate
	// must be left zero. A nil input is x = 0.
	DriveRate
)

func (d Drive) String() string {
	switch d {
	case Undriven:
		return "undriven"
	case DriveGain:
		return "gain"
	case DriveRate:
		return "rate"
	}
	return fmt.Sprintf("Drive(%d)", uint8(d))
}

// Poisson is a population of independent Bernoulli spike sources: at every
// step element e fires with probability p, where p is set by Rate (Hz, per
// neuron), dt and the input as Drive says. Unlike the Python Spiral (whose
// probability per step ignored dt, §6.2 #10), the rate is per second; to
// reproduce a Python encoder with per-step probability q·x use DriveGain with
// Rate = q·1000/dt.
//
// p must lie in [0, 1]. The static part is checked by New: every rate must be
// >= 0 and, for Undriven and DriveGain, rate·dt/1000 <= 1. At run time a
// probability outside [0, 1] (or NaN) is recorded — the first one, with its
// neuron, copy, step and value — and reported by the model's Err; the
// element's spike is still decided as u < p (so p > 1 fires), but the run
// should be stopped: the value is never clipped silently.
//
// Draws are keyed by (seed, population, copy, neuron or group of eight
// neurons, step), never by shard, so the spikes are the same whatever the
// split: with a constant rate and no drive, see stepGrouped (one word
// decides for eight neurons whether and where the first of them fires);
// with per-neuron rates, neuron i fires when word i mod 8 of a pair of
// Philox blocks keyed by its group is below round(p·2³²); driven encoders
// draw U(Key.Sub(PurposePoisson), n, b<<32 | (FirstNeuron+i)) < p.
type Poisson struct {
	// RateHz in Hz: a constant, one value per neuron (len N), or a
	// distribution (drawn for neurons FirstNeuron..FirstNeuron+N−1 of the
	// population's stream, so a shard gets the values the whole population
	// would).
	RateHz param.Value
	Drive  Drive
	// FirstNeuron is the population index of this model's neuron 0, for a
	// shard that simulates neurons [FirstNeuron, FirstNeuron+N) of a larger
	// population. Zero for a whole population.
	FirstNeuron int
}

// Kind implements soma.Spec.
func (Poisson) Kind() string { return "poisson" }

// New implements soma.Spec.
func (s Poisson) New(env soma.Env) (soma.Model, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("poisson: %w", err)
	}
	if s.FirstNeuron < 0 || uint64(s.FirstNeuron)+uint64(env.N) > 1<<32 {
		return nil, fmt.Errorf("poisson: first neuron %d: must be >= 0 and first+N <= 2^32", s.FirstNeuron)
	}
	_, constRate := s.RateHz.IsConst()
	m := &poisson{
		env:     env,
		drive:   s.Drive,
		key:     env.Key.Sub(uint64(rng.PurposePoisson)),
		first:   uint64(s.FirstNeuron),
		p:       make([]float32, env.Len()),
		scale:   env.Dt / 1000,
		grouped: constRate && s.Drive == Undriven,
	}
	switch s.Drive {
	case Undriven, DriveGain:
		rate, err := expandRate(s.RateHz, env, s.FirstNeuron)
		if err != nil {
			return nil, err
		}
		m.rate = rate
		for i, r := range rate {
			if p := float64(r) * m.scale; p > 1 {
				return nil, fmt.Errorf("poisson: rate_hz[%d] = %g: spike probability per step rate·dt/1000 = %g > 1 (dt = %g ms)", i, r, p, env.Dt)
			}
		}
	case DriveRate:
		if c, ok := s.RateHz.IsConst(); !ok || c != 0 {
			return nil, fmt.Errorf("poisson: rate_hz = %s is not used when the input is the rate (DriveRate): leave it zero", s.RateHz)
		}
	default:
		return nil, fmt.Errorf("poisson: unknown drive %v", s.Drive)
	}
	if s.Drive == Undriven {
		for b := 0; b < env.Batch; b++ {
			for i, r := range m.rate {
				m.p[b*env.N+i] = float32(float64(r) * m.scale)
			}
		}
	}
	return m, nil
}

// expandRate expands the rates of neurons [first, first+N): constants and
// arrays (len N) directly, distributions by drawing the population's stream
// up to first+N and keeping the tail.
func expandRate(v param.Value, env soma.Env, first int) ([]float32, error) {
	const name = "poisson: rate_hz"
	r, err := v.Expand(name, env.N, nil, param.NonNegative)
	if err == nil {
		return r, nil
	}
	src := env.Key.Sub(uint64(rng.PurposeInitialState)).Stream(uint64(rng.PurposePoisson))
	r2, err2 := v.Expand(name, first+env.N, src, param.NonNegative)
	if err2 == nil {
		return r2[first:], nil
	}
	var pe *param.Error
	if first == 0 || errors.As(err2, &pe) {
		return nil, err2
	}
	return nil, err
}

// ProbabilityError is a spike probability outside [0, 1] met at run time.
type ProbabilityError struct {
	Neuron int   // population index (FirstNeuron + i)
	Copy   int   // batch copy
	Step   int64 // step
	P      float64
	Input  float64 // the input value (0 for Undriven)
	Rate   float64 // the neuron's rate in Hz (the input for DriveRate)
}

func (e *ProbabilityError) Error() string {
	return fmt.Sprintf("poisson: neuron %d (copy %d) at step %d: spike probability %g (rate %g Hz, input %g) outside [0, 1]",
		e.Neuron, e.Copy, e.Step, e.P, e.Rate, e.Input)
}

type poisson struct {
	env   soma.Env  `state:"-"`
	drive Drive     `state:"-"`
	key   rng.Key   `state:"-"`
	first uint64    `state:"-"`
	rate  []float32 `state:"-"` // Hz per neuron (nil for DriveRate)
	scale float64   `state:"-"` // dt/1000
	p     []float32 `state:"-"` // probability of the last step per element
	err   error     `state:"-"`
	// stepped: Step was called since New or the last Reset (Split is
	// refused then).
	stepped bool `state:"-"`
	// Undriven: thr[e] = round(p·2³²), the 32-bit threshold of element e
	// (built at the first step), and bad the first element whose p lies
	// outside [0, 1] (−1: none).
	thr []uint64 `state:"-"`
	bad int      `state:"-"`
	// grouped: one rate for the whole population (Undriven, constant
	// rate): the groups of eight draw first whether any of them fires
	// (stepGrouped); gthr are the thresholds of the first firer.
	grouped bool      `state:"-"`
	gthr    [8]uint64 `state:"-"`
}

func (m *poisson) Len() int { return m.env.Len() }

// PoissonDraw is how an undriven Poisson population draws its spikes, for
// a device that draws the same ones: the key of its draws, the
// population index of its first neuron, each neuron's threshold
// (PoissonThreshold), and whether it draws by groups of eight with one
// probability for all (then Group, PoissonGroupThresholds of it).
type PoissonDraw struct {
	Key     rng.Key
	First   uint64
	Thr     []uint64
	Grouped bool
	Group   [8]uint64
}

// PoissonDrawer is implemented by the Poisson encoder's model.
type PoissonDrawer interface {
	PoissonDraw() (d PoissonDraw, ok bool)
}

// PoissonDraw implements PoissonDrawer: ok is false for a driven encoder,
// a batch, or probabilities outside [0, 1].
func (m *poisson) PoissonDraw() (PoissonDraw, bool) {
	if m.drive != Undriven || m.env.Batch != 1 {
		return PoissonDraw{}, false
	}
	d := PoissonDraw{Key: m.key, First: m.first, Thr: make([]uint64, len(m.p)), Grouped: m.grouped}
	for e, p := range m.p {
		if !(p >= 0 && p <= 1) {
			return PoissonDraw{}, false
		}
		d.Thr[e] = PoissonThreshold(p)
	}
	if d.Grouped && len(m.p) > 0 {
		d.Group = PoissonGroupThresholds(m.p[0])
	}
	return d, true
}

func (m *poisson) Step(step int64, in soma.Input, fired []uint32) []uint32 {
	m.stepped = true
	if m.drive == Undriven {
		return m.stepUndriven(step, fired)
	}
	n := m.env.N
	x := in.Current
	if m.drive != Undriven && x != nil && len(x) != m.env.Len() {
		m.fail(fmt.Errorf("poisson: input has %d values, want %d", len(x), m.env.Len()))
		x = nil
	}
	for b := 0; b < m.env.Batch; b++ {
		base := b * n
		for i := 0; i < n; i++ {
			e := base + i
			var p, xv, r float64
			switch m.drive {
			case Undriven:
				p = float64(m.p[e])
				r = float64(m.rate[i])
			case DriveGain:
				r = float64(m.rate[i])
				if x != nil {
					xv = float64(x[e])
				}
				p = r * m.scale * xv
			case DriveRate:
				if x != nil {
					xv = float64(x[e])
				}
				r = xv
				p = xv * m.scale
			}
			if m.drive != Undriven {
				m.p[e] = float32(p)
			}
			if !(p >= 0 && p <= 1) && m.err == nil {
				m.err = &ProbabilityError{Neuron: int(m.first) + i, Copy: b, Step: step, P: p, Input: xv, Rate: r}
			}
			if p > 0 && m.key.Uniform(uint64(step), uint64(b)<<32|(m.first+uint64(i))) < p {
				fired = append(fired, uint32(e))
			}
		}
	}
	return fired
}

// stepUndriven is Step for fixed rates: neuron i (of the population) in
// copy b fires at step n when word (i mod 8) of the Philox pair
// key.At2(n, b·2³² + 2·⌊i/8⌋) is below round(p·2³²), so one pair of blocks
// serves eight neurons and every draw still depends only on (step, copy,
// neuron) — the same spikes whatever the split into shards. Probabilities
// below 2⁻³³ round to never.
func (m *poisson) stepUndriven(step int64, fired []uint32) []uint32 {
	n := m.env.N
	if m.thr == nil {
		m.thr = make([]uint64, len(m.p))
		m.bad = -1
		for e, p := range m.p {
			if !(p >= 0 && p <= 1) {
				if m.bad < 0 {
					m.bad = e
				}
				continue
			}
			m.thr[e] = PoissonThreshold(p)
		}
	}
	if m.bad >= 0 && m.err == nil {
		b, i := m.bad/n, m.bad%n
		m.err = &ProbabilityError{Neuron: int(m.first) + i, Copy: b, Step: step, P: float64(m.p[m.bad]), Rate: float64(m.rate[i])}
	}
	if m.grouped && m.bad < 0 && n > 0 {
		return m.stepGrouped(step, fired)
	}
	for b := 0; b < m.env.Batch; b++ {
		base := b * n
		thr := m.thr[base : base+n]
		i := 0
		// Head: neurons before the first whole group of eight.
		for ; i < n && (m.first+uint64(i))&7 != 0; i++ {
			fired = m.drawOne(step, b, i, thr[i], base, fired)
		}
		// Whole groups: one pair of blocks, eight comparisons, a bit mask.
		for ; i+8 <= n; i += 8 {
			gi := (m.first + uint64(i)) >> 3
			b0, b1 := m.key.At2(uint64(step), uint64(b)<<32|gi<<1)
			t := thr[i : i+8 : i+8]
			var mask uint
			mask |= b2u(uint64(b0[0]) < t[0])
			mask |= b2u(uint64(b0[1]) < t[1]) << 1
			mask |= b2u(uint64(b0[2]) < t[2]) << 2
			mask |= b2u(uint64(b0[3]) < t[3]) << 3
			mask |= b2u(uint64(b1[0]) < t[4]) << 4
			mask |= b2u(uint64(b1[1]) < t[5]) << 5
			mask |= b2u(uint64(b1[2]) < t[6]) << 6
			mask |= b2u(uint64(b1[3]) < t[7]) << 7
			for mask != 0 {
				k := bits.TrailingZeros(mask)
				fired = append(fired, uint32(base+i+k))
				mask &= mask - 1
			}
		}
		// Tail.
		for ; i < n; i++ {
			fired = m.drawOne(step, b, i, thr[i], base, fired)
		}
	}
	return fired
}

// stepGrouped is stepUndriven for a population with one spike
// probability p for every neuron. Neurons form groups of eight by their
// population index (group g: 8g … 8g+7). For each group one word u decides
// at once whether any of its neurons fires and which one fires first: none
// when u ≥ round(2³²·(1 − (1−p)⁸)), else the first k with
// u < round(2³²·(1 − (1−p)^(k+1))); every later neuron j of the group then
// fires when its own word w_j < round(2³²·p). Each neuron thus fires with
// probability p, independently of the others, and a step costs one pair
// of Philox blocks per 64 neurons (the words u of eight groups) plus one
// per group that fires. The words depend only on (seed, population, copy,
// group, step) — u is word g mod 8 of key.At2(n, b·2³² + 2³¹ + 2·⌊g/8⌋),
// w_j word j mod 8 of key.At2(n, b·2³² + 2g) — so a shard computes a
// group that it shares with another shard exactly as the other does.
func (m *poisson) stepGrouped(step int64, fired []uint32) []uint32 {
	n := m.env.N
	if m.gthr[7] == 0 && m.thr[0] != 0 {
		m.gthr = PoissonGroupThresholds(m.p[0])
	}
	t, any := m.thr[0], m.gthr[7]
	if any == 0 {
		return fired
	}
	lo, hi := m.first, m.first+uint64(n) // this part's neurons
	for b := 0; b < m.env.Batch; b++ {
		base := uint64(b * n)
		var u [8]uint32
		sg := ^uint64(0)
		for g := lo >> 3; g<<3 < hi; g++ {
			if s := g >> 3; s != sg {
				sg = s
				b0, b1 := m.key.At2(uint64(step), uint64(b)<<32|1<<31|s<<1)
				u = [8]uint32{b0[0], b0[1], b0[2], b0[3], b1[0], b1[1], b1[2], b1[3]}
			}
			ug := uint64(u[g&7])
			if ug >= any {
				continue
			}
			k := 0
			for ug >= m.gthr[k] {
				k++
			}
			w0, w1 := m.key.At2(uint64(step), uint64(b)<<32|g<<1)
			w := [8]uint32{w0[0], w0[1], w0[2], w0[3], w1[0], w1[1], w1[2], w1[3]}
			for j := k; j < 8; j++ {
				if j > k && uint64(w[j]) >= t {
					continue
				}
				if idx := g<<3 + uint64(j); idx >= lo && idx < hi {
					fired = append(fired, uint32(base+idx-lo))
				}
			}
		}
	}
	return fired
}

// PoissonThreshold is the threshold of a neuron's spike probability p
// per step (0 to 1): it fires when its random word is below
// round(p·2³²).
func PoissonThreshold(p float32) uint64 { return uint64(math.Round(float64(p) * (1 << 32))) }

// PoissonGroupThresholds are the thresholds of a group of eight neurons
// with spike probability p each (see stepGrouped): the group's first
// neuron to fire is the first k with u < round(2³²·(1 − (1−p)^(k+1))),
// none when u is at or above the last.
func PoissonGroupThresholds(p float32) [8]uint64 {
	var g [8]uint64
	q := 1 - float64(p)
	for k := range g {
		g[k] = uint64(math.Round((1 - math.Pow(q, float64(k+1))) * (1 << 32)))
	}
	return g
}

// drawOne draws neuron i (of this part) of copy b alone, from the same
// words as its group of eight.
func (m *poisson) drawOne(step int64, b, i int, t uint64, base int, fired []uint32) []uint32 {
	idx := m.first + uint64(i)
	b0, b1 := m.key.At2(uint64(step), uint64(b)<<32|(idx>>3)<<1)
	w := [8]uint32{b0[0], b0[1], b0[2], b0[3], b1[0], b1[1], b1[2], b1[3]}
	if uint64(w[idx&7]) < t {
		fired = append(fired, uint32(base+i))
	}
	return fired
}

// b2u is 1 for true, 0 for false (compiled without a branch).
func b2u(x bool) uint {
	var u uint
	if x {
		u = 1
	}
	return u
}

func (m *poisson) fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

// Err implements soma.Failer: the first bad probability or input.
func (m *poisson) Err() error { return m.err }

// Reset clears the recorded error (the encoder has no other state).
func (m *poisson) Reset() { m.err, m.stepped = nil, false }

// Var: "p" is the spike probability of the last step per element.
func (m *poisson) Var(name string) ([]float32, bool) {
	if name == "p" {
		return m.p, true
	}
	return nil, false
}

func (m *poisson) Vars() []string { return []string{"p"} }

// PoissonGain decodes a DriveGain input from a spike count: the maximum
// likelihood estimate of x after count spikes in steps steps at rate Hz is
// count / (steps·rate·dt/1000).
func PoissonGain(count, steps int, rateHz, dt float64) float64 {
	return float64(count) / (float64(steps) * rateHz * dt / 1000)
}
