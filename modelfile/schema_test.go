package modelfile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/modelfile"
)

// The JSON schema (docs/model-format.schema.json) is tested against the
// one definition: every example file, the file that holds every kind
// (testdata/vocabulary.yaml) and what Write writes of each — every model
// the parser accepts and the writer produces — validates against it.
func TestSchemaAcceptsWhatTheParserReads(t *testing.T) {
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(filepath.Join("..", "docs", "model-format.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "examples", "*", "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("example files: %v, %v", files, err)
	}
	files = append(files, filepath.Join("testdata", "vocabulary.yaml"))
	check := func(what string, data []byte) {
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		// Through JSON, as a JSON document would be (YAML's integer
		// keys, such as a function generator's start steps, become
		// strings).
		js, err := json.Marshal(jsonable(doc))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s does not validate against the schema: %v", what, err)
		}
	}
	// The schema is strict enough to say something: a misspelt field and
	// an unknown kind do not validate.
	for _, bad := range []string{
		"populations: {A: {size: 10, model: {kind: lif, tau: 5}}}\n",
		"populations: {A: {size: 10, model: {kind: lift}}}\n",
		"populations: {A: {size: 10, model: {kind: lif}}}\nprojections: {p: {from: A, to: A, connectivity: {kind: bernoulli, p: 0.1}, wieght: 1}}\n",
	} {
		var doc any
		if err := yaml.Unmarshal([]byte(bad), &doc); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(jsonable(doc))
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
		if schema.Validate(inst) == nil {
			t.Errorf("the schema accepts %q", bad)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, data)
		m, err := modelfile.Parse(f, data)
		if err != nil {
			t.Fatal(err)
		}
		written, err := modelfile.Write(m.Definition(), modelfile.WriteOptions{DurationMs: m.Run.DurationMs,
			WeightMonitors: m.WeightMonitors, StateMonitors: m.StateMonitors})
		if err != nil {
			t.Fatal(err)
		}
		check(f+" as written", written)
	}
}

// jsonable turns what yaml.Unmarshal gives into what encoding/json takes:
// maps with keys of any type become maps with string keys.
func jsonable(x any) any {
	switch v := x.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.TrimSpace(toString(k))] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
		return v
	}
	return x
}

func toString(k any) string {
	b, _ := json.Marshal(k)
	return strings.Trim(string(b), `"`)
}
