"""The built-in demo model: a small numpy network that does real work.

A demo whose SUT sleeps would measure idle power and teach nothing; this one runs a
four-layer perceptron on every sample, so energy per sample moves with batch size and
thread count the way a real model's does. Weights and inputs come from fixed seeds,
so every machine computes the same answers, and accuracy mode can be scored against
the same network evaluated in float64 (the "reference implementation").
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from joulekit.errors import UserError
from joulekit.loadgen.sut.base import FirstToken, Output, Sut

WEIGHT_SEED = 20_240_917
DATA_SEED = 7
LAYERS = (256, 1024, 1024, 512, 10)
SAMPLES = 1024

Array = np.ndarray[Any, Any]


def demo_weights(dtype: Any = np.float32) -> list[tuple[Array, Array]]:
    """The fixed weights and biases, scaled so activations neither vanish nor explode."""
    rng = np.random.default_rng(WEIGHT_SEED)
    layers = []
    for fan_in, fan_out in itertools.pairwise(LAYERS):
        w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        b = rng.standard_normal(fan_out) * 0.01
        layers.append((w.astype(dtype), b.astype(dtype)))
    return layers


def demo_inputs(dtype: Any = np.float32) -> Array:
    """The data set: one fixed input vector per sample index."""
    return np.random.default_rng(DATA_SEED).standard_normal((SAMPLES, LAYERS[0])).astype(dtype)


def forward(layers: list[tuple[Array, Array]], x: Array) -> Array:
    """ReLU MLP; returns the class logits."""
    for i, (w, b) in enumerate(layers):
        x = x @ w + b
        if i < len(layers) - 1:
            np.maximum(x, 0, out=x)
    return x


def reference_predictions() -> Array:
    """Class of every sample by the float64 network: the accuracy-mode ground truth."""
    logits = forward(demo_weights(np.float64), demo_inputs(np.float64))
    return np.asarray(np.argmax(logits, axis=1), dtype=np.int32)


class DemoModel(Sut):
    """The demo network as a SUT; outputs are the predicted class as int32 bytes."""

    name = "joulekit-demo-mlp"
    total_samples = SAMPLES
    performance_samples = SAMPLES

    def __init__(self, batch_size: int = 32) -> None:
        self.max_batch = max(1, batch_size)
        self._layers = demo_weights()
        self._inputs = demo_inputs()

    def run_batch(self, indices: Sequence[int], first_token: FirstToken | None) -> list[Output]:
        rows = np.fromiter(indices, dtype=np.intp, count=len(indices))
        logits = forward(self._layers, self._inputs[rows])
        classes = np.argmax(logits, axis=1).astype(np.int32)
        return [c.tobytes() for c in classes]

    def describe(self) -> str:
        shape = "x".join(str(n) for n in LAYERS)
        return f"{self.name} ({shape} MLP, batch {self.max_batch})"


def score_accuracy(accuracy_log: Path) -> tuple[float, int]:
    """Share of logged samples whose class equals the float64 reference, and their count."""
    try:
        entries = json.loads(accuracy_log.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read the accuracy log {accuracy_log}: {err}") from err
    truth = reference_predictions()
    right = 0
    for entry in entries:
        predicted = int(np.frombuffer(bytes.fromhex(entry["data"]), dtype=np.int32)[0])
        right += predicted == int(truth[int(entry["qsl_idx"])])
    return (right / len(entries) if entries else 0.0), len(entries)
