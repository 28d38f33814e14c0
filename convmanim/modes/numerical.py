"""Numerical mode: the numbers under the kernel, one step at a time.

Convolution and pooling (the *gather* view): the input (blue, with its padding
dashed and holding ``0``) and the output (cyan) lie side by side, with a number
in every cell. The kernel window glides over the input with its weights small
in the corner of each tap; the window's arithmetic appears as a caption below,
such as ``3·0 + 3·1 + 2·2 + … = 17``, and the result then flies from the
caption into its output cell, which stays empty until that moment.

Transposed convolution (the *scatter* view): each step takes one cell of the
transposed conv's input, in row-major order, and adds its value times the
kernel into a window of the output canvas, which moves ``s`` cells per input
cell. The canvas is larger than the output: the ``p`` rows and columns that
the output crops away are drawn as a dashed ring, so that the products that
land there are seen to be discarded, while those that land in the output add
up in its cells.

Channels: each channel is its own grid, and a step computes one output value,
output channel by output channel (for the scatter view, one input value,
input channel by input channel). The filter's slices lie over the channels of
its group, the others veiled; each channel's window sum is written under its
grid, and the caption adds them with the bias, ``Σ_c (window_c · w_{o,c}) +
b_o``. Pooling takes each channel on its own. A transposed conv's outputs
start at their bias.

Every number is computed up front, in :mod:`convmanim.modes.numerical_data`,
from the geometry core, before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import (
    DEFAULT_FONT_SIZE,
    DOWN,
    RIGHT,
    UP,
    Animation,
    Mobject,
    VGroup,
    config,
    smooth,
    squish_rate_func,
)

from ..captions import gather_caption, scatter_caption
from ..geometry import (
    AnySpec,
    ConvSpec,
    DirectConv,
    Pair,
    SpecError,
    TransposedConvSpec,
    num_inputs,
    scatter_cells,
    sequence_of,
    shown_size,
)
from ..labels import LabelMaker, math_label
from ..mobjects.flight import Fade, Recolor, Relocate, ghost
from ..mobjects.grid import CellGrid, ShadedLabels, cell_polygon, place_in_cell
from ..mobjects.kernel import WEIGHT_PAD, CellHighlight, KernelWindow
from ..mobjects.motion import OnBegin
from ..mobjects.overlap import BADGE_PAD, OverlapOverlay
from ..mobjects.plane import PlaneMap
from ..theme import MIN_LABEL_PX as LEAST_PX
from ..theme import blend, contrast_ratio, readable_on
from ..upsample import overlap_steps
from ..values import as_values, format_value
from .base import ConvScene
from .formulas import output_size_formula, spec_summary
from .numerical_data import (
    MODES,
    GatherNumbers,
    ScatterNumbers,
    channel_caption_tex,
    default_bias,
    default_values,
    gather_numbers,
    overlap_note_tex,
    relation,
    scatter_caption_tex,
    scatter_numbers,
    step_caption_tex,
)

__all__ = [
    "MODES",
    "GatherNumbers",
    "NumericalParts",
    "NumericalScene",
    "ScatterNumbers",
    "default_values",
    "gather_numbers",
    "scatter_numbers",
]

TITLES = {"convolution": "Convolution", "average": "Average pooling", "max": "Max pooling"}

MARGIN = 0.3
HEADER_GAP = 0.3
LABEL_GAP = 0.12
CAPTION_GAP = 0.35
CAPTION_MAX_HEIGHT = 1.2
GRID_GAP_CELLS = 1.0
GRID_GAP_MIN = 0.6
MAX_CELL = 1.0
NUMBER_HEIGHT = 0.42
"""Height of a number in its cell, as a fraction of the cell."""
NUMBER_WIDTH = 0.76
"""Widest a number may be, as a fraction of the cell."""
INFINITY_HEIGHT = 0.28
"""Height of the minus infinity written in max pooling's padding."""
WEIGHTED_NUMBER_WIDTH = 0.78
"""Widest a number may be where a weight may sit in its cell (it then moves up, clear of the
weight's box in the bottom-right corner)."""
CELL_INSET = 0.06
"""Room between a weight's box (or a number) and its cell's edge, as a fraction of a cell."""
WEIGHT_HEIGHT = 0.32
"""A weight's box height, as a fraction of a cell."""
WEIGHT_WIDTH = 0.9
"""Widest a weight's box may be, as a fraction of a cell (the number sits above it)."""
WEIGHT_TO_VALUE = 0.8
"""Tallest a weight may be, as a fraction of the height of the grid's numbers."""
CAPTION_FONT = 34
CHANNEL_LABEL_FONT = 22
CHANNEL_LINE_GAP = 0.06
"""Between a channel's name and its bias, on the line under it."""
SUB_FONT = 24
"""A channel's sum, written under its grid."""
SUB_GAP = 0.12
CHANNEL_GAP_CELLS = 0.35
CHANNEL_GAP_MIN = 0.15
"""Gap between the grids of one tensor's channels: a fraction of a cell plus a constant."""
STACK_GAP = 0.3
VEIL_OPACITY = 0.75
"""How much of a channel the step does not read is hidden."""
MIN_NUMBER_PX = 10.0
"""Smallest a number may be, in pixels, when channels share the frame."""
MIN_LABEL_PX = 11.0
"""Smallest a channel's name or sum may be, in pixels."""


# ------------------------------------------------------------------ parts
@dataclass
class Flyer:
    """A product on its way from the caption to a tap of the canvas.

    Attributes
    ----------
    mob
        The number, built where it sits in the caption.
    target
        Screen centre of the tap's cell.
    factor
        Scale from its caption size to its size in the cell.
    kept
        Whether the tap lies in the output (it adds up) or on the cropped
        border (it is discarded).
    """

    mob: Mobject
    target: np.ndarray
    factor: float
    kept: bool


@dataclass
class NumericalParts:
    """The mobjects of a :class:`NumericalScene`.

    Attributes
    ----------
    header
        Title and summary at the top.
    input_grids, output_grids
        One grid per input channel and per output channel. For a transposed
        conv each output grid is the whole canvas: output cells filled,
        cropped cells dashed.
    input_label, output_label
        ``input 5×5`` and ``output 3×3`` (``input 3×5×5`` with channels)
        above the grids.
    channel_labels
        With channels, the name of each grid (input grids first), and an
        output channel's bias.
    kernels
        The kernel windows, keyed ``(filter, slot)``: filter ``o``'s slice
        over the ``slot``-th channel it reads (pooling: ``(c, 0)`` over
        channel ``c``; a transposed conv: ``(c, slot)``, input channel
        ``c``'s weights over the ``slot``-th output canvas it reaches).
    highlights
        The output cell being written, one per output grid (a transposed
        conv: the input cell being scattered, one per input grid).
    veils
        With channels, one per input grid: shown over the channels a step
        does not read (a transposed conv has none: its windows alone show
        which output channels a value reaches).
    captions
        The caption of each step (of the still's step only, for a still).
    channel_captions
        Per step that reads several channels, each channel's window times
        its weights, under its grid.
    results
        Gather: the number of each step's output cell, in its cell (up to
        the still's step, for a still).
    sums
        Scatter: ``sums[0]`` holds the start (``0``, or the bias) of every
        output cell, and ``sums[e + 1]`` the numbers that step ``e``
        changes, keyed by ``(channel, row, column)``.
    flyers
        Scatter: per step, the products that fly to the taps (none for a still).
    size_formula
        The output-size formula shown by the intro, if any.
    shaded
        One per input grid: its numbers under the kernel's shadow (or the
        scattered cell's highlight), drawn again above it in readable ink.
    """

    header: VGroup
    input_grids: list[CellGrid]
    output_grids: list[CellGrid]
    input_label: Mobject
    output_label: Mobject
    channel_labels: list[Mobject]
    kernels: dict[tuple[int, int], KernelWindow]
    highlights: list[CellHighlight]
    veils: list[Mobject]
    captions: dict[int, Mobject]
    channel_captions: dict[int, list[Mobject]]
    results: dict[int, Mobject]
    sums: list[dict[tuple[int, int, int], Mobject]]
    flyers: dict[int, list[Flyer]]
    size_formula: Mobject | None
    shaded: list[ShadedLabels]
    overlap: OverlapOverlay | None = None

    @property
    def input_grid(self) -> CellGrid:
        """The first input grid (the only one without channels)."""
        return self.input_grids[0]

    @property
    def output_grid(self) -> CellGrid:
        """The first output grid (the only one without channels)."""
        return self.output_grids[0]

    @property
    def kernel(self) -> KernelWindow:
        """The first kernel window (the only one without channels)."""
        return next(iter(self.kernels.values()))

    @property
    def highlight(self) -> CellHighlight:
        """The first highlight (the only one without channels)."""
        return self.highlights[0]


@dataclass(frozen=True)
class _Arrangement:
    """Where the grids go: the planes, the captions' centre height, the sub-captions' tops."""

    input_planes: list[PlaneMap]
    output_planes: list[PlaneMap]
    caption_y: float
    sub_y: float
    cell: float


# ------------------------------------------------------------------ scene
class NumericalScene(ConvScene):
    r"""The numbers under the kernel: input and output side by side.

    Set :attr:`spec` to a :class:`~convmanim.ConvSpec` and :attr:`mode` to
    ``"convolution"``, ``"average"`` or ``"max"``, or set :attr:`spec` to
    ``ConvSpec(...).transposed()`` for the scatter-add view of a transposed
    convolution (one step per cell of its input).

    With channels (``ConvSpec(..., in_channels=3, out_channels=2)``), each
    channel is its own grid, and a step computes one output value: output
    channel by output channel, row by row. The windows lie over the channels
    the filter reads (its group's), each showing its slice of the filter's
    weights; the others are veiled. Under each channel read its window's
    sum is written, and the caption adds them up with the bias:
    ``Σ_c (window_c · w_{o,c}) + b_o``. Pooling takes each channel on its own.

    Attributes
    ----------
    mode
        What the window computes. Average pooling counts the padding
        (PyTorch's ``count_include_pad=True``); in max pooling the padding
        never wins, and is written :math:`-\infty`.
    seed
        Seed of the default values (input 0–3, kernel 0–2, bias 0–2).
    input_values
        The input's values, ``(H, W)`` or ``(C_in, H, W)``; random integers
        when ``None``. For a transposed conv this is the transposed conv's
        input (``i'``).
    kernel_values
        The weights (convolution only): a ``(kh, kw)`` kernel, or the weight
        tensor in PyTorch's layout (``(C_out, C_in/groups, kh, kw)``; for a
        transposed conv the forward conv's, as ``nn.ConvTranspose2d``
        keeps it). Random integers when ``None``.
    bias_values
        The bias, ``(C_out,)`` (convolution only). ``None``: random integers
        when :attr:`bias` is on.
    bias
        Whether the scene has a bias: ``None`` (the default) has one when
        :attr:`bias_values` is set or the spec has channels.
    write
        Fraction of :attr:`step_time` spent writing: the caption appears and
        the result flies to its cell (for a transposed conv, the products fly
        to the canvas and add up). :attr:`glide` is the window's move, and
        what is left is a pause.
    overlap
        Transposed conv only (one channel): count the windows that write each
        output cell. Each cell shows its count in a round badge and a tint
        that deepens with it, both rising as the windows land
        (:func:`convmanim.upsample.overlap_steps`), and the header states the
        rule: the overlap is uneven, a checkerboard, when ``k`` is not
        divisible by ``s``.

    Examples
    --------
    .. manim:: MaxPoolingExample
        :save_last_frame:

        from convmanim import ConvSpec, NumericalScene

        class MaxPoolingExample(NumericalScene):
            spec = ConvSpec(6, 2, stride=2)
            mode = "max"

    .. manim:: RgbToTwoChannels
        :save_last_frame:

        from convmanim import ConvSpec, NumericalScene

        class RgbToTwoChannels(NumericalScene):
            spec = ConvSpec(4, 2, in_channels=3, out_channels=2)
            still_step = 5
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    mode: ClassVar[str] = "convolution"
    seed: ClassVar[int] = 0
    input_values: ClassVar[np.ndarray | None] = None
    kernel_values: ClassVar[np.ndarray | None] = None
    bias_values: ClassVar[np.ndarray | None] = None
    bias: ClassVar[bool | None] = None
    overlap: ClassVar[bool] = False
    settled_step_time: ClassVar[float] = 1.5
    keep_formula: ClassVar[bool] = False  # no room beside the grids: it fades out
    glide: ClassVar[float] = 0.35
    write: ClassVar[float] = 0.4

    parts: NumericalParts

    # ------------------------------------------------------------ settings
    @classmethod
    def _shape_spec(cls) -> AnySpec:
        """The spec whose channels the scene draws (pooling: each channel on its own)."""
        spec = cls.spec
        if isinstance(spec, ConvSpec) and cls.mode in ("average", "max"):
            return spec.pooling()
        return spec

    @classmethod
    def num_steps(cls) -> int:
        """One step per output value; for a transposed conv, one per input value."""
        spec = cls._shape_spec()
        if spec.is_transposed:
            return num_inputs(spec)
        return spec.num_outputs

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless the scene plays ``step``."""
        spec = cls._shape_spec()
        if not spec.has_channels:
            if isinstance(spec, TransposedConvSpec):
                spec.scatter_canvas().window_origin(step)
            else:
                spec.step_cell(step)
        elif spec.is_transposed:
            spec.input_index(step)
        else:
            spec.output_index(step)

    @classmethod
    def has_bias(cls) -> bool:
        """Whether the scene adds a bias (see :attr:`bias`)."""
        if cls.mode != "convolution":
            return False
        if cls.bias is None:
            return cls.bias_values is not None or cls.spec.has_channels
        return bool(cls.bias)

    @classmethod
    def values(cls) -> tuple[np.ndarray, np.ndarray]:
        """The input and kernel values the scene shows (the defaults, or the ones set).

        Plain ``(H, W)`` and ``(kh, kw)`` grids without channels; with
        channels ``(C_in, H, W)`` and the weight tensor in PyTorch's layout.

        Raises
        ------
        SpecError
            If the mode is unknown or does not apply to the spec, or a value
            grid has the wrong shape or is not finite.
        """
        spec = cls.spec
        if cls.mode not in MODES:
            raise SpecError(f"mode must be convolution, average or max, got {cls.mode!r}")
        if spec.is_transposed and cls.mode != "convolution":
            raise SpecError(f"a transposed conv has no {cls.mode} mode (use convolution)")
        if cls.overlap and not spec.is_transposed:
            raise SpecError("overlap counts the windows of a transposed conv's scatter: "
                            "use a transposed spec (-t)")
        if cls.overlap and spec.has_channels:
            raise SpecError("overlap counts are drawn for one channel: drop the channels")
        x, kernel = default_values(spec, cls.seed)
        role = " (the transposed conv's input i')" if spec.is_transposed else ""
        if cls.input_values is not None:
            x = as_values("input_values", cls.input_values, spec.input_shape, role=role,
                          plain=not spec.has_channels)
        if cls.kernel_values is not None:
            kernel = as_values("kernel_values", cls.kernel_values, spec.weight_shape,
                               plain=spec.weight_shape[:2] == (1, 1))
        return x, kernel

    @classmethod
    def bias_vector(cls) -> np.ndarray | None:
        """The bias the scene adds, ``(C_out,)``, or ``None`` (see :attr:`bias`)."""
        if cls.bias_values is not None and cls.mode != "convolution":
            raise SpecError(f"bias_values is for a convolution; {cls.mode} pooling has no bias")
        if not cls.has_bias():
            return None
        if cls.bias_values is None:
            return default_bias(cls.spec, cls.seed)
        return as_values("bias_values", cls.bias_values, cls.spec.bias_shape)

    @classmethod
    def step_frame_counts(cls, fps: float) -> list[int]:
        """Frames of each step at ``fps``: its seconds rounded, at least one."""
        return [max(1, round(seconds * fps)) for seconds in cls.step_durations()]

    @classmethod
    def step_captions(cls) -> list[str]:
        """Each step's arithmetic in plain words, with the scene's numbers.

        :func:`~convmanim.captions.gather_caption` for a convolution or
        pooling, :func:`~convmanim.captions.scatter_caption` for the scatter
        view of a transposed conv.
        """
        spec = cls.spec
        x, kernel = cls.values()
        bias = cls.bias_vector()
        total = cls.num_steps()
        channels = cls._shape_spec().has_channels
        if isinstance(spec, TransposedConvSpec):
            return [scatter_caption(spec, e, step.value, cell=step.cell,
                                    channel=step.in_channel if channels else None, total=total)
                    for e, step in enumerate(scatter_numbers(spec, x, kernel, bias).steps)]
        gathered = gather_numbers(spec, cls.mode, x, kernel, bias)  # type: ignore[arg-type]
        return [gather_caption(spec, e, cls.mode, step.values, step.real,  # type: ignore[arg-type]
                               step.weights, step.result, cell=step.cell,
                               channel=step.out_channel if channels else None,
                               bias=step.bias, total=total)
                for e, step in enumerate(gathered.steps)]

    # ---------------------------------------------------------------- build
    def build_parts(self) -> NumericalParts:
        """Compute every number, then build and lay out the grids, labels and captions."""
        self._labels: LabelMaker | None = None  # one maker per build: each pass starts afresh
        x, kernel = self.values()
        bias = self.bias_vector()
        if isinstance(self.spec, TransposedConvSpec):
            return self._build_scatter(scatter_numbers(self.spec, x, kernel, bias))
        return self._build_gather(gather_numbers(self.spec, self.mode, x, kernel, bias))

    def _shown_steps(self) -> range:
        """The steps whose captions are built: all of them, or a still's one."""
        if self.still_step is None:
            return range(self.num_steps())
        self.check_step(self.still_step)
        return range(self.still_step, self.still_step + 1)

    def _maker(self) -> LabelMaker:
        maker = self._labels
        if maker is None:
            maker = self._labels = LabelMaker(self.get_theme().cell_text)
        return maker

    def _tex(self, tex: str, color: str) -> Mobject:
        """A cell's number or weight: one shared typesetting per distinct label."""
        return self._maker().math(tex, font_size=DEFAULT_FONT_SIZE, color=color)

    def _number_scale(self, values: Iterable[float], plane: PlaneMap, *, weighted: bool) -> float:
        """One size for every number a grid ever shows: the largest at which its longest fits.

        Every number of the grid is drawn at ``DEFAULT_FONT_SIZE`` times the
        factor returned: a digit :data:`NUMBER_HEIGHT` of a cell high, unless
        the widest number would then be wider than its room (less where a
        weight may sit), in which case every number is as small as that one.
        The size of a number never encodes its value.
        """
        maker = self._maker()
        digit = maker.size("0", DEFAULT_FONT_SIZE)[1]
        texts = {format_value(v) for v in values}
        widest = max((maker.size(t, DEFAULT_FONT_SIZE)[0] for t in texts), default=0.0)
        limit = (WEIGHTED_NUMBER_WIDTH if weighted else NUMBER_WIDTH) * plane.cell_size
        factor = NUMBER_HEIGHT * plane.cell_size / max(digit, 1e-9)
        if widest * factor > limit:
            factor = limit / widest
        return factor

    def _digit_height(self, factor: float) -> float:
        """Height of a digit drawn at a grid's size ``factor``."""
        return self._maker().size("0", DEFAULT_FONT_SIZE)[1] * factor

    def _weight_height(self, plane: PlaneMap, value_height: float,
                       weights: np.ndarray | None = None) -> float | None:
        """Height of the weights sliding over a grid whose digits are ``value_height`` high.

        :data:`WEIGHT_HEIGHT` of a cell with its box, at most
        :data:`WEIGHT_TO_VALUE` of the grid's digits (a weight never looks
        larger than the value it multiplies), and never below the size
        rule's :data:`~convmanim.theme.MIN_LABEL_PX`. ``None`` when a weight
        that tall does not fit under the cell's number: the window then
        carries no weights, and the caption, which writes every product,
        shows them. ``weights``, when given, are the values the boxes will
        hold: the widest must fit :data:`WEIGHT_WIDTH` of a cell at that
        height, or the weights are left to the caption as well (a box
        narrowed below the size rule would be unreadable).
        """
        size = plane.cell_size
        least = LEAST_PX / (config.pixel_height / config.frame_height)
        height = WEIGHT_HEIGHT * size / (1 + 2 * WEIGHT_PAD)
        height = min(height, WEIGHT_TO_VALUE * value_height)
        height = max(height, least)
        room = size * (1 - 3 * CELL_INSET) - value_height
        if height * (1 + 2 * WEIGHT_PAD) > room:
            return None
        if weights is None or not weights.size:
            return height
        # Every weight is drawn at one font size, the tallest weight ``height``
        # high: the shortest must still be ``least`` high, and the widest box
        # must fit its corner.
        maker = self._maker()
        sizes = [maker.size(t, DEFAULT_FONT_SIZE)
                 for t in {format_value(v) for v in np.ravel(weights)}]
        tallest = max(h for _, h in sizes)
        shortest = max(min(h for _, h in sizes), 1e-9)
        font = max(height / tallest, least / shortest)
        font = min(font, WEIGHT_WIDTH * size / max(w + 2 * WEIGHT_PAD * h for w, h in sizes))
        if font * shortest < least * (1 - 1e-6):
            return None
        if font * tallest * (1 + 2 * WEIGHT_PAD) > room:
            return None
        return font * tallest

    def _number_shift(self, plane: PlaneMap, value_height: float,
                      weight_height: float | None) -> float:
        """Rows a number moves up in its cell, clear of a weight's box in the corner."""
        if weight_height is None:
            return 0.0
        size = plane.cell_size
        box = weight_height * (1 + 2 * WEIGHT_PAD) / size + CELL_INSET
        half = value_height / size / 2
        centre = min(0.5, 1.0 - box - CELL_INSET / 2 - half)  # from the cell's top
        return max(centre, CELL_INSET + half) - 0.5

    def _place_number(self, mob: Mobject, plane: PlaneMap, cell: tuple[int, int],
                      factor: float, shift: float = 0.0) -> Mobject:
        """Lay ``mob`` (at ``DEFAULT_FONT_SIZE``) into ``cell`` at the grid's one size.

        ``shift`` moves it down (up when negative) that many rows.
        """
        mob.scale(factor)
        place_in_cell(mob, plane, *cell, height=None, max_width=1e9)
        return mob.shift(plane.vector(shift, 0.0))

    def _number(self, value: float, plane: PlaneMap, cell: tuple[int, int], factor: float,
                shift: float = 0.0) -> Mobject:
        """A number laid into ``cell`` of ``plane``, at its grid's size ``factor``."""
        mob = self._tex(format_value(value), self.get_theme().cell_text)
        return self._place_number(mob, plane, cell, factor, shift)

    def _label_grid(
        self, grid: CellGrid, labels: dict[tuple[int, int], Mobject], factor: float,
        shift: float = 0.0,
    ) -> None:
        """Write ``labels`` into ``grid``'s cells, all at the grid's size ``factor``."""
        for mob in labels.values():
            mob.scale(factor)
        grid.set_labels(labels, height=None, max_width=1e9)
        for mob in labels.values():
            mob.shift(grid.plane.vector(shift, 0.0))

    def _grid_label(self, role: str, size: tuple[int, ...]) -> Mobject:
        shape = r"\times ".join(str(n) for n in size)
        return self.text(rf"{role} ${shape}$", font_size=28)

    def _tensor_labels(self, spec: AnySpec, transposed_canvas: bool = False) -> tuple[
            Mobject, Mobject]:
        """``input 3×5×5`` and ``output 2×3×3`` (``input 2×8`` and ``output 8`` in 1-D)."""
        channels: tuple[tuple[int, ...], tuple[int, ...]] = (
            (spec.in_channels,), (spec.out_channels,)) if spec.has_channels else ((), ())
        return (
            self._grid_label("input", (*channels[0], *shown_size(spec, spec.input_size))),
            self._grid_label("output", (*channels[1], *shown_size(spec, spec.output_size))),
        )

    def _channel_labels(self, spec: AnySpec, bias: np.ndarray | None) -> list[Mobject]:
        """Each grid's name (input grids, then output grids), with an output's bias."""
        if not spec.has_channels:
            return []
        color = self.get_theme().text

        def line(tex: str) -> Mobject:
            return _at_least(math_label(tex, font_size=CHANNEL_LABEL_FONT, color=color))

        labels = [line(rf"\text{{channel }} {c}") for c in range(spec.in_channels)]
        for o in range(spec.out_channels):
            name = line(rf"\text{{channel }} {o}")
            if bias is None:
                labels.append(name)
                continue
            # the bias on a line of its own: a real layer's bias has several digits,
            # and one line per output channel would not leave its grid room
            value = line(rf"b_{{{o}}} {relation(bias[o])} {format_value(bias[o])}")
            labels.append(VGroup(name, value).arrange(DOWN, buff=CHANNEL_LINE_GAP))
        return labels

    def _kernel(
        self, plane: PlaneMap, direct: DirectConv, weights: np.ndarray | None,
        weight_height: float | None = None,
    ) -> KernelWindow:
        """The kernel window, each weight (if any) in a box in its tap's corner.

        The box keeps a weight apart from the cell's own value, and every
        weight of a window has one size, ``weight_height`` (see
        :meth:`_weight_height`): a weight never looks larger than the value
        it multiplies.
        """
        labels = None
        if weight_height is None:
            weights = None  # too small to read here: the caption writes them
        if weights is not None:
            color = self.get_theme().text
            labels = [[self._tex(format_value(w), color) for w in row] for row in weights]
        boxed = (weight_height or 0.0) * (1 + 2 * WEIGHT_PAD) / plane.cell_size
        kernel = KernelWindow(plane, direct, self.get_theme(), weight_labels=labels,
                              weight_height=boxed, weight_width=WEIGHT_WIDTH)
        if weights is not None and len(kernel.weights):
            # one font size: that of the weight the corner narrowed most
            maker = self._maker()
            scales = [w.height / maker.size(w.get_tex_string(), DEFAULT_FONT_SIZE)[1]
                      for w in kernel.weights]
            smallest = min(scales)
            for w, box, scale in zip(kernel.weights, kernel.boxes, scales):
                if scale > smallest:
                    corner = box.get_corner([1, -1, 0])
                    w.scale(smallest / scale, about_point=corner)
                    box.scale(smallest / scale, about_point=corner)
        return kernel

    def _veil(self, grid: CellGrid) -> Mobject:
        """Dim an input channel the step does not read, keeping its numbers readable.

        A sheet of the background fades the cells; the grid's numbers are
        drawn again on top, in whichever text colour reads best on the faded
        fill (so their contrast stays at least 4.5:1 in both themes).
        """
        theme = self.get_theme()
        rows, cols = grid.grid_size
        sheet = cell_polygon(grid.plane, -0.1, -0.1, rows + 0.1, cols + 0.1,
                             fill_color=theme.background, fill_opacity=VEIL_OPACITY,
                             stroke_width=0)
        faded = blend(theme.background, grid.fill_color_value, VEIL_OPACITY)
        on_cells = readable_on(faded, theme.cell_text, theme.text)
        on_padding = readable_on(theme.background, theme.muted, theme.text) \
            if contrast_ratio(theme.muted, theme.background) < 4.5 else theme.muted
        numbers = []
        for r in range(rows):
            for c in range(cols):
                label = grid.get_label(r, c)
                if label is not None:
                    numbers.append(label.copy().set_color(
                        on_cells if grid.has_cell(r, c) else on_padding))
        return VGroup(sheet, *numbers)

    def _check_readable(self, spec: AnySpec, digit_heights: Sequence[float]) -> None:
        """With channels, refuse a layout whose numbers would be too small to read.

        ``digit_heights`` are the heights of a digit in each grid, as drawn
        (after the widest number of the grid was fitted to its cells).
        """
        if not spec.has_channels:
            return
        px = min(digit_heights) * config.pixel_height / config.frame_height
        if px < MIN_NUMBER_PX:
            raise SpecError(
                f"{spec.describe()}: at {config.pixel_height}p the numbers of "
                f"{spec.in_channels} input and {spec.out_channels} output channels would be "
                f"{px:.1f} px high, less than the numerical mode's {MIN_NUMBER_PX:g} px; use "
                "fewer channels, a smaller input or a higher quality"
            )

    def _build_gather(self, numbers: GatherNumbers) -> NumericalParts:
        theme = self.get_theme()
        spec = self._shape_spec()
        assert isinstance(spec, ConvSpec)
        direct = spec.direct()
        oh, ow = spec.output_size
        weighted = numbers.weights is not None
        header = self._build_header()
        in_label, out_label = self._tensor_labels(spec)
        channel_labels = self._channel_labels(spec, numbers.bias)
        steps = self._shown_steps()
        captions: dict[int, Mobject] = {}
        result_part: dict[int, int] = {}
        channel_texts: dict[int, list[str]] = {}
        for e in steps:
            step = numbers.steps[e]
            parts, result_part[e] = step_caption_tex(step, self.mode)
            captions[e] = math_label(*parts, color=theme.text, font_size=CAPTION_FONT)
            if weighted and len(step.channels) > 1:
                assert step.weights is not None and step.partials is not None
                channel_texts[e] = [
                    channel_caption_tex(v.ravel(), w.ravel(), part)
                    for v, w, part in zip(step.values, step.weights, step.partials)
                ]
        # The tallest a caption gets, so that every step's layout is the same.
        probe = math_label(r"\max(-\infty)/9", color=theme.text, font_size=CAPTION_FONT)
        tallest = probe.height
        if numbers.bias is not None or (weighted and spec.channels_per_group[0] > 1):
            brace = math_label(r"\underbrace{9}_{\mathrm{bias}}", color=theme.text,
                               font_size=CAPTION_FONT)
            tallest = max(tallest, brace.height)
        sub_probe = None
        if weighted and spec.channels_per_group[0] > 1:
            sub_probe = _at_least(math_label(r"9\cdot 9 = 9", color=theme.text,
                                             font_size=SUB_FONT))
        arrangement = self._layout(
            spec, direct.grid_size, (oh, ow), header, in_label, out_label, channel_labels,
            list(captions.values()), tallest, sub_probe,
        )
        input_grids = []
        infinities = []
        shown_in = list(numbers.grids[:, numbers.real].ravel())
        if self.mode != "max" and not numbers.real.all():
            shown_in.append(0.0)  # the padding's zeros
        in_plane = arrangement.input_planes[0]
        in_factor = self._number_scale(shown_in, in_plane, weighted=weighted)
        out_factor = self._number_scale(numbers.output.ravel(), arrangement.output_planes[0],
                                        weighted=False)
        self._check_readable(spec, [self._digit_height(in_factor),
                                    self._digit_height(out_factor)])
        weight_h = self._weight_height(in_plane, self._digit_height(in_factor),
                                       numbers.weights)
        in_shift = self._number_shift(in_plane, self._digit_height(in_factor), weight_h) \
            if weighted else 0.0
        for c, plane in enumerate(arrangement.input_planes):
            grid = CellGrid(plane, direct.grid_size, filled=numbers.real,
                            fill_color=theme.input_fill, theme=theme)
            labels: dict[tuple[int, int], Mobject] = {}
            for r in range(direct.grid_size[0]):
                for col in range(direct.grid_size[1]):
                    if numbers.real[r, col]:
                        labels[(r, col)] = self._tex(format_value(numbers.grids[c, r, col]),
                                                     theme.cell_text)
                    elif self.mode == "max":
                        labels[(r, col)] = self._tex(r"-\infty", theme.text)
                        infinities.append(labels[(r, col)])
                    else:
                        labels[(r, col)] = self._tex("0", theme.text)
            self._label_grid(grid, labels, in_factor, in_shift)
            input_grids.append(grid)
        for mob in infinities:
            mob.scale(INFINITY_HEIGHT / NUMBER_HEIGHT)
        kernels: dict[tuple[int, int], KernelWindow] = {}
        for o in range(spec.out_channels):
            for slot, c in enumerate(spec.input_channels_of(o)):
                w = None
                if numbers.weights is not None:
                    w = numbers.weights[spec.weight_slice(o, c)]
                kernels[(o, slot)] = self._kernel(arrangement.input_planes[c], direct, w,
                                                  weight_h)
        output_grids = [CellGrid(plane, (oh, ow), fill_color=theme.output_fill, theme=theme)
                        for plane in arrangement.output_planes]
        highlights = [CellHighlight(plane, (0, 0), theme) for plane in arrangement.output_planes]
        veils = [self._veil(grid) for grid in input_grids] if spec.has_channels else []
        results = {
            e: self._number(numbers.steps[e].result,
                            arrangement.output_planes[numbers.steps[e].out_channel],
                            numbers.steps[e].cell, out_factor)
            for e in range(steps.stop)
        }
        for caption in captions.values():
            caption.move_to([0.0, arrangement.caption_y, 0.0])
        channel_captions: dict[int, list[Mobject]] = {}
        for e, texts in channel_texts.items():
            step = numbers.steps[e]
            assert step.partials is not None
            channel_captions[e] = [
                self._sub_caption([text, rf"\cdots {relation(partial)} {format_value(partial)}"],
                                  arrangement.input_planes[c], direct.grid_size, arrangement)
                for text, c, partial in zip(texts, step.channels, step.partials)
            ]
        self._result_part = result_part
        return NumericalParts(
            header=header,
            input_grids=input_grids,
            output_grids=output_grids,
            input_label=in_label,
            output_label=out_label,
            channel_labels=channel_labels,
            kernels=kernels,
            highlights=highlights,
            veils=veils,
            captions=captions,
            channel_captions=channel_captions,
            results=results,
            sums=[],
            flyers={},
            size_formula=self._size_formula(),
            shaded=[ShadedLabels(grid, theme) for grid in input_grids],
        )

    def _sub_caption(self, texts: Sequence[str], plane: PlaneMap, size: Pair,
                     arrangement: _Arrangement) -> Mobject:
        """One channel's sum, centred under its grid, no wider than the grid.

        ``texts`` run from the fullest form to the shortest: the first that
        fits the grid's width at a readable size is taken.
        """
        width = size[1] * plane.cell_size
        for tex in texts:
            mob = _at_least(math_label(tex, color=self.get_theme().text, font_size=SUB_FONT))
            if mob.width <= width:
                break
        if mob.width > width:
            mob.scale_to_fit_width(width)
        left, right = plane.point(0, 0)[0], plane.point(0, size[1])[0]
        return mob.move_to([(left + right) / 2, arrangement.sub_y - mob.height / 2, 0.0])

    def _build_scatter(self, numbers: ScatterNumbers) -> NumericalParts:
        theme = self.get_theme()
        spec = self.spec
        assert isinstance(spec, TransposedConvSpec)
        canvas = spec.scatter_canvas()
        ih, iw = spec.input_size
        header = self._build_header()
        in_label, out_label = self._tensor_labels(spec)
        channel_labels = self._channel_labels(spec, numbers.bias)
        steps = self._shown_steps()
        captions: dict[int, Mobject] = {}
        product_parts: dict[int, list[int]] = {}
        for e in steps:
            step = numbers.steps[e]
            parts, product_parts[e] = scatter_caption_tex(step.value, step.kernels, step.products)
            captions[e] = math_label(*parts, color=theme.text, font_size=CAPTION_FONT)
        arrangement = self._layout(
            spec, (ih, iw), canvas.grid_size, header, in_label, out_label, channel_labels,
            list(captions.values()), 0.0, None,
        )
        input_grids = []
        in_factor = self._number_scale(numbers.y.ravel(), arrangement.input_planes[0],
                                       weighted=False)
        for i, plane in enumerate(arrangement.input_planes):
            grid = CellGrid(plane, (ih, iw), fill_color=theme.input_fill, theme=theme)
            self._label_grid(
                grid,
                {(r, c): self._tex(format_value(numbers.y[i, r, c]), theme.cell_text)
                 for r in range(ih) for c in range(iw)},
                in_factor,
            )
            input_grids.append(grid)
        highlights = [CellHighlight(plane, (0, 0), theme) for plane in arrangement.input_planes]
        mask = canvas.input_mask()
        output_grids = [CellGrid(plane, canvas.grid_size, filled=mask,
                                 fill_color=theme.output_fill, theme=theme)
                        for plane in arrangement.output_planes]
        home = canvas.input_cells()
        out_plane = arrangement.output_planes[0]
        sum_factor = self._number_scale(numbers.sums.ravel(), out_plane, weighted=True)
        self._check_readable(spec, [self._digit_height(in_factor),
                                    self._digit_height(sum_factor)])
        overlay = None
        if self.overlap:
            overlay, sum_factor, weight_h, corner_h = self._overlap_overlay(
                spec, out_plane, sum_factor, numbers.weight)
        else:
            weight_h = corner_h = self._weight_height(out_plane, self._digit_height(sum_factor),
                                                      numbers.weight)
        sum_shift = self._number_shift(out_plane, self._digit_height(sum_factor), corner_h)
        kernels: dict[tuple[int, int], KernelWindow] = {}
        for i in range(spec.in_channels):
            for slot, o in enumerate(spec.output_channels_of(i)):
                kernels[(i, slot)] = self._kernel(arrangement.output_planes[o], canvas,
                                                  numbers.weight[spec.weight_slice(o, i)],
                                                  weight_h)

        def number_at(value: float, o: int, r: int, c: int) -> Mobject:
            return self._number(value, arrangement.output_planes[o],
                                (int(home[r, c, 0]), int(home[r, c, 1])), sum_factor,
                                sum_shift)

        # Which step last changes each output value, up to the last step shown;
        # a still needs only the numbers it shows.
        last: dict[tuple[int, int, int], int] = {}
        touched: list[list[tuple[int, int, int]]] = []
        for e in range(steps.stop):
            step = numbers.steps[e]
            keys = [(o, r, c) for o in step.out_channels for r, c in scatter_cells(spec, step.cell)]
            touched.append(keys)
            last.update(dict.fromkeys(keys, e))
        still = self.still_step is not None
        oh, ow = spec.output_size
        sums: list[dict[tuple[int, int, int], Mobject]] = [
            {
                (o, r, c): number_at(numbers.sums[0][o, r, c], o, r, c)
                for o in range(spec.out_channels)
                for r in range(oh)
                for c in range(ow)
                if not (still and (o, r, c) in last)
            }
        ]
        for e, keys in enumerate(touched):
            sums.append({
                key: number_at(numbers.sums[e + 1][key], *key)
                for key in keys
                if not still or last[key] == e
            })
        flyers: dict[int, list[Flyer]] = {}
        for e, caption in captions.items():
            caption.move_to([0.0, arrangement.caption_y, 0.0])
            if self.still_step is not None:
                continue
            step = numbers.steps[e]
            win = canvas.window(step.position).reshape(-1, 2)
            flyers[e] = []
            indices = iter(product_parts[e])
            for o in step.out_channels:
                plane = arrangement.output_planes[o]
                for r, c in win:
                    entry = caption[next(indices)]
                    # it lands at the size of the numbers it adds to
                    landed = self._maker().size(entry.get_tex_string(),
                                                DEFAULT_FONT_SIZE)[1] * sum_factor
                    flyers[e].append(
                        Flyer(ghost(entry), plane.cell_center(r, c),
                              landed / max(entry.height, 1e-9), bool(mask[r, c]))
                    )
        return NumericalParts(
            header=header,
            input_grids=input_grids,
            output_grids=output_grids,
            input_label=in_label,
            output_label=out_label,
            channel_labels=channel_labels,
            kernels=kernels,
            highlights=highlights,
            veils=[],
            shaded=[ShadedLabels(grid, theme) for grid in input_grids],
            captions=captions,
            channel_captions={},
            results={},
            sums=sums,
            flyers=flyers,
            size_formula=self._size_formula(),
            overlap=overlay,
        )

    def _overlap_overlay(self, spec: TransposedConvSpec, plane: PlaneMap, factor: float,
                         weights: np.ndarray,
                         ) -> tuple[OverlapOverlay, float, float | None, float]:
        """The overlap overlay, fitted into the output cells with their numbers and weights.

        A count is as tall as a weight (:data:`WEIGHT_HEIGHT` of a cell, at
        most :data:`WEIGHT_TO_VALUE` of the numbers), never below the size
        rule's pixels; its badge sits in the bottom-left corner, under the
        cell's number. When the two do not fit, the numbers shrink, down to
        the size rule, or the render is refused in one line. A weight shares
        the bottom edge with the badge: when both do not fit side by side,
        the weights are left to the caption, which writes every product.

        Returns
        -------
        tuple
            The overlay, the numbers' size factor, the weights' height (or
            ``None``), and the height of the corner row, for
            :meth:`_number_shift`.
        """
        per_unit = config.pixel_height / config.frame_height
        maker = self._maker()
        unit = maker.size("0", DEFAULT_FONT_SIZE)[1]
        # a "0" this high keeps the shortest digit at the size rule's pixels
        shortest = min(maker.size(str(n), DEFAULT_FONT_SIZE)[1] for n in range(10))
        least = LEAST_PX / per_unit * unit / shortest
        size = plane.cell_size
        digit = self._digit_height(factor)
        count_h = max(least, min(WEIGHT_HEIGHT * size / (1 + 2 * BADGE_PAD),
                                 WEIGHT_TO_VALUE * digit))
        badge_h = count_h * (1 + 2 * BADGE_PAD)
        room = size * (1 - 3 * CELL_INSET)
        if digit + badge_h > room:
            digit = room - badge_h
            if digit < least * (1 - 1e-6):
                raise SpecError(
                    f"{spec.describe()}: at {config.pixel_height}p an output cell is "
                    f"{size * per_unit:.0f} px, too small for its number and its overlap "
                    f"count at {LEAST_PX:g} px each; use a smaller input or a higher quality"
                )
            factor = digit / self._digit_height(1.0)

        def label(text: str) -> Mobject:
            return self._tex(text, self.get_theme().text).scale(count_h / unit)

        canvas = spec.scatter_canvas()
        states = None if self.still_step is None else [self.still_step + 1]
        overlay = OverlapOverlay(plane, canvas.input_origin, overlap_steps(spec),
                                 self.get_theme(), label, states=states)
        weight_h = self._weight_height(plane, digit, weights)
        if weight_h is not None:
            widest = max(maker.size(format_value(w), DEFAULT_FONT_SIZE)[0]
                         for w in np.ravel(weights))
            box = widest / unit * weight_h + 2 * WEIGHT_PAD * weight_h
            if overlay.badge_width + box + CELL_INSET * size > room:
                weight_h = None
        corner = max(badge_h, (weight_h or 0.0) * (1 + 2 * WEIGHT_PAD)) / (1 + 2 * WEIGHT_PAD)
        return overlay, factor, weight_h, corner

    def _size_formula(self) -> Mobject | None:
        if not self.intro:
            return None
        return output_size_formula(self.spec, color=self.get_theme().text, font_size=30)

    def _build_header(self) -> VGroup:
        spec = self.spec
        theme = self.get_theme()
        lines: list[str]
        seq = sequence_of(spec)
        one_d = seq is not None
        causal = bool(getattr(seq, "causal", False))
        if isinstance(spec, TransposedConvSpec):
            title = "Transposed convolution"
            f = spec.forward
            lines = [spec_summary(spec)[0]]
            note = (
                rf"i' = {_shown(spec, spec.input_size)},\;\; "
                rf"o' = {_shown(spec, spec.output_size)}:\;\;"
                r"\text{each input cell adds its value} \times w"
                rf"\text{{, moving }} s = {_shown(spec, f.stride)}"
            )
            notes = [note]
            crop = [rf"\text{{dashed cells are cropped by }} p = {_pair(f.padding)}"]
            if one_d:
                canvas = spec.scatter_canvas()
                left, right = canvas.padding_before[1], canvas.padding_after[1]
                crop = [rf"\text{{dashed cells are cropped: {left} on the left, "
                        rf"{right} on the right}}" + (r"\text{ (causal)}" if causal else "")]
            if spec.output_padding != (0, 0):
                crop.append(rf"\text{{output padding }} a = {_shown(spec, spec.output_padding)}")
            if f.padding == (0, 0) and spec.output_padding == (0, 0):
                crop = []
            if self.overlap:
                crop.append(r"\text{circled: how many windows wrote the cell}")
            if crop:
                notes.append(r",\;\; ".join(crop))
            if self.overlap:
                notes += overlap_note_tex(spec)
        else:
            title = TITLES[self.mode]
            lines = [r",\;\;\; ".join(spec_summary(spec)[:2])]
            notes = []
            if causal:
                notes.append(rf"\text{{causal: }} d(k-1) = {spec.padding[1]}\text{{ zeros on "
                             r"the left only, so output } n \text{ sees no input after } n")
            if spec.padding != (0, 0) and self.mode == "average":
                notes.append(r"\text{the padding counts: every window divides by } "
                             rf"{spec.kernel_size[0] * spec.kernel_size[1]}")  # k in 1-D
            if spec.padding != (0, 0) and self.mode == "max":
                notes.append(r"\text{the padding is } -\infty\text{: it never wins}")
        channels = self._channel_note()
        if channels:
            notes.append(channels)
        first = VGroup(
            self.text(rf"\textbf{{{title}}}", font_size=36),
            *(self.text(line, font_size=28, math=True) for line in lines),
        ).arrange(RIGHT, buff=0.45)
        rows: list[Mobject] = [first]
        rows += [
            math_label(n, font_size=24, color=theme.muted) for n in notes
        ]
        header = VGroup(*rows).arrange(DOWN, buff=0.12)
        width = config.frame_width - 2 * MARGIN
        if header.width > width:
            header.scale_to_fit_width(width)
        header.to_edge(UP, buff=MARGIN)
        return header

    def _channel_note(self) -> str:
        """The header's line on channels, groups and bias (empty without them)."""
        spec = self.spec
        if not spec.has_channels and not self.has_bias():
            return ""
        if self.mode != "convolution":
            return (rf"C = {spec.in_channels}\text{{ channels, each pooled on its own}}")
        parts = [rf"C_{{in}} = {spec.in_channels},\;\; C_{{out}} = {spec.out_channels}"]
        if spec.is_depthwise:
            parts.append(r"\text{depthwise: each filter reads one channel}")
        elif spec.groups > 1:
            n_in = spec.channels_per_group[0]
            parts.append(rf"\text{{groups}} = {spec.groups}\text{{: each filter reads "
                         rf"{n_in} channel{'s' if n_in > 1 else ''}}}")
        if spec.is_transposed and self.has_bias():
            parts.append(r"\text{each output starts at its bias } b")
        elif self.has_bias():
            parts.append(r"\text{plus a bias } b \text{ per output channel}")
        return r",\;\; ".join(parts)

    def _layout(
        self,
        spec: AnySpec,
        left: Pair,
        right: Pair,
        header: Mobject,
        in_label: Mobject,
        out_label: Mobject,
        channel_labels: Sequence[Mobject],
        captions: Sequence[Mobject],
        caption_height: float,
        sub_probe: Mobject | None,
    ) -> _Arrangement:
        """Place the grids between the header and the captions.

        Without channels the input grid (``left``) and the output grid
        (``right``) lie side by side. With channels, each tensor's channels
        lie side by side; the inputs and outputs either share one row or the
        inputs lie above the outputs, whichever gives the larger cells. A 1-D
        spec's rows may lie one above the other too; then, for a stride-1
        convolution with one channel, each output cell lies under the centre
        of its window.
        Scales the captions to fit the frame, moves the labels, and returns
        the planes and the captions' centre height. At least
        ``caption_height`` is kept free for the captions, so that a still
        (which builds only its own caption) is laid out as the animation is;
        ``sub_probe``, when given, reserves room under the input grids for
        each channel's sum.
        """
        fw, fh = config.frame_width, config.frame_height
        width = fw - 2 * MARGIN
        for caption in captions:
            if caption.width > width:
                caption.scale_to_fit_width(width)
            if caption.height > CAPTION_MAX_HEIGHT:
                caption.scale_to_fit_height(CAPTION_MAX_HEIGHT)
        caption_h = max([caption_height, *(c.height for c in captions)])
        top = header.get_bottom()[1] - HEADER_GAP
        bottom = -fh / 2 + MARGIN
        n_in, n_out = spec.in_channels, spec.out_channels
        in_names = list(channel_labels[:n_in])
        out_names = list(channel_labels[n_in:])
        name_h = max((m.height for m in channel_labels), default=0.0)
        names = name_h + LABEL_GAP if channel_labels else 0.0
        sub_h = SUB_GAP + sub_probe.height if sub_probe is not None else 0.0

        def gap(u: float) -> float:
            return CHANNEL_GAP_CELLS * u + CHANNEL_GAP_MIN

        def block(n: int, size: Pair, label: Mobject, named: list[Mobject], u: float) -> float:
            slot = max([size[1] * u, *(m.width for m in named)])
            return max(n * slot + (n - 1) * gap(u), label.width)

        label_h = max(in_label.height, out_label.height) + LABEL_GAP + names
        # one row: every grid side by side
        rows = max(left[0], right[0])

        def row_width(u: float) -> float:
            return (block(n_in, left, in_label, in_names, u) + GRID_GAP_CELLS * u + GRID_GAP_MIN
                    + block(n_out, right, out_label, out_names, u))

        def fit(height_of: float, width_of: Callable[[float], float], cells: float) -> float:
            hi = min(max(height_of, 0.0) / cells, MAX_CELL)
            if width_of(hi) > width:
                lo = 0.0
                for _ in range(50):
                    mid = (lo + hi) / 2
                    lo, hi = (mid, hi) if width_of(mid) <= width else (lo, mid)
                hi = lo
            return hi

        row_u = fit(top - bottom - label_h - sub_h - CAPTION_GAP - caption_h, row_width, rows)
        stack_u = 0.0
        one_d = sequence_of(spec) is not None
        if spec.has_channels or one_d:
            stacked = top - bottom - 2 * label_h - sub_h - STACK_GAP - CAPTION_GAP - caption_h
            stack_u = fit(stacked, lambda u: max(block(n_in, left, in_label, in_names, u),
                                                 block(n_out, right, out_label, out_names, u)),
                          left[0] + right[0])
        u = max(row_u, stack_u)

        def place(n: int, size: Pair, label: Mobject, named: list[Mobject], cx: float,
                  grid_top: float) -> list[PlaneMap]:
            slot = max([size[1] * u, *(m.width for m in named)])
            total = n * slot + (n - 1) * gap(u)
            planes = []
            for k in range(n):
                centre = cx - total / 2 + slot / 2 + k * (slot + gap(u))
                origin = np.array([centre - size[1] * u / 2, grid_top, 0.0])
                planes.append(PlaneMap.flat(u, origin))
                if named:
                    named[k].move_to([centre, grid_top + LABEL_GAP + name_h / 2, 0.0])
            label.move_to([cx, 0.0, 0.0]).shift(
                (grid_top + names + LABEL_GAP + label.height / 2) * UP)
            return planes

        if stack_u > row_u:
            block_h = 2 * label_h + (left[0] + right[0]) * u + sub_h + STACK_GAP \
                + CAPTION_GAP + caption_h
            y = (top + bottom) / 2 + block_h / 2 - label_h
            in_planes = place(n_in, left, in_label, in_names, 0.0, y)
            sub_y = y - left[0] * u - SUB_GAP
            y -= left[0] * u + sub_h + STACK_GAP + label_h
            out_planes = place(n_out, right, out_label, out_names,
                               self._under_windows(spec, left, right) * u, y)
            caption_y = y - right[0] * u - CAPTION_GAP - caption_h / 2
            return _Arrangement(in_planes, out_planes, caption_y, sub_y, u)
        left_w = block(n_in, left, in_label, in_names, u)
        mid_gap = GRID_GAP_CELLS * u + GRID_GAP_MIN
        right_w = block(n_out, right, out_label, out_names, u)
        block_h = label_h + rows * u + sub_h + CAPTION_GAP + caption_h
        mid_y = (top + bottom) / 2 + block_h / 2 - label_h - rows * u / 2
        x0 = -(left_w + mid_gap + right_w) / 2
        in_planes = place(n_in, left, in_label, in_names, x0 + left_w / 2,
                          mid_y + left[0] * u / 2)
        out_planes = place(n_out, right, out_label, out_names,
                           x0 + left_w + mid_gap + right_w / 2, mid_y + right[0] * u / 2)
        sub_y = mid_y - rows * u / 2 - SUB_GAP
        caption_y = mid_y - rows * u / 2 - sub_h - CAPTION_GAP - caption_h / 2
        return _Arrangement(in_planes, out_planes, caption_y, sub_y, u)

    @staticmethod
    def _under_windows(spec: AnySpec, left: Pair, right: Pair) -> float:
        """Where the output row's centre goes, in cells right of the input row's centre.

        A 1-D stride-1 convolution with one channel puts output cell ``n``
        under the centre of its window (the core's window of step 0, whose
        first and last taps it averages); anything else is centred (``0``).
        """
        direct = spec.direct()
        if (sequence_of(spec) is None or spec.is_transposed or spec.has_channels
                or direct.stride != (1, 1)):
            return 0.0
        taps = direct.window(0)[..., 1]
        centre_of_first = (int(taps.min()) + int(taps.max()) + 1) / 2  # in cells, from the left
        return centre_of_first - left[1] / 2 + right[1] / 2 - 0.5

    # ---------------------------------------------------------------- steps
    def _key(self, step: int) -> tuple[int, int]:
        """``(filter, position)`` of ``step``: whose windows show, and where."""
        spec = self._shape_spec()
        if spec.is_transposed:
            i, r, c = spec.input_index(step)
            return i, spec.input_step_index((r, c))
        o, r, c = spec.output_index(step)
        return o, spec.step_index((r, c))

    def _cell(self, step: int) -> tuple[int, int, int]:
        """``(grid, row, column)`` highlighted at ``step``: an output value, or the input read."""
        spec = self._shape_spec()
        return spec.input_index(step) if spec.is_transposed else spec.output_index(step)

    def _windows(self, key: int) -> list[KernelWindow]:
        spec = self._shape_spec()
        n = len(spec.output_channels_of(key) if spec.is_transposed
                else spec.input_channels_of(key))
        return [self.parts.kernels[(key, slot)] for slot in range(n)]

    def _veiled(self, key: int) -> set[int]:
        """The input grids filter ``key`` does not read (none for a transposed conv)."""
        spec = self._shape_spec()
        if spec.is_transposed or not self.parts.veils:
            return set()
        return set(range(spec.in_channels)) - set(spec.input_channels_of(key))

    def add_parts(self) -> None:
        """Header, labels, grids, then the moving parts on top."""
        p = self.parts
        self._caption: list[Mobject] = []
        self._key_shown: int | None = None
        self._lit_step: int | None = None
        self.add(p.header, p.input_label, p.output_label, *p.channel_labels, *p.input_grids)
        if self.spec.is_transposed:
            self.add(*p.output_grids)
            if p.overlap is not None:
                p.overlap.state = None
                self.add(p.overlap)
                p.overlap.set_state(self, 0 if self.still_step is None else self.still_step + 1)
            self._shown: dict[tuple[int, int, int], Mobject] = dict(p.sums[0])
            self.add(*self._shown.values())
        else:
            self.add(*p.output_grids)

    def _swap_caption(self, step: int | None) -> None:
        if self._caption:
            self.remove(*self._caption)
        self._caption = [] if step is None else self._caption_parts(step)
        if self._caption:
            self.add(*self._caption)

    def _caption_parts(self, step: int) -> list[Mobject]:
        return [self.parts.captions[step], *self.parts.channel_captions.get(step, [])]

    def still_parts(self) -> list[Mobject]:
        """The header, the labels and the input grids: no step changes them."""
        p = self.parts
        return [p.header, p.input_label, p.output_label, *p.channel_labels, *p.input_grids]

    def _show_key(self, key: int, position: int) -> None:
        """Show the windows, highlight and veils of ``key`` at once."""
        p = self.parts
        if self._key_shown is not None and self._key_shown != key:
            self.remove(*self._windows(self._key_shown))
        for window in self._windows(key):
            window.move_to_step(position)
            if window not in self.mobjects:
                self.add(window)
        veiled = self._veiled(key)
        for n, veil in enumerate(p.veils):
            if n in veiled and veil not in self.mobjects:
                self.add(veil)
            elif n not in veiled:
                self.remove(veil)
        self._key_shown = key

    def _show_highlight(self, grid: int, cell: tuple[int, int]) -> None:
        for n, highlight in enumerate(self.parts.highlights):
            if n == grid:
                highlight.move_to_cell(cell)
                if highlight not in self.mobjects:
                    self.add(highlight)
            else:
                self.remove(highlight)

    def _place(self, step: int) -> None:
        """Put the windows, the veils and the highlight of ``step`` in place at once."""
        key, position = self._key(step)
        grid, r, c = self._cell(step)
        if self.spec.is_transposed:
            self._show_highlight(grid, (r, c))
            self._show_key(key, position)
        else:
            self._show_key(key, position)
            self._show_highlight(grid, (r, c))

    def set_step(self, step: int) -> None:
        """Show ``step`` at once: its windows, its caption, and the output as it is then."""
        self.check_step(step)
        p = self.parts
        self._place(step)
        self._swap_caption(step)
        if self.spec.is_transposed:
            shown: dict[tuple[int, int, int], Mobject] = {}
            for changes in p.sums[: step + 2]:
                shown.update(changes)
            for cell, mob in self._shown.items():
                if shown[cell] is not mob:
                    self.remove(mob)
            for cell, mob in shown.items():
                if self._shown.get(cell) is not mob:
                    self.add(mob)
            self._shown = shown
            if p.overlap is not None:
                p.overlap.set_state(self, step + 1)
        else:
            for e, mob in p.results.items():
                if e <= step:
                    mob.set_color(self._ink(lit=e == step))
                    if mob not in self.mobjects:
                        self.add(mob)
                else:
                    self.remove(mob)
        for shaded, cells in zip(p.shaded, self._shaded_cells(step)):
            shaded.set_cells(cells)
        self._light_sums(step)
        self._lit_step = step
        self._raise_text()

    # -------------------------------------------------------- contrast
    def _ink(self, *, lit: bool, fill: str | None = None) -> str:
        """The ink of an output number: under the highlight or the window (``lit``), or not.

        ``fill`` is the cell's own fill when it is not the output's colour
        (the overlap overlay's tint).
        """
        theme = self.get_theme()
        fill = theme.output_fill if fill is None else fill
        return theme.ink_on(theme.shaded(fill) if lit else fill)

    def _sum_ink(self, key: tuple[int, int, int], *, lit: bool, state: int) -> str:
        """The ink of output value ``key`` when the overlay shows ``state`` (if it is on)."""
        overlay = self.parts.overlap
        if overlay is None:
            return self._ink(lit=lit)
        return self._ink(lit=lit, fill=overlay.tint(overlay.count(key[1], key[2], state)))

    def _shaded_cells(self, step: int) -> list[list[tuple[int, int]]]:
        """Per input grid, the cells under ``step``'s window (or its scattered cell)."""
        spec = self._shape_spec()
        n = len(self.parts.input_grids)
        if spec.is_transposed:
            grid, r, c = self._cell(step)
            return [[(r, c)] if g == grid else [] for g in range(n)]
        key, position = self._key(step)
        window = [(int(r), int(c)) for r, c in spec.direct().window(position).reshape(-1, 2)]
        read = set(spec.input_channels_of(key))
        return [window if g in read else [] for g in range(n)]

    def _lit_sums(self, step: int) -> set[tuple[int, int, int]]:
        """Scatter: the output values under ``step``'s windows."""
        spec = self._shape_spec()
        assert isinstance(spec, TransposedConvSpec)
        channel, r, c = self._cell(step)
        cells = scatter_cells(spec, (r, c))
        return {(o, *cell) for o in spec.output_channels_of(channel) for cell in cells}

    def _light_sums(self, step: int) -> None:
        """Scatter: colour the output values for ``step`` at rest (lit under its windows)."""
        if not self.spec.is_transposed:
            return
        lit = self._lit_sums(step)
        for key, mob in self._shown.items():
            mob.set_color(self._sum_ink(key, lit=key in lit, state=step + 1))

    def _recolor_sums(self, before: int | None, step: int) -> list[Animation]:
        """Scatter: the values the windows leave turn back, those they reach light up."""
        if not self.spec.is_transposed:
            return []
        old = self._lit_sums(before) if before is not None else set()
        new = self._lit_sums(step)
        return [Recolor(mob, self._sum_ink(key, lit=key in new, state=step))
                for key, mob in self._shown.items() if (key in old) != (key in new)]

    def _raise_text(self) -> None:
        """Put the numbers that may lie under a window or a highlight back above them."""
        p = self.parts
        above: list[Mobject] = list(p.shaded)
        if self.spec.is_transposed:
            above += list(self._shown.values())
            if p.overlap is not None and p.overlap.state is not None:
                above += list(p.overlap.badges_at(p.overlap.state).values())
        else:
            above += [m for m in p.results.values() if m in self.mobjects]
        self.add(*above)

    def step_animations(self, step: int) -> list[Animation]:
        """The glide to ``step``: windows and highlight move (or a new filter's fade in).

        The old caption fades out. Nothing changes until the animations begin
        (:class:`~convmanim.mobjects.motion.OnBegin` makes the instant changes).
        """
        p = self.parts
        key, position = self._key(step)
        grid, r, c = self._cell(step)
        anims: list[Animation] = []
        # a new filter: the old one's windows fade out in the first half of
        # the glide, the new one's fade in, in place, in the second half
        out_half = {"rate_func": squish_rate_func(smooth, 0.0, 0.5)}
        in_half = {"rate_func": squish_rate_func(smooth, 0.5, 1.0)}
        if key == self._key_shown:
            anims += [w.animate_to_step(position) for w in self._windows(key)]
        else:
            if self._key_shown is not None:
                anims += [Fade(w, fade_in=False, **out_half)
                          for w in self._windows(self._key_shown)]
            for window in self._windows(key):
                anims += [OnBegin(window.move_to_step, position),
                          Fade(window, fade_in=True, **in_half)]
            before = self._veiled(self._key_shown) if self._key_shown is not None else set()
            after = self._veiled(key)
            anims += [Fade(p.veils[n], fade_in=True) for n in sorted(after - before)]
            anims += [Fade(p.veils[n], fade_in=False) for n in sorted(before - after)]
            anims.append(OnBegin(setattr, self, "_key_shown", key))
        current = next((n for n, h in enumerate(p.highlights) if h in self.mobjects), None)
        target = p.highlights[grid]
        if current == grid:
            anims.append(target.animate_to_cell((r, c)))
        else:
            if current is not None:
                anims.append(Fade(p.highlights[current], fade_in=False, **out_half))
            anims += [OnBegin(target.move_to_cell, (r, c)), Fade(target, fade_in=True, **in_half)]
        anims += [Fade(m, fade_in=False) for m in self._caption]
        anims.append(OnBegin(setattr, self, "_caption", []))
        # the numbers under the shadows: the copies cross-fade, the output numbers recolour
        for shaded, cells in zip(p.shaded, self._shaded_cells(step)):
            anim = shaded.animate_cells(cells)
            if anim is not None:
                anims.append(anim)
        if not self.spec.is_transposed and step > 0 and step - 1 in p.results:
            anims.append(Recolor(p.results[step - 1], self._ink(lit=False)))
        anims += self._recolor_sums(self._lit_step, step)
        anims.append(OnBegin(setattr, self, "_lit_step", step))
        return anims

    def _result_flight(self, step: int) -> list[Animation]:
        """Gather: the result leaves the caption and lands in its output cell.

        It leaves in the caption's colour and lands in the ink that reads
        under the output cell's highlight.
        """
        label = self.parts.results[step]
        source = self.parts.captions[step][self._result_part[step]]
        home = label.get_center().copy()
        factor = label.height / max(source.height, 1e-9)
        text = self.get_theme().text

        def leave() -> None:
            label.scale(1 / factor).move_to(source)
            label.set_color(text)

        return [OnBegin(leave), Relocate(label, home, factor, introducer=True),
                Recolor(label, self._ink(lit=True))]

    def _scatter_flights(self, step: int) -> list[Animation]:
        return [
            Relocate(f.mob, f.target, f.factor, introducer=True)
            for f in self.parts.flyers[step]
        ]

    def _scatter_merge(self, step: int) -> list[Animation]:
        """Scatter: kept products add into their cells; cropped ones vanish."""
        anims: list[Animation] = []
        for f in self.parts.flyers[step]:
            anims.append(Fade(f.mob, fade_in=False, scale=1.0 if f.kept else 0.3))
        for cell, mob in self.parts.sums[step + 1].items():
            anims.append(Fade(self._shown[cell], fade_in=False))
            # it appears under the window
            ink = self._sum_ink(cell, lit=True, state=step + 1)
            anims += [OnBegin(mob.set_color, ink), Fade(mob, fade_in=True)]
            anims.append(OnBegin(self._shown.__setitem__, cell, mob))
        if self.parts.overlap is not None:
            anims += self.parts.overlap.animate_state(step + 1)
        return anims

    def play_steps(self) -> None:
        """Play every step: glide, caption, write, pause (see :meth:`step_durations`).

        The glide and the writing take their share of :attr:`settled_step_time`
        (of :attr:`step_time` when it is set); a paced step's extra time is
        the pause, with its caption on screen.
        """
        self.freeze_still_parts()
        fps = config.frame_rate
        moving = self.step_time if self.step_time is not None else self.settled_step_time
        transposed = self.spec.is_transposed
        # caption in, then the numbers fly (and, scattering, add up)
        shares = (0.3, 0.4, 0.3) if transposed else (0.4, 0.6, 0.0)
        counts = self.step_frame_counts(fps)
        for step in range(self.num_steps()):
            per_step = counts[step]
            self.cue_step(step, per_step)
            if not self.smooth:
                self.set_step(step)
                self.hold_frames(per_step)
                self.steps_played.append(step)
                self.step_done(step)
                continue
            if step == 0:
                self._place(0)
            n_glide = min(per_step, round(self.glide * moving * fps))
            n_write = min(round(self.write * moving * fps), per_step - n_glide)
            n_caption = round(shares[0] * n_write)
            n_fly = round(shares[1] * n_write)
            n_merge = n_write - n_caption - n_fly
            self.play_frames(self.step_animations(step), n_glide)
            self._raise_text()
            caption = self._caption_parts(step)
            self.play_frames([Fade(m, fade_in=True) for m in caption], n_caption)
            self._caption = caption
            if transposed:
                self.play_frames(self._scatter_flights(step), n_fly)
                self.play_frames(self._scatter_merge(step), n_merge)
            else:
                self.play_frames(self._result_flight(step), n_fly)
            self.hold_frames(per_step - n_glide - n_write)
            self.steps_played.append(step)
            self.step_done(step)
        self.hold_frames(max(1, round(self.end_hold * config.frame_rate)))

    # ---------------------------------------------------------------- intro
    def intro_formula(self) -> Mobject | None:
        """The output-size formula with the numbers put in."""
        return self.parts.size_formula


def _at_least(mob: Mobject, px: float = MIN_LABEL_PX) -> Mobject:
    """Scale a label up, if need be, to ``px`` pixels high at the render's resolution."""
    height = mob.height * config.pixel_height / config.frame_height
    if 0 < height < px:
        mob.scale(px / height)
    return mob


def _shown(spec: AnySpec, pair: Pair) -> str:
    """A size or a step as the header writes it: one number in 1-D (the row's width)."""
    return str(pair[1]) if sequence_of(spec) is not None else _pair(pair)


def _pair(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else rf"{pair[0]}\times {pair[1]}"
