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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "FileError",
    "check_target",
    "commit",
    "describe_os_error",
    "new_temp",
    "read_limited",
    "remove_quietly",
    "shown_path",
    "staging_folder",
]


class FileError(RuntimeError):
    """A file could not be read or written. The message is one line."""


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


def remove_quietly(path: Path) -> None:
    """Remove ``path`` if it is there; never raises."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def _backup(final: Path) -> Path | None:
    """A hard link to what ``final`` holds now, under a fresh name, or ``None``."""
    for _ in range(8):
        backup = final.with_name(f".{final.name}.old-{secrets.token_hex(4)}")
        try:
            os.link(final, backup, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:
            return None  # nothing there, or no hard links here: nothing to restore
        return backup
    return None


def commit(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Rename each ``(temporary, final)`` pair into place: all of them, or none.

    If one rename fails, the files already renamed are taken back: each final
    path holds what it held before (or nothing), and every temporary file is
    removed.

    Raises
    ------
    FileError
        Naming the file that could not be written.
    """
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, final in pairs:
            _check_ours(tmp, final)
            backup = _backup(final)
            try:
                os.replace(tmp, final)
            except OSError as exc:
                if backup is not None:
                    remove_quietly(backup)
                raise FileError(f"cannot write {shown_path(final)}: {describe_os_error(exc)}") \
                    from None
            done.append((final, backup))
    except BaseException:
        for final, backup in reversed(done):
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.replace(backup, final)
            else:
                remove_quietly(final)
        for tmp, _ in pairs:
            remove_quietly(tmp)
        raise
    for _, backup in done:
        if backup is not None:
            remove_quietly(backup)


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
        ``no such file``, ``not a regular file (a FIFO)``, ``more than N
        bytes``, or the system's reason.
    """
    shown = shown_path(os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileError(f"no such {what}: {shown}") from None
    except OSError as exc:
        raise FileError(f"cannot read {what} {shown}: {describe_os_error(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileError(f"{what} {shown} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise FileError(f"{what} {shown} is {info.st_size} bytes, more than the limit "
                            f"of {limit}")
        chunks = list(_read_up_to(fd, limit + 1))
    except OSError as exc:
        raise FileError(f"cannot read {what} {shown}: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileError(f"{what} {shown} holds more than the limit of {limit} bytes")
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
