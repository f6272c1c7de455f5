// Command compare runs Song, Miller & Abbott's STDP model
// (examples/stdp/stdp.yaml) for 100 s and compares its final weights with
// Brian2's (testdata/brian2/stdp_T100_seed*.json, recorded on the same
// machine; bench/brian2/stdp.py --duration 100 --out FILE writes another): it prints both simulators'
// statistics and writes histograms.png, the two weight histograms side by
// side.
//
//	go run ./examples/stdp/compare [-out DIR] [-seconds 100] [-seed 1]
//
// Additive STDP with hard bounds drives the weights apart: after 100 s
// most sit near 0 or near the bound gmax, the bimodal distribution of
// Song et al. (2000, Fig. 2), and the postsynaptic rate settles. Spiral and
// Brian2 draw different random inputs, so the histograms agree in
// distribution, not synapse by synapse.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/plot"
	"github.com/spiral-sim/spiral/stepper"
)

// gmax is the model's weight bound (stdp.yaml's wmax).
const gmax = 0.01

// bins of the histograms on [0, 1] (w / gmax), as stdp.py.
const bins = 20

// stats are what both simulators report.
type stats struct {
	Hist       []int   // counts of w/gmax in 20 bins on [0, 1]
	Mean       float64 // mean w/gmax
	Below, Top float64 // fractions below 0.1 and above 0.9
	PostHz     float64 // postsynaptic rate over the run
}

// brian2 is the part of stdp.py's JSON output that is compared.
type brian2 struct {
	Seed     int     `json:"seed"`
	Duration float64 `json:"duration_s"`
	Hist     []int   `json:"w_hist_counts"`
	Mean     float64 `json:"w_mean_final"`
	Below    float64 `json:"w_frac_below_0.1"`
	Top      float64 `json:"w_frac_above_0.9"`
	PostHz   float64 `json:"post_rate_hz"`
	Timing   struct {
		Sim float64 `json:"sim_s"`
	} `json:"timing"`
}

func main() {
	out := flag.String("out", "out/stdp", "folder for histograms.png")
	seconds := flag.Float64("seconds", 100, "simulated time, s")
	seed := flag.Uint64("seed", 1, "seed")
	model := flag.String("model", "examples/stdp/stdp.yaml", "the model file")
	ref := flag.String("brian2", "testdata/brian2/stdp_T100_seed*.json", "Brian2 results (glob)")
	flag.Parse()
	s, err := simulate(*model, *seconds, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	refs, err := loadBrian2(*ref)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	fmt.Printf("%-16s %8s %10s %10s %10s\n", "", "mean", "w<0.1", "w>0.9", "post Hz")
	fmt.Printf("%-16s %8.3f %10.3f %10.3f %10.2f\n", fmt.Sprintf("Spiral seed %d", *seed), s.Mean, s.Below, s.Top, s.PostHz)
	for _, r := range refs {
		fmt.Printf("%-16s %8.3f %10.3f %10.3f %10.2f   (%.0f s, simulate %.1f s)\n",
			fmt.Sprintf("Brian2 seed %d", r.Seed), r.Mean, r.Below, r.Top, r.PostHz, r.Duration, r.Timing.Sim)
	}
	if err := plotHistograms(filepath.Join(*out, "histograms.png"), s, refs); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	fmt.Println("wrote", filepath.Join(*out, "histograms.png"))
}

// simulate runs the model for the given time and returns the statistics
// of its final weights.
func simulate(path string, seconds float64, seed uint64) (*stats, error) {
	m, err := modelfile.Load(path)
	if err != nil {
		return nil, err
	}
	m.Network.Seed = seed
	net, err := m.Build()
	if err != nil {
		return nil, err
	}
	st := stepper.New(net)
	post, err := monitor.NewSpikes(net, "out")
	if err != nil {
		return nil, err
	}
	st.AddMonitor(post)
	if err := st.RunMs(seconds * 1000); err != nil {
		return nil, err
	}
	return weightStats(net, "syn", float64(len(post.Steps))/seconds)
}

func weightStats(net *network.Network, proj string, postHz float64) (*stats, error) {
	p, ok := net.Projection(proj)
	if !ok {
		return nil, fmt.Errorf("the model has no projection %q", proj)
	}
	s := &stats{Hist: make([]int, bins), PostHz: postHz}
	w := p.Runtime.Syn.W
	for _, x := range w {
		r := float64(x) / gmax
		s.Mean += r
		if r < 0.1 {
			s.Below++
		}
		if r > 0.9 {
			s.Top++
		}
		s.Hist[min(bins-1, max(0, int(math.Floor(r*bins))))]++
	}
	n := float64(len(w))
	s.Mean /= n
	s.Below /= n
	s.Top /= n
	return s, nil
}

func loadBrian2(glob string) ([]brian2, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Brian2 results match %s (run bench/brian2/stdp.py --duration 100 --out FILE)", glob)
	}
	sort.Strings(files)
	var out []brian2
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var r brian2
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(r.Hist) != bins {
			return nil, fmt.Errorf("%s: w_hist_counts has %d bins, want %d", f, len(r.Hist), bins)
		}
		out = append(out, r)
	}
	return out, nil
}

// plotHistograms draws Spiral's histogram and the mean of Brian2's as
// grouped bars over the bins of w / gmax.
func plotHistograms(path string, s *stats, refs []brian2) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	sp, br := make([]float64, bins), make([]float64, bins)
	edges := make([]float64, bins+1)
	for i := range bins {
		sp[i] = float64(s.Hist[i])
		for _, r := range refs {
			br[i] += float64(r.Hist[i]) / float64(len(refs))
		}
	}
	for i := range edges {
		edges[i] = float64(i) / bins
	}
	f := plot.Figure{Width: 7 * plot.Inch, Height: 4 * plot.Inch, LegendLeft: false}
	return f.Bars(path, fmt.Sprintf("Song, Miller & Abbott STDP: final weights (gmax = %g)", gmax),
		fmt.Sprintf("final weight w / gmax (%d bins of %g)", bins, 1.0/bins), "synapses",
		edges, []plot.BarSeries{
			{Name: "Spiral", Values: sp, Color: color.RGBA{R: 31, G: 119, B: 180, A: 255}},
			{Name: fmt.Sprintf("Brian2 (mean of %d seeds)", len(refs)), Values: br, Color: color.RGBA{R: 255, G: 127, B: 14, A: 255}},
		})
}
