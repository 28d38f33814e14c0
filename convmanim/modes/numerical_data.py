"""The numbers and captions of the numerical mode, computed before anything is drawn.

Every number a numerical scene shows comes from here, and every number here
comes from the geometry core (:meth:`~convmanim.ConvSpec.apply`,
:meth:`~convmanim.TransposedConvSpec.scatter_contributions`): the values
under each window, each channel's sum, the bias, the result, and the LaTeX
of the captions that write them. This module never imports manim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..geometry import AnySpec, ConvSpec, Pair, SpecError, TransposedConvSpec
from ..values import format_value, is_exact

__all__ = [
    "CHANNEL_TERMS",
    "MAX_TERMS",
    "MODES",
    "GatherNumbers",
    "GatherStep",
    "ScatterNumbers",
    "ScatterStep",
    "caption_tex",
    "channel_caption_tex",
    "default_bias",
    "default_values",
    "factor_text",
    "gather_numbers",
    "relation",
    "scatter_caption_tex",
    "scatter_numbers",
    "step_caption_tex",
]

MODES = ("convolution", "average", "max")
"""What the window computes: a weighted sum, the mean of its cells, or their maximum."""

MAX_TERMS = 9
"""Captions list at most this many terms; longer ones keep the first and last few."""
HEAD_TERMS, TAIL_TERMS = 4, 2
CHANNEL_TERMS = 3
"""Products a channel's caption under its grid writes at most (the first, dots, the last)."""


# ------------------------------------------------------------------ numbers
def default_values(spec: AnySpec, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random integer values: input in 0–3, kernel in 0–2.

    Parameters
    ----------
    spec
        Gives the shapes: the input of ``spec`` (``i'`` for a transposed conv)
        and its kernel. With channels, the input is ``(C_in, H, W)`` and the
        kernel the weight tensor, in PyTorch's layout.
    seed
        Seed of :func:`numpy.random.default_rng`; the input is drawn first,
        then the kernel (then :func:`default_bias`), so a pooling scene and a
        convolution scene with the same seed and input size show the same
        input.

    Returns
    -------
    tuple of numpy.ndarray
        ``(input, kernel)`` as float arrays. A kernel drawn all zero (likely
        for a short 1-D kernel: one in 27 for ``k = 3``) is drawn again, so
        that the default numbers never show a convolution of zeros.
    """
    x, kernel, _ = _draw(spec, seed)
    if not spec.has_channels:
        return x[0], kernel[0, 0]
    return x, kernel


def default_bias(spec: AnySpec, seed: int = 0) -> np.ndarray:
    """Random integer biases in 0–2, one per output channel, drawn after :func:`default_values`."""
    return _draw(spec, seed)[2]


REDRAWS = 8
"""Times an all-zero default kernel is drawn again, at most."""


def _draw(spec: AnySpec, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input, kernel and bias from one seeded stream, in that order (see :func:`default_values`)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=spec.input_shape).astype(float)
    kernel = rng.integers(0, 3, size=spec.weight_shape).astype(float)
    for _ in range(REDRAWS):
        if kernel.any():
            break
        kernel = rng.integers(0, 3, size=spec.weight_shape).astype(float)
    return x, kernel, rng.integers(0, 3, size=spec.bias_shape).astype(float)


@dataclass(frozen=True)
class GatherStep:
    """What one step of a convolution or pooling scene computes: one output value.

    Attributes
    ----------
    out_channel, cell
        The output value written: channel and ``(row, column)``.
    position
        The window's position (its spatial step over the output).
    channels
        The input channels the window reads (the filter's group; one for pooling).
    values, real
        ``(n, kh, kw)``: the grid value under each tap of each channel read,
        and whether it lies on input (not padding).
    weights
        ``(n, kh, kw)``: the weight each tap multiplies (``None`` for pooling).
    partials
        ``(n,)``: each channel's window times its weights (``None`` for pooling).
    bias
        The filter's bias (``None`` without one).
    result
        The output value, from :meth:`~convmanim.ConvSpec.apply`.
    """

    out_channel: int
    cell: Pair
    position: int
    channels: tuple[int, ...]
    values: np.ndarray
    real: np.ndarray
    weights: np.ndarray | None
    partials: np.ndarray | None
    bias: float | None
    result: float


@dataclass(frozen=True)
class GatherNumbers:
    """Everything a convolution or pooling scene writes, computed up front.

    Attributes
    ----------
    grids
        ``(C_in, H, W)`` values of the drawn grids: each input channel, with
        zeros in the padding.
    real
        ``(H, W)`` mask of the grid cells that hold input (not padding).
    steps
        One :class:`GatherStep` per output value, channel by channel.
    weights
        ``(C_out, C_in/groups, kh, kw)``: the weight each tap of each filter
        slice multiplies (``None`` for pooling).
    bias
        ``(C_out,)``, or ``None``.
    output
        ``(C_out, oh, ow)``: the result, from :meth:`~convmanim.ConvSpec.apply`.
    """

    grids: np.ndarray
    real: np.ndarray
    steps: list[GatherStep]
    weights: np.ndarray | None
    bias: np.ndarray | None
    output: np.ndarray


def gather_numbers(
    spec: ConvSpec,
    mode: str,
    x: np.ndarray,
    kernel: np.ndarray | None,
    bias: np.ndarray | None = None,
) -> GatherNumbers:
    """The numbers of a convolution (``mode="convolution"``) or pooling scene.

    Parameters
    ----------
    spec
        The convolution; pooling takes each input channel on its own
        (:meth:`~convmanim.ConvSpec.pooling`).
    mode
        ``"convolution"``, ``"average"`` or ``"max"``.
    x
        ``(C_in, H, W)``, or ``(H, W)`` with one channel.
    kernel
        The weights in PyTorch's layout (a ``(kh, kw)`` kernel with one
        channel); ignored by pooling.
    bias
        ``(C_out,)`` or ``None`` (convolution only).

    Raises
    ------
    SpecError
        For an unknown mode, or a spec that is not a valid pooling window.
    """
    if mode not in MODES:
        raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
    convolution = mode == "convolution"
    if not convolution:
        spec.check_pooling(mode)  # type: ignore[arg-type]
        spec = spec.pooling()
        bias = None
    direct = spec.direct()
    xs = np.asarray(x, dtype=float).reshape(spec.input_shape)
    grids = np.stack([direct.grid_values(channel) for channel in xs])
    real = direct.input_mask()
    wins = np.array(list(direct.windows()))
    weights = None
    if convolution:
        tap = direct.tap_weight()
        w = np.asarray(kernel, dtype=float).reshape(spec.weight_shape)
        weights = w[:, :, tap[..., 0], tap[..., 1]]
    b = None if bias is None else np.asarray(bias, dtype=float).reshape(spec.bias_shape)
    output = spec.apply(xs, None if weights is None else kernel, mode,  # type: ignore[arg-type]
                        None if b is None else b).reshape(spec.output_shape)
    steps = []
    for e in range(spec.num_outputs):
        o, r, c = spec.output_index(e)
        position = spec.step_index((r, c))
        channels = tuple(spec.input_channels_of(o))
        win = wins[position]
        values = grids[list(channels)][:, win[..., 0], win[..., 1]]
        partials = None
        slices = None
        if weights is not None:
            slices = np.stack([weights[spec.weight_slice(o, ch)] for ch in channels])
            partials = (values * slices).sum(axis=(1, 2))
            total = partials.sum() + (0.0 if b is None else b[o])
            if not np.isclose(total, output[o, r, c]):  # pragma: no cover - an invariant
                raise AssertionError("the channels' sums do not add up to the convolution")
        steps.append(GatherStep(
            out_channel=o,
            cell=(r, c),
            position=position,
            channels=channels,
            values=values,
            real=np.broadcast_to(real[win[..., 0], win[..., 1]], values.shape),
            weights=slices,
            partials=partials,
            bias=None if b is None else float(b[o]),
            result=float(output[o, r, c]),
        ))
    return GatherNumbers(grids, real, steps, weights, b, output)


@dataclass(frozen=True)
class ScatterStep:
    """What one step of a transposed-conv scene adds: one input value, scattered.

    Attributes
    ----------
    in_channel, cell
        The input value scattered: channel and ``(row, column)``.
    position
        Its spatial step (the window on the output canvas).
    value
        ``y`` at that cell.
    out_channels
        The output channels it reaches (its group's).
    kernels
        ``(n, kh, kw)``: the weight slice it is multiplied by, per output channel.
    products
        ``(n, kh, kw)``: ``value * kernels``, what it adds at each tap
        (including the taps that fall on the cropped border).
    """

    in_channel: int
    cell: Pair
    position: int
    value: float
    out_channels: tuple[int, ...]
    kernels: np.ndarray
    products: np.ndarray


@dataclass(frozen=True)
class ScatterNumbers:
    """Everything a transposed-conv scene writes, computed up front.

    Attributes
    ----------
    y
        ``(C_in', ih', iw')``: the transposed conv's input.
    weight
        The weight tensor, ``(C_in', C_out'/groups, kh, kw)``.
    steps
        One :class:`ScatterStep` per input value, channel by channel.
    bias
        ``(C_out',)``, or ``None``: each output channel starts at its bias.
    sums
        ``(n + 1, C_out', oh', ow')``: the output before the first step and
        after each step (the bias plus the running sum of
        :meth:`~convmanim.TransposedConvSpec.scatter_contributions`).
    output
        ``(C_out', oh', ow')``: the result, from :meth:`~convmanim.TransposedConvSpec.apply`.
    """

    y: np.ndarray
    weight: np.ndarray
    steps: list[ScatterStep]
    bias: np.ndarray | None
    sums: np.ndarray
    output: np.ndarray


def scatter_numbers(
    spec: TransposedConvSpec,
    y: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray | None = None,
) -> ScatterNumbers:
    """The numbers of a transposed-conv scene, in the scatter-add view."""
    ys = np.asarray(y, dtype=float).reshape(spec.input_shape)
    w = np.asarray(kernel, dtype=float).reshape(spec.weight_shape)
    b = None if bias is None else np.asarray(bias, dtype=float).reshape(spec.bias_shape)
    start = np.zeros(spec.output_shape)
    if b is not None:
        start += b[:, None, None]
    contributions = [c.reshape(spec.output_shape) for c in spec.scatter_contributions(ys, w)]
    sums = np.cumsum([start, *contributions], axis=0)
    output = spec.apply(ys, w, bias=b).reshape(spec.output_shape)
    if not np.allclose(sums[-1], output):  # pragma: no cover - an invariant of the core
        raise AssertionError("the scatter contributions do not add up to the transposed conv")
    steps = []
    for e in range(ys.size):
        i, r, c = spec.input_index(e)
        outs = tuple(spec.output_channels_of(i))
        kernels = np.stack([w[spec.weight_slice(o, i)] for o in outs])
        steps.append(ScatterStep(i, (r, c), spec.input_step_index((r, c)), float(ys[i, r, c]),
                                 outs, kernels, ys[i, r, c] * kernels))
    return ScatterNumbers(ys, w, steps, b, sums, output)


# ------------------------------------------------------------------ captions
def _elide(items: Sequence[str]) -> list[str]:
    if len(items) <= MAX_TERMS:
        return list(items)
    return [*items[:HEAD_TERMS], r"\dots", *items[-TAIL_TERMS:]]


def _factor(value: float, text: str | None = None) -> str:
    text = format_value(value) if text is None else text
    return f"({text})" if text.startswith("-") else text


def relation(*numbers: object) -> str:
    r"""``=`` when every number prints exactly, else ``\approx``: a rounded number looks rounded.

    Examples
    --------
    >>> relation(3, [1.5, 0.25]), relation(3, 4 / 3)
    ('=', '\\approx')
    """
    values = np.concatenate([np.ravel(np.asarray(n, dtype=float)) for n in numbers])
    return "=" if all(is_exact(v) for v in values) else r"\approx"


def factor_text(value: float, weights: np.ndarray, products: np.ndarray) -> str:
    """The scattered value, with digits enough that its arithmetic agrees as displayed.

    A rounded value gets more decimals until each displayed product is what
    the displayed value times its weight prints as: ``1.3333 · 2 ≈ 2.667``,
    not ``1.333 · 2 ≈ 2.667`` (which would be 2.666). An exact value prints
    as it is.

    Examples
    --------
    >>> factor_text(4 / 3, np.array([2.0, 1.0]), np.array([8 / 3, 4 / 3]))
    '1.3333'
    >>> factor_text(1.5, np.array([2.0]), np.array([3.0]))
    '1.5'
    """
    text = format_value(value)
    if is_exact(value):
        return text
    want = [format_value(p) for p in np.ravel(products)]
    shown = len(text.split(".")[1]) if "." in text else 0
    for decimals in range(shown, 10):
        candidate = f"{value:.{decimals}f}"
        got = [format_value(float(candidate) * w) for w in np.ravel(weights)]
        if got == want:
            return candidate
    return text


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


def step_caption_tex(step: GatherStep, mode: str) -> tuple[list[str], int]:
    r"""LaTeX parts of one gather step's caption, and the index of its result part.

    With one input channel read, the window's arithmetic as
    :func:`caption_tex` writes it (plus the bias, if any). With several, the
    sum over the channels of each channel's window times its weights (each
    written under its grid, see :func:`channel_caption_tex`), plus the bias:
    ``Σ_c (window_c · w_{o,c}) + b_o``, with the numbers put in.

    Examples
    --------
    >>> import numpy as np
    >>> one = GatherStep(0, (0, 0), 0, (0,), np.array([[[3.0, 2.0]]]),
    ...                  np.ones((1, 1, 2), bool), np.array([[[1.0, 2.0]]]),
    ...                  np.array([7.0]), 1.0, 8.0)
    >>> step_caption_tex(one, "convolution")
    (['3\\cdot 1 + 2\\cdot 2', '+', '\\underbrace{1}_{\\mathrm{bias}}', '=', '8'], 4)
    >>> two = GatherStep(1, (0, 0), 0, (2, 3), np.ones((2, 1, 1)), np.ones((2, 1, 1), bool),
    ...                  np.ones((2, 1, 1)), np.array([7.0, -4.0]), None, 3.0)
    >>> " ".join(step_caption_tex(two, "convolution")[0])
    '\\underbrace{7}_{c=2} - \\underbrace{4}_{c=3} = 3'
    """
    if mode != "convolution" or step.partials is None or len(step.channels) == 1:
        lhs, result = caption_tex(
            mode, step.values[0].ravel(), step.real[0].ravel(),
            None if step.weights is None else step.weights[0].ravel(), step.result,
        )
        parts = [lhs]
    else:
        out = ""
        for n, (v, c) in enumerate(zip(step.partials, step.channels)):
            term = rf"\underbrace{{{format_value(abs(v))}}}_{{c={c}}}"
            sign = ("-" if v < 0 else "") if n == 0 else (" - " if v < 0 else " + ")
            out += sign + term
        parts = [out]
        result = format_value(step.result)
    if step.bias is not None:
        sign = "-" if step.bias < 0 else "+"
        parts += [sign, rf"\underbrace{{{format_value(abs(step.bias))}}}_{{\mathrm{{bias}}}}"]
    parts += [_step_relation(step), result]
    return parts, len(parts) - 1


def _step_relation(step: GatherStep) -> str:
    """``=`` or ``≈`` for a gather step's caption: every number it adds up counts."""
    shown: list[object] = [step.values[step.real], step.result]
    shown += [n for n in (step.weights, step.partials, step.bias) if n is not None]
    return relation(*shown)


def channel_caption_tex(values: np.ndarray, weights: np.ndarray, partial: float) -> str:
    r"""One input channel's window times its weights, for under its grid.

    At most :data:`CHANNEL_TERMS` products are written; longer sums keep the
    first and the last with ``\dots`` between.

    Examples
    --------
    >>> channel_caption_tex(np.array([3.0, 0, 2, 1]), np.array([1.0, 2, 0, 1]), 4)
    '3\\cdot 1 + \\dots + 1\\cdot 1 = 4'
    """
    terms = [rf"{_factor(v)}\cdot {_factor(w)}" for v, w in zip(values, weights)]
    if len(terms) > CHANNEL_TERMS:
        terms = [*terms[:CHANNEL_TERMS - 2], r"\dots", terms[-1]]
    return " + ".join(terms) + f" {relation(values, weights, partial)} {format_value(partial)}"


def scatter_caption_tex(
    value: float, kernel: np.ndarray, products: np.ndarray
) -> tuple[list[str], list[int]]:
    r"""LaTeX parts for one scatter step: ``y · (kernel) = (products)``.

    Every matrix entry is its own part, so that the products can fly from the
    caption to their cells. When a number is rounded the caption writes
    ``≈``, and the value gets the digits that make its arithmetic agree as
    displayed (:func:`factor_text`). ``kernel`` and ``products`` may also be
    ``(n, kh, kw)`` stacks, one slice per output channel the value reaches:
    the caption then writes one ``y · (kernel) = (products)`` per channel,
    separated by commas.

    Parameters
    ----------
    value
        The input cell's value ``y``.
    kernel, products
        ``(kh, kw)`` weights and ``y * kernel`` (from the geometry core), or
        stacks of them.

    Returns
    -------
    tuple
        The parts (for ``MathTex(*parts)``) and the index of each product
        entry among them, in row-major tap order (channel after channel).

    Examples
    --------
    >>> parts, where = scatter_caption_tex(2, np.array([[1, 0]]), np.array([[2, 0]]))
    >>> " ".join(parts)
    '2\\cdot \\begin{pmatrix} 1 & 0 \\end{pmatrix} = \\begin{pmatrix} 2 & 0 \\end{pmatrix}'
    >>> [parts[i] for i in where]
    ['2', '0']
    """
    parts: list[str] = []
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

    kernels = np.asarray(kernel)
    prods = np.asarray(products)
    if kernels.ndim == 2:
        kernels, prods = kernels[None], prods[None]
    factor = _factor(value, factor_text(value, kernels, prods))
    sign = relation(value, kernels, prods)
    for n, (k, prod) in enumerate(zip(kernels, prods)):
        if n:
            parts.append(r",\qquad")
        parts.append(rf"{factor}\cdot")
        matrix(k, record=False)
        parts.append(sign)
        matrix(prod, record=True)
    return parts, where


def overlap_note_tex(spec: TransposedConvSpec) -> list[str]:
    r"""The rule behind the overlap counts: one LaTeX line, or one per axis when they differ.

    From :func:`convmanim.upsample.phase_counts`: away from the borders,
    output cells along an axis take turns receiving as many windows as there
    are kernel taps on their phase ``mod s``. With ``d = 1`` they are equal
    exactly when ``s`` divides ``k``; otherwise the turns show as a
    checkerboard (Odena, Dumoulin & Olah, 2016).

    Examples
    --------
    >>> from convmanim.geometry import ConvSpec
    >>> [uneven] = overlap_note_tex(ConvSpec(5, 3, stride=2, padding=1).transposed())
    >>> "not divisible by } s = 2" in uneven and "1, 2, 1, 2" in uneven
    True
    >>> [even] = overlap_note_tex(ConvSpec(6, 4, stride=2, padding=1).transposed())
    >>> "every inner cell gets } 2 \\times 2 = 4" in even
    True
    """
    from ..upsample import phase_counts

    phases = phase_counts(spec)
    f = spec.forward
    keys = [(f.kernel_size[a], f.stride[a], f.dilation[a], f.padding[a] % f.stride[a])
            for a in range(2)]

    def rule(axis: int) -> tuple[str, bool, str]:
        k, s, d, first = keys[axis]
        counts = phases[axis]
        turn = [counts[(first + j) % s] for j in range(s)]
        if d == 1:
            text = rf"k = {k} \text{{ is {'' if k % s == 0 else 'not '}divisible by }} s = {s}"
        else:
            text = rf"\text{{with dilation }} d = {d},\; s = {s}"
        even = len(set(counts)) == 1
        seq = ", ".join(str(n) for n in turn + turn) + r", \dots"
        return text, even, str(counts[0]) if even else seq

    if keys[0] == keys[1]:
        text, even, what = rule(0)
        if even:
            n = int(what)
            return [rf"{text}\text{{: even overlap, every inner cell gets }} {n} \times {n} = "
                    rf"{n * n} \text{{ window{'s' if n * n != 1 else ''}}}"]
        return [rf"{text}\text{{: uneven overlap, }}{what}\text{{ windows in turn along each "
                r"axis (a checkerboard)}"]
    trivial = [k == 1 and s == 1 for k, s, _, _ in keys]
    if any(trivial):  # a row (a 1-D spec) or a column: only the other axis overlaps
        text, even, what = rule(trivial.index(False))
        if even:
            return [rf"{text}\text{{: even overlap, {what} window"
                    rf"{'s' if what != '1' else ''} per inner cell}}"]
        return [rf"{text}\text{{: uneven overlap, }}{what}\text{{ windows in turn}}"]
    lines = []
    for axis, name in enumerate(("rows", "columns")):
        text, even, what = rule(axis)
        tail = (rf"\text{{: even, {what} per cell}}" if even
                else rf"\text{{: uneven, }}{what}\text{{ in turn}}")
        lines.append(rf"\text{{{name}: }}{text}{tail}")
    return lines
