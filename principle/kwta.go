package principle

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// RandomScore, as KWTA.Score, chooses among simultaneous spikers at random
// only, ignoring the model's state.
const RandomScore = "random"

// KWTA is k-winners-take-all: at most K spikes per batch copy per window of
// W = max(1, floor(DurationMs/dt)) steps (window w is steps [wW, (w+1)W);
// DurationMs = 0 gives one step). Within a window spikes are granted first
// come, first served; when more elements of a copy fire at one step than
// the copy has spikes left, the ones with the highest score win:
//
//   - Score "" (default): the model's membrane potential "v" if it has one,
//     otherwise random;
//   - RandomScore: random;
//   - any other name: that state variable of the model (recorded as an
//     error, and random used, if the model lacks it).
//
// Equal scores are broken by a random priority per (copy, neuron, step),
// keyed by the population's key with purpose rng.PurposeTieBreak — a random
// permutation of the tied elements that is reproducible and independent of
// everything else — and, in the impossible case of equal priorities, by the
// lower index. NaN scores rank lowest.
//
// As in the Python Spiral, suppressed elements are not reset: they stay
// above threshold and fire again when the window reopens. Setting
// SuppressVar resets them instead: the state variable SuppressVar of each
// suppressed element is set to SuppressValue (for example "v" and the reset
// potential).
type KWTA struct {
	K             int     `state:"-"`
	DurationMs    float64 `state:"-"`
	Score         string  `state:"-"`
	SuppressVar   string  `state:"-"`
	SuppressValue float32 `state:"-"`

	bound
	steps int64      `state:"-"`      // window length W
	cur   int64      `state:"shared"` // current window index, or noWindow
	rem   []int      `state:"shared"` // spikes left per copy in the current window
	key   rng.Key    `state:"-"`
	cand  []kwtaCand `state:"-"`
	kept  []uint32   `state:"-"`
}

type kwtaCand struct {
	e     uint32
	score float32
	prio  float64
}

const noWindow = math.MinInt64

// Renew returns a new KWTA of the same settings, not bound
// (population.Renewer).
func (p *KWTA) Renew() any {
	return &KWTA{K: p.K, DurationMs: p.DurationMs, Score: p.Score, SuppressVar: p.SuppressVar, SuppressValue: p.SuppressValue}
}

// Bind implements Principle.
func (p *KWTA) Bind(env soma.Env) error {
	if err := p.begin("kwta", env); err != nil {
		return err
	}
	if p.K < 1 {
		return fmt.Errorf("kwta: k = %d: must be >= 1", p.K)
	}
	if !(p.DurationMs >= 0) || math.IsInf(p.DurationMs, 0) {
		return fmt.Errorf("kwta: duration = %g ms: must be >= 0 and finite", p.DurationMs)
	}
	p.steps = max(1, int64(param.StepsRel(p.DurationMs, env.Dt)))
	p.rem = make([]int, env.Batch)
	p.key = env.Key.Sub(uint64(rng.PurposeTieBreak))
	p.cur = noWindow
	p.done(env)
	return nil
}

// WindowSteps is the window length W in steps (after Bind).
func (p *KWTA) WindowSteps() int64 { return p.steps }

// Reset starts a fresh window at the next Apply and clears the error.
func (p *KWTA) Reset() {
	p.cur = noWindow
	p.err = nil
}

// Apply implements Principle.
func (p *KWTA) Apply(step int64, fired []uint32, m soma.Model) []uint32 {
	if !p.ready("kwta", step) {
		return fired
	}
	if w := floorDiv(step, p.steps); w != p.cur {
		p.cur = w
		for b := range p.rem {
			p.rem[b] = p.K
		}
	}
	n := uint32(p.env.N)
	out := fired[:0]
	for i := 0; i < len(fired); {
		b := fired[i] / n
		j := i + 1
		for j < len(fired) && fired[j]/n == b {
			j++
		}
		c, r := j-i, p.rem[b]
		if c <= r {
			out = append(out, fired[i:j]...)
			p.rem[b] -= c
		} else {
			out = append(out, p.choose(step, b, fired[i:j], r, m)...)
			p.rem[b] = 0
		}
		i = j
	}
	return out
}

// choose returns the r winners among the group (one copy's spikers),
// ascending, in a scratch slice, and resets the losers if asked.
func (p *KWTA) choose(step int64, b uint32, group []uint32, r int, m soma.Model) []uint32 {
	score := p.scores(m)
	n := uint32(p.env.N)
	p.cand = p.cand[:0]
	for _, e := range group {
		c := kwtaCand{e: e, score: float32(math.Inf(-1))}
		if score != nil {
			if s := score[e]; s == s {
				c.score = s
			}
		}
		c.prio = p.key.Uniform(uint64(step), uint64(b)<<32|uint64(e-b*n))
		p.cand = append(p.cand, c)
	}
	slices.SortFunc(p.cand, func(x, y kwtaCand) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		if c := cmp.Compare(y.prio, x.prio); c != 0 {
			return c
		}
		return cmp.Compare(x.e, y.e)
	})
	p.kept = p.kept[:0]
	for _, c := range p.cand[:r] {
		p.kept = append(p.kept, c.e)
	}
	slices.Sort(p.kept)
	if p.SuppressVar != "" {
		if v, ok := m.Var(p.SuppressVar); ok && len(v) == p.env.Len() {
			for _, c := range p.cand[r:] {
				v[c.e] = p.SuppressValue
			}
		} else {
			p.failf("kwta: cannot reset suppressed neurons: the model has no variable %q of %d elements (has %v)", p.SuppressVar, p.env.Len(), m.Vars())
		}
	}
	return p.kept
}

// scores returns the score variable, or nil for random choice.
func (p *KWTA) scores(m soma.Model) []float32 {
	name := p.Score
	switch name {
	case RandomScore:
		return nil
	case "":
		if v, ok := m.Var("v"); ok && len(v) == p.env.Len() {
			return v
		}
		return nil
	}
	v, ok := m.Var(name)
	if !ok || len(v) != p.env.Len() {
		p.failf("kwta: score variable %q: the model has no such variable of %d elements (has %v); choosing at random", name, p.env.Len(), m.Vars())
		return nil
	}
	return v
}
