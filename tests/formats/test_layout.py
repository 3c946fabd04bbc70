"""Result and session folders: the published trees (pre-v6) and a v6-shaped tree."""

from __future__ import annotations

from pathlib import Path

from joulekit.formats.layout import (
    SESSION_FILES,
    ResultLocation,
    ResultPaths,
    canonical_scenario,
    find_power_results,
    find_results,
)

from ._real import REAL, RESULTS, paths


def test_finds_the_five_published_power_results() -> None:
    found = find_power_results(REAL)
    assert found == sorted(path / "performance" for path in RESULTS.values())


def test_accepts_a_result_or_performance_folder_and_a_missing_path(tmp_path: Path) -> None:
    result = RESULTS["dell-v2.1-server"]
    assert find_power_results(result) == [result / "performance"]
    assert find_power_results(result / "performance") == [result / "performance"]
    assert find_power_results(tmp_path / "absent") == []


def test_session_paths_point_at_existing_files() -> None:
    session = paths("untether-v4.1-offline")
    assert session.result_dir == RESULTS["untether-v4.1-offline"]
    for path in (
        session.run_1_detail,
        session.run_1_summary,
        session.run_1_spl,
        session.ranging_detail,
        session.ranging_summary,
        session.ranging_spl,
        session.client_json,
        session.server_json,
        session.client_log,
        session.server_log,
        session.ptd_logs,
    ):
        assert path.is_file(), path
    assert session.missing_files() == []
    assert len(session.session_files()) == len(SESSION_FILES) == 11
    assert not session.ptd_out.exists()  # published without ptd_out.txt


def test_missing_session_files_are_listed(tmp_path: Path) -> None:
    (tmp_path / "performance" / "power").mkdir(parents=True)
    (tmp_path / "performance" / "power" / "server.json").write_text("{}")
    session = ResultPaths.from_performance_dir(tmp_path / "performance")
    missing = session.missing_files()
    assert "power/server.json" not in missing and len(missing) == 10


def test_canonical_scenario_names() -> None:
    assert canonical_scenario("singlestream") == "SingleStream"
    assert canonical_scenario("Offline") == "Offline"
    assert canonical_scenario("interactive") == "Interactive"
    assert canonical_scenario("performance") is None


def test_published_results_use_the_legacy_layout() -> None:
    locations = {loc.path: loc for loc in find_results(REAL)}
    assert len(locations) == 5
    loc = locations[RESULTS["qualcomm-v1.1-server"]]
    assert (loc.division, loc.submitter, loc.benchmark, loc.scenario) == (
        "closed",
        "Qualcomm",
        "resnet50",
        "Server",
    )
    assert loc.layout() == "legacy"
    assert loc.system_json().is_file()
    measurements = loc.measurements_json()
    assert measurements is not None and measurements.name.endswith("_server.json")
    assert list(loc.compliance_tests()) == ["TEST01", "TEST04-A", "TEST04-B", "TEST05"]
    power = loc.power_paths()
    assert power is not None and power.performance_dir == loc.path / "performance"


def test_power_documents_in_every_round() -> None:
    dell = ResultLocation.from_path(RESULTS["dell-v2.1-offline"])
    untether = ResultLocation.from_path(RESULTS["untether-v4.1-singlestream"])
    assert dell is not None and untether is not None
    docs = dell.power_documents()
    assert [p.name for p in docs["analyzer_table"]] == ["analyzer-table_XR12-A2x1.md"]
    assert [p.name for p in docs["power_settings"]] == ["power-settings_XR12-A2x1.md"]
    docs = untether.power_documents()
    assert [p.name for p in docs["analyzer_table"]] == ["analyzer_table.md"]


def test_v6_layout_keeps_measurements_and_tests_inside_the_result(tmp_path: Path) -> None:
    result = tmp_path / "closed" / "Acme" / "results" / "box" / "llama2-70b" / "Offline"
    for sub in ("performance/run_1", "performance/power", "TEST06/performance/run_1"):
        (result / sub).mkdir(parents=True)
    (result / "measurements.json").write_text("{}")
    (tmp_path / "closed" / "Acme" / "systems").mkdir(parents=True)
    loc = ResultLocation.from_path(result)
    assert loc is not None and loc.layout() == "v6"
    assert loc.measurements_dir() == result
    assert loc.measurements_json() == result / "measurements.json"
    assert loc.compliance_tests() == {"TEST06": result / "TEST06"}
    assert loc.system_json() == tmp_path / "closed" / "Acme" / "systems" / "box.json"
    assert find_power_results(tmp_path) == [result / "performance"]
    assert [found.path for found in find_results(tmp_path)] == [result]


def test_a_path_that_is_not_a_result_folder() -> None:
    assert ResultLocation.from_path(Path("closed/Acme/measurements/box/bench/Offline")) is None
    assert ResultLocation.from_path(Path("Offline")) is None


# --- training trees (spec/training-power.md §1), on the real published results ----------

from realdata import SHARED  # noqa: E402

from joulekit.formats import layout  # noqa: E402

TRAINING = SHARED / "fixtures" / "real-training"
SMC = TRAINING / "training_results_v4.0/smc-dc-power/results/8xSMC-H100-SXM-80GB/llama2_70b_lora"
DELL = (TRAINING / "training_results_v4.1/Dell/results/8xXE9680x8H100-SXM-80GB-POWER/"
        "llama2_70b_lora")


def test_finds_both_published_training_benchmarks() -> None:
    found = layout.find_training_results(TRAINING)
    assert [b.path for b in found] == [SMC, DELL]
    smc, dell = found
    assert (smc.system, smc.benchmark, smc.scaling) == ("8xSMC-H100-SXM-80GB", "llama2_70b_lora",
                                                        None)
    assert smc.system_json().is_file() and dell.system_json().is_file()
    assert smc.scaling_json.is_file() and smc.has_power
    assert smc.org_dir.name == "smc-dc-power"


def test_training_runs_pair_result_logs_with_power_folders() -> None:
    smc = layout.TrainingBenchmark.from_path(SMC)
    assert smc is not None
    runs = smc.runs()
    assert len(runs) == 10 and all(run.power_dir.is_dir() for run in runs)
    assert smc.unpaired_power_dirs() == []
    first = runs[0]
    assert first.name == "result_5740-240517044141819407406_10"
    # SMC numbers nodes from 1 and adds a plot the package checker counts as a node entry
    assert [p.name for p in first.node_files()] == [f"node_{j}.txt" for j in range(1, 9)]
    assert [p.name for p in first.switch_files()] == ["sw_0.txt"]
    entries = first.power_entries()
    assert len(entries["node"]) == 9 and entries["node"][-1].name == "nodes_1_to_8.png"
    assert entries["other"] == []


def test_dell_fixture_keeps_one_power_folder_of_ten_runs() -> None:
    dell = layout.TrainingBenchmark.from_path(DELL)
    assert dell is not None
    names = [r.name for r in dell.runs()]
    assert names == [f"result_{i}" for i in range(10)]  # numeric order, not text order
    assert [r.name for r in dell.runs() if r.power_dir.is_dir()] == ["result_0"]
    assert [p.name for p in dell.runs()[0].node_files()] == [f"node_{j}.txt" for j in range(8)]


def test_hpc_benchmark_folders_sit_below_strong_or_weak(tmp_path: Path) -> None:
    bench = tmp_path / "org" / "results" / "sys" / "weak" / "cosmoflow"
    (bench / "power" / "result_0").mkdir(parents=True)
    (bench / "result_0.txt").write_text("", encoding="utf-8")
    (bench / "power" / "stray").mkdir()
    (found,) = layout.find_training_results(tmp_path)
    assert (found.system, found.benchmark, found.scaling) == ("sys", "cosmoflow", "weak")
    assert found.org_dir == tmp_path / "org"
    assert [p.name for p in found.unpaired_power_dirs()] == ["stray"]
    assert layout.TrainingBenchmark.from_path(tmp_path / "no" / "shape") is None


def test_session_names_and_tree_builders() -> None:
    assert layout.RUN_1_SPL == "run_1/spl.txt" and layout.phase_dir("testing") == "run_1"
    assert set(layout.SERVER_RESULTS) | set(layout.CLIENT_RESULTS) | {
        layout.POWER_CLIENT_JSON, layout.POWER_SERVER_JSON} == {*layout.SESSION_FILES,
                                                               layout.RUN_1_PTD_OUT}
    assert set(layout.DOWNLOADS) == set(layout.SERVER_RESULTS) | {layout.POWER_SERVER_JSON}
    sub = Path("closed/Acme")
    assert layout.measurements_folder(sub, "s", "b", "Offline", "legacy") == Path(
        "closed/Acme/measurements/s/b/Offline")
    assert layout.compliance_folder(sub, "s", "b", "Offline", "v6") == layout.result_folder(
        sub, "s", "b", "Offline")
    assert layout.result_label("closed", "Acme", "s", "b", "Offline") == \
        "closed/Acme/results/s/b/Offline"
    paths = layout.ResultPaths.of_result(Path("r"))
    assert paths.file(layout.RUN_1_DETAIL) == paths.run_1_detail
    assert paths.phase("ranging") == paths.ranging and paths.accuracy_dir == Path("r/accuracy")
