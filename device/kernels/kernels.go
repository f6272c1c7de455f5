// Package kernels holds Spiral's CUDA kernels: their source, spiral.cu,
// and the PTX that gen.sh compiles from it for compute_80 (A100, H100,
// H200), embedded here so that no build needs nvcc. The CUDA device
// (package device/cuda, build tag cuda) loads PTX; package
// device/hostrun compiles spiral.cu as C and runs the kernels on
// the CPU, so that their logic is tested where no GPU is.
package kernels

import _ "embed"

// PTX is spiral.ptx: every kernel of spiral.cu, for compute_80.
//
//go:embed spiral.ptx
var PTX string

// Names lists the kernels of PTX.
var Names = []string{"lif_exp2", "lif_exp1", "lif_delta", "lif_cond", "drive_poisson", "poisson_neurons", "poisson_grouped", "scan_masks", "compact", "deliver_fixed", "deliver_rows", "deliver_spread", "deliver_all", "step_all", "scan_all", "compact_all", "log_mask", "gather", "take_mask", "take_slot", "add_fixed", "take_arrivals", "deliver_arrived", "stdp_traces", "stdp_potentiate", "stdp_depress", "stdp_apply_cols", "stdp_apply_rows", "rstdp_fold_cols", "rstdp_fold_rows", "rstdp_modulate"}

// ProjDescBytes is the size of a projection's descriptor for deliver_all
// (spiral.cu's proj_desc): 15 fields of 8 bytes.
const ProjDescBytes = 15 * 8

// PopDescBytes is the size of a population's descriptor for step_all,
// scan_all and compact_all (spiral.cu's pop_desc): 41 fields of 8 bytes.
const PopDescBytes = 41 * 8

// PopDrives is the number of Poisson drives a pop_desc holds at most
// (spiral.cu's POP_DRIVES).
const PopDrives = 2

// The kinds of population of a pop_desc (spiral.cu's POP_*).
const (
	PopExp2 = iota
	PopExp1
	PopDelta
	PopCond
	PopPoisson
	PopGrouped
)

// ScanThreads is the block of scan_masks: launch it as one block of
// ScanThreads threads (spiral.cu's SCAN_THREADS).
const ScanThreads = 1024
