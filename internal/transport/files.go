package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The files of an authority kept in a directory (a cluster's, made by
// spiral-node tls init): the authority's certificate and key, and one
// certificate and key per member (NAME.pem, NAME-key.pem). Keys are
// written 0600, the directory 0700.
const (
	caFile    = "ca.pem"
	caKeyFile = "ca-key.pem"
)

// fileValidity is how long the certificates of an authority kept in a
// directory are valid: a cluster's lives longer than a run's.
const fileValidity = 5 * 365 * 24 * time.Hour

var memberName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// ValidMemberName reports whether name may name a member's certificate
// (and its files): letters, digits, _ . -, not starting with _ . or -, at
// most 63 characters.
func ValidMemberName(name string) bool { return memberName.MatchString(name) }

// InitDir makes a new authority in dir (created 0700 if missing) and
// writes its certificate and key there. A directory that already holds an
// authority is refused: its certificates would be orphaned.
func InitDir(dir, name string) (*Authority, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	for _, f := range []string{caFile, caKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return nil, fmt.Errorf("transport: %s already holds an authority (%s): use it, or choose another directory", dir, f)
		}
	}
	a, err := newAuthority(name, fileValidity)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(a.key)
	if err != nil {
		return nil, fmt.Errorf("transport: authority key: %w", err)
	}
	if err := writeNew(filepath.Join(dir, caKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(filepath.Join(dir, caFile), a.certPEM, 0o644); err != nil {
		return nil, err
	}
	return a, nil
}

// LoadDir reads the authority kept in dir (InitDir), checking that its key
// and certificate belong together.
func LoadDir(dir string) (*Authority, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, caFile))
	if err != nil {
		return nil, fmt.Errorf("transport: %s holds no authority (spiral-node tls init %s makes one): %w", dir, dir, err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, fmt.Errorf("transport: the authority's key: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("transport: %s: the authority's files are not PEM", dir)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", filepath.Join(dir, caFile), err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", filepath.Join(dir, caKeyFile), err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !cert.IsCA || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("transport: %s: the authority's key and certificate do not belong together", dir)
	}
	return &Authority{cert: cert, key: key, certPEM: certPEM, validity: fileValidity}, nil
}

// IssueFor is Issue for a machine: the certificate also names hosts (IP
// addresses or DNS names), for whoever checks it against the address it
// dialled.
func (a *Authority) IssueFor(name string, hosts []string) (*Identity, error) {
	var ips []net.IP
	var dns []string
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			return nil, fmt.Errorf("transport: an empty host")
		case net.ParseIP(h) != nil:
			ips = append(ips, net.ParseIP(h))
		default:
			dns = append(dns, h)
		}
	}
	return a.issue(name, ips, dns)
}

// SaveIdentity writes id's certificate and key into dir as NAME.pem and
// NAME-key.pem (0600), refusing to replace existing ones.
func SaveIdentity(dir string, id *Identity) error {
	if !ValidMemberName(id.Name) {
		return fmt.Errorf("transport: member name %q: letters, digits, _ . -, not starting with _ . or -, at most 63 characters", id.Name)
	}
	cert, key := filepath.Join(dir, id.Name+".pem"), filepath.Join(dir, id.Name+"-key.pem")
	for _, f := range []string{cert, key} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("transport: %s exists: a member named %s already has a certificate", f, id.Name)
		}
	}
	if err := writeNew(key, id.Key, 0o600); err != nil {
		return err
	}
	return writeNew(cert, id.Cert, 0o644)
}

// LoadIdentity reads the identity of member name from dir: the
// authority's certificate, the member's certificate and key; it checks
// that they belong together.
func LoadIdentity(dir, name string) (*Identity, error) {
	if !ValidMemberName(name) {
		return nil, fmt.Errorf("transport: member name %q: letters, digits, _ . -", name)
	}
	id := &Identity{Name: name}
	var err error
	for _, f := range []struct {
		file string
		dst  *[]byte
	}{{caFile, &id.CA}, {name + ".pem", &id.Cert}, {name + "-key.pem", &id.Key}} {
		if *f.dst, err = os.ReadFile(filepath.Join(dir, f.file)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("transport: %s has no %s (spiral-node tls issue %s %s makes it)", dir, f.file, dir, name)
			}
			return nil, fmt.Errorf("transport: %w", err)
		}
	}
	if _, err := id.tlsConfig(); err != nil {
		return nil, err
	}
	return id, nil
}

// writeNew writes data to a new file (never over an existing one),
// synced, with perm.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("transport: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("transport: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("transport: writing %s: %w", path, err)
	}
	return f.Close()
}

// newKey makes an ECDSA P-256 key.
func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

// subject is the subject of a certificate named name.
func subject(name string) pkix.Name {
	return pkix.Name{CommonName: name, Organization: []string{"Spiral"}}
}

// TLSConfig returns the TLS configuration of both ends of a connection
// between members of the identity's authority: present its certificate,
// accept only peers with a certificate from the same authority (clients
// must present one too), TLS 1.3.
func (id *Identity) TLSConfig() (*tls.Config, error) { return id.tlsConfig() }

// ConnPeerName returns the name (common name) in the verified certificate
// of the peer of a TLS connection, or "" for a peer without one.
func ConnPeerName(cs tls.ConnectionState) string {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return ""
	}
	return cs.VerifiedChains[0][0].Subject.CommonName
}
