"""tools/validate_trees.py compares summary CSVs as the closing table needs them: the
round's CSV (written by its checker for a published subset) against joulekit's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
LOCATION = "closed/RedHat/results/XE8640_4xH100_vLLM/llama3.1-8b/Offline"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("validate_trees",
                                                  REPO / "tools" / "validate_trees.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["validate_trees"] = mod
    spec.loader.exec_module(mod)
    return mod


def _joulekit_csv(tmp_path: Path) -> Path:
    out = tmp_path / "jk.csv"
    subprocess.run([sys.executable, "-m", "joulekit", "check", str(DATA / "v5.1-redhat-closed"),
                    "--summary-csv", str(out), "--no-progress", "-j", "1"], cwd=REPO,
                   capture_output=True, timeout=300, check=False)
    assert out.is_file()
    return out


def test_rows_equal_differences_and_rejected_rows(tmp_path: Path) -> None:
    vt = _tool()
    ref = DATA / "v5.1-redhat-closed.reference.csv"
    jk = _joulekit_csv(tmp_path)
    res = vt.TreeResult("closed/RedHat")
    vt.compare_csv(ref, jk, res, set(), {})
    assert (res.csv_rows_equal, res.csv_rows_ref, res.csv_diffs) == (1, 1, [])

    changed = tmp_path / "changed.csv"
    changed.write_text(jk.read_text(encoding="utf-8").replace('"5777.08"', '"5777.09"'),
                       encoding="utf-8")
    res = vt.TreeResult("closed/RedHat")
    vt.compare_csv(ref, changed, res, set(), {})
    assert res.csv_rows_equal == 0
    assert res.csv_diffs == [f"{LOCATION} [Tokens/s]: Result: '5777.08' vs '5777.09'"]

    empty = tmp_path / "empty.csv"
    empty.write_text(jk.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    res = vt.TreeResult("closed/RedHat")
    vt.compare_csv(ref, empty, res, set(), {LOCATION: "PWR002"})
    assert (res.csv_rows_ref, res.csv_diffs, res.csv_explained) == (0, [], {LOCATION: "PWR002"})
    text = vt.table([res], "v5.1", "e20506b2")
    assert f"- `{LOCATION}`: PWR002" in text
