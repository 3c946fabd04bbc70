#!/usr/bin/env bash
# Set everything up and run the main job on its embedded defaults: the PTDaemon
# simulator, a director on loopback and the built-in demo model, ranging then testing,
# then the checker. Extra arguments go to `joulekit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/joulekit run "$@"
