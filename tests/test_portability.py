"""The package imports on any OS: POSIX-only modules are not needed to import it."""

from __future__ import annotations

import subprocess
import sys

# The standard library's modules that exist on POSIX systems only.
POSIX_ONLY = ("fcntl", "termios", "tty", "pty", "resource", "syslog", "grp", "pwd")

SCRIPT = f"""
import sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None  # import name -> ImportError, as on Windows
import convmanim
from convmanim import (AlphabetRelationshipScene, AlphabetScene, ArithmeticScene, ConvSpec,
                       NumericalScene)
import convmanim.cli, convmanim.labels, convmanim.lecture, convmanim.notex, convmanim.render
import convmanim.slides, convmanim.texrun, convmanim.writer
import convmanim.modes.title
for name in {POSIX_ONLY!r}:
    assert sys.modules[name] is None, name  # nothing imported it behind our back
print("imported")
"""


def test_scene_classes_import_without_posix_only_modules() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "imported"
