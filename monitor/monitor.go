// Package monitor records what a simulation did: spikes of a population,
// any state variable of chosen neurons, the weights of a projection,
// sampled every k steps. Monitors are registered with the stepper; a run
// without monitors pays nothing for them.
package monitor

import (
	"errors"
	"fmt"

	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/population"
)

// Spikes records every spike of one population.
type Spikes struct {
	pop *population.Population
	// Steps and Elements are parallel: element Elements[k] (b·N+i) fired
	// at step Steps[k]. Sorted by step, then element.
	Steps    []int64
	Elements []uint32
}

// NewSpikes returns a spike monitor of the named population.
func NewSpikes(net *network.Network, pop string) (*Spikes, error) {
	if net == nil {
		return nil, errors.New("spike monitor: no network (nil)")
	}
	p, ok := net.Population(pop)
	if !ok {
		return nil, fmt.Errorf("spike monitor: no population %q", pop)
	}
	return &Spikes{pop: p}, nil
}

// Record implements stepper.Monitor.
func (m *Spikes) Record(step int64, _ *network.Network) {
	for _, e := range m.pop.Fired() {
		m.Steps = append(m.Steps, step)
		m.Elements = append(m.Elements, e)
	}
}

// Count returns the number of spikes of each element.
func (m *Spikes) Count() []int {
	c := make([]int, m.pop.Len())
	for _, e := range m.Elements {
		c[e]++
	}
	return c
}

// Times returns the spike steps of each element.
func (m *Spikes) Times() [][]int64 {
	t := make([][]int64, m.pop.Len())
	for k, e := range m.Elements {
		t[e] = append(t[e], m.Steps[k])
	}
	return t
}

// State samples a state variable of chosen elements every Every steps.
type State struct {
	v        []float32
	Var      string
	Elements []int
	Every    int
	// Steps[k] is the step of sample k; Values[k][j] the value of
	// Elements[j] then.
	Steps  []int64
	Values [][]float32
}

// NewState returns a monitor of variable name ("v", "w", ... or "current"
// for the input current) of the given elements (nil = all) of a
// population, sampled every `every` steps (>= 1).
func NewState(net *network.Network, pop, name string, elements []int, every int) (*State, error) {
	if net == nil {
		return nil, errors.New("state monitor: no network (nil)")
	}
	p, ok := net.Population(pop)
	if !ok {
		return nil, fmt.Errorf("state monitor: no population %q", pop)
	}
	var v []float32
	if name == "current" {
		v = p.Current()
	} else if v, ok = p.Model().Var(name); !ok {
		return nil, fmt.Errorf("state monitor of %q: no variable %q (has %v, current)", pop, name, p.Model().Vars())
	}
	if every < 1 {
		return nil, fmt.Errorf("state monitor of %q.%s: every = %d: must be >= 1", pop, name, every)
	}
	if elements == nil {
		elements = make([]int, len(v))
		for i := range elements {
			elements[i] = i
		}
	}
	for _, e := range elements {
		if e < 0 || e >= len(v) {
			return nil, fmt.Errorf("state monitor of %q.%s: element %d out of range [0, %d)", pop, name, e, len(v))
		}
	}
	return &State{v: v, Var: name, Elements: elements, Every: every}, nil
}

// Record implements stepper.Monitor.
func (m *State) Record(step int64, _ *network.Network) {
	if step%int64(m.Every) != 0 {
		return
	}
	row := make([]float32, len(m.Elements))
	for j, e := range m.Elements {
		row[j] = m.v[e]
	}
	m.Steps = append(m.Steps, step)
	m.Values = append(m.Values, row)
}

// Weights samples a projection's weights every Every steps.
type Weights struct {
	proj     *network.Projection
	Synapses []int
	Every    int
	Steps    []int64
	Values   [][]float32
}

// NewWeights returns a monitor of the given synapses (CSR order; nil = all)
// of the named projection, sampled every `every` steps.
func NewWeights(net *network.Network, proj string, synapses []int, every int) (*Weights, error) {
	if net == nil {
		return nil, errors.New("weight monitor: no network (nil)")
	}
	p, ok := net.Projection(proj)
	if !ok {
		return nil, fmt.Errorf("weight monitor: no projection %q", proj)
	}
	n := p.Runtime.Syn.Len()
	if every < 1 {
		return nil, fmt.Errorf("weight monitor of %q: every = %d: must be >= 1", proj, every)
	}
	if synapses == nil {
		synapses = make([]int, n)
		for i := range synapses {
			synapses[i] = i
		}
	}
	for _, k := range synapses {
		if k < 0 || k >= n {
			return nil, fmt.Errorf("weight monitor of %q: synapse %d out of range [0, %d)", proj, k, n)
		}
	}
	return &Weights{proj: p, Synapses: synapses, Every: every}, nil
}

// Record implements stepper.Monitor.
func (m *Weights) Record(step int64, _ *network.Network) {
	if step%int64(m.Every) != 0 {
		return
	}
	syn := m.proj.Runtime.Syn
	row := make([]float32, len(m.Synapses))
	for j, k := range m.Synapses {
		row[j] = syn.Weight(k)
	}
	m.Steps = append(m.Steps, step)
	m.Values = append(m.Values, row)
}
