package main

import (
	"fmt"
	"math"
	"strings"
)

// Model is one benchmark model: how Spiral and the Brian2 script name it,
// its size and simulated time, and how Spiral's population names map onto
// the names in Brian2's JSON.
type Model struct {
	Name      string  `json:"name"`       // CUBA, COBA, Brunel, STDP
	Spiral    string  `json:"spiral"`     // built-in model of spiral-node
	Script    string  `json:"script"`     // Brian2 script in the -brian2 directory
	Scale     float64 `json:"scale"`      // same rule in both (see the scripts' --help)
	DurationS float64 `json:"duration_s"` // simulated time
	// PopMap maps Spiral's population names to Brian2's (identity if absent).
	PopMap map[string]string `json:"pop_map,omitempty"`
}

// Size describes the network at the model's scale (the scaling rules of
// the Brian2 scripts in bench/brian2 and package models).
func (m Model) Size() string {
	switch m.Spiral {
	case "cuba", "coba":
		return fmt.Sprintf("%d LIF", int(math.Round(4000*m.Scale)))
	case "brunel":
		return fmt.Sprintf("%d LIF", int(math.Round(10000*m.Scale))+int(math.Round(2500*m.Scale)))
	case "stdp":
		return fmt.Sprintf("%d inputs + 1 LIF", int(math.Round(1000*m.Scale)))
	}
	return fmt.Sprintf("scale %g", m.Scale)
}

// BrianPop is the Brian2 name of a Spiral population.
func (m Model) BrianPop(spiral string) string {
	if b, ok := m.PopMap[spiral]; ok {
		return b
	}
	return spiral
}

// defaultModels are the sizes of the benchmark (docs/benchmarks.md): CUBA
// and COBA at 40,000 neurons, Brunel at 12,500, STDP with 1,000 inputs.
func defaultModels() []Model {
	return []Model{
		{Name: "CUBA", Spiral: "cuba", Script: "cuba.py", Scale: 10, DurationS: 10},
		{Name: "COBA", Spiral: "coba", Script: "coba.py", Scale: 10, DurationS: 5},
		{Name: "Brunel", Spiral: "brunel", Script: "brunel.py", Scale: 1, DurationS: 1},
		{Name: "STDP", Spiral: "stdp", Script: "stdp.py", Scale: 1, DurationS: 100,
			PopMap: map[string]string{"in": "inputs", "out": "post"}},
	}
}

// quickModels are small sizes and durations for trying the harness out
// (a few minutes in all, most of it Brian2's start-up and C++ compilation).
func quickModels() []Model {
	ms := defaultModels()
	ms[0].Scale, ms[0].DurationS = 0.5, 0.5
	ms[1].Scale, ms[1].DurationS = 0.5, 0.25
	ms[2].Scale, ms[2].DurationS = 0.2, 0.2
	ms[3].Scale, ms[3].DurationS = 1, 5
	return ms
}

// selectModels keeps the models named in list (comma-separated, case
// insensitive), in the given order.
func selectModels(all []Model, list string) ([]Model, error) {
	if strings.TrimSpace(list) == "" || list == "all" {
		return all, nil
	}
	var out []Model
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, m := range all {
			if strings.EqualFold(m.Name, n) || strings.EqualFold(m.Spiral, n) {
				out = append(out, m)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("-models: unknown model %q (have cuba, coba, brunel, stdp)", n)
		}
	}
	return out, nil
}
