"""Reading the SVG of a typeset label straight into Bézier points.

Building a :class:`~manim.MathTex` from a cached SVG costs about 5 ms: the SVG
is parsed by svgelements, every glyph becomes a mobject with its own colours,
and the parts are regrouped. A matrix view has hundreds of labels, so that is
most of the time a warm render spends building its scene.

The SVGs :func:`convmanim.labels.batched` asks for all come from ``dvisvgm``
and have one simple shape: glyph outlines defined once in ``<defs>`` and
placed with ``<use x=.. y=..>``, sometimes a ``<rect>`` (a rule, such as a
fraction bar). :func:`read_outline` reads exactly that shape, caches each
glyph's outline, and returns the same points manim would draw: the Cairo
renderer's cubic Béziers, with lines and quadratics raised to cubics as
:class:`~manim.mobject.svg.svg_mobject.VMobjectFromSVGPath` does, flipped and
centred as :class:`~manim.mobject.svg.svg_mobject.SVGMobject` does. Anything
else it meets (a transform, a colour, an arc, an unknown element) makes it
return ``None``, and the caller builds a real MathTex instead. The tests check
the points against manim's own on every label the modes draw.
"""

from __future__ import annotations

import os
import re
import stat as stat_
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["MAX_SVG_BYTES", "Outline", "intact_svg", "read_outline"]

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

_TOKEN = re.compile(
    r"\s*,?\s*(?:(?P<cmd>[MmLlHhVvCcSsQqTtZz])|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))"
)
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "Z": 0}

_CLOSE_TOLERANCE = 1e-4
"""manim draws a closing line only when the pen is this far from the start."""


class _Unsupported(ValueError):
    """The SVG uses something :func:`read_outline` does not read."""


def _tokens(d: str) -> list[str | float]:
    out: list[str | float] = []
    pos = 0
    end = len(d.rstrip())
    while pos < end:
        match = _TOKEN.match(d, pos)
        if match is None or match.end() == pos:
            raise _Unsupported(f"path data not understood at {d[pos:pos + 12]!r}")
        cmd = match["cmd"]
        out.append(cmd if cmd is not None else float(match["num"]))
        pos = match.end()
    return out


def _path_points(d: str) -> np.ndarray:
    """Cubic Bézier points of path data ``d``, in its own (y-down) coordinates.

    Follows ``VMobjectFromSVGPath.handle_commands`` with four points per curve:
    a line ``a→b`` becomes ``(a, (2a+b)/3, (a+2b)/3, b)``, a quadratic is
    raised to a cubic, and a closing line is added only when the pen is more
    than :data:`_CLOSE_TOLERANCE` from the start.
    """
    tokens = _tokens(d)
    points: list[np.ndarray] = []
    pen = np.zeros(3)
    start = np.zeros(3)
    last_cubic_control: np.ndarray | None = None
    last_quad_control: np.ndarray | None = None
    cmd = ""
    i = 0

    def line(a: np.ndarray, b: np.ndarray) -> None:
        points.extend((a, (a + a + b) / 3, (a + b + b) / 3, b))

    def quad(a: np.ndarray, c: np.ndarray, b: np.ndarray) -> None:
        points.extend((a, (a + c + c) / 3, (c + c + b) / 3, b))

    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, str):
            cmd = token
            i += 1
            if cmd in "Zz":
                if np.linalg.norm(pen - start) > _CLOSE_TOLERANCE:
                    line(pen, start)
                pen = start
                last_cubic_control = last_quad_control = None
                continue
        elif not cmd or cmd in "Zz":
            raise _Unsupported("numbers without a command")
        upper = cmd.upper()
        count = _ARGS[upper]
        args = tokens[i:i + count]
        if len(args) != count or not all(isinstance(a, float) for a in args):
            raise _Unsupported(f"{cmd} needs {count} numbers")
        i += count
        rel = cmd.islower()
        base = pen if rel else np.zeros(3)

        def point(x: float, y: float, base: np.ndarray = base) -> np.ndarray:
            return np.array([base[0] + x, base[1] + y, 0.0])

        cubic_control: np.ndarray | None = None
        quad_control: np.ndarray | None = None
        if upper == "M":
            pen = start = point(*args)
            # further pairs after a move are lines
            cmd = "l" if rel else "L"
        elif upper == "L":
            end = point(*args)
            line(pen, end)
            pen = end
        elif upper == "H":
            end = np.array([args[0] + (pen[0] if rel else 0.0), pen[1], 0.0])
            line(pen, end)
            pen = end
        elif upper == "V":
            end = np.array([pen[0], args[0] + (pen[1] if rel else 0.0), 0.0])
            line(pen, end)
            pen = end
        elif upper in "CS":
            if upper == "C":
                c1, c2, end = point(*args[0:2]), point(*args[2:4]), point(*args[4:6])
            else:
                c1 = pen + pen - last_cubic_control if last_cubic_control is not None else pen
                c2, end = point(*args[0:2]), point(*args[2:4])
            points.extend((pen, c1, c2, end))
            cubic_control = c2
            pen = end
        else:  # Q, T
            if upper == "Q":
                c, end = point(*args[0:2]), point(*args[2:4])
            else:
                c = pen + pen - last_quad_control if last_quad_control is not None else pen
                end = point(*args)
            quad(pen, c, end)
            quad_control = c
            pen = end
        last_cubic_control, last_quad_control = cubic_control, quad_control
    if not points:
        return np.zeros((0, 3))
    return np.array(points, dtype=float)


@lru_cache(maxsize=4096)
def _glyph(d: str) -> np.ndarray:
    points = _path_points(d)
    points.flags.writeable = False
    return points


def _rect_points(x: float, y: float, width: float, height: float) -> np.ndarray:
    """A rule as manim's ``Rectangle`` draws it: corners UR, UL, DL, DR."""
    cx, cy = x + width / 2, y + height / 2
    w, h = width / 2, height / 2
    corners = np.array([[w, h, 0], [-w, h, 0], [-w, -h, 0], [w, -h, 0], [w, h, 0]], dtype=float)
    corners += [cx, cy, 0.0]
    a, b = corners[:-1], corners[1:]
    out = np.empty((4 * len(a), 3))
    for k, t in enumerate((0.0, 1 / 3, 2 / 3, 1.0)):
        out[k::4] = a + (b - a) * t
    return out


_ROOT_ATTRIBUTES = {"version", "width", "height", "viewBox"}
_ALLOWED = {
    "g": {"id"},
    "use": {"x", "y", _XLINK_HREF},
    "path": {"d", "id"},
    "rect": {"x", "y", "width", "height"},
}


@dataclass(frozen=True)
class Outline:
    """The points of a label SVG, all together and by ``<g id=..>`` group.

    Attributes
    ----------
    points
        ``(n, 3)`` cubic Bézier points (four per curve) of everything drawn,
        y up, centred on the origin, in the page's units (manim drops the
        SVG's size and viewBox): multiply by ``font_size *
        SCALE_FACTOR_PER_FONT_POINT`` for a MathTex of that font size.
    groups
        The points drawn inside each group with an ``id`` (nested groups
        included), placed as in :attr:`points`: the parts of a
        ``MathTex(*parts)`` are its groups ``unique000``, ``unique001``, ...
    """

    points: np.ndarray
    groups: dict[str, np.ndarray]


def _read(path: Path) -> Outline:
    root = ET.parse(path).getroot()
    if root.tag != f"{_SVG}svg" or set(root.attrib) - _ROOT_ATTRIBUTES:
        raise _Unsupported("not a plain dvisvgm page")
    glyphs: dict[str, str] = {}
    pieces: list[np.ndarray] = []
    members: dict[str, list[int]] = {}
    open_groups: list[str] = []

    def add(piece: np.ndarray) -> None:
        for name in open_groups:
            members[name].append(len(pieces))
        pieces.append(piece)

    def walk(element: ET.Element) -> None:
        for child in element:
            tag = child.tag.removeprefix(_SVG)
            if tag == "defs":
                for glyph in child:
                    if glyph.tag != f"{_SVG}path" or set(glyph.attrib) - _ALLOWED["path"]:
                        raise _Unsupported("a definition that is not a plain path")
                    glyphs[glyph.attrib["id"]] = glyph.attrib["d"]
                continue
            if tag not in _ALLOWED or set(child.attrib) - _ALLOWED[tag]:
                raise _Unsupported(f"<{tag}> {sorted(child.attrib)}")
            if tag == "g":
                name = child.get("id")
                if name is not None:
                    members.setdefault(name, [])
                    open_groups.append(name)
                walk(child)
                if name is not None:
                    open_groups.pop()
            elif tag == "use":
                href = child.attrib.get(_XLINK_HREF, "")
                d = glyphs.get(href.removeprefix("#"))
                if d is None:
                    raise _Unsupported(f"<use> of {href!r}")
                outline = _glyph(d)
                if len(outline):
                    offset = np.array([float(child.get("x", 0)), float(child.get("y", 0)), 0.0])
                    add(outline + offset)
            elif tag == "path":
                outline = _glyph(child.attrib["d"])
                if len(outline):
                    add(outline.copy())
            elif len(child):
                raise _Unsupported("a rule with children")
            else:
                add(_rect_points(*(float(child.attrib[k]) for k in ("x", "y", "width", "height"))))

    walk(root)
    if not pieces:
        raise _Unsupported("nothing drawn")
    # y up (SVGMobject flips), then centred on the middle of the bounding
    # box of every point, control points included
    everything = np.concatenate(pieces)
    low, high = everything.min(axis=0), everything.max(axis=0)
    centre = np.array([(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, 0.0])
    for piece in pieces:
        piece[:, 1] *= -1
        piece -= centre
        piece[:, 2] = 0.0
        piece.flags.writeable = False

    def joined(indices: list[int]) -> np.ndarray:
        out = np.concatenate([pieces[i] for i in indices]) if indices else np.zeros((0, 3))
        out.flags.writeable = False
        return out

    return Outline(
        joined(list(range(len(pieces)))),
        {name: joined(indices) for name, indices in members.items()},
    )


_OUTLINES: dict[tuple[int, int, int, int], Outline | None] = {}
"""Outlines read so far, keyed by the file itself (device, inode, mtime, size), not its name."""

_MAX_OUTLINES = 8192


def _cached(path: Path, key: tuple[int, int, int, int]) -> Outline | None:
    """The outline of the file ``key`` names, read through ``path`` the first time only.

    The key leaves the name out: a label checked in the cache and then used
    through its private hard link is the same file, read once.
    """
    try:
        return _OUTLINES[key]
    except KeyError:
        pass
    try:
        outline = _read(path)
    except (_Unsupported, ET.ParseError, KeyError, ValueError, OSError):
        outline = None
    if len(_OUTLINES) >= _MAX_OUTLINES:
        _OUTLINES.clear()  # a bound on memory; a long lecture reads a few hundred
    _OUTLINES[key] = outline
    return outline


MAX_SVG_BYTES = 4_000_000
"""A label's SVG is a few kilobytes; a cached file larger than this is not one."""


def intact_svg(path: Path) -> bool:
    """Whether a cached label SVG is whole, so that it can be used as it is.

    It must be a regular file (a symlink to one is fine) of 1 byte to
    :data:`MAX_SVG_BYTES`, holding well-formed XML whose root is ``<svg>``. A
    file cut short by a full disk, an empty file, junk, a FIFO or a device is
    not: the caller typesets the label again and replaces it.

    Parameters
    ----------
    path
        The cached SVG.
    """
    try:
        info = os.stat(path)
    except OSError:
        return False
    if not stat_.S_ISREG(info.st_mode) or not 0 < info.st_size <= MAX_SVG_BYTES:
        return False
    if read_outline(path) is not None:
        return True  # parsed (and kept) already: whole
    try:  # whole, but drawn with more than glyphs: manim itself parses it
        return ET.parse(path).getroot().tag in (f"{_SVG}svg", "svg")
    except (ET.ParseError, OSError, ValueError):
        return False


def read_outline(path: Path) -> Outline | None:
    """The points manim would draw for a label SVG written by ``dvisvgm``.

    Parameters
    ----------
    path
        An SVG as ``dvisvgm --no-fonts`` writes it.

    Returns
    -------
    Outline or None
        Its points, read-only; ``None`` if the SVG uses anything beyond
        glyphs placed by ``<use>``, plain paths, rules and groups (build a
        MathTex then).
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat_.S_ISREG(info.st_mode) or info.st_size > MAX_SVG_BYTES:
        return None  # never wait on a FIFO or read a device planted in the cache
    # keyed by the file itself: a hard link to it (a private copy) is not parsed again
    return _cached(path, (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size))
