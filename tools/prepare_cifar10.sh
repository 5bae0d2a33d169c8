#!/usr/bin/env bash
# CIFAR-10 as an ImageFolder of JPEGs: data/cifar10-jpg/{train,test}/<class>/NNNN.jpg
# (50,000 train and 10,000 test images). Idempotent.
#
#   bash tools/prepare_cifar10.sh [TARGET_DIR]     # default data/cifar10-jpg
#
# Uses ../shared/data/cifar10-jpg.tar.gz when present (MMSWAV_SHARED_DATA overrides the
# folder); otherwise downloads CIFAR-10 with mmpretrain's CIFAR10 dataset (python pickles,
# ~170 MB, into data/cifar10) and writes the same layout.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-data/cifar10-jpg}
SHARED=${MMSWAV_SHARED_DATA:-../shared/data}

count() { find "$1" -name '*.jpg' 2>/dev/null | wc -l; }
if [ "$(count "$TARGET/train")" -eq 50000 ] && [ "$(count "$TARGET/test")" -eq 10000 ]; then
  echo "[prepare_cifar10] $TARGET is ready (50000 train, 10000 test)"
  exit 0
fi
mkdir -p "$(dirname "$TARGET")"
if [ -f "$SHARED/cifar10-jpg.tar.gz" ] && [ "$(basename "$TARGET")" = cifar10-jpg ]; then
  echo "[prepare_cifar10] unpacking $SHARED/cifar10-jpg.tar.gz into $(dirname "$TARGET")"
  tar xzf "$SHARED/cifar10-jpg.tar.gz" -C "$(dirname "$TARGET")"
else
  echo "[prepare_cifar10] downloading CIFAR-10 with mmpretrain and writing $TARGET"
  python - "$TARGET" "$SHARED" <<'PY'
import os
import sys

from mmpretrain.datasets import CIFAR10
from PIL import Image

target, shared = sys.argv[1], sys.argv[2]
for split in ('train', 'test'):
    try:
        dataset = CIFAR10(data_root='data/cifar10', split=split, download=True,
                          lazy_init=False)
    except OSError as error:  # urllib's URLError included
        sys.exit(f'[prepare_cifar10] ERROR: the CIFAR-10 download failed ({error}). Without '
                 f'internet, put cifar10-jpg.tar.gz (CIFAR-10 as JPEGs) in {shared} or point '
                 'MMSWAV_SHARED_DATA to the folder that holds it, then run this again.')
    classes = dataset.metainfo['classes']
    counters = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        name = classes[int(info['gt_label'])]
        folder = os.path.join(target, split, name)
        os.makedirs(folder, exist_ok=True)
        index = counters.get(name, 0)
        counters[name] = index + 1
        Image.fromarray(info['img']).save(os.path.join(folder, f'{index:04d}.jpg'), quality=95)
    print(f'[prepare_cifar10] {split}: {len(dataset)} images in {target}/{split}')
PY
fi
train=$(count "$TARGET/train"); test=$(count "$TARGET/test")
if [ "$train" -ne 50000 ] || [ "$test" -ne 10000 ]; then
  echo "[prepare_cifar10] ERROR: $TARGET has $train train / $test test JPEGs, expected" \
       "50000 / 10000; delete it and run again" >&2
  exit 1
fi
echo "[prepare_cifar10] $TARGET is ready (50000 train, 10000 test)"
