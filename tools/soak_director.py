"""Soak benchmark: back-to-back short sessions against one director, hostile peers
interleaved; prints the director's fds, threads and RSS at the start and the end.

    .venv/bin/python tools/soak_director.py [--sessions 1000] [--hostile 200]

One ``joulekit director`` process (simulator analyzer, no settle wait) serves every
session. Each session is the reference client's exact v3 sequence over a raw socket
(handshake, ``time``, ``new``, ranging, testing, ``done``, ``download`` of every
whitelisted file, ``cleanup``); it is *intact* when every reply is the expected one,
both spl.txt files hold only their own phase's marks, and server.json's messages are
the exchanges this session sent. Between sessions, hostile connections are started in
the background, spread evenly over the run: resets after a line, half-closes, silent
connections, oversized lines, binary garbage, slowloris trickles, and a second client
asking for a session while one runs. The figures are read with psutil from the director
process; the end figures after every hostile connection has ended.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psutil

from joulekit.session import protocol as p

LISTEN_RE = re.compile(r"listening on [\d.]+:(\d+)")
PHASE_S = 0.08


class Wire:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def line(self) -> str:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the director")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\n")
        return raw.rstrip(b"\r").decode()

    def ask(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\r\n")
        return self.line()

    def exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the director")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def download(self, command: str) -> bytes:
        self.sock.sendall(command.encode() + b"\r\n")
        data = b""
        while True:
            head = self.line()
            if not head.isascii() or not head.isdigit():
                raise ValueError(f"download refused: {head}")
            if int(head) == 0:
                return data
            data += self.exact(int(head))

    def eof_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                continue
            except ConnectionError:
                return True
        return False

    def close(self, reset: bool = False) -> None:
        if reset:
            linger = struct.pack("ii", 1, 0)
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.sock.close()


# --------------------------------------------------------------------------- one session


def session(port: int, index: int, busy: Counter[str]) -> str | None:
    """One short session; None when intact, else what was wrong."""
    wire = Wire(port)
    try:
        if wire.ask(p.CLIENT_MAGIC) != p.SERVER_MAGIC:
            return "handshake"
        float(wire.ask("time"))
        new = f"new,soak{abs(index)},{uuid.uuid4()}"
        sent = [p.CLIENT_MAGIC, "time"]
        for _ in range(200):  # a hostile "second client" may hold the session briefly
            reply = wire.ask(new)
            sent.append(new)  # a refused new is an exchange of the record too
            if reply != p.REPLY_BUSY:
                break
            busy["busy replies"] += 1
            time.sleep(0.05)
        if not reply.startswith("OK "):
            return f"new: {reply}"
        sid = reply[3:].split(",")[0]
        for mode in ("ranging", "testing"):
            for step in ("start", "stop"):
                command = f"session,{sid},{step},{mode}"
                if (reply := wire.ask(command)) != "OK":
                    return f"{command}: {reply}"
                sent.append(command)
                if step == "start":
                    time.sleep(PHASE_S)
        if (reply := wire.ask(f"session,{sid},done")) != "OK":
            return f"done: {reply}"
        files = {rel: wire.download(f"download,{sid},{rel}") for rel in p.DOWNLOAD_WHITELIST}
        for rel, mark in (("ranging/spl.txt", "_ranging"), ("run_1/spl.txt", "_testing")):
            lines = files[rel].decode().splitlines()
            if not lines or not all(line.endswith(f"{sid}{mark}") for line in lines):
                return f"{rel}: {len(lines)} line(s), foreign marks"
        server = json.loads(files["power/server.json"])
        if [m["cmd"] for m in server["messages"]] != sent:
            return "server.json messages differ from the exchanges sent"
        if server.get("joulekit", {}).get("end_reason"):
            return f"dropped: {server['joulekit']['end_reason']}"
        if wire.ask(f"cleanup,{sid}") != "OK":
            return "cleanup"
        return None
    except (OSError, ValueError, KeyError) as err:
        return f"{type(err).__name__}: {err}"
    finally:
        wire.close()


# --------------------------------------------------------------------------- hostile peers


def _reset_after_line(port: int) -> str:
    wire = Wire(port)
    wire.sock.sendall(p.CLIENT_MAGIC.encode() + b"\r\ntime\r\n")
    wire.close(reset=True)
    return "reset"


def _half_close(port: int) -> str:
    wire = Wire(port)
    wire.sock.sendall(p.CLIENT_MAGIC.encode() + b"\r\ntime\r\n")
    wire.sock.shutdown(socket.SHUT_WR)
    ok = wire.line() == p.SERVER_MAGIC and float(wire.line()) > 0 and wire.eof_within(5)
    wire.close()
    return "half-close answered" if ok else "half-close NOT answered"


def _silent(port: int) -> str:
    wire = Wire(port)
    closed = wire.eof_within(5)
    wire.close()
    return "silent closed by timeout" if closed else "silent NOT closed"


def _oversized(port: int) -> str:
    wire = Wire(port)
    with contextlib.suppress(OSError):
        wire.sock.sendall(p.CLIENT_MAGIC.encode() + b"\r\n" + b"x" * 200_000)
    closed = wire.eof_within(5)
    wire.close()
    return "oversized closed" if closed else "oversized NOT closed"


def _garbage(port: int) -> str:
    wire = Wire(port)
    with contextlib.suppress(OSError):
        wire.sock.sendall(bytes(range(256)) * 4)
    closed = wire.eof_within(5)
    wire.close()
    return "garbage closed" if closed else "garbage NOT closed"


def _slowloris(port: int) -> str:
    wire = Wire(port)
    try:
        for byte in p.CLIENT_MAGIC.encode()[:12]:
            wire.sock.sendall(bytes([byte]))
            time.sleep(0.2)
    except OSError:
        pass
    closed = wire.eof_within(5)
    wire.close()
    return "slowloris closed" if closed else "slowloris NOT closed"


def _second_client(port: int) -> str:
    wire = Wire(port)
    try:
        if wire.ask(p.CLIENT_MAGIC) != p.SERVER_MAGIC:
            return "second client: bad handshake"
        reply = wire.ask(f"new,intruder,{uuid.uuid4()}")
        return "second client told busy" if reply == p.REPLY_BUSY else "second client got a session"
    finally:
        wire.close()  # a session it got is dropped with the connection


HOSTILE: list[Callable[[int], str]] = [
    _reset_after_line, _half_close, _silent, _oversized, _garbage, _slowloris, _second_client,
]  # fmt: skip


def _hostile(port: int, kind: Callable[[int], str], outcomes: Counter[str]) -> None:
    try:
        outcomes[kind(port)] += 1
    except OSError as err:
        outcomes[f"{kind.__name__.strip('_')}: {type(err).__name__}"] += 1


# --------------------------------------------------------------------------- figures


def figures(pid: int) -> dict[str, int]:
    proc = psutil.Process(pid)
    return {
        "fds": proc.num_fds(),
        "threads": proc.num_threads(),
        "rss_kib": proc.memory_info().rss // 1024,
    }


def settle_figures(pid: int, target_fds: int, seconds: float = 15.0) -> dict[str, int]:
    """The figures once the director has closed what the peers left (or after a wait)."""
    deadline = time.monotonic() + seconds
    now = figures(pid)
    while now["fds"] > target_fds and time.monotonic() < deadline:
        time.sleep(0.2)
        now = figures(pid)
    return now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--hostile", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5, help="sessions before the start figures")
    args = parser.parse_args()
    if args.sessions < 1 or args.hostile < 0 or args.warmup < 0:
        parser.error("--sessions must be at least 1, --hostile and --warmup zero or more")
    with tempfile.TemporaryDirectory(prefix="joulekit-soak-") as tmp:
        out = Path(tmp) / "director"
        console = open(Path(tmp) / "console.txt", "w")  # noqa: SIM115
        argv = [
            sys.executable, "-m", "joulekit", "director", "--analyzer", "sim://49?period_ms=20",
            "--listen", "127.0.0.1", "0", "--settle", "0", "--output", str(out),
            "--handshake-timeout", "1", "--idle-timeout", "2", "--line-timeout", "1",
        ]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=console, text=True)
        try:
            assert proc.stdout is not None
            match = LISTEN_RE.search(proc.stdout.readline())
            if match is None:
                print("the director did not start", file=sys.stderr)
                return 1
            port = int(match.group(1))
            log = Path(tmp) / "console.txt"
            return soak(proc, port, args.sessions, args.hostile, log, args.warmup)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            console.close()


def soak(
    proc: subprocess.Popen[str], port: int, sessions: int, hostile: int, log: Path, warmup: int
) -> int:
    outcomes: Counter[str] = Counter()
    busy: Counter[str] = Counter()
    failures: list[str] = []
    # the first sessions import the analyzer code and start the simulator: the start
    # figures are taken after them, so growth means a leak and not a first use
    for index in range(warmup):
        problem = session(port, -1 - index, busy)
        if problem is not None:
            failures.append(f"warm-up session {index}: {problem}")
    start = figures(proc.pid)
    threads: list[threading.Thread] = []
    launched = 0
    began = time.monotonic()
    for index in range(sessions):
        due = (index + 1) * hostile // sessions
        while launched < due:
            kind = HOSTILE[launched % len(HOSTILE)]
            thread = threading.Thread(target=_hostile, args=(port, kind, outcomes), daemon=True)
            thread.start()
            threads.append(thread)
            launched += 1
        problem = session(port, index, busy)
        if problem is not None:
            failures.append(f"session {index}: {problem}")
        if proc.poll() is not None:
            failures.append(f"the director exited with {proc.returncode}")
            break
    elapsed = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=30)
    end = settle_figures(proc.pid, start["fds"])
    text = log.read_text(errors="replace")
    intact = sessions - sum(1 for f in failures if f.startswith("session "))
    each = elapsed / sessions * 1000
    print(f"sessions: {sessions} run, {intact} intact, {elapsed:.1f} s ({each:.0f} ms each); "
          f"hostile connections: {launched}")  # fmt: skip
    print(f"start figures after {warmup} warm-up session(s); end after the peers are gone")
    print(f"{'':8}{'fds':>6}{'threads':>9}{'rss_kib':>10}")
    for name, row in (("start", start), ("end", end)):
        print(f"{name:8}{row['fds']:>6}{row['threads']:>9}{row['rss_kib']:>10}")
    for outcome, count in sorted(outcomes.items()):
        print(f"  hostile: {outcome}: {count}")
    if busy:
        print(f"  sessions retried after a busy reply: {busy['busy replies']} time(s)")
    print(f"director log: {text.count('Traceback')} traceback(s), "
          f"{text.count('Internal error')} internal error(s)")  # fmt: skip
    for failure in failures[:20]:
        print(f"  FAILED {failure}")
    bad = [o for o in outcomes if "NOT" in o or "Error" in o]
    return 0 if not failures and not bad and "Traceback" not in text else 1


if __name__ == "__main__":
    raise SystemExit(main())
