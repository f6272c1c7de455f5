// Package recipe holds a network as data: what a coordinator sends to the
// processes of a run so that each builds its own part of the same network
// (the shape of Arbor's recipes and of NEST's target-side construction).
//
// A Recipe is a model file (docs/model-format.md) and the run's seed. Both
// ways of describing a network end in it: a model file is one already,
// and a network defined in Go (network.Builder, or any network.Definition)
// is written as one by modelfile.Write, which covers every kind a model
// file knows and builds the same network, bit for bit; what a model file
// cannot say (a Go function, a type of the user's own) is refused with an
// error naming it. A Recipe travels as protobuf (messages.Recipe), builds
// the whole network or any part of it (Build), and its model file can be
// read, diffed and run by spiral-node.
//
//	r, err := recipe.FromBuilder("mine", b)      // or recipe.FromFile("model.yaml")
//	data, err := r.Marshal()                    // to a worker or member
//	...
//	r, err := recipe.Unmarshal(data)            // there
//	net, err := r.Build(part)                   // only its part's synapses
package recipe

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/network"
)

// Recipe is a network as data: a model file and the seed that replaces
// the file's network.seed.
type Recipe struct {
	// Name names the model in messages (a file's path, a built-in
	// model's name).
	Name string
	// ModelFile is the model file (YAML).
	ModelFile []byte
	// Seed is the run's seed.
	Seed uint64
	// FixedPoint, if set, sums the network's synaptic input in fixed
	// point whatever the file's network.fixed_point says (a run's
	// --fixed-point).
	FixedPoint bool
}

// FromFile reads a model file (modelfile.ReadFile: a regular file of at
// most modelfile.MaxFileSize bytes) and checks it; the seed is the file's.
func FromFile(path string) (*Recipe, error) {
	data, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := modelfile.Parse(path, data)
	if err != nil {
		return nil, err
	}
	return &Recipe{Name: path, ModelFile: data, Seed: m.Network.Seed}, nil
}

// FromDefinition writes a network definition as a recipe (modelfile.Write;
// the seed is the definition's).
func FromDefinition(name string, d network.Definition) (*Recipe, error) {
	data, err := modelfile.Write(d, modelfile.WriteOptions{})
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", name, err)
	}
	return &Recipe{Name: name, ModelFile: data, Seed: d.Config.Seed}, nil
}

// FromBuilder is FromDefinition of what b has been given.
func FromBuilder(name string, b *network.Builder) (*Recipe, error) {
	return FromDefinition(name, b.Definition())
}

// Model parses the recipe's model file, with the recipe's seed.
func (r *Recipe) Model() (*modelfile.Model, error) {
	if len(r.ModelFile) > modelfile.MaxFileSize {
		return nil, fmt.Errorf("recipe %s: a model file of %d bytes (at most %d)", r.Name, len(r.ModelFile), modelfile.MaxFileSize)
	}
	m, err := modelfile.Parse(r.Name, r.ModelFile)
	if err != nil {
		return nil, err
	}
	m.Network.Seed = r.Seed
	if r.FixedPoint {
		m.Network.FixedPoint = true
	}
	return m, nil
}

// Build builds the network, or the part of it that part says (nil: the
// whole; network.Builder.BuildPart).
func (r *Recipe) Build(part *network.Part) (*network.Network, error) {
	m, err := r.Model()
	if err != nil {
		return nil, err
	}
	return m.BuildPart(part)
}

// Marshal encodes the recipe as protobuf (messages.Recipe).
func (r *Recipe) Marshal() ([]byte, error) {
	return proto.Marshal(&messages.Recipe{Name: r.Name, ModelFile: r.ModelFile, Seed: r.Seed, FixedPoint: r.FixedPoint})
}

// Unmarshal decodes a recipe that Marshal encoded.
func Unmarshal(b []byte) (*Recipe, error) {
	var m messages.Recipe
	if err := proto.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("recipe: decoding: %w", err)
	}
	return &Recipe{Name: m.Name, ModelFile: m.ModelFile, Seed: m.Seed, FixedPoint: m.FixedPoint}, nil
}
