#!/usr/bin/env bash
# Set everything up and run the whole test suite, then lint and type-check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -d ../shared/fixtures/real ]; then
  echo "warning: ../shared/fixtures/real is missing; the real-data tests will fail." >&2
fi
.venv/bin/python -m pytest -q "$@"
.venv/bin/ruff check joulekit tests tools
.venv/bin/mypy joulekit
