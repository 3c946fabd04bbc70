#!/usr/bin/env bash
# Create (or reuse) .venv beside the checkout and install joulekit with its dev tools.
# Idempotent: a second call only re-installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "joulekit needs Python >= 3.11; found $("$PY" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 3
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.joulekit-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
