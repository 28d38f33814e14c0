"""Colours and sizes: the original tool's Solarized look, light and dark."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["DARK", "LIGHT", "THEMES", "Theme", "get_theme"]


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
    accent_alt
        A second accent (the transposed view's column, inserted zeros).
    muted
        Secondary text: elision dots, zero entries.
    grid_stroke_width, kernel_stroke_width, connector_stroke_width
        Stroke widths in manim units (resolution independent).
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
    accent_alt: str = "#B58900"
    muted: str = "#657B83"
    cell_text: str = "#002B36"
    grid_stroke_width: float = 2.5
    kernel_stroke_width: float = 5.0
    connector_stroke_width: float = 1.6

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
    accent_alt="#E0B000",
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
