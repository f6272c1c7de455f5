package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// timeUnits are the units a time flag accepts, with their length in ms,
// longest suffix first where one ends another ("ms" before "s").
var timeUnits = []struct {
	name string
	ms   float64
}{
	{"min", 60e3},
	{"ms", 1},
	{"us", 1e-3},
	{"µs", 1e-3}, // U+00B5 MICRO SIGN
	{"μs", 1e-3}, // U+03BC GREEK SMALL LETTER MU
	{"h", 3600e3},
	{"s", 1e3},
}

// timeForms describes the values a time flag accepts, for its errors.
const timeForms = "a number with a unit — h, min, s, ms, us (or µs) — such as 1s, 500ms, 2.5min, 1e3ms, or a plain number of ms (1000)"

// parseMs reads a time flag's value in ms: a finite number followed by a
// unit (h, min, s, ms, us, µs; spaces allowed between them) or, where
// plainMs, a plain number, in ms. The result must be > 0 and finite. The
// error says why and the forms accepted; the flag package, which calls
// it through msFlag.Set, names the flag and the value before it.
func parseMs(s string, plainMs bool) (float64, error) {
	forms := timeForms
	if !plainMs {
		forms = "a number with a unit — h, min, s, ms, us (or µs) — such as 15s, 500ms, 2.5min"
	}
	bad := func(why string) error {
		return fmt.Errorf("%s; give %s", why, forms)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, bad("empty")
	}
	num, scale, unit := t, 1.0, ""
	for _, u := range timeUnits {
		if n, ok := strings.CutSuffix(t, u.name); ok {
			num, scale, unit = strings.TrimSpace(n), u.ms, u.name
			break
		}
	}
	if unit == "" {
		if strings.HasSuffix(t, "m") {
			return 0, bad(`"m" is ambiguous: write min for minutes or ms for milliseconds`)
		}
		if !plainMs {
			return 0, bad("a unit is needed")
		}
	}
	if num == "" {
		return 0, bad("no number before the unit")
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, bad("too large")
		}
		return 0, bad("not a time")
	}
	ms := v * scale
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, bad("not a finite time")
	case math.IsInf(ms, 0):
		return 0, bad("too large")
	case !(ms > 0):
		return 0, bad("must be > 0")
	}
	return ms, nil
}

// msFlag is a time flag whose value is kept in ms (see parseMs); set
// reports whether the command line gave it.
type msFlag struct {
	name    string
	ms      float64
	set     bool
	plainMs bool // a plain number is ms (else a unit is required)
	zeroOK  bool // 0 is a valid value (plot --bin: the automatic choice)
}

// String implements flag.Value.
func (f *msFlag) String() string {
	if f == nil || f.ms == 0 {
		return ""
	}
	return formatMs(f.ms)
}

// Set implements flag.Value.
func (f *msFlag) Set(s string) error {
	if f.zeroOK && strings.TrimSpace(s) == "0" {
		f.ms, f.set = 0, true
		return nil
	}
	ms, err := parseMs(s, f.plainMs)
	if err != nil {
		return err
	}
	f.ms, f.set = ms, true
	return nil
}

// duration returns the flag's value as a time.Duration, or an error
// naming the flag when it does not fit one (about 292 years).
func (f *msFlag) duration() (time.Duration, error) {
	ns := f.ms * 1e6
	if !(ns >= 1) || ns > math.MaxInt64 {
		return 0, fmt.Errorf("--%s %s: must be between 1 ns and %v", f.name, formatMs(f.ms), time.Duration(math.MaxInt64))
	}
	return time.Duration(ns), nil
}

// formatMs writes a time in ms with the largest unit in which it is at
// least 1 (1500 → "1.5s").
func formatMs(ms float64) string {
	ms = roundNs(ms)
	switch {
	case ms >= 3600e3:
		return strconv.FormatFloat(ms/3600e3, 'g', 12, 64) + "h"
	case ms >= 60e3:
		return strconv.FormatFloat(ms/60e3, 'g', 12, 64) + "min"
	case ms >= 1e3:
		return strconv.FormatFloat(ms/1e3, 'g', 12, 64) + "s"
	}
	return strconv.FormatFloat(ms, 'g', -1, 64) + "ms"
}

// roundNs rounds a time in ms to a nanosecond: steps × dt is seldom
// exact (0.1 ms × 79104 = 7910.400000000001 ms), and a time shown or put
// into a file name should read as the user would write it.
func roundNs(ms float64) float64 {
	if math.Abs(ms) > 1e15 {
		return ms
	}
	return math.Round(ms*1e6) / 1e6
}
