package rng

import "testing"

var sink Block

func BenchmarkPhilox(b *testing.B) {
	k := NewKey(1)
	var acc Block
	for i := 0; i < b.N; i++ {
		x := k.At(uint64(i), 7)
		acc[0] ^= x[0]
	}
	sink = acc
}

func BenchmarkPoissonTable(b *testing.B) {
	k := NewKey(1)
	t := NewPoissonTable(2)
	s := 0
	for i := 0; i < b.N; i++ {
		s += t.Sample(k.At(uint64(i), 7)[0])
	}
	sink[0] = uint32(s)
}

func BenchmarkPhilox2(b *testing.B) {
	k := NewKey(1)
	var acc Block
	for i := 0; i < b.N; i += 2 {
		x, y := k.At2(uint64(i), 7)
		acc[0] ^= x[0] ^ y[1]
	}
	sink = acc
}
