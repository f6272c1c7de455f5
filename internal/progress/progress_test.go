package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	// 2500 of 10000 steps of 0.1 ms in 3 s: 0.25 s simulated, real-time
	// factor 3/0.25 = 12, 3 s for a quarter so 9 s left.
	got := Line(2500, 10000, 0.1, 3*time.Second)
	for _, want := range []string{"25.0%", "simulated 0.250 s of 1.000 s", "wall 3s", "real-time factor 12.00", "left 9s"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// Not a terminal: a plain line at most every period, one at the end.
func TestPlainLines(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, 1000, 1)
	clock := r.start
	r.now = func() time.Time { return clock }
	for s := int64(0); s <= 1000; s += 100 {
		clock = clock.Add(time.Second)
		r.Update(s)
	}
	r.Done(1000)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// Updates at 1..11 s, printed at 5 and 10 s, plus the end.
	if len(lines) != 3 || !strings.Contains(lines[2], "100.0%") || strings.Contains(b.String(), "\r") {
		t.Errorf("output:\n%s", b.String())
	}
}

func TestNilWriterAndShortRuns(t *testing.T) {
	New(nil, 10, 1).Update(5) // no panic, nothing
	var b bytes.Buffer
	r := New(&b, 10, 1)
	r.Update(10)
	r.Done(10)
	if b.Len() != 0 {
		t.Errorf("a run shorter than the period printed %q", b.String())
	}
}
