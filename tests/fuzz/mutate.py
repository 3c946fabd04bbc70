"""Seeded mutations of a copied result tree: what a careless user or an attacker does.

Each mutation takes a ``random.Random`` and a folder and changes one file (or the tree
around it) in place, returning a short description so a failing seed can be replayed
and read. Byte-level edits (flips, cuts, garbage, huge lines, odd numbers) exercise the
parsers; file-level ones (FIFO, link out of the tree, sparse giant, folder in place of a
file, deep JSON nesting) exercise the checker's and packager's file guards.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

#: numbers a hostile file puts where a number is expected
ODD_NUMBERS = (b"nan", b"inf", b"-inf", b"-1", b"0", b"1e309", b"99999999999999999999999",
               b"\xc2\xb2", b"0x10", b"", b"1_000", b"-0")
#: a byte edit reads its file whole: a larger file (a sparse giant an earlier mutation
#: made) only gets a file-level mutation, or the campaign itself runs out of memory
CONTENT_LIMIT = 64 << 20
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_bytes(rng: random.Random, path: Path, outside: Path) -> str:
    data = bytearray(path.read_bytes())
    if not data:
        return "flip: empty file"
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return "flipped bytes"


def truncate(rng: random.Random, path: Path, outside: Path) -> str:
    data = path.read_bytes()
    cut = rng.randrange(len(data) + 1)
    path.write_bytes(data[:cut])
    return f"cut at byte {cut}"


def drop_line(rng: random.Random, path: Path, outside: Path) -> str:
    lines = _lines(path.read_bytes())
    index = rng.randrange(len(lines))
    del lines[index]
    path.write_bytes(b"\n".join(lines))
    return f"deleted line {index + 1}"


def duplicate_or_swap(rng: random.Random, path: Path, outside: Path) -> str:
    lines = _lines(path.read_bytes())
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines.insert(b, lines[a])
        what = f"copied line {a + 1} to {b + 1}"
    else:
        lines[a], lines[b] = lines[b], lines[a]
        what = f"swapped lines {a + 1} and {b + 1}"
    path.write_bytes(b"\n".join(lines))
    return what


def garbage_line(rng: random.Random, path: Path, outside: Path) -> str:
    lines = _lines(path.read_bytes())
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
    junk = rng.choice([junk, b"\x00" * 16, b"\r\r\r", b":::MLLOG {", b"{}", b"Time,", b"\xff\xfe"])
    lines.insert(rng.randrange(len(lines) + 1), junk)
    path.write_bytes(b"\n".join(lines))
    return f"inserted garbage {junk[:20]!r}"


def odd_number(rng: random.Random, path: Path, outside: Path) -> str:
    data = path.read_bytes()
    matches = list(_NUMBER.finditer(data))
    if not matches:
        return "no number"
    count = 0
    for match in rng.sample(matches, min(len(matches), rng.randint(1, 5))):
        data = data[: match.start()] + rng.choice(ODD_NUMBERS) + data[match.end():]
        count += 1
        matches = list(_NUMBER.finditer(data))
        if not matches:
            break
    path.write_bytes(data)
    return f"replaced {count} numbers by odd ones"


def huge_line(rng: random.Random, path: Path, outside: Path) -> str:
    lines = _lines(path.read_bytes())
    size = rng.choice([70_000, 300_000, 1_000_000])
    lines.insert(rng.randrange(len(lines) + 1), b"Q" * size)
    path.write_bytes(b"\n".join(lines))
    return f"inserted a {size}-byte line"


def deep_nesting(rng: random.Random, path: Path, outside: Path) -> str:
    depth = rng.choice([5_000, 100_000])
    path.write_bytes(b'{"version": ' + b"[" * depth + b"]" * depth + b"}")
    return f"JSON nested {depth} deep"


def empty(rng: random.Random, path: Path, outside: Path) -> str:
    path.write_bytes(b"")
    return "emptied"


def remove(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    return "deleted"


def folder_instead(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    path.mkdir()
    return "replaced by a folder"


def fifo_instead(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    os.mkfifo(path)
    return "replaced by a FIFO"


def link_outside(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    path.symlink_to(outside)
    return "replaced by a link out of the tree"


def link_loop(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    path.symlink_to(path.name)
    return "replaced by a link to itself"


def sparse_giant(rng: random.Random, path: Path, outside: Path) -> str:
    with open(path, "r+b") as handle:
        handle.truncate(rng.choice([300 << 20, 2 << 30]))
    return "grown to a sparse giant"


def folder_link_outside(rng: random.Random, path: Path, outside: Path) -> str:
    folder = path.parent
    moved = outside.parent / f"moved-{folder.name}-{rng.randrange(1 << 30)}"
    shutil.move(str(folder), moved)
    folder.symlink_to(moved, target_is_directory=True)
    return f"folder {folder.name}/ moved out and linked"


Mutation = Callable[[random.Random, Path, Path], str]
CONTENT: tuple[Mutation, ...] = (flip_bytes, truncate, drop_line, duplicate_or_swap,
                                 garbage_line, odd_number, huge_line, empty)
FILES: tuple[Mutation, ...] = (remove, folder_instead, fifo_instead, link_outside, link_loop,
                               sparse_giant, folder_link_outside)


def mutate(rng: random.Random, root: Path, outside: Path) -> list[str]:
    """Apply one to three mutations to files below ``root``; ``outside`` is a file
    outside the tree that links may point to. Returns what was done, in order."""
    done: list[str] = []
    for _ in range(rng.randint(1, 3)):
        files = _files(root)
        if not files:
            break
        path = rng.choice(files)
        if path.suffix == ".json" and rng.random() < 0.15:
            op: Mutation = deep_nesting
        elif rng.random() < 0.2 or path.stat().st_size > CONTENT_LIMIT:
            op = rng.choice(FILES)
        else:
            op = rng.choice(CONTENT)
        done.append(f"{path.relative_to(root).as_posix()}: {op(rng, path, outside)}")
    return done
