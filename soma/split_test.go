package soma

import (
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// Stepping the parts of a split model with the slices of the input gives,
// bit for bit, what stepping the whole gives.
func TestSplitMatchesWhole(t *testing.T) {
	lifVar := LIF()
	lifVar.TauMs = param.Uniform(10, 30)
	lifVar.RefractoryMs = param.Const(2)
	lifVar.V0MV = ptrValue(param.Uniform(-70, -45))
	lifExact := LIF()
	lifExact.Integration = Exact
	lifExact.RefractoryMs = param.Const(1)
	lifExact.DropRefractoryInput = true
	adex := AdExTextbook()
	adex.V0MV = ptrValue(param.Uniform(-70, -45))
	rate := RateUnit(Tanh)
	rate.TauMs = param.Const(5)
	specs := map[string]Spec{"lif": lifVar, "lif-exact": lifExact, "adex": adex, "rate": rate}
	const n = 23
	for name, spec := range specs {
		env := Env{N: n, Batch: 1, Dt: 0.1, Key: rng.NewKey(3)}
		whole, err := spec.New(env)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := spec.New(env)
		var parts []Model
		bounds := [][2]int{{0, 5}, {5, 6}, {6, 23}}
		for _, b := range bounds {
			p, err := base.(Splitter).Split(b[0], b[1])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			parts = append(parts, p)
		}
		key := rng.NewKey(8)
		cur, jump := make([]float32, n), make([]float32, n)
		spikes := 0
		for step := int64(0); step < 3000; step++ {
			for i := range cur {
				cur[i] = float32(40 * key.Uniform(uint64(step), uint64(i)))
				jump[i] = float32(2 * key.Uniform(uint64(step), uint64(i+1000)))
			}
			in := Input{Current: cur, Jump: jump}
			want := whole.Step(step, in, nil)
			spikes += len(want)
			var got []uint32
			for k, p := range parts {
				lo, hi := bounds[k][0], bounds[k][1]
				for _, e := range p.Step(step, Input{Current: cur[lo:hi], Jump: jump[lo:hi]}, nil) {
					got = append(got, e+uint32(lo))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s step %d: parts fired %v, whole %v", name, step, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s step %d: parts fired %v, whole %v", name, step, got, want)
				}
			}
			for _, v := range whole.Vars() {
				w, _ := whole.Var(v)
				for k, p := range parts {
					pv, _ := p.Var(v)
					for i := range pv {
						if pv[i] != w[bounds[k][0]+i] && !(pv[i] != pv[i] && w[bounds[k][0]+i] != w[bounds[k][0]+i]) {
							t.Fatalf("%s step %d: %s[%d] = %g in the part, %g in the whole", name, step, v, bounds[k][0]+i, pv[i], w[bounds[k][0]+i])
						}
					}
				}
			}
		}
		if _, ok := spec.(Rate); !ok && spikes == 0 {
			t.Errorf("%s never fired; the test needs spikes", name)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	m, _ := LIF().New(Env{N: 4, Batch: 1, Dt: 0.1})
	for _, b := range [][2]int{{-1, 2}, {2, 2}, {0, 5}} {
		if _, err := m.(Splitter).Split(b[0], b[1]); err == nil {
			t.Errorf("split %v accepted", b)
		}
	}
	m.Step(0, Input{Current: []float32{1e6, 0, 0, 0}}, nil)
	if _, err := m.(Splitter).Split(0, 2); err == nil {
		t.Error("split after a step accepted")
	}
}

func ptrValue(v param.Value) *param.Value { return &v }
