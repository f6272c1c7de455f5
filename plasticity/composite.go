package plasticity

import (
	"errors"
	"fmt"
)

// Composite sums the changes of several rules. Every rule computes its
// change from the same weights; the sum is applied once.
type Composite struct {
	Rules []Spec
}

// Kind returns "composite".
func (Composite) Kind() string { return "composite" }

// New binds every rule to p.
func (s Composite) New(p *Synapses) (Rule, error) {
	const name = "plasticity: composite"
	if len(s.Rules) == 0 {
		return nil, errors.New(name + ": Rules is empty")
	}
	rules := make(compositeRule, len(s.Rules))
	for i, sub := range s.Rules {
		if sub == nil {
			return nil, fmt.Errorf("%s: Rules[%d] is nil", name, i)
		}
		r, err := sub.New(p)
		if err != nil {
			return nil, fmt.Errorf("%s: Rules[%d] (%s): %w", name, i, sub.Kind(), err)
		}
		rules[i] = r
	}
	if len(rules) == 1 {
		return rules[0], nil
	}
	return rules, nil
}

type compositeRule []Rule

// Step implements Rule.
func (c compositeRule) Step(d *StepData, acc *Delta) {
	for _, r := range c {
		r.Step(d, acc)
	}
}

// Reset implements Rule.
func (c compositeRule) Reset() {
	for _, r := range c {
		r.Reset()
	}
}
