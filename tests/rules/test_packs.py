"""Rule packs load, validate, cite a source for every threshold, and date results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.rules import PowerRules, available_rounds, detect_round, load_pack
from joulekit.rules.pack import _load_section

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"
ROUNDS = ["v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1",
          "v5.0", "v5.1", "v6.0", "v6.1"]  # fmt: skip
THRESHOLDS = (
    "time_sync.max_skew_ms", "ptd.versions", "devices.allowed", "uncertainty.limit_percent",
    "power_drop.max_drop_percent", "duration.min_testing_s", "metrics", "layout",
    "sampling.max_gap_s", "ranges.current_factor",
)  # fmt: skip


def test_every_required_round_has_a_pack() -> None:
    assert [r for r in available_rounds() if r in ROUNDS] == ROUNDS


@pytest.mark.parametrize("round_name", ROUNDS)
def test_pack_validates_and_cites_a_source_per_threshold(round_name: str) -> None:
    pack = load_pack(round_name)
    rules = PowerRules.from_pack(pack)
    assert rules.round == round_name
    for ref in THRESHOLDS:
        assert pack.cite(f"power.{ref}"), f"{round_name}: no source for {ref}"


def test_skew_limit_history_is_200_then_500_then_800_ms() -> None:
    limits = [PowerRules.from_pack(load_pack(r)).max_skew_ms for r in ROUNDS]
    assert limits[0] == 200 and limits[-1] == 800
    assert sorted(set(limits)) == [200, 500, 800]
    assert limits == sorted(limits)


def test_ptd_versions_follow_the_rounds() -> None:
    assert "1.9.2" in PowerRules.from_pack(load_pack("v1.1")).ptd_versions
    assert "1.10.0" in PowerRules.from_pack(load_pack("v4.1")).ptd_versions
    assert PowerRules.from_pack(load_pack("v5.1")).ptd_versions == ("1.11.1",)


def test_interactive_metric_exists_only_from_v5() -> None:
    assert "Interactive" not in PowerRules.from_pack(load_pack("v4.1")).metrics
    assert PowerRules.from_pack(load_pack("v5.0")).metrics["Interactive"].unit == "W"


def test_schema_rejects_a_wrong_threshold_type() -> None:
    text = (
        Path(__file__).resolve().parents[2] / "joulekit/rules/packs/v5.1/power.yaml"
    ).read_text()
    broken = text.replace("max_skew_ms: 800", "max_skew_ms: fast")
    with pytest.raises(UserError, match=r"time_sync\.max_skew_ms"):
        _load_section("v5.1", "power", broken)


def test_source_note_for_an_undefined_threshold_is_rejected() -> None:
    text = (
        Path(__file__).resolve().parents[2] / "joulekit/rules/packs/v5.1/power.yaml"
    ).read_text()
    broken = text + '  sampling.no_such_key: "a note about nothing"\n'
    with pytest.raises(UserError, match="no_such_key"):
        _load_section("v5.1", "power", broken)


def test_unknown_round_is_a_user_error() -> None:
    with pytest.raises(UserError, match="known rounds"):
        load_pack("v0.9")


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("inference_results_v1.1", "v1.1"), ("inference_results_v2.1", "v2.1"),
     ("inference_results_v4.1", "v4.1")],
)  # fmt: skip
def test_round_detected_from_the_path(folder: str, expected: str) -> None:
    round_name, why = detect_round(REAL / folder / "closed")
    assert round_name == expected and folder in why


@pytest.mark.parametrize(
    ("source", "expected", "evidence"),
    [
        ("inference_results_v1.1/closed/Qualcomm/results/g292_z43_q16-qaic-v1.5.6-aic100/"
         "resnet50/server", "v1.1", "PTDaemon 1.9.2"),
        ("inference_results_v2.1/closed/Dell/results/XR12_A2x1_TRT_MaxQ/resnet50/Offline",
         "v2.1", "PTDaemon 1.9.2"),
        ("inference_results_v4.1/closed/UntetherAI/results/h13_u3_slim/resnet50/offline",
         "v4.1", "PTDaemon 1.10.0"),
    ],
)  # fmt: skip
def test_round_detected_from_the_data_when_the_path_says_nothing(
    tmp_path: Path, source: str, expected: str, evidence: str
) -> None:
    target = tmp_path / "somewhere" / "result"
    shutil.copytree(REAL / source / "performance", target / "performance")
    round_name, why = detect_round(target)
    assert round_name == expected
    assert evidence in why and "dated" in why


def test_round_not_detectable_says_to_pass_round(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--round"):
        detect_round(tmp_path)
