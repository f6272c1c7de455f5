package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const hostileDir = "../../testdata/hostile"

// runSafe runs the command in-process and turns a panic into a test
// failure (a Go runtime crash must never reach a user).
func runSafe(t *testing.T, args ...string) (code int, out string) {
	t.Helper()
	var o, e bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%v: panic: %v\n%s", args, r, debug.Stack())
				code = -1
			}
		}()
		code = run(args, &o, &e)
	}()
	out = o.String() + e.String()
	for _, crash := range []string{"panic:", "goroutine ", "fatal error", "runtime error"} {
		if strings.Contains(out, crash) {
			t.Errorf("%v: output shows a crash (%q):\n%s", args, crash, out)
		}
	}
	return code, out
}

// withMemory makes the commands see avail bytes of memory available.
func withMemory(t *testing.T, avail int64) {
	t.Setenv(MemoryEnv, strconv.FormatInt(avail, 10))
}

type hostileCase struct {
	file        string
	code        int
	msg         string
	runDuration string // "" when the file is not run; "-" runs with the file's duration
	runCode     int
	runMsg      string
	line        int
}

func readExpectations(t *testing.T) []hostileCase {
	f, err := os.Open(filepath.Join(hostileDir, "expect.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 && len(cols) != 6 {
			t.Fatalf("expect.txt:%d: %d columns, want 3 or 6", ln, len(cols))
		}
		c := hostileCase{file: cols[0], msg: cols[2], line: ln}
		if c.code, err = strconv.Atoi(cols[1]); err != nil {
			t.Fatalf("expect.txt:%d: %v", ln, err)
		}
		if len(cols) == 6 {
			c.runDuration, c.runMsg = cols[3], cols[5]
			if c.runCode, err = strconv.Atoi(cols[4]); err != nil {
				t.Fatalf("expect.txt:%d: %v", ln, err)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// Every hostile model file gets the exit code and message its line of
// testdata/hostile/expect.txt gives, from validate and, where validate
// passes, from run; nothing panics. Every file of the corpus has a line.
func TestHostileCorpus(t *testing.T) {
	withMemory(t, 4<<30)
	cases := readExpectations(t)
	files, _ := filepath.Glob(filepath.Join(hostileDir, "*.yaml"))
	if len(files) < 40 {
		t.Errorf("%d hostile files, want at least 40", len(files))
	}
	listed := map[string]bool{}
	for _, c := range cases {
		listed[c.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no line in expect.txt", f)
		}
	}
	t.Chdir(hostileDir) // messages name the files as given
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := c.file
			t0 := time.Now()
			code, out := runSafe(t, "validate", path)
			if code != c.code || !strings.Contains(out, c.msg) {
				t.Errorf("validate: exit %d, want %d, and output with %q:\n%s", code, c.code, c.msg, out)
			}
			if d := time.Since(t0); d > 20*time.Second {
				t.Errorf("validate took %v", d)
			}
			if n := strings.Count(out, "\n"); n > maxPrinted+3 {
				t.Errorf("validate printed %d lines", n)
			}
			if c.runDuration == "" {
				if c.code == 0 {
					t.Errorf("expect.txt:%d: validate passes: give run columns", c.line)
				}
				return
			}
			args := []string{"run", path, "--quiet"}
			if c.runDuration != "-" {
				args = append(args, "--duration", c.runDuration)
			}
			code, out = runSafe(t, args...)
			if code != c.runCode || !strings.Contains(out, c.runMsg) {
				t.Errorf("run: exit %d, want %d, and output with %q:\n%s", code, c.runCode, c.runMsg, out)
			}
		})
	}
}

// Inputs too big or too strange to commit, made here: a 66 MB list, a
// sparse 2 GiB file, a file of 7.5 M list items under the size limit,
// /dev/zero, a FIFO, a directory, and a file of 900,000 errors.
func TestHostileGenerated(t *testing.T) {
	withMemory(t, 4<<30)
	dir := t.TempDir()
	write := func(name string, parts ...[]byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Join(parts, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := []byte("populations:\n  E: {size: 3, model: {kind: lif}, stimuli: [{per_neuron: [")
	tail := []byte("1]}]}\n")
	big := write("list66.yaml", head, bytes.Repeat([]byte("1,"), 33_000_000), tail)
	sparse := filepath.Join(dir, "sparse.yaml")
	if f, err := os.Create(sparse); err != nil {
		t.Fatal(err)
	} else {
		if err := f.Truncate(2 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	// 15 MB of "1," stays under 16 MiB but is 7.5 M items: 15 M tokens.
	many := write("list15.yaml", head, bytes.Repeat([]byte("1,"), 7_500_000), tail)
	// 900,000 strings where numbers belong: 1.8 M tokens (under the
	// limit of 2 M), 900,000 values, 900,000 problems.
	const nbad = 900_000
	flood := write("flood.yaml", head, bytes.Repeat([]byte("a,"), nbad-1), []byte("a]}]}\n"))
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "model.yaml")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		code int
		msg  string
	}{
		{big, 2, fmt.Sprintf("file of %d bytes: larger than 16777216 bytes (16 MiB)", len(head)+66_000_000+len(tail))},
		{sparse, 2, "file of 2147483648 bytes: larger than 16777216 bytes (16 MiB)"},
		{many, 2, "more than 2000000 YAML tokens: a model file holds at most 1000000 values"},
		{"/dev/zero", 2, "/dev/zero: not a regular file: it is a device"},
		{fifo, 2, "not a regular file: it is a named pipe (FIFO)"},
		{sub, 2, "model.yaml is a folder, not a model"},
		{flood, 2, fmt.Sprintf("%d more problems not listed (%d in all; the first %d above)", nbad-maxPrinted, nbad, maxPrinted)},
	}
	for _, c := range cases {
		for _, cmd := range []string{"validate", "run"} {
			done := make(chan struct{})
			var code int
			var out string
			t0 := time.Now()
			go func() {
				defer close(done)
				args := []string{cmd, c.path}
				if cmd == "run" {
					args = append(args, "--duration", "1")
				}
				code, out = runSafe(t, args...)
			}()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("%s %s: still running after a minute", cmd, c.path)
			}
			if code != c.code || !strings.Contains(out, c.msg) {
				t.Errorf("%s %s: exit %d, want %d, and output with %q:\n%.2000s", cmd, filepath.Base(c.path), code, c.code, c.msg, out)
			}
			// At most the first 100 problems and a line counting the rest.
			if n := strings.Count(out, "\n"); n > maxPrinted+1 {
				t.Errorf("%s %s: %d lines printed, want at most %d", cmd, filepath.Base(c.path), n, maxPrinted+1)
			}
			t.Logf("%s %s: %v", cmd, filepath.Base(c.path), time.Since(t0))
		}
	}
}

// The memory guard of validate and run: refused (exit 1) beyond the
// memory available, naming the estimate and the memory available; --force
// goes on. The estimate of 2^31−1 neurons is at least their state, 32 B
// each (estimate.DefaultStateBytes): 64 GiB.
func TestMemoryGuard(t *testing.T) {
	withMemory(t, 4<<30)
	path := filepath.Join(hostileDir, "size_huge.yaml")
	for _, cmd := range []string{"validate", "run"} {
		code, out := runSafe(t, cmd, path)
		if code != 1 {
			t.Fatalf("%s: exit %d, want 1:\n%s", cmd, code, out)
		}
		m := regexp.MustCompile(`the memory estimate \(([0-9.]+) GiB .*exceeds the memory available \(4\.00 GiB`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no estimate and memory available in:\n%s", cmd, out)
		}
		if x, _ := strconv.ParseFloat(m[1], 64); x < float64(2147483647)*32/(1<<30) {
			t.Errorf("%s: estimate %s GiB, below the neurons' state alone (64 GiB)", cmd, m[1])
		}
	}
	// fi.yaml (201 neurons: at least 201 × 32 B of state, 6.4 kB) and 1
	// KiB available: refused, then built with --force.
	withMemory(t, 1<<10)
	fi := filepath.Join("..", "..", "examples", "fi", "fi.yaml")
	for _, args := range [][]string{
		{"validate", fi},
		{"run", "fi", "--duration", "1", "--quiet"},
		{"run", fi, "--duration", "1", "--quiet", "--engine", "actors"},
		{"run", fi, "--duration", "1", "--quiet", "--engine", "sequential"},
	} {
		if code, out := runSafe(t, args...); code != 1 || !strings.Contains(out, "exceeds the memory available (1.0 KiB, MemAvailable): not building; --force builds anyway") {
			t.Errorf("%v: exit %d, want 1 with the refusal:\n%s", args, code, out)
		}
		if code, out := runSafe(t, append(args, "--force")...); code != 0 {
			t.Errorf("%v --force: exit %d:\n%s", args, code, out)
		}
	}
}

// Seeds are exact: a file's seed of 2^64−1 and a --seed of 2^63−1 are run
// and recorded (stdout and summary.json) digit for digit; seeds beyond 64
// bits or not integers are refused.
func TestExactSeeds(t *testing.T) {
	withMemory(t, 4<<30)
	file := filepath.Join(hostileDir, "seed_max_uint64.yaml")
	for _, c := range []struct {
		args []string
		seed string
	}{
		{[]string{"run", file, "--duration", "1", "--quiet"}, "18446744073709551615"},
		{[]string{"run", file, "--duration", "1", "--quiet", "--seed", "9223372036854775807"}, "9223372036854775807"},
		{[]string{"run", "fi", "--duration", "1", "--quiet", "--seed", "9007199254740993"}, "9007199254740993"}, // 2^53 + 1
	} {
		dir := filepath.Join(t.TempDir(), "out")
		code, out := runSafe(t, append(c.args, "--out", dir)...)
		if code != 0 || !strings.Contains(out, "seed "+c.seed+"\n") {
			t.Fatalf("%v: exit %d, want 0 and seed %s:\n%s", c.args, code, c.seed, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			Seed json.Number `json:"seed"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&sum); err != nil {
			t.Fatal(err)
		}
		if sum.Seed.String() != c.seed {
			t.Errorf("%v: summary.json seed %s, want %s", c.args, sum.Seed, c.seed)
		}
	}
	for _, s := range []string{"18446744073709551616", "-1", "1e3", "1.5"} {
		if code, out := runSafe(t, "run", file, "--duration", "1", "--seed", s); code != 2 || !strings.Contains(out, "invalid value \""+s+"\" for flag -seed") {
			t.Errorf("--seed %s: exit %d, want 2:\n%s", s, code, out)
		}
	}
}
