"""Shared test fixtures (the real published submissions in ../shared) and the xdist plan.

The suite runs in parallel (``pytest -n 2 --dist loadgroup``, see ``scripts/test.sh``).
Two kinds of test must not be spread over workers, and are put in one ``xdist_group``
here, at collection, so that no test file has to remember it:

- tests that bind a fixed loopback port (the reference tools ask NTP on port 123): two
  workers binding it at once would make one of them skip or fail;
- tests that share a module- or package-scoped fixture (a sweep, a built result tree):
  spread over two workers the fixture would be built twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from realdata import REAL

#: fixtures that bind a fixed port: every test using one runs on the same worker
FIXED_PORT_FIXTURES = {"ntp_on_123": "loopback-port-123"}
#: shared fixtures cheap enough to build once per worker
CHEAP_SHARED_FIXTURES = frozenset({"real_root"})


@pytest.fixture(scope="session")
def real_root() -> Path:
    if not REAL.is_dir():
        pytest.fail(f"real fixtures missing: {REAL} (CI must have ../shared beside the checkout)")
    return REAL


def _group(item: pytest.Item) -> str | None:
    """The xdist group a test needs, or None when it may run on any worker."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name in info.names_closure:
        if name in FIXED_PORT_FIXTURES:
            return FIXED_PORT_FIXTURES[name]
    for name, defs in info.name2fixturedefs.items():
        if name in CHEAP_SHARED_FIXTURES or not defs or not defs[-1].baseid:
            continue  # baseid "": a plugin's fixture (tmp_path_factory), not ours
        if defs[-1].scope in ("module", "package", "session", "class"):
            return item.nodeid.split("::", 1)[0]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs before xdist reads the ``xdist_group`` marks (tryfirst)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = _group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
