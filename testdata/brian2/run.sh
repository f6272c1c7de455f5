#!/bin/sh
# Brian2 2.5.1 (Debian) reference runs for Spiral's statistical tests.
# Usage: sh run.sh [model ...]   (default: all).  Sequential, nice -n 10,
# runtime (Cython) device, dt 0.1 ms.  Cython cache outside the repo.
# BRIAN2_SCRIPTS: the directory of the reference scripts these fixtures were
# recorded with (not part of the repository; see README.md).
B=${BRIAN2_SCRIPTS:?set BRIAN2_SCRIPTS to the directory of the reference scripts}
OUT=$(dirname "$0")
CACHE=${CACHE:-/tmp/spiral_brian2_cython_cache}
PY=/usr/bin/python3
# (sh variables are global: the helpers use their own names so that they do
#  not clobber the loop variables m and s below)
runas() { # outname model seed args...   (writes <outname>_seed<seed>.json)
  r_o=$1; r_m=$2; r_s=$3; shift 3
  nice -n 10 $PY $B/$r_m.py --device runtime --dt 0.1 --seed $r_s \
      --cython-cache $CACHE --out $OUT/${r_o}_seed$r_s.json "$@"
}
run() { # model seed args...
  runas $1 "$@"
}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8"}
for m in ${@:-cuba coba brunel brunel_s1 stdp fI}; do
  for s in $SEEDS; do
    case $m in
      cuba)   run cuba   $s --scale 1   --duration 1.0 ;;
      coba)   run coba   $s --scale 1   --duration 1.0 ;;
      brunel) run brunel $s --scale 0.2 --duration 1.0 ;;
      # 12,500 neurons (CE=1000, CI=250), default regime AI (g=5, eta=2)
      brunel_s1) runas brunel_s1 brunel $s --scale 1 --duration 1.0 ;;
      stdp)   run stdp   $s --scale 1   --duration 20 ;;
      fI)     run fI     $s --scale 1   --duration 1.0 ;;
    esac
  done
done
