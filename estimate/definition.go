package estimate

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

// FromDefinition describes a network definition (network.Builder.Definition,
// modelfile.Model.Definition): the one description that a model file and
// the Go builder both produce, read here without drawing anything.
func FromDefinition(name string, d network.Definition) (*Model, error) {
	m := &Model{Name: name, DtMs: d.Config.DtMs, Batch: d.Config.Batch}
	if m.DtMs == 0 {
		m.DtMs = 0.1
	}
	if m.Batch == 0 {
		m.Batch = 1
	}
	normalized := map[string]bool{} // target populations of normalised projections
	for _, c := range d.Connections {
		if c.Connection.Normalize != nil || c.Connection.Normalization != nil {
			normalized[c.Connection.To] = true
		}
	}
	for _, pd := range d.Populations {
		p := PopulationSummary{Name: pd.Name, N: pd.Size}
		kind := ""
		if pd.Model != nil {
			kind = pd.Model.Kind()
		}
		// As layout.Splittable decides on the built network.
		p.Splittable = m.Batch == 1 && len(pd.Principles) == 0 && !normalized[pd.Name] && kind != "izhikevich" && kind != "hh"
		if _, ok := pd.Model.(encoder.Poisson); ok {
			p.StateBytes = 8 // its rate and a counter
		}
		for _, r := range pd.Receptors {
			p.Receptors = append(p.Receptors, ReceptorSummary{Name: r.Name, Kernel: r.Spec.Kernel})
		}
		for _, a := range pd.Axons {
			ax := AxonSummary{Name: a.Name, Terminals: a.Spec.Terminals, Nearest: a.Spec.Rounding == axon.Nearest}
			_, ax.MinDelayMs, ax.DelayMs = valueRange(a.Spec.DelayMs)
			if r := a.Spec.Response; r != nil {
				switch r.(type) {
				case response.Identity, response.Scaling:
				default:
					ax.Stateful = true
				}
			}
			p.Axons = append(p.Axons, ax)
		}
		m.Populations = append(m.Populations, p)
	}
	for _, cd := range d.Connections {
		c := cd.Connection
		if c.Pattern == nil {
			return nil, fmt.Errorf("%s: projection %q: no connectivity pattern", name, cd.Name)
		}
		pr := ProjectionSummary{Name: cd.Name, From: c.From, To: c.To, Axon: c.Axon, Receptor: c.Receptor,
			Pattern: c.Pattern, Autapses: c.Autapses, Plastic: c.Plasticity != nil || c.Latency != nil}
		if x, isConst := c.DelayMs.IsConst(); !isConst || x != 0 {
			pr.SynDelays, pr.SynMinDelayMs, pr.SynMaxDelayMs = valueRange(c.DelayMs)
			pr.SynNearest = c.DelayRounding == axon.Nearest
		}
		_, constW := c.Weight.IsConst()
		pr.Uniform = !pr.Plastic && c.Normalize == nil && c.Normalization == nil && constW
		m.Projections = append(m.Projections, pr)
	}
	return m, nil
}

// valueRange bounds the values of a delay (ms): a constant's, an array's
// smallest and largest, a uniform distribution's interval, a normal one's
// mean ± 6 sd, each narrowed by its redraw bounds (Within) and kept at
// or above 0 (a delay drawn below 0 is redrawn). varies is set unless v is
// a constant.
func valueRange(v param.Value) (varies bool, lo, hi float64) {
	if x, ok := v.IsConst(); ok {
		return false, x, x
	}
	switch name, args, ok := v.Family(); {
	case ok && name == "uniform":
		lo, hi = args[0], args[1]
	case ok && name == "normal":
		d := float64(6 * math.Abs(args[1])) // converted: no fused multiply-add on arm64
		lo, hi = args[0]-d, args[0]+d
	case ok:
		lo, hi = 0, math.Inf(1)
	default:
		xs := v.Elements()
		if len(xs) == 0 {
			return true, 0, 0 // a distribution of its own: unbounded, counted as none
		}
		lo, hi = xs[0], xs[0]
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if blo, bhi, ok := v.Bounds(); ok {
		lo, hi = max(lo, blo), min(hi, bhi)
	}
	return true, max(lo, 0), max(hi, lo, 0)
}

// File describes the network of a model file (modelfile.Load, then
// FromDefinition of its definition).
func File(path string) (*Model, error) {
	mf, err := modelfile.Load(path)
	if err != nil {
		return nil, err
	}
	return FromDefinition(path, mf.Definition())
}

// Parse is File on the file's contents.
func Parse(name string, data []byte) (*Model, error) {
	mf, err := modelfile.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return FromDefinition(name, mf.Definition())
}

// Builtins returns the names of the built-in models Builtin knows.
func Builtins() []string { return []string{"brunel", "coba", "cuba", "fi", "stdp"} }

// Builtin describes the built-in model name (package models) at the
// options' scale, from its definition, without building it.
func Builtin(name string, o models.Options) (*Model, error) {
	var def func(models.Options) (*network.Builder, models.Options, error)
	switch name {
	case "brunel":
		def = func(o models.Options) (*network.Builder, models.Options, error) {
			return models.BrunelDefinition(o, models.BrunelParams{})
		}
	case "cuba":
		def = models.CUBADefinition
	case "coba":
		def = models.COBADefinition
	case "fi":
		def = models.FIDefinition
	case "stdp":
		def = models.STDPDefinition
	default:
		return nil, fmt.Errorf("estimate: unknown built-in model %q", name)
	}
	b, _, err := def(o)
	if err != nil {
		return nil, err
	}
	return FromDefinition(name, b.Definition())
}
