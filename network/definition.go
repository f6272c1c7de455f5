package network

import (
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/soma"
)

// Definition is what a Builder has been given, in the order given: the
// settings, the populations with their parts, and the connections. It is
// the network as a description rather than as built objects — what a
// model file says (package modelfile writes one from it) — and shares its
// values with the Builder: read it, do not modify it.
type Definition struct {
	Config      Config
	Populations []PopulationDefinition
	Connections []ConnectionDefinition
}

// PopulationDefinition is a population as defined.
type PopulationDefinition struct {
	Name       string
	Size       int
	Model      soma.Spec
	Receptors  []ReceptorDefinition
	Axons      []AxonDefinition
	Stimuli    []population.Stimulus
	Drives     []DriveDefinition
	Principles []population.Principle
}

// ReceptorDefinition is a named receptor.
type ReceptorDefinition struct {
	Name string
	Spec dendrite.Spec
}

// AxonDefinition is a named axon.
type AxonDefinition struct {
	Name string
	Spec axon.Spec
}

// DriveDefinition is a stimulus driving a receptor.
type DriveDefinition struct {
	Receptor string
	Stimulus population.Stimulus
}

// ConnectionDefinition is a named connection (a projection to build).
type ConnectionDefinition struct {
	Name       string
	Connection Connection
}

// Definition returns what the builder has been given (see Definition).
// Definitions that were refused (a duplicate or invalid name) are not in
// it; Build reports them.
func (b *Builder) Definition() Definition {
	d := Definition{Config: b.cfg}
	for _, p := range b.pops {
		pd := PopulationDefinition{Name: p.name, Size: p.size, Model: p.model,
			Stimuli: append([]population.Stimulus(nil), p.stimuli...), Principles: append([]population.Principle(nil), p.principles...)}
		for _, r := range p.receptors {
			pd.Receptors = append(pd.Receptors, ReceptorDefinition{r.name, r.spec})
		}
		for _, a := range p.axons {
			pd.Axons = append(pd.Axons, AxonDefinition{a.name, a.spec})
		}
		for _, dr := range p.drives {
			pd.Drives = append(pd.Drives, DriveDefinition{dr.receptor, dr.s})
		}
		d.Populations = append(d.Populations, pd)
	}
	for _, c := range b.conns {
		d.Connections = append(d.Connections, ConnectionDefinition{c.name, c.c})
	}
	return d
}
