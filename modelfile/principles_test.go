package modelfile

import (
	"math"
	"strings"
	"testing"
)

const popBase = `network: {dt_ms: 0.1, seed: 3}
populations:
  P:
    size: 20
    model: {kind: lif, tau_ms: 10}
`

func TestBrokenExtensions(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"principle kind", popBase + "    principles:\n      - {kind: kwt, k: 2}\n",
			`x.yaml:7: populations.P.principles[0].kind: kwt: unknown value; did you mean "kwta"?`},
		{"kwta field", popBase + "    principles:\n      - kind: kwta\n        k: 2\n        duraton_ms: 1\n",
			`x.yaml:9: populations.P.principles[0].duraton_ms: unknown field; did you mean "duration_ms"?`},
		{"kwta k", popBase + "    principles:\n      - {kind: kwta, k: 0}\n",
			`x.yaml:7: populations.P.principles[0].k: 0: must lie in [1, 2147483647]`},
		{"kwta missing k", popBase + "    principles:\n      - {kind: kwta}\n",
			`populations.P.principles[0].k: missing required field`},
		{"clamps k", popBase + "    principles:\n      - {kind: k_random_clamps, k: 21}\n",
			`x.yaml:7: populations.P.principles[0].k: 21: must be <= the population size (20)`},
		{"clamps weights", popBase + "    principles:\n      - {kind: k_random_clamps, k: 1, weigths: 1}\n",
			`x.yaml:7: populations.P.principles[0].weigths: unknown field; did you mean "weights"?`},
		{"generator field", popBase + "    stimuli:\n      - function_generator:\n          baselin: {0: 1}\n",
			`x.yaml:8: populations.P.stimuli[0].function_generator.baselin: unknown field; did you mean "baseline"?`},
		{"generator key", popBase + "    stimuli:\n      - function_generator:\n          baseline: {a: 1}\n",
			`x.yaml:8: populations.P.stimuli[0].function_generator.baseline.a: a: a key must be a start step`},
		{"generator step", popBase + "    stimuli:\n      - function_generator:\n          baseline: {-5: 1}\n",
			`x.yaml:8: populations.P.stimuli[0].function_generator.baseline.-5: -5: must be >= 0 (a start step)`},
		{"generator noise", popBase + "    stimuli:\n      - function_generator:\n          noise:\n            10: -1\n",
			`x.yaml:9: populations.P.stimuli[0].function_generator.noise.10: -1: must be >= 0`},
		{"generator ramp", popBase + "    stimuli:\n      - function_generator:\n          slope: {0: 3e38, 10: 0}\n",
			`x.yaml:8: populations.P.stimuli[0].function_generator: {...}: function generator: slope: the ramp reaches`},
		{"stimulus kind", popBase + "    stimuli:\n      - sequense: {frames: [[1]]}\n",
			`x.yaml:7: populations.P.stimuli[0].sequense: unknown stimulus; did you mean "sequence"?`},
		{"sequence frame", popBase + "    stimuli:\n      - sequence:\n          frames:\n            - [1, 2]\n",
			`x.yaml:9: populations.P.stimuli[0].sequence.frames[0]: [...]: frame of 2 values: must have 20`},
		{"sequence hold", popBase + "    stimuli:\n      - sequence: {frames: [], hold: -1}\n",
			`x.yaml:7: populations.P.stimuli[0].sequence.hold: -1: must lie in [0, 2147483647]`},
		{"sequence field", popBase + "    stimuli:\n      - sequence: {frame: []}\n",
			`populations.P.stimuli[0].sequence.frame: unknown field; did you mean "frames"?`},
		{"ttfs window", strings.Replace(popBase, "{kind: lif, tau_ms: 10}", "{kind: ttfs, window: 1}", 1),
			`x.yaml:5: populations.P.model.window: unknown field; did you mean "window_ms"?`},
		{"one_hot size", strings.Replace(popBase, "{kind: lif, tau_ms: 10}", "{kind: one_hot, size: 3}", 1),
			`x.yaml:5: populations.P.model.size: 3: the population's 20 neurons are not a whole number of groups of 3`},
		{"position kind", strings.Replace(popBase, "{kind: lif, tau_ms: 10}", "{kind: positon, k: 4}", 1),
			`x.yaml:5: populations.P.model.kind: positon: unknown value; did you mean "position"?`},
		{"position k", strings.Replace(popBase, "{kind: lif, tau_ms: 10}", "{kind: position, k: 1, window_ms: 1}", 1),
			`x.yaml:5: populations.P.model: {...}: position: k = 1 needs explicit means`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
}

// perStep counts the spikes of population P at each step, per neuron.
func runP(t *testing.T, src string, steps int) (perStep []int, perNeuron map[int64][]int64) {
	t.Helper()
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	sp := spikes(t, net, steps)["P"]
	perStep = make([]int, steps)
	perNeuron = map[int64][]int64{}
	for i, s := range sp[0] {
		perStep[s]++
		perNeuron[sp[1][i]] = append(perNeuron[sp[1][i]], s)
	}
	return perStep, perNeuron
}

// driven gives every neuron the same suprathreshold current: they fire
// together, 20 at a step, unless a principle intervenes.
const driven = popBase + "    stimuli:\n      - {constant: 40}\n"

func TestPrinciplesRun(t *testing.T) {
	freePer, free := runP(t, driven, 500)
	if len(free) < 10 {
		t.Fatalf("driven population: only %d neurons fire", len(free))
	}
	// Without k-WTA the bounds below would be broken: more than 3 spikes
	// in some step, and in some 10-step window.
	maxStep, maxWin := 0, 0
	for s, c := range freePer {
		maxStep = max(maxStep, c)
		if s%10 == 0 && s+10 <= len(freePer) {
			w := 0
			for _, x := range freePer[s : s+10] {
				w += x
			}
			maxWin = max(maxWin, w)
		}
	}
	if maxStep <= 3 || maxWin <= 3 {
		t.Fatalf("without k-WTA at most %d spikes per step and %d per window: the test cannot tell", maxStep, maxWin)
	}
	per, _ := runP(t, driven+"    principles:\n      - {kind: kwta, k: 3, score: v}\n", 500)
	total := 0
	for s, c := range per {
		if c > 3 {
			t.Fatalf("kwta k=3: %d spikes at step %d", c, s)
		}
		total += c
	}
	if total == 0 {
		t.Fatal("kwta: no spikes")
	}
	// Window of 1 ms = 10 steps: at most 3 spikes per window.
	per, _ = runP(t, driven+"    principles:\n      - {kind: kwta, k: 3, duration_ms: 1}\n", 500)
	for w := 0; w < 500; w += 10 {
		c := 0
		for _, x := range per[w : w+10] {
			c += x
		}
		if c > 3 {
			t.Fatalf("kwta window: %d spikes in steps [%d, %d)", c, w, w+10)
		}
	}
	_, byNeuron := runP(t, driven+"    principles:\n      - {kind: fire_once}\n", 500)
	if len(byNeuron) == 0 {
		t.Fatal("fire_once: no spikes")
	}
	for i, s := range byNeuron {
		if len(s) != 1 {
			t.Fatalf("fire_once: neuron %d fired %d times", i, len(s))
		}
	}
	per, _ = runP(t, popBase+"    principles:\n      - {kind: k_random_clamps, k: 2, weights: [1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0]}\n", 200)
	_, byNeuron = runP(t, popBase+"    principles:\n      - {kind: k_random_clamps, k: 2, weights: [1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0]}\n", 200)
	for s, c := range per {
		if c != 2 {
			t.Fatalf("k_random_clamps k=2: %d spikes at step %d", c, s)
		}
	}
	for i := range byNeuron {
		if i >= 10 {
			t.Fatalf("k_random_clamps: neuron %d has weight 0 but fired", i)
		}
	}
}

func TestNewStimuliRun(t *testing.T) {
	per, _ := runP(t, popBase+"    stimuli:\n      - function_generator:\n          baseline: {0: 0, 200: 40}\n          noise: {0: 0.5}\n", 500)
	for s, c := range per {
		if s < 200 && c > 0 {
			t.Fatalf("function generator: spike at step %d before the baseline starts", s)
		}
	}
	after := 0
	for _, c := range per[200:] {
		after += c
	}
	if after == 0 {
		t.Fatal("function generator: no spikes after step 200")
	}
	// A sequence of class indices into a one-hot population: neuron j fires
	// while frame j is held.
	src := `network: {dt_ms: 0.1}
populations:
  P:
    size: 4
    model: {kind: one_hot, size: 4}
    stimuli:
      - sequence:
          frames: [[0,0,0,0], [1,1,1,1], [2,2,2,2], [3,3,3,3], [-1,-1,-1,-1]]
          hold: 3
`
	_, byNeuron := runP(t, src, 30)
	for j := int64(0); j < 4; j++ {
		want := []int64{3 * j, 3*j + 1, 3*j + 2, 3*j + 15, 3*j + 16, 3*j + 17}
		if got := byNeuron[j]; len(got) != len(want) || got[0] != want[0] || got[5] != want[5] {
			t.Fatalf("one_hot neuron %d fired at %v, want %v", j, got, want)
		}
	}
	// TTFS and position encoders: one spike per neuron per window at most.
	for _, model := range []string{"{kind: ttfs, window_ms: 1}", "{kind: position, k: 4, window_ms: 1}"} {
		src := strings.Replace(popBase, "{kind: lif, tau_ms: 10}", model, 1) + "    stimuli:\n      - {constant: 0.5}\n"
		_, byNeuron := runP(t, src, 100)
		if len(byNeuron) == 0 {
			t.Fatalf("%s: no spikes", model)
		}
		for i, s := range byNeuron {
			if len(s) > 10 {
				t.Fatalf("%s: neuron %d fired %d times in 10 windows", model, i, len(s))
			}
			for k := 1; k < len(s); k++ {
				if s[k]/10 == s[k-1]/10 {
					t.Fatalf("%s: neuron %d fired twice in a window: %v", model, i, s)
				}
			}
		}
	}
}

// normalize rescales the weights so that every postsynaptic neuron's
// incoming weights sum to the target; a bad axis is reported.
func TestNormalize(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 3}
populations:
  A: {size: 30, model: {kind: lif}}
  B: {size: 7, model: {kind: lif}}
projections:
  AB:
    from: A
    to: B
    connectivity: {kind: fixed_in_degree, k: 10}
    weight: {uniform: [0, 1]}
    normalize: {axis: fan_in, target: 2.5}
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	syn := net.Projections[0].Runtime.Syn
	sums := make([]float64, syn.Cols)
	for k, j := range syn.Idx {
		sums[j] += float64(syn.Weight(k))
	}
	for j, s := range sums {
		if math.Abs(s-2.5) > 1e-4 {
			t.Errorf("column %d: weights sum to %g, want 2.5", j, s)
		}
	}
	_, err = Parse("x.yaml", []byte(strings.Replace(src, "fan_in", "fanin", 1)))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:11: projections.AB.normalize.axis: fanin`) || !strings.Contains(err.Error(), `did you mean "fan_in"`) {
		t.Errorf("bad axis: %v", err)
	}
}
