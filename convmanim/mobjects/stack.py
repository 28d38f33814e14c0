"""Tensors with channels in the slanted view: planes stacked one above another.

A tensor of ``C`` channels is drawn as ``C`` slanted planes, one above the
other with a small gap (and a larger gap between groups), the way an
exploded drawing shows the layers of a block: every plane stays in full view,
so the kernel's taps and the written cell can be seen on each channel. To fit
a tall stack the view is seen from lower down (the planes are *flattened*).
When the planes would get too thin, the middle channels are elided behind a
marker that says how many are not drawn.

This module lays stacks out (:func:`layout_stacks`) and draws them
(:class:`ChannelStack`, :class:`PlaneSheet`, :class:`ElisionMarker`,
:class:`FilterBank`). Which channel belongs to which group comes from the
geometry core; nothing here computes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from manim import Dot, Mobject, VGroup, VMobject

from ..geometry import DirectConv, Pair
from ..theme import Theme
from .grid import dashed_segments
from .motion import StepGlider
from .plane import SLANT_COL, SLANT_ROW, PlaneMap

__all__ = [
    "MAX_DRAWN_CHANNELS",
    "ChannelStack",
    "ElisionMarker",
    "FilterBank",
    "PlaneSheet",
    "SliceWindow",
    "StackLayout",
    "StackPlan",
    "elided_slots",
    "layout_stacks",
    "stacked_plane",
    "tap_dot",
]

MAX_DRAWN_CHANNELS = 8
"""Channels drawn in full per tensor; more are elided in the middle."""

PLANE_GAP = 0.45
"""Gap between neighbouring planes of a stack, in cells."""

GROUP_GAP = 0.9
"""Extra gap between the last plane of a group and the first of the next, in cells."""

MARKER_HEIGHT = 0.5
"""Height of an elision marker's slot in a stack, in screen units."""

MARKER_WIDTH = 0.6
"""Width of an elision marker's slot in a row of stacks (a filter bank), in screen units."""

FULL_STROKE_CELL = 0.3
"""Cells at least this wide (screen units) get the theme's full outline width."""

MIN_FLATTEN = 0.4
"""The lowest view: planes are never squashed to less than this of their height."""

MAX_UNIT = 1.1
"""Largest cell size, in screen units (as in the single-channel view)."""

Slot = int | None
"""A channel drawn in a stack, or ``None`` for the marker of the elided ones."""


def elided_slots(count: int, keep: int = MAX_DRAWN_CHANNELS) -> tuple[Slot, ...]:
    """The channels drawn of ``count``, top to bottom: all of them, or a head and a tail.

    Parameters
    ----------
    count
        Channels in the tensor.
    keep
        Most planes to draw. When ``count`` is larger, the first ``keep // 2``
        and the last ``keep - keep // 2`` channels are drawn, with ``None``
        (the marker) between them.

    Examples
    --------
    >>> elided_slots(3)
    (0, 1, 2)
    >>> elided_slots(16, 6)
    (0, 1, 2, None, 13, 14, 15)
    """
    if count <= keep:
        return tuple(range(count))
    head = max(1, keep // 2)
    tail = max(1, keep - head)
    return (*range(head), None, *range(count - tail, count))


def stacked_plane(unit: float, flatten: float = 1.0, origin: np.ndarray | None = None) -> PlaneMap:
    """The slanted plane at ``unit`` screen units per cell, seen from lower by ``flatten``.

    ``flatten = 1`` is the single-channel view's plane; smaller values squash
    its height, as a camera lower down sees it.
    """
    squash = np.array([1.0, flatten, 1.0])
    return PlaneMap(
        origin=np.zeros(3) if origin is None else np.asarray(origin, dtype=float),
        col=SLANT_COL * unit * squash,
        row=SLANT_ROW * unit * squash,
    )


def _plane_width(grid: Pair) -> float:
    """Screen width of a ``grid`` plane at one unit per cell (the same at any flatten)."""
    return grid[1] * SLANT_COL[0] + grid[0] * SLANT_ROW[0]


def _plane_height(grid: Pair) -> float:
    """Screen height of a ``grid`` plane at one unit per cell, before flattening."""
    return grid[1] * SLANT_COL[1] - grid[0] * SLANT_ROW[1]


def cell_thickness(flatten: float) -> float:
    """The narrowest width of one cell, at one unit per cell, seen at ``flatten``.

    A cell is a parallelogram; this is its smaller height (area over the
    longer side), the size that decides whether its outline can be seen.
    """
    plane = stacked_plane(1.0, flatten)
    area = abs(plane.col[0] * plane.row[1] - plane.col[1] * plane.row[0])
    return area / max(np.linalg.norm(plane.col), np.linalg.norm(plane.row))


@dataclass(frozen=True)
class StackPlan:
    """What a stack needs to be laid out.

    Attributes
    ----------
    grid_size
        ``(rows, cols)`` of each plane.
    slots
        The channels drawn, top to bottom; ``None`` is the elision marker.
    breaks
        ``breaks[i]``: a group boundary between slots ``i - 1`` and ``i``
        (``breaks[0]`` is ignored).
    """

    grid_size: Pair
    slots: tuple[Slot, ...]
    breaks: tuple[bool, ...]

    @classmethod
    def of(cls, grid_size: Pair, slots: Sequence[Slot],
           group_of: Callable[[int], int] | None = None) -> StackPlan:
        """A plan whose group boundaries come from ``group_of`` (channel -> group)."""
        breaks = [False]
        for above, below in itertools.pairwise(slots):
            breaks.append(
                group_of is not None and above is not None and below is not None
                and group_of(above) != group_of(below)
            )
        return cls((int(grid_size[0]), int(grid_size[1])), tuple(slots), tuple(breaks))

    @property
    def planes(self) -> int:
        """The number of planes drawn."""
        return sum(s is not None for s in self.slots)

    def height(self, unit: float, flatten: float) -> float:
        """Screen height of the stack."""
        gaps = PLANE_GAP * max(0, len(self.slots) - 1) + GROUP_GAP * sum(self.breaks[1:])
        markers = MARKER_HEIGHT * (len(self.slots) - self.planes)
        return unit * (self.planes * _plane_height(self.grid_size) * flatten + gaps) + markers

    def width(self, unit: float) -> float:
        """Screen width of the stack."""
        return unit * _plane_width(self.grid_size)


@dataclass(frozen=True)
class StackLayout:
    """Where every plane of a row of stacks lands.

    Attributes
    ----------
    unit
        Screen length of one cell step along a row.
    flatten
        How much the planes are squashed (1: the single-channel view).
    planes
        For each stack, ``{channel: PlaneMap}``.
    markers
        For each stack, the centre of its elision marker, or ``None``.
    boxes
        For each stack, its ``(left, right, bottom, top)`` on screen.
    """

    unit: float
    flatten: float
    planes: tuple[dict[int, PlaneMap], ...]
    markers: tuple[np.ndarray | None, ...]
    boxes: tuple[tuple[float, float, float, float], ...]

    def thickness_pixels(self, pixels_per_unit: float) -> float:
        """The narrowest cell width, in pixels (see :func:`cell_thickness`)."""
        return cell_thickness(self.flatten) * self.unit * pixels_per_unit


def layout_stacks(
    plans: Sequence[StackPlan | None],
    region: tuple[float, float, float, float],
    gap: float,
    *,
    flatten: float | None = None,
    max_unit: float = MAX_UNIT,
    top_aligned: bool = False,
) -> StackLayout:
    """Lay stacks out left to right in ``region``, as large as they fit.

    Every stack shares one cell size and one flattening. The cell size is
    first set by the width; the view is then flattened until the tallest
    stack fits, down to :data:`MIN_FLATTEN`, below which the cells shrink
    instead. Each stack is centred vertically (or top-aligned), the row
    horizontally.

    Parameters
    ----------
    plans
        The stacks, left to right; ``None`` is a marker slot
        :data:`MARKER_WIDTH` wide (elided stacks in a row).
    region
        ``(left, right, bottom, top)`` on screen.
    gap
        Screen gap between neighbouring stacks.
    flatten
        Use this flattening instead of choosing one.
    max_unit
        Largest cell size.
    top_aligned
        Put every stack's top at the region's top instead of centring it.
    """
    left, right, bottom, top = region
    stacks = [p for p in plans if p is not None]
    fixed = gap * (len(plans) - 1) + MARKER_WIDTH * (len(plans) - len(stacks))
    width_cells = sum(_plane_width(p.grid_size) for p in stacks)
    unit = min(max_unit, (right - left - fixed) / width_cells)
    height = top - bottom

    def fits(u: float, f: float) -> bool:
        return all(p.height(u, f) <= height + 1e-9 for p in stacks)

    if flatten is None:
        # the largest flattening (<= 1) that fits at this unit
        f = 1.0
        for p in stacks:
            fixed_h = p.height(unit, 0.0)
            per_f = p.height(unit, 1.0) - fixed_h
            if per_f > 0:
                f = min(f, (height - fixed_h) / per_f)
        flatten = max(MIN_FLATTEN, f)
    if not fits(unit, flatten):
        # shrink the cells: height(u) = u * a + b for each stack
        for p in stacks:
            b = p.height(0.0, flatten)
            a = p.height(1.0, flatten) - b
            unit = min(unit, (height - b) / a) if a > 0 else unit
    unit = max(unit, 1e-6)
    total = sum(p.width(unit) for p in stacks) + fixed
    x = (left + right) / 2 - total / 2
    planes: list[dict[int, PlaneMap]] = []
    markers: list[np.ndarray | None] = []
    boxes: list[tuple[float, float, float, float]] = []
    for p in plans:
        if p is None:
            x += MARKER_WIDTH + gap
            continue
        w, h = p.width(unit), p.height(unit, flatten)
        y_top = top if top_aligned else (bottom + top) / 2 + h / 2
        base = stacked_plane(unit, flatten)
        lo, hi = base.bounds(*p.grid_size)
        plane_h = hi[1] - lo[1]
        y = y_top
        found: dict[int, PlaneMap] = {}
        marker = None
        for i, slot in enumerate(p.slots):
            if i > 0:
                y -= unit * (PLANE_GAP + (GROUP_GAP if p.breaks[i] else 0.0))
            if slot is None:
                marker = np.array([x + w / 2, y - MARKER_HEIGHT / 2, 0.0])
                y -= MARKER_HEIGHT
                continue
            found[slot] = base.shifted(np.array([x - lo[0], y - hi[1], 0.0]))
            y -= plane_h
        planes.append(found)
        markers.append(marker)
        boxes.append((x, x + w, y_top - h, y_top))
        x += w + gap
    return StackLayout(unit, flatten, tuple(planes), tuple(markers), tuple(boxes))


class PlaneSheet(VGroup):
    """One channel's plane, drawn as three paths: dashes, filled cells, cell outlines.

    A :class:`~convmanim.mobjects.grid.CellGrid` is one polygon per cell, which
    a stack of planes redrawn every frame cannot afford; this is the same
    picture in three paths (the filled cells as one path, their outlines as
    another, the dashed empty cells as a third).

    Parameters
    ----------
    plane
        Where the cells land.
    grid_size
        ``(rows, cols)``.
    fill_color
        Colour of the filled cells.
    theme
        Stroke colour and width.
    filled
        Boolean ``(rows, cols)`` mask of the filled cells; all when omitted.
    """

    def __init__(
        self,
        plane: PlaneMap,
        grid_size: Pair,
        *,
        fill_color: str,
        theme: Theme,
        filled: np.ndarray | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.grid_size = (int(grid_size[0]), int(grid_size[1]))
        mask = np.ones(self.grid_size, dtype=bool) if filled is None else np.asarray(filled, bool)
        if mask.shape != self.grid_size:
            raise ValueError(f"filled mask has shape {mask.shape}, expected {self.grid_size}")
        self.mask = mask
        self.fill_color_value = fill_color
        rows, cols = self.grid_size
        self.dashes = VMobject()
        if not mask.all():
            segments = [(plane.point(r, 0), plane.point(r, cols)) for r in range(rows + 1)]
            segments += [(plane.point(0, c), plane.point(rows, c)) for c in range(cols + 1)]
            self.dashes = dashed_segments(
                segments, dash_length=0.16 * plane.cell_size, stroke_color=theme.stroke,
                stroke_width=theme.grid_stroke_width * min(1.0, plane.cell_size / FULL_STROKE_CELL),
            )
        self.cells = VMobject(fill_color=fill_color, fill_opacity=1.0, stroke_width=0)
        edges: set[tuple[tuple[int, int], tuple[int, int]]] = set()
        for r, c in zip(*np.nonzero(mask)):
            r, c = int(r), int(c)
            corners = plane.cell_corners(r, c)
            self.cells.start_new_path(corners[0])
            self.cells.add_points_as_corners([*corners[1:], corners[0]])
            grid = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c)]
            for a, b in zip(grid, grid[1:] + grid[:1]):
                edges.add((min(a, b), max(a, b)))
        # thinner outlines on small cells, so that they do not fill them
        width = theme.grid_stroke_width * min(1.0, plane.cell_size / FULL_STROKE_CELL)
        self.outlines = VMobject(stroke_color=theme.stroke, stroke_width=width)
        for a, b in sorted(edges):
            self.outlines.start_new_path(plane.point(*a))
            self.outlines.add_line_to(plane.point(*b))
        self.add(self.dashes, self.cells, self.outlines)

    def has_cell(self, r: int, c: int) -> bool:
        """Whether cell ``(r, c)`` is filled."""
        return bool(0 <= r < self.grid_size[0] and 0 <= c < self.grid_size[1] and self.mask[r, c])


class ElisionMarker(VGroup):
    """Three dots and a label saying how many channels are not drawn.

    Parameters
    ----------
    centre
        Screen point of the dots' centre.
    label
        The label (``"10 more"``), placed beside the dots; or none.
    theme
        Colour of the dots.
    height
        Height of the column of dots.
    vertical
        Dots one above another (a stack) or side by side (a row of filters).
    """

    def __init__(
        self,
        centre: np.ndarray,
        label: Mobject | None,
        theme: Theme,
        *,
        height: float = 0.4,
        vertical: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        step = height / 2.6
        along = np.array([0.0, step, 0.0]) if vertical else np.array([step, 0.0, 0.0])
        radius = step * 0.32
        self.dots = VGroup(*(
            Dot(np.asarray(centre) + k * along, radius=radius, color=theme.text)
            for k in (-1, 0, 1)
        ))
        self.label = label
        self.add(self.dots)
        if label is not None:
            if vertical:
                label.next_to(self.dots, np.array([1.0, 0.0, 0.0]), buff=0.15)
            else:
                label.next_to(self.dots, np.array([0.0, -1.0, 0.0]), buff=0.12)
            self.add(label)


class ChannelStack(VGroup):
    """A tensor's drawn channels as :class:`PlaneSheet` s, plus its elision marker.

    The sheets are also reachable one by one (:meth:`sheet`), so that a
    scene can put other mobjects between them in z-order.

    Parameters
    ----------
    planes
        ``{channel: PlaneMap}``, from :func:`layout_stacks`.
    grid_size
        ``(rows, cols)`` of every plane.
    colors
        ``{channel: fill colour}``.
    theme
        Strokes.
    filled
        Mask of the filled cells (the same on every plane).
    marker
        The elision marker, if some channels are not drawn.
    """

    def __init__(
        self,
        planes: Mapping[int, PlaneMap],
        grid_size: Pair,
        colors: Mapping[int, str],
        theme: Theme,
        *,
        filled: np.ndarray | None = None,
        marker: ElisionMarker | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.planes = dict(planes)
        self.grid_size = grid_size
        self.sheets = {
            c: PlaneSheet(p, grid_size, fill_color=colors[c], theme=theme, filled=filled)
            for c, p in self.planes.items()
        }
        self.marker = marker
        # bottom plane first: the z-order the planes are drawn in
        self.add(*(self.sheets[c] for c in self.bottom_up()))
        if marker is not None:
            self.add(marker)

    @property
    def channels(self) -> list[int]:
        """The drawn channels, in channel order (top to bottom)."""
        return sorted(self.planes)

    def bottom_up(self) -> list[int]:
        """The drawn channels from the lowest plane to the highest."""
        return sorted(self.planes, key=lambda c: self.planes[c].origin[1])

    def plane_of(self, channel: int) -> PlaneMap:
        """The plane of a drawn channel."""
        return self.planes[channel]

    def sheet(self, channel: int) -> PlaneSheet:
        """The sheet of a drawn channel."""
        return self.sheets[channel]

    def is_drawn(self, channel: int) -> bool:
        """Whether ``channel`` has a plane (it is not elided)."""
        return channel in self.planes


class FilterBank(VGroup):
    """The filters as small blocks side by side, each a stack of its slices.

    Parameters
    ----------
    layout
        Where each filter's slices land (one stack per drawn filter, from
        :func:`layout_stacks`; the marker slots of elided filters included).
    filters
        The drawn filters, left to right (``None`` for a marker slot).
    kernel_size
        ``(kh, kw)``.
    colors
        ``{filter: colour}``.
    theme
        Strokes.
    markers
        ``{position in filters: ElisionMarker}`` for elided filters, and
        ``{(filter, None): ElisionMarker}`` for a filter's elided slices.
    origin_tap
        If given, a dot marks this tap of every slice (the weight
        ``w_{00}``), to show which way the kernel faces.
    """

    def __init__(
        self,
        layout: StackLayout,
        filters: Sequence[Slot],
        kernel_size: Pair,
        colors: Mapping[int, str],
        theme: Theme,
        *,
        markers: Sequence[Mobject] = (),
        origin_tap: Pair | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.blocks: dict[int, VGroup] = {}
        self.slices: dict[int, dict[int, PlaneSheet]] = {}
        drawn = [f for f in filters if f is not None]
        for f, planes in zip(drawn, layout.planes):
            sheets = {
                j: PlaneSheet(p, kernel_size, fill_color=colors[f], theme=theme)
                for j, p in planes.items()
            }
            self.slices[f] = sheets
            order = sorted(sheets, key=lambda j: planes[j].origin[1])
            block = VGroup(*(sheets[j] for j in order))
            if origin_tap is not None:
                for j in order:
                    block.add(tap_dot(planes[j], origin_tap, theme))
            self.blocks[f] = block
            self.add(block)
        self.markers = VGroup(*markers)
        self.add(self.markers)


def tap_dot(plane: PlaneMap, cell: Pair, theme: Theme) -> Dot:
    """A dot in the middle of grid cell ``cell``: it marks where the weight ``w_{00}`` sits.

    It is the theme's text colour with a rim of the background colour, so
    that it shows on any cell fill, shaded or not, in both themes.
    """
    radius = 0.17 * min(np.linalg.norm(plane.col), np.linalg.norm(plane.row))
    dot = Dot(plane.cell_center(*cell), radius=radius, color=theme.text)
    return dot.set_stroke(color=theme.background, width=0.8, opacity=1.0)


class SliceWindow(StepGlider, VGroup):
    """A filter's slice over one plane of a stack: the kernel's shaded taps, as one path.

    It looks like a :class:`~convmanim.mobjects.kernel.KernelWindow` without
    weights (each tap shaded with a thick outline, holes between dilated
    taps), but all its taps are one path, because a stack has a window on
    every plane and they all move every frame.

    Parameters
    ----------
    plane
        The plane the slice lies on.
    direct
        The direct conv: kernel size, dilation, stride and windows.
    theme
        Shadow colour, opacity and outline.
    mark
        If given, the tap ``(a, b)`` that multiplies the weight ``w_{00}``:
        a dot marks it (see :func:`tap_dot`).
    step
        The step to start at.
    """

    def __init__(
        self,
        plane: PlaneMap,
        direct: DirectConv,
        theme: Theme,
        *,
        mark: Pair | None = None,
        step: int = 0,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.direct = direct
        self.step = step
        win = direct.window(step)
        self.taps = VMobject(
            fill_color=theme.kernel_fill, fill_opacity=theme.kernel_opacity,
            stroke_color=theme.stroke, stroke_width=theme.kernel_stroke_width,
        )
        kh, kw = direct.kernel_size
        for a in range(kh):
            for b in range(kw):
                corners = plane.cell_corners(int(win[a, b, 0]), int(win[a, b, 1]))
                self.taps.start_new_path(corners[0])
                self.taps.add_points_as_corners([*corners[1:], corners[0]])
        self.add(self.taps)
        self.mark = None
        if mark is not None:
            self.mark = tap_dot(plane, (int(win[mark][0]), int(win[mark][1])), theme)
            self.add(self.mark)

    def tap_centers(self) -> list[np.ndarray]:
        """The screen centre of every drawn tap, read from the path (tap order)."""
        return [np.mean(np.unique(sub.round(9), axis=0), axis=0)
                for sub in self.taps.get_subpaths()]
