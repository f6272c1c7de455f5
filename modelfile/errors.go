package modelfile

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem in a model file: where it is (file, line,
// field path), the offending value (empty when there is none, as for a
// missing field) and what would be valid.
type FieldError struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Path  string // dotted field path, e.g. populations.E.model.tau_ms
	Value string // the offending value as written, or ""
	Msg   string
}

// Error formats the problem as "file:line: path: value: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Value != "" {
		b.WriteString(": ")
		b.WriteString(e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a model file, in line order. Parse and
// Load return all of them at once, so a tool can print them all (one a
// line) and exit with status 2.
type Errors []*FieldError

// Error joins the problems, one a line.
func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find the individual FieldErrors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}

// suggest returns the candidate closest to s by edit distance (case
// insensitive), if it is close enough to be a plausible typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	// The name with its unit left out (tau_plus for tau_plus_ms) beats a
	// near miss of another name (eta_plus).
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if rest, ok := strings.CutPrefix(lc, ls+"_"); ok && len(s) >= 1 {
			switch rest {
			case "ms", "mv", "hz":
				return c
			}
		}
	}
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, min(3, (len(s)+2)/3))
	if bestD <= limit {
		return best
	}
	// A unit suffix left out (tau for tau_ms).
	for _, c := range candidates {
		if len(s) >= 1 && strings.HasPrefix(strings.ToLower(c), ls+"_") {
			return c
		}
	}
	return ""
}

// Suggest returns the candidate closest to s by edit distance (case
// insensitive) when it is close enough to be a plausible typo, else "":
// the guess behind the model files' "did you mean" (for other names a
// program takes, such as the built-in models of spiral-node).
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }

// didYouMean returns " (did you mean X?)" or "" and, always, the list of
// valid names.
func didYouMean(s string, candidates []string) string {
	msg := ""
	if g := suggest(s, candidates); g != "" {
		msg = fmt.Sprintf("; did you mean %q?", g)
	}
	if len(candidates) > 0 && len(candidates) <= 40 {
		msg += " (valid: " + strings.Join(candidates, ", ") + ")"
	}
	return msg
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 200 || len(rb) > 200 {
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
