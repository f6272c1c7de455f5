package actors_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// bomb is a stimulus that panics at one step.
type bomb struct{ at int64 }

func (b bomb) Add(step int64, current []float32) {
	if step == b.at {
		panic("boom")
	}
	for i := range current {
		current[i] += 30
	}
}

// A panic inside an actor stops the run with an error naming the actor and
// the step, promptly, and the engine refuses further runs.
func TestPanicStopsTheRun(t *testing.T) {
	b := network.New(network.Config{DtMs: 0.1})
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
	b.Population("A", 10, lif).Stimulus(bomb{at: 517})
	b.Population("B", 10, lif)
	b.Connect("AB", network.Connection{From: "A", To: "B", Pattern: connectivity.AllToAll{}, Weight: param.Const(1)})
	net, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(net, actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	done := make(chan error, 1)
	go func() { done <- e.Run(2000) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "shard A") || !strings.Contains(err.Error(), "step 517") || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("error %v, want it to name shard A, step 517 and the panic", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run hung after a panic")
	}
	if err := e.Run(10); err == nil {
		t.Error("a failed engine ran again")
	}
}

// A run-time model error (a Poisson probability above one) stops the run
// at its step.
func TestModelErrorStopsTheRun(t *testing.T) {
	net, err := brunelLikeBadRate(t)
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(net, actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	err = e.Run(100)
	if err == nil || !strings.Contains(err.Error(), "step 0") {
		t.Fatalf("error %v, want a failure at step 0", err)
	}
}

// brunelLikeBadRate drives a Poisson encoder with a rate of 20 kHz, a
// spike probability of 2 per step at dt = 0.1 ms.
func brunelLikeBadRate(t *testing.T) (*network.Network, error) {
	t.Helper()
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("in", 5, encoder.Poisson{Drive: encoder.DriveRate}).Stimulus(stimulus.Constant(20000))
	b.Population("out", 5, soma.LIF())
	b.Connect("p", network.Connection{From: "in", To: "out", Pattern: connectivity.OneToOne{}, Weight: param.Const(1)})
	return b.Build()
}

// Close interrupts a waiting Run; Run after Close is an error, not a panic;
// an empty network is refused.
func TestCloseAndEmpty(t *testing.T) {
	e, err := actors.New(testnets.BrunelLike(t, false), actors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Pause()
	done := make(chan error, 1)
	go func() { done <- e.Run(1000) }()
	time.Sleep(50 * time.Millisecond)
	e.Close()
	select {
	case err := <-done:
		if !errors.Is(err, actors.ErrClosed) {
			t.Errorf("interrupted run: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not interrupt Run")
	}
	if err := e.Run(10); err == nil {
		t.Error("Run after Close succeeded")
	}
	if e.Stop() {
		t.Error("Stop on a closed engine claims a run in progress")
	}
	if _, err := actors.New(mustEmpty(t), actors.Options{}); err == nil {
		t.Error("an empty network was accepted")
	}
}

func mustEmpty(t *testing.T) *network.Network {
	net, err := network.New(network.Config{DtMs: 0.1}).Build()
	if err != nil {
		t.Fatal(err)
	}
	return net
}
