package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as a worker process: run --workers
// starts this executable with the "worker" command.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Two worker processes over loopback give the same spikes as the
// sequential stepper (the summary table lists spike counts, rates and CVs).
func TestWorkerProcessesMatchSequential(t *testing.T) {
	table := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		_, tab, _ := strings.Cut(out.String(), "pop ")
		return tab
	}
	seq := table("run", "brunel", "--scale", "0.1", "--duration", "200", "--engine", "sequential")
	two := table("run", "brunel", "--scale", "0.1", "--duration", "200", "--workers", "2", "--shards", "2")
	if seq != two || !strings.Contains(seq, "E ") {
		t.Errorf("sequential:\n%s\ntwo worker processes:\n%s", seq, two)
	}
}

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
