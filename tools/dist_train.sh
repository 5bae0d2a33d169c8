#!/usr/bin/env bash
# Multi-process training with torchrun, one process per GPU (or per CPU process with gloo):
#   bash tools/dist_train.sh CONFIG NUM_PROC [tools/train.py options]
# Multi-node: the same command on every node with NNODES, its own NODE_RANK, and the
# MASTER_ADDR and PORT of node 0 (torchrun's static rendezvous; docs/distributed.md). On CPU,
# train.py switches the backend to gloo; SyncBN configs need --sync-bn-to-bn there.
set -euo pipefail
CONFIG=$1
NUM_PROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} \
exec python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NUM_PROC" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
