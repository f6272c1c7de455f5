package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/network"
)

// logger writes warnings and errors to w (stderr), for the engine and
// protoactor, each line prefixed with the program's name.
func logger(w io.Writer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(prefixed{w, "spiral-node: "}), zapcore.WarnLevel)
	return zap.New(core)
}

// prefixed writes every line written to it to w, prefixed. zap writes
// one entry per call, so a line is never split between calls.
type prefixed struct {
	w      io.Writer
	prefix string
}

// Write implements io.Writer.
func (p prefixed) Write(b []byte) (int, error) {
	n := len(b)
	var buf []byte
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		buf = append(append(buf, p.prefix...), line...)
		b = b[len(line):]
	}
	_, err := p.w.Write(buf)
	if err != nil {
		return 0, err
	}
	return n, nil
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

// startWorkers starts n worker processes (this binary, "worker" command),
// hands each its identity (ids[i]) on its standard input, and returns them
// with their addresses, read from their first line of output.
func startWorkers(n int, modelArgs []string, counts map[string]int, ids []*transport.Identity, stderr io.Writer) ([]workerProc, []string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("finding this program to start workers: %w", err)
	}
	var procs []workerProc
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
		// The worker reads its identity (certificate and key) from its
		// first line of input — never from its command line, which any
		// local user can read — and stops when its input closes: when
		// this process exits, or when stopWorkers closes it.
		in, err := cmd.StdinPipe()
		if err != nil {
			return procs, nil, err
		}
		if err := cmd.Start(); err != nil {
			return procs, nil, fmt.Errorf("starting worker %d: %w", i, err)
		}
		procs = append(procs, workerProc{cmd, in})
		line, err := ids[i].Marshal()
		if err == nil {
			_, err = in.Write(append(line, '\n'))
		}
		if err != nil {
			return procs, nil, fmt.Errorf("handing worker %d its identity: %w", i, err)
		}
		said := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			if sc.Scan() {
				said <- sc.Text()
			}
			close(said)
			io.Copy(io.Discard, out)
		}()
		select {
		case l, ok := <-said:
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

// workerProc is a worker process and the pipe to its standard input.
type workerProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

// stopWorkers asks the workers to stop (closing their input), waits a
// little, then kills those still running.
func stopWorkers(procs []workerProc) {
	for _, p := range procs {
		if p.cmd.Process == nil {
			continue
		}
		_ = p.in.Close()
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
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
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: spiral-node worker --model M|--file F --seed S [--scale X] --index I --count N --shards P=K,... (started by run --workers, which hands it its identity on its standard input)")
		fs.PrintDefaults()
	}
	if code := parseFlags(fs, args, "spiral-node worker", stdout, stderr); code >= 0 {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// The first line of input is this worker's identity (see startWorkers).
	in := bufio.NewReaderSize(os.Stdin, 4096)
	id, err := readIdentity(in)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 2
	}
	name := *model
	if *file != "" {
		name = *file
	}
	src, code := resolveModel("spiral-node worker", name, *seed, true, *scale, set["scale"], stderr)
	if code != 0 {
		return code
	}
	counts, err := parseCounts(*shards)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 2
	}
	net, err := buildPart(src, counts, *index, *count)
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 2
	}
	w, err := actors.Serve(net, actors.WorkerOptions{Listen: *listen, Index: *index, Count: *count, Shards: counts, Identity: id, Logger: logger(stderr)})
	if err != nil {
		fmt.Fprintf(stderr, "spiral-node worker: %v\n", err)
		return 1
	}
	defer w.Close()
	fmt.Fprintf(stdout, "listening %s\n", w.Address())
	// A worker ignores SIGINT: Ctrl-C in a terminal reaches the whole
	// process group, and the coordinator, which handles it, stops its
	// workers by closing their input. SIGTERM stops a worker at once.
	signal.Ignore(os.Interrupt)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, in); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	case <-w.Lost():
	}
	return 0
}

// buildPart builds the part of src's network that worker index of count
// hosts with the shard counts: first the network without synapses (its
// populations' sizes place the shards), then the synapses that end on the
// worker's shards — no process of a run holds them all.
func buildPart(src source, counts map[string]int, index, count int) (*network.Network, error) {
	skeleton, err := src.build(&network.Part{})
	if err != nil {
		return nil, err
	}
	var names []string
	var sizes []int
	for _, p := range skeleton.Populations {
		names, sizes = append(names, p.Name), append(sizes, p.N)
	}
	return src.build(actors.WorkerPart(names, sizes, counts, index, count, nil))
}

// readIdentity reads a worker's identity: one line of at most 64 KiB.
func readIdentity(in *bufio.Reader) (*transport.Identity, error) {
	var line []byte
	for {
		chunk, more, err := in.ReadLine()
		if err != nil {
			return nil, fmt.Errorf("reading this worker's identity from standard input (workers are started by run --workers): %w", err)
		}
		line = append(line, chunk...)
		if len(line) > 64<<10 {
			return nil, fmt.Errorf("reading this worker's identity: a line of more than 64 KiB")
		}
		if !more {
			break
		}
	}
	return transport.ParseIdentity(line)
}
