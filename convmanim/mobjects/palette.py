"""Colours for channels: one hue per group (or per filter), lighter shades within a group.

Every colour here is a cell fill. Each one keeps a contrast of at least
:data:`MIN_TEXT_CONTRAST` with the cell text colour (``#002B36``, the same in
both themes), so that any text later written on a channel's cells stays
legible, and about 3:1 against the light theme's white background, so that
the fills read as shapes. The contrast is the WCAG 2.x ratio of DESIGN.md.
"""

from __future__ import annotations

__all__ = [
    "CHANNEL_HUES",
    "MIN_TEXT_CONTRAST",
    "channel_color",
    "contrast",
    "relative_luminance",
]

CHANNEL_HUES: tuple[str, ...] = (
    "#4A9FDC",  # blue
    "#E8883A",  # orange
    "#7DAF2E",  # green
    "#E070A6",  # pink
    "#9D93E6",  # violet
    "#D6A300",  # gold
    "#2FB3A6",  # teal
    "#EF6F6C",  # coral
)
"""Eight hues that tell groups (or filters) apart, each readable under dark text."""

MIN_TEXT_CONTRAST = 4.5
"""WCAG AA for normal text."""

CELL_TEXT = "#002B36"
"""The text colour used on cells in both themes (:attr:`Theme.cell_text`)."""

_MAX_TINT = 0.55
"""How far towards white the lightest shade of a hue goes."""


def _rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of an sRGB ``#RRGGBB`` colour."""
    lin = []
    for v in _rgb(color):
        c = v / 255
        lin.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio ``(L1 + 0.05) / (L2 + 0.05)`` of two colours, at least 1."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _tint(color: str, t: float) -> str:
    """``color`` moved a fraction ``t`` of the way to white."""
    return "#" + "".join(f"{round(v + (255 - v) * t):02X}" for v in _rgb(color))


def channel_color(hue: int, shade: int = 0, shades: int = 1) -> str:
    """Hue ``hue`` (wrapping around :data:`CHANNEL_HUES`), in shade ``shade`` of ``shades``.

    Shade 0 is the hue itself; later shades are evenly lighter, up to
    :data:`_MAX_TINT` of the way to white, so that the filters of one group
    share a hue and still differ. Lighter shades only raise the contrast with
    dark text.

    Examples
    --------
    >>> channel_color(1)
    '#E8883A'
    >>> channel_color(9) == channel_color(1)
    True
    """
    base = CHANNEL_HUES[hue % len(CHANNEL_HUES)]
    if shades <= 1 or shade <= 0:
        return base
    return _tint(base, _MAX_TINT * min(shade, shades - 1) / (shades - 1))
