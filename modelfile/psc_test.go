package modelfile

import (
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/soma"
)

// psc on a receptor: exact by default, step_constant on request; the
// built receptor of an exact lif has the gain P21/P20 with exact and 1
// with step_constant; step_constant on another kernel is an error.
func TestReceptorPSC(t *testing.T) {
	src := strings.Replace(base, "tau_ms: 20}", "tau_ms: 20, integration: exact}", 1) +
		"      gs: {kernel: exp_current, tau_ms: 5, psc: step_constant}\n" +
		"      gx: {kernel: exp_current, tau_ms: 5, psc: exact}\n"
	m, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := net.Population("E")
	want := float32(soma.ExpPSCGain(0.1, 20, 5))
	for name, g := range map[string]float32{"ge": want, "gx": want, "gs": 1} {
		r, ok := p.Receptor(name)
		if !ok {
			t.Fatalf("no receptor %s", name)
		}
		if r.Gain() != g {
			t.Errorf("%s: gain %g, want %g", name, r.Gain(), g)
		}
		if f := r.Spec().PSC; (f == dendrite.StepConstant) != (name == "gs") {
			t.Errorf("%s: psc %v", name, f)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{base + "      gc: {kernel: exp_conductance, tau_ms: 5, psc: step_constant}\n", "populations.E.receptors.gc.psc: step_constant: only exp_current receptors take psc: step_constant"},
		{base + "      gc: {kernel: exp_current, tau_ms: 5, psc: constant}\n", "populations.E.receptors.gc.psc: constant: unknown value"},
	} {
		_, err := Parse("x.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
