package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/output"
)

// recovery is run --members --on-member-loss recover: the last checkpoint
// of the run, in memory, and where each spike output stood when it was
// taken, to go back to when a member is lost.
type recovery struct {
	snap    *checkpoint.Snapshot
	marks   map[string]output.SpikeMark
	writers map[string]*output.SpikeWriter
	keptAt  time.Time // when snap was taken
	// done lists what each recovery lost, for the report.
	done []recovered
	// before holds, without --out, the spikes of the engines replaced,
	// before the checkpoint each recovery went back to.
	before map[string]spikeList
}

// spikeList is a population's spikes: steps and elements.
type spikeList struct {
	steps    []int64
	elements []uint32
}

// keepSpikes keeps the spikes that e, about to be replaced, holds from
// before the checkpoint the run goes back to (the next engine computes
// those after it again).
func (r *recovery) keepSpikes(e engine.Engine, net *network.Network) {
	if r.before == nil {
		r.before = map[string]spikeList{}
	}
	for _, p := range net.Populations {
		st, el, err := e.Spikes(p.Name)
		if err != nil {
			continue // graded
		}
		b := r.before[p.Name]
		k, _ := slices.BinarySearch(b.steps, r.snap.Step)
		b.steps, b.elements = b.steps[:k], b.elements[:k]
		k, _ = slices.BinarySearch(st, r.snap.Step)
		b.steps, b.elements = append(b.steps, st[:k]...), append(b.elements, el[:k]...)
		r.before[p.Name] = b
	}
}

// recovered is one recovery: the members lost, the simulated time
// computed again and the wall time it cost.
type recovered struct {
	lost     []string
	at, back int64   // steps: where the run was when the loss was found, the checkpoint it went back to
	restartS float64 // restarting on the survivors and restoring
	// sinceS is the wall time from the checkpoint to the loss's report:
	// the work lost, and the time it took to notice the loss.
	sinceS float64
}

// recoverBusyWait bounds how long a recovery asks again the members left
// that are still ending the failed run.
const recoverBusyWait = time.Minute

// lostMembersWait is the least time a member that has not been found
// lost gets to answer a probe after a failed run; the peer timeout, if
// longer, is the bound (probeWait): a member the run would not call
// frozen is not called lost either, however loaded its machine.
const lostMembersWait = 2 * time.Second

// probeWait is how long a member gets to answer a probe after a failed
// run, under peer timeout peer.
func probeWait(peer time.Duration) time.Duration { return max(lostMembersWait, peer) }

// keep makes snap the checkpoint to go back to, with the outputs as they
// stand now (the engine has recorded every step before snap's).
func (r *recovery) keep(snap *checkpoint.Snapshot) {
	r.snap, r.keptAt = snap, time.Now()
	r.marks = make(map[string]output.SpikeMark, len(r.writers))
	for pop, w := range r.writers {
		r.marks[pop] = w.Mark()
	}
}

// lost returns the members of the run (addresses, by index) that e found
// lost after it failed; none when it failed for another reason.
func (r *recovery) lost(e engine.Engine, members []string, peer time.Duration) []int {
	l, ok := e.(interface{ Lost(time.Duration) []int })
	if !ok {
		return nil
	}
	var out []int
	for _, i := range l.Lost(probeWait(peer)) {
		if i < len(members) {
			out = append(out, i)
		}
	}
	return out
}

// rewind takes every spike output back to the checkpoint's step.
func (r *recovery) rewind() error {
	for pop, w := range r.writers {
		if err := w.Rewind(r.marks[pop]); err != nil {
			return fmt.Errorf("rolling the spikes of %s back: %w", pop, err)
		}
	}
	return nil
}

// survivors returns members without those at the indices lost.
func survivors(members []string, lost []int) []string {
	var out []string
	for i, m := range members {
		if !slices.Contains(lost, i) {
			out = append(out, m)
		}
	}
	return out
}

// report writes what the recoveries cost, and returns it for the
// summary.
func (r *recovery) report(w io.Writer, dt float64) []output.Recovery {
	var out []output.Recovery
	// Times in ms, rounded to a nanosecond (steps × dt is not exact).
	at := func(steps int64) float64 { return roundNs(float64(steps) * dt) }
	ms := func(steps int64) string { return strconv.FormatFloat(at(steps), 'f', -1, 64) + " ms" }
	for _, d := range r.done {
		fmt.Fprintf(w, "spiral-node run: recovered from the loss of %s at %s: went back to %s, losing %s of simulated time and %.2f s of wall time (%.2f s from the checkpoint to the loss's report, %.2f s to restart and restore)\n",
			strings.Join(d.lost, ", "), ms(d.at), ms(d.back), ms(d.at-d.back), d.sinceS+d.restartS, d.sinceS, d.restartS)
		out = append(out, output.Recovery{Lost: d.lost, AtMS: at(d.at), BackToMS: at(d.back), WallLostS: d.sinceS + d.restartS})
	}
	return out
}

// silentMembers names, after a failed run on members without recovery,
// those that do not answer a probe: the run's error names the member a
// segment waited for, which may be one waiting in turn for a frozen one.
func silentMembers(e engine.Engine, members []string, rec *recovery, peer time.Duration) string {
	if len(members) == 0 || rec != nil {
		return ""
	}
	l, ok := e.(interface{ Lost(time.Duration) []int })
	if !ok {
		return ""
	}
	var names []string
	for _, i := range l.Lost(probeWait(peer)) {
		if i < len(members) {
			names = append(names, members[i])
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf(" (members that do not answer: %s)", strings.Join(names, ", "))
}
