package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Dist is the distribution of a timing over the successful repetitions.
type Dist struct {
	N                int
	Median, Min, Max float64
}

func dist(xs []float64) Dist {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Dist{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	sort.Float64s(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	return Dist{N: n, Median: med, Min: v[0], Max: v[n-1]}
}

func meanSD(xs []float64) (mean, sd float64, n int) {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	n = len(v)
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN(), n
	}
	for _, x := range v {
		sd += float64((x - mean) * (x - mean))
	}
	return mean, math.Sqrt(sd / float64(n-1)), n
}

// Group is one simulator and mode of one model.
type Group struct {
	Sim, Mode string
	Runs      []Run // timed runs (no warm-up), failed ones included
	OK        []Run
	Failed    []Run
	Simulate  Dist
	Whole     Dist
	EventsPS  Dist
	PeakRSS   int64   // maximum over the successful runs
	MaxLoad   float64 // largest foreign load seen during its runs
}

func newGroup(sim, mode string, runs []Run) *Group {
	g := &Group{Sim: sim, Mode: mode, Runs: runs}
	var sim_, whole, ev []float64
	for _, r := range runs {
		if !r.OK {
			g.Failed = append(g.Failed, r)
			continue
		}
		g.OK = append(g.OK, r)
		sim_ = append(sim_, r.SimulateS)
		whole = append(whole, r.WholeS)
		ev = append(ev, r.SynEventsPerS())
		g.PeakRSS = max(g.PeakRSS, r.PeakRSS)
		if l := float64(r.ForeignLoad); !math.IsNaN(l) {
			g.MaxLoad = max(g.MaxLoad, l)
		}
	}
	g.Simulate, g.Whole, g.EventsPS = dist(sim_), dist(whole), dist(ev)
	return g
}

// Label names the group for tables and plots.
func (g *Group) Label() string {
	if g.Sim == SimSpiral {
		return "Spiral " + g.Mode
	}
	return "Brian2 " + g.Mode
}

// Rule is the agreement rule: a Spiral statistic (mean over its seeds)
// agrees with Brian2's (mean over seeds) when they differ by at most
// max(SD·sd_Brian2, Rel·|mean_Brian2|, Abs), sd_Brian2 being the sample
// standard deviation of Brian2's values over seeds (each seed averaged
// over the Brian2 modes). Abs is RateAbsHz for rates and CVAbs for CVs.
type Rule struct {
	SD, Rel, RateAbsHz, CVAbs float64
}

func (u Rule) String() string {
	return fmt.Sprintf("|Spiral − Brian2| ≤ max(%g·sd, %g %%·|Brian2|, %g Hz for rates / %g for CV ISI)",
		u.SD, 100*u.Rel, u.RateAbsHz, u.CVAbs)
}

// Check is one statistic of one population compared.
type Check struct {
	Pop, Stat          string // Stat: "rate" or "cv"
	Spiral             float64
	SpiralN            int
	BrianMean, BrianSD float64
	BrianN             int // seeds
	Tol                float64
	Pass               bool
	Note               string
}

// Agreement is the verdict on one model.
type Agreement struct {
	Checks  []Check
	OK      bool
	Verdict string
}

func agree(spiral []Run, brian []Run, rule Rule) Agreement {
	var a Agreement
	if len(spiral) == 0 {
		a.Verdict = "n/a: no successful Spiral run"
		return a
	}
	if len(brian) == 0 {
		a.Verdict = "n/a: no successful Brian2 run"
		return a
	}
	// Each simulator: average each seed's value over its modes/engines,
	// then over seeds.
	bseeds, border := bySeed(brian)
	sseeds, sorder := bySeed(spiral)
	pops := map[string]bool{}
	for _, r := range brian {
		for p := range r.RateHz {
			pops[p] = true
		}
	}
	for _, p := range sortedKeys(pops) {
		for _, stat := range []string{"rate", "cv"} {
			get := func(r Run) (float64, bool) {
				if stat == "rate" {
					v, ok := r.RateHz[p]
					return v, ok
				}
				v, ok := r.CVISI[p]
				return float64(v), ok
			}
			bvals, bhas := perSeed(bseeds, border, get)
			if !bhas {
				continue // Brian2 does not report it (e.g. STDP's CV)
			}
			svals, shas := perSeed(sseeds, sorder, get)
			c := Check{Pop: p, Stat: stat}
			c.BrianMean, c.BrianSD, c.BrianN = meanSD(bvals)
			c.Spiral, _, c.SpiralN = meanSD(svals)
			abs := rule.RateAbsHz
			if stat == "cv" {
				abs = rule.CVAbs
			}
			switch {
			case !shas:
				c.Note = "missing in Spiral's output"
			case c.BrianN == 0 && c.SpiralN == 0:
				c.Pass, c.Note = true, "undefined in both"
			case c.BrianN == 0 || c.SpiralN == 0:
				c.Note = "undefined in one simulator only"
			default:
				c.Tol = math.Max(rule.Rel*math.Abs(c.BrianMean), abs)
				if !math.IsNaN(c.BrianSD) {
					c.Tol = math.Max(c.Tol, rule.SD*c.BrianSD)
				} else {
					c.Note = "Brian2 spread unknown (1 seed)"
				}
				c.Pass = math.Abs(c.Spiral-c.BrianMean) <= c.Tol
			}
			a.Checks = append(a.Checks, c)
		}
	}
	a.OK = true
	var bad []string
	for _, c := range a.Checks {
		if !c.Pass {
			a.OK = false
			bad = append(bad, fmt.Sprintf("%s %s", c.Pop, c.Stat))
		}
	}
	switch {
	case len(a.Checks) == 0:
		a.OK = false
		a.Verdict = "n/a: no statistic in common"
	case a.OK:
		a.Verdict = "agree"
	default:
		a.Verdict = "DISAGREE (" + strings.Join(bad, ", ") + ")"
	}
	return a
}

func bySeed(runs []Run) (map[uint64][]Run, []uint64) {
	seeds := map[uint64][]Run{}
	var order []uint64
	for _, r := range runs {
		if _, ok := seeds[r.Seed]; !ok {
			order = append(order, r.Seed)
		}
		seeds[r.Seed] = append(seeds[r.Seed], r)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	return seeds, order
}

// perSeed is one value per seed (the mean over that seed's runs, NaN
// values left out); has says whether any run reports the statistic.
func perSeed(seeds map[uint64][]Run, order []uint64, get func(Run) (float64, bool)) (vals []float64, has bool) {
	for _, s := range order {
		var xs []float64
		for _, r := range seeds[s] {
			if v, ok := get(r); ok {
				has = true
				xs = append(xs, v)
			}
		}
		if m, _, n := meanSD(xs); n > 0 {
			vals = append(vals, m)
		}
	}
	return vals, has
}

// ModelSummary gathers one model's groups, ratios and verdict.
type ModelSummary struct {
	Model   Model
	Spirals []*Group // one per engine, in the order of the engines
	Brian   []*Group // in the order of the modes
	// Spiral and SpiralWhole are the Spiral engines with the smallest
	// median simulate and whole-run times (the first engine when none
	// succeeded); BestSim and BestWhole the same for the Brian2 modes
	// (nil when none succeeded).
	Spiral, SpiralWhole *Group
	BestSim, BestWhole  *Group
	// Spiral / Brian2 ratios (< 1: Spiral faster): of the medians, and the
	// extremes (Spiral min / Brian2 max, Spiral max / Brian2 min).
	RatioSim, RatioSimLo, RatioSimHi       float64
	RatioWhole, RatioWholeLo, RatioWholeHi float64
	Agreement                              Agreement
}

func summarize(m Model, runs []Run, engines []string, modes []string, rule Rule) ModelSummary {
	s := ModelSummary{Model: m}
	byMode := map[string]map[string][]Run{SimSpiral: {}, SimBrian2: {}}
	for _, r := range runs {
		if r.Model != m.Name || r.Warmup || byMode[r.Sim] == nil {
			continue
		}
		byMode[r.Sim][r.Mode] = append(byMode[r.Sim][r.Mode], r)
	}
	groups := func(sim string, order []string) []*Group {
		var gs []*Group
		seen := map[string]bool{}
		for _, md := range order {
			seen[md] = true
			gs = append(gs, newGroup(sim, md, byMode[sim][md]))
		}
		for _, md := range sortedKeys(byMode[sim]) { // modes found in the runs only
			if !seen[md] {
				gs = append(gs, newGroup(sim, md, byMode[sim][md]))
			}
		}
		return gs
	}
	s.Spirals, s.Brian = groups(SimSpiral, engines), groups(SimBrian2, modes)
	s.Spiral, s.SpiralWhole = bestOf(s.Spirals, false), bestOf(s.Spirals, true)
	if s.Spiral == nil {
		s.Spiral = newGroup(SimSpiral, "", nil)
		if len(s.Spirals) > 0 {
			s.Spiral = s.Spirals[0]
		}
	}
	if s.SpiralWhole == nil {
		s.SpiralWhole = s.Spiral
	}
	s.BestSim, s.BestWhole = bestOf(s.Brian, false), bestOf(s.Brian, true)
	var spiralOK []Run
	for _, g := range s.Spirals {
		spiralOK = append(spiralOK, g.OK...)
	}
	var brianOK []Run
	for _, g := range s.Brian {
		brianOK = append(brianOK, g.OK...)
	}
	nan := math.NaN()
	s.RatioSim, s.RatioSimLo, s.RatioSimHi = nan, nan, nan
	s.RatioWhole, s.RatioWholeLo, s.RatioWholeHi = nan, nan, nan
	if s.Spiral.Simulate.N > 0 && s.BestSim != nil {
		a, b := s.Spiral.Simulate, s.BestSim.Simulate
		s.RatioSim, s.RatioSimLo, s.RatioSimHi = a.Median/b.Median, a.Min/b.Max, a.Max/b.Min
	}
	if s.SpiralWhole.Whole.N > 0 && s.BestWhole != nil {
		a, b := s.SpiralWhole.Whole, s.BestWhole.Whole
		s.RatioWhole, s.RatioWholeLo, s.RatioWholeHi = a.Median/b.Median, a.Min/b.Max, a.Max/b.Min
	}
	s.Agreement = agree(spiralOK, brianOK, rule)
	return s
}

// bestOf is the group with the smallest median simulate (or whole-run)
// time, nil if none succeeded.
func bestOf(gs []*Group, whole bool) *Group {
	var best *Group
	for _, g := range gs {
		d := g.Simulate
		if whole {
			d = g.Whole
		}
		if d.N == 0 {
			continue
		}
		if best == nil {
			best = g
			continue
		}
		b := best.Simulate
		if whole {
			b = best.Whole
		}
		if d.Median < b.Median {
			best = g
		}
	}
	return best
}
