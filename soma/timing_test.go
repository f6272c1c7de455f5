package soma

import (
	"os"
	"testing"
	"time"

	"github.com/spiral-sim/spiral/param"
)

// TestTiming prints the fastest step time of the LIF variants (robust to a
// busy machine). Run with SOMA_TIMING=1 go test -run Timing -v ./soma/.
func TestTiming(t *testing.T) {
	if os.Getenv("SOMA_TIMING") == "" {
		t.Skip("set SOMA_TIMING=1")
	}
	lif := LIF()
	ex := LIF()
	ex.Integration = Exact
	ref := ex
	ref.RefractoryMs = param.Const(2)
	drop := ref
	drop.DropRefractoryInput = true
	het := ref
	het.TauMs = param.Uniform(15, 25)
	cases := []struct {
		name string
		s    Spec
		jump bool
	}{
		{"euler", lif, false}, {"exact", ex, false}, {"euler_jump", lif, true},
		{"exact_refr", ref, false}, {"exact_refr_jump", ref, true}, {"exact_refr_jump_drop", drop, true},
		{"het_refr_jump", het, true}, {"eif", EIF(), false}, {"adex", AdEx(), false},
	}
	for _, c := range cases {
		m, err := c.s.New(Env{N: benchN, Batch: 1, Dt: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Current: benchInput(benchN)}
		if c.jump {
			in.Jump = make([]float32, benchN)
			for i := range in.Jump {
				if i%7 == 0 {
					in.Jump[i] = 0.1
				}
			}
		}
		fired := make([]uint32, 0, benchN)
		best := time.Hour
		for rep := 0; rep < 200; rep++ {
			t0 := time.Now()
			for k := 0; k < 20; k++ {
				fired = m.Step(int64(k), in, fired[:0])
			}
			if d := time.Since(t0); d < best {
				best = d
			}
		}
		t.Logf("%-22s %.3f ns/neuron/step (min of 200×20 steps)", c.name, float64(best.Nanoseconds())/20/benchN)
	}
}
