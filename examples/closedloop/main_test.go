package main

import "testing"

// The reward acts, in the expected direction: the rule is modulated STDP
// whose window favours potentiation, so the change of the mean weight is
// the STDP drift times the dopamine the synapses saw — none without
// reward (the weights stay exactly as drawn), positive with it, and larger
// when each spike is rewarded twice as much.
func TestRewardStrengthensTheInput(t *testing.T) {
	var change [3]float64
	for g := range change {
		o, err := simulate(float32(g), 300)
		if err != nil {
			t.Fatal(err)
		}
		if o.motorSpikes == 0 || o.env.segments == 0 {
			t.Fatalf("gain %d: %d motor spikes in %d segments: the loop did not run", g, o.motorSpikes, o.env.segments)
		}
		change[g] = o.finalMean - o.initialMean
	}
	if change[0] != 0 {
		t.Errorf("without reward the mean weight changed by %g", change[0])
	}
	if !(change[1] > 0 && change[2] > change[1]) {
		t.Errorf("mean weight changes %g (gain 1) and %g (gain 2): want positive and growing with the reward", change[1], change[2])
	}
}
