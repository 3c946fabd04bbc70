"""SUT adapters, chosen by one string as ``--sut`` gives it, through one registry.

``demo`` (the built-in numpy network), ``noop`` (no work: the harness's overhead),
``callable:module:attr`` (a Python model), ``http://…`` / ``https://…`` (an
OpenAI-compatible server). A wrapped command (``cmd:…``) is not an in-process SUT: it
runs its own LoadGen, see :mod:`joulekit.loadgen.command`; it is registered all the same,
so ``--sut`` has one table of kinds and one error that lists them.

A new adapter is one module plus one :func:`register` call below: a name, the ``--sut``
values it claims (an exact name or a prefix), how to check a value without opening it,
and how to open it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from joulekit.errors import UserError
from joulekit.loadgen.sut.base import Completion, FirstToken, Output, Sut
from joulekit.loadgen.sut.demo import DemoModel
from joulekit.loadgen.sut.http import HttpOptions, HttpSut, parse_endpoint
from joulekit.loadgen.sut.noop import NoopSut
from joulekit.loadgen.sut.pycallable import check_callable_spec, open_callable

__all__ = ["SUT_KINDS", "Completion", "FirstToken", "HttpOptions", "Output", "Sut", "SutKind",
           "check_sut_spec", "open_sut", "register", "sut_kind"]

#: opens a ``--sut`` value: (spec, batch_size, http options) -> the SUT
Opener = Callable[[str, "int | None", "HttpOptions | None"], Sut]


@dataclass(frozen=True)
class SutKind:
    """One kind of ``--sut`` value: its name, what it claims, how to check and open it."""

    name: str
    #: exact ``--sut`` values of this kind (``demo``)
    names: tuple[str, ...] = ()
    #: prefixes of ``--sut`` values of this kind (``callable:``, ``http://``)
    prefixes: tuple[str, ...] = ()
    #: checks a value's form without importing or connecting; raises UserError
    check: Callable[[str], None] | None = None
    #: None for a kind that is not an in-process SUT (a wrapped command)
    open: Opener | None = None
    #: the adapter takes ``--batch-size`` itself (otherwise it sets ``max_batch``)
    own_batch_size: bool = False

    def claims(self, spec: str) -> bool:
        return spec in self.names or any(spec.startswith(p) for p in self.prefixes)


#: every registered kind, in the order their forms are listed to the user
SUT_KINDS: dict[str, SutKind] = {}


def register(kind: SutKind) -> SutKind:
    """Add ``kind`` to the registry (a second kind of the same name is a programming error)."""
    if kind.name in SUT_KINDS:
        raise ValueError(f"SUT kind {kind.name!r} is registered twice")
    SUT_KINDS[kind.name] = kind
    return kind


def _check_http(spec: str) -> None:
    parse_endpoint(spec)


def _check_cmd(spec: str) -> None:
    if not spec.removeprefix("cmd:").strip():
        raise UserError("cmd: needs the command to run, e.g. 'cmd:./harness --logdir {log_dir}'")


register(SutKind("demo", names=("demo",), own_batch_size=True,
                 open=lambda spec, batch, http: DemoModel(batch or 32)))
register(SutKind("noop", names=("noop",), open=lambda spec, batch, http: NoopSut()))
register(SutKind("callable", prefixes=("callable:",),
                 check=lambda spec: check_callable_spec(spec.removeprefix("callable:")),
                 open=lambda spec, batch, http: open_callable(spec.removeprefix("callable:"))))
register(SutKind("cmd", prefixes=("cmd:",), check=_check_cmd))
register(SutKind("http", prefixes=("http://", "https://"), check=_check_http,
                 open=lambda spec, batch, http: HttpSut(spec, http)))


def _kind_of(spec: str) -> SutKind:
    for kind in SUT_KINDS.values():
        if kind.claims(spec):
            return kind
    raise UserError(
        f"unknown SUT {spec!r}; use demo, noop, callable:MODULE:ATTR, http://HOST:PORT/... "
        "or cmd:COMMAND"
    )


def sut_kind(spec: str) -> str:
    """``demo``, ``noop``, ``callable``, ``http`` or ``cmd`` for a ``--sut`` value."""
    return _kind_of(spec).name


def check_sut_spec(spec: str) -> str:
    """The kind of ``spec`` once its form is checked, without opening or importing it.

    What a run starts in another process (``joulekit loadgen``) is checked here first, so
    a typo is one line before a director starts rather than a failed ranging phase.
    """
    kind = _kind_of(spec)
    if kind.check is not None:
        kind.check(spec)
    return kind.name


def open_sut(spec: str, *, batch_size: int | None = None, http: HttpOptions | None = None) -> Sut:
    """The in-process SUT for ``spec``; ``batch_size`` overrides the adapter's own."""
    kind = _kind_of(spec)
    if kind.open is None:
        raise UserError(f"{spec!r} runs its own LoadGen; it is not an in-process SUT")
    sut = kind.open(spec, batch_size, http)
    if batch_size is not None and not kind.own_batch_size:
        if batch_size < 1:
            raise UserError("--batch-size must be at least 1")
        sut.max_batch = batch_size
    return sut
