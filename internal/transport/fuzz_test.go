package transport_test

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/spiral-sim/spiral/internal/transport"
)

// Whatever a peer sends on the stream, a message that CheckMessage accepts
// is one that protoactor's stream handler can index and decode without a
// panic: its targets, senders and types lie in their tables and every
// type is registered (the handler's own steps are replayed here).
func FuzzCheckMessage(f *testing.F) {
	seed := &remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: &remote.MessageBatch{
		TypeNames: []string{"remote.DisconnectRequest"},
		Targets:   []*actor.PID{{Address: "a", Id: "x"}},
		Senders:   []*actor.PID{{Address: "b", Id: "y"}},
		Envelopes: []*remote.MessageEnvelope{{TypeId: 0, Target: 0, Sender: 1}},
	}}}
	data, err := proto.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		var m remote.RemoteMessage
		if proto.Unmarshal(data, &m) != nil {
			return
		}
		if transport.CheckMessage(&m, "remote") != nil {
			return
		}
		b := m.GetMessageBatch()
		if b == nil {
			return
		}
		for _, e := range b.Envelopes {
			target := b.Targets[e.Target]
			_ = target.Id
			if e.Sender > 0 {
				_ = b.Senders[e.Sender-1].Id
			}
			mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(b.TypeNames[e.TypeId]))
			if err != nil {
				t.Fatalf("an accepted type is not registered: %v", err)
			}
			_ = proto.Unmarshal(e.MessageData, mt.New().Interface())
		}
	})
}
