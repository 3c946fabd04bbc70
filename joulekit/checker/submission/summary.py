"""The summary CSV in the reference checker's columns, so the reference final-report
tool reads it unchanged; a power result adds a second row holding its power figure."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from joulekit.checker.submission.result import ResultVerdict
from joulekit.checker.submission.runner import SubmissionReport
from joulekit.formats.atomic import atomic_write_text
from joulekit.rules import load_pack

COLUMNS = (
    "Organization", "Availability", "Division", "SystemType", "SystemName", "Platform",
    "Model", "MlperfModel", "Scenario", "Result", "Accuracy", "number_of_nodes",
    "host_processor_model_name", "host_processors_per_node", "host_processor_core_count",
    "accelerator_model_name", "accelerators_per_node", "total_accelerators", "Location",
    "framework", "operating_system", "notes", "compliance", "errors", "version", "inferred",
    "has_power", "Units", "weight_data_types", "design_power_watts", "PrivateID",
)


def _int(value: object) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def rows(report: SubmissionReport, *, include_invalid: bool = False) -> list[dict[str, str]]:
    pack = load_pack(report.round).submission
    counts = _error_counts(report.results)
    out: list[dict[str, str]] = []
    for verdict in report.results:
        if not verdict.valid and not include_invalid:
            continue
        out.extend(_result_rows(verdict, report.round, pack, counts.get(verdict.unit.path, 0)))
    return out


def _error_counts(results: list[ResultVerdict]) -> dict[Path, int]:
    """The ``errors`` column as the round's checker fills it: a counter reset for each
    benchmark folder of a system and raised by every scenario found bad before this one,
    in the order the folder lists its scenarios (``os.listdir``, the file system's order,
    so two copies of a tree may differ). A scenario bad only in its compliance runs does
    not raise it: that checker does not count those."""
    by_folder: dict[Path, dict[str, ResultVerdict]] = {}
    for v in results:
        by_folder.setdefault(v.unit.path.parent, {})[v.unit.scenario_dir] = v
    counts: dict[Path, int] = {}
    for folder, scenarios in by_folder.items():
        try:
            order = [n for n in os.listdir(folder) if n in scenarios]
        except OSError:
            order = sorted(scenarios)
        errors = 0
        for name in order:
            v = scenarios[name]
            counts[v.unit.path] = errors
            if any(f.severity == "error" and not f.rule.startswith("SUB-COMP-")
                   for f in v.findings):
                errors += 1
    return counts


def _text(value: object) -> str:
    """A system field as the round's checker prints it (``str()``: a missing one is None)."""
    return str(value)


def _result_rows(v: ResultVerdict, version: str, pack: dict[str, object],
                 errors: int = 0) -> list[dict[str, str]]:
    """The rows the round's checker writes for one valid result: the performance row
    (left out when the system reports power only) and, for a power result, the power row."""
    s = v.system
    u = v.unit
    mlperf_model = v.mlperf_model or u.benchmark
    benches = pack["benchmarks"]
    assert isinstance(benches, dict)
    notes = str(s.get("hw_notes", "") or "")
    if s.get("sw_notes"):
        notes = (notes + ". " if notes else "") + str(s["sw_notes"])
    units = pack["metric_units"]
    power_units = pack["power_units"]
    assert isinstance(units, dict) and isinstance(power_units, dict)
    by_folder = pack.get("summary_units_by") == "benchmark_folder"
    bench = benches.get(u.benchmark if by_folder else mlperf_model, {})
    unit = bench.get("units", {}).get(v.scenario, units.get(v.scenario, ""))
    if "units" not in bench and "tokens" in str(bench.get("metric_keys", {}).get(v.scenario, "")):
        unit = "Tokens/s"
    has_power = u.has_power and v.power_metric is not None and v.power_metric > 0
    weights = v.weight_data_types
    row = {
        "Organization": u.submitter, "Availability": str(s.get("status", "")).lower(),
        "Division": u.division, "SystemType": str(s.get("system_type", "")),
        "SystemName": _text(s.get("system_name")), "Platform": u.system,
        "Model": u.benchmark, "MlperfModel": mlperf_model, "Scenario": v.scenario,
        "Result": "" if v.metric is None else repr(v.metric),
        "Accuracy": "  ".join(f"{k}: {val}" for k, val in v.accuracy_text.items()),
        "number_of_nodes": _text(s.get("number_of_nodes")),
        "host_processor_model_name": _text(s.get("host_processor_model_name")),
        "host_processors_per_node": _text(s.get("host_processors_per_node")),
        "host_processor_core_count": _text(s.get("host_processor_core_count")),
        "accelerator_model_name": _text(s.get("accelerator_model_name")),
        "accelerators_per_node": _text(s.get("accelerators_per_node")),
        "total_accelerators": str(_int(s.get("number_of_nodes", 0))
                                  * _int(s.get("accelerators_per_node", 0))),
        "Location": str(Path(u.label)), "framework": str(s.get("framework", "")),
        "operating_system": str(s.get("operating_system", "")), "notes": notes,
        "compliance": "1",
        "errors": str(errors),
        "version": version, "inferred": "1" if v.inferred else "0",
        "has_power": str(has_power), "Units": unit,
        "weight_data_types": weights.replace('"', "'"),
        "design_power_watts": str(s.get("system_power_capacity", "")),
        "PrivateID": "",
    }
    out = []
    if not (has_power and _true(s.get("system_power_only"))):
        out.append(row)
    if has_power:
        power = dict(row)
        power["Result"] = repr(v.power_metric)
        power["Units"] = str(power_units.get(v.scenario, ""))
        power["weight_data_types"] = weights
        out.append(power)
    return out


def _true(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def columns(round_name: str) -> tuple[str, ...]:
    """The summary CSV columns of the round (its checker's ``head`` list)."""
    cols = load_pack(round_name).submission.get("summary_columns")
    return tuple(cols) if cols else COLUMNS


def to_csv(table: list[dict[str, str]], cols: tuple[str, ...] = COLUMNS) -> str:
    buf = io.StringIO()
    buf.write(",".join(cols) + "\n")
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in table:
        writer.writerow([row[c] for c in cols])
    return buf.getvalue()


def write_csv(report: SubmissionReport, path: Path, *, include_invalid: bool = False) -> None:
    atomic_write_text(path, to_csv(rows(report, include_invalid=include_invalid),
                                   columns(report.round)))


def to_json(report: SubmissionReport) -> str:
    """A JSON summary (round, per-result verdicts and findings) for tools and CI."""
    data = {
        "root": str(report.root), "round": report.round, "round_why": report.round_why,
        "errors": report.error_count, "warnings": report.warning_count,
        "tree_findings": [f.to_dict() for f in report.tree_findings],
        "results": [{"result": v.unit.label, "valid": v.valid, "metric": v.metric,
                     "power_metric": v.power_metric, "inferred": v.inferred,
                     "findings": [f.to_dict() for f in v.findings]} for v in report.results],
    }
    return json.dumps(data, indent=2)
