//go:build amd64

package soma

import "golang.org/x/sys/cpu"

// haveAVX2 reports whether the AVX2 kernels may run (set once, from the
// processor's features).
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// haveAVX512 reports whether the AVX-512 kernel may run (set once, from
// the processor's features and the operating system's support for its
// registers, which package cpu checks).
var haveAVX512 = haveAVX2 && cpu.X86.HasAVX512F

// coba2 is the two-receptor exponential-Euler membrane loop of
// stepFusedConductance over n neurons (n a multiple of 8), eight at a
// time with AVX2, computing exactly what the Go loop computes (the same
// operations in the same order, no fused multiply-add, exp32's polynomial
// in float64). It writes one byte per eight neurons into masks (bit k:
// neuron 8·block + k crossed its threshold) and returns how many neurons
// it did: fewer than n when a block has an exponent argument outside
// (−0.75, 0.75), which it leaves untouched for the Go loop.
//
//go:noescape
func coba2(v, rest, th, cur, a1, s1, a2, s2 *float32, n int, p *cobaParams, masks *uint8) int

// cuba2 is lifExp2 over n neurons (n a multiple of 8), eight at a time
// with AVX2, computing exactly what the Go loop computes; cur may be nil
// (no current). For every block of eight neurons with a threshold
// crossing it writes (first neuron)·256 + (bit k: neuron first + k
// fired) into blocks, in order, and returns how many it wrote (blocks
// has room for n/8); if sum is not nil, it stores each neuron's input
// current into sum (which may be cur). If rc is not nil, a neuron whose
// rc is above zero (refractory) keeps its potential and does not fire, as
// the Go path's held potential (enterRefractory, leaveRefractory) gives.
//
//go:noescape
func cuba2(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32) int

// cuba16 is cuba2 with AVX-512, sixteen neurons at a time, over any n:
// the last n mod 16 neurons run under the lane mask tail (its low n mod 16
// bits set), so no tail is left to the Go loop. For every block of
// sixteen with a threshold crossing it writes (first neuron)·65536 + (bit
// k: neuron first + k fired) into blocks, in order, and returns how many
// it wrote (blocks has room for ⌈n/16⌉). It computes what cuba2 and the Go
// loop compute, bit for bit.
//
//go:noescape
func cuba16(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32, tail uint64) int
