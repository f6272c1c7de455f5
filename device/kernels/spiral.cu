// spiral.cu: Spiral's CUDA kernels (package device/kernels).
//
// Every kernel computes what the CPU computes, bit for bit:
//   - float arithmetic through FADD/FSUB/FMUL, each rounded on its own
//     (__fadd_rn and the like on the GPU, where nvcc also runs with
//     -fmad=false; plain operations on the host, compiled as ISO C,
//     which GCC contracts into no fused multiply-add), in the order of
//     the CPU's Go loops;
//   - random numbers from Philox4x32-10 keyed exactly as package rng;
//   - spikes as bit masks (a warp ballot: bit b of word w is neuron
//     32w + b), turned into a list in neuron order by a prefix sum, with
//     no atomic deciding any order;
//   - synaptic input summed in 64-bit fixed point (2^-32) with integer
//     atomics, exact and so independent of the order of the events.
// Scalar arguments are 64 bits wide: gorgonia.org/cu passes every kernel
// argument as an 8-byte slot.
//
// Compiled as C on the host (host.h), the same source runs in the tests
// of package device/internal/hostrun, a kernel as a loop over blocks and
// threads. gen.sh compiles it to PTX (spiral.ptx).

#ifdef __CUDACC__
#include <stdint.h>
#define KERNEL extern "C" __global__ void
#define DEVICE __device__ static inline
#define FADD(a, b) __fadd_rn((a), (b))
#define FSUB(a, b) __fsub_rn((a), (b))
#define FMUL(a, b) __fmul_rn((a), (b))
#define DMUL(a, b) __dmul_rn((a), (b))
#define BALLOT(p) __ballot_sync(0xffffffffu, (p))
#define ATOMIC_ADD_U64(p, v) atomicAdd((p), (v))
#define MULHI(a, b) __umulhi((a), (b))
#define POPC(x) __popc(x)
#define D2LL_RN(x) __double2ll_rn(x)
#define FDIV(a, b) __fdiv_rn((a), (b))
#define DADD(a, b) __dadd_rn((a), (b))
#define DSUB(a, b) __dsub_rn((a), (b))
#define AS_DOUBLE(i) __longlong_as_double(i)
#define SHARED __shared__
DEVICE int barrier_(void) {
	__syncthreads();
	return 1;
}
// PHASE(k): the part of a kernel after its k-th barrier (see host.h).
#define PHASE(k) if ((k) == 0 || barrier_())
#else
#include "host.h"
#endif

// ---------------------------------------------------------------------
// What every integrate-and-fire kernel shares.

// repolarize starts a neuron that fired at the step before (its bit of
// prev) at the reset potential with K refractory steps
// (ifModel.Repolarize).
DEVICE void repolarize(const uint32_t *prev, int64_t i, float reset, float kref, float *x, float *r) {
	if ((prev[i >> 5] >> (i & 31)) & 1u) {
		*x = reset;
		*r = kref;
	}
}

// settle stores a neuron's new potential u and refractory count r: one
// with refractory steps left keeps held instead, does not fire and has
// one step fewer; else it fires when u > th, which it returns.
DEVICE int settle(float *v, float *rc, int64_t i, float u, float held, float r, float th) {
	int fired = 0;
	if (r > 0) {
		u = held;
		r = FSUB(r, 1.0f);
	} else {
		fired = u > th;
	}
	v[i] = u;
	rc[i] = r;
	return fired;
}

// vote gathers the spikes of a warp into its word of mask (bit b of
// word w: neuron 32w + b). Every thread of the warp calls it.
DEVICE void vote(int fired, int64_t i, int64_t n, uint32_t *mask) {
	uint32_t votes = BALLOT(fired);
	if ((threadIdx.x & 31) == 0 && i < n) {
		mask[i >> 5] = votes;
	}
}

// ---------------------------------------------------------------------
// Integrate-and-fire, exact, with two exponential current receptors: the
// fused loop of package soma (lifExp2 and its AVX2 kernel cuba2), with
// the after-spike reset and refractoriness of ifModel.Repolarize.
//
// prm holds d1, d2 (the receptors' decays), k, e, g (u = u + k·(e − u) +
// g·c), the threshold, the reset potential, the refractory steps K, the
// direct current (constant stimuli) and whether there is one (then c =
// (current + p) + q, as soma adds them; else c = p + q).
// prev is the spike mask of the step before: those neurons start at the
// reset potential with K refractory steps. A neuron with refractory steps
// left keeps its potential, does not fire and has one step fewer.
DEVICE int exp2_at(int64_t i, float *v, float *a1, float *s1, float *a2, float *s2, float *rc, const float *prm,
                   const uint32_t *prev) {
	float d1 = prm[0], d2 = prm[1], k = prm[2], e = prm[3], g = prm[4], th = prm[5];
	float x = v[i], r = rc[i];
	repolarize(prev, i, prm[6], prm[7], &x, &r);
	float p = FADD(s1[i], a1[i]);
	float q = FADD(s2[i], a2[i]);
	float c = prm[9] != 0 ? FADD(FADD(prm[8], p), q) : FADD(p, q);
	s1[i] = FMUL(p, d1);
	s2[i] = FMUL(q, d2);
	a1[i] = 0;
	a2[i] = 0;
	float u = FADD(FADD(x, FMUL(k, FSUB(e, x))), FMUL(g, c));
	return settle(v, rc, i, u, x, r, th);
}

KERNEL lif_exp2(int64_t n, float *v, float *a1, float *s1, float *a2, float *s2, float *rc,
                const float *prm, const uint32_t *prev, uint32_t *mask) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = exp2_at(i, v, a1, s1, a2, s2, rc, prm, prev);
	}
	vote(fired, i, n, mask);
}

// Integrate-and-fire, exact, with one exponential current receptor
// (soma's lifExp1 with no current: c = 0 + p): otherwise as lif_exp2.
DEVICE int exp1_at(int64_t i, float *v, float *a1, float *s1, float *rc, const float *prm, const uint32_t *prev) {
	float d1 = prm[0], k = prm[2], e = prm[3], g = prm[4], th = prm[5];
	float x = v[i], r = rc[i];
	repolarize(prev, i, prm[6], prm[7], &x, &r);
	float p = FADD(s1[i], a1[i]);
	float c = FADD(prm[8], p); // the current: 0 without a stimulus
	s1[i] = FMUL(p, d1);
	a1[i] = 0;
	float u = FADD(FADD(x, FMUL(k, FSUB(e, x))), FMUL(g, c));
	return settle(v, rc, i, u, x, r, th);
}

KERNEL lif_exp1(int64_t n, float *v, float *a1, float *s1, float *rc, const float *prm, const uint32_t *prev,
                uint32_t *mask) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = exp1_at(i, v, a1, s1, rc, prm, prev);
	}
	vote(fired, i, n, mask);
}

// Integrate-and-fire, exact, with one delta receptor (soma's fast path,
// lifScalarJump and its refractory hold): u = u + k·(e − u) + g·I + j, I
// the direct current (prm[8]), j the step's input (cleared). prm is as
// lif_exp2's, its first two unused. A held neuron keeps its potential,
// plus its input unless drop is set.
DEVICE int delta_at(int64_t i, float *v, float *in, float *rc, const float *prm, const uint32_t *prev, int64_t drop) {
	float k = prm[2], e = prm[3], g = prm[4], th = prm[5];
	float x = v[i], r = rc[i];
	repolarize(prev, i, prm[6], prm[7], &x, &r);
	float j = FADD(0.0f, in[i]); // the jump buffer starts at zero
	in[i] = 0;
	float u = FADD(FADD(FADD(x, FMUL(k, FSUB(e, x))), FMUL(g, prm[8])), j);
	return settle(v, rc, i, u, drop ? x : FADD(x, j), r, th);
}

KERNEL lif_delta(int64_t n, float *v, float *in, float *rc, const float *prm, const uint32_t *prev, uint32_t *mask,
                 int64_t drop) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = delta_at(i, v, in, rc, prm, prev, drop);
	}
	vote(fired, i, n, mask);
}

// exp32 is soma's exp32, operation for operation: e^x in float32,
// computed in float64 (a degree-9 Taylor polynomial for |x| < 3/4; else
// range reduction and a degree-7 one) and rounded once.
DEVICE float exp32(float x) {
	if (x > -0.75f && x < 0.75f) {
		double r = (double)x;
		double r2 = DMUL(r, r);
		double r4 = DMUL(r2, r2);
		double p01 = DADD(1.0, r);
		double p23 = DADD(1.0 / 2, DMUL(r, 1.0 / 6));
		double p45 = DADD(1.0 / 24, DMUL(r, 1.0 / 120));
		double p67 = DADD(1.0 / 720, DMUL(r, 1.0 / 5040));
		double p89 = DADD(1.0 / 40320, DMUL(r, 1.0 / 362880));
		return (float)DADD(DADD(p01, DMUL(r2, p23)), DMUL(r4, DADD(DADD(p45, DMUL(r2, p67)), DMUL(r4, p89))));
	}
	if (x > 50.0f) {
		x = 50.0f;
	}
	if (!(x > -200.0f)) {
		if (x != x) {
			return x;
		}
		return 0.0f;
	}
	double xd = (double)x;
	double t = DADD(DMUL(xd, 1.4426950408889634), 6755399441055744.0);
	double k = DSUB(t, 6755399441055744.0);
	double r = DSUB(DSUB(xd, DMUL(k, 6.93147180369123816490e-01)), DMUL(k, 1.90821492927058770002e-10));
	double r2 = DMUL(r, r);
	double p = DADD(DADD(DADD(1.0, r), DMUL(r2, DADD(1.0 / 2, DMUL(r, 1.0 / 6)))),
	                DMUL(DMUL(r2, r2), DADD(DADD(1.0 / 24, DMUL(r, 1.0 / 120)), DMUL(r2, DADD(1.0 / 720, DMUL(r, 1.0 / 5040))))));
	return (float)DMUL(p, AS_DOUBLE((long long)((uint64_t)((int64_t)k + 1023) << 52)));
}

// Integrate-and-fire with one or two exponential conductance receptors
// (soma's condLoop): A = rest + R·I + Σ y·E, B = 1 + Σ y, y = g + input;
// exactly u = A/B + (u − A/B)·exp32(−B·dt/τ), or by Euler u + dt/τ·(A −
// B·u). prm: d1, d2, E1, E2, dt/τ, R, rest, threshold, reset, refractory
// steps K, the direct current, exact (1) or Euler (0), two receptors (1)
// or one (0: a2 and s2 are not read).
DEVICE int cond_at(int64_t i, float *v, float *a1, float *s1, float *a2, float *s2, float *rc, const float *prm,
                   const uint32_t *prev) {
	int fired = 0;
	{
		float x = v[i], r = rc[i];
		repolarize(prev, i, prm[8], prm[9], &x, &r);
		float y1 = FADD(s1[i], a1[i]);
		float gs = y1;
		float ge = FMUL(y1, prm[2]);
		s1[i] = FMUL(y1, prm[0]);
		a1[i] = 0;
		if (prm[12] != 0) {
			float y2 = FADD(s2[i], a2[i]);
			gs = FADD(gs, y2);
			ge = FADD(ge, FMUL(y2, prm[3]));
			s2[i] = FMUL(y2, prm[1]);
			a2[i] = 0;
		}
		float a = FADD(FADD(prm[6], FMUL(prm[5], prm[10])), ge);
		float b = FADD(1.0f, gs);
		float u;
		if (prm[11] != 0) {
			float vinf = FDIV(a, b);
			u = FADD(vinf, FMUL(FSUB(x, vinf), exp32(FMUL(-b, prm[4]))));
		} else {
			u = FADD(x, FMUL(prm[4], FSUB(a, FMUL(b, x))));
		}
		fired = settle(v, rc, i, u, x, r, prm[7]);
	}
	return fired;
}

KERNEL lif_cond(int64_t n, float *v, float *a1, float *s1, float *a2, float *s2, float *rc, const float *prm,
                const uint32_t *prev, uint32_t *mask) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = cond_at(i, v, a1, s1, a2, s2, rc, prm, prev);
	}
	vote(fired, i, n, mask);
}

// ---------------------------------------------------------------------
// Philox4x32-10, as package rng: the block of counter (c0, c1) under the
// key (k0, k1).
DEVICE void philox(uint32_t k0, uint32_t k1, uint64_t c0, uint64_t c1, uint32_t out[4]) {
	uint32_t x0 = (uint32_t)c0, x1 = (uint32_t)(c0 >> 32), x2 = (uint32_t)c1, x3 = (uint32_t)(c1 >> 32);
	for (int r = 0; r < 10; r++) {
		uint32_t hi0 = MULHI(0xD2511F53u, x0), lo0 = 0xD2511F53u * x0;
		uint32_t hi1 = MULHI(0xCD9E8D57u, x2), lo1 = 0xCD9E8D57u * x2;
		uint32_t y0 = hi1 ^ x1 ^ k0, y2 = hi0 ^ x3 ^ k1;
		x0 = y0;
		x1 = lo1;
		x2 = y2;
		x3 = lo0;
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
	out[0] = x0;
	out[1] = x1;
	out[2] = x2;
	out[3] = x3;
}

// word8 returns word j (0 to 7) of the pair of blocks rng.Key.At2(c0, c1)
// gives: word j of block c1 for j < 4, word j − 4 of block c1 + 1.
DEVICE uint32_t word8(uint64_t key, uint64_t c0, uint64_t c1, unsigned j) {
	uint32_t b[4];
	philox((uint32_t)key, (uint32_t)(key >> 32), c0, c1 + (j >> 2), b);
	return b[j & 3];
}

// Poisson spikes of neurons first … first + n − 1 of a population (one
// copy), as package encoder draws them undriven, per neuron: neuron idx
// fires when word idx mod 8 of At2(step, 2·⌊idx/8⌋) is below thr (its
// threshold round(p·2^32)). key is the encoder's (Key.Sub(PurposePoisson))
// words, k0 | k1 << 32.
DEVICE int poisson_at(int64_t i, int64_t first, uint64_t key, int64_t step, const uint64_t *thr) {
	uint64_t idx = (uint64_t)first + (uint64_t)i;
	return (uint64_t)word8(key, (uint64_t)step, (idx >> 3) << 1, (unsigned)(idx & 7)) < thr[i];
}

KERNEL poisson_neurons(int64_t n, int64_t first, uint64_t key, int64_t step, const uint64_t *thr, uint32_t *mask) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = poisson_at(i, first, key, step, thr);
	}
	vote(fired, i, n, mask);
}

// Poisson spikes with one probability for every neuron, as the encoder's
// grouped draw: group g (neurons 8g … 8g+7) takes word g mod 8 of
// At2(step, 2^31 + 2·⌊g/8⌋) as u; none of it fires when u ≥ gthr[7], else
// its first neuron to fire is the first k with u < gthr[k], and each later
// neuron j fires when word j of At2(step, 2g) is below gthr[8] (the
// per-neuron threshold).
DEVICE int grouped_at(int64_t i, int64_t first, uint64_t key, int64_t step, const uint64_t *gthr) {
	int fired = 0;
	if (gthr[7] != 0) {
		uint64_t idx = (uint64_t)first + (uint64_t)i, g = idx >> 3;
		uint64_t u = word8(key, (uint64_t)step, (1ull << 31) | ((g >> 3) << 1), (unsigned)(g & 7));
		if (u < gthr[7]) {
			unsigned k = 0, j = (unsigned)(idx & 7);
			while (u >= gthr[k]) {
				k++;
			}
			if (j == k) {
				fired = 1;
			} else if (j > k) {
				fired = (uint64_t)word8(key, (uint64_t)step, g << 1, j) < gthr[8];
			}
		}
	}
	return fired;
}

KERNEL poisson_grouped(int64_t n, int64_t first, uint64_t key, int64_t step, const uint64_t *gthr, uint32_t *mask) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int fired = 0;
	if (i < n) {
		fired = grouped_at(i, first, key, step, gthr);
	}
	vote(fired, i, n, mask);
}

// A Poisson drive (stimulus.PoissonDrive with its table) adds into a
// receptor's input of a step: neuron first + i draws the count
// table-sampled from word (first + i) mod 8 of At2(step, 2·⌊(first +
// i)/8⌋), and adds float32(w·count), times the receptor's gain when it
// is not 1 (then float32(gain·x)). The table: the smallest k with u <
// cdf[k], from guide[u >> 24] on (rng.PoissonTable.Sample).
DEVICE void drive_at(int64_t i, int64_t first, uint64_t key, int64_t step, const uint32_t *cdf, int64_t ncdf,
                     const uint16_t *guide, double w, double gain, float *into) {
	uint64_t g = (uint64_t)first + (uint64_t)i;
	uint32_t u = word8(key, (uint64_t)step, (g >> 3) << 1, (unsigned)(g & 7));
	int64_t k = guide[u >> 24];
	while (k < ncdf && u >= cdf[k]) {
		k++;
	}
	float x = FMUL((float)w, (float)k);
	if (gain != 1.0) {
		x = FMUL((float)gain, FADD(0.0f, x));
	}
	into[i] = FADD(into[i], x);
}

KERNEL drive_poisson(int64_t n, int64_t first, uint64_t key, int64_t step, const uint32_t *cdf, int64_t ncdf,
                     const uint16_t *guide, double w, double gain, float *into) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		drive_at(i, first, key, step, cdf, ncdf, guide, w, gain, into);
	}
}

// ---------------------------------------------------------------------
// Spike masks to a list in neuron order: offsets[w] is the number of
// spikes in words before w and total[0] the count; compact then writes
// the neurons of each word from its offset on, ascending. scan_masks runs
// as one block of SCAN_THREADS threads, in phases: each thread counts the
// spikes of a run of words; an inclusive scan of the counts (Hillis and
// Steele, one phase per doubling, in two buffers); each thread writes its
// words' offsets. No order of the threads changes the result.
#define SCAN_THREADS 1024
#define SCAN_ROUNDS 10 // log2(SCAN_THREADS)
#define SCAN_PHASES (SCAN_ROUNDS + 2)

SHARED uint32_t scan_part[2][SCAN_THREADS];

// scan_block is scan_masks's work, done by the SCAN_THREADS threads of a
// block.
DEVICE void scan_block(int64_t words, const uint32_t *mask, uint32_t *offsets, uint32_t *total) {
	uint32_t(*part)[SCAN_THREADS] = scan_part;
	unsigned t = threadIdx.x;
	int64_t run = (words + SCAN_THREADS - 1) / SCAN_THREADS;
	int64_t from = (int64_t)t * run, to = from + run < words ? from + run : words;
	PHASE(0) {
		uint32_t s = 0;
		for (int64_t w = from; w < to; w++) {
			s += (uint32_t)POPC(mask[w]);
		}
		part[0][t] = s;
	}
	for (int r = 0; r < SCAN_ROUNDS; r++) {
		PHASE(1 + r) {
			unsigned d = 1u << r;
			uint32_t x = part[r & 1][t];
			part[(r + 1) & 1][t] = t >= d ? x + part[r & 1][t - d] : x;
		}
	}
	PHASE(SCAN_ROUNDS + 1) {
		const uint32_t *incl = part[SCAN_ROUNDS & 1];
		uint32_t s = t > 0 ? incl[t - 1] : 0;
		for (int64_t w = from; w < to; w++) {
			offsets[w] = s;
			s += (uint32_t)POPC(mask[w]);
		}
		if (t == SCAN_THREADS - 1) {
			total[0] = incl[t];
		}
	}
}

KERNEL scan_masks(int64_t words, const uint32_t *mask, uint32_t *offsets, uint32_t *total) {
	scan_block(words, mask, offsets, total);
}

DEVICE void compact_at(int64_t w, const uint32_t *mask, const uint32_t *offsets, uint32_t *spikes) {
	uint32_t m = mask[w], at = offsets[w];
	for (unsigned b = 0; m != 0; b++, m >>= 1) {
		if (m & 1u) {
			spikes[at++] = (uint32_t)(w * 32 + b);
		}
	}
}

KERNEL compact(int64_t words, const uint32_t *mask, const uint32_t *offsets, uint32_t *spikes) {
	int64_t w = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (w < words) {
		compact_at(w, mask, offsets, spikes);
	}
}

// ---------------------------------------------------------------------
// Synaptic delivery (32·nspikes threads): every synapse of the rows of
// the spikes (a CSR: ptr, idx, and w, or every weight w0 when w is null)
// adds its weight, in fixed point (round(w·2^32), a 64-bit two's
// complement integer), to acc of its column with an integer atomic: the
// sums are exact, the same whatever the order of the events and of the
// threads.
DEVICE unsigned long long fixed(float w) {
	return (unsigned long long)D2LL_RN(DMUL((double)w, 4294967296.0));
}

KERNEL deliver_fixed(int64_t nspikes, const uint32_t *spikes, const uint32_t *ptr, const uint32_t *idx,
                     const float *w, double w0, unsigned long long *acc) {
	// One warp per spike, its lanes striding over the row: the row's
	// indices and weights are read 32 at a time.
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t s = t >> 5;
	if (s >= nspikes) {
		return;
	}
	uint32_t r = spikes[s];
	unsigned long long f0 = fixed((float)w0);
	for (uint32_t k = ptr[r] + (uint32_t)(t & 31); k < ptr[r + 1]; k += 32) {
		ATOMIC_ADD_U64(&acc[idx[k]], w ? fixed(w[k]) : f0);
	}
}

// deliver_row delivers row r's event, lane lane of the warp that
// delivers it striding over the row: each synapse adds float32(scale[r]
// × its weight), in fixed point, to the slot (base + delay[r] + its own
// delay, if d8 or d16 gives one) mod slots of its column of acc.
DEVICE void deliver_row(uint32_t r, uint32_t lane, const uint32_t *ptr, const uint32_t *idx, const float *w, double w0,
                        const float *scale, const uint32_t *delay, const uint8_t *d8, const uint16_t *d16,
                        int64_t base, int64_t slots, int64_t n, unsigned long long *acc) {
	float sc = scale[r];
	int64_t at = base + (int64_t)delay[r];
	if (!d8 && !d16) {
		unsigned long long *a = acc + (at % slots) * n;
		for (uint32_t k = ptr[r] + lane; k < ptr[r + 1]; k += 32) {
			ATOMIC_ADD_U64(&a[idx[k]], fixed(FMUL(sc, w ? w[k] : (float)w0)));
		}
		return;
	}
	for (uint32_t k = ptr[r] + lane; k < ptr[r + 1]; k += 32) {
		int64_t slot = (at + (int64_t)(d8 ? d8[k] : d16[k])) % slots;
		ATOMIC_ADD_U64(&acc[slot * n + idx[k]], fixed(FMUL(sc, w ? w[k] : (float)w0)));
	}
}

// deliver_rows is deliver_fixed into a ring of slots sums of n columns
// each (acc: slots × n), as an engine delivers, for the count[0] spikes
// of the list (on the device: launch 32 threads per neuron that may
// fire): row r's event carries the
// value scale[r] (its sign and response times the receptor's gain) and
// arrives delay[r] steps after base; each synapse adds float32(scale[r] ×
// its weight), in fixed point, to the slot (base + delay[r]) mod slots.
KERNEL deliver_rows(const uint32_t *count, const uint32_t *spikes, const uint32_t *ptr, const uint32_t *idx,
                    const float *w, double w0, const float *scale, const uint32_t *delay, int64_t base,
                    int64_t slots, int64_t n, unsigned long long *acc, int64_t row0) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t s = t >> 5;
	if (s >= (int64_t)count[0]) {
		return;
	}
	deliver_row(spikes[s] + (uint32_t)row0, (uint32_t)(t & 31), ptr, idx, w, w0, scale, delay, 0, 0, base, slots, n, acc);
}

// deliver_spread is deliver_rows for synapses with delays of their own
// (d8, or d16 when d8 is null: steps after the row's arrival), each into
// its own slot (projection.Runtime's deliverSpread).
KERNEL deliver_spread(const uint32_t *count, const uint32_t *spikes, const uint32_t *ptr, const uint32_t *idx,
                      const float *w, double w0, const float *scale, const uint32_t *delay, const uint8_t *d8,
                      const uint16_t *d16, int64_t base, int64_t slots, int64_t n, unsigned long long *acc,
                      int64_t row0) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t s = t >> 5;
	if (s >= (int64_t)count[0]) {
		return;
	}
	deliver_row(spikes[s] + (uint32_t)row0, (uint32_t)(t & 31), ptr, idx, w, w0, scale, delay, d8, d16, base, slots, n, acc);
}

// A projection as deliver_all reads it: its source's spikes of the step
// (count, list), its synapses (a CSR: ptr, idx, and w, or every weight
// w0 when w is null; d8 or d16, delays of their own, both null when it
// has none), each row's value and delay, the steps every event takes
// beyond the row's delay (shift: base = t + 1 + shift) and its target's
// ring (slots × n sums). Every field is 8 bytes.
typedef struct {
	const uint32_t *count;
	const uint32_t *spikes;
	const uint32_t *ptr;
	const uint32_t *idx;
	const float *w;
	const float *scale;
	const uint32_t *delay;
	const uint8_t *d8;
	const uint16_t *d16;
	unsigned long long *acc;
	double w0;
	int64_t shift;
	int64_t slots;
	int64_t n;
	int64_t row0; // the source's first neuron: its spikes are rows row0 + i
} proj_desc;

// deliver_all delivers the spikes of step t through the nproj
// projections of ds, as deliver_rows and deliver_spread each deliver
// one's: one launch for all. Its warps take the (projection, spike)
// pairs in turn, projection by projection, each striding over the pair's
// row; however many warps it has, every pair is delivered once, and the
// sums, exact, do not depend on which warp delivers which.
KERNEL deliver_all(int64_t nproj, const proj_desc *ds, int64_t t) {
	int64_t warp = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
	int64_t warps = ((int64_t)gridDim.x * blockDim.x) >> 5;
	uint32_t lane = (uint32_t)(threadIdx.x & 31);
	int64_t p = 0, first = 0; // pairs before projection p's
	for (int64_t g = warp;; g += warps) {
		while (p < nproj && g >= first + (int64_t)ds[p].count[0]) {
			first += (int64_t)ds[p].count[0];
			p++;
		}
		if (p >= nproj) {
			return;
		}
		const proj_desc *d = &ds[p];
		deliver_row(d->spikes[g - first] + (uint32_t)d->row0, lane, d->ptr, d->idx, d->w, d->w0, d->scale, d->delay, d->d8, d->d16,
		            t + 1 + d->shift, d->slots, d->n, d->acc);
	}
}

// ---------------------------------------------------------------------
// STDP on the device (plasticity.STDPForm): a plastic projection
// delivers the events that arrive at a step with the weights of that
// step, then its tags advance and it learns, before its target steps.
// Each synapse is changed by one thread per phase (a lane of the warp of
// its column, then of its row), in the order and with the float32
// operations of the CPU's direct mode, so the weights are the CPU's,
// bit for bit.

DEVICE int bit_at(const uint32_t *mask, int64_t i) { return (int)((mask[i >> 5] >> (i & 31)) & 1u); }

DEVICE float clip_to(float x, float lo, float hi) {
	if (x < lo) {
		return lo;
	}
	if (x > hi) {
		return hi;
	}
	return x;
}

// take_arrivals sets, a thread per word of arr, the bit of each row
// whose event arrives now: row r's spike of step base − delay[r], if that
// step is ≥ 0, found in a history of the source's spike masks (hist: h
// rows of words words, step e in row e mod h).
KERNEL take_arrivals(int64_t rows, const uint32_t *hist, int64_t h, int64_t words, const uint32_t *delay, int64_t base,
                     uint32_t *arr) {
	int64_t w = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (w >= words) {
		return;
	}
	uint32_t m = 0;
	for (unsigned b = 0; b < 32; b++) {
		int64_t r = w * 32 + b;
		if (r >= rows) {
			break;
		}
		int64_t e = base - (int64_t)delay[r];
		if (e >= 0 && bit_at(hist + (e % h) * words, r)) {
			m |= 1u << b;
		}
	}
	arr[w] = m;
}

// deliver_arrived delivers, a warp per row (32·rows threads), the event
// of each row whose bit of arr is set, with the weights as they are now,
// into the slot t mod slots (deliver_row; zero: a delay of 0 per row).
KERNEL deliver_arrived(int64_t rows, const uint32_t *arr, const uint32_t *ptr, const uint32_t *idx, const float *w,
                       const float *scale, const uint32_t *zero, int64_t t, int64_t slots, int64_t n,
                       unsigned long long *acc) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t r = i >> 5;
	if (r >= rows || !bit_at(arr, r)) {
		return;
	}
	deliver_row((uint32_t)r, (uint32_t)(i & 31), ptr, idx, w, 0.0, scale, zero, 0, 0, t, slots, n, acc);
}

// stdp_traces advances the tags (max(rows, cols) threads): P[i] of each
// presynaptic row, whose input is xval[i] where its bit of arr is set
// (its event arrives), else 0; Q[j] of each postsynaptic neuron, whose
// input is 1 where its bit of post is set (it fired at the step before);
// Qd[j], the post tag that depression reads. prm: the pre and post
// factors a+ and a−, nearest pairing (≠ 0), PreFirst (≠ 0).
KERNEL stdp_traces(int64_t rows, int64_t cols, const uint32_t *arr, const float *xval, float *P, const uint32_t *post,
                   float *Q, float *Qd, const float *prm) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int nearest = prm[2] != 0, first = prm[3] != 0;
	if (i < rows) {
		float x = bit_at(arr, i) ? xval[i] : 0.0f;
		float d = FMUL(prm[0], P[i]);
		P[i] = nearest ? (x != 0 ? x : d) : FADD(x, d);
	}
	if (i < cols) {
		float y = bit_at(post, i) ? 1.0f : 0.0f;
		float before = FMUL(prm[1], Q[i]);
		float q = nearest ? (y != 0 ? y : before) : FADD(y, before);
		float qd = q;
		if (first && y != 0) {
			qd = nearest ? before : FSUB(q, 1.0f);
		}
		Q[i] = q;
		Qd[i] = qd;
	}
}

// stdp_term is a rate's change of a synapse of weight w whose tag is
// tag, for s (potentiation: dt; depression: −dt·x), as the Learner
// computes it (plasticity.STDPForm): mode 0 a constant rate, 1 a soft
// bound, 2 an upper bound, 3 a lower bound, within [lo, hi].
DEVICE float stdp_term(int mode, float s, float eta, float tag, float w, float lo, float hi) {
	switch (mode) {
	case 0:
		return FMUL(FMUL(s, eta), tag);
	case 1:
		return FMUL(FMUL(FMUL(FMUL(s, eta), tag), FSUB(hi, w)), FSUB(w, lo));
	case 2:
		return FMUL(FMUL(s, tag), FMUL(eta, FSUB(hi, w)));
	default:
		return FMUL(FMUL(s, tag), FMUL(eta, FSUB(w, lo)));
	}
}

// stdp_change applies the change d to synapse k: at once, clipped, if
// direct (a NaN leaves it, and sets bad[0]); else into its sum of the
// step, dw[k], marking it (touched), as plasticity.Delta.Add does.
DEVICE void stdp_change(uint32_t k, float d, int direct, float *w, float *dw, uint8_t *touched, float lo, float hi,
                        uint32_t *bad) {
	if (direct) {
		float x = FADD(w[k], d);
		if (x != x) {
			bad[0] = 1;
			return;
		}
		w[k] = clip_to(x, lo, hi);
		return;
	}
	if (d == 0) {
		return;
	}
	touched[k] = 1;
	dw[k] = FADD(dw[k], d);
}

// stdp_potentiate (a warp per column: 32·cols threads): for each
// postsynaptic neuron whose bit of post is set, each synapse into it (the
// column view: colptr, colsyn, colrow; the warp's lanes stride over it,
// one lane per synapse) from a row with P ≠ 0 changes by its term
// (stdp_term, stdp_change) for the step's rate eta. prm: dt, the bounds,
// the rate's mode, direct, modulated.
KERNEL stdp_potentiate(int64_t cols, const uint32_t *post, const uint32_t *colptr, const uint32_t *colsyn,
                       const uint32_t *colrow, const float *P, float *w, float *dw, uint8_t *touched, const float *prm,
                       uint32_t *bad, double eta) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t j = t >> 5;
	if (j >= cols || !bit_at(post, j)) {
		return;
	}
	float s = prm[0], lo = prm[1], hi = prm[2];
	int mode = (int)prm[3], direct = prm[4] != 0;
	for (uint32_t e = colptr[j] + (uint32_t)(t & 31); e < colptr[j + 1]; e += 32) {
		float pv = P[colrow[e]];
		if (pv != 0) {
			uint32_t k = colsyn[e];
			stdp_change(k, stdp_term(mode, s, (float)eta, pv, w[k], lo, hi), direct, w, dw, touched, lo, hi, bad);
		}
	}
}

// stdp_depress (a warp per row: 32·rows threads): for each row whose bit
// of arr is set and whose input x = xval[i] is not 0, each synapse of the
// row (the warp's lanes stride over it) into a neuron with Qd ≠ 0
// changes by its term for s = float32(−dt·x) and the step's rate eta
// (prm[0] = −dt; then the bounds, the rate's mode, direct, modulated).
KERNEL stdp_depress(int64_t rows, const uint32_t *arr, const uint32_t *ptr, const uint32_t *idx, const float *xval,
                    const float *Qd, float *w, float *dw, uint8_t *touched, const float *prm, uint32_t *bad, double eta) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t i = t >> 5;
	if (i >= rows || !bit_at(arr, i)) {
		return;
	}
	float x = xval[i];
	if (x == 0) {
		return;
	}
	float s = FMUL(prm[0], x), lo = prm[1], hi = prm[2];
	int mode = (int)prm[3], direct = prm[4] != 0;
	for (uint32_t k = ptr[i] + (uint32_t)(t & 31); k < ptr[i + 1]; k += 32) {
		float q = Qd[idx[k]];
		if (q != 0) {
			stdp_change(k, stdp_term(mode, s, (float)eta, q, w[k], lo, hi), direct, w, dw, touched, lo, hi, bad);
		}
	}
}

// stdp_settle sets a synapse that changed this step (touched) to
// clip(w + its sum of changes d), within [lo, hi], and clears the sum, as
// plasticity.Delta.Apply does; a NaN leaves it, and sets bad[0]. A
// modulated rule scales d by the step's modulator concentration m first,
// and leaves the synapse as it is where d or d·m is 0 (Modulated drains
// only changes that are not 0 into the Learner's sum).
DEVICE void stdp_settle(uint32_t k, float *w, float *dw, uint8_t *touched, float lo, float hi, int modulated, float m,
                        uint32_t *bad) {
	if (!touched[k]) {
		return;
	}
	touched[k] = 0;
	float d = dw[k];
	dw[k] = 0;
	if (modulated) {
		// As Modulated drains: a sum or a concentration of 0 changes
		// nothing (not even an infinite sum times 0), nor does a product
		// of 0.
		if (d == 0 || m == 0) {
			return;
		}
		d = FMUL(d, m);
		if (d == 0) {
			return;
		}
	}
	float x = FADD(w[k], d);
	if (x != x) {
		bad[0] = 1;
		return;
	}
	w[k] = clip_to(x, lo, hi);
}

// stdp_apply_cols settles (stdp_settle), a warp per column (32·cols
// threads), the synapses into the neurons whose bit of post is set; prm
// holds the bounds at prm[1] and prm[2], whether the rule is modulated at
// prm[5]; m is the step's modulator concentration.
KERNEL stdp_apply_cols(int64_t cols, const uint32_t *post, const uint32_t *colptr, const uint32_t *colsyn, float *w,
                       float *dw, uint8_t *touched, const float *prm, uint32_t *bad, double m) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t j = t >> 5;
	if (j >= cols || !bit_at(post, j)) {
		return;
	}
	for (uint32_t e = colptr[j] + (uint32_t)(t & 31); e < colptr[j + 1]; e += 32) {
		stdp_settle(colsyn[e], w, dw, touched, prm[1], prm[2], prm[5] != 0, (float)m, bad);
	}
}

// stdp_apply_rows settles, a warp per row (32·rows threads), the
// synapses of the rows whose bit of arr is set (those stdp_apply_cols
// settled are no longer marked).
KERNEL stdp_apply_rows(int64_t rows, const uint32_t *arr, const uint32_t *ptr, float *w, float *dw, uint8_t *touched,
                       const float *prm, uint32_t *bad, double m) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t i = t >> 5;
	if (i >= rows || !bit_at(arr, i)) {
		return;
	}
	for (uint32_t k = ptr[i] + (uint32_t)(t & 31); k < ptr[i + 1]; k += 32) {
		stdp_settle(k, w, dw, touched, prm[1], prm[2], prm[5] != 0, (float)m, bad);
	}
}

// ---------------------------------------------------------------------
// R-STDP on the device (plasticity.STDPForm's Eligibility): the step's
// summed STDP changes feed an eligibility trace per synapse (rstdp_fold),
// which the weights follow at the steps with a modulator
// (rstdp_modulate). A trace decays lazily, from the step it was last
// brought up to (last), by λ^g from two tables (plasticity.EligibilityDecay):
// only double products, in the CPU's order.

// rstdp_decay returns λ^g: pow[g mod 1024] times pow2[j] for each bit j
// of g / 1024, the lowest first.
DEVICE double rstdp_decay(const double *pow, const double *pow2, int64_t g) {
	double f = pow[g & 1023];
	uint64_t q = (uint64_t)g >> 10;
	for (int j = 0; q != 0; j++, q >>= 1) {
		if (q & 1) {
			f = DMUL(f, pow2[j]);
		}
	}
	return f;
}

// rstdp_touch brings synapse k's trace up to step now (rstdpRule.touch).
DEVICE void rstdp_touch(uint32_t k, float *c, int64_t *last, const double *pow, const double *pow2, int64_t now) {
	int64_t g = now - last[k];
	if (g == 0) {
		return;
	}
	last[k] = now;
	float x = c[k];
	if (x != 0) {
		c[k] = (float)DMUL((double)x, rstdp_decay(pow, pow2, g));
	}
}

// rstdp_fold adds a synapse's summed change of the step (touched), if not
// 0, to its trace brought up to now, and clears the sum (the CPU drains
// the inner rule's changes so).
DEVICE void rstdp_fold(uint32_t k, float *dw, uint8_t *touched, float *c, int64_t *last, const double *pow, const double *pow2,
                       int64_t now) {
	if (!touched[k]) {
		return;
	}
	touched[k] = 0;
	float d = dw[k];
	dw[k] = 0;
	if (d != 0) {
		rstdp_touch(k, c, last, pow, pow2, now);
		c[k] = FADD(c[k], d);
	}
}

// rstdp_fold_cols folds, a warp per column (32·cols threads), the
// synapses into the neurons whose bit of post is set.
KERNEL rstdp_fold_cols(int64_t cols, const uint32_t *post, const uint32_t *colptr, const uint32_t *colsyn, float *dw,
                       uint8_t *touched, float *c, int64_t *last, const double *pow, const double *pow2, int64_t now) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t j = t >> 5;
	if (j >= cols || !bit_at(post, j)) {
		return;
	}
	for (uint32_t e = colptr[j] + (uint32_t)(t & 31); e < colptr[j + 1]; e += 32) {
		rstdp_fold(colsyn[e], dw, touched, c, last, pow, pow2, now);
	}
}

// rstdp_fold_rows folds, a warp per row (32·rows threads), the synapses
// of the rows whose bit of arr is set (those rstdp_fold_cols folded are
// no longer marked).
KERNEL rstdp_fold_rows(int64_t rows, const uint32_t *arr, const uint32_t *ptr, float *dw, uint8_t *touched, float *c,
                       int64_t *last, const double *pow, const double *pow2, int64_t now) {
	int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t i = t >> 5;
	if (i >= rows || !bit_at(arr, i)) {
		return;
	}
	for (uint32_t k = ptr[i] + (uint32_t)(t & 31); k < ptr[i + 1]; k += 32) {
		rstdp_fold(k, dw, touched, c, last, pow, pow2, now);
	}
}

// rstdp_modulate, a thread per synapse (n of them), at a step whose
// modulator concentration is not 0 (s = dt·M): brings every trace up to
// now (a trace of 0 only marks the step) and, with learn, changes each
// weight whose trace is not 0 by float32(s·c) unless that is 0 —
// clip(w + it) within prm[1] and prm[2]; a NaN leaves the weight and sets
// bad[0] — as RSTDP's modulateOne and Delta.Apply.
KERNEL rstdp_modulate(int64_t n, float *c, int64_t *last, const double *pow, const double *pow2, int64_t now, double s,
                      int64_t learn, float *w, const float *prm, uint32_t *bad) {
	int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (k >= n) {
		return;
	}
	float x = c[k];
	if (x == 0) {
		last[k] = now;
		return;
	}
	int64_t g = now - last[k];
	if (g != 0) {
		last[k] = now;
		x = (float)DMUL((double)x, rstdp_decay(pow, pow2, g));
		c[k] = x;
	}
	if (!learn) {
		return;
	}
	float d = (float)DMUL(s, (double)x);
	if (d == 0) {
		return;
	}
	float y = FADD(w[k], d);
	if (y != y) {
		bad[0] = 1;
		return;
	}
	w[k] = clip_to(y, prm[1], prm[2]);
}

// log_mask copies a step's spike mask into row k of a log of masks (one
// row of words words per step), which the host reads once per block of
// steps.
KERNEL log_mask(int64_t words, const uint32_t *mask, uint32_t *log, int64_t k) {
	int64_t w = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (w < words) {
		log[k * words + w] = mask[w];
	}
}

// gather copies the n values src[idx[i]] into row k of a log of rows of
// n values: a state monitor's neurons at a step, read by the host once
// per block of steps.
KERNEL gather(int64_t n, const uint32_t *idx, const float *src, float *log, int64_t k) {
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		log[k * n + i] = src[idx[i]];
	}
}

// take_mask copies row k of a log of masks (log_mask's) into mask: a
// step's spikes of a population on another device, uploaded once per
// block of steps, listed again here (scan_masks, compact) for delivery.
KERNEL take_mask(int64_t words, const uint32_t *log, int64_t k, uint32_t *mask) {
	int64_t w = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (w < words) {
		mask[w] = log[k * words + w];
	}
}

// take_slot adds slot slot of a ring of fixed-point sums (acc: slots × n)
// into into, and clears it: the input that arrives at a step.
DEVICE void take_at(int64_t j, int64_t n, unsigned long long *acc, int64_t slot, float *into) {
	unsigned long long *a = acc + slot * n;
	double x = DMUL((double)(long long)a[j], 1.0 / 4294967296.0);
	into[j] = FADD(into[j], (float)x);
	a[j] = 0;
}

KERNEL take_slot(int64_t n, unsigned long long *acc, int64_t slot, float *into) {
	int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (j < n) {
		take_at(j, n, acc, slot, into);
	}
}

// The fixed-point sums added to into (into[j] + float32(acc[j]·2^-32)),
// and cleared.
KERNEL add_fixed(int64_t n, unsigned long long *acc, float *into) {
	int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (j >= n) {
		return;
	}
	double x = DMUL((double)(long long)acc[j], 1.0 / 4294967296.0);
	into[j] = FADD(into[j], (float)x);
	acc[j] = 0;
}

// ---------------------------------------------------------------------
// A step in three launches (and deliver_all): step_all steps every
// population of a device, scan_all and compact_all list their spikes
// and log their masks, each from a table of populations. They compute
// what the kernels above compute one population at a time, thread for
// thread.

// The kinds of population of pop_desc.
#define POP_EXP2 0
#define POP_EXP1 1
#define POP_DELTA 2
#define POP_COND 3
#define POP_POISSON 4
#define POP_GROUPED 5
#define POP_DRIVES 2 // drives a pop_desc holds at most

// A population as the kernels of a step read it. Every field is 8
// bytes. The spike mask of step t is m1 for odd t, m0 for even t; the
// mask of the step before is the other.
typedef struct {
	int64_t kind;
	int64_t n;
	// integrate-and-fire: state, receptors (a, s), coefficients
	float *v;
	float *a1;
	float *s1;
	float *a2;
	float *s2;
	float *rc;
	const float *prm;
	int64_t drop;
	// Poisson: first neuron, key, thresholds
	int64_t first;
	uint64_t key;
	const uint64_t *thr;
	// the receptors' rings of fixed-point sums (null: none)
	unsigned long long *acc1;
	int64_t slots1;
	unsigned long long *acc2;
	int64_t slots2;
	// Poisson drives
	int64_t ndrives;
	int64_t dfirst[POP_DRIVES];
	uint64_t dkey[POP_DRIVES];
	const uint32_t *dcdf[POP_DRIVES];
	int64_t dncdf[POP_DRIVES];
	const uint16_t *dguide[POP_DRIVES];
	double dw[POP_DRIVES];
	double dgain[POP_DRIVES];
	float *dinto[POP_DRIVES];
	// spike masks, lists and log
	uint32_t *m0;
	uint32_t *m1;
	int64_t words;
	uint32_t *offsets;
	uint32_t *total;
	uint32_t *list;
	uint32_t *log;
} pop_desc;

// step_all steps the populations of ds at step t: block b steps
// neurons blocks[2b+1] … of population blocks[2b] (a block holds one
// population's neurons only, so that a warp's ballot is one
// population's). An integrate-and-fire neuron takes its drives, then its
// receptors' slots of step t (drive_poisson, take_slot), then steps
// (lif_exp2, lif_exp1, lif_delta, lif_cond); a Poisson neuron draws
// (poisson_neurons, poisson_grouped).
KERNEL step_all(const pop_desc *ds, const int64_t *blocks, int64_t t) {
	const pop_desc *d = &ds[blocks[2 * (int64_t)blockIdx.x]];
	int64_t i = blocks[2 * (int64_t)blockIdx.x + 1] + threadIdx.x;
	uint32_t *mask = (t & 1) ? d->m1 : d->m0;
	const uint32_t *prev = (t & 1) ? d->m0 : d->m1;
	int fired = 0;
	if (i < d->n) {
		switch (d->kind) {
		case POP_POISSON:
			fired = poisson_at(i, d->first, d->key, t, d->thr);
			break;
		case POP_GROUPED:
			fired = grouped_at(i, d->first, d->key, t, d->thr);
			break;
		default:
			for (int64_t q = 0; q < d->ndrives; q++) {
				drive_at(i, d->dfirst[q], d->dkey[q], t, d->dcdf[q], d->dncdf[q], d->dguide[q], d->dw[q], d->dgain[q],
				         d->dinto[q]);
			}
			if (d->acc1) {
				take_at(i, d->n, d->acc1, t % d->slots1, d->a1);
			}
			if (d->acc2) {
				take_at(i, d->n, d->acc2, t % d->slots2, d->a2);
			}
			switch (d->kind) {
			case POP_EXP2:
				fired = exp2_at(i, d->v, d->a1, d->s1, d->a2, d->s2, d->rc, d->prm, prev);
				break;
			case POP_EXP1:
				fired = exp1_at(i, d->v, d->a1, d->s1, d->rc, d->prm, prev);
				break;
			case POP_DELTA:
				fired = delta_at(i, d->v, d->a1, d->rc, d->prm, prev, d->drop);
				break;
			case POP_COND:
				fired = cond_at(i, d->v, d->a1, d->s1, d->a2, d->s2, d->rc, d->prm, prev);
				break;
			}
		}
	}
	vote(fired, i, d->n, mask);
}

// scan_all is scan_masks for population blockIdx.x of ds at step t (one
// block of SCAN_THREADS threads each).
KERNEL scan_all(const pop_desc *ds, int64_t t) {
	const pop_desc *d = &ds[blockIdx.x];
	scan_block(d->words, (t & 1) ? d->m1 : d->m0, d->offsets, d->total);
}

// compact_all is compact, then log_mask into row k of the log, for
// every population of ds at step t: block b takes words blocks[2b+1] …
// of population blocks[2b].
KERNEL compact_all(const pop_desc *ds, const int64_t *blocks, int64_t t, int64_t k) {
	const pop_desc *d = &ds[blocks[2 * (int64_t)blockIdx.x]];
	int64_t w = blocks[2 * (int64_t)blockIdx.x + 1] + threadIdx.x;
	if (w < d->words) {
		const uint32_t *mask = (t & 1) ? d->m1 : d->m0;
		compact_at(w, mask, d->offsets, d->list);
		d->log[k * d->words + w] = mask[w];
	}
}
