"""CellGrid: a feature map drawn as filled cells over a dashed padding grid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from manim import Animation, Mobject, Polygon, VGroup, VMobject

from ..geometry import Pair
from ..theme import Theme
from .motion import Deferred, Rearrange, set_visibility
from .plane import PlaneMap

__all__ = ["CellGrid", "ShadedLabels", "cell_polygon", "dashed_segments", "place_in_cell"]


def cell_polygon(
    plane: PlaneMap,
    r0: float,
    c0: float,
    r1: float | None = None,
    c1: float | None = None,
    **style: object,
) -> Polygon:
    """A polygon covering grid rectangle ``[r0, r1] × [c0, c1]`` (one cell by default)."""
    r1 = r0 + 1 if r1 is None else r1
    c1 = c0 + 1 if c1 is None else c1
    return Polygon(*plane.rect_corners(r0, c0, r1, c1), **style)


def place_in_cell(
    mob: Mobject,
    plane: PlaneMap,
    r: int,
    c: int,
    *,
    height: float | None = 0.42,
    max_width: float = 0.82,
    anchor: str = "center",
) -> Mobject:
    """Scale ``mob`` to a cell and lay it into the plane.

    Parameters
    ----------
    mob
        A flat (front-facing) label.
    plane
        The grid's plane.
    r, c
        The cell.
    height, max_width
        Label size as a fraction of the cell (``max_width`` wins for wide
        labels); ``height=None`` keeps the label's size.
    anchor
        ``"center"``, ``"upper_left"`` (leaving the bottom-right corner free)
        or ``"bottom_right"`` (small weight labels in the corner, as the
        original tool drew them).

    Returns
    -------
    Mobject
        ``mob``, moved and transformed.
    """
    size = plane.cell_size
    if height is not None and mob.height > 0:
        mob.scale(height * size / mob.height)
    if mob.width > max_width * size:
        mob.scale(max_width * size / mob.width)
    mob.move_to(np.zeros(3))
    if anchor == "bottom_right":
        offset = np.array([0.5 * size - 0.06 * size - mob.width / 2,
                           -0.5 * size + 0.06 * size + mob.height / 2, 0.0])
    elif anchor == "upper_left":
        offset = np.array([-0.5 * size + 0.08 * size + mob.width / 2,
                           0.5 * size - 0.1 * size - mob.height / 2, 0.0])
    elif anchor == "center":
        offset = np.zeros(3)
    else:
        raise ValueError(f"anchor must be center, upper_left or bottom_right, got {anchor!r}")
    mob.shift(offset)
    mob.apply_matrix(plane.in_plane_matrix(), about_point=np.zeros(3))
    mob.shift(plane.cell_center(r, c))
    return mob


def dashed_segments(
    segments: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    dash_length: float,
    dashed_ratio: float = 0.55,
    **style: object,
) -> VMobject:
    """Dashed straight segments as one VMobject with one subpath per dash.

    Manim's ``DashedLine`` makes one mobject per dash; a grid of them is
    hundreds of mobjects to draw every frame. This is one path.

    Parameters
    ----------
    segments
        ``(start, end)`` screen points.
    dash_length
        Length of one dash plus its gap.
    dashed_ratio
        Fraction of each period that is drawn.
    **style
        Stroke style for the path.
    """
    path = VMobject(**style)
    for start, end in segments:
        start = np.asarray(start, dtype=float)
        vec = np.asarray(end, dtype=float) - start
        length = float(np.linalg.norm(vec))
        if length == 0:
            continue
        periods = max(1, round(length / dash_length))
        # Centre the pattern so that both ends get half a dash.
        for n in range(periods + 1):
            a = max(0.0, (n - dashed_ratio / 2) / periods)
            b = min(1.0, (n + dashed_ratio / 2) / periods)
            if b > a:
                path.start_new_path(start + a * vec)
                path.add_line_to(start + b * vec)
    return path


class CellGrid(VGroup):
    """A grid of cells: filled (real data) cells over a dashed grid of empty ones.

    Empty cells (padding, inserted zeros) show only as a dashed outline; the
    dashes are drawn as whole grid lines under the filled cells, so they cost a
    few long paths instead of one dashed square per cell.

    Parameters
    ----------
    plane
        Where the grid's cells land on screen.
    grid_size
        ``(rows, cols)``.
    filled
        Boolean ``(rows, cols)`` mask of the cells to fill; all of them when
        omitted.
    fill_color
        Colour of the filled cells.
    theme
        Stroke colour and widths.
    labels
        Optional label per cell ``(r, c)``, placed in the cell's centre.
    label_height
        Label height as a fraction of a cell.
    label_anchor
        Where labels sit in their cells (see :func:`place_in_cell`).
    """

    def __init__(
        self,
        plane: PlaneMap,
        grid_size: Pair,
        *,
        fill_color: str,
        theme: Theme,
        filled: np.ndarray | None = None,
        labels: Mapping[tuple[int, int], Mobject] | None = None,
        label_height: float = 0.42,
        label_anchor: str = "center",
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.grid_size = (int(grid_size[0]), int(grid_size[1]))
        self.theme = theme
        self.fill_color_value = fill_color
        mask = np.ones(self.grid_size, dtype=bool) if filled is None else np.asarray(filled, bool)
        if mask.shape != self.grid_size:
            raise ValueError(f"filled mask has shape {mask.shape}, expected {self.grid_size}")
        self.mask = mask
        self.dashes = self._build_dashes() if not mask.all() else VMobject()
        self._index: dict[tuple[int, int], int] = {}
        cells = []
        for r, c in zip(*np.nonzero(mask)):
            self._index[(int(r), int(c))] = len(cells)
            cells.append(
                cell_polygon(
                    plane, r, c,
                    fill_color=fill_color,
                    fill_opacity=1.0,
                    stroke_color=theme.stroke,
                    stroke_width=theme.grid_stroke_width,
                )
            )
        self.cells = VGroup(*cells)
        self.labels = VGroup()
        self._label_at: dict[tuple[int, int], Mobject] = {}
        self.add(self.dashes, self.cells, self.labels)
        if labels:
            self.set_labels(labels, height=label_height, anchor=label_anchor)

    def _build_dashes(self) -> VMobject:
        rows, cols = self.grid_size
        segments = [(self.plane.point(r, 0), self.plane.point(r, cols)) for r in range(rows + 1)]
        segments += [(self.plane.point(0, c), self.plane.point(rows, c)) for c in range(cols + 1)]
        return dashed_segments(
            segments,
            dash_length=0.16 * self.plane.cell_size,
            stroke_color=self.theme.stroke,
            stroke_width=self.theme.grid_stroke_width,
        )

    # ------------------------------------------------------------ accessors
    def has_cell(self, r: int, c: int) -> bool:
        """Whether cell ``(r, c)`` is a filled cell."""
        return (r, c) in self._index

    def get_cell(self, r: int, c: int) -> Polygon:
        """The filled cell at grid position ``(r, c)``."""
        try:
            return self.cells[self._index[(r, c)]]
        except KeyError:
            raise KeyError(f"cell {(r, c)} of {self.grid_size} is not a filled cell") from None

    def get_cells(self) -> VGroup:
        """All filled cells, in row-major order."""
        return self.cells

    def get_label(self, r: int, c: int) -> Mobject | None:
        """The label in cell ``(r, c)``, if any."""
        return self._label_at.get((r, c))

    def get_labels(self) -> VGroup:
        """All labels."""
        return self.labels

    # -------------------------------------------------------------- mutators
    def set_labels(
        self,
        labels: Mapping[tuple[int, int], Mobject],
        *,
        height: float | None = 0.42,
        anchor: str = "center",
        max_width: float = 0.82,
    ) -> CellGrid:
        """Place ``labels`` in their cells (replacing any that were there).

        ``height=None`` keeps each label's size (a grid of numbers sized
        together); see :func:`place_in_cell`.
        """
        for (r, c), mob in labels.items():
            old = self._label_at.pop((r, c), None)
            if old is not None:
                self.labels.remove(old)
            place_in_cell(mob, self.plane, r, c, height=height, anchor=anchor,
                          max_width=max_width)
            self._label_at[(r, c)] = mob
            self.labels.add(mob)
        return self

    def cell_center(self, r: int, c: int) -> np.ndarray:
        """Screen centre of cell ``(r, c)``."""
        return self.plane.cell_center(r, c)

    def outline_corners(self) -> np.ndarray:
        """Screen corners of the whole grid (top-left, top-right, bottom-right, bottom-left)."""
        return self.plane.rect_corners(0, 0, *self.grid_size)

    def cells_at(self, positions: Iterable[tuple[int, int]]) -> VGroup:
        """The filled cells among ``positions`` (skipping empty ones)."""
        return VGroup(*(self.get_cell(r, c) for r, c in positions if self.has_cell(r, c)))


class ShadedLabels(VGroup):
    """A grid's labels drawn again above a shadow, in the ink that reads on the shaded cell.

    The kernel's shadow (or the current output cell's) is translucent and
    lies above the grid, so it would tint the labels under it: dark digits
    under a dark shadow. These copies lie above the shadow instead, each in
    :meth:`~convmanim.theme.Theme.ink_on` its cell's shaded fill, and cover
    the tinted labels exactly. Only the copies of the cells under the shadow
    are shown (:meth:`set_cells`); they fade across as the shadow glides
    (:meth:`animate_cells`).

    Parameters
    ----------
    grid
        The grid whose labels are copied (as they are when first needed).
    theme
        The shadow's colour and opacity, and the inks.
    """

    def __init__(self, grid: CellGrid, theme: Theme, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.grid = grid
        self.theme = theme
        self.cells: tuple[tuple[int, int], ...] = ()
        self._copies: dict[tuple[int, int], Mobject] = {}

    def ink(self, r: int, c: int) -> str:
        """The ink of cell ``(r, c)``'s label under the shadow."""
        fill = self.grid.fill_color_value if self.grid.has_cell(r, c) else self.theme.background
        return self.theme.ink_on(self.theme.shaded(fill))

    def get_copy(self, r: int, c: int) -> Mobject | None:
        """The copy of cell ``(r, c)``'s label, or ``None`` if it has none."""
        if (r, c) not in self._copies:
            label = self.grid.get_label(r, c)
            if label is None:
                return None
            self._copies[(r, c)] = label.copy().set_color(self.ink(r, c))
        return self._copies[(r, c)]

    def _labelled(self, cells: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
        rows, cols = self.grid.grid_size
        out = []
        for r, c in cells:
            cell = (int(r), int(c))
            if 0 <= cell[0] < rows and 0 <= cell[1] < cols and self.get_copy(*cell) is not None:
                out.append(cell)
        return tuple(dict.fromkeys(out))

    def set_cells(self, cells: Iterable[tuple[int, int]]) -> ShadedLabels:
        """Show the copies of ``cells`` (the cells under the shadow) at once."""
        self.cells = self._labelled(cells)
        self.submobjects = [set_visibility(self._copies[cell], 1.0) for cell in self.cells]
        return self

    def animate_cells(self, cells: Iterable[tuple[int, int]], **kwargs: object) -> Animation | None:
        """Fade out the copies the shadow leaves and fade in those it reaches.

        Returns ``None`` when the cells do not change. Nothing changes until
        the animation begins: then the copies faded out by the last fade are
        dropped (:meth:`prune`) and the new ones placed for the fade.
        """
        new = self._labelled(cells)
        if new == self.cells:
            return None
        return Deferred(self, lambda: [self._fade_to(new, **kwargs)])

    def _fade_to(self, new: tuple[tuple[int, int], ...], **kwargs: object) -> Animation:
        """Place the copies for a fade from the cells shown now to ``new``; return the fade."""
        self.prune()
        moves = []
        for cell in dict.fromkeys(self.cells + new):
            before, after = cell in self.cells, cell in new
            if before != after:
                copy = self._copies[cell]
                set_visibility(copy, 1.0 if before else 0.0)
                moves.append((copy, np.zeros(3), float(before), float(after)))
        self.submobjects = [m for m, *_ in moves] + [self._copies[c] for c in new
                                                     if c in self.cells]
        self.cells = new
        return Rearrange(self, moves, **kwargs)

    def prune(self) -> ShadedLabels:
        """Drop the copies faded out by the last :meth:`animate_cells` (once it has begun)."""
        return self.set_cells(self.cells)
