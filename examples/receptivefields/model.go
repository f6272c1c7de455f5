package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/synapse"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Config holds the parameters of the model (see the package documentation).
type Config struct {
	Grid    int     // input grid side (Grid×Grid pixels)
	Outputs int     // output neurons
	DtMs    float64 // time step
	Seed    uint64

	PresentMs, BlankMs float64   // bar on, then blank; one KWTA window
	BarRateHz          float64   // rate of a pixel on the bar
	Background         float64   // rate of the other pixels, as a fraction of BarRateHz
	BarHalfWidth       float64   // a pixel is on the bar if its distance to the bar's axis is below this (px)
	BarOffsets         []float64 // positions of the bars: signed distances of their axes from the centre (px)

	TauMs, RestMV, ThresholdMV float64 // output LIF

	Wmax     float64 // weights in [0, Wmax] (mV jump per spike)
	FanInSum float64 // normalised sum of the weights into each output neuron
	TauSTDP  float64 // τ+ = τ− (ms)
	EtaPlus  float64
	EtaMinus float64
	// SoftLTP makes potentiation weight-dependent,
	// η+·(Wmax − w)·w (plasticity.SoftBoundRate), instead of constant. Off
	// by default: in trials it gave crisper fields (60–75% of the weight
	// on the bar instead of about 50%) but more neurons sharing or mixing
	// bars (70–80% of the test presentations to the bar's specialist
	// instead of about 92%).
	SoftLTP bool

	TrainPresentations int
	TestRepeats        int // test presentations per bar
	// NoLearning switches plasticity off during training too (a control:
	// the test then sees the initial random weights).
	NoLearning bool
}

// DefaultConfig returns the parameters of the example.
func DefaultConfig() Config {
	return Config{
		Grid: 8, Outputs: 12, DtMs: 1, Seed: 1,
		PresentMs: 25, BlankMs: 25,
		BarRateHz: 100, Background: 0.05, BarHalfWidth: 1, BarOffsets: []float64{-2, 2},
		TauMs: 20, RestMV: -65, ThresholdMV: -50,
		Wmax: 2, FanInSum: 40, TauSTDP: 20, EtaPlus: 0.3, EtaMinus: 0.05,
		TrainPresentations: 960, TestRepeats: 25,
	}
}

// WindowSteps is the length of one presentation (bar + blank) in steps.
func (c Config) WindowSteps() int { return param.RoundSteps(c.PresentMs+c.BlankMs, c.DtMs) }

// PresentSteps is the number of steps the bar is shown.
func (c Config) PresentSteps() int { return param.RoundSteps(c.PresentMs, c.DtMs) }

// Pattern is one bar: its name and its pixels (1 on the bar, 0 elsewhere),
// row-major.
type Pattern struct {
	Name   string
	Pixels []float32
}

// Bars returns the 4 orientations × 2 positions of the configuration.
func Bars(c Config) []Pattern {
	type orient struct {
		name  string
		angle float64 // direction of the bar, degrees (0 = horizontal)
	}
	orients := []orient{{"horizontal", 0}, {"diagonal /", 45}, {"vertical", 90}, {"diagonal \\", 135}}
	mid := float64(float64(c.Grid-1) / 2)
	var ps []Pattern
	for _, o := range orients {
		for _, off := range c.BarOffsets {
			// Unit normal of the bar's axis; the axis passes at
			// off from the centre along it. Image rows grow
			// downwards, so y = −(row − mid).
			th := o.angle * math.Pi / 180
			nx, ny := -math.Sin(th), math.Cos(th)
			px := make([]float32, c.Grid*c.Grid)
			for r := 0; r < c.Grid; r++ {
				for col := 0; col < c.Grid; col++ {
					x, y := float64(col)-mid, -(float64(r) - mid)
					if math.Abs(float64(x*nx)+float64(y*ny)-off) < c.BarHalfWidth {
						px[r*c.Grid+col] = 1
					}
				}
			}
			ps = append(ps, Pattern{Name: o.name + " " + where(off*nx, off*ny), Pixels: px})
		}
	}
	return ps
}

// where names the position of the point (x, y) relative to the centre
// (y up).
func where(x, y float64) string {
	const eps = 0.3
	var s []string
	switch {
	case y > eps:
		s = append(s, "upper")
	case y < -eps:
		s = append(s, "lower")
	}
	switch {
	case x > eps:
		s = append(s, "right")
	case x < -eps:
		s = append(s, "left")
	}
	if len(s) == 0 {
		return "centre"
	}
	return strings.Join(s, " ")
}

// schedule is the retina's stimulus: presentation k (steps [kW, (k+1)W))
// shows bar order[k] for the first present steps, then background only.
// Its gain input is 1 on the bar, Background elsewhere.
type schedule struct {
	frames          [][]float32 // per bar, with the background
	blank           []float32
	order           []int
	window, present int64
}

// Add implements population.Stimulus.
func (s *schedule) Add(step int64, current []float32) {
	f := s.blank
	if k := step / s.window; step >= 0 && k < int64(len(s.order)) && step%s.window < s.present {
		f = s.frames[s.order[k]]
	}
	for i := range current {
		current[i] += f[i%len(f)]
	}
}

// maxCount records the most spikes of a population in one step and in one
// KWTA window (stepper.Monitor).
type maxCount struct {
	pop     string
	window  int64
	perStep int
	perWin  int
	cur     int64
	inWin   int
}

func (m *maxCount) Record(step int64, net *network.Network) {
	p, _ := net.Population(m.pop)
	n := len(p.Fired())
	m.perStep = max(m.perStep, n)
	if w := step / m.window; w != m.cur {
		m.cur, m.inWin = w, 0
	}
	m.inWin += n
	m.perWin = max(m.perWin, m.inWin)
}

// winners records, per presentation, which output neurons fired.
type winners struct {
	pop    string
	window int64
	order  []int
	counts [][]int // [neuron][bar]
}

func (m *winners) Record(step int64, net *network.Network) {
	k := step / m.window
	if k >= int64(len(m.order)) {
		return
	}
	p, _ := net.Population(m.pop)
	for _, e := range p.Fired() {
		m.counts[e][m.order[k]]++
	}
}

// Result is what a run learnt.
type Result struct {
	Config   Config
	Bars     []Pattern
	Initial  [][]float32 // [neuron][pixel] before training
	Weights  [][]float32 // after training
	Counts   [][]int     // test wins [neuron][bar]
	TrainWin [][]int     // training wins [neuron][bar]
	// Preferred bar of each neuron in the test (−1: it never won);
	// Selectivity the share of its test wins on that bar.
	Preferred   []int
	Selectivity []float64
	// OnBar is the share of each neuron's incoming weight that lies on
	// the pixels of its preferred bar (0 if it never won).
	OnBar []float64
	// Distinct is the number of different bars that are some neuron's
	// preferred bar; Correct the test presentations won by a neuron that
	// prefers the bar shown; Tests all test presentations.
	Distinct, Correct, Tests int
	// MaxPerStep and MaxPerWindow are the most output spikes in one step
	// and in one KWTA window, over training and test.
	MaxPerStep, MaxPerWindow int
	// Wmin, Wmax are the extreme learned weights; FanIn the sums of the
	// weights into each neuron.
	Wmin, Wmax float32
	FanIn      []float64
}

// fields returns the weights into each output neuron, [neuron][pixel].
func fields(syn *synapse.CSR) [][]float32 {
	f := make([][]float32, syn.Cols)
	for j := range f {
		f[j] = make([]float32, syn.Rows)
	}
	for r := 0; r < syn.Rows; r++ {
		for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
			f[syn.Idx[k]][r] = syn.W[k]
		}
	}
	return f
}

// Run builds the network, trains it and tests it.
func Run(c Config) (*Result, error) {
	bars := Bars(c)
	nIn := c.Grid * c.Grid
	rnd := rand.New(rand.NewPCG(c.Seed, 0x5eed))
	sched := &schedule{window: int64(c.WindowSteps()), present: int64(c.PresentSteps())}
	sched.blank = make([]float32, nIn)
	for i := range sched.blank {
		sched.blank[i] = float32(c.Background)
	}
	for _, b := range bars {
		f := make([]float32, nIn)
		for i, v := range b.Pixels {
			f[i] = max(v, float32(c.Background))
		}
		sched.frames = append(sched.frames, f)
	}
	// Training order: shuffled blocks of all bars, so every bar is shown
	// equally often.
	sched.order = shuffledBlocks(rnd, len(bars), c.TrainPresentations)

	b := network.New(network.Config{DtMs: c.DtMs, Seed: c.Seed})
	b.Population("retina", nIn, encoder.Poisson{RateHz: param.Const(c.BarRateHz), Drive: encoder.DriveGain}).
		Stimulus(sched)
	lif := soma.LIF()
	lif.TauMs = param.Const(c.TauMs)
	lif.RestMV, lif.ThresholdMV = param.Const(c.RestMV), param.Const(c.ThresholdMV)
	b.Population("v1", c.Outputs, lif).
		Principle(&principle.KWTA{K: 1, DurationMs: c.PresentMs + c.BlankMs,
			SuppressVar: "v", SuppressValue: float32(c.RestMV)})
	rule := plasticity.LeakySTDP(c.TauSTDP, c.TauSTDP, c.EtaPlus, c.EtaMinus)
	if c.SoftLTP {
		rule.LTP = plasticity.SoftBoundRate{Eta: c.EtaPlus}
	}
	nz := &synapse.Normalizer{Axis: synapse.FanIn, Target: c.FanInSum,
		Bounds: synapse.Bounds{Min: 0, Max: float32(c.Wmax)}}
	b.Connect("retina-v1", network.Connection{From: "retina", To: "v1",
		Pattern: connectivity.AllToAll{},
		Weight:  param.Uniform(0, 2*c.FanInSum/float64(nIn)),
		Wmin:    0, Wmax: c.Wmax,
		Plasticity: rule,
		Normalize:  nz.Apply})
	net, err := b.Build()
	if err != nil {
		return nil, err
	}
	proj, _ := net.Projection("retina-v1")
	res := &Result{Config: c, Bars: bars, Initial: fields(proj.Runtime.Syn)}

	s := stepper.New(net)
	s.Learn = !c.NoLearning
	mc := &maxCount{pop: "v1", window: sched.window, cur: -1}
	train := &winners{pop: "v1", window: sched.window, order: sched.order, counts: grid(c.Outputs, len(bars))}
	s.AddMonitor(mc)
	s.AddMonitor(train)
	if err := s.Run(len(sched.order) * int(sched.window)); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	res.TrainWin = train.counts
	train.order = nil // stop recording

	// Test: plasticity off, fresh states, every bar TestRepeats times.
	s.Reset()
	s.Learn = false
	sched.order = shuffledBlocks(rnd, len(bars), len(bars)*c.TestRepeats)
	test := &winners{pop: "v1", window: sched.window, order: sched.order, counts: grid(c.Outputs, len(bars))}
	mc.cur = -1
	s.AddMonitor(test)
	if err := s.Run(len(sched.order) * int(sched.window)); err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	res.Weights = fields(proj.Runtime.Syn)
	res.Counts = test.counts
	res.MaxPerStep, res.MaxPerWindow = mc.perStep, mc.perWin
	res.Tests = len(sched.order)
	res.analyse()
	return res, nil
}

func grid(n, m int) [][]int {
	g := make([][]int, n)
	for i := range g {
		g[i] = make([]int, m)
	}
	return g
}

// shuffledBlocks returns n pattern indices: consecutive blocks of a random
// permutation of 0..k−1.
func shuffledBlocks(rnd *rand.Rand, k, n int) []int {
	o := make([]int, 0, n)
	for len(o) < n {
		for _, i := range rnd.Perm(k) {
			if len(o) < n {
				o = append(o, i)
			}
		}
	}
	return o
}

func (r *Result) analyse() {
	r.Preferred = make([]int, len(r.Counts))
	r.Selectivity = make([]float64, len(r.Counts))
	seen := map[int]bool{}
	for j, row := range r.Counts {
		best, tot := -1, 0
		for b, n := range row {
			tot += n
			if n > 0 && (best < 0 || n > row[best]) {
				best = b
			}
		}
		r.Preferred[j] = best
		if best >= 0 {
			r.Selectivity[j] = float64(row[best]) / float64(tot)
			seen[best] = true
		}
	}
	r.Distinct = len(seen)
	r.OnBar = make([]float64, len(r.Weights))
	for j, w := range r.Weights {
		p := r.Preferred[j]
		if p < 0 {
			continue
		}
		var on, tot float64
		for i, x := range w {
			tot += float64(x)
			if r.Bars[p].Pixels[i] > 0 {
				on += float64(x)
			}
		}
		r.OnBar[j] = on / tot
	}
	r.Correct = 0
	for j, row := range r.Counts {
		if p := r.Preferred[j]; p >= 0 {
			r.Correct += row[p]
		}
	}
	r.Wmin, r.Wmax = float32(math.Inf(1)), float32(math.Inf(-1))
	r.FanIn = make([]float64, len(r.Weights))
	for j, w := range r.Weights {
		for _, x := range w {
			r.Wmin, r.Wmax = min(r.Wmin, x), max(r.Wmax, x)
			r.FanIn[j] += float64(x)
		}
	}
}

// Print writes the test table and the summary.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "test wins per output neuron and bar (plasticity off, %d presentations of each bar):\n", r.Config.TestRepeats)
	fmt.Fprintf(w, "%-7s", "neuron")
	for b := range r.Bars {
		fmt.Fprintf(w, " %4s", barCode(b))
	}
	fmt.Fprintf(w, "   %-22s %11s %13s\n", "preferred bar", "selectivity", "weight on it")
	for j, row := range r.Counts {
		fmt.Fprintf(w, "%-7d", j)
		for _, n := range row {
			fmt.Fprintf(w, " %4d", n)
		}
		if p := r.Preferred[j]; p >= 0 {
			fmt.Fprintf(w, "   %-22s %10.0f%% %12.0f%%\n", r.Bars[p].Name, 100*r.Selectivity[j], 100*r.OnBar[j])
		} else {
			fmt.Fprintf(w, "   %s\n", "(never won)")
		}
	}
	fmt.Fprintf(w, "bars: %s\n", r.legend())
	used := 0
	for _, p := range r.Preferred {
		if p >= 0 {
			used++
		}
	}
	fmt.Fprintf(w, "distinct preferred bars: %d of %d (output neurons that won a test presentation: %d of %d)\n",
		r.Distinct, len(r.Bars), used, len(r.Preferred))
	fmt.Fprintf(w, "test presentations won by a neuron preferring the bar shown: %d of %d (%.0f%%)\n",
		r.Correct, r.Tests, 100*float64(r.Correct)/float64(r.Tests))
	fmt.Fprintf(w, "most output spikes in one step: %d, in one %g ms window: %d (k = 1)\n",
		r.MaxPerStep, r.Config.PresentMs+r.Config.BlankMs, r.MaxPerWindow)
	fmt.Fprintf(w, "learned weights in [%.3f, %.3f] mV (bounds [0, %g]); fan-in sums %s\n",
		r.Wmin, r.Wmax, r.Config.Wmax, sumRange(r.FanIn))
}

func barCode(b int) string { return fmt.Sprintf("b%d", b) }

func (r *Result) legend() string {
	var s []string
	for b, p := range r.Bars {
		s = append(s, barCode(b)+" = "+p.Name)
	}
	return strings.Join(s, ", ")
}

func sumRange(xs []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return fmt.Sprintf("%.3f to %.3f", lo, hi)
}
