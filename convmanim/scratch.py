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

__all__ = ["private_copy", "private_dir", "remove_private_dir"]

_PRIVATE: Path | None = None
_PRIVATE_PID = 0
"""The process that made :data:`_PRIVATE` (a forked child makes its own)."""


def private_dir() -> Path:
    """The folder of this process (made on first use, removed when the process exits).

    A forked child makes a folder of its own: its parent's is not its own.
    """
    global _PRIVATE, _PRIVATE_PID
    if _PRIVATE is None or os.getpid() != _PRIVATE_PID or not _PRIVATE.is_dir():
        _PRIVATE = Path(tempfile.mkdtemp(prefix=f"convmanim-{os.getpid()}-"))
        _PRIVATE_PID = os.getpid()
        atexit.register(shutil.rmtree, _PRIVATE, ignore_errors=True)
    return _PRIVATE


def remove_private_dir() -> None:
    """Remove this process's folder now (a process that ends without ``atexit`` calls it)."""
    global _PRIVATE
    if _PRIVATE is not None and os.getpid() == _PRIVATE_PID:
        shutil.rmtree(_PRIVATE, ignore_errors=True)
        _PRIVATE = None


def private_copy(path: Path) -> Path:
    """``path``, linked (or copied) into :func:`private_dir` under its own name."""
    target = private_dir() / path.name
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target
