"""The moving parts: the kernel window, the output-cell highlight, the connectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import RIGHT, Animation, Line, Mobject, Polygon, Rectangle, Square, VGroup

from ..geometry import DirectConv, cell_index
from ..theme import Theme
from .grid import cell_polygon, place_in_cell
from .motion import Glide, MoveLines, StepGlider
from .plane import PlaneMap

__all__ = ["CellHighlight", "Connectors", "KernelWindow", "rotation_legend", "weight_box"]

MARK_SIZE = 0.5
"""Legs of the orientation mark, as a fraction of a cell."""

WEIGHT_PAD = 0.18
"""Room around a weight in its box, as a fraction of the weight's height."""


def weight_box(label: Mobject, theme: Theme) -> VGroup:
    """A kernel weight in a small box of the background's colour: ``VGroup(box, label)``.

    The box sets the weight apart from the cell's own value, and gives it
    the same ground wherever the window lies (a blue cell, padding, under
    the shadow), so its contrast is the text's on the background.
    """
    pad = WEIGHT_PAD * max(label.height, 1e-6)
    label.set_color(theme.text)
    box = Rectangle(
        width=label.width + 2 * pad, height=label.height + 2 * pad,
        fill_color=theme.background, fill_opacity=1.0,
        stroke_color=theme.stroke, stroke_width=0.4 * theme.grid_stroke_width,
    ).move_to(label.get_center())
    return VGroup(box, label)


class KernelWindow(StepGlider, VGroup):
    """The kernel's shadow over a grid: one shaded cell per tap.

    Under dilation the taps are spread out and the holes between them stay
    clear. Optional weight labels sit small in each tap's corner and move with
    the window.

    Parameters
    ----------
    plane
        The plane of the grid the kernel slides over.
    direct
        The direct conv: its kernel size, dilation, stride and windows.
    theme
        Shadow colour, opacity and outline.
    weight_labels
        Optional ``(kh, kw)`` nested sequence of label mobjects, one per tap,
        in tap order (for a transposed conv these are already rotated).
    step
        The step to start at.
    weight_height, weight_width
        Largest height and width of a weight (its box included), as fractions
        of a cell.
    boxed
        Draw each weight in a box of the background's colour
        (:func:`weight_box`): apart from the cell's value, and readable on
        any cell.
    mark
        Draw the orientation mark: a small triangle in the outer corner of
        the tap that holds ``w_00`` (top-left for a convolution, bottom-right
        once the kernel is rotated by 180°). It shows the rotation at any
        size, where the weights' names would be too small to read.

    Attributes
    ----------
    weights
        The weights' labels in their corners, in tap order.
    boxes
        The boxes behind them, when boxed (drawn just under the weights).
    orientation
        The orientation mark (empty without ``mark``).
    """

    def __init__(
        self,
        plane: PlaneMap,
        direct: DirectConv,
        theme: Theme,
        *,
        weight_labels: Sequence[Sequence[Mobject]] | None = None,
        step: int = 0,
        weight_height: float = 0.26,
        weight_width: float = 0.5,
        boxed: bool = True,
        mark: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.direct = direct
        self.step = step
        win = direct.window(step)
        kh, kw = direct.kernel_size
        self.taps = VGroup(
            *(
                cell_polygon(
                    plane, win[a, b, 0], win[a, b, 1],
                    fill_color=theme.kernel_fill,
                    fill_opacity=theme.kernel_opacity,
                    stroke_color=theme.stroke,
                    stroke_width=theme.kernel_stroke_width,
                )
                for a in range(kh)
                for b in range(kw)
            )
        )
        self.weights = VGroup()
        self.boxes = VGroup()
        if weight_labels is not None:
            for a in range(kh):
                for b in range(kw):
                    label = weight_labels[a][b]
                    placed = weight_box(label, theme) if boxed else label
                    place_in_cell(
                        placed, plane, win[a, b, 0], win[a, b, 1],
                        height=weight_height, max_width=weight_width, anchor="bottom_right",
                    )
                    if boxed:
                        self.boxes.add(placed[0])
                    self.weights.add(label)
        self.orientation = VGroup()
        if mark:
            self.orientation.add(self._mark(theme))
        # the groups in z-order; empty ones are left out of the family
        self.add(self.taps, *(g for g in (self.orientation, self.boxes) if len(g)),
                 self.weights)

    def mark_tap(self) -> tuple[int, int]:
        """The tap ``(a, b)`` that holds weight ``w_00``."""
        tap = self.direct.tap_weight()
        a, b = np.argwhere((tap[..., 0] == 0) & (tap[..., 1] == 0))[0]
        return int(a), int(b)

    def _mark(self, theme: Theme) -> Polygon:
        """A triangle in the outer corner of ``w_00``'s tap, pointing into it."""
        a, b = self.mark_tap()
        r, c = self.direct.window(self.step)[a, b]
        # the tap's corner on the kernel's outside: top-left, bottom-right once rotated
        flip = self.direct.kernel_rotated
        r0, c0 = r + (1 if flip else 0), c + (1 if flip else 0)
        dr = dc = -MARK_SIZE if flip else MARK_SIZE
        points = [self.plane.point(r0, c0), self.plane.point(r0 + dr, c0),
                  self.plane.point(r0, c0 + dc)]
        return Polygon(*points, fill_color=theme.accent, fill_opacity=1.0,
                       stroke_color=theme.stroke, stroke_width=0.4 * theme.grid_stroke_width)

    def drop_weights(self) -> KernelWindow:
        """Leave the weights (and their boxes) out: too small to read here."""
        self.weights.submobjects = []
        self.boxes.submobjects = []
        return self

    def get_tap(self, a: int, b: int) -> Mobject:
        """The shaded cell of tap ``(a, b)``."""
        return self.taps[cell_index((a, b), self.direct.kernel_size)]



class CellHighlight(VGroup):
    """The kernel's shadow over one output cell: the cell being written.

    Parameters
    ----------
    plane
        The output grid's plane.
    cell
        ``(r, c)`` to start on.
    theme
        Shadow colour and outline.
    """

    def __init__(
        self, plane: PlaneMap, cell: tuple[int, int], theme: Theme, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.cell = (int(cell[0]), int(cell[1]))
        self.shade = cell_polygon(
            plane, *self.cell,
            fill_color=theme.kernel_fill,
            fill_opacity=theme.kernel_opacity,
            stroke_color=theme.stroke,
            stroke_width=theme.kernel_stroke_width,
        )
        self.add(self.shade)

    def corners(self, cell: tuple[int, int] | None = None) -> np.ndarray:
        """Screen corners of ``cell`` (the current one by default)."""
        return self.plane.cell_corners(*(self.cell if cell is None else cell))

    def offset_to(self, cell: tuple[int, int]) -> np.ndarray:
        """Screen vector from the current cell to ``cell``."""
        return self.plane.vector(cell[0] - self.cell[0], cell[1] - self.cell[1])

    def move_to_cell(self, cell: tuple[int, int]) -> CellHighlight:
        """Jump to ``cell`` at once."""
        self.shift(self.offset_to(cell))
        self.cell = (int(cell[0]), int(cell[1]))
        return self

    def animate_to_cell(self, cell: tuple[int, int], **kwargs: object) -> Animation:
        """An animation gliding the highlight to ``cell``; :attr:`cell` changes when it begins."""
        target = (int(cell[0]), int(cell[1]))
        return Glide(self, lambda: self.offset_to(target),
                      lambda: setattr(self, "cell", target), **kwargs)



class Connectors(VGroup):
    """Four lines joining the kernel window's corners to the output cell's corners.

    Parameters
    ----------
    start
        ``(4, 3)`` corners on the input plane.
    end
        ``(4, 3)`` corners on the output plane, in the same order.
    theme
        Line colour and width.
    """

    def __init__(
        self, start: np.ndarray, end: np.ndarray, theme: Theme, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.lines = [
            Line(
                s, e,
                stroke_color=theme.connector,
                stroke_width=theme.connector_stroke_width,
            )
            for s, e in zip(start, end)
        ]
        self.add(*self.lines)

    def endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """The current ``(start, end)`` corner arrays."""
        return (
            np.array([line.get_start() for line in self.lines]),
            np.array([line.get_end() for line in self.lines]),
        )

    def put_at(self, start: np.ndarray, end: np.ndarray) -> Connectors:
        """Move the lines at once."""
        for line, s, e in zip(self.lines, start, end):
            line.set_points_as_corners(np.array([s, e]))
        return self

    def animate_to(self, start: np.ndarray, end: np.ndarray, **kwargs: object) -> Animation:
        """An animation moving the lines' ends linearly to new corners.

        Because the window and the highlight glide linearly too, the lines stay
        attached to both at every frame without any updater.
        """
        return MoveLines(self, self.lines, start, end, **kwargs)


def rotation_legend(theme: Theme, height: float, arrow: Mobject, rows: int = 3) -> VGroup:
    """Two small kernels, the mark in ``w_00``'s corner before and after the 180° rotation.

    Parameters
    ----------
    theme
        Colours.
    height
        Height of a small 3×3 kernel: each cell is a third of it.
    arrow
        What stands between them (an arrow label).
    rows
        Rows of each small kernel: ``1`` draws a 1-D kernel, reversed.
    """
    side = height / 3

    def kernel(rotated: bool) -> VGroup:
        cells = VGroup(*(Square(side, fill_color=theme.kernel_fill,
                                fill_opacity=theme.kernel_opacity, stroke_color=theme.stroke,
                                stroke_width=0.5 * theme.grid_stroke_width)
                         for _ in range(3 * rows))).arrange_in_grid(rows, 3, buff=0)
        corner = cells.get_corner([1, -1, 0] if rotated else [-1, 1, 0])
        sign = -1 if rotated else 1
        leg = 0.75 * side  # a larger share of these small cells, to be seen
        mark = Polygon(corner, corner + np.array([sign * leg, 0, 0]),
                       corner + np.array([0, -sign * leg, 0]),
                       fill_color=theme.accent, fill_opacity=1.0, stroke_color=theme.stroke,
                       stroke_width=0.4 * theme.grid_stroke_width)
        return VGroup(cells, mark)

    return VGroup(kernel(False), arrow, kernel(True)).arrange(RIGHT, buff=0.15)
