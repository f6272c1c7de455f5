package soma

import "testing"

// BenchmarkExp32 evaluates exp32 on the arguments of a conductance-based
// membrane, −(1 + g)·dt/τ with g in [0, 60] and dt/τ = 0.005.
func BenchmarkExp32(b *testing.B) {
	xs := make([]float32, 4096)
	for i := range xs {
		g := float32((i*7919)%6000) / 100
		xs[i] = -(1 + g) * 0.005
	}
	var s float32
	for i := 0; i < b.N; i++ {
		s += exp32(xs[i&4095])
	}
	sink = s
}

var sink float32
