package encoder

import (
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/soma"
)

func TestSpikeArrayRounding(t *testing.T) {
	// dt = 0.1 ms: t/dt rounded to the nearest step, halves up.
	spec := SpikeArray{
		Neurons: []int{0, 1, 2, 0, 2, 1, 0},
		TimesMs: []float64{0.04, 0.05, 0.149, 0.25, 0.3, 1.0, 0.151},
	}
	m, err := spec.New(env(3, 2, 0.1, 1))
	if err != nil {
		t.Fatal(err)
	}
	fired := run(t, m, 12, nil)
	want := map[int][]uint32{
		0:  {0, 3},       // neuron 0 at 0.04 ms (0.4 -> 0), both copies
		1:  {1, 2, 4, 5}, // neuron 1 at 0.05 (0.5 -> 1), neuron 2 at 0.149 (1.49 -> 1)
		2:  {0, 3},       // neuron 0 at 0.151 (1.51 -> 2)
		3:  {0, 2, 3, 5}, // neuron 0 at 0.25 (2.5 -> 3), neuron 2 at 0.3 (2.9999999999999996 -> 3)
		10: {1, 4},       // neuron 1 at 1.0
	}
	for s, f := range fired {
		if !slices.Equal(f, want[s]) {
			t.Errorf("step %d: fired %v, want %v", s, f, want[s])
		}
	}
}

func TestSpikeArrayErrors(t *testing.T) {
	cases := []struct {
		name string
		spec SpikeArray
		want string
	}{
		{"neuron out of range", SpikeArray{Neurons: []int{0, 3}, TimesMs: []float64{1, 2}}, "neuron 3 out of range"},
		{"negative neuron", SpikeArray{Neurons: []int{-1}, TimesMs: []float64{1}}, "neuron -1 out of range"},
		{"negative time", SpikeArray{Neurons: []int{1}, TimesMs: []float64{-0.5}}, "time -0.5"},
		{"two spikes in a step", SpikeArray{Neurons: []int{2, 1, 2}, TimesMs: []float64{1.0, 1.0, 1.04}}, "neuron 2 has two spikes in step 10"},
		{"lengths", SpikeArray{Neurons: []int{1}, TimesMs: nil}, "1 neurons but 0 times"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.spec.New(env(3, 1, 0.1, 1))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestSpikeTrainsUnsorted(t *testing.T) {
	m, err := SpikeTrains([][]float64{{3, 1}, {}, {2, 0}}).New(env(3, 1, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	fired := run(t, m, 5, nil)
	want := [][]uint32{{2}, {0}, {2}, {0}, nil}
	for s := range want {
		if !slices.Equal(fired[s], want[s]) {
			t.Errorf("step %d: %v, want %v", s, fired[s], want[s])
		}
	}
	// Steps may be visited in any order (random access).
	if got := m.Step(3, soma.Input{}, nil); !slices.Equal(got, []uint32{0}) {
		t.Errorf("revisit step 3: %v", got)
	}
}
