package transport

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Defaults of Config.
const (
	// DefaultKeepaliveTime is how long a connection may be silent before
	// a ping is sent.
	DefaultKeepaliveTime = 2 * time.Second
	// DefaultKeepaliveTimeout is how long a ping may go unanswered before
	// the connection is closed: a frozen or partitioned peer is dropped
	// within DefaultKeepaliveTime + DefaultKeepaliveTimeout.
	DefaultKeepaliveTimeout = 3 * time.Second
	// DefaultHandshakeTimeout bounds a TLS handshake, so that connections
	// that never authenticate cannot hold the server's resources.
	DefaultHandshakeTimeout = 5 * time.Second
)

// Config tunes the gRPC options of a process.
type Config struct {
	// MaxMessageBytes is the largest gRPC message received (required).
	MaxMessageBytes int
	// KeepaliveTime and KeepaliveTimeout: see the defaults.
	KeepaliveTime, KeepaliveTimeout time.Duration
	// Package is the protobuf package whose messages the stream may carry
	// (e.g. "spiral.messages"); any other type closes the stream.
	Package string
	// Fence, if set, lists the peers refused from now on.
	Fence *Fence
	// Peers, if not empty, are the only certificate names whose streams
	// the server accepts (a worker hears only from its coordinator);
	// empty accepts every certificate of the authority.
	Peers []string
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxMessageBytes <= 0 {
		return c, fmt.Errorf("transport: MaxMessageBytes %d: must be > 0", c.MaxMessageBytes)
	}
	if c.Package == "" {
		return c, fmt.Errorf("transport: no message package to accept")
	}
	if c.KeepaliveTime <= 0 {
		c.KeepaliveTime = DefaultKeepaliveTime
	}
	if c.KeepaliveTimeout <= 0 {
		c.KeepaliveTimeout = DefaultKeepaliveTimeout
	}
	return c, nil
}

// ServerOptions returns every gRPC server option of a process that holds
// the identity id: mutual TLS, keepalive, the message size limit, unary
// calls refused, the stream screened and fenced.
func ServerOptions(id *Identity, c Config) ([]grpc.ServerOption, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := id.tlsConfig()
	if err != nil {
		return nil, err
	}
	return []grpc.ServerOption{
		grpc.Creds(credentials.NewTLS(cfg)),
		grpc.ConnectionTimeout(DefaultHandshakeTimeout),
		grpc.MaxRecvMsgSize(c.MaxMessageBytes),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: c.KeepaliveTime, Timeout: c.KeepaliveTimeout}),
		// Clients ping as often as KeepaliveTime; allow it.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: c.KeepaliveTime / 2, PermitWithoutStream: true}),
		grpc.UnaryInterceptor(RefuseUnary),
		grpc.StreamInterceptor(screen(c.Package, c.Fence, c.Peers)),
	}, nil
}

// DialOptions returns every gRPC dial option of a process that holds the
// identity id: mutual TLS and keepalive.
func DialOptions(id *Identity, c Config) ([]grpc.DialOption, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := id.tlsConfig()
	if err != nil {
		return nil, err
	}
	return []grpc.DialOption{
		grpc.WithTransportCredentials(credentials.NewTLS(cfg)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: c.KeepaliveTime, Timeout: c.KeepaliveTimeout, PermitWithoutStream: true}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(c.MaxMessageBytes), grpc.MaxCallSendMsgSize(c.MaxMessageBytes)),
	}, nil
}

// RefuseUnary is a gRPC unary interceptor that refuses every call: Spiral
// uses only protoactor's Receive stream, and protoactor's unary handlers
// panic.
func RefuseUnary(ctx context.Context, _ any, info *grpc.UnaryServerInfo, _ grpc.UnaryHandler) (any, error) {
	return nil, status.Errorf(codes.Unimplemented, "spiral: %s is not served", info.FullMethod)
}

// PeerName returns the name in the certificate a peer authenticated with
// (its common name), or "" for a peer without a verified certificate.
func PeerName(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.AuthInfo == nil {
		return ""
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return ""
	}
	return info.State.VerifiedChains[0][0].Subject.CommonName
}

// Fence is the set of peers (by certificate name) that a process no longer
// accepts: a peer declared lost is fenced, so that if it wakes up it cannot
// inject anything into the run. It is safe for concurrent use.
type Fence struct {
	mu    sync.Mutex
	names map[string]bool
}

// Add fences the peer named name.
func (f *Fence) Add(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.names == nil {
		f.names = map[string]bool{}
	}
	f.names[name] = true
}

// Has reports whether the peer named name is fenced.
func (f *Fence) Has(name string) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.names[name]
}

// screen returns the stream interceptor: it refuses fenced and
// unauthenticated peers, checks every message before protoactor's handler
// sees it, and turns a panic of the handler into a closed stream.
func screen(pkg string, fence *Fence, peers []string) grpc.StreamServerInterceptor {
	allowed := map[string]bool{}
	for _, p := range peers {
		allowed[p] = true
	}
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		name := PeerName(ss.Context())
		if name == "" {
			return status.Error(codes.Unauthenticated, "spiral: no verified certificate")
		}
		if len(allowed) > 0 && !allowed[name] {
			return status.Errorf(codes.PermissionDenied, "spiral: %s is not a peer of this process", name)
		}
		if fence.Has(name) {
			return status.Errorf(codes.PermissionDenied, "spiral: %s is fenced", name)
		}
		defer func() {
			if r := recover(); r != nil {
				err = status.Errorf(codes.Internal, "spiral: stream from %s: %v", name, r)
			}
		}()
		return handler(srv, &screened{ServerStream: ss, name: name, pkg: pkg, fence: fence})
	}
}

// screened is a server stream whose received messages are checked.
type screened struct {
	grpc.ServerStream
	name  string
	pkg   string
	fence *Fence
}

// RecvMsg implements grpc.ServerStream.
func (s *screened) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if s.fence.Has(s.name) {
		return status.Errorf(codes.PermissionDenied, "spiral: %s is fenced", s.name)
	}
	if rm, ok := m.(*remote.RemoteMessage); ok {
		if err := CheckMessage(rm, s.pkg); err != nil {
			return status.Errorf(codes.InvalidArgument, "spiral: from %s: %v", s.name, err)
		}
	}
	return nil
}

// protoSerializer is protoactor's serializer id of protobuf.
const protoSerializer = 0

// CheckMessage checks what protoactor's stream handler would index or
// look up in a message: every envelope's target, sender and type must lie
// inside its batch's tables, every type must be a registered message of
// the protobuf package pkg, and every envelope must use the protobuf
// serializer.
func CheckMessage(m *remote.RemoteMessage, pkg string) error {
	b := m.GetMessageBatch()
	if b == nil {
		return nil // connect requests and the like carry no envelope
	}
	for i, name := range b.TypeNames {
		full := protoreflect.FullName(name)
		if !strings.HasPrefix(name, pkg+".") || !full.IsValid() {
			return fmt.Errorf("message type %d %q: not a %s message", i, name, pkg)
		}
		if _, err := protoregistry.GlobalTypes.FindMessageByName(full); err != nil {
			return fmt.Errorf("message type %d %q: unknown", i, name)
		}
	}
	for i, t := range b.Targets {
		if t == nil || t.Id == "" {
			return fmt.Errorf("target %d: empty", i)
		}
	}
	for i, s := range b.Senders {
		if s == nil {
			return fmt.Errorf("sender %d: empty", i)
		}
	}
	for i, e := range b.Envelopes {
		if e == nil {
			return fmt.Errorf("envelope %d: empty", i)
		}
		if e.Target < 0 || int(e.Target) >= len(b.Targets) {
			return fmt.Errorf("envelope %d: target %d of %d", i, e.Target, len(b.Targets))
		}
		if e.Sender < 0 || int(e.Sender) > len(b.Senders) { // 0: none; k: Senders[k-1]
			return fmt.Errorf("envelope %d: sender %d of %d", i, e.Sender, len(b.Senders))
		}
		if e.TypeId < 0 || int(e.TypeId) >= len(b.TypeNames) {
			return fmt.Errorf("envelope %d: type %d of %d", i, e.TypeId, len(b.TypeNames))
		}
		if e.SerializerId != protoSerializer {
			return fmt.Errorf("envelope %d: serializer %d (only protobuf, 0)", i, e.SerializerId)
		}
	}
	return nil
}
