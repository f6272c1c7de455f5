package network_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEExample keeps the README's "Building a network in Go" section
// identical to Example (example_test.go): its Go block is the body of
// Example up to "// Output:", and the block after it is that output.
func TestREADMEExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := between(string(src), "func Example() {\n", "\n}\n")
	if !ok {
		t.Fatal("example_test.go: no func Example")
	}
	var code, output []string
	inOutput := false
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimPrefix(l, "\t")
		switch {
		case strings.TrimSpace(l) == "// Output:":
			inOutput = true
		case inOutput:
			output = append(output, strings.TrimPrefix(strings.TrimSpace(l), "// "))
		default:
			code = append(code, l)
		}
	}
	section, ok := between(string(readme), "## Building a network in Go\n", "\n## ")
	if !ok {
		t.Fatal("README.md: no section \"Building a network in Go\"")
	}
	goBlock, ok := between(section, "```go\n", "\n```\n")
	if !ok {
		t.Fatal("README.md: no Go block in \"Building a network in Go\"")
	}
	if want := strings.Join(code, "\n"); goBlock != want {
		t.Errorf("README.md's Go example differs from Example:\n--- README\n%s\n--- Example\n%s", goBlock, want)
	}
	rest := section[strings.Index(section, goBlock)+len(goBlock)+len("\n```\n"):]
	outBlock, ok := between(rest, "```\n", "\n```\n")
	if !ok {
		t.Fatal("README.md: no output block after the Go example")
	}
	if want := strings.Join(output, "\n"); outBlock != want {
		t.Errorf("README.md's output differs from Example's:\n--- README\n%s\n--- Example\n%s", outBlock, want)
	}
}

// between returns the text after the first start and before the next end.
func between(s, start, end string) (string, bool) {
	i := strings.Index(s, start)
	if i < 0 {
		return "", false
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return "", false
	}
	return s[:j], true
}
