package device

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/device/kernels"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
	"github.com/spiral-sim/spiral/synapse"
)

// Blocks of the kernels' launches.
const (
	blockNeurons = 256
	blockWords   = 128
	scanThreads  = 1024 // kernels.ScanThreads
)

// Net is a network whose state lives on a device and steps there. Each
// step, every receptor's Poisson drives add into its input
// (drive_poisson), then it takes its slot of its ring of fixed-point
// sums (take_slot), as the CPU's receptors in fixed point do; every
// population steps (lif_exp2, lif_exp1, lif_delta, or a Poisson draw),
// its spikes are listed in neuron order (scan_masks, compact) and its
// mask logged (log_mask); every projection delivers the spikes into its
// receptor's ring (deliver_rows, deliver_spread). The device computes a
// block of steps without waiting; the host then reads the block's masks.
type Net struct {
	devs []Backend
	net  *network.Network
	// pops are the populations, in network order: a population whole on
	// a device or on the CPU is its unit; one cut into shards is a view
	// of them (shards), which has no state of its own but the spikes it
	// gathers from them.
	pops []*devPop
	// units are what holds state: the populations whole and the shards,
	// in network order.
	units  []*devPop
	projs  []*devProj
	ghosts []*ghost
	step   int64
	// cur is the device that New's helpers allocate on.
	cur    int
	bufs   []owned
	events int64 // synaptic events arrived (engine.Engine's Events)
	// logSteps is the steps a block holds (Run).
	logSteps int
	// segment, if > 0, bounds a block: the fewest steps a spike takes to
	// reach a projection on another device, so that a block's spikes
	// are passed on (exchange) before any of them is due.
	segment int
	// cpu steps the populations placed OnCPU; nil if none is.
	cpu *cpuPart
	// failed is why a Restore or a block of steps failed part way: the
	// Net cannot run.
	failed error
	// onBlock, if set, is told the steps computed after each block.
	onBlock func(steps int64)
	// watches record variables of neurons (Watch).
	watches []*watch
	// frozen stops the projections that learn on devices from changing
	// their weights (engine.Engine's SetLearning); their tags go on.
	frozen bool
	// pinned is the host memory of HostAllocators, freed by Close.
	pinned []pinnedMem
	ran    bool // Run was called
	// local describes, per device, the projections whose sources are
	// on it, for deliver_all (nil where the device is no Addresser or
	// holds none); made with the rings.
	local []*projTable
	// steps describes, per device, its populations for step_all,
	// scan_all and compact_all (nil where the device is no Addresser,
	// holds none, or holds one with more drives than a table takes).
	steps []*stepTable
}

// stepTable is a table of a device's populations, and of the blocks of
// neurons and of mask words that step_all and compact_all run.
type stepTable struct {
	descs, blocks, wblocks  Buffer
	pops, nblocks, nwblocks int
}

// projTable is a table of projections on a device for deliver_all: an
// entry per projection and source unit.
type projTable struct {
	buf     Buffer
	entries int
	warps   int // the warps to launch: the sources' neurons, at most the device's StrideWarps
}

// pinnedMem is host memory of a device's HostAllocator.
type pinnedMem struct {
	dev int
	mem []byte
}

// hostWords returns n zeroed words of host memory for logs, from device
// dev's HostAllocator if it has one (Close frees it), else Go's.
func (d *Net) hostWords(dev int, n int64) ([]uint32, error) {
	if dev >= 0 {
		if h, ok := d.devs[dev].(HostAllocator); ok {
			mem, err := h.AllocHost(4 * max(n, 1))
			if err != nil {
				return nil, fmt.Errorf("device: %s: host memory: %w", d.devs[dev].Name(), err)
			}
			d.pinned = append(d.pinned, pinnedMem{dev, mem})
			return unsafe.Slice((*uint32)(unsafe.Pointer(&mem[0])), n), nil
		}
	}
	return make([]uint32, n), nil
}

// owned is a buffer and its device.
type owned struct {
	dev int
	buf Buffer
}

// ghost is, on device dev, a unit (a population whole or a shard) of
// another device or of the CPU, whose spikes projections on dev deliver:
// the spike masks of a block of steps, uploaded from the host (log), and
// a step's mask and list.
type ghost struct {
	src                *devPop
	dev                int
	log, mask, offsets Buffer
	total, list        Buffer
	projs              []*devProj
	table              *projTable // its projections, for deliver_all
}

// devPop is a population on the device.
type devPop struct {
	name string
	pop  int   // the population's index in the network
	lo   int64 // a shard: its first neuron in the population
	dev  int   // its device: an index into Net's devices, OnCPU, or Split
	cpu  bool  // on the host's CPU (cpuPart): only the spike record here
	// shards, for a population cut into shards (dev Split): its units,
	// whose masks it gathers into its log (logHost) each block.
	shards []*devPop
	// restored are the spikes of the step before restoredAt, set by
	// Restore: the last spikes until the Net steps.
	restored   []uint32
	restoredAt int64
	n          int64
	words      int64
	// LIF: potentials, refractory counts, coefficients, the masks of the
	// step before and of this one, the receptors (two exponential
	// current ones, or one delta receptor: delta, drop its input while
	// refractory), the drives.
	lif            bool
	cond           bool // conductance receptors (lif_cond)
	one            bool // one exponential current receptor
	delta          bool
	drop           int64
	drives         []devDrive
	v, rc, prm     Buffer
	m              [2]Buffer // the spike masks of even and odd steps (maskAt)
	recs           [2]*devRec
	recNames       [2]string
	key            uint64 // Poisson: the draws' key, first neuron, thresholds
	first          int64
	thr            Buffer
	grouped        bool
	offsets, total Buffer
	list           Buffer
	fired          []uint32 // a step's spikes, on the host (readLogs)
	steps          []int64  // every spike recorded: steps and neurons
	neurons        []uint32
	log            Buffer   // the spike masks of a block of steps
	logHost        []uint32 // read from log: a block's rows of hostLog
	hostLog        []uint32 // logSteps rows of words, in a device's host memory if it has some
}

// maskAt is the spike mask of step t: the masks of even and odd steps
// alternate, so that a step's mask is the next one's "prev" (the
// neurons to reset) with nothing to swap, as the kernels that read a
// table of populations (step_all) find them.
func (p *devPop) maskAt(t int64) Buffer { return p.m[t&1] }

// devDrive is a Poisson drive into a receptor (stimulus.PoissonDrive).
type devDrive struct {
	rec        *devRec
	key        uint64
	first      int64
	w, gain    float64
	cdf, guide Buffer
	ncdf       int64
}

// devRec is a receptor on the device: its input and state, and the ring
// of fixed-point sums its inputs arrive in.
type devRec struct {
	in, g, acc Buffer
	slots      int64
	sent       []int64 // by arrival step mod slots: synapses of the rows on their way
}

// devProj is a projection on the device.
type devProj struct {
	name     string       // the network's projection
	syn      *synapse.CSR // its synapses into dst, on the host
	gain     float32      // its receptor's gain
	src, dst *devPop
	rec      *devRec
	ptr, idx Buffer
	w        Buffer // nil: every weight w0
	w0       float64
	scale    Buffer // per row: the event's value × the receptor's gain
	delay    Buffer // per row: steps beyond the first
	shift    int64  // the synaptic delay all synapses share (not spread)
	// On the host, for counting events: each row's delay and synapses.
	rowDelay []uint32
	rowLen   []int64
	// spread: synapses with delays of their own (d8 or d16); each row's
	// delays as a histogram, rows r's at histOff[r]…histOff[r+1].
	spread  bool
	d8, d16 Buffer
	histOff []uint32
	histD   []uint16
	histN   []uint32
	// plastic, if set, learns on the device (plasticity.STDPForm).
	plastic *devPlastic
	// arrive is the fewest steps after its emission that any of its
	// events arrives in (>= 1).
	arrive int64
	// parts are the source's units (itself, or its shards) and how
	// their spikes reach the projection's device: their own lists there,
	// or a ghost's, which exchange fills and delivers.
	parts []srcPart
}

// srcPart is a unit of a projection's source: its spikes are rows
// u.lo + i of the projection, listed on the projection's device (ghost
// nil) or on a ghost there (the unit is on another device, or on the
// CPU).
type srcPart struct {
	u     *devPop
	ghost *ghost
}

// Split, as a population's device (Net.Placement), says it is cut into
// shards on several devices (Net.Shards).
const Split = -2

// Shard is a range [Lo, Hi) of a population's neurons and the device it
// is on (an index into the devices, or OnCPU for a whole population).
type Shard struct {
	Population int // index in the network
	Lo, Hi     int
	Device     int
}

// New puts net on the device b, in its current state (nothing stepped
// yet). It refuses, naming the population or projection and why, what
// Net cannot step: batches; populations other than leaky
// integrate-and-fire ones with one delta receptor, one or two
// exponential current receptors or one or two conductance receptors
// (scalar coefficients, Poisson drives, constant stimuli, no principle) and undriven Poisson encoders; graded
// sources; axons other than direct ones with one terminal; masked
// projections, and plastic ones but those that learn STDP of the form
// plasticity.Learner.STDPForm gives, between whole populations on one
// device (learn.go).
func New(b Backend, net *network.Network) (n *Net, err error) {
	return NewOn([]Backend{b}, net, make([]int, len(net.Populations)))
}

// NewOn puts net on the devices devs, each population whole on one
// device: on the device place gives it (an index into devs, one per
// population, or OnCPU), or, with place nil, where Place puts it. Each
// projection lives on its target's device; a source on another device
// has a ghost there, its spikes passed on through the host once per
// block of steps (a block is then at most the fewest steps any such
// spike takes to arrive). The sums being exact, the spikes are those of
// the network on one device, bit for bit, however it is placed.
//
// A population placed OnCPU steps on the host, as the sequential
// stepper steps it, with the projections into it (plastic ones
// included), exchanging spikes with the devices once per block; Place
// puts there what a device refuses. Its receptors take the devices'
// events after its own: in float32 their sums differ from the stepper's
// in the last bits, in fixed point (network.Config.FixedPoint) not at
// all. NewOn refuses, on a device, what New refuses.
func NewOn(devs []Backend, net *network.Network, place []int) (n *Net, err error) {
	if len(devs) == 0 {
		return nil, errors.New("device: no device")
	}
	if place == nil {
		shards, err := PlaceShards(devs, net)
		if err != nil {
			return nil, err
		}
		return NewSharded(devs, net, shards)
	}
	if len(place) != len(net.Populations) {
		return nil, fmt.Errorf("device: a placement of %d populations for %d", len(place), len(net.Populations))
	}
	shards := make([]Shard, len(place))
	for i, k := range place {
		shards[i] = Shard{Population: i, Lo: 0, Hi: net.Populations[i].Len(), Device: k}
	}
	return NewSharded(devs, net, shards)
}

// NewSharded is NewOn with populations cut into shards: shards lists,
// population by population in network order, ranges [Lo, Hi) that cover
// each population in order, each on a device; a cut falls on a multiple
// of 32 neurons (a word of a spike mask), and a population on the CPU is
// whole. A shard holds its neurons and the synapses that end on them;
// the spikes of a population in shards reach every projection from it
// through the host once per block, as those of a population on another
// device do, so the spikes are still those of the whole network on one
// device, bit for bit.
func NewSharded(devs []Backend, net *network.Network, shards []Shard) (n *Net, err error) {
	if len(devs) == 0 {
		return nil, errors.New("device: no device")
	}
	byPop := make([][]Shard, len(net.Populations))
	for _, sh := range shards {
		if sh.Population < 0 || sh.Population >= len(net.Populations) {
			return nil, fmt.Errorf("device: a shard of population %d of %d", sh.Population, len(net.Populations))
		}
		byPop[sh.Population] = append(byPop[sh.Population], sh)
	}
	ranges := map[string][][2]int{}
	for pi, ps := range byPop {
		p := net.Populations[pi]
		at := 0
		for _, sh := range ps {
			switch {
			case sh.Lo != at || sh.Hi <= sh.Lo:
				return nil, fmt.Errorf("device: population %q: shards %v do not cover [0, %d) in order", p.Name, ps, p.Len())
			case sh.Device != OnCPU && (sh.Device < 0 || sh.Device >= len(devs)):
				return nil, fmt.Errorf("device: population %q placed on device %d of %d", p.Name, sh.Device, len(devs))
			case sh.Lo%32 != 0:
				return nil, fmt.Errorf("device: population %q: a shard from neuron %d (shards start at multiples of 32)", p.Name, sh.Lo)
			case sh.Device == OnCPU && len(ps) > 1:
				return nil, fmt.Errorf("device: population %q: a shard on the CPU (the CPU takes whole populations)", p.Name)
			}
			at = sh.Hi
		}
		if at != p.Len() {
			return nil, fmt.Errorf("device: population %q: shards %v do not cover [0, %d)", p.Name, ps, p.Len())
		}
		if len(ps) > 1 {
			for _, sh := range ps {
				ranges[p.Name] = append(ranges[p.Name], [2]int{sh.Lo, sh.Hi})
			}
		}
	}
	return build(devs, net, byPop, ranges, true)
}

// build puts net on devs, population i's shards as byPop[i] says
// (ranges: those of the populations cut in several); with claim the
// network is the Net's (network.Network.Claim), else the Net only counts
// (Needs).
func build(devs []Backend, net *network.Network, byPop [][]Shard, ranges map[string][][2]int, claim bool) (n *Net, err error) {
	d := &Net{devs: devs, net: net}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if net.Config.Batch > 1 {
		return nil, fmt.Errorf("device: a batch of %d copies (Net takes one)", net.Config.Batch)
	}
	// The network is the Net's (network.Network.Claim): its CPU
	// populations step in the network's own components. A Net that
	// fails to be made gives it back.
	const who = "a device Net"
	if claim {
		if err := net.Claim(who); err != nil {
			return nil, fmt.Errorf("device: %w", err)
		}
		defer func() {
			if err != nil {
				net.Unclaim(who)
			}
		}()
	}
	var cut [][]*shard.Shard // the populations' shards, where some are cut
	if len(ranges) > 0 {
		if cut, err = shard.SplitRanges(net, ranges, false); err != nil {
			return nil, fmt.Errorf("device: %w", err)
		}
	}
	for i, p := range net.Populations {
		if sh := byPop[i]; len(sh) == 1 && sh[0].Device == OnCPU {
			n := int64(p.Len())
			u := &devPop{name: p.Name, pop: i, dev: OnCPU, cpu: true, n: n, words: (n + 31) / 32}
			d.pops, d.units = append(d.pops, u), append(d.units, u)
			continue
		}
		if len(byPop[i]) == 1 {
			d.cur = byPop[i][0].Device
			u, err := d.population(p.Name, p.Len(), p)
			if err != nil {
				return nil, err
			}
			u.pop, u.dev = i, d.cur
			d.pops, d.units = append(d.pops, u), append(d.units, u)
			continue
		}
		n := int64(p.Len())
		view := &devPop{name: p.Name, pop: i, dev: Split, n: n, words: (n + 31) / 32}
		for k, sh := range byPop[i] {
			d.cur = sh.Device
			name := fmt.Sprintf("%s[%d:%d]", p.Name, sh.Lo, sh.Hi)
			u, err := d.population(name, sh.Hi-sh.Lo, cut[i][k].Population)
			if err != nil {
				return nil, err
			}
			u.pop, u.lo, u.dev = i, int64(sh.Lo), d.cur
			view.shards = append(view.shards, u)
			d.units = append(d.units, u)
		}
		d.pops = append(d.pops, view)
	}
	// Far links (network.Network.FarAxons) need nothing of their own:
	// every input of a receptor goes into its one ring of exact sums,
	// which is what the CPU's near sum plus far sum is where the CPU's
	// sums are exact.
	for j, pr := range net.Projections {
		dst := d.pops[pr.Target]
		if dst.cpu {
			continue // the host delivers it (cpuPart)
		}
		targets := []*devPop{dst}
		if dst.shards != nil {
			targets = dst.shards
		}
		for k, u := range targets {
			syn, tp := pr.Runtime.Syn, net.Populations[pr.Target]
			if dst.shards != nil {
				if syn, tp = cut[pr.Target][k].Syn[j], cut[pr.Target][k].Population; syn == nil {
					continue
				}
			}
			d.cur = u.dev
			dp, err := d.projection(pr, u, syn, tp)
			if err != nil {
				return nil, fmt.Errorf("device: projection %q: %w", pr.Name, err)
			}
			d.projs = append(d.projs, dp)
			// Each unit of the source on this device delivers its own
			// spikes, within the step; one elsewhere, through a ghost.
			for _, su := range dp.src.unitsOf() {
				part := srcPart{u: su}
				if su.dev != dp.dst.dev {
					if part.ghost, err = d.ghostOf(su, dp); err != nil {
						return nil, err
					}
					if d.segment == 0 || dp.arrive < int64(d.segment) {
						d.segment = int(dp.arrive)
					}
				}
				dp.parts = append(dp.parts, part)
			}
		}
	}
	if slices.ContainsFunc(d.pops, func(p *devPop) bool { return p.cpu }) {
		d.cpu = newCPUPart(d)
		if d.cpu.crossing {
			// Links between the host and the devices: the network's
			// shortest latency bounds a block.
			if e := net.MinLatency(); d.segment == 0 || e < d.segment {
				d.segment = e
			}
		}
	}
	return d, nil
}

// ghostOf returns the ghost of unit u on projection pr's device, made
// on first use, with pr among its projections.
func (d *Net) ghostOf(u *devPop, pr *devProj) (*ghost, error) {
	for _, g := range d.ghosts {
		if g.src == u && g.dev == pr.dst.dev {
			g.projs = append(g.projs, pr)
			return g, nil
		}
	}
	g := &ghost{src: u, dev: pr.dst.dev, projs: []*devProj{pr}}
	d.cur = g.dev
	var err error
	for _, x := range []*Buffer{&g.mask, &g.offsets} {
		if *x, err = d.alloc(4 * g.src.words); err != nil {
			return nil, err
		}
	}
	if g.total, err = d.alloc(4); err != nil {
		return nil, err
	}
	if g.list, err = d.alloc(4 * 32 * g.src.words); err != nil {
		return nil, err
	}
	d.ghosts = append(d.ghosts, g)
	return g, nil
}

// alloc allocates a buffer on device d.cur that Close frees.
func (d *Net) alloc(bytes int64) (Buffer, error) {
	buf, err := d.devs[d.cur].Alloc(bytes)
	if err != nil {
		return nil, fmt.Errorf("device: %s: %w", d.devs[d.cur].Name(), err)
	}
	d.bufs = append(d.bufs, owned{d.cur, buf})
	return buf, nil
}

// put allocates a buffer holding s on device d.cur, which Close frees.
func put[T any](d *Net, s []T) (Buffer, error) {
	buf, err := upload(d.devs[d.cur], s)
	if err != nil {
		return nil, fmt.Errorf("device: %s: %w", d.devs[d.cur].Name(), err)
	}
	d.bufs = append(d.bufs, owned{d.cur, buf})
	return buf, nil
}

// population puts population p (n elements) on the device.
func (d *Net) population(name string, n int, p *population.Population) (*devPop, error) {
	fail := func(format string, args ...any) (*devPop, error) {
		return nil, fmt.Errorf("device: population %q: %s", name, fmt.Sprintf(format, args...))
	}
	dp := &devPop{name: name, n: int64(n), words: (int64(n) + 31) / 32}
	if p.Graded() {
		return fail("a graded population (Net steps spiking ones)")
	}
	var err error
	for _, x := range []*Buffer{&dp.m[0], &dp.m[1], &dp.offsets} {
		if *x, err = d.alloc(4 * dp.words); err != nil {
			return nil, err
		}
	}
	if dp.total, err = d.alloc(4); err != nil {
		return nil, err
	}
	if dp.list, err = d.alloc(4 * 32 * dp.words); err != nil {
		return nil, err
	}
	m := p.Model()
	if pd, ok := m.(encoder.PoissonDrawer); ok {
		draw, ok := pd.PoissonDraw()
		if !ok {
			return fail("a Poisson encoder that is driven, or has probabilities outside [0, 1] (Net draws undriven ones)")
		}
		k0, k1 := draw.Key.Words()
		dp.key, dp.first, dp.grouped = uint64(k0)|uint64(k1)<<32, int64(draw.First), draw.Grouped
		thr := draw.Thr
		if draw.Grouped {
			thr = append(draw.Group[:], groupThreshold(draw))
		}
		if dp.thr, err = put(d, thr); err != nil {
			return nil, err
		}
		return dp, nil
	}
	fm, ok := m.(soma.FusedLIFModel)
	if !ok {
		return fail("a %T model (Net steps leaky integrate-and-fire neurons and Poisson encoders)", m)
	}
	if len(p.Principles()) > 0 {
		return fail("principles (Net has none yet)")
	}
	// Constant stimuli: the current the CPU adds up for every neuron.
	var cur, hasCur float32
	for _, st := range p.Stimuli() {
		c, ok := st.(stimulus.Constant)
		if !ok {
			return fail("a %T stimulus (Net takes constant ones)", st)
		}
		if c != 0 {
			cur += float32(c)
		}
		hasCur = 1
	}
	names := p.ReceptorNames()
	dp.lif = true
	var decay [2]float32
	if len(names) > 0 {
		if r, _ := p.Receptor(names[0]); r.Spec().Kernel == dendrite.ExpConductance {
			return d.conductancePopulation(dp, p, fm, names, cur)
		}
	}
	lif, ok := fm.FusedLIF()
	if !ok {
		return fail("a leaky integrate-and-fire model with coefficients that differ per neuron, an adaptive threshold or adaptation")
	}
	switch {
	case len(names) == 1:
		r, _ := p.Receptor(names[0])
		rec := &devRec{}
		if rec.in, err = d.alloc(4 * int64(n)); err != nil {
			return nil, err
		}
		switch r.Spec().Kernel {
		case dendrite.Delta:
			dp.delta = true
			if lif.DropInput {
				dp.drop = 1
			}
		case dendrite.ExpCurrent:
			dp.one = true
			e, _ := r.Exp(0) // nothing has arrived yet: this changes nothing
			decay[0] = e.Decay
			if rec.g, err = put(d, r.G()); err != nil {
				return nil, err
			}
		default:
			return fail("receptor %q: a single %v receptor (Net takes one delta or exponential current receptor, or two exponential current ones)", names[0], r.Spec().Kernel)
		}
		dp.recs[0], dp.recNames[0] = rec, names[0]
	case len(names) == 2:
		for k, rn := range names {
			r, _ := p.Receptor(rn)
			if r.Spec().Kernel != dendrite.ExpCurrent {
				return fail("receptor %q: a %v receptor (Net takes one delta receptor, or two exponential current ones)", rn, r.Spec().Kernel)
			}
			// Nothing has arrived yet: Exp's reading of step 0 changes nothing.
			e, _ := r.Exp(0)
			decay[k] = e.Decay
			rec := &devRec{}
			if rec.in, err = d.alloc(4 * int64(n)); err != nil {
				return nil, err
			}
			if rec.g, err = put(d, r.G()); err != nil {
				return nil, err
			}
			dp.recs[k], dp.recNames[k] = rec, rn
		}
	default:
		return fail("%d receptors (Net takes one delta receptor, or two exponential current ones)", len(names))
	}
	if err := d.drives(dp, p); err != nil {
		return nil, err
	}
	if err := d.lifState(dp, m); err != nil {
		return nil, err
	}
	prm := []float32{decay[0], decay[1], lif.K, lif.E, lif.G, lif.Threshold, lif.Reset, lif.Refractory, cur, hasCur}
	if dp.prm, err = put(d, prm); err != nil {
		return nil, err
	}
	return dp, nil
}

// drives puts population p's drives on the device (Poisson drives
// only).
func (d *Net) drives(dp *devPop, p *population.Population) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("device: population %q: %s", dp.name, fmt.Sprintf(format, args...))
	}
	var err error
	for _, dr := range p.Drives() {
		pd, ok := dr.Stimulus.(*stimulus.PoissonDrive)
		if !ok {
			return fail("a %T drive (Net takes Poisson drives)", dr.Stimulus)
		}
		key, first, w, table, ok := pd.Draws()
		if !ok {
			return fail("a Poisson drive of more than 700 events per step, or none (Net samples its table)")
		}
		k := slices.Index(dp.recNames[:], dr.Receptor)
		if k < 0 || dp.recs[k] == nil {
			return fail("a drive into receptor %q", dr.Receptor)
		}
		r, _ := p.Receptor(dr.Receptor)
		k0, k1 := key.Words()
		cdf, guide := table.CDF()
		dd := devDrive{rec: dp.recs[k], key: uint64(k0) | uint64(k1)<<32, first: int64(first), w: float64(w), gain: float64(r.Gain()), ncdf: int64(len(cdf))}
		if dd.cdf, err = put(d, cdf); err != nil {
			return err
		}
		if dd.guide, err = put(d, guide); err != nil {
			return err
		}
		dp.drives = append(dp.drives, dd)
	}
	return nil
}

// lifState puts a LIF model's potentials and refractory counts on the
// device.
func (d *Net) lifState(dp *devPop, m soma.Model) error {
	v, ok := m.Var("v")
	if !ok {
		return fmt.Errorf("device: population %q: no potential", dp.name)
	}
	rc, ok := m.Var("refractory")
	if !ok {
		return fmt.Errorf("device: population %q: no refractory counts", dp.name)
	}
	var err error
	if dp.v, err = put(d, v); err != nil {
		return err
	}
	dp.rc, err = put(d, rc)
	return err
}

// conductancePopulation puts a LIF population with one or two
// exponential conductance receptors on the device (lif_cond).
func (d *Net) conductancePopulation(dp *devPop, p *population.Population, fm soma.FusedLIFModel, names []string, cur float32) (*devPop, error) {
	fail := func(format string, args ...any) (*devPop, error) {
		return nil, fmt.Errorf("device: population %q: %s", dp.name, fmt.Sprintf(format, args...))
	}
	c, ok := fm.FusedConductance()
	if !ok {
		return fail("a conductance-based model with coefficients that differ per neuron, an adaptive threshold or adaptation")
	}
	if len(names) > 2 {
		return fail("%d receptors (Net takes one or two conductance receptors)", len(names))
	}
	dp.cond = true
	var decay, rev [2]float32
	var err error
	for k, rn := range names {
		r, _ := p.Receptor(rn)
		if r.Spec().Kernel != dendrite.ExpConductance {
			return fail("receptor %q: a %v receptor with a conductance one (Net takes receptors of one kind)", rn, r.Spec().Kernel)
		}
		e, _ := r.Exp(0) // nothing has arrived yet: this changes nothing
		decay[k], rev[k] = e.Decay, e.E
		rec := &devRec{}
		if rec.in, err = d.alloc(4 * dp.n); err != nil {
			return nil, err
		}
		if rec.g, err = put(d, r.G()); err != nil {
			return nil, err
		}
		dp.recs[k], dp.recNames[k] = rec, rn
	}
	exact, two := float32(0), float32(0)
	if c.Exact {
		exact = 1
	}
	if len(names) == 2 {
		two = 1
	}
	if err := d.lifState(dp, p.Model()); err != nil {
		return nil, err
	}
	// The conductance loop adds R·I whether or not a stimulus gave I (0).
	prm := []float32{decay[0], decay[1], rev[0], rev[1], c.DtTau, c.R, c.Rest, c.Threshold, c.Reset, c.Refractory, cur, exact, two}
	if dp.prm, err = put(d, prm); err != nil {
		return nil, err
	}
	if err := d.drives(dp, p); err != nil {
		return nil, err
	}
	return dp, nil
}

// groupThreshold is the per-neuron threshold of a grouped draw (all
// neurons share it).
func groupThreshold(draw encoder.PoissonDraw) uint64 {
	if len(draw.Thr) == 0 {
		return 0
	}
	return draw.Thr[0]
}

// projection puts a projection on the device.
func (d *Net) projection(pr *network.Projection, dst *devPop, syn *synapse.CSR, tpop *population.Population) (*devProj, error) {
	if err := refusal(d.net, pr); err != nil {
		return nil, err
	}
	shift, uniformDelay := syn.UniformDelay()
	ax := d.net.Axons[pr.Axon]
	if !dst.lif {
		return nil, fmt.Errorf("target %q is not a leaky integrate-and-fire population", dst.name)
	}
	k := slices.Index(dst.recNames[:], pr.Receptor)
	if k < 0 {
		return nil, fmt.Errorf("receptor %q of %q", pr.Receptor, dst.name)
	}
	src := d.pops[ax.Source]
	tp, _ := tpop.Receptor(pr.Receptor)
	// Each row's event, from the axon itself: every neuron fires once.
	all := make([]uint32, src.n)
	for i := range all {
		all[i] = uint32(i)
	}
	evs := ax.Axon.Emit(all, nil)
	scale := make([]float32, syn.Rows)
	values := make([]float32, syn.Rows)
	delay := make([]uint32, syn.Rows)
	maxd := uint32(0)
	for _, e := range evs {
		if int(e.Src) >= syn.Rows {
			return nil, fmt.Errorf("axon %q emits for row %d of %d", ax.Name, e.Src, syn.Rows)
		}
		scale[e.Src] = float32(e.Value * tp.Gain())
		values[e.Src] = e.Value
		delay[e.Src] = e.Delay
		maxd = max(maxd, e.Delay)
	}
	dp := &devProj{name: pr.Name, syn: syn, gain: tp.Gain(), src: src, dst: dst, rec: dst.recs[k], rowDelay: delay}
	mind := maxd
	for _, dl := range delay {
		mind = min(mind, dl)
	}
	var err error
	if uniformDelay {
		dp.arrive = 1 + int64(shift) + int64(mind)
		dp.shift = int64(shift)
		dp.rowLen = make([]int64, syn.Rows)
		for r := range dp.rowLen {
			dp.rowLen[r] = int64(syn.Ptr[r+1] - syn.Ptr[r])
		}
	} else {
		// Each synapse arrives its own delay after its row: delivered
		// into its own slot, and counted there (a histogram of each
		// row's delays, for the events).
		dp.spread = true
		dmin, dmax := syn.DelayRange()
		dp.arrive = 1 + int64(mind) + int64(dmin)
		shift = dmax
		if syn.D8 != nil {
			dp.d8, err = put(d, syn.D8)
		} else {
			dp.d16, err = put(d, syn.D)
		}
		if err != nil {
			return nil, err
		}
		dp.histOff = make([]uint32, syn.Rows+1)
		count := map[uint16]uint32{}
		for r := range syn.Rows {
			clear(count)
			for q := syn.Ptr[r]; q < syn.Ptr[r+1]; q++ {
				if syn.D8 != nil {
					count[uint16(syn.D8[q])]++
				} else {
					count[syn.D[q]]++
				}
			}
			ds := make([]uint16, 0, len(count))
			for dl := range count {
				ds = append(ds, dl)
			}
			slices.Sort(ds)
			for _, dl := range ds {
				dp.histD, dp.histN = append(dp.histD, dl), append(dp.histN, count[dl])
			}
			dp.histOff[r+1] = uint32(len(dp.histD))
		}
	}
	// The ring must hold every arrival from one step to the next: 1 +
	// delay + the synaptic delay steps ahead at most.
	dp.rec.slots = max(dp.rec.slots, 2+int64(maxd)+int64(shift))
	if dp.ptr, err = put(d, syn.Ptr); err != nil {
		return nil, err
	}
	if dp.idx, err = put(d, syn.Idx); err != nil {
		return nil, err
	}
	if dp.scale, err = put(d, scale); err != nil {
		return nil, err
	}
	if dp.delay, err = put(d, delay); err != nil {
		return nil, err
	}
	if pr.Plastic {
		return dp, d.plasticOf(pr, dp, syn, values)
	}
	if w0, uniform := syn.Uniform(); uniform {
		dp.w0 = float64(w0)
	} else if dp.w, err = put(d, syn.W); err != nil {
		return nil, err
	}
	return dp, nil
}

// refusal says why a device cannot deliver projection pr, whatever its
// target: nil if it can.
func refusal(net *network.Network, pr *network.Projection) error {
	ax := net.Axons[pr.Axon]
	switch {
	case pr.Runtime.Mask() != nil:
		return errors.New("masked")
	case !ax.Axon.Direct() || ax.Axon.Terminals() != 1:
		return fmt.Errorf("axon %q: a response function or several terminals (Net takes direct axons)", ax.Name)
	case net.Populations[ax.Source].Graded():
		return fmt.Errorf("a graded source, %q (Net delivers spikes)", net.Populations[ax.Source].Name)
	case pr.Plastic:
		if err := plasticRefusal(net, pr); err != nil {
			return fmt.Errorf("plastic: %w", err)
		}
	}
	return nil
}

// rings allocates the receptors' rings, once their sizes are known, and
// the logs of spike masks.
func (d *Net) rings() error {
	if d.failed != nil {
		return d.failed
	}
	if d.logSteps == 0 {
		words := int64(1)
		for _, p := range d.pops {
			words = max(words, p.words)
		}
		d.logSteps = int(max(min(logBytes/(4*words), 1000), 1))
		if d.segment > 0 {
			d.logSteps = min(d.logSteps, d.segment)
		}
		// The shards of a population share their rings' length, so that
		// a checkpoint's inputs on their way fit each of them.
		for _, p := range d.pops {
			for k := range 2 {
				most := int64(0)
				for _, u := range p.shards {
					if r := u.recs[k]; r != nil {
						most = max(most, r.slots)
					}
				}
				for _, u := range p.shards {
					if r := u.recs[k]; r != nil {
						r.slots = most
					}
				}
			}
		}
	}
	// What a failed call left unallocated is allocated by the next one.
	for _, p := range d.units {
		if p.cpu || p.log != nil {
			continue
		}
		d.cur = p.dev
		var err error
		if p.log, err = d.alloc(4 * p.words * int64(d.logSteps)); err != nil {
			return err
		}
	}
	// The host's side of the logs: of every unit on a device (read from
	// it, uploaded from there to its ghosts), and of every population in
	// shards (gathered there for its spike record), in the memory of the
	// device's HostAllocator if it has one.
	for _, p := range append(slices.Clone(d.units), d.pops...) {
		if p.cpu || p.hostLog != nil {
			continue
		}
		dev := p.dev
		if dev == Split {
			dev = p.shards[0].dev
		}
		var err error
		if p.hostLog, err = d.hostWords(dev, p.words*int64(d.logSteps)); err != nil {
			return err
		}
	}
	for _, g := range d.ghosts {
		if g.log != nil {
			continue
		}
		d.cur = g.dev
		var err error
		if g.log, err = d.alloc(4 * g.src.words * int64(d.logSteps)); err != nil {
			return err
		}
	}
	for _, p := range d.units {
		if p.cpu {
			continue
		}
		d.cur = p.dev
		for _, r := range p.recs {
			if r == nil || r.acc != nil {
				continue
			}
			r.slots = max(r.slots, 2)
			r.sent = make([]int64, r.slots)
			var err error
			if r.acc, err = d.alloc(8 * r.slots * p.n); err != nil {
				return err
			}
		}
	}
	if err := d.watchLogs(); err != nil {
		return err
	}
	if d.steps == nil {
		return d.tables()
	}
	return nil
}

// tables describes each device's projections for deliver_all: those
// whose sources are on the device, and each ghost's.
func (d *Net) tables() error {
	// Built aside, and kept only once all are: a failure leaves none.
	local := make([]*projTable, len(d.devs))
	for k := range d.devs {
		var projs []*devProj
		for _, pr := range d.projs {
			if pr.dst.dev == k && pr.plastic == nil && slices.ContainsFunc(pr.parts, func(p srcPart) bool { return p.ghost == nil }) {
				projs = append(projs, pr)
			}
		}
		var err error
		if local[k], err = d.table(k, projs, nil); err != nil {
			return err
		}
	}
	ghosts := make([]*projTable, len(d.ghosts))
	for i, g := range d.ghosts {
		var err error
		if ghosts[i], err = d.table(g.dev, g.projs, g); err != nil {
			return err
		}
	}
	steps := make([]*stepTable, len(d.devs))
	for k := range d.devs {
		var err error
		if steps[k], err = d.stepTable(k); err != nil {
			return err
		}
	}
	for i, g := range d.ghosts {
		g.table = ghosts[i]
	}
	d.local, d.steps = local, steps
	return nil
}

// stepTable describes the populations on device k for step_all,
// scan_all and compact_all (kernels.PopDescBytes each, in spiral.cu's
// pop_desc order).
func (d *Net) stepTable(k int) (*stepTable, error) {
	a, ok := d.devs[k].(Addresser)
	if !ok || !gives(a) {
		return nil, nil
	}
	var pops []*devPop
	for _, p := range d.units {
		if p.dev == k && !p.cpu {
			if len(p.drives) > kernels.PopDrives {
				return nil, nil
			}
			pops = append(pops, p)
		}
	}
	if len(pops) == 0 {
		return nil, nil
	}
	var failed error
	addr := func(b Buffer) uint64 {
		if b == nil || failed != nil {
			return 0
		}
		x, err := a.Address(b)
		if err != nil {
			failed = fmt.Errorf("device: %s: %w", d.devs[k].Name(), err)
		}
		return x
	}
	var words []uint64
	var blocks, wblocks []int64
	for pi, p := range pops {
		desc := make([]uint64, kernels.PopDescBytes/8)
		kind := kernels.PopExp2
		switch {
		case !p.lif && p.grouped:
			kind = kernels.PopGrouped
		case !p.lif:
			kind = kernels.PopPoisson
		case p.cond:
			kind = kernels.PopCond
		case p.one:
			kind = kernels.PopExp1
		case p.delta:
			kind = kernels.PopDelta
		}
		desc[0], desc[1] = uint64(kind), uint64(p.n)
		if p.lif {
			r0, r1 := p.recs[0], p.recs[1]
			desc[2], desc[3], desc[4] = addr(p.v), addr(r0.in), addr(r0.g)
			if r1 == nil && p.cond {
				r1 = r0 // one receptor: the kernel reads no second
			}
			if r1 != nil {
				desc[5], desc[6] = addr(r1.in), addr(r1.g)
			}
			desc[7], desc[8], desc[9] = addr(p.rc), addr(p.prm), uint64(p.drop)
			desc[13], desc[14] = addr(r0.acc), uint64(r0.slots)
			if p.recs[1] != nil {
				desc[15], desc[16] = addr(p.recs[1].acc), uint64(p.recs[1].slots)
			}
			desc[17] = uint64(len(p.drives))
			for q, dr := range p.drives {
				desc[18+q], desc[20+q], desc[22+q], desc[24+q] = uint64(dr.first), dr.key, addr(dr.cdf), uint64(dr.ncdf)
				desc[26+q], desc[28+q], desc[30+q], desc[32+q] = addr(dr.guide), math.Float64bits(dr.w), math.Float64bits(dr.gain), addr(dr.rec.in)
			}
		} else {
			desc[10], desc[11], desc[12] = uint64(p.first), p.key, addr(p.thr)
		}
		desc[34], desc[35], desc[36] = addr(p.m[0]), addr(p.m[1]), uint64(p.words)
		desc[37], desc[38], desc[39], desc[40] = addr(p.offsets), addr(p.total), addr(p.list), addr(p.log)
		words = append(words, desc...)
		for i := int64(0); i < p.n; i += blockNeurons {
			blocks = append(blocks, int64(pi), i)
		}
		for w := int64(0); w < p.words; w += blockWords {
			wblocks = append(wblocks, int64(pi), w)
		}
	}
	if failed != nil {
		return nil, failed
	}
	d.cur = k
	st := &stepTable{pops: len(pops), nblocks: len(blocks) / 2, nwblocks: len(wblocks) / 2}
	var err error
	if st.descs, err = put(d, words); err != nil {
		return nil, err
	}
	if st.blocks, err = put(d, blocks); err != nil {
		return nil, err
	}
	if st.wblocks, err = put(d, wblocks); err != nil {
		return nil, err
	}
	return st, nil
}

// stepAll launches step t of device k's populations from its table, its
// masks going into row k of the logs: three launches for all of them.
func (d *Net) stepAll(dev int, st *stepTable, t, k int64) error {
	b := d.devs[dev]
	if err := b.Launch("step_all", st.nblocks*blockNeurons, blockNeurons, st.descs, st.blocks, t); err != nil {
		return err
	}
	if err := b.Launch("scan_all", st.pops*scanThreads, scanThreads, st.descs, t); err != nil {
		return err
	}
	return b.Launch("compact_all", st.nwblocks*blockWords, blockWords, st.descs, st.wblocks, t, k)
}

// table puts a table of projs, all on device k, on it; their sources'
// spikes are those of ghost g, or, with g nil, their own lists. It is
// nil where there is nothing to describe or the device gives no
// addresses.
func (d *Net) table(k int, projs []*devProj, g *ghost) (*projTable, error) {
	a, ok := d.devs[k].(Addresser)
	if !ok || len(projs) == 0 || !gives(a) {
		return nil, nil
	}
	addr := func(b Buffer) (uint64, error) {
		if b == nil {
			return 0, nil
		}
		return a.Address(b)
	}
	words := make([]uint64, 0, len(projs)*kernels.ProjDescBytes/8)
	warps, n := 0, 0
	for _, pr := range projs {
		for _, part := range pr.parts {
			// The table's entries: the parts that deliver on the device,
			// or the ghost's.
			src := part.u
			count, spikes := src.total, src.list
			if g != nil {
				if part.ghost != g {
					continue
				}
				count, spikes = g.total, g.list
			} else if part.ghost != nil {
				continue
			}
			for _, b := range []Buffer{count, spikes, pr.ptr, pr.idx, pr.w, pr.scale, pr.delay, pr.d8, pr.d16, pr.rec.acc} {
				x, err := addr(b)
				if err != nil {
					return nil, fmt.Errorf("device: %s: %w", d.devs[k].Name(), err)
				}
				words = append(words, x)
			}
			words = append(words, math.Float64bits(pr.w0), uint64(pr.shift), uint64(pr.rec.slots), uint64(pr.dst.n), uint64(src.lo))
			warps += int(src.n)
			n++
		}
	}
	most := 1024
	if st, ok := d.devs[k].(Strider); ok {
		most = st.StrideWarps()
	}
	d.cur = k
	buf, err := put(d, words)
	if err != nil {
		return nil, err
	}
	return &projTable{buf: buf, entries: n, warps: max(1, min(warps, most))}, nil
}

// gives reports whether a gives addresses (not ErrNoAddresses).
func gives(a Addresser) bool {
	_, err := a.Address(nil)
	return !errors.Is(err, ErrNoAddresses)
}

// deliverAll launches table tb's deliveries of the spikes of step t.
func (d *Net) deliverAll(k int, tb *projTable, t int64) error {
	threads := 32 * tb.warps
	return d.devs[k].Launch("deliver_all", threads, min(128, threads), int64(tb.entries), tb.buf, t)
}

// logBytes bounds each population's log of spike masks on the device:
// Run reads the logs once per block of steps that fills them.
const logBytes = 16 << 20

// Run steps the network steps more steps. The device computes a block
// of steps without waiting for the host; then the host reads the block's
// spike masks, lists the spikes and counts the synaptic events.
func (d *Net) Run(steps int) error { return d.run(steps, nil) }

// run is Run, which stops before a block of steps when stop reports true
// (errStopped).
func (d *Net) run(steps int, stop func() bool) error {
	d.ran = true
	if err := d.rings(); err != nil {
		return err
	}
	for steps > 0 {
		if stop != nil && stop() {
			return errStopped
		}
		block := min(steps, d.logSteps)
		if err := d.runBlock(block); err != nil {
			// Part of the block may have run, on the devices, on the host,
			// or in the modulators and rates taken for it: the state is
			// neither before it nor after it.
			d.failed = fmt.Errorf("device: a block of steps failed part way, leaving the Net unusable (close it): %w", err)
			return err
		}
		d.step += int64(block)
		steps -= block
		if d.onBlock != nil {
			d.onBlock(d.step)
		}
	}
	return nil
}

// runBlock computes the next block of steps (at most logSteps).
func (d *Net) runBlock(block int) error {
	for k := range block {
		if err := d.launchStep(d.step+int64(k), int64(k)); err != nil {
			return fmt.Errorf("device: step %d: %w", d.step+int64(k), err)
		}
	}
	// The host steps its populations while the devices compute.
	for _, b := range d.devs {
		if f, ok := b.(Flusher); ok {
			if err := f.Flush(); err != nil {
				return fmt.Errorf("device: %s: %w", b.Name(), err)
			}
		}
	}
	if d.cpu != nil {
		if err := d.cpu.run(d.step, block); err != nil {
			return err
		}
	}
	if err := d.readLogs(block); err != nil {
		return fmt.Errorf("device: steps %d to %d: %w", d.step, d.step+int64(block)-1, err)
	}
	if err := d.checkLearnt(d.step, block); err != nil {
		return err
	}
	if err := d.readWatches(); err != nil {
		return fmt.Errorf("device: steps %d to %d: %w", d.step, d.step+int64(block)-1, err)
	}
	if err := d.exchange(block); err != nil {
		return fmt.Errorf("device: steps %d to %d: passing spikes between devices: %w", d.step, d.step+int64(block)-1, err)
	}
	return nil
}

// errStopped ends a run that its stop function stopped.
var errStopped = errors.New("stopped")

// launchStep launches the kernels of step t, its masks going into row k
// of the logs.
func (d *Net) launchStep(t, k int64) error {
	if err := d.learn(t); err != nil {
		return err
	}
	for dev, st := range d.steps {
		if st != nil {
			if err := d.stepAll(dev, st, t, k); err != nil {
				return err
			}
		}
	}
	for _, p := range d.units {
		if p.cpu || d.steps[p.dev] != nil {
			continue
		}
		b := d.devs[p.dev]
		n := int(p.n)
		if p.lif {
			// The drives first, then the synaptic sums, as a receptor of
			// the CPU adds its fixed-point sums (dendrite.Spec.Fixed) to
			// what its drives put into the slot.
			for _, dr := range p.drives {
				if err := b.Launch("drive_poisson", n, blockNeurons, p.n, dr.first, dr.key, t, dr.cdf, dr.ncdf, dr.guide, dr.w, dr.gain, dr.rec.in); err != nil {
					return err
				}
			}
			for _, r := range p.recs {
				if r == nil {
					continue
				}
				if err := b.Launch("take_slot", n, blockNeurons, p.n, r.acc, t%r.slots, r.in); err != nil {
					return err
				}
			}
			if p.cond {
				r0, r1 := p.recs[0], p.recs[1]
				if r1 == nil {
					r1 = r0 // one receptor: the kernel reads no second
				}
				if err := b.Launch("lif_cond", n, blockNeurons, p.n, p.v, r0.in, r0.g, r1.in, r1.g, p.rc, p.prm, p.maskAt(t-1), p.maskAt(t)); err != nil {
					return err
				}
			} else if p.one {
				r := p.recs[0]
				if err := b.Launch("lif_exp1", n, blockNeurons, p.n, p.v, r.in, r.g, p.rc, p.prm, p.maskAt(t-1), p.maskAt(t)); err != nil {
					return err
				}
			} else if p.delta {
				if err := b.Launch("lif_delta", n, blockNeurons, p.n, p.v, p.recs[0].in, p.rc, p.prm, p.maskAt(t-1), p.maskAt(t), p.drop); err != nil {
					return err
				}
			} else {
				r0, r1 := p.recs[0], p.recs[1]
				if err := b.Launch("lif_exp2", n, blockNeurons, p.n, p.v, r0.in, r0.g, r1.in, r1.g, p.rc, p.prm, p.maskAt(t-1), p.maskAt(t)); err != nil {
					return err
				}
			}
		} else {
			kernel := "poisson_neurons"
			if p.grouped {
				kernel = "poisson_grouped"
			}
			if err := b.Launch(kernel, n, blockNeurons, p.n, p.first, p.key, t, p.thr, p.maskAt(t)); err != nil {
				return err
			}
		}
		if err := b.Launch("scan_masks", scanThreads, scanThreads, p.words, p.maskAt(t), p.offsets, p.total); err != nil {
			return err
		}
		if err := b.Launch("compact", int(p.words), blockWords, p.words, p.maskAt(t), p.offsets, p.list); err != nil {
			return err
		}
		if err := b.Launch("log_mask", int(p.words), blockWords, p.words, p.maskAt(t), p.log, k); err != nil {
			return err
		}
	}
	if err := d.remember(t); err != nil {
		return err
	}
	for k, tb := range d.local {
		if tb != nil {
			if err := d.deliverAll(k, tb, t); err != nil {
				return err
			}
		}
	}
	for _, pr := range d.projs {
		if d.local[pr.dst.dev] != nil || pr.plastic != nil {
			continue
		}
		for _, part := range pr.parts {
			if part.ghost == nil {
				if err := d.deliver(pr, part.u, part.u.total, part.u.list, t); err != nil {
					return err
				}
			}
		}
	}
	return d.launchWatches(t)
}

// deliver launches projection pr's delivery of the spikes of step t of
// its source's unit src, listed in list (total of them, both on pr's
// device).
func (d *Net) deliver(pr *devProj, src *devPop, total, list Buffer, t int64) error {
	// As many warps as the unit has neurons: the kernel reads the step's
	// count of spikes on the device.
	b := d.devs[pr.dst.dev]
	if pr.spread {
		return b.Launch("deliver_spread", 32*int(src.n), 64, total, list, pr.ptr, pr.idx, pr.w, pr.w0, pr.scale, pr.delay,
			pr.d8, pr.d16, t+1, pr.rec.slots, pr.dst.n, pr.rec.acc, src.lo)
	}
	return b.Launch("deliver_rows", 32*int(src.n), 64, total, list, pr.ptr, pr.idx, pr.w, pr.w0, pr.scale, pr.delay,
		t+1+pr.shift, pr.rec.slots, pr.dst.n, pr.rec.acc, src.lo)
}

// exchange passes the spikes of the last block of steps (from d.step on;
// readLogs has read them) to the devices where projections from other
// devices deliver them: each ghost's log takes its source's masks, and
// each step's spikes are listed and delivered there. None is due yet: a
// block is no longer than the fewest steps such a spike takes to arrive.
func (d *Net) exchange(block int) error {
	for _, g := range d.ghosts {
		b, words := d.devs[g.dev], int(g.src.words)
		if err := b.Upload(g.log, bytesOf(g.src.logHost[:block*words])); err != nil {
			return err
		}
		for k := range block {
			if err := b.Launch("take_mask", words, blockWords, g.src.words, g.log, int64(k), g.mask); err != nil {
				return err
			}
			if err := b.Launch("scan_masks", scanThreads, scanThreads, g.src.words, g.mask, g.offsets, g.total); err != nil {
				return err
			}
			if err := b.Launch("compact", words, blockWords, g.src.words, g.mask, g.offsets, g.list); err != nil {
				return err
			}
			if g.table != nil {
				if err := d.deliverAll(g.dev, g.table, d.step+int64(k)); err != nil {
					return err
				}
				continue
			}
			for _, pr := range g.projs {
				if err := d.deliver(pr, g.src, g.total, g.list, d.step+int64(k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readLogs reads the spike masks of the last block of steps, from
// d.step on, and lists their spikes; it counts the synaptic events that
// arrived at those steps, as the engines of the CPU do (an event's
// synapses count at its arrival).
func (d *Net) readLogs(block int) error {
	for _, p := range d.units {
		if p.cpu {
			continue // cpuPart.run wrote its log
		}
		p.logHost = p.hostLog[:block*int(p.words)]
		if err := download(d.devs[p.dev], p.logHost, p.log); err != nil {
			return err
		}
	}
	// A population in shards gathers their masks, word for word (a
	// shard starts at a multiple of 32 neurons).
	for _, p := range d.pops {
		if p.shards == nil {
			continue
		}
		p.logHost = p.hostLog[:block*int(p.words)]
		for k := range block {
			row := p.logHost[k*int(p.words) : (k+1)*int(p.words)]
			for _, u := range p.shards {
				copy(row[u.lo/32:], u.logHost[k*int(u.words):(k+1)*int(u.words)])
			}
		}
	}
	for k := range block {
		t := d.step + int64(k)
		for _, p := range d.pops {
			p.fired = p.fired[:0]
			for w, m := range p.logHost[k*int(p.words) : (k+1)*int(p.words)] {
				for ; m != 0; m &= m - 1 {
					i := uint32(w*32 + bits.TrailingZeros32(m))
					if int64(i) >= p.n {
						return fmt.Errorf("population %q: a spike of neuron %d of %d", p.name, i, p.n)
					}
					p.fired = append(p.fired, i)
					p.steps = append(p.steps, t)
					p.neurons = append(p.neurons, i)
				}
			}
		}
		d.arrived(t)
		for _, p := range d.units {
			for _, r := range p.recs {
				if r != nil {
					d.events += r.sent[t%r.slots]
					r.sent[t%r.slots] = 0
				}
			}
		}
		if d.cpu != nil {
			d.cpu.fromDevices(t)
		}
		for _, pr := range d.projs {
			if pl := pr.plastic; pl != nil {
				// Counted apart until they arrive: a checkpoint queues
				// them (checkpointLearnt).
				for _, r := range pr.src.fired {
					pl.count(pr, r, t+1+pl.shift+int64(pl.rowDelay[r]))
				}
				continue
			}
			for _, r := range pr.src.fired {
				at := t + 1 + pr.shift + int64(pr.rowDelay[r])
				if !pr.spread {
					pr.rec.sent[at%pr.rec.slots] += pr.rowLen[r]
					continue
				}
				for q := pr.histOff[r]; q < pr.histOff[r+1]; q++ {
					pr.rec.sent[(at+int64(pr.histD[q]))%pr.rec.slots] += int64(pr.histN[q])
				}
			}
		}
	}
	return nil
}

// Steps returns the steps computed so far.
func (d *Net) Steps() int64 { return d.step }

// Events returns the synaptic events that have arrived so far, as every
// engine counts them (engine.Engine): for every event that reached a
// projection, the synapses of its source's row; those still on their way
// are not counted.
func (d *Net) Events() int64 {
	if d.cpu != nil {
		return d.events + d.cpu.events()
	}
	return d.events
}

// Spikes returns the spikes of population name so far: steps and
// neurons, in time order, neurons ascending within a step.
func (d *Net) Spikes(name string) (steps []int64, neurons []uint32, err error) {
	for _, p := range d.pops {
		if p.name == name {
			return p.steps, p.neurons, nil
		}
	}
	return nil, nil, fmt.Errorf("device: no population %q", name)
}

// Close frees the network's buffers on the device.
func (d *Net) Close() {
	for _, o := range d.bufs {
		_ = d.devs[o.dev].Free(o.buf)
	}
	d.bufs = nil
	for _, m := range d.pinned {
		_ = d.devs[m.dev].(HostAllocator).FreeHost(m.mem)
	}
	d.pinned = nil
	for _, p := range append(slices.Clone(d.units), d.pops...) {
		p.hostLog, p.logHost = nil, nil
	}
}

// Devices returns the devices the network is on.
func (d *Net) Devices() []Backend { return d.devs }

// Shards returns the shards of every population and their devices, in
// network order (a population whole is one shard).
func (d *Net) Shards() []Shard {
	var out []Shard
	for _, u := range d.units {
		out = append(out, Shard{Population: u.pop, Lo: int(u.lo), Hi: int(u.lo + u.n), Device: u.dev})
	}
	return out
}

// Placement returns each population's device: an index into Devices,
// OnCPU, or Split for one in shards (Shards).
func (d *Net) Placement() []int {
	place := make([]int, len(d.pops))
	for i, p := range d.pops {
		place[i] = p.dev
	}
	return place
}

// Net returns the network the Net steps.
func (d *Net) Net() *network.Network { return d.net }
