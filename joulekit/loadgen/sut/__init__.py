"""SUT adapters, chosen by one string as ``--sut`` gives it.

``demo`` (the built-in numpy network), ``noop`` (no work: the harness's overhead),
``callable:module:attr`` (a Python model), ``http://…`` / ``https://…`` (an
OpenAI-compatible server). A wrapped command (``cmd:…``) is not an in-process SUT: it
runs its own LoadGen, see :mod:`joulekit.loadgen.command`.
"""

from __future__ import annotations

from joulekit.errors import UserError
from joulekit.loadgen.sut.base import Completion, FirstToken, Output, Sut
from joulekit.loadgen.sut.http import HttpOptions

__all__ = ["Completion", "FirstToken", "HttpOptions", "Output", "Sut", "check_sut_spec",
           "open_sut", "sut_kind"]


def sut_kind(spec: str) -> str:
    """``demo``, ``noop``, ``callable``, ``http`` or ``cmd`` for a ``--sut`` value."""
    if spec in ("demo", "noop"):
        return spec
    for prefix, kind in (("callable:", "callable"), ("cmd:", "cmd"), ("http://", "http"),
                         ("https://", "http")):
        if spec.startswith(prefix):
            return kind
    raise UserError(
        f"unknown SUT {spec!r}; use demo, noop, callable:MODULE:ATTR, http://HOST:PORT/... "
        "or cmd:COMMAND"
    )


def check_sut_spec(spec: str) -> str:
    """The kind of ``spec`` once its form is checked, without opening or importing it.

    What a run starts in another process (``joulekit loadgen``) is checked here first, so
    a typo is one line before a director starts rather than a failed ranging phase.
    """
    kind = sut_kind(spec)
    if kind == "callable":
        from joulekit.loadgen.sut.pycallable import check_callable_spec

        check_callable_spec(spec.removeprefix("callable:"))
    elif kind == "http":
        from joulekit.loadgen.sut.http import parse_endpoint

        parse_endpoint(spec)
    elif kind == "cmd" and not spec.removeprefix("cmd:").strip():
        raise UserError("cmd: needs the command to run, e.g. 'cmd:./harness --logdir {log_dir}'")
    return kind


def open_sut(spec: str, *, batch_size: int | None = None, http: HttpOptions | None = None) -> Sut:
    """The in-process SUT for ``spec``; ``batch_size`` overrides the adapter's own."""
    kind = sut_kind(spec)
    sut: Sut
    if kind == "demo":
        from joulekit.loadgen.sut.demo import DemoModel

        sut = DemoModel(batch_size or 32)
    elif kind == "noop":
        from joulekit.loadgen.sut.noop import NoopSut

        sut = NoopSut()
    elif kind == "callable":
        from joulekit.loadgen.sut.pycallable import open_callable

        sut = open_callable(spec.removeprefix("callable:"))
    elif kind == "http":
        from joulekit.loadgen.sut.http import HttpSut

        sut = HttpSut(spec, http)
    else:
        raise UserError(f"{spec!r} runs its own LoadGen; it is not an in-process SUT")
    if batch_size is not None and kind != "demo":
        if batch_size < 1:
            raise UserError("--batch-size must be at least 1")
        sut.max_batch = batch_size
    return sut
