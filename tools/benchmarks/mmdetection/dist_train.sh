#!/usr/bin/env bash
# Fine-tune and test on GPUS GPUs of this machine with mmdet's Runner (SyncBN as configured).
# Usage: tools/benchmarks/mmdetection/dist_train.sh CONFIG CKPT GPUS [--work-dir DIR] [--cfg-options ...]
set -euo pipefail
CONFIG=$1
CKPT=$2
GPUS=$3
PORT=${PORT:-29500}
DIR=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$DIR/../../..":${PYTHONPATH:-} \
python -m torch.distributed.run --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$DIR/train.py" "$CONFIG" "$CKPT" --launcher pytorch "${@:4}"
