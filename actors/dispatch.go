package actors

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

// loopDispatcher runs the mailboxes of a fixed set of actors on one
// long-lived goroutine, one mailbox run after another.
//
// Protoactor's default dispatcher starts a new goroutine every time a
// mailbox is scheduled: a shard then regrows its stack at every segment,
// and the Go scheduler, not the engine, decides which core runs which
// shard. The engine instead places the actors of a process on one
// dispatcher per core (Engine.pinDispatchers, place), balanced by their
// work per segment: hand-offs between actors of one dispatcher cost no
// thread wake-up at all, and a spinning dispatcher — one that polls for
// dispatchSpin before it parks — takes a message from another core without
// a wake-up either (which costs several microseconds, more than a step of
// a small model).
type loopDispatcher struct {
	ch   chan func()
	spin bool
	// yield makes a polling dispatcher give up its processor now and
	// then: needed only when the dispatchers take every processor, and
	// costly otherwise (Gosched goes through the scheduler's global queue
	// and lock, which many pollers contend for).
	yield bool
	once  sync.Once
}

// dispatchSpin is how long an idle spinning dispatcher polls before it
// parks: long enough to outlast the imbalance of a segment's work between
// cores, so that dispatchers seldom park and need waking.
const dispatchSpin = 200 * time.Microsecond

// newLoopDispatcher starts a dispatcher for at most actors actors (each
// mailbox has at most one run pending, so a queue of that size never
// blocks a sender); spin makes it poll before parking, yield give up its
// processor now and then while polling.
func newLoopDispatcher(actors int, spin, yield bool) *loopDispatcher {
	d := &loopDispatcher{ch: make(chan func(), max(actors, 1)), spin: spin, yield: yield}
	go d.loop()
	return d
}

func (d *loopDispatcher) loop() {
	for {
		select {
		case fn, ok := <-d.ch:
			if !ok {
				return
			}
			fn()
			continue
		default:
		}
		if d.spin && d.poll() {
			continue
		}
		fn, ok := <-d.ch
		if !ok {
			return
		}
		fn()
	}
}

// poll waits for a run for dispatchSpin, yielding the processor now and
// then if yield is set; it reports whether it ran one (or the dispatcher
// stopped).
func (d *loopDispatcher) poll() bool {
	var deadline time.Time
	for i := 1; ; i++ {
		select {
		case fn, ok := <-d.ch:
			if ok {
				fn()
			}
			return true
		default:
		}
		if i&63 != 0 {
			continue
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(dispatchSpin)
		} else if time.Now().After(deadline) {
			return false
		}
		if d.yield {
			runtime.Gosched()
		}
	}
}

// Schedule implements actor.Dispatcher. A mailbox schedules itself only
// when it goes from idle to busy, so each of the dispatcher's actors has
// at most one run pending.
func (d *loopDispatcher) Schedule(fn func()) { d.ch <- fn }

// Throughput implements actor.Dispatcher: messages handled per run.
func (d *loopDispatcher) Throughput() int { return 300 }

// stop ends the goroutine once every actor it served has stopped.
func (d *loopDispatcher) stop() { d.once.Do(func() { close(d.ch) }) }

// place assigns n actors of the given loads to k dispatchers: the largest
// first, each to the least loaded dispatcher so far (ties to the lowest
// index). It returns the dispatcher index of each actor.
func place(loads []int, k int) []int {
	idx := make([]int, len(loads))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return loads[b] - loads[a] })
	sum := make([]int, k)
	out := make([]int, len(loads))
	for _, i := range idx {
		w := slices.Index(sum, slices.Min(sum))
		out[i] = w
		sum[w] += loads[i]
	}
	return out
}
