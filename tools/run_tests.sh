#!/usr/bin/env bash
# Set up (tools/install.sh, idempotent) and run the linter and the test suite on CPU.
#   bash tools/run_tests.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"
echo "[tests] ruff check"
ruff check .
echo "[tests] pytest"
python -m pytest tests -rs -q -p no:cacheprovider "$@"
