package actors

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/clock"
	"github.com/spiral-sim/spiral/messages"
)

// clockActor cuts time into segments, grants them to the shards at most
// window segments ahead of the slowest, and ends runs.
type clockActor struct {
	e      *Engine
	window int
	shards []*actor.PID
	remote []bool // per shard: hosted by a worker (protobuf)

	plan    *clock.Cutter
	granted int64           // segments granted: [0, granted)
	segs    map[int64]grant // cut, not yet done by every shard
	minDone int64           // segments finished by every shard
	recUpTo int64           // segments recorded
	running bool
	paused  bool
	stopped bool
	step    int64
}

// Receive implements actor.Actor.
func (c *clockActor) Receive(ctx actor.Context) {
	defer c.e.guard("clock", &c.step)
	switch m := ctx.Message().(type) {
	case *runUntil:
		c.plan.RunUntil(m.until)
		c.running = true
		for k, s := range c.shards {
			if c.remote[k] {
				ctx.Send(s, &messages.Control{Command: messages.Control_RUN_UNTIL, UntilStep: m.until, Learn: m.learn})
			}
		}
		c.grantMore(ctx)
	case *messages.Failure:
		c.e.finish(peerError("%s: %s", printable(m.ActorName, 200), printable(m.Message, 2000)))
	case *recorded:
		// The recorder has every shard's output of the segments before
		// upTo: they are done.
		c.recUpTo = m.upTo
		for c.minDone < m.upTo {
			c.step = c.segs[c.minDone].to
			delete(c.segs, c.minDone)
			c.minDone++
		}
		if len(c.e.workers) > 0 {
			c.e.lastBeat.Store(time.Now().UnixNano())
		}
		if f := c.e.onProgress; f != nil {
			f(c.step)
		}
		if c.maybeFinish() {
			return
		}
		c.grantMore(ctx)
	case *control:
		switch m.cmd {
		case cmdPause:
			c.paused = true
			c.e.paused.Store(true)
		case cmdResume:
			c.paused = false
			c.e.paused.Store(false)
			c.grantMore(ctx)
		case cmdStop:
			// Only a run still being cut stops early; one whose
			// segments are all cut just finishes.
			if cut, _ := c.plan.Cut(); c.running && cut < c.plan.Until() {
				// No segment beyond those already cut: the run ends
				// at the end of the last one.
				c.plan.StopHere()
				c.stopped = true
				c.paused = false
				c.e.paused.Store(false)
				c.maybeFinish()
			}
		}
	}
}

// control is a user's order to the clock.
type control struct{ cmd int }

const (
	cmdPause = iota
	cmdResume
	cmdStop
)

// maybeFinish ends the run once every segment of it is computed by every
// shard and recorded.
func (c *clockActor) maybeFinish() bool {
	cut, n := c.plan.Cut()
	if c.running && cut == c.plan.Until() && c.minDone == n && c.recUpTo >= n {
		c.running = false
		c.e.stepNow.Store(cut)
		if c.stopped {
			c.stopped = false
			c.e.finish(ErrStopped)
		} else {
			c.e.finish(nil)
		}
		return true
	}
	return false
}

// grantMore cuts and grants segments up to the window, in batches: while
// the shards still hold granted segments it waits until half a window is
// free and grants it in one message per shard, which halves the grants of
// one-step models; with nothing granted left it grants at once.
func (c *clockActor) grantMore(ctx actor.Context) {
	room := c.minDone + int64(c.window) - c.granted
	if c.paused || room <= 0 || (room < int64(max(1, c.window/2)) && c.granted > c.minDone) {
		return
	}
	var batch []grant
	for c.granted < c.minDone+int64(c.window) {
		if _, n := c.plan.Cut(); c.granted == n {
			sg, ok := c.plan.Next()
			if !ok {
				break
			}
			c.segs[sg.N] = grant{seg: sg.N, from: sg.From, to: sg.To}
			if len(c.e.workers) > 0 {
				c.e.segs.put(sg.N, sg.From, sg.To)
			}
		}
		batch = append(batch, c.segs[c.granted])
		c.granted++
	}
	if len(batch) == 0 {
		return
	}
	c.e.grantedTo.Store(c.granted)
	if len(c.e.workers) > 0 {
		// New work starts the progress deadline afresh (after a pause,
		// or a wait with nothing granted).
		c.e.lastBeat.Store(time.Now().UnixNano())
	}
	local := &grants{batch} // read-only, shared
	for k, s := range c.shards {
		if c.remote[k] {
			ctx.Send(s, &messages.Grant{UntilEpoch: uint64(batch[len(batch)-1].seg)})
		} else {
			ctx.Send(s, local)
		}
	}
}

// grants allows a shard to compute the segments listed, in order.
type grants struct{ list []grant }

// ErrStopped is returned by Run when Stop ended it early; Step tells where.
var ErrStopped = errors.New("engine: run stopped")

func itoa(i int) string { return strconv.Itoa(i) }

func errAt(step int64, who string, err error) error {
	return fmt.Errorf("step %d: %s: %w", step, who, err)
}

// printable returns s with control characters replaced (a peer's text
// goes to a terminal) and cut to at most n bytes.
func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
