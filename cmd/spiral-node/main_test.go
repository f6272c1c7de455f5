package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string // expected in stdout (code 0) or stderr
	}{
		{[]string{"run", "fi", "--duration", "100"}, 0, "model fi: 201 neurons"},
		{[]string{"run", "--duration", "50", "cuba", "--scale", "0.25"}, 0, "E           800"},
		{[]string{"run", "fi", "cuba"}, 2, "unexpected argument"},
		{[]string{"models"}, 0, "brunel"},
		{[]string{"--help"}, 0, "usage"},
		{[]string{}, 2, "usage"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"run", "nope"}, 2, `unknown model "nope"`},
		{[]string{"run", "fi", "--duration", "-5"}, 2, "--duration -5: must be > 0"},
		{[]string{"run", "fi", "--scale", "-1"}, 2, "scale = -1: must be > 0"},
		{[]string{"run", "fi", "--bogus"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", c.args, code, c.code, errb.String())
			continue
		}
		text := out.String() + errb.String()
		if !strings.Contains(text, c.out) {
			t.Errorf("%v: output does not contain %q:\n%s", c.args, c.out, text)
		}
	}
}
