"""The overlap overlay of a transposed conv's scatter: how many windows wrote each cell.

Each output cell gets a tint, from pale (few windows) to the output's cyan
(the most any cell gets), and a count in a round badge in its bottom-left
corner (the kernel's weights sit in the bottom-right one). As the windows
land the tints deepen and the counts rise, so an uneven overlap shows as the
checkerboard it makes. The counts come from
:func:`convmanim.upsample.overlap_steps`; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from manim import (
    Animation,
    ManimColor,
    Mobject,
    RoundedRectangle,
    VGroup,
    VMobject,
    interpolate_color,
)

from ..theme import Theme, blend
from .flight import Fade
from .grid import cell_polygon
from .motion import OnBegin, _Copyless
from .plane import PlaneMap

__all__ = ["BADGE_PAD", "LEAST_TINT", "MOST_TINT", "OverlapOverlay", "Refill", "overlap_tint"]

LEAST_TINT = 0.12
"""How much of the output's colour a cell no window wrote yet shows (the rest is white)."""
MOST_TINT = 0.68
"""How much of it the cell with the most windows shows. Kept below about 0.7: between
0.71 and 0.88 neither ink reaches 4.5:1 under the light theme's kernel shadow."""
BADGE_PAD = 0.22
"""Room around a count in its badge, as a fraction of the count's height."""


def overlap_tint(theme: Theme, count: int, most: int) -> str:
    """The fill of a cell that ``count`` windows wrote, when the most any cell gets is ``most``.

    Examples
    --------
    >>> from convmanim.theme import LIGHT
    >>> overlap_tint(LIGHT, 0, 4), overlap_tint(LIGHT, 4, 4)
    ('#E5F4F3', '#6EBFB9')
    """
    share = count / most if most > 0 else 0.0
    return blend(theme.output_fill, "#FFFFFF", LEAST_TINT + (MOST_TINT - LEAST_TINT) * share)


class Refill(_Copyless):
    """Turn ``mobject``'s fill (not its stroke) into ``color``."""

    def __init__(self, mobject: VMobject, color: str, **kwargs: Any) -> None:
        self.target = ManimColor(color)
        self._start = ManimColor("#000000")
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember the fill it starts from."""
        self._start = self.mobject.get_fill_color()
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Mix the fill toward the target by the eased fraction."""
        self.mobject.set_fill(interpolate_color(self._start, self.target,
                                                self.rate_func(alpha)), family=False)


class OverlapOverlay(VGroup):
    """Tinted tiles over the output cells, and their counts in badges.

    Parameters
    ----------
    plane
        The output canvas's plane.
    origin
        The canvas cell of output cell ``(0, 0)`` (the canvas's cropped ring
        is not tinted).
    counts
        ``(n + 1, o_h, o_w)``: the counts before each step and after the last
        (:func:`convmanim.upsample.overlap_steps`).
    theme
        Colours and strokes.
    make_label
        Makes a count's label (a number at its final size, in the theme's
        text colour): ``make_label("2")``.
    states
        The entries of ``counts`` the scene will show (all by default): a
        badge is built for each count a cell takes in them.

    Attributes
    ----------
    tiles
        One tile per output cell (this group's only members); the badges are
        separate mobjects that the scene adds and removes
        (:meth:`badges_at`).
    """

    def __init__(self, plane: PlaneMap, origin: tuple[int, int], counts: np.ndarray,
                 theme: Theme, make_label: Callable[[str], Mobject],
                 states: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.origin = origin
        self.counts = np.asarray(counts)
        self.theme = theme
        self.most = int(self.counts[-1].max())
        self.state: int | None = None
        rows, cols = self.counts.shape[1:]
        top, left = origin
        self._tile: dict[tuple[int, int], VMobject] = {}
        for r in range(rows):
            for c in range(cols):
                self._tile[(r, c)] = cell_polygon(
                    plane, top + r, left + c, fill_color=self.tint(0), fill_opacity=1.0,
                    stroke_color=theme.stroke, stroke_width=theme.grid_stroke_width)
        self.tiles = VGroup(*self._tile.values())
        self.add(self.tiles)
        wanted = range(len(self.counts)) if states is None else states
        templates: dict[int, Mobject] = {}
        self._badge: dict[tuple[int, int, int], Mobject] = {}
        for state in wanted:
            for (r, c), n in np.ndenumerate(self.counts[state]):
                key = (r, c, int(n))
                if key in self._badge:
                    continue
                if int(n) not in templates:
                    templates[int(n)] = self._build_badge(make_label(str(int(n))))
                self._badge[key] = self._place(templates[int(n)].copy(), r, c)

    # ------------------------------------------------------------ parts
    def tint(self, count: int) -> str:
        """The fill of a cell with ``count`` windows (see :func:`overlap_tint`)."""
        return overlap_tint(self.theme, count, self.most)

    def _build_badge(self, label: Mobject) -> VGroup:
        label.set_color(self.theme.text)
        height = label.height * (1 + 2 * BADGE_PAD)
        width = max(height, label.width + 2 * BADGE_PAD * label.height)
        ring = RoundedRectangle(corner_radius=height / 2, width=width, height=height,
                                fill_color=self.theme.background, fill_opacity=1.0,
                                stroke_color=self.theme.accent,
                                stroke_width=0.5 * self.theme.grid_stroke_width)
        ring.move_to(label.get_center())
        return VGroup(ring, label)

    def _place(self, badge: Mobject, r: int, c: int) -> Mobject:
        top, left = self.origin
        inset = 0.06 * self.plane.cell_size
        corner = self.plane.point(top + r + 1, left + c)
        return badge.move_to(corner + np.array([inset + badge.width / 2,
                                                inset + badge.height / 2, 0.0]))

    @property
    def badge_height(self) -> float:
        """Height of a badge (its ring)."""
        return max((b.height for b in self._badge.values()), default=0.0)

    @property
    def badge_width(self) -> float:
        """Width of the widest badge (a two-digit count is a pill)."""
        return max((b.width for b in self._badge.values()), default=0.0)

    def get_tile(self, r: int, c: int) -> VMobject:
        """The tile over output cell ``(r, c)``."""
        return self._tile[(r, c)]

    def count(self, r: int, c: int, state: int | None = None) -> int:
        """Windows that wrote output cell ``(r, c)`` in ``state`` (the one shown by default)."""
        return int(self.counts[self.state if state is None else state][r, c])

    def badges_at(self, state: int) -> dict[tuple[int, int], Mobject]:
        """The badge of each output cell in ``state``."""
        return {(r, c): self._badge[(r, c, int(n))]
                for (r, c), n in np.ndenumerate(self.counts[state])}

    # ------------------------------------------------------------ states
    def set_state(self, scene: Any, state: int) -> OverlapOverlay:
        """Show ``state`` at once: tints and badges (the badges added to ``scene``)."""
        if self.state is not None:
            old = self.badges_at(self.state)
            new = self.badges_at(state)
            scene.remove(*(m for k, m in old.items() if new[k] is not m))
        for (r, c), n in np.ndenumerate(self.counts[state]):
            self._tile[(r, c)].set_fill(self.tint(int(n)), family=False)
        scene.add(*self.badges_at(state).values())
        self.state = state
        return self

    def animate_state(self, state: int, **kwargs: Any) -> list[Animation]:
        """The tints and badges that change from the state shown to ``state``.

        The tiles take their new tint; a changed count's badge fades out as
        its new one fades in. Nothing changes until the animations begin.
        """
        before = self.state if self.state is not None else 0
        anims: list[Animation] = []
        old, new = self.badges_at(before), self.badges_at(state)
        for (r, c), n in np.ndenumerate(self.counts[state]):
            if int(n) != int(self.counts[before][r, c]):
                anims.append(Refill(self._tile[(r, c)], self.tint(int(n)), **kwargs))
            if old[(r, c)] is not new[(r, c)]:
                anims += [Fade(old[(r, c)], fade_in=False, **kwargs),
                          Fade(new[(r, c)], fade_in=True, **kwargs)]
        anims.append(OnBegin(setattr, self, "state", state))
        return anims
