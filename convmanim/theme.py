"""Colours and sizes: the original tool's Solarized look, light and dark."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "DARK",
    "LIGHT",
    "THEMES",
    "Theme",
    "blend",
    "contrast_ratio",
    "get_theme",
    "readable_on",
    "relative_luminance",
]


@dataclass(frozen=True)
class Theme:
    """Every colour and stroke width a scene uses.

    Attributes
    ----------
    name
        ``"light"`` or ``"dark"``.
    background
        Frame background.
    input_fill, output_fill
        Input cells (blue) and output cells (cyan).
    kernel_fill, kernel_opacity
        The kernel window's shadow, also used for the current output cell.
    stroke
        Cell outlines, padding dashes and the kernel outline.
    text
        Labels and captions.
    connector
        The lines joining the kernel's corners to the output cell.
    accent
        The colour that links a matrix row to the cells it touches.
    muted
        Secondary text: elision dots, zero entries.
    grid_stroke_width, kernel_stroke_width, connector_stroke_width
        Stroke widths in manim units (resolution independent).
    font
        The font of text set with Pango (title cards), or ``""`` for Pango's
        default.
    """

    name: str
    background: str
    input_fill: str = "#268BD2"
    output_fill: str = "#2AA198"
    kernel_fill: str = "#073642"
    kernel_opacity: float = 0.4
    stroke: str = "#002B36"
    text: str = "#002B36"
    connector: str = "#002B36"
    accent: str = "#D33682"
    muted: str = "#657B83"
    cell_text: str = "#002B36"
    grid_stroke_width: float = 2.5
    kernel_stroke_width: float = 5.0
    connector_stroke_width: float = 1.6
    font: str = ""

    def with_(self, **changes: object) -> Theme:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


LIGHT = Theme(name="light", background="#FFFFFF")
"""The original tool's look: white background, Solarized blues."""

DARK = Theme(
    name="dark",
    background="#000000",
    kernel_fill="#FDF6E3",
    kernel_opacity=0.35,
    stroke="#93A1A1",
    text="#EEE8D5",
    connector="#EEE8D5",
    accent="#F06FB0",
    muted="#93A1A1",
    cell_text="#002B36",
)
"""For dark slides: black background, light strokes and a light kernel shadow."""

THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}


def get_theme(theme: str | Theme) -> Theme:
    """Resolve a theme name (``"light"`` or ``"dark"``) or pass a :class:`Theme` through.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if isinstance(theme, Theme):
        return theme
    try:
        return THEMES[theme]
    except KeyError:
        raise ValueError(
            f"theme must be one of {', '.join(THEMES)}, got {theme!r}"
        ) from None


# ------------------------------------------------------------------ contrast
def _rgb(color: str) -> tuple[float, float, float]:
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour must be #RRGGBB, got {color!r}")
    return tuple(int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour ``#RRGGBB``."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio ``(L1 + 0.05) / (L2 + 0.05)`` of two colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(top: str, bottom: str, alpha: float) -> str:
    """``top`` drawn with opacity ``alpha`` over ``bottom``, as ``#RRGGBB``."""
    mixed = (alpha * t + (1 - alpha) * u for t, u in zip(_rgb(top), _rgb(bottom)))
    return "#" + "".join(f"{round(255 * c):02X}" for c in mixed)


def readable_on(fill: str, *candidates: str) -> str:
    """The candidate text colour with the highest contrast against ``fill``."""
    return max(candidates, key=lambda c: contrast_ratio(c, fill))
