"""A user's Python model as a SUT: ``callable:package.module:attr``.

The attribute may be a :class:`~joulekit.loadgen.sut.base.Sut` (instance or class), a
class whose instances are callable or have ``predict``, or a plain function. Whatever
it is, it is called with a list of sample indices and may return one output per index
(bytes, a numpy row, a number) or ``None``. Optional attributes on it tune the harness
without subclassing anything: ``max_batch``, ``workers``, ``total_samples``,
``performance_samples``, ``load_samples(indices)``, ``unload_samples(indices)``,
``close()``. A function is the least a user has to write, so it is what we accept.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from joulekit.errors import UserError
from joulekit.loadgen.sut.base import Completion, FirstToken, Output, Sut


def _split_spec(spec: str) -> tuple[str, str]:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UserError(f"callable SUT {spec!r} must look like 'package.module:name'")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    return module_name, attr


def check_callable_spec(spec: str) -> None:
    """``module:attr`` is well formed and its module can be found, without running the
    module itself (a model may take minutes to load; ``joulekit loadgen`` loads it)."""
    module_name, _ = _split_spec(spec)
    try:
        found = importlib.util.find_spec(module_name)
    except (ImportError, ValueError) as err:
        raise UserError(f"cannot import {module_name!r} for the SUT: {err}") from None
    if found is None:
        raise UserError(
            f"cannot import {module_name!r} for the SUT: no such module",
            hint="run from the folder that holds it, or install it into this environment",
        )


def load_attr(spec: str) -> Any:
    """Import ``module:attr`` (``attr`` may be dotted); the current folder is importable."""
    module_name, attr = _split_spec(spec)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as err:
        raise UserError(f"cannot import {module_name!r} for the SUT: {err}") from err
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UserError(f"module {module_name!r} has no attribute {attr!r}") from None
    return obj


def _to_output(value: Any) -> Output:
    if isinstance(value, bytes | Completion):
        return value
    if isinstance(value, str):
        return value.encode()
    return np.ascontiguousarray(value).tobytes()


class CallableSut(Sut):
    """Wraps a user's object; see the module docstring for what it may provide."""

    def __init__(self, target: Any, name: str) -> None:
        if isinstance(target, type):
            try:
                target = target()
            except TypeError as err:
                raise UserError(f"cannot construct {name} with no arguments: {err}") from err
        fn: Callable[..., Any] | None = getattr(target, "predict", None)
        if fn is None and callable(target):
            fn = target
        if fn is None:
            raise UserError(f"{name} is neither callable nor has a predict() method")
        self._fn = fn
        self._target = target
        self.name = str(getattr(target, "name", name))
        for attr in ("max_batch", "workers", "total_samples", "performance_samples"):
            value = getattr(target, attr, None)
            if value is not None:
                if not isinstance(value, int) or value < 0:
                    raise UserError(f"{name}.{attr} must be a non-negative integer")
                setattr(self, attr, value)
        self.performance_samples = min(self.performance_samples, self.total_samples)

    def load_samples(self, indices: Sequence[int]) -> None:
        hook = getattr(self._target, "load_samples", None)
        if hook is not None:
            hook(list(indices))

    def unload_samples(self, indices: Sequence[int]) -> None:
        hook = getattr(self._target, "unload_samples", None)
        if hook is not None:
            hook(list(indices))

    def run_batch(
        self, indices: Sequence[int], first_token: FirstToken | None
    ) -> Sequence[Output] | None:
        result = self._fn(list(indices))
        if result is None:
            return None
        return [_to_output(item) for item in result]

    def close(self) -> None:
        hook = getattr(self._target, "close", None)
        if hook is not None:
            hook()


def open_callable(spec: str) -> Sut:
    """The SUT for ``module:attr``; a ``Sut`` object is used as it is."""
    target = load_attr(spec)
    if isinstance(target, Sut):
        return target
    if isinstance(target, type) and issubclass(target, Sut):
        return target()
    return CallableSut(target, spec)
