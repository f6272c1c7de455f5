#!/usr/bin/env bash
# The GPU check (docs/gpu.md), in two halves:
#
#   device/gpucheck.sh build   here, without a GPU: builds gpucheck/cuda.test
#                              (package device/cuda's tests, build tag cuda)
#                              and gpucheck/spiral-node (with --device cuda)
#                              against Debian's cuda.h and stub libcuda.so
#                              (fetched by .ci/cuda-vet)
#   device/gpucheck.sh run     on a machine with a GPU and its driver (no Go
#                              needed): runs the kernels and device.Net
#                              against the CPU, bit for bit, times them, and
#                              runs CUBA ×10, Brunel ×4 and the microcircuit
#                              on the GPU and on the CPU (and Brunel ×4 on
#                              one GPU and on all, where there are
#                              several); the report goes
#                              to $OUT/gpucheck.txt (or gpucheck/gpucheck.txt)
#
# With the device tool: build, then run `device/gpucheck.sh run` there with
# carry ["gpucheck"] and timeout_s 600, and record the figures in
# docs/gpu.md. Each step has a time bound and a failed step does not stop
# the others (a few minutes in all in practice; should the tool's bound
# cut the run, the report written so far, under $OUT, still comes back); the comparisons print SAME or
# DIFFERENT. A dry run of the logic on the host device: copy the script,
# replace --device cuda by --device host:0,1 and shrink the scales.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
build)
  flags=$(.ci/cuda-vet | tail -1)
  export CGO_CFLAGS=${flags#CGO_CFLAGS=}
  export CGO_CFLAGS=${CGO_CFLAGS%% CGO_LDFLAGS=*}
  export CGO_LDFLAGS=${flags##*CGO_LDFLAGS=}
  mkdir -p gpucheck
  GOOS=linux GOARCH=amd64 go test -tags cuda -c -o gpucheck/cuda.test ./device/cuda
  GOOS=linux GOARCH=amd64 go build -tags cuda -o gpucheck/spiral-node ./cmd/spiral-node
  echo "built gpucheck/cuda.test and gpucheck/spiral-node ($(git rev-parse --short HEAD))"
  ;;
run)
  out=${OUT:-gpucheck}
  mkdir -p "$out"
  tmp=$(mktemp -d)
  # step runs a command with a time bound, and goes on if it fails: the
  # report should hold as much as one run of the device can give.
  step() {
    local limit=$1; shift
    echo "== $*"
    timeout "$limit" "$@" || echo "FAILED (exit $?): $*"
  }
  # same compares two runs' spike files byte for byte.
  same() {
    local what=$1 a=$2 b=$3; shift 3
    for f in "$@"; do
      if cmp -s "$a/spikes/$f.npz" "$b/spikes/$f.npz"; then
        echo "SAME $what $f"
      else
        echo "DIFFERENT $what $f"
      fi
    done
  }
  sn=./gpucheck/spiral-node
  {
    date -u
    nvidia-smi -L || true
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    step 240 ./gpucheck/cuda.test -test.v -test.run . -test.bench . -test.benchtime 300x
    # CUBA ×10 and COBA ×10 for 2 s and Brunel ×4 for 1 s on the GPU
    # (device.Net) and on the CPU (lockstep): rates and real-time
    # factors side by side.
    for m in "cuba --scale 10 --duration 2000" "coba --scale 10 --duration 2000" "brunel --scale 4 --duration 1000"; do
      step 120 $sn run $m --device cuda --quiet --force
      step 120 $sn run $m --quiet --force
    done
    # In fixed point the GPU's spike files are the CPU's, byte for byte:
    # CUBA ×10 and Brunel ×4.
    for m in "cuba --scale 10 --duration 2000" "brunel --scale 4 --duration 1000"; do
      set -- $m
      step 120 $sn run $m --fixed-point --device cuda --quiet --force --out "$tmp/$1.gpu"
      step 120 $sn run $m --fixed-point --quiet --force --out "$tmp/$1.cpu"
      same "$1 (fixed point, GPU and CPU)" "$tmp/$1.gpu" "$tmp/$1.cpu" E I
    done
    # STDP learnt on the GPU, and the GPU and the CPU in one run (the
    # neuromodulation example: modulated STDP learnt on the GPU, its
    # modulator on the CPU), in fixed point: the sequential stepper's
    # spikes (and weights).
    step 60 $sn run stdp --duration 2000 --fixed-point --device cuda --quiet --out "$tmp/stdp.gpu"
    step 60 $sn run stdp --duration 2000 --fixed-point --engine sequential --quiet --out "$tmp/stdp.cpu"
    same "stdp (learnt on the GPU)" "$tmp/stdp.gpu" "$tmp/stdp.cpu" in out
    nm=examples/neuromodulation/neuromodulation.yaml
    step 60 $sn run $nm --fixed-point --device cuda --quiet --out "$tmp/nm.gpu"
    step 60 $sn run $nm --fixed-point --engine sequential --quiet --out "$tmp/nm.cpu"
    same "neuromodulation (GPU and CPU in one run)" "$tmp/nm.gpu" "$tmp/nm.cpu" in out
    if cmp -s "$tmp/nm.gpu/weights/syn.npz" "$tmp/nm.cpu/weights/syn.npz"; then echo "SAME neuromodulation weights"; else echo "DIFFERENT neuromodulation weights"; fi
    # Reward-modulated STDP with eligibility traces, learnt on the GPU.
    rs=examples/neuromodulation/rstdp.yaml
    step 60 $sn run $rs --fixed-point --device cuda --quiet --out "$tmp/rs.gpu"
    step 60 $sn run $rs --fixed-point --engine sequential --quiet --out "$tmp/rs.cpu"
    same "R-STDP (GPU and CPU in one run)" "$tmp/rs.gpu" "$tmp/rs.cpu" in out
    if cmp -s "$tmp/rs.gpu/weights/syn.npz" "$tmp/rs.cpu/weights/syn.npz"; then echo "SAME R-STDP weights"; else echo "DIFFERENT R-STDP weights"; fi
    # Brunel with STDP on E→E (15.6 M plastic synapses), learnt on the
    # GPU: timed on the GPU and on the CPU; in fixed point the same spike
    # and weight files.
    bp=examples/brunel/brunel_plastic.yaml
    step 120 $sn run $bp --device cuda --quiet --force
    step 180 $sn run $bp --quiet --force
    step 120 $sn run $bp --fixed-point --device cuda --quiet --force --out "$tmp/bp.gpu"
    step 180 $sn run $bp --fixed-point --quiet --force --out "$tmp/bp.cpu"
    same "brunel_plastic (fixed point, learnt on the GPU and on the CPU)" "$tmp/bp.gpu" "$tmp/bp.cpu" E I
    if cmp -s "$tmp/bp.gpu/weights/EE.npz" "$tmp/bp.cpu/weights/EE.npz"; then echo "SAME brunel_plastic weights"; else echo "DIFFERENT brunel_plastic weights"; fi
    # With several GPUs: Brunel ×4 on GPU 0 alone and spread over every
    # GPU (E in one shard per GPU) give the same spike files, byte for
    # byte.
    if [ "$(nvidia-smi -L 2>/dev/null | wc -l)" -gt 1 ]; then
      step 120 $sn run brunel --scale 4 --duration 1000 --device cuda:0 --quiet --force --out "$tmp/one"
      step 120 $sn run brunel --scale 4 --duration 1000 --device cuda --quiet --force --out "$tmp/all"
      same "Brunel x4 (one GPU and all)" "$tmp/one" "$tmp/all" E I
    fi
    # The microcircuit at full scale (per-synapse delays, Poisson
    # background) for 1 s on the GPU, 0.3 s on the CPU.
    step 180 $sn run examples/microcircuit/microcircuit.yaml --duration 1000 --device cuda --quiet --force
    step 180 $sn run examples/microcircuit/microcircuit.yaml --duration 300 --quiet --force
    date -u
  } 2>&1 | tee "$out/gpucheck.txt"
  ;;
*)
  echo "usage: device/gpucheck.sh build|run" >&2
  exit 2
  ;;
esac
