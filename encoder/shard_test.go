package encoder_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// An encoder population driven by stimuli, split the way package shard
// splits it (model parts by Split, stimulus slices by Slice, each part a
// population of its own), fires exactly the spikes of the whole.
func TestSplitPopulationWithStimuli(t *testing.T) {
	const n, steps = 37, 120
	frames := func(seed uint64, count, size int, gen func(r *rand.Rand) float32) [][]float32 {
		r := rand.New(rand.NewPCG(seed, 3))
		out := make([][]float32, count)
		for k := range out {
			vals := make([]float32, n/size)
			for g := range vals {
				vals[g] = gen(r)
			}
			out[k] = encoder.ExpandGroups(vals, size)
		}
		return out
	}
	unit := func(r *rand.Rand) float32 { return r.Float32() }
	factors := make([]float32, n)
	for i := range factors {
		factors[i] = 0.5 + float32(i)/n
	}
	cases := []struct {
		spec soma.Spec
		n    int
		stim func() []population.Stimulus
	}{
		{encoder.Poisson{RateHz: param.Uniform(100, 400), Drive: encoder.DriveGain}, n, func() []population.Stimulus {
			return []population.Stimulus{
				&stimulus.Gain{S: &stimulus.FunctionGenerator{Baseline: map[int64]float64{0: 0.4},
					PopulationNoise: map[int64]float64{0: 0.04}}, Factors: factors},
				stimulus.SquarePulse{High: 0.3, Period: 10, Width: 4},
			}
		}},
		{encoder.TTFS{WindowMs: 6}, n, func() []population.Stimulus {
			return []population.Stimulus{stimulus.Sequence{Frames: frames(1, 5, 1, unit), Hold: 6}}
		}},
		{encoder.Position{K: 4, WindowMs: 5}, 36, func() []population.Stimulus {
			return []population.Stimulus{stimulus.Sequence{Frames: frames(2, 4, 4, unit), Hold: 5}}
		}},
		{encoder.OneHot{Size: 4}, 36, func() []population.Stimulus {
			return []population.Stimulus{stimulus.Sequence{Frames: frames(3, 6, 4, func(r *rand.Rand) float32 {
				return float32(r.IntN(5) - 1)
			}), Hold: 2}}
		}},
		{encoder.Lazy{}, n, func() []population.Stimulus {
			return []population.Stimulus{stimulus.Sum{stimulus.Window{S: stimulus.Constant(-1), From: 3, To: 9},
				&stimulus.PoissonDrive{RateHz: 100, Weight: 1}}}
		}},
	}
	for k, c := range cases {
		t.Run(fmt.Sprint(k, c.spec.Kind()), func(t *testing.T) {
			env := soma.Env{N: c.n, Batch: 1, Dt: 1, Key: rng.NewKey(5, 2)}
			build := func() (*population.Population, []population.Stimulus) {
				m, err := c.spec.New(env)
				if err != nil {
					t.Fatal(err)
				}
				p, err := population.New("enc", c.n, 1, m)
				if err != nil {
					t.Fatal(err)
				}
				st := c.stim()
				for _, s := range st {
					if b, ok := s.(population.Binder); ok {
						if err := b.Bind(env); err != nil {
							t.Fatal(err)
						}
					}
					p.AddStimulus(s)
				}
				return p, st
			}
			whole, _ := build()
			src, st := build()
			ranges := [][2]int{{0, 3}, {3, 11}, {11, 12}, {12, c.n}}
			parts := make([]*population.Population, len(ranges))
			for j, r := range ranges {
				m, err := src.Model().(soma.Splitter).Split(r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				if parts[j], err = population.New("enc", r[1]-r[0], 1, m); err != nil {
					t.Fatal(err)
				}
				for _, s := range st {
					sl, err := s.(population.Slicer).Slice(r[0], r[1], c.n)
					if err != nil {
						t.Fatal(err)
					}
					parts[j].AddStimulus(sl)
				}
			}
			total := 0
			for step := int64(0); step < steps; step++ {
				whole.Step(step)
				var got []uint32
				for j, p := range parts {
					p.Step(step)
					for _, e := range p.Fired() {
						got = append(got, uint32(ranges[j][0])+e)
					}
				}
				if !slices.Equal(got, whole.Fired()) {
					t.Fatalf("step %d: parts fired %v, whole %v", step, got, whole.Fired())
				}
				total += len(got)
			}
			if total == 0 {
				t.Fatal("no spikes: a vacuous test")
			}
			if err := whole.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
