package main

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/plot"
)

// plotSimulate draws the simulate time per model (median, whiskers min to
// max) of Spiral and of each Brian2 mode on a log scale.
func plotSimulate(sums []ModelSummary, path string) error {
	names := make([]string, len(sums))
	for i, s := range sums {
		names[i] = fmt.Sprintf("%s\n%s, %s", s.Model.Name, s.Model.Size(), fmtSimulated(s.Model.DurationS))
	}
	groups := func(s ModelSummary) []*Group {
		return append(append([]*Group{}, s.Spirals...), s.Brian...)
	}
	// Series: the Spiral engines, then every Brian2 mode seen in any model.
	var series []plot.CategorySeries
	index := map[string]int{}
	for _, s := range sums {
		for _, g := range groups(s) {
			key := g.Sim + "/" + g.Mode
			if _, ok := index[key]; ok {
				continue
			}
			index[key] = len(series)
			cs := plot.CategorySeries{Name: g.Label(), Mid: make([]float64, len(sums)),
				Low: make([]float64, len(sums)), High: make([]float64, len(sums))}
			for i := range sums {
				cs.Mid[i], cs.Low[i], cs.High[i] = math.NaN(), math.NaN(), math.NaN()
			}
			series = append(series, cs)
		}
	}
	for i, s := range sums {
		for _, g := range groups(s) {
			if d := g.Simulate; d.N > 0 && d.Min > 0 {
				cs := &series[index[g.Sim+"/"+g.Mode]]
				cs.Mid[i], cs.Low[i], cs.High[i] = d.Median, d.Min, d.Max
			}
		}
	}
	f := plot.Figure{Width: plot.Length(70+45*len(sums)) * plot.Millimeter, Height: 110 * plot.Millimeter,
		LegendLeft: true, LogY: true}
	err := f.Categories(path, "Simulate phase per model (median, min–max over repetitions)",
		"simulate time (s, log scale)", names, series)
	if err == plot.ErrNoPoints {
		return fmt.Errorf("plot: no successful run to draw")
	}
	return err
}
