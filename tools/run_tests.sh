#!/usr/bin/env bash
# Set up the full stack (tools/install.sh --transfer, idempotent: mmdet / mmseg and mmcv with
# its ops too, so no test skips for a missing install) and run the linter and the test suite.
#   bash tools/run_tests.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh --transfer
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"
echo "[tests] ruff check"
ruff check .
echo "[tests] pytest"
python -m pytest tests -rs -q -p no:cacheprovider "$@"
