"""Colours and sizes: the original tool's Solarized look, light and dark.

The contrast rule
-----------------
Every piece of text has a WCAG 2.x contrast of at least :data:`MIN_CONTRAST`
(4.5:1, level AA) against whatever is behind it, in both themes and in every
state a step comes to rest in: a plain cell, a cell under the kernel's shadow
(or under the current output cell's), a cell veiled because the step does not
read its channel, the background, a highlighted matrix row. The scenes keep
it in two ways:

* Text is never drawn under a translucent layer. A shadow or a veil lies
  below the labels in z-order; a label that may sit under the kernel is drawn
  again above the shadow, in the ink that reads on the shaded cell
  (:class:`~convmanim.mobjects.grid.ShadedLabels`).
* A label on a fill takes :meth:`Theme.ink_on` that fill: the one of the
  theme's :attr:`Theme.inks` with the most contrast. In the light theme the
  digits of a blue or cyan cell are near-black, and turn Solarized's base3
  (near-white) under the kernel's dark shadow; in the dark theme the kernel's
  shadow is light, and the digits stay near-black.

:meth:`Theme.text_pairs` lists every text colour with every fill it can sit
on; the tests check each pair, in both themes. Colours here are the seed's
Solarized palette: the cells keep Solarized blue ``#268BD2`` and cyan
``#2AA198``, the kernel its ``#073642`` shadow at 40%; only the inks were
chosen for contrast (``#00141A``, base03 darkened, on the cells; base01
``#586E75`` for muted text on white).

The size rule
-------------
A label that carries meaning (a number, an entry's name, a weight, a
caption) is at least :data:`MIN_LABEL_PX` pixels tall at the chosen
resolution, measured as its bounding box. Where it cannot be, the scene
changes the layout (fewer cells shown, a matrix that pages) or shows the
same fact another way (a kernel's 180° rotation as an orientation mark
instead of its weights' names); it never claims what it does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MIN_CONTRAST = 4.5
"""WCAG 2.x AA for text: the least contrast any text has against what is behind it."""

MIN_LABEL_PX = 10.0
"""The least height, in pixels at the chosen resolution, of a label that carries meaning.

A label that cannot be this tall is not drawn smaller: the layout changes
(fewer cells, paging) or the picture shows the same fact another way.
"""

__all__ = [
    "DARK",
    "LIGHT",
    "MIN_CONTRAST",
    "MIN_LABEL_PX",
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
        Labels and captions on the background (and on the background under
        a shadow: a highlighted matrix row).
    connector
        The lines joining the kernel's corners to the output cell.
    accent
        The colour that links a matrix row to the cells it touches.
    muted
        Secondary text on the background: notes, a title card's small lines.
    cell_text
        The dark ink of labels on the cells.
    shade_text
        The light ink of labels on cells under a dark shadow.
    veil_opacity
        Opacity of the background sheet that veils a channel a step does not
        read.
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
    muted: str = "#586E75"
    cell_text: str = "#00141A"
    shade_text: str = "#FDF6E3"
    veil_opacity: float = 0.75
    grid_stroke_width: float = 2.5
    kernel_stroke_width: float = 5.0
    connector_stroke_width: float = 1.6
    font: str = ""

    def with_(self, **changes: object) -> Theme:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------ contrast
    @property
    def inks(self) -> tuple[str, ...]:
        """The colours a label on a fill may take (see :meth:`ink_on`)."""
        return (self.cell_text, self.text, self.shade_text)

    def shaded(self, fill: str) -> str:
        """``fill`` under the kernel's shadow (and the current output cell's)."""
        return blend(self.kernel_fill, fill, self.kernel_opacity)

    def veiled(self, fill: str) -> str:
        """``fill`` under the veil of a channel the step does not read."""
        return blend(self.background, fill, self.veil_opacity)

    def ink_on(self, fill: str) -> str:
        """The ink of a label on ``fill``: of :attr:`inks`, the one with the most contrast."""
        return readable_on(fill, *self.inks)

    def surfaces(self) -> dict[str, str]:
        """Every fill a label can sit on, by name: plain, shaded and veiled cells."""
        plain = {"background": self.background, "input": self.input_fill,
                 "output": self.output_fill}
        out = dict(plain)
        out.update({f"shaded {name}": self.shaded(fill) for name, fill in plain.items()})
        out.update({f"veiled {name}": self.veiled(fill) for name, fill in plain.items()
                    if name != "background"})
        return out

    def text_pairs(self) -> list[tuple[str, str, str, str]]:
        """Every text colour with every fill it can sit on: ``(text, colour, surface, fill)``.

        * captions, titles, grid names and the matrix's entries (``text``) on
          the background, and on a highlighted matrix row (the background under
          a shadow);
        * notes and a title card's small lines (``muted``) and its heading
          (``accent``) on the background;
        * a cell's label (``ink_on``) on each of :meth:`surfaces`;
        * a kernel weight (``text``) in its box, which has the background's fill.
        """
        bg, shade = self.background, self.shaded(self.background)
        pairs = [("text", self.text, "background", bg),
                 ("text", self.text, "shaded background", shade),
                 ("muted", self.muted, "background", bg),
                 ("accent", self.accent, "background", bg),
                 ("weight", self.text, "weight box", bg)]
        pairs += [(f"label on {name}", self.ink_on(fill), name, fill)
                  for name, fill in self.surfaces().items()]
        return pairs


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
    cell_text="#00141A",
    shade_text="#EEE8D5",
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
