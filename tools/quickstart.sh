#!/usr/bin/env bash
# The CPU quick start: install, prepare CIFAR-10, pretrain SwAV, then kNN (and a logistic-
# regression linear probe) on the 10,000 test images for random init vs the SwAV checkpoint.
#
#   bash tools/quickstart.sh
#
# Environment (all optional):
#   QS_CONFIG     pretraining config (default the ResNet-18 CIFAR-10 quick start re-tuned for
#                 a time budget: 2 x 24 px crops, projector hidden 2048; the 8-epoch 32 px
#                 recipe is configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py)
#   QS_WORK_DIR   work dir (default work_dirs/quickstart); the table is saved there as JSON
#   QS_MINUTES    pretraining budget in minutes (default 30): the step is measured on this
#                 machine (tools/benchmarks/quickstart_budget.py, ~1 min, counted in the
#                 budget) and the epochs (and the cosine schedule) are fitted to it
#   QS_EPOCHS     pretraining epochs instead of a budget; the cosine schedule follows
#   QS_NUMERICS   tools/train.py --numerics (default auto: the fastest arithmetic of this CPU
#                 whose loss agrees with fp32, timed at start; fp32 for the plain recipe)
#   QS_SUBSET     use only the first N training images for pretraining (default: all 50,000)
#   QS_SEED       pretraining seed (default: the config's, 0)
#   QS_KNN_TRAIN  kNN memory bank size (default: all 50,000 train images)
#   QS_KNN_TEST   kNN test images (default: all 10,000; smaller only for smoke runs)
#   QS_LINEAR     1 (default) also fits the logistic-regression probe, 0 skips it
#   QS_SKIP_INSTALL 1 skips tools/install.sh (the .venv exists already)
#   OMP_NUM_THREADS  torch threads (default 2; mmengine would set 1 with dataloader workers).
#                 On a machine shared with other CPU jobs use 1: two OpenMP threads that keep
#                 being descheduled wait on each other (we measured 15.7 s/iter vs ~1.1 s free)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${QS_CONFIG:-configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-30min_cifar10-24.py}
WORK=${QS_WORK_DIR:-work_dirs/quickstart}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

if [ "${QS_SKIP_INSTALL:-0}" != 1 ]; then bash tools/install.sh; fi
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"
bash tools/prepare_cifar10.sh data/cifar10-jpg
mkdir -p "$WORK"

options=(train_dataloader.dataset.data_root=data/cifar10-jpg/)
if [ -n "${QS_SEED:-}" ]; then
  options+=(randomness.seed="$QS_SEED")
fi
if [ -n "${QS_SUBSET:-}" ]; then
  options+=(train_dataloader.dataset.indices="$QS_SUBSET")
fi
numerics=${QS_NUMERICS:-auto}
epochs=${QS_EPOCHS:-}
if [ -z "$epochs" ]; then  # fit the epochs to QS_MINUTES, measured on this machine
  python tools/benchmarks/quickstart_budget.py "$CONFIG" --minutes "${QS_MINUTES:-30}" \
    --numerics "$numerics" --started-at "$(date +%s.%N)" --out "$WORK/budget.json" \
    --cfg-options "${options[@]}" 2>&1 | grep -E '^\[quickstart\]|Error|error'
  read -r epochs images numerics < <(python -c "import json, sys; p = json.load(open(sys.argv[1]))
print(p['epochs'], p['images'] or 'all', p['numerics'] or 'config')" "$WORK/budget.json")
  if [ "$images" != all ] && [ -z "${QS_SUBSET:-}" ]; then
    options+=(train_dataloader.dataset.indices="$images")
  fi
fi
options+=(train_cfg.max_epochs="$epochs" param_scheduler.0.T_max="$epochs"
          param_scheduler.0.end="$epochs")
numerics_flag=(--numerics "$numerics")
if [ "$numerics" = config ]; then numerics_flag=(); fi

echo "[quickstart] pretraining: $CONFIG, $epochs epochs, numerics $numerics" \
  "(OMP_NUM_THREADS=$OMP_NUM_THREADS) -> $WORK"
TIMEFORMAT='%R %U %S'
{ time python tools/train.py "$CONFIG" --work-dir "$WORK" "${numerics_flag[@]}" \
    --cfg-options "${options[@]}" \
    2>&1 | tee "$WORK/train_stdout.log" | grep -iE 'Epoch\(train\)|Saving|error|numerics' ; } \
    2> "$WORK/train_time.txt"
checkpoint=$(cat "$WORK/last_checkpoint")
echo "[quickstart] pretraining done: $checkpoint (wall, user, sys seconds: $(cat "$WORK/train_time.txt"))"

linear=()
if [ "${QS_LINEAR:-1}" = 1 ]; then linear=(--linear); fi
python tools/benchmarks/knn.py "$CONFIG" --checkpoints random "$checkpoint" \
  --data-root data/cifar10-jpg --train-subset "${QS_KNN_TRAIN:-0}" \
  --test-subset "${QS_KNN_TEST:-0}" "${linear[@]}" \
  --out "$WORK/knn.json" 2>&1 | grep -vE '^\[>*|init_weights|^ *$|torch.Size|mmengine - INFO - $'

python tools/benchmarks/quickstart_summary.py "$WORK"
