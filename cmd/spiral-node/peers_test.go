package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// workerChildren returns the pids of this process's worker children
// (Linux: read from /proc).
func workerChildren(t *testing.T) []int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		_, rest, ok := strings.Cut(string(b), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "cmdline"))
		if strings.Contains(string(cmd), "\x00worker\x00") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// A worker process that is frozen (SIGSTOP) or killed (SIGKILL) in the
// middle of a run fails the run — exit 1, within the peer timeout, with a
// message naming a worker — and leaves no outputs behind.
func TestFrozenOrKilledWorkerFailsTheRun(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to find the worker processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGSTOP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			var out, errb syncBuffer // worker processes write into errb too
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"run", "brunel", "--scale", "0.1", "--duration", "1e7", "--workers", "2", "--shards", "2",
					"--quiet", "--peer-timeout", "4s", "--out", dir}, &out, &errb)
			}()
			var victims []int
			for start := time.Now(); len(victims) < 2; time.Sleep(50 * time.Millisecond) {
				if victims = workerChildren(t); time.Since(start) > 60*time.Second {
					t.Fatalf("found workers %v", victims)
				}
			}
			time.Sleep(2 * time.Second) // the run is under way
			if err := syscall.Kill(victims[1], sig); err != nil {
				t.Fatal(err)
			}
			defer syscall.Kill(victims[1], syscall.SIGCONT)
			start := time.Now()
			select {
			case code := <-done:
				if code != 1 {
					t.Fatalf("exit %d, want 1 (run failed): %s", code, errb.String())
				}
				if msg := errb.String(); !strings.Contains(msg, "worker at 127.0.0.1:") {
					t.Fatalf("the error does not name the worker: %q (stdout %q)", msg, out.String())
				}
				if d := time.Since(start); d > 15*time.Second {
					t.Fatalf("detected after %v", d)
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Fatalf("a failed run left %s behind (%v)", dir, err)
				}
			case <-time.After(40 * time.Second):
				t.Fatalf("the run did not end after %v of a worker", sig)
			}
		})
	}
}
