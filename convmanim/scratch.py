"""A folder of this process's own, for files manim parses.

manim parses an SVG by writing a modified copy beside it (``NAME_.svg``) and
deleting it afterwards, and ``Text`` writes its SVG under a name made from its
text. Two renders sharing the label cache would delete or overwrite each
other's files, so each process parses its SVGs from its own folder, removed
when it exits, or by a later process once it has died (see
:func:`convmanim.files.working_folder`).

This module imports only the standard library.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from . import interrupt
from .files import release, working_folder

__all__ = ["PRIVATE_PREFIX", "private_copy", "private_dir", "remove_private_dir"]

_PRIVATE: Path | None = None
_PRIVATE_PID = 0
"""The process that made :data:`_PRIVATE` (a forked child makes its own)."""


def private_dir() -> Path:
    """The folder of this process (made on first use, removed when the process exits).

    A forked child makes a folder of its own: its parent's is not its own. The
    folder is held (locked) while its process lives, so that one left by a
    process that died is swept away by the next (see
    :func:`convmanim.files.working_folder`).
    """
    global _PRIVATE, _PRIVATE_PID, _HOLD
    if _PRIVATE is None or os.getpid() != _PRIVATE_PID or not _PRIVATE.is_dir():
        with interrupt.shielded():  # made and remembered together
            _PRIVATE, _HOLD = working_folder(Path(tempfile.gettempdir()), PRIVATE_PREFIX)
            _PRIVATE_PID = os.getpid()
            atexit.register(_drop, _PRIVATE, _HOLD, _PRIVATE_PID)
    return _PRIVATE


PRIVATE_PREFIX = "convmanim-private-"
"""The prefix of :func:`private_dir`'s folders, in the system's temporary folder."""

_HOLD: int | None = None


def _drop(folder: Path, hold: int | None, pid: int) -> None:
    """At exit: remove the folder, if this process made it (not a fork's parent's)."""
    if os.getpid() == pid:
        shutil.rmtree(folder, ignore_errors=True)
        release(hold)


def remove_private_dir() -> None:
    """Remove this process's folder now (a process that ends without ``atexit`` calls it)."""
    global _PRIVATE, _HOLD
    if _PRIVATE is not None and os.getpid() == _PRIVATE_PID:
        shutil.rmtree(_PRIVATE, ignore_errors=True)
        release(_HOLD)
        _PRIVATE, _HOLD = None, None


def private_copy(path: Path) -> Path:
    """``path``, linked (or copied) into :func:`private_dir` under its own name."""
    target = private_dir() / path.name
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target
