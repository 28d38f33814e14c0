"""The ``convmanim`` command's entry point: interrupts are handled from the first moment.

The signal handlers (:mod:`convmanim.interrupt`) are installed before the
command line, click, numpy or manim are imported, so that Ctrl-C or SIGTERM
even while Python loads them is one line and exit code 130, not a traceback.
"""

from __future__ import annotations

import sys
from contextlib import suppress

from . import interrupt

EXIT_INTERRUPTED = 130


def main() -> None:
    """Run the ``convmanim`` command line (:func:`convmanim.cli.main`)."""
    try:
        interrupt.install()  # first of all: before click, numpy or manim are imported
        from .cli import main as cli

        cli()  # exits with its own code, 130 for an interrupt
    except KeyboardInterrupt:  # while the command line itself was imported
        interrupt.finish()
        with suppress(OSError, ValueError):
            sys.stderr.write("convmanim: interrupted\n")
        _leave(EXIT_INTERRUPTED)
    except SystemExit as done:
        if done.code not in (0, None):
            _leave(done.code if isinstance(done.code, int) else 1)
        raise


def _leave(code: int) -> None:
    """Exit now with ``code``, after the exit handlers, without waiting for other threads.

    A failed or interrupted render can leave a thread of a library waiting
    for frames that will never come (manim's encoder of an animation cut
    short); Python would wait for it for ever before exiting. The exit
    handlers (LaTeX stopped, private folders removed) still run.
    """
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)
