package projection_test

import (
	"math/rand/v2"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/projection"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// BenchmarkSend sends events of random rows of a Brunel-sized projection
// (12,500 × 12,500, p = 0.1) into its receptor, 15 steps ahead, and lets
// them arrive, 100 events per step; one op is one event (one row).
func BenchmarkSend(b *testing.B) {
	c, err := connectivity.Bernoulli{P: 0.1}.Build(connectivity.Shape{Rows: 12500, Cols: 12500}, rng.NewKey(1))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.InitWeights(param.Uniform(0, 0.2), synapse.Unbounded(), rng.NewKey(2)); err != nil {
		b.Fatal(err)
	}
	rec, err := dendrite.Spec{Kernel: dendrite.Delta}.New(c.Cols, 0.1, 15)
	if err != nil {
		b.Fatal(err)
	}
	in := projection.NewInbox(rec)
	p, err := projection.New("EE", c, 1, in, 15)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]uint32, 1<<16)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		rows[i] = uint32(rnd.IntN(c.Rows))
	}
	var step int64
	i := 0
	for b.Loop() {
		p.Send(step, rows[i&(len(rows)-1)], 14, 1)
		i++
		if i%100 == 0 {
			in.Arrive(step)
			step++
		}
	}
}

// BenchmarkSendDelays is BenchmarkSend with a synaptic delay per synapse
// (uniform in [0, 2) ms at dt 0.1 ms: 0–19 steps): each synapse's input
// goes to the ring slot of its own arrival step.
func BenchmarkSendDelays(b *testing.B) {
	c, err := connectivity.Bernoulli{P: 0.1}.Build(connectivity.Shape{Rows: 12500, Cols: 12500}, rng.NewKey(1))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.InitWeights(param.Uniform(0, 0.2), synapse.Unbounded(), rng.NewKey(2)); err != nil {
		b.Fatal(err)
	}
	if err := c.InitDelays(param.Uniform(0, 2), 0.1, param.Steps, rng.NewKey(5)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(c.BytesPerSynapse(), "B/synapse")
	rec, err := dendrite.Spec{Kernel: dendrite.Delta}.New(c.Cols, 0.1, 15)
	if err != nil {
		b.Fatal(err)
	}
	in := projection.NewInbox(rec)
	p, err := projection.New("EE", c, 1, in, 15)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]uint32, 1<<16)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		rows[i] = uint32(rnd.IntN(c.Rows))
	}
	var step int64
	i := 0
	for b.Loop() {
		p.Send(step, rows[i&(len(rows)-1)], 14, 1)
		i++
		if i%100 == 0 {
			in.Arrive(step)
			step++
		}
	}
}
