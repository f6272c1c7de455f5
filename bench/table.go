package main

import (
	"fmt"
	"math"
	"strings"
)

// sig formats x with 3 significant digits (plain notation where short).
func sig(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	if x == 0 {
		return "0"
	}
	a := math.Abs(x)
	switch {
	case a >= 1e4 || a < 1e-3:
		return fmt.Sprintf("%.2e", x)
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 1:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

// fmtDist is "median [min–max] (n)" plus the failures, or why there is no
// number.
func fmtDist(d Dist, g *Group) string {
	failed := ""
	if g != nil && len(g.Failed) > 0 {
		failed = fmt.Sprintf(", %d failed", len(g.Failed))
	}
	if d.N == 0 {
		if g != nil && len(g.Runs) == 0 {
			return "not run"
		}
		return "FAILED" + failed
	}
	if d.N == 1 {
		return fmt.Sprintf("%s (n=1%s)", sig(d.Median), failed)
	}
	return fmt.Sprintf("%s [%s–%s] (n=%d%s)", sig(d.Median), sig(d.Min), sig(d.Max), d.N, failed)
}

func fmtRatio(m, lo, hi float64) string {
	if math.IsNaN(m) {
		return "—"
	}
	return fmt.Sprintf("%s [%s–%s]", sig(m), sig(lo), sig(hi))
}

func mb(b int64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", float64(b)/1e6)
}

func fmtSimulated(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%g ms", s*1000)
	}
	return fmt.Sprintf("%g s", s)
}

func meanSDStr(mean, sd float64, n int) string {
	if n == 0 {
		return "—"
	}
	if math.IsNaN(sd) {
		return fmt.Sprintf("%s (1 seed)", sig(mean))
	}
	return fmt.Sprintf("%s ± %s (%d seeds)", sig(mean), sig(sd), n)
}

// renderTable writes table.md.
func renderTable(res *Results, sums []ModelSummary, rule Rule, plotFile string) string {
	var b strings.Builder
	tableHeader(&b, res)
	speedTable(&b, res, sums, plotFile)
	statsTable(&b, sums, rule)
	modesTable(&b, sums)
	failedRuns(&b, res)
	tableNotes(&b)
	return b.String()
}

// tableHeader writes the title, the machine and the protocol.
func tableHeader(b *strings.Builder, res *Results) {
	mc := res.Machine
	cfg := res.Config
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("# Spiral vs Brian2, side by side\n\n")
	if cfg.Quick {
		p("**-quick preset: small sizes and short runs for trying the harness out; not a benchmark result.**\n\n")
	}
	p("Machine: %s, %d cores, %.1f GiB memory; %s; Brian2 %s (%s); Linux %s. ", orDash(mc.CPU), mc.Cores, mc.MemoryGiB,
		mc.Go, orDash(mc.Brian2), orDash(mc.Python), orDash(mc.Kernel))
	p("Run %s – %s (UTC)", mc.Date, orDash(mc.DateEnd))
	if mc.GitRevision != "" {
		p(", Spiral at %s", mc.GitRevision)
	}
	p(", load average at start %s.\n\n", orDash(mc.LoadAvg))
	p("Each model: %d repetitions with seeds %d…%d, each seed run back to back in Spiral (`spiral-node run --engine` %s) "+
		"and in Brian2 (%s), same scale, simulated time and dt = 0.1 ms. Times are seconds: median [min–max] (n successful runs).\n\n",
		cfg.Reps, cfg.Seed, cfg.Seed+uint64(cfg.Reps)-1, strings.Join(cfg.Engines, ", "), orDash(strings.Join(cfg.BrianModes, ", ")))

}

// speedTable writes the main table: speed, memory and agreement per model.
func speedTable(b *strings.Builder, res *Results, sums []ModelSummary, plotFile string) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Speed, memory, agreement\n\n")
	p("| model | size | simulated | Spiral simulate s | Spiral whole run s | Brian2 best simulate s | ratio simulate | Brian2 best whole run s | ratio whole run | synaptic events/s Spiral / Brian2 | bytes/synapse (Spiral) | peak RSS MB Spiral / Brian2 | rates & CV ISI |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range sums {
		m := s.Model
		bestSim, bestWhole := "—", "—"
		brianEv, brianRSS := "—", "—"
		if s.BestSim != nil {
			bestSim = fmtDist(s.BestSim.Simulate, s.BestSim) + " " + s.BestSim.Mode
			brianEv = sig(s.BestSim.EventsPS.Median)
			brianRSS = mb(s.BestSim.PeakRSS)
		} else if len(s.Brian) > 0 {
			bestSim = fmtDist(s.Brian[0].Simulate, s.Brian[0])
		}
		if s.BestWhole != nil {
			bestWhole = fmtDist(s.BestWhole.Whole, s.BestWhole) + " " + s.BestWhole.Mode
		}
		spEv := sig(s.Spiral.EventsPS.Median)
		if spEv != "—" && len(s.Spiral.OK) > 0 && s.Spiral.OK[0].SynEventsEstimated {
			spEv = "≈" + spEv
		}
		bps := "—"
		if st, ok := res.Spiral[m.Name]; ok && st.BytesPerSynapse > 0 {
			bps = fmt.Sprintf("%.2f (%s)", st.BytesPerSynapse, st.Source)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s / %s | %s |\n",
			m.Name, sizeStr(m, s), fmtSimulated(m.DurationS),
			fmtDist(s.Spiral.Simulate, s.Spiral)+" "+s.Spiral.Mode, fmtDist(s.SpiralWhole.Whole, s.SpiralWhole)+" "+s.SpiralWhole.Mode,
			bestSim, fmtRatio(s.RatioSim, s.RatioSimLo, s.RatioSimHi),
			bestWhole, fmtRatio(s.RatioWhole, s.RatioWholeLo, s.RatioWholeHi),
			spEv, brianEv, bps, mb(s.Spiral.PeakRSS), brianRSS, s.Agreement.Verdict)
	}
	p("\nRatios are Spiral / Brian2 (below 1: Spiral faster): of the medians, [Spiral min / Brian2 max – Spiral max / Brian2 min]. ")
	p("Each side is its fastest engine or mode by median (named after the times), chosen separately for the simulate phase and the whole run; synaptic events/s and peak RSS are those of the engine/mode fastest in the simulate phase. ")
	if plotFile != "" {
		p("Plot: [%s](%s).", plotFile, plotFile)
	}
}

// statsTable writes the rates and CVs of both simulators per population,
// with the agreement rule.
func statsTable(b *strings.Builder, sums []ModelSummary, rule Rule) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("\n\n## Statistics\n\n")
	p("| model | population | Spiral rate Hz | Brian2 rate Hz | tolerance | Spiral CV ISI | Brian2 CV ISI | tolerance | verdict |\n")
	p("|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range sums {
		pops := map[string][2]*Check{}
		var order []string
		for i := range s.Agreement.Checks {
			c := &s.Agreement.Checks[i]
			e, ok := pops[c.Pop]
			if !ok {
				order = append(order, c.Pop)
			}
			if c.Stat == "rate" {
				e[0] = c
			} else {
				e[1] = c
			}
			pops[c.Pop] = e
		}
		if len(order) == 0 {
			p("| %s | — | | | | | | | %s |\n", s.Model.Name, s.Agreement.Verdict)
			continue
		}
		for _, pop := range order {
			e := pops[pop]
			cells := make([]string, 0, 6)
			for _, c := range e {
				if c == nil {
					cells = append(cells, "—", "—", "—")
					continue
				}
				tol := sig(c.Tol)
				if c.Tol == 0 {
					tol = "—"
				}
				mark := ""
				if !c.Pass {
					mark = " ✗"
				}
				sp := sig(c.Spiral)
				if c.SpiralN > 1 {
					sp += fmt.Sprintf(" (mean of %d)", c.SpiralN)
				}
				if c.Note != "" {
					tol += " (" + c.Note + ")"
				}
				cells = append(cells, sp+mark, meanSDStr(c.BrianMean, c.BrianSD, c.BrianN), tol)
			}
			p("| %s | %s | %s | %s |\n", s.Model.Name, pop, strings.Join(cells, " | "), s.Agreement.Verdict)
		}
	}
	p("\nAgreement rule: %s, each simulator's value being its mean over seeds "+
		"(each seed's value averaged over its engines or modes), sd the sample standard deviation of Brian2's values over seeds. "+
		"A model agrees when every rate and CV of ISI Brian2 reports passes (✗ marks a failure). "+
		"Rates: spikes / (neurons · simulated time) over the whole run; CV ISI: mean over neurons with at least 3 spikes.\n\n",
		rule)

}

// modesTable writes one row per simulator, engine or mode of every model.
func modesTable(b *strings.Builder, sums []ModelSummary) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Every mode\n\n")
	p("| model | simulator | ok / runs | simulate s | whole run s | construction s (median) | synaptic events/s (median) | peak RSS MB (max) | other load (max, cores) |\n")
	p("|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range sums {
		groups := append(append([]*Group{}, s.Spirals...), s.Brian...)
		for _, g := range groups {
			var builds []float64
			for _, r := range g.OK {
				builds = append(builds, r.BuildS)
			}
			load := "—"
			if len(g.OK) > 0 {
				load = fmt.Sprintf("%.2f", g.MaxLoad)
			}
			p("| %s | %s | %d / %d | %s | %s | %s | %s | %s | %s |\n", s.Model.Name, g.Label(), len(g.OK), len(g.Runs),
				fmtDist(g.Simulate, g), fmtDist(g.Whole, g), sig(dist(builds).Median), sig(g.EventsPS.Median), mb(g.PeakRSS), load)
		}
	}
}

// failedRuns lists the runs that failed, if any.
func failedRuns(b *strings.Builder, res *Results) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	var failed []Run
	for _, r := range res.Runs {
		if !r.OK {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		p("\n## Failed runs\n\n")
		for _, r := range failed {
			w := ""
			if r.Warmup {
				w = " (warm-up)"
			}
			p("- %s, %s %s, seed %d%s: %s\n", r.Model, r.Sim, r.Mode, r.Seed, w, strings.ReplaceAll(r.Error, "\n", " "))
		}
	}
}

// tableNotes writes how each figure was measured.
func tableNotes(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("\n## Notes\n\n")
	p("- Simulate phase: Spiral's `simulate_s` from summary.json; Brian2's `sim_s` (runtime: Brian's timer around the main loop; cpp_standalone: the timer inside the generated binary).\n")
	p("- Whole run: Spiral, the wall time of the `spiral-node run` process (built once beforehand, not counted); Brian2, the script's `timing.total_process_s` (Python start-up, model construction, code generation and, in cpp_standalone mode, C++ compilation, the run, statistics).\n")
	p("- Brian2 runtime mode uses a Cython cache that a warm-up run (untimed, short) fills before the timed runs of each model, so its whole run excludes Cython compilation; cpp_standalone compiles its C++ in every run, as it must.\n")
	p("- Synaptic events/s: events delivered per second of the simulate phase. Brian2 counts them exactly (spikes × out-degree of each source neuron); Spiral counts them exactly too (summary.json's synaptic_events; ≈ marks an estimate, spikes × synapses / neurons, only for summaries of versions that did not count). External Poisson drive (Brunel) is not counted in either.\n")
	p("- Bytes per synapse: Spiral's synapse storage from `spiral-node inspect` at scale 1 (storage per synapse does not depend on the scale for these models).\n")
	p("- Peak RSS: ru_maxrss of each process from its rusage. For Brian2 it covers the process tree the script waited for (Python and, in cpp_standalone mode, g++ and the generated binary), so it can be the compiler's.\n")
	p("- Other load: CPU time used by other processes during a run (from /proc/stat) divided by its wall time; above about 0.3 cores on a 2-core machine the timings are disturbed.\n")
}

func sizeStr(m Model, s ModelSummary) string {
	size := m.Size()
	for _, g := range append(append([]*Group{}, s.Spirals...), s.Brian...) {
		if len(g.OK) > 0 && g.OK[0].Synapses > 0 {
			return fmt.Sprintf("%s, %s synapses", size, humanCount(float64(g.OK[0].Synapses)))
		}
	}
	return size
}

func humanCount(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f G", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.0f k", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
