package modelfile

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.yaml.in/yaml/v3"
)

const small = "populations:\n  E: {size: 2, model: {kind: lif}}\n"

// ReadFile reads regular files only, of at most MaxFileSize bytes, and
// checks before reading.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(ok); err != nil || string(b) != small {
		t.Fatalf("regular file: %q, %v", b, err)
	}
	edge := filepath.Join(dir, "edge.yaml")
	over := filepath.Join(dir, "over.yaml")
	for p, n := range map[string]int64{edge: MaxFileSize, over: MaxFileSize + 1} {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(n); err != nil { // sparse: nothing written
			t.Fatal(err)
		}
		f.Close()
	}
	if b, err := ReadFile(edge); err != nil || len(b) != MaxFileSize {
		t.Errorf("a file of exactly MaxFileSize bytes: %d bytes, %v", len(b), err)
	}
	if _, err := ReadFile(over); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("file of %d bytes: larger than %d bytes (16 MiB)", MaxFileSize+1, MaxFileSize)) {
		t.Errorf("MaxFileSize + 1 bytes: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for p, what := range map[string]string{fifo: "a named pipe (FIFO)", dir: "a directory", "/dev/zero": "a device", "/dev/null": "a device"} {
		_, err := ReadFile(p)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "it is "+what+"; a model file must be a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(fifo); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Load of a FIFO: %v", err)
	}
}

// countTokens gives about one token per value, never fewer than half
// the values the YAML library builds; comments and quoted text count as written.
func TestCountTokens(t *testing.T) {
	cases := []struct {
		text string
		want int
	}{
		{"", 0},
		{"a: 1", 3},               // a, ":", 1
		{"- 1\n- 2\n", 4},         // "-", 1, "-", 2
		{"[1,2,3]", 6},            // "[", 1, ",", 2, ",", 3
		{"{a: b, c: d}", 8},       // "{", a, ":", b, ",", c, ":", d
		{"a: 'x, y: [z]'", 3},     // the quoted scalar once
		{`a: "x\" ,[" # c, d`, 3}, // escapes, and a comment not counted
		{"a: b#c", 3},             // # inside a scalar is no comment
		{"a:b", 1},                // a plain scalar "a:b"
		{"- - - 1", 4},
	}
	for _, c := range cases {
		if got := countTokens([]byte(c.text), 100); got != c.want {
			t.Errorf("%q: %d tokens, want %d", c.text, got, c.want)
		}
	}
	// Values per token: n flow items are 2n tokens and n+1 values (the
	// list itself); n block items are 2n tokens too.
	for _, text := range []string{"[" + strings.Repeat("1,", 999) + "1]", strings.Repeat("- 1\n", 1000), strings.Repeat("{a: b}\n", 1)} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(text), &n); err != nil {
			t.Fatal(err)
		}
		values := expandedSize(&n, 1<<40) - 1 // less the document node
		if tok := countTokens([]byte(text), 1<<40); 2*int64(tok) < values {
			t.Errorf("%.20q...: %d tokens for %d values", text, tok, values)
		}
	}
}

// expandedSize counts every alias as the values it stands for: ten levels
// of ten aliases are 10^10 values (stopped at the limit), a value and an
// alias to it are counted twice, and a cycle ends.
func TestExpandedSize(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(b.String()), &n); err != nil {
		t.Fatal(err)
	}
	if got := expandedSize(&n, MaxNodes); got != MaxNodes+1 {
		t.Errorf("alias bomb: %d, want the limit + 1", got)
	}
	// Level i holds s_i = 1 + 10 s_{i-1} values (s_0 = 11); the document
	// of levels 0..2: document + mapping + 3 keys + s_0 + s_1 + s_2.
	small := strings.Join(strings.SplitN(b.String(), "\n", 4)[:3], "\n")
	if err := yaml.Unmarshal([]byte(small), &n); err != nil {
		t.Fatal(err)
	}
	s0, s1 := int64(11), int64(1+10*11)
	s2 := 1 + 10*s1
	if got, want := expandedSize(&n, MaxNodes), 2+3+s0+s1+s2; got != want {
		t.Errorf("three levels: %d values, want %d", got, want)
	}
	if err := yaml.Unmarshal([]byte("a: &x [*x]\n"), &n); err != nil {
		t.Fatal(err)
	}
	if got := expandedSize(&n, MaxNodes); got != 5 { // document, mapping, a, list, alias (the list again, counted once)
		t.Errorf("a cycle: %d values, want 5", got)
	}
}

// Parse bounds what it builds before building it, and says so.
func TestParseBounds(t *testing.T) {
	head := "populations:\n  E: {size: 3, model: {kind: lif}, stimuli: [{per_neuron: ["
	cases := []struct {
		data string
		want string
	}{
		{head + strings.Repeat("1,", MaxNodes) + "1]}]}\n", "more than 2000000 YAML tokens"},
		{strings.Repeat("#", MaxFileSize+1), "larger than 16777216 bytes"},
	}
	for _, c := range cases {
		_, err := Parse("x.yaml", []byte(c.data))
		var es Errors
		if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q...: %v, want one error with %q", c.data, err, c.want)
		}
	}
	// MaxErrors problems listed, then a line counting the rest: 250
	// strings where numbers belong.
	data := head + strings.TrimSuffix(strings.Repeat("a, ", 250), ", ") + "]}]}\n"
	_, err := Parse("x.yaml", []byte(data))
	var es Errors
	if !errors.As(err, &es) || len(es) != MaxErrors+1 {
		t.Fatalf("%d errors, want %d: %v", len(es), MaxErrors+1, err)
	}
	if last := es[MaxErrors].Error(); last != "x.yaml: 150 more problems not listed (250 in all; the first 100 above)" {
		t.Errorf("last line %q", last)
	}
	if got := es[MaxErrors-1].Path; got != "populations.E.stimuli[0].per_neuron[99]" {
		t.Errorf("problem 100 is at %s, want per_neuron[99]", got)
	}
}

// Numbers must fit a float32; integers and seeds are exact.
func TestNumbersFitTheirStorage(t *testing.T) {
	bad := []struct {
		field, value, want string
	}{
		{"weight", "1e39", "out of range: numbers are stored as float32"},
		{"weight", "-3.5e38", "out of range"},
		{"weight", "3.4028236e38", "out of range"}, // rounds to +Inf in float32
		{"weight", "1e308", "out of range"},
		{"weight", "1e-46", "too small"},
		{"weight", "[1, 1e39]", "weight[1]: 1e39: out of range"},
		{"weight", "{normal: [0, 1e39]}", "out of range"},
		{"wmax", "1e39", "projections.EE.wmax: 1e39: out of range"},
	}
	for _, c := range bad {
		data := small + "projections:\n  EE: {from: E, to: E, connectivity: {kind: all_to_all}, weight: 1, " + c.field + ": " + c.value + "}\n"
		data = strings.Replace(data, "weight: 1, weight:", "weight:", 1)
		if _, err := Parse("x.yaml", []byte(data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %s: %v, want %q", c.field, c.value, err, c.want)
		}
	}
	// The largest float32 and the smallest non-zero one are accepted.
	// (3.4028235e38, as the message prints the bound, rounds to it.)
	for _, w := range []string{"3.4028235e38", "-3.4028235e38", "3.4028234e38", "1.5e-45", "0"} {
		data := small + "projections:\n  EE: {from: E, to: E, connectivity: {kind: all_to_all}, weight: " + w + "}\n"
		if _, err := Parse("x.yaml", []byte(data)); err != nil {
			t.Errorf("weight %s: %v", w, err)
		}
	}
	seeds := []struct {
		text string
		want uint64
	}{
		{"9223372036854775807", math.MaxInt64},
		{"9223372036854775808", 1 << 63},
		{"18446744073709551615", math.MaxUint64},
		{"9007199254740993", 1<<53 + 1}, // not a float64
		{"0x10", 16},
		{"1_000", 1000},
		{"1e3", 1000},
		{"017", 17}, // decimal, as numbers have always been read
		{"0o17", 15},
		{"0b101", 5},
	}
	for _, s := range seeds {
		m, err := Parse("x.yaml", []byte("network: {seed: "+s.text+"}\n"+small))
		if err != nil {
			t.Errorf("seed %s: %v", s.text, err)
			continue
		}
		if m.Network.Seed != s.want {
			t.Errorf("seed %s: %d, want %d", s.text, m.Network.Seed, s.want)
		}
	}
	for _, s := range []string{"18446744073709551616", "-1", "1.5", "1e19", "seven", "[1]"} {
		if _, err := Parse("x.yaml", []byte("network: {seed: "+s+"}\n"+small)); err == nil || !strings.Contains(err.Error(), "network.seed") || !strings.Contains(err.Error(), "must be an integer in [0, 18446744073709551615]") {
			t.Errorf("seed %s: %v", s, err)
		}
	}
	// Sizes: exact, with the whole valid range named.
	for _, s := range []string{"0", "2147483648", "1000000000000", "9223372036854775808", "99999999999999999999"} {
		_, err := Parse("x.yaml", []byte("populations:\n  E: {size: "+s+", model: {kind: lif}}\n"))
		if err == nil || !strings.Contains(err.Error(), "populations.E.size: "+s+": must") || !strings.Contains(err.Error(), "[1, 2147483647]") {
			t.Errorf("size %s: %v", s, err)
		}
	}
	// size × batch beyond 32 bits.
	_, err := Parse("x.yaml", []byte("network: {batch: 3}\npopulations:\n  E: {size: 715827883, model: {kind: lif}}\n"))
	if err == nil || !strings.Contains(err.Error(), "size × batch = 715827883 × 3 elements: must be at most 2147483647") {
		t.Errorf("size × batch: %v", err)
	}
	if _, err := Parse("x.yaml", []byte("network: {batch: 3}\npopulations:\n  E: {size: 715827882, model: {kind: lif}}\n")); err != nil {
		t.Errorf("size × batch = 2147483646: %v", err)
	}
}

// A drive's mean per step, rate × dt, must be at most rng.MaxPoissonMean:
// at dt 0.1 ms a rate of 1e13 Hz is a mean of 1e9 (accepted), a rate of
// 1.0001e13 is not; at dt 1 ms the bound is 1e12 Hz.
func TestDriveRateBound(t *testing.T) {
	file := func(dt, rate string) []byte {
		return []byte("network: {dt_ms: " + dt + "}\npopulations:\n  E: {size: 1, model: {kind: lif}, receptors: {s: {kernel: delta}},\n      drives: [{receptor: s, poisson_rate_hz: " + rate + ", weight: 1}]}\n")
	}
	if _, err := Parse("x.yaml", file("0.1", "1e13")); err != nil {
		t.Errorf("1e13 Hz at dt 0.1: %v", err)
	}
	_, err := Parse("x.yaml", file("0.1", "1.0001e13"))
	if want := "x.yaml:4: populations.E.drives[0].poisson_rate_hz: 1.0001e13: a mean of 1.0001e+09 events per step at dt 0.1 ms: the mean per step (rate × dt) must be at most 1e+09, so rate_hz <= 1e+13 at this dt"; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := Parse("x.yaml", file("1", "2e12")); err == nil || !strings.Contains(err.Error(), "rate_hz <= 1e+12 at this dt") {
		t.Errorf("2e12 Hz at dt 1: %v", err)
	}
}

// Costly but valid settings give warnings with their work: at dt 1e-6
// ms, 1e9 steps per simulated second; 5000 HH sub-steps of 10 neurons in
// batch 2 at dt 0.1 ms are 10 × 2 × 5000 × 1e4 = 1e9 sub-step updates per
// simulated second.
func TestCostWarnings(t *testing.T) {
	m, err := Parse("x.yaml", []byte("network: {dt_ms: 1e-6}\npopulations:\n  E: {size: 4, model: {kind: lif}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := m.Warnings(); len(w) != 1 || !strings.Contains(w[0], "x.yaml:1: network.dt_ms: 1e-06: valid, but a time step below 0.001 ms is costly: 1e+09 steps per simulated second, about 4e+09 neuron updates") {
		t.Errorf("warnings %q", w)
	}
	m, err = Parse("x.yaml", []byte("network: {batch: 2}\npopulations:\n  E: {size: 10, model: {kind: hh, substeps: 5000}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := m.Warnings(); len(w) != 1 || !strings.Contains(w[0], "x.yaml:3: populations.E.model.substeps: 5000: valid, but more than 1000 HH sub-steps per step is costly: sub-steps of 2e-05 ms, about 1e+09 neuron sub-step updates") {
		t.Errorf("warnings %q", w)
	}
	for _, ok := range []string{"network: {dt_ms: 0.001}\n" + small, "populations:\n  E: {size: 10, model: {kind: hh, substeps: 1000}}\n"} {
		if m, err := Parse("x.yaml", []byte(ok)); err != nil || len(m.Warnings()) != 0 {
			t.Errorf("%q: %v, warnings %q", ok, err, m.Warnings())
		}
	}
}

// Every example model still parses, with no warning.
func TestExamplesWithinLimits(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		m, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(m.Warnings()) > 0 {
			t.Errorf("%s: warnings %q", f, m.Warnings())
		}
	}
}
