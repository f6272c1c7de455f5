#!/bin/sh
# Brian2 2.5.1 (Debian) reference runs for Spiral's statistical tests, with
# the repository's own scripts (bench/brian2/*.py; see README.md).
# Usage: sh testdata/brian2/run.sh [model ...]
#   models: cuba coba brunel fI stdp stdp_T100 brunel_s1 brunel_plastic
#   (default: all, in that order).  SEEDS overrides the seeds (default 1..8;
#   stdp_T100 1..3, brunel_plastic 1..2).
# Sequential, nice -n 10, runtime (Cython) device, dt 0.1 ms, Cython cache
# outside the repository.  Then: /usr/bin/python3 testdata/brian2/summarize.py
OUT=$(dirname "$0")
B=$OUT/../../bench/brian2
CACHE=${CACHE:-${TMPDIR:-/tmp}/spiral_brian2_cython_cache}
PY=${PY:-/usr/bin/python3}
# (sh variables are global: the helpers use their own names so that they do
#  not clobber the loop variables m and s below)
runas() { # outname script seed args...   (writes <outname>_seed<seed>.json)
  r_o=$1; r_m=$2; r_s=$3; shift 3
  echo "== $r_o seed $r_s: $r_m.py $*" >&2
  nice -n 10 $PY $B/$r_m.py --device runtime --dt 0.1 --seed $r_s \
      --cython-cache $CACHE --out $OUT/${r_o}_seed$r_s.json "$@" >/dev/null
}
run() { # model seed args...
  runas $1 "$@"
}
for m in ${@:-cuba coba brunel fI stdp stdp_T100 brunel_s1 brunel_plastic}; do
  case $m in
    stdp_T100)      seeds=${SEEDS:-"1 2 3"} ;;
    brunel_plastic) seeds=${SEEDS:-"1 2"} ;;
    *)              seeds=${SEEDS:-"1 2 3 4 5 6 7 8"} ;;
  esac
  for s in $seeds; do
    case $m in
      cuba)   run cuba   $s --scale 1   --duration 1.0 ;;
      coba)   run coba   $s --scale 1   --duration 1.0 ;;
      # 2,500 neurons, default in-degree scaling (CE=200, CI=50)
      brunel) run brunel $s --scale 0.2 --duration 1.0 ;;
      fI)     run fI     $s --scale 1   --duration 1.0 ;;
      stdp)   run stdp   $s --scale 1   --duration 20 ;;
      # Song, Miller & Abbott's bimodal weights (examples/stdp/compare)
      stdp_T100) runas stdp_T100 stdp $s --scale 1 --duration 100 ;;
      # 12,500 neurons (CE=1000, CI=250), g=5, eta=2
      brunel_s1) runas brunel_s1 brunel $s --scale 1 --duration 1.0 ;;
      # not a b2run script: its own command line (runtime device, dt 0.1 ms,
      # Brian2's default Cython cache)
      brunel_plastic)
        echo "== brunel_plastic seed $s" >&2
        nice -n 10 $PY $B/brunel_plastic.py --scale 1 --duration 1 --seed $s \
            --out $OUT/brunel_plastic_seed$s.json >/dev/null ;;
      *) echo "run.sh: unknown model $m" >&2; exit 2 ;;
    esac || exit 1
  done
done
