"""The files of a session, in exactly the published formats.

The session folder holds the phase folders and ``power/`` as
:mod:`joulekit.formats.layout` names them (``SERVER_RESULTS``, ``analyzer_spl``; what
``download`` serves is ``layout.DOWNLOADS``).

Each phase's samples are written the moment the analyzers return them, so a session
that ends badly afterwards still has every sample on disk. Every write is atomic.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from joulekit.analyzers.base import Sample
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.ptd_process import ptd_config_from_argv
from joulekit.formats import layout
from joulekit.formats.atomic import atomic_write_text, sha1_file
from joulekit.formats.layout import TESTING_PHASE
from joulekit.formats.power_json import write_power_document
from joulekit.formats.ptd_out import PtdOutEntry
from joulekit.formats.ptd_out import write_ptd_out as formats_write_ptd_out
from joulekit.formats.spl import SplChannel, format_merged_spl_line, format_spl_line, write_spl
from joulekit.power_director.director.bank import AnalyzerBank, BankMember
from joulekit.power_director.director.merge import merge_by_time
from joulekit.session.provenance import (
    analyzer_kind,
    joulekit_block,
    source_hashes,
    timezone_offset,
)

if TYPE_CHECKING:
    from joulekit.power_director.director.session import Session

#: Folders whose sources the director hashes (our own files, never the reference's).
DIRECTOR_SOURCES = ("power_director", "session", "analyzers", "meters", "simulator", "formats")


def sample_line(sample: Sample, mark: str) -> str:
    channels = [
        SplChannel(f"Ch{n}", c.watts, c.volts, c.amps, c.pf)
        for n, c in enumerate(sample.channels, start=1)
    ]
    return format_spl_line(
        sample.utc, sample.watts, sample.volts, sample.amps, sample.pf, mark, channels
    )


def write_phase(
    workdir: Path,
    mode: str,
    mark: str,
    per_analyzer: list[list[Sample]],
    bank: AnalyzerBank,
    log: logging.Logger,
) -> list[str]:
    """Write the spl files of one phase; returns the merge gaps (empty for one analyzer)."""
    folder = workdir / layout.phase_dir(mode)
    gaps: list[str] = []
    for index, samples in enumerate(per_analyzer, start=1):
        write_spl(folder / layout.analyzer_spl(index), (sample_line(s, mark) for s in samples))
    if len(per_analyzer) == 1:
        write_spl(folder / layout.SPL, (sample_line(s, mark) for s in per_analyzer[0]))
    else:
        merged = merge_by_time(per_analyzer)
        gaps = merged.gaps
        write_spl(
            folder / layout.SPL,
            (
                format_merged_spl_line([sample_line(s, mark) for s in row.samples])
                for row in merged.rows
            ),
        )
    count = sum(len(s) for s in per_analyzer)
    log.info("Wrote %d %s samples to %s", count, mode, folder / layout.SPL)
    if mode == TESTING_PHASE:
        write_ptd_out(folder / layout.PTD_OUT, bank)
    return gaps


def _last_reply(transcript: list[tuple[str, str]], command: str) -> str | None:
    for cmd, reply in reversed(transcript):
        if cmd == command:
            return reply
    return None


def write_ptd_out(path: Path, bank: AnalyzerBank) -> None:
    """``Analyzer i:`` / ``Power: <Watts reply>`` / ``Uncertainty: <reply>`` per analyzer.

    The replies are PTDaemon's own (from the transcript); a backend without a text
    protocol gets the same fields from its :class:`Statistics`.
    """
    entries: list[PtdOutEntry] = []
    for member, stats in zip(bank.members, bank.statistics(), strict=True):
        transcript = member.analyzer.transcript
        watts = _last_reply(transcript, "Watts")
        uncertainty = _last_reply(transcript, "Uncertainty")
        if watts is None and stats is not None:
            valid = stats.samples - stats.errors
            watts = (
                f"Watts,{stats.watts_avg:.6f},{stats.watts_min:.6f},{stats.watts_max:.6f},"
                f"{stats.samples},{stats.errors},{valid}"
            )
        if uncertainty is None and stats is not None:
            avg = -1.0 if stats.uncertainty_avg is None else stats.uncertainty_avg
            top = -1.0 if stats.uncertainty_max is None else stats.uncertainty_max
            uncertainty = (
                f"Uncertainty,{avg:.6f},{avg:.6f},{top:.6f},{stats.samples},0,"
                f"{stats.samples - stats.uncertain_samples},{stats.uncertain_samples}"
            )
        entries.append(PtdOutEntry(member.index, watts or "", uncertainty or ""))
    formats_write_ptd_out(path, entries)


def write_ptd_logs(path: Path, bank: AnalyzerBank) -> None:
    """``Analyzer i`` then that analyzer's console log, complete (never a buffered tail)."""
    parts: list[str] = []
    for member in bank.members:
        console = member.analyzer.console_log() or ""
        parts.append(f"Analyzer {member.index}\n" + console)
        if console and not console.endswith("\n"):
            parts.append("\n")
    atomic_write_text(path, "".join(parts))


def device_type_of(member: BankMember) -> int | None:
    """From the identity, else from what the URL declared (``?device_type=49``)."""
    if member.identity is not None and member.identity.device_type is not None:
        return member.identity.device_type
    declared = getattr(member.analyzer, "device_type", None)
    return declared if isinstance(declared, int) else None


def console_record(member: BankMember) -> dict[str, Any]:
    """Whether PTDaemon's console reached ``ptd_logs.txt``, and if not, why.

    Only PTDaemon-protocol analyzers have a console; the checker turns
    ``captured: false`` into one finding with its fix instead of a cascade of PTD-log
    rules failing on an empty log.
    """
    analyzer = member.analyzer
    if not isinstance(analyzer, PtdAnalyzer):
        return {}
    source = analyzer.console_source
    if source is not None and analyzer.console_log() is not None:
        return {"console": {"captured": True, "by": source}}
    return {"console": {"captured": False, "why": analyzer.console_problem or "not captured"}}


def _kind(member: BankMember) -> str:
    identity = member.identity
    text = f"{identity.model} {identity.raw}" if identity is not None else ""
    return analyzer_kind(member.analyzer.url, text)


def not_valid_reasons(session: Session) -> list[str]:
    reasons: list[str] = []
    for member in session.bank.members:
        kind = _kind(member)
        if kind == "simulator":
            reasons.append(
                f"analyzer {member.index}: measured with the joulekit PTDaemon simulator"
            )
        elif kind != "ptdaemon":
            reasons.append(f"analyzer {member.index}: measured by a {kind} source, not PTDaemon")
    if not session.config.settle_is_compliant:
        reasons.append(
            f"settle waits shortened to {session.config.settle_seconds:g} s (10 s required)"
        )
    if session.record.manual_ranges:
        reasons.append("testing ranges given by hand (start,testing,V,A), no ranging phase")
    if session.record.end_reason is not None:
        reasons.append(f"session dropped: {session.record.end_reason}")
    return reasons


def ptd_config(session: Session) -> list[dict[str, Any]]:
    """One entry per analyzer: the PTDaemon argv where the director started one."""
    entries: list[dict[str, Any]] = []
    for member in session.bank.members:
        configured = getattr(member.factory, "ptd_config", None)
        if isinstance(configured, dict):
            entries.append(dict(configured))
            continue
        analyzer = member.analyzer
        launched = isinstance(analyzer, PtdAnalyzer) and ptd_config_from_argv(analyzer.ptd_argv)
        if launched:  # attached through ptd-launch: the command line it started
            entries.append(launched)
            continue
        device_type = device_type_of(member)
        channels = list(getattr(analyzer, "channels", ()) or ())
        entries.append(
            {
                "command": [],
                "device_type": device_type,
                "interface_flag": "",
                "dc_flag": "-D" if device_type is not None and device_type > 500 else None,
                "device_port": analyzer.url,
                "channel": channels or None,
            }
        )
    return entries


def server_summary(session: Session) -> dict[str, Any]:
    """The ``server.json`` dict, in the reference key order plus ``joulekit``."""
    workdir = session.info.workdir
    sources, modules = source_hashes(DIRECTOR_SOURCES)
    results = {
        rel: sha1_file(workdir / rel) for rel in layout.SERVER_RESULTS if (workdir / rel).is_file()
    }
    ptd_messages: list[dict[str, str]] = []
    for member in session.bank.members:
        ptd_messages += [{"cmd": c, "reply": r} for c, r in member.analyzer.transcript]
    analyzers = [
        {
            "index": m.index,
            "url": m.analyzer.url,
            "kind": _kind(m),
            "compliant": bool(m.analyzer.compliant),
            "model": m.identity.model if m.identity else None,
            **console_record(m),
        }
        for m in session.bank.members
    ]
    extra: dict[str, Any] = {"ranging_mode": session.config.ranging_mode}
    if session.record.merge_gaps:
        extra["merge_gaps"] = session.record.merge_gaps
    if session.record.analyzer_warnings:
        extra["analyzer_warnings"] = session.record.analyzer_warnings
    if session.record.end_reason is not None:
        extra["end_reason"] = session.record.end_reason
    if session.record.lost:
        extra["lost"] = session.record.lost
    phases = {k: v for k, v in session.record.phases.items() if v}
    return {
        "version": "1.0",
        "timezone": timezone_offset(),
        "modules": modules,
        "sources": sources,
        "messages": session.messages,
        "uuid": {"client": session.info.client_uuid, "server": session.info.server_uuid},
        "session_name": session.info.session_id,
        "results": results,
        "phases": phases,
        "ptd_messages": ptd_messages,
        "ptd_config": ptd_config(session),
        "joulekit": joulekit_block(
            analyzers, session.config.settle_seconds, not_valid_reasons(session), extra
        ),
    }


def write_session_end(session: Session) -> None:
    """ptd_logs.txt, server.log, then server.json (which hashes the other two)."""
    power = session.info.workdir / layout.POWER
    write_ptd_logs(power / layout.PTD_LOGS, session.bank)
    atomic_write_text(power / layout.SERVER_LOG, session.log_text())
    write_power_document(power / layout.SERVER_JSON, server_summary(session))
