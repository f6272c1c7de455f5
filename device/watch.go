package device

import (
	"fmt"
	"slices"

	"github.com/spiral-sim/spiral/population"
)

// A watch records a variable of some neurons of a population every so
// many steps (Net.Watch): on a device, the values are gathered into a
// log of rows on the device (gather) and read with the spike masks, once
// per block; on the CPU, they are read from the population after its
// step.
type watch struct {
	pop     *devPop // the population (a view, for one in shards)
	name    string
	every   int64
	neurons []int // population indices, in the order of a record's values
	parts   []*watchPart
	record  func(step int64, values []float32)
	steps   []int64 // the steps logged in the block in progress
	row     []float32
}

// watchPart is the part of a watch on one unit: the neurons of the unit
// (local indices) and where their values go in a record.
type watchPart struct {
	u        *devPop
	local    []uint32
	pos      []int
	idx, log Buffer
	logHost  []float32
}

// WatchVars are the variables Watch records on a device: a leaky
// integrate-and-fire neuron's potential and refractory count. On the
// CPU it records any variable of the population's model, and "current"
// (population.Population.Current).
var WatchVars = []string{"v", "refractory"}

// Watch records variable name (one of WatchVars, on a device) of the neurons of
// population pop (nil: all of them, in order) at every step that is a
// multiple of every (>= 1), after the step: record is called with the
// step and the values, in step order, at the end of each block of steps
// (for a population on the CPU, as it steps). The values slice is reused.
// Call Watch before the first run (after a Restore is fine).
func (d *Net) Watch(pop, name string, neurons []int, every int, record func(step int64, values []float32)) error {
	if d.ran {
		return fmt.Errorf("device: watch %s.%s: watches are set before the first run", pop, name)
	}
	if every < 1 {
		return fmt.Errorf("device: watch %s.%s: every %d steps: must be >= 1", pop, name, every)
	}
	k := slices.IndexFunc(d.pops, func(p *devPop) bool { return p.name == pop })
	if k < 0 {
		return fmt.Errorf("device: watch: no population %q", pop)
	}
	p := d.pops[k]
	if !p.cpu && !slices.Contains(WatchVars, name) {
		return fmt.Errorf("device: watch %s.%s: a device records %v", pop, name, WatchVars)
	}
	if !p.cpu && !p.unitsOf()[0].lif {
		return fmt.Errorf("device: watch %s.%s: the population has no potential (a Poisson population)", pop, name)
	}
	if neurons == nil {
		neurons = make([]int, p.n)
		for i := range neurons {
			neurons[i] = i
		}
	}
	for _, i := range neurons {
		if i < 0 || int64(i) >= p.n {
			return fmt.Errorf("device: watch %s.%s: neuron %d of %d", pop, name, i, p.n)
		}
	}
	w := &watch{pop: p, name: name, every: int64(every), neurons: slices.Clone(neurons), record: record, row: make([]float32, len(neurons))}
	if p.cpu {
		if _, ok := cpuVar(d.net.Populations[k], name); !ok {
			return fmt.Errorf("device: watch %s.%s: the population has no such variable (has %v and current)", pop, name, d.net.Populations[k].Model().Vars())
		}
		d.watches = append(d.watches, w)
		return nil
	}
	for _, u := range p.unitsOf() {
		part := &watchPart{u: u}
		for at, i := range w.neurons {
			if j := int64(i) - u.lo; j >= 0 && j < u.n {
				part.local, part.pos = append(part.local, uint32(j)), append(part.pos, at)
			}
		}
		if len(part.local) == 0 {
			continue
		}
		d.cur = u.dev
		var err error
		if part.idx, err = put(d, part.local); err != nil {
			return err
		}
		w.parts = append(w.parts, part)
	}
	d.watches = append(d.watches, w)
	return nil
}

// watchLogs allocates the logs of the watches on devices, as long as the
// logs of spike masks.
func (d *Net) watchLogs() error {
	for _, w := range d.watches {
		for _, part := range w.parts {
			if part.log != nil {
				continue
			}
			d.cur = part.u.dev
			var err error
			if part.log, err = d.alloc(4 * int64(len(part.local)) * int64(d.logSteps)); err != nil {
				return err
			}
		}
	}
	return nil
}

// launchWatches logs, after step t, the watches on devices that record
// it.
func (d *Net) launchWatches(t int64) error {
	for _, w := range d.watches {
		if w.pop.cpu || t%w.every != 0 {
			continue
		}
		for _, part := range w.parts {
			src := part.u.v
			if w.name == "refractory" {
				src = part.u.rc
			}
			n := len(part.local)
			if err := d.devs[part.u.dev].Launch("gather", n, 128, int64(n), part.idx, src, part.log, int64(len(w.steps))); err != nil {
				return err
			}
		}
		w.steps = append(w.steps, t)
	}
	return nil
}

// readWatches reads the block's logs of the watches on devices and
// hands each step's values to its record.
func (d *Net) readWatches() error {
	for _, w := range d.watches {
		if w.pop.cpu || len(w.steps) == 0 {
			continue
		}
		for _, part := range w.parts {
			part.logHost = slices.Grow(part.logHost[:0], len(w.steps)*len(part.local))[:len(w.steps)*len(part.local)]
			if err := download(d.devs[part.u.dev], part.logHost, part.log); err != nil {
				return err
			}
		}
		for r, t := range w.steps {
			for _, part := range w.parts {
				n := len(part.local)
				for i, at := range part.pos {
					w.row[at] = part.logHost[r*n+i]
				}
			}
			w.record(t, w.row)
		}
		w.steps = w.steps[:0]
	}
	return nil
}

// watchCPU records, after step n, the watches of the host's populations.
func (d *Net) watchCPU(n int64) {
	for _, w := range d.watches {
		if !w.pop.cpu || n%w.every != 0 {
			continue
		}
		v, _ := cpuVar(d.net.Populations[w.pop.pop], w.name)
		for at, i := range w.neurons {
			w.row[at] = v[i]
		}
		w.record(n, w.row)
	}
}

// cpuVar returns variable name of population p on the CPU: one of its
// model's, or "current" (the direct input plus the dendritic currents).
func cpuVar(p *population.Population, name string) ([]float32, bool) {
	if name == "current" {
		return p.Current(), true
	}
	return p.Model().Var(name)
}
