"""A folder of this process's own, for files manim parses.

manim parses an SVG by writing a modified copy beside it (``NAME_.svg``) and
deleting it afterwards, and ``Text`` writes its SVG under a name made from its
text. Two renders sharing the label cache would delete or overwrite each
other's files, so each process parses its SVGs from its own folder, removed
when it exits.

This module imports only the standard library.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["private_copy", "private_dir"]

_PRIVATE: Path | None = None


def private_dir() -> Path:
    """The folder of this process (made on first use, removed when the process exits)."""
    global _PRIVATE
    if _PRIVATE is None or not _PRIVATE.is_dir():
        _PRIVATE = Path(tempfile.mkdtemp(prefix=f"convmanim-{os.getpid()}-"))
        atexit.register(shutil.rmtree, _PRIVATE, ignore_errors=True)
    return _PRIVATE


def private_copy(path: Path) -> Path:
    """``path``, linked (or copied) into :func:`private_dir` under its own name."""
    target = private_dir() / path.name
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target
