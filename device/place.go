package device

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/network"
)

// MemoryReporter is a Backend that says how much memory it has free.
type MemoryReporter interface {
	// FreeMemory returns the bytes free on the device; 0 means unknown.
	FreeMemory() (int64, error)
}

// Headroom is the share of a device's free memory that Place fills at
// most: the rest is left to the driver and to what the device's kernels
// need besides Net's buffers.
const Headroom = 0.9

// Need is what a population costs its device: the bytes of its state,
// its rings, the projections into it and the ghosts of their sources
// (as if each source were on another device: an upper bound), and its
// work per step, as neurons plus synapses in.
type Need struct {
	Bytes int64
	Work  int64
}

// Needs returns what each population of net costs the device it is put
// on: the buffers Net would allocate for it, counted by building the
// network on devices that only count (the host's part of New is done
// once more; nothing is copied). A population that a device refuses
// (Refusals) costs none.
func Needs(net *network.Network) ([]Need, error) {
	refused := Refusals(net)
	n := len(net.Populations)
	devs := make([]Backend, n)
	counters := make([]*counter, n)
	place := make([]int, n)
	for i := range devs {
		counters[i] = &counter{}
		devs[i], place[i] = counters[i], i
		if refused[i] != nil {
			place[i] = OnCPU
		}
	}
	d, err := build(devs, net, wholes(net, place), nil, false)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	// The logs as long as they are on one device (a block's length is
	// bounded by the spikes crossing devices only where some do).
	d.segment = 0
	if err := d.rings(); err != nil {
		return nil, err
	}
	needs := make([]Need, n)
	for i, p := range net.Populations {
		needs[i] = Need{Bytes: counters[i].bytes, Work: int64(p.Len())}
	}
	for _, pr := range net.Projections {
		needs[pr.Target].Work += int64(len(pr.Runtime.Syn.Idx))
	}
	for i, err := range refused {
		if err != nil {
			needs[i] = Need{}
		}
	}
	return needs, nil
}

// Refusals says, per population of net, why a device cannot step it
// (nil where it can): the population itself (its model, receptors,
// stimuli), or a projection into it (plastic, masked, from an axon with
// a response function, from a graded source). Place puts those on the
// CPU.
func Refusals(net *network.Network) []error {
	errs := make([]error, len(net.Populations))
	for i, p := range net.Populations {
		d := &Net{devs: []Backend{&counter{}}, net: net}
		_, errs[i] = d.population(p.Name, p.Len(), p)
	}
	for _, pr := range net.Projections {
		if errs[pr.Target] != nil {
			continue
		}
		if err := refusal(net, pr); err != nil {
			errs[pr.Target] = fmt.Errorf("device: projection %q into it: %w", pr.Name, err)
		}
	}
	return errs
}

// Place puts each population of net on one of devs, whole, or OnCPU
// where a device cannot step it (Refusals). The others go by memory,
// then work: largest first (in bytes) to the device with the least work
// so far among those where they fit (Headroom of the free memory a
// MemoryReporter gives; a device that reports none has no bound), the
// first such device on a tie. It fails, naming the population and what
// the devices have free, where a population fits on none. With one
// device, every population it can step is on it.
func Place(devs []Backend, net *network.Network) ([]int, error) {
	refused := Refusals(net)
	var on []int // the populations on devices
	for i, err := range refused {
		if err == nil {
			on = append(on, i)
		}
	}
	if len(devs) == 1 {
		// Nothing to choose: no need to count the bytes (a build of the
		// network's host side), the allocation says if it does not fit.
		place := make([]int, len(net.Populations))
		for i, err := range refused {
			if err != nil {
				place[i] = OnCPU
			}
		}
		keepLearners(net, place, nil, nil)
		return place, nil
	}
	needs, err := Needs(net)
	if err != nil {
		return nil, err
	}
	room, err := rooms(devs)
	if err != nil {
		return nil, err
	}
	place, err := placeSome(net, on, needs, room, make([]int64, len(devs)), devs)
	if err != nil {
		return nil, err
	}
	keepLearners(net, place, needs, room)
	return place, nil
}

// placeSome places the populations on (indices) by placeNeeds, given
// the devices' room and work so far; the others are OnCPU.
func placeSome(net *network.Network, on []int, needs []Need, room, work []int64, devs []Backend) ([]int, error) {
	sub := make([]Need, len(on))
	for k, i := range on {
		sub[k] = needs[i]
	}
	at, err := placeNeeds(sub, room, work, func(k int) string { return net.Populations[on[k]].Name }, devs)
	if err != nil {
		return nil, err
	}
	place := make([]int, len(net.Populations))
	for i := range place {
		place[i] = OnCPU
	}
	for k, i := range on {
		place[i] = at[k]
	}
	return place, nil
}

// wholes is each population whole on the device place gives it.
func wholes(net *network.Network, place []int) [][]Shard {
	byPop := make([][]Shard, len(place))
	for i, k := range place {
		byPop[i] = []Shard{{Population: i, Lo: 0, Hi: net.Populations[i].Len(), Device: k}}
	}
	return byPop
}

// rooms returns the bytes each device has room for (Headroom of its free
// memory; < 0: no bound).
func rooms(devs []Backend) ([]int64, error) {
	room := make([]int64, len(devs))
	for k, b := range devs {
		room[k] = -1
		if m, ok := b.(MemoryReporter); ok {
			free, err := m.FreeMemory()
			if err != nil {
				return nil, fmt.Errorf("device: %s: its free memory: %w", b.Name(), err)
			}
			if free > 0 {
				room[k] = int64(float64(free) * Headroom)
			}
		}
	}
	return room, nil
}

// PlaceShards is Place with populations cut into shards where that
// helps: with several devices, a population a device can step whose work
// is more than the devices' even share (all the work over the number of
// devices), or that fits whole on none, is cut into one shard per
// device (ranges of equal size, a multiple of 32 neurons: the last takes
// the rest), shard k on device k, if it can be cut
// (layout.Splittable) and has 32 neurons per device; the others go whole,
// as Place puts them, after the shards.
func PlaceShards(devs []Backend, net *network.Network) ([]Shard, error) {
	nd := len(devs)
	if nd <= 1 {
		place, err := Place(devs, net)
		if err != nil {
			return nil, err
		}
		return wholeList(net, place), nil
	}
	needs, nerr := Needs(net)
	if nerr != nil {
		return nil, nerr
	}
	refused := Refusals(net)
	room, rerr := rooms(devs)
	if rerr != nil {
		return nil, rerr
	}
	var all int64
	for i, need := range needs {
		if refused[i] == nil {
			all += need.Work
		}
	}
	fitsWhole := func(b int64) bool {
		for _, r := range room {
			if r < 0 || r >= b {
				return true
			}
		}
		return false
	}
	cut := make([]bool, len(net.Populations))
	work := make([]int64, nd)
	ends := learnerEnds(net, refused)
	for i, p := range net.Populations {
		n := p.Len()
		if refused[i] != nil || ends[i] || n < 32*nd || shard.Splittable(net, i) != nil {
			continue
		}
		if needs[i].Work*int64(nd) <= all && fitsWhole(needs[i].Bytes) {
			continue
		}
		cut[i] = true
		for k := range nd {
			work[k] += needs[i].Work / int64(nd)
			if room[k] >= 0 {
				if room[k] -= needs[i].Bytes / int64(nd); room[k] < 0 {
					return nil, fmt.Errorf("device: population %q needs %d MiB, more than the devices have left even in %d shards", p.Name, needs[i].Bytes>>20, nd)
				}
			}
		}
	}
	var on []int // the populations whole on devices
	for i := range net.Populations {
		if refused[i] == nil && !cut[i] {
			on = append(on, i)
		}
	}
	place, err := placeSome(net, on, needs, room, work, devs)
	if err != nil {
		return nil, err
	}
	keepLearners(net, place, needs, room)
	var shards []Shard
	for i, p := range net.Populations {
		if !cut[i] {
			shards = append(shards, Shard{Population: i, Lo: 0, Hi: p.Len(), Device: place[i]})
			continue
		}
		n := p.Len()
		size := n / nd / 32 * 32 // >= 32
		for k := range nd {
			lo, hi := k*size, min((k+1)*size, n)
			if k == nd-1 {
				hi = n
			}
			shards = append(shards, Shard{Population: i, Lo: lo, Hi: hi, Device: k})
		}
	}
	return shards, nil
}

// wholeList is each population whole on the device place gives it.
func wholeList(net *network.Network, place []int) []Shard {
	shards := make([]Shard, len(place))
	for i, k := range place {
		shards[i] = Shard{Population: i, Lo: 0, Hi: net.Populations[i].Len(), Device: k}
	}
	return shards
}

// placeNeeds is Place's rule, on needs, the bytes each device has room
// for (< 0: no bound) and the work it has already.
func placeNeeds(needs []Need, room, work []int64, name func(int) string, devs []Backend) ([]int, error) {
	order := make([]int, len(needs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case needs[a].Bytes > needs[b].Bytes:
			return -1
		case needs[a].Bytes < needs[b].Bytes:
			return 1
		}
		return 0
	})
	place := make([]int, len(needs))
	for _, i := range order {
		best := -1
		for k := range room {
			if room[k] >= 0 && room[k] < needs[i].Bytes {
				continue
			}
			if best < 0 || work[k] < work[best] {
				best = k
			}
		}
		if best < 0 {
			var free []string
			for k, r := range room {
				free = append(free, fmt.Sprintf("%s: %d MiB", devs[k].Name(), r>>20))
			}
			return nil, fmt.Errorf("device: population %q needs %d MiB on one device, more than any has left (%s); use more devices or a smaller network",
				name(i), needs[i].Bytes>>20, strings.Join(free, ", "))
		}
		place[i] = best
		work[best] += needs[i].Work
		if room[best] >= 0 {
			room[best] -= needs[i].Bytes
		}
	}
	return place, nil
}

// counter is a Backend that only counts the bytes allocated on it
// (Needs).
type counter struct{ bytes int64 }

// counted is a counter's buffer.
type counted int64

// Bytes implements Buffer.
func (c counted) Bytes() int64 { return int64(c) }

// Name implements Backend.
func (*counter) Name() string { return "a device that counts bytes" }

// Alloc implements Backend.
func (c *counter) Alloc(bytes int64) (Buffer, error) {
	bytes = max(bytes, 1)
	c.bytes += bytes
	return counted(bytes), nil
}

// Free implements Backend.
func (*counter) Free(Buffer) error { return nil }

// Upload implements Backend.
func (*counter) Upload(Buffer, []byte) error { return nil }

// Download implements Backend.
func (*counter) Download([]byte, Buffer) error { return errNoData }

// Launch implements Backend.
func (*counter) Launch(string, int, int, ...any) error { return errNoData }

// Address implements Addresser: a counter has no memory, but its tables
// count.
func (*counter) Address(Buffer) (uint64, error) { return 0, nil }

// errNoData is a counter's answer to what needs data.
var errNoData = errors.New("device: a device that only counts bytes holds no data")
