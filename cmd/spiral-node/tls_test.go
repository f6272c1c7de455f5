package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/internal/transport"
)

// tls init makes an authority and a first member, tls issue more members
// with their hosts; the members load as identities of that authority;
// nothing is overwritten, and bad usage is exit 2 with a message.
func TestTLSCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	call := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := call("tls", "init", dir, "--name", "node1", "--host", "127.0.0.2"); code != 0 || !strings.Contains(out, "member node1") {
		t.Fatalf("init: exit %d, %q, %q", code, out, errs)
	}
	if code, out, errs := call("tls", "issue", "--host", "127.0.0.3,node2.local", dir, "node2"); code != 0 || !strings.Contains(out, "member node2") {
		t.Fatalf("issue: exit %d, %q, %q", code, out, errs)
	}
	for _, name := range []string{"node1", "node2"} {
		if _, err := transport.LoadIdentity(dir, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ca-key.pem: %v, %v", fi, err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tls", "init", dir}, 1, "already holds an authority"},
		{[]string{"tls", "issue", dir, "node2", "--host", "10.0.0.2"}, 1, "already has a certificate"},
		{[]string{"tls", "issue", dir, "node3"}, 2, "--host: give the member's hosts"},
		{[]string{"tls", "issue", dir, "-bad", "--host", "h"}, 2, "flag provided but not defined"},
		{[]string{"tls", "issue", dir, "no/slash", "--host", "h"}, 2, `member name "no/slash"`},
		{[]string{"tls", "issue", filepath.Join(dir, "none"), "n", "--host", "h"}, 1, "holds no authority"},
		{[]string{"tls", "init"}, 2, "want one directory"},
		{[]string{"tls", "renew"}, 2, `unknown subcommand "renew"`},
	} {
		code, _, errs := call(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// Sizes read with their units; anything else is refused.
func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"64GiB": 64 << 30, "512 MiB": 512 << 20, "1.5KiB": 1536, "2GB": 2e9, "1000": 1000, "7B": 7} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1GiB", "0", "lots", "1e30GiB", "5 parsecs"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
