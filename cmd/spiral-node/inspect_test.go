package main

import (
	"bytes"
	"strings"
	"testing"
)

// inspect --estimate-only prints the estimate of Brunel at scale 4
// (50,000 neurons, 250 M synapses at 4 B) without building it.
func TestInspectEstimateOnly(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"inspect", "brunel", "--scale", "4", "--estimate-only", "--engine", "sequential"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"50000 neurons, 250000000 synapses", "EE           E        E        fixed-in-degree       160000000     4.00", "sequential engine: 960.5 MiB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "built brunel") {
		t.Error("--estimate-only built the network")
	}
}

// inspect refuses to build a network whose estimate exceeds the available
// memory, before allocating anything.
func TestInspectRefuses(t *testing.T) {
	t.Setenv(MemoryEnv, "1048576") // 1 MiB
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", "brunel", "--scale", "0.2"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "exceeds the available memory (1.0 MiB): not building; --force") {
		t.Errorf("stderr: %s", errb.String())
	}
	if strings.Contains(out.String(), "built brunel") {
		t.Error("built despite the refusal")
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"inspect", "--force", "brunel", "--scale", "0.2", "--shards", "3"}, &out, &errb); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errb.String())
	}
	// Measured next to the estimate: exact for fixed in-degree. Brunel at
	// scale 0.2 has NE = 2000, NI = 500, in-degrees 200 and 50: EE holds
	// 400,000 synapses in 4·(2000 + 1) + 4·400,000 bytes (compacted: one
	// weight for all): 1,608,004 B = 1.53 MiB; EI 100,000 synapses in
	// 4·2001 + 4·100,000 = 408,004 B = 398.44 KiB. Each of the 3
	// shards of a target copies 4 B per synapse (uniform static weights)
	// and 4 B per source row plus one: 2,560,048 B = 2.44 MiB.
	copies := 0
	for _, p := range []struct{ rows, syn int }{{2000, 2000 * 200}, {2000, 500 * 200}, {500, 2000 * 50}, {500, 500 * 50}} {
		copies += 3*4*(p.rows+1) + 4*p.syn
	}
	if copies != 2560048 {
		t.Fatalf("the copies add up to %d B, not 2,560,048", copies)
	}
	for _, want := range []string{"400000       400000      1.5 MiB      1.5 MiB", "100000       100000    398.4 KiB    398.4 KiB",
		"shards [E=3 I=3]; the shards' column copies hold 2.4 MiB (estimated 2.4 MiB)", "segments of 16 steps",
		"memory available: 1.0 MiB (MemAvailable); the lockstep engine needs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, args := range [][]string{{"inspect"}, {"inspect", "brunel", "--engine", "gpu"}, {"inspect", "brunel", "--engine", "sequential", "--shards", "2"},
		{"inspect", "nosuchmodel"}, {"inspect", "brunel", "cuba"}} {
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// The full-scale microcircuit's model file is estimated, not built.
func TestInspectMicrocircuitEstimate(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", "../../examples/microcircuit/microcircuit.yaml", "--estimate-only"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"77169 neurons, 298880968 synapses", "L4E-L23E", "fixed-total", "sequential engine:", "lockstep engine:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out.String())
		}
	}
}
