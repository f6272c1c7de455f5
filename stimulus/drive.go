package stimulus

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/population"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// PoissonDrive is background input made of independent Poisson spike
// trains: every element receives, at each step, Poisson(RateHz·dt) events
// of weight Weight. Added into a receptor (network PopulationDef.Drive), it
// is what NEST's poisson_generator or Brian2's PoissonInput provide,
// without simulating the source neurons. Counts come from a stream keyed
// by (seed, population, step, element) — and, for a population's second
// and later drives, the drive's place among them (network's binding), so
// that its drives are independent — so a split population draws the same
// numbers.
type PoissonDrive struct {
	RateHz float64 `state:"-"` // rate of events per element (Hz)
	Weight float64 `state:"-"` // value added per event

	lambda float64           `state:"-"` // expected events per step
	table  *rng.PoissonTable `state:"-"`
	w      float32           `state:"-"`
	key    rng.Key           `state:"-"`
	n      int               `state:"-"` // elements per copy handled by this drive
	lo     int               `state:"-"` // first neuron (slices)
	env    soma.Env          `state:"-"`
	bound  bool              `state:"-"`
}

// Renew returns a new drive with the same rate and weight, not bound
// (population.Renewer).
func (d *PoissonDrive) Renew() any { return &PoissonDrive{RateHz: d.RateHz, Weight: d.Weight} }

// Bind prepares the drive for a population; the network builder calls it.
func (d *PoissonDrive) Bind(env soma.Env) error {
	if d.bound && (d.n != env.N || d.env != env) {
		return fmt.Errorf("poisson drive: this drive is already bound (to a population of %d neurons, or as another drive of this one): give every drive a PoissonDrive of its own", d.n)
	}
	if !(d.RateHz >= 0) || math.IsInf(d.RateHz, 0) {
		return fmt.Errorf("poisson drive: rate_hz = %g: must be >= 0 and finite", d.RateHz)
	}
	if math.IsNaN(d.Weight) || math.IsInf(d.Weight, 0) {
		return fmt.Errorf("poisson drive: weight = %g: must be finite", d.Weight)
	}
	d.lambda = d.RateHz * env.Dt / 1000
	if d.lambda > rng.MaxPoissonMean {
		return fmt.Errorf("poisson drive: rate_hz = %g at dt %g ms is a mean of %g events per step: must be at most %g (rate_hz <= %g at this dt)",
			d.RateHz, env.Dt, d.lambda, rng.MaxPoissonMean, rng.MaxPoissonMean*1000/env.Dt)
	}
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

// EventWeight returns the value each event adds (Weight).
func (d *PoissonDrive) EventWeight() float64 { return d.Weight }

// Lambda returns the expected number of events per element and step.
func (d *PoissonDrive) Lambda() float64 { return d.lambda }

// Draws returns how the drive draws, for a device that draws the same
// counts: its key, its first neuron, the weight per event and its table
// (Add: neuron g's count is table.Sample of word g mod 8 of the pair of
// blocks key.At2(step, 2·⌊g/8⌋), one copy). ok is false without a table
// (a mean above 700 events per step, or none) or before Bind.
func (d *PoissonDrive) Draws() (key rng.Key, first int, weight float32, table *rng.PoissonTable, ok bool) {
	if !d.bound || d.table == nil {
		return rng.Key{}, 0, 0, nil, false
	}
	return d.key, d.lo, d.w, d.table, true
}

// Add adds Weight × count into buf (one entry per element).
//
// The count of neuron i of copy b at step n is drawn from word i mod 4 of
// the Philox block (n, b<<32 | i/4): a pure function of (seed, population,
// step, copy, neuron), computed eight neurons at a time, so a slice of the
// population (Slice) draws exactly the numbers of the whole.
func (d *PoissonDrive) Add(step int64, buf []float32) {
	if d.lambda == 0 || !d.bound {
		return
	}
	n := d.n
	for b := 0; b*n < len(buf); b++ {
		out := buf[b*n : (b+1)*n]
		if d.table == nil {
			for i := range out {
				id := uint64(b)<<32 | uint64(d.lo+i)
				out[i] += float32(d.w * float32(d.key.Poisson(uint64(step), id, d.lambda)))
			}
			continue
		}
		// Global neuron g = lo + i; groups of eight aligned on g.
		lo, hi := d.lo, d.lo+n
		for g0 := lo &^ 7; g0 < hi; g0 += 8 {
			x, y := d.key.At2(uint64(step), uint64(b)<<32|uint64(g0/4))
			if g0 >= lo && g0+8 <= hi {
				o := out[g0-lo : g0-lo+8 : g0-lo+8]
				t, w := d.table, d.w
				o[0] += float32(w * float32(t.Sample(x[0])))
				o[1] += float32(w * float32(t.Sample(x[1])))
				o[2] += float32(w * float32(t.Sample(x[2])))
				o[3] += float32(w * float32(t.Sample(x[3])))
				o[4] += float32(w * float32(t.Sample(y[0])))
				o[5] += float32(w * float32(t.Sample(y[1])))
				o[6] += float32(w * float32(t.Sample(y[2])))
				o[7] += float32(w * float32(t.Sample(y[3])))
				continue
			}
			words := [8]uint32{x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]}
			for j := max(g0, lo); j < min(g0+8, hi); j++ {
				out[j-lo] += float32(d.w * float32(d.table.Sample(words[j-g0])))
			}
		}
	}
}

// Slice returns the drive of neurons [lo, hi) of a population of n (see
// population.Slicer): it draws, for each of them, the numbers the whole
// drive draws.
func (d *PoissonDrive) Slice(lo, hi, n int) (population.Stimulus, error) {
	if !d.bound {
		return nil, fmt.Errorf("poisson drive: slice before Bind")
	}
	if lo < 0 || hi > n || lo >= hi || n != d.n || d.lo != 0 {
		return nil, fmt.Errorf("poisson drive: slice [%d, %d) of %d neurons (bound to %d)", lo, hi, n, d.n)
	}
	p := *d
	p.lo, p.n = lo, hi-lo
	return &p, nil
}
