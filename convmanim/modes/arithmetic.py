"""Arithmetic mode: the slanted input and output planes with the sliding kernel.

The input plane (blue, with dashed padding) lies below; the output plane
(cyan) floats above it. The kernel's shadow slides over the input and four
lines join its corners to the output cell it writes. A transposed conv is drawn
as its equivalent direct conv: the input with ``s − 1`` zeros inserted between
units, padded by ``d(k − 1) − p`` (plus ``a`` on the bottom and right), and the
kernel rotated by 180°.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Animation, Mobject, VGroup, VMobject, config

from ..captions import window_caption
from ..geometry import AnySpec, ConvSpec, SpecError, sequence_of, shown_index, shown_size
from ..labels import math_label
from ..limits import check_render_size
from ..mobjects.flight import Fade
from ..mobjects.grid import CellGrid
from ..mobjects.kernel import (
    WEIGHT_PAD,
    CellHighlight,
    Connectors,
    KernelWindow,
    rotation_legend,
)
from ..mobjects.motion import OnBegin, Translate
from ..mobjects.palette import CHANNEL_HUES, channel_color
from ..mobjects.plane import PlaneMap
from ..mobjects.stack import (
    MAX_DRAWN_CHANNELS,
    ChannelStack,
    ElisionMarker,
    FilterBank,
    SliceWindow,
    StackLayout,
    StackPlan,
    elided_slots,
    layout_stacks,
)
from ..theme import Theme
from .base import ConvScene
from .formulas import output_size_formula, spec_summary

__all__ = ["ArithmeticScene", "DepthwiseSeparableScene"]

MARGIN = 0.35
PANEL_GAP = 0.5
PLANE_GAP = 0.9  # vertical gap between the planes, in cells


@dataclass
class ArithmeticParts:
    """The mobjects of an :class:`ArithmeticScene`, in z-order."""

    input_grid: CellGrid
    kernel: KernelWindow
    connectors: Connectors
    output_grid: CellGrid
    highlight: CellHighlight
    input_label: Mobject
    output_label: Mobject
    panel: VGroup
    formula: Mobject | None


MIN_WEIGHT_PIXELS = 10
"""Below this height (in pixels) the kernel's weights are not shown by default."""


def _glyph_pixels(label: Mobject, plane: PlaneMap) -> float:
    """Height in pixels of a label laid into ``plane``, measured along the plane.

    The bounding box of a slanted label is taller than its letters; this
    maps the label back to the flat picture it was laid from, and scales its
    height by the shorter of the plane's cell sides.
    """
    m = plane.in_plane_matrix()[:2, :2]
    flat = label.get_all_points()[:, :2] @ np.linalg.inv(m).T
    side = min(np.linalg.norm(plane.row[:2]), np.linalg.norm(plane.col[:2])) / plane.cell_size
    px = config.pixel_height / config.frame_height
    return float(np.ptp(flat[:, 1])) * side * px


STACK_GAP = 1.2
"""Screen gap between neighbouring stacks of planes (where the connectors run)."""

MIN_CELL_PIXELS = 9
"""Narrowest a cell of a stacked plane may be, in pixels, before channels are elided."""

PANEL_MAX_WIDTH = 0.36
"""Widest line of the channel view's side panel, as a fraction of the frame's width."""

_SEPARATOR = r",\;\; "
"""Between the parameters of a panel line (see :func:`~convmanim.modes.formulas.spec_summary`)."""

BANK_GAP = 0.25
"""Screen gap between the filters of a filter bank."""

BANK_MIN_HEIGHT = 1.3
"""Screen height a filter bank needs under the panel, its label included."""


def _shape(dims: tuple[int, ...], spec: AnySpec | None = None) -> str:
    r"""LaTeX for a tensor shape: ``3\times 5\times 5`` (``3\times 8`` for a 1-D ``spec``).

    The last two dimensions are the grid's: a 1-D spec's row writes its length only.
    """
    if spec is not None:
        dims = (*dims[:-2], *shown_size(spec, dims[-2:]))
    return r"\times ".join(str(n) for n in dims)


def _first_weight(spec: AnySpec) -> str:
    """``w_{00}``, or ``w_{0}`` in 1-D: the weight the orientation mark sits on."""
    return "w_{" + "".join(str(i) for i in shown_index(spec, (0, 0))) + "}"


def filters_shape(conv: AnySpec) -> tuple[int, int, int, int]:
    """``(C_out, C_in/groups, k_h, k_w)``: the filters as the view applies them.

    For a convolution it is the weight's shape. A transposed conv is drawn as
    its direct conv, whose filter for output channel ``c'`` gathers the
    slices ``weight[o', c' mod C_out'/groups]`` of its group (each rotated by
    180°): the same numbers, grouped by output channel.
    """
    return (conv.out_channels, conv.channels_per_group[0], *conv.kernel_size)


def _spread(labels: list[Mobject], left: float, right: float, gap: float = 0.3) -> None:
    """Keep a row of labels inside ``[left, right]`` and apart, shrinking them if they must."""
    total = sum(label.width for label in labels) + gap * (len(labels) - 1)
    gaps = gap * (len(labels) - 1)
    if total > right - left:
        for label in labels:
            label.scale((right - left - gaps) / (total - gaps))
    edge = left - gap
    for label in labels:
        if label.get_left()[0] < edge + gap:
            label.shift((edge + gap - label.get_left()[0]) * RIGHT)
        edge = label.get_right()[0]
    edge = right + gap
    for label in reversed(labels):
        if label.get_right()[0] > edge - gap:
            label.shift((label.get_right()[0] - edge + gap) * LEFT)
        edge = label.get_left()[0]


def filter_colors(conv: AnySpec, first_hue: int = 1) -> dict[int, str]:
    """The colour of every filter (and of the output channel it writes).

    With one group each filter has its own hue, starting at ``first_hue``
    (hue 0 is close to the input's blue); with several groups the hue is the
    group's and the filters of a group are lighter and lighter shades of it.
    """
    colors: dict[int, str] = {}
    hues = len(CHANNEL_HUES)
    for o in range(conv.out_channels):
        if conv.groups == 1:
            colors[o] = channel_color(first_hue + o, (first_hue + o) // hues,
                                      1 + (first_hue + conv.out_channels - 1) // hues)
        else:
            group = conv.group_of_output(o)
            members = conv.output_channels_of(conv.input_channels_of(o).start)
            colors[o] = channel_color(group, members.index(o), len(members))
    return colors


def input_colors(conv: AnySpec, theme: Theme) -> dict[int, str]:
    """The colour of every input channel: the input's blue, or its group's hue."""
    if conv.groups == 1:
        return dict.fromkeys(range(conv.in_channels), theme.input_fill)
    return {c: channel_color(conv.group_of_input(c)) for c in range(conv.in_channels)}


class Pillars(VMobject):
    """Four vertical lines joining the same corners on two planes of a stack.

    They show that a kernel (or an output cell) spans every plane of its
    group: a block, not a slice. They are one path, and they move by
    translation only.
    """

    def __init__(self, lower: np.ndarray, upper: np.ndarray, theme: Theme,
                 **kwargs: object) -> None:
        super().__init__(stroke_color=theme.stroke, stroke_width=theme.connector_stroke_width * 1.4,
                         **kwargs)
        for a, b in zip(lower, upper):
            self.start_new_path(np.asarray(a, dtype=float))
            self.add_line_to(np.asarray(b, dtype=float))


@dataclass
class ChannelLink:
    """One convolution between two stacks, with everything that moves in its steps.

    Attributes
    ----------
    conv
        The convolution drawn (a transposed conv is drawn as its direct conv).
    source, target
        The input stack and the output stack.
    windows
        ``{input channel: SliceWindow}`` on every drawn input plane: the
        filters' slices over the window.
    highlights
        ``{output channel: CellHighlight}`` on every drawn output plane: the
        cell each filter writes.
    source_pillars, target_pillars
        ``(upper, lower, Pillars)`` between neighbouring drawn planes of one
        group, at the window's and at the cell's corners.
    connectors
        ``{group: Connectors}`` from the window on the group's top drawn
        input plane to the cell on its top drawn output plane.
    """

    conv: AnySpec
    source: ChannelStack
    target: ChannelStack
    windows: dict[int, SliceWindow]
    highlights: dict[int, CellHighlight]
    source_pillars: list[tuple[int, int, Pillars]]
    target_pillars: list[tuple[int, int, Pillars]]
    connectors: dict[int, tuple[int, int, Connectors]]

    @classmethod
    def build(cls, conv: AnySpec, source: ChannelStack, target: ChannelStack, theme: Theme,
              *, mark_origin: bool = False) -> ChannelLink:
        """Windows, highlights, pillars and connectors at step 0.

        With ``mark_origin`` a dot marks, on every window, the tap that
        multiplies ``w_{00}`` (for a transposed conv: the rotated corner).
        """
        direct = conv.direct()
        origin = None
        if mark_origin:
            taps = direct.tap_weight()
            origin = tuple(int(v) for v in np.argwhere((taps == 0).all(axis=-1))[0])
        windows = {c: SliceWindow(source.plane_of(c), direct, theme, mark=origin)
                   for c in source.channels}
        cell = conv.step_cell(0)
        highlights = {o: CellHighlight(target.plane_of(o), cell, theme) for o in target.channels}

        def pillars(channels: list[int], group: Callable[[int], int],
                    corners: Callable[[int], np.ndarray]) -> list[tuple[int, int, Pillars]]:
            return [
                (upper, lower, Pillars(corners(lower), corners(upper), theme))
                for upper, lower in itertools.pairwise(channels)
                if group(upper) == group(lower)
            ]

        source_pillars = pillars(source.channels, conv.group_of_input,
                                 lambda c: windows[c].footprint())
        target_pillars = pillars(target.channels, conv.group_of_output,
                                 lambda o: highlights[o].corners())
        connectors: dict[int, tuple[int, int, Connectors]] = {}
        for g in range(conv.groups):
            ins = [c for c in source.channels if conv.group_of_input(c) == g]
            outs = [o for o in target.channels if conv.group_of_output(o) == g]
            if ins and outs:
                connectors[g] = (ins[0], outs[0], Connectors(
                    windows[ins[0]].footprint(), highlights[outs[0]].corners(), theme))
        return cls(conv, source, target, windows, highlights, source_pillars, target_pillars,
                   connectors)

    # ------------------------------------------------------------ z-order
    def moving_below(self) -> list[Mobject]:
        """What moves under the output planes: windows, their pillars, the connectors."""
        return [*self.windows.values(), *(p for *_, p in self.source_pillars),
                *(c for *_, c in self.connectors.values())]

    def moving_above(self) -> list[Mobject]:
        """What moves on the output planes: the highlights and their pillars."""
        return [*self.highlights.values(), *(p for *_, p in self.target_pillars)]

    def moving(self) -> list[Mobject]:
        """Every mobject the steps move, bottom to top."""
        return [*self.moving_below(), *self.moving_above()]

    # -------------------------------------------------------------- steps
    def reads(self, out_channel: int) -> list[int]:
        """The drawn input channels output channel ``out_channel`` sums over."""
        return [c for c in self.conv.input_channels_of(out_channel) if c in self.windows]

    def _ends(self, group: int, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The corners the group's connectors join, now or at ``step``."""
        top_in, top_out, _ = self.connectors[group]
        cell = None if step is None else self.conv.step_cell(step)
        return self.windows[top_in].footprint(step), self.highlights[top_out].corners(cell)

    def set_step(self, step: int) -> None:
        """Show ``step`` at once."""
        cell = self.conv.step_cell(step)
        if self.windows:
            offset = next(iter(self.windows.values())).offset_to(step)
            for *_, p in self.source_pillars:
                p.shift(offset)
        for window in self.windows.values():
            window.move_to_step(step)
        if self.highlights:
            offset = next(iter(self.highlights.values())).offset_to(cell)
            for *_, p in self.target_pillars:
                p.shift(offset)
        for highlight in self.highlights.values():
            highlight.move_to_cell(cell)
        for g, (*_, conn) in self.connectors.items():
            conn.put_at(*self._ends(g))

    def animations(self, step: int) -> list[Animation]:
        """Glide every window, highlight and pillar to ``step``; the connectors follow."""
        cell = self.conv.step_cell(step)
        anims: list[Animation] = []
        if self.windows:
            offset = next(iter(self.windows.values())).offset_to(step)
            anims += [Translate(p, offset) for *_, p in self.source_pillars]
        anims += [window.animate_to_step(step) for window in self.windows.values()]
        if self.highlights:
            offset = next(iter(self.highlights.values())).offset_to(cell)
            anims += [Translate(p, offset) for *_, p in self.target_pillars]
        anims += [h.animate_to_cell(cell) for h in self.highlights.values()]
        anims += [conn.animate_to(*self._ends(g, step))
                  for g, (*_, conn) in self.connectors.items()]
        return anims


@dataclass
class ChannelView:
    """The channel view's parts: stacks left to right, the convs between them, banks, panel.

    Attributes
    ----------
    stacks
        The tensors, left to right.
    links
        ``links[i]`` is the conv from ``stacks[i]`` to ``stacks[i + 1]``.
    labels
        One label per stack, naming the tensor and its shape.
    banks
        The filter banks, each with its label.
    panel
        The side panel.
    formula
        The intro's formula, if any.
    layout
        Where the stacks' planes lie.
    active
        The link whose windows are shown and move.
    """

    stacks: list[ChannelStack]
    links: list[ChannelLink]
    labels: list[Mobject]
    banks: list[VGroup]
    panel: VGroup
    formula: Mobject | None
    layout: StackLayout
    active: int = 0

    def still(self) -> list[Mobject]:
        """The panel, the labels and the banks: no step changes them."""
        return [self.panel, *self.labels, *self.banks]

    def sheets(self) -> list[Mobject]:
        """Every plane and elision marker."""
        out: list[Mobject] = []
        for stack in self.stacks:
            out += [stack.sheet(c) for c in stack.bottom_up()]
            if stack.marker is not None:
                out.append(stack.marker)
        return out

    def zorder(self, active: int | None = None) -> list[Mobject]:
        """The planes below the active link's output, its moving parts, its output planes.

        The planes of a stack never overlap on screen, so a window drawn
        above every plane looks as it would lying on its own; and the planes
        under every moving part stay in the frozen background while the
        windows glide. Only the output planes come later: the connectors
        run under them, up to the cells from below, as in the
        single-channel view.
        """
        link = self.links[self.active if active is None else active]
        target = [m for m in self.sheets() if m in self._stack_parts(link.target)]
        below = [m for m in self.sheets() if m not in target]
        return [*below, *link.moving_below(), *target, *link.moving_above()]

    @staticmethod
    def _stack_parts(stack: ChannelStack) -> list[Mobject]:
        parts: list[Mobject] = list(stack.sheets.values())
        return parts if stack.marker is None else [*parts, stack.marker]


def _channel_caption(conv: AnySpec, caption: str) -> str:
    """``caption`` (a window's, ending in a full stop) with what the filters do there."""
    c_out, (n_in, _) = conv.out_channels, conv.channels_per_group
    shape = "×".join(str(n) for n in (n_in, *shown_size(conv, conv.kernel_size)))
    if n_in == 1:
        who = "on the input channel" if conv.groups == 1 else "on its own input channel"
    elif conv.groups == 1:
        who = "on both input channels" if n_in == 2 else f"on all {n_in} input channels"
    else:
        who = f"on the {n_in} input channels of its group"
    filters = f"each of the {c_out} filters" if c_out > 1 else "the filter"
    return (f"{caption[:-1]}: {filters} ({shape}) reads this window {who} and "
            f"writes that cell of its own output channel.")


def _drop_step_prefix(caption: str) -> str:
    """A caption without its leading ``Step i of n: ``."""
    head, sep, rest = caption.partition(": ")
    return rest if sep and head.startswith("Step ") else caption


class ArithmeticScene(ConvScene):
    """The slanted view of a convolution or a transposed convolution.

    Set :attr:`spec` to a :class:`~convmanim.ConvSpec` for a convolution, or
    to ``ConvSpec(...).transposed()`` for its transposed convolution.

    Attributes
    ----------
    show_weights
        Write ``w_{ab}`` small in the kernel's cells. ``None`` (the default)
        shows them for transposed convs only, where they show the 180°
        rotation, and only when they are at least :data:`MIN_WEIGHT_PIXELS`
        high at the render's resolution (1080p and up for small grids).

    Examples
    --------
    .. manim:: StridedPaddedConv
        :save_last_frame:

        from convmanim import ArithmeticScene, ConvSpec

        class StridedPaddedConv(ArithmeticScene):
            spec = ConvSpec(5, 3, stride=2, padding=1)
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    show_weights: ClassVar[bool | None] = None

    # ---------------------------------------------------------------- build
    def build_parts(self) -> ArithmeticParts | ChannelView:
        """Lay out the planes (stacks of them with channels), the kernel, labels, panel.

        Raises
        ------
        SpecError
            For a spec beyond :func:`~convmanim.limits.check_render_size`'s
            limits, or whose channel planes cannot be drawn thick enough at
            this resolution.
        """
        check_render_size(self.spec, "arithmetic")
        if self.spec.has_channels:
            return self._build_channel_view()
        return self._build_plane_parts()

    def _build_plane_parts(self) -> ArithmeticParts:
        """The single-channel view: one input plane, one output plane."""
        theme = self.get_theme()
        spec = self.spec
        direct = spec.direct()
        grid_h, grid_w = direct.grid_size
        oh, ow = spec.output_size

        panel = self._build_panel()
        fw, fh = config.frame_width, config.frame_height
        panel.to_edge(RIGHT, buff=MARGIN)
        region_left = -fw / 2 + MARGIN
        region_right = panel.get_left()[0] - PANEL_GAP
        region_top, region_bottom = fh / 2 - MARGIN, -fh / 2 + MARGIN

        in_label = self.text(rf"input ${_shape(spec.input_size, spec)}$", font_size=30)
        out_label = self.text(rf"output ${_shape(spec.output_size, spec)}$", font_size=30)

        # Lay both planes out at one unit per cell, then scale to fit.
        in_plane = PlaneMap.slanted(1.0)
        lo, hi = in_plane.bounds(grid_h, grid_w)
        out_unit = PlaneMap.slanted(1.0)
        olo, ohi = out_unit.bounds(oh, ow)
        centre_x = (lo[0] + hi[0]) / 2
        out_plane = out_unit.shifted(
            np.array([centre_x - (olo[0] + ohi[0]) / 2, hi[1] + PLANE_GAP - olo[1], 0.0])
        )
        olo, ohi = out_plane.bounds(oh, ow)
        left = min(lo[0], olo[0])
        label_room = max(in_label.width, out_label.width) + 0.25
        right_in = hi[0]
        right_out = ohi[0]
        width_avail = region_right - region_left
        height_avail = region_top - region_bottom
        # Fit: the planes scale, the labels (beside the rightmost corners) do not.
        scale = min(
            (width_avail - label_room) / (max(right_in, right_out) - left),
            height_avail / (ohi[1] - lo[1]),
        )
        scale = min(scale, 1.1)
        in_plane = in_plane.scaled(scale)
        out_plane = out_plane.scaled(scale)
        lo, hi = in_plane.bounds(grid_h, grid_w)
        olo, ohi = out_plane.bounds(oh, ow)
        total_left = min(lo[0], olo[0])
        total_right = max(hi[0], ohi[0]) + label_room
        dx = (region_left + region_right) / 2 - (total_left + total_right) / 2
        dy = (region_top + region_bottom) / 2 - (lo[1] + ohi[1]) / 2
        in_plane = in_plane.shifted(np.array([dx, dy, 0.0]))
        out_plane = out_plane.shifted(np.array([dx, dy, 0.0]))

        input_grid = CellGrid(
            in_plane, direct.grid_size,
            filled=direct.input_mask(),
            fill_color=theme.input_fill,
            theme=theme,
        )
        output_grid = CellGrid(out_plane, (oh, ow), fill_color=theme.output_fill, theme=theme)
        show_weights = spec.is_transposed if self.show_weights is None else self.show_weights
        weights = None
        if show_weights:
            tap = direct.tap_weight()
            kh, kw = direct.kernel_size
            weights = [
                [
                    math_label("w_{" + "".join(
                        str(i) for i in shown_index(spec, tap[a, b])) + "}", color=theme.text)
                    for b in range(kw)
                ]
                for a in range(kh)
            ]
        # each weight in a box of the background's colour, the weight as high as it was bare
        boxed = 1 + 2 * WEIGHT_PAD
        kernel = KernelWindow(in_plane, direct, theme, weight_labels=weights,
                              weight_height=0.26 * boxed, weight_width=0.5 * boxed,
                              mark=direct.kernel_rotated)
        # shown by default only where they can be read
        if (self.show_weights is None and len(kernel.weights)
                and min(_glyph_pixels(w, in_plane) for w in kernel.weights) < MIN_WEIGHT_PIXELS):
            kernel.drop_weights()
        highlight = CellHighlight(out_plane, spec.step_cell(0), theme)
        connectors = Connectors(kernel.footprint(), highlight.corners(), theme)

        in_label.next_to(in_plane.point(grid_h, grid_w), RIGHT, buff=0.2)
        out_label.next_to(out_plane.point(oh, ow), RIGHT, buff=0.2).shift(0.15 * UP)

        formula = None
        if self.intro:
            formula = output_size_formula(spec, color=theme.text, font_size=30)
        return ArithmeticParts(
            input_grid=input_grid,
            kernel=kernel,
            connectors=connectors,
            output_grid=output_grid,
            highlight=highlight,
            input_label=in_label,
            output_label=out_label,
            panel=panel,
            formula=formula,
        )

    # ------------------------------------------------------- channel view
    def _build_channel_view(self) -> ChannelView:
        """A conv with channels: the input stack, the output stack, the filters."""
        spec = self.spec
        panel = self._build_panel(self._channel_lines())
        return self._channel_view(
            [spec], panel,
            names=[rf"input ${_shape(spec.input_shape, spec)}$",
                   rf"output ${_shape(spec.output_shape, spec)}$"],
            bank_names=[rf"filters ${_shape(filters_shape(spec), spec)}$"],
            first_hues=[0 if spec.groups > 1 else 1],
        )

    def _channel_lines(self) -> list[str]:
        """The panel's lines about channels."""
        spec = self.spec
        prime = "'" if spec.is_transposed else ""
        if spec.is_depthwise:
            lines = [rf"\text{{depthwise: groups}} = C_{{in}}{prime} = C_{{out}}{prime}"
                     rf" = {spec.groups}"]
        else:
            line = (rf"C_{{in}}{prime} = {spec.in_channels},\;\; "
                    rf"C_{{out}}{prime} = {spec.out_channels}")
            if spec.groups > 1:
                line += rf",\;\; \text{{groups}} = {spec.groups}"
            lines = [line]
        if spec.is_transposed:
            lines.append(rf"\bullet\ \text{{marks }} {_first_weight(spec)} \text{{ of each slice}}")
        return lines

    def _channel_view(
        self,
        convs: list[AnySpec],
        panel: VGroup,
        *,
        names: list[str],
        bank_names: list[str],
        first_hues: list[int],
    ) -> ChannelView:
        """Lay out ``len(convs) + 1`` stacks, the convs between them and their filter banks.

        ``convs[i]`` maps stack ``i`` to stack ``i + 1``; ``names`` label the
        stacks and ``bank_names`` the banks (one per conv).
        """
        if self.show_weights:
            raise SpecError("show_weights writes w_ab in the single-channel view; with channels "
                            "a dot marks each slice's w_00")
        theme = self.get_theme()
        fw, fh = config.frame_width, config.frame_height
        ppu = config.pixel_height / fh
        panel.to_edge(RIGHT, buff=MARGIN)
        labels = [self.text(name, font_size=28) for name in names]
        label_band = max(label.height for label in labels) + 0.25
        region = (-fw / 2 + MARGIN, panel.get_left()[0] - PANEL_GAP,
                  -fh / 2 + MARGIN, fh / 2 - MARGIN - label_band)

        # every stack: its grid, its channel count, its mask, who groups it
        grids = [convs[0].direct().grid_size] + [conv.output_size for conv in convs]
        counts = [convs[0].in_channels] + [conv.out_channels for conv in convs]
        masks = [convs[0].direct().input_mask()] + [None] * len(convs)
        groupings: list[Callable[[int], int]] = [c.group_of_input for c in convs]
        groupings.append(convs[-1].group_of_output)
        keeps = [MAX_DRAWN_CHANNELS] * len(grids)
        while True:
            plans = [StackPlan.of(g, elided_slots(n, k), grouping)
                     for g, n, k, grouping in zip(grids, counts, keeps, groupings)]
            layout = layout_stacks(plans, region, STACK_GAP, top_aligned=True)
            thin = layout.thickness_pixels(ppu)
            if thin >= MIN_CELL_PIXELS:
                break
            shrinkable = [i for i, p in enumerate(plans) if p.planes > 2]
            if not shrinkable:
                raise SpecError(
                    f"{self.spec.describe()}: at {config.pixel_width}x{config.pixel_height} "
                    f"the channel planes would be {thin:.1f} px thin (at least "
                    f"{MIN_CELL_PIXELS}); render at a higher quality or use a smaller input"
                )
            i = max(shrinkable, key=lambda i: plans[i].planes)
            keeps[i] = plans[i].planes - 2

        colors: list[dict[int, str]] = [input_colors(convs[0], theme)]
        colors += [filter_colors(conv, hue) for conv, hue in zip(convs, first_hues)]
        stacks = []
        for i, plan in enumerate(plans):
            marker = None
            if layout.markers[i] is not None:
                hidden = counts[i] - plan.planes
                marker = ElisionMarker(layout.markers[i], self.text(f"{hidden} more",
                                                                      font_size=22), theme)
            stacks.append(ChannelStack(layout.planes[i], grids[i], colors[i], theme,
                                       filled=masks[i], marker=marker))
        links = [
            ChannelLink.build(conv, stacks[i], stacks[i + 1], theme,
                              mark_origin=conv.is_transposed)
            for i, conv in enumerate(convs)
        ]
        for label, box in zip(labels, layout.boxes):
            label.move_to(np.array([(box[0] + box[1]) / 2, box[3] + 0.15 + label.height / 2, 0]))
        _spread(labels, region[0], region[1])

        formula = None
        bank_top = panel.get_bottom()[1] - 0.45
        if self.intro:
            formula = output_size_formula(self.spec, color=theme.text, font_size=30)
            width = fw / 2 - MARGIN - panel.get_left()[0]
            if formula.width > width:
                formula.scale_to_fit_width(width)
            room = bank_top - (-fh / 2 + MARGIN) - BANK_MIN_HEIGHT * len(convs)
            if formula.height + 0.5 <= room:
                bank_top -= formula.height + 0.5
            else:
                # the filters need the room: the formula is shown by the intro, then fades
                self.keep_formula = False
        banks = self._banks(convs, colors[1:], bank_names, layout,
                            (panel.get_left()[0], fw / 2 - MARGIN, -fh / 2 + MARGIN, bank_top))
        return ChannelView(stacks, links, labels, banks, panel, formula, layout)

    def _banks(self, convs: list[AnySpec], colors: list[dict[int, str]], names: list[str],
               main: StackLayout, region: tuple[float, float, float, float]) -> list[VGroup]:
        """One filter bank per conv, one above the other in ``region``."""
        theme = self.get_theme()
        left, right, bottom, top = region
        share = (top - bottom) / len(convs)
        banks = []
        for k, (conv, color, name) in enumerate(zip(convs, colors, names)):
            label = self.text(name, font_size=26)
            y_top = top - k * share
            label.move_to(np.array([left + label.width / 2, y_top - label.height / 2, 0]))
            if label.width > right - left:
                label.scale_to_fit_width(right - left).align_to(np.array([left, 0, 0]), LEFT)
            filters = elided_slots(conv.out_channels)
            n_in = conv.channels_per_group[0]
            plans = [None if f is None else StackPlan.of(conv.kernel_size, elided_slots(n_in))
                     for f in filters]
            box = (left, right, y_top - share + 0.1, label.get_bottom()[1] - 0.25)
            layout = layout_stacks(plans, box, BANK_GAP, max_unit=main.unit, top_aligned=True)
            markers: list[Mobject] = []
            drawn = [f for f in filters if f is not None]
            for centre in layout.markers:
                if centre is not None:
                    markers.append(ElisionMarker(centre, None, theme, height=0.3))
            if None in filters:
                gap_at = filters.index(None)
                x = layout.boxes[gap_at - 1][1] + BANK_GAP + 0.3
                y = (layout.boxes[0][2] + layout.boxes[0][3]) / 2
                markers.append(ElisionMarker(
                    np.array([x, y, 0.0]),
                    self.text(f"{conv.out_channels - len(drawn)} more", font_size=20),
                    theme, height=0.3, vertical=False))
            bank = FilterBank(layout, filters, conv.kernel_size, color, theme,
                              markers=markers,
                              origin_tap=(0, 0) if conv.is_transposed else None)
            banks.append(VGroup(label, bank))
        return banks

    def _panel_title(self) -> str:
        """The side panel's title."""
        if self.spec.is_transposed:
            return r"\textbf{Transposed convolution}"
        return r"\textbf{Convolution}"

    def _build_panel(self, extra: list[str] | None = None) -> VGroup:
        spec = self.spec
        title = self.text(self._panel_title(), font_size=38)
        lines: list[Mobject] = [title]
        if extra is None:
            lines += [self.text(t, font_size=28, math=True) for t in spec_summary(spec)]
            if spec.direct().kernel_rotated:
                # the rotation, as the kernel's orientation mark shows it at any size
                arrow = self.text(r"\longrightarrow", font_size=28, math=True)
                key = self.text(rf"\text{{: the mark is at }} {_first_weight(spec)}",
                                font_size=28, math=True)
                rows = 1 if sequence_of(spec) is not None else 3  # a 1-D kernel: reversed
                legend = rotation_legend(self.get_theme(), 0.6, arrow, rows)
                lines.append(VGroup(legend, key).arrange(RIGHT, buff=0.2))
        else:
            # the channel view needs the width for its stacks: long lines break in two
            widest = PANEL_MAX_WIDTH * config.frame_width
            for tex in spec_summary(spec) + extra:
                line = self.text(tex, font_size=28, math=True)
                parts = tex.split(_SEPARATOR)
                if line.width > widest and len(parts) > 1:
                    half = (len(parts) + 1) // 2
                    lines += [self.text(_SEPARATOR.join(parts[:half]) + ",", font_size=28,
                                        math=True),
                              self.text(_SEPARATOR.join(parts[half:]), font_size=28, math=True)]
                else:
                    lines.append(line)
            for line in lines:
                if line.width > widest:
                    line.scale_to_fit_width(widest)
        panel = VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        panel.to_edge(UP, buff=MARGIN + 0.2)
        return panel

    def place_formula(self, formula: Mobject) -> None:
        """Under the side panel, scaled to the panel's width."""
        panel = self.parts.panel
        width = config.frame_width / 2 - MARGIN - panel.get_left()[0]
        if formula.width > width:
            formula.scale_to_fit_width(width)
        formula.next_to(panel, DOWN, aligned_edge=LEFT, buff=0.5)

    # ---------------------------------------------------------------- steps
    def add_parts(self) -> None:
        """Input plane, kernel, connectors, output plane, highlight: bottom to top."""
        p = self.parts
        if isinstance(p, ChannelView):
            self.add(*p.still(), *p.zorder())
            return
        self.add(p.panel, p.input_label, p.output_label, p.input_grid)
        self.add(p.kernel, p.connectors, p.output_grid, p.highlight)

    def still_parts(self) -> list[Mobject]:
        """The panel, the grid labels and the input plane: no step changes them."""
        p = self.parts
        if isinstance(p, ChannelView):
            return [*p.still(), *p.sheets()]
        return [p.panel, p.input_label, p.output_label, p.input_grid]

    def set_step(self, step: int) -> None:
        """Put the kernel, highlight and connectors on ``step`` at once."""
        p = self.parts
        if isinstance(p, ChannelView):
            p.links[p.active].set_step(step)
            return
        p.kernel.move_to_step(step)
        p.highlight.move_to_cell(self.spec.step_cell(step))
        p.connectors.put_at(p.kernel.footprint(), p.highlight.corners())

    def step_animations(self, step: int) -> list[Animation]:
        """Glide the kernel and the highlight; the connectors follow exactly."""
        p = self.parts
        if isinstance(p, ChannelView):
            return p.links[p.active].animations(step)
        cell = self.spec.step_cell(step)
        anims = [p.kernel.animate_to_step(step), p.highlight.animate_to_cell(cell)]
        anims.append(p.connectors.animate_to(p.kernel.footprint(step), p.highlight.corners(cell)))
        return anims

    def intro_formula(self) -> Mobject | None:
        """The output-size formula with the numbers put in."""
        return self.parts.formula

    @classmethod
    def step_captions(cls) -> list[str]:
        """Where the kernel lies at each step; with channels, which filters read it and write.

        The one caption of a step (see :meth:`ConvScene.step_captions`): its
        speaker note and its subtitle.
        """
        captions = [window_caption(cls.spec, e) for e in range(cls.num_steps())]
        if not cls.spec.has_channels:
            return captions
        return [_channel_caption(cls.spec, caption) for caption in captions]


class DepthwiseSeparableScene(ArithmeticScene):
    """A depthwise-separable conv: a depthwise ``k×k`` conv, then a pointwise ``1×1`` conv.

    :attr:`spec` is the ordinary conv it replaces (``groups = 1``). The scene
    draws three tensors left to right: the input, the depthwise conv's output
    (one filter per channel, each a single ``k×k`` slice on its own
    channel), and the pointwise conv's output (``1×1`` filters that mix the
    channels into ``C_out``). The steps play the depthwise conv over its
    ``o_h·o_w`` positions, then the pointwise conv over the same number; the
    side panel compares the multiplications with the ordinary conv's.

    Examples
    --------
    .. manim:: SeparableThreeToFour
        :save_last_frame:

        from convmanim import ConvSpec, DepthwiseSeparableScene

        class SeparableThreeToFour(DepthwiseSeparableScene):
            spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4)
            still_step = 30
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4)
    separable: ClassVar[bool] = True
    """Marks the scene as a depthwise-separable one (for lecture summaries)."""

    @classmethod
    def stages(cls) -> tuple[ConvSpec, ConvSpec]:
        """``(depthwise, pointwise)``: the two convs the scene plays.

        Raises
        ------
        SpecError
            For a transposed conv, or a conv with ``groups`` other than 1.
        """
        spec = cls.spec
        if spec.is_transposed:
            raise SpecError("a depthwise-separable conv is drawn for a forward conv: drop -t")
        return spec.depthwise_separable()  # type: ignore[union-attr]

    @classmethod
    def num_steps(cls) -> int:
        """The depthwise conv's ``o_h·o_w`` steps, then the pointwise conv's as many."""
        return 2 * cls.spec.num_steps

    @classmethod
    def step_captions(cls) -> list[str]:
        """Which phase each step is in, and what its filters do."""
        total, half = cls.num_steps(), cls.spec.num_steps
        out = []
        for step in range(total):
            link, local = (0, step) if step < half else (1, step - half)
            conv = cls.stages()[link]
            phase = "depthwise" if link == 0 else "pointwise"
            caption = _drop_step_prefix(_channel_caption(conv, window_caption(conv, local)))
            out.append(f"Step {step + 1} of {total}, {phase} phase: {caption}")
        return out

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """The pointwise conv's first steps are read slowly again."""
        return [0, cls.spec.num_steps]

    def build_parts(self) -> ChannelView:
        """Input, depthwise output and pointwise output side by side; both filter banks."""
        check_render_size(self.spec, "arithmetic", separable=True)
        depthwise, pointwise = self.stages()
        spec = self.spec
        panel = self._build_panel(self._separable_lines(depthwise, pointwise))
        return self._channel_view(
            [depthwise, pointwise], panel,
            names=[rf"input ${_shape(spec.input_shape, spec)}$",
                   rf"depthwise ${_shape(depthwise.output_shape, spec)}$",
                   rf"pointwise ${_shape(pointwise.output_shape, spec)}$"],
            bank_names=[rf"depthwise filters ${_shape(depthwise.weight_shape, spec)}$",
                        rf"pointwise filters ${_shape(pointwise.weight_shape, spec)}$"],
            first_hues=[0, spec.in_channels],
        )

    def _panel_title(self) -> str:
        return r"\textbf{Depthwise-separable conv}"

    def _separable_lines(self, depthwise: ConvSpec, pointwise: ConvSpec) -> list[str]:
        """The steps, and the multiplications of both ways, with the spec's numbers."""
        spec = self.spec
        k = shown_size(spec, spec.kernel_size)  # (k,) in 1-D, (k_h, k_w) in 2-D
        o = shown_size(spec, spec.output_size)
        c_in, c_out = spec.in_channels, spec.out_channels
        plain, dw, pw = spec.multiplies, depthwise.multiplies, pointwise.multiplies  # type: ignore[union-attr]
        ratio = plain / (dw + pw)

        def dot(*ns: int) -> str:
            return r"\cdot ".join(str(n) for n in ns)

        size, one = r"\times ".join(map(str, k)), r"\times ".join("1" for _ in k)
        if len(k) == 1:  # 1-D: the kernel's length
            size, one = f"k = {size}", f"k = {one}"
        return [
            rf"1.\ \text{{depthwise }} {size}:\ \text{{groups}} = C_{{in}} = {c_in}",
            rf"2.\ \text{{pointwise }} {one}:\ {c_in} \to C_{{out}} = {c_out}",
            r"\text{multiplies:}",
            rf"\text{{conv: }} {dot(c_out, c_in, *k, *o)} = {plain}",
            rf"\text{{separable: }} {dot(c_in, *k, *o)} + {dot(c_in, c_out, *o)}",
            rf"= {dw} + {pw} = {dw + pw}\ \ (\approx {ratio:.1f}\times\ \text{{fewer}})"
            if ratio >= 1 else
            rf"= {dw} + {pw} = {dw + pw}\ \ (\approx {1 / ratio:.1f}\times\ \text{{more}})",
        ]

    # ---------------------------------------------------------------- steps
    def _phase(self, step: int) -> tuple[int, int]:
        """``(link, step within it)`` of scene step ``step``."""
        n = self.spec.num_steps
        return (0, step) if step < n else (1, step - n)

    def set_step(self, step: int) -> None:
        """Show ``step`` of the phase it falls in, with that phase's windows only."""
        link, local = self._phase(step)
        view: ChannelView = self.parts
        if view.active != link:
            self._switch_to(link)
        view.links[link].set_step(local)

    def _switch_to(self, link: int) -> None:
        """Swap the shown link's moving parts for another's, in z-order."""
        view: ChannelView = self.parts
        for mob in view.links[view.active].moving():
            self.remove(mob)
        self._activate(link)

    def _activate(self, link: int) -> None:
        """Make ``link`` the one shown: the scene's mobjects in its z-order.

        The planes under its moving parts change (the depthwise output lies
        under the pointwise windows), so what was frozen is thawed and the
        new bottom run frozen again. Mobjects outside the view (the old
        link's parts while they fade) stay on top.
        """
        view: ChannelView = self.parts
        frozen = bool(getattr(self, "_frozen", None))
        if frozen:
            self.thaw_still_parts()
        view.active = link
        order = [*view.still(), *view.zorder()]
        extra = [m for m in self.mobjects if all(m is not o for o in order)]
        self.mobjects = [*order, *extra]
        if frozen:
            self.freeze_still_parts()

    def step_animations(self, step: int) -> list[Animation]:
        """Glide the windows; at the first pointwise step, fade the depthwise ones out.

        The pointwise windows are placed, and the scene's order changed, when
        the fade begins.
        """
        link, local = self._phase(step)
        view: ChannelView = self.parts
        if link == view.active:
            return view.links[link].animations(local)
        old = view.links[view.active].moving()
        new = view.links[link]

        def switch() -> None:
            new.set_step(local)
            self._activate(link)

        return [OnBegin(switch), *(Fade(m, fade_in=False) for m in old),
                *(Fade(m, fade_in=True) for m in new.moving())]
