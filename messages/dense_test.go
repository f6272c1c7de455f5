package messages

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
)

func TestGradedSplitReassemble(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const steps, n = 15, 1001
	g := &GradedBatch{Link: 2, Epoch: 5, FirstStep: 75, EpochLen: steps, NElements: n, TotalElements: n}
	for range steps * n {
		g.Samples = append(g.Samples, r.Float32())
	}
	for _, max := range []int{1, 15, 16, 100, 3000, steps*n - 1, steps * n, 0} {
		parts, err := g.Split(max)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			if max >= steps && len(p.Samples) > max {
				t.Fatalf("max %d: part of %d samples", max, len(p.Samples))
			}
		}
		in := make([]*GradedBatch, len(parts))
		for i, j := range r.Perm(len(parts)) {
			wire, err := proto.Marshal(parts[j])
			if err != nil {
				t.Fatal(err)
			}
			in[i] = new(GradedBatch)
			if err := proto.Unmarshal(wire, in[i]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ReassembleGraded(nil, in)
		if err != nil {
			t.Fatalf("max %d: %v", max, err)
		}
		if !slices.Equal(got, g.Samples) {
			t.Fatalf("max %d: samples differ", max)
		}
	}
	parts, _ := g.Split(1500)
	parts[1].FirstElement++
	if _, err := ReassembleGraded(nil, parts); err == nil || !strings.Contains(err.Error(), "link 2 epoch 5 part 1/") {
		t.Errorf("misplaced part: %v", err)
	}
	if _, err := ReassembleGraded(nil, parts[1:]); err == nil || !strings.Contains(err.Error(), "want 11") {
		t.Errorf("missing part: %v", err)
	}
}

func TestDenseValidate(t *testing.T) {
	g := &GradedBatch{Link: 1, Epoch: 3, EpochLen: 2, NElements: 3, TotalElements: 3, Samples: make([]float32, 5)}
	if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "graded batch link 1 epoch 3: 5 samples, want 2 steps × 3 elements = 6") {
		t.Errorf("short samples: %v", err)
	}
	g.Samples = append(g.Samples, 0)
	if err := g.Validate(); err != nil {
		t.Error(err)
	}
	g.NElements = 2
	g.Samples = g.Samples[:4]
	if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "whole batch holds elements [0, 2) of 3") {
		t.Errorf("partial whole batch: %v", err)
	}
	m := &ModulatorSamples{Link: 8, Epoch: 1, EpochLen: 15, Copies: 2, Concentration: make([]float32, 30)}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	m.Copies = 3
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "link 8 epoch 1: 30 concentrations, want 15 steps × 3 copies = 45") {
		t.Errorf("modulator: %v", err)
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	sb := header(1, 2, 15)
	if err := PackSpikes(sb, []Event{{30, 4, 0, 1}, {33, 2, 1, 0.25}}); err != nil {
		t.Fatal(err)
	}
	msgs := []*Envelope{
		{Body: &Envelope_Spikes{Spikes: sb}},
		{Body: &Envelope_Graded{Graded: &GradedBatch{Link: 3, EpochLen: 1, NElements: 2, TotalElements: 2, Samples: []float32{0.5, 2}}}},
		{Body: &Envelope_Modulator{Modulator: &ModulatorSamples{Link: 4, EpochLen: 1, Copies: 1, Concentration: []float32{0.1}}}},
		{Body: &Envelope_Grant{Grant: &Grant{UntilEpoch: 17}}},
		{Body: &Envelope_Progress{Progress: &Progress{Actor: 9, Epoch: 16, WallNanos: 12345, Spikes: 678}}},
		{Body: &Envelope_Control{Control: &Control{Command: Control_RUN_UNTIL, UntilStep: 1000}}},
		{Body: &Envelope_Failure{Failure: &Failure{Actor: 9, ActorName: "pop/E#2", Step: 151, Message: "panic: index out of range"}}},
	}
	for _, m := range msgs {
		wire, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var got Envelope
		if err := proto.Unmarshal(wire, &got); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(m, &got) {
			t.Errorf("%v: round trip gives %v", m, &got)
		}
	}
	ev, err := msgs[0].GetSpikes().Unpack(nil)
	if err != nil || !slices.Equal(ev, []Event{{30, 4, 0, 1}, {33, 2, 1, 0.25}}) {
		t.Errorf("spikes in envelope: %v, %v", ev, err)
	}
}

// The schema fingerprint is 16 hex digits, stable across calls, and
// changes with the descriptor: the same bytes hashed after one field is
// renamed differ.
func TestSchemaFingerprint(t *testing.T) {
	s := Schema()
	if len(s) != 16 || strings.Trim(s, "0123456789abcdef") != "" || Schema() != s {
		t.Fatalf("Schema() = %q, want 16 stable hex digits", s)
	}
	fd := protodesc.ToFileDescriptorProto(File_spiral_proto)
	fd.MessageType[0].Field[0].Name = proto.String("renamed")
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:8]) == s {
		t.Error("a renamed field leaves the fingerprint unchanged")
	}
}
