#!/usr/bin/env bash
# GPU acceptance check of issue 16: one command, <= 8 minutes on one H200-class GPU, no
# dataset download. Writes work_dirs/gpu_check/gpu_check.json and gpu_check.md.
#   bash benchmarks/gpu_check.sh              # on the GPU machine
#   bash benchmarks/gpu_check.sh --dry-run    # the same code on CPU at tiny sizes (~1 min)
# Extra arguments go to benchmarks/gpu_check.py (--parts a b, --out-dir DIR, --total-s S).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .venv/bin/activate ]; then
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
exec python benchmarks/gpu_check.py "$@"
