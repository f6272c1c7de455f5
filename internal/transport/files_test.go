package transport

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// handshake runs a mutual TLS handshake between a server of identity s and
// a client of identity c over a pipe, and returns each side's error.
func handshake(t *testing.T, s, c *Identity) (serr, cerr error) {
	t.Helper()
	sc, err := s.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	cc, err := c.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() {
		srv := tls.Server(a, sc)
		err := srv.Handshake()
		if err == nil {
			// TLS 1.3: the client's certificate is checked after the
			// client's handshake returns; read to see the outcome.
			buf := make([]byte, 1)
			_, err = srv.Read(buf)
		}
		a.Close()
		done <- err
	}()
	cli := tls.Client(b, cc)
	cerr = cli.Handshake()
	if cerr == nil {
		_, cerr = cli.Write([]byte{1})
	}
	serr = <-done
	b.Close()
	return serr, cerr
}

// An authority kept in a directory: made once (a second init is refused),
// its key 0600 in a 0700 directory; members issued from it with their
// hosts, saved (never over an existing member) and loaded back; two
// members authenticate each other; a member of another authority is
// refused by both ends.
func TestAuthorityDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	a, err := InitDir(dir, "test cluster")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := InitDir(dir, "again"); err == nil || !strings.Contains(err.Error(), "already holds an authority") {
		t.Errorf("a second init: %v", err)
	}
	for f, want := range map[string]os.FileMode{"": 0o700, caKeyFile: 0o600, caFile: 0o644} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Join(dir, f), fi.Mode().Perm(), want)
		}
	}
	loaded, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.cert.Equal(a.cert) {
		t.Error("the loaded authority is another one")
	}
	for _, m := range []struct {
		name  string
		hosts []string
	}{{"node1", []string{"10.0.0.1", "node1.example.org"}}, {"node2", []string{"127.0.0.3"}}} {
		id, err := loaded.IssueFor(m.name, m.hosts)
		if err != nil {
			t.Fatal(err)
		}
		if err := SaveIdentity(dir, id); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(filepath.Join(dir, m.name+"-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s's key: %v, %v", m.name, fi.Mode(), err)
		}
		b, _ := pem.Decode(id.Cert)
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range m.hosts {
			if err := c.VerifyHostname(h); err != nil {
				t.Errorf("%s: the certificate does not name %s: %v", m.name, h, err)
			}
		}
	}
	if err := SaveIdentity(dir, &Identity{Name: "node1"}); err == nil || !strings.Contains(err.Error(), "already has a certificate") {
		t.Errorf("saving over node1: %v", err)
	}
	n1, err := LoadIdentity(dir, "node1")
	if err != nil {
		t.Fatal(err)
	}
	n2, err := LoadIdentity(dir, "node2")
	if err != nil {
		t.Fatal(err)
	}
	if serr, cerr := handshake(t, n1, n2); serr != nil || cerr != nil {
		t.Errorf("two members of one authority: server %v, client %v", serr, cerr)
	}
	// Another authority's member.
	other := filepath.Join(t.TempDir(), "other")
	oa, err := InitDir(other, "another cluster")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := oa.IssueFor("node1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if serr, cerr := handshake(t, n1, stranger); serr == nil && cerr == nil {
		t.Error("a member of another authority was accepted as a client")
	}
	if serr, cerr := handshake(t, stranger, n1); serr == nil && cerr == nil {
		t.Error("a member of another authority was accepted as a server")
	}
	if _, err := LoadIdentity(dir, "node3"); err == nil || !strings.Contains(err.Error(), "tls issue") {
		t.Errorf("a member never issued: %v", err)
	}
	// A key that is not the authority's.
	if err := os.Remove(filepath.Join(dir, caKeyFile)); err != nil {
		t.Fatal(err)
	}
	okey, err := os.ReadFile(filepath.Join(other, caKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, caKeyFile), okey, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "do not belong together") {
		t.Errorf("a foreign authority key: %v", err)
	}
	for _, bad := range []string{"", "-x", "a/b", strings.Repeat("n", 64), "x y"} {
		if ValidMemberName(bad) {
			t.Errorf("member name %q accepted", bad)
		}
	}
}
