package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Two cluster members (spiral-node serve, processes of their own on
// 127.0.0.2 and 127.0.0.3, with certificates from spiral-node tls) host
// two runs in turn of a coordinator (run --members): both give the
// sequential stepper's spikes; the members go on serving between runs;
// SIGTERM stops them. Usage without --tls is refused.
func TestMembersRunAsOneProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	for _, args := range [][]string{
		{"tls", "init", dir, "--name", "node1", "--host", "127.0.0.2"},
		{"tls", "issue", dir, "node2", "--host", "127.0.0.3"},
		{"tls", "issue", dir, "coordinator", "--host", "127.0.0.1"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
	}
	var addrs []string
	for i, host := range []string{"127.0.0.2", "127.0.0.3"} {
		cmd, stdout, stderr := spiralNode(t, 0, "serve", "--listen", host+":0", "--tls", dir, "--name", []string{"node1", "node2"}[i],
			"--cores", []string{"1", "3"}[i])
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("member %d: %v after SIGTERM (%s)", i+1, err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Errorf("member %d did not stop on SIGTERM", i+1)
			}
		}()
		addrs = append(addrs, servingAddr(t, stdout, stderr, fmt.Sprintf("member %d", i+1)))
	}
	seq := runTable(t, "run", "brunel", "--scale", "0.1", "--duration", "200", "--engine", "sequential")
	// The member of 3 cores hosts more shards than the member of 1.
	var out, errb bytes.Buffer
	if code := run([]string{"run", "brunel", "--scale", "0.1", "--duration", "50", "--members", strings.Join(addrs, ","), "--tls", dir, "--shards", "4", "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "node1 (1 core, 2 shards), node2 (3 cores, 6 shards)") {
		t.Errorf("placement by cores: %s", out.String())
	}
	for range 2 {
		got := runTable(t, "run", "brunel", "--scale", "0.1", "--duration", "200", "--members", strings.Join(addrs, ","), "--tls", dir, "--shards", "2")
		if got != seq || !strings.Contains(seq, "E ") {
			t.Errorf("sequential:\n%s\non two members:\n%s", seq, got)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "brunel", "--members", addrs[0]}, "--members needs --tls DIR"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, "--tls DIR are required"},
		{[]string{"run", "brunel", "--scale", "0.1", "--members", addrs[0], "--tls", dir, "--name", "nobody"}, "tls issue"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// run --metrics serves the run's progress while it goes: simulated time
// and spikes per population, which end at what the summary reports; with
// workers, the round trip over every link between the processes.
func TestRunMetrics(t *testing.T) {
	scrape(t, []string{"run", "brunel", "--scale", "0.1", "--duration", "8000", "--quiet", "--metrics", "127.0.0.1:0"},
		`spiral_spikes_total{model="brunel",population="E"}`, `spiral_simulated_seconds{model="brunel"}`)
	scrape(t, []string{"run", "brunel", "--scale", "0.1", "--duration", "20000", "--quiet", "--metrics", "127.0.0.1:0", "--workers", "2"},
		`spiral_link_rtt_seconds{from="spiral-worker-1",model="brunel",to="spiral-worker-0"}`,
		`spiral_link_rtt_seconds{from="spiral-coordinator",model="brunel",to="spiral-worker-0"}`,
		`spiral_link_rtt_seconds{from="spiral-worker-0",model="brunel",to="spiral-worker-1"}`,
		`spiral_peer_up{model="brunel",peer="spiral-worker-1"} 1`)
}

// scrape runs spiral-node with args, which must serve metrics, scrapes
// them until first appears while the run goes, checks that the others
// are there too, and waits for the run to succeed.
func scrape(t *testing.T, args []string, first string, others ...string) {
	t.Helper()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(args, &out, &errb)
	}()
	var addr string
	for start := time.Now(); addr == ""; time.Sleep(10 * time.Millisecond) {
		if _, rest, ok := strings.Cut(errb.String(), "metrics on http://"); ok {
			addr, _, _ = strings.Cut(rest, "/metrics")
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no metrics address: %q", errb.String())
		}
	}
	var body string
	for start := time.Now(); !strings.Contains(body, first); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatalf("scraping while the run goes: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no %s in the metrics:\n%s", first, body)
		}
	}
	for _, o := range others {
		if !strings.Contains(body, o) {
			t.Errorf("no %s in the metrics:\n%s", o, body)
		}
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// servingAddr waits (up to 10 s) for a member process to say "serving on
// ADDR" on stdout and returns ADDR; what names it in the failure.
func servingAddr(t *testing.T, stdout, stderr *syncBuffer, what string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "serving on ") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_, addr, ok := strings.Cut(strings.TrimSpace(stdout.String()), "serving on ")
	if !ok {
		t.Fatalf("%s did not start: %q %q", what, stdout.String(), stderr.String())
	}
	return addr
}

// runTable runs spiral-node with args and returns what a run prints that
// must not depend on how it ran: its model line (neurons, synapses) and
// the table of spikes, rates and CVs per population.
func runTable(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errb.String())
	}
	model, _, _ := strings.Cut(out.String(), "\n")
	_, tab, _ := strings.Cut(out.String(), "pop ")
	return model + "\n" + tab
}
