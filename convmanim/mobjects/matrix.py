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
from manim import DOWN, LEFT, RIGHT, UP, Animation, Line, Mobject, Rectangle, VGroup, VMobject

from ..geometry import Pair
from ..labels import math_label
from ..theme import Theme
from .grid import dashed_segments
from .motion import Deferred, Rearrange, set_visibility

__all__ = [
    "BlockMatrix",
    "ColumnVector",
    "SparseMatrix",
    "highlight_rect",
    "outline_rects",
    "plan_elision",
    "plan_segmented_elision",
]


CLIP_MARGIN = 0.08
"""A scrolling entry fades out over this fraction of a cell before it reaches the frame."""


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


def plan_segmented_elision(
    segments: Sequence[int], slots: int, focus: Iterable[int]
) -> list[int | None]:
    """Choose which entries of a vector stacked in segments (channels) to show.

    Like :func:`plan_elision`, but the first entry of every segment is always
    shown, so that a ``⋮`` never stands for entries of two segments and each
    segment starts with an entry that names it. Focus entries come next;
    when they do not all fit, each segment keeps its first ones, the
    segments with the most losing theirs first. Context is then added
    around the focus entries, and at the segments' last entries.

    Parameters
    ----------
    segments
        The segment of each entry, in order (equal for neighbours in one segment).
    slots
        Slots available.
    focus
        Entries to show if they fit.

    Returns
    -------
    list[int | None]
        Slot contents, top to bottom: an entry index or ``None`` for ``⋮``.
    """
    n = len(segments)
    if n <= slots:
        return list(range(n))
    starts = [i for i in range(n) if i == 0 or segments[i] != segments[i - 1]]
    ends = [i - 1 for i in starts[1:]] + [n - 1]

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

    wanted = sorted({i for i in focus if 0 <= i < n} - set(starts))
    by_segment: dict[int, list[int]] = {}
    for i in wanted:
        by_segment.setdefault(segments[i], []).append(i)
    keep = set(starts) | set(wanted)
    while len(layout(keep)) > slots and any(by_segment.values()):
        longest = max(by_segment.values(), key=len)
        keep.discard(longest.pop())
    kept = sorted(keep - set(starts))
    candidates: list[int] = [i for i in wanted if i not in keep] + ends
    for distance in range(1, n):
        for f in kept:
            candidates += [f - distance, f + distance]
    for c in candidates:
        if len(layout(keep)) >= slots:
            break
        if 0 <= c < n and c not in keep and len(layout(keep | {c})) <= slots:
            keep = keep | {c}
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
        as the matrix never moves. A row wider than the window shows its first
        entries, then as many as fit.
        """
        rows, cols = self.shape
        wr, wc = self.window
        nonzero = np.nonzero(self.index[r] >= 0)[0]
        lo, hi = (int(nonzero.min()), int(nonzero.max())) if nonzero.size else (0, 0)
        hi = min(hi, lo + wc - 1)
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

        The entries are placed for the scroll when the animation begins.
        Returns ``None`` when the window does not move.
        """
        origin = (int(origin[0]), int(origin[1]))
        if origin == self.origin:
            return None
        return Deferred(self, lambda: [self._scroll(origin, **kwargs)])

    def _scroll(self, origin: Pair, **kwargs: object) -> Animation:
        """Place the entries for a scroll to ``origin`` and return the scroll."""
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
        frame_moves = self._frame_moves(old, origin)
        clipped = {id(m): "xy" for m in keep}
        clipped.update({id(m): axes for m, axes in self._frame_clipping(frame_moves)})
        moves += frame_moves
        self.entries.submobjects = keep
        self.origin = origin
        return Rearrange(self, moves, clip=[self.frame_rect()], clipped=clipped,
                         margin=CLIP_MARGIN * min(self.cell_w, self.cell_h), **kwargs)

    def frame_rect(self) -> tuple[float, float, float, float]:
        """``(left, right, top, bottom)`` of the window's frame: what scrolls stays in it."""
        left, top = self.top_left[0], self.top_left[1]
        return (left, left + self.window[1] * self.cell_w, top, top - self.window[0] * self.cell_h)

    def _frame_clipping(
        self, moves: list[tuple[Mobject, np.ndarray, float, float]]
    ) -> list[tuple[Mobject, str]]:
        """The frame parts among ``moves`` to clip, and along which axes (none here)."""
        return []

    def _frame_moves(
        self, old: Pair, new: Pair
    ) -> list[tuple[Mobject, np.ndarray, float, float]]:
        """Moves of the frame parts that follow the window (none here)."""
        return []

    def prune(self) -> SparseMatrix:
        """Drop entries left outside the window by the last scroll."""
        self.entries.submobjects = [m for rc, m in self.entries_all.items() if self.in_window(*rc)]
        return self


class BlockMatrix(SparseMatrix):
    """A conv matrix with channels: a grid of blocks, each windowed alike.

    Block ``(o, c)`` is the single-channel matrix of the filter slice that
    links output channel ``o`` to input channel ``c``. When a block is too wide
    to show whole, every block column shows the *same* window of its columns
    (so that the blocks of one row line up), and the header line reads
    ``⋯ a^{(0)} ⋯ a^{(1)} ⋯``, a ``⋯`` over each block edge that is cut. Thick lines separate the
    blocks; a header above each block column and beside each block row names
    its channel. The rows
    form one window that pages as in :class:`SparseMatrix`; the row
    separators and headers travel with it.

    Parameters
    ----------
    index
        ``(R, C)`` integer array: a label key for each non-zero entry, ``-1``
        for zero.
    make_label
        ``make_label(r, c, key)`` returns a fresh label for an entry.
    blocks
        ``(rows, cols)``: for each row its ``(block row, row in block)``, for
        each column its ``(block column, column in block)`` (see
        :meth:`convmanim.geometry.ConvSpec.matrix_blocks`).
    cell
        ``(width, height)`` of one entry's cell.
    top_left
        Screen point of the window's top-left corner.
    theme
        Colours and strokes.
    window
        ``(rows, columns per block)`` shown at once.
    row_headers, col_headers
        One label per block row (placed left of the matrix) and per block
        column (placed above it).
    label_height
        Label height as a fraction of the cell.
    """

    def __init__(
        self,
        index: np.ndarray,
        make_label: Callable[[int, int, int], Mobject],
        *,
        blocks: tuple[np.ndarray, np.ndarray],
        cell: tuple[float, float],
        top_left: np.ndarray,
        theme: Theme,
        window: Pair,
        row_headers: Sequence[Mobject],
        col_headers: Sequence[Mobject],
        label_height: float = 0.5,
        **kwargs: object,
    ) -> None:
        rows_b, cols_b = (np.asarray(b, dtype=np.int64) for b in blocks)
        self.row_block = rows_b
        self.col_block = cols_b
        self.block_grid: Pair = (int(rows_b[:, 0].max()) + 1, int(cols_b[:, 0].max()) + 1)
        self.block_shape: Pair = (int(rows_b[:, 1].max()) + 1, int(cols_b[:, 1].max()) + 1)
        self.cut = window[1] < self.block_shape[1]
        self.row_headers = list(row_headers)
        self.col_headers = list(col_headers)
        # the first row of each block row, in order: where separators go
        firsts = [0] + [i for i in range(1, len(rows_b)) if rows_b[i, 0] != rows_b[i - 1, 0]]
        lasts = [f - 1 for f in firsts[1:]] + [len(rows_b) - 1]
        self._block_rows = list(zip(firsts, lasts))
        super().__init__(index, make_label, cell=cell, top_left=top_left, theme=theme,
                         window=window, label_height=label_height, **kwargs)
        self.remove(self.elision)  # SparseMatrix's single-block markers
        self._build_markers()
        self.separators = [self._separator() for _ in self._block_rows[1:]]
        self.frame = VGroup()
        self.add(self.elision, self.frame)
        self._place_frame()
        self._show_markers()

    # --------------------------------------------------------------- layout
    @property
    def panel_width(self) -> float:
        """Width of one block column's window."""
        return self.window[1] * self.cell_w

    @property
    def header_y(self) -> float:
        """Height of the centre line of the block columns' headers."""
        return self.top_left[1] + 0.12 + max((h.height for h in self.col_headers),
                                             default=0.0) / 2

    @property
    def width_shown(self) -> float:
        """Width of the whole window."""
        return self.block_grid[1] * self.panel_width

    def _panel_centers(self) -> list[float]:
        x0 = self.top_left[0]
        return [x0 + (b + 0.5) * self.panel_width for b in range(self.block_grid[1])]

    def _build_lines(self) -> VGroup:
        wr, wc = self.window
        cw, ch, pw = self.cell_w, self.cell_h, self.panel_width
        x0, y0 = self.top_left[0], self.top_left[1]
        w, h = self.width_shown, wr * ch
        for header, x in zip(self.col_headers, self._panel_centers()):
            header.move_to([x, self.header_y, 0])
        inner = []
        for b in range(self.block_grid[1]):
            left = x0 + b * pw
            inner += [((left + c * cw, y0, 0), (left + c * cw, y0 - h, 0)) for c in range(1, wc)]
            inner += [((left, y0 - r * ch, 0), (left + wc * cw, y0 - r * ch, 0))
                      for r in range(1, wr)]
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
        walls = VMobject(stroke_color=self.theme.stroke,
                         stroke_width=self.separator_width)
        for b in range(1, self.block_grid[1]):
            walls.start_new_path(np.array([x0 + b * pw, y0, 0.0]))
            walls.add_line_to(np.array([x0 + b * pw, y0 - h, 0.0]))
        return VGroup(lines, border, walls, *self.col_headers)

    @property
    def separator_width(self) -> float:
        """Stroke width of the lines between blocks."""
        return 2.5 * self.theme.grid_stroke_width

    def _separator(self) -> Line:
        x0 = self.top_left[0]
        return Line([x0, 0, 0], [x0 + self.width_shown, 0, 0], stroke_color=self.theme.stroke,
                    stroke_width=self.separator_width)

    def _build_markers(self) -> None:
        dot = 0.5 * self.cell_h
        markers: dict[object, Mobject] = {}
        if self.cut:
            width = min(0.3, 0.25 * self.panel_width)
            for b in range(self.block_grid[1] + 1):  # each block edge, left to right
                mob = math_label(r"\cdots", color=self.theme.text).scale_to_fit_width(width)
                x = self.top_left[0] + b * self.panel_width
                markers[("edge", b)] = mob.move_to([x, self.header_y, 0])
        # rows cut above or below: ⋮ in the row headers' column, clear of the
        # block columns' headers and of the ⋯ over the block edges
        x = self.top_left[0] - 0.3
        for side, edge in (("top", self.grid[1].get_top()), ("bottom", self.grid[1].get_bottom())):
            mob = _dots(True, self.theme.text, dot)
            step = (0.06 + mob.height / 2) * (1 if side == "top" else -1)
            markers[side] = mob.move_to([x, edge[1] + step, 0])
        self.markers = markers  # type: ignore[assignment]
        self.elision = VGroup(*markers.values())

    def cell_center(self, r: float, c: float, origin: Pair | None = None) -> np.ndarray:
        """Screen centre of entry ``(r, c)`` with the window at ``origin``."""
        r0, c0 = self.origin if origin is None else origin
        b, t = self.col_block[int(c)]
        x = b * self.panel_width + (t - c0 + 0.5) * self.cell_w
        return self.top_left + np.array([x, -(r - r0 + 0.5) * self.cell_h, 0.0])

    @property
    def scrolls(self) -> bool:
        """Whether the window shows less than the whole matrix."""
        return self.window[0] < self.shape[0] or self.cut

    def in_window(self, r: int, c: int, origin: Pair | None = None) -> bool:
        """Whether entry ``(r, c)`` is inside the window at ``origin``."""
        r0, c0 = self.origin if origin is None else origin
        t = self.col_block[c, 1]
        return 0 <= r - r0 < self.window[0] and 0 <= t - c0 < self.window[1]

    def row_rect(self, r: int, origin: Pair | None = None) -> np.ndarray:
        """``(left, right, top, bottom)`` of row ``r`` across every block."""
        center = self.cell_center(r, 0, origin)
        y_top = center[1] + self.cell_h / 2
        return np.array([self.top_left[0], self.top_left[0] + self.width_shown,
                         y_top, y_top - self.cell_h])

    def block_rect(self, r: int, block: int, origin: Pair | None = None) -> np.ndarray:
        """``(left, right, top, bottom)`` of row ``r`` within block column ``block``."""
        left, _, top, bottom = self.row_rect(r, origin)
        left += block * self.panel_width
        return np.array([left, left + self.panel_width, top, bottom])

    def window_for_row(self, r: int) -> Pair:
        """The origin showing row ``r`` and as many of its non-zero entries as fit.

        The columns are counted within a block: every block of a row has the
        same non-zero columns, and every block column shows the same window
        (see :meth:`_column_windows`).
        """
        return (_follow(r, r, self.window[0], self.shape[0]), self._column_windows()[r])

    def _column_windows(self) -> list[int]:
        """The first column, within a block, that the window shows for each row.

        Windows start on a page of half a window (or at the last possible
        column). Row by row, the window stays where it is while it shows at
        most one column fewer of the row's entries than the best page would
        (and at least three, if the best does), and otherwise moves to the
        first best page: rows next to each other
        mostly share one, so the matrix scrolls now and then (each scroll
        redraws it on every frame of the glide), and a row wider than the
        window shows nearly as much of itself as it can.
        """
        cached = getattr(self, "_windows", None)
        if cached is not None:
            return cached
        wc, total = self.window[1], self.block_shape[1]
        page = max(1, wc // 2)
        starts = sorted({min(start, total - wc) for start in range(0, total, page)})
        out: list[int] = []
        for row in self.index:
            columns = set(self.col_block[np.nonzero(row >= 0)[0], 1].tolist())

            def shown(s: int, columns: set[int] = columns) -> int:
                return sum(1 for t in columns if s <= t < s + wc)

            best = max(starts, key=lambda s: (shown(s), -s))
            keep = out[-1] if out else best
            enough = max(1, shown(best) - 1, min(3, shown(best)))
            out.append(keep if shown(keep) >= enough else best)
        self._windows = out
        return out

    def _marker_needed(self, side: object, origin: Pair | None = None) -> bool:
        r0, c0 = self.origin if origin is None else origin
        if isinstance(side, tuple):  # ("edge", b): cut on its right, or on its left
            left_cut, right_cut = c0 > 0, c0 + self.window[1] < self.block_shape[1]
            b = side[1]
            return (b > 0 and right_cut) or (b < self.block_grid[1] and left_cut)
        return r0 > 0 if side == "top" else r0 + self.window[0] < self.shape[0]

    # ---------------------------------------------------------- frame parts
    def _frame_places(self, origin: Pair) -> list[tuple[Mobject, np.ndarray, bool]]:
        """Where each separator and row header goes with the window at ``origin``."""
        r0 = origin[0]
        r1 = r0 + self.window[0]
        x0, y0 = self.top_left[0], self.top_left[1]
        out = []
        for line, (first, _) in zip(self.separators, self._block_rows[1:]):
            y = y0 - (first - r0) * self.cell_h
            out.append((line, np.array([x0 + self.width_shown / 2, y, 0.0]), r0 < first < r1))
        for header, (first, last) in zip(self.row_headers, self._block_rows):
            lo, hi = max(first, r0), min(last, r1 - 1)
            shown = lo <= hi
            if not shown:  # off the window: just beyond the edge it left by
                lo = hi = first if first >= r1 else last
            y = y0 - ((lo + hi + 1) / 2 - r0) * self.cell_h
            out.append((header, np.array([x0 - 0.12 - header.width / 2, y, 0.0]), shown))
        return out

    def _place_frame(self) -> None:
        """Place the separators and row headers for the window now; hold the visible ones."""
        visible = []
        for mob, target, shown in self._frame_places(self.origin):
            mob.move_to(target)
            set_visibility(mob, 1.0 if shown else 0.0)
            if shown:
                visible.append(mob)
        self.frame.submobjects = visible

    def set_origin(self, origin: Pair) -> BlockMatrix:
        """Move the window to ``origin`` at once."""
        super().set_origin(origin)
        self._place_frame()
        return self

    def _frame_moves(
        self, old: Pair, new: Pair
    ) -> list[tuple[Mobject, np.ndarray, float, float]]:
        if old[0] == new[0]:
            return []
        moves = []
        for (mob, start, a), (_, end, b) in zip(self._frame_places(old),
                                                self._frame_places(new)):
            if a or b:
                mob.move_to(start)
                moves.append((mob, end - start, 1.0 if a else 0.0, 1.0 if b else 0.0))
        self.frame.submobjects = [m for m, *_ in moves]  # until :meth:`prune`
        return moves

    def frame_rect(self) -> tuple[float, float, float, float]:
        """``(left, right, top, bottom)`` of the window's frame, every block column across."""
        left, top = self.top_left[0], self.top_left[1]
        return (left, left + self.width_shown, top, top - self.window[0] * self.cell_h)

    def _frame_clipping(
        self, moves: list[tuple[Mobject, np.ndarray, float, float]]
    ) -> list[tuple[Mobject, str]]:
        """Separators and row headers slide up and down: clipped to the frame's height."""
        return [(m, "y") for m, *_ in moves]

    def prune(self) -> BlockMatrix:
        """Drop entries and frame parts left outside the window by the last scroll."""
        super().prune()
        self._place_frame()
        return self

    def frame_parts(self) -> list[Mobject]:
        """Everything drawn besides the entries: lines, headers, separators, ``⋯``."""
        return [self.grid, self.elision, self.frame]


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
    segments
        The segment (channel) of each entry, for a vector stacked by
        channel: a thick line separates the segments, and a ``⋮`` never
        spans two of them (:func:`plan_segmented_elision`).
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
        segments: Sequence[int] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.n = len(labels)
        self.segments = None if segments is None else [int(g) for g in segments]
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
        starts = [] if self.segments is None else [
            i for i in range(1, self.n) if self.segments[i] != self.segments[i - 1]]
        reach = 0.12 * self.cell_w
        self.separators = {
            i: Line([-self.cell_w / 2 - reach, 0, 0], [self.cell_w / 2 + reach, 0, 0],
                    stroke_color=theme.stroke, stroke_width=2.5 * theme.grid_stroke_width)
            for i in starts
        }
        self.separator_group = VGroup(*self.separators.values())
        self.add(self.shown, self.dot_group, self.separator_group)
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
        focus = focus if focus is not None else [0]
        if self.segments is not None:
            return plan_segmented_elision(self.segments, self.slots, focus)
        return plan_elision(self.n, self.slots, focus)

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
        for i, line in self.separators.items():
            place = self._separator_place(i, self.layout)
            if place is not None:
                line.move_to(place)
            set_visibility(line, 0.0 if place is None else 1.0)
        return self

    def _separator_place(self, i: int, layout: list[int | None]) -> np.ndarray | None:
        """Centre of the line above segment start ``i``, or ``None`` when it is not drawn."""
        slot = self.entry_slot(i, layout)
        if not slot:  # hidden, or in the top slot (the border is the line)
            return None
        return self.slot_center(slot - 0.5)

    def animate_layout(self, layout: list[int | None], **kwargs: object) -> Animation | None:
        """Move entries to ``layout``: shared ones slide, others fade in or out.

        The entries are placed for the move when the animation begins.
        Returns ``None`` when nothing changes.
        """
        layout = list(layout)
        if layout == self.layout:
            return None
        return Deferred(self, lambda: [self._relayout(layout, **kwargs)])

    def _relayout(self, layout: list[int | None], **kwargs: object) -> Animation:
        """Place the entries for a move to ``layout`` and return the move."""
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
        for i, line in self.separators.items():
            a, b = self._separator_place(i, self.layout), self._separator_place(i, layout)
            if a is None and b is None:
                continue
            start = b if a is None else a
            line.move_to(start)
            moves.append((line, (start if b is None else b) - start,
                          0.0 if a is None else 1.0, 0.0 if b is None else 1.0))
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

