package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spiral-sim/spiral/output"
)

// Exit codes of spiral-node (also in the usage text and README.md).
const (
	exitOK          = 0   // success
	exitFailed      = 1   // the run (or another command) failed
	exitUsage       = 2   // invalid input or usage; nothing was run
	exitInterrupted = 130 // SIGINT (128 + 2)
	exitTerminated  = 143 // SIGTERM (128 + 15)
)

// interruptGrace is how long an interrupted run may take to stop its
// engine and clean up (worker processes, goroutines) before the process
// exits regardless.
const interruptGrace = 5 * time.Second

// interruption handles SIGINT and SIGTERM during "spiral-node run". On the
// first signal it discards the outputs not committed yet (output.Run.Abort
// is safe from this goroutine: once it returns, no file of the run is
// written), says so, and then either stops the engine in progress —
// runModel returns after its deferred clean-up, with the signal's exit
// code — or, outside the simulation, exits the process at once. It also
// relays the first write error to the engine (halt), so that a full disk
// stops the run.
type interruption struct {
	stderr   io.Writer
	sigs     chan os.Signal
	finished chan struct{} // closed when runModel returns
	said     chan struct{} // closed once the handler has reported a signal

	// holding: a last checkpoint is being written; the grace period
	// waits for it (hold).
	holding atomic.Bool
	mu      sync.Mutex
	out     *output.Run // the outputs to discard (nil: none)
	stop    func()      // stops the engine in progress (nil: not simulating)
	sig     os.Signal   // the signal received, nil if none
}

// watchSignals starts handling SIGINT and SIGTERM; close stops it.
func watchSignals(stderr io.Writer) *interruption {
	c := &interruption{stderr: stderr, sigs: make(chan os.Signal, 2), finished: make(chan struct{}), said: make(chan struct{})}
	signal.Notify(c.sigs, os.Interrupt, syscall.SIGTERM)
	go c.wait()
	return c
}

// close stops handling signals (they kill the process again) and lets
// the handler know that runModel has returned.
func (c *interruption) close() {
	signal.Stop(c.sigs)
	close(c.finished)
}

// setOutputs names the outputs to discard on a signal.
func (c *interruption) setOutputs(out *output.Run) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = out
}

// simulating registers the function that stops the engine in progress
// (nil once it has returned). A signal that came before is passed on at
// once.
func (c *interruption) simulating(stop func()) {
	c.mu.Lock()
	c.stop = stop
	pending := c.sig != nil
	c.mu.Unlock()
	if pending && stop != nil {
		stop()
	}
}

// halt stops the engine in progress, if any (the first write error).
func (c *interruption) halt() {
	c.mu.Lock()
	stop := c.stop
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// code returns the exit code of the signal received, and whether one was.
func (c *interruption) code() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.sig {
	case nil:
		return 0, false
	case syscall.SIGTERM:
		return exitTerminated, true
	}
	return exitInterrupted, true
}

// reported waits, when a signal came, until the handler has discarded the
// outputs and said so: the signal is recorded (code) before, so a run it
// stopped may return first, and must not exit before the message.
func (c *interruption) reported() {
	if _, ok := c.code(); ok {
		<-c.said
	}
}

func (c *interruption) wait() {
	var s os.Signal
	select {
	case s = <-c.sigs:
	case <-c.finished:
		return
	}
	c.mu.Lock()
	c.sig = s
	out, stop := c.out, c.stop
	c.mu.Unlock()
	code, _ := c.code()
	name := "SIGINT"
	if s == syscall.SIGTERM {
		name = "SIGTERM"
	}
	switch {
	case out == nil:
		fmt.Fprintf(c.stderr, "spiral-node run: interrupted (%s)\n", name)
	default:
		out.Abort() // waits for a commit in progress; a no-op after it
		if out.Committed() {
			// A plot being drawn is a .tmp file until it is renamed.
			tmps, _ := filepath.Glob(filepath.Join(out.Dir(), output.PlotsDir, "*.tmp"))
			for _, f := range tmps {
				os.Remove(f)
			}
			fmt.Fprintf(c.stderr, "spiral-node run: interrupted (%s) after the outputs were committed: %s is complete and kept (%s/%s may lack some plots)\n",
				name, out.Dir(), out.Dir(), output.PlotsDir)
			out.Release()
		} else {
			fmt.Fprintf(c.stderr, "spiral-node run: interrupted (%s): the partial outputs in %s were removed\n", name, out.Dir())
		}
	}
	close(c.said)
	if stop == nil {
		os.Exit(code) // nothing in flight worth waiting for
	}
	stop()
	select {
	case <-c.finished: // runModel returns code
	case <-c.sigs: // a second signal: at once
		os.Exit(code)
	case <-time.After(interruptGrace):
		if !c.holding.Load() {
			os.Exit(code)
		}
		select { // a last checkpoint is being written
		case <-c.finished:
		case <-c.sigs:
			os.Exit(code)
		}
	}
}

// hold says whether a last checkpoint is being written, which the grace
// period after a signal waits for.
func (c *interruption) hold(on bool) { c.holding.Store(on) }

// writeFailure keeps the first error writing the outputs and stops the
// engine when it happens (a full disk ends the run at once, not at its
// end). Engines call it from their own goroutines.
type writeFailure struct {
	mu  sync.Mutex
	err error
	ctl *interruption
}

// set records err if it is the first and stops the engine.
func (f *writeFailure) set(err error) {
	f.mu.Lock()
	first := f.err == nil
	if first {
		f.err = err
	}
	f.mu.Unlock()
	if first {
		f.ctl.halt()
	}
}

// failed returns the first error, nil if none.
func (f *writeFailure) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// keepRunningOnClosedStdout makes a write to a closed standard output or
// error (`spiral-node run … | head -1`) fail instead of killing the
// process with SIGPIPE, so that a run still commits its --out folder.
func keepRunningOnClosedStdout() { signal.Ignore(syscall.SIGPIPE) }
