"""Alphabet mode: convolution as a matrix product, ``vec(b) = C·vec(a)``.

On the left, the input ``a`` (with its padding and the kernel ``w``) below the
output ``b``; in the middle the sparse conv matrix ``C`` with ``w_{..}`` in its
non-zero cells; on the right ``×`` ``vec(a)`` ``=`` ``vec(b)``. A transposed
conv shows ``Cᵀ`` itself and ``vec(c) = Cᵀ·vec(b)``. At each step the current
row of the matrix, the input cells it touches and the vector entries it
multiplies are outlined in one accent colour, and the row's dot product is
written under the matrix.

:class:`AlphabetRelationshipScene` plays the conv with ``C``, transposes the
matrix before the viewer's eyes (each entry travelling from ``(r, c)`` to
``(c, r)``), then plays the transposed conv with ``Cᵀ``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import (
    RIGHT,
    UP,
    Animation,
    FadeIn,
    FadeOut,
    Line,
    ManimColor,
    Mobject,
    VGroup,
    config,
)

from ..geometry import (
    AnySpec,
    ConvSpec,
    Pair,
    SpecError,
    TransposedConvSpec,
    cell_index,
    cell_of_index,
    sequence_of,
    shown_index,
    shown_size,
)
from ..labels import LabelMaker
from ..limits import (
    MIN_BLOCK_COLUMNS,
    MIN_GRID_CELL_PX,
    MIN_SLOTS_PER_CHANNEL,
    check_render_size,
    check_symbol_triple,
    check_symbols,
)
from ..mobjects.grid import CellGrid, ShadedLabels
from ..mobjects.kernel import WEIGHT_PAD, CellHighlight, KernelWindow
from ..mobjects.matrix import (
    CLIP_MARGIN,
    BlockMatrix,
    ColumnVector,
    SparseMatrix,
    highlight_rect,
    outline_rects,
    plan_elision,
)
from ..mobjects.motion import Glide, OnBegin, Rearrange, set_visibility
from ..mobjects.plane import PlaneMap
from ..mobjects.shadow import KernelShadow
from ..theme import MIN_LABEL_PX, Theme
from .base import ConvScene

__all__ = [
    "AlphabetLayout",
    "AlphabetRelationshipScene",
    "AlphabetScene",
    "ChannelLayout",
    "ChannelMatrixView",
    "MatrixView",
    "plan_channel_layout",
    "plan_layout",
    "row_captions",
]

LABEL_PX = 13.0
"""Smallest label height, in pixels, that still reads well."""
WEIGHT_FRACTION = 0.22
"""A kernel weight's height in the input grid, as a fraction of a cell (at least 10 px)."""
WEIGHT_ROOM = 0.44
"""Height under a cell's label left for a weight in its box, as a fraction of the cell."""
LABEL_FRACTION = 0.5
"""Label height as a fraction of its cell."""
MARGIN = 0.3
MAX_CELL = 0.5
HEADER = 0.6
CAPTION = 0.8
GAP = 0.28
CAPTION_SIZE = 30




def index_tex(indices: Sequence[int], wide: bool) -> str:
    """``01``, or ``0,11`` when an index may have two digits; one index (1-D) as it is."""
    sep = "," if wide and len(indices) > 1 else ""
    return sep.join(str(int(i)) for i in indices)


def subscript(symbol: str, indices: Sequence[int], wide: bool) -> str:
    """``a_{01}`` (``a_{0,11}`` when wide) for a 2-D cell, ``a_{3}`` for a 1-D one."""
    return f"{symbol}_{{{index_tex(indices, wide)}}}"


def size_tex(spec: AnySpec, size: Pair) -> str:
    r"""LaTeX for a grid size as a label writes it: ``5\times 5``, or ``8`` in 1-D."""
    return r"\times ".join(str(n) for n in shown_size(spec, size))


def label_aspects(spec: AnySpec) -> tuple[float, float]:
    """Width over height of the widest weight label and the widest entry label.

    ``w_{ab}`` and ``a_{rc}`` in 2-D; in 1-D ``w_{a}`` and ``a_{n}`` carry one
    index and are narrower, so the matrix's cells can be too (measured on
    the typeset labels).
    """
    wide = max(*spec.input_size, *spec.output_size) > 10
    if sequence_of(spec) is not None:
        return (2.5 if max(spec.kernel_size) > 10 else 1.8), (2.15 if wide else 1.5)
    return (3.1 if max(spec.kernel_size) > 10 else WEIGHT_ASPECT), (2.6 if wide else 2.06)


def plain_symbol(symbol: str) -> str:
    r"""A symbol as plain text: ``a`` stays ``a``, ``\alpha`` is ``α``."""
    if not symbol.startswith("\\"):
        return symbol
    name = symbol[1:]
    case = "CAPITAL" if name[:1].isupper() else "SMALL"
    letter = name[3:] if name.startswith("var") else name  # \varphi: a form of φ
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {letter.upper()}")
    except KeyError:
        return name


def row_captions(spec: AnySpec, symbols: tuple[str, str], offset: int = 0,
                 total: int | None = None) -> list[str]:
    """Each matrix row's caption: the row of ``C`` (or ``Cᵀ``) and its dot product.

    :func:`~convmanim.captions.matrix_caption` without channels; with them,
    the output value the row gives. ``offset`` and ``total`` number the steps
    through a scene that plays several matrices.
    """
    from ..captions import matrix_caption

    sym_in, sym_out = (plain_symbol(s) for s in symbols)
    n = spec.num_outputs
    total = n if total is None else total
    if not spec.has_channels:
        return [matrix_caption(spec, e, (sym_in, sym_out), offset=offset, total=total)
                for e in range(n)]
    name = "Cᵀ" if spec.is_transposed else "C"
    out = []
    for e in range(n):
        channel, *cell = spec.output_index(e)
        shown = shown_index(spec, cell)
        where = (f"position {shown[0]}" if len(shown) == 1
                 else f"row {shown[0]}, column {shown[1]}")
        out.append(f"Step {offset + e + 1} of {total}: row {e + 1} of {name} times "
                   f"vec({sym_in}) gives output channel {channel}, {where}.")
    return out


@dataclass(frozen=True)
class AlphabetLayout:
    """Where the parts of an alphabet scene go, for one spec at one resolution.

    Attributes
    ----------
    cell_w, cell_h
        Width and height of a matrix cell; ``cell_h`` is also the height of a
        vector cell, so that the output vector lines up with the rows.
    label_h
        Height of the matrix labels.
    vec_label_h
        Height of the vector labels.
    window
        ``(rows, cols)`` of the matrix shown at once.
    grid_cell
        Side of a cell of the grids on the left.
    grid_labels
        Whether the left grids are big enough to carry labels.
    vec_width
        Width of a vector cell.
    in_slots
        Slots of the input vector.
    left_x, divider_x, matrix_left, matrix_top, times_x, vec_in_x, equals_x, vec_out_x
        Horizontal anchors (and the matrix's top edge).
    vec_in_top
        Top edge of the input vector.
    caption_x, caption_y, caption_width
        The dot product's centre and the width it must fit.
    """

    cell_w: float
    cell_h: float
    label_h: float
    vec_label_h: float
    window: Pair
    grid_cell: float
    grid_labels: bool
    vec_width: float
    in_slots: int
    left_x: float
    divider_x: float
    matrix_left: float
    matrix_top: float
    times_x: float
    vec_in_x: float
    equals_x: float
    vec_out_x: float
    vec_in_top: float
    caption_x: float
    caption_y: float
    caption_width: float
    in_slot_h: float = 0.0
    """Height of an input vector slot (0: a row's height; less when a row's entries need it)."""

    @property
    def matrix_center_y(self) -> float:
        """Vertical centre of the matrix window."""
        return self.matrix_top - self.window[0] * self.cell_h / 2

    @property
    def matrix_width(self) -> float:
        """Width of the matrix window."""
        return self.window[1] * self.cell_w


def _row_span(index: np.ndarray) -> int:
    spans = [
        int(nz.max() - nz.min() + 1)
        for nz in (np.nonzero(row >= 0)[0] for row in index)
        if nz.size
    ]
    return max(spans, default=1)


LEFT_WIDTH = 2.8
"""Widest the grids on the left may be (a 1-D spec's rows take the matrix's spare room too)."""
GRID_CELL_MAX = 0.38
"""Largest side of a cell of the grids on the left."""


def plan_layout(
    spec: AnySpec,
    *,
    frame: tuple[float, float] | None = None,
    pixel_height: int | None = None,
    cell: tuple[float, float] | None = None,
    left_width: float = LEFT_WIDTH,
) -> AlphabetLayout:
    """Fit the grids, the matrix and the vectors of ``spec`` into the frame.

    Cells are as large as fits, up to :data:`MAX_CELL` high, and their labels
    never smaller than :data:`LABEL_PX` pixels at this resolution, except
    that the window holds a whole row's non-zero entries if labels down to
    :data:`~convmanim.theme.MIN_LABEL_PX` allow it (otherwise it shows the
    row's first entries, and the caption the whole row). A matrix that does
    not fit at that size is shown through a window that scrolls.

    Parameters
    ----------
    spec
        The conv or transposed conv.
    frame
        ``(width, height)`` of the frame in manim units (the config's by default).
    pixel_height
        Output height in pixels (the config's by default).
    cell
        Force the matrix cell ``(width, height)`` (the relationship scene
        shares one size between ``C`` and ``Cᵀ``).
    left_width
        Widest the grids on the left may be. A 1-D spec's rows are one cell
        high: when the matrix and the vectors leave room beside them, the
        rows take half of it (the layout is planned again with a wider left).
    """
    layout = _plan_layout(spec, frame, pixel_height, cell, left_width)
    if sequence_of(spec) is None or left_width != LEFT_WIDTH:
        return layout
    gw = max(spec.direct().grid_size[1], spec.output_size[1])
    spare = layout.matrix_left - (layout.divider_x + GAP)  # centring room on each side
    wider = min(left_width + spare, GRID_CELL_MAX * gw)
    if wider <= left_width + 1e-9:
        return layout
    return _plan_layout(spec, frame, pixel_height, cell, wider)


def _plan_layout(
    spec: AnySpec,
    frame: tuple[float, float] | None,
    pixel_height: int | None,
    cell: tuple[float, float] | None,
    left_width: float,
) -> AlphabetLayout:
    """:func:`plan_layout` with the left grids at most ``left_width`` wide."""
    fw, fh = frame if frame is not None else (config.frame_width, config.frame_height)
    px = (pixel_height if pixel_height is not None else config.pixel_height) / fh
    min_label = LABEL_PX / px
    index = spec.conv_index_matrix()
    rows, cols = index.shape
    direct = spec.direct()
    gh, gw = direct.grid_size
    oh, ow = spec.output_size
    # cell width needed per unit of label height: the widest of w_{ab} and a_{rc}, at 0.8
    ratio = max(label_aspects(spec)) / 0.8

    # Left: the two grids, one above the other, each under a title line.
    left_height = fh - 2 * MARGIN - 2 * 0.45 - 0.3
    grid_cell = min(GRID_CELL_MAX, left_width / max(gw, ow), left_height / (gh + oh))
    left_width = max(gw, ow) * grid_cell
    left_x = -fw / 2 + MARGIN
    divider_x = left_x + left_width + GAP
    region_left = divider_x + GAP
    region_right = fw / 2 - MARGIN
    top = fh / 2 - MARGIN - HEADER
    bottom = -fh / 2 + MARGIN + CAPTION
    height = top - bottom

    def right_width(vec_label: float) -> float:
        return 2 * (vec_label * ratio + 0.08) + 2 * 0.42 + 4 * GAP

    tallest = min(MAX_CELL, height / rows)
    if tallest * LABEL_FRACTION < min_label:
        tallest = min_label / LABEL_FRACTION
    vec_label = LABEL_FRACTION * min(tallest, 0.4)
    width = region_right - region_left - right_width(vec_label) - GAP
    if cell is None:
        cell_w = min(1.5 * tallest, width / cols)
        if cell_w < min_label * ratio:
            # a whole row's entries in view, but never below the size rule's
            # least height: then the window shows part of the row
            cell_w = max(min(min_label * ratio, width / (_row_span(index) + 1)),
                         MIN_LABEL_PX / px * ratio)
        label_h = min(tallest * LABEL_FRACTION, cell_w / ratio)
        # Rows a little taller than the labels need, not more.
        cell_h = min(tallest, max(1.2 * cell_w, label_h / LABEL_FRACTION))
    else:
        cell_w, cell_h = cell
    label_h = min(cell_h * LABEL_FRACTION, cell_w / ratio)
    vec_label = min(vec_label, LABEL_FRACTION * cell_h)
    window = (min(rows, max(1, math.floor(height / cell_h + 1e-9))),
              min(cols, max(1, math.floor(width / cell_w + 1e-9))))
    vec_w = vec_label * ratio + 0.08
    # Centre the matrix-and-vectors cluster in the space right of the divider.
    cluster = window[1] * cell_w + GAP + right_width(vec_label)
    matrix_left = region_left + max(0.0, (region_right - region_left - cluster) / 2)
    matrix_top = (top + bottom) / 2 + window[0] * cell_h / 2
    times_x = matrix_left + window[1] * cell_w + GAP + 0.21 + GAP
    vec_in_x = times_x + 0.21 + GAP + vec_w / 2
    equals_x = vec_in_x + vec_w / 2 + GAP + 0.21
    vec_out_x = equals_x + 0.21 + GAP + vec_w / 2
    n_in = spec.input_size[0] * spec.input_size[1]
    # the input vector shows every entry a row multiplies, with a ⋮ in each gap:
    # its slots are as tall as the rows, or shorter if that does not fit
    need = max((len(plan_elision(n_in, 1, np.nonzero(row >= 0)[0])) for row in index),
               default=1)
    in_slot_h = cell_h
    if need * cell_h > height:
        in_slot_h = max(height / need, MIN_LABEL_PX / px / LABEL_FRACTION)
        vec_label = min(vec_label, LABEL_FRACTION * in_slot_h)
    in_slots = min(n_in, max(3, math.floor(height / in_slot_h + 1e-9)))
    vec_in_top = (top + bottom) / 2 + in_slots * in_slot_h / 2
    # The dot product runs under the matrix and the sign, stopping before the
    # input vector, which may reach down to it.
    caption_right = vec_in_x - vec_w / 2 - GAP
    caption_width = caption_right - region_left
    return AlphabetLayout(
        cell_w=cell_w,
        cell_h=cell_h,
        label_h=label_h,
        vec_label_h=vec_label,
        window=window,
        grid_cell=grid_cell,
        grid_labels=grid_cell * 0.36 >= 0.9 * min_label,
        vec_width=vec_w,
        in_slots=in_slots,
        left_x=left_x,
        divider_x=divider_x,
        matrix_left=matrix_left,
        matrix_top=matrix_top,
        times_x=times_x,
        vec_in_x=vec_in_x,
        equals_x=equals_x,
        vec_out_x=vec_out_x,
        vec_in_top=vec_in_top,
        in_slot_h=in_slot_h,
        caption_x=(region_left + caption_right) / 2,
        caption_y=-fh / 2 + MARGIN + CAPTION / 2,
        caption_width=caption_width,
    )


class MatrixView:
    """Every part of one matrix product, and how it changes from step to step.

    Not a mobject: it builds mobjects for a scene to add, and animations for
    the scene to play.

    Parameters
    ----------
    spec
        The conv (shows ``C``) or transposed conv (shows ``Cᵀ``).
    layout
        Where everything goes.
    theme
        Colours.
    symbols
        ``(input, output)`` letters, e.g. ``("a", "b")``.
    """

    def __init__(
        self, spec: AnySpec, layout: AlphabetLayout, theme: Theme, symbols: tuple[str, str]
    ) -> None:
        self.spec = spec
        self.layout = layout
        self.theme = theme
        self.sym_in, self.sym_out = symbols
        self.index = spec.conv_index_matrix()
        self.direct = spec.direct()
        self.labels = LabelMaker(theme.text)
        self.wide = max(*spec.input_size, *spec.output_size) > 10
        kh, kw = spec.kernel_size
        self.kernel_wide = max(kh, kw) > 10
        self._build_left()
        self._build_matrix()
        self._build_vectors()
        self._build_captions()
        self.marks = VGroup()
        self.step = 0

    # ----------------------------------------------------------------- text
    def _tex(self, tex: str, size: float = 28, color: str | None = None) -> Mobject:
        return self.labels.math(tex, size, color)

    def _weight(self, key: int) -> str:
        return subscript("w", shown_index(self.spec, cell_of_index(key, self.spec.kernel_size)),
                         self.kernel_wide)

    def _entry(self, symbol: str, flat: int, size: Pair) -> str:
        return subscript(symbol, shown_index(self.spec, cell_of_index(flat, size)), self.wide)

    # ----------------------------------------------------------------- left
    def _build_left(self) -> None:
        lay, theme, spec, direct = self.layout, self.theme, self.spec, self.direct
        g = lay.grid_cell
        gw = direct.grid_size[1]
        oh, ow = spec.output_size
        fh = config.frame_height
        top = fh / 2 - MARGIN
        out_title = self._tex(
            rf"\text{{output }} {self.sym_out}\;({size_tex(spec, spec.output_size)})", 24
        )
        out_title.move_to([lay.left_x + max(gw, ow) * g / 2, top - 0.2, 0])
        out_plane = PlaneMap.flat(
            g, np.array([lay.left_x + (max(gw, ow) - ow) * g / 2, top - 0.45, 0])
        )
        in_top = top - 0.45 - oh * g - 0.3
        in_title = self._tex(
            rf"\text{{input }} {self.sym_in}\;({size_tex(spec, spec.input_size)})", 24
        )
        in_title.move_to([lay.left_x + max(gw, ow) * g / 2, in_top - 0.2, 0])
        in_plane = PlaneMap.flat(
            g, np.array([lay.left_x + (max(gw, ow) - gw) * g / 2, in_top - 0.45, 0])
        )
        in_labels = out_labels = None
        if lay.grid_labels:
            cells = direct.input_cells()
            ih, iw = spec.input_size
            in_labels = {
                (int(cells[r, c, 0]), int(cells[r, c, 1])): self._tex(
                    subscript(self.sym_in, shown_index(spec, (r, c)), self.wide),
                    color=theme.cell_text
                )
                for r in range(ih)
                for c in range(iw)
            }
            out_labels = {
                (r, c): self._tex(subscript(self.sym_out, shown_index(spec, (r, c)), self.wide),
                                  color=theme.cell_text)
                for r in range(oh)
                for c in range(ow)
            }
        self.in_grid = CellGrid(
            in_plane, direct.grid_size, filled=direct.input_mask(),
            fill_color=theme.input_fill, theme=theme, labels=in_labels, label_height=0.36,
            label_anchor="upper_left",
        )
        self.out_grid = CellGrid(
            out_plane, (oh, ow), fill_color=theme.output_fill, theme=theme,
            labels=out_labels, label_height=0.36,
        )
        weights = None
        # a weight (in its box) fits under the cell's label, at least MIN_LABEL_PX high
        weight_h = max(MIN_LABEL_PX / (config.pixel_height / fh), WEIGHT_FRACTION * g)
        boxed_h = weight_h * (1 + 2 * WEIGHT_PAD)
        if lay.grid_labels and boxed_h <= WEIGHT_ROOM * g:
            tap = direct.tap_weight()
            kh, kw = direct.kernel_size
            weights = [
                [self._tex(self._weight(cell_index(tap[a, b], spec.kernel_size)),
                           color=theme.text) for b in range(kw)]
                for a in range(kh)
            ]
        self.kernel = KernelWindow(in_plane, direct, theme, weight_labels=weights,
                                   weight_height=boxed_h / g, weight_width=0.92)
        px = config.pixel_height / fh
        if any(w.height * px < MIN_LABEL_PX - 0.01 for w in self.kernel.weights):
            # too narrow a cell: the matrix's row and the caption show the weights
            self.kernel.drop_weights()
        self.out_highlight = CellHighlight(out_plane, spec.step_cell(0), theme)
        # the labels under the shadows, again above them in readable ink
        self.shaded = VGroup(ShadedLabels(self.in_grid, theme), ShadedLabels(self.out_grid, theme))
        self.titles = VGroup(out_title, in_title)
        self.divider = Line(
            [lay.divider_x, fh / 2 - MARGIN, 0], [lay.divider_x, -fh / 2 + MARGIN, 0],
            stroke_color=theme.stroke, stroke_width=theme.grid_stroke_width * 0.6,
        )

    # --------------------------------------------------------------- matrix
    def _build_matrix(self) -> None:
        lay, theme = self.layout, self.theme
        self.matrix = SparseMatrix(
            self.index,
            lambda r, c, key: self._tex(self._weight(key), color=theme.text),
            cell=(lay.cell_w, lay.cell_h),
            top_left=np.array([lay.matrix_left, lay.matrix_top, 0.0]),
            theme=theme,
            window=lay.window,
            label_height=lay.label_h / lay.cell_h,
        )
        rows, cols = self.index.shape
        name = r"C^{\top}" if self.spec.is_transposed else "C"
        self.matrix_title = self._tex(rf"{name}\;\;({rows}\times {cols})", 30)
        self.matrix_title.move_to(
            [lay.matrix_left + lay.matrix_width / 2, lay.matrix_top + 0.42, 0]
        )
        left, right, top, bottom = self.matrix.row_rect(0)
        self.row_band = highlight_rect(left, right, top, bottom, theme=theme, accent=False)
        self.row_band.set_stroke(width=0)

    # -------------------------------------------------------------- vectors
    def _build_vectors(self) -> None:
        lay, theme, spec = self.layout, self.theme, self.spec
        n_in = spec.input_size[0] * spec.input_size[1]
        n_out = spec.output_size[0] * spec.output_size[1]
        cell = (lay.vec_width, lay.cell_h)
        label_height = lay.vec_label_h / lay.cell_h
        slot_h = lay.in_slot_h or lay.cell_h
        self.vec_in = ColumnVector(
            [self._tex(self._entry(self.sym_in, i, spec.input_size), color=theme.cell_text)
             for i in range(n_in)],
            fill_color=theme.input_fill, theme=theme, cell=(lay.vec_width, slot_h),
            top_center=np.array([lay.vec_in_x, lay.vec_in_top, 0.0]),
            slots=lay.in_slots, aligned=False, label_height=lay.vec_label_h / slot_h,
        )
        self.vec_out = ColumnVector(
            [self._tex(self._entry(self.sym_out, i, spec.output_size), color=theme.cell_text)
             for i in range(n_out)],
            fill_color=theme.output_fill, theme=theme, cell=cell,
            top_center=np.array([lay.vec_out_x, lay.matrix_top, 0.0]),
            slots=lay.window[0], aligned=True, label_height=label_height,
        )
        mid = lay.matrix_center_y
        self.times = self._tex(r"\times", 36).move_to([lay.times_x, mid, 0])
        self.equals = self._tex("=", 36).move_to([lay.equals_x, mid, 0])
        y_head = max(lay.vec_in_top, lay.matrix_top) + 0.42
        self.vec_titles = VGroup(
            self._tex(rf"\mathrm{{vec}}({self.sym_in})", 26).move_to([lay.vec_in_x, y_head, 0]),
            self._tex(rf"\mathrm{{vec}}({self.sym_out})", 26).move_to(
                [lay.vec_out_x, y_head, 0]
            ),
        )

    # ------------------------------------------------------------- captions
    def dot_terms(self, row: int) -> list[tuple[str, str]]:
        """``(weight, entry)`` LaTeX of each non-zero product in matrix row ``row``."""
        cols = np.nonzero(self.index[row] >= 0)[0]
        return [
            (self._weight(int(self.index[row, c])),
             self._entry(self.sym_in, int(c), self.spec.input_size))
            for c in cols
        ]

    def out_entry(self, row: int) -> str:
        """LaTeX of the output entry that matrix row ``row`` computes."""
        return self._entry(self.sym_out, row, self.spec.output_size)

    def caption_tex(self, row: int) -> str:
        """The dot product of row ``row`` as one LaTeX string (for reference)."""
        head = self.out_entry(row) + " = "
        terms = self.dot_terms(row)
        return head + (" + ".join(w + x for w, x in terms) if terms else "0")

    def _caption_width(self, row: int, terms: list[tuple[str, str] | None]) -> float:
        """Width of row ``row``'s caption showing ``terms`` (``None`` for ``⋯``)."""
        size, gap = CAPTION_SIZE, 0.13
        width = self.labels.width
        w = width(self.out_entry(row), size) + width("=", size)
        for k, t in enumerate(terms):
            w += (width("+", size) + 2 * gap) if k else gap
            w += width(r"\cdots", size) if t is None else (
                width(t[0], size) + width(t[1], size) + 0.025)
        return w + 2 * gap

    def _caption_terms(self, row: int) -> list[tuple[str, str] | None]:
        """The terms that fit the caption's width; ``None`` stands for ``⋯``."""
        terms: list[tuple[str, str] | None] = list(self.dot_terms(row))
        keep = len(terms)
        shown = terms
        while self._caption_width(row, shown) > self.layout.caption_width and keep > 2:
            keep -= 1
            shown = [*terms[: keep - 1], None, terms[-1]]
        return shown

    def _caption(self, row: int) -> VGroup:
        """Compose row ``row``'s dot product from labels already typeset.

        Every token (``b_{01}``, ``=``, ``w_{00}``, ``a_{02}``, ``+``) is a copy
        of a label built once, so a caption costs no LaTeX and no SVG parsing.
        """
        size = CAPTION_SIZE
        tokens: list[Mobject] = [
            self._tex(self.out_entry(row), size),
            self._tex("=", size),
        ]
        symbols = [False, True]
        terms = self._caption_terms(row)
        if not terms:
            tokens.append(self._tex("0", size))
            symbols.append(True)
        for k, term in enumerate(terms):
            if k:
                tokens.append(self._tex("+", size))
                symbols.append(True)
            if term is None:
                tokens.append(self._tex(r"\cdots", size))
                symbols.append(True)
            else:
                w, x = (self._tex(t, size) for t in term)
                tokens.append(VGroup(w, x).arrange(RIGHT, buff=0.025))
                symbols.append(False)
        caption = VGroup(*tokens).arrange(RIGHT, buff=0.13)
        # Put every letter's centre on one line, and the symbols' centres too.
        for token, symbol in zip(tokens, symbols):
            ref = token if symbol else token.family_members_with_points()[0]
            token.shift(-ref.get_center()[1] * UP)
        caption.tex_string = self.caption_tex(row)  # type: ignore[attr-defined]
        return caption

    def _build_captions(self) -> None:
        lay = self.layout
        self.captions: list[Mobject] = []
        for row in range(self.index.shape[0]):
            cap = self._caption(row)
            if cap.width > lay.caption_width:
                cap.scale_to_fit_width(lay.caption_width)
            self.captions.append(cap.move_to([lay.caption_x, lay.caption_y, 0]))
        self.caption = VGroup(self.captions[0])

    # ------------------------------------------------------------- z-order
    def static_parts(self) -> list[Mobject]:
        """Parts that never move, bottom first."""
        return [self.divider, self.titles, self.in_grid, self.out_grid, self.times,
                self.equals, self.vec_titles, self.matrix_title]

    def moving_parts(self) -> list[Mobject]:
        """Parts that change from step to step, bottom first.

        Manim redraws, on every frame of a glide, the first animated mobject
        and everything above it; the rest is drawn once into the background.
        So the parts that change only on some steps (the matrix scrolls, the
        vectors re-elide) or between glides (the caption) lie below the ones
        that move on every step; the matrix lowest, as it is still whenever
        it fits whole (see :meth:`still_parts`). None of them overlap the
        caption.
        """
        return [self.matrix, self.caption, self.vec_out, self.vec_in, self.kernel,
                self.out_highlight, self.shaded, self.row_band, self.marks]

    def still_parts(self) -> list[Mobject]:
        """Parts no step changes: the static ones, and the matrix if it fits whole."""
        return self.static_parts() + ([] if self.matrix.scrolls else [self.matrix])

    def all_parts(self) -> list[Mobject]:
        """Everything, in z-order."""
        return self.static_parts() + self.moving_parts()

    # ---------------------------------------------------------------- steps
    def focus_in(self, step: int) -> list[int]:
        """Input-vector entries that matrix row ``step`` multiplies (its non-zeros)."""
        return [int(c) for c in np.nonzero(self.index[step] >= 0)[0]]

    def touched_cells(self, step: int) -> list[tuple[int, int]]:
        """Grid cells of real input under the kernel at ``step``."""
        return self.direct.window_input_cells(step)

    def _band_target(self, step: int) -> np.ndarray:
        left, right, top, bottom = self.matrix.row_rect(step)
        return np.array([(left + right) / 2, (top + bottom) / 2, 0.0])

    def set_step(self, step: int) -> None:
        """Show ``step`` at once."""
        self.matrix.set_origin(self.matrix.window_for_row(step))
        self.vec_out.set_layout(self.vec_out.plan(window_start=self.matrix.origin[0]))
        self.vec_in.set_layout(self.vec_in.plan(focus=self.focus_in(step)))
        self.move_left(step)
        self.row_band.move_to(self._band_target(step))
        self.step = step
        self.show_marks(step)

    def step_animations(self, step: int) -> list[Animation]:
        """Glide the kernel and highlights, scroll the matrix, re-elide the vectors.

        Nothing changes until the animations begin.
        """
        anims: list[Animation] = [OnBegin(self._tidy), *self.animate_left(step)]
        window = self.matrix.window_for_row(step)
        scroll = self.matrix.animate_origin(window)
        if scroll is not None:
            anims.append(scroll)
        anims.append(Glide(self.row_band,
                           lambda: self._band_target(step) - self.row_band.get_center()))
        for vec, layout in (
            (self.vec_out, self.vec_out.plan(window_start=window[0])),
            (self.vec_in, self.vec_in.plan(focus=self.focus_in(step))),
        ):
            anim = vec.animate_layout(layout)
            if anim is not None:
                anims.append(anim)
        anims.append(OnBegin(setattr, self, "step", step))
        return anims

    def shaded_cells(self, step: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The input grid's cells under the kernel and the output cell, at ``step``."""
        return ([(int(r), int(c)) for r, c in self.direct.window(step).reshape(-1, 2)],
                [self.spec.step_cell(step)])

    def _tidy(self) -> None:
        """As a glide begins: no outlines, and nothing left over from the last one."""
        self.hide_marks()
        self.matrix.prune()
        self.vec_in.prune()
        self.vec_out.prune()

    def move_left(self, step: int) -> None:
        """Put the kernel and the output highlight at ``step`` at once."""
        self.kernel.move_to_step(step)
        self.out_highlight.move_to_cell(self.spec.step_cell(step))
        for shaded, cells in zip(self.shaded, self.shaded_cells(step)):
            shaded.set_cells(cells)

    def animate_left(self, step: int) -> list[Animation]:
        """Glide the kernel and the output highlight to ``step``; their labels cross-fade."""
        anims = [self.kernel.animate_to_step(step),
                 self.out_highlight.animate_to_cell(self.spec.step_cell(step))]
        for shaded, cells in zip(self.shaded, self.shaded_cells(step)):
            anim = shaded.animate_cells(cells)
            if anim is not None:
                anims.append(anim)
        return anims

    def readable_copies(self, step: int) -> list[Mobject]:
        """The labels under ``step``'s highlights, above them in readable ink.

        The highlighted row's entries (over the row's band) and the output
        vector's current entry (under its shadow); drawn with the marks.
        """
        theme = self.theme
        copies: list[Mobject] = []
        on_band = theme.ink_on(theme.shaded(theme.background))
        for c in np.nonzero(self.index[step] >= 0)[0]:
            if self.matrix.in_window(step, int(c)):
                copies.append(self.matrix.entry(step, int(c)).copy().set_color(on_band))
        slot = self.vec_out.entry_slot(step)
        if slot is not None:
            label = self.vec_out.get_cell(step)[1]
            copies.append(label.copy().set_color(theme.ink_on(theme.shaded(theme.output_fill))))
        return copies

    def hide_marks(self) -> None:
        """Remove the accent outlines (before a glide)."""
        self.marks.submobjects = []

    def after_glide(self, step: int) -> None:
        """Once the glide to ``step`` has ended, outline what it multiplies."""
        self.show_marks(step)

    def show_marks(self, step: int) -> None:
        """Outline the row, the input cells it touches and the entries it multiplies."""
        theme, lay = self.theme, self.layout
        rects: list[tuple[float, float, float, float]] = []
        left, right, top, bottom = self.matrix.row_rect(step)
        rects.append((left, right, top, bottom))
        g = lay.grid_cell
        for r, c in self.touched_cells(step):
            p = self.in_grid.plane.cell_center(r, c)
            rects.append((p[0] - g / 2, p[0] + g / 2, p[1] + g / 2, p[1] - g / 2))
        w, h = lay.vec_width, lay.in_slot_h or lay.cell_h
        for i in self.focus_in(step):
            slot = self.vec_in.entry_slot(i)
            if slot is not None:
                p = self.vec_in.slot_center(slot)
                rects.append((p[0] - w / 2, p[0] + w / 2, p[1] + h / 2, p[1] - h / 2))
        marks: list[Mobject] = [outline_rects(rects, color=theme.accent,
                                              stroke_width=theme.kernel_stroke_width * 0.8)]
        h = lay.cell_h
        slot = self.vec_out.entry_slot(step)
        if slot is not None:
            p = self.vec_out.slot_center(slot)
            marks.append(highlight_rect(p[0] - w / 2, p[0] + w / 2, p[1] + h / 2,
                                        p[1] - h / 2, theme=theme, accent=False))
        self.marks.submobjects = marks + self.readable_copies(step)
        self.caption.submobjects = [self.captions[step]]


# ===================================================================== channels
CH_HEADER = 1.0
"""Room above a block matrix: its title, then the block columns' headers."""
ROW_HEADER = 0.6
"""Room left of a block matrix for the block rows' headers."""
TAG = 0.42
"""Room above a channel's grid for its name."""
GRID_GAP = 0.15
LEFT_MAX = 2.6
"""Widest the channel grids may be, side by side."""
SUPERSCRIPT = 2.2
"""Height of ``a^{(c)}_{rc}`` over that of ``a_{rc}`` at one font size."""
VEC_FRACTION = 0.66
"""Height of a channel vector label as a fraction of its cell."""
VEC_LABEL_PX = 11.5
"""Smallest height, in pixels, of ``a_{rc}`` at the font size of the vector labels
``a^{(c)}_{rc}`` (whose superscript makes them :data:`SUPERSCRIPT` times taller)."""
LABEL_PX_SHRINK = (13.0, 12.5, 12.0, 11.5, 11.0, 10.5)
"""Heights of the matrix labels tried, in pixels, largest first, to show whole blocks
or a row's entries whole in each block."""
WEIGHT_ASPECT = 2.45
"""Width over height of ``w_{ab}`` (``w_{a,bc}`` for a kernel wider than 10: 3.1)."""


@dataclass(frozen=True)
class ChannelLayout(AlphabetLayout):
    """An :class:`AlphabetLayout` for a spec with channels.

    ``window`` is ``(rows, columns per block)``.

    Attributes
    ----------
    blocks_across
        Block columns of the matrix (its input channels).
    in_slot_h
        Height of an input vector slot (it may be less than a row's).
    grid_columns
        ``(input, output)`` grids side by side on the left.
    label_px
        Height of the matrix labels in pixels.
    """

    blocks_across: int = 1
    in_slot_h: float = 0.0
    grid_columns: Pair = (1, 1)
    label_px: float = LABEL_PX

    @property
    def matrix_width(self) -> float:
        """Width of the matrix window, every block and margin."""
        return self.blocks_across * self.window[1] * self.cell_w


def _block_span(spec: AnySpec) -> int:
    """Most columns, within one block, between a row's first and last non-zero entry."""
    _, cols = spec.matrix_blocks()
    index = spec.conv_index_matrix()
    spans = [int(t.max() - t.min() + 1)
             for t in (cols[np.nonzero(row >= 0)[0], 1] for row in index) if t.size]
    return max(spans, default=1)


def _pack_grids(spec: AnySpec, height: float) -> tuple[float, Pair, float]:
    """Cell size, grids per row ``(input, output)`` and width of the channel grids."""
    gh, gw = spec.direct().grid_size
    oh, ow = spec.output_size
    best: tuple[float, float, Pair] | None = None
    for k_in in range(1, spec.in_channels + 1):
        for k_out in range(1, spec.out_channels + 1):
            r_in = math.ceil(spec.in_channels / k_in)
            r_out = math.ceil(spec.out_channels / k_out)
            g = min(0.3,
                    (LEFT_MAX - (k_in - 1) * GRID_GAP) / (k_in * gw),
                    (LEFT_MAX - (k_out - 1) * GRID_GAP) / (k_out * ow),
                    (height - (r_in + r_out) * TAG) / (r_in * gh + r_out * oh))
            width = max(k_in * gw * g + (k_in - 1) * GRID_GAP,
                        k_out * ow * g + (k_out - 1) * GRID_GAP)
            if best is None or (round(g, 4), -width) > (round(best[0], 4), -best[1]):
                best = (g, width, (k_in, k_out))
    assert best is not None
    return best[0], best[2], best[1]


def plan_channel_layout(
    spec: AnySpec,
    *,
    frame: tuple[float, float] | None = None,
    pixel_height: int | None = None,
    cell: tuple[float, float] | None = None,
) -> ChannelLayout:
    """Fit the channel grids, the block matrix and the stacked vectors into the frame.

    Each block column of the matrix shows the same window of its columns.
    Labels are as large as fits: the whole blocks with labels down to 10.5
    pixels high, else every row's non-zero entries within a block, labels
    down to 10.5 pixels, else :data:`LABEL_PX` pixels with the rows cut
    (``⋯``) at the window's edges.

    Raises
    ------
    SpecError
        When the scene would be unreadable at this resolution
        (:data:`convmanim.limits.MIN_BLOCK_COLUMNS` and the other channel
        limits): one line naming the limit.
    """
    fw, fh = frame if frame is not None else (config.frame_width, config.frame_height)
    pixels = pixel_height if pixel_height is not None else config.pixel_height
    px = pixels / fh
    rows, cols = spec.matrix_shape
    across = spec.in_channels
    block_w = spec.input_size[0] * spec.input_size[1]
    wide = max(*spec.input_size, *spec.output_size) > 10
    ratio = label_aspects(spec)[0] / 0.8  # labels fill 0.8

    left_height = fh - 2 * MARGIN - 2 * 0.45 - 0.3
    grid_cell, grid_columns, grids_width = _pack_grids(spec, left_height)
    left_width = max(grids_width, 2.0)
    left_x = -fw / 2 + MARGIN
    divider_x = left_x + left_width + GAP
    region_left = divider_x + GAP + ROW_HEADER
    region_right = fw / 2 - MARGIN
    top = fh / 2 - MARGIN - CH_HEADER
    bottom = -fh / 2 + MARGIN + CAPTION + 0.2  # the matrix's ⋮ stays clear of the caption
    height = top - bottom

    vec_label = SUPERSCRIPT * VEC_LABEL_PX / px
    vec_w = vec_label * (1.45 if wide else 1.15) + 0.08
    right = 2 * vec_w + 2 * 0.42 + 4 * GAP
    width = region_right - region_left - right - GAP
    span = _block_span(spec)

    def fit(cell_w: float) -> int:
        return math.floor(width / (across * cell_w) + 1e-9)

    label_px = LABEL_PX
    if cell is None:
        label_px = next(
            (size for need in (block_w, min(span, block_w)) for size in LABEL_PX_SHRINK
             if fit(size / px * ratio) >= need), LABEL_PX)
        cell_w = label_px / px * ratio
        if fit(cell_w) >= block_w:  # whole blocks
            cell_w = min(1.5 * MAX_CELL, width / (across * block_w))
        cell_h = max(label_px / px / LABEL_FRACTION, vec_label / VEC_FRACTION,
                     min(1.2 * cell_w, MAX_CELL, height / rows))
    else:
        cell_w, cell_h = cell
    window = (min(rows, max(1, math.floor(height / cell_h + 1e-9))),
              max(1, min(fit(cell_w), block_w)))
    label_h = min(cell_h * LABEL_FRACTION, cell_w / ratio)

    n_in = cols
    in_slot_h = max(vec_label / VEC_FRACTION, min(cell_h, height / n_in))
    in_slots = min(n_in, max(3, math.floor(height / in_slot_h + 1e-9)))
    _check_channel_layout(spec, pixels, window[1], block_w, in_slots, grid_cell * px, label_px)

    matrix_width = across * window[1] * cell_w
    cluster = matrix_width + GAP + right
    matrix_left = region_left + max(0.0, (region_right - region_left - cluster) / 2)
    matrix_top = (top + bottom) / 2 + window[0] * cell_h / 2
    times_x = matrix_left + matrix_width + GAP + 0.21 + GAP
    vec_in_x = times_x + 0.21 + GAP + vec_w / 2
    equals_x = vec_in_x + vec_w / 2 + GAP + 0.21
    vec_out_x = equals_x + 0.21 + GAP + vec_w / 2
    vec_in_top = (top + bottom) / 2 + in_slots * in_slot_h / 2
    caption_right = vec_in_x - vec_w / 2 - GAP
    return ChannelLayout(
        cell_w=cell_w,
        cell_h=cell_h,
        label_h=label_h,
        vec_label_h=min(vec_label, VEC_FRACTION * in_slot_h),
        window=window,
        grid_cell=grid_cell,
        grid_labels=False,
        vec_width=vec_w,
        in_slots=in_slots,
        left_x=left_x,
        divider_x=divider_x,
        matrix_left=matrix_left,
        matrix_top=matrix_top,
        times_x=times_x,
        vec_in_x=vec_in_x,
        equals_x=equals_x,
        vec_out_x=vec_out_x,
        vec_in_top=vec_in_top,
        caption_x=(divider_x + GAP + caption_right) / 2,
        caption_y=-fh / 2 + MARGIN + CAPTION / 2,
        caption_width=caption_right - divider_x - GAP,
        blocks_across=across,
        in_slot_h=in_slot_h,
        grid_columns=grid_columns,
        label_px=label_px,
    )


def _check_channel_layout(
    spec: AnySpec, pixels: int, shown: int, block_w: int, in_slots: int, grid_px: float,
    label_px: float,
) -> None:
    """Refuse a channel layout that cannot be read at this resolution, in one line."""
    at = f"at {pixels}p"
    name = "Cᵀ" if spec.is_transposed else "C"
    fix = "use fewer channels, a smaller input or a higher resolution"
    need = min(block_w, MIN_BLOCK_COLUMNS)
    if shown < need:
        raise SpecError(
            f"{spec.describe()}: {at} each of the {spec.in_channels} block columns of {name} "
            f"would show {shown} of its {block_w} columns, fewer than the alphabet mode's "
            f"limit of {need} (with labels {label_px:g} px high); {fix}"
        )
    need = min(spec.matrix_shape[1], MIN_SLOTS_PER_CHANNEL * spec.in_channels)
    if in_slots < need:
        raise SpecError(
            f"{spec.describe()}: {at} the input vector would have {in_slots} slots, fewer than "
            f"the alphabet mode's limit of {MIN_SLOTS_PER_CHANNEL} per input channel ({need}); "
            f"{fix}"
        )
    if grid_px < MIN_GRID_CELL_PX:
        raise SpecError(
            f"{spec.describe()}: {at} a cell of the channel grids would be {grid_px:.1f} px, "
            f"less than the alphabet mode's limit of {MIN_GRID_CELL_PX} px; {fix}"
        )


def channel_subscript(symbol: str, channel: int, indices: Sequence[int], wide: bool) -> str:
    """``a^{(1)}_{02}``: entry ``indices`` of channel ``channel`` (``a^{(1)}_{3}`` in 1-D)."""
    return f"{symbol}^{{({channel})}}_{{{index_tex(indices, wide)}}}"


class ChannelMatrixView(MatrixView):
    """The matrix product of a conv with channels: a block matrix and stacked vectors.

    The matrix is a grid of blocks, block ``(o, c)`` holding filter slice
    ``w^{(o,c)}`` (its entries are written ``w_{ab}``; the block's row and
    column headers name ``o`` and ``c``). ``vec(a)`` and ``vec(b)`` are
    stacked by channel, with a line between channels and labels
    ``a^{(c)}_{rc}``. On the left, every channel is a small grid; the kernel
    slides over the input channels of the current output channel's group.
    A step is one row of the matrix: one output value, channel by channel.
    """

    layout: ChannelLayout

    def __init__(
        self, spec: AnySpec, layout: ChannelLayout, theme: Theme, symbols: tuple[str, str]
    ) -> None:
        self.row_blocks, self.col_blocks = spec.matrix_blocks()
        self.weights = spec.matrix_weights()
        super().__init__(spec, layout, theme, symbols)

    # ----------------------------------------------------------------- text
    def in_entry(self, col: int) -> str:
        """LaTeX of input entry ``col``: ``a^{(c)}_{rc}``."""
        c, *cell = self.spec.input_index(col)
        return channel_subscript(self.sym_in, c, shown_index(self.spec, cell), self.wide)

    def out_entry(self, row: int) -> str:
        """LaTeX of output entry ``row``: ``b^{(o)}_{rc}``."""
        o, *cell = self.spec.output_index(row)
        return channel_subscript(self.sym_out, o, shown_index(self.spec, cell), self.wide)

    def weight_tex(self, row: int, col: int) -> str:
        """``w^{(o,c)}_{ab}``: the weight at entry ``(row, col)``, channels and tap."""
        o, c, a, b = self.weights[(row, col)]
        return f"w^{{({o},{c})}}_{{{index_tex(shown_index(self.spec, (a, b)), self.kernel_wide)}}}"

    def block_weight_tex(self, row: int, col: int) -> str:
        """``w_{ab}``: the weight at entry ``(row, col)`` within its block."""
        _, _, a, b = self.weights[(row, col)]
        return subscript("w", shown_index(self.spec, (a, b)), self.kernel_wide)

    def group_of_row(self, row: int) -> range:
        """The block columns that row ``row`` reads: its output channel's group."""
        return self.spec.input_channels_of(int(self.row_blocks[row, 0]))

    # ----------------------------------------------------------------- left
    def _grid_rows(
        self, count: int, per_row: int, size: Pair, y_top: float, center_x: float
    ) -> tuple[list[PlaneMap], float]:
        """Planes of ``count`` grids of ``size``, ``per_row`` to a row, each under its tag."""
        g = self.layout.grid_cell
        planes: list[PlaneMap] = []
        for first in range(0, count, per_row):
            n = min(per_row, count - first)
            x = center_x - (n * size[1] * g + (n - 1) * GRID_GAP) / 2
            y_top -= TAG
            for m in range(n):
                origin = np.array([x + m * (size[1] * g + GRID_GAP), y_top, 0.0])
                planes.append(PlaneMap.flat(g, origin))
            y_top -= size[0] * g
        return planes, y_top

    def _build_left(self) -> None:
        lay, theme, spec, direct = self.layout, self.theme, self.spec, self.direct
        oh, ow = spec.output_size
        fh = config.frame_height
        width = lay.divider_x - GAP - lay.left_x
        center_x = lay.left_x + width / 2
        top = fh / 2 - MARGIN
        k_in, k_out = lay.grid_columns

        def title(tex: str, y: float) -> Mobject:
            mob = self._tex(tex, 24)
            if mob.width > width:
                mob.scale_to_fit_width(width)
            return mob.move_to([center_x, y, 0])

        out_title = title(rf"\text{{output }} {self.sym_out}\;({spec.out_channels}\times "
                          rf"{size_tex(spec, spec.output_size)})", top - 0.2)
        self.out_planes, y = self._grid_rows(spec.out_channels, k_out, (oh, ow), top - 0.4,
                                             center_x)
        in_title = title(rf"\text{{input }} {self.sym_in}\;({spec.in_channels}\times "
                         rf"{size_tex(spec, spec.input_size)})", y - 0.5)
        self.in_planes, _ = self._grid_rows(spec.in_channels, k_in, direct.grid_size,
                                            y - 0.7, center_x)
        tags = []
        for sym, planes, size in ((self.sym_out, self.out_planes, (oh, ow)),
                                  (self.sym_in, self.in_planes, direct.grid_size)):
            for ch, plane in enumerate(planes):
                tag = self._tex(f"{sym}^{{({ch})}}", 20)
                tags.append(tag.move_to(plane.point(0, size[1] / 2) + 0.23 * UP))
        self.out_grids = [CellGrid(p, (oh, ow), fill_color=theme.output_fill, theme=theme)
                          for p in self.out_planes]
        self.in_grids = [CellGrid(p, direct.grid_size, filled=direct.input_mask(),
                                  fill_color=theme.input_fill, theme=theme)
                         for p in self.in_planes]
        self.in_grid = VGroup(*self.in_grids)
        self.out_grid = VGroup(*self.out_grids)
        self.kernels = [KernelShadow(p, direct, theme) for p in self.in_planes]
        self.highlights = [CellHighlight(p, spec.step_cell(0), theme) for p in self.out_planes]
        self.kernel = VGroup(*self.kernels)
        self.out_highlight = VGroup(*self.highlights)
        self.shaded = VGroup()  # the channels' grids carry no labels
        self.titles = VGroup(out_title, in_title, *tags)
        self.divider = Line(
            [lay.divider_x, fh / 2 - MARGIN, 0], [lay.divider_x, -fh / 2 + MARGIN, 0],
            stroke_color=theme.stroke, stroke_width=theme.grid_stroke_width * 0.6,
        )

    # --------------------------------------------------------------- matrix
    def _build_matrix(self) -> None:
        lay, theme, spec = self.layout, self.theme, self.spec
        self.matrix = BlockMatrix(
            self.index,
            lambda r, c, key: self._tex(self.block_weight_tex(r, c), color=theme.text),
            blocks=(self.row_blocks, self.col_blocks),
            cell=(lay.cell_w, lay.cell_h),
            top_left=np.array([lay.matrix_left, lay.matrix_top, 0.0]),
            theme=theme,
            window=lay.window,
            row_headers=[self._tex(f"{self.sym_out}^{{({o})}}", 24)
                         for o in range(spec.out_channels)],
            col_headers=[self._tex(f"{self.sym_in}^{{({c})}}", 24)
                         for c in range(spec.in_channels)],
            label_height=lay.label_h / lay.cell_h,
        )
        rows, cols = self.index.shape
        name = r"C^{\top}" if spec.is_transposed else "C"
        title = self._tex(rf"{name}\;\;({rows}\times {cols})", 30)
        tap = "a" if sequence_of(spec) is not None else "ab"
        row_ch, col_ch = ("o", "c") if not spec.is_transposed else ("c", "o")
        legend = self._tex(
            rf"w_{{{tap}}}\ \text{{in block}}\ ({self.sym_out}^{{({row_ch})}},"
            rf"{self.sym_in}^{{({col_ch})}}):\ w^{{(o,c)}}_{{{tap}}}", 22)
        head = VGroup(title, legend).arrange(RIGHT, buff=0.5)
        if head.width > self.matrix.width_shown + 2 * ROW_HEADER:
            head.scale_to_fit_width(self.matrix.width_shown + 2 * ROW_HEADER)
        head.move_to([lay.matrix_left + self.matrix.width_shown / 2,
                      lay.matrix_top + CH_HEADER - 0.3, 0])
        self.matrix_title = head
        left, right, top, bottom = self.matrix.row_rect(0)
        self.row_band = highlight_rect(left, right, top, bottom, theme=theme, accent=False)
        self.row_band.set_stroke(width=0)

    # -------------------------------------------------------------- vectors
    def _build_vectors(self) -> None:
        lay, theme = self.layout, self.theme
        rows, cols = self.index.shape
        self.vec_in = ColumnVector(
            [self._tex(self.in_entry(j), color=theme.cell_text) for j in range(cols)],
            fill_color=theme.input_fill, theme=theme, cell=(lay.vec_width, lay.in_slot_h),
            top_center=np.array([lay.vec_in_x, lay.vec_in_top, 0.0]),
            slots=lay.in_slots, aligned=False,
            label_height=lay.vec_label_h / lay.in_slot_h,
            segments=self.col_blocks[:, 0].tolist(),
        )
        self.vec_out = ColumnVector(
            [self._tex(self.out_entry(i), color=theme.cell_text) for i in range(rows)],
            fill_color=theme.output_fill, theme=theme, cell=(lay.vec_width, lay.cell_h),
            top_center=np.array([lay.vec_out_x, lay.matrix_top, 0.0]),
            slots=lay.window[0], aligned=True,
            label_height=min(lay.vec_label_h, VEC_FRACTION * lay.cell_h) / lay.cell_h,
            segments=self.row_blocks[:, 0].tolist(),
        )
        mid = lay.matrix_center_y
        self.times = self._tex(r"\times", 36).move_to([lay.times_x, mid, 0])
        self.equals = self._tex("=", 36).move_to([lay.equals_x, mid, 0])
        y_head = max(lay.vec_in_top, lay.matrix_top) + 0.42
        self.vec_titles = VGroup(
            self._tex(rf"\mathrm{{vec}}({self.sym_in})", 26).move_to([lay.vec_in_x, y_head, 0]),
            self._tex(rf"\mathrm{{vec}}({self.sym_out})", 26).move_to(
                [lay.vec_out_x, y_head, 0]
            ),
        )

    # ------------------------------------------------------------- captions
    def dot_terms(self, row: int) -> list[tuple[str, str]]:
        """``(w^{(o,c)}_{ab}, a^{(c)}_{rc})`` of each non-zero product in row ``row``."""
        return [(self.weight_tex(row, int(j)), self.in_entry(int(j)))
                for j in np.nonzero(self.index[row] >= 0)[0]]

    def _caption_terms(self, row: int) -> list[tuple[str, str] | None]:
        """As many terms of every input channel as fit, each channel cut with ``⋯``.

        The caption then still reads as a sum over the channels; when even one
        term per channel does not fit, it is cut as with one channel.
        """
        cols = np.nonzero(self.index[row] >= 0)[0]
        by_channel: dict[int, list[tuple[str, str]]] = {}
        for j, term in zip(cols, self.dot_terms(row)):
            by_channel.setdefault(int(self.col_blocks[j, 0]), []).append(term)
        if len(by_channel) < 2:
            return super()._caption_terms(row)
        longest = max(len(t) for t in by_channel.values())
        for k in range(longest, 0, -1):
            shown: list[tuple[str, str] | None] = []
            for terms in by_channel.values():
                shown += terms[:k] + ([None] if len(terms) > k else [])
            if self._caption_width(row, shown) <= self.layout.caption_width:
                return shown
        return super()._caption_terms(row)

    # ---------------------------------------------------------------- steps
    def focus_in(self, step: int) -> list[int]:
        """Input entries that row ``step`` multiplies and the matrix window shows."""
        origin = self.matrix.window_for_row(step)
        return [int(c) for c in np.nonzero(self.index[step] >= 0)[0]
                if self.matrix.in_window(step, int(c), origin)]

    def touched_cells(self, step: int) -> list[tuple[int, int]]:
        """Grid cells of real input under the kernel at row ``step`` (on each channel)."""
        return super().touched_cells(int(self.row_blocks[step, 1]))

    def _shown_channels(self, step: int) -> tuple[list[KernelShadow], list[CellHighlight]]:
        """The kernels over the group's input channels, and the current output's highlight.

        Only these are drawn (members of :attr:`kernel` and :attr:`out_highlight`).
        """
        kernels, highlights = self._channels_at(step)
        self.kernel.submobjects = list(kernels)
        self.out_highlight.submobjects = list(highlights)
        return kernels, highlights

    def _channels_at(self, step: int) -> tuple[list[KernelShadow], list[CellHighlight]]:
        """The kernels and the highlight :meth:`_shown_channels` shows at ``step``."""
        group = self.group_of_row(step)
        kernels = [k for c, k in enumerate(self.kernels) if c in group]
        return kernels, [self.highlights[int(self.row_blocks[step, 0])]]

    def move_left(self, step: int) -> None:
        """Put the kernels and the output highlights at row ``step``'s position."""
        e = int(self.row_blocks[step, 1])
        for kernel in self.kernels:
            kernel.move_to_step(e)
        for highlight in self.highlights:
            highlight.move_to_cell(self.spec.step_cell(e))
        self._shown_channels(step)

    def animate_left(self, step: int) -> list[Animation]:
        """Glide the shown kernels and output highlight to row ``step``'s position.

        The others jump there unseen.
        """
        e = int(self.row_blocks[step, 1])
        cell = self.spec.step_cell(e)
        kernels, highlights = self._channels_at(step)

        def jump_unseen() -> None:
            self._shown_channels(step)
            for kernel in self.kernels:
                if kernel not in kernels:
                    kernel.move_to_step(e)
            for highlight in self.highlights:
                if highlight not in highlights:
                    highlight.move_to_cell(cell)

        return [OnBegin(jump_unseen), *(k.animate_to_step(e) for k in kernels),
                *(h.animate_to_cell(cell) for h in highlights)]

    def step_animations(self, step: int) -> list[Animation]:
        """Glide the kernels and highlights and re-elide ``vec(a)``; page the matrix at once.

        The block matrix, and the output vector beside its rows, jump to
        their new window as the glide starts: sliding, its entries would
        cross the block edges, and manim would redraw its hundreds of labels
        on every frame of the glide.
        """
        window = self.matrix.window_for_row(step)

        def page() -> None:
            self.hide_marks()
            self.vec_in.prune()
            self.matrix.set_origin(window)
            self.vec_out.set_layout(self.vec_out.plan(window_start=window[0]))

        anims = [OnBegin(page), *self.animate_left(step)]
        anims.append(Glide(self.row_band,
                           lambda: self._band_target(step) - self.row_band.get_center()))
        relayout = self.vec_in.animate_layout(self.vec_in.plan(focus=self.focus_in(step)))
        if relayout is not None:
            anims.append(relayout)
        anims.append(OnBegin(setattr, self, "step", step))
        return anims

    def show_marks(self, step: int) -> None:
        """Outline the row in each block of its group, the cells, entries and grids it links."""
        theme, lay = self.theme, self.layout
        group = self.group_of_row(step)
        rects = [tuple(self.matrix.block_rect(step, b)) for b in group]
        g = lay.grid_cell
        pad = 0.05
        touched = self.touched_cells(step)
        for c in group:
            plane = self.in_planes[c]
            for r, col in touched:
                p = plane.cell_center(r, col)
                rects.append((p[0] - g / 2, p[0] + g / 2, p[1] + g / 2, p[1] - g / 2))
            (x0, y0, _), (x1, y1, _) = plane.point(0, 0), plane.point(*self.direct.grid_size)
            rects.append((x0 - pad, x1 + pad, y0 + pad, y1 - pad))
        out_plane = self.out_planes[int(self.row_blocks[step, 0])]
        (x0, y0, _), (x1, y1, _) = out_plane.point(0, 0), out_plane.point(*self.spec.output_size)
        rects.append((x0 - pad, x1 + pad, y0 + pad, y1 - pad))
        w, h = lay.vec_width, lay.in_slot_h
        for i in self.focus_in(step):
            slot = self.vec_in.entry_slot(i)
            if slot is not None:
                p = self.vec_in.slot_center(slot)
                rects.append((p[0] - w / 2, p[0] + w / 2, p[1] + h / 2, p[1] - h / 2))
        marks: list[Mobject] = [outline_rects(rects, color=theme.accent,
                                              stroke_width=theme.kernel_stroke_width * 0.8)]
        slot = self.vec_out.entry_slot(step)
        if slot is not None:
            p = self.vec_out.slot_center(slot)
            h = lay.cell_h
            marks.append(highlight_rect(p[0] - w / 2, p[0] + w / 2, p[1] + h / 2,
                                        p[1] - h / 2, theme=theme, accent=False))
        self.marks.submobjects = marks + self.readable_copies(step)
        self.caption.submobjects = [self.captions[step]]


def build_view(
    spec: AnySpec, theme: Theme, symbols: tuple[str, str],
    cell: tuple[float, float] | None = None,
) -> MatrixView:
    """The view of ``spec``: a block matrix when it has channels (one size of cell if given)."""
    if spec.has_channels:
        return ChannelMatrixView(spec, plan_channel_layout(spec, cell=cell), theme, symbols)
    return MatrixView(spec, plan_layout(spec, cell=cell), theme, symbols)


def default_symbols(spec: AnySpec) -> tuple[str, str]:
    """``(a, b)`` for a conv, ``(b, c)`` for a transposed conv, as in the original tool."""
    return ("b", "c") if spec.is_transposed else ("a", "b")


class AlphabetScene(ConvScene):
    r"""The matrix-multiplication view of a convolution or transposed convolution.

    A conv shows ``vec(b) = C·vec(a)``; a transposed conv (set ``spec`` to
    ``ConvSpec(...).transposed()``) shows ``vec(c) = Cᵀ·vec(b)``, with ``Cᵀ``
    itself drawn and its current row highlighted.

    Attributes
    ----------
    symbols
        ``(input, output)`` letters; ``("a", "b")`` for a conv and ``("b", "c")``
        for a transposed conv by default. Each must be one Latin letter or a
        Greek letter name such as ``r"\alpha"``
        (:func:`convmanim.limits.check_symbols`); anything else raises
        :class:`~convmanim.SpecError` before LaTeX runs.

    Examples
    --------
    .. manim:: AlphabetStrided
        :save_last_frame:

        from convmanim import AlphabetScene, ConvSpec

        class AlphabetStrided(AlphabetScene):
            spec = ConvSpec(5, 3, stride=2, padding=1)
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    symbols: ClassVar[tuple[str, str] | None] = None

    view: MatrixView

    @classmethod
    def num_steps(cls) -> int:
        """One step per row of the matrix: per output value, channel by channel."""
        return cls.spec.num_outputs

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless ``step`` is a row of the matrix."""
        if cls.spec.has_channels:
            cls.spec.output_index(step)  # the geometry's message, with the output's shape
        else:
            super().check_step(step)

    def check_size(self) -> None:
        """The size limits of :func:`convmanim.limits.check_render_size`, as from the CLI."""
        check_render_size(self.spec, "alphabet", animated=self.still_step is None)

    @classmethod
    def step_captions(cls) -> list[str]:
        """Each step's dot product, the current row of the matrix times the input vector."""
        symbols = default_symbols(cls.spec) if cls.symbols is None else check_symbols(cls.symbols)
        return row_captions(cls.spec, symbols)

    def build_parts(self) -> MatrixView:
        """Lay out and build the grids, the matrix, the vectors and the captions."""
        symbols = default_symbols(self.spec) if self.symbols is None \
            else check_symbols(self.symbols)  # before any label reaches LaTeX
        self.check_size()
        return build_view(self.spec, self.get_theme(), symbols)

    def add_parts(self) -> None:
        """Static parts first, then the parts that move."""
        self.add(*self.parts.all_parts())

    def still_parts(self) -> list[Mobject]:
        """Titles, divider, grids, and the matrix when it fits whole: no step changes them."""
        return self.parts.still_parts()

    def set_step(self, step: int) -> None:
        """Show ``step`` at once."""
        self.parts.set_step(step)

    def step_animations(self, step: int) -> list[Animation]:
        """Glide to ``step``."""
        return self.parts.step_animations(step)

    def after_glide(self, step: int) -> None:
        """Outline what the new row links, and write its dot product."""
        self.parts.after_glide(step)


class AlphabetRelationshipScene(AlphabetScene):
    """The conv with ``C``, then ``C`` transposed, then the transposed conv with ``Cᵀ``.

    ``spec`` is the forward convolution. Its output ``b`` is the transposed
    conv's input, so the same matrix, transposed, maps ``b`` back to the
    input's shape.

    Examples
    --------
    .. manim:: Relationship
        :save_last_frame:

        from convmanim import AlphabetRelationshipScene, ConvSpec

        class Relationship(AlphabetRelationshipScene):
            spec = ConvSpec(5, 3, stride=2, padding=1)
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    transpose_time: ClassVar[float] = 3.0
    symbols: ClassVar[tuple[str, str, str] | None] = None  # type: ignore[assignment]
    """``(input, output, transposed output)`` letters: ``("a", "b", "c")`` by default."""

    parts: tuple[MatrixView, MatrixView]  # type: ignore[assignment]

    @classmethod
    def _forward(cls) -> ConvSpec:
        spec = cls.spec
        return spec.forward if isinstance(spec, TransposedConvSpec) else spec

    @classmethod
    def num_steps(cls) -> int:
        """Steps of the conv plus steps of the transposed conv."""
        f = cls._forward()
        return f.num_outputs + f.transposed().num_outputs

    def check_size(self) -> None:
        """The size limits, for the conv and for its transposed conv."""
        forward = self._forward()
        animated = self.still_step is None
        check_render_size(forward, "alphabet", animated=animated)
        check_render_size(forward.transposed(), "alphabet", animated=animated)

    @classmethod
    def step_captions(cls) -> list[str]:
        """The conv's dot products with ``C``, then the transposed conv's with ``Cᵀ``."""
        f = cls._forward()
        total = cls.num_steps()
        return (row_captions(f, ("a", "b"), 0, total)
                + row_captions(f.transposed(), ("b", "c"), f.num_outputs, total))

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """The transposed conv's first steps are read slowly again."""
        return [0, cls._forward().num_outputs]

    @classmethod
    def transpose_frame_counts(cls, fps: float) -> list[int]:
        """Frames of the transposition: the fade out, the entries' journey, the fade in."""
        return [max(1, round(seconds * fps))
                for seconds in (0.5, cls.transpose_time - 1.0, 1.0)]

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Both plays, the transposition and the final hold, frame-exact at ``fps``."""
        fps = float(fps or config.frame_rate)
        frames = sum(cls.step_frame_counts(fps)) + sum(cls.transpose_frame_counts(fps))
        return (frames + max(1, round(cls.end_hold * fps))) / fps

    def build_parts(self) -> tuple[MatrixView, MatrixView]:
        """Both views, with one cell size so that entries keep their size."""
        self.check_size()
        forward = self._forward()
        transposed = forward.transposed()
        plan = plan_channel_layout if forward.has_channels else plan_layout
        a, b = plan(forward), plan(transposed)
        cell = (min(a.cell_w, b.cell_w), min(a.cell_h, b.cell_h))
        theme = self.get_theme()
        a, b, c = ("a", "b", "c") if self.symbols is None else check_symbol_triple(self.symbols)
        return (build_view(forward, theme, (a, b), cell=cell),
                build_view(transposed, theme, (b, c), cell=cell))

    def still_parts(self) -> list[Mobject]:
        """The still parts of the view playing now."""
        return self._view.still_parts()

    def add_parts(self) -> None:
        """The conv's parts (the transposed conv's come in later)."""
        self.add(*self.parts[0].all_parts())

    def construct(self) -> None:
        """Play the conv, transpose the matrix, play the transposed conv."""
        self.camera.background_color = ManimColor(self.get_theme().background)
        from ..labels import batched

        self.parts = batched(self.build_parts)
        conv, tconv = self.parts
        self.steps_played = []
        if self.still_step is not None:
            self._show_still(self.still_step)
            return
        self.add(*conv.all_parts())
        self._view = conv
        self.freeze_still_parts()
        self.play_each_step(conv, conv.spec.num_outputs)
        self.thaw_still_parts()
        self.transpose(conv, tconv)
        self._view = tconv
        self.freeze_still_parts()
        self.play_each_step(tconv, tconv.spec.num_outputs, offset=conv.spec.num_outputs)
        self.hold_frames(max(1, round(self.end_hold * config.frame_rate)))

    def _show_still(self, step: int) -> None:
        n_conv = self.parts[0].spec.num_outputs
        if not 0 <= step < self.num_steps():
            self.parts[0].spec.step_cell(step)  # raises with the conv's range
        view = self.parts[0] if step < n_conv else self.parts[1]
        self.add(*view.all_parts())
        view.set_step(step if step < n_conv else step - n_conv)

    def transpose_fades(self, conv: MatrixView) -> list[Mobject]:
        """What fades out before the entries of ``C`` travel: all but the matrix."""
        return [conv.kernel, conv.out_highlight, conv.shaded, conv.row_band, conv.vec_in,
                conv.vec_out, conv.in_grid, conv.out_grid, conv.titles, conv.vec_titles,
                conv.times, conv.equals, conv.matrix_title]

    def transpose(self, conv: MatrixView, tconv: MatrixView) -> None:
        """Send every entry of ``C`` from ``(r, c)`` to ``(c, r)`` of ``Cᵀ``.

        Everything but the matrix fades out first (the product's ``×`` and
        ``=`` with the vectors, and ``C``'s title), the entries travel, and
        the transposed conv's parts fade in with ``Cᵀ``'s title: the two
        titles never share the screen. An entry is drawn only while it lies
        inside ``C``'s frame or ``Cᵀ``'s: one that comes from a column ``C``'s
        window hides appears as it enters ``Cᵀ``'s frame.
        """
        conv.hide_marks()
        self.remove(conv.caption)
        fades = self.transpose_fades(conv)
        fade_out, journey, fade_in = self.transpose_frame_counts(config.frame_rate)
        self.play_frames([FadeOut(m) for m in fades], fade_out)
        tconv.matrix.set_origin(tconv.matrix.window_for_row(0))
        moves = []
        for (r, c), mob in conv.matrix.entries_all.items():
            before = conv.matrix.in_window(r, c)
            after = tconv.matrix.in_window(c, r)
            if not (before or after):
                continue
            set_visibility(mob, 1.0 if before else 0.0)
            target = tconv.matrix.cell_center(c, r)
            moves.append((mob, target - mob.get_center(), 1.0 if before else 0.0,
                          1.0 if after else 0.0))
        conv.matrix.entries.submobjects = [m for m, *_ in moves]
        for side, marker in conv.matrix.markers.items():
            if conv.matrix._marker_needed(side):
                moves.append((marker, np.zeros(3), 1.0, 0.0))
        # the frames cross-fade: lines, and with channels the block rows'
        # separators and headers (the titles fade before and after)
        frames = [(m.matrix.grid,) + (
            (m.matrix.frame,) if isinstance(m.matrix, BlockMatrix) else ()) for m in (conv, tconv)]
        for part in frames[1]:
            set_visibility(part, 0.0)
        self.add(*frames[1])
        moves += [(part, np.zeros(3), 0.0, 1.0) for part in frames[1]]
        moves += [(part, np.zeros(3), 1.0, 0.0) for part in frames[0]]
        group = VGroup(conv.matrix, *frames[1])
        entries = {id(m): "xy" for m in conv.matrix.entries.submobjects}
        rects = [conv.matrix.frame_rect(), tconv.matrix.frame_rect()]
        margin = CLIP_MARGIN * min(conv.matrix.cell_w, conv.matrix.cell_h)
        self.play_frames([Rearrange(group, moves, clip=rects, clipped=entries, margin=margin)],
                         journey)
        self.remove(*self.mobjects)
        for part in frames[1]:
            set_visibility(part, 1.0)
        tconv.set_step(0)
        tconv.hide_marks()
        static = list(tconv.static_parts())
        self.add(conv.divider, tconv.matrix)
        newcomers = [m for m in static if m is not tconv.divider] + [
            tconv.kernel, tconv.out_highlight, tconv.shaded, tconv.row_band, tconv.vec_in,
            tconv.vec_out]
        self.play_frames([FadeIn(m) for m in newcomers], fade_in)
        self.remove(*self.mobjects)
        self.add(*tconv.all_parts())
        tconv.show_marks(0)

