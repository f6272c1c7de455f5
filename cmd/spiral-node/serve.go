package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/workers"
)

const serveUsage = `usage: spiral-node serve --listen HOST:PORT [--advertise HOST:PORT] --tls DIR [--name NAME] [--cores N] [--memory SIZE] [--log-level L]

A cluster member: it waits for coordinators (spiral-node run MODEL
--members ...), hosts the shards of one run at a time — building only the
synapses that end on them, from the recipe the coordinator sends — and
goes on serving after a run ends or fails. Every connection is mutual TLS
from the cluster's authority in DIR (spiral-node tls): the member presents
DIR/NAME.pem and accepts only coordinators with a certificate of the same
authority. It reports its cores and memory to coordinators, which place
more shards on members with more cores. It says "serving on HOST:PORT"
when it listens; SIGINT or SIGTERM stops it.`

// serveCommand runs a cluster member.
func serveCommand(args []string, stdout, stderr io.Writer) int {
	const what = "spiral-node serve"
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "", "the member's control address, HOST:PORT (port 0 picks one); the runs' shards listen on the same host")
	advertise := fs.String("advertise", "", "where coordinators and other members reach this member's runs, HOST:PORT: each run's shards listen on --listen's host at PORT and are announced as HOST:PORT (behind a NAT; needed with --listen on every interface, 0.0.0.0)")
	tlsDir := fs.String("tls", "", "the cluster's certificate directory (spiral-node tls), holding this member's certificate (required)")
	name := fs.String("name", "", "the member's certificate name in --tls DIR (default: this machine's host name)")
	cores := fs.Int("cores", runtime.NumCPU(), "the cores this member offers a run (coordinators place shards by them)")
	memory := fs.String("memory", "", "the memory this member offers a run, e.g. 64GiB, 512MiB or bytes (default: MemAvailable)")
	level := newLogLevel()
	fs.Var(level, "log-level", logLevelUsage)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), serveUsage); fs.PrintDefaults() }
	if code := parseFlags(fs, args, what, stdout, stderr); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", what, fs.Args())
		return 2
	}
	if *listen == "" || *tlsDir == "" {
		fmt.Fprintf(stderr, "%s: --listen HOST:PORT and --tls DIR are required (a member authenticates every coordinator with the cluster's certificates)\n", what)
		return 2
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "%s: --listen %q: %v (want HOST:PORT)\n", what, *listen, err)
		return 2
	}
	if *advertise != "" {
		h, p, err := net.SplitHostPort(*advertise)
		if port, perr := strconv.Atoi(p); err != nil || h == "" || perr != nil || port < 1 || port > 65535 {
			fmt.Fprintf(stderr, "%s: --advertise %q: want HOST:PORT, with a port from 1 to 65535\n", what, *advertise)
			return 2
		}
	} else if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		fmt.Fprintf(stderr, "%s: --listen %q is every interface: add --advertise HOST:PORT, where coordinators and other members reach this member's runs\n", what, *listen)
		return 2
	}
	if *cores < 1 {
		fmt.Fprintf(stderr, "%s: --cores %d: must be at least 1\n", what, *cores)
		return 2
	}
	var memBytes int64
	if *memory != "" {
		b, err := parseSize(*memory)
		if err != nil {
			fmt.Fprintf(stderr, "%s: --memory %q: %v\n", what, *memory, err)
			return 2
		}
		memBytes = b
	} else if b, err := estimate.MemAvailable(); err == nil {
		memBytes = b
	}
	if *name == "" {
		h, err := os.Hostname()
		if err != nil {
			fmt.Fprintf(stderr, "%s: --name: %v\n", what, err)
			return 2
		}
		*name = h
	}
	id, err := transport.LoadIdentity(*tlsDir, *name)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 2
	}
	v, _ := versionString()
	m, err := workers.ListenMember(workers.MemberOptions{Listen: *listen, Advertise: *advertise, Identity: id, Recipe: loadRecipe, Version: v, Cores: *cores, MemoryBytes: memBytes, Log: stderr, Logger: logger(stderr, level.Level).With(zap.String("member", *name))})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 1
	}
	fmt.Fprintf(stdout, "serving on %s\n", m.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	done := make(chan error, 1)
	go func() { done <- m.Serve() }()
	select {
	case <-stop:
		m.Close()
		return 0
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, err)
			return 1
		}
		return 0
	}
}

// parseSize reads a size in bytes: a number with an optional unit (B, KiB,
// MiB, GiB, TiB, or KB, MB, GB, TB as powers of 1000).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := 1.0
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || !(x > 0) || x*mult > 1<<62 {
		return 0, fmt.Errorf("want a positive size, e.g. 64GiB, 512MiB or a number of bytes")
	}
	return int64(x * mult), nil
}
