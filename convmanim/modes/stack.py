"""Stack mode: the receptive field of one output cell, traced down through a stack of layers.

The levels of a stack are drawn one above another, the input at the bottom
and each layer's output above the level it reads: rows of cells for 1-D
layers, slanted planes for 2-D ones. Every cell stands over the input
positions it is anchored to (:attr:`~convmanim.receptive.Stack.levels`), as
wide as its jump, so that a strided layer's cells are wider and a causal
stack's cells stand in columns. The padding each layer reads is drawn
dashed beside the level it pads, on the left only for a causal layer.

The scene picks an output cell of the top layer (by default the last one
of a causal stack, else the middle one) and, step by step, layer by layer
downward, shades the cells of the level below that it depends on
(:meth:`~convmanim.receptive.Stack.seen`: exact, so the holes of a dilated
kernel show as gaps), with the lines of the dependency between them (in
2-D, the frustum joining the shaded regions), down to the input. Beside each
row stand its layer, written as the command line takes it (``k3 s2 p1``),
and the layer's receptive field on the input from the closed forms: ``r``,
the jump and the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from manim import DOWN, Animation, Line, Mobject, VGroup, config, smooth, squish_rate_func

from ..captions import stack_captions
from ..geometry import ConvSpec, ConvSpec1d, SpecError, shown
from ..limits import MAX_VIDEO_SECONDS, check_settings, check_stack_size
from ..mobjects.flight import Fade
from ..mobjects.grid import CellGrid, cell_polygon
from ..mobjects.kernel import Connectors
from ..mobjects.motion import Rearrange, set_visibility
from ..mobjects.plane import PlaneMap
from ..receptive import Level, Stack, bounding_box, layer_text, wavenet
from ..theme import MIN_LABEL_PX, Theme
from .base import ConvScene

__all__ = ["LitCells", "StackParts", "StackScene"]

MARGIN = 0.35
"""Screen margin around everything."""

COLUMN_GAP = 0.35
"""Screen gap between the layer names, the levels and the table."""

NAME_FONT = 24
TABLE_FONT = 24
INDEX_FONT = 20
CAPTION_FONT = 26

CAPTION_LINES = 3
"""Lines a caption takes before its font shrinks to save some."""

MIN_CELL_PX = 6.0
"""Narrowest an input cell may be, in pixels at the render's resolution.

Measured across its narrower width: a slanted cell is a parallelogram about
twice as long as this. Below it the shading of a cell and the gap of a
dilation hole no longer read apart."""

LINK_GAP = 1.6
"""Least gap between two rows of a 1-D stack, in row heights: room for the lines between them."""

MAX_LINK_GAP = 3.0
"""Largest gap between two rows of a 1-D stack, in row heights, when the frame has room."""

PLANE_GAP = 0.2
"""Screen gap between two slanted planes of a 2-D stack."""

STACK_COL = np.array([0.96, 0.22, 0.0])
"""Screen direction of one column step of a 2-D level: a plane seen from low, so that
several fit one above another."""

STACK_ROW = np.array([0.42, -0.36, 0.0])
"""Screen direction of one row step of a 2-D level (down and to the right)."""

INDEX_STEPS = (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50)
"""Every how many input positions a 1-D input writes its index, the first that fits."""


LIT_OPACITY = 0.55
"""Opacity of the kernel's shadow on a cell the traced output depends on.

Darker than the kernel's own shadow, so that shaded cells and the holes
between them read apart on cells a few pixels wide; no text lies on them."""


class LitCells(VGroup):
    """The cells of one level that the traced output depends on, shaded like the kernel's window.

    Parameters
    ----------
    plane
        The level's plane.
    cells
        Grid positions ``(row, column)`` to shade (padding counted, as the
        level's :class:`~convmanim.mobjects.grid.CellGrid` counts them).
    theme
        The shadow's colour, opacity and outline.
    """

    def __init__(self, plane: PlaneMap, cells: Sequence[tuple[int, int]], theme: Theme,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.plane = plane
        self.cells = [(int(r), int(c)) for r, c in cells]
        self.add(*(cell_polygon(plane, r, c, fill_color=theme.kernel_fill,
                                fill_opacity=LIT_OPACITY, stroke_color=theme.stroke,
                                stroke_width=1.2 * theme.grid_stroke_width)
                   for r, c in self.cells))

    def get_cells(self) -> list[tuple[int, int]]:
        """The shaded grid positions, in the order of the submobjects."""
        return list(self.cells)


@dataclass
class StackParts:
    """The mobjects of a :class:`StackScene`.

    Attributes
    ----------
    levels
        The core's :class:`~convmanim.receptive.Level` of each level, input first.
    grids
        One grid per level, input first, with the padding its reader reads.
    lit
        Per level, the cells the traced output depends on.
    links
        Per layer (between level ``l`` and ``l + 1``): the lines of the
        dependency in 1-D, the four lines of the frustum in 2-D.
    names
        Per level, its name and layer (``layer 2: k3 p1``).
    table
        The header and, per level, its ``r``, jump and start on the input.
    table_rows
        The table's row of each level.
    indices
        The input positions written under a 1-D input.
    captions
        Per step, its sentences.
    """

    levels: tuple[Level, ...]
    grids: list[CellGrid]
    lit: list[LitCells]
    links: list[VGroup]
    names: list[Mobject]
    table: VGroup
    table_rows: list[VGroup]
    indices: VGroup
    captions: list[VGroup]


def _screen_text(sentence: str) -> str:
    """A caption's sentence as LaTeX text: real minus signs and times."""
    return sentence.replace("−", "$-$").replace("×", r"$\times$")


class StackScene(ConvScene):
    """The receptive field of one output cell, traced down a stack of convs and poolings.

    Attributes
    ----------
    layers
        A :class:`~convmanim.receptive.Stack`, a list of
        :class:`~convmanim.ConvSpec` or :class:`~convmanim.ConvSpec1d`
        (:func:`~convmanim.receptive.parse_stack` reads the command line's
        ``"k3 s2 p1; k3 p1"``), or an ``nn.Sequential`` read with
        :meth:`Stack.from_torch <convmanim.receptive.Stack.from_torch>`
        (give :attr:`input_shape`). Default: WaveNet's four causal layers.
    input_shape
        For an ``nn.Sequential``: its input as PyTorch sees it, ``(C, L)``
        or ``(C, H, W)``.
    cell
        The output cell of the top layer to trace: a position in 1-D,
        ``(row, column)`` in 2-D. ``None``: the last cell of a causal
        stack, else the middle one.

    Notes
    -----
    Step 0 shows the output cell; step ``t`` the cells ``t`` levels down
    that it depends on; the last step (``len(layers)``) the input cells,
    with the stack's closed forms in the caption.

    Examples
    --------
    .. manim:: StridedDilatedStack
        :save_last_frame:

        from convmanim import StackScene
        from convmanim.receptive import parse_stack

        class StridedDilatedStack(StackScene):
            layers = parse_stack("k3 s2 p1; k3 p1; k3 d2", 16)
            still_step = 3
    """

    layers: ClassVar[Any] = wavenet()
    input_shape: ClassVar[Sequence[int] | None] = None
    cell: ClassVar[int | Sequence[int] | None] = None

    # ------------------------------------------------------------ settings
    @classmethod
    def stack(cls) -> Stack:
        """The :class:`~convmanim.receptive.Stack` that :attr:`layers` gives.

        Raises
        ------
        SpecError
            One line naming the attribute, for layers that are not a stack.
        """
        layers = cls.layers
        owner = cls.__name__
        if isinstance(layers, Stack):
            return layers
        if isinstance(layers, (str, bytes)):
            raise SpecError(f"{owner}.layers is text: read it with parse_stack({shown(layers)}, "
                            "input_size)")
        if isinstance(layers, (ConvSpec, ConvSpec1d)):
            layers = [layers]
        try:
            items = list(layers)
        except TypeError:
            raise SpecError(f"{owner}.layers must be a Stack, a list of ConvSpec or ConvSpec1d, "
                            f"or an nn.Sequential, got {shown(layers)}") from None
        try:
            if items and all(isinstance(x, (ConvSpec, ConvSpec1d)) for x in items):
                return Stack(items)
            if cls.input_shape is None:
                raise SpecError("an nn.Sequential needs input_shape, its input as PyTorch sees "
                                "it: (C, L) or (C, H, W)")
            return Stack.from_torch(items, cls.input_shape)
        except SpecError as exc:
            raise SpecError(f"{owner}.layers: {exc}") from None

    @classmethod
    def traced_cell(cls) -> tuple[int, ...]:
        """The output cell traced: :attr:`cell`, or the stack's default one."""
        stack = cls.stack()
        if cls.cell is None:
            return stack.default_cell()
        cell = cls.cell
        cells = (cell,) if isinstance(cell, (int, np.integer)) else cell
        try:
            cells = tuple(cells)  # type: ignore[arg-type]
            stack.seen(cells if len(cells) > 1 else cells[0])
        except (SpecError, TypeError):
            size = "×".join(map(str, stack.sizes[-1]))
            want = "a position" if stack.ndim == 1 else "(row, column)"
            raise SpecError(f"{cls.__name__}.cell must be {want} of the top layer's output of "
                            f"{size}, got {shown(cell)}") from None
        return tuple(int(c) for c in cells)

    @classmethod
    def check_attributes(cls) -> None:
        """Check the stack, its size, the cell and the settings, before anything is drawn."""
        stack = cls.stack()
        try:
            check_stack_size(stack)
        except SpecError as exc:
            raise SpecError(f"{cls.__name__}.layers: {exc}") from None
        cls.traced_cell()
        check_settings(cls)
        if cls.still_step is not None:
            cls.check_step(cls.still_step)
        elif (seconds := cls.planned_duration()) > MAX_VIDEO_SECONDS:
            raise SpecError(f"{cls.__name__}: the animation would last {seconds / 3600:.1f} "
                            f"hours, more than the limit of {MAX_VIDEO_SECONDS // 3600} hours")

    @classmethod
    def num_steps(cls) -> int:
        """The output cell, then one step per level down to the input."""
        return len(cls.stack()) + 1

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless ``step`` is one the scene plays."""
        n = cls.num_steps()
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) \
                or not 0 <= step < n:
            below = "the level below it" if n == 2 else f"each of the {n - 1} levels below it"
            raise SpecError(f"step must be in 0..{n - 1} (the output cell, then {below}), got "
                            f"{shown(step)}")

    @classmethod
    def caption_sentences(cls) -> list[list[str]]:
        """Per step, the sentences of its caption (:func:`~convmanim.captions.stack_captions`)."""
        return stack_captions(cls.stack(), cls.traced_cell())

    @classmethod
    def step_captions(cls) -> list[str]:
        """What each step shows, in plain words and numbers: its subtitle and speaker note."""
        sentences = cls.caption_sentences()
        n = len(sentences)
        return [f"Step {t + 1} of {n}: {' '.join(lines)}" for t, lines in enumerate(sentences)]

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """Every step: each says something new, so each gets the time to read its caption."""
        return list(range(cls.num_steps()))

    def intro_caption(self) -> str:
        """The stack, written out: a stack has no output-size formula to introduce."""
        return f"A stack of {len(self.stack())} layers: {self.stack().text()}."

    # ---------------------------------------------------------------- build
    def build_parts(self) -> StackParts:
        """Lay out the levels, the shaded cells, the lines, the names, the table, the captions.

        Raises
        ------
        SpecError
            When, at the render's resolution, an input cell would be
            narrower than :data:`MIN_CELL_PX` or a label lower than
            :data:`~convmanim.theme.MIN_LABEL_PX`.
        """
        stack = self.stack()
        theme = self.get_theme()
        cell = self.traced_cell()
        levels = stack.levels
        # each kind of label at least MIN_LABEL_PX high at this resolution: larger at a low one
        self._scales = dict.fromkeys(("names", "table", "captions", "indices"), 1.0)
        self._scales["captions_least"] = 1.0
        names, table, rows, captions = self._labels(stack)
        ppu = config.pixel_height / config.frame_height
        kinds = {"names": names, "table": [m for row in table for m in row],
                 # a full line's height (a short broken-off line may have no ascender)
                 "captions": [self._caption_line("Output 0 of layer 1", CAPTION_FONT)],
                 "indices": [self.text("0", font_size=INDEX_FONT, math=True)]}
        least = {kind: 1.05 * MIN_LABEL_PX / (min(m.height for m in mobs) * ppu)
                 for kind, mobs in kinds.items()}
        self._scales = {kind: max(1.0, factor) for kind, factor in least.items()}
        self._scales["captions_least"] = least["captions"]
        names, table, rows, captions = self._labels(stack)
        caption_band = max(c.height for c in captions) + 0.3
        fw, fh = config.frame_width, config.frame_height
        left = -fw / 2 + MARGIN + max(n.width for n in names) + COLUMN_GAP
        right = fw / 2 - MARGIN - table.width - COLUMN_GAP
        bottom = -fh / 2 + MARGIN + caption_band
        header = table[0].height + 0.2
        region = (left, right, bottom, fh / 2 - MARGIN - header)
        if stack.ndim == 1:
            planes, indices = self._rows(levels, region)
        else:
            planes, indices = self._planes(levels, region), VGroup()

        grids = [CellGrid(plane, _size2(level.grid_size), fill_color=theme.output_fill
                          if m else theme.input_fill, theme=theme,
                          filled=level.mask.reshape(_size2(level.grid_size)))
                 for m, (plane, level) in enumerate(zip(planes, levels))]
        seen = stack.seen(cell if len(cell) > 1 else cell[0])
        lit = [LitCells(plane, [_cell2(level.grid_cell(c)) for c in np.argwhere(mask)], theme)
               for plane, level, mask in zip(planes, levels, seen)]
        links = self._links(stack, cell, planes, levels, theme)

        # each name and table row beside its level; the caption under everything
        for m, (plane, level) in enumerate(zip(planes, levels)):
            lo, hi = plane.bounds(*_size2(level.grid_size))
            y = (lo[1] + hi[1]) / 2
            names[m].move_to(np.array([left - COLUMN_GAP - names[m].width / 2, y, 0]))
            rows[m].shift(np.array([0, y - rows[m].get_center()[1], 0]))
        table.shift(np.array([right + COLUMN_GAP - table.get_left()[0], 0, 0]))
        tops = [plane.bounds(*_size2(level.grid_size))[1][1]
                for plane, level in zip(planes, levels)]
        table[0].shift(np.array([0, max(tops) + 0.15 + table[0].height / 2
                                 - table[0].get_center()[1], 0]))
        for caption in captions:
            caption.move_to(np.array([0, -fh / 2 + MARGIN + caption.height / 2, 0]))
        parts = StackParts(levels, grids, lit, links, names, table, rows, indices, captions)
        self._check_legible(stack, parts, planes)
        return parts

    def _labels(self, stack: Stack) -> tuple[list[Mobject], VGroup, list[VGroup], list[VGroup]]:
        """The names, the table (and its rows) and the captions, at their fonts' scales."""
        scale = self._scales["names"]
        names = [self.text("input" if m == 0 else
                           f"layer {m}: {layer_text(stack.layers[m - 1], stack.kinds[m - 1])}",
                           font_size=NAME_FONT * scale) for m in range(len(stack) + 1)]
        table, rows = self._table(stack, self._scales["table"])
        captions = [self._caption(lines, self._scales["captions"])
                    for lines in self.caption_sentences()]
        return names, table, rows, captions

    def _table(self, stack: Stack, scale: float) -> tuple[VGroup, list[VGroup]]:
        """The header ``r  jump  start`` and one row per level: its field on the input."""
        font = TABLE_FONT * scale
        heads = [self.text(t, font_size=font) for t in ("field $r$", "jump", "start")]
        one = (1,) * stack.ndim
        values = [(one, one, (0,) * stack.ndim)] + [(f.size, f.jump, f.start)
                                                    for f in stack.fields]
        cells = []
        for value in values:
            cells.append([self.text(_value_tex(v, point=i == 2), font_size=font, math=True)
                          for i, v in enumerate(value)])
        widths = [max([heads[i].width] + [row[i].width for row in cells]) for i in range(3)]
        xs = np.cumsum([0.0] + [w + 0.35 * scale for w in widths[:-1]])
        rows = []
        for row in [heads, *cells]:
            for i, mob in enumerate(row):
                mob.move_to(np.array([xs[i] + widths[i] / 2, 0, 0]))
            rows.append(VGroup(*row))
        return VGroup(*rows), rows[1:]

    def _caption(self, sentences: list[str], scale: float) -> VGroup:
        """A step's caption: a line per sentence, broken between words where too wide.

        Where that makes more than :data:`CAPTION_LINES` lines, the font
        shrinks (to 0.7 of its size at most, and never under
        :data:`~convmanim.theme.MIN_LABEL_PX`) while it saves lines.
        """
        widest = config.frame_width - 2 * MARGIN
        font = CAPTION_FONT * scale
        least = max(0.7 * font, CAPTION_FONT * self._scales["captions_least"])

        def build(font: float) -> list[Mobject]:
            lines: list[Mobject] = []
            for sentence in sentences:
                line = self._caption_line(sentence, font)
                if line.width <= widest:
                    lines.append(line)
                    continue
                most = max(12, int(len(sentence) * widest / line.width * 0.95))
                count = -(-len(sentence) // most)  # lines needed, then as even as they can be
                width = min(most, -(-len(sentence) // count) + 6)
                lines += [self._caption_line(text, font) for text in _wrap(sentence, width)]
            return lines

        lines = build(font)
        while len(lines) > CAPTION_LINES and font * 0.9 >= least:
            font *= 0.9
            lines = build(font)
        group = VGroup(*lines).arrange(DOWN, buff=0.12 * font / CAPTION_FONT)
        if group.width > widest:
            group.scale_to_fit_width(widest)
        return group

    def _caption_line(self, text: str, font: float) -> Mobject:
        """One line of a caption, as LaTeX's text in math mode: LaTeX never breaks it."""
        return self.text(rf"\text{{{_screen_text(text)}}}", font_size=font, math=True)

    def _rows(self, levels: tuple[Level, ...],
              region: tuple[float, float, float, float]) -> tuple[list[PlaneMap], VGroup]:
        """1-D: one row per level, input at the bottom, its positions written under it."""
        left, right, bottom, top = region
        first = min(level.extent()[0][0] for level in levels)
        last = max(level.extent()[0][1] for level in levels)
        unit = min((right - left) / (last - first), 0.75)
        font = INDEX_FONT * self._scales["indices"]
        sample = self.text("0", font_size=font, math=True)
        index_band = sample.height + 0.2
        count = len(levels)
        room = top - bottom - index_band
        height = min(unit, room / (count + (count - 1) * LINK_GAP))
        # the rows spread over the height, up to gaps of MAX_LINK_GAP rows
        gap = min(MAX_LINK_GAP * height, (room - count * height) / max(1, count - 1))
        pitch = height + gap
        total = count * height + (count - 1) * gap
        y0 = bottom + index_band + (top - bottom - index_band - total) / 2
        x0 = (left + right) / 2 - unit * (first + last) / 2
        planes = []
        for m, level in enumerate(levels):
            corner = level.corner()[0]
            y_top = y0 + m * pitch + height
            planes.append(PlaneMap(np.array([x0 + unit * corner, y_top, 0.0]),
                                   np.array([unit * level.pitch[0], 0.0, 0.0]),
                                   np.array([0.0, -height, 0.0])))
        # the input's positions, every few when they are too wide for every cell
        length = levels[0].size[0]
        widest = self.text(str(length - 1), font_size=font, math=True).width
        every = next((k for k in INDEX_STEPS if k * unit >= 1.5 * widest), None)
        indices = VGroup()
        if every is not None:
            for n in range(0, length, every):
                label = self.text(str(n), font_size=font, math=True)
                x = planes[0].cell_center(0, levels[0].grid_cell((n,))[0])[0]
                label.move_to(np.array([x, y0 - 0.1 - label.height / 2, 0]))
                indices.add(label)
        return planes, indices

    def _planes(self, levels: tuple[Level, ...],
                region: tuple[float, float, float, float]) -> list[PlaneMap]:
        """2-D: one slanted plane per level, each above the one it is read from."""
        left, right, bottom, top = region

        def plane(level: Level, unit: float) -> PlaneMap:
            (r0, c0), (jr, jc) = level.corner(), level.pitch
            origin = unit * (c0 * STACK_COL + r0 * STACK_ROW)
            return PlaneMap(origin, unit * jc * STACK_COL, unit * jr * STACK_ROW)

        boxes = [plane(level, 1.0).bounds(*level.grid_size) for level in levels]
        heights = [hi[1] - lo[1] for lo, hi in boxes]
        x_lo = min(lo[0] for lo, _ in boxes)
        x_hi = max(hi[0] for _, hi in boxes)
        gaps = PLANE_GAP * (len(levels) - 1)
        unit = min((right - left) / (x_hi - x_lo), (top - bottom - gaps) / sum(heights))
        total = unit * sum(heights) + gaps
        y = bottom + (top - bottom - total) / 2
        dx = (left + right) / 2 - unit * (x_lo + x_hi) / 2
        planes = []
        for level, (lo, hi) in zip(levels, boxes):
            planes.append(plane(level, unit).shifted(np.array([dx, y - unit * lo[1], 0.0])))
            y += unit * (hi[1] - lo[1]) + PLANE_GAP
        return planes

    def _links(self, stack: Stack, cell: tuple[int, ...], planes: list[PlaneMap],
               levels: tuple[Level, ...], theme: Theme) -> list[VGroup]:
        """Per layer, the lines from the cells it reads to the cells it writes."""
        style = {"stroke_color": theme.connector, "stroke_width": theme.connector_stroke_width}
        out: list[VGroup] = []
        if stack.ndim == 1:
            for m, pairs in enumerate(stack.links(cell[0])):
                below, above = planes[m], planes[m + 1]
                lines = []
                for upper, lower in pairs:
                    start = below.point(0, levels[m].grid_cell(lower)[0] + 0.5)
                    end = above.point(1, levels[m + 1].grid_cell(upper)[0] + 0.5)
                    lines.append(Line(start, end, **style))
                out.append(VGroup(*lines))
            return out
        seen = stack.seen(cell)
        for m in range(len(stack)):
            lower, upper = bounding_box(seen[m]), bounding_box(seen[m + 1])
            if lower is None or upper is None:
                out.append(VGroup())
                continue
            ends = []
            for box, plane, level in ((lower, planes[m], levels[m]),
                                      (upper, planes[m + 1], levels[m + 1])):
                r0, c0 = level.grid_cell((box[0][0], box[1][0]))
                r1, c1 = level.grid_cell((box[0][1], box[1][1]))
                ends.append(plane.rect_corners(r0, c0, r1 + 1, c1 + 1))
            out.append(Connectors(ends[0], ends[1], theme))
        return out

    def _check_legible(self, stack: Stack, parts: StackParts, planes: list[PlaneMap]) -> None:
        """Refuse, in one line, cells or labels too small to read at the render's resolution."""
        ppu = config.pixel_height / config.frame_height
        where = f"at {config.pixel_width}x{config.pixel_height}"
        col, row = planes[0].col[:2], planes[0].row[:2]
        area = abs(col[0] * row[1] - col[1] * row[0])
        # the narrower of a cell's two widths (a parallelogram's, in 2-D)
        cell = area / max(np.linalg.norm(col), np.linalg.norm(row))
        if cell * ppu < MIN_CELL_PX:
            raise SpecError(f"{stack.text()}: {where} an input cell would be "
                            f"{cell * ppu:.1f} px (at least {MIN_CELL_PX:g}); render at a higher "
                            "quality, or use a shorter input or fewer layers")
        labels = [*parts.names, *(m for row in parts.table for m in row), *parts.indices,
                  *(line for caption in parts.captions for line in caption)]
        low = min(label.height for label in labels) * ppu
        if low < MIN_LABEL_PX:
            raise SpecError(f"{stack.text()}: {where} its labels would be {low:.1f} px high "
                            f"(at least {MIN_LABEL_PX:g}); render at a higher quality")

    # ---------------------------------------------------------------- steps
    def add_parts(self) -> None:
        """Names, table and positions; then each level, its shaded cells and the lines above it."""
        p = self.parts
        self.add(*p.names, p.table, p.indices)
        for m, grid in enumerate(p.grids):
            self.add(grid, p.lit[m])
            if m < len(p.links):
                self.add(p.links[m])
        self._caption_at: int | None = None

    def still_parts(self) -> list[Mobject]:
        """The names, the table, the positions and the input level: no step changes them."""
        p = self.parts
        return [*p.names, p.table, p.indices, p.grids[0]]

    def _shown_from(self, step: int) -> int:
        """The lowest level lit at ``step``."""
        return len(self.parts.grids) - 1 - step

    def set_step(self, step: int) -> None:
        """Shade the levels down to ``step``'s, with their lines, and write its caption."""
        p = self.parts
        lowest = self._shown_from(step)
        for m, group in enumerate(p.lit):
            set_visibility(group, float(m >= lowest))
        for m, group in enumerate(p.links):
            set_visibility(group, float(m >= lowest))
        if self._caption_at is not None:
            self.remove(p.captions[self._caption_at])
        self.add(p.captions[step])
        self._caption_at = step

    def step_animations(self, step: int) -> list[Animation]:
        """Shade the next level down and draw its lines in; the caption gives way to the next."""
        p = self.parts
        m = self._shown_from(step)
        anims: list[Animation] = [Rearrange(p.lit[m], [(p.lit[m], np.zeros(3), 0.0, 1.0)]),
                                  Rearrange(p.links[m], [(p.links[m], np.zeros(3), 0.0, 1.0)])]
        # the old caption goes in the first half, the new one comes in the second: never
        # two texts on top of each other
        if self._caption_at is not None:
            anims.append(Fade(p.captions[self._caption_at], fade_in=False,
                              rate_func=squish_rate_func(smooth, 0.0, 0.5)))
        anims.append(Fade(p.captions[step], fade_in=True,
                          rate_func=squish_rate_func(smooth, 0.5, 1.0)))
        return anims

    def after_glide(self, step: int) -> None:
        """The caption shown is ``step``'s."""
        self._caption_at = step


def _wrap(sentence: str, width: int) -> list[str]:
    """``sentence`` in lines of about ``width`` characters, broken after a colon where it can."""
    if len(sentence) <= width:
        return [sentence]
    lines, text = [], ""
    for word in sentence.split(" "):
        if text and len(text) + 1 + len(word) > width:
            lines.append(text)
            text = word
        else:
            text = f"{text} {word}" if text else word
        if word.endswith(":") and len(text) >= width // 2:
            lines.append(text)
            text = ""
    return [*lines, text] if text else lines


def _size2(size: Sequence[int]) -> tuple[int, int]:
    """A level's grid size as a 2-D one: a 1-D level is one row."""
    return (1, int(size[0])) if len(size) == 1 else (int(size[0]), int(size[1]))


def _cell2(cell: Sequence[int]) -> tuple[int, int]:
    """A grid position as a 2-D one: a 1-D position lies in row 0."""
    return (0, int(cell[0])) if len(cell) == 1 else (int(cell[0]), int(cell[1]))


def _value_tex(values: tuple[int, ...], *, point: bool = False) -> str:
    """A closed form's value for the table: ``7``; per axis ``7×5``, or ``(-3, -2)``."""
    if len(set(values)) == 1:
        return str(values[0])
    if point:
        return f"({', '.join(map(str, values))})"
    return r"{\times}".join(map(str, values))
