#!/usr/bin/env bash
# gen.sh compiles spiral.cu to PTX for compute_80 (A100, H100, H200 and
# later run it), without fused multiply-add, into spiral.ptx, which is
# committed: no build of Spiral needs nvcc. Run it after changing
# spiral.cu. It needs nvcc 11.8, from Debian's non-free
# nvidia-cuda-toolkit (add "contrib non-free" to the Components of
# /etc/apt/sources.list.d/debian.sources, apt-get update, apt-get install
# nvidia-cuda-toolkit); -allow-unsupported-compiler lets it run under
# Debian 12's gcc 12.
set -euo pipefail
cd "$(dirname "$0")"
nvcc --version | tail -1
nvcc -arch=compute_80 -ptx -fmad=false -allow-unsupported-compiler -o spiral.ptx.tmp spiral.cu
if grep -q 'fma\.' spiral.ptx.tmp; then
	echo "gen.sh: the PTX holds a fused multiply-add" >&2
	rm -f spiral.ptx.tmp
	exit 1
fi
# The source's hash, which a test checks: the PTX is spiral.cu's.
echo "// spiral.cu sha256 $(sha256sum spiral.cu | cut -d' ' -f1)" >> spiral.ptx.tmp
mv spiral.ptx.tmp spiral.ptx
echo "wrote spiral.ptx ($(grep -c '^.visible .entry' spiral.ptx) kernels)"
