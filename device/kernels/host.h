// host.h lets spiral.cu compile as C on the host (the kernels' logic
// tested without a GPU; see package device/internal/hostrun): a kernel
// becomes a function that host_launch calls once per thread, blocks in
// order, and in each warp the lanes from 31 down to 0, so that when lane
// 0 runs, a ballot has every lane's vote (only lane 0 may use a ballot's
// result). Atomic adds are plain adds: the threads run one at a time.
//
// A kernel that synchronises its block is cut into phases (PHASE(k), k
// from 0): on the GPU each phase after the first starts with
// __syncthreads(); here host_launch_phases runs phase 0 for every thread
// of the block, then phase 1, and so on. What a phase hands to the next
// lives in SHARED memory (static here: the blocks run one after
// another), never in a thread's local variables.
#ifndef SPIRAL_HOST_H
#define SPIRAL_HOST_H

#include <stdint.h>
#include <math.h>

typedef struct { unsigned x, y, z; } spiral_dim3;

static spiral_dim3 threadIdx, blockIdx, blockDim, gridDim;
static uint32_t spiral_votes[1024 / 32];

#define KERNEL void
#define DEVICE static inline
#define SHARED static

static int spiral_phase;
#define PHASE(k) if (spiral_phase == (k))
#define FADD(a, b) ((float)((a) + (b)))
#define FSUB(a, b) ((float)((a) - (b)))
#define FMUL(a, b) ((float)((a) * (b)))
#define DMUL(a, b) ((double)((a) * (b)))
#define DADD(a, b) ((double)((a) + (b)))
#define DSUB(a, b) ((double)((a) - (b)))
#define FDIV(a, b) ((float)((a) / (b)))

// AS_DOUBLE reads a 64-bit integer's bits as a double.
static inline double AS_DOUBLE(long long i) {
	double d;
	__builtin_memcpy(&d, &i, sizeof d);
	return d;
}

// BALLOT collects the votes of a warp (see above).
static inline uint32_t BALLOT(int pred) {
	unsigned w = threadIdx.x / 32, lane = threadIdx.x % 32;
	if (lane == 31) {
		spiral_votes[w] = 0;
	}
	if (pred) {
		spiral_votes[w] |= 1u << lane;
	}
	return spiral_votes[w];
}

static inline unsigned long long ATOMIC_ADD_U64(unsigned long long *p, unsigned long long v) {
	unsigned long long old = *p;
	*p = old + v;
	return old;
}

static inline uint32_t MULHI(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }

static inline int POPC(uint32_t x) { return __builtin_popcount(x); }

// D2LL_RN rounds to the nearest integer, ties to even (the default
// rounding mode), as __double2ll_rn.
#define D2LL_RN(x) llrint(x)

// host_launch_phases runs call(args) for every thread of a grid of grid
// blocks of block threads (block a multiple of 32, at most 1024), phase
// by phase (phases of them) in each block.
#define host_launch_phases(grid, block, phases, call)                      \
	do {                                                                   \
		gridDim.x = (grid), blockDim.x = (block);                          \
		gridDim.y = gridDim.z = blockDim.y = blockDim.z = 1;               \
		threadIdx.y = threadIdx.z = blockIdx.y = blockIdx.z = 0;           \
		for (blockIdx.x = 0; blockIdx.x < gridDim.x; blockIdx.x++) {       \
			for (spiral_phase = 0; spiral_phase < (phases); spiral_phase++) { \
				for (unsigned w_ = 0; w_ < blockDim.x / 32; w_++) {        \
					for (int l_ = 31; l_ >= 0; l_--) {                     \
						threadIdx.x = w_ * 32 + (unsigned)l_;              \
						call;                                              \
					}                                                      \
				}                                                          \
			}                                                              \
		}                                                                  \
	} while (0)

// host_launch runs a kernel of one phase.
#define host_launch(grid, block, call) host_launch_phases(grid, block, 1, call)

#endif
