// Package stepper is the sequential reference loop of Spiral: it advances a
// whole built network one step at a time in one goroutine. The actor
// runtime must reproduce its spikes and weights bit for bit.
//
// One step n:
//
//  1. deferred inboxes (receptors with a plastic or masked projection)
//     deliver the events that arrive at n;
//  2. every population consumes its inputs of step n, integrates, fires
//     and applies its spike principles;
//  3. plastic projections update traces and weights (pre signal arriving
//     at n, post output of n−1);
//  4. every axon turns its population's output into events that reach
//     their targets at n+1+delay;
//  5. monitors record.
//
// Every cross-population effect has a latency of at least one step, so the
// order of populations within a step does not matter.
package stepper

import (
	"errors"
	"fmt"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/network"
)

// Monitor records something of the network after each step.
type Monitor interface {
	// Record is called after step has been computed.
	Record(step int64, net *network.Network)
}

// Stepper runs a network sequentially.
type Stepper struct {
	net      *network.Network
	step     int64
	events   []axon.Event
	monitors []Monitor
	// Learn is the global plasticity switch: when false, traces keep
	// running but no weight changes. Default true.
	Learn bool
	// claimed: the network is this stepper's (network.Network.Claim).
	claimed bool
}

// claim makes the network this stepper's on its first change of it: the
// first Run, RunMs or Restore (Reset, which cannot report, does not
// claim: it belongs to a stepper that runs its network).
func (s *Stepper) claim() error {
	if s.net == nil {
		return errors.New("stepper: no network (nil)")
	}
	if !s.claimed {
		if err := s.net.Claim("a sequential stepper"); err != nil {
			return fmt.Errorf("stepper: %w", err)
		}
		s.claimed = true
	}
	return nil
}

// New returns a stepper at step 0.
func New(net *network.Network) *Stepper {
	return &Stepper{net: net, Learn: true}
}

// Network returns the network being stepped.
func (s *Stepper) Network() *network.Network { return s.net }

// Steps returns the number of steps computed so far (the next step's index).
func (s *Stepper) Steps() int64 { return s.step }

// Events returns the synaptic events delivered so far: for every event
// that arrived at a projection at a step computed so far, the synapses of
// its source's row (see projection.Inbox.Events). Every engine counts them
// the same way.
func (s *Stepper) Events() int64 {
	var n int64
	for _, in := range s.net.Inboxes {
		n += in.Events()
	}
	return n
}

// TimeMs returns the simulated time so far.
func (s *Stepper) TimeMs() float64 { return float64(s.step) * s.net.Config.DtMs }

// AddMonitor registers a monitor.
func (s *Stepper) AddMonitor(m Monitor) { s.monitors = append(s.monitors, m) }

// Run advances n steps. It stops at the end of the first step at which a
// model, principle or projection reports a problem (for example a Poisson
// probability above one, or a failed normalisation) and returns it.
func (s *Stepper) Run(n int) error {
	if n < 0 {
		return fmt.Errorf("stepper: %d steps: must be >= 0", n)
	}
	if err := s.claim(); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		s.advance()
		if err := s.check(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stepper) check() error {
	for _, p := range s.net.Populations {
		if err := p.Err(); err != nil {
			return fmt.Errorf("step %d: population %q: %w", s.step-1, p.Name, err)
		}
	}
	for _, p := range s.net.Projections {
		if p.Plastic {
			if err := p.Err(); err != nil {
				return fmt.Errorf("step %d: %w", s.step-1, err)
			}
		}
	}
	for _, a := range s.net.Axons {
		if err := a.Axon.Err(); err != nil {
			return fmt.Errorf("step %d: population %q: axon %q: %w", s.step-1, s.net.Populations[a.Source].Name, a.Name, err)
		}
	}
	return nil
}

// RunMs advances by the given simulated time, rounded to whole steps.
func (s *Stepper) RunMs(ms float64) error {
	if err := s.claim(); err != nil {
		return err
	}
	n, err := engine.Steps(ms, s.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("stepper: %w", err)
	}
	return s.Run(n)
}

func (s *Stepper) advance() {
	n := s.step
	net := s.net
	for _, in := range net.Inboxes {
		in.Arrive(n)
	}
	for _, p := range net.Populations {
		p.Step(n)
	}
	for _, p := range net.Projections {
		if p.Plastic {
			t := net.Populations[p.Target]
			p.Runtime.Learn(n, t.PrevFired(), t.PrevOutput(), s.Learn)
		}
	}
	for _, a := range net.Axons {
		src := net.Populations[a.Source]
		if out := src.Output(); out != nil {
			s.events = a.Axon.EmitGraded(out, s.events[:0])
		} else {
			s.events = a.Axon.Emit(src.Fired(), s.events[:0])
		}
		for _, t := range a.Targets {
			for _, e := range s.events {
				t.Send(n, e.Src, e.Delay, e.Value)
			}
		}
		rows := uint32(a.Axon.Rows())
		for _, t := range a.ModTargets {
			for _, e := range s.events {
				t.SendModulator(n, int(e.Src/rows), e.Delay, e.Value)
			}
		}
	}
	for _, m := range s.monitors {
		m.Record(n, net)
	}
	s.step++
}

// Reset returns the network to step 0: neuron states, inputs in flight,
// traces. Weights keep their learned values. Call it on a stepper whose
// network it runs (it cannot report another engine's claim).
func (s *Stepper) Reset() {
	for _, p := range s.net.Populations {
		p.Reset()
	}
	for _, a := range s.net.Axons {
		a.Axon.Reset()
	}
	for _, in := range s.net.Inboxes {
		in.Reset()
	}
	for _, p := range s.net.Projections {
		p.Runtime.Reset()
	}
	s.step = 0
}

// Checkpoint returns the network's state after the steps computed so far
// (package checkpoint), to restore on any engine and layout.
func (s *Stepper) Checkpoint() (*checkpoint.Snapshot, error) {
	return checkpoint.Capture(s.net, s.step)
}

// Restore sets the network's state to snap's and continues from its step.
// Monitors record from there on.
func (s *Stepper) Restore(snap *checkpoint.Snapshot) error {
	if err := s.claim(); err != nil {
		return err
	}
	if snap == nil {
		return errors.New("stepper: restore: no checkpoint (nil)")
	}
	if err := checkpoint.Restore(snap, s.net); err != nil {
		return err
	}
	s.step = snap.Step
	return nil
}
