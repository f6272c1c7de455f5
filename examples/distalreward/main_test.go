package main

import (
	"slices"
	"testing"
)

// The synapse whose pairings are rewarded grows toward the bound, while
// the others, whose eligibility traces meet rewards only by chance, fall
// from their initial weight: after 1000 s the chosen synapse is the
// strongest of all 500, above 0.9 of the bound, and the mean of the others
// is below half of the initial weight.
func TestRewardedSynapseWins(t *testing.T) {
	o, err := simulate(1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.rw.rewards == 0 || o.rw.rewards > o.rw.pairings {
		t.Fatalf("%d rewards for %d pairings: every reward must follow a pairing", o.rw.rewards, o.rw.pairings)
	}
	chosen := o.w[o.k]
	others := slices.Delete(slices.Clone(o.w), o.k, o.k+1)
	if chosen < 0.9*wmax {
		t.Errorf("chosen synapse w = %g, want ≥ 0.9·wmax = %g", chosen, 0.9*wmax)
	}
	if m := slices.Max(others); m >= chosen {
		t.Errorf("another synapse reached %g ≥ the chosen one's %g", m, chosen)
	}
	var sum float64
	for _, w := range others {
		sum += float64(w)
	}
	if mean := sum / float64(len(others)); mean >= w0/2 {
		t.Errorf("mean of the others %g, want < w0/2 = %g", mean, w0/2)
	}
}
