package stimulus

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// PoissonDrive is background input made of independent Poisson spike
// trains: every element receives, at each step, Poisson(RateHz·dt) events
// of weight Weight. Added into a receptor (network PopulationDef.Drive), it
// is what NEST's poisson_generator or Brian2's PoissonInput provide,
// without simulating the source neurons. Counts come from a stream keyed
// by (seed, population, step, element), so a split population draws the
// same numbers.
type PoissonDrive struct {
	RateHz float64 // rate of events per element (Hz)
	Weight float64 // value added per event

	lambda float64 // expected events per step
	table  *rng.PoissonTable
	w      float32
	key    rng.Key
	n      int
	env    soma.Env
	bound  bool
}

// Bind prepares the drive for a population; the network builder calls it.
func (d *PoissonDrive) Bind(env soma.Env) error {
	if d.bound && (d.n != env.N || d.env != env) {
		return fmt.Errorf("poisson drive: already bound to a population of %d neurons; use one drive per population", d.n)
	}
	if !(d.RateHz >= 0) || math.IsInf(d.RateHz, 0) {
		return fmt.Errorf("poisson drive: rate_hz = %g: must be >= 0 and finite", d.RateHz)
	}
	if math.IsNaN(d.Weight) || math.IsInf(d.Weight, 0) {
		return fmt.Errorf("poisson drive: weight = %g: must be finite", d.Weight)
	}
	d.lambda = d.RateHz * env.Dt / 1000
	d.table = nil
	if d.lambda > 0 && d.lambda <= 700 {
		d.table = rng.NewPoissonTable(d.lambda)
	}
	d.w = float32(d.Weight)
	d.key = env.Key.Sub(uint64(rng.PurposePoisson), 0xd1)
	d.n = env.N
	d.env = env
	d.bound = true
	return nil
}

// Lambda returns the expected number of events per element and step.
func (d *PoissonDrive) Lambda() float64 { return d.lambda }

// Add adds Weight × count into buf (one entry per element).
//
// The count of neuron i of copy b at step n is drawn from word i mod 4 of
// the Philox block (n, b<<32 | i/4): a pure function of (seed, population,
// step, copy, neuron), computed eight neurons at a time.
func (d *PoissonDrive) Add(step int64, buf []float32) {
	if d.lambda == 0 || !d.bound {
		return
	}
	n := d.n
	for b := 0; b*n < len(buf); b++ {
		out := buf[b*n : (b+1)*n]
		if d.table == nil {
			for i := range out {
				id := uint64(b)<<32 | uint64(i)
				out[i] += d.w * float32(d.key.Poisson(uint64(step), id, d.lambda))
			}
			continue
		}
		for i0 := 0; i0 < n; i0 += 8 {
			x, y := d.key.At2(uint64(step), uint64(b)<<32|uint64(i0/4))
			if i0+8 <= n {
				o := out[i0 : i0+8 : i0+8]
				t, w := d.table, d.w
				o[0] += w * float32(t.Sample(x[0]))
				o[1] += w * float32(t.Sample(x[1]))
				o[2] += w * float32(t.Sample(x[2]))
				o[3] += w * float32(t.Sample(x[3]))
				o[4] += w * float32(t.Sample(y[0]))
				o[5] += w * float32(t.Sample(y[1]))
				o[6] += w * float32(t.Sample(y[2]))
				o[7] += w * float32(t.Sample(y[3]))
				continue
			}
			words := [8]uint32{x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]}
			for j := range out[i0:] {
				out[i0+j] += d.w * float32(d.table.Sample(words[j]))
			}
		}
	}
}
