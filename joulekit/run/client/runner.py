"""One client run: handshake, clock checks, ranging then testing, logs, downloads.

The order follows the reference client so its director accepts us and the checker
finds what it expects: ``client.log`` and ``client.json`` are written *before* ``done``
(their ``messages`` end with the last ``time`` check), then the director's files are
downloaded. A phase that fails (the workload dies, its logs are missing or out of the
window) still ends the session properly — the phase is stopped, the director writes its
samples and restores its ranges — and the run then stops with one clear sentence.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from joulekit import signals
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text, sha1_file
from joulekit.formats.layout import (
    CLIENT_JSON,
    CLIENT_LOG,
    POWER_CLIENT_JSON,
    POWER_CLIENT_LOG,
    RANGING_DETAIL,
    RANGING_SUMMARY,
    RUN_1_DETAIL,
    RUN_1_SUMMARY,
)
from joulekit.formats.power_json import write_power_document
from joulekit.run.client.director_watch import DirectorWatch
from joulekit.run.client.link import Link
from joulekit.run.client.loadgen_logs import check_dirs, copy_logs, find_log
from joulekit.run.client.options import ClientOptions, ClientResult, WorkloadContext
from joulekit.run.client.peer_names import check_session_name, target_inside
from joulekit.run.client.workload import describe, run_workload
from joulekit.session import protocol as p
from joulekit.session.clock import step_clock
from joulekit.session.logs import CLIENT_FORMAT, CaptureHandler
from joulekit.session.lost import lost_entry
from joulekit.session.provenance import (
    joulekit_block,
    source_hashes,
    timezone_offset,
)
from joulekit.session.timesync import (
    director_offset,
    limit_from_pack,
    ntp_offset,
)

PHASE_DIRS = {"ranging": "ranging", "testing": "run_1"}
#: a log record attribute: write the record to client.log, not to the console
FILE_ONLY = "joulekit_file_only"
CLIENT_SOURCES = ("harness/client", "harness/client_cli.py", "session")
CLIENT_RESULTS = (
    POWER_CLIENT_LOG,
    RANGING_DETAIL,
    RANGING_SUMMARY,
    RUN_1_DETAIL,
    RUN_1_SUMMARY,
)


class _ClockOff(Exception):
    """A clock check failed; the message says which clock and by how much."""


class ClientRun:
    """State of one run; :func:`run_client` is the entry point."""

    def __init__(self, options: ClientOptions) -> None:
        self.o = options
        self.log = logging.getLogger(f"joulekit.client.{id(self)}")
        self.log.setLevel(logging.INFO)
        self.log.propagate = False
        self.capture = CaptureHandler(CLIENT_FORMAT)
        self.log.addHandler(self.capture)
        if options.echo:
            console = logging.StreamHandler(sys.stderr)
            console.setFormatter(logging.Formatter(CLIENT_FORMAT))
            # The failure that ends a run is raised and printed once by the caller; its
            # log record is for client.log only, so the console shows one error line.
            console.addFilter(lambda record: not getattr(record, FILE_ONLY, False))
            self.log.addHandler(console)
        self.limit_ms = (
            options.max_offset_ms
            if options.max_offset_ms is not None
            else limit_from_pack(options.round, self.log)
        )
        self.link: Link | None = None
        self.session_id = ""
        self.server_uuid = ""
        self._ntp_warned = False
        self.client_uuid = str(uuid.uuid4())
        self.result_dir = options.output
        self.phases: dict[str, list[list[float]]] = {}
        self.detail_logs: dict[str, Path] = {}
        self.time_checks: list[dict[str, Any]] = []
        self.not_valid: list[str] = []
        self.corrected = False
        #: peers lost mid-session (``joulekit.lost`` in client.json)
        self.lost: list[dict[str, Any]] = []
        #: the phase under way, for a loss noticed in an exchange
        self.phase = "before ranging"
        #: the workload was stopped by Ctrl-C or a stop signal
        self.interrupted = False

    # ------------------------------------------------------------------ clocks

    def _stamp(self) -> list[float]:
        return [self.o.clock(), time.monotonic()]

    def _check_director(self, when: str) -> None:
        assert self.link is not None
        before = self.o.clock()
        reply = self.link.exchange(p.cmd_time())
        after = self.o.clock()
        measured = director_offset(before, p.parse_time_reply(reply), after)
        self.time_checks.append(
            {"when": when, "offset_ms": round(measured.offset_ms, 3),
             "rtt_ms": round(measured.rtt_ms, 3)}
        )  # fmt: skip
        if not measured.within(self.limit_ms):
            raise _ClockOff(
                f"this machine's clock differs from the director's by {measured.worst_ms:.0f} ms "
                f"(offset {measured.offset_ms:+.0f} ms, round trip {measured.rtt_ms:.0f} ms; "
                f"limit {self.limit_ms:g} ms)"
            )
        self.log.info(
            "The time difference between the client and the server is within range "
            "%.3f ms..%.3f ms", measured.low_ms, measured.high_ms,
        )  # fmt: skip

    def _check_ntp(self) -> None:
        server = self.o.ntp_server
        if server is None:
            if not self._ntp_warned:
                self._ntp_warned = True  # once per run, not before every phase
                self.log.warning(
                    "No NTP server given (-n): only the director's clock is checked"
                )
            return
        offset, delay = ntp_offset(server, self.o.clock)
        self.log.info("NTP:offset = %.3f s, delay = %.3f s ", offset, delay)
        if abs(offset) * 1000 > self.limit_ms:
            raise _ClockOff(
                f"this machine's clock is {offset * 1000:+.0f} ms off the NTP server {server} "
                f"(limit {self.limit_ms:g} ms)"
            )

    def _sync(self, when: str) -> None:
        """Full check (NTP + director); one correction attempt, then a clear failure."""
        self.log.info("Synchronizing with the server and with %s...", self.o.ntp_server)
        try:
            self._check_ntp()
            self._check_director(when)
            return
        except _ClockOff as first:
            self.log.warning("Clock check failed: %s", first)
            problem = self._correct()
            try:
                self._check_ntp()
                self._check_director(when)
            except _ClockOff as second:
                raise UserError(
                    f"clock check before {when} failed: {second}; "
                    + (f"correction failed ({problem}); " if problem else "")
                    + "synchronise both machines with NTP (chrony/ntpd) and run again"
                ) from None

    def _correct(self) -> str | None:
        """Ask the director to step its clock, and step ours where permitted."""
        assert self.link is not None
        proof = self.link.prove(self.o.shared_key, "set_ntp") if self.o.shared_key else None
        reply = self.link.exchange(p.cmd_set_ntp(proof))
        problems: list[str] = []
        if reply != p.REPLY_OK:
            problems.append(f"director: {reply}")
        if self.o.ntp_server is not None and self.o.allow_clock_step:
            local = step_clock(self.o.ntp_server)
            if local is not None:
                problems.append(f"this machine: {local}")
            else:
                self.corrected = True
        return "; ".join(problems) or None

    # ------------------------------------------------------------------ phases

    def _notify(self, mode: str, step: str) -> None:
        if self.o.on_phase is not None:
            self.o.on_phase(mode, step)

    def _phase(self, mode: str) -> None:
        assert self.link is not None
        self.log.info("Running workload in %s mode", mode)
        self.phase = mode
        self._sync(mode)
        stamps = [self._stamp()]
        self.phases[mode] = stamps
        self._notify(mode, "start")
        if mode == "testing" and self.o.max_amps > 0 and self.o.max_volts > 0:
            self.link.expect_ok(
                p.cmd_start_testing_manual(self.session_id, self.o.max_volts, self.o.max_amps)
            )
        else:
            self.link.expect_ok(p.cmd_session(self.session_id, "start", mode))
        stamps.append(self._stamp())
        self._check_director(f"{mode} workload start")
        self._notify(mode, "workload")
        self.log.info("Running the workload %r", describe(self.o.workload))
        watch = DirectorWatch(self.link.channel.sock).start()
        context = WorkloadContext(mode, self.o.loadgen_logs, self.session_id, watch.is_lost)
        try:
            failure = run_workload(self.o.workload, context)
        except KeyboardInterrupt:
            # the workload is stopped; end the phase and the session as for a failure
            signals.ignore_ctrl_c()
            self.interrupted = True
            failure = f"interrupted by {signals.describe()}"
        finally:
            watch.stop()
        stamps.append(self._stamp())
        if watch.lost is not None:
            self._director_lost(mode, f"{watch.lost} during the {mode} workload")
        self._check_director(f"{mode} workload end")
        self._notify(mode, "stop")
        self.link.expect_ok(p.cmd_session(self.session_id, "stop", mode))
        stamps.append(self._stamp())
        self._check_director(f"{mode} stop")
        if failure is not None:
            raise UserError(f"{failure} during {mode}")
        found = find_log(self.o.loadgen_logs, stamps[1][0], stamps[2][0], mode)
        target = self.result_dir / PHASE_DIRS[mode]
        for name in (found.detail.name, found.summary.name):
            target_inside(self.result_dir, f"{PHASE_DIRS[mode]}/{name}",
                          f"the {mode} LoadGen log {name}")
        self.log.info("Copying loadgen logs from %r to %r", str(found.detail.parent), str(target))
        copy_logs(found, target)
        self.detail_logs[mode] = found.detail

    # ------------------------------------------------------------------ lost director

    def _record_lost(self, phase: str, message: str) -> None:
        assert self.link is not None
        self.link.alive = False
        if not self.lost:
            self.lost.append(lost_entry("director", self.link.peer, phase, message))
            self.not_valid.append(f"the director was lost during {phase}: {message}")
            self.log.error("The director at %s was lost during %s: %s", self.link.peer,
                           phase, message, extra={FILE_ONLY: True})  # fmt: skip

    def _keep_client_files(self) -> None:
        """client.log and client.json with what this side has, whatever else failed."""
        try:
            self._write_client_files()
        except (OSError, UserError) as err:
            self.log.warning("Could not write the client files: %s", err)

    def _director_lost(self, mode: str, how: str) -> None:
        """The director went away mid-workload: keep what we have and stop, naming it."""
        assert self.link is not None
        self._record_lost(mode, f"the director at {self.link.peer} {how}")
        self._keep_client_files()
        raise UserError(
            f"the director at {self.link.peer} {how}; the workload was stopped and this "
            f"side's files are kept in {self.result_dir}",
            hint="the director keeps the samples it took: see its log and session folder",
        )

    # ------------------------------------------------------------------ ending

    def _write_client_files(self) -> None:
        power = target_inside(self.result_dir, POWER_CLIENT_LOG, CLIENT_LOG).parent
        target_inside(self.result_dir, POWER_CLIENT_JSON, CLIENT_JSON)
        atomic_write_text(power / CLIENT_LOG, self.capture.text())
        results = {
            rel: sha1_file(self.result_dir / rel)
            for rel in CLIENT_RESULTS
            if (self.result_dir / rel).is_file()
        }
        sources, modules = source_hashes(CLIENT_SOURCES)
        assert self.link is not None
        document: dict[str, Any] = {
            "version": "1.0",
            "timezone": timezone_offset(),
            "modules": modules,
            "sources": sources,
            "messages": self.link.messages,
            "uuid": {"client": self.client_uuid, "server": self.server_uuid},
            "session_name": self.session_id,
            "results": results,
            "phases": self.phases,
            "joulekit": joulekit_block(
                [],
                None,
                self.not_valid,
                {
                    "clock_limit_ms": self.limit_ms,
                    "time_checks": self.time_checks,
                    "workload": describe(self.o.workload),
                    **({"lost": self.lost} if self.lost else {}),
                },
            ),
        }
        write_power_document(power / CLIENT_JSON, document)

    def _finish(self) -> list[str]:
        """client.log/json, ``done``, downloads, ``cleanup``; returns what was fetched."""
        assert self.link is not None
        self.log.info("Done runs")
        self._write_client_files()
        fetched: list[str] = []
        if not self.link.alive:
            return fetched
        reply = self.link.exchange(p.cmd_session(self.session_id, "done"), record=False)
        if reply != p.REPLY_OK:
            self.log.warning("The director reported while ending the session: %s", reply)
        for relpath in p.DOWNLOAD_WHITELIST:
            target = target_inside(self.result_dir, relpath,
                                   f"the download of {relpath} from the director at "
                                   f"{self.link.peer}")
            if self.link.download(self.session_id, relpath, target):
                fetched.append(relpath)
        self.link.exchange(p.cmd_cleanup(self.session_id), record=False)
        return fetched

    def run(self) -> ClientResult:
        o = self.o
        check_dirs(o.loadgen_logs, o.output, o.force)
        if (o.max_amps > 0) != (o.max_volts > 0):
            raise UserError("-A and -V go together: give both (or neither, to range)")
        if not p.is_valid_label(o.label):
            raise UserError(f"label {o.label!r} may hold only letters, digits, '-' and '_'")
        peer = f"{o.address}:{o.port}"
        self.link = Link(p.connect(o.address, o.port), self.log, o.clock, peer)
        try:
            return self._run_session()
        finally:
            self.link.close()

    def _run_session(self) -> ClientResult:
        o, link = self.o, self.link
        assert link is not None
        link.handshake()
        if o.stop_server:
            proof = link.prove(o.shared_key, "stop") if o.shared_key else None
            link.expect_ok(p.cmd_stop(proof))
        self._sync("the session")  # fails before anything is measured
        reply = link.exchange(p.cmd_new(o.label, self.client_uuid))
        try:
            session_id, self.server_uuid = p.parse_new_reply(reply)
        except p.ProtocolError as err:
            raise UserError(str(err)) from None
        self.session_id = check_session_name(session_id, link.peer)
        self.log.info("Session id is %r", self.session_id)
        if not o.no_timestamp_dir:
            self.result_dir = o.output / self.session_id
        manual = o.max_amps > 0 and o.max_volts > 0
        if manual:
            self.not_valid.append("testing ranges given with -A/-V: no ranging phase")
        if o.ntp_server is None:
            self.not_valid.append("no NTP server checked (-n not given)")
        modes = ["testing"] if manual else ["ranging", "testing"]
        try:
            for mode in modes:
                self._phase(mode)
        except UserError as failure:
            if not link.alive:
                if not self.lost:  # it stopped answering an exchange: say so in client.json
                    self._record_lost(self.phase, str(failure))
                    self._keep_client_files()
                raise
            self.log.error("%s", failure, extra={FILE_ONLY: True})
            self.not_valid.append(str(failure))
            self._finish()
            message = (f"{failure}; the session was ended (the director restored its ranges) "
                       f"and what was measured is kept in {self.result_dir}")
            if self.interrupted:
                raise signals.Interrupted(message) from None
            raise UserError(message) from None
        downloaded = self._finish()
        return ClientResult(
            result_dir=self.result_dir,
            session_id=self.session_id,
            phases=self.phases,
            detail_logs=self.detail_logs,
            downloaded=downloaded,
            not_valid_for_submission=self.not_valid,
            time_checks=self.time_checks,
        )


def run_client(options: ClientOptions) -> ClientResult:
    """Run ranging then testing against a director; raises :class:`UserError` on failure."""
    run = ClientRun(options)
    ctrl_c = signal.getsignal(signal.SIGINT)  # an interrupt sets it to ignored
    try:
        return run.run()
    finally:
        if ctrl_c is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, ctrl_c)
        for handler in list(run.log.handlers):
            run.log.removeHandler(handler)
