#!/bin/bash
# One core, quiet machine: GOMAXPROCS=1 pinned to CPU 3.
cd "$(dirname "$0")"
nproc; grep -m1 "model name" /proc/cpuinfo
export GOMAXPROCS=1
(cd ../connectivity && taskset -c 3 ../.benchbin/conn.test -test.run XXX -test.bench '^Benchmark(Brunel|Bernoulli|FixedOutDegree|FixedTotal)$' -test.benchtime 5x -test.count 2)
(cd ../connectivity && /usr/bin/time -f "brunel x3 maxrss %M KB" taskset -c 3 ../.benchbin/conn.test -test.run XXX -test.bench '^BenchmarkBrunel$' -test.benchtime 3x) 2>&1 | grep -E "maxrss"
(cd ../synapse && taskset -c 3 ../.benchbin/syn.test -test.run XXX -test.bench 'Deliver|Normalize' -test.benchtime 2s -test.count 2 -test.v 2>&1 | grep -E "Bench|bytes/synapse")
