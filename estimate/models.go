package estimate

import (
	"fmt"
	"math"
	"sort"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/models"
)

// builtins mirror the structure of package models' networks (sizes,
// receptors, axons, patterns) from their parameters; the tests check
// them against the built networks.
var builtins = map[string]func(o models.Options) (*Model, error){
	"brunel": brunel,
	"cuba":   func(o models.Options) (*Model, error) { return vogelsAbbott("cuba", o, dendrite.ExpCurrent) },
	"coba":   func(o models.Options) (*Model, error) { return vogelsAbbott("coba", o, dendrite.ExpConductance) },
	"stdp":   stdp,
	"fi":     fi,
}

// Builtins returns the names of the built-in models Builtin knows.
func Builtins() []string {
	var s []string
	for k := range builtins {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Builtin describes the built-in model name (package models) at the
// options' scale, without building it.
func Builtin(name string, o models.Options) (*Model, error) {
	f, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("estimate: unknown built-in model %q", name)
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.DtMs == 0 {
		o.DtMs = 0.1
	}
	if !(o.Scale > 0) || o.Scale > models.MaxScale {
		return nil, fmt.Errorf("%s: scale = %g: must be > 0 and at most %g", name, o.Scale, float64(models.MaxScale))
	}
	m, err := f(o)
	if err != nil {
		return nil, err
	}
	m.Name, m.DtMs, m.Batch = name, o.DtMs, 1
	return m, nil
}

// brunel mirrors models.Brunel with the default BrunelParams.
func brunel(o models.Options) (*Model, error) {
	ne := int(math.Round(10000 * o.Scale))
	ni := int(math.Round(2500 * o.Scale))
	ce, ci := int(0.1*float64(ne)), int(0.1*float64(ni))
	m := &Model{}
	for _, p := range []struct {
		name string
		n    int
	}{{"E", ne}, {"I", ni}} {
		m.Populations = append(m.Populations, Population{Name: p.name, N: p.n, Splittable: true,
			Receptors: []Receptor{{"in", dendrite.Delta}},
			Axons:     []Axon{{Name: "out", DelayMs: 1.5}}})
	}
	for _, c := range []struct {
		from, to string
		k        int
	}{{"E", "E", ce}, {"E", "I", ce}, {"I", "E", ci}, {"I", "I", ci}} {
		m.Projections = append(m.Projections, Projection{Name: c.from + c.to, From: c.from, To: c.to,
			Pattern: connectivity.FixedInDegree{K: c.k, Multapses: true}, Autapses: true, Uniform: true})
	}
	return m, nil
}

// vogelsAbbott mirrors models.CUBA and models.COBA.
func vogelsAbbott(_ string, o models.Options, k dendrite.Kernel) (*Model, error) {
	n := int(math.Round(4000 * o.Scale))
	ne := int(math.Round(0.8 * float64(n)))
	ni := n - ne
	p := math.Min(1, 0.02/o.Scale)
	m := &Model{}
	for _, q := range []struct {
		name string
		n    int
	}{{"E", ne}, {"I", ni}} {
		m.Populations = append(m.Populations, Population{Name: q.name, N: q.n, Splittable: true,
			Receptors: []Receptor{{"ge", k}, {"gi", k}}})
	}
	for _, c := range []struct{ from, to, rec string }{{"E", "E", "ge"}, {"E", "I", "ge"}, {"I", "E", "gi"}, {"I", "I", "gi"}} {
		m.Projections = append(m.Projections, Projection{Name: c.from + c.to, From: c.from, To: c.to, Receptor: c.rec,
			Pattern: connectivity.Bernoulli{P: p}, Autapses: true, Uniform: true})
	}
	return m, nil
}

// stdp mirrors models.STDP.
func stdp(o models.Options) (*Model, error) {
	n := int(math.Round(1000 * o.Scale))
	return &Model{
		Populations: []Population{
			{Name: "in", N: n, StateBytes: 8, Splittable: true},
			{Name: "out", N: 1, Splittable: true, Receptors: []Receptor{{"ge", dendrite.ExpCurrent}}},
		},
		Projections: []Projection{{Name: "syn", From: "in", To: "out", Receptor: "ge",
			Pattern: connectivity.AllToAll{}, Plastic: true}},
	}, nil
}

// fi mirrors models.FI.
func fi(o models.Options) (*Model, error) {
	n := int(math.Round(200*o.Scale)) + 1
	if n < 2 {
		return nil, fmt.Errorf("fi: scale = %g gives %d neuron; need at least 2 (scale >= 0.005)", o.Scale, n)
	}
	return &Model{Populations: []Population{{Name: "lif", N: n, Splittable: true}}}, nil
}
