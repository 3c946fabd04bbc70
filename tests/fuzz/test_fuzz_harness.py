"""The fuzz harness itself catches what it claims to: an escaping exception, a printed
traceback, a hang past the budget and a write outside the case folder (otherwise a
clean campaign would prove nothing)."""

from __future__ import annotations

import random
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fuzz import campaign
from fuzz.mutate import mutate


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(campaign.SECRET)
    old = signal.signal(signal.SIGALRM, campaign._alarm)
    yield tmp_path
    signal.signal(signal.SIGALRM, old)


def _with_main(monkeypatch: pytest.MonkeyPatch, fake: Callable[[list[str]], int]) -> None:
    monkeypatch.setattr(campaign, "main", fake)


def _problems(work: Path) -> str:
    return " ".join(campaign.run_case("check", 1, work)["problems"])


def test_an_escaping_exception_is_caught(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(argv: list[str]) -> int:
        raise RuntimeError("bug")

    _with_main(monkeypatch, boom)
    assert "escaped RuntimeError" in _problems(work)


def test_internal_error_exit_counts_as_a_traceback(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_main(monkeypatch, lambda argv: 4)
    assert "traceback (exit 4)" in _problems(work)


def test_a_hang_is_cut_at_the_budget(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(campaign.BUDGET_S, "check", 0.3)

    def hang(argv: list[str]) -> int:
        time.sleep(30)
        return 0

    _with_main(monkeypatch, hang)
    started = time.monotonic()
    assert "hang" in _problems(work)
    assert time.monotonic() - started < 10


def test_a_write_outside_the_case_is_seen(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stray(argv: list[str]) -> int:
        (work / "outside" / "secret.txt").write_text("overwritten, longer than before")
        return 0

    _with_main(monkeypatch, stray)
    assert "changed outside its folder" in _problems(work)


def test_quoting_the_secret_is_seen(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def leak(argv: list[str]) -> int:
        print(campaign.SECRET)
        return 1

    _with_main(monkeypatch, leak)
    assert "outside the tree" in _problems(work)


def test_mutations_are_reproducible_by_seed(tmp_path: Path) -> None:
    done = []
    for name in ("a", "b"):
        root = tmp_path / name
        (root / "power").mkdir(parents=True)
        (root / "power" / "x.txt").write_text("1 2 3\nfour 5.5\n")
        (root / "power" / "y.json").write_text('{"k": [1, 2]}')
        done.append(mutate(random.Random("seed-7"), root, tmp_path / "outside"))
    assert done[0] == done[1] and done[0]


def test_content_mutations_never_read_a_sparse_giant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file an earlier mutation grew to a sparse giant (2 GiB) is no target of a byte
    edit: reading it whole ran the long check campaign out of memory (MemoryError)."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "small.txt").write_bytes(b"Time,1\nTime,2\n")
    giant = root / "giant.txt"
    giant.write_bytes(b"x")
    with open(giant, "r+b") as handle:
        handle.truncate(2 << 30)
    largest: list[int] = []
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        largest.append(path.stat().st_size)
        assert path.stat().st_size <= 64 << 20, f"read {path.name} whole ({path.stat().st_size})"
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    small = root / "small.txt"
    for seed in range(40):
        mutate(random.Random(seed), root, tmp_path)
        if small.is_symlink() or small.is_fifo():
            small.unlink()
        elif small.is_dir():
            shutil.rmtree(small)
        small.write_bytes(b"Time,1\nTime,2\n")
    assert largest  # the small file was edited
