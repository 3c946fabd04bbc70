"""One folder of a git commit, extracted from a bare mirror (the reference tools of a
round are run from the commit current at its deadline; never imported)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path


def extract_tree(git_dir: Path, commit: str, folder: str, target: Path) -> None:
    """``folder`` of ``commit`` from the bare repository ``git_dir``, under ``target``."""
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", commit, folder],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
