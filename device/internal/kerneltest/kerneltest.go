// Package kerneltest checks that Spiral's device kernels
// (device/kernels) compute what the CPU computes, bit for bit, wherever
// they run: compiled as C on the host (package device/hostrun)
// or on a GPU (package device/cuda, build tag cuda). Each check takes a
// Runner, which runs the kernels somewhere, and compares with the CPU
// paths of packages soma, encoder and synapse, or with the equations.
package kerneltest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Runner runs the kernels of device/kernels on host arrays (copying them
// to and from the device as it needs): each method is the kernel of its
// name (and Compact scan_masks then compact).
type Runner interface {
	LIFExp2(v, a1, s1, a2, s2, rc []float32, prm [10]float32, prev, mask []uint32) error
	PoissonNeurons(first int64, key uint64, step int64, thr []uint64, mask []uint32) error
	PoissonGrouped(n int, first int64, key uint64, step int64, gthr [9]uint64, mask []uint32) error
	Compact(mask []uint32) ([]uint32, error)
	DeliverFixed(spikes, ptr, idx []uint32, w []float32, w0 float32, acc []uint64) error
	AddFixed(acc []uint64, into []float32) error
	RSTDPModulate(c []float32, last []int64, pow, pow2 []float64, now int64, s float64, learn bool, w []float32, wmin, wmax float32) (bad bool, err error)
	// RSTDPFold folds the synapses of one-synapse rows (byCols false)
	// or columns (true), every row or column marked.
	RSTDPFold(byCols bool, dw []float32, touched []uint8, c []float32, last []int64, pow, pow2 []float64, now int64) error
}

// words returns the mask words of n neurons.
func words(n int) int { return (n + 31) / 32 }

// The LIF kernel steps a population as the CPU's fused loop does (AVX2
// or Go, which agree), bit for bit: potentials, receptor states and
// spikes at every step, with the reset and the refractory steps after
// each spike, for 2,000 steps of random input to 1,003 neurons (a tail
// that no block of eight covers).
func LIFExp2MatchesSoma(t *testing.T, r Runner) {
	const n, steps = 1003, 2000
	spec := soma.LIF()
	spec.RestMV, spec.ThresholdMV = param.Const(-60), param.Const(-50)
	reset := param.Const(-62)
	spec.ResetMV = &reset
	spec.TauMs, spec.RefractoryMs, spec.Integration = param.Const(20), param.Const(2), soma.Exact
	m, err := spec.New(soma.Env{N: n, Batch: 1, Dt: 0.1, Key: rng.NewKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	lif, ok := m.(soma.FusedLIFModel).FusedLIF()
	if !ok {
		t.Fatal("the LIF has no fused coefficients")
	}
	if lif.Refractory != 20 || lif.Reset != -62 || lif.Threshold != -50 {
		t.Fatalf("fused coefficients %+v: want 20 refractory steps, reset −62, threshold −50", lif)
	}
	fu := m.(soma.Fuser)
	d1, d2 := float32(math.Exp(-0.1/5)), float32(math.Exp(-0.1/10))
	cpu := []soma.ExpCurrent{{In: make([]float32, n), G: make([]float32, n), Decay: d1}, {In: make([]float32, n), G: make([]float32, n), Decay: d2}}
	v0, _ := m.Var("v")
	v := slices.Clone(v0)
	a1, s1, a2, s2, rc := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	prm := [10]float32{d1, d2, lif.K, lif.E, lif.G, lif.Threshold, lif.Reset, lif.Refractory, 0, 0}
	prev, mask := make([]uint32, words(n)), make([]uint32, words(n))
	rnd := rand.New(rand.NewPCG(3, 4))
	var fired []uint32
	total := 0
	for step := range int64(steps) {
		for range 60 {
			i, x := rnd.IntN(n), float32(rnd.Float64()*60)
			cpu[0].In[i] += x
			a1[i] += x
		}
		for range 30 {
			i, x := rnd.IntN(n), float32(-rnd.Float64()*40)
			cpu[1].In[i] += x
			a2[i] += x
		}
		fired, ok = fu.StepFused(step, soma.Input{}, cpu, nil, fired[:0])
		if !ok {
			t.Fatal("the CPU took another path than the fused loop")
		}
		if err := r.LIFExp2(v, a1, s1, a2, s2, rc, prm, prev, mask); err != nil {
			t.Fatal(err)
		}
		got, err := r.Compact(mask)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, fired) {
			t.Fatalf("step %d: the kernel fired %v, the CPU %v", step, got, fired)
		}
		total += len(got)
		cv, _ := m.Var("v")
		crc, _ := m.Var("refractory")
		for i := range n {
			if math.Float32bits(v[i]) != math.Float32bits(cv[i]) || s1[i] != cpu[0].G[i] || s2[i] != cpu[1].G[i] || a1[i] != 0 || a2[i] != 0 {
				t.Fatalf("step %d neuron %d: kernel v %v, s %v %v; CPU v %v, s %v %v", step, i, v[i], s1[i], s2[i], cv[i], cpu[0].G[i], cpu[1].G[i])
			}
			if rc[i] != crc[i] && step > 0 {
				t.Fatalf("step %d neuron %d: kernel refractory %v, CPU %v", step, i, rc[i], crc[i])
			}
		}
		prev, mask = mask, prev
	}
	// Enough spikes, and neurons held, for the comparison to mean
	// something: about 0.4 spikes per neuron-second at least.
	if total < n*steps/25000 {
		t.Fatalf("%d spikes in %d steps of %d neurons: too few to compare", total, steps, n)
	}
}

// The Poisson kernels draw the encoder's spikes, bit for bit: per-neuron
// rates and one rate for all (the grouped draw), for a part of a
// population that starts and ends inside a group of eight.
func PoissonMatchesEncoder(t *testing.T, r Runner) {
	const n, first, steps = 1003, 13, 400
	key := rng.NewKey(9, 2)
	k0, k1 := key.Sub(uint64(rng.PurposePoisson)).Words()
	wkey := uint64(k0) | uint64(k1)<<32
	rates := make([]float64, n)
	for i := range rates {
		rates[i] = float64(1 + (i*37)%300)
	}
	for _, c := range []struct {
		name string
		rate param.Value
	}{{"per neuron", param.Array(rates...)}, {"grouped", param.Const(120)}} {
		m, err := encoder.Poisson{RateHz: c.rate, FirstNeuron: first}.New(soma.Env{N: n, Batch: 1, Dt: 0.1, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := m.Var("p")
		thr := make([]uint64, n)
		for i := range thr {
			thr[i] = encoder.PoissonThreshold(p[i])
		}
		var gthr [9]uint64
		g := encoder.PoissonGroupThresholds(p[0])
		copy(gthr[:], g[:])
		gthr[8] = encoder.PoissonThreshold(p[0])
		mask := make([]uint32, words(n))
		total := 0
		for step := range int64(steps) {
			want := m.Step(step, soma.Input{}, nil)
			if c.name == "grouped" {
				err = r.PoissonGrouped(n, first, wkey, step, gthr, mask)
			} else {
				err = r.PoissonNeurons(first, wkey, step, thr, mask)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Compact(mask)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s, step %d: the kernel drew %v, the encoder %v", c.name, step, got, want)
			}
			total += len(want)
		}
		if total < n*steps/1000 {
			t.Fatalf("%s: %d spikes: too few to compare", c.name, total)
		}
	}
}

// Compaction lists the set bits of the masks in ascending neuron order.
func CompactListsInOrder(t *testing.T, r Runner) {
	rnd := rand.New(rand.NewPCG(1, 2))
	// One word, fewer words than the scan's threads, as many, and more
	// (runs of several words per thread, the last one short).
	for _, words := range []int{1, 300, 1024, 5001} {
		mask := make([]uint32, words)
		var want []uint32
		for w := range mask {
			if w%7 != 0 {
				mask[w] = rnd.Uint32() & rnd.Uint32()
			}
			for b := range 32 {
				if mask[w]>>b&1 != 0 {
					want = append(want, uint32(w*32+b))
				}
			}
		}
		got, err := r.Compact(mask)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%d words: compacted %d spikes, want %d, or in another order", words, len(got), len(want))
		}
	}
}

// Delivery in fixed point gives the same sums whatever the order of the
// events — the exact sums of round(w·2^32) — and adding them gives
// float32(sum·2^-32) added to the input, with per-synapse weights and
// with one weight for all.
func DeliverFixedIsOrderFree(t *testing.T, r Runner) {
	const rows, cols = 200, 300
	rnd := rand.New(rand.NewPCG(5, 6))
	ptr := []uint32{0}
	var idx []uint32
	var w []float32
	for range rows {
		for range rnd.IntN(60) {
			idx = append(idx, uint32(rnd.IntN(cols)))
			w = append(w, float32(rnd.NormFloat64()*math.Pow(10, float64(rnd.IntN(8)-5))))
		}
		ptr = append(ptr, uint32(len(idx)))
	}
	spikes := make([]uint32, 500)
	for i := range spikes {
		spikes[i] = uint32(rnd.IntN(rows))
	}
	for _, weights := range [][]float32{w, nil} {
		const w0 = float32(0.37)
		want := make([]int64, cols)
		for _, r := range spikes {
			for k := ptr[r]; k < ptr[r+1]; k++ {
				x := w0
				if weights != nil {
					x = weights[k]
				}
				want[idx[k]] += int64(math.RoundToEven(float64(x) * (1 << 32)))
			}
		}
		for trial := range 3 {
			order := slices.Clone(spikes)
			switch trial {
			case 1:
				slices.Reverse(order)
			case 2:
				rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			}
			acc := make([]uint64, cols)
			if err := r.DeliverFixed(order, ptr, idx, weights, w0, acc); err != nil {
				t.Fatal(err)
			}
			for j := range cols {
				if int64(acc[j]) != want[j] {
					t.Fatalf("weights %v, order %d, column %d: %d, want %d", weights != nil, trial, j, int64(acc[j]), want[j])
				}
			}
			into := make([]float32, cols)
			for j := range into {
				into[j] = float32(j) / 7
			}
			base := slices.Clone(into)
			if err := r.AddFixed(acc, into); err != nil {
				t.Fatal(err)
			}
			for j := range cols {
				if x := base[j] + float32(float64(want[j])*(1.0/(1<<32))); into[j] != x || acc[j] != 0 {
					t.Fatalf("column %d: added %v, want %v (acc left %d)", j, into[j], x, acc[j])
				}
			}
		}
	}
}

// The R-STDP kernel brings every eligibility trace up to the step, over
// gaps short and long (beyond the 1,024 steps of the first table, up to
// 2^40), by the decay the CPU's rule computes (plasticity.
// EligibilityDecay), a trace of 0 only marking the step; with learning,
// each weight whose trace is not 0 changes by float32(s·c), clipped
// (0 changes nothing, not even a weight beyond a bound; a NaN leaves the
// weight and is reported); without, the weights stay. Bit for bit.
func RSTDPModulates(t *testing.T, r Runner) {
	const n = 2000
	pow, pow2 := plasticity.EligibilityDecayTables(1 - 0.1/200)
	rnd := rand.New(rand.NewPCG(9, 10))
	const now = int64(1) << 40
	gaps := []int64{0, 1, 2, 1023, 1024, 1025, 2047, 3000, 123457, 1 << 30, now}
	c, last, w := make([]float32, n), make([]int64, n), make([]float32, n)
	for k := range n {
		switch k % 5 {
		case 0:
			c[k] = 0
		case 1:
			c[k] = float32(math.Copysign(0, -1))
		default:
			c[k] = float32(rnd.NormFloat64() * math.Pow(10, float64(rnd.IntN(6)-3)))
		}
		g := gaps[k%len(gaps)]
		if k%7 == 3 {
			g = rnd.Int64N(5000)
		}
		last[k] = now - g
		w[k] = float32(rnd.Float64())
	}
	c[17] = float32(math.Inf(1)) // an infinite trace times 0.1·s: an infinite change, clipped
	for k := 5; k < n; k += 13 {
		// A trace whose change rounds to 0, on a weight beyond the bound:
		// no change, so no clip either.
		c[k], last[k], w[k] = math.SmallestNonzeroFloat32, now, 1.5
	}
	for _, learn := range []bool{false, true} {
		const s, wmin, wmax = 0.1 * 0.3, 0, 1
		gc, gl, gw := slices.Clone(c), slices.Clone(last), slices.Clone(w)
		bad, err := r.RSTDPModulate(gc, gl, pow, pow2, now, s, learn, gw, wmin, wmax)
		if err != nil {
			t.Fatal(err)
		}
		if bad {
			t.Errorf("learn %v: a NaN reported, none expected", learn)
		}
		for k := range n {
			x := c[k]
			if x != 0 && last[k] != now {
				x = float32(float64(x) * plasticity.EligibilityDecay(pow, pow2, now-last[k]))
			}
			want := w[k]
			if d := float32(s * float64(x)); learn && x != 0 && d != 0 {
				want = min(max(w[k]+d, wmin), wmax)
			}
			if math.Float32bits(gc[k]) != math.Float32bits(x) || gl[k] != now || math.Float32bits(gw[k]) != math.Float32bits(want) {
				t.Fatalf("learn %v: synapse %d (trace %g, %d steps ago, weight %g): trace %g, last %d, weight %g; want %g, %d, %g",
					learn, k, c[k], now-last[k], w[k], gc[k], gl[k], gw[k], x, now, want)
			}
		}
	}
	// A NaN trace: the weight stays, and is reported.
	gc, gl, gw := []float32{float32(math.NaN())}, []int64{now}, []float32{0.5}
	bad, err := r.RSTDPModulate(gc, gl, pow, pow2, now, 1, true, gw, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bad || gw[0] != 0.5 {
		t.Errorf("a NaN trace: bad %v, weight %g; want reported, 0.5 kept", bad, gw[0])
	}
}

// The R-STDP fold kernels (by the columns that potentiated, by the rows
// that depressed) add each marked synapse's summed change, if not 0, to
// its trace brought up to the step over gaps short and long (up to 2^40
// steps: plasticity.EligibilityDecay), and clear the sum and the mark; a
// marked synapse whose sum is 0 (or −0) keeps its trace and its step, and
// an unmarked one is left as it is. Bit for bit.
func RSTDPFolds(t *testing.T, r Runner) {
	const n = 3000
	pow, pow2 := plasticity.EligibilityDecayTables(1 - 0.1/200)
	rnd := rand.New(rand.NewPCG(11, 12))
	const now = int64(1) << 40
	gaps := []int64{0, 1, 1023, 1024, 1025, 4097, 123457, 1 << 30, now}
	dw, c, last := make([]float32, n), make([]float32, n), make([]int64, n)
	touched := make([]uint8, n)
	for k := range n {
		switch k % 6 {
		case 0:
			dw[k] = 0
		case 1:
			dw[k] = float32(math.Copysign(0, -1))
		default:
			dw[k] = float32(rnd.NormFloat64() * 1e-3)
		}
		if k%4 != 3 {
			touched[k] = 1
		}
		if k%5 != 0 {
			c[k] = float32(rnd.NormFloat64() * math.Pow(10, float64(rnd.IntN(6)-3)))
		}
		g := gaps[k%len(gaps)]
		if k%7 == 2 {
			g = rnd.Int64N(5000)
		}
		last[k] = now - g
	}
	for _, byCols := range []bool{false, true} {
		gd, gt, gc, gl := slices.Clone(dw), slices.Clone(touched), slices.Clone(c), slices.Clone(last)
		if err := r.RSTDPFold(byCols, gd, gt, gc, gl, pow, pow2, now); err != nil {
			t.Fatal(err)
		}
		for k := range n {
			wd, wt, wc, wl := dw[k], touched[k], c[k], last[k]
			if touched[k] != 0 {
				wd, wt = 0, 0
				if dw[k] != 0 {
					if wl != now {
						if wc != 0 {
							wc = float32(float64(wc) * plasticity.EligibilityDecay(pow, pow2, now-wl))
						}
						wl = now
					}
					wc += dw[k]
				}
			}
			if math.Float32bits(gd[k]) != math.Float32bits(wd) || gt[k] != wt || math.Float32bits(gc[k]) != math.Float32bits(wc) || gl[k] != wl {
				t.Fatalf("by columns %v: synapse %d (change %g, marked %d, trace %g, %d steps ago): %g, %d, %g, %d; want %g, %d, %g, %d",
					byCols, k, dw[k], touched[k], c[k], now-last[k], gd[k], gt[k], gc[k], gl[k], wd, wt, wc, wl)
			}
		}
	}
}
