// Command receptivefields shows unsupervised pattern learning with
// k-winners-take-all and STDP: a layer of LIF neurons, each seeing every
// pixel of a small input grid through plastic synapses, learns to tell
// flashed oriented bars apart without being told what they are.
//
//	go run ./examples/receptivefields [-out out/receptivefields] [-train 960] [-test 25] [-seed 1]
//
// # Model (dt = 1 ms)
//
// Input ("retina"): an 8×8 grid of Poisson encoders (encoder.Poisson,
// DriveGain, 100 Hz × the pixel's intensity). A stimulus of the example's
// own (type schedule) flashes one of 8 oriented bars — 4 orientations
// (horizontal, vertical, the two diagonals) × 2 positions (axis 2 px either
// side of the centre), each 2 px wide (15 or 16 pixels) — for 25 ms,
// followed by 25 ms of blank; one presentation is a 50 ms window. Bar pixels
// have intensity 1 (100 Hz), all others 0.05 (5 Hz background noise, during
// the blank too). Training shows the bars in shuffled blocks of all 8, 960
// presentations (48 s of simulated time).
//
// Output ("v1"): 12 LIF neurons (τ = 20 ms, rest −65 mV, threshold −50 mV,
// reset to rest) with delta synapses: an input spike makes the potential
// jump by the synapse's weight in mV one step later.
//
// Competition: principle.KWTA{K: 1} over windows of 50 ms (DurationMs),
// aligned with the presentations: in each presentation only the first
// output neuron to cross the threshold may spike (ties broken by membrane
// potential); every other neuron that crosses it in that window is
// suppressed and reset to rest (SuppressVar "v"). The winner takes the
// presentation, and only the winner learns from it.
//
// Learning: all-to-all retina → v1 synapses, initial weights uniform in
// [0, 1.25] mV, with additive leaky STDP (plasticity.LeakySTDP: τ+ = τ− =
// 20 ms, η+ = 0.3, η− = 0.05), weights bounded to [0, 2] mV, and fan-in
// normalisation (synapse.Normalizer with Axis FanIn, passed as
// network.Connection.Normalize): after building and after every update the
// 64 weights into each output neuron are rescaled to sum to 40 mV. At the
// winner's spike STDP strengthens the synapses from the pixels that fired
// shortly before it (mostly the bar's) and weakens those that fire after
// it; the normalisation turns this into a competition between the synapses
// of a neuron, so the weights from pixels outside the bar shrink. A neuron
// whose weights gather on one bar reaches threshold first when that bar is
// shown and keeps winning it, which leaves the other bars to other neurons.
//
// Test: plasticity off (stepper.Learn = false), neuron states reset
// (stepper.Reset keeps the weights), every bar flashed 25 times in shuffled
// blocks. The program prints, for each output neuron, how many
// presentations of each bar it won, its preferred bar (the one it won
// most), its selectivity (the share of its wins on that bar) and the share
// of its incoming weight that lies on that bar's pixels (about 25% for
// unstructured weights); then the number of distinct preferred bars (8 of 8
// is full coverage), the test presentations won by a neuron preferring the
// bar shown, the most output spikes in one step and in one window (both at
// most k = 1), and the range of the learned weights and fan-in sums. With
// the defaults: 8 of 8 bars, 184 of 200 presentations (92%), 9 of 12
// neurons used. Without plasticity (the test's control) the same test
// gives about 40%.
//
// # Plots (PNG, into -out)
//
//   - patterns.png: the 8 bars (white = 100 Hz pixels).
//   - initial_fields.png and receptive_fields.png: for each output neuron
//     its 64 incoming weights reshaped to the 8×8 grid, before and after
//     training (black = 0, white = the panel's largest weight); the
//     learned panels are titled with the preferred bar (b0…b7 as in
//     patterns.png) and the selectivity. Look for bars: after training the
//     panels of the neurons that won show one bar each, brighter than the
//     rest of the grid, and different panels show different bars (two
//     neurons may share a bar). The panels of neurons that never won keep
//     their initial noise. The pixels outside the bar stay grey rather
//     than black: background spikes that precede a winning spike are
//     potentiated too, so about half of each weight vector stays off the
//     bar.
//   - wins.png: test wins, neurons as rows and bars as columns; ideally
//     one bright cell per column and at most one per row.
//
// The whole run takes well under a second on one core.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	cfg := DefaultConfig()
	out := flag.String("out", "out/receptivefields", "folder for the PNG plots")
	flag.IntVar(&cfg.TrainPresentations, "train", cfg.TrainPresentations, "number of training presentations (50 ms each)")
	flag.IntVar(&cfg.TestRepeats, "test", cfg.TestRepeats, "test presentations per bar")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.Parse()
	if err := mainErr(cfg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "receptivefields:", err)
		os.Exit(1)
	}
}

func mainErr(cfg Config, out string) error {
	t0 := time.Now()
	res, err := Run(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("trained on %d presentations (%.1f s simulated), tested on %d per bar, in %.1f s\n",
		cfg.TrainPresentations, float64(cfg.TrainPresentations*cfg.WindowSteps())*cfg.DtMs/1000,
		cfg.TestRepeats, time.Since(t0).Seconds())
	res.Print(os.Stdout)
	files, err := res.Plot(out)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Println("wrote", f)
	}
	return nil
}
