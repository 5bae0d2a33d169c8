#!/usr/bin/env bash
# Set up the pinned mmswav stack in a virtual environment (CPU; the same stack runs on GPU).
#
#   bash tools/install.sh            # creates ./.venv, installs everything, then mmswav (editable)
#   VENV=/path/to/venv bash tools/install.sh
#
# mmcv 2.1.0 is built from source with its CPU ops (about 20-25 min on 2 cores): mmdet 3.3 and
# mmseg 1.2.2 refuse mmcv >= 2.2, and torch 2.14's headers need C++20 while mmcv 2.1.0's setup.py
# asks for C++17, so the flag is patched in the downloaded sdist. A prebuilt wheel is used instead
# only when MMCV_WHEEL_DIR (default ../shared/wheels) holds one AND the installed torch is exactly
# the one it was built for (2.14.1): pip's own wheel cache cannot tell which torch a wheel needs.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
MMCV_WHEEL_DIR=${MMCV_WHEEL_DIR:-../shared/wheels}

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
PIP="python -m pip"

$PIP install -q --upgrade pip
# torch 2.14.1 needs setuptools>=77.0.3; mmcv's setup.py needs pkg_resources (gone in setuptools 81).
$PIP install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" "numpy<2" \
  "setuptools>=77.0.3,<81" wheel ninja

constraints=$(mktemp)
printf 'torch==%s\ntorchvision==%s\nnumpy<2\nmmcv==%s\nsetuptools<81\n' \
  "$TORCH_VERSION" "$TORCHVISION_VERSION" "$MMCV_VERSION" > "$constraints"
# mmcv imports mmengine, so mmengine comes first
$PIP install -q -c "$constraints" mmengine==0.10.7

have_mmcv_ops() {
  python - <<'PY' 2>/dev/null
import mmcv, torch
from mmcv.ops import nms  # noqa: F401  (needs the compiled ops)
assert mmcv.__version__ == '2.1.0'
PY
}

if have_mmcv_ops; then
  echo "[install] mmcv $MMCV_VERSION with ops already installed"
else
  wheel=$(ls "$MMCV_WHEEL_DIR"/mmcv-$MMCV_VERSION-cp311-*.whl 2>/dev/null | head -n 1 || true)
  torch_now=$(python -c 'import torch; print(torch.__version__.split("+")[0])')
  if [ -n "$wheel" ] && [ "$torch_now" = "$TORCH_VERSION" ] && \
     [ "$(python -c 'import sys; print(sys.version_info[:2] == (3, 11))')" = True ]; then
    echo "[install] using prebuilt $wheel (built for torch $TORCH_VERSION)"
    $PIP install -q --no-deps "$wheel"
  fi
  if ! have_mmcv_ops; then
    echo "[install] building mmcv $MMCV_VERSION from source with CPU ops (~20-25 min on 2 cores)"
    build=$(mktemp -d)
    $PIP download -q --no-deps --no-build-isolation --no-binary :all: -d "$build" \
      "mmcv==$MMCV_VERSION"
    tar xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
    sed -i "s/'-std=c++17'\]/'-std=c++20']/" "$build/mmcv-$MMCV_VERSION/setup.py"
    MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      $PIP install --no-cache-dir --no-build-isolation "$build/mmcv-$MMCV_VERSION"
    rm -rf "$build"
  fi
fi

$PIP install -q -c "$constraints" mmengine==0.10.7 mmpretrain==1.2.0 mmdet==3.3.0 \
  mmsegmentation==1.2.2 ftfy regex
$PIP install -q -c "$constraints" --no-build-isolation -e ".[tests]"
rm -f "$constraints"
python -c "import mmswav, mmpretrain, mmdet, mmseg, mmcv, torch; \
print('[install] ok: torch', torch.__version__, 'mmcv', mmcv.__version__, \
'mmpretrain', mmpretrain.__version__, 'mmswav', mmswav.__version__)"
