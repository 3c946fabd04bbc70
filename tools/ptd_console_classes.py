"""PTDaemon console lines reduced to line classes, to compare a real console with ours.

A console (``ptd_logs.txt`` minus its ``Analyzer N`` header) is a sequence of events
whose wording matters to the reference director and checker; numbers, marks, peers and
sample values do not. ``classify`` maps a line to its class (numbers become ``#``, marks
``<mark>``); ``shape`` collapses repeated classes and repeated pairs of classes (a
per-sample ``ERROR``/``WARNING`` pair, an ``RL`` dump) so that two conversations of
different lengths compare equal when they say the same things in the same order.

Used by ``tests/simulator/test_console_fidelity.py`` and ``tools/console_fidelity.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

STAMP = re.compile(r"^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d\.\d{3}: (.*)$")
NUMBER = re.compile(r"-?\d+(\.\d+)?(E[+-]?\d+)?")
MARK = re.compile(r"'[^']*'")
SENT = "Response to client sent: "


def _norm(text: str) -> str:
    return NUMBER.sub("#", MARK.sub("<mark>", text))


def classify(line: str) -> str:
    """The class of one console line (CR and LF already stripped)."""
    if line.startswith("Time,"):
        return "rl-line"
    found = STAMP.match(line)
    if found is None:
        return "banner"
    message = found.group(1)
    if message.startswith(SENT):
        reply = message[len(SENT) :]
        if reply.startswith("Time,"):
            return "reply:rl-send"
        if ",version=" in reply:
            return "reply:identify"
        return "reply:" + _norm(reply)
    if message.startswith("Accepted connection from"):
        return "accepted connection"
    if message.startswith("Establishing the listener"):
        return "listening"
    return _norm(message)


def console_lines(text: str) -> list[str]:
    """The logical lines of a console text (CRLF or LF), without ``Analyzer N`` headers."""
    lines = text.replace("\r\n", "\n").split("\n")
    return [line for line in lines if line and not re.fullmatch(r"Analyzer \d+", line)]


def conversation(lines: Iterable[str]) -> list[str]:
    """The classes from the first accepted connection on (the start-up is device-specific)."""
    classes = [classify(line) for line in lines]
    if "accepted connection" in classes:
        classes = classes[classes.index("accepted connection") :]
    return classes


def shape(classes: list[str]) -> list[str]:
    """Collapse runs: ``a a a`` → ``a+``; ``a b a b`` → ``(a | b)+``; an RL dump → one entry."""
    flat = ["rl-dump" if c in ("rl-line", "reply:rl-send") else c for c in classes]
    out: list[str] = []
    i = 0
    while i < len(flat):
        a = flat[i]
        b = flat[i + 1] if i + 1 < len(flat) else None
        if b is not None and a != b and flat[i + 2 : i + 4] == [a, b]:
            while flat[i : i + 2] == [a, b]:
                i += 2
            out.append(f"({a} | {b})+")
        elif b == a:
            while i < len(flat) and flat[i] == a:
                i += 1
            out.append(a + "+")
        else:
            out.append(a)
            i += 1
    return out


def counts(classes: list[str]) -> Counter[str]:
    return Counter(classes)


def rl_sends(lines: list[str]) -> list[tuple[int, int]]:
    """(lines, bytes with CRLF) of each send of every ``RL`` dump, header send included."""
    sends: list[tuple[int, int]] = []
    current: list[str] | None = None
    for line in lines:
        found = STAMP.match(line)
        if found is not None and found.group(1).startswith(SENT):
            reply = found.group(1)[len(SENT) :]
            if current is not None:
                sends.append((len(current), sum(len(x) + 2 for x in current)))
                current = None
            if reply.startswith("Time,") or re.fullmatch(r"Last \d+ samples", reply):
                current = [reply]
        elif current is not None and line.startswith("Time,"):
            current.append(line)
        elif current is not None:
            sends.append((len(current), sum(len(x) + 2 for x in current)))
            current = None
    if current is not None:
        sends.append((len(current), sum(len(x) + 2 for x in current)))
    return sends


def reference_conversation(
    host: str,
    port: int,
    phase_s: float,
    restore: tuple[str, str] = ("Auto", "Auto"),
    timeout: float = 30.0,
) -> None:
    """Talk to a PTD server as the reference director does for one session (spec §2).

    Ranging in auto range, ``Stop`` then ``RL,*,*`` (refused by a single-channel meter),
    ``RL``, ``Uncertainty``, ``Watts``; testing on fixed ranges with ``Watts`` and
    ``Uncertainty`` before ``Stop``; the ranges put back (``restore``: volts, amps, as the
    director read them with ``RR``); the connection closed.
    """
    import socket
    import time

    with socket.create_connection((host, port), timeout=timeout) as sock:
        stream = sock.makefile("rw", encoding="utf-8", newline="")

        def send(command: str) -> str:
            stream.write(command + "\r\n")
            stream.flush()
            reply = stream.readline().rstrip("\r\n")
            if re.fullmatch(r"Last \d+ samples", reply):
                for _ in range(int(reply.split()[1])):
                    stream.readline()
            return reply

        for command in ("Hello", "Identify", "RR", "SR,V,Auto", "SR,A,Auto"):
            send(command)
        send("Go,1000,0,conversation_ranging")
        time.sleep(phase_s)
        for command in ("Stop", "RL,*,*", "RL", "Uncertainty", "Watts", "SR,V,300", "SR,A,5"):
            send(command)
        send("Go,1000,0,conversation_testing")
        time.sleep(phase_s)
        for command in ("Watts", "Uncertainty", "Stop", "RL,*,*", "RL", "Uncertainty", "Watts"):
            send(command)
        send(f"SR,V,{restore[0]}")
        send(f"SR,A,{restore[1]}")


def initial_ranges(lines: list[str]) -> tuple[str, str]:
    """The (volts, amps) ranges a director restores, from a console's ``RR`` reply."""
    for line in lines:
        found = STAMP.match(line)
        if found and found.group(1).startswith(SENT + "Ranges,"):
            fields = found.group(1)[len(SENT) :].split(",")
            amp_auto, amps, volt_auto, volts = fields[1:5]

            def pick(auto: str, value: str) -> str:
                return value if auto == "0" and float(value) > 0 else "Auto"

            return pick(volt_auto, volts), pick(amp_auto, amps)
    return "Auto", "Auto"
