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
# carry ["gpucheck"], and record the figures in docs/gpu.md.
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
  {
    date -u
    nvidia-smi -L || true
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    ./gpucheck/cuda.test -test.v -test.run . -test.bench . -test.benchtime 300x
    # CUBA ×10 for 2 s and Brunel ×4 for 1 s on the GPU (device.Net) and
    # on the CPU (lockstep), for rates and real-time factors side by side.
    ./gpucheck/spiral-node run cuba --scale 10 --duration 2000 --device cuda --quiet
    ./gpucheck/spiral-node run cuba --scale 10 --duration 2000 --quiet
    ./gpucheck/spiral-node run coba --scale 10 --duration 2000 --device cuda --quiet
    ./gpucheck/spiral-node run coba --scale 10 --duration 2000 --quiet
    ./gpucheck/spiral-node run brunel --scale 4 --duration 1000 --device cuda --quiet --force
    ./gpucheck/spiral-node run brunel --scale 4 --duration 1000 --quiet --force
    # In fixed point the GPU's spike files are the CPU's, byte for byte:
    # CUBA ×10 and Brunel ×4.
    tmp=$(mktemp -d)
    for m in "cuba --scale 10 --duration 2000" "brunel --scale 4 --duration 1000"; do
      set -- $m
      ./gpucheck/spiral-node run $m --fixed-point --device cuda --quiet --force --out "$tmp/$1.gpu"
      ./gpucheck/spiral-node run $m --fixed-point --quiet --force --out "$tmp/$1.cpu"
      for f in E I; do
        cmp "$tmp/$1.gpu/spikes/$f.npz" "$tmp/$1.cpu/spikes/$f.npz" && echo "$1 $f: the same spikes on the GPU and the CPU in fixed point"
      done
    done
    # The GPU and the CPU in one run (STDP: the plastic projection's
    # target on the CPU), in fixed point: the sequential stepper's spikes.
    ./gpucheck/spiral-node run stdp --duration 2000 --fixed-point --device cuda --quiet --out "$tmp/stdp.gpu"
    ./gpucheck/spiral-node run stdp --duration 2000 --fixed-point --engine sequential --quiet --out "$tmp/stdp.cpu"
    for f in in out; do
      cmp "$tmp/stdp.gpu/spikes/$f.npz" "$tmp/stdp.cpu/spikes/$f.npz" && echo "stdp $f: the same spikes with the GPU and the CPU in one run"
    done
    # With several GPUs: Brunel ×4 on GPU 0 alone and spread over every
    # GPU (E in one shard per GPU) give the same spike files, byte for
    # byte.
    if [ "$(nvidia-smi -L 2>/dev/null | wc -l)" -gt 1 ]; then
      tmp=$(mktemp -d)
      ./gpucheck/spiral-node run brunel --scale 4 --duration 1000 --device cuda:0 --quiet --force --out "$tmp/one"
      ./gpucheck/spiral-node run brunel --scale 4 --duration 1000 --device cuda --quiet --force --out "$tmp/all"
      for f in E I; do
        cmp "$tmp/one/spikes/$f.npz" "$tmp/all/spikes/$f.npz" && echo "Brunel x4 $f: the same spikes on one GPU and on all"
      done
    fi
    # The microcircuit at full scale (per-synapse delays, Poisson
    # background) for 1 s on the GPU, 0.3 s on the CPU.
    ./gpucheck/spiral-node run examples/microcircuit/microcircuit.yaml --duration 1000 --device cuda --quiet --force
    ./gpucheck/spiral-node run examples/microcircuit/microcircuit.yaml --duration 300 --quiet --force
  } 2>&1 | tee "$out/gpucheck.txt"
  ;;
*)
  echo "usage: device/gpucheck.sh build|run" >&2
  exit 2
  ;;
esac
