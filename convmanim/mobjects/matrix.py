"""SparseMatrix and ColumnVector: the matrix view, elided to stay readable.

A conv matrix has ``o²·i²`` entries, most of them zero. :class:`SparseMatrix`
draws it as line art (one path for the inner lines, one for the border) plus a
label for each non-zero entry, never as one square per entry. When it is too
big to read at the chosen resolution it shows a window of rows and columns
that scrolls to keep the current row in view; entries slide through the
window and fade at its edges.

:class:`ColumnVector` draws ``vec(x)``. When it is too long it is cut with
``⋮``; either as a window that follows the matrix's rows (the output vector,
aligned with the rows it equals), or around a set of *focus* entries (the
input vector: the entries the current row multiplies), the ``⋮`` moving out of
their way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Animation, Mobject, Rectangle, VGroup, VMobject

from ..geometry import Pair
from ..labels import math_label
from ..theme import Theme
from .grid import dashed_segments
from .motion import Rearrange, set_visibility

__all__ = ["ColumnVector", "SparseMatrix", "highlight_rect", "outline_rects", "plan_elision"]


def _fit_label(label: Mobject, width: float, height: float) -> Mobject:
    if label.height > 0:
        label.scale(height / label.height)
    if label.width > width:
        label.scale(width / label.width)
    return label


def plan_elision(n: int, slots: int, focus: Iterable[int]) -> list[int | None]:
    """Choose which of ``n`` entries to show in ``slots`` slots.

    Every focus entry is shown; ``None`` marks a ``⋮`` slot standing for one or
    more hidden entries. Context is added around the focus entries, then at the
    first and last entries, until the slots are full.

    Parameters
    ----------
    n
        Number of entries.
    slots
        Slots available (entries and ``⋮`` alike).
    focus
        Entries that must be shown.

    Returns
    -------
    list[int | None]
        Slot contents, top to bottom: an entry index or ``None`` for ``⋮``.
    """
    if n <= slots:
        return list(range(n))
    keep = {i for i in focus if 0 <= i < n} or {0}

    def layout(shown: set[int]) -> list[int | None]:
        out: list[int | None] = []
        previous = -1
        for i in sorted(shown):
            if i > previous + 1:
                out.append(None)
            out.append(i)
            previous = i
        if previous < n - 1:
            out.append(None)
        return out

    candidates: list[int] = []
    for distance in range(1, n):
        for f in sorted(keep):
            candidates += [f - distance, f + distance]
    candidates = [0, n - 1, *candidates]
    for c in candidates:
        if 0 <= c < n and c not in keep:
            trial = keep | {c}
            if len(layout(trial)) <= slots:
                keep = trial
        if len(layout(keep)) >= slots:
            break
    return layout(keep)


def _dots(vertical: bool, color: str, height: float) -> Mobject:
    dots = math_label(r"\vdots" if vertical else r"\cdots", color=color)
    return _fit_label(dots, height * 2, height)


class SparseMatrix(VGroup):
    """A sparse matrix as line art plus labels of its non-zero entries.

    Parameters
    ----------
    index
        ``(R, C)`` integer array: a label key for each non-zero entry, ``-1``
        for zero.
    make_label
        ``make_label(r, c, key)`` returns a fresh label mobject for an entry.
    cell
        ``(width, height)`` of one entry's cell, in manim units.
    top_left
        Screen point of the window's top-left corner.
    theme
        Colours and strokes.
    window
        ``(rows, cols)`` shown at once; the whole matrix by default.
    label_height
        Label height as a fraction of the cell.
    """

    def __init__(
        self,
        index: np.ndarray,
        make_label: Callable[[int, int, int], Mobject],
        *,
        cell: tuple[float, float],
        top_left: np.ndarray,
        theme: Theme,
        window: Pair | None = None,
        label_height: float = 0.5,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.index = np.asarray(index)
        self.shape: Pair = (int(self.index.shape[0]), int(self.index.shape[1]))
        rows, cols = self.shape
        wr, wc = window if window is not None else self.shape
        self.window: Pair = (min(wr, rows), min(wc, cols))
        self.cell_w, self.cell_h = float(cell[0]), float(cell[1])
        self.top_left = np.asarray(top_left, dtype=float)
        self.theme = theme
        self.origin: Pair = (0, 0)
        self.grid = self._build_lines()
        self.entries_all: dict[tuple[int, int], Mobject] = {}
        for r, c in zip(*np.nonzero(self.index >= 0)):
            r, c = int(r), int(c)
            label = make_label(r, c, int(self.index[r, c]))
            _fit_label(label, 0.8 * self.cell_w, label_height * self.cell_h)
            label.move_to(self.cell_center(r, c))
            self.entries_all[(r, c)] = label
        # where each label's centre is now: moving by a known offset avoids
        # recomputing bounding boxes of hundreds of labels at every step
        self._centers = {rc: self.cell_center(*rc) for rc in self.entries_all}
        self.entries = VGroup(*(m for rc, m in self.entries_all.items() if self.in_window(*rc)))
        dot = 0.5 * self.cell_h
        self.markers = {
            "left": _dots(False, theme.text, 0.35 * dot).next_to(self.grid, LEFT, buff=0.08),
            "right": _dots(False, theme.text, 0.35 * dot).next_to(self.grid, RIGHT, buff=0.08),
            "top": _dots(True, theme.text, dot).next_to(self.grid, UP, buff=0.06),
            "bottom": _dots(True, theme.text, dot).next_to(self.grid, DOWN, buff=0.06),
        }
        self.elision = VGroup(*self.markers.values())
        self._show_markers()
        self.add(self.grid, self.entries, self.elision)

    # --------------------------------------------------------------- layout
    def _build_lines(self) -> VGroup:
        wr, wc = self.window
        cw, ch = self.cell_w, self.cell_h
        x0, y0 = self.top_left[0], self.top_left[1]
        w, h = wc * cw, wr * ch
        inner = [((x0 + c * cw, y0, 0), (x0 + c * cw, y0 - h, 0)) for c in range(1, wc)]
        inner += [((x0, y0 - r * ch, 0), (x0 + w, y0 - r * ch, 0)) for r in range(1, wr)]
        lines = dashed_segments(
            inner,
            dash_length=0.25 * min(cw, ch),
            dashed_ratio=0.5,
            stroke_color=self.theme.muted,
            stroke_width=0.6 * self.theme.grid_stroke_width,
            stroke_opacity=0.6,
        )
        border = Rectangle(
            width=w, height=h, stroke_color=self.theme.stroke,
            stroke_width=self.theme.grid_stroke_width,
        ).move_to([x0 + w / 2, y0 - h / 2, 0])
        return VGroup(lines, border)

    def cell_center(self, r: float, c: float, origin: Pair | None = None) -> np.ndarray:
        """Screen centre of entry ``(r, c)`` with the window at ``origin``."""
        r0, c0 = self.origin if origin is None else origin
        return self.top_left + np.array(
            [(c - c0 + 0.5) * self.cell_w, -(r - r0 + 0.5) * self.cell_h, 0.0]
        )

    @property
    def scrolls(self) -> bool:
        """Whether the window is smaller than the matrix (so it may move)."""
        return self.window != self.shape

    def in_window(self, r: int, c: int, origin: Pair | None = None) -> bool:
        """Whether entry ``(r, c)`` is inside the window at ``origin``."""
        r0, c0 = self.origin if origin is None else origin
        return 0 <= r - r0 < self.window[0] and 0 <= c - c0 < self.window[1]

    def row_rect(self, r: int, origin: Pair | None = None) -> np.ndarray:
        """``(left, right, top, bottom)`` of row ``r`` across the window."""
        center = self.cell_center(r, 0, origin)
        y_top = center[1] + self.cell_h / 2
        return np.array([self.top_left[0], self.top_left[0] + self.window[1] * self.cell_w,
                         y_top, y_top - self.cell_h])

    def window_for_row(self, r: int) -> Pair:
        """The window origin centred on row ``r`` and its non-zero entries.

        Near the matrix's edges the window stops at the edge; a window as large
        as the matrix never moves.
        """
        rows, cols = self.shape
        wr, wc = self.window
        nonzero = np.nonzero(self.index[r] >= 0)[0]
        lo, hi = (int(nonzero.min()), int(nonzero.max())) if nonzero.size else (0, 0)
        return (_follow(r, r, wr, rows), _follow(lo, hi, wc, cols))

    def entry(self, r: int, c: int) -> Mobject:
        """The label of non-zero entry ``(r, c)``."""
        return self.entries_all[(r, c)]

    def row_entries(self, r: int) -> list[Mobject]:
        """Labels of row ``r``'s non-zero entries, left to right."""
        return [self.entries_all[(r, int(c))] for c in np.nonzero(self.index[r] >= 0)[0]]

    # ------------------------------------------------------------- mutators
    def _show_markers(self, origin: Pair | None = None) -> None:
        for side, mob in self.markers.items():
            set_visibility(mob, 1.0 if self._marker_needed(side, origin) else 0.0)

    def _marker_needed(self, side: str, origin: Pair | None = None) -> bool:
        r0, c0 = self.origin if origin is None else origin
        rows, cols = self.shape
        return {
            "left": c0 > 0,
            "right": c0 + self.window[1] < cols,
            "top": r0 > 0,
            "bottom": r0 + self.window[0] < rows,
        }[side]

    def _place(self, rc: tuple[int, int], target: np.ndarray) -> Mobject:
        """Move entry ``rc``'s label so that its centre is ``target``."""
        mob = self.entries_all[rc]
        delta = target - self._centers[rc]
        if np.any(delta):
            mob.shift(delta)
            self._centers[rc] = target
        return mob

    def set_origin(self, origin: Pair) -> SparseMatrix:
        """Move the window to ``origin`` at once."""
        self.origin = (int(origin[0]), int(origin[1]))
        shown = []
        for rc in self.entries_all:
            if self.in_window(*rc):
                shown.append(set_visibility(self._place(rc, self.cell_center(*rc)), 1.0))
        self.entries.submobjects = shown
        self._show_markers()
        return self

    def animate_origin(self, origin: Pair, **kwargs: object) -> Animation | None:
        """Scroll the window to ``origin``: entries slide, fading at the edges.

        Returns ``None`` when the window does not move.
        """
        origin = (int(origin[0]), int(origin[1]))
        if origin == self.origin:
            return None
        old = self.origin
        shift = self.cell_center(0, 0, origin) - self.cell_center(0, 0, old)
        moves = []
        keep: list[Mobject] = []
        for (r, c), mob in self.entries_all.items():
            before, after = self.in_window(r, c, old), self.in_window(r, c, origin)
            if not (before or after):
                continue
            self._place((r, c), self.cell_center(r, c, old))
            set_visibility(mob, 1.0 if before else 0.0)
            moves.append((mob, shift, 1.0 if before else 0.0, 1.0 if after else 0.0))
            self._centers[(r, c)] = self.cell_center(r, c, origin)  # where the move ends
            keep.append(mob)
        for side, mob in self.markers.items():
            a = 1.0 if self._marker_needed(side, old) else 0.0
            b = 1.0 if self._marker_needed(side, origin) else 0.0
            if a != b:
                moves.append((mob, np.zeros(3), a, b))
        self.entries.submobjects = keep
        self.origin = origin
        return Rearrange(self, moves, **kwargs)

    def prune(self) -> SparseMatrix:
        """Drop entries left outside the window by the last scroll."""
        self.entries.submobjects = [m for rc, m in self.entries_all.items() if self.in_window(*rc)]
        return self


def _follow(lo: int, hi: int, size: int, total: int) -> int:
    """Start of a window of ``size`` (out of ``total``) that shows ``lo..hi``.

    The window moves in pages: its start is a multiple of the slack around
    ``lo..hi`` (or the last possible start), so that consecutive rows mostly
    share a window and the matrix scrolls only now and then: a scrolling
    matrix is redrawn on every frame of the glide.
    """
    if total <= size:
        return 0
    page = max(1, size - (hi - lo + 1))
    start = min(lo // page * page, total - size)
    if start <= lo and hi < start + size:
        return start
    return max(0, min((lo + hi + 1) // 2 - size // 2, total - size))


class ColumnVector(VGroup):
    """A column vector of labelled cells, cut with ``⋮`` when it is too long.

    Parameters
    ----------
    labels
        One label mobject per entry, top to bottom.
    fill_color
        Cell colour.
    theme
        Strokes and text colours.
    cell
        ``(width, height)`` of one cell.
    top_center
        Screen point of the top edge's centre.
    slots
        Cells shown at once (entries and ``⋮`` alike).
    aligned
        ``True``: show a contiguous window that follows matrix rows, with
        ``⋮`` outside the vector; ``False``: show focus entries with ``⋮`` in
        the slots between them.
    label_height
        Label height as a fraction of the cell height.
    """

    def __init__(
        self,
        labels: Sequence[Mobject],
        *,
        fill_color: str,
        theme: Theme,
        cell: tuple[float, float],
        top_center: np.ndarray,
        slots: int,
        aligned: bool = False,
        label_height: float = 0.5,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.n = len(labels)
        self.cell_w, self.cell_h = cell
        self.top_center = np.asarray(top_center, dtype=float)
        self.slots = max(1, min(slots, self.n))
        self.aligned = aligned
        self.theme = theme
        self.cells: list[VGroup] = []
        for label in labels:
            box = Rectangle(
                width=self.cell_w, height=self.cell_h, fill_color=fill_color, fill_opacity=1.0,
                stroke_color=theme.stroke, stroke_width=theme.grid_stroke_width,
            )
            _fit_label(label, 0.8 * self.cell_w, label_height * self.cell_h)
            self.cells.append(VGroup(box, label.move_to(box)))
        n_dots = self.slots // 2 + 2
        self.dots = [_dots(True, theme.text, 0.55 * self.cell_h) for _ in range(n_dots)]
        self.layout: list[int | None] = []
        self.shown = VGroup()
        self.dot_group = VGroup()
        self.add(self.shown, self.dot_group)
        self.set_layout(self.plan(window_start=0) if aligned else self.plan(focus=[0]))

    # --------------------------------------------------------------- layout
    def plan(
        self, focus: Iterable[int] | None = None, window_start: int | None = None
    ) -> list[int | None]:
        """Slot contents for ``focus`` (focus mode) or ``window_start`` (aligned mode)."""
        if self.aligned:
            start = 0 if window_start is None else window_start
            start = max(0, min(start, self.n - self.slots))
            return list(range(start, start + self.slots))
        return plan_elision(self.n, self.slots, focus if focus is not None else [0])

    def slot_center(self, slot: float) -> np.ndarray:
        """Screen centre of slot ``slot`` (0 at the top)."""
        return self.top_center + np.array([0.0, -(slot + 0.5) * self.cell_h, 0.0])

    def _dot_slots(self, layout: list[int | None]) -> list[float]:
        if not self.aligned:
            return [k for k, i in enumerate(layout) if i is None]
        out: list[float] = []
        if layout and layout[0] is not None and layout[0] > 0:
            out.append(-0.8)
        if layout and layout[-1] is not None and layout[-1] < self.n - 1:
            out.append(len(layout) - 0.2)
        return out

    def entry_slot(self, i: int, layout: list[int | None] | None = None) -> int | None:
        """The slot showing entry ``i``, or ``None`` when it is hidden."""
        layout = self.layout if layout is None else layout
        try:
            return layout.index(i)
        except ValueError:
            return None

    def is_shown(self, i: int) -> bool:
        """Whether entry ``i`` is visible now."""
        return self.entry_slot(i) is not None

    def get_cell(self, i: int) -> VGroup:
        """Entry ``i``'s cell (box and label)."""
        return self.cells[i]

    def set_layout(self, layout: list[int | None]) -> ColumnVector:
        """Show ``layout`` at once."""
        self.layout = list(layout)
        shown = []
        for k, i in enumerate(layout):
            if i is not None:
                self.cells[i].move_to(self.slot_center(k))
                set_visibility(self.cells[i], 1.0)
                shown.append(self.cells[i])
        self.shown.submobjects = shown
        dot_slots = self._dot_slots(layout)
        for d, mob in enumerate(self.dots):
            if d < len(dot_slots):
                mob.move_to(self.slot_center(dot_slots[d]))
                set_visibility(mob, 1.0)
            else:
                set_visibility(mob, 0.0)
        self.dot_group.submobjects = self.dots[: len(dot_slots)]
        return self

    def animate_layout(self, layout: list[int | None], **kwargs: object) -> Animation | None:
        """Move entries to ``layout``: shared ones slide, others fade in or out.

        Returns ``None`` when nothing changes.
        """
        layout = list(layout)
        if layout == self.layout:
            return None
        moves = []
        members: list[Mobject] = []
        old_slots = {i: k for k, i in enumerate(self.layout) if i is not None}
        new_slots = {i: k for k, i in enumerate(layout) if i is not None}
        for i in sorted(set(old_slots) | set(new_slots)):
            cell = self.cells[i]
            if i in old_slots and i in new_slots:
                start = self.slot_center(old_slots[i])
                moves.append((cell, self.slot_center(new_slots[i]) - start, 1.0, 1.0))
            elif i in old_slots:
                moves.append((cell, np.zeros(3), 1.0, 0.0))
            else:
                cell.move_to(self.slot_center(new_slots[i]))
                set_visibility(cell, 0.0)
                moves.append((cell, np.zeros(3), 0.0, 1.0))
            members.append(cell)
        old_dots, new_dots = self._dot_slots(self.layout), self._dot_slots(layout)
        for d, mob in enumerate(self.dots):
            a = d < len(old_dots)
            b = d < len(new_dots)
            if a and b:
                moves.append((mob, self.slot_center(new_dots[d]) - mob.get_center(), 1.0, 1.0))
            elif a:
                moves.append((mob, np.zeros(3), 1.0, 0.0))
            elif b:
                mob.move_to(self.slot_center(new_dots[d]))
                moves.append((mob, np.zeros(3), 0.0, 1.0))
            if a or b:
                members.append(mob)
        self.shown.submobjects = [m for m in members if m in self.cells]
        self.dot_group.submobjects = [m for m in members if m in self.dots]
        self.layout = layout
        return Rearrange(self, moves, **kwargs)

    def prune(self) -> ColumnVector:
        """Drop cells and dots hidden by the last :meth:`animate_layout`."""
        return self.set_layout(self.layout)

    def outline(self) -> VMobject:
        """The bounding box of the visible slots (for placing labels)."""
        top = self.slot_center(-0.5)
        bottom = self.slot_center(len(self.layout) - 0.5)
        return Rectangle(width=self.cell_w, height=top[1] - bottom[1]).move_to(
            (top + bottom) / 2
        )


def outline_rects(
    rects: Sequence[tuple[float, float, float, float]], *, color: str, stroke_width: float
) -> VMobject:
    """Outlines of many rectangles ``(left, right, top, bottom)`` as one path.

    One mobject with a sub-path per rectangle costs far less to build and to
    draw than a :class:`~manim.Rectangle` each.
    """
    points = []
    for left, right, top, bottom in rects:
        corners = [(left, top), (right, top), (right, bottom), (left, bottom), (left, top)]
        for (x0, y0), (x1, y1) in itertools.pairwise(corners):
            for t in (0.0, 1 / 3, 2 / 3, 1.0):
                points.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0), 0.0))
    path = VMobject(stroke_color=color, stroke_width=stroke_width, fill_opacity=0.0)
    if points:
        path.points = np.array(points, dtype=float)
    return path


def highlight_rect(
    left: float, right: float, top: float, bottom: float, *, theme: Theme, accent: bool
) -> Rectangle:
    """A cell-shaped highlight: the kernel's shadow, or an accent outline."""
    rect = Rectangle(width=right - left, height=top - bottom).move_to(
        [(left + right) / 2, (top + bottom) / 2, 0]
    )
    if accent:
        rect.set_style(fill_opacity=0.0, stroke_color=theme.accent,
                       stroke_width=theme.kernel_stroke_width * 0.8)
    else:
        rect.set_style(fill_color=theme.kernel_fill, fill_opacity=theme.kernel_opacity,
                       stroke_color=theme.stroke, stroke_width=theme.kernel_stroke_width * 0.7)
    return rect

