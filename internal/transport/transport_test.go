package transport_test

import (
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"

	"github.com/spiral-sim/spiral/internal/transport"
)

func TestIdentityRoundTrip(t *testing.T) {
	ca, err := transport.NewAuthority("test")
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.Issue("worker-0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := id.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(b), "\n\r") {
		t.Fatal("an encoded identity spans several lines")
	}
	back, err := transport.ParseIdentity(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != id.Name || string(back.Cert) != string(id.Cert) || string(back.Key) != string(id.Key) || string(back.CA) != string(id.CA) {
		t.Fatal("the identity changed on the way")
	}
}

// An identity whose certificate another authority signed, or whose key is
// not the certificate's, is refused when parsed.
func TestParseIdentityRefusesMismatches(t *testing.T) {
	a, _ := transport.NewAuthority("a")
	b, _ := transport.NewAuthority("b")
	x, _ := a.Issue("x")
	y, _ := b.Issue("y")
	cases := map[string]*transport.Identity{
		"certificate of another authority": {Name: "x", CA: y.CA, Cert: x.Cert, Key: x.Key},
		"key of another certificate":       {Name: "x", CA: x.CA, Cert: x.Cert, Key: y.Key},
		"no authority":                     {Name: "x", Cert: x.Cert, Key: x.Key},
	}
	for name, id := range cases {
		enc, err := id.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := transport.ParseIdentity(enc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := transport.ParseIdentity([]byte("{not json")); err == nil {
		t.Error("junk accepted")
	}
	if _, err := transport.ParseIdentity(make([]byte, 1<<20)); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("a 1 MiB identity: %v", err)
	}
}

func TestCheckMessage(t *testing.T) {
	good := func() *remote.RemoteMessage {
		return &remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: &remote.MessageBatch{
			TypeNames: []string{"remote.DisconnectRequest", "remote.MessageBatch"},
			Targets:   []*actor.PID{{Address: "a", Id: "x"}},
			Senders:   []*actor.PID{{Address: "b", Id: "y"}},
			Envelopes: []*remote.MessageEnvelope{{TypeId: 1, Target: 0, Sender: 1}},
		}}}
	}
	if err := transport.CheckMessage(good(), "remote"); err != nil {
		t.Fatalf("a good batch: %v", err)
	}
	bad := map[string]func(b *remote.MessageBatch){
		"target past the end": func(b *remote.MessageBatch) { b.Envelopes[0].Target = 1 },
		"negative target":     func(b *remote.MessageBatch) { b.Envelopes[0].Target = -1 },
		"sender past the end": func(b *remote.MessageBatch) { b.Envelopes[0].Sender = 2 },
		"type past the end":   func(b *remote.MessageBatch) { b.Envelopes[0].TypeId = 2 },
		"negative type":       func(b *remote.MessageBatch) { b.Envelopes[0].TypeId = -1 },
		"other package":       func(b *remote.MessageBatch) { b.TypeNames[0] = "actor.Stop" },
		"unregistered type":   func(b *remote.MessageBatch) { b.TypeNames[0] = "remote.Nothing" },
		"invalid type name":   func(b *remote.MessageBatch) { b.TypeNames[0] = "remote..x" },
		"json serializer":     func(b *remote.MessageBatch) { b.Envelopes[0].SerializerId = 1 },
		"nil envelope":        func(b *remote.MessageBatch) { b.Envelopes = append(b.Envelopes, nil) },
		"nil target":          func(b *remote.MessageBatch) { b.Targets[0] = nil },
		"nil sender":          func(b *remote.MessageBatch) { b.Senders[0] = nil },
	}
	for name, spoil := range bad {
		m := good()
		spoil(m.GetMessageBatch())
		if err := transport.CheckMessage(m, "remote"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFence(t *testing.T) {
	var f transport.Fence
	if f.Has("w") {
		t.Fatal("an empty fence holds w")
	}
	f.Add("w")
	if !f.Has("w") || f.Has("v") {
		t.Fatal("fence membership wrong")
	}
	var none *transport.Fence
	if none.Has("w") {
		t.Fatal("a nil fence holds w")
	}
}
