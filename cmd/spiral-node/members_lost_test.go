package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/output"
)

// startMembers makes a cluster directory and starts a member process on
// each host; it returns the directory, the members' control addresses,
// their commands and their stderr.
func startMembers(t *testing.T, hosts ...string) (string, []string, []*exec.Cmd, []*syncBuffer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	args := [][]string{{"tls", "init", dir, "--name", "coordinator", "--host", "127.0.0.1"}}
	for i, h := range hosts {
		args = append(args, []string{"tls", "issue", dir, "node" + string(rune('1'+i)), "--host", h})
	}
	for _, a := range args {
		var out, errb bytes.Buffer
		if code := run(a, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, errb.String())
		}
	}
	var addrs []string
	var cmds []*exec.Cmd
	var logs []*syncBuffer
	for i, h := range hosts {
		cmd, stdout, stderr := spiralNode(t, 0, "serve", "--listen", h+":0", "--tls", dir, "--name", "node"+string(rune('1'+i)))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGCONT)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		addr := servingAddr(t, stdout, stderr, "member on "+h)
		addrs, cmds, logs = append(addrs, addr), append(cmds, cmd), append(logs, stderr)
	}
	return dir, addrs, cmds, logs
}

// A member that is frozen (SIGSTOP) or killed (SIGKILL) in the middle of
// a run fails the run — exit 1, within the peer timeout, naming the
// member's address among those that do not answer a probe — and leaves
// no outputs. A frozen member that wakes up
// serves the next run.
func TestLostMemberFailsTheRun(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGSTOP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir, addrs, cmds, logs := startMembers(t, "127.0.0.2", "127.0.0.3")
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"run", "brunel", "--scale", "0.1", "--duration", "1e7", "--members", strings.Join(addrs, ","),
					"--tls", dir, "--quiet", "--peer-timeout", "4s", "--out", out}, &stdout, &stderr)
			}()
			for start := time.Now(); !strings.Contains(logs[1].String(), "a run for coordinator"); time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > 30*time.Second {
					t.Fatalf("the run did not reach member 2: %q", stderr.String())
				}
			}
			time.Sleep(1500 * time.Millisecond) // under way
			if err := cmds[1].Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			select {
			case code := <-done:
				// The error names the member (as the one a segment waits
				// for, or as one that does not answer a probe: a member
				// waiting for the frozen one may be the first named).
				if code != 1 || !strings.Contains(stderr.String(), "members that do not answer: "+addrs[1]) {
					t.Fatalf("exit %d, stderr %q: want 1 and the member named", code, stderr.String())
				}
				if d := time.Since(start); d > 15*time.Second {
					t.Fatalf("detected after %v", d)
				}
			case <-time.After(40 * time.Second):
				t.Fatalf("the run did not end after %v of a member", sig)
			}
			if sig != syscall.SIGSTOP {
				return
			}
			// Woken up, the member has dropped the failed run and serves
			// the next one.
			if err := cmds[1].Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			var o2, e2 bytes.Buffer
			deadline := time.Now().Add(30 * time.Second)
			for {
				o2.Reset()
				e2.Reset()
				code := run([]string{"run", "brunel", "--scale", "0.1", "--duration", "100", "--members", strings.Join(addrs, ","), "--tls", dir, "--quiet"}, &o2, &e2)
				if code == 0 {
					break
				}
				if time.Now().After(deadline) || !strings.Contains(e2.String(), "serving another run") {
					t.Fatalf("a run after the member woke up: exit %d: %s", code, e2.String())
				}
				time.Sleep(200 * time.Millisecond) // it is still letting the failed run go
			}
		})
	}
}

// With --on-member-loss recover, a member killed (SIGKILL) or frozen
// (SIGSTOP) in the middle of a run costs only time: the run goes back to
// its last checkpoint on the members left and ends with exit 0 and the
// very spike files of an uninterrupted run; it reports the loss on stderr
// and in summary.json.
func TestMemberLossRecovers(t *testing.T) {
	dir := t.TempDir()
	model := []string{"brunel", "--scale", "0.1", "--duration", "8000", "--quiet"}
	full := filepath.Join(dir, "full")
	var o, e bytes.Buffer
	if code := run(append([]string{"run"}, append(model, "--out", full)...), &o, &e); code != 0 {
		t.Fatalf("the uninterrupted run: exit %d: %s", code, e.String())
	}
	table := popRows(o.String())
	if table == "" {
		t.Fatal("no population row in the summary: popRows no longer reads the table")
	}
	for _, c := range []struct {
		sig              syscall.Signal
		checkpoints, out bool
	}{{syscall.SIGKILL, true, true}, {syscall.SIGSTOP, true, true}, {syscall.SIGKILL, false, true}, {syscall.SIGKILL, true, false}} {
		sig := c.sig
		t.Run(fmt.Sprintf("%v, checkpoints %v, out %v", sig, c.checkpoints, c.out), func(t *testing.T) {
			certs, addrs, cmds, logs := startMembers(t, "127.0.0.2", "127.0.0.3", "127.0.0.4")
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr syncBuffer
			done := make(chan int, 1)
			args := append([]string{"run"}, append(model, "--members", strings.Join(addrs, ","), "--tls", certs,
				"--on-member-loss", "recover", "--peer-timeout", "6s")...)
			if c.out {
				args = append(args, "--out", out)
			}
			if c.checkpoints {
				args = append(args, "--checkpoint-every", "500ms", "--checkpoint-dir", filepath.Join(t.TempDir(), "ck"))
			}
			go func() { done <- run(args, &stdout, &stderr) }()
			for start := time.Now(); !strings.Contains(logs[1].String(), "a run for coordinator"); time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > 30*time.Second {
					t.Fatalf("the run did not reach member 2: %q", stderr.String())
				}
			}
			time.Sleep(1500 * time.Millisecond) // under way, past a checkpoint
			if err := cmds[1].Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var code int
			select {
			case code = <-done:
			case <-time.After(90 * time.Second):
				t.Fatalf("the run did not end after %v of a member: %s", sig, stderr.String())
			}
			if code != 0 || !strings.Contains(stderr.String(), "recovered from the loss of "+addrs[1]) {
				t.Fatalf("exit %d, stderr %q: want 0 and the recovery reported", code, stderr.String())
			}
			// The summary's spike counts, rates and CVs are the
			// uninterrupted run's.
			if got := popRows(stdout.String()); got != table {
				t.Errorf("the summary after the recovery:\n%s\nthe uninterrupted run's:\n%s", got, table)
			}
			if !c.out {
				return
			}
			sameSpikeFiles(t, full, out, "E", "I")
			var sum output.Summary
			b, err := os.ReadFile(filepath.Join(out, "summary.json"))
			if err == nil {
				err = json.Unmarshal(b, &sum)
			}
			if err != nil {
				t.Fatal(err)
			}
			// With checkpoints every 500 ms, a killed member (found at
			// once) costs at most 500 ms of simulated time; without, the
			// run goes back to its start. A member lost just as a
			// checkpoint was taken costs none (back to where it was).
			if len(sum.Recoveries) != 1 || !slices.Equal(sum.Recoveries[0].Lost, []string{addrs[1]}) ||
				!(sum.Recoveries[0].BackToMS <= sum.Recoveries[0].AtMS) ||
				c.checkpoints && sig == syscall.SIGKILL && sum.Recoveries[0].AtMS-sum.Recoveries[0].BackToMS > 500+1e-9 ||
				!c.checkpoints && sum.Recoveries[0].BackToMS != 0 {
				t.Errorf("summary.json reports the recoveries %+v", sum.Recoveries)
			}
		})
	}
}

// popRows returns the rows of a run's summary table that describe the
// populations E and I.
func popRows(summary string) string {
	var rows []string
	for _, line := range strings.Split(summary, "\n") {
		if f := strings.Fields(line); len(f) == 6 && (f[0] == "E" || f[0] == "I") {
			rows = append(rows, line)
		}
	}
	return strings.Join(rows, "\n")
}

// sameSpikeFiles checks that the spike files of out are byte for byte
// those of full (an uninterrupted run's).
func sameSpikeFiles(t *testing.T, full, out string, pops ...string) {
	t.Helper()
	for _, pop := range pops {
		a, err := os.ReadFile(filepath.Join(full, "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "spikes", pop+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("the spikes of %s differ from the uninterrupted run's", pop)
		}
	}
}
