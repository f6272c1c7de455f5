package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is the outcome of one subprocess.
type proc struct {
	Wall        float64 // seconds
	MaxRSS      int64   // bytes (ru_maxrss of the process and the children it waited for)
	CPU         float64 // user + system seconds of the process tree
	ForeignLoad float64 // other processes' CPU / wall (NaN if /proc/stat is unreadable)
	Stdout      string
	Stderr      string
	Err         error
}

// runProc runs argv in its own process group (so that a timeout or an
// interrupt kills compilers and binaries a script started as well) and
// measures it from its rusage.
func runProc(ctx context.Context, timeout time.Duration, dir string, argv []string) proc {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	busy0, ok0 := machineBusy()
	t0 := time.Now()
	err := cmd.Run()
	p := proc{Wall: time.Since(t0).Seconds(), Stdout: stdout.String(), Stderr: stderr.String(), ForeignLoad: math.NaN()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
			p.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
			p.CPU = tv(ru.Utime) + tv(ru.Stime)
		}
	}
	if busy1, ok1 := machineBusy(); ok0 && ok1 && p.Wall > 0 {
		p.ForeignLoad = math.Max(0, (busy1-busy0)-p.CPU) / p.Wall
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v", timeout)
		} else {
			err = fmt.Errorf("interrupted")
		}
	} else if err != nil {
		err = fmt.Errorf("%v: %s", err, lastLine(p.Stderr))
	}
	p.Err = err
	return p
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// machineBusy is the CPU time (seconds) the whole machine spent busy since
// boot, from /proc/stat (user nice system irq softirq).
func machineBusy() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, false
	}
	var v [7]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(f[i+1], 64)
	}
	return (v[0] + v[1] + v[2] + v[5] + v[6]) / 100, true // USER_HZ = 100 on Linux
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// runSpiral runs spiral-node once and fills a Run.
func runSpiral(ctx context.Context, bin, tmp string, m Model, engine string, seed uint64, rep int, timeout time.Duration) Run {
	r := Run{Model: m.Name, Sim: SimSpiral, Mode: engine, Rep: rep, Seed: seed, Scale: m.Scale, DurationS: m.DurationS, DtMS: 0.1}
	out := filepath.Join(tmp, fmt.Sprintf("spiral_%s_%s_%d", m.Spiral, engine, rep))
	os.RemoveAll(out)
	defer os.RemoveAll(out)
	argv := []string{bin, "run", m.Spiral, "--scale", fmtF(m.Scale), "--duration", fmtF(m.DurationS * 1000),
		"--seed", strconv.FormatUint(seed, 10), "--engine", engine, "--out", out, "--quiet"}
	r.Command = argv
	p := runProc(ctx, timeout, tmp, argv)
	r.ProcessWallS, r.WholeS, r.PeakRSS, r.ForeignLoad = p.Wall, p.Wall, p.MaxRSS, jfloat(p.ForeignLoad)
	if p.Err != nil {
		r.Error, r.StderrTail = p.Err.Error(), tail(p.Stderr, 2000)
		return r
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err == nil {
		err = parseSpiralSummary(b, m, &r)
	}
	if err != nil {
		r.Error, r.StderrTail = err.Error(), tail(p.Stderr, 2000)
		return r
	}
	r.OK = true
	return r
}

// brianOpts are the settings of the Brian2 runs.
type brianOpts struct {
	Python      string
	Dir         string // the scripts
	CythonCache string
	Threads     int // cpp_standalone threads (1: serial code)
}

// runBrian runs one Brian2 script once and fills a Run. mode is runtime,
// cpp_standalone (serial) or cpp_standalone_tN (OpenMP, N threads).
func runBrian(ctx context.Context, o brianOpts, tmp string, m Model, mode string, seed uint64, rep int, durationS float64, timeout time.Duration) Run {
	r := Run{Model: m.Name, Sim: SimBrian2, Mode: mode, Rep: rep, Seed: seed, Scale: m.Scale, DurationS: durationS, DtMS: 0.1}
	device, threads := mode, 1
	if strings.HasPrefix(mode, "cpp_standalone_t") {
		device = "cpp_standalone"
		threads, _ = strconv.Atoi(strings.TrimPrefix(mode, "cpp_standalone_t"))
	}
	tag := fmt.Sprintf("brian2_%s_%s_%d", m.Spiral, mode, rep)
	if rep < 0 {
		tag = fmt.Sprintf("brian2_%s_%s_warmup", m.Spiral, mode)
	}
	out := filepath.Join(tmp, tag+".json")
	build := filepath.Join(tmp, tag+"_build")
	defer os.Remove(out)
	defer os.RemoveAll(build)
	argv := []string{o.Python, filepath.Join(o.Dir, m.Script), "--scale", fmtF(m.Scale), "--duration", fmtF(durationS),
		"--seed", strconv.FormatUint(seed, 10), "--dt", "0.1", "--device", device, "--out", out}
	if device == "cpp_standalone" {
		argv = append(argv, "--threads", strconv.Itoa(threads), "--builddir", build)
	} else if o.CythonCache != "" {
		argv = append(argv, "--cython-cache", o.CythonCache)
	}
	r.Command = argv
	p := runProc(ctx, timeout, tmp, argv)
	r.ProcessWallS, r.WholeS, r.PeakRSS, r.ForeignLoad = p.Wall, p.Wall, p.MaxRSS, jfloat(p.ForeignLoad)
	if p.Err != nil {
		r.Error, r.StderrTail = p.Err.Error(), tail(p.Stderr, 2000)
		return r
	}
	b, err := os.ReadFile(out)
	if err == nil {
		err = parseBrianJSON(b, &r)
	}
	if err != nil {
		r.Error, r.StderrTail = err.Error(), tail(p.Stderr, 2000)
		return r
	}
	r.OK = true
	return r
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// inspectBytesPerSynapse runs `spiral-node inspect MODEL` (scale 1: inspect
// takes no --scale) and returns the synapse storage per synapse over all
// projections.
func inspectBytesPerSynapse(ctx context.Context, bin, dir, model string) (float64, error) {
	p := runProc(ctx, 5*time.Minute, dir, []string{bin, "inspect", model})
	if p.Err != nil {
		return 0, p.Err
	}
	return parseInspect(p.Stdout)
}

// parseInspect reads the projection tables of spiral-node inspect's output
// (a header line starting with "projection" naming the columns, among
// them "synapses" and "bytes" — or, since inspect prints sizes with units,
// "memory", e.g. "823.3 KiB" — then one row per projection) and returns
// the bytes per synapse over all projections of the last table whose
// counts are exact numbers (estimates such as "~204800" are skipped).
func parseInspect(out string) (float64, error) {
	lines := strings.Split(out, "\n")
	result, found := 0.0, false
	for i := 0; i < len(lines); i++ {
		head := strings.Fields(lines[i])
		if len(head) == 0 || head[0] != "projection" {
			continue
		}
		isyn, ibytes := -1, -1
		for k, h := range head {
			if h == "synapses" && isyn < 0 {
				isyn = k
			}
			if (h == "bytes" || h == "memory") && ibytes < 0 {
				ibytes = k
			}
		}
		if isyn < 0 || ibytes < 0 {
			continue
		}
		var syn, bytes float64
		exact := true
		j := i + 1
		for ; j < len(lines); j++ {
			f := sizeFields(lines[j])
			if len(f) != len(head) {
				break
			}
			sv, err1 := strconv.ParseFloat(f[isyn], 64)
			bv, err2 := parseSize(f[ibytes])
			if err1 != nil || err2 != nil {
				exact = false
				continue
			}
			syn += sv
			bytes += bv
		}
		if exact && syn > 0 {
			result, found = bytes/syn, true
		}
		i = j - 1
	}
	if !found {
		return 0, fmt.Errorf("inspect: no projection table with exact synapse and byte counts found")
	}
	return result, nil
}

// sizeUnits are the units inspect prints sizes in, with their bytes.
var sizeUnits = map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// sizeFields splits a table row into fields, keeping a number and the
// size unit after it ("823.3 KiB") as one field.
func sizeFields(line string) []string {
	var out []string
	for _, f := range strings.Fields(line) {
		if _, unit := sizeUnits[f]; unit && len(out) > 0 {
			if _, err := strconv.ParseFloat(out[len(out)-1], 64); err == nil {
				out[len(out)-1] += " " + f
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// parseSize reads a byte count, bare ("843012") or with a unit
// ("823.3 KiB").
func parseSize(s string) (float64, error) {
	num, unit, _ := strings.Cut(s, " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	if unit == "" {
		return v, nil
	}
	m, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit", s)
	}
	return v * m, nil
}

// buildSpiral builds cmd/spiral-node once into dir.
func buildSpiral(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "spiral-node")
	p := runProc(ctx, 10*time.Minute, root, []string{goTool(), "build", "-o", bin, "./cmd/spiral-node"})
	if p.Err != nil {
		return "", fmt.Errorf("go build ./cmd/spiral-node: %v\n%s", p.Err, tail(p.Stderr, 4000))
	}
	return bin, nil
}

func goTool() string {
	if g := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(g) {
		return g
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// repoRoot walks up from the working directory to the go.mod of module
// github.com/spiral-sim/spiral.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/spiral-sim/spiral\n") {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("not inside the github.com/spiral-sim/spiral module (no go.mod found above the working directory)")
		}
		d = up
	}
}

// checkBrian2 returns Brian2's and Python's versions, or an error saying
// how to install Brian2.
func checkBrian2(ctx context.Context, python string) (brian2, py string, err error) {
	p := runProc(ctx, 2*time.Minute, "", []string{python, "-c", "import brian2, platform; print(brian2.__version__, platform.python_version())"})
	if p.Err != nil {
		return "", "", fmt.Errorf("%s cannot import brian2 (%v).\nInstall it from Debian with\n"+
			"  apt-get update && apt-get install -y python3-brian python3-brian-lib python3-dev g++\n"+
			"or run this command with -install (or -skip-brian2 to run Spiral alone)", python, p.Err)
	}
	f := strings.Fields(p.Stdout)
	if len(f) < 2 {
		return "", "", fmt.Errorf("%s: unexpected output %q from the Brian2 check", python, p.Stdout)
	}
	return f[0], "Python " + f[1], nil
}

// installBrian2 installs Brian2 from Debian's packages.
func installBrian2(ctx context.Context, logf func(string, ...any)) error {
	cmds := [][]string{{"apt-get", "update"},
		{"apt-get", "install", "-y", "python3-brian", "python3-brian-lib", "python3-dev", "g++"}}
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("sudo"); err == nil {
			for i := range cmds {
				cmds[i] = append([]string{"sudo"}, cmds[i]...)
			}
		}
	}
	for _, c := range cmds {
		logf("running %s", strings.Join(c, " "))
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(c, " "), err)
		}
	}
	return nil
}
