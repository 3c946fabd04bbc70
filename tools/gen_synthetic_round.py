"""Build a synthetic submission round of any size from published results.

Each synthetic system is a copy of a real published power result (the v4.1 UntetherAI
SingleStream and Offline runs by default) under a new system name, with its system
description, measurements, compliance runs, power documents, calibration and code
folder, so the tree passes the checker like a real submission. Measured result folders
from ``joulekit run`` (performance/, accuracy/, TEST0X/) can be added as more sources
with ``--run BENCHMARK=PATH``. Files are hard-linked where the file system allows, so
hundreds of results cost little disk.

    python tools/gen_synthetic_round.py OUT --results 500
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"
BASE = REAL / "inference_results_v4.1" / "closed" / "UntetherAI"
BASE_SYSTEM = "h13_u3_slim"
POWER_FIELDS_FILLED = {
    "power_management": "OS default (performance governor)", "filesystem": "ext4",
    "boot_firmware_version": "1.6", "management_firmware_version": "01.01.08",
    "other_hardware": "none", "number_of_type_nics_installed": "1x 1GbE",
    "nics_enabled_firmware": "1", "nics_enabled_os": "1", "nics_enabled_connected": "1",
    "network_speed_mbit": "1000", "power_supply_quantity_and_rating_watts": "2x 1600 W",
    "power_supply_details": "redundant", "disk_drives": "1x NVMe",
    "disk_controllers": "onboard", "system_power_only": "no",
}


@dataclass(frozen=True)
class Source:
    """One measured result to replicate: where its folders are and what it is."""

    benchmark: str
    scenario: str
    result: Path
    compliance: Path
    measurements: Path | None


def _link_tree(src: Path, dst: Path) -> None:
    def link(a: str, b: str) -> object:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
        return b

    shutil.copytree(src, dst, copy_function=link)


def fixture_sources() -> list[Source]:
    out = []
    for scenario in ("singlestream", "offline"):
        out.append(Source("resnet50", scenario,
                          BASE / "results" / BASE_SYSTEM / "resnet50" / scenario,
                          BASE / "compliance" / BASE_SYSTEM / "resnet50" / scenario,
                          BASE / "measurements" / BASE_SYSTEM / "resnet50" / scenario))
    return out


def run_source(spec: str) -> Source:
    """A ``joulekit run`` output (performance/, accuracy/, TEST0X/) as a source."""
    bench, _, path = spec.partition("=")
    folder = Path(path)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from joulekit.formats.mllog import read_detail

    scenario = read_detail(folder / "performance/run_1/mlperf_log_detail.txt").scenario
    if not bench or scenario is None:
        raise SystemExit(f"--run {spec}: need BENCHMARK=PATH with performance/run_1 logs")
    return Source(bench, scenario, folder, folder, None)


def generate(out: Path, results: int, sources: list[Source], *, submitters: int = 4) -> int:
    """Write ``results`` results (one source per result, cycling) below ``out``."""
    sub_root = [out / "closed" / f"Synth{i:02d}" for i in range(submitters)]
    base_system = json.loads((BASE / "systems" / f"{BASE_SYSTEM}.json").read_text())
    per_system = len(sources)
    systems = (results + per_system - 1) // per_system
    made = 0
    for n in range(systems):
        sub = sub_root[n % submitters]
        name = f"sys{n:04d}"
        desc = dict(base_system, submitter=sub.name, system_name=f"Synthetic system {n}",
                    **POWER_FIELDS_FILLED)
        (sub / "systems").mkdir(parents=True, exist_ok=True)
        (sub / "systems" / f"{name}.json").write_text(json.dumps(desc, indent=4))
        if not (sub / "calibration.md").exists():
            (sub / "calibration.md").write_text("Calibration: the benchmark's list.\n")
        docs = sub / "measurements" / name
        docs.mkdir(parents=True, exist_ok=True)
        for doc in ("analyzer_table.md", "power_settings.md"):
            shutil.copy(BASE / "measurements" / BASE_SYSTEM / doc, docs / doc)
        for src in sources:
            if made == results:
                break
            res = sub / "results" / name / src.benchmark / src.scenario
            for part in ("performance", "accuracy"):
                _link_tree(src.result / part, res / part)
            comp = sub / "compliance" / name / src.benchmark / src.scenario
            for test in sorted(p for p in src.compliance.iterdir()
                               if p.is_dir() and p.name.startswith("TEST")):
                _link_tree(test, comp / test.name)
            meas = docs / src.benchmark / src.scenario
            meas.mkdir(parents=True, exist_ok=True)
            for f in ("README.md", "user.conf"):
                origin = (src.measurements or src.result) / f
                text = origin.read_text() if origin.is_file() else f"synthetic {f}\n"
                (meas / f).write_text(text)
            (meas / f"{name}_synth_{src.scenario}.json").write_text(json.dumps({
                "input_data_types": "float8", "retraining": "no",
                "starting_weights_filename": "resnet50_v1.onnx",
                "weight_data_types": "float8", "weight_transformations": "none"}))
            code = sub / "code" / src.benchmark / "synth"
            code.mkdir(parents=True, exist_ok=True)
            (code / "README.md").write_text("synthetic implementation\n")
            made += 1
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--results", type=int, default=500)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--run", action="append", default=[], metavar="BENCHMARK=PATH",
                        help="add a 'joulekit run' output as a source (repeatable)")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists; give a new folder")
    sources = fixture_sources() + [run_source(s) for s in args.run]
    made = generate(args.out, args.results, sources, submitters=args.submitters)
    print(f"wrote {made} results (round v4.1 layout) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
