"""Guard: the slow tier's list names tests that exist, and the suite's parallel plan holds.

The slow tier is chosen by name in ``tests/conftest.py`` (SLOW). A test that is moved
or renamed would silently drop out of that list and into the fast tier (or a typo never
select anything): each entry must name a file of the suite and, when it names a test,
a ``def`` of that name in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import conftest

TESTS = Path(__file__).resolve().parents[1]


def _files_named(name: str) -> list[Path]:
    return [p for p in TESTS.rglob(name) if "__pycache__" not in p.parts]


def test_every_slow_entry_names_an_existing_test() -> None:
    missing = []
    for key in conftest.SLOW:
        file, _, test = key.partition("::")
        found = _files_named(file)
        if not found:
            missing.append(f"{key}: no file {file} under tests/")
            continue
        if test:
            base = test.split("[", 1)[0]
            pattern = re.compile(rf"^\s*(async\s+)?def {re.escape(base)}\(", re.MULTILINE)
            if not any(pattern.search(p.read_text(encoding="utf-8")) for p in found):
                missing.append(f"{key}: no test {base} in {file}")
    assert not missing, "\n".join(missing)


def test_every_slow_entry_gives_its_reason() -> None:
    assert all(len(reason) > 30 for reason in conftest.SLOW.values())


def test_fixed_port_fixtures_share_one_worker() -> None:
    """Every fixture binding 127.0.0.1:123 is listed, so xdist keeps its tests together."""
    binders = [
        p for p in TESTS.rglob("*.py")
        if re.search(r"bind\(\(\s*(\"127\.0\.0\.1\"|host)\s*,\s*123\s*\)\)", p.read_text("utf-8"))
    ]
    assert binders  # the interop matrix and the reference-client tests do
    for path in binders:
        text = path.read_text("utf-8")
        names = re.findall(r"@pytest\.fixture[^\n]*\n\s*def (\w+)\(", text)
        assert any(n in conftest.FIXED_PORT_FIXTURES for n in names), (
            f"{path.relative_to(TESTS)} binds port 123 in a fixture not in FIXED_PORT_FIXTURES"
        )
