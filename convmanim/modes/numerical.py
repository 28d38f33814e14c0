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

Every number is computed up front, from the geometry core
(:meth:`~convmanim.ConvSpec.apply`,
:meth:`~convmanim.TransposedConvSpec.scatter_contributions`), before anything
is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
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
)

from ..geometry import AnySpec, ConvSpec, DirectConv, Pair, SpecError, TransposedConvSpec
from ..labels import LabelMaker, math_label
from ..mobjects.flight import Fade, Relocate, ghost
from ..mobjects.grid import CellGrid, place_in_cell
from ..mobjects.kernel import CellHighlight, KernelWindow
from ..mobjects.plane import PlaneMap
from ..values import as_grid, format_value
from .base import ConvScene, fmt_size
from .formulas import output_size_formula, spec_summary

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

MODES = ("convolution", "average", "max")
"""What the window computes: a weighted sum, the mean of its cells, or their maximum."""

TITLES = {"convolution": "Convolution", "average": "Average pooling", "max": "Max pooling"}

MAX_TERMS = 9
"""Captions list at most this many terms; longer ones keep the first and last few."""
HEAD_TERMS, TAIL_TERMS = 4, 2

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
WEIGHTED_NUMBER_WIDTH = 0.6
WEIGHTED_NUMBER_SHIFT = (-0.05, -0.08)
"""Where a weight may sit in its corner, the number moves up and left (rows, columns)."""
WEIGHT_SCALE = 1.2
"""Weights are drawn this much larger than the kernel window's default."""
CAPTION_FONT = 34


# ------------------------------------------------------------------ numbers
def default_values(spec: AnySpec, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random integer values: input in 0–3, kernel in 0–2.

    Parameters
    ----------
    spec
        Gives the shapes: the input of ``spec`` (``i'`` for a transposed conv)
        and its kernel.
    seed
        Seed of :func:`numpy.random.default_rng`; the input is drawn first,
        then the kernel, so a pooling scene and a convolution scene with the
        same seed and input size show the same input.

    Returns
    -------
    tuple of numpy.ndarray
        ``(input, kernel)`` as float arrays.
    """
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=spec.input_size).astype(float)
    kernel = rng.integers(0, 3, size=spec.kernel_size).astype(float)
    return x, kernel


@dataclass(frozen=True)
class GatherNumbers:
    """Everything a convolution or pooling scene writes, computed up front.

    Attributes
    ----------
    grid
        ``(H, W)`` values of the drawn grid: the input, with zeros in the padding.
    real
        ``(H, W)`` mask of the grid cells that hold input (not padding).
    taps
        ``(n, kh, kw)``: the grid value under each tap, per step.
    tap_real
        ``(n, kh, kw)``: whether each tap lies on input (not padding), per step.
    weights
        ``(kh, kw)``: the weight each tap multiplies (``None`` for pooling).
    output
        ``(oh, ow)``: the result, from :meth:`~convmanim.ConvSpec.apply`.
    """

    grid: np.ndarray
    real: np.ndarray
    taps: np.ndarray
    tap_real: np.ndarray
    weights: np.ndarray | None
    output: np.ndarray


def gather_numbers(
    spec: ConvSpec, mode: str, x: np.ndarray, kernel: np.ndarray
) -> GatherNumbers:
    """The numbers of a convolution (``mode="convolution"``) or pooling scene.

    Raises
    ------
    SpecError
        For an unknown mode, or a spec that is not a valid pooling window.
    """
    if mode not in MODES:
        raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
    if mode != "convolution":
        spec.check_pooling(mode)  # type: ignore[arg-type]
    direct = spec.direct()
    grid = direct.grid_values(x)
    real = direct.input_mask()
    wins = np.array(list(direct.windows()))
    taps = grid[wins[..., 0], wins[..., 1]]
    tap_real = real[wins[..., 0], wins[..., 1]]
    weights = None
    if mode == "convolution":
        tap = direct.tap_weight()
        weights = np.asarray(kernel, dtype=float)[tap[..., 0], tap[..., 1]]
    output = spec.apply(x, kernel, mode)  # type: ignore[arg-type]
    return GatherNumbers(grid, real, taps, tap_real, weights, output)


@dataclass(frozen=True)
class ScatterNumbers:
    """Everything a transposed-conv scene writes, computed up front.

    Attributes
    ----------
    y
        ``(ih', iw')``: the transposed conv's input.
    kernel
        ``(kh, kw)`` weights.
    products
        ``(n, kh, kw)``: ``y[e] * kernel``, what step ``e`` adds at each tap
        (including the taps that fall on the cropped border).
    sums
        ``(n, oh', ow')``: the output after each step (the running sum of
        :meth:`~convmanim.TransposedConvSpec.scatter_contributions`).
    output
        ``(oh', ow')``: the result, from :meth:`~convmanim.TransposedConvSpec.apply`.
    """

    y: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    sums: np.ndarray
    output: np.ndarray


def scatter_numbers(spec: TransposedConvSpec, y: np.ndarray, kernel: np.ndarray) -> ScatterNumbers:
    """The numbers of a transposed-conv scene, in the scatter-add view."""
    y = np.asarray(y, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    contributions = np.array(list(spec.scatter_contributions(y, kernel)))
    sums = np.cumsum(contributions, axis=0)
    output = spec.apply(y, kernel)
    if not np.allclose(sums[-1], output):  # pragma: no cover - an invariant of the core
        raise AssertionError("the scatter contributions do not add up to the transposed conv")
    products = y.reshape(-1, 1, 1) * kernel[None]
    return ScatterNumbers(y, kernel, products, sums, output)


# ------------------------------------------------------------------ captions
def _elide(items: Sequence[str]) -> list[str]:
    if len(items) <= MAX_TERMS:
        return list(items)
    return [*items[:HEAD_TERMS], r"\dots", *items[-TAIL_TERMS:]]


def _factor(value: float) -> str:
    text = format_value(value)
    return f"({text})" if text.startswith("-") else text


def _sum(items: Sequence[str]) -> str:
    out = items[0]
    for item in items[1:]:
        out += f" - {item[1:]}" if item.startswith("-") else f" + {item}"
    return out


def caption_tex(
    mode: str,
    values: Sequence[float],
    real: Sequence[bool],
    weights: Sequence[float] | None,
    result: float,
) -> tuple[str, str]:
    r"""LaTeX for one window's arithmetic: ``(left-hand side, result)``.

    Parameters
    ----------
    mode
        ``"convolution"``, ``"average"`` or ``"max"``.
    values
        The cell values under the taps, in tap order (row-major).
    real
        Whether each tap lies on input; max pooling writes padding as
        :math:`-\infty`, since padding never wins.
    weights
        The weight of each tap (convolution only).
    result
        The output value (from the geometry core).

    Examples
    --------
    >>> caption_tex("convolution", [3, 3, 2], [True] * 3, [0, 1, 2], 7)
    ('3\\cdot 0 + 3\\cdot 1 + 2\\cdot 2', '7')
    >>> caption_tex("average", [3, 0, 2, 1], [True] * 4, None, 1.5)
    ('(3 + 0 + 2 + 1)/4', '1.5')
    >>> caption_tex("max", [0, 3], [False, True], None, 3)
    ('\\max(-\\infty, 3)', '3')
    """
    if mode == "convolution":
        if weights is None:
            raise SpecError("a convolution caption needs the weights")
        terms = [rf"{_factor(v)}\cdot {_factor(w)}" for v, w in zip(values, weights)]
        lhs = " + ".join(_elide(terms))
    elif mode == "average":
        lhs = "(" + _sum(_elide([format_value(v) for v in values])) + f")/{len(values)}"
    elif mode == "max":
        items = [format_value(v) if r else r"-\infty" for v, r in zip(values, real)]
        lhs = r"\max(" + ", ".join(_elide(items)) + ")"
    else:
        raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
    return lhs, format_value(result)


def scatter_caption_tex(
    value: float, kernel: np.ndarray, products: np.ndarray
) -> tuple[list[str], list[int]]:
    r"""LaTeX parts for one scatter step: ``y · (kernel) = (products)``.

    Every matrix entry is its own part, so that the products can fly from the
    caption to their cells.

    Parameters
    ----------
    value
        The input cell's value ``y``.
    kernel, products
        ``(kh, kw)`` weights and ``y * kernel`` (from the geometry core).

    Returns
    -------
    tuple
        The parts (for ``MathTex(*parts)``) and the index of each product
        entry among them, in row-major tap order.

    Examples
    --------
    >>> parts, where = scatter_caption_tex(2, np.array([[1, 0]]), np.array([[2, 0]]))
    >>> " ".join(parts)
    '2\\cdot \\begin{pmatrix} 1 & 0 \\end{pmatrix} = \\begin{pmatrix} 2 & 0 \\end{pmatrix}'
    >>> [parts[i] for i in where]
    ['2', '0']
    """
    parts = [rf"{_factor(value)}\cdot"]
    where: list[int] = []

    def matrix(values: np.ndarray, record: bool) -> None:
        parts.append(r"\begin{pmatrix}")
        for r, row in enumerate(values):
            if r:
                parts.append(r"\\")
            for c, v in enumerate(row):
                if c:
                    parts.append("&")
                if record:
                    where.append(len(parts))
                parts.append(format_value(v))
        parts.append(r"\end{pmatrix}")

    matrix(np.asarray(kernel), record=False)
    parts.append("=")
    matrix(np.asarray(products), record=True)
    return parts, where


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
    input_grid, output_grid
        The two grids. For a transposed conv the output grid is the whole
        canvas: output cells filled, cropped cells dashed.
    kernel
        The kernel window (over the input, or over the canvas when scattering).
    highlight
        The output cell being written (gather), or the input cell being
        scattered (transposed).
    input_label, output_label
        ``input 5×5`` and ``output 3×3`` above the grids.
    captions
        The caption of each step (of the still's step only, for a still).
    results
        Gather: the number of each step's output cell, in its cell (up to
        the still's step, for a still).
    sums
        Scatter: ``sums[0]`` holds the ``0`` of every output cell, and
        ``sums[e + 1]`` the numbers that step ``e`` changes, keyed by output
        cell.
    flyers
        Scatter: per step, the products that fly to the taps (none for a still).
    size_formula
        The output-size formula shown by the intro, if any.
    """

    header: VGroup
    input_grid: CellGrid
    output_grid: CellGrid
    kernel: KernelWindow
    highlight: CellHighlight
    input_label: Mobject
    output_label: Mobject
    captions: dict[int, Mobject]
    results: dict[int, Mobject]
    sums: list[dict[tuple[int, int], Mobject]]
    flyers: dict[int, list[Flyer]]
    size_formula: Mobject | None


# ------------------------------------------------------------------ scene
class NumericalScene(ConvScene):
    r"""The numbers under the kernel: input and output side by side.

    Set :attr:`spec` to a :class:`~convmanim.ConvSpec` and :attr:`mode` to
    ``"convolution"``, ``"average"`` or ``"max"``, or set :attr:`spec` to
    ``ConvSpec(...).transposed()`` for the scatter-add view of a transposed
    convolution (one step per cell of its input).

    Attributes
    ----------
    mode
        What the window computes. Average pooling counts the padding
        (PyTorch's ``count_include_pad=True``); in max pooling the padding
        never wins, and is written :math:`-\infty`.
    seed
        Seed of the default values (input 0–3, kernel 0–2).
    input_values
        The input's values; random integers when ``None``. For a transposed
        conv this is the transposed conv's input (``i'``).
    kernel_values
        The kernel's weights (convolution only); random integers when ``None``.
    write
        Fraction of :attr:`step_time` spent writing: the caption appears and
        the result flies to its cell (for a transposed conv, the products fly
        to the canvas and add up). :attr:`glide` is the window's move, and
        what is left is a pause.

    Examples
    --------
    .. manim:: MaxPoolingExample
        :save_last_frame:

        from convmanim import ConvSpec, NumericalScene

        class MaxPoolingExample(NumericalScene):
            spec = ConvSpec(6, 2, stride=2)
            mode = "max"
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    mode: ClassVar[str] = "convolution"
    seed: ClassVar[int] = 0
    input_values: ClassVar[np.ndarray | None] = None
    kernel_values: ClassVar[np.ndarray | None] = None
    step_time: ClassVar[float] = 1.5
    keep_formula: ClassVar[bool] = False  # no room beside the grids: it fades out
    glide: ClassVar[float] = 0.35
    write: ClassVar[float] = 0.4

    parts: NumericalParts

    # ------------------------------------------------------------ settings
    @classmethod
    def num_steps(cls) -> int:
        """One step per output cell; for a transposed conv, one per input cell."""
        if cls.spec.is_transposed:
            ih, iw = cls.spec.input_size
            return ih * iw
        return cls.spec.num_steps

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless the scene plays ``step``."""
        if isinstance(cls.spec, TransposedConvSpec):
            cls.spec.scatter_canvas().window_origin(step)
        else:
            cls.spec.step_cell(step)

    @classmethod
    def values(cls) -> tuple[np.ndarray, np.ndarray]:
        """The input and kernel values the scene shows (the defaults, or the ones set).

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
        x, kernel = default_values(spec, cls.seed)
        role = " (the transposed conv's input i')" if spec.is_transposed else ""
        if cls.input_values is not None:
            x = as_grid("input_values", cls.input_values, spec.input_size, role=role)
        if cls.kernel_values is not None:
            kernel = as_grid("kernel_values", cls.kernel_values, spec.kernel_size)
        return x, kernel

    # ---------------------------------------------------------------- build
    def build_parts(self) -> NumericalParts:
        """Compute every number, then build and lay out the grids, labels and captions."""
        self._labels: LabelMaker | None = None  # one maker per build: each pass starts afresh
        x, kernel = self.values()
        if isinstance(self.spec, TransposedConvSpec):
            return self._build_scatter(scatter_numbers(self.spec, x, kernel))
        return self._build_gather(gather_numbers(self.spec, self.mode, x, kernel))

    def _shown_steps(self) -> range:
        """The steps whose captions are built: all of them, or a still's one."""
        if self.still_step is None:
            return range(self.num_steps())
        self.check_step(self.still_step)
        return range(self.still_step, self.still_step + 1)

    def _settle(self, mob: Mobject, plane: PlaneMap, *, weighted: bool) -> Mobject:
        """Narrow a placed number and, where a weight may sit, move it up and left."""
        limit = (WEIGHTED_NUMBER_WIDTH if weighted else NUMBER_WIDTH) * plane.cell_size
        if mob.width > limit:
            mob.scale(limit / mob.width)
        if weighted:
            mob.shift(plane.vector(*WEIGHTED_NUMBER_SHIFT))
        return mob

    def _tex(self, tex: str, color: str) -> Mobject:
        """A cell's number or weight: one shared typesetting per distinct label."""
        maker = self._labels
        if maker is None:
            maker = self._labels = LabelMaker(color)
        return maker.math(tex, font_size=DEFAULT_FONT_SIZE, color=color)

    def _number(
        self, value: float, plane: PlaneMap, cell: tuple[int, int], *, weighted: bool = False
    ) -> Mobject:
        """A number laid into ``cell`` of ``plane``."""
        mob = self._tex(format_value(value), self.get_theme().cell_text)
        place_in_cell(mob, plane, *cell, height=NUMBER_HEIGHT)
        return self._settle(mob, plane, weighted=weighted)

    def _label_grid(
        self, grid: CellGrid, labels: dict[tuple[int, int], Mobject], *, weighted: bool
    ) -> None:
        """Write ``labels`` into ``grid``'s cells, narrowed as :meth:`_settle` does."""
        grid.set_labels(labels, height=NUMBER_HEIGHT)
        for mob in labels.values():
            self._settle(mob, grid.plane, weighted=weighted)

    def _grid_label(self, role: str, size: Pair) -> Mobject:
        return self.text(rf"{role} ${fmt_size(size)}$", font_size=28)

    def _kernel(
        self, plane: PlaneMap, direct: DirectConv, weights: np.ndarray | None
    ) -> KernelWindow:
        """The kernel window, with its weights (if any) a little larger than the default."""
        labels = None
        if weights is not None:
            color = self.get_theme().text
            labels = [[self._tex(format_value(w), color) for w in row] for row in weights]
        kernel = KernelWindow(plane, direct, self.get_theme(), weight_labels=labels)
        if weights is not None:
            win = direct.window(kernel.step)
            inset = 0.06 * plane.cell_size
            kw = direct.kernel_size[1]
            for n, label in enumerate(kernel.weights):
                r, c = win[n // kw, n % kw]
                corner = plane.point(r + 1, c + 1) + np.array([-inset, inset, 0.0])
                label.scale(WEIGHT_SCALE, about_point=corner)
        return kernel

    def _build_gather(self, numbers: GatherNumbers) -> NumericalParts:
        theme = self.get_theme()
        spec = self.spec
        assert isinstance(spec, ConvSpec)
        direct = spec.direct()
        oh, ow = spec.output_size
        weighted = numbers.weights is not None
        header = self._build_header()
        in_label = self._grid_label("input", spec.input_size)
        out_label = self._grid_label("output", spec.output_size)
        steps = self._shown_steps()
        captions: dict[int, Mobject] = {}
        for e in steps:
            lhs, result = caption_tex(
                self.mode,
                numbers.taps[e].ravel(),
                numbers.tap_real[e].ravel(),
                None if numbers.weights is None else numbers.weights.ravel(),
                numbers.output.flat[e],
            )
            captions[e] = math_label(lhs, "=", result, color=theme.text, font_size=CAPTION_FONT)
        # The tallest a one-line caption gets, so that every step's layout is the same.
        probe = math_label(r"\max(-\infty)/9", color=theme.text, font_size=CAPTION_FONT)
        in_plane, out_plane, caption_y = self._layout(
            direct.grid_size, (oh, ow), header, in_label, out_label,
            list(captions.values()), probe.height,
        )
        input_grid = CellGrid(
            in_plane, direct.grid_size,
            filled=numbers.real,
            fill_color=theme.input_fill,
            theme=theme,
        )
        labels: dict[tuple[int, int], Mobject] = {}
        infinities = []
        for r in range(direct.grid_size[0]):
            for c in range(direct.grid_size[1]):
                if numbers.real[r, c]:
                    labels[(r, c)] = self._tex(format_value(numbers.grid[r, c]),
                                               theme.cell_text)
                elif self.mode == "max":
                    labels[(r, c)] = self._tex(r"-\infty", theme.text)
                    infinities.append(labels[(r, c)])
                else:
                    labels[(r, c)] = self._tex("0", theme.text)
        self._label_grid(input_grid, labels, weighted=weighted)
        for mob in infinities:
            mob.scale(INFINITY_HEIGHT / NUMBER_HEIGHT)
        kernel = self._kernel(in_plane, direct, numbers.weights)
        output_grid = CellGrid(out_plane, (oh, ow), fill_color=theme.output_fill, theme=theme)
        highlight = CellHighlight(out_plane, (0, 0), theme)
        results = {
            e: self._number(numbers.output.flat[e], out_plane, divmod(e, ow))
            for e in range(steps.stop)
        }
        for caption in captions.values():
            caption.move_to([0.0, caption_y, 0.0])
        return NumericalParts(
            header=header,
            input_grid=input_grid,
            output_grid=output_grid,
            kernel=kernel,
            highlight=highlight,
            input_label=in_label,
            output_label=out_label,
            captions=captions,
            results=results,
            sums=[],
            flyers={},
            size_formula=self._size_formula(),
        )

    def _build_scatter(self, numbers: ScatterNumbers) -> NumericalParts:
        theme = self.get_theme()
        spec = self.spec
        assert isinstance(spec, TransposedConvSpec)
        canvas = spec.scatter_canvas()
        ih, iw = spec.input_size
        oh, ow = spec.output_size
        header = self._build_header()
        in_label = self._grid_label("input", spec.input_size)
        out_label = self._grid_label("output", spec.output_size)
        steps = self._shown_steps()
        captions: dict[int, Mobject] = {}
        product_parts: dict[int, list[int]] = {}
        for e in steps:
            parts, product_parts[e] = scatter_caption_tex(
                numbers.y.flat[e], numbers.kernel, numbers.products[e]
            )
            captions[e] = math_label(*parts, color=theme.text, font_size=CAPTION_FONT)
        in_plane, out_plane, caption_y = self._layout(
            (ih, iw), canvas.grid_size, header, in_label, out_label,
            list(captions.values()), 0.0,
        )
        input_grid = CellGrid(
            in_plane, (ih, iw),
            fill_color=theme.input_fill,
            theme=theme,
        )
        self._label_grid(
            input_grid,
            {
                (r, c): self._tex(format_value(numbers.y[r, c]), theme.cell_text)
                for r in range(ih)
                for c in range(iw)
            },
            weighted=False,
        )
        highlight = CellHighlight(in_plane, (0, 0), theme)
        mask = canvas.input_mask()
        output_grid = CellGrid(
            out_plane, canvas.grid_size,
            filled=mask,
            fill_color=theme.output_fill,
            theme=theme,
        )
        kernel = self._kernel(out_plane, canvas, numbers.kernel)
        home = canvas.input_cells()

        def number_at(value: float, r: int, c: int) -> Mobject:
            return self._number(value, out_plane, (int(home[r, c, 0]), int(home[r, c, 1])),
                                weighted=True)

        # Which step last changes each output cell, up to the last step shown;
        # a still needs only the numbers it shows.
        last: dict[tuple[int, int], int] = {}
        touched: list[list[tuple[int, int]]] = []
        origin = np.asarray(canvas.input_origin)
        for e in range(steps.stop):
            win = canvas.window(e).reshape(-1, 2)
            cells = [(int(r), int(c)) for r, c in win[mask[win[:, 0], win[:, 1]]] - origin]
            touched.append(cells)
            last.update(dict.fromkeys(cells, e))
        still = self.still_step is not None
        sums: list[dict[tuple[int, int], Mobject]] = [
            {
                (r, c): number_at(0.0, r, c)
                for r in range(oh)
                for c in range(ow)
                if not (still and (r, c) in last)
            }
        ]
        for e, cells in enumerate(touched):
            sums.append({
                cell: number_at(numbers.sums[e][cell], *cell)
                for cell in cells
                if not still or last[cell] == e
            })
        flyers: dict[int, list[Flyer]] = {}
        label_height = NUMBER_HEIGHT * out_plane.cell_size
        for e, caption in captions.items():
            caption.move_to([0.0, caption_y, 0.0])
            if self.still_step is not None:
                continue
            win = canvas.window(e).reshape(-1, 2)
            flyers[e] = []
            for (r, c), index in zip(win, product_parts[e]):
                entry = caption[index]
                flyers[e].append(
                    Flyer(ghost(entry), out_plane.cell_center(r, c),
                          label_height / max(entry.height, 1e-9), bool(mask[r, c]))
                )
        return NumericalParts(
            header=header,
            input_grid=input_grid,
            output_grid=output_grid,
            kernel=kernel,
            highlight=highlight,
            input_label=in_label,
            output_label=out_label,
            captions=captions,
            results={},
            sums=sums,
            flyers=flyers,
            size_formula=self._size_formula(),
        )

    def _size_formula(self) -> Mobject | None:
        if not self.intro:
            return None
        return output_size_formula(self.spec, color=self.get_theme().text, font_size=30)

    def _build_header(self) -> VGroup:
        spec = self.spec
        theme = self.get_theme()
        lines: list[str]
        if isinstance(spec, TransposedConvSpec):
            title = "Transposed convolution"
            f = spec.forward
            lines = [spec_summary(spec)[0]]
            note = (
                rf"i' = {_pair(spec.input_size)},\;\; o' = {_pair(spec.output_size)}:\;\;"
                r"\text{each input cell adds its value} \times w"
                rf"\text{{, moving }} s = {_pair(f.stride)}"
            )
            notes = [note]
            crop = [rf"\text{{dashed cells are cropped by }} p = {_pair(f.padding)}"]
            if spec.output_padding != (0, 0):
                crop.append(rf"\text{{output padding }} a = {_pair(spec.output_padding)}")
            if f.padding != (0, 0) or spec.output_padding != (0, 0):
                notes.append(r",\;\; ".join(crop))
        else:
            title = TITLES[self.mode]
            lines = [r",\;\;\; ".join(spec_summary(spec))]
            notes = []
            if spec.padding != (0, 0) and self.mode == "average":
                notes.append(r"\text{the padding counts: every window divides by } "
                             rf"{spec.kernel_size[0] * spec.kernel_size[1]}")
            if spec.padding != (0, 0) and self.mode == "max":
                notes.append(r"\text{the padding is } -\infty\text{: it never wins}")
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

    def _layout(
        self,
        left: Pair,
        right: Pair,
        header: Mobject,
        in_label: Mobject,
        out_label: Mobject,
        captions: Sequence[Mobject],
        caption_height: float,
    ) -> tuple[PlaneMap, PlaneMap, float]:
        """Place the two grids side by side between the header and the captions.

        Scales the captions to fit the frame, moves the grid labels, and
        returns the two planes and the captions' centre height. At least
        ``caption_height`` is kept free for the captions, so that a still
        (which builds only its own caption) is laid out as the animation is.
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
        label_h = max(in_label.height, out_label.height) + LABEL_GAP
        rows = max(left[0], right[0])
        height_avail = top - bottom - label_h - CAPTION_GAP - caption_h

        def columns(u: float) -> tuple[float, float, float]:
            return (
                max(left[1] * u, in_label.width),
                GRID_GAP_CELLS * u + GRID_GAP_MIN,
                max(right[1] * u, out_label.width),
            )

        hi = min(height_avail / rows, MAX_CELL)
        if sum(columns(hi)) > width:
            lo = 0.0
            for _ in range(50):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if sum(columns(mid)) <= width else (lo, mid)
            hi = lo
        u = hi
        left_w, gap, right_w = columns(u)
        block_h = label_h + rows * u + CAPTION_GAP + caption_h
        mid_y = (top + bottom) / 2 + block_h / 2 - label_h - rows * u / 2
        x0 = -(left_w + gap + right_w) / 2
        centres = (x0 + left_w / 2, x0 + left_w + gap + right_w / 2)
        planes = []
        for (nr, nc), cx, label in zip((left, right), centres, (in_label, out_label)):
            origin = np.array([cx - nc * u / 2, mid_y + nr * u / 2, 0.0])
            planes.append(PlaneMap.flat(u, origin))
            label.move_to([cx, 0.0, 0.0]).shift(
                (origin[1] + LABEL_GAP + label.height / 2) * UP
            )
        caption_y = mid_y - rows * u / 2 - CAPTION_GAP - caption_h / 2
        return planes[0], planes[1], caption_y

    # ---------------------------------------------------------------- steps
    def add_parts(self) -> None:
        """Header, labels, grids, then the moving parts on top."""
        p = self.parts
        self._caption: Mobject | None = None
        self.add(p.header, p.input_label, p.output_label, p.input_grid)
        if self.spec.is_transposed:
            self.add(p.highlight, p.output_grid, p.kernel, *p.sums[0].values())
            self._shown: dict[tuple[int, int], Mobject] = dict(p.sums[0])
        else:
            self.add(p.kernel, p.output_grid, p.highlight)

    def _cell(self, step: int) -> tuple[int, int]:
        """The highlighted cell of ``step``: an output cell, or the scattered input cell."""
        n = self.spec.input_size[1] if self.spec.is_transposed else self.spec.output_size[1]
        r, c = divmod(step, n)
        return (r, c)

    def _swap_caption(self, step: int | None) -> None:
        if self._caption is not None:
            self.remove(self._caption)
        self._caption = None if step is None else self.parts.captions[step]
        if self._caption is not None:
            self.add(self._caption)

    def still_parts(self) -> list[Mobject]:
        """The header, the grid labels and the input grid: no step changes them."""
        p = self.parts
        return [p.header, p.input_label, p.output_label, p.input_grid]

    def set_step(self, step: int) -> None:
        """Show ``step`` at once: its window, its caption, and the output as it is then."""
        self.check_step(step)
        p = self.parts
        p.kernel.move_to_step(step)
        p.highlight.move_to_cell(self._cell(step))
        self._swap_caption(step)
        if self.spec.is_transposed:
            shown: dict[tuple[int, int], Mobject] = {}
            for changes in p.sums[: step + 2]:
                shown.update(changes)
            for cell, mob in self._shown.items():
                if shown[cell] is not mob:
                    self.remove(mob)
            for cell, mob in shown.items():
                if self._shown.get(cell) is not mob:
                    self.add(mob)
            self._shown = shown
        else:
            for e, mob in p.results.items():
                if e <= step:
                    if mob not in self.mobjects:
                        self.add(mob)
                else:
                    self.remove(mob)

    def step_animations(self, step: int) -> list[Animation]:
        """The glide to ``step``: the window and highlight move, the old caption fades."""
        p = self.parts
        anims: list[Animation] = [
            p.kernel.animate_to_step(step),
            p.highlight.animate_to_cell(self._cell(step)),
        ]
        if self._caption is not None:
            anims.append(Fade(self._caption, fade_in=False))
            self._caption = None
        return anims

    def _result_flight(self, step: int) -> Animation:
        """Gather: the result leaves the caption and lands in its output cell."""
        label = self.parts.results[step]
        source = self.parts.captions[step][2]
        home = label.get_center().copy()
        factor = label.height / max(source.height, 1e-9)
        label.scale(1 / factor).move_to(source)
        return Relocate(label, home, factor, introducer=True)

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
            anims.append(Fade(mob, fade_in=True))
            self._shown[cell] = mob
        return anims

    def play_steps(self) -> None:
        """Play every step: glide, caption, write, pause; each lasts :attr:`step_time`."""
        self.freeze_still_parts()
        fps = config.frame_rate
        per_step = max(1, round(self.step_time * fps))
        n_glide = round(self.glide * per_step)
        n_write = round(self.write * per_step)
        if n_glide + n_write > per_step:
            n_write = per_step - n_glide
        transposed = self.spec.is_transposed
        # caption in, then the numbers fly (and, scattering, add up)
        shares = (0.3, 0.4, 0.3) if transposed else (0.4, 0.6, 0.0)
        n_caption = round(shares[0] * n_write)
        n_fly = round(shares[1] * n_write)
        n_merge = n_write - n_caption - n_fly
        for step in range(self.num_steps()):
            if not self.smooth:
                self.set_step(step)
                self.hold_frames(per_step)
                self.steps_played.append(step)
                self.step_done(step)
                continue
            self.play_frames(self.step_animations(step), n_glide)
            self._swap_caption(None)
            self.play_frames([Fade(self.parts.captions[step], fade_in=True)], n_caption)
            self._caption = self.parts.captions[step]
            if transposed:
                self.play_frames(self._scatter_flights(step), n_fly)
                self.play_frames(self._scatter_merge(step), n_merge)
            else:
                self.play_frames([self._result_flight(step)], n_fly)
            self.hold_frames(per_step - n_glide - n_write)
            self.steps_played.append(step)
            self.step_done(step)
        self.hold_frames(max(1, round(self.end_hold * config.frame_rate)))

    # ---------------------------------------------------------------- intro
    def intro_formula(self) -> Mobject | None:
        """The output-size formula with the numbers put in."""
        return self.parts.size_formula


def _pair(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else rf"{pair[0]}\times {pair[1]}"

