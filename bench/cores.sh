#!/bin/bash
# Scaling of Spiral's engines with cores: runs spiral-node with GOMAXPROCS
# = 1, 2, 4, 8, 16 on Brunel, CUBA ×10 and Brunel ×4 and prints each run's
# build and simulate times. Usage: bench/cores.sh [spiral-node binary]
# (default: built from ./cmd/spiral-node). docs/benchmarks.md, "Scaling
# with cores", was measured with it on a 16-core machine.
set -u
B=${1:-}
if [ -z "$B" ]; then
  B=$(mktemp -d)/spiral-node
  go build -o "$B" ./cmd/spiral-node || exit 1
fi
run() { # cores engine model-args...
  local c=$1 eng=$2
  shift 2
  local line
  line=$(GOMAXPROCS=$c timeout 300 "$B" run "$@" --engine "$eng" --quiet 2>&1 | grep -o "build [0-9.]* s, simulate [0-9.]* s")
  echo "cores=$c engine=$eng model=[$*] $line"
}
for rep in 1 2; do
  run 1 sequential brunel
  run 1 sequential cuba --scale 10
  for c in 1 2 4 8 16; do
    for eng in lockstep actors; do
      run "$c" "$eng" brunel
      run "$c" "$eng" cuba --scale 10
    done
  done
done
run 1 sequential brunel --scale 4 --duration 200
for c in 1 4 16; do
  for eng in lockstep actors; do
    run "$c" "$eng" brunel --scale 4 --duration 200
  done
done
