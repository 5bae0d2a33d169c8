#!/usr/bin/env bash
# Training on a SLURM cluster (one task per GPU):
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] [DRY_RUN=1] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [tools/train.py options]
# GPUS > GPUS_PER_NODE spans GPUS / GPUS_PER_NODE nodes (docs/distributed.md). DRY_RUN=1
# prints the srun command (shell-quoted) instead of running it.
# On preemption SLURM sends SIGTERM: the InterruptHook saves a resumable checkpoint (give it
# time, e.g. SRUN_ARGS="--signal=TERM@120"); requeue with the same command plus --resume.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# shellcheck disable=SC2206
CMD=(srun -p "$PARTITION"
    --job-name="$JOB_NAME"
    --gres=gpu:"$GPUS_PER_NODE"
    --ntasks="$GPUS"
    --ntasks-per-node="$GPUS_PER_NODE"
    --cpus-per-task="$CPUS_PER_TASK"
    --kill-on-bad-exit=1
    ${SRUN_ARGS}
    python -u "$ROOT/tools/train.py" "$CONFIG" --work-dir="$WORK_DIR" --launcher="slurm" "${@:5}")

if [ "${DRY_RUN:-0}" = 1 ]; then
    printf 'PYTHONPATH=%q' "$PYTHONPATH"
    printf ' %q' "${CMD[@]}"
    printf '\n'
    exit 0
fi
exec "${CMD[@]}"
