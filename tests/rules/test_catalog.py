"""The rule catalog as data: one typed object from YAML, validated, read by the checker,
``--explain`` and ``joulekit rules show``; named thresholds replace constants in code."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from joulekit.checker.registry import REGISTRY
from joulekit.cli import main
from joulekit.errors import UserError
from joulekit.rules import available_rounds, load_catalog, load_pack, table_of, threshold
from joulekit.rules.explain import explain
from joulekit.rules.pack import load_schema as schema
from joulekit.rules.rule_catalog import pack_value
from joulekit.rules.training_rounds import training_pack, training_rounds


def test_catalog_holds_every_power_and_submission_rule_once() -> None:
    catalog = load_catalog()
    ids = [rule.id for rule in catalog]
    assert ids == sorted(set(ids))
    assert len(catalog.domain("power")) == 41 and len(catalog.domain("submission")) == 58
    assert len(catalog.domain("doctor")) == 18
    assert {rule.id for rule in REGISTRY} == set(ids)
    assert REGISTRY["PWR020"].rationale == catalog["PWR020"].rationale


#: pack keys a check reads with a default when the round leaves them out
OPTIONAL = {"submission.measurements.json_name"}


def test_every_threshold_a_rule_reads_exists_in_each_round_it_applies_to() -> None:
    missing = [(name, rule.id, ref) for name in available_rounds()
               for rule in load_catalog() if rule.applies_to(name) and rule.domain != "training"
               for ref in rule.thresholds_read
               if ref not in OPTIONAL and pack_value(load_pack(name), ref) is None]
    # training rules read the training rounds, their own series (rules/training/)
    missing += [(name, rule.id, ref) for name in training_rounds()
                for rule in load_catalog().domain("training")
                for ref in rule.thresholds_read
                if pack_value(training_pack(name), ref) is None]
    assert missing == []
    assert not load_catalog()["PWR140"].applies_to("v3.1")


def test_rule_thresholds_follow_the_round() -> None:
    rule = load_catalog()["PWR040"]
    assert rule.thresholds(load_pack("v1.0")) == {"power.time_sync.max_skew_ms": 200}
    assert rule.thresholds(load_pack("v5.1")) == {"power.time_sync.max_skew_ms": 800}
    assert rule.applies_to("v1.0") and rule.applies_to("v6.1")


def test_schema_rejects_a_rule_without_fix_or_with_a_bad_severity() -> None:
    validator = jsonschema.Draft202012Validator(schema("catalog"))
    good = {"id": "PWR999", "title": "t", "severity": "error", "rationale": "r", "fix": "f"}
    assert not list(validator.iter_errors({"domain": "power", "rules": [good]}))
    for bad in ({**good, "severity": "fatal"}, {k: v for k, v in good.items() if k != "fix"},
                {**good, "thresholds": ["nowhere.x"]}, {**good, "id": "X1"}):
        assert list(validator.iter_errors({"domain": "power", "rules": [bad]})), bad


def test_catalog_files_are_valid_yaml_in_id_order() -> None:
    from importlib import resources

    for domain in ("power", "submission", "doctor"):
        text = (resources.files("joulekit.rules") / "catalog" / f"{domain}.yaml").read_text()
        ids = [r["id"] for r in yaml.safe_load(text)["rules"]]
        assert ids == sorted(ids), domain


def test_named_thresholds_keep_the_values_the_code_used() -> None:
    assert threshold("current_factor") == 1.1
    assert threshold("current_factor", "v3.0") == 1.0
    assert threshold("uncertainty_limit") == 0.01
    assert threshold("inferred_multistream_factor") == 8
    assert threshold("reference_testing_margin_s") == 800
    assert threshold("accuracy_log_max_bytes") == 10 * 1024
    assert threshold("client_max_offset_ms") == 400
    assert (threshold("audit_performance_band"), threshold("audit_relaxed_band")) == (0.10, 0.20)
    assert table_of("audit_relaxed_latency_ns") == {"SingleStream": 200_000,
                                                    "MultiStream": 1_600_000}
    with pytest.raises(KeyError):
        threshold("no_such_threshold")


def test_explain_and_rules_show_print_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "PWR040", "--round", "v2.0"]) == 0
    shown = capsys.readouterr().out
    assert shown == explain("PWR040", "v2.0")
    assert "max_skew_ms = 200" in shown
    assert main(["check", "--explain", "pwr040", "--round", "v2.0"]) == 0
    assert capsys.readouterr().out == shown


def test_rules_show_every_rule_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show"]) == 0
    out = capsys.readouterr().out
    assert out.count("(default severity:") == len(load_catalog())
    assert main(["rules", "show", "SUB-PERF-SEEDS", "--round", "v4.1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "SUB-PERF-SEEDS" and data["round"] == "v4.1"
    assert list(data["thresholds"]) == ["submission.seeds"]


def test_rules_show_keeps_the_round_form_and_refuses_mixed_forms(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "v5.1", "--section", "power"]) == 0
    assert "max_skew_ms: 800" in capsys.readouterr().out
    assert main(["rules", "show", "PWR030", "--section", "power"]) == 3
    assert "--section selects a section" in capsys.readouterr().err
    assert main(["rules", "show", "PWR031X"]) == 3
    assert "no rule 'PWR031X'" in capsys.readouterr().err
    with pytest.raises(UserError):
        explain("nothing", None)
