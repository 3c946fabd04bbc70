#!/usr/bin/env bash
# Create (or reuse) .venv beside the checkout and install joulekit into it.
#   bash scripts/setup.sh         joulekit alone (what scripts/demo.sh needs)
#   bash scripts/setup.sh --dev   with the dev tools and test dependencies, and the Debian
#                                 Chromium the browser tests drive (what scripts/test.sh needs)
# Idempotent: a second call only re-installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
case "${1:-}" in
  --dev) dev=1 ;;
  "") ;;
  *) echo "usage: bash scripts/setup.sh [--dev]" >&2; exit 3 ;;
esac
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "joulekit needs Python >= 3.11; found $("$PY" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 3
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ "$dev" = 1 ]; then stamp=.venv/.joulekit-installed-dev; target='.[dev]'
else stamp=.venv/.joulekit-installed; target='.'; fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$target"
  touch "$stamp"
  # the dev install holds the plain one
  if [ "$dev" = 1 ]; then touch .venv/.joulekit-installed; fi
fi
[ "$dev" = 1 ] || exit 0
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
