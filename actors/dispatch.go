package actors

import "sync"

// loopDispatcher runs an actor's mailbox on one long-lived goroutine.
// Protoactor's default dispatcher starts a new goroutine every time a
// mailbox is scheduled; a shard then regrows its stack at every segment
// (a fifth of the CPU time of one-step models went to copying stacks).
type loopDispatcher struct {
	ch   chan func()
	once sync.Once
}

func newLoopDispatcher() *loopDispatcher {
	d := &loopDispatcher{ch: make(chan func(), 1)}
	go func() {
		for fn := range d.ch {
			fn()
		}
	}()
	return d
}

// Schedule implements actor.Dispatcher. A mailbox schedules itself only
// when it goes from idle to busy, so at most one run is ever pending.
func (d *loopDispatcher) Schedule(fn func()) { d.ch <- fn }

// Throughput implements actor.Dispatcher: messages handled per run.
func (d *loopDispatcher) Throughput() int { return 300 }

// stop ends the goroutine once the actor has stopped.
func (d *loopDispatcher) stop() { d.once.Do(func() { close(d.ch) }) }
