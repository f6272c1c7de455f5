package modelfile

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// parseSoma reads populations.X.model.
func (p *parser) parseSoma(n *yaml.Node, path string, line, size int) soma.Spec {
	m, kind, ok := p.kinded(n, path, line, modelKinds)
	if !ok {
		return nil
	}
	// val sets *dst from key when present.
	val := func(key string, dst *param.Value, checks ...check) {
		if v, _ := m.get(key); v != nil {
			if x, ok := p.value(v, path+"."+key, size, checks...); ok {
				*dst = x
			}
		}
	}
	ptrVal := func(key string, dst **param.Value, checks ...check) {
		if v, _ := m.get(key); v != nil {
			if x, ok := p.value(v, path+"."+key, size, checks...); ok {
				*dst = &x
			}
		}
	}
	flag := func(key string, dst *bool) {
		if v, _ := m.get(key); v != nil {
			*dst, _ = p.boolean(v, path+"."+key)
		}
	}
	integration := func(dst *soma.Integration) {
		if v, _ := m.get("integration"); v != nil {
			if s, ok := p.enum(v, path+".integration", []string{"euler", "exact"}); ok {
				*dst = soma.Euler
				if s == "exact" {
					*dst = soma.Exact
				}
			}
		}
	}
	var spec soma.Spec
	switch kind {
	case "lif", "if", "eif", "aif", "adex":
		var s soma.IF
		switch kind {
		case "lif":
			s = soma.LIF()
		case "if":
			s = soma.PerfectIF()
		case "eif":
			s = soma.EIF()
		case "aif":
			s = soma.AIF()
		case "adex":
			s = soma.AdEx()
		}
		val("tau_ms", &s.Tau, gt(0))
		val("resistance", &s.R, gt(0))
		val("rest_mV", &s.Rest)
		val("threshold_mV", &s.Threshold)
		ptrVal("reset_mV", &s.Reset)
		val("refractory_ms", &s.Refractory, ge(0))
		flag("refractory_from_spike", &s.RefractoryFromSpike)
		flag("drop_refractory_input", &s.DropRefractoryInput)
		flag("fire_at_threshold", &s.FireAtThreshold)
		integration(&s.Integration)
		ptrVal("v0_mV", &s.V0)
		for i, t := range s.Terms {
			switch t := t.(type) {
			case soma.Exponential:
				val("delta_t_mV", &t.DeltaT, gt(0))
				val("theta_rh_mV", &t.ThetaRH)
				s.Terms[i] = t
			case soma.Adaptation:
				val("a", &t.A)
				val("b", &t.B)
				val("tau_w_ms", &t.TauW, gt(0))
				if v, _ := m.get("adaptation_form"); v != nil {
					if f, ok := p.enum(v, path+".adaptation_form", []string{"reference", "textbook"}); ok && f == "textbook" {
						t.Form = soma.AdaptTextbook
					}
				}
				s.Terms[i] = t
			}
		}
		p.parseAdaptiveThreshold(m, path, size, &s)
		spec = s
	case "izhikevich":
		s := soma.IzhikevichRS()
		val("a", &s.A, gt(0))
		val("b", &s.B)
		val("c", &s.C)
		val("d", &s.D)
		val("peak_mV", &s.Peak)
		ptrVal("v0_mV", &s.V0)
		ptrVal("u0", &s.U0)
		if v, _ := m.get("method"); v != nil {
			if f, ok := p.enum(v, path+".method", []string{"half_ms", "euler"}); ok && f == "euler" {
				s.Method = soma.IzhikevichEuler
			}
		}
		spec = s
	case "hh":
		s := soma.TraubMiles()
		val("area_um2", &s.Area, gt(0))
		val("cm_uF_cm2", &s.Cm, gt(0))
		val("gl_mS_cm2", &s.GL, gt(0))
		val("gna_mS_cm2", &s.GNa, ge(0))
		val("gk_mS_cm2", &s.GK, ge(0))
		val("el_mV", &s.EL)
		val("ena_mV", &s.ENa)
		val("ek_mV", &s.EK)
		val("vt_mV", &s.VT)
		val("threshold_mV", &s.Threshold)
		ptrVal("v0_mV", &s.V0)
		if v, _ := m.get("substeps"); v != nil {
			var ok bool
			if s.Substeps, ok = p.integer(v, path+".substeps", 0, 1<<20); ok && s.Substeps > 0 {
				p.substeps = append(p.substeps, substepUse{line: v.Line, path: path + ".substeps", n: s.Substeps, size: size})
			}
		}
		spec = s
	case "rate":
		s := soma.RateUnit(soma.Linear)
		if v, _ := m.get("transfer"); v != nil {
			if f, ok := p.enum(v, path+".transfer", []string{"linear", "relu", "sigmoid", "tanh", "threshold_linear"}); ok {
				s.Transfer, _ = soma.ParseTransfer(f)
			}
		}
		val("tau_ms", &s.Tau, ge(0))
		val("gain", &s.Gain)
		val("threshold", &s.Threshold)
		val("bias", &s.Bias)
		ptrVal("max", &s.Max, gt(0))
		integration(&s.Integration)
		val("r0", &s.R0)
		spec = s
	case "tissue":
		s := soma.LeakyTissue()
		form := soma.TissueLeaky
		if v, _ := m.get("form"); v != nil {
			if f, ok := p.enum(v, path+".form", tissueForms); ok {
				form, _ = soma.ParseTissueForm(f)
			}
		}
		switch form {
		case soma.TissueImpulse:
			s = soma.ImpulseTissue()
		case soma.TissueWindowed:
			s = soma.WindowedTissue()
		}
		// only reports a field of another form.
		only := func(key string, want soma.TissueForm) bool {
			v, _ := m.get(key)
			if v == nil {
				return false
			}
			if form != want {
				p.bad(v, path+"."+key, "only form: %s has %s (this tissue is %s)", want, key, form)
				return false
			}
			return true
		}
		if only("integration", soma.TissueLeaky) {
			integration(&s.Integration)
		}
		if only("tau_ms", soma.TissueLeaky) {
			tauCheck := gt(0)
			if s.Integration != soma.Exact {
				tauCheck = eulerTau(p.dt, "integration: euler", "set integration: exact")
			}
			val("tau_ms", &s.Tau, tauCheck)
		}
		if only("window_ms", soma.TissueWindowed) {
			val("window_ms", &s.Window, gt(0), windowCheck(p.dt))
		}
		spec = s
	case "poisson":
		s := encoder.Poisson{}
		if v, _ := m.get("rate_hz"); v != nil {
			val("rate_hz", &s.Rate, ge(0))
		} else {
			m.missing("rate_hz")
		}
		spec = s
	case "spike_array":
		var s encoder.SpikeArray
		nv, _ := m.get("neurons")
		tv, _ := m.get("times_ms")
		if nv == nil {
			m.missing("neurons")
		}
		if tv == nil {
			m.missing("times_ms")
		}
		if nv != nil && tv != nil {
			hi := float64(math.MaxInt32)
			if size > 0 {
				hi = float64(size - 1)
			}
			ns, ok1 := p.numberList(nv, path+".neurons", inRange(0, hi), integral)
			ts, ok2 := p.numberList(tv, path+".times_ms", ge(0))
			if ok1 && ok2 {
				if len(ns) != len(ts) {
					p.bad(tv, path+".times_ms", "list of %d times: must have one time per entry of neurons (%d)", len(ts), len(ns))
				}
				s.Neurons = make([]int, len(ns))
				for i, x := range ns {
					s.Neurons[i] = int(x)
				}
				s.TimesMs = ts
			}
		}
		spec = s
	case "ttfs":
		s := encoder.TTFS{}
		if v, _ := m.get("window_ms"); v != nil {
			if x, ok := p.checked(v, path+".window_ms", gt(0)); ok {
				s.WindowMs = x
				if _, err := encoder.WindowSteps(x, p.dt); err != nil {
					p.bad(v, path+".window_ms", "%v", err)
				}
			}
		} else {
			m.missing("window_ms")
		}
		spec = s
	case "one_hot":
		s := encoder.OneHot{}
		if v, _ := m.get("size"); v != nil {
			if x, ok := p.integer(v, path+".size", 1, math.MaxInt32); ok {
				s.Size = x
				if size > 0 && size%x != 0 {
					p.bad(v, path+".size", "the population's %d neurons are not a whole number of groups of %d", size, x)
				}
			}
		} else {
			m.missing("size")
		}
		spec = s
	case "position":
		s := encoder.Position{}
		bad := false
		kv, _ := m.get("k")
		if kv != nil {
			var ok bool
			if s.K, ok = p.integer(kv, path+".k", 1, math.MaxInt32); !ok {
				bad = true
			} else if size > 0 && size%s.K != 0 {
				p.bad(kv, path+".k", "the population's %d neurons are not a whole number of groups of k = %d", size, s.K)
			}
		} else {
			m.missing("k")
			bad = true
		}
		wv, _ := m.get("window_ms")
		if wv != nil {
			var ok bool
			if s.WindowMs, ok = p.checked(wv, path+".window_ms", gt(0)); !ok {
				bad = true
			}
		} else {
			m.missing("window_ms")
			bad = true
		}
		if v, _ := m.get("means"); v != nil {
			if s.Means, _ = p.numberList(v, path+".means"); s.Means == nil {
				bad = true
			}
		}
		if v, _ := m.get("sd"); v != nil {
			s.SD, _ = p.checked(v, path+".sd", gt(0))
		}
		if v, _ := m.get("ignore_threshold"); v != nil {
			s.IgnoreThreshold, _ = p.checked(v, path+".ignore_threshold", gt(0), inRange(0, 1))
		}
		if !bad {
			if _, err := s.Code(p.dt); err != nil {
				p.bad(n, path, "%v", err)
			}
		}
		spec = s
	}
	m.done()
	return spec
}

func integral(x float64) string {
	if x == math.Trunc(x) {
		return ""
	}
	return "must be an integer"
}

var tissueForms = []string{"leaky", "impulse", "windowed"}

// eulerTau checks a time constant used in an Euler factor 1 − dt/τ: > 0
// and >= dt; when names the setting, fix the way out.
func eulerTau(dt float64, when, fix string) check {
	return func(x float64) string {
		if !(x > 0) {
			return "must be > 0"
		}
		if x < dt {
			return fmt.Sprintf("must be >= dt_ms (%g) with %s (the factor 1 − dt/τ would be negative); or %s", dt, when, fix)
		}
		return ""
	}
}

// windowCheck accepts a window of at least one step of dt.
func windowCheck(dt float64) check {
	return func(x float64) string {
		if param.Steps(x, dt) < 1 {
			return fmt.Sprintf("must be >= dt_ms (%g): at least one step", dt)
		}
		return ""
	}
}

// parseAdaptiveThreshold reads the adaptive threshold of an
// integrate-and-fire model: theta_delta_mV and tau_theta_ms (both or
// neither) and theta_exact.
func (p *parser) parseAdaptiveThreshold(m *mapping, path string, size int, s *soma.IF) {
	dv, _ := m.get("theta_delta_mV")
	tv, _ := m.get("tau_theta_ms")
	xv, _ := m.get("theta_exact")
	const both = "an adaptive threshold needs both theta_delta_mV and tau_theta_ms"
	switch {
	case dv != nil && tv != nil:
		t := &soma.AdaptiveThreshold{}
		if xv != nil {
			t.Exact, _ = p.boolean(xv, path+".theta_exact")
		}
		tauCheck := gt(0)
		if !t.Exact && s.Integration != soma.Exact {
			tauCheck = eulerTau(p.dt, "Euler decay", "set theta_exact: true")
		}
		okD, okT := false, false
		t.Delta, okD = p.value(dv, path+".theta_delta_mV", size, ge(0))
		t.Tau, okT = p.value(tv, path+".tau_theta_ms", size, tauCheck)
		if okD && okT {
			s.AdaptiveThreshold = t
		}
	case dv != nil:
		p.add(dv.Line, path+".tau_theta_ms", "", "missing required field: %s", both)
	case tv != nil:
		p.add(tv.Line, path+".theta_delta_mV", "", "missing required field: %s", both)
	case xv != nil:
		p.bad(xv, path+".theta_exact", "%s; without them there is no adaptive threshold", both)
	}
}
