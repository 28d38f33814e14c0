r"""LaTeX runs over many labels that start before the labels are known.

Loading its format and preamble is most of what ``latex`` does for a few dozen
labels. A :class:`LatexRun` starts ``latex`` on a document whose pages come
through a named pipe (read by TeX's own ``\@@input``, which opens it once), so
that the preamble loads while the labels are still being collected; the pages
are sent when they are all known. ``dvisvgm`` then writes one SVG per page.

This module does not import manim: the command line starts a spare run for
manim's default template (:func:`start_spare`) while manim itself is still
importing, and :mod:`convmanim.labels` takes it (:func:`take_spare`) if its
first pass finds labels missing.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import hashlib
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import interrupt
from .files import FileError, read_limited, release, working_folder

__all__ = ["DEFAULT_HEAD", "NO_TEX_ENV", "SAFE_TEX_ENV", "LatexRun", "document_head",
           "forget_labels", "labels_cached", "no_tex_requested", "note_label", "remember_labels",
           "start_spare", "take_spare", "write_atomically"]

SAFE_TEX_ENV = {"shell_escape": "f", "openin_any": "p", "openout_any": "p"}
"""kpathsea settings for every LaTeX run: no shell escape at all, and no reading
or writing of files outside the working folder and the TeX trees (absolute
paths, parent folders and dot files are refused)."""

NO_TEX_ENV = "CONVMANIM_NO_TEX"
"""Set to ``1`` to typeset every label with Pango, as ``--no-tex`` does."""


def no_tex_requested() -> bool:
    """Whether :data:`NO_TEX_ENV` asks for Pango labels."""
    return os.environ.get(NO_TEX_ENV, "").strip().lower() in ("1", "true", "yes", "on")


PAGE_ENVIRONMENT = "convmanimpage"
"""Each label is one ``standalone`` page in this environment."""

_PAGES = "pages.tex"

BATCH_PREFIX = "convmanim-batch-"
"""The working folders of LaTeX runs, in the Tex cache."""


def document_head(class_options: str, preamble: str, post_doc_commands: str) -> str:
    r"""The document up to its pages: ``standalone`` with one page per label.

    Parameters
    ----------
    class_options
        The template's ``standalone`` options (manim's default: ``preview``).
    preamble
        The template's preamble.
    post_doc_commands
        What the template puts right after ``\begin{document}``.
    """
    options = ",".join(o for o in (class_options, f"multi={PAGE_ENVIRONMENT}") if o)
    return "\n".join(
        [
            f"\\documentclass[{options}]{{standalone}}",
            preamble,
            f"\\newenvironment{{{PAGE_ENVIRONMENT}}}{{}}{{}}",
            r"\begin{document}",
            post_doc_commands,
        ]
    )


DEFAULT_HEAD = document_head(
    "preview",
    "\\usepackage[english]{babel}\n\\usepackage{amsmath}\n\\usepackage{amssymb}",
    "",
)
"""The head for manim's default :class:`~manim.utils.tex.TexTemplate` (a test
keeps the two in step)."""


def _start(command: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start a TeX program in ``cwd`` with :data:`SAFE_TEX_ENV`; its stderr is piped."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **SAFE_TEX_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


class LatexRun:
    """``latex`` over a multi-page document in a fresh folder, then ``dvisvgm``.

    Parameters
    ----------
    parent
        Folder to work in (a subfolder is made and removed by :meth:`close`);
        put it next to where the SVGs go, so that moving them is atomic.
    head
        The document up to its pages (see :func:`document_head`).
    start
        Start ``latex`` now, reading its pages from a named pipe; otherwise
        (or where there are no named pipes) it starts in :meth:`typeset`.
    compiler
        The TeX program (it must write DVI).
    """

    def __init__(self, parent: Path, head: str, *, start: bool = True,
                 compiler: str = "latex") -> None:
        self.key = (str(parent), head, compiler)
        self.compiler = compiler
        self.latex: subprocess.Popen[bytes] | None = None
        self._pipe: int | None = None
        with interrupt.shielded():  # made whole, or not at all: never a folder left
            # held while in use: a folder left by a process that died is swept away
            self.work, self._hold = working_folder(parent, BATCH_PREFIX)
            self._begin(head, start)

    def _begin(self, head: str, start: bool) -> None:
        """Write the document and start LaTeX (or not); on failure, clean up."""
        try:
            document = f"{head}\n\\csname @@input\\endcsname {_PAGES} \n\\end{{document}}\n"
            (self.work / "labels.tex").write_text(document, encoding="utf-8")
            if start and hasattr(os, "mkfifo"):
                os.mkfifo(self.work / _PAGES)
                # Held open for reading and writing, so opening never blocks either
                # side; LaTeX reads the end of its pages when this end is closed,
                # which also happens if this process dies once LaTeX has opened it.
                self._pipe = os.open(self.work / _PAGES, os.O_RDWR | os.O_NONBLOCK)
                self._start_latex()
        except BaseException:
            self.close()
            raise

    def _start_latex(self) -> None:
        self.latex = _start(
            [self.compiler, "-interaction=batchmode", "-halt-on-error", "-no-shell-escape",
             "labels.tex"],
            self.work,
        )

    @property
    def log(self) -> Path:
        """LaTeX's log, for naming what went wrong."""
        return self.work / "labels.log"

    def alive(self) -> bool:
        """Whether ``latex`` started early and still waits for its pages."""
        return self.latex is not None and self._pipe is not None and self.latex.poll() is None

    def _send(self, data: bytes) -> None:
        """Write the pages, and close the pipe once LaTeX has read them all.

        Closing earlier would lose them: LaTeX may not have opened the pipe yet.
        Only where there are named pipes (POSIX), so the POSIX-only modules are
        imported here, not with the module.
        """
        import fcntl
        import termios

        assert self._pipe is not None and self.latex is not None
        view = memoryview(data)
        unread = array.array("i", [0])
        try:
            while self.latex.poll() is None:  # else stopped on an error: its log says which
                if view:
                    try:
                        view = view[os.write(self._pipe, view):]
                    except BlockingIOError:
                        select.select([], [self._pipe], [], 0.05)
                    continue
                fcntl.ioctl(self._pipe, termios.FIONREAD, unread)
                if not unread[0]:
                    break
                time.sleep(0.001)
        finally:
            os.close(self._pipe)
            self._pipe = None

    def typeset(self, pages: list[str]) -> tuple[bool, list[Path], str]:
        """Typeset ``pages`` (each the body of one page) and convert them to SVG.

        Returns
        -------
        tuple
            Whether ``latex`` succeeded, the SVG of each page in order (empty
            if ``dvisvgm`` did not convert all of them), and ``dvisvgm``'s
            last line of errors.
        """
        text = "".join(
            f"\\begin{{{PAGE_ENVIRONMENT}}}\n{body}\n\\end{{{PAGE_ENVIRONMENT}}}\n"
            for body in pages
        ).encode("utf-8")
        if self._pipe is None:
            (self.work / _PAGES).write_bytes(text)
            self._start_latex()
        else:
            self._send(text)
        assert self.latex is not None
        self.latex.communicate()
        if self.latex.returncode != 0 or not (self.work / "labels.dvi").exists():
            return False, [], ""
        svg = _start(["dvisvgm", "--page=1-", "--no-fonts", "--verbosity=0",
                      "--output=page-%p.svg", "labels.dvi"], self.work)
        _, err = svg.communicate()
        written = {int(p.stem.split("-")[1]): p for p in self.work.glob("page-*.svg")}
        last = err.decode(errors="replace").strip().splitlines()[-1:]
        if svg.returncode != 0 or sorted(written) != list(range(1, len(pages) + 1)):
            return True, [], " ".join(last) or f"{len(written)} of {len(pages)} pages"
        return True, [written[n] for n in range(1, len(pages) + 1)], ""

    def close(self) -> None:
        """Stop ``latex`` if it still runs, and remove the working folder."""
        with interrupt.shielded():  # a signal waits until it is all gone
            self._close()

    def _close(self) -> None:
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self.latex is not None and self.latex.returncode is None:
            if self.latex.poll() is None:
                self.latex.kill()
            self.latex.communicate()
        shutil.rmtree(self.work, ignore_errors=True)
        release(self._hold)
        self._hold = None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it: readers see all or nothing."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_spare: LatexRun | None = None
_spare_pid = 0
"""The process that started :data:`_spare`: a forked child leaves its parent's alone."""


def start_spare(parent: Path, head: str = DEFAULT_HEAD) -> None:
    """Start a run for ``head`` now, for :func:`take_spare` to hand out later.

    Does nothing without ``latex`` and ``dvisvgm`` or named pipes. The run is
    stopped and its folder removed when the process exits, if nobody took it.
    """
    global _spare, _spare_pid
    if _spare is not None and _spare_pid != os.getpid():
        _spare = None  # the parent's run, inherited by a fork: not this process's to use
    if _spare is not None or not hasattr(os, "mkfifo"):
        return
    if shutil.which("latex") is None or shutil.which("dvisvgm") is None:
        return
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with interrupt.shielded():  # started and remembered together
            _spare = LatexRun(parent, head)
            _spare_pid = os.getpid()
            atexit.register(_drop_spare)
    except OSError:
        return  # only a head start: the render itself reports an unusable cache


def take_spare(parent: Path, head: str, compiler: str = "latex") -> LatexRun | None:
    """The spare run, if it was started for this folder and head and still waits."""
    global _spare
    spare, _spare = _spare, None
    if spare is None or _spare_pid != os.getpid():
        return None  # none, or the parent's (a forked child must not feed it)
    if spare.key == (str(parent), head, compiler) and spare.alive():
        return spare
    spare.close()
    return None


def _drop_spare() -> None:
    global _spare
    if _spare is not None and _spare_pid == os.getpid():
        _spare.close()
        _spare = None


# A render that needs no LaTeX (every label cached) should not start the spare
# run: it competes with manim's import for the machine. The command line
# remembers which labels each command used; when they are all still cached,
# it starts no spare.

_used: set[str] = set()


def note_label(name: str) -> None:
    """Note that a label SVG (its name in the Tex cache) is drawn."""
    _used.add(name)


def forget_labels() -> None:
    """Start noting labels afresh (at the start of a command)."""
    _used.clear()


def _manifest(folder: Path, key: str) -> Path:
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.txt"


def labels_cached(folder: Path, key: str, tex_dir: Path) -> bool:
    """Whether every label the command ``key`` used last time is still in ``tex_dir``.

    Parameters
    ----------
    folder
        Where :func:`remember_labels` keeps its lists.
    key
        The command and its options.
    tex_dir
        The Tex cache.
    """
    try:  # a manifest that is junk, a FIFO or huge only means: start LaTeX early
        names = read_limited(_manifest(folder, key), 1_000_000, "label list").decode().split()
    except (FileError, ValueError):
        return False
    return bool(names) and all(
        "/" not in name and name.endswith(".svg") and (tex_dir / name).is_file() for name in names
    )


def remember_labels(folder: Path, key: str) -> None:
    """Remember the labels noted (see :func:`note_label`) as those the command ``key`` used."""
    names = set(_used)
    if not names:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(_manifest(folder, key), "\n".join(sorted(names)) + "\n")
    except OSError:
        pass  # only a speed-up: the next render starts a spare LaTeX run
