package modelfile

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/stimulus"
)

var principleKinds = []string{"kwta", "fire_once", "k_random_clamps"}

// parsePrinciple reads one entry of populations.X.principles. It returns a
// factory, as principles keep state and every Build needs fresh ones.
func (p *parser) parsePrinciple(n *yaml.Node, path string, size int) func() population.Principle {
	m, kind, ok := p.kinded(n, path, n.Line, principleKinds)
	if !ok {
		if m.ok && !m.has("kind") {
			m.done() // report unknown fields too
		}
		return nil
	}
	before := p.count
	var out func() population.Principle
	switch kind {
	case "kwta":
		var k principle.KWTA
		if v, _ := m.get("k"); v != nil {
			k.K, _ = p.integer(v, path+".k", 1, math.MaxInt32)
		} else {
			m.missing("k")
		}
		if v, _ := m.get("duration_ms"); v != nil {
			k.DurationMs, _ = p.checked(v, path+".duration_ms", ge(0))
		}
		if v, _ := m.get("score"); v != nil {
			k.Score, _ = p.str(v, path+".score")
		}
		if v, _ := m.get("suppress_var"); v != nil {
			k.SuppressVar, _ = p.str(v, path+".suppress_var")
		}
		if v, _ := m.get("suppress_value"); v != nil {
			x, _ := p.checked(v, path+".suppress_value", inRange(-math.MaxFloat32, math.MaxFloat32))
			k.SuppressValue = float32(x)
		}
		out = func() population.Principle { c := k; return &c }
	case "fire_once":
		out = func() population.Principle { return &principle.FireOnce{} }
	case "k_random_clamps":
		k := 0
		if v, _ := m.get("k"); v != nil {
			k, _ = p.integer(v, path+".k", 0, math.MaxInt32)
			if size > 0 && k > size {
				p.bad(v, path+".k", "must be <= the population size (%d)", size)
			}
		} else {
			m.missing("k")
		}
		var w param.Value
		if v, _ := m.get("weights"); v != nil {
			w, _ = p.value(v, path+".weights", size, ge(0))
		}
		out = func() population.Principle {
			return &principle.KRandomClamps{Weights: w, K: func(int64) int { return k }}
		}
	}
	m.done()
	if p.count > before {
		return nil
	}
	return out
}

// parseSteps reads a function generator's {start step: value} map.
func (p *parser) parseSteps(n *yaml.Node, path string, line int, checks ...check) map[int64]float64 {
	m := p.mapping(n, path, line)
	out := map[int64]float64{}
	for _, k := range m.keys {
		v, _ := m.get(k.Value)
		kp := join(path, k.Value)
		if k.Tag != "!!int" {
			p.bad(k, kp, "a key must be a start step (an integer >= 0)")
			continue
		}
		step, ok := p.integer(k, kp, math.MinInt64, math.MaxInt64)
		if !ok {
			continue
		}
		if step < 0 {
			p.bad(k, kp, "must be >= 0 (a start step)")
			continue
		}
		if v == nil {
			p.add(k.Line, kp, "", "must be a number, not null")
			continue
		}
		if x, ok := p.checked(v, kp, checks...); ok {
			out[int64(step)] = x
		}
	}
	return out
}

func (p *parser) parseGenerator(n *yaml.Node, path string, line int) func() population.Stimulus {
	m := p.mapping(n, path, line)
	if !m.ok {
		return nil
	}
	before := p.count
	var g stimulus.FunctionGenerator
	f32 := inRange(-math.MaxFloat32, math.MaxFloat32)
	for _, f := range []struct {
		key    string
		dst    *map[int64]float64
		checks []check
	}{
		{"baseline", &g.Baseline, []check{f32}},
		{"slope", &g.Slope, []check{f32}},
		{"noise", &g.Noise, []check{ge(0), f32}},
		{"population_noise", &g.PopulationNoise, []check{ge(0), f32}},
	} {
		if v, l := m.get(f.key); v != nil {
			*f.dst = p.parseSteps(v, path+"."+f.key, l, f.checks...)
		}
	}
	if v, _ := m.get("stream"); v != nil {
		s, _ := p.integer(v, path+".stream", 0, math.MaxInt64)
		g.Stream = uint64(s)
	}
	if v, _ := m.get("independent_copies"); v != nil {
		g.IndependentCopies, _ = p.boolean(v, path+".independent_copies")
	}
	m.done()
	if p.count > before {
		return nil
	}
	if _, err := g.Generate(0, 0); err != nil { // validates (a slope ramp beyond float32)
		p.bad(n, path, "%v", err)
		return nil
	}
	return func() population.Stimulus {
		return &stimulus.FunctionGenerator{Baseline: g.Baseline, Slope: g.Slope, Noise: g.Noise,
			PopulationNoise: g.PopulationNoise, Stream: g.Stream, IndependentCopies: g.IndependentCopies}
	}
}

func (p *parser) parseSequence(n *yaml.Node, path string, line, size int) (stimulus.Sequence, bool) {
	m := p.mapping(n, path, line)
	var s stimulus.Sequence
	if !m.ok {
		return s, false
	}
	before := p.count
	if v, _ := m.get("hold"); v != nil {
		s.Hold, _ = p.integer(v, path+".hold", 0, math.MaxInt32)
	}
	if v, _ := m.get("frames"); v != nil {
		fp := path + ".frames"
		if resolve(v).Kind == yaml.SequenceNode && len(resolve(v).Content) == 0 {
			p.bad(v, fp, "need at least one frame")
		}
		p.list(v, fp, func(e *yaml.Node, ep string) {
			xs, ok := p.numberList(e, ep, inRange(-math.MaxFloat32, math.MaxFloat32))
			if !ok {
				return
			}
			if size >= 0 && len(xs) != size && len(xs) != size*p.batch {
				want := fmt.Sprint(size)
				if p.batch > 1 {
					want += fmt.Sprintf(" (per neuron) or %d (per element)", size*p.batch)
				}
				p.bad(e, ep, "frame of %d values: must have %s", len(xs), want)
				return
			}
			if len(s.Frames) > 0 && len(xs) != len(s.Frames[0]) {
				p.bad(e, ep, "frame of %d values: frame 0 has %d", len(xs), len(s.Frames[0]))
				return
			}
			f := make([]float32, len(xs))
			for i, x := range xs {
				f[i] = float32(x)
			}
			s.Frames = append(s.Frames, f)
		})
	} else {
		m.missing("frames")
	}
	m.done()
	return s, p.count == before
}
