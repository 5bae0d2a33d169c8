#!/usr/bin/env bash
# Fine-tune and test on GPUS GPUs of this machine with mmseg's Runner (SyncBN as configured).
# Usage: tools/benchmarks/mmsegmentation/dist_train.sh CONFIG CKPT GPUS [--work-dir DIR] [--cfg-options ...]
DIR=$(cd "$(dirname "$0")" && pwd)
exec bash "$DIR/../dist_finetune.sh" "$DIR/train.py" "$@"
