"""Number grids from the command line, and how numbers are printed (numpy only).

``--input-values`` and ``--kernel-values`` take one of:

* an inline matrix: rows separated by ``;`` (or new lines), numbers by
  spaces or commas, e.g. ``"1 2 3; 4 5 6; 7 8 9"`` or ``"1,2;3,4"``;
* a text file (``.csv``, ``.txt``, or any existing file): one row per line,
  numbers separated by commas or spaces; blank lines and lines starting with
  ``#`` are skipped;
* a ``.npy`` file holding a 2-D numeric array.

Every problem raises :class:`~convmanim.geometry.SpecError` with a one-line
message that names the option, e.g. ``--input-values must be 5×5, got 3×3``.
A file is read only if it is a regular file, and at most
:data:`MAX_FILE_BYTES` of it (a FIFO or ``/dev/zero`` is refused, never waited
on or read without end); an ``.npy`` header is checked against the file's size
before any array is made; and a message about a file names the row and column
of a bad number, never the file's content. This module never imports manim.
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path

import numpy as np

from .files import FileError, read_limited
from .geometry import Pair, SpecError

__all__ = [
    "MAX_FILE_BYTES",
    "VALUE_SUFFIXES",
    "as_grid",
    "as_values",
    "format_value",
    "is_exact",
    "parse_values",
    "plain_value",
    "read_values",
]

_TEXT_SUFFIXES = (".csv", ".txt")
VALUE_SUFFIXES = (*_TEXT_SUFFIXES, ".npy")
"""The file names read as files of values (any case)."""
_SEPARATORS = re.compile(r"[,\s]+")
_EXACT_DECIMALS = 3
"""A number exact to this many decimals is printed exactly (1.005, −0.125)."""
_MOST_DECIMALS = 12
"""Decimals a rounded number may grow to so that it does not look like an integer."""


def _tolerance(v: float) -> float:
    return 1e-9 * max(1.0, abs(v))


def _text(v: float, decimals: int) -> str:
    text = f"{round(v, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: float) -> str:
    """Print a number exactly when it has at most 3 decimals, else rounded but honest.

    A number with at most 3 decimals prints exactly, without trailing zeros.
    Any other number is rounded to 3 decimals, or to more when 3 would make it
    look like an integer: a number that is not an integer never prints as one
    (``0.9999`` is ``"0.9999"``, not ``"1"``). Whether a number was rounded
    is :func:`is_exact`'s answer; captions write ``≈`` for it.

    Parameters
    ----------
    value
        A finite number.

    Returns
    -------
    str
        For example ``"17"``, ``"1.5"``, ``"1.005"``, ``"0.999"``,
        ``"-0.125"``, ``"1.333"`` (for 4/3), ``"-2"``.

    Raises
    ------
    SpecError
        For ``nan`` or an infinity.

    Examples
    --------
    >>> [format_value(v) for v in (3.0, 1.5, 1.005, 0.999, -0.125, 4 / 3, 0.1 + 0.2)]
    ['3', '1.5', '1.005', '0.999', '-0.125', '1.333', '0.3']
    >>> [format_value(v) for v in (0.99995, 2.00001, 1e-5, -0.0)]
    ['0.99995', '2.00001', '0.00001', '0']
    """
    v = float(value)
    if not math.isfinite(v):
        raise SpecError(f"cannot print the non-finite value {v!r}")
    tolerance = _tolerance(v)
    for d in range(_EXACT_DECIMALS + 1):
        if abs(round(v, d) - v) <= tolerance:
            return _text(v, d)
    for d in range(_EXACT_DECIMALS, _MOST_DECIMALS + 1):
        text = _text(v, d)
        if "." in text:
            return text
    return repr(v)  # pragma: no cover - closer to an integer than any decimal shows


def is_exact(value: float) -> bool:
    """Whether :func:`format_value` prints ``value`` exactly (not rounded).

    Examples
    --------
    >>> is_exact(1.005), is_exact(-0.125), is_exact(17.0), is_exact(4 / 3)
    (True, True, True, False)
    """
    v = float(value)
    return abs(float(format_value(v)) - v) <= _tolerance(v)


def plain_value(value: float) -> str:
    """:func:`format_value` for plain text: a real minus sign (U+2212), as LaTeX draws it.

    Examples
    --------
    >>> plain_value(-0.125), plain_value(3)
    ('−0.125', '3')
    """
    return format_value(value).replace("-", "\u2212")


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) in (2, 3, 4):
        return "×".join(map(str, shape))
    if len(shape) == 0:
        return "a single number"
    return f"a {len(shape)}-D array of shape {'×'.join(map(str, shape))}"


def _number(option: str, token: str, where: str | None = None) -> float:
    """A number; ``where`` (row and column in a file) is named instead of the text."""
    shown = where or repr(token)
    try:
        v = float(token)
    except ValueError:
        raise SpecError(f"{option}: {shown} is not a number") from None
    if not math.isfinite(v):
        raise SpecError(f"{option}: {shown} is not a finite number")
    return v


def _parse_rows(option: str, rows: list[tuple[int, str]], where: str, *,
                from_file: bool = False) -> np.ndarray:
    """Turn rows of separated numbers into a 2-D array.

    For a file, a bad number is named by its line and column, not its text.
    """
    parsed: list[list[float]] = []
    for line, row in rows:
        tokens = [t for t in _SEPARATORS.split(row.strip()) if t]
        if tokens:
            parsed.append([
                _number(option, t, f"{where}, line {line}, value {n}" if from_file else None)
                for n, t in enumerate(tokens, start=1)
            ])
    if not parsed:
        raise SpecError(f"{option}: {where} holds no numbers")
    width = len(parsed[0])
    for n, row_values in enumerate(parsed[1:], start=2):
        if len(row_values) != width:
            count = f"{len(row_values)} number{'s' if len(row_values) != 1 else ''}"
            raise SpecError(f"{option}: row {n} has {count} but row 1 has {width}")
    return np.array(parsed, dtype=float)


def _read_bytes(option: str, path: Path) -> bytes:
    """The file's bytes: a regular file of at most :data:`MAX_FILE_BYTES`."""
    try:
        return read_limited(path, MAX_FILE_BYTES)
    except FileError as exc:
        if exc.missing:
            raise SpecError(f"{option}: no such file: {path}") from None
        if exc.size is not None:
            raise SpecError(f"{option}: {path} is {exc.size} bytes, more than the "
                            f"{MAX_FILE_BYTES} a grid of numbers needs") from None
        raise SpecError(f"{option}: cannot read {path}: {exc.reason}") from None


def _read_text(option: str, path: Path) -> np.ndarray:
    try:
        text = _read_bytes(option, path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(f"{option}: cannot read {path}: not UTF-8 text") from None
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if not line.lstrip().startswith("#")]
    return _parse_rows(option, rows, str(path), from_file=True)


_NOT_NUMBERS = "not a .npy file of numbers"


def _read_npy(option: str, path: Path) -> np.ndarray:
    data = _read_bytes(option, path)
    _check_npy_header(option, path, data)
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, EOFError, OSError):
        raise SpecError(f"{option}: cannot read {path}: {_NOT_NUMBERS}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        kind = getattr(getattr(arr, "dtype", None), "name", type(arr).__name__)
        raise SpecError(f"{option}: {path} holds {kind} values, not numbers")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{option}: {path} holds non-finite values (nan or inf)")
    return arr


def _check_npy_header(option: str, path: Path, data: bytes) -> None:
    """Refuse an ``.npy`` whose header is not a plain numeric array the file really holds.

    numpy would allocate what the header claims (10¹² values from a 200-byte
    file) before finding the data short.
    """
    fmt = np.lib.format
    stream = io.BytesIO(data)
    try:
        version = fmt.read_magic(stream)
        read = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
        shape, _, dtype = read[version](stream)
    except (ValueError, KeyError, EOFError, OSError, SyntaxError, TypeError):
        raise SpecError(f"{option}: cannot read {path}: {_NOT_NUMBERS}") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise SpecError(f"{option}: {path} holds {dtype.name} values, not numbers")
    count = math.prod(shape)
    body = len(data) - stream.tell()
    if count * dtype.itemsize > body:
        raise SpecError(f"{option}: cannot read {path}: its header promises {count} values, "
                        f"more than its {body} bytes of data hold")


def read_values(option: str, text: str) -> np.ndarray:
    """Read a number grid given inline or as a file name, without checking its shape.

    Parameters
    ----------
    option
        The option's name, for messages (``"--input-values"``).
    text
        An inline matrix, or the name of a ``.csv``/``.txt``/``.npy`` file.

    Returns
    -------
    numpy.ndarray
        A float array (2-D unless it came from a ``.npy`` file of another rank).

    Raises
    ------
    SpecError
        If a number is malformed or not finite, rows differ in length, or the
        file is missing or unreadable.
    """
    text = text.strip()
    if not text:
        raise SpecError(f"{option} is empty")
    lower = text.lower()
    path = Path(text)
    if lower.endswith(".npy"):
        return _read_npy(option, path)
    if lower.endswith(_TEXT_SUFFIXES) or _names_a_file(text):
        return _read_text(option, path)
    rows = list(enumerate(re.split(r"[;\n]", text), start=1))
    return _parse_rows(option, rows, "the matrix")


MAX_FILE_BYTES = 1_000_000
"""A grid any mode can draw (at most 64×64 numbers) fits in far less."""


def _names_a_file(text: str) -> bool:
    """Whether ``text`` names something on disk (a FIFO or a device too: refused as such)."""
    if "\0" in text or len(text) > 4096:
        return False
    try:
        return os.path.lexists(text) and not re.fullmatch(r"[-+0-9.eE,;\s]+", text)
    except (OSError, ValueError):
        return False


def as_grid(name: str, values: object, shape: Pair, *, role: str = "") -> np.ndarray:
    """Check that ``values`` is a finite ``shape`` grid of numbers.

    Parameters
    ----------
    name
        What the values are, for messages (``"--input-values"``, ``"input_values"``).
    values
        An array or nested sequence.
    shape
        The ``(h, w)`` it must have.
    role
        Optional words after the size in the shape message.

    Returns
    -------
    numpy.ndarray
        A float copy of ``values``.

    Raises
    ------
    SpecError
        ``"input_values must be 5×5, got 3×3"``, or for non-numbers and
        non-finite values.
    """
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a {shape[0]}×{shape[1]} grid of numbers") from None
    if arr.shape != tuple(shape):
        raise SpecError(
            f"{name} must be {shape[0]}×{shape[1]}{role}, got {_shape_text(arr.shape)}"
        )
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite numbers (no nan or inf)")
    return arr


_LAYOUTS = {1: "one per output channel", 3: "C_in×H×W", 4: "PyTorch's layout"}


def as_values(
    name: str, values: object, shape: tuple[int, ...], *, role: str = "", plain: bool = False
) -> np.ndarray:
    """Check that ``values`` is a finite array of ``shape`` (an input, a weight or a bias).

    Parameters
    ----------
    name
        What the values are, for messages (``"--input-values"``, ``"bias_values"``).
    values
        An array or nested sequence.
    shape
        The shape it must have: ``(C_in, H, W)``, ``(C_out, C_in/groups, kh,
        kw)`` or ``(C_out,)``.
    role
        Optional words after the size in the shape message.
    plain
        The leading axes are all 1 (one channel): a plain 2-D grid of the
        last two axes is what is expected, and what is returned.

    Returns
    -------
    numpy.ndarray
        A float copy, of ``shape`` (2-D when ``plain``).

    Raises
    ------
    SpecError
        ``"input_values must be 3×5×5 (C_in×H×W), got 5×5"``, or for
        non-numbers and non-finite values.

    Examples
    --------
    >>> as_values("bias_values", [[1, -1]], (2,)).tolist()
    [1.0, -1.0]
    >>> as_values("kernel_values", np.ones((1, 1, 2, 2)), (1, 1, 2, 2), plain=True).shape
    (2, 2)
    """
    if plain:
        grid = shape[-2:]
        try:
            arr = np.array(values, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.shape == tuple(shape):
            arr = arr.reshape(grid)
        return as_grid(name, values if arr is None else arr, grid, role=role)  # type: ignore[arg-type]
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be an array of numbers of shape "
                        f"{'×'.join(map(str, shape))}") from None
    if len(shape) == 1 and arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()  # a bias written as one row (or column)
    if arr.shape != tuple(shape):
        want = "×".join(map(str, shape))
        if len(shape) == 1:
            count = arr.size if arr.ndim <= 1 else _shape_text(arr.shape)
            raise SpecError(f"{name} must be {want} number{'s' if shape[0] != 1 else ''} "
                            f"({_LAYOUTS[1]}){role}, got {count}")
        raise SpecError(f"{name} must be {want} ({_LAYOUTS.get(len(shape), 'shape')}){role}, "
                        f"got {_shape_text(arr.shape)}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite numbers (no nan or inf)")
    return arr


def parse_values(option: str, text: str, shape: Pair, *, role: str = "") -> np.ndarray:
    """Read a number grid (see :func:`read_values`) and check its shape.

    Parameters
    ----------
    option
        The option's name, for messages (``"--input-values"``).
    text
        The option's value.
    shape
        The ``(h, w)`` the grid must have.
    role
        Optional words after the size in the shape message, such as
        ``" (the transposed conv's input i')"``.

    Returns
    -------
    numpy.ndarray
        A float array of shape ``shape``.

    Raises
    ------
    SpecError
        As :func:`read_values`, and ``"--input-values must be 5×5, got 3×3"``
        for a wrong shape.

    Examples
    --------
    >>> parse_values("--kernel-values", "1 0; 0 -1", (2, 2)).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """
    return as_grid(option, read_values(option, text), shape, role=role)
