"""Doctor results are the checker's findings: a DOC-* catalog rule each, one exit-code
rule, the doctor's own JSON keys unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joulekit.checker import exit_code as checker_exit_code
from joulekit.checker.findings import Finding
from joulekit.doctor import CheckResult, Status, exit_code
from joulekit.doctor.result import error, ok, rule_for, skipped, warning
from joulekit.rules import load_catalog

DOCTOR = Path(__file__).resolve().parents[2] / "joulekit" / "doctor"


@pytest.mark.parametrize(("check", "rule"), [
    ("analyzer1.reachable", "DOC-ANALYZER-REACHABLE"),
    ("analyzer12.ptd_version", "DOC-ANALYZER-PTD-VERSION"),
    ("port.4950", "DOC-PORT"), ("port.listen", "DOC-PORT"),
    ("folder.director", "DOC-FOLDER"), ("folder.apart", "DOC-FOLDER-APART"),
    ("ntp.offset", "DOC-NTP-OFFSET"), ("analyzers", "DOC-ANALYZERS"),
])  # fmt: skip
def test_check_ids_map_to_their_catalog_rule(check: str, rule: str) -> None:
    assert rule_for(check) == rule


def test_every_check_id_in_the_doctor_has_a_rule() -> None:
    """Each literal check id the doctor's modules name (f-string instances filled in)."""
    ids = set()
    for module in DOCTOR.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        ids |= set(re.findall(r'check = f?"([a-z_0-9.{}\[\]]+)"', text))
        ids |= set(re.findall(r'_run\(\s*"([a-z_.]+)"', text))
    ids = {re.sub(r"\{[^}]*\}", "1", i) for i in ids}
    assert {"config.layout", "ptd.binary", "round.pack", "analyzer1.ranges"} <= ids
    rules = {rule_for(i) for i in ids}
    assert rules <= {r.id for r in load_catalog().domain("doctor")}


def test_unknown_check_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no rule DOC-NOTHING"):
        ok("nothing", "t", "m")


def test_result_is_a_finding_and_keeps_the_doctor_json() -> None:
    found = warning("clock.step", "clock may be stepped", "no privilege", "run as root", x=1)
    assert isinstance(found, Finding) and isinstance(found, CheckResult)
    assert (found.rule, found.severity, found.hint) == ("DOC-CLOCK-STEP", "warning", "run as root")
    assert found.to_json() == {"check": "clock.step", "title": "clock may be stepped",
                               "status": "warning", "message": "no privilege",
                               "advice": "run as root", "details": {"x": 1}}
    assert str(found) == "clock may be stepped: no privilege → run as root"


def test_one_exit_code_rule_with_passed_and_skipped_as_notices() -> None:
    passed = ok("ntp.offset", "NTP offset", "2 ms")
    gone = skipped("director", "director host checks", "skipped")
    warned = warning("ntp.offset", "NTP offset", "300 ms", "sync")
    failed = error("ptd.binary", "PTDaemon binary present", "missing", "install it")
    assert passed.severity == gone.severity == "notice"
    for results, code in (([passed, gone], 0), ([passed, warned], 2), ([warned, failed], 1)):
        assert exit_code(results) == code
        assert checker_exit_code(r.severity for r in results) == code
    assert failed.status is Status.ERROR


def test_a_failure_still_needs_one_line_of_advice() -> None:
    with pytest.raises(ValueError, match="needs one line of advice"):
        error("ptd.binary", "PTDaemon binary present", "missing", " ")
    with pytest.raises(ValueError, match="one line"):
        warning("ptd.binary", "t", "m", "two\nlines")
