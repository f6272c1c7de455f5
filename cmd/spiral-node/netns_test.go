package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// netnsCluster puts n members in network namespaces of their own, each
// joined to this one by a veth pair (this side 10.231.K.1, the member's
// 10.231.K.2), so that each member is a host of its own; this namespace
// routes between them (forwarding on those links only). It skips where
// the kernel or the user does not allow it (not root, no ip, no netns);
// every namespace it made is removed when the test ends.
func netnsCluster(t *testing.T, n int) (dir string, addrs []string, links []string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespaces need ip (iproute2)")
	}
	sh := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	tag := fmt.Sprintf("sp%d", os.Getpid()%100000)
	dir = filepath.Join(t.TempDir(), "certs")
	var out, errb bytes.Buffer
	if code := run([]string{"tls", "init", dir, "--name", "coordinator"}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	for k := 1; k <= n; k++ {
		ns, here, there := fmt.Sprintf("%s-n%d", tag, k), fmt.Sprintf("%sh%d", tag, k), fmt.Sprintf("%sm%d", tag, k)
		if err := sh("netns", "add", ns); err != nil {
			t.Skipf("network namespaces not allowed here: %v", err)
		}
		t.Cleanup(func() { _ = sh("netns", "del", ns) })
		hostIP, memberIP := fmt.Sprintf("10.231.%d.1", k), fmt.Sprintf("10.231.%d.2", k)
		for _, args := range [][]string{
			{"link", "add", here, "type", "veth", "peer", "name", there},
			{"link", "set", there, "netns", ns},
			{"addr", "add", hostIP + "/24", "dev", here},
			{"link", "set", here, "up"},
			{"netns", "exec", ns, "ip", "addr", "add", memberIP + "/24", "dev", there},
			{"netns", "exec", ns, "ip", "link", "set", there, "up"},
			{"netns", "exec", ns, "ip", "link", "set", "lo", "up"},
			{"netns", "exec", ns, "ip", "route", "add", "default", "via", hostIP},
		} {
			if err := sh(args...); err != nil {
				t.Skipf("cannot join a namespace by veth here: %v", err)
			}
		}
		// Members exchange batches with one another directly: this side
		// routes between the namespaces, forwarding on these links only.
		if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+here+"/forwarding", []byte("1"), 0o644); err != nil {
			t.Skipf("cannot route between namespaces here: %v", err)
		}
		name := fmt.Sprintf("node%d", k)
		if code := run([]string{"tls", "issue", dir, name, "--host", memberIP}, &out, &errb); code != 0 {
			t.Fatal(errb.String())
		}
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("ip", "netns", "exec", ns, self, "serve", "--listen", memberIP+":0", "--tls", dir, "--name", name)
		cmd.Env = append(os.Environ(), asSpiralNode+"=1")
		var stdout, stderr syncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		})
		addr := servingAddr(t, &stdout, &stderr, fmt.Sprintf("member %d in its namespace", k))
		addrs, links = append(addrs, addr), append(links, here)
	}
	return dir, addrs, links
}

// Members in network namespaces of their own, each a host joined by a
// veth pair: a run on them gives the sequential stepper's spikes; taking
// a member's link down (a partition) fails the next run within the peer
// timeout, naming the member.
func TestMembersInNetworkNamespaces(t *testing.T) {
	dir, addrs, links := netnsCluster(t, 2)
	seq := runTable(t, "run", "brunel", "--scale", "0.1", "--duration", "200", "--engine", "sequential")
	// The coordinator listens on this side of the first link; the second
	// member reaches it through its default route.
	listen := "10.231.1.1:0"
	got := runTable(t, "run", "brunel", "--scale", "0.1", "--duration", "200", "--members", strings.Join(addrs, ","), "--tls", dir, "--listen", listen)
	if got != seq {
		t.Errorf("sequential:\n%s\non members in namespaces:\n%s", seq, got)
	}
	// A partition: the second member's link goes down mid-run.
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", "brunel", "--scale", "0.1", "--duration", "1e7", "--members", strings.Join(addrs, ","), "--tls", dir,
			"--listen", listen, "--quiet", "--peer-timeout", "4s"}, &stdout, &stderr)
	}()
	time.Sleep(3 * time.Second)
	if out, err := exec.Command("ip", "link", "set", links[1], "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set %s down: %v: %s", links[1], err, out)
	}
	start := time.Now()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(stderr.String(), "10.231.2.2:") {
			t.Fatalf("exit %d, stderr %q: want 1 and the partitioned member named", code, stderr.String())
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("detected after %v", d)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the run did not end after a partition")
	}
}

// With --on-member-loss recover, a member cut off by a partition (its link
// taken down mid-run) costs only time: the run goes on from its last
// checkpoint on the members left and writes the uninterrupted run's spike
// files.
func TestMemberPartitionRecovers(t *testing.T) {
	dir, addrs, links := netnsCluster(t, 3)
	model := []string{"brunel", "--scale", "0.1", "--duration", "8000", "--quiet"}
	full := filepath.Join(t.TempDir(), "full")
	var o, e bytes.Buffer
	if code := run(append([]string{"run"}, append(model, "--out", full)...), &o, &e); code != 0 {
		t.Fatalf("the uninterrupted run: exit %d: %s", code, e.String())
	}
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(append([]string{"run"}, append(model, "--members", strings.Join(addrs, ","), "--tls", dir, "--listen", "10.231.1.1:0",
			"--on-member-loss", "recover", "--checkpoint-every", "500ms", "--checkpoint-dir", filepath.Join(t.TempDir(), "ck"),
			"--peer-timeout", "3s", "--out", out)...), &stdout, &stderr)
	}()
	time.Sleep(2500 * time.Millisecond)
	if b, err := exec.Command("ip", "link", "set", links[1], "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set %s down: %v: %s", links[1], err, b)
	}
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "recovered from the loss of "+addrs[1]) {
			t.Fatalf("exit %d, stderr %q: want 0 and the recovery reported", code, stderr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("the run did not end after a partition: %s", stderr.String())
	}
	sameSpikeFiles(t, full, out, "E", "I")
}
