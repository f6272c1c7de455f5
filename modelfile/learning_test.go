package modelfile

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
)

// withPlasticity is modBase with the given plasticity line (line 17).
func withPlasticity(rule string) string { return modBase + "    plasticity: " + rule + "\n" }

// withModel replaces E's model (line 5).
func withModel(model string) string {
	return strings.Replace(modBase, "{kind: lif, tau_ms: 20}", model, 1)
}

// withSlow replaces the axon slow of M (line 10).
func withSlow(axon string) string { return strings.Replace(modBase, "{delay_ms: 5}", axon, 1) }

func TestLearningErrors(t *testing.T) {
	const follow = "    follow: M\n"
	for _, tc := range []struct{ name, src, want string }{
		// stdp options
		{"stdp pairing", withPlasticity("{kind: stdp, pairing: nearst}"),
			`x.yaml:17: projections.EE.plasticity.pairing: nearst: unknown value; did you mean "nearest"? (valid: all_to_all, nearest)`},
		{"stdp weight dependence", withPlasticity("{kind: stdp, weight_dependence: multiplicativ}"),
			`x.yaml:17: projections.EE.plasticity.weight_dependence: multiplicativ: unknown value; did you mean "multiplicative"? (valid: additive, multiplicative, soft_bound)`},
		{"stdp weight dependence key", withPlasticity("{kind: stdp, weight_dependance: soft_bound}"),
			`x.yaml:17: projections.EE.plasticity.weight_dependance: unknown field; did you mean "weight_dependence"?`},
		// triplet
		{"triplet tau_y", withPlasticity("{kind: triplet, a2_plus: 0.005, a3_plus: 0.006}"),
			"x.yaml:17: projections.EE.plasticity.tau_y_ms: missing required field: a3_plus is not 0, so its triplet trace needs a time constant"},
		{"triplet tau_x", withPlasticity("{kind: triplet, a2_minus: 0.007, a3_minus: 0.0002}"),
			"x.yaml:17: projections.EE.plasticity.tau_x_ms: missing required field: a3_minus is not 0, so its triplet trace needs a time constant"},
		{"triplet euler tau", withPlasticity("{kind: triplet, tau_plus_ms: 0.05, a2_plus: 0.005}"),
			"x.yaml:17: projections.EE.plasticity.tau_plus_ms: 0.05: must be >= dt_ms (0.1) with traces: euler (the factor 1 − dt/τ would be negative); or set traces: exact"},
		{"triplet negative tau", withPlasticity("{kind: triplet, traces: exact, tau_minus_ms: -1}"),
			"x.yaml:17: projections.EE.plasticity.tau_minus_ms: -1: must be > 0"},
		{"triplet field", withPlasticity("{kind: triplet, a2plus: 0.005}"),
			`x.yaml:17: projections.EE.plasticity.a2plus: unknown field; did you mean "a2_plus"?`},
		{"triplet traces", withPlasticity("{kind: triplet, traces: exakt}"),
			`x.yaml:17: projections.EE.plasticity.traces: exakt: unknown value; did you mean "exact"? (valid: euler, exact)`},
		{"triplet pairing", withPlasticity("{kind: triplet, pairing: closest}"),
			"x.yaml:17: projections.EE.plasticity.pairing: closest: unknown value (valid: all_to_all, nearest)"},
		{"triplet amplitude", withPlasticity("{kind: triplet, a3_plus: big, tau_y_ms: 100}"),
			"x.yaml:17: projections.EE.plasticity.a3_plus: big: must be a number, not a string"},
		// inhibitory_stdp
		{"inhibitory both", withPlasticity("{kind: inhibitory_stdp, eta: 0.001, rho0_hz: 5, alpha: 0.2}"),
			"x.yaml:17: projections.EE.plasticity.alpha: 0.2: give either rho0_hz or alpha, not both (alpha = 2·rho0_hz·tau_ms/1000)"},
		{"inhibitory neither", withPlasticity("{kind: inhibitory_stdp, eta: 0.001}"),
			"x.yaml:17: projections.EE.plasticity.rho0_hz: missing required field: give rho0_hz (the target rate, Hz) or alpha (the depression offset)"},
		{"inhibitory eta", withPlasticity("{kind: inhibitory_stdp, rho0_hz: 5}"),
			"x.yaml:17: projections.EE.plasticity.eta: missing required field"},
		{"inhibitory rho0", withPlasticity("{kind: inhibitory_stdp, eta: 0.001, rho0_hz: 0}"),
			"x.yaml:17: projections.EE.plasticity.rho0_hz: 0: must be > 0"},
		{"inhibitory tau", withPlasticity("{kind: inhibitory_stdp, eta: 0.001, alpha: 0.2, tau_ms: 0.01}"),
			"x.yaml:17: projections.EE.plasticity.tau_ms: 0.01: must be >= dt_ms (0.1) with traces: euler"},
		{"inhibitory field", withPlasticity("{kind: inhibitory_stdp, eta: 0.001, rho0: 5}"),
			`x.yaml:17: projections.EE.plasticity.rho0: unknown field; did you mean "rho0_hz"?`},
		{"inhibitory kind", withPlasticity("{kind: inhibitory, eta: 0.001, rho0_hz: 5}"),
			`x.yaml:17: projections.EE.plasticity.kind: inhibitory: unknown value; did you mean "inhibitory_stdp"?`},
		// rstdp and modulated
		{"follow with plain stdp", withPlasticity("{kind: stdp}") + follow,
			"x.yaml:18: projections.EE.follow: M: the rule stdp (projections.EE.plasticity) reads no neuromodulator, so the modulator would change nothing; rules that read one: rstdp"},
		{"follow with rules that read none", withPlasticity("[{kind: stdp}, {kind: convergent, tau_ms: 100}]") + follow,
			"x.yaml:18: projections.EE.follow: M: the rule composite (projections.EE.plasticity) reads no neuromodulator"},
		{"rstdp without follow", withPlasticity("{kind: rstdp, rule: {kind: stdp}}"),
			"x.yaml:17: projections.EE.plasticity.kind: rstdp: a three-factor rule needs a neuromodulator: give the projection a follow field (projections.EE.follow: the modulator population)"},
		{"modulated without follow", withPlasticity("[{kind: convergent}, {kind: modulated, rule: {kind: stdp}}]"),
			"x.yaml:17: projections.EE.plasticity[1].kind: modulated: a three-factor rule needs a neuromodulator: give the projection a follow field (projections.EE.follow: the modulator population)"},
		{"rstdp rule missing", withPlasticity("{kind: rstdp, tau_c_ms: 500}") + follow,
			"x.yaml:17: projections.EE.plasticity.rule: missing required field"},
		{"modulated rule missing", withPlasticity("{kind: modulated}") + follow,
			"x.yaml:17: projections.EE.plasticity.rule: missing required field"},
		{"rstdp tau_c", withPlasticity("{kind: rstdp, rule: {kind: stdp}, tau_c_ms: 0.05}") + follow,
			"x.yaml:17: projections.EE.plasticity.tau_c_ms: 0.05: must be >= dt_ms (0.1): the eligibility traces decay by 1 − dt/τc per step"},
		{"rstdp tau_c negative", withPlasticity("{kind: rstdp, rule: {kind: stdp}, tau_c_ms: -5}") + follow,
			"x.yaml:17: projections.EE.plasticity.tau_c_ms: -5: must be > 0"},
		{"rstdp inner kind", withPlasticity("{kind: rstdp, rule: {kind: stpd}}") + follow,
			`x.yaml:17: projections.EE.plasticity.rule.kind: stpd: unknown value; did you mean "stdp"?`},
		{"rstdp inner field", modBase + "    plasticity:\n      kind: rstdp\n      rule:\n        kind: stdp\n        pairng: nearest\n" + follow,
			`x.yaml:21: projections.EE.plasticity.rule.pairng: unknown field; did you mean "pairing"?`},
		{"rstdp inner list", withPlasticity("{kind: rstdp, rule: [{kind: stdp}, {kind: triplet, tau_y_ms: -2}]}") + follow,
			"x.yaml:17: projections.EE.plasticity.rule[1].tau_y_ms: -2: must be > 0"},
		{"rstdp field", withPlasticity("{kind: rstdp, rule: {kind: stdp}, tau_c: 500}") + follow,
			`x.yaml:17: projections.EE.plasticity.tau_c: unknown field; did you mean "tau_c_ms"?`},
		// tsodyks_markram
		{"stp u", withSlow("{response: {kind: tsodyks_markram, u: 1.5, tau_d_ms: 100}}"),
			"x.yaml:10: populations.M.axons.slow.response.u: 1.5: must lie in (0, 1]"},
		{"stp u zero", withSlow("{response: {kind: tsodyks_markram, u: [0.5, 0], tau_d_ms: 100}}"),
			"x.yaml:10: populations.M.axons.slow.response.u[1]: 0: must lie in (0, 1]"},
		{"stp tau_d missing", withSlow("{response: {kind: tsodyks_markram, u: 0.5}}"),
			"x.yaml:10: populations.M.axons.slow.response.tau_d_ms: missing required field"},
		{"stp u missing", withSlow("{response: {kind: tsodyks_markram, tau_d_ms: 100}}"),
			"x.yaml:10: populations.M.axons.slow.response.u: missing required field"},
		{"stp tau_f", withSlow("{response: {kind: tsodyks_markram, u: 0.5, tau_d_ms: 100, tau_f_ms: -1}}"),
			"x.yaml:10: populations.M.axons.slow.response.tau_f_ms: -1: must be >= 0"},
		{"stp per terminal", withSlow("{terminals: 2, response: {kind: tsodyks_markram, u: 0.5, tau_d_ms: [100, 200, 300]}}"),
			"x.yaml:10: populations.M.axons.slow.response.tau_d_ms: [...]: list of 3 values: must have 1 or 2 (one per terminal) or 2 (one per neuron and terminal)"},
		{"stp field", withSlow("{response: {kind: tsodyks_markram, u: 0.5, tau_d: 100}}"),
			`x.yaml:10: populations.M.axons.slow.response.tau_d: unknown field; did you mean "tau_d_ms"?`},
		{"stp kind", withSlow("{response: {kind: tsodyks, u: 0.5, tau_d_ms: 100}}"),
			`x.yaml:10: populations.M.axons.slow.response.kind: tsodyks: unknown value`},
		// adaptive threshold
		{"theta delta alone", withModel("{kind: lif, tau_ms: 20, theta_delta_mV: 0.05}"),
			"x.yaml:5: populations.E.model.tau_theta_ms: missing required field: an adaptive threshold needs both theta_delta_mV and tau_theta_ms"},
		{"theta tau alone", withModel("{kind: adex, tau_theta_ms: 100}"),
			"x.yaml:5: populations.E.model.theta_delta_mV: missing required field: an adaptive threshold needs both theta_delta_mV and tau_theta_ms"},
		{"theta exact alone", withModel("{kind: lif, theta_exact: true}"),
			"x.yaml:5: populations.E.model.theta_exact: true: an adaptive threshold needs both theta_delta_mV and tau_theta_ms; without them there is no adaptive threshold"},
		{"theta tau euler", withModel("{kind: lif, theta_delta_mV: 1, tau_theta_ms: 0.05}"),
			"x.yaml:5: populations.E.model.tau_theta_ms: 0.05: must be >= dt_ms (0.1) with Euler decay (the factor 1 − dt/τ would be negative); or set theta_exact: true"},
		{"theta tau exact", withModel("{kind: lif, theta_delta_mV: 1, tau_theta_ms: 0, theta_exact: true}"),
			"x.yaml:5: populations.E.model.tau_theta_ms: 0: must be > 0"},
		{"theta delta negative", withModel("{kind: aif, theta_delta_mV: -1, tau_theta_ms: 100}"),
			"x.yaml:5: populations.E.model.theta_delta_mV: -1: must be >= 0"},
		{"theta per neuron", withModel("{kind: lif, theta_delta_mV: [1, 2], tau_theta_ms: 100}"),
			"x.yaml:5: populations.E.model.theta_delta_mV: [...]: list of 2 values: must have one value per element (10)"},
		{"theta on izhikevich", withModel("{kind: izhikevich, theta_delta_mV: 1, tau_theta_ms: 100}"),
			"x.yaml:5: populations.E.model.theta_delta_mV: unknown field"},
		{"theta typo", withModel("{kind: lif, theta_delta_mv: 1}"),
			`x.yaml:5: populations.E.model.theta_delta_mv: unknown field; did you mean "theta_delta_mV"?`},
		// tissue
		{"tissue kind", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tisue}", 1),
			`x.yaml:8: populations.M.model.kind: tisue: unknown value; did you mean "tissue"?`},
		{"tissue form", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, form: windowd}", 1),
			`x.yaml:8: populations.M.model.form: windowd: unknown value; did you mean "windowed"? (valid: leaky, impulse, windowed)`},
		{"tissue tau of windowed", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, form: windowed, tau_ms: 10}", 1),
			"x.yaml:8: populations.M.model.tau_ms: 10: only form: leaky has tau_ms (this tissue is windowed)"},
		{"tissue window of leaky", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, window_ms: 10}", 1),
			"x.yaml:8: populations.M.model.window_ms: 10: only form: windowed has window_ms (this tissue is leaky)"},
		{"tissue integration of impulse", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, form: impulse, integration: exact}", 1),
			"x.yaml:8: populations.M.model.integration: exact: only form: leaky has integration (this tissue is impulse)"},
		{"tissue window", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, form: windowed, window_ms: 0.05}", 1),
			"x.yaml:8: populations.M.model.window_ms: 0.05: must be >= dt_ms (0.1): at least one step"},
		{"tissue tau euler", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, tau_ms: 0.05}", 1),
			"x.yaml:8: populations.M.model.tau_ms: 0.05: must be >= dt_ms (0.1) with integration: euler (the factor 1 − dt/τ would be negative); or set integration: exact"},
		{"tissue tau exact", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, integration: exact, tau_ms: -1}", 1),
			"x.yaml:8: populations.M.model.tau_ms: -1: must be > 0"},
		{"tissue field", strings.Replace(modBase, "{kind: rate, tau_ms: 10}", "{kind: tissue, tau: 10}", 1),
			`x.yaml:8: populations.M.model.tau: unknown field; did you mean "tau_ms"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
}

// ruleOf parses src, builds it and returns the built rule of EE.
func ruleOf(t *testing.T, src string) plasticity.Spec {
	t.Helper()
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := net.Projection("EE")
	if !ok || p.Learner == nil {
		t.Fatalf("projection EE: %v, learner %v", ok, p)
	}
	spikes(t, net, 50)
	return p.Rule
}

func TestSTDPOptionsBuild(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		pairing    plasticity.Pairing
		ltp, ltd   plasticity.RateSpec
	}{
		{"default", "{kind: stdp}", plasticity.AllToAll, nil, nil},
		{"additive", "{kind: stdp, weight_dependence: additive, a_plus: 0.001}", plasticity.AllToAll,
			plasticity.ConstRate{Eta: 0.001 / 0.1}, nil},
		{"nearest multiplicative", "{kind: stdp, pairing: nearest, weight_dependence: multiplicative, a_plus: 0.001, eta_minus: 0.02}",
			plasticity.Nearest, plasticity.UpperBoundRate{Eta: 0.001 / 0.1}, plasticity.LowerBoundRate{Eta: 0.02}},
		{"multiplicative defaults", "{kind: stdp, weight_dependence: multiplicative}", plasticity.AllToAll,
			plasticity.UpperBoundRate{Eta: plasticity.DefaultRate}, plasticity.LowerBoundRate{Eta: plasticity.DefaultRate}},
		{"soft bound", "{kind: stdp, pairing: all_to_all, weight_dependence: soft_bound, eta_plus: 0.5, a_minus: 0.002}", plasticity.AllToAll,
			plasticity.SoftBoundRate{Eta: 0.5}, plasticity.SoftBoundRate{Eta: 0.002 / 0.1}},
		{"nearest pre first", "{kind: stdp, pairing: nearest, pre_first: true, traces: exact}", plasticity.Nearest, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := ruleOf(t, withPlasticity(tc.rule)).(plasticity.STDP)
			if !ok {
				t.Fatalf("rule %T, want STDP", s)
			}
			if s.Pairing != tc.pairing || s.LTP != tc.ltp || s.LTD != tc.ltd {
				t.Errorf("pairing %v LTP %#v LTD %#v; want %v %#v %#v", s.Pairing, s.LTP, s.LTD, tc.pairing, tc.ltp, tc.ltd)
			}
		})
	}
}

func TestTripletBuild(t *testing.T) {
	s, ok := ruleOf(t, withPlasticity("{kind: triplet, tau_plus_ms: 16.8, tau_x_ms: 101, tau_minus_ms: 33.7, tau_y_ms: 125, "+
		"a2_plus: 5e-10, a3_plus: 0.0062, a2_minus: 0.007, a3_minus: 0.00023, pairing: nearest, traces: exact}")).(plasticity.Triplet)
	if !ok {
		t.Fatalf("rule %T, want Triplet", s)
	}
	dt := 0.1 // divided at run time, as the parser does
	want := plasticity.Triplet{TauPlusMs: 16.8, TauXMs: 101, TauMinusMs: 33.7, TauYMs: 125,
		A2Plus: 5e-10 / dt, A3Plus: 0.0062 / dt, A2Minus: 0.007 / dt, A3Minus: 0.00023 / dt,
		Pairing: plasticity.Nearest, Exact: true}
	if s != want {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	// Defaults: Pfister & Gerstner's pair windows; the unused triplet
	// traces need no time constant.
	s = ruleOf(t, withPlasticity("{kind: triplet, a2_plus: 0.005, a2_minus: 0.007}")).(plasticity.Triplet)
	want = plasticity.Triplet{TauPlusMs: 16.8, TauMinusMs: 33.7, A2Plus: 0.005 / dt, A2Minus: 0.007 / dt}
	if s != want {
		t.Errorf("defaults: got %+v\nwant %+v", s, want)
	}
}

func TestInhibitoryBuild(t *testing.T) {
	s, ok := ruleOf(t, withPlasticity("{kind: inhibitory_stdp, eta: 0.001, rho0_hz: 5, traces: exact}")).(plasticity.Inhibitory)
	if want := (plasticity.Inhibitory{TauMs: 20, Eta: 0.001, Rho0Hz: 5, Exact: true}); !ok || s != want {
		t.Errorf("got %#v, want %+v", s, want)
	}
	s = ruleOf(t, withPlasticity("{kind: inhibitory_stdp, eta: 0.01, alpha: 0.12, tau_ms: 10}")).(plasticity.Inhibitory)
	if want := (plasticity.Inhibitory{TauMs: 10, Eta: 0.01, Alpha: 0.12}); s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func TestThreeFactorBuild(t *testing.T) {
	const follow = "    follow: M\n"
	r, ok := ruleOf(t, withPlasticity("{kind: rstdp, tau_c_ms: 500, rule: {kind: stdp, pairing: nearest, a_plus: 0.001}}")+follow).(plasticity.RSTDP)
	if !ok || r.TauCMs != 500 {
		t.Fatalf("rule %#v, want RSTDP with tau_c 500 ms", r)
	}
	if in, ok := r.Rule.(plasticity.STDP); !ok || in.Pairing != plasticity.Nearest || in.LTP != (plasticity.ConstRate{Eta: 0.01}) {
		t.Errorf("inner rule %#v, want nearest STDP with eta+ 0.01", r.Rule)
	}
	r = ruleOf(t, withPlasticity("{kind: rstdp, rule: {kind: triplet, a2_plus: 0.001}}")+follow).(plasticity.RSTDP)
	if _, ok := r.Rule.(plasticity.Triplet); !ok || r.TauCMs != 1000 {
		t.Errorf("rule %#v, want RSTDP of triplet with the default tau_c 1000 ms", r)
	}
	mod, ok := ruleOf(t, withPlasticity("{kind: modulated, rule: [{kind: stdp}, {kind: inhibitory_stdp, eta: 0.001, alpha: 0.1}]}")+follow).(plasticity.Modulated)
	if !ok {
		t.Fatalf("rule %#v, want Modulated", mod)
	}
	if c, ok := mod.Rule.(plasticity.Composite); !ok || len(c.Rules) != 2 {
		t.Errorf("inner rule %#v, want a composite of 2", mod.Rule)
	}
	// A three-factor rule inside a list, with follow.
	c, ok := ruleOf(t, withPlasticity("[{kind: convergent}, {kind: modulated, rule: {kind: stdp}}]")+follow).(plasticity.Composite)
	if !ok || len(c.Rules) != 2 {
		t.Fatalf("rule %#v", c)
	}
	if _, ok := c.Rules[1].(plasticity.Modulated); !ok {
		t.Errorf("rule 1 %#v, want Modulated", c.Rules[1])
	}
}

// outputs parses src, builds it and returns the output of population name at
// each of steps steps.
func outputs(t *testing.T, src, name string, steps int) ([][]float32, *soma.Model) {
	t.Helper()
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	pop, ok := net.Population(name)
	if !ok {
		t.Fatalf("no population %s", name)
	}
	s := stepper.New(net)
	var out [][]float32
	for range steps {
		if err := s.Run(1); err != nil {
			t.Fatal(err)
		}
		out = append(out, slices.Clone(pop.Output()))
	}
	model := pop.Model()
	return out, &model
}

// A spike train through a depressing Tsodyks–Markram terminal: the
// efficacies fall as U, U(1−U), U(1−U)², ... when τ_D is long and there is
// no facilitation.
func TestTsodyksMarkramBuild(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 1}
populations:
  S:
    size: 1
    model: {kind: spike_array, neurons: [0, 0, 0], times_ms: [1, 2, 3]}
    axons:
      out: {response: {kind: tsodyks_markram, u: 0.5, tau_d_ms: [1e9], tau_f_ms: 0}}
  T:
    size: 1
    model: {kind: rate}
projections:
  ST: {from: S, to: T, connectivity: {kind: all_to_all}, weight: 1}
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := m.pops[0].axons[0].spec.Response.(response.TsodyksMarkram)
	if !ok {
		t.Fatalf("response %#v", m.pops[0].axons[0].spec.Response)
	}
	if u, _ := tm.U.Len(); u != 0 {
		t.Errorf("u is a list of %d, want a number", u)
	}
	out, _ := outputs(t, src, "T", 50)
	var got []float64
	for _, o := range out {
		if o[0] != 0 {
			got = append(got, float64(o[0]))
		}
	}
	want := []float64{0.5, 0.25, 0.125}
	if len(got) != len(want) {
		t.Fatalf("non-zero outputs %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6 {
			t.Errorf("efficacy %d: %g, want %g", i, got[i], want[i])
		}
	}
}

// An adaptive threshold reaches the built model: its theta rises with
// spikes, and a neuron with it fires less than one without.
func TestAdaptiveThresholdBuild(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 1}
populations:
  A:
    size: 2
    model: {kind: lif, tau_ms: 10, rest_mV: -70, threshold_mV: -50, reset_mV: -70, theta_delta_mV: [0, 5], tau_theta_ms: 100, theta_exact: true}
    stimuli: [{constant: 30}]
`
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	at := m.pops[0].model.(soma.IF).AdaptiveThreshold
	if at == nil || !at.Exact {
		t.Fatalf("adaptive threshold %#v", at)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	pop, _ := net.Population("A")
	theta, ok := pop.Model().Var("theta")
	if !ok {
		t.Fatal("the built model has no theta")
	}
	sp := spikes(t, net, 2000)["A"]
	n := [2]int{}
	for _, e := range sp[1] {
		n[e]++
	}
	if n[0] == 0 || n[1] >= n[0] {
		t.Errorf("spikes without adaptation %d, with %d: want fewer with", n[0], n[1])
	}
	if theta[0] != 0 || !(theta[1] > 0) {
		t.Errorf("theta %v, want 0 and > 0", theta)
	}
}

// Tissues reach the built network with their form and parameters.
func TestTissueBuild(t *testing.T) {
	src := `network: {dt_ms: 0.1, seed: 1}
populations:
  D:
    size: 1
    model: MODEL
    stimuli: [{square_pulse: {low: 0, high: 2, period_steps: 100, width_steps: 1, phase_steps: 10}}]
`
	for _, tc := range []struct {
		name, model string
		want        soma.Tissue
		check       func(out [][]float32) string
	}{
		{"impulse", "{kind: tissue, form: impulse}", soma.ImpulseTissue(), func(out [][]float32) string {
			for n, o := range out {
				if want := float32(map[bool]float32{true: 2}[n == 10]); o[0] != want {
					return "the output is not the input"
				}
			}
			return ""
		}},
		{"leaky", "{kind: tissue, tau_ms: 1}", soma.Tissue{Form: soma.TissueLeaky, TauMs: param.Const(1)}, func(out [][]float32) string {
			// da·dt at the input step, then ×(1 − dt/τ) per step.
			if math.Abs(float64(out[10][0])-0.2) > 1e-6 || math.Abs(float64(out[11][0])-0.18) > 1e-6 {
				return "not a leaky integration with τ = 1 ms"
			}
			return ""
		}},
		{"leaky default exact", "{kind: tissue, form: leaky, integration: exact}", soma.Tissue{Form: soma.TissueLeaky, TauMs: param.Const(7), Integration: soma.Exact}, nil},
		{"windowed", "{kind: tissue, form: windowed, window_ms: 0.5}", soma.Tissue{Form: soma.TissueWindowed, WindowMs: param.Const(0.5)}, func(out [][]float32) string {
			for n, o := range out {
				want := float32(0)
				if n >= 10 && n < 15 {
					want = 2
				}
				if o[0] != want {
					return "not a 5-step window"
				}
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := strings.Replace(src, "MODEL", tc.model, 1)
			m, err := Parse("x.yaml", []byte(s))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := m.pops[0].model.(soma.Tissue)
			if !ok || got.Form != tc.want.Form || got.Integration != tc.want.Integration ||
				!sameValue(got.TauMs, tc.want.TauMs) || !sameValue(got.WindowMs, tc.want.WindowMs) {
				t.Fatalf("model %#v, want %#v", m.pops[0].model, tc.want)
			}
			out, model := outputs(t, s, "D", 30)
			if _, ok := (*model).Var("d"); !ok {
				t.Error("the built model has no d")
			}
			if tc.check != nil {
				if msg := tc.check(out); msg != "" {
					t.Errorf("%s: outputs %v", msg, out)
				}
			}
		})
	}
}

// The reward-modulated STDP example runs, and its plastic weights change.
func TestRSTDPExample(t *testing.T) {
	m, err := Load(filepath.Join("..", "examples", "neuromodulation", "rstdp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := net.Projection("syn")
	if !ok {
		t.Fatal("no projection syn")
	}
	if _, ok := p.Rule.(plasticity.RSTDP); !ok || p.FollowAxon < 0 {
		t.Fatalf("rule %T, follow axon %d: want RSTDP following the tissue", p.Rule, p.FollowAxon)
	}
	w0 := slices.Clone(p.Runtime.Syn.W)
	steps := 5000
	if testing.Short() {
		steps = 2000
	}
	sp := spikes(t, net, steps)
	if len(sp["out"][0]) == 0 {
		t.Error("out never fires")
	}
	if slices.Equal(w0, p.Runtime.Syn.W) {
		t.Error("the weights did not change")
	}
}

// sameValue compares two parameters by their description.
func sameValue(a, b param.Value) bool { return a.String() == b.String() }

// The JSON schema lists the kinds the parser accepts (no more, no fewer).
func TestSchemaKinds(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "model-format.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			OneOf []struct {
				Properties struct {
					Kind struct {
						Const string `json:"const"`
					} `json:"kind"`
				} `json:"properties"`
			} `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	for def, kinds := range map[string][]string{"plasticity_rule": plasticityKinds, "response": responseKinds, "model": modelKinds} {
		var got []string
		for _, o := range schema.Defs[def].OneOf {
			got = append(got, o.Properties.Kind.Const)
		}
		want := slices.Clone(kinds)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("schema $defs.%s has kinds %v, the parser %v", def, got, want)
		}
	}
}

// A field given without its unit is matched to the field with the unit,
// not to a near miss.
func TestSuggestUnit(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want string
	}{
		{"tau_plus", "tau_plus_ms"},
		{"rho0", "rho0_hz"},
		{"theta_delta", "theta_delta_mV"},
		{"tau", "tau_ms"},
		{"eta_pluss", "eta_plus"},
	} {
		if got := suggest(tc.s, []string{"eta_plus", "tau_plus_ms", "rho0_hz", "theta_delta_mV", "tau_ms", "tau_theta_ms"}); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
