"""Tasks run in forked processes that never outlive the process that started them.

:func:`run_forked` runs ``func(0) .. func(count - 1)``, each in a process of
its own forked from the caller, a few at a time, and yields the results in
order. However the work ends, no worker is left behind:

* **An error or an interrupt in the caller** (Ctrl-C, or ``SIGTERM`` turned
  into :class:`KeyboardInterrupt`) stops every worker: each gets ``SIGTERM``,
  which ends its task as an interrupt does (so its own temporary files are
  removed), and one that has not ended :data:`STOP_GRACE` seconds later gets
  ``SIGKILL``. The caller returns only once every worker has ended, so that a
  folder it then removes is not written into again.
* **The caller killed outright** (``SIGKILL``, or out of memory): each worker
  watches its parent (:func:`os.getppid` changes when the parent ends) and
  stops itself within :data:`PARENT_POLL` seconds, as if it had been sent
  ``SIGTERM``, then cleans up what the caller would have (``orphaned``). The
  watch is a thread of the worker, not ``PR_SET_PDEATHSIG``: that fires when
  the *thread* that forked the worker ends, which is not the end of the
  process, and it is Linux only.
* **A worker killed on its own**: the caller raises :class:`WorkerError` (a
  worker's exception is raised in the caller as it is).

Ctrl-C reaches every process of the terminal's foreground group, so workers
ignore ``SIGINT`` and leave it to the caller, which stops them all.

A worker never garbage-collects the objects it inherits (:func:`gc.freeze`
around the fork). The caller may hold garbage it has not collected yet, such
as an encoder of an earlier render, whose destructor joins the encoder's
threads: a fork copies only the forking thread, so that destructor run in the
worker would wait forever for threads it does not have. The caller collects
its own garbage, where those threads exist.

This module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.pool import RemoteTraceback
from typing import Any

__all__ = ["PARENT_POLL", "STOP_GRACE", "WorkerError", "can_fork", "run_forked"]

STOP_GRACE = 10.0
"""Seconds a worker has to clean up after ``SIGTERM`` before it is killed."""

PARENT_POLL = 0.2
"""Seconds between a worker's looks at whether its parent is still there."""

EXIT_STOPPED = 130
"""Exit code of a worker stopped by a signal (as the command line's)."""

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class WorkerError(RuntimeError):
    """A worker ended without a result: killed, or stopped by a signal.

    Attributes
    ----------
    index
        The task the worker ran.
    exitcode
        The worker's exit code (negative: the signal that killed it).
    """

    def __init__(self, index: int, exitcode: int | None) -> None:
        if exitcode is not None and exitcode < 0:
            try:
                how = f"was killed by {signal.Signals(-exitcode).name}"
            except ValueError:
                how = f"was killed by signal {-exitcode}"
        elif exitcode == EXIT_STOPPED:
            how = "was stopped by a signal"
        else:
            how = f"ended with exit code {exitcode} and no result"
        super().__init__(how)
        self.index = index
        self.exitcode = exitcode


def can_fork() -> bool:
    """Whether this platform can fork worker processes (not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


# ------------------------------------------------------------------ worker side
def _stop(signum: int, frame: Any) -> None:
    """``SIGTERM`` in a worker: stop its task as an interrupt would, once."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


_ORPHANED = threading.Event()
"""Set in a worker whose parent has ended."""


def _watch_parent(parent: int) -> None:
    """Stop this worker soon after ``parent`` ends, and end it if it does not stop."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    _ORPHANED.set()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_GRACE)
    os._exit(EXIT_STOPPED)


def _send(conn: Connection, message: tuple[str, Any]) -> None:
    """Send ``message``; an unpicklable result or error goes as its text."""
    try:
        data = pickle.dumps(message)
    except Exception:  # whatever failed, the caller still hears of it
        kind, value = message
        if kind == "error":
            exc, text = value
            value = (RuntimeError(f"{type(exc).__name__}: {exc}"), text)
        else:
            value = repr(value)
        data = pickle.dumps((kind, value))
    conn.send_bytes(data)


def _worker(func: Callable[[int], Any], index: int, conn: Connection, parent: int,
            orphaned: Callable[[], None] | None) -> None:
    """Body of a worker: run ``func(index)`` and send back its result or error."""
    from .scratch import remove_private_dir

    # Ctrl-C, SIGHUP and SIGQUIT reach the whole process group from a terminal:
    # they are the caller's to handle, which stops every worker with SIGTERM
    for name in ("SIGINT", "SIGHUP", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent",
                     daemon=True).start()
    try:
        # the stop signals were blocked across the fork (see run_forked)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        if os.getppid() != parent:  # the parent ended before the watch began
            _ORPHANED.set()
            raise KeyboardInterrupt
        result = func(index)
    except KeyboardInterrupt:
        if orphaned is not None and _ORPHANED.is_set():
            with contextlib.suppress(Exception):
                orphaned()
        sys.exit(EXIT_STOPPED)
    except BaseException as exc:  # raised again in the caller
        _send(conn, ("error", (exc, traceback.format_exc())))
    else:
        _send(conn, ("ok", result))
    finally:
        remove_private_dir()  # a forked process ends without atexit
        conn.close()


# ------------------------------------------------------------------ caller side
def run_forked(func: Callable[[int], Any], count: int, jobs: int, *,
               orphaned: Callable[[], None] | None = None) -> Iterator[Any]:
    """Run ``func(0) .. func(count - 1)``, each in its own forked process; yield the results.

    At most ``jobs`` processes run at once, each forked from the calling
    thread when a slot frees; the results come in order of index, each as
    soon as it and those before it are done. ``func`` and the results of
    its calls must be picklable only as far as the results go: ``func`` is
    inherited through the fork. Close the generator (or exhaust it) to stop
    the workers: use ``contextlib.closing`` where the loop may be left early.

    Parameters
    ----------
    func
        Called once in each worker with the task's index.
    count
        Number of tasks.
    jobs
        Workers at once (at least one).
    orphaned
        Called in a worker that stops because this process has ended (what
        this process would have cleaned up, such as a shared folder); it
        must be safe for several workers to call at once.

    Yields
    ------
    object
        ``func(index)`` for index 0, 1, ... in order.

    Raises
    ------
    WorkerError
        If a worker ended without a result.
    BaseException
        What a worker's ``func`` raised (its traceback as the cause); the
        other workers are stopped first.
    """
    context = multiprocessing.get_context("fork")
    parent = os.getpid()
    pending = list(range(count))[::-1]
    running: dict[int, tuple[Any, Connection]] = {}
    messages: dict[int, tuple[str, Any]] = {}
    results: dict[int, Any] = {}
    following = 0
    try:
        while following < count:
            while pending and len(running) < max(1, jobs):
                index = pending.pop()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_worker,
                                          args=(func, index, send, parent, orphaned),
                                          name=f"convmanim-worker-{index}")
                # a stop signal between the fork and the worker's own handlers
                # would meet the caller's handler there: the worker unblocks them
                previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
                # the worker never collects what it inherits (see the module's notes)
                gc.freeze()
                try:
                    process.start()
                finally:
                    gc.unfreeze()
                    signal.pthread_sigmask(signal.SIG_SETMASK, previous)
                    send.close()
                running[index] = (process, receive)
            waiting: dict[Any, int] = {}
            for index, (process, receive) in running.items():
                waiting[process.sentinel] = index
                if index not in messages:
                    waiting[receive] = index
            for ready in wait(list(waiting)):
                index = waiting[ready]
                if index not in running:  # its end and its message were both ready
                    continue
                process, receive = running[index]
                if ready is receive:
                    with contextlib.suppress(EOFError, OSError):
                        messages[index] = pickle.loads(receive.recv_bytes())
                    continue
                if index not in messages and receive.poll():  # sent just before it ended
                    with contextlib.suppress(EOFError, OSError):
                        messages[index] = pickle.loads(receive.recv_bytes())
                process.join()
                receive.close()
                del running[index]
                kind, value = messages.pop(index, ("none", None))
                if kind == "error":
                    exc, text = value
                    raise exc from RemoteTraceback(text)
                if kind != "ok":
                    raise WorkerError(index, process.exitcode)
                results[index] = value
            while following in results:
                yield results.pop(following)
                following += 1
    finally:
        _stop_all([process for process, _ in running.values()])
        for _, receive in running.values():
            receive.close()


def _stop_all(processes: list[Any]) -> None:
    """Send ``SIGTERM`` to every worker still running, wait for all, kill the slow ones.

    An interrupt while waiting (a second Ctrl-C) kills the rest at once; it
    is raised again once every worker has ended.
    """
    interrupt: KeyboardInterrupt | None = None
    while True:
        try:
            _end(processes, grace=0.0 if interrupt is not None else STOP_GRACE)
            break
        except KeyboardInterrupt as exc:
            interrupt = exc
    if interrupt is not None:
        raise interrupt


def _end(processes: list[Any], grace: float) -> None:
    """:func:`_stop_all`'s work, safe to repeat."""
    for process in processes:
        if process.exitcode is None:
            with contextlib.suppress(OSError):
                process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.exitcode is None:
            with contextlib.suppress(OSError):
                process.kill()
            process.join()
