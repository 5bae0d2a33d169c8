#!/usr/bin/env bash
# Shared by mmdetection/dist_train.sh and mmsegmentation/dist_train.sh: torchrun with GPUS
# processes of this machine running TRAIN_PY (that codebase's train.py).
# Usage: tools/benchmarks/dist_finetune.sh TRAIN_PY CONFIG CKPT GPUS [train.py options]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHONPATH="$ROOT":${PYTHONPATH:-} \
exec python -m torch.distributed.run --nproc_per_node="$4" --master_port="${PORT:-29500}" \
    "$1" "$2" "$3" --launcher pytorch "${@:5}"
