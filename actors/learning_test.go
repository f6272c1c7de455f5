package actors_test

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/stepper"
)

// Every learning rule gives the same spikes, weights and latencies on the
// sequential stepper, on 1, 3 and 7 shards, and on two worker processes —
// and each of them changed its weights, so the comparison compares
// something.
func TestLearningRulesMatchAcrossShards(t *testing.T) {
	const steps = 2000
	initial := map[string][]float32{}
	for _, p := range testnets.LearningZoo(t).Projections {
		initial[p.Name] = slices.Clone(p.Runtime.Syn.W)
	}
	want := sequential(t, testnets.LearningZoo(t), steps)
	for name, w := range want.Weights {
		if init, ok := initial[name]; ok && slices.Equal(init, w) {
			t.Errorf("projection %s: weights unchanged after %d steps; the comparison would prove nothing", name, steps)
		}
	}
	for _, k := range []int{1, 3, 7} {
		shards := map[string]int{"E": k, "I": min(k, 3)}
		got := onActors(t, testnets.LearningZoo(t), shards, steps)
		compare(t, "learning rules with "+itoa(k)+" shards", want, got)
	}
	got := onWorkers(t, testnets.LearningZoo, map[string]int{"E": 3, "I": 2}, 2, steps)
	compare(t, "learning rules on two workers", want, got)
}

// The zoo is also stable under stepping alone (no panics, no NaN errors).
func TestLearningZooRuns(t *testing.T) {
	net := testnets.LearningZoo(t)
	if err := stepper.New(net).Run(500); err != nil {
		t.Fatal(err)
	}
}
