package main

import (
	"os"
	"reflect"
	"testing"

	"github.com/spiral-sim/spiral/workers"
)

// TestMain lets the test binary serve as a worker of simulateOn.
func TestMain(m *testing.M) {
	if workers.Serving() {
		os.Exit(workers.Serve(buildPart, workers.ServeOptions{}))
	}
	os.Exit(m.Run())
}

// With the shards on two worker processes — motor split between them, the
// environment in this process — the loop runs as in one process: the
// environment sees and rewards the same spikes, and the motor spikes and
// the learnt weights are the same.
func TestLoopOnWorkers(t *testing.T) {
	one, err := simulate(1, 300)
	if err != nil {
		t.Fatal(err)
	}
	two, err := simulateOn(1, 300, 2)
	if err != nil {
		t.Fatal(err)
	}
	if one.env.spikes == 0 || one.finalMean == one.initialMean {
		t.Fatalf("the loop did nothing: %d spikes, mean weight %g -> %g", one.env.spikes, one.initialMean, one.finalMean)
	}
	if *one.env != *two.env || !reflect.DeepEqual(one.motorSteps, two.motorSteps) || !reflect.DeepEqual(one.motorNeurons, two.motorNeurons) ||
		!reflect.DeepEqual(one.weights, two.weights) {
		t.Errorf("one process: environment %+v, %d motor spikes, mean weight %g; two workers: %+v, %d, %g",
			*one.env, len(one.motorNeurons), one.finalMean, *two.env, len(two.motorNeurons), two.finalMean)
	}
}
