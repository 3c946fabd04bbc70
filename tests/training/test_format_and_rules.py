"""The training power format (writer in the official layout, reader as the official
parser) and the training rules as data (catalog, formulas, rounds, bindings)."""

from __future__ import annotations

import re
from pathlib import Path

from joulekit.checker.registry import Rule
from joulekit.checker.training_power import check_training
from joulekit.checker.training_power import rules as training_rules
from joulekit.formats.layout import node_log_name, switch_log_name, training_power_dir
from joulekit.formats.training_power import (
    PowerLogWriter,
    format_power_record,
    read_power_log,
    read_result_log,
    write_power_log,
)
from joulekit.rules import load_catalog
from joulekit.rules.training_rounds import formulas, load_training_round, training_rounds

from ._trees import DELL_BENCH, DELL_RUN0, SMC_BENCH

CHECKER = Path(__file__).resolve().parents[2] / "joulekit" / "checker" / "training_power"


def test_format_power_record_writes_dells_first_line_byte_for_byte() -> None:
    first = (DELL_RUN0 / "node_0.txt").read_text(encoding="utf-8").splitlines()[0]
    meta = {"file": "/home/dell/mlperf-logging/mlperf_logging/mllog/examples/power/"
            "power_measurement.py", "lineno": 174}
    assert format_power_record("power_measurement_start", None, 1728509260000,
                               event_type="INTERVAL_START", metadata=meta) == first


def test_streaming_writer_renames_into_place_and_keeps_readings_on_error(
        tmp_path: Path) -> None:
    folder = training_power_dir(tmp_path, "result_0")
    path = folder / node_log_name(0)
    try:
        with PowerLogWriter(path, host="0") as log:
            log.start(1_000)
            log.conversion_eff(0.96, 1_000, "AC")
            assert not path.exists() and log.partial.exists()
            for i in range(1, 4):
                log.reading(500.0, 1_000 + 1_000 * i)
            raise RuntimeError("collector died")
    except RuntimeError:
        pass
    read = read_power_log(path)
    assert [r.key for r in read.records] == ["power_measurement_start", "conversion_eff",
                                             "power_reading", "power_reading", "power_reading"]
    assert read.records[1].metadata == {"measurement_type": "AC"}
    assert read.records[2].metadata == {"host": "0"} and not read.issues
    switch = folder / switch_log_name(0)
    with PowerLogWriter(switch) as log:
        log.estimate(16100, 1_000, "sw_0")
    assert read_power_log(switch).records[0].value == 16100


def test_written_tree_is_checked_like_a_published_one(tmp_path: Path) -> None:
    bench = tmp_path / "org/results/sys/llama2_70b_lora"
    bench.mkdir(parents=True)
    (tmp_path / "org/systems").mkdir()
    (tmp_path / "org/systems/sys.json").write_text('{"number_of_nodes": "1"}',
                                                    encoding="utf-8")
    t0 = 1_700_000_000_000
    for i in range(3):
        write_power_log(bench / f"result_{i}.txt", [
            " 0: " + format_power_record("run_start", None, t0, event_type="INTERVAL_START"),
            " 0: " + format_power_record("run_stop", 0.9, t0 + 100_000 + 1000 * i,
                                         event_type="INTERVAL_END",
                                         metadata={"status": "success"})])
        with PowerLogWriter(training_power_dir(bench, f"result_{i}") / node_log_name(0),
                            host="0") as log:
            log.start(t0 - 500)
            for s in range(1, 102 + i):
                log.reading(1000.0, t0 - 500 + 1000 * s)
            log.stop(t0 - 500 + 1000 * (101 + i))
    report = check_training(tmp_path)
    assert report.exit_code() == 0, [f for r in report.results for f in r.findings]
    assert report.results[0].to_json()["power"]["value"] == 101_000  # 1 kW x 101 s


def test_reader_cuts_rank_prefixes_and_reads_crlf() -> None:
    result = read_result_log(DELL_BENCH / "result_0.txt")
    assert result.time_to_train_ms == 293_927 and result.status == "success"
    node = next((SMC_BENCH / "power").iterdir()) / "node_1.txt"
    log = read_power_log(node)
    assert not log.issues and log.records[0].metadata == ""


def test_formulas_and_rounds_are_data_with_their_commits() -> None:
    found = formulas()
    assert set(found) == {"v1", "v2", "v3"}
    assert found["v3"].commit.startswith("c401ff0") and found["v3"].node.sort_by_time
    assert found["v2"].node.window_stop == "max_stop_last_reading"
    assert found["v1"].switch_eff_default is None
    assert load_training_round("v4.0").formula.id == "v2"
    assert all(load_training_round(r).formula.id == "v3" for r in training_rounds()
               if r != "v4.0")
    assert load_training_round("4.1.0").olympic_drop("unet3d") == 4
    assert load_training_round("v4.1").olympic_drop("llama2_70b_lora") == 1


def test_every_training_rule_is_bound_and_reported() -> None:
    bound = {name: v.id for name, v in vars(training_rules).items() if isinstance(v, Rule)}
    assert sorted(bound.values()) == sorted(r.id for r in load_catalog().domain("training"))
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CHECKER.glob("*.py"))
                     if p.name != "rules.py")
    assert [n for n in bound if not re.search(rf"\bR\.{n}\b", code)] == []
