package stimulus

import (
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// FunctionGenerator is the Python Spiral's FunctionGenerator as a lazy
// stimulus. Each field maps a start step to a value; a segment runs from its
// key to the next key (keys are sorted here, so the map's order does not
// matter; keys beyond the run are harmless; before the first key every term
// is 0). The value of neuron i at step t is
//
//	baseline(t) + slope(t) + σ_noise(t)·Z(t) + σ_pop(t)·Z_i(t)
//
// where
//   - baseline is piecewise constant;
//   - slope is continuous and piecewise linear: with keys l_0 < l_1 < ... and
//     slopes v_k, slope(t) = 0 for t < l_0, F_k + (t − l_k)·v_k in segment k,
//     F_0 = 0 and F_k = F_{k−1} + (l_k − l_{k−1})·v_{k−1} (so
//     slope(l_k) = slope(l_k − 1) + v_{k−1}, the reference's rule, computed
//     exactly rather than with a float arange);
//   - Z(t) is a standard normal draw per step shared by all neurons (Noise
//     gives its standard deviation), Z_i(t) one per neuron
//     (PopulationNoise).
//
// Draws are keyed by (population key, Stream, step[, copy], neuron) with
// purpose rng.PurposeStimulus: give two noisy generators of one population
// different Streams. As in the reference, every batch copy gets the same
// values unless IndependentCopies is set.
//
// Bind validates the maps: start steps must be >= 0, values finite and
// within the float32 range (so is the slope at every key), standard
// deviations >= 0. A generator belongs to one population (see Binder). Add
// before Bind adds nothing and records an error (Err).
type FunctionGenerator struct {
	Baseline, Slope, Noise, PopulationNoise map[int64]float64 `state:"-"`
	Stream                                  uint64            `state:"-"`
	IndependentCopies                       bool              `state:"-"`

	built, keySet           bool     `state:"-"`
	base, slope, sigma, pop segments `state:"-"`
	shared, perNeuron       rng.Key  `state:"-"`
	n                       int      `state:"-"` // neurons per copy handled (hi − lo for a slice)
	lo                      int      `state:"-"` // population index of neuron 0 (a slice)
	env                     soma.Env `state:"-"`
	bound                   bool     `state:"-"`
	err                     error    `state:"-"`
}

// Renew returns a new generator with the same settings, not bound
// (population.Renewer).
func (g *FunctionGenerator) Renew() any {
	return &FunctionGenerator{Baseline: g.Baseline, Slope: g.Slope, Noise: g.Noise, PopulationNoise: g.PopulationNoise,
		Stream: g.Stream, IndependentCopies: g.IndependentCopies}
}

// segments is a piecewise function: value val[k] (and, for the slope,
// start value f[k]) from start[k] to start[k+1].
type segments struct {
	start []int64
	val   []float64
	f     []float64
}

func makeSegments(name string, m map[int64]float64, nonNegative bool) (segments, error) {
	var s segments
	s.start = make([]int64, 0, len(m))
	for k := range m {
		s.start = append(s.start, k)
	}
	slices.Sort(s.start)
	for _, k := range s.start {
		v := m[k]
		if k < 0 {
			return s, fmt.Errorf("function generator: %s: start step %d: must be >= 0", name, k)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s, fmt.Errorf("function generator: %s[%d] = %g: must be finite", name, k, v)
		}
		if math.Abs(v) > math.MaxFloat32 {
			return s, fmt.Errorf("function generator: %s[%d] = %g: beyond the float32 range (the input would be infinite)", name, k, v)
		}
		if nonNegative && v < 0 {
			return s, fmt.Errorf("function generator: %s[%d] = %g: a standard deviation must be >= 0", name, k, v)
		}
		s.val = append(s.val, v)
	}
	return s, nil
}

// at returns the segment of step t, or −1 before the first key.
func (s *segments) at(t int64) int {
	k, found := slices.BinarySearch(s.start, t)
	if !found {
		k--
	}
	return k
}

func (s *segments) constant(t int64) float64 {
	if k := s.at(t); k >= 0 {
		return s.val[k]
	}
	return 0
}

func (s *segments) linear(t int64) float64 {
	k := s.at(t)
	if k < 0 {
		return 0
	}
	return s.f[k] + float64(float64(t-s.start[k])*s.val[k])
}

// build validates the maps and prepares the segments. On an error the
// generator keeps the segments it had.
func (g *FunctionGenerator) build() error {
	base, err := makeSegments("baseline", g.Baseline, false)
	if err != nil {
		return err
	}
	slope, err := makeSegments("slope", g.Slope, false)
	if err != nil {
		return err
	}
	sigma, err := makeSegments("noise", g.Noise, true)
	if err != nil {
		return err
	}
	pop, err := makeSegments("population noise", g.PopulationNoise, true)
	if err != nil {
		return err
	}
	slope.f = make([]float64, len(slope.start))
	for k := 1; k < len(slope.start); k++ {
		f := slope.f[k-1] + float64(float64(slope.start[k]-slope.start[k-1])*slope.val[k-1])
		if !(math.Abs(f) <= math.MaxFloat32) {
			return fmt.Errorf("function generator: slope: the ramp reaches %g at step %d, beyond the float32 range (the input would be infinite)", f, slope.start[k])
		}
		slope.f[k] = f
	}
	g.base, g.slope, g.sigma, g.pop = base, slope, sigma, pop
	if !g.keySet {
		g.setKey(rng.Key{})
	}
	g.built = true
	return nil
}

// UseKey sets the key the noise is drawn from (Bind uses the population's
// key). Without either, a fixed key is used.
func (g *FunctionGenerator) UseKey(k rng.Key) {
	g.setKey(k)
	g.keySet = true
}

func (g *FunctionGenerator) setKey(k rng.Key) {
	base := k.Sub(uint64(rng.PurposeStimulus), g.Stream)
	g.shared, g.perNeuron = base.Sub(0), base.Sub(1)
}

// Bind validates and takes the population's size and key. Binding to a
// second, different population is an error.
func (g *FunctionGenerator) Bind(env soma.Env) error {
	if err := checkRebind("function generator", g.bound, g.env, env); err != nil {
		return err
	}
	if env.N <= 0 {
		return fmt.Errorf("function generator: population of %d neurons: must be > 0", env.N)
	}
	g.UseKey(env.Key)
	if err := g.build(); err != nil {
		return err
	}
	g.n, g.env, g.bound = env.N, env, true
	return nil
}

// Err returns the first problem met outside Bind — Add before Bind, or
// Shared and Value on invalid maps — or nil.
func (g *FunctionGenerator) Err() error { return g.err }

func (g *FunctionGenerator) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

// ready builds the segments if needed; false (and the error recorded) if
// the maps are invalid.
func (g *FunctionGenerator) ready() bool {
	if g.built {
		return true
	}
	if err := g.build(); err != nil {
		g.fail(err)
		return false
	}
	return true
}

// Shared is the part of the value common to all neurons of copy b at step t:
// baseline + slope + shared noise. Unbound, the noise comes from a fixed key
// (or the one given to UseKey); invalid maps give 0 and are recorded (Err).
func (g *FunctionGenerator) Shared(t int64, b int) float64 {
	if !g.ready() {
		return 0
	}
	return g.shared0(t, b)
}

func (g *FunctionGenerator) shared0(t int64, b int) float64 {
	v := g.base.constant(t) + g.slope.linear(t)
	if sd := g.sigma.constant(t); sd > 0 {
		v += float64(sd * g.shared.Normal(uint64(t), g.copyID(b)<<32))
	}
	return v
}

func (g *FunctionGenerator) copyID(b int) uint64 {
	if g.IndependentCopies {
		return uint64(b)
	}
	return 0
}

// Value is the value of neuron i of copy b at step t (see Shared); i is the
// population index, also for a slice.
func (g *FunctionGenerator) Value(t int64, b, i int) float32 {
	if !g.ready() {
		return 0
	}
	v := g.shared0(t, b)
	if sd := g.pop.constant(t); sd > 0 {
		v += float64(sd * g.perNeuron.Normal(uint64(t), g.copyID(b)<<32|uint64(i)))
	}
	return float32(v)
}

// Add implements Stimulus. Before Bind it adds nothing and records an
// error (Err).
func (g *FunctionGenerator) Add(t int64, current []float32) {
	if !g.bound {
		if g.err == nil {
			g.err = fmt.Errorf("function generator: Add at step %d before Bind: nothing added (bind the generator to its population)", t)
		}
		return
	}
	g.add(t, current, g.n)
}

// add adds the values of step t into current, copies of n neurons each.
func (g *FunctionGenerator) add(t int64, current []float32, n int) {
	sd := g.pop.constant(t)
	for b := 0; (b+1)*n <= len(current); b++ {
		c := current[b*n : (b+1)*n]
		shared := g.shared0(t, b)
		if sd == 0 {
			v := float32(shared)
			for i := range c {
				c[i] += v
			}
			continue
		}
		cid := g.copyID(b) << 32
		for i := range c {
			c[i] += float32(shared + float64(sd*g.perNeuron.Normal(uint64(t), cid|uint64(g.lo+i))))
		}
	}
}

// Generate returns the values of steps 0..length−1 for n neurons (copy 0),
// out[t][i], like the reference's generate(length, shape). It validates
// first. For a slice (Slice) neuron i is population neuron lo+i.
func (g *FunctionGenerator) Generate(length, n int) ([][]float32, error) {
	if length < 0 || n < 0 {
		return nil, fmt.Errorf("function generator: length %d, n %d: must be >= 0", length, n)
	}
	if err := g.build(); err != nil {
		return nil, err
	}
	out := make([][]float32, length)
	flat := make([]float32, length*n)
	for t := range out {
		out[t] = flat[t*n : (t+1)*n : (t+1)*n]
		if n > 0 {
			g.add(int64(t), out[t], n)
		}
	}
	return out, nil
}
