package response

import (
	"math"

	"github.com/spiral-sim/spiral/param"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// KindTsodyksMarkram is the kind of the short-term plasticity response.
const KindTsodyksMarkram = "tsodyks_markram"

// TsodyksMarkram is short-term synaptic plasticity (depression and
// facilitation) in the formulation of Markram, Wang & Tsodyks (1998), the
// one of NEST's tsodyks2_synapse and (in other variables, see below) of
// Brian2's short-term plasticity example. Each element (an axon terminal)
// carries two variables:
//
//	x  the fraction of resources available for release (1 at rest)
//	u  the utilisation: the fraction of the available resources that a
//	   spike releases, raised by each spike (facilitation)
//
// Between spikes x recovers to 1 with τ_D and u decays with τ_F, solved
// exactly over each step (a silent step multiplies 1 − x by e^{−dt/τ_D}
// and u by e^{−dt/τ_F}). A step whose input s is not zero is a spike:
//
//	u⁺ = u⁻ + U·(1 − u⁻)     facilitation
//	r  = u⁺·x⁻               released fraction (efficacy)
//	x⁺ = x⁻ − r              depletion
//	output = r·s
//
// where ⁻ is the value just before the spike and ⁺ just after it. The
// input scales the output only (s is 1 for a spike; a graded value s ≠ 0
// counts as one spike releasing r·s); zero input gives zero output and
// lets the state relax. Within a step the spike is applied first and the
// relaxation over dt follows, so a spike k steps after the previous one
// sees the state relaxed over k·dt.
//
// u⁻ decays toward 0, so the utilisation of a spike after a long pause,
// u⁺ = u⁻ + U·(1 − u⁻), tends to U; in closed form the n-th spike of a
// train uses u⁺_n = U + (1 − U)·u⁺_{n−1}·e^{−Δ/τ_F} (Δ the interspike
// interval) with u⁺_1 = U. τ_F = 0 means no facilitation: u⁻ = 0 at
// every spike, so every spike uses U and only depression remains.
//
// Equivalently, in the variables of Brian2's STP example, the utilisation
// the next spike would use, û = u⁻ + U·(1 − u⁻) = U + (1 − U)·u⁻, starts
// at U and decays to U with τ_F; a spike releases û·x⁻ and then raises û
// by U·(1 − û). Both forms give the same efficacies (Tsodyks, Pawelzik &
// Markram 1998; NEST tsodyks2_synapse).
//
// The initial state is rest: x = 1 and u⁻ = 0 (û = U), so the first spike
// releases U. Reset restores it.
//
// Parameters are per element like Leaky's (a constant, or an array that
// repeats; at an axon one value per terminal or per neuron and terminal):
// U in (0, 1], TauD (ms) > 0, TauF (ms) ≥ 0. They have no defaults: U
// and TauD must be given (for a synapse without depression use Scaling).
// The state is kept in float64; a relaxed deviation below 1e-30 is set to
// exactly rest, so long silences cost no subnormal arithmetic (the effect
// on the output is far below float32 resolution).
type TsodyksMarkram struct {
	U      param.Value // utilisation increment U, in (0, 1]: the efficacy of a spike at rest
	TauDMs param.Value // recovery time constant τ_D of x, ms (> 0)
	TauFMs param.Value // facilitation time constant τ_F of u, ms (>= 0; 0: no facilitation)
}

// Kind returns "tsodyks_markram".
func (TsodyksMarkram) Kind() string { return KindTsodyksMarkram }

// unitInterval accepts 0 < x ≤ 1.
func unitInterval(x float64) string {
	if !(x > 0 && x <= 1) {
		return "must lie in (0, 1]"
	}
	return ""
}

// stpTiny is the deviation from rest below which the state is set to rest.
const stpTiny = 1e-30

// New builds the function for n elements.
func (s TsodyksMarkram) New(n int, dt float64) (Function, error) {
	const kind = KindTsodyksMarkram
	if err := checkN(kind, n); err != nil {
		return nil, err
	}
	if err := checkDt(kind, dt); err != nil {
		return nil, err
	}
	u, err := broadcast(kind, "U", s.U, n, unitInterval)
	if err != nil {
		return nil, err
	}
	td, err := broadcast(kind, "tau_d_ms", s.TauDMs, n, param.Positive)
	if err != nil {
		return nil, err
	}
	tf, err := broadcast(kind, "tau_f_ms", s.TauFMs, n, param.NonNegative)
	if err != nil {
		return nil, err
	}
	f := &tsodyksMarkram{
		u: u, ad: make([]float64, n), af: make([]float64, n),
		d: make([]float64, n), f: make([]float64, n),
	}
	for e := range u {
		f.ad[e] = math.Exp(-dt / td[e])
		if tf[e] > 0 {
			f.af[e] = math.Exp(-dt / tf[e])
		}
	}
	f.uniform = uniform64(f.u) && uniform64(f.ad) && uniform64(f.af)
	return f, nil
}

// uniform64 reports whether all elements of xs are equal.
func uniform64(xs []float64) bool {
	for _, x := range xs {
		if x != xs[0] {
			return false
		}
	}
	return true
}

type tsodyksMarkram struct {
	u       []float64 `state:"-"`        // U per element
	ad, af  []float64 `state:"-"`        // e^{−dt/τ_D}, e^{−dt/τ_F} (0 for τ_F = 0)
	uniform bool      `state:"-"`        // every element has the same U, ad and af
	d       []float64 `state:"elements"` // 1 − x at the start of the next step
	f       []float64 `state:"elements"` // u⁻ at the start of the next step
}

func (t *tsodyksMarkram) Step(x, r []float32) {
	n := len(t.d)
	x, r = x[:n], r[:n]
	d, f := t.d[:n], t.f[:n]
	if t.uniform {
		U, ad, af := t.u[0], t.ad[0], t.af[0]
		for e, s := range x {
			r[e] = stpStep(&d[e], &f[e], s, U, ad, af)
		}
		return
	}
	u, ad, af := t.u[:n], t.ad[:n], t.af[:n]
	for e, s := range x {
		r[e] = stpStep(&d[e], &f[e], s, u[e], ad[e], af[e])
	}
}

// stpStep advances one element over one step: the spike (if s ≠ 0), then
// the relaxation over dt. d is 1 − x, f is u⁻.
func stpStep(d, f *float64, s float32, U, ad, af float64) float32 {
	dd, ff := *d, *f
	var out float32
	if s != 0 {
		up := ff + float64(U*(1-ff))
		rel := float64(up * (1 - dd))
		dd += rel // x⁺ = x⁻ − r  ⇔  1 − x⁺ = (1 − x⁻) + r
		ff = up
		out = float32(rel * float64(s))
	}
	dd *= ad
	ff *= af
	if dd < stpTiny {
		dd = 0
	}
	if ff < stpTiny {
		ff = 0
	}
	*d, *f = dd, ff
	return out
}

func (t *tsodyksMarkram) Reset() {
	clear(t.d)
	clear(t.f)
}
func (t *tsodyksMarkram) Len() int         { return len(t.d) }
func (t *tsodyksMarkram) Memoryless() bool { return false }

// ArrayParams implements ArrayLister.
func (s TsodyksMarkram) ArrayParams() []ArrayParam {
	var ps []ArrayParam
	n, ok := s.U.Len()
	ps = arrayParam(ps, KindTsodyksMarkram, "U", n, ok)
	n, ok = s.TauDMs.Len()
	ps = arrayParam(ps, KindTsodyksMarkram, "tau_d_ms", n, ok)
	n, ok = s.TauFMs.Len()
	return arrayParam(ps, KindTsodyksMarkram, "tau_f_ms", n, ok)
}

var _ ArrayLister = TsodyksMarkram{}
