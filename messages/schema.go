package messages

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
)

// schema caches Schema's value (computed once, from the compiled-in
// descriptor: the same in every call).
var schema = sync.OnceValue(func() string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protodesc.ToFileDescriptorProto(File_spiral_proto))
	if err != nil {
		panic("messages: the compiled-in schema does not marshal: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
})

// Schema returns a fingerprint of the wire messages' schema (this file's
// protobuf descriptor: messages, fields, numbers and types), 16 hex
// digits. The processes of a run must agree on it: a cluster member whose
// schema differs from its coordinator's is refused before anything is
// sent (package workers).
func Schema() string { return schema() }
