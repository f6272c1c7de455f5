// Package messages holds the wire types of Spiral's actor runtime: the
// protobuf messages that actors exchange (spiral.proto, generated into
// spiral.pb.go) and hand-written helpers that pack, check, split and join
// them. Every node of a cluster links this one package, so every node knows
// every message type. Local sends pass the Go values without serialising;
// remote sends marshal them with google.golang.org/protobuf.
//
// # Messages
//
//   - SpikeBatch: the spikes crossing one link during one epoch. Exactly one
//     batch per link per epoch, empty or not, so a receiver knows its inputs
//     are complete without a barrier. Header: Link, Epoch, FirstStep,
//     EpochLen; Part and Parts when a large batch is split.
//   - GradedBatch: dense samples of a graded (rate) population over one link
//     for one epoch, Samples[s·NElements + i] (step-major); split by element
//     range (FirstElement, NElements of TotalElements) when large. Also the
//     actuation an attached actor sends a driven shard hosted by a worker
//     (Link the shard, Epoch the segment answered, EpochLen 1).
//   - ModulatorSamples: a neuromodulator concentration per step per copy,
//     Concentration[s·Copies + c].
//   - Grant (clock → actors): compute every epoch up to and including
//     UntilEpoch.
//   - Progress (actor → clock): actor id, completed epoch, wall time spent on
//     it (ns), spikes emitted in it.
//   - Control: pause, resume, stop, run until a step (exclusive); drive (a
//     worker-hosted shard waits for an actuation per segment).
//   - Failure (actor → clock): actor id and name, step, message.
//   - Envelope: a oneof of all the above, for streams that carry several kinds.
//
// # Spike packing
//
// An event is (step, source, delay, value): Step the absolute step the
// spike was emitted at, Src = copy·rows + row of the sending axon, Delay the
// extra steps beyond the one-step minimum (the event acts at Step+1+Delay),
// Value the value carried (1 for a plain spike). Events are in canonical
// order — step, then source; events with equal step and source keep the
// sender's order — which is also the order receivers apply them in. The
// batch stores them as parallel packed lists:
//
//   - StepCounts[s]: the number of events at step FirstStep+s; trailing zero
//     counts are dropped. No per-event step is sent.
//   - SrcDelta[i]: the source of event i minus that of event i-1 within the
//     same step (the source itself for a step's first event). Sorted sources
//     make these small: about one varint byte per event at typical rates.
//   - BaseDelay and DelayExtra[i] = Delay−BaseDelay, with BaseDelay the
//     smallest delay; DelayExtra is empty when all delays are equal.
//   - Values[i]: empty when every value is exactly 1.0.
//
// A batch of 10,000 plain spikes from 12,500 neurons in a 15-step epoch
// takes about one byte per event. PackSpikes and (*SpikeBatch).Unpack
// convert between []Event and the packed form, reusing storage; Unpack
// validates the batch and names link and epoch in its errors.
//
// # Size
//
// Remote messages stay under MaxMessageBytes (2 MB, half of gRPC's 4 MB
// frame limit). A SpikeBatch holds at most MaxEventsPerMessage events and a
// GradedBatch at most MaxFloatsPerMessage samples; (*SpikeBatch).Split and
// (*GradedBatch).Split cut larger ones into parts (Part in [0, Parts)), and
// Reassemble and ReassembleGraded join the parts, in whatever order they
// arrived, into the same result every time.
//
// # Regenerating spiral.pb.go
//
// The generated code is committed; builds need no protoc. After editing
// spiral.proto:
//
//	apt-get install -y protobuf-compiler
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./messages   # protoc --go_out=. --go_opt=paths=source_relative spiral.proto
//
// with $(go env GOPATH)/bin on PATH. Keep protoc-gen-go at the version of
// google.golang.org/protobuf in go.mod.
package messages
