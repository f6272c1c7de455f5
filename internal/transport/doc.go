// Package transport secures the connections between the processes of one
// Spiral run: the coordinator of `spiral-node run --workers N` (or of an
// actors.Engine with Workers) and the worker processes that host its
// shards. Every connection is mutual TLS from a certificate authority; a
// peer without a certificate from that authority never gets as far as a
// message.
//
// # Authority and identities
//
// NewAuthority makes a certificate authority in memory (ECDSA P-256, made
// with crypto/x509; its key never leaves the process that made it). Its
// Issue method makes an Identity — the authority's certificate, a
// certificate of its own and that certificate's key — for each process of
// the run: the coordinator keeps one, and each worker receives its own
// over a private channel (a worker process started by spiral-node reads it
// from its standard input, never from its command line, which any local
// user can read with ps).
//
// # What a server accepts
//
// ServerOptions returns every gRPC server option of a process in one list
// (protoactor-go's remote.WithServerOptions replaces earlier options, so
// they must be given at once):
//   - mutual TLS: the client must present a certificate of the run's
//     authority;
//   - every unary call is refused: protoactor registers ListProcesses and
//     GetProcessDiagnostics, whose handlers panic, and gRPC does not
//     recover handler panics, so one call would end the process;
//   - the message stream is screened (CheckMessage): an envelope that points
//     outside its batch's tables, names a type that is not one of
//     Spiral's messages, or uses a serializer other than protobuf closes
//     the stream before protoactor indexes anything with it, and a panic
//     in protoactor's stream handler is recovered;
//   - a peer whose certificate name is not among Config.Peers (when
//     given) is refused: a worker hears only from its coordinator;
//   - a fenced peer (Fence) is refused and its open streams deliver
//     nothing more;
//   - keepalive: a peer that stops answering HTTP/2 pings (a frozen or
//     partitioned process) is dropped after KeepaliveTime+KeepaliveTimeout.
//
// DialOptions returns the matching client options (the same credentials
// and keepalive).
package transport
