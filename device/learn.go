package device

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/spiral-sim/spiral/checkpoint"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/synapse"
)

// devPlastic is what a projection that learns on the device holds
// besides a static one's (plasticity.STDPForm): it delivers each event
// when it arrives, with the weights of that step, as the CPU's deferred
// delivery does, then its tags advance and it learns, all before its
// target steps. Source and target are whole on one device.
type devPlastic struct {
	pr   *network.Projection
	rule plasticity.STDPForm
	// arrive is the most steps from a spike to its event's arrival at
	// the projection (1 + the row's axon delay + the delay all synapses
	// share, shift); hist holds the source's spike masks of the last
	// arrive steps, step s in row s mod arrive; arr marks the rows whose
	// events arrive now. zero is a delay of 0 per row (deliver_row's).
	arrive          int64
	shift           int64
	rowDelay        []uint32
	hist, arr, zero Buffer
	// xval is each row's |event value| (the tag's input); P, Q and Qd
	// the tags (Qd: what depression reads).
	xval, P, Q, Qd         Buffer
	colptr, colsyn, colrow Buffer
	prmT, prmP, prmD       Buffer
	bad                    Buffer // set by a change that would make a weight NaN
	// dw and touched sum each synapse's changes of a step and mark it,
	// unless the rule applies them at once (STDPForm.Direct).
	dw, touched Buffer
	// c and last are an RSTDP rule's eligibility traces and the step each
	// was last brought up to, pow and pow2 the tables of their decay
	// (STDPForm.Eligibility; plasticity.Learner.EligibilityTraces).
	c, last, pow, pow2 Buffer
	// values is each row's event value (the CPU's queue holds them);
	// sent, by arrival step mod arrive+1, the synapses of the events on
	// their way to the projection, counted apart from the receptor's (the
	// CPU's deferred delivery counts them when it delivers them).
	values []float32
	sent   []int64
	// histHost is hist as Restore builds it (finishLearnt uploads it).
	histHost []uint32
}

// plasticRefusal says why a device cannot learn what projection pr
// learns (nil if it can).
func plasticRefusal(net *network.Network, pr *network.Projection) error {
	switch {
	case pr.Latency != nil:
		return errors.New("learnt latencies (a device learns weights)")
	case pr.Learner == nil:
		return errors.New("no learner")
	case pr.Normalize != nil:
		return errors.New("a normalisation (a device learns without one)")
	}
	form, err := pr.Learner.STDPForm()
	if err != nil {
		if pr.Rule != nil {
			return fmt.Errorf("a %q rule: %w", pr.Rule.Kind(), err)
		}
		return err
	}
	if (form.Modulated || form.Eligibility) && pr.FollowAxon < 0 {
		return errors.New("modulated, following no modulator (its weights never change; a device learns a modulated or R-STDP rule from a modulator)")
	}
	if pr.FollowAxon >= 0 {
		if src := net.Populations[net.Axons[pr.FollowAxon].Source]; !src.Graded() {
			return fmt.Errorf("a modulator from %q, a spiking population (a device takes a modulator from a graded population, on the CPU)", src.Name)
		}
	}
	if _, ok := pr.Runtime.Syn.UniformDelay(); !ok {
		return errors.New("synapses with delays of their own (a device learns with one synaptic delay per projection)")
	}
	if _, _, ok := pr.Learner.STDPTraces(); !ok {
		return errors.New("tags whose state a device cannot take")
	}
	return nil
}

// plasticOf makes projection dp (of network projection pr, synapses syn,
// each row's event value values) learn on the device: its source and
// target must be whole, on its device.
func (d *Net) plasticOf(pr *network.Projection, dp *devProj, syn *synapse.CSR, values []float32) error {
	src := dp.src
	_, counting := d.devs[0].(*counter) // Needs: each population on a device of its own
	switch {
	case counting:
	case src.shards != nil || dp.dst.shards != nil || src.lo != 0 || dp.dst.lo != 0 || syn != pr.Runtime.Syn:
		return fmt.Errorf("plastic, between populations cut into shards (a device learns between whole populations: place %q and %q whole)",
			d.net.Populations[src.pop].Name, d.net.Populations[pr.Target].Name)
	case src.cpu || src.dev != dp.dst.dev:
		where := "the CPU"
		if !src.cpu {
			where = d.devs[src.dev].Name()
		}
		return fmt.Errorf("plastic, from %q, which is on %s (a device learns between populations it holds: place %q on %q's device, or on the CPU)",
			src.name, where, dp.dst.name, src.name)
	}
	rule, err := pr.Learner.STDPForm()
	if err != nil {
		return fmt.Errorf("plastic: %w", err)
	}
	if rule.Modulated || rule.Eligibility {
		// The concentrations come from the host (the modulator's source
		// is graded: plasticRefusal), a block ahead.
		if l := d.net.Axons[pr.FollowAxon].Axon.MinLatency(); d.segment == 0 || l < d.segment {
			d.segment = l
		}
	}
	pre, post, _ := pr.Learner.STDPTraces()
	pl := &devPlastic{pr: pr, rule: rule, shift: dp.shift, rowDelay: dp.rowDelay, values: values}
	most := uint32(0)
	for _, dl := range dp.rowDelay {
		most = max(most, dl)
	}
	pl.arrive = 1 + dp.shift + int64(most)
	pl.sent = make([]int64, pl.arrive+1)
	p := pr.Learner.P
	syn.Expand() // the weights one by one, as the learner has them
	if dp.w, err = put(d, syn.W); err != nil {
		return err
	}
	// The tag takes |the event's value| (before the receptor's gain).
	xval := make([]float32, len(values))
	for r, v := range values {
		xval[r] = float32(math.Abs(float64(v)))
	}
	if pl.hist, err = d.alloc(4 * src.words * pl.arrive); err != nil {
		return err
	}
	if pl.arr, err = d.alloc(4 * src.words); err != nil {
		return err
	}
	if pl.zero, err = d.alloc(4 * int64(len(values))); err != nil {
		return err
	}
	if pl.bad, err = d.alloc(4); err != nil {
		return err
	}
	if pl.Qd, err = d.alloc(4 * int64(len(post))); err != nil {
		return err
	}
	for _, x := range []struct {
		buf *Buffer
		s   any
	}{{&pl.xval, xval}, {&pl.P, pre}, {&pl.Q, post}, {&pl.colptr, p.ColPtr}, {&pl.colsyn, p.ColSyn}, {&pl.colrow, p.ColRow}} {
		var err error
		switch s := x.s.(type) {
		case []float32:
			*x.buf, err = put(d, s)
		case []uint32:
			*x.buf, err = put(d, s)
		}
		if err != nil {
			return err
		}
	}
	flag := func(b bool) float32 {
		if b {
			return 1
		}
		return 0
	}
	if pl.prmT, err = put(d, []float32{rule.PreDecay, rule.PostDecay, flag(rule.Nearest), flag(rule.PreFirst)}); err != nil {
		return err
	}
	// The rates as stdp_potentiate, stdp_depress and the apply kernels
	// read them (η comes with each step: STDPRates).
	rates := func(s float32, r plasticity.RateForm) []float32 {
		return []float32{s, rule.Wmin, rule.Wmax, float32(r.Mode), flag(rule.Direct), flag(rule.Modulated)}
	}
	if pl.prmP, err = put(d, rates(rule.Scale, rule.LTP)); err != nil {
		return err
	}
	if pl.prmD, err = put(d, rates(-rule.Scale, rule.LTD)); err != nil {
		return err
	}
	if !rule.Direct {
		n := int64(syn.Len())
		if pl.dw, err = d.alloc(4 * n); err != nil {
			return err
		}
		if pl.touched, err = d.alloc(n); err != nil {
			return err
		}
	}
	if rule.Eligibility {
		c, last, pow, pow2, _ := pr.Learner.EligibilityTraces()
		if pl.c, err = put(d, c); err != nil {
			return err
		}
		if pl.last, err = put(d, last); err != nil {
			return err
		}
		if pl.pow, err = put(d, pow); err != nil {
			return err
		}
		if pl.pow2, err = put(d, pow2); err != nil {
			return err
		}
	}
	dp.plastic = pl
	return nil
}

// learn launches, before any population of step t steps, the work of
// step t of the projections that learn on devices: the events that
// arrive (each row's 1 + its delay + shift steps after its spike) are
// delivered with the weights as they are, the tags advance, and, with
// learning on, the weights change: potentiation by the target's spikes
// of step t−1, depression by the arriving events, as the CPU's Learn
// after the target's step t.
func (d *Net) learn(t int64) error {
	for _, pr := range d.projs {
		pl := pr.plastic
		if pl == nil {
			continue
		}
		b := d.devs[pr.dst.dev]
		src, dst := pr.src, pr.dst
		rows, cols := src.n, dst.n
		post := dst.maskAt(t - 1)
		if err := b.Launch("take_arrivals", int(src.words), blockWords, rows, pl.hist, pl.arrive, src.words, pr.delay, t-1-pl.shift, pl.arr); err != nil {
			return err
		}
		if err := b.Launch("deliver_arrived", 32*int(rows), 64, rows, pl.arr, pr.ptr, pr.idx, pr.w, pr.scale, pl.zero,
			t, pr.rec.slots, dst.n, pr.rec.acc); err != nil {
			return err
		}
		if err := b.Launch("stdp_traces", int(max(rows, cols)), blockNeurons, rows, cols, pl.arr, pl.xval, pl.P, post, pl.Q, pl.Qd, pl.prmT); err != nil {
			return err
		}
		// The modulator's concentration and the rates of the step are
		// taken whether or not the weights learn, as Learn takes them (a
		// descending rate moves on every step).
		m := float64(0)
		if pl.rule.Modulated || pl.rule.Eligibility {
			m = float64(pl.pr.Runtime.TakeModulator(t)[0])
		}
		etaP, etaD := pl.pr.Learner.STDPRates()
		var now int64
		if pl.rule.Eligibility {
			now = pl.pr.Learner.EligibilityStep()
		}
		// With learning off the weights stay; an RSTDP rule's traces
		// still run, as the CPU's do.
		if d.frozen && !pl.rule.Eligibility {
			continue
		}
		if etaP != 0 {
			if err := b.Launch("stdp_potentiate", 32*int(cols), blockNeurons, cols, post, pl.colptr, pl.colsyn, pl.colrow, pl.P,
				pr.w, pl.dw, pl.touched, pl.prmP, pl.bad, float64(etaP)); err != nil {
				return err
			}
		}
		if etaD != 0 {
			if err := b.Launch("stdp_depress", 32*int(rows), blockNeurons, rows, pl.arr, pr.ptr, pr.idx, pl.xval, pl.Qd,
				pr.w, pl.dw, pl.touched, pl.prmD, pl.bad, float64(etaD)); err != nil {
				return err
			}
		}
		if pl.rule.Direct {
			continue
		}
		if pl.rule.Eligibility {
			if err := d.eligibility(b, pr, pl, post, now, m); err != nil {
				return err
			}
			continue
		}
		// The step's sums, onto the weights: the synapses changed are in
		// the columns that potentiated and the rows that depressed. A
		// modulated rule scales them by the step's concentration, which
		// arrived on the host (its source is on the CPU) before the block:
		// a block is no longer than the modulator's latency.
		if err := b.Launch("stdp_apply_cols", 32*int(cols), blockNeurons, cols, post, pl.colptr, pl.colsyn, pr.w, pl.dw, pl.touched, pl.prmP, pl.bad, m); err != nil {
			return err
		}
		if err := b.Launch("stdp_apply_rows", 32*int(rows), blockNeurons, rows, pl.arr, pr.ptr, pr.w, pl.dw, pl.touched, pl.prmD, pl.bad, m); err != nil {
			return err
		}
	}
	return nil
}

// eligibility launches the rest of a step of an RSTDP rule (STDPForm's
// Eligibility) after its STDP changes were summed: the sums go into the
// traces of the synapses changed (in the columns that potentiated and the
// rows that depressed), then, where the step's concentration m is not 0,
// every trace is brought up to the step and, with learning on, the
// weights follow.
func (d *Net) eligibility(b Backend, pr *devProj, pl *devPlastic, post Buffer, now int64, m float64) error {
	rows, cols := pr.src.n, pr.dst.n
	if err := b.Launch("rstdp_fold_cols", 32*int(cols), blockNeurons, cols, post, pl.colptr, pl.colsyn, pl.dw, pl.touched,
		pl.c, pl.last, pl.pow, pl.pow2, now); err != nil {
		return err
	}
	if err := b.Launch("rstdp_fold_rows", 32*int(rows), blockNeurons, rows, pl.arr, pr.ptr, pl.dw, pl.touched,
		pl.c, pl.last, pl.pow, pl.pow2, now); err != nil {
		return err
	}
	if m == 0 {
		return nil
	}
	learn := int64(1)
	if d.frozen {
		learn = 0
	}
	n := int64(pr.syn.Len())
	return b.Launch("rstdp_modulate", int(n), blockNeurons, n, pl.c, pl.last, pl.pow, pl.pow2, now,
		pl.rule.TraceScale*m, learn, pr.w, pl.prmP, pl.bad)
}

// Learning returns the names of the projections that learn on the
// devices (plasticity.Learner.STDPForm), in network order; the other
// plastic projections learn on the CPU.
func (d *Net) Learning() []string {
	var names []string
	for _, pr := range d.net.Projections {
		if slices.ContainsFunc(d.projs, func(p *devProj) bool { return p.plastic != nil && p.plastic.pr == pr }) {
			names = append(names, pr.Name)
		}
	}
	return names
}

// remember keeps, once the populations of step t stepped, the spikes of
// the sources of the projections that learn on devices, for the step
// they arrive at.
func (d *Net) remember(t int64) error {
	for _, pr := range d.projs {
		if pl := pr.plastic; pl != nil {
			src := pr.src
			if err := d.devs[src.dev].Launch("log_mask", int(src.words), blockWords, src.words, src.maskAt(t), pl.hist, t%pl.arrive); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLearnt reports a weight change that would have made a weight NaN
// in the last block of steps, from first on.
func (d *Net) checkLearnt(first int64, block int) error {
	for _, pr := range d.projs {
		pl := pr.plastic
		if pl == nil {
			continue
		}
		bad := make([]uint32, 1)
		if err := download(d.devs[pr.dst.dev], bad, pl.bad); err != nil {
			return err
		}
		if bad[0] != 0 {
			return fmt.Errorf("device: steps %d to %d: projection %q: a weight change was NaN; those weights were left unchanged", first, first+int64(block)-1, pl.pr.Name)
		}
	}
	return nil
}

// GatherWeights reads the weights and tags (and R-STDP's eligibility
// traces) of the projections that learn on devices back into the network
// (their CSRs' weights and their learners' state), as the CPU holds them
// after the steps computed so far. The weights of those that learn on the CPU are the network's
// already.
func (d *Net) GatherWeights() error {
	if d.failed != nil {
		return d.failed // what the devices hold is not a step's state
	}
	for _, pr := range d.projs {
		if pr.plastic == nil {
			continue
		}
		for _, x := range pr.learnt() {
			if err := x.download(d.devs[pr.dst.dev]); err != nil {
				return fmt.Errorf("device: projection %q: %w", pr.name, err)
			}
		}
	}
	return nil
}

// learntPart is a part of what a projection that learns on a device
// holds: the host's (its network's), as bytes over its numbers, and the
// device's.
type learntPart struct {
	host []byte
	buf  Buffer
}

// upload writes the host's part into the device's.
func (x learntPart) upload(b Backend) error { return b.Upload(x.buf, x.host) }

// download reads the device's part into the host's.
func (x learntPart) download(b Backend) error { return download(b, x.host, x.buf) }

// learnt returns the weights and tags (and an RSTDP rule's eligibility
// traces) of a projection that learns on a device, on the host and on
// the device.
func (pr *devProj) learnt() []learntPart {
	l := pr.plastic.pr.Learner
	pre, post, _ := l.STDPTraces()
	parts := []learntPart{{bytesOf(pr.plastic.pr.Runtime.Syn.W), pr.w}, {bytesOf(pre), pr.plastic.P}, {bytesOf(post), pr.plastic.Q}}
	if pr.plastic.rule.Eligibility {
		c, last, _, _, _ := l.EligibilityTraces()
		parts = append(parts, learntPart{bytesOf(c), pr.plastic.c}, learntPart{bytesOf(last), pr.plastic.last})
	}
	return parts
}

// keepLearners moves the target of each projection that learns on a
// device (place: each population's device, or OnCPU) to its source's
// device, as a device learns between populations it holds; to the CPU
// where the source is there, where two sources pull a target apart, or
// where the source's device has no room for it (needs: what each
// population costs, room: what each device has left, < 0 without bound;
// both nil: no bound).
func keepLearners(net *network.Network, place []int, needs []Need, room []int64) {
	moved := make([]bool, len(place))
	// leave frees what population i holds on its device.
	leave := func(i int) {
		if k := place[i]; room != nil && k >= 0 && room[k] >= 0 {
			room[k] += needs[i].Bytes
		}
	}
	for changed := true; changed; {
		changed = false
		for _, pr := range net.Projections {
			if !pr.Plastic || refusal(net, pr) != nil {
				continue
			}
			tg := pr.Target
			s, t := place[net.Axons[pr.Axon].Source], place[tg]
			switch {
			case t == OnCPU || s == t:
				continue
			case s == OnCPU || moved[tg] || (room != nil && room[s] >= 0 && room[s] < needs[tg].Bytes):
				leave(tg)
				place[tg] = OnCPU
			default:
				leave(tg)
				if room != nil && room[s] >= 0 {
					room[s] -= needs[tg].Bytes
				}
				place[tg], moved[tg] = s, true
			}
			changed = true
		}
	}
}

// learnerEnds reports, per population, whether it is the source or the
// target of a projection that learns on a device (its target not refused
// for another reason: refused, Refusals'): a device learns between whole
// populations, so these are not cut into shards.
func learnerEnds(net *network.Network, refused []error) []bool {
	ends := make([]bool, len(net.Populations))
	for _, pr := range net.Projections {
		if pr.Plastic && refused[pr.Target] == nil && refusal(net, pr) == nil {
			ends[net.Axons[pr.Axon].Source], ends[pr.Target] = true, true
		}
	}
	return ends
}

// checkpointLearnt writes into snap, taken with the weights and tags read
// back (GatherWeights), the events of the projections that learn on
// devices that are on their way at step t, as the CPU's deferred
// delivery queues them: in the queue of their receptor's inbox, by steps
// ahead, then projection, then source.
func (d *Net) checkpointLearnt(snap *checkpoint.Snapshot, t int64) error {
	queues := map[string][]projection.Queued{}
	var order []string
	far := d.net.FarAxons() // a far axon's projections queue in the receptor's far input
	// Each projection's link, in the order the engines send on them: its
	// axon, then its place among the axon's targets.
	link := map[string]int{}
	n := 0
	for _, ax := range d.net.Axons {
		for _, t := range ax.Targets {
			link[t.Name] = n
			n++
		}
	}
	for _, pr := range d.projs {
		pl := pr.plastic
		if pl == nil {
			continue
		}
		src := pr.src
		hist := make([]uint32, src.words*pl.arrive)
		if err := download(d.devs[src.dev], hist, pl.hist); err != nil {
			return fmt.Errorf("device: projection %q: %w", pl.pr.Name, err)
		}
		path := "inbox " + d.net.Populations[pl.pr.Target].Name + "." + pl.pr.Receptor
		if far[pl.pr.Axon] {
			path += ".far"
		}
		path += ".queue"
		if _, ok := queues[path]; !ok {
			order = append(order, path)
		}
		for e := max(0, t-pl.arrive); e < t; e++ {
			row := hist[(e%pl.arrive)*src.words : (e%pl.arrive+1)*src.words]
			for w, m := range row {
				for ; m != 0; m &= m - 1 {
					i := uint32(w*32 + bits.TrailingZeros32(m))
					// Not yet arrived at the projection: on its way.
					if at := e + 1 + pl.shift + int64(pl.rowDelay[i]); at >= t {
						queues[path] = append(queues[path], projection.Queued{Offset: int32(at - t), Proj: pl.pr.Name, Src: i, Value: pl.values[i]})
					}
				}
			}
		}
	}
	for _, path := range order {
		q := queues[path]
		// As the CPU queues them: by steps ahead, then in the order they
		// were sent — the step they were sent at (earlier first: a row of
		// a longer delay), the link (the axon, then the projection's place
		// among its targets), the source (as listed).
		sentAt := func(e projection.Queued) int64 {
			for _, pr := range d.projs {
				if pl := pr.plastic; pl != nil && pl.pr.Name == e.Proj {
					return int64(e.Offset) - int64(pl.rowDelay[e.Src]) - pl.shift
				}
			}
			return 0
		}
		slices.SortStableFunc(q, func(a, b projection.Queued) int {
			return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(sentAt(a), sentAt(b)), cmp.Compare(link[a.Proj], link[b.Proj]))
		})
		if err := setVar(snap, path, q); err != nil {
			return err
		}
	}
	return nil
}

// restoreLearnt sets the weights, tags and events on their way of the
// projections that learn on devices from snap, taken at step t, and
// marks what it read as held.
func (d *Net) restoreLearnt(snap *checkpoint.Snapshot, held map[string]bool, t int64) error {
	if !slices.ContainsFunc(d.projs, func(p *devProj) bool { return p.plastic != nil }) {
		return nil
	}
	// The snapshot holds a projection's weights in its own order (by
	// column): the network, restored, holds them as the device does (the
	// host's part has restored it already).
	if d.cpu == nil {
		if err := checkpoint.Restore(snap, d.net); err != nil {
			return err
		}
	}
	for _, pr := range d.projs {
		pl := pr.plastic
		if pl == nil {
			continue
		}
		for _, x := range pr.learnt() {
			if err := x.upload(d.devs[pr.dst.dev]); err != nil {
				return fmt.Errorf("device: projection %q: %w", pl.pr.Name, err)
			}
		}
		// The network, restored, holds the projection's state (its
		// modulator's concentrations on their way included): the device
		// takes its weights and tags from it.
		for path := range snap.Vars {
			if strings.HasPrefix(path, "projection "+pl.pr.Name+".") {
				held[path] = true
			}
		}
		clear(pl.sent)
		pl.histHost = make([]uint32, pr.src.words*pl.arrive)
	}
	return nil
}

// restoreQueued adds to acc, the ring of receptor r of unit u (slots of
// u.n sums) at step t, the events on their way that the CPU's deferred
// delivery queued in inbox (snap's "<inbox>.queue"): those of a
// projection that learns on a device go into its history of spikes, to
// be delivered when they arrive; the others into the ring, delivered
// now, in fixed point, as deliver_row delivers them.
func (d *Net) restoreQueued(snap *checkpoint.Snapshot, held map[string]bool, inbox string, u *devPop, r *devRec, acc []uint64, t int64) error {
	path := inbox + ".queue"
	q, ok := snap.Vars[path].([]projection.Queued)
	if !ok {
		return nil
	}
	held[path] = true
	for _, e := range q {
		var pr *devProj
		for _, p := range d.projs {
			if p.dst == u && p.rec == r && p.name == e.Proj {
				pr = p
			}
		}
		if pr == nil {
			if d.queuedElsewhere(e.Proj, u) {
				continue // another shard's part of the projection takes it
			}
			return fmt.Errorf("device: %s: an event waiting for projection %q, which does not deliver there", path, e.Proj)
		}
		if int(e.Src) >= pr.syn.Rows || e.Offset < 0 {
			return fmt.Errorf("device: %s: an event of row %d, %d steps ahead, for projection %q of %d rows", path, e.Src, e.Offset, e.Proj, pr.syn.Rows)
		}
		if pl := pr.plastic; pl != nil {
			// Sent at the step its row's delays give: its bit in the
			// history, counted when it arrives.
			at := t + int64(e.Offset)
			sent := at - 1 - pl.shift - int64(pl.rowDelay[e.Src])
			if sent < 0 || sent >= t {
				return fmt.Errorf("device: %s: an event of projection %q %d steps ahead, sent at step %d (its row's delays take %d steps; the checkpoint is of step %d)",
					path, e.Proj, e.Offset, sent, at-sent, t)
			}
			pl.histHost[(sent%pl.arrive)*pr.src.words+int64(e.Src>>5)] |= 1 << (e.Src & 31)
			pl.count(pr, e.Src, at)
			continue
		}
		if int64(e.Offset) >= r.slots {
			return fmt.Errorf("device: %s: an event %d steps ahead, beyond the device's %d", path, e.Offset, r.slots)
		}
		// As deliver_row: the row's value times the gain, times each
		// weight, into the slot of the row's arrival plus the synapse's
		// own delay, if it has one.
		at := t + int64(e.Offset)
		sc := float32(e.Value * pr.gain)
		syn := pr.syn
		w0, uniform := syn.Uniform()
		for k := syn.Ptr[e.Src]; k < syn.Ptr[e.Src+1]; k++ {
			w := w0
			if !uniform {
				w = syn.W[k]
			}
			s := at
			switch {
			case syn.D8 != nil:
				s += int64(syn.D8[k])
			case syn.D != nil:
				s += int64(syn.D[k])
			}
			if s-t >= r.slots {
				return fmt.Errorf("device: %s: an event arriving %d steps ahead, beyond the device's %d", path, s-t, r.slots)
			}
			acc[(s%r.slots)*u.n+int64(syn.Idx[k])] += uint64(dendrite.ToFixed(float32(sc * w)))
			r.sent[s%r.slots]++
		}
	}
	return nil
}

// finishLearnt uploads the histories of spikes that restoreQueued set.
func (d *Net) finishLearnt() error {
	for _, pr := range d.projs {
		if pl := pr.plastic; pl != nil && pl.histHost != nil {
			if err := d.devs[pr.src.dev].Upload(pl.hist, bytesOf(pl.histHost)); err != nil {
				return fmt.Errorf("device: projection %q: %w", pl.pr.Name, err)
			}
			pl.histHost = nil
		}
	}
	return nil
}

// queuedElsewhere reports whether projection name delivers into another
// unit than u (a shard of the same population).
func (d *Net) queuedElsewhere(name string, u *devPop) bool {
	return slices.ContainsFunc(d.projs, func(p *devProj) bool { return p.name == name && p.dst != u })
}

// count counts the event of row r of a projection that learns on a
// device, arriving at step at: its row's synapses, on their way until
// then.
func (pl *devPlastic) count(pr *devProj, r uint32, at int64) {
	pl.sent[at%int64(len(pl.sent))] += pr.rowLen[r]
}

// arrived counts the events of the projections that learn on devices
// that arrive at step t.
func (d *Net) arrived(t int64) {
	for _, pr := range d.projs {
		if pl := pr.plastic; pl != nil {
			k := t % int64(len(pl.sent))
			d.events += pl.sent[k]
			pl.sent[k] = 0
		}
	}
}
