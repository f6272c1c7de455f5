package transport

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// ServerName is the DNS name every certificate of a run's authority
// carries and every client checks: the authority is made for one run, so
// holding one of its certificates is what identifies a peer, whatever the
// host it runs on.
const ServerName = "spiral.run"

// validity is how long the certificates of a run's authority are valid
// (from an hour before they are made, to tolerate clocks that differ).
const validity = 30 * 24 * time.Hour

// Authority is a certificate authority made in memory for one run. Its key
// never leaves it.
type Authority struct {
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
	// validity of the certificates it issues.
	validity time.Duration
}

// NewAuthority makes a new authority named name.
func NewAuthority(name string) (*Authority, error) { return newAuthority(name, validity) }

// newAuthority makes an authority whose certificates are valid for v.
func newAuthority(name string, v time.Duration) (*Authority, error) {
	key, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("transport: authority key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject(name),
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(v),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("transport: authority certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("transport: authority certificate: %w", err)
	}
	return &Authority{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), validity: v}, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("transport: serial number: %w", err)
	}
	return n, nil
}

// Issue makes an identity named name (a certificate for both ends of a
// connection, signed by the authority, with a fresh key).
func (a *Authority) Issue(name string) (*Identity, error) { return a.issue(name, nil, nil) }

// issue makes an identity named name whose certificate also names the
// hosts ips and dns.
func (a *Authority) issue(name string, ips []net.IP, dns []string) (*Identity, error) {
	if name == "" || strings.ContainsAny(name, "\n\r") {
		return nil, fmt.Errorf("transport: identity name %q: must be one non-empty line", name)
	}
	key, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("transport: key of %s: %w", name, err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject(name),
		DNSNames:     append([]string{ServerName}, dns...),
		IPAddresses:  ips,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(a.validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, fmt.Errorf("transport: certificate of %s: %w", name, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("transport: key of %s: %w", name, err)
	}
	return &Identity{
		Name: name,
		CA:   append([]byte(nil), a.certPEM...),
		Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

// Identity is what one process of a run needs to connect to the others:
// the authority's certificate (whom to trust), its own certificate and
// key (who it is). All three are PEM.
type Identity struct {
	Name string `json:"name"`
	CA   []byte `json:"ca"`
	Cert []byte `json:"cert"`
	Key  []byte `json:"key"`
}

// maxIdentityBytes bounds an encoded identity (a few kilobytes in
// practice).
const maxIdentityBytes = 64 << 10

// Marshal encodes the identity as one line of text (JSON, no newline),
// to hand to a worker over a pipe.
func (id *Identity) Marshal() ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("transport: encoding identity %s: %w", id.Name, err)
	}
	return b, nil
}

// ParseIdentity decodes an identity written by Marshal and checks that its
// certificate and key belong together and are signed by its authority.
func ParseIdentity(b []byte) (*Identity, error) {
	if len(b) > maxIdentityBytes {
		return nil, fmt.Errorf("transport: identity of %d bytes (at most %d)", len(b), maxIdentityBytes)
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("transport: decoding identity: %w", err)
	}
	if _, err := id.tlsConfig(); err != nil {
		return nil, err
	}
	return &id, nil
}

// certificate returns the identity's key pair, its authority's pool and
// its parsed leaf, after checking that the leaf is signed by the
// authority.
func (id *Identity) certificate() (tls.Certificate, *x509.CertPool, error) {
	pair, err := tls.X509KeyPair(id.Cert, id.Key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("transport: identity %q: %w", id.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(id.CA) {
		return tls.Certificate{}, nil, fmt.Errorf("transport: identity %q: no authority certificate", id.Name)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("transport: identity %q: %w", id.Name, err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: ServerName,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}); err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("transport: identity %q: its certificate is not from its authority: %w", id.Name, err)
	}
	pair.Leaf = leaf
	return pair, pool, nil
}

// tlsConfig returns the TLS configuration of both ends: present the
// identity's certificate, accept only peers with a certificate from the
// same authority (clients must present one too), TLS 1.3.
func (id *Identity) tlsConfig() (*tls.Config, error) {
	if id == nil {
		return nil, errors.New("transport: no identity")
	}
	pair, pool, err := id.certificate()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ServerName:   ServerName,
	}, nil
}
