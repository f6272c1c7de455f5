package device

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/projection"
)

// Checkpoint returns the network's state after the steps computed so far
// (package checkpoint): the state as any engine of the CPU holds it, so
// that a run goes on there, on any layout, or on a device again.
//
// Net starts from the snapshot of its network as built (never stepped)
// and writes in what the device holds: potentials, refractory counts,
// receptor states, the inputs on their way (the rings, in float32), the
// spikes of the last step whose resets are pending, and the synaptic
// events counted and on their way. Everything else Net's networks hold
// does not change as they run.
func (d *Net) Checkpoint() (*checkpoint.Snapshot, error) {
	if err := d.rings(); err != nil { // a Net never run holds them too
		return nil, err
	}
	// The weights and tags (and R-STDP's traces) of the projections that learn on devices, as
	// the network holds them.
	if err := d.GatherWeights(); err != nil {
		return nil, err
	}
	snap, err := checkpoint.Capture(d.net, d.step)
	if err != nil {
		return nil, err
	}
	t := d.step
	first := true // the first inbox takes the count of events
	for pi, p := range d.pops {
		if p.cpu {
			continue // Capture took its state, live on the host
		}
		pop := "population " + d.net.Populations[pi].Name
		last := d.lastSpikes(p)
		if err := setVar(snap, pop+".fired", last); err != nil {
			return nil, err
		}
		units := p.unitsOf()
		if !units[0].lif {
			continue
		}
		// A population in shards: each writes its range.
		v, rc := make([]float32, p.n), make([]float32, p.n)
		for _, u := range units {
			if err := download(d.devs[u.dev], v[u.lo:u.lo+u.n], u.v); err != nil {
				return nil, err
			}
			if err := download(d.devs[u.dev], rc[u.lo:u.lo+u.n], u.rc); err != nil {
				return nil, err
			}
		}
		for path, x := range map[string]any{".model.v": v, ".model.rc": rc, ".model.last": last, ".model.pending": t > 0} {
			if err := setVar(snap, pop+path, x); err != nil {
				return nil, err
			}
		}
		for k := range units[0].recs {
			if units[0].recs[k] == nil {
				continue
			}
			prefix := fmt.Sprintf("%s.receptors[%d]", pop, k)
			if units[0].recs[k].g != nil {
				g := make([]float32, p.n)
				for _, u := range units {
					if err := download(d.devs[u.dev], g[u.lo:u.lo+u.n], u.recs[k].g); err != nil {
						return nil, err
					}
				}
				if err := setVar(snap, prefix+".g", g); err != nil {
					return nil, err
				}
			}
			ring, ok := snap.Vars[prefix+".ring"].([]float32)
			if !ok {
				return nil, fmt.Errorf("device: %s: the network has no ring", prefix)
			}
			clear(ring)
			// In fixed point (dendrite.Spec.Fixed) the CPU holds the sums
			// as they are; otherwise as float32 inputs.
			fixed, isFixed := snap.Vars[prefix+".fixed"].([]int64)
			clear(fixed)
			for _, u := range units {
				r := u.recs[k]
				if len(ring) < int(r.slots*p.n) || (isFixed && len(fixed) < int(r.slots*p.n)) {
					return nil, fmt.Errorf("device: %s: the CPU's ring is shorter than the device's", prefix)
				}
				acc := make([]uint64, r.slots*u.n)
				if err := download(d.devs[u.dev], acc, r.acc); err != nil {
					return nil, err
				}
				for k := range r.slots {
					s := (t + k) % r.slots
					row := k*p.n + u.lo
					for j := range u.n {
						if isFixed {
							fixed[row+j] = int64(acc[s*u.n+j])
						} else {
							ring[row+j] = dendrite.FromFixed(int64(acc[s*u.n+j]))
						}
					}
				}
			}
			// Far links' inputs are in the one ring: the far input holds none.
			for _, far := range []string{prefix + ".far.ring", prefix + ".far.fixed"} {
				switch x := snap.Vars[far].(type) {
				case []float32:
					clear(x)
				case []int64:
					clear(x)
				}
			}
			name := d.net.Populations[pi].ReceptorNames()[k]
			in := "inbox " + d.net.Populations[pi].Name + "." + name
			// The device queues no event (a projection that learns on it
			// keeps its own: checkpointLearnt); what the network on the
			// host may hold from a restore is not the device's state.
			for _, q := range []string{in + ".queue", in + ".far.queue"} {
				if _, ok := snap.Vars[q].([]projection.Queued); ok {
					snap.Vars[q] = []projection.Queued(nil)
				}
			}
			sent, ok := snap.Vars[in+".sent"].([]int64)
			if !ok {
				continue // no projection reaches the receptor: no inbox
			}
			clear(sent)
			for _, u := range units {
				r := u.recs[k]
				for k := range min(int64(len(sent)), r.slots) {
					sent[k] += r.sent[(t+k)%r.slots]
				}
			}
			var arrived int64
			if first {
				arrived, first = d.events, false
			}
			if err := setVar(snap, in+".arrived", arrived); err != nil {
				return nil, err
			}
			if far := in + ".far"; snap.Vars[far+".arrived"] != nil {
				if err := setVar(snap, far+".arrived", int64(0)); err != nil {
					return nil, err
				}
				if s, ok := snap.Vars[far+".sent"].([]int64); ok {
					clear(s)
				}
			}
		}
	}
	if err := d.checkpointLearnt(snap, t); err != nil {
		return nil, err
	}
	return snap, nil
}

// unitsOf returns what holds a population's state: its shards, or
// itself.
func (p *devPop) unitsOf() []*devPop {
	if p.shards != nil {
		return p.shards
	}
	return []*devPop{p}
}

// lastSpikes returns the spikes of population p at the last step
// computed (none before the first; after Restore, the checkpoint's until
// the Net steps).
func (d *Net) lastSpikes(p *devPop) []uint32 {
	if d.step == p.restoredAt && p.restored != nil {
		return append([]uint32{}, p.restored...)
	}
	// The spikes of the last step are the last ones listed.
	k := len(p.steps)
	for k > 0 && p.steps[k-1] == d.step-1 {
		k--
	}
	return append([]uint32{}, p.neurons[k:]...)
}

// setVar sets a variable of snap, which must exist with the same type.
func setVar(snap *checkpoint.Snapshot, path string, x any) error {
	old, ok := snap.Vars[path]
	if !ok {
		return fmt.Errorf("device: the network has no state variable %s", path)
	}
	if reflect.TypeOf(old) != reflect.TypeOf(x) {
		return fmt.Errorf("device: %s: a %T for a %T", path, x, old)
	}
	snap.Vars[path] = x
	return nil
}

// Restore sets the device's state to snap's, taken by any engine, and
// continues from its step. Call it before the first run. What Net does
// not hold must be in snap as the network holds it when built: a
// checkpoint of a network Net can step has nothing else.
func (d *Net) Restore(snap *checkpoint.Snapshot) error {
	if d.step != 0 || d.logSteps != 0 {
		return fmt.Errorf("device: restore a checkpoint into a new Net, before its first run")
	}
	if err := checkpoint.Check(snap, d.net); err != nil {
		return err
	}
	if err := d.rings(); err != nil {
		return err
	}
	// From here a failure may leave the state half set: the Net then
	// refuses to run (rings) and is to be closed.
	if err := d.restore(snap); err != nil {
		d.failed = fmt.Errorf("device: a checkpoint failed to restore, leaving the Net unusable (close it): %w", err)
		return err
	}
	return nil
}

// restore is Restore once the checkpoint is checked and the rings are
// allocated.
func (d *Net) restore(snap *checkpoint.Snapshot) error {
	// The host's part takes everything it holds from the snapshot; the
	// devices' part, below, what they hold.
	if d.cpu != nil {
		if err := checkpoint.Restore(snap, d.net); err != nil {
			return err
		}
	}
	ref, err := checkpoint.Capture(d.net, snap.Step)
	if err != nil {
		return err
	}
	held := map[string]bool{}
	t := snap.Step
	var events int64
	if err := d.restoreLearnt(snap, held, t); err != nil {
		return err
	}
	for pi, p := range d.pops {
		if p.cpu {
			continue
		}
		name := d.net.Populations[pi].Name
		pop := "population " + name
		held[pop+".fired"] = true
		if fired, ok := snap.Vars[pop+".fired"].([]uint32); ok {
			p.restored, p.restoredAt = append([]uint32{}, fired...), snap.Step
		}
		units := p.unitsOf()
		if !units[0].lif {
			continue
		}
		v, err := getVar[[]float32](snap, pop+".model.v", int(p.n))
		if err != nil {
			return err
		}
		rc, err := getVar[[]float32](snap, pop+".model.rc", int(p.n))
		if err != nil {
			return err
		}
		last, err := getVar[[]uint32](snap, pop+".model.last", -1)
		if err != nil {
			return err
		}
		pending, err := getVar[bool](snap, pop+".model.pending", -1)
		if err != nil {
			return err
		}
		held[pop+".model.v"], held[pop+".model.rc"], held[pop+".model.last"], held[pop+".model.pending"] = true, true, true, true
		for _, i := range last {
			if int64(i) >= p.n {
				return fmt.Errorf("device: %s.model.last: neuron %d of %d", pop, i, p.n)
			}
		}
		for _, u := range units {
			prev := make([]uint32, u.words)
			if pending {
				for _, i := range last {
					if j := int64(i) - u.lo; j >= 0 && j < u.n {
						prev[j>>5] |= 1 << (j & 31)
					}
				}
			}
			for _, x := range []struct {
				buf Buffer
				b   []byte
			}{{u.v, bytesOf(v[u.lo : u.lo+u.n])}, {u.rc, bytesOf(rc[u.lo : u.lo+u.n])}, {u.maskAt(t - 1), bytesOf(prev)}} {
				if err := d.devs[u.dev].Upload(x.buf, x.b); err != nil {
					return fmt.Errorf("device: %w", err)
				}
			}
		}
		for k := range units[0].recs {
			if units[0].recs[k] == nil {
				continue
			}
			prefix := fmt.Sprintf("%s.receptors[%d]", pop, k)
			if units[0].recs[k].g != nil {
				g, err := getVar[[]float32](snap, prefix+".g", int(p.n))
				if err != nil {
					return err
				}
				for _, u := range units {
					if err := d.devs[u.dev].Upload(u.recs[k].g, bytesOf(g[u.lo:u.lo+u.n])); err != nil {
						return fmt.Errorf("device: %w", err)
					}
				}
				held[prefix+".g"] = true
			}
			// The events on their way are counted at their arrival in the
			// first unit's receptor (only their sum is read), those the
			// CPU queued at their synapses' arrival (restoreQueued).
			in := "inbox " + name + "." + d.net.Populations[pi].ReceptorNames()[k]
			for _, u := range units {
				clear(u.recs[k].sent)
			}
			for _, u := range units {
				if err := d.restoreRing(snap, held, prefix, in, p.n, u, u.recs[k], t); err != nil {
					return err
				}
			}
			r := units[0].recs[k]
			for _, ib := range []string{in, in + ".far"} {
				if a, ok := snap.Vars[ib+".arrived"].(int64); ok {
					events += a
					held[ib+".arrived"] = true
				}
				if sent, ok := snap.Vars[ib+".sent"].([]int64); ok {
					held[ib+".sent"] = true
					for k, c := range sent {
						if c != 0 && int64(k) >= r.slots {
							return fmt.Errorf("device: %s.sent: events arriving %d steps ahead, beyond the device's %d", ib, k, r.slots)
						}
						if c != 0 {
							r.sent[(t+int64(k))%r.slots] += c
						}
					}
				}
			}
		}
	}
	// Everything else must be as the network holds it when built, unless
	// the host holds it.
	for path, x := range snap.Vars {
		if held[path] || d.cpu != nil {
			continue
		}
		if !reflect.DeepEqual(x, ref.Vars[path]) && !(emptyLike(x) && emptyLike(ref.Vars[path])) {
			return fmt.Errorf("device: the checkpoint holds state that Net does not model: %s (%s)", path, strings.TrimSpace(fmt.Sprintf("%.60v", x)))
		}
	}
	if err := d.finishLearnt(); err != nil {
		return err
	}
	d.step, d.events = t, events
	return nil
}

// restoreRing sets the ring of receptor r of unit u (neurons u.lo … of
// a population of n) from the snapshot's inputs on their way, near and
// far, in fixed point as they are, float32 inputs rounded.
func (d *Net) restoreRing(snap *checkpoint.Snapshot, held map[string]bool, prefix, inbox string, n int64, u *devPop, r *devRec, t int64) error {
	acc := make([]uint64, r.slots*u.n)
	// In fixed point as they are; float32 inputs rounded to it.
	for _, path := range []string{prefix + ".fixed", prefix + ".far.fixed"} {
		if x, ok := snap.Vars[path].([]int64); ok {
			held[path] = true
			if err := addAhead(acc, x, func(v int64) uint64 { return uint64(v) }, path, n, u, r, t); err != nil {
				return err
			}
		}
	}
	for _, path := range []string{prefix + ".ring", prefix + ".far.ring"} {
		if x, ok := snap.Vars[path].([]float32); ok {
			held[path] = true
			if err := addAhead(acc, x, func(v float32) uint64 { return uint64(dendrite.ToFixed(v)) }, path, n, u, r, t); err != nil {
				return err
			}
		}
	}
	for _, in := range []string{inbox, inbox + ".far"} {
		if err := d.restoreQueued(snap, held, in, u, r, acc, t); err != nil {
			return err
		}
	}
	if err := d.devs[u.dev].Upload(r.acc, bytesOf(acc)); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	return nil
}

// addAhead adds to acc, the ring of receptor r of unit u at step t, the
// inputs on their way of a snapshot's variable path: rows of n values
// (a population's), row k arriving k steps after t, of which u takes its
// columns, each converted to fixed point by fixed.
func addAhead[T int64 | float32](acc []uint64, rows []T, fixed func(T) uint64, path string, n int64, u *devPop, r *devRec, t int64) error {
	for k := int64(0); k*n < int64(len(rows)); k++ {
		for j, x := range rows[k*n+u.lo : k*n+u.lo+u.n] {
			if x == 0 {
				continue
			}
			if k >= r.slots {
				return fmt.Errorf("device: %s: an input arriving %d steps ahead, beyond the device's %d", path, k, r.slots)
			}
			acc[((t+k)%r.slots)*u.n+int64(j)] += fixed(x)
		}
	}
	return nil
}

// getVar returns variable path of snap as a T, of n elements (n ≥ 0).
func getVar[T any](snap *checkpoint.Snapshot, path string, n int) (T, error) {
	var zero T
	x, ok := snap.Vars[path].(T)
	if !ok {
		return zero, fmt.Errorf("device: the checkpoint has no %s of type %T", path, zero)
	}
	if n >= 0 && reflect.ValueOf(x).Len() != n {
		return zero, fmt.Errorf("device: %s: %d values for %d neurons", path, reflect.ValueOf(x).Len(), n)
	}
	return x, nil
}

// emptyLike reports whether x is a nil or empty slice.
func emptyLike(x any) bool {
	v := reflect.ValueOf(x)
	return v.IsValid() && v.Kind() == reflect.Slice && v.Len() == 0
}
