"""Build measured results and a complete, passing submission project from real fixtures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from joulekit.submission_template.assemble import Measured
from joulekit.submission_template.package import PackageResult, package
from joulekit.submission_template.project import Project
from joulekit.submission_template.scaffold import scaffold

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"
UNTETHER = REAL / "inference_results_v4.1/closed/UntetherAI"
SYSTEM = "h13_u3_slim"
HOST = {"host_processor_model_name": "AMD EPYC 9124 16-Core Processor",
        "host_processors_per_node": "1", "host_processor_core_count": "16",
        "host_memory_capacity": "64 GB", "host_storage_capacity": "931.5 GB",
        "operating_system": "Ubuntu 22.04.4 LTS", "number_of_nodes": "1",
        "accelerator_model_name": "UntetherAI speedAI240 Slim", "accelerators_per_node": "3",
        "accelerator_memory_capacity": "disabled"}


def measured_result(dest: Path, scenario: str) -> Path:
    """A measured result folder (performance/, accuracy/, TEST0X/) as a run leaves it."""
    src = UNTETHER / "results" / SYSTEM / "resnet50" / scenario
    comp = UNTETHER / "compliance" / SYSTEM / "resnet50" / scenario
    shutil.copytree(src / "performance", dest / "performance")
    shutil.copytree(src / "accuracy", dest / "accuracy")
    for test in comp.iterdir():
        shutil.copytree(test, dest / test.name)
    meas = UNTETHER / "measurements" / SYSTEM / "resnet50" / scenario
    shutil.copy(meas / "user.conf", dest / "user.conf")
    shutil.copy(meas / "README.md", dest / "README.md")
    return dest


def fill_todos(project: Project) -> None:
    """Replace every placeholder init left, as a submitter does."""
    path = project.submitter_dir / "systems" / f"{project.system}.json"
    data = json.loads(path.read_text())
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("TODO:"):
            data[key] = "edge" if key == "system_type" else f"described {key}"
    path.write_text(json.dumps(data, indent=4))
    meas = project.templates / "measurements.json"
    meas.write_text(json.dumps({"input_data_types": "float8", "retraining": "no",
                                "starting_weights_filename": "resnet50_v1.onnx",
                                "weight_data_types": "float8",
                                "weight_transformations": "see calibration.md"}))


def make_project(root: Path, round_name: str = "v4.1") -> Project:
    project = scaffold(root / "work", round_name=round_name, division="closed",
                       submitter="UntetherAI", system=SYSTEM, host=dict(HOST),
                       system_type="edge")
    fill_todos(project)
    return project


def packaged(root: Path, *, out_name: str = "sub.tar.gz") -> tuple[Project, PackageResult]:
    """init, two measured results (SingleStream, Offline), package."""
    project = make_project(root)
    results = [Measured("resnet50", measured_result(root / f"run_{s}", s))
               for s in ("singlestream", "offline")]
    return project, package(project, results, root / out_name, workers=1)
