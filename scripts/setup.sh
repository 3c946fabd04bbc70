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
# The browser tests (tests/insight/test_report_browser.py) drive the Debian Chromium through
# Playwright; Playwright's own browser download is never used. Installed once, quietly.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      apt-get install -y -qq chromium >/dev/null 2>&1 || true
    fi
  fi
  if [ ! -x "$CHROMIUM" ]; then
    echo "setup: cannot install Chromium ($CHROMIUM missing; needs root and apt-get: apt-get install -y chromium); the browser tests will fail until it is there" >&2
  fi
fi
