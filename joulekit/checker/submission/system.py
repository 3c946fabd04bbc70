"""System description and measurements checks of one result.

The system JSON is read once per result (cheap) so that a broken description fails
exactly the results that use it, never the whole tree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from joulekit.checker.submission import rules as R
from joulekit.checker.submission.context import ResultContext
from joulekit.formats.layout import MEASUREMENTS_JSON, NETWORK, POWER

PLACEHOLDER = "TODO:"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {} \
        or value == []


def load_json_object(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The JSON object in ``path``, or None and why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None, "missing"
    except (OSError, ValueError) as err:
        return None, f"unreadable: {err}"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    return data, ""


def check_system(ctx: ResultContext) -> None:
    path = ctx.unit.system_json
    data, why = load_json_object(path)
    if data is None:
        rule = R.RESULTS_WITHOUT_SYSTEM if why == "missing" else R.SYSTEM_JSON
        ctx.add(rule, f"systems/{ctx.unit.system}.json is {why}", file=path)
        return
    ctx.system = data
    spec = ctx.pack["system"]
    for key in spec["required"]:
        if key not in data:
            ctx.add(R.SYSTEM_FIELD_MISSING, f"{key} is missing", file=path, expected=key)
    for key in spec["non_empty"]:
        if key in data and _empty(data[key]):
            ctx.add(R.SYSTEM_FIELD_EMPTY, f"{key} is empty", file=path)
    for key, allowed in spec["allowed_values"].items():
        if key in data and data[key] not in allowed:
            ctx.add(R.SYSTEM_FIELD_VALUE, f"{key} is {data[key]!r}", file=path,
                    expected=" | ".join(allowed), found=data[key])
    for key, value in data.items():
        if isinstance(value, str) and value.startswith(PLACEHOLDER):
            ctx.add(R.SYSTEM_PLACEHOLDER, f"{key} still holds the template text", file=path,
                    found=value)
    for key, folder in (("division", ctx.unit.division), ("submitter", ctx.unit.submitter)):
        if key in data and str(data[key]) != folder:
            ctx.add(R.SYSTEM_MISMATCH, f"{key} is {data[key]!r} but the folder is {folder!r}",
                    file=path, expected=folder, found=data[key])
    _network(ctx, data, path)
    if ctx.unit.has_power:
        missing = [k for k in spec["power_fields"] if _empty(data.get(k))]
        if missing:
            ctx.add(R.SYSTEM_POWER_FIELDS, f"{len(missing)} power fields missing or empty: "
                    + ", ".join(missing), file=path, severity=spec["power_fields_severity"])


def _network(ctx: ResultContext, data: dict[str, Any], path: Path) -> None:
    fields = ctx.pack["system"]["network_fields"]
    if not fields:
        return
    is_network = str(data.get("is_network", "false")).lower() in ("true", "1", "yes")
    if ctx.unit.division == NETWORK:
        missing = [k for k in fields if _empty(data.get(k))]
        if missing or not is_network:
            ctx.add(R.SYSTEM_NETWORK, "network division needs is_network true and "
                    + (", ".join(missing) or "its network fields"), file=path)
    elif is_network:
        ctx.add(R.SYSTEM_NETWORK, f"is_network is true in the {ctx.unit.division} division",
                file=path, expected=False, found=data.get("is_network"))


def measurements_json(ctx: ResultContext) -> Path | None:
    """The measurements JSON of the result for its round's naming rule.

    ``measurements.json`` (from v6.0); ``<system>*.json`` (the round's checker takes the one
    ending in ``_<scenario>.json``, else any ``<system>*.json``); or, strictly,
    ``<system>_<impl>_<scenario>.json`` (any ``*.json``, checked by name later).
    """
    folder = ctx.unit.measurements_dir
    rule = ctx.pack["measurements"].get("json_name", "<system>_<impl>_<scenario>.json")
    if ctx.unit.layout == "v6" or rule == MEASUREMENTS_JSON:
        path = folder / MEASUREMENTS_JSON
        return path if path.is_file() else None
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.glob("*.json") if p.is_file())
    if rule == "<system>*.json":
        mine = [p for p in found if p.name.startswith(ctx.unit.system)]
        suffix = f"_{ctx.unit.scenario_dir}.json"
        exact = [p for p in mine if p.name.endswith(suffix)]
        chosen = exact or mine
        return chosen[0] if chosen else None
    return found[0] if found else None


def check_measurements(ctx: ResultContext) -> None:
    folder = ctx.unit.measurements_dir
    path = measurements_json(ctx)
    if path is None:
        rule = ctx.pack["measurements"].get("json_name", "")
        name = f"{ctx.unit.system}*.json" if rule == "<system>*.json" else "measurements JSON"
        ctx.add(R.MEAS_MISSING, f"no {name}", file=folder)
    else:
        data, why = load_json_object(path)
        if data is None:
            ctx.add(R.MEAS_MISSING, f"{path.name} is {why}", file=path)
        else:
            ctx.measurements = data
            for key in ctx.pack["measurements"]["required_fields"]:
                if _empty(data.get(key)) or str(data.get(key)).startswith(PLACEHOLDER):
                    ctx.add(R.MEAS_FIELD, f"{key} is missing, empty or a placeholder",
                            file=path)
        if ctx.unit.layout != "v6":
            _code_folder(ctx, path)
    for name in ctx.pack["measurements"]["required_files"]:
        f = folder / name
        if not f.is_file() or f.stat().st_size == 0:
            ctx.add(R.MEAS_FILE, f"{name} is missing or empty", file=f)
    if ctx.unit.has_power:
        _power_documents(ctx)


def _code_folder(ctx: ResultContext, meas_json: Path) -> None:
    m = ctx.pack["measurements"]
    if m.get("json_name") == "<system>*.json":
        _code_folder_by_prefix(ctx, meas_json, m.get("code_folder_fallback") == "per-model")
        return
    prefix = f"{ctx.unit.system}_"
    suffix = f"_{ctx.unit.scenario_dir}.json"
    name = meas_json.name
    if not (name.startswith(prefix) and name.lower().endswith(suffix.lower())):
        ctx.add(R.MEAS_CODE, f"{name} is not <system>_<impl>_<scenario>.json", file=meas_json)
        return
    impl = name[len(prefix):-len(suffix)]
    code = ctx.unit.submitter_dir / ctx.pack["code_folder"] / ctx.unit.benchmark
    if impl and (code / impl).is_dir():
        return
    if not code.is_dir():
        return  # reported once per submitter as SUB-CODE-MISSING
    ctx.add(R.MEAS_CODE, f"{name} names implementation {impl!r}, which is not a folder of "
            f"{ctx.rel(code)}", file=meas_json)


def _code_folder_by_prefix(ctx: ResultContext, meas_json: Path, per_model: bool) -> None:
    """``<system>[_<impl>][_<scenario>].json``: the implementation's code folder, or with the
    per-model fallback the benchmark's code folder; ``code/<model>`` may also be a file
    naming the folder that holds the implementations (how the round's checker reads it)."""
    name = meas_json.name
    system = ctx.unit.system
    suffix = f"_{ctx.unit.scenario_dir}.json"
    end = len(suffix) if name.endswith(suffix) else len(".json")
    impl = name[len(system) + 1:len(name) - end] if len(name) - end > len(system) else ""
    code_root = ctx.unit.submitter_dir / ctx.pack["code_folder"]
    if not code_root.is_dir():
        return  # reported once per submitter as SUB-CODE-MISSING
    model_dir = code_root / ctx.unit.benchmark
    if model_dir.is_file():
        target = model_dir.read_text(encoding="utf-8", errors="replace").strip()
        model_dir = code_root / target
    impl_dir = model_dir / impl if impl else model_dir
    if impl_dir.exists() or (per_model and model_dir.exists()):
        return
    ctx.add(R.MEAS_CODE, f"neither {ctx.rel(impl_dir)} nor {ctx.rel(model_dir)} exists"
            if per_model else f"{ctx.rel(impl_dir)} does not exist", file=meas_json)


def _power_documents(ctx: ResultContext) -> None:
    """analyzer_table.* and power_settings.* next to the result or in a folder above it,
    up to the submitter (plus its ``power/`` folder); '-' and '_' spellings both count."""
    stop = ctx.unit.submitter_dir
    folders = [ctx.unit.measurements_dir, ctx.unit.path]
    for base in (ctx.unit.measurements_dir, ctx.unit.path):
        folders.extend(p for p in base.parents if stop in p.parents or p == stop)
    folders.append(stop / POWER)
    names: set[str] = set()
    for folder in dict.fromkeys(folders):
        if folder.is_dir():
            names.update(p.name.lower().replace("-", "_") for p in folder.iterdir()
                         if p.is_file())
    for doc in ctx.pack["power_documents"]:
        if not any(n.startswith(doc) for n in names):
            ctx.add(R.POWER_DOCS, f"no {doc}.* for this power result", file=ctx.unit.path)
