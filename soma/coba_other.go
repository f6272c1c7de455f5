//go:build !amd64

package soma

// haveAVX2 is false off amd64: the Go loops run.
const haveAVX2 = false

// haveAVX512 is false off amd64.
const haveAVX512 = false

// coba2 is never called off amd64.
func coba2(v, rest, th, cur, a1, s1, a2, s2 *float32, n int, p *cobaParams, masks *uint8) int {
	return 0
}

// cuba2 is never called off amd64.
func cuba2(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32) int {
	return 0
}

// cuba16 is never called off amd64.
func cuba16(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32, tail uint64) int {
	return 0
}
