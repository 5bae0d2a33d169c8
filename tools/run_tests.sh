#!/usr/bin/env bash
# Set up the full stack (tools/install.sh --transfer, idempotent: mmdet / mmseg and mmcv with
# its ops too, so no test skips for a missing install) and run the linter and the test suite.
#   bash tools/run_tests.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh --transfer
# headless Chromium for the report-page test (tests/test_tools/test_cluster_images.py); that
# test installs it itself as root where missing, and skips with the reason where it cannot
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[tests] apt-get install -y chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null || \
    echo "[tests] chromium could not be installed: the page test will skip"
fi
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"
echo "[tests] ruff check"
ruff check .
echo "[tests] pytest"
python -m pytest tests -rs -q -p no:cacheprovider "$@"
