//go:build amd64

#include "textflag.h"

// EXPPOLY(R, O): O = exp32's polynomial of the four float64 lanes of R —
// (p01 + r²·p23) + r⁴·((p45 + r²·p67) + r⁴·p89), p01 = 1 + r,
// p23 = 1/2 + r/6, p45 = 1/24 + r/120, p67 = 1/720 + r/5040,
// p89 = 1/40320 + r/362880 — with the operations in exp32's order.
// Uses Y10–Y13; DX points at the parameters (coefficients from 320).
#define EXPPOLY(R, O) \
	VMULPD R, R, Y10 \
	VMULPD Y10, Y10, Y11 \
	VADDPD 320(DX), R, Y12 \
	VMULPD 384(DX), R, Y13 \
	VADDPD 352(DX), Y13, Y13 \
	VMULPD Y13, Y10, Y13 \
	VADDPD Y13, Y12, Y12 \
	VMULPD 448(DX), R, Y13 \
	VADDPD 416(DX), Y13, Y13 \
	VMULPD 512(DX), R, O \
	VADDPD 480(DX), O, O \
	VMULPD O, Y10, O \
	VADDPD O, Y13, Y13 \
	VMULPD 576(DX), R, O \
	VADDPD 544(DX), O, O \
	VMULPD O, Y11, O \
	VADDPD O, Y13, Y13 \
	VMULPD Y13, Y11, Y13 \
	VADDPD Y13, Y12, O

// func coba2(v, rest, th, cur, a1, s1, a2, s2 *float32, n int, p *cobaParams, masks *uint8) int
//
// cobaParams: eight copies of e1 (0), e2 (32), d1 (64), d2 (96), r (128),
// dtTau (160), one (192), lo (224), hi (256), the sign bit (288), then four
// copies (float64) of the polynomial coefficients c0..c8 at 320 + 32·k.
TEXT ·coba2(SB), NOSPLIT, $0-96
	MOVQ v+0(FP), DI
	MOVQ rest+8(FP), SI
	MOVQ th+16(FP), R8
	MOVQ cur+24(FP), R9
	MOVQ a1+32(FP), R10
	MOVQ s1+40(FP), R11
	MOVQ a2+48(FP), R12
	MOVQ s2+56(FP), R13
	MOVQ n+64(FP), CX
	MOVQ p+72(FP), DX
	MOVQ masks+80(FP), R14
	XORQ AX, AX

loop:
	LEAQ 8(AX), BX
	CMPQ BX, CX
	JGT  done

	// Receptors: y1 = s1 + a1, y2 = s2 + a2.
	VMOVUPS (R10)(AX*4), Y0
	VADDPS  (R11)(AX*4), Y0, Y0
	VMOVUPS (R12)(AX*4), Y1
	VADDPS  (R13)(AX*4), Y1, Y1

	// gs = y1 + y2; ge = y1·E1 + y2·E2; b = 1 + gs.
	VADDPS Y1, Y0, Y2
	VMULPS 0(DX), Y0, Y3
	VMULPS 32(DX), Y1, Y4
	VADDPS Y4, Y3, Y3
	VADDPS 192(DX), Y2, Y2

	// a = (rest + r·cur) + ge.
	VMOVUPS (R9)(AX*4), Y4
	VMULPS  128(DX), Y4, Y4
	VADDPS  (SI)(AX*4), Y4, Y4
	VADDPS  Y3, Y4, Y4

	// x = (−b)·dtTau, within (lo, hi) in every lane, or leave the block.
	VXORPS    288(DX), Y2, Y5
	VMULPS    160(DX), Y5, Y5
	VCMPPS    $0x1E, 224(DX), Y5, Y6
	VCMPPS    $0x11, 256(DX), Y5, Y7
	VANDPS    Y7, Y6, Y6
	VMOVMSKPS Y6, BX
	CMPQ      BX, $0xFF
	JNE       done

	// e = exp(x): the degree-9 polynomial in float64, low and high lanes.
	VCVTPS2PD    X5, Y6
	VEXTRACTF128 $1, Y5, X7
	VCVTPS2PD    X7, Y7

	EXPPOLY(Y6, Y8) // low lanes
	EXPPOLY(Y7, Y9) // high lanes

	VCVTPD2PSY  Y8, X8
	VCVTPD2PSY  Y9, X9
	VINSERTF128 $1, X9, Y8, Y8

	// v ← vinf + (v − vinf)·e, vinf = a / b.
	VDIVPS  Y2, Y4, Y4
	VMOVUPS (DI)(AX*4), Y5
	VSUBPS  Y4, Y5, Y5
	VMULPS  Y8, Y5, Y5
	VADDPS  Y5, Y4, Y5
	VMOVUPS Y5, (DI)(AX*4)

	// Receptor state: s ← y·d, inputs cleared.
	VMULPS  64(DX), Y0, Y0
	VMOVUPS Y0, (R11)(AX*4)
	VMULPS  96(DX), Y1, Y1
	VMOVUPS Y1, (R13)(AX*4)
	VXORPS  Y0, Y0, Y0
	VMOVUPS Y0, (R10)(AX*4)
	VMOVUPS Y0, (R12)(AX*4)

	// Spikes: v > th.
	VCMPPS    $0x1E, (R8)(AX*4), Y5, Y6
	VMOVMSKPS Y6, BX
	MOVB      BX, (R14)
	INCQ      R14

	ADDQ $8, AX
	JMP  loop

done:
	VZEROUPPER
	MOVQ AX, ret+88(FP)
	RET

// func cuba2(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32) int
//
// cubaParams: eight copies of d1 (0), d2 (32), k (64), e (96), g (128),
// th (160), loaded once into Y8–Y13, and of 1 (192), read from memory. cur
// may be nil (no current); sum may be nil (not stored); rc may be nil (no
// neuron refractory): a lane whose rc is above zero keeps its potential,
// does not fire and has its rc lowered by one. Stores that would not
// change memory are masked off, so that a cache line they would leave as
// it is is not written back: the inputs are cleared only where set (any
// bit: a −0 is cleared too), rc is stored only where lowered. Only a block
// with a spike stores anything about spikes: the entry
// (first neuron)·256 + (its lanes' bits) into blocks.
TEXT ·cuba2(SB), NOSPLIT, $0-96
	MOVQ v+0(FP), DI
	MOVQ cur+8(FP), R9
	MOVQ a1+16(FP), R10
	MOVQ s1+24(FP), R11
	MOVQ a2+32(FP), R12
	MOVQ s2+40(FP), R13
	MOVQ n+48(FP), CX
	MOVQ p+56(FP), DX
	MOVQ blocks+64(FP), R14
	MOVQ sum+72(FP), R8
	MOVQ rc+80(FP), SI
	VMOVUPS  0(DX), Y8
	VMOVUPS  32(DX), Y9
	VMOVUPS  64(DX), Y10
	VMOVUPS  96(DX), Y11
	VMOVUPS  128(DX), Y12
	VMOVUPS  160(DX), Y13
	VXORPS   Y14, Y14, Y14
	VPCMPEQD Y15, Y15, Y15
	XORQ     AX, AX

cloop:
	LEAQ 8(AX), BX
	CMPQ BX, CX
	JGT  cdone

	// p = s1 + a1, q = s2 + a2; c = (cur + p) + q, or p + q.
	VMOVUPS (R10)(AX*4), Y3
	VADDPS  (R11)(AX*4), Y3, Y0
	VMOVUPS (R12)(AX*4), Y7
	VADDPS  (R13)(AX*4), Y7, Y1
	TESTQ   R9, R9
	JZ      nocur
	VMOVUPS (R9)(AX*4), Y2
	VADDPS  Y0, Y2, Y2
	VADDPS  Y1, Y2, Y2
	JMP     state

nocur:
	VADDPS Y1, Y0, Y2

state:
	// sum ← c, if asked for.
	TESTQ   R8, R8
	JZ      nosum
	VMOVUPS Y2, (R8)(AX*4)

nosum:
	// s ← p·d1, q·d2; the inputs that are set (a bit other than zero)
	// cleared.
	VMULPS     Y8, Y0, Y0
	VMOVUPS    Y0, (R11)(AX*4)
	VMULPS     Y9, Y1, Y1
	VMOVUPS    Y1, (R13)(AX*4)
	VPCMPEQD   Y14, Y3, Y3
	VPXOR      Y15, Y3, Y3
	VMASKMOVPS Y14, Y3, (R10)(AX*4)
	VPCMPEQD   Y14, Y7, Y7
	VPXOR      Y15, Y7, Y7
	VMASKMOVPS Y14, Y7, (R12)(AX*4)

	// u = (v + k·(e − v)) + g·c; spikes: u > th.
	VMOVUPS (DI)(AX*4), Y4
	VSUBPS  Y4, Y11, Y5
	VMULPS  Y10, Y5, Y5
	VADDPS  Y5, Y4, Y5
	VMULPS  Y12, Y2, Y2
	VADDPS  Y2, Y5, Y5
	VCMPPS  $0x1E, Y13, Y5, Y6
	TESTQ   SI, SI
	JZ      store

	// Refractory lanes (rc > 0) keep v, do not fire, and count down:
	// rc ← rc − 1 there.
	VMOVUPS    (SI)(AX*4), Y7
	VCMPPS     $0x1E, Y14, Y7, Y3
	VBLENDVPS  Y3, Y4, Y5, Y5
	VANDNPS    Y6, Y3, Y6
	VANDPS     192(DX), Y3, Y2
	VSUBPS     Y2, Y7, Y7
	VMASKMOVPS Y7, Y3, (SI)(AX*4)

store:
	VMOVUPS   Y5, (DI)(AX*4)
	VMOVMSKPS Y6, BX
	TESTQ     BX, BX
	JNZ       spike

next:
	ADDQ $8, AX
	JMP  cloop

spike:
	// AX·256 + BX (BX < 256), then AX again.
	SHLQ $8, AX
	ORQ  BX, AX
	MOVQ AX, (R14)
	SHRQ $8, AX
	ADDQ $8, R14
	JMP  next

cdone:
	VZEROUPPER
	MOVQ blocks+64(FP), BX
	SUBQ BX, R14
	SHRQ $3, R14
	MOVQ R14, ret+88(FP)
	RET

// func cuba16(v, cur, a1, s1, a2, s2 *float32, n int, p *cubaParams, blocks *uint64, sum, rc *float32, tail uint64) int
//
// cuba2 with AVX-512, sixteen neurons at a time, over any n: the last
// block, of n mod 16 neurons, runs under the lane mask tail (its low
// n mod 16 bits set), so no neuron is left to the Go loop. K5 holds the
// block's lanes (all sixteen, then tail's); every load and store is
// masked by it. The operations, their operands' order and the constants
// (broadcast from cubaParams' first lanes; one from 192) are cuba2's, so
// the results are too. A block with a spike stores (first neuron)·65536
// + (its lanes' bits) into blocks.
TEXT ·cuba16(SB), NOSPLIT, $0-104
	MOVQ v+0(FP), DI
	MOVQ cur+8(FP), R9
	MOVQ a1+16(FP), R10
	MOVQ s1+24(FP), R11
	MOVQ a2+32(FP), R12
	MOVQ s2+40(FP), R13
	MOVQ n+48(FP), CX
	MOVQ p+56(FP), DX
	MOVQ blocks+64(FP), R14
	MOVQ sum+72(FP), R8
	MOVQ rc+80(FP), SI
	MOVQ tail+88(FP), R15
	VBROADCASTSS 0(DX), Z8
	VBROADCASTSS 32(DX), Z9
	VBROADCASTSS 64(DX), Z10
	VBROADCASTSS 96(DX), Z11
	VBROADCASTSS 128(DX), Z12
	VBROADCASTSS 160(DX), Z13
	VBROADCASTSS 192(DX), Z15
	VPXORD       Z14, Z14, Z14
	KXNORW       K5, K5, K5
	XORQ         AX, AX

zloop:
	LEAQ 16(AX), BX
	CMPQ BX, CX
	JGT  ztail

zbody:
	// p = s1 + a1, q = s2 + a2; c = (cur + p) + q, or p + q.
	VMOVUPS.Z (R10)(AX*4), K5, Z3
	VADDPS.Z  (R11)(AX*4), Z3, K5, Z0
	VMOVUPS.Z (R12)(AX*4), K5, Z7
	VADDPS.Z  (R13)(AX*4), Z7, K5, Z1
	TESTQ     R9, R9
	JZ        znocur
	VMOVUPS.Z (R9)(AX*4), K5, Z2
	VADDPS    Z0, Z2, Z2
	VADDPS    Z1, Z2, Z2
	JMP       zstate

znocur:
	VADDPS Z1, Z0, Z2

zstate:
	// sum ← c, if asked for.
	TESTQ   R8, R8
	JZ      znosum
	VMOVUPS Z2, K5, (R8)(AX*4)

znosum:
	// s ← p·d1, q·d2; the inputs that are set (a bit other than zero)
	// cleared.
	VMULPS   Z8, Z0, Z0
	VMOVUPS  Z0, K5, (R11)(AX*4)
	VMULPS   Z9, Z1, Z1
	VMOVUPS  Z1, K5, (R13)(AX*4)
	VPTESTMD Z3, Z3, K5, K1
	VMOVUPS  Z14, K1, (R10)(AX*4)
	VPTESTMD Z7, Z7, K5, K2
	VMOVUPS  Z14, K2, (R12)(AX*4)

	// u = (v + k·(e − v)) + g·c; spikes: u > th.
	VMOVUPS.Z (DI)(AX*4), K5, Z4
	VSUBPS    Z4, Z11, Z5
	VMULPS    Z10, Z5, Z5
	VADDPS    Z5, Z4, Z5
	VMULPS    Z12, Z2, Z2
	VADDPS    Z2, Z5, Z5
	TESTQ     SI, SI
	JZ        znorc

	// Refractory lanes (rc > 0, in K4) keep v, do not fire, and count
	// down: rc ← rc − 1 there. (A kept v is below the threshold, as a
	// reset is, so only a potential set from outside above it makes the
	// spike mask K6 matter; cuba2 masks the same way.)
	VMOVUPS.Z (SI)(AX*4), K5, Z7
	VCMPPS    $0x1E, Z14, Z7, K5, K4
	VMOVAPS   Z4, K4, Z5
	VSUBPS    Z15, Z7, K4, Z7
	VMOVUPS   Z7, K4, (SI)(AX*4)
	KANDNW    K5, K4, K6
	VCMPPS    $0x1E, Z13, Z5, K6, K3
	JMP       zstore

znorc:
	VCMPPS $0x1E, Z13, Z5, K5, K3

zstore:
	VMOVUPS Z5, K5, (DI)(AX*4)
	KMOVW   K3, BX
	TESTQ   BX, BX
	JNZ     zspike

znext:
	ADDQ $16, AX
	JMP  zloop

zspike:
	// AX·65536 + BX (BX < 65536), then AX again.
	SHLQ $16, AX
	ORQ  BX, AX
	MOVQ AX, (R14)
	SHRQ $16, AX
	ADDQ $8, R14
	JMP  znext

ztail:
	// The last, partial block under the lanes of tail; after it AX is
	// past n.
	CMPQ  AX, CX
	JGE   zdone
	KMOVW R15, K5
	JMP   zbody

zdone:
	VZEROUPPER
	MOVQ blocks+64(FP), BX
	SUBQ BX, R14
	SHRQ $3, R14
	MOVQ R14, ret+96(FP)
	RET
