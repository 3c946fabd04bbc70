#!/usr/bin/env bash
# Set everything up, run both test tiers in parallel, then lint and type-check.
#   fast tier: pytest -m "not slow" (the default)   slow tier: pytest -m slow
# JOULEKIT_TEST_WORKERS sets the number of xdist workers: default 4 on the 2-core CI machine,
# as most tests wait on sockets, subprocesses and measurement windows rather than compute
# (fast tier, 1,079 tests, quiet 2-core machine: 253 s wall with 3 workers, 205 s with 4);
# extra arguments go to both pytest runs (e.g. a test path or -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
if [ ! -d ../shared/fixtures/real ]; then
  echo "warning: ../shared/fixtures/real is missing; the real-data tests will fail." >&2
fi
workers=${JOULEKIT_TEST_WORKERS:-4}
failed=0
tier() {
  local name=$1 start=$SECONDS code=0
  shift
  .venv/bin/python -m pytest -q -n "$workers" "$@" || code=$?
  echo "$name tier: $((SECONDS - start)) s wall with $workers workers (exit $code)"
  # exit 5: nothing selected (a path argument holding no test of this tier)
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then failed=1; fi
}
# both tiers run even when the first fails, so one CI run reports every failure
tier fast "$@"
tier slow -m slow "$@"
.venv/bin/ruff check joulekit tests tools || failed=1
.venv/bin/mypy joulekit || failed=1
exit "$failed"
