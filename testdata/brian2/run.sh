#!/bin/sh
# Brian2 2.5.1 (Debian) reference runs for Spiral's statistical tests.
# Usage: sh run.sh [model ...]   (default: all).  Sequential, nice -n 10,
# runtime (Cython) device, dt 0.1 ms.  Cython cache outside the repo.
B=/work/shared/bench/brian2
OUT=$(dirname "$0")
CACHE=${CACHE:-/tmp/spiral_brian2_cython_cache}
PY=/usr/bin/python3
run() { # model seed args...
  m=$1; s=$2; shift 2
  nice -n 10 $PY $B/$m.py --device runtime --dt 0.1 --seed $s \
      --cython-cache $CACHE --out $OUT/${m}_seed$s.json "$@"
}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8"}
for m in ${@:-cuba coba brunel stdp fI}; do
  for s in $SEEDS; do
    case $m in
      cuba)   run cuba   $s --scale 1   --duration 1.0 ;;
      coba)   run coba   $s --scale 1   --duration 1.0 ;;
      brunel) run brunel $s --scale 0.2 --duration 1.0 ;;
      stdp)   run stdp   $s --scale 1   --duration 20 ;;
      fI)     run fI     $s --scale 1   --duration 1.0 ;;
    esac
  done
done
