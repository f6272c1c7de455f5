package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/modelfile"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/output"
	"github.com/spiral-sim/spiral/plot"
)

// spikesFrom reads a population's spikes from a run's outputs, keeping
// those at tMs and later.
func spikesFrom(t *testing.T, dir, pop string, tMs float64) (ts, is []float64) {
	t.Helper()
	f := filepath.Join(dir, "spikes", pop+".npz")
	a, err := plot.ReadNPZArray(f, "t_ms")
	if err != nil {
		t.Fatal(err)
	}
	b, err := plot.ReadNPZArray(f, "i")
	if err != nil {
		t.Fatal(err)
	}
	k, _ := slices.BinarySearch(a.Data, tMs-1e-9)
	return a.Data[k:], b.Data[k:]
}

// run --checkpoint-every writes DIR/<t>ms and keeps the last N; resume
// continues from one to the run's end — on the same engine or another,
// with another shard count — and its outputs hold the uninterrupted run's
// spikes from the checkpoint's time on; inspect describes a checkpoint.
func TestCheckpointResume(t *testing.T) {
	dir := t.TempDir()
	ck, full := filepath.Join(dir, "ck"), filepath.Join(dir, "full")
	var out, errb bytes.Buffer
	if code := run([]string{"run", "brunel", "--scale", "0.1", "--duration", "400", "--checkpoint-every", "100ms", "--checkpoint-dir", ck,
		"--checkpoint-keep", "2", "--out", full, "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	entries, _ := os.ReadDir(ck)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"300ms", "400ms"}) {
		t.Fatalf("checkpoints %v, want the last two: [300ms 400ms]", names)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"lockstep, 3 shards", []string{"--shards", "3"}},
		{"sequential", []string{"--engine", "sequential"}},
		{"actors, 2 shards", []string{"--engine", "actors", "--shards", "2"}},
	} {
		res := filepath.Join(dir, strings.ReplaceAll(c.name, " ", ""))
		out.Reset()
		errb.Reset()
		args := append([]string{"resume", filepath.Join(ck, "300ms"), "--out", res, "--quiet"}, c.args...)
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, errb.String())
		}
		if !strings.Contains(out.String(), "100 ms simulated from 300 ms") {
			t.Errorf("%s: the summary does not say 100 ms simulated from 300 ms:\n%s", c.name, out.String())
		}
		var sum output.Summary
		if b, err := os.ReadFile(filepath.Join(res, "summary.json")); err != nil {
			t.Error(err)
		} else if err := json.Unmarshal(b, &sum); err != nil || sum.StartMS != 300 || sum.DurationMS != 100 {
			t.Errorf("%s: summary.json gives start_ms %g, duration_ms %g (%v), want 300 and 100", c.name, sum.StartMS, sum.DurationMS, err)
		}
		for _, pop := range []string{"E", "I"} {
			wt, wi := spikesFrom(t, full, pop, 300)
			gt, gi := spikesFrom(t, res, pop, 0)
			if len(wt) == 0 || !slices.Equal(wt, gt) || !slices.Equal(wi, gi) {
				t.Errorf("%s: population %s: %d spikes from 300 ms in the whole run, %d resumed, or different ones", c.name, pop, len(wt), len(gt))
			}
		}
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"inspect", filepath.Join(ck, "400ms")}, &out, &errb); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"model brunel", "at 400ms of 400ms simulated (step 4000, dt 0.1 ms)", "population E", "resume with: spiral-node resume"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect does not say %q:\n%s", want, out.String())
		}
	}
	// --recipe prints the model file the checkpoint carries, which builds
	// the network it was taken of.
	out.Reset()
	errb.Reset()
	if code := run([]string{"inspect", filepath.Join(ck, "400ms"), "--recipe"}, &out, &errb); code != 0 {
		t.Fatalf("inspect --recipe: exit %d: %s", code, errb.String())
	}
	if m, err := modelfile.Parse("recipe.yaml", out.Bytes()); err != nil {
		t.Errorf("inspect --recipe printed no model file: %v\n%s", err, out.String())
	} else if net, err := m.Build(); err != nil {
		t.Errorf("inspect --recipe's model does not build: %v", err)
	} else if want, err := models.Brunel(models.Options{Scale: 0.1, Seed: net.Config.Seed}, models.BrunelParams{}); err != nil {
		t.Fatal(err)
	} else if net.Neurons() != want.Neurons() || net.Synapses() != want.Synapses() {
		t.Errorf("inspect --recipe's model has %d neurons and %d synapses, brunel at scale 0.1 %d and %d", net.Neurons(), net.Synapses(), want.Neurons(), want.Synapses())
	}
	// At the end of its run: resume needs --duration.
	errb.Reset()
	if code := run([]string{"resume", filepath.Join(ck, "400ms"), "--quiet"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "give --duration") {
		t.Errorf("resume at the end: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	out.Reset()
	if code := run([]string{"resume", filepath.Join(ck, "400ms"), "--duration", "50ms", "--quiet"}, &out, &errb); code != 0 {
		t.Errorf("resume for 50 ms more: exit %d, %q", code, errb.String())
	}
	// Without --out the summary counts the resumed run's spikes.
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) == 6 && f[0] == "E" && (f[2] == "0" || f[3] == "0.000") {
			t.Errorf("the summary of the resumed run counts no spikes: %q", line)
		}
	}
	if !strings.Contains(out.String(), "50 ms simulated") {
		t.Errorf("summary of 50 ms more:\n%s", out.String())
	}
}

// Bad checkpoint flags and bad checkpoints are refused with exit 2 and a
// message naming the flag or the file.
func TestCheckpointRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("SPIRALCK and then nothing good"), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	var out, errb bytes.Buffer
	if code := run([]string{"run", "brunel", "--scale", "0.05", "--duration", "20", "--checkpoint-every", "10ms", "--checkpoint-dir", ck, "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	good := filepath.Join(ck, "10ms")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "brunel", "--checkpoint-every", "100ms"}, "--checkpoint-every needs --checkpoint-dir"},
		{[]string{"run", "brunel", "--checkpoint-dir", dir}, "--checkpoint-dir needs --checkpoint-every"},
		{[]string{"run", "brunel", "--checkpoint-every", "2.5ms", "--checkpoint-dir", dir}, "a whole number of ms"},
		{[]string{"run", "brunel", "--checkpoint-every", "1s", "--checkpoint-dir", dir, "--checkpoint-keep", "-1"}, "--checkpoint-keep -1"},
		{[]string{"resume", good, "--workers", "2", "--engine", "lockstep"}, "--workers 2: must be >= 0, and needs --engine actors"},
		{[]string{"resume", good, "--members", "127.0.0.1:1"}, "--members needs --tls DIR"},
		{[]string{"resume", good, "--on-member-loss", "recover"}, "--on-member-loss recover needs --members with at least 2 members"},
		{[]string{"run", "brunel", "--on-member-loss", "retry"}, "--on-member-loss \"retry\": fail or recover"},
		{[]string{"run", "brunel", "--checkpoint-every", "1s", "--checkpoint-dir", filepath.Join(dir, "out", "ck"), "--out", filepath.Join(dir, "out")}, "lies in --out"},
		{[]string{"resume", bad}, "checkpoint " + bad + ": format"},
		{[]string{"resume", filepath.Join(dir, "none")}, "no such file"},
		{[]string{"resume", good, "--engine", "gpu"}, "lockstep, actors or sequential"},
		{[]string{"resume", good, "--engine", "sequential", "--shards", "2"}, "--shards 2"},
		{[]string{"resume", good, "--checkpoint-every", "5ms"}, "--checkpoint-every needs --checkpoint-dir"},
	} {
		out.Reset()
		errb.Reset()
		code := run(c.args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}

// SIGINT during a run with checkpoints writes a last checkpoint where the
// run stopped and says how to resume it; resuming from it gives the
// uninterrupted run's spikes from there on.
func TestInterruptWritesACheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck, out := filepath.Join(dir, "ck"), filepath.Join(dir, "out")
	cmd, _, stderr := spiralNode(t, 0, "run", "brunel", "--scale", "0.1", "--duration", "1000000", "--checkpoint-every", "100s",
		"--checkpoint-dir", ck, "--out", out, "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to simulate", simulating(out))
	cmd.Process.Signal(os.Interrupt)
	if code := exitCode(t, cmd); code != 130 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	entries, _ := os.ReadDir(ck)
	if len(entries) != 1 || !strings.Contains(stderr.String(), "its checkpoint is "+filepath.Join(ck, entries[0].Name())) ||
		!strings.Contains(stderr.String(), "spiral-node resume "+filepath.Join(ck, entries[0].Name())+" continues it") {
		t.Fatalf("checkpoints %v after SIGINT; stderr:\n%s", entries, stderr)
	}
	last := filepath.Join(ck, entries[0].Name())
	var o, e bytes.Buffer
	if code := run([]string{"inspect", last}, &o, &e); code != 0 {
		t.Fatal(e.String())
	}
	// Resume for 50 ms and compare with a run to the same end.
	res := filepath.Join(dir, "resumed")
	o.Reset()
	if code := run([]string{"resume", last, "--duration", "50ms", "--out", res, "--quiet"}, &o, &e); code != 0 {
		t.Fatalf("resume: %s", e.String())
	}
	at := strings.TrimSuffix(entries[0].Name(), "ms")
	whole := filepath.Join(dir, "whole")
	endMs := mustFloat(t, at) + 50
	if code := run([]string{"run", "brunel", "--scale", "0.1", "--duration", formatMs(endMs), "--out", whole, "--quiet"}, &o, &e); code != 0 {
		t.Fatalf("run: %s", e.String())
	}
	for _, pop := range []string{"E", "I"} {
		wt, wi := spikesFrom(t, whole, pop, mustFloat(t, at))
		gt, gi := spikesFrom(t, res, pop, 0)
		if len(wt) == 0 || !slices.Equal(wt, gt) || !slices.Equal(wi, gi) {
			t.Errorf("population %s: %d spikes from %s ms in the whole run, %d resumed, or different ones", pop, len(wt), at, len(gt))
		}
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// sameSpikes checks that every population's spikes in res equal those of
// full from fromMs on (and that there are some).
func sameSpikes(t *testing.T, what, full, res string, fromMs float64, pops ...string) {
	t.Helper()
	for _, pop := range pops {
		wt, wi := spikesFrom(t, full, pop, fromMs)
		gt, gi := spikesFrom(t, res, pop, 0)
		if len(wt) == 0 || !slices.Equal(wt, gt) || !slices.Equal(wi, gi) {
			t.Errorf("%s: population %s: %d spikes from %g ms in the whole run, %d resumed, or different ones", what, pop, len(wt), fromMs, len(gt))
		}
	}
}

// Checkpoints are taken by runs whose shards live in worker processes or
// on cluster members, and resume there or in one process, with the
// uninterrupted run's spikes: Brunel checkpointed on 2 workers resumes on
// lockstep and on 3 members; STDP (plastic weights and traces)
// checkpointed on lockstep resumes on 3 members, which take a checkpoint
// of their own, resumed on the sequential stepper.
func TestCheckpointsAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	certs, addrs, _, _ := startMembers(t, "127.0.0.2", "127.0.0.3", "127.0.0.4")
	members := []string{"--members", strings.Join(addrs, ","), "--tls", certs}
	step := func(what string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append(args, "--quiet"), &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", what, code, errb.String())
		}
	}
	ck, full := filepath.Join(dir, "ck"), filepath.Join(dir, "full")
	step("brunel on workers", "run", "brunel", "--scale", "0.1", "--duration", "300", "--workers", "2", "--shards", "2",
		"--checkpoint-every", "100ms", "--checkpoint-dir", ck, "--checkpoint-keep", "0", "--out", full)
	res := filepath.Join(dir, "lockstep")
	step("resume on lockstep", "resume", filepath.Join(ck, "100ms"), "--out", res)
	sameSpikes(t, "brunel: workers → lockstep", full, res, 100, "E", "I")
	res = filepath.Join(dir, "members")
	step("resume on members", append([]string{"resume", filepath.Join(ck, "200ms"), "--shards", "3", "--out", res}, members...)...)
	sameSpikes(t, "brunel: workers → members", full, res, 200, "E", "I")

	ck, full = filepath.Join(dir, "ck-stdp"), filepath.Join(dir, "full-stdp")
	step("stdp on lockstep", "run", "stdp", "--duration", "300", "--checkpoint-every", "100ms", "--checkpoint-dir", ck, "--checkpoint-keep", "0", "--out", full)
	ck2 := filepath.Join(dir, "ck-members")
	res = filepath.Join(dir, "stdp-members")
	step("stdp resumed on members", append([]string{"resume", filepath.Join(ck, "100ms"), "--out", res,
		"--checkpoint-every", "100ms", "--checkpoint-dir", ck2}, members...)...)
	sameSpikes(t, "stdp: lockstep → members", full, res, 100, "out")
	res = filepath.Join(dir, "stdp-sequential")
	step("stdp resumed on sequential", "resume", filepath.Join(ck2, "200ms"), "--engine", "sequential", "--out", res)
	sameSpikes(t, "stdp: lockstep → members → sequential", full, res, 200, "out")
}

// A checkpoint's name is the simulated time as one would write it, not
// the float64 product of steps and dt: 79104 steps of 0.1 ms is
// "7910.4ms" (0.1 × 79104 = 7910.400000000001 in float64).
func TestCheckpointName(t *testing.T) {
	for _, c := range []struct {
		step int64
		dt   float64
		want string
	}{{79104, 0.1, "7910.4ms"}, {5000, 0.1, "500ms"}, {3, 0.025, "0.075ms"}, {0, 0.1, "0ms"}, {10001, 0.1, "1000.1ms"}} {
		if got := checkpointName(c.step, c.dt); got != c.want {
			t.Errorf("step %d of %g ms: %q, want %q", c.step, c.dt, got, c.want)
		}
	}
	if got := formatMs(float64(0.1) * 79104); got != "7.9104s" {
		t.Errorf("formatMs(0.1 × 79104) = %q, want 7.9104s", got)
	}
}

// --device: cpu, cuda[:N,...] in a build with CUDA, or host[:N,...];
// anything else, or a device with flags that spread the network over
// shards or processes, is refused naming the flag. This build has no
// CUDA, and says so.
func TestDeviceFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "gpu"}, `--device "gpu": cpu (the default), cuda (every GPU), cuda:N[,M...]`},
		{[]string{"--device", "cuda:x"}, `--device "cuda:x": "x" is not a device number`},
		{[]string{"--device", "host:0,-1"}, `--device "host:0,-1": "-1" is not a device number`},
		{[]string{"--device", "cuda:1,1"}, `--device "cuda:1,1": device 1 named twice`},
		{[]string{"--device", "cuda", "--shards", "2"}, "drop --engine, --shards, --workers and --members"},
		{[]string{"--device", "host:0,1", "--engine", "actors"}, "drop --engine, --shards, --workers and --members"},
		{[]string{"--device", "cuda:1"}, "built without CUDA; build it with -tags cuda"},
		{[]string{"--device", "cuda:0,1"}, "built without CUDA; build it with -tags cuda"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"run", "cuba", "--scale", "0.1", "--duration", "10", "--quiet"}, c.args...)
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}

// --device host:0,1 spreads a model over two devices (the GPU kernels on
// the CPU, each device refusing the other's memory): its spike files are
// those of one device, byte for byte, and the summary names both
// devices and where each population went. A checkpoint of the run on two
// devices resumes on one as the uninterrupted run goes on.
func TestHostDevices(t *testing.T) {
	dir := t.TempDir()
	one, two, resumed := filepath.Join(dir, "one"), filepath.Join(dir, "two"), filepath.Join(dir, "resumed")
	ckpts := filepath.Join(dir, "ckpt")
	base := []string{"run", "brunel", "--scale", "0.05", "--duration", "200ms", "--quiet"}
	var out, errb bytes.Buffer
	if code := run(append(base, "--device", "host", "--out", one), &out, &errb); code != 0 {
		t.Fatalf("--device host: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "device.Net on host device 0") {
		t.Errorf("--device host: the summary does not name the device:\n%s", out.String())
	}
	out.Reset()
	args := append(base, "--device", "host:0,1", "--out", two, "--checkpoint-every", "100ms", "--checkpoint-dir", ckpts)
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("--device host:0,1: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"2 devices: host device 0 (the GPU kernels on the CPU) holds ", "; host device 1 (the GPU kernels on the CPU) holds "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--device host:0,1: the summary lacks %q:\n%s", want, out.String())
		}
	}
	sameSpikeFiles(t, one, two, "E", "I")
	for _, pop := range []string{"E", "I"} {
		if st, err := os.Stat(filepath.Join(one, "spikes", pop+".npz")); err != nil || st.Size() < 1000 {
			t.Fatalf("%s's spikes: %v (too few to compare)", pop, err)
		}
	}
	out.Reset()
	if code := run([]string{"resume", filepath.Join(ckpts, "100ms"), "--device", "host", "--out", resumed, "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("resume --device host: exit %d: %s", code, errb.String())
	}
	// The resumed run's spikes are the uninterrupted run's from 100 ms on.
	for _, pop := range []string{"E", "I"} {
		wt, wi := spikesFrom(t, one, pop, 100)
		gt, gi := spikesFrom(t, resumed, pop, 0)
		if !slices.Equal(gt, wt) || !slices.Equal(gi, wi) || len(wt) < 100 {
			t.Errorf("%s: the resumed run has %d spikes, the uninterrupted one %d from 100 ms on, or other ones", pop, len(gt), len(wt))
		}
	}
}

// --fixed-point: CUBA gives the same spike files on the sequential
// stepper, on lockstep shards, on two worker processes (which build their
// parts from the recipe, --fixed-point with it) and on two host devices;
// a checkpoint of the workers' run resumes on a device as the
// uninterrupted run goes on, in fixed point still.
func TestFixedPointEverywhere(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "cuba", "--scale", "0.25", "--duration", "200ms", "--fixed-point", "--quiet"}
	ckpts := filepath.Join(dir, "ckpt")
	runs := []struct {
		name string
		args []string
	}{
		{"sequential", []string{"--engine", "sequential"}},
		{"lockstep", []string{"--shards", "3"}},
		{"workers", []string{"--engine", "actors", "--workers", "2", "--checkpoint-every", "100ms", "--checkpoint-dir", ckpts}},
		{"devices", []string{"--device", "host:0,1"}},
	}
	for _, r := range runs {
		var out, errb bytes.Buffer
		args := append(append(append([]string{}, base...), r.args...), "--out", filepath.Join(dir, r.name))
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", r.name, code, errb.String())
		}
		if !strings.Contains(out.String(), "sums in fixed point") {
			t.Errorf("%s: the summary does not say the sums are in fixed point:\n%s", r.name, out.String())
		}
		if r.name != "sequential" {
			sameSpikeFiles(t, filepath.Join(dir, "sequential"), filepath.Join(dir, r.name), "E", "I")
		}
	}
	var out, errb bytes.Buffer
	resumed := filepath.Join(dir, "resumed")
	if code := run([]string{"resume", filepath.Join(ckpts, "100ms"), "--device", "host", "--out", resumed, "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "sums in fixed point") {
		t.Errorf("resume: the summary does not say the sums are in fixed point:\n%s", out.String())
	}
	for _, pop := range []string{"E", "I"} {
		wt, wi := spikesFrom(t, filepath.Join(dir, "sequential"), pop, 100)
		gt, gi := spikesFrom(t, resumed, pop, 0)
		if !slices.Equal(gt, wt) || !slices.Equal(gi, wi) || len(wt) < 50 {
			t.Errorf("%s: the resumed run has %d spikes, the uninterrupted one %d from 100 ms on, or other ones", pop, len(gt), len(wt))
		}
	}
}

// The neuromodulation examples: modulated STDP and reward-modulated
// STDP with eligibility traces, which a device learns, their graded
// modulator on the CPU.
const (
	neuromodulation = "../../examples/neuromodulation/neuromodulation.yaml"
	rstdp           = "../../examples/neuromodulation/rstdp.yaml"
)

// rstdpOnCPU writes into dir the R-STDP example with triplet STDP inside
// (a rule a device does not learn: its target runs on the CPU in a device
// run) and returns its path.
func rstdpOnCPU(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile(rstdp)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(src, []byte("rule: {kind: stdp, tau_plus_ms: 20, tau_minus_ms: 20, eta_plus: 0.01, eta_minus: 0.014}"),
		[]byte("rule: {kind: triplet, tau_plus_ms: 20, tau_minus_ms: 20, a2_plus: 0.01, a2_minus: 0.014}"), 1)
	if bytes.Equal(data, src) {
		t.Fatal("the R-STDP example's rule is not as this test expects")
	}
	model := filepath.Join(dir, "rstdp_triplet.yaml")
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return model
}

// --device with a plastic model: what the device cannot step (the target
// of a projection that learns reward-modulated triplet STDP, and a graded
// modulator) runs on the CPU in the same run, the summary says where
// each population is and why, and in fixed point the spike files and the
// learnt weights are the sequential stepper's.
func TestDeviceAndCPUInOneRun(t *testing.T) {
	dir := t.TempDir()
	out := sequentialAndDevice(t, dir, "run", rstdpOnCPU(t, dir), "--duration", "3s", "--fixed-point", "--quiet")
	if strings.Contains(out, "learning on the devices") {
		t.Errorf("the summary says a projection learns on a device:\n%s", out)
	}
	for _, want := range []string{"host device 0 (the GPU kernels on the CPU) holds in; the CPU holds out, dopamine (what the devices cannot step)",
		`out on the CPU: projection "syn" into it: plastic: a "rstdp" rule: not STDP`, `dopamine on the CPU: population "dopamine": a graded population`} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary does not say %q:\n%s", want, out)
		}
	}
	sameSpikeFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "in", "out")
	sameFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "weights/syn.npz")
}

// --device with STDP, modulated STDP and reward-modulated STDP with
// eligibility traces, which a device learns: every spiking population is
// on the device (the modulator on the CPU), and in fixed point the spike
// files and the learnt weights are the sequential stepper's.
func TestDeviceLearns(t *testing.T) {
	dir := t.TempDir()
	b, _, err := models.STDPDefinition(models.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	data, err := modelfile.Write(b.Definition(), modelfile.WriteOptions{DurationMs: 1000, WeightMonitors: []string{"syn"}})
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "stdp.yaml")
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := sequentialAndDevice(t, dir, "run", model, "--fixed-point", "--quiet")
	if want := "engine: device.Net on host device 0 (the GPU kernels on the CPU)\n  learning on the devices: syn\n"; !strings.Contains(out, want) {
		t.Errorf("the summary does not say %q (every population on the device, learning there):\n%s", want, out)
	}
	sameSpikeFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "in", "out")
	sameFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "weights/syn.npz")

	// The neuromodulation examples, their modulator on the CPU (R-STDP
	// for two rewards, at 0.5 s and 1.5 s, so that the weights move).
	for _, c := range []struct{ name, model, duration string }{{"neuromodulation", neuromodulation, "1s"}, {"R-STDP", rstdp, "2s"}} {
		dir = t.TempDir()
		out = sequentialAndDevice(t, dir, "run", c.model, "--duration", c.duration, "--fixed-point", "--quiet")
		if want := "holds in, out; the CPU holds dopamine (what the devices cannot step)"; !strings.Contains(out, want) || !strings.Contains(out, "learning on the devices: syn") {
			t.Errorf("%s: the summary does not say %q:\n%s", c.name, want, out)
		}
		sameSpikeFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "in", "out")
		sameFiles(t, filepath.Join(dir, "seq"), filepath.Join(dir, "dev"), "weights/syn.npz")
	}
}

// sequentialAndDevice runs args on the sequential stepper into dir/seq
// and with --device host into dir/dev, and returns the second's summary.
func sequentialAndDevice(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append(slices.Clone(args), "--engine", "sequential", "--out", filepath.Join(dir, "seq")), &out, &errb); code != 0 {
		t.Fatalf("sequential: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(append(slices.Clone(args), "--device", "host", "--out", filepath.Join(dir, "dev")), &out, &errb); code != 0 {
		t.Fatalf("--device host: exit %d: %s", code, errb.String())
	}
	return out.String()
}

// sameFiles fails t unless the files, relative to directories a and b,
// are equal byte for byte.
func sameFiles(t *testing.T, a, b string, files ...string) {
	t.Helper()
	for _, f := range files {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}

// State monitors on devices: CUBA written as a model file with monitors
// of E's potentials (every step) and I's refractory counts (every 10
// steps), run with --fixed-point on two host devices (E in shards), writes
// the state and spike files the sequential stepper writes, byte for
// byte; a monitor of a variable the devices do not log is refused,
// naming it.
func TestDeviceStateMonitors(t *testing.T) {
	dir := t.TempDir()
	b, _, err := models.CUBADefinition(models.Options{Scale: 0.1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, mons []modelfile.StateMonitor) string {
		data, err := modelfile.Write(b.Definition(), modelfile.WriteOptions{DurationMs: 200, StateMonitors: mons})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	model := write("cuba.yaml", []modelfile.StateMonitor{{Population: "E", Var: "v", Neurons: []int{0, 1, 200, 319}, Every: 1},
		{Population: "I", Var: "refractory", Every: 10}})
	var out, errb bytes.Buffer
	if code := run([]string{"run", model, "--fixed-point", "--engine", "sequential", "--quiet", "--out", filepath.Join(dir, "seq")}, &out, &errb); code != 0 {
		t.Fatalf("sequential: exit %d: %s", code, errb.String())
	}
	if code := run([]string{"run", model, "--fixed-point", "--device", "host:0,1", "--quiet", "--out", filepath.Join(dir, "dev")}, &out, &errb); code != 0 {
		t.Fatalf("--device host:0,1: exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"state/E.v.npz", "state/I.refractory.npz", "spikes/E.npz", "spikes/I.npz"} {
		a, err := os.ReadFile(filepath.Join(dir, "seq", f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "dev", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the stepper and the devices", f)
		}
	}
	errb.Reset()
	bad := write("current.yaml", []modelfile.StateMonitor{{Population: "E", Var: "current", Every: 1}})
	if code := run([]string{"run", bad, "--device", "host", "--quiet", "--out", filepath.Join(dir, "bad")}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "monitors.state") || !strings.Contains(errb.String(), "E.current") {
		t.Errorf("a monitor of the current on a device: exit %d, %q", code, errb.String())
	}
}

// A state monitor of a population on the CPU in a device run takes any
// of its variables, the current included: the R-STDP example's "out"
// (the target of reward-modulated triplet STDP) records the file the
// sequential stepper records.
func TestDeviceRunMonitorsTheCPUPart(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(rstdpOnCPU(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(src, []byte("monitors:\n  state:\n"), []byte("monitors:\n  state:\n    - {population: out, var: current, every_steps: 1}\n"), 1)
	if bytes.Equal(data, src) {
		t.Fatal("the example's monitors are not as this test expects")
	}
	model := filepath.Join(dir, "rstdp.yaml")
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	for _, c := range [][]string{{"--engine", "sequential", "--out", filepath.Join(dir, "seq")}, {"--device", "host", "--out", filepath.Join(dir, "dev")}} {
		if code := run(append([]string{"run", model, "--fixed-point", "--quiet"}, c...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", c, code, errb.String())
		}
	}
	a, err := os.ReadFile(filepath.Join(dir, "seq", "state", "out.current.npz"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(filepath.Join(dir, "dev", "state", "out.current.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, c) {
		t.Error("out's current differs between the stepper and the run with a device")
	}
}

// Resuming a model with state monitors on an engine that splits says that
// the sequential stepper runs instead, as run does, in resume's name.
func TestResumeStateMonitorsNote(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	model := "populations:\n  E: {size: 20, model: {kind: lif}, drives: [{poisson_rate_hz: 2000, weight: 5}]}\n" +
		"monitors:\n  state: [{population: E, var: v, neurons: [0, 1]}]\n"
	if err := os.WriteFile(file, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	ck := filepath.Join(dir, "ck")
	if code := run([]string{"run", file, "--duration", "20ms", "--checkpoint-every", "10ms", "--checkpoint-dir", ck, "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"resume", filepath.Join(ck, "10ms"), "--engine", "lockstep", "--out", filepath.Join(dir, "res"), "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errb.String())
	}
	if want := "spiral-node resume: note: the model's state monitors need the sequential stepper: it runs instead of --engine lockstep"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q lacks %q", errb.String(), want)
	}
}
