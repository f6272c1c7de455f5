package stimulus

import (
	"fmt"
	"math"
	"slices"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

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
type FunctionGenerator struct {
	Baseline, Slope, Noise, PopulationNoise map[int64]float64
	Stream                                  uint64
	IndependentCopies                       bool

	built, keySet           bool
	base, slope, sigma, pop segments
	shared, perNeuron       rng.Key
	n                       int
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
	return s.f[k] + float64(t-s.start[k])*s.val[k]
}

// build validates the maps and prepares the segments.
func (g *FunctionGenerator) build() error {
	var err error
	if g.base, err = makeSegments("baseline", g.Baseline, false); err != nil {
		return err
	}
	if g.slope, err = makeSegments("slope", g.Slope, false); err != nil {
		return err
	}
	if g.sigma, err = makeSegments("noise", g.Noise, true); err != nil {
		return err
	}
	if g.pop, err = makeSegments("population noise", g.PopulationNoise, true); err != nil {
		return err
	}
	g.slope.f = make([]float64, len(g.slope.start))
	for k := 1; k < len(g.slope.start); k++ {
		g.slope.f[k] = g.slope.f[k-1] + float64(g.slope.start[k]-g.slope.start[k-1])*g.slope.val[k-1]
	}
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

// Bind validates and takes the population's size and key.
func (g *FunctionGenerator) Bind(env soma.Env) error {
	g.UseKey(env.Key)
	if err := g.build(); err != nil {
		return err
	}
	g.n = env.N
	return nil
}

func (g *FunctionGenerator) ready() {
	if !g.built {
		if err := g.build(); err != nil {
			panic(err)
		}
	}
}

// Shared is the part of the value common to all neurons of copy b at step t:
// baseline + slope + shared noise.
func (g *FunctionGenerator) Shared(t int64, b int) float64 {
	g.ready()
	v := g.base.constant(t) + g.slope.linear(t)
	if sd := g.sigma.constant(t); sd > 0 {
		v += sd * g.shared.Normal(uint64(t), g.copyID(b)<<32)
	}
	return v
}

func (g *FunctionGenerator) copyID(b int) uint64 {
	if g.IndependentCopies {
		return uint64(b)
	}
	return 0
}

// Value is the value of neuron i of copy b at step t.
func (g *FunctionGenerator) Value(t int64, b, i int) float32 {
	v := g.Shared(t, b)
	if sd := g.pop.constant(t); sd > 0 {
		v += sd * g.perNeuron.Normal(uint64(t), g.copyID(b)<<32|uint64(i))
	}
	return float32(v)
}

// Add implements Stimulus. Unbound, the whole of current is one copy (and
// Add panics if the maps are invalid: Bind or Generate report that as an
// error).
func (g *FunctionGenerator) Add(t int64, current []float32) {
	g.ready()
	n := g.n
	if n == 0 {
		n = len(current)
	}
	sd := g.pop.constant(t)
	for b := 0; b*n < len(current); b++ {
		c := current[b*n : (b+1)*n]
		shared := g.Shared(t, b)
		if sd == 0 {
			v := float32(shared)
			for i := range c {
				c[i] += v
			}
			continue
		}
		cid := g.copyID(b) << 32
		for i := range c {
			c[i] += float32(shared + sd*g.perNeuron.Normal(uint64(t), cid|uint64(i)))
		}
	}
}

// Generate returns the values of steps 0..length−1 for n neurons (copy 0),
// out[t][i], like the reference's generate(length, shape). It validates
// first.
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
		saved := g.n
		g.n = n
		g.Add(int64(t), out[t])
		g.n = saved
	}
	return out, nil
}
