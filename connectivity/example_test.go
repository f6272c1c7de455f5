package connectivity_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/rng"
)

// A Brunel-style excitatory population projecting onto itself: every
// neuron receives exactly 100 synapses from other neurons of the
// population.
func ExampleFixedInDegree() {
	s := connectivity.Shape{Rows: 1000, Cols: 1000, Self: true}
	key := rng.NewKey(2024, 0, uint64(rng.PurposeConnectivity)) // seed, projection, purpose
	c, err := connectivity.FixedInDegree{K: 100}.Build(s, key)
	if err != nil {
		panic(err)
	}
	in := make([]int, c.Cols)
	for _, j := range c.Idx {
		in[j]++
	}
	fmt.Println(c.Len(), "synapses; column 7 receives", in[7])
	// Output: 100000 synapses; column 7 receives 100
}

// Everyone but oneself, the reference's InvertConnectivity(Autapse).
func ExampleInvert() {
	s := connectivity.Shape{Rows: 4, Cols: 4, Self: true}
	c, err := connectivity.Invert(connectivity.OneToOne{}).Build(s, rng.NewKey(1))
	if err != nil {
		panic(err)
	}
	for r := range c.Rows {
		row, _ := c.Row(r)
		fmt.Println(r, "->", row)
	}
	// Output:
	// 0 -> [1 2 3]
	// 1 -> [0 2 3]
	// 2 -> [0 1 3]
	// 3 -> [0 1 2]
}

// Pairs given explicitly, in any order, come out sorted by row and column.
func ExampleList() {
	s := connectivity.Shape{Rows: 3, Cols: 5}
	c, err := connectivity.List{I: []int{2, 0, 2, 0}, J: []int{4, 3, 1, 0}}.Build(s, rng.Key{})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Ptr, c.Idx)
	_, err = connectivity.List{I: []int{0, 9}, J: []int{0, 0}}.Build(s, rng.Key{})
	fmt.Println(err)
	// Output:
	// [0 2 2 4] [0 3 1 4]
	// connectivity: list: pair 1: row I[1] = 9 out of range [0, 3)
}

// Patterns combine: a sparse random projection that always includes the
// ring of nearest neighbours i -> i+1.
func ExampleOr() {
	n := 6
	is, js := make([]int, n), make([]int, n)
	for i := range n {
		is[i], js[i] = i, (i+1)%n
	}
	p := connectivity.Or(connectivity.List{I: is, J: js}, connectivity.Bernoulli{P: 0.1})
	c, err := p.Build(connectivity.Shape{Rows: n, Cols: n, Self: true}, rng.NewKey(3))
	if err != nil {
		panic(err)
	}
	ring := true
	for i := range n {
		row, _ := c.Row(i)
		has := false
		for _, j := range row {
			has = has || int(j) == (i+1)%n
		}
		ring = ring && has
	}
	fmt.Println(p.Kind(), "keeps the ring:", ring)
	// Output: or keeps the ring: true
}
