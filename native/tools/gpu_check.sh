#!/usr/bin/env bash
# One command for the GPU check: builds native/ against python3's torch, checks the CUDA ops
# against float64 and the CPU ops, runs compute-sanitizer, times them. Results under $OUT
# (default /tmp/gems-gpu-out): gpu_check.json, summary.md, build.log, sanitizer.log, gpu_check.log.
# Usage: bash native/tools/gpu_check.sh [gpu_check.py options, e.g. --budget 330]
set -uo pipefail
cd "$(dirname "$0")/../.."
export OUT="${OUT:-/tmp/gems-gpu-out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader || true
python3 native/tools/gpu_check.py "$@" 2>&1 | tee "$OUT/gpu_check.log"
exit "${PIPESTATUS[0]}"
