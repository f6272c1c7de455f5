package device

import (
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/models"
)

// names gives populations names for placeNeeds' errors.
func names(i int) string { return []string{"A", "B", "C", "D"}[i] }

func TestPlaceByMemoryThenWork(t *testing.T) {
	devs := []Backend{&counter{}, &counter{}}
	// Largest first: A (100 bytes), B (50), C (30), D (20), equal work.
	needs := []Need{{100, 10}, {50, 10}, {30, 10}, {20, 10}}
	for _, c := range []struct {
		name string
		room []int64
		want []int
	}{
		// No bound: the least work first, the first device on a tie.
		{"no bound", []int64{-1, -1}, []int{0, 1, 0, 1}},
		// B takes device 1 (less work), leaving it 10 bytes: C and D
		// fit only on device 0, though it has more work.
		{"memory first", []int64{150, 60}, []int{0, 1, 0, 0}},
		// One device with a bound, one without.
		{"one bound", []int64{100, -1}, []int{0, 1, 1, 1}},
	} {
		got, err := placeNeeds(needs, append([]int64(nil), c.room...), make([]int64, 2), names, devs)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: placed %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	// A fits on neither.
	_, err := placeNeeds([]Need{{100 << 20, 1}}, []int64{50 << 20, 60 << 20}, make([]int64, 2), names, devs)
	if err == nil || !strings.Contains(err.Error(), `population "A" needs 100 MiB`) || !strings.Contains(err.Error(), "60 MiB") {
		t.Errorf("a population too large for every device: %v", err)
	}
}

// Needs counts at least what the network allocates on one device (and
// the ghosts it would need at most besides), and the work of neurons and
// synapses in.
func TestNeedsBoundTheAllocation(t *testing.T) {
	net, err := models.CUBA(models.Options{Scale: 0.1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	needs, err := Needs(net)
	if err != nil {
		t.Fatal(err)
	}
	one := &counter{}
	d, err := NewOn([]Backend{one}, net, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.rings(); err != nil {
		t.Fatal(err)
	}
	var sum, work, synapses int64
	for _, nd := range needs {
		sum += nd.Bytes
		work += nd.Work
	}
	for _, pr := range net.Projections {
		synapses += int64(len(pr.Runtime.Syn.Idx))
	}
	// The ghosts (every source as if on another device) add their logs
	// of spike masks: a quarter here, less in larger networks.
	if sum < one.bytes || float64(sum) > 1.5*float64(one.bytes) {
		t.Errorf("Needs counts %d bytes, the network on one device %d", sum, one.bytes)
	}
	// Every synapse costs at least its index (4 bytes).
	if one.bytes < 4*synapses {
		t.Errorf("%d bytes on the device for %d synapses", one.bytes, synapses)
	}
	if n := int64(net.Populations[0].Len() + net.Populations[1].Len()); work != n+synapses {
		t.Errorf("work %d, want %d neurons + %d synapses", work, n, synapses)
	}
}

// PlaceShards cuts a population whose work is more than the devices'
// even share into one shard per device, at multiples of 32 neurons, and
// places the rest whole; with one device it cuts nothing.
func TestPlaceShards(t *testing.T) {
	// Brunel: E is 80 % of the neurons and of the synapses in.
	net, err := models.Brunel(models.Options{Scale: 0.1, Seed: 1}, models.BrunelParams{})
	if err != nil {
		t.Fatal(err)
	}
	nE, nI := net.Populations[0].Len(), net.Populations[1].Len()
	three := []Backend{&counter{}, &counter{}, &counter{}}
	got, err := PlaceShards(three, net)
	if err != nil {
		t.Fatal(err)
	}
	size := nE / 3 / 32 * 32
	want := []Shard{{0, 0, size, 0}, {0, size, 2 * size, 1}, {0, 2 * size, nE, 2}, {1, 0, nI, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("Brunel on 3 devices: %v, want %v", got, want)
	}
	one, err := PlaceShards(three[:1], net)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Shard{{0, 0, nE, 0}, {1, 0, nI, 0}}; !slices.Equal(one, want) {
		t.Errorf("Brunel on 1 device: %v, want %v", one, want)
	}
	// CUBA on 2 devices: E (80 %) cut, I whole.
	cuba, err := models.CUBA(models.Options{Scale: 0.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	two, err := PlaceShards(three[:2], cuba)
	if err != nil {
		t.Fatal(err)
	}
	if len(two) != 3 || two[0].Hi%32 != 0 || two[0].Device == two[1].Device || two[2].Population != 1 {
		t.Errorf("CUBA on 2 devices: %v", two)
	}
}

// A projection that learns on a device keeps its ends together: its
// target goes to its source's device where that has room for it (the
// room moves with it), else to the CPU, as it does where the source is on
// the CPU. STDP: "in" (0) → "out" (1).
func TestKeepLearners(t *testing.T) {
	net, err := models.STDP(models.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	needs := []Need{{Bytes: 10}, {Bytes: 30}}
	for _, c := range []struct {
		name      string
		place     []int
		room      []int64
		want      []int
		wantRoom  []int64
		unbounded bool
	}{
		{"together already", []int{1, 1}, []int64{5, 5}, []int{1, 1}, []int64{5, 5}, false},
		{"moved to the source's device", []int{0, 1}, []int64{40, 0}, []int{0, 0}, []int64{10, 30}, false},
		{"no room there: the CPU", []int{0, 1}, []int64{29, 0}, []int{0, OnCPU}, []int64{29, 30}, false},
		{"a device without bound", []int{0, 1}, []int64{-1, 0}, []int{0, 0}, []int64{-1, 30}, false},
		{"the source on the CPU", []int{OnCPU, 0}, []int64{0, 0}, []int{OnCPU, OnCPU}, []int64{30, 0}, false},
		{"no bounds given", []int{0, 1}, nil, []int{0, 0}, nil, true},
	} {
		place := slices.Clone(c.place)
		room := slices.Clone(c.room)
		var n []Need
		if !c.unbounded {
			n = needs
		}
		keepLearners(net, place, n, room)
		if !slices.Equal(place, c.want) || !slices.Equal(room, c.wantRoom) {
			t.Errorf("%s: placed %v with room %v left, want %v and %v", c.name, place, room, c.want, c.wantRoom)
		}
	}
	// Neither end of the learning projection is cut into shards; a target
	// a device refuses for another reason holds none back.
	if ends := learnerEnds(net, make([]error, 2)); !slices.Equal(ends, []bool{true, true}) {
		t.Errorf("ends %v, want both", ends)
	}
	if ends := learnerEnds(net, []error{nil, errNoData}); slices.ContainsFunc(ends, func(b bool) bool { return b }) {
		t.Errorf("ends %v with the target refused, want none", ends)
	}
}
