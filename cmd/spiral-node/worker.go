package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/actors"
)

// logger writes warnings and errors to w (stderr), for the engine and
// protoactor.
func logger(w io.Writer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(w), zapcore.WarnLevel)
	return zap.New(core)
}

// formatCounts writes shard counts as "P=K,..." (sorted) and parseCounts
// reads them back.
func formatCounts(c map[string]int) string {
	var parts []string
	for k, v := range c {
		parts = append(parts, k+"="+strconv.Itoa(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func parseCounts(s string) (map[string]int, error) {
	out := map[string]int{}
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 {
			return nil, fmt.Errorf("--shards %q: want POPULATION=COUNT,... with counts >= 1", s)
		}
		out[k] = n
	}
	return out, nil
}

// startWorkers starts n worker processes (this binary, "worker" command)
// and returns them with their addresses, read from their first line of
// output.
func startWorkers(n int, modelArgs []string, counts map[string]int, stderr io.Writer) ([]*exec.Cmd, []string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("finding this program to start workers: %w", err)
	}
	var procs []*exec.Cmd
	var addrs []string
	for i := 0; i < n; i++ {
		args := append([]string{"worker"}, modelArgs...)
		args = append(args, "--index", strconv.Itoa(i), "--count", strconv.Itoa(n), "--shards", formatCounts(counts))
		cmd := exec.Command(self, args...)
		cmd.Stderr = stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return procs, nil, err
		}
		// The worker stops when its standard input closes: when this
		// process exits, or when stopWorkers closes it.
		if _, err := cmd.StdinPipe(); err != nil {
			return procs, nil, err
		}
		if err := cmd.Start(); err != nil {
			return procs, nil, fmt.Errorf("starting worker %d: %w", i, err)
		}
		procs = append(procs, cmd)
		line := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			if sc.Scan() {
				line <- sc.Text()
			}
			close(line)
			io.Copy(io.Discard, out)
		}()
		select {
		case l, ok := <-line:
			addr, found := strings.CutPrefix(l, "listening ")
			if !ok || !found {
				return procs, nil, fmt.Errorf("worker %d did not start (said %q)", i, l)
			}
			addrs = append(addrs, addr)
		case <-time.After(60 * time.Second):
			return procs, nil, fmt.Errorf("worker %d did not start within 60 s", i)
		}
	}
	return procs, addrs, nil
}

// stopWorkers asks the workers to stop (closing their input), waits a
// little, then kills those still running.
func stopWorkers(procs []*exec.Cmd) {
	for _, p := range procs {
		if p.Process == nil {
			continue
		}
		_ = p.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
}

// runWorker builds the model and hosts its share of the shards until its
// standard input closes (the coordinator exited).
func runWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "built-in model")
	file := fs.String("file", "", "model file (instead of --model)")
	seed := fs.Uint64("seed", 1, "random seed")
	scale := fs.Float64("scale", 1, "network scale")
	index := fs.Int("index", 0, "this worker's index")
	count := fs.Int("count", 1, "number of workers")
	shards := fs.String("shards", "", "shard counts POPULATION=COUNT,...")
	listen := fs.String("listen", "127.0.0.1:0", "remote address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	name := *model
	if *file != "" {
		name = *file
	}
	src, code := resolveModel(name, *seed, true, *scale, set["scale"], stderr)
	if code != 0 {
		return code
	}
	counts, err := parseCounts(*shards)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 2
	}
	net, err := src.build()
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 2
	}
	w, err := actors.Serve(net, actors.WorkerOptions{Listen: *listen, Index: *index, Count: *count, Shards: counts, Logger: logger(stderr)})
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 1
	}
	defer w.Close()
	fmt.Fprintf(stdout, "listening %s\n", w.Address())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	case <-w.Lost():
	}
	return 0
}
