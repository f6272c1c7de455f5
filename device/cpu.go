package device

import (
	"fmt"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/projection"
)

// OnCPU, in a placement (NewOn, Place), puts a population on the host's
// CPU: it steps there, as the sequential stepper steps it, with the
// projections into it, plastic ones included.
const OnCPU = -1

// cpuPart steps the populations of a Net placed OnCPU, on the host, as
// package stepper steps a network: deliveries, populations, learning,
// axons. Their spikes go to the devices through ghosts (Net.exchange);
// the devices' spikes reach them through their axons (fromDevices), once
// per block of steps, a block being no longer than the network's
// shortest latency.
type cpuPart struct {
	d       *Net
	pops    []int               // population indices, on the CPU
	inboxes []*projection.Inbox // those that deliver into them
	learn   []*network.Projection
	// Per axon: its projections (Targets) and modulator followers
	// (ModTargets) into CPU populations.
	targets, mods [][]*projection.Runtime
	// crossing: a link joins the host and a device.
	crossing bool
	on       bool // learning (engine.Engine's SetLearning)
	evs      []axon.Event
}

// newCPUPart sets up the host's part of d.
func newCPUPart(d *Net) *cpuPart {
	net := d.net
	c := &cpuPart{d: d, on: true}
	recs := map[*dendrite.Receptor]bool{}
	for i, p := range d.pops {
		if !p.cpu {
			continue
		}
		c.pops = append(c.pops, i)
		pop := net.Populations[i]
		for _, name := range pop.ReceptorNames() {
			r, _ := pop.Receptor(name)
			recs[r] = true
			if f := r.FarInput(); f != nil {
				recs[f] = true
			}
		}
	}
	for _, in := range net.Inboxes {
		if recs[in.Target()] {
			c.inboxes = append(c.inboxes, in)
		}
	}
	onCPU := func(pr *network.Projection) bool { return d.pops[pr.Target].cpu }
	byRuntime := map[*projection.Runtime]*network.Projection{}
	for _, pr := range net.Projections {
		byRuntime[pr.Runtime] = pr
		if pr.Plastic && onCPU(pr) {
			c.learn = append(c.learn, pr)
		}
	}
	c.targets = make([][]*projection.Runtime, len(net.Axons))
	c.mods = make([][]*projection.Runtime, len(net.Axons))
	for a, ax := range net.Axons {
		srcCPU := d.pops[ax.Source].cpu
		for _, t := range ax.Targets {
			pr := byRuntime[t]
			if onCPU(pr) {
				c.targets[a] = append(c.targets[a], t)
			}
			if onCPU(pr) != srcCPU {
				c.crossing = true
			}
		}
		for _, t := range ax.ModTargets {
			// A follower is plastic: on the CPU.
			c.mods[a] = append(c.mods[a], t)
			if !srcCPU {
				c.crossing = true
			}
		}
	}
	return c
}

// run steps the host's populations over steps from, from+1, …, writing
// each one's spike masks into its log (logHost), as a device's.
func (c *cpuPart) run(from int64, block int) error {
	net := c.d.net
	for _, i := range c.pops {
		p := c.d.pops[i]
		p.logHost = append(p.logHost[:0], make([]uint32, block*int(p.words))...)
	}
	for k := range block {
		n := from + int64(k)
		for _, in := range c.inboxes {
			in.Arrive(n)
		}
		for _, i := range c.pops {
			net.Populations[i].Step(n)
		}
		for _, pr := range c.learn {
			t := net.Populations[pr.Target]
			pr.Runtime.Learn(n, t.PrevFired(), t.PrevOutput(), c.on)
		}
		for a, ax := range net.Axons {
			if !c.d.pops[ax.Source].cpu {
				continue
			}
			src := net.Populations[ax.Source]
			if out := src.Output(); out != nil {
				c.evs = ax.Axon.EmitGraded(out, c.evs[:0])
			} else {
				c.evs = ax.Axon.Emit(src.Fired(), c.evs[:0])
			}
			c.send(a, n)
		}
		for _, i := range c.pops {
			p := c.d.pops[i]
			row := p.logHost[k*int(p.words) : (k+1)*int(p.words)]
			for _, j := range net.Populations[i].Fired() {
				row[j>>5] |= 1 << (j & 31)
			}
		}
		if err := c.check(n); err != nil {
			return err
		}
		c.d.watchCPU(n)
	}
	return nil
}

// send hands the events of axon a, emitted at step n (c.evs), to its
// projections and followers on the CPU.
func (c *cpuPart) send(a int, n int64) {
	for _, t := range c.targets[a] {
		for _, e := range c.evs {
			t.Send(n, e.Src, e.Delay, e.Value)
		}
	}
	if len(c.mods[a]) > 0 {
		rows := uint32(c.d.net.Axons[a].Axon.Rows())
		for _, t := range c.mods[a] {
			for _, e := range c.evs {
				t.SendModulator(n, int(e.Src/rows), e.Delay, e.Value)
			}
		}
	}
}

// fromDevices hands the spikes that the devices' populations fired at
// step n (their fired lists) to the host's projections, through their
// axons.
func (c *cpuPart) fromDevices(n int64) {
	for a, ax := range c.d.net.Axons {
		src := c.d.pops[ax.Source]
		if src.cpu || (len(c.targets[a]) == 0 && len(c.mods[a]) == 0) {
			continue
		}
		c.evs = ax.Axon.Emit(src.fired, c.evs[:0])
		c.send(a, n)
	}
}

// check reports a problem of step n in the host's part, as the stepper
// does.
func (c *cpuPart) check(n int64) error {
	net := c.d.net
	for _, i := range c.pops {
		if err := net.Populations[i].Err(); err != nil {
			return fmt.Errorf("device: step %d: population %q (on the CPU): %w", n, net.Populations[i].Name, err)
		}
	}
	for _, pr := range c.learn {
		if err := pr.Err(); err != nil {
			return fmt.Errorf("device: step %d: %w", n, err)
		}
	}
	for a, ax := range net.Axons {
		if len(c.targets[a]) > 0 || len(c.mods[a]) > 0 {
			if err := ax.Axon.Err(); err != nil {
				return fmt.Errorf("device: step %d: population %q: axon %q: %w", n, net.Populations[ax.Source].Name, ax.Name, err)
			}
		}
	}
	return nil
}

// events returns the synaptic events that arrived on the host.
func (c *cpuPart) events() int64 {
	var n int64
	for _, in := range c.inboxes {
		n += in.Events()
	}
	return n
}
