package actors

import "time"

// SetActuationPart sets the most samples one actuation message to a
// worker-hosted shard carries, so that tests cut small actuations into
// parts. Call it before the first run.
func (e *Engine) SetActuationPart(n int) { e.actuationPart = n }

// Freeze blocks the dispatchers of the worker's shards until it closes:
// its shards stop computing while its connections stay up, as when a
// process is overloaded or its peers' messages are lost.
func (w *Worker) Freeze() {
	for _, d := range w.dispatchers {
		go func() { d.ch <- func() { <-w.done } }()
	}
}

// ToBlame exposes toBlame to the tests.
var ToBlame = toBlame

// SlowProbe makes the worker answer every probe d late, as a loaded
// machine's worker would.
func (w *Worker) SlowProbe(d time.Duration) { w.probe.delay.Store(int64(d)) }
