"""Each file of a result is read once per check, whatever the number of checks or passes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from joulekit.checker import CheckOptions, check_power_result
from joulekit.checker.inference_power import context
from joulekit.rules import load_pack

from ._fixtures import QUALCOMM_V11_SERVER


@pytest.mark.parametrize("compat", ["correct", "reference"])
def test_every_file_is_read_once(compat: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: Counter[str] = Counter()
    for name in ("read_detail", "read_spl", "read_ptd_log", "read_power_json"):
        original = getattr(context, name)

        def counted(path: Path, _original: object = original) -> object:
            reads[Path(path).relative_to(perf).as_posix()] += 1
            return _original(path)  # type: ignore[operator]

        monkeypatch.setattr(context, name, counted)
    perf = QUALCOMM_V11_SERVER / "performance"
    report = check_power_result(perf, load_pack("v1.1"), CheckOptions(compat=compat))
    assert report.figure is not None
    assert reads == {
        "run_1/mlperf_log_detail.txt": 1,
        "ranging/mlperf_log_detail.txt": 1,
        "run_1/spl.txt": 1,
        "ranging/spl.txt": 1,
        "power/ptd_logs.txt": 1,
        "power/server.json": 1,
        "power/client.json": 1,
    }
