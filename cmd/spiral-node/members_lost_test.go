package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
// member's address — and leaves no outputs. A frozen member that wakes up
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
				if code != 1 || !strings.Contains(stderr.String(), "127.0.0.3:") {
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
