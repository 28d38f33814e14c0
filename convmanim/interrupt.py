"""Interrupts: Ctrl-C, SIGTERM, SIGHUP and SIGQUIT all end a render the same way.

The first of these signals raises :class:`Interrupted` (a
:class:`KeyboardInterrupt`) in the main thread, so that every ``finally`` and
``except`` on the way out runs: encoders stop, temporary files are removed,
LaTeX is stopped. Every later signal is ignored until the way out is done: a
second Ctrl-C (or a ``kill`` repeated by an impatient supervisor) can no
longer cut the clean-up short, crash the encoder or leave a file behind.

:func:`shielded` holds a signal back while a few steps must happen together
(renaming several files into place, closing an encoder) and raises it when
they are done.

The command line installs the handlers before it imports anything heavy
(:func:`install`); the render functions install them for their own duration
when called from Python (:func:`guarded`), and restore the caller's on the
way out. Only the main thread can install handlers; elsewhere both do
nothing.

This module imports only the standard library.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager

TYPE_CHECKING = False  # not typing's: imported in the command line's first moments
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = ["SIGNALS", "Interrupted", "check", "finish", "guarded", "hold", "install",
           "interrupted", "let_go", "shielded"]

SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
    if hasattr(signal, name)
)
"""The signals that interrupt a render: each one exits with 130 and leaves no file."""


class Interrupted(KeyboardInterrupt):
    """A render was interrupted by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


class _State:
    installed = False
    previous: dict[int, Any] = {}  # noqa: RUF012 (one process-wide state)
    caught: int | None = None
    """The signal that raised :class:`Interrupted`; later ones are ignored."""
    shield = 0
    pending: int | None = None
    finished = False
    unraisable: Any = None


_state = _State()


def _handler(signum: int, frame: Any) -> None:
    if _state.caught is not None or _state.finished:
        return  # already on the way out: nothing may cut it short
    if _state.shield:
        _state.pending = _state.pending or signum
        return
    _state.caught = signum
    raise Interrupted(signum)


def install() -> bool:
    """Handle :data:`SIGNALS` from now on (in the main thread only).

    Returns
    -------
    bool
        Whether the handlers were installed by this call (``False`` when they
        already were, or outside the main thread).
    """
    if _state.installed:
        return False
    previous = {}
    for signum in SIGNALS:
        try:
            previous[signum] = signal.signal(signum, _handler)
        except ValueError:  # not the main thread: only it can handle signals
            break
        except OSError:  # pragma: no cover - a signal the platform refuses
            continue
    if not previous:
        return False
    _state.previous = previous
    _state.unraisable = sys.unraisablehook
    sys.unraisablehook = _unraisable
    _state.installed = True
    return True


def _unraisable(info: Any) -> None:
    """Python cannot raise an exception out of a finalizer or a weak reference's callback.

    An interrupt that lands there is not lost: :func:`check` raises it again
    at the next step of the render. Nothing is printed for it.
    """
    if isinstance(info.exc_value, Interrupted):
        return
    (_state.unraisable or sys.__unraisablehook__)(info)


def _uninstall() -> None:
    sys.unraisablehook = _state.unraisable or sys.__unraisablehook__
    _state.unraisable = None
    for signum, handler in _state.previous.items():
        signal.signal(signum, handler)
    _state.previous = {}
    _state.installed = False
    _state.caught = None
    _state.pending = None
    _state.shield = 0
    _state.finished = False


@contextmanager
def guarded() -> Iterator[None]:
    """Handle :data:`SIGNALS` while active; restore the previous handlers after.

    Inside an outer :func:`guarded` (or after :func:`install`), it does
    nothing: the outer one decides.
    """
    mine = install()
    try:
        yield
    finally:
        if mine:
            _uninstall()


@contextmanager
def shielded() -> Iterator[None]:
    """Hold any signal back while the block runs, and raise it when the block ends.

    Outside the main thread, or when the handlers are not installed, it only
    runs the block.
    """
    hold()
    try:
        yield
    finally:
        let_go()


def hold() -> None:
    """Hold signals back until the matching :func:`let_go` (see :func:`shielded`)."""
    _state.shield += 1


def let_go() -> None:
    """End a :func:`hold`; raise a signal held back meanwhile, once none is left."""
    _state.shield = max(0, _state.shield - 1)
    if not _state.shield and _state.pending is not None:
        signum, _state.pending = _state.pending, None
        if _state.caught is None and not _state.finished:
            _state.caught = signum
            raise Interrupted(signum)


def check() -> None:
    """Raise :class:`Interrupted` if a signal came and its exception was lost.

    Python drops an exception raised inside a finalizer or a weak
    reference's callback (printing "Exception ignored"), and a signal can
    land there. Long loops call this at each step, so such an interrupt still
    ends the render. It never raises while a signal is held back
    (:func:`shielded`) or once the outcome is decided (:func:`finish`).
    """
    if _state.caught is not None and not _state.shield and not _state.finished:
        raise Interrupted(_state.caught)


def interrupted() -> int | None:
    """The signal that interrupted this render, or ``None``."""
    return _state.caught


def finish() -> None:
    """The outcome is decided (the command is exiting): ignore every later signal.

    The signals are then ignored by the system itself (``SIG_IGN``), which
    Python keeps while it shuts down, so that a signal during shutdown cannot
    change the exit code. :func:`guarded` restores the previous handlers.
    """
    _state.finished = True
    if _state.installed:
        for signum in _state.previous:
            try:
                signal.signal(signum, signal.SIG_IGN)
            except ValueError:  # not the main thread
                return
