package modelfile

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// parseSoma reads populations.X.model, handing each kind of model to its
// own reader.
func (p *parser) parseSoma(n *yaml.Node, path string, line, size int) soma.Spec {
	m, kind, ok := p.kinded(n, path, line, modelKinds)
	if !ok {
		return nil
	}
	f := somaFields{p: p, m: m, path: path, size: size}
	var spec soma.Spec
	switch kind {
	case "lif", "if", "eif", "aif", "adex":
		spec = f.integrateAndFire(kind)
	case "izhikevich":
		spec = f.izhikevich()
	case "hh":
		spec = f.hodgkinHuxley()
	case "rate":
		spec = f.rate()
	case "tissue":
		spec = f.tissue()
	case "poisson":
		spec = f.poisson()
	case "spike_array":
		spec = f.spikeArray()
	case "ttfs":
		spec = f.ttfs()
	case "one_hot":
		spec = f.oneHot()
	case "position":
		spec = f.position(n)
	}
	m.done()
	return spec
}

// somaFields reads the fields of the mapping m of one populations.X.model
// at path, for a population of size neurons (0 when unknown).
type somaFields struct {
	p    *parser
	m    *mapping
	path string
	size int
}

// val sets *dst from key when present.
func (f somaFields) val(key string, dst *param.Value, checks ...check) {
	if v, _ := f.m.get(key); v != nil {
		if x, ok := f.p.value(v, f.path+"."+key, f.size, checks...); ok {
			*dst = x
		}
	}
}

// ptrVal sets *dst to a new value from key when present.
func (f somaFields) ptrVal(key string, dst **param.Value, checks ...check) {
	if v, _ := f.m.get(key); v != nil {
		if x, ok := f.p.value(v, f.path+"."+key, f.size, checks...); ok {
			*dst = &x
		}
	}
}

// flag sets *dst from the boolean key when present.
func (f somaFields) flag(key string, dst *bool) {
	if v, _ := f.m.get(key); v != nil {
		*dst, _ = f.p.boolean(v, f.path+"."+key)
	}
}

// integration sets *dst from the key integration (euler or exact) when
// present.
func (f somaFields) integration(dst *soma.Integration) {
	if v, _ := f.m.get("integration"); v != nil {
		if s, ok := f.p.enum(v, f.path+".integration", []string{"euler", "exact"}); ok {
			*dst = soma.Euler
			if s == "exact" {
				*dst = soma.Exact
			}
		}
	}
}

// integrateAndFire reads an integrate-and-fire model of the given kind
// (lif, if, eif, aif or adex): the defaults of the kind, its common
// fields, the fields of its exponential and adaptation terms, and an
// adaptive threshold.
func (f somaFields) integrateAndFire(kind string) soma.IF {
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
	f.val("tau_ms", &s.TauMs, gt(0))
	f.val("resistance", &s.R, gt(0))
	f.val("rest_mV", &s.RestMV)
	f.val("threshold_mV", &s.ThresholdMV)
	f.ptrVal("reset_mV", &s.ResetMV)
	f.val("refractory_ms", &s.RefractoryMs, ge(0))
	f.flag("refractory_from_spike", &s.RefractoryFromSpike)
	f.flag("drop_refractory_input", &s.DropRefractoryInput)
	f.flag("fire_at_threshold", &s.FireAtThreshold)
	f.integration(&s.Integration)
	f.ptrVal("v0_mV", &s.V0MV)
	for i, t := range s.Terms {
		switch t := t.(type) {
		case soma.Exponential:
			f.val("delta_t_mV", &t.DeltaTMV, gt(0))
			f.val("theta_rh_mV", &t.ThetaRHMV)
			s.Terms[i] = t
		case soma.Adaptation:
			f.val("a", &t.A)
			f.val("b", &t.B)
			f.val("tau_w_ms", &t.TauWMs, gt(0))
			if v, _ := f.m.get("adaptation_form"); v != nil {
				if form, ok := f.p.enum(v, f.path+".adaptation_form", []string{"reference", "textbook"}); ok && form == "textbook" {
					t.Form = soma.AdaptTextbook
				}
			}
			s.Terms[i] = t
		}
	}
	f.p.parseAdaptiveThreshold(f.m, f.path, f.size, &s)
	return s
}

// izhikevich reads an Izhikevich model (defaults: regular spiking).
func (f somaFields) izhikevich() soma.Izhikevich {
	s := soma.IzhikevichRS()
	f.val("a", &s.A, gt(0))
	f.val("b", &s.B)
	f.val("c", &s.C)
	f.val("d", &s.D)
	f.val("peak_mV", &s.PeakMV)
	f.ptrVal("v0_mV", &s.V0MV)
	f.ptrVal("u0", &s.U0)
	if v, _ := f.m.get("method"); v != nil {
		if form, ok := f.p.enum(v, f.path+".method", []string{"half_ms", "euler"}); ok && form == "euler" {
			s.Method = soma.IzhikevichEuler
		}
	}
	return s
}

// hodgkinHuxley reads a Hodgkin–Huxley model (defaults: Traub–Miles),
// recording its substeps for the check against dt.
func (f somaFields) hodgkinHuxley() soma.HH {
	p := f.p
	s := soma.TraubMiles()
	f.val("area_um2", &s.AreaUm2, gt(0))
	f.val("cm_uF_cm2", &s.CmUFPerCm2, gt(0))
	f.val("gl_mS_cm2", &s.GLMSPerCm2, gt(0))
	f.val("gna_mS_cm2", &s.GNaMSPerCm2, ge(0))
	f.val("gk_mS_cm2", &s.GKMSPerCm2, ge(0))
	f.val("el_mV", &s.ELMV)
	f.val("ena_mV", &s.ENaMV)
	f.val("ek_mV", &s.EKMV)
	f.val("vt_mV", &s.VTMV)
	f.val("threshold_mV", &s.ThresholdMV)
	f.ptrVal("v0_mV", &s.V0MV)
	if v, _ := f.m.get("substeps"); v != nil {
		var ok bool
		if s.Substeps, ok = p.integer(v, f.path+".substeps", 0, 1<<20); ok && s.Substeps > 0 {
			p.substeps = append(p.substeps, substepUse{line: v.Line, path: f.path + ".substeps", n: s.Substeps, size: f.size})
		}
	}
	return s
}

// rate reads a rate unit (default transfer: linear).
func (f somaFields) rate() soma.Rate {
	s := soma.RateUnit(soma.Linear)
	if v, _ := f.m.get("transfer"); v != nil {
		if form, ok := f.p.enum(v, f.path+".transfer", []string{"linear", "relu", "sigmoid", "tanh", "threshold_linear"}); ok {
			s.Transfer, _ = soma.ParseTransfer(form)
		}
	}
	f.val("tau_ms", &s.TauMs, ge(0))
	f.val("gain", &s.Gain)
	f.val("threshold", &s.Threshold)
	f.val("bias", &s.Bias)
	f.ptrVal("max", &s.Max, gt(0))
	f.integration(&s.Integration)
	f.val("r0", &s.R0)
	return s
}

// tissue reads a modulator tissue: its form (default leaky) and the
// fields of that form, reporting a field of another form.
func (f somaFields) tissue() soma.Tissue {
	p, m := f.p, f.m
	s := soma.LeakyTissue()
	form := soma.TissueLeaky
	if v, _ := m.get("form"); v != nil {
		if name, ok := p.enum(v, f.path+".form", tissueForms); ok {
			form, _ = soma.ParseTissueForm(name)
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
			p.bad(v, f.path+"."+key, "only form: %s has %s (this tissue is %s)", want, key, form)
			return false
		}
		return true
	}
	if only("integration", soma.TissueLeaky) {
		f.integration(&s.Integration)
	}
	if only("tau_ms", soma.TissueLeaky) {
		tauCheck := gt(0)
		if s.Integration != soma.Exact {
			tauCheck = eulerTau(p.dt, "integration: euler", "set integration: exact")
		}
		f.val("tau_ms", &s.TauMs, tauCheck)
	}
	if only("window_ms", soma.TissueWindowed) {
		f.val("window_ms", &s.WindowMs, gt(0), windowCheck(p.dt))
	}
	return s
}

// poisson reads a Poisson encoder: rate_hz is required.
func (f somaFields) poisson() encoder.Poisson {
	s := encoder.Poisson{}
	if v, _ := f.m.get("rate_hz"); v != nil {
		f.val("rate_hz", &s.RateHz, ge(0))
	} else {
		f.m.missing("rate_hz")
	}
	return s
}

// spikeArray reads a spike array: the lists neurons and times_ms, both
// required, one time per neuron.
func (f somaFields) spikeArray() encoder.SpikeArray {
	p, m := f.p, f.m
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
		if f.size > 0 {
			hi = float64(f.size - 1)
		}
		ns, ok1 := p.numberList(nv, f.path+".neurons", inRange(0, hi), integral)
		ts, ok2 := p.numberList(tv, f.path+".times_ms", ge(0))
		if ok1 && ok2 {
			if len(ns) != len(ts) {
				p.bad(tv, f.path+".times_ms", "list of %d times: must have one time per entry of neurons (%d)", len(ts), len(ns))
			}
			s.Neurons = make([]int, len(ns))
			for i, x := range ns {
				s.Neurons[i] = int(x)
			}
			s.TimesMs = ts
		}
	}
	return s
}

// ttfs reads a time-to-first-spike encoder: window_ms is required and
// must hold a whole number of steps.
func (f somaFields) ttfs() encoder.TTFS {
	p := f.p
	s := encoder.TTFS{}
	if v, _ := f.m.get("window_ms"); v != nil {
		if x, ok := p.checked(v, f.path+".window_ms", gt(0)); ok {
			s.WindowMs = x
			if _, err := encoder.WindowSteps(x, p.dt); err != nil {
				p.bad(v, f.path+".window_ms", "%v", err)
			}
		}
	} else {
		f.m.missing("window_ms")
	}
	return s
}

// oneHot reads a one-hot encoder: size is required and must divide the
// population.
func (f somaFields) oneHot() encoder.OneHot {
	p := f.p
	s := encoder.OneHot{}
	if v, _ := f.m.get("size"); v != nil {
		if x, ok := p.integer(v, f.path+".size", 1, math.MaxInt32); ok {
			s.Size = x
			if f.size > 0 && f.size%x != 0 {
				p.bad(v, f.path+".size", "the population's %d neurons are not a whole number of groups of %d", f.size, x)
			}
		}
	} else {
		f.m.missing("size")
	}
	return s
}

// position reads a position (population) encoder: k and window_ms are
// required; means, sd and ignore_threshold are optional. When its fields
// read well, its code is checked against dt, a problem reported at n.
func (f somaFields) position(n *yaml.Node) encoder.Position {
	p, m, path, size := f.p, f.m, f.path, f.size
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
	return s
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
		t.DeltaMV, okD = p.value(dv, path+".theta_delta_mV", size, ge(0))
		t.TauMs, okT = p.value(tv, path+".tau_theta_ms", size, tauCheck)
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
