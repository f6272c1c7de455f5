package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spiral-sim/spiral/plot"
)

const plotUsage = "usage: spiral-node plot DIR [--bin T] [--max-points N] [--format png,svg]"

// plotCommand implements "spiral-node plot DIR": it renders the raster,
// population rate, state traces (graded populations' outputs among them),
// weight histograms and weight matrices of the run directory
// DIR (written by "run --out DIR") into DIR/plots/. Exit codes: 0 success,
// 2 invalid input (not a complete run directory, malformed files, bad
// flags), 1 failure.
func plotCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := &msFlag{name: "bin", plainMs: true, zeroOK: true}
	fs.Var(bin, "bin", "population-rate bin width: 5ms, 0.01s, or a plain number of ms (default, or 0: chosen from each population's size, rate and the run's duration)")
	maxPts := fs.Int("max-points", plot.DefaultMaxRasterPoints, "at most this many raster points per population (every s-th neuron shown beyond; 0: the default)")
	formats := fs.String("format", "png,svg", "comma-separated image formats (png, svg, pdf, ...)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), plotUsage)
		fmt.Fprintln(fs.Output(), "Renders the plots of a run directory written by 'run --out DIR' into DIR/plots/.")
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
	}
	// accept DIR before or after the flags
	var pos []string
	for len(args) > 0 {
		if code := parseFlags(fs, args, "spiral-node plot", stdout, stderr); code >= 0 {
			return code
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprintln(stderr, "spiral-node plot: no run directory given")
		} else {
			fmt.Fprintf(stderr, "spiral-node plot: %s (%s): give one run directory\n", plural(len(pos), "argument"), strings.Join(pos, " "))
		}
		fmt.Fprintln(stderr, plotUsage)
		return 2
	}
	if *maxPts < 0 {
		fmt.Fprintf(stderr, "spiral-node plot: --max-points %d: must be >= 0 (0: the default, %d)\n", *maxPts, plot.DefaultMaxRasterPoints)
		return 2
	}
	var fmts []string
	for _, f := range plotSplitComma(*formats) {
		switch f {
		case "png", "svg", "pdf", "eps", "jpg", "jpeg", "tif", "tiff":
			fmts = append(fmts, f)
		default:
			fmt.Fprintf(stderr, "spiral-node plot: unknown format %q\n", f)
			return 2
		}
	}
	files, err := plot.Render(pos[0], plot.Options{RateBinMS: bin.ms, MaxRasterPoints: *maxPts, Formats: fmts})
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node plot: %v\n", err)
		if errors.Is(err, plot.ErrInvalid) || errors.Is(err, plot.ErrOption) {
			return 2
		}
		return 1
	}
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	return 0
}

func plotSplitComma(s string) []string {
	var out []string
	start := 0
	for k := 0; k <= len(s); k++ {
		if k == len(s) || s[k] == ',' {
			if f := s[start:k]; f != "" {
				out = append(out, f)
			}
			start = k + 1
		}
	}
	return out
}
