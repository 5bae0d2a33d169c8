#!/usr/bin/env bash
# Set up the pinned mmswav stack in a virtual environment (CPU; the same stack runs on GPU).
#
#   bash tools/install.sh              # core: pretraining, evaluation, converters, analysis,
#                                      # the quick start; mmcv-lite, no compiler needed
#   bash tools/install.sh --transfer   # + mmdet 3.3.0, mmsegmentation 1.2.2 and mmcv 2.1.0
#                                      # with its compiled ops (replaces mmcv-lite)
#   VENV=/path/to/venv bash tools/install.sh [--transfer]
#
# Core: torch 2.14.1, torchvision 0.29.1, mmengine 0.10.7, mmcv-lite 2.1.0 (a pure-Python
# wheel of the same `mmcv` package, without the ops that only detection / segmentation use),
# mmpretrain 1.2.0, then mmswav (editable).
# Transfer: mmcv 2.1.0 with its CPU ops (mmdet 3.3 and mmseg 1.2.2 refuse mmcv >= 2.2). A
# prebuilt wheel is used only when MMCV_WHEEL_DIR (default ../shared/wheels) holds one AND the
# installed torch is exactly the one it was built for (2.14.1); otherwise the sdist is built
# with -std=c++20 patched in (torch 2.14's headers need C++20, mmcv 2.1.0's setup.py asks for
# C++17) and CFLAGS=-g0 (no debug info: ~10 min on 2 cores, MAX_JOBS sets the parallelism).
# mmcv and mmcv-lite own the same files: the script uninstalls one before installing the
# other and fails if both end up installed. Re-running it is cheap (nothing is reinstalled).
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFER=0
for arg in "$@"; do
  case "$arg" in
    --transfer) TRANSFER=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "[install] unknown option $arg (use --transfer or nothing)" >&2; exit 2 ;;
  esac
done
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
# Packages are installed with uv (a Rust installer from PyPI: parallel downloads, ~2x faster
# than pip for the 3.5 GB torch stack); MMSWAV_INSTALLER=pip, or a failed uv install, uses pip.
# pip still builds mmcv from source and uninstalls (uv writes the same metadata).
if [ "${MMSWAV_INSTALLER:-uv}" = uv ] && $PIP install -q uv; then
  INSTALL="python -m uv pip install -q --python $(command -v python)"
else
  $PIP install -q --upgrade pip
  INSTALL="$PIP install -q"
fi
echo "[install] installer: ${INSTALL% -q*}"
# torch 2.14.1 needs setuptools>=77.0.3; mmcv's setup.py needs pkg_resources (gone in setuptools 81).
$INSTALL "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" "numpy<2" \
  "setuptools>=77.0.3,<81" wheel

constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
printf 'torch==%s\ntorchvision==%s\nnumpy<2\nsetuptools<81\n' \
  "$TORCH_VERSION" "$TORCHVISION_VERSION" > "$constraints"
# mmcv imports mmengine, so mmengine comes first
$INSTALL -c "$constraints" mmengine==0.10.7

installed() { $PIP show -q "$1" >/dev/null 2>&1; }
have_mmcv_ops() {
  installed mmcv && python - <<'PY' 2>/dev/null
import mmcv
from mmcv.ops import nms  # noqa: F401  (needs the compiled ops)
assert mmcv.__version__ == '2.1.0'
PY
}

if [ "$TRANSFER" = 1 ]; then
  if have_mmcv_ops; then
    echo "[install] mmcv $MMCV_VERSION with ops already installed"
  else
    if installed mmcv-lite; then
      echo "[install] replacing mmcv-lite by mmcv $MMCV_VERSION with ops"
      $PIP uninstall -q -y mmcv-lite
    fi
    installed mmcv && $PIP uninstall -q -y mmcv  # a broken or other mmcv
    wheel=$(ls "$MMCV_WHEEL_DIR"/mmcv-$MMCV_VERSION-cp311-*.whl 2>/dev/null | head -n 1 || true)
    torch_now=$(python -c 'import torch; print(torch.__version__.split("+")[0])')
    if [ -n "$wheel" ] && [ "$torch_now" = "$TORCH_VERSION" ] && \
       [ "$(python -c 'import sys; print(sys.version_info[:2] == (3, 11))')" = True ]; then
      echo "[install] using prebuilt $wheel (built for torch $TORCH_VERSION)"
      $PIP install -q --no-deps "$wheel"
    fi
    if ! have_mmcv_ops; then
      echo "[install] building mmcv $MMCV_VERSION from source with CPU ops (~10 min on 2 cores)"
      build=$(mktemp -d)
      $PIP install -q ninja
      $PIP download -q --no-deps --no-build-isolation --no-binary :all: -d "$build" \
        "mmcv==$MMCV_VERSION"
      tar xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
      sed -i "s/'-std=c++17'\]/'-std=c++20']/" "$build/mmcv-$MMCV_VERSION/setup.py"
      CFLAGS="-g0" CXXFLAGS="-g0" MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        $PIP install --no-cache-dir --no-build-isolation "$build/mmcv-$MMCV_VERSION"
      rm -rf "$build"
    fi
  fi
  have_mmcv_ops || { echo "[install] ERROR: mmcv $MMCV_VERSION ops do not import" >&2; exit 1; }
elif installed mmcv; then
  echo "[install] mmcv $(python -c 'import mmcv; print(mmcv.__version__)') is installed" \
       "(the transfer stack); keeping it instead of mmcv-lite"
else
  $INSTALL -c "$constraints" "mmcv-lite==$MMCV_VERSION"
fi

# mmswav's dependencies from pyproject.toml, without the mmcv flavour handled above
# (pip would otherwise add mmcv-lite on top of mmcv: both own the same files)
extras=tests
if [ "$TRANSFER" = 1 ]; then extras=tests,det,seg; fi
python - "$extras" > "$constraints.reqs" <<'PY'
import sys
import tomllib

project = tomllib.load(open('pyproject.toml', 'rb'))['project']
reqs = list(project['dependencies'])
for extra in sys.argv[1].split(','):
    reqs += project['optional-dependencies'][extra]
print('\n'.join(r for r in reqs if not r.replace(' ', '').startswith(('mmcv-lite', 'mmcv>',
                                                                      'mmcv='))))
PY
printf 'mmcv==%s\n' "$MMCV_VERSION" >> "$constraints"
$INSTALL -c "$constraints" -r "$constraints.reqs"
rm -f "$constraints.reqs"
$INSTALL --no-deps --no-build-isolation -e .
if [ "$TRANSFER" = 1 ]; then
  # openmim (`mim train mmswav CONFIG`, tested): without its declared dependencies, which would
  # downgrade setuptools below torch's floor; the few it uses at run time are added here
  $INSTALL --no-deps openmim==0.3.9
  $INSTALL -c "$constraints" colorama tabulate "pandas<3" requests
fi

if installed mmcv && installed mmcv-lite; then
  echo "[install] ERROR: mmcv and mmcv-lite are both installed (they own the same files):" \
       "pip uninstall -y mmcv mmcv-lite, then run this script again" >&2
  exit 1
fi
python -c "import mmswav, mmpretrain, mmcv, torch; \
print('[install] ok: torch', torch.__version__, 'mmcv', mmcv.__version__, \
'mmpretrain', mmpretrain.__version__, 'mmswav', mmswav.__version__)"
if [ "$TRANSFER" = 1 ]; then
  python -c "import mmdet, mmseg; from mmcv.ops import nms; \
print('[install] transfer ok: mmdet', mmdet.__version__, 'mmseg', mmseg.__version__, \
'mmcv ops')"
fi
