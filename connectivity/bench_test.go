package connectivity_test

import (
	"syscall"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/rng"
)

// brunel are the four projections of Brunel's (2000) network at scale 1:
// NE = 10000 excitatory and NI = 2500 inhibitory neurons, every neuron
// receiving CE = 1000 excitatory and CI = 250 inhibitory synapses, no
// autapses: 15.625 M synapses.
var brunel = []struct {
	name string
	s    connectivity.Shape
	k    int
}{
	{"E→E", connectivity.Shape{Rows: 10000, Cols: 10000, Self: true}, 1000},
	{"E→I", connectivity.Shape{Rows: 10000, Cols: 2500}, 1000},
	{"I→E", connectivity.Shape{Rows: 2500, Cols: 10000}, 250},
	{"I→I", connectivity.Shape{Rows: 2500, Cols: 2500, Self: true}, 250},
}

// BenchmarkBrunel builds the whole Brunel network; one op is the network.
func BenchmarkBrunel(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		n = 0
		for p, pr := range brunel {
			c, err := connectivity.FixedInDegree{K: pr.k}.Build(pr.s, rng.NewKey(uint64(i), uint64(p)))
			if err != nil {
				b.Fatal(err)
			}
			n += c.Len()
		}
	}
	b.ReportMetric(float64(n), "synapses")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
}

func benchPattern(b *testing.B, p connectivity.Pattern, s connectivity.Shape) {
	b.ReportAllocs()
	n := 0
	cpu0 := cpuNanos()
	for i := 0; b.Loop(); i++ {
		c, err := p.Build(s, rng.NewKey(uint64(i)))
		if err != nil {
			b.Fatal(err)
		}
		n = c.Len()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
	b.ReportMetric(float64(cpuNanos()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuNanos returns the CPU time (user + system) of the process so far: on
// a shared machine it varies less than the wall time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var big = connectivity.Shape{Rows: 12500, Cols: 12500, Self: true}

func BenchmarkBernoulli(b *testing.B) { benchPattern(b, connectivity.Bernoulli{P: 0.1}, big) }
func BenchmarkFixedOutDegree(b *testing.B) {
	benchPattern(b, connectivity.FixedOutDegree{K: 1250}, big)
}
func BenchmarkFixedTotal(b *testing.B) { benchPattern(b, connectivity.FixedTotal{N: 15_625_000}, big) }
func BenchmarkAnd(b *testing.B) {
	benchPattern(b, connectivity.And(connectivity.Bernoulli{P: 0.2}, connectivity.FixedInDegree{K: 6250}), big)
}

// BenchmarkFixedTotalMultapses draws a projection the size of the
// microcircuit's (Potjans & Diesmann 2014) middle ones: 10,000 rows of
// 20,000 columns, 10 M pairs with replacement (rows of about 1,000).
func BenchmarkFixedTotalMultapses(b *testing.B) {
	benchPattern(b, connectivity.FixedTotal{N: 10_000_000, Multapses: true}, connectivity.Shape{Rows: 10000, Cols: 20000})
}

// BenchmarkBuildPart builds the part of a 15.6 M-synapse projection that
// ends on one half of its columns (one of two processes), against the
// whole: fixed in-degree draws only the part's columns (and every column,
// counted, when an origin is asked for); the other patterns draw the
// whole and keep the part. CPU per op (cpu-ns/op) is the cost.
func BenchmarkBuildPart(b *testing.B) {
	half := [][2]int{{0, big.Cols / 2}}
	for _, tc := range []struct {
		name string
		p    connectivity.Pattern
	}{
		{"fixed-in-degree", connectivity.FixedInDegree{K: 1250}},
		{"fixed-out-degree", connectivity.FixedOutDegree{K: 1250}},
		{"bernoulli", connectivity.Bernoulli{P: 0.1}},
		{"fixed-total", connectivity.FixedTotal{N: 15_625_000}},
	} {
		for _, part := range []struct {
			name   string
			cols   [][2]int
			origin bool
		}{{"whole", nil, false}, {"half", half, false}, {"half+origin", half, true}} {
			if part.cols == nil && tc.name != "fixed-in-degree" && part.origin {
				continue
			}
			b.Run(tc.name+"/"+part.name, func(b *testing.B) {
				n := 0
				cpu0 := cpuNanos()
				for i := 0; b.Loop(); i++ {
					key := rng.NewKey(uint64(i))
					if part.cols == nil {
						c, err := tc.p.Build(big, key)
						if err != nil {
							b.Fatal(err)
						}
						n = c.Len()
						continue
					}
					c, _, err := connectivity.BuildPart(tc.p, big, key, part.cols, part.origin)
					if err != nil {
						b.Fatal(err)
					}
					n = c.Len()
				}
				b.ReportMetric(float64(n), "synapses")
				b.ReportMetric(float64(cpuNanos()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
