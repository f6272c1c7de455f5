package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/output"
)

// asSpiralNode, set in the environment, makes the test binary run as
// spiral-node (TestMain).
const asSpiralNode = "SPIRAL_NODE_TEST_AS_MAIN"

// spiralNode returns a command that runs spiral-node with args in a
// process of its own: this test binary, which main's run serves. With
// fileBlocks > 0 the process may write no file beyond that many blocks of
// 512 or 1024 bytes (ulimit -f): writes fail as on a full disk.
func spiralNode(t *testing.T, fileBlocks int, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	if fileBlocks > 0 {
		cmd = exec.Command("sh", append([]string{"-c", fmt.Sprintf(`ulimit -f %d && exec "$0" "$@"`, fileBlocks), self}, args...)...)
	}
	cmd.Env = append(os.Environ(), asSpiralNode+"=1")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// syncBuffer is a bytes.Buffer that a child's output may fill while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// exitCode waits for cmd and returns its exit code (-1 if a signal
// killed it).
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// waitFor polls cond every 10 ms for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// simulating reports whether the run writing dir has streamed spikes
// into its partial outputs (its engine is running).
func simulating(dir string) func() bool {
	return func() bool {
		fi, err := os.Stat(filepath.Join(dir, ".partial", "spikes", "E.npz.t_ms.tmp"))
		return err == nil && fi.Size() > 0
	}
}

// entries lists a directory's names ("absent" if it does not exist).
func entries(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// checkRun asserts that dir holds a complete run: summary.json and
// readable spike archives of E and I, and nothing else but plots.
func checkRun(t *testing.T, dir string) {
	t.Helper()
	if got := entries(t, dir); got != "spikes summary.json" && got != "plots spikes summary.json" {
		t.Fatalf("%s holds %s", dir, got)
	}
	if got := entries(t, filepath.Join(dir, "spikes")); got != "E.npz I.npz" {
		t.Fatalf("%s/spikes holds %s", dir, got)
	}
	for _, pop := range []string{"E", "I"} {
		z, err := zip.OpenReader(filepath.Join(dir, "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if len(z.File) != 2 || z.File[0].Name != "t_ms.npy" || z.File[0].UncompressedSize64 < 1000 {
			t.Errorf("%s.npz: %d members", pop, len(z.File))
		}
		z.Close()
	}
}

// snapshot reads every file under dir, by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A second run on the --out of a run in progress fails at once (exit 2)
// naming the first one's process, and the first run's outputs survive
// complete. (Before the lock, the second run deleted them.)
func TestOutInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "brunel", "--scale", "0.2", "--duration", "20000", "--quiet", "--out", dir}
	first, stdout, stderr := spiralNode(t, 0, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitFor(t, "the first run to lock "+dir, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, ".lock"))
		return strings.TrimSpace(string(b)) == strconv.Itoa(first.Process.Pid)
	})
	second, _, stderr2 := spiralNode(t, 0, args...)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s is in use by pid %d", dir, first.Process.Pid)
	if code := exitCode(t, second); code != 2 || !strings.Contains(stderr2.String(), want) {
		t.Errorf("second run: exit %d, want 2 and %q:\n%s", code, want, stderr2)
	}
	if code := exitCode(t, first); code != 0 || !strings.Contains(stdout.String(), "wrote "+dir) {
		t.Fatalf("first run: exit %d:\n%s%s", code, stdout, stderr)
	}
	checkRun(t, dir)
}

// Two runs started together on one --out, in one process: exactly one
// succeeds and its outputs survive; the other fails with the in-use
// message.
func TestConcurrentRunsOneOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]bytes.Buffer, 2)
	errs := make([]bytes.Buffer, 2)
	for k := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[k] = run([]string{"run", "brunel", "--scale", "0.2", "--duration", "2000", "--quiet", "--out", dir}, &outs[k], &errs[k])
		}()
	}
	wg.Wait()
	won := 0
	if codes[1] == 0 {
		won = 1
	}
	lost := 1 - won
	if codes[won] != 0 || !strings.Contains(outs[won].String(), "wrote "+dir) {
		t.Fatalf("exit codes %v: no run succeeded:\n%s\n%s", codes, errs[0].String(), errs[1].String())
	}
	// The other run found the directory locked, or — had it reached it
	// only after the winner committed — holding a run; either way it was
	// refused without touching it.
	want := fmt.Sprintf("%s is in use by pid %d", dir, os.Getpid())
	if msg := errs[lost].String(); codes[lost] != 2 || !strings.Contains(msg, want) && !strings.Contains(msg, "--overwrite") {
		t.Errorf("the other run: exit %d, want 2 and %q (or the not-empty refusal):\n%s", codes[lost], want, msg)
	}
	checkRun(t, dir)
}

// A .partial (and a .lock) left by a killed run is removed, with a word
// on stderr, and the run goes on.
func TestStalePartialRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(dir, ".partial", "spikes"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".partial", "spikes", "E.npz.t_ms.tmp"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(dir, ".lock"), []byte("999999999\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"run", "cuba", "--duration", "200", "--quiet", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := fmt.Sprintf("spiral-node run: --out %s: removed %s, left by a run that was interrupted", dir, filepath.Join(dir, ".partial"))
	if !strings.Contains(errb.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errb.String())
	}
	checkRun(t, dir)
}

// --overwrite replaces a previous run's outputs only when the new run
// succeeds: a run that fails (a full disk) or is interrupted leaves them
// as they were.
func TestOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	base := []string{"run", "brunel", "--scale", "0.2", "--quiet", "--out", dir}
	var out, errb bytes.Buffer
	if code := run(append(base, "--duration", "300"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	old := snapshot(t, dir)
	unchanged := func(what string) {
		t.Helper()
		now := snapshot(t, dir)
		if len(now) != len(old) {
			t.Fatalf("%s: files %d, were %d (%s)", what, len(now), len(old), entries(t, dir))
		}
		for k, v := range old {
			if now[k] != v {
				t.Fatalf("%s: %s changed", what, k)
			}
		}
		if got := entries(t, dir); got != "spikes summary.json" {
			t.Fatalf("%s: %s holds %s", what, dir, got)
		}
	}
	errb.Reset()
	if code := run(append(base, "--duration", "300"), &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "is not empty (holds spikes, summary.json)") || !strings.Contains(errb.String(), "--overwrite replaces") {
		t.Errorf("without --overwrite: exit %d:\n%s", code, errb.String())
	}
	unchanged("refused run")

	// a new run whose writes fail
	cmd, _, stderr := spiralNode(t, 64, append(base, "--duration", "100000", "--overwrite")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd); code != 1 || !strings.Contains(stderr.String(), "writing spikes of") {
		t.Errorf("failing overwrite: exit %d:\n%s", code, stderr)
	}
	unchanged("failed overwrite")

	// a new run interrupted
	cmd, _, stderr = spiralNode(t, 0, append(base, "--duration", "1000000", "--overwrite")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to simulate", simulating(dir))
	cmd.Process.Signal(os.Interrupt)
	if code := exitCode(t, cmd); code != 130 {
		t.Errorf("interrupted overwrite: exit %d:\n%s", code, stderr)
	}
	unchanged("interrupted overwrite")

	// a new run that succeeds replaces everything
	errb.Reset()
	if code := run(append(base, "--duration", "200", "--overwrite", "--seed", "2"), &out, &errb); code != 0 {
		t.Fatalf("overwrite: exit %d: %s", code, errb.String())
	}
	checkRun(t, dir)
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if !strings.Contains(string(b), `"seed": 2`) || !strings.Contains(string(b), `"duration_ms": 200`) || string(b) == old["summary.json"] {
		t.Errorf("summary.json after the overwrite:\n%s", b)
	}
	errb.Reset()
	if code := run([]string{"run", "fi", "--overwrite"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--overwrite needs --out DIR") {
		t.Errorf("--overwrite without --out: exit %d: %s", code, errb.String())
	}
}

// The first write that fails (here: beyond the file size limit, as on a
// full disk) stops the run at once on every engine: exit 1, an error
// naming the file and the simulated time reached, nothing left behind.
func TestWriteFailureStopsRun(t *testing.T) {
	stopped := regexp.MustCompile(`writing (spikes of \w+|state \S+): write \S+: file too large; the run stopped at ([0-9.]+) ms of 100000 ms`)
	for _, c := range []struct{ model, engine string }{
		{"brunel", "lockstep"}, {"brunel", "actors"}, {"brunel", "sequential"}, {"../../examples/stdp/stdp.yaml", "sequential"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		args := []string{"run", c.model, "--duration", "100000", "--quiet", "--engine", c.engine, "--out", dir}
		if c.model == "brunel" {
			args = append(args, "--scale", "0.2")
		}
		cmd, _, stderr := spiralNode(t, 64, args...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		code := exitCode(t, cmd)
		m := stopped.FindStringSubmatch(stderr.String())
		if code != 1 || m == nil {
			t.Errorf("%s, %s: exit %d after %v, want 1 and an error matching %q:\n%s", c.model, c.engine, code, time.Since(start), stopped, stderr)
			continue
		}
		// 64 blocks hold some thousands of spikes: a few hundred ms.
		if ms, _ := strconv.ParseFloat(m[2], 64); ms > 5000 {
			t.Errorf("%s, %s: stopped only at %g ms", c.model, c.engine, ms)
		}
		if got := entries(t, dir); got != "absent" {
			t.Errorf("%s, %s: %s left with %s", c.model, c.engine, dir, got)
		}
	}
}

// SIGINT and SIGTERM end a run with 130 and 143, and remove its partial
// outputs: a directory the run created goes, one that existed is left
// empty.
func TestSignalExitCodes(t *testing.T) {
	for _, c := range []struct {
		sig    syscall.Signal
		name   string
		code   int
		engine string
		out    bool // with --out
		exists bool // the --out directory exists (empty) before the run
	}{
		{syscall.SIGINT, "SIGINT", 130, "lockstep", true, false},
		{syscall.SIGTERM, "SIGTERM", 143, "lockstep", true, true},
		{syscall.SIGINT, "SIGINT", 130, "actors", true, false},
		{syscall.SIGTERM, "SIGTERM", 143, "sequential", true, false},
		{syscall.SIGINT, "SIGINT", 130, "lockstep", false, false},
		{syscall.SIGTERM, "SIGTERM", 143, "lockstep", false, false},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		args := []string{"run", "brunel", "--scale", "0.2", "--duration", "1000000", "--engine", c.engine}
		if c.out {
			args = append(args, "--quiet", "--out", dir)
		}
		if c.exists {
			os.Mkdir(dir, 0o755)
		}
		cmd, _, stderr := spiralNode(t, 0, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if c.out {
			waitFor(t, "the run to simulate", simulating(dir))
		} else {
			waitFor(t, "progress", func() bool { return strings.Contains(stderr.String(), "simulated") })
		}
		cmd.Process.Signal(c.sig)
		signalled := time.Now()
		code := exitCode(t, cmd)
		// The engine stops at once: the process does not wait out the
		// grace period after which it exits regardless.
		if d := time.Since(signalled); d >= interruptGrace {
			t.Errorf("%s, %s, --out %v: exited %v after the signal", c.name, c.engine, c.out, d)
		}
		want := "spiral-node run: interrupted (" + c.name + ")"
		if c.out {
			want += ": the partial outputs in " + dir + " were removed"
		}
		if code != c.code || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s, %s, --out %v: exit %d, want %d and %q:\n%s", c.name, c.engine, c.out, code, c.code, want, stderr)
		}
		wantDir := "absent"
		if c.exists {
			wantDir = ""
		}
		if got := entries(t, dir); got != wantDir {
			t.Errorf("%s, %s, --out %v: %s holds %q after the signal, want %q", c.name, c.engine, c.out, dir, got, wantDir)
		}
	}
}

// A signal during --plot, after the outputs are committed, keeps them and
// says so (it used to say they were removed).
func TestSignalWhilePlotting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	cmd, _, stderr := spiralNode(t, 0, "run", "brunel", "--scale", "0.2", "--duration", "2000", "--quiet", "--out", dir, "--plot")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var stdout bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(stdout.String(), "wrote "+dir+"\n") {
		n, err := pr.Read(buf)
		if err != nil {
			t.Fatalf("stdout ended before the outputs were written: %v\n%s%s", err, stdout.String(), stderr)
		}
		stdout.Write(buf[:n])
	}
	cmd.Process.Signal(os.Interrupt)
	go func() { // drain
		for {
			if _, err := pr.Read(buf); err != nil {
				return
			}
		}
	}()
	code := exitCode(t, cmd)
	want := fmt.Sprintf("spiral-node run: interrupted (SIGINT) after the outputs were committed: %s is complete and kept", dir)
	if code != 130 || !strings.Contains(stderr.String(), want) {
		t.Fatalf("exit %d, want 130 and %q:\n%s", code, want, stderr)
	}
	checkRun(t, dir) // no .lock, no .partial
	tmps, _ := filepath.Glob(filepath.Join(dir, "plots", "*.tmp"))
	if len(tmps) > 0 {
		t.Errorf("half-written plots left: %v", tmps)
	}
}

// A run whose standard output is closed before it ends (`spiral-node run
// … | head -1`) still commits its --out folder and exits 0: the summary's
// writes fail, they do not kill it, and a note says the summary was lost.
// Without --out, where the summary is the only result, it exits 1 saying
// so.
func TestClosedStdoutStillCommits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cmd, _, stderr := spiralNode(t, 0, "run", "brunel", "--scale", "0.1", "--duration", "50", "--quiet", "--out", out)
	cmd.Stdout = nil
	r, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody reads: the first write meets a broken pipe
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
		t.Fatalf("the folder was not committed: %v", err)
	}
	if !strings.Contains(stderr.String(), "note: the summary could not be written to standard output") {
		t.Errorf("stderr %q does not say the summary was lost", stderr.String())
	}
	// Without --out the summary was the run's only result: exit 1, said.
	cmd, _, stderr = spiralNode(t, 0, "run", "brunel", "--scale", "0.1", "--duration", "50", "--quiet")
	cmd.Stdout = nil
	if r, err = cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := cmd.Wait(); err == nil || !strings.Contains(stderr.String(), "the summary could not be written to standard output") {
		t.Errorf("without --out: %v, stderr %q; want exit 1 saying the summary was lost", err, stderr.String())
	}
}

// With a batch of copies, the summary counts every copy — size N·B, the
// spikes of all copies — whether or not the spikes go into files (--out):
// the two tables are the same, and summary.json says what the table says.
func TestBatchSummaryWithAndWithoutOut(t *testing.T) {
	model, err := os.ReadFile("../../examples/first/first.yaml")
	if err != nil {
		t.Fatal(err)
	}
	batched := strings.Replace(string(model), "network: {dt_ms: 0.1, seed: 1}", "network: {dt_ms: 0.1, seed: 1, batch: 3}", 1)
	if batched == string(model) {
		t.Fatal("first.yaml's network line changed: update this test")
	}
	file := filepath.Join(t.TempDir(), "batched.yaml")
	if err := os.WriteFile(file, []byte(batched), 0o644); err != nil {
		t.Fatal(err)
	}
	table := func(args ...string) string {
		var o, e bytes.Buffer
		if code := run(append([]string{"run", file, "--duration", "100", "--quiet"}, args...), &o, &e); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.String())
		}
		return popRows(o.String())
	}
	out := filepath.Join(t.TempDir(), "out")
	var o, e bytes.Buffer
	if code := run([]string{"run", file, "--duration", "10", "--quiet"}, &o, &e); code != 0 || !strings.Contains(o.String(), "1000 neurons × 3 copies") {
		t.Errorf("the header does not count the copies (exit %d):\n%s", code, o.String())
	}
	without, with := table(), table("--out", out)
	if without == "" {
		t.Fatal("no population row in the summary: popRows no longer reads the table")
	}
	if without != with {
		t.Fatalf("the summary without --out:\n%s\nwith:\n%s", without, with)
	}
	var sum output.Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sum.Populations {
		n := map[string]int{"E": 800, "I": 200}[p.Name]
		if p.Size != 3*n {
			t.Errorf("%s: size %d, want %d (three copies of %d)", p.Name, p.Size, 3*n, n)
		}
		row := fmt.Sprintf("%-6s %8d %10d %10.3f", p.Name, p.Size, p.Spikes, p.RateHz)
		if !strings.Contains(with, row) {
			t.Errorf("the table\n%s\nhas no row %q, as summary.json says", with, row)
		}
	}
}

// Initial weights drawn outside a projection's bounds are set to them,
// as documented, and a note on stderr says how many.
func TestClippedInitialWeightsNoted(t *testing.T) {
	model := filepath.Join(t.TempDir(), "clip.yaml")
	src := `network: {dt_ms: 0.1, seed: 1}
populations:
  P: {size: 100, model: {kind: poisson, rate_hz: 10}}
  E: {size: 20, model: {kind: lif}}
projections:
  PE: {from: P, to: E, connectivity: {kind: all_to_all}, weight: {uniform: [0, 5]}, wmin: 0, wmax: 1}
`
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	if code := run([]string{"run", model, "--duration", "5", "--quiet"}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	// Of 2,000 weights uniform in [0, 5], about 4/5 lie above 1.
	re := regexp.MustCompile(`note: projection "PE": (\d+) of 2000 initial weights lay outside its bounds`)
	m := re.FindStringSubmatch(e.String())
	if m == nil {
		t.Fatalf("stderr %q: no note of the clipped weights", e.String())
	}
	if k, _ := strconv.Atoi(m[1]); k < 1500 || k > 1700 {
		t.Errorf("%d weights clipped, want about 1600 (4/5 of 2000)", k)
	}
}

// TestWarmup checks that --warmup leaves the run's start out of the
// summary's statistics, alike with and without --out: the spikes counted
// are those of the spike file from the warm-up's end on, the rate is over
// the rest of the run, and the file keeps every spike; a warm-up as long
// as the run is refused.
func TestWarmup(t *testing.T) {
	dir := t.TempDir()
	model := "../../examples/first/first.yaml"
	table := func(args ...string) (string, string) {
		var o, e bytes.Buffer
		if code := run(append([]string{"run", model, "--duration", "200", "--warmup", "50ms", "--quiet"}, args...), &o, &e); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.String())
		}
		return popRows(o.String()), o.String()
	}
	out := filepath.Join(dir, "out")
	without, printed := table()
	with, _ := table("--out", out)
	if without == "" || without != with {
		t.Fatalf("the summary without --out:\n%s\nwith:\n%s", without, with)
	}
	if !strings.Contains(printed, "statistics over the last 150 ms (--warmup 50 ms left out)") {
		t.Errorf("the summary does not say its window:\n%s", printed)
	}
	var sum output.Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatal(err)
	}
	if sum.WarmupMS != 50 || sum.DurationMS != 200 {
		t.Errorf("summary.json: warmup_ms %g, duration_ms %g; want 50 and 200", sum.WarmupMS, sum.DurationMS)
	}
	for _, p := range sum.Populations {
		ts, _ := spikesFrom(t, out, p.Name, 0)
		late, _ := spikesFrom(t, out, p.Name, 50)
		if int64(len(late)) != p.Spikes || len(ts) <= len(late) {
			t.Errorf("%s: %d spikes counted, the file holds %d from 50 ms on and %d in all", p.Name, p.Spikes, len(late), len(ts))
		}
		if want := float64(len(late)) / float64(p.Size) / 0.15; math.Abs(p.RateHz-want) > 1e-9*want {
			t.Errorf("%s: rate %g Hz, want %g over 150 ms", p.Name, p.RateHz, want)
		}
	}
	var o, e bytes.Buffer
	if code := run([]string{"run", model, "--duration", "200", "--warmup", "200ms"}, &o, &e); code != 2 || !strings.Contains(e.String(), "--warmup 200ms: must be >= 0 and shorter than the run (200ms)") {
		t.Errorf("a warm-up as long as the run: exit %d, %q", code, e.String())
	}
}
