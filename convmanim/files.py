"""Files the package reads and writes, safely: no planted symlink, no endless input.

Writing
-------
Every file is written under a temporary name beside its final path and
renamed into place when it is complete. The temporary name is unpredictable
and the file is created exclusively without following symlinks (``O_CREAT |
O_EXCL | O_NOFOLLOW``, through :func:`tempfile.mkstemp`), so a symlink
planted in the output folder is never written through, and two renders into
one folder (even from two PID namespaces, where both are PID 1) never share a
temporary file. :func:`commit` renames several files all or nothing.

Reading
-------
:func:`read_limited` reads a file the user names (values, lecture files) only
if it is a regular file, and at most a given number of bytes: a FIFO, a
device such as ``/dev/zero`` or a file that grows while it is read is refused
with a one-line :class:`FileError`, never waited on or read without end.

This module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from . import interrupt

__all__ = [
    "FileError",
    "check_target",
    "clear_the_way",
    "commit",
    "committed",
    "describe_os_error",
    "echo_path",
    "new_temp",
    "read_limited",
    "release",
    "remove_quietly",
    "shown_path",
    "staging_folder",
    "sweep_left_over",
    "take_back",
    "working_folder",
]


class FileError(RuntimeError):
    """A file could not be read or written. The message is one line.

    Attributes
    ----------
    reason
        Why, without the file's name: ``"Is a directory"``, ``"not a regular
        file (a FIFO)"``.
    missing
        The file does not exist.
    size
        The size of a file refused as too large, when known.
    """

    def __init__(self, message: str, *, reason: str = "", missing: bool = False,
                 size: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.missing = missing
        self.size = size


def describe_os_error(exc: BaseException) -> str:
    """The reason an :class:`OSError` gives, without Python's wrapping (``No space left``).

    Falls back to the exception's text, and never to its class name.
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.strerror or os.strerror(exc.errno)
    text = " ".join(str(exc).split())
    return text or "an unknown error"


def shown_path(path: Path | str, limit: int = 120) -> str:
    """``path`` for a message: quoted, and shortened in the middle when long."""
    text = str(path)
    if len(text) > limit:
        text = f"{text[: limit // 2 - 2]}...{text[-(limit // 2 - 1):]}"
    return repr(text)


_MODE: int | None = None


def _file_mode() -> int:
    """The permissions a plain ``open(..., "w")`` would give: ``0o666`` less the umask."""
    global _MODE
    if _MODE is None:
        mask = os.umask(0o022)
        os.umask(mask)
        _MODE = 0o666 & ~mask
    return _MODE


# ------------------------------------------------------------------- writing
def check_target(final: Path) -> None:
    """Raise :class:`FileError` if ``final`` cannot be replaced by a file (it is a directory).

    A symlink at ``final`` is fine: the rename replaces the link itself.
    """
    try:
        info = os.lstat(final)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError(f"cannot write {shown_path(final)}: {describe_os_error(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileError(f"cannot write {shown_path(final)}: a directory of that name is in the way "
                        "(choose another NAME or remove it)")


def new_temp(final: Path) -> tuple[BinaryIO, Path]:
    """Create a temporary file beside ``final`` and open it for writing.

    The name (``.NAME.EXT.part-XXXXXXXX``) is unpredictable and the file is
    created exclusively, without following symlinks; it gets the permissions
    an ordinary new file would (``0o666`` less the umask).

    Returns
    -------
    tuple
        The open binary file (readable, writable and seekable) and its path.

    Raises
    ------
    FileError
        If the folder does not allow it (missing, read-only, full, a name too long).
    """
    try:
        fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.part-")
    except OSError as exc:
        raise FileError(f"cannot write {shown_path(final)}: {describe_os_error(exc)}") from None
    try:
        os.fchmod(fd, _file_mode())
        info = os.fstat(fd)
        handle = os.fdopen(fd, "w+b")
    except BaseException:
        os.close(fd)
        remove_quietly(Path(name))
        raise
    _created[name] = (info.st_dev, info.st_ino)
    return handle, Path(name)


_created: dict[str, tuple[int, int]] = {}
"""The identity of each temporary file :func:`new_temp` made, to check it before renaming."""


def _check_ours(tmp: Path, final: Path) -> None:
    """Refuse to rename ``tmp`` if it is no longer the file :func:`new_temp` created."""
    made = _created.pop(str(tmp), None)
    if made is None:
        return
    try:
        info = os.lstat(tmp)
    except OSError as exc:
        raise FileError(f"cannot write {shown_path(final)}: its temporary file is gone "
                        f"({describe_os_error(exc)})") from None
    if (info.st_dev, info.st_ino) != made or not stat.S_ISREG(info.st_mode):
        raise FileError(f"cannot write {shown_path(final)}: its temporary file was replaced "
                        "while it was written")


@contextlib.contextmanager
def staging_folder(final: Path) -> Iterator[Path]:
    """A private folder beside ``final`` for a writer that opens its files by name.

    The folder (``.NAME.EXT.part-XXXXXXXX``, mode ``0o700``) is created
    exclusively in ``final``'s folder, so nobody else can plant anything in
    it, and it is on the same file system, so a file written in it can be
    renamed onto ``final`` (:func:`commit`). It is removed with whatever is
    left in it when the block ends.

    Raises
    ------
    FileError
        If the folder cannot be created there.
    """
    try:
        folder = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.part-"))
    except OSError as exc:
        raise FileError(f"cannot write {shown_path(final)}: {describe_os_error(exc)}") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clear_the_way(path: Path) -> None:
    """Remove a folder standing where a cache file is to be renamed (junk in a cache)."""
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)


def remove_quietly(path: Path) -> None:
    """Remove ``path`` if it is there; never raises."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def _backup(final: Path, *, folder: bool) -> Path | None:
    """Keep what ``final`` holds now under a fresh name, or return ``None`` if nothing.

    A file is kept as a hard link, so that ``final`` stays in place until the
    rename replaces it. For a ``folder`` (a folder of videos renamed into
    place), the folder there is moved aside instead. A folder where a file
    is to go is never touched: that is an error.
    """
    try:
        is_dir = stat.S_ISDIR(os.lstat(final).st_mode)
    except OSError:
        return None
    if is_dir and not folder:
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(final))
    for _ in range(8):
        backup = final.with_name(f".{final.name}.old-{secrets.token_hex(4)}")
        try:
            if folder:
                if os.path.lexists(backup):
                    continue
                os.rename(final, backup)
            else:
                os.link(final, backup, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:
            if folder:
                raise
            return None  # no hard links here: nothing to restore
        return backup
    return None


def _remove_any(path: Path) -> None:
    """Remove a file, a symlink or a folder with what it holds; never raises."""
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


committed: list[Path] = []
"""Every final path :func:`commit` wrote in this process, for :func:`take_back`."""


def commit(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Rename each ``(temporary, final)`` pair into place: all of them, or none.

    A pair may be two folders (a folder of videos): what the final path held
    is moved aside first and removed once every rename succeeded. If one
    rename fails, or a signal comes while they are renamed, the ones already
    renamed are taken back: each final path holds what it held before (or
    nothing), and every temporary file is removed. Once all are in place the
    final paths are added to :data:`committed`.

    Raises
    ------
    FileError
        Naming the file that could not be written.
    convmanim.interrupt.Interrupted
        If a signal came while renaming (after the files are taken back).
    """
    interrupt.check()  # an interrupt whose exception was lost: nothing is renamed
    done: list[tuple[Path, Path | None]] = []
    try:
        with interrupt.shielded():  # a signal is raised only once every rename is done
            for tmp, final in pairs:
                try:
                    _check_ours(tmp, final)
                    backup = _backup(final, folder=os.path.isdir(tmp))
                    try:
                        os.replace(tmp, final)
                    except OSError:
                        if backup is not None:
                            os.replace(backup, final)  # put it back before anything else
                        raise
                except OSError as exc:
                    raise FileError(f"cannot write {shown_path(final)}: "
                                    f"{describe_os_error(exc)}") from None
                done.append((final, backup))
    except BaseException:
        with interrupt.shielded():
            for final, backup in reversed(done):
                _remove_any(final)
                if backup is not None:
                    with contextlib.suppress(OSError):
                        os.replace(backup, final)
            for tmp, _ in pairs:
                _remove_any(tmp)
        raise
    committed.extend(final for _, final in pairs)
    for _, backup in done:
        if backup is not None:
            _remove_any(backup)


def take_back(paths: Sequence[Path]) -> None:
    """Remove files this process wrote (the command failed after writing them)."""
    for path in list(paths):
        _remove_any(path)
    if paths is committed:
        committed.clear()


def echo_path(path: Path | str) -> None:
    """Print a path written on standard output, where the command line's caller reads it.

    Raises
    ------
    FileError
        If standard output cannot be written (a closed pipe, a full disk).
    """
    import sys

    if sys.stdout is None:  # started with standard output closed
        raise FileError("cannot write to standard output: it is closed")
    try:
        print(path, file=sys.stdout, flush=True)
    except (OSError, ValueError) as exc:
        raise FileError(f"cannot write to standard output: {describe_os_error(exc)}") from None


# ------------------------------------------------------- working folders
LEFT_OVER_SECONDS = 60.0
"""A working folder older than this that no process holds was left by one that died."""


def working_folder(parent: Path, prefix: str) -> tuple[Path, int | None]:
    """A new folder ``prefix*`` in ``parent``, held (locked) by this process.

    The hold (an exclusive ``flock`` on the folder) lasts until the returned
    descriptor is closed, or the process ends however it ends (even killed),
    so :func:`sweep_left_over` can tell a folder in use from one left over.
    Left-over folders of the same prefix are removed first.

    Returns
    -------
    tuple
        The folder and the descriptor that holds it (``None`` where there is
        no ``flock``); close it with :func:`release`.
    """
    sweep_left_over(parent, prefix)
    folder = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    return folder, _hold(folder)


def release(hold: int | None) -> None:
    """Let go of a folder held by :func:`working_folder`."""
    if hold is not None:
        with contextlib.suppress(OSError):
            os.close(hold)


def _hold(folder: Path) -> int | None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # pragma: no cover - a fresh folder is never held
        os.close(fd)
        return None
    return fd


def _held(path: str) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: only a day's age tells
        return time.time() - os.lstat(path).st_mtime < 86400
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW)
    except OSError:
        return True  # not ours to judge
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # and so let go of it at once
    return False


def sweep_left_over(parent: Path, prefix: str) -> None:
    """Remove folders ``prefix*`` in ``parent`` that a process left behind.

    A folder is left over when it is older than :data:`LEFT_OVER_SECONDS` and
    no process holds it (see :func:`working_folder`): its process died
    before it could remove it (``kill -9``, a power cut). Never raises.
    """
    now = time.time()
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime < LEFT_OVER_SECONDS:
                continue
        except OSError:
            continue
        if not _held(entry.path):
            shutil.rmtree(entry.path, ignore_errors=True)


# ------------------------------------------------------------------- reading
def read_limited(path: str | os.PathLike[str], limit: int, what: str = "file") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    The file is opened without blocking (a FIFO cannot hang the open) and
    checked on the open descriptor, so what is checked is what is read; no
    more than ``limit + 1`` bytes are ever read.

    Parameters
    ----------
    path
        The file to read; a symlink to a regular file is fine.
    limit
        The most bytes accepted.
    what
        What the file is, for messages (``"lecture file"``).

    Raises
    ------
    FileError
        ``cannot read lecture file 'x': not a regular file (a FIFO)``, or
        ``...: N bytes, more than the limit of M``, or the system's reason.
    """
    shown = shown_path(os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)

    def fail(reason: str, **kwargs: Any) -> FileError:
        return FileError(f"cannot read {what} {shown}: {reason}", reason=reason, **kwargs)

    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise fail(os.strerror(errno.ENOENT), missing=True) from None
    except OSError as exc:
        raise fail(describe_os_error(exc)) from None
    except ValueError:  # a NUL byte: no system call takes such a path
        raise fail("the path holds a NUL byte") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise fail(os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise fail(f"{info.st_size} bytes, more than the limit of {limit}",
                       size=info.st_size)
        chunks = list(_read_up_to(fd, limit + 1))
    except OSError as exc:
        raise fail(describe_os_error(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while it was read
        raise fail(f"more than the limit of {limit} bytes")
    return data


def _read_up_to(fd: int, count: int) -> Iterator[bytes]:
    while count > 0:
        try:
            chunk = os.read(fd, min(count, 1 << 16))
        except BlockingIOError:  # pragma: no cover - regular files never block
            raise OSError(errno.EAGAIN, "the file would block") from None
        if not chunk:
            return
        count -= len(chunk)
        yield chunk


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
