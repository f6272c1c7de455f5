package synapse_test

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// brunelCSR is a Brunel-sized projection: 12,500 rows, 1,250 synapses per
// row on average, random columns.
func brunelCSR(b *testing.B) *synapse.CSR {
	b.Helper()
	c, err := connectivity.Bernoulli{P: 0.1}.Build(connectivity.Shape{Rows: 12500, Cols: 12500}, rng.NewKey(1))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.InitWeights(param.Uniform(0, 0.2), synapse.Unbounded(), rng.NewKey(2)); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkDeliver delivers random rows into a 12,500-neuron input
// buffer; one op is one presynaptic event (one row).
func BenchmarkDeliver(b *testing.B) {
	c := brunelCSR(b)
	b.Logf("%d synapses, %.2f bytes/synapse", c.Len(), c.BytesPerSynapse())
	rows := make([]int, 1<<16)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		rows[i] = rnd.IntN(c.Rows)
	}
	into := make([]float32, c.Cols)
	for _, bc := range []struct {
		name  string
		scale float32
	}{{"scale=1", 1}, {"scale=0.5", 0.5}} {
		b.Run(bc.name, func(b *testing.B) {
			events := 0
			i := 0
			for b.Loop() {
				r := rows[i&(len(rows)-1)]
				c.Deliver(r, bc.scale, into)
				events += int(c.Ptr[r+1] - c.Ptr[r])
				i++
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkNormalize normalises the Brunel-sized projection; one op is one
// pass over all its synapses (as after a plasticity update).
func BenchmarkNormalize(b *testing.B) {
	c := brunelCSR(b)
	for _, axis := range []synapse.Axis{synapse.FanIn, synapse.FanOut, synapse.Total} {
		b.Run(axis.String(), func(b *testing.B) {
			nz := synapse.Normalizer{Axis: axis, Target: 0.1 * float64(c.Len()), Bounds: synapse.Bounds{Min: 0, Max: 0.3}}
			if axis == synapse.FanIn {
				nz.Target = 0.1 * 1250
			} else if axis == synapse.FanOut {
				nz.Target = 0.1 * 1000 // rows hold about 1250 synapses, at least 1000
			}
			for b.Loop() {
				if err := nz.Apply(c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
		})
	}
}

// BenchmarkInitWeights draws normal weights, clipped at 0, for a
// microcircuit-sized projection (10,000 rows, 10 M synapses); one op is
// the projection.
func BenchmarkInitWeights(b *testing.B) {
	c, err := connectivity.FixedTotal{N: 10_000_000, Multapses: true}.Build(connectivity.Shape{Rows: 10000, Cols: 20000}, rng.NewKey(1))
	if err != nil {
		b.Fatal(err)
	}
	v := param.Normal(87.8, 8.78)
	bounds := synapse.Bounds{Min: 0, Max: float32(math.Inf(1))}
	b.ReportAllocs()
	cpu0 := cpuNanos()
	for b.Loop() {
		if err := c.InitWeights(v, bounds, rng.NewKey(2)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
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

// BenchmarkInitDelays draws the microcircuit's delays per synapse —
// normal, redrawn below 0.05 ms, rounded to the nearest step — for a
// microcircuit-sized projection (10,000 rows, 10 M synapses); one op is
// the projection.
func BenchmarkInitDelays(b *testing.B) {
	c, err := connectivity.FixedTotal{N: 10_000_000, Multapses: true}.Build(connectivity.Shape{Rows: 10000, Cols: 20000}, rng.NewKey(1))
	if err != nil {
		b.Fatal(err)
	}
	v := param.Normal(1.5, 0.75).Within(0.05, math.Inf(1))
	b.ReportAllocs()
	cpu0 := cpuNanos()
	for b.Loop() {
		if err := c.InitDelays(v, 0.1, param.RoundSteps, rng.NewKey(2)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
	b.ReportMetric(float64(cpuNanos()-cpu0)/float64(b.N), "cpu-ns/op")
}
