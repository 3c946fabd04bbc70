"""``joulekit loadgen`` against real LoadGen, one subprocess per run."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

Jk = Callable[..., subprocess.CompletedProcess[str]]


MODEL = '''
import json, os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Jk = Callable[..., subprocess.CompletedProcess[str]]

class Model:
    """Doubles the index; records every batch size it was given."""
    max_batch = 7
    total_samples = 50
    performance_samples = 50

    def __init__(self):
        self.sizes = []

    def predict(self, indices):
        self.sizes.append(len(indices))
        Path(os.environ["BATCH_LOG"]).write_text(json.dumps(self.sizes))
        return [(2 * i).to_bytes(4, "little") for i in indices]

def broken(indices):
    raise ValueError("model weights missing")
'''


def _model(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "usermodel.py").write_text(textwrap.dedent(MODEL))
    import os

    return {**os.environ, "BATCH_LOG": str(tmp_path / "batches.json")}


def test_callable_class_is_batched_and_its_outputs_reach_the_accuracy_log(
    tmp_path: Path, jk: Jk
) -> None:
    env = _model(tmp_path)
    done = jk("loadgen", "--sut", "callable:usermodel:Model", "--mode", "accuracy",
                    "--log-dir", str(tmp_path / "logs"), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    sizes = json.loads((tmp_path / "batches.json").read_text())
    assert max(sizes) <= 7 and sum(sizes) == 50
    entries = json.loads((tmp_path / "logs" / "mlperf_log_accuracy.json").read_text())
    assert len(entries) == 50
    for entry in entries:
        assert int.from_bytes(bytes.fromhex(entry["data"]), "little") == 2 * entry["qsl_idx"]


def test_failing_sut_exits_nonzero_names_the_error_and_keeps_logs(tmp_path: Path, jk: Jk) -> None:
    env = _model(tmp_path)
    done = jk("loadgen", "--sut", "callable:usermodel:broken", "--scenario",
                    "SingleStream", "--min-duration-ms", "100", "--min-query-count", "10",
                    "--target-latency-ms", "1", "--log-dir", str(tmp_path / "logs"),
                    cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "model weights missing" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "logs" / "mlperf_log_detail.txt").is_file()


def test_demo_accuracy_mode_scores_against_the_float64_reference(tmp_path: Path, jk: Jk) -> None:
    done = jk("loadgen", "--sut", "demo", "--mode", "accuracy",
                    "--log-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "accuracy.txt").read_text()
    assert "100.000% of 1024 samples" in text
    assert text.splitlines()[-1].startswith("hash=")


def test_demo_multistream_takes_command_line_overrides(
    tmp_path: Path, jk: Jk, detail_of: Callable[[Path], dict[str, Any]]
) -> None:
    done = jk("loadgen", "--sut", "demo", "--scenario", "MultiStream",
                    "--samples-per-query", "4", "--min-duration-ms", "600",
                    "--min-query-count", "50", "--log-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    keys = detail_of(tmp_path)
    assert keys["effective_samples_per_query"] == 4
    assert keys["effective_min_duration_ms"] == 600
    assert keys["effective_min_query_count"] == 50
    assert keys["power_begin"] and keys["power_end"]


def test_unknown_sut_and_unimportable_module_are_one_line_errors(tmp_path: Path, jk: Jk) -> None:
    for sut, message in (("bogus", "unknown SUT"), ("callable:no_such_mod:x", "cannot import")):
        done = jk("loadgen", "--sut", sut, "--log-dir", str(tmp_path))
        assert done.returncode == 3
        assert message in done.stderr and "Traceback" not in done.stderr


def test_wrapped_command_without_logs_fails_early_and_clearly(tmp_path: Path, jk: Jk) -> None:
    done = jk("loadgen", "--sut", "cmd:true", "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 3
    assert "wrote no mlperf_log_detail.txt" in done.stderr


def test_wrapped_command_exit_status_is_reported(tmp_path: Path, jk: Jk) -> None:
    done = jk("loadgen", "--sut", "cmd:exit 7", "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 3
    assert "exited with status 7" in done.stderr
