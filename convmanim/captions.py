"""Captions in plain words and numbers: speaker notes, subtitles, screen readers.

Pure text from the geometry (numpy only, no manim): what a step shows, said
in a sentence, and the output-size formula said with its numbers. The text
holds no Markdown markup (no ``*`` or ``_``): indices are Unicode subscripts
(``w₀₁``) and products use ``×``, so that it reads the same as plain text and
as a Markdown speaker note.

Examples
--------
>>> from convmanim import ConvSpec
>>> print(window_caption(ConvSpec(5, 3, stride=2, padding=1), 1))  # doctest: +NORMALIZE_WHITESPACE
Step 2 of 9: the 3×3 kernel covers rows 0 to 2 and columns 2 to 4 of the padded 7×7 input
and gives output cell row 0, column 1.
>>> formula_in_words(ConvSpec(5, 3, stride=2, padding=1))
'Output size: o = floor((i + 2p − k) / s) + 1 = floor((5 + 2×1 − 3) / 2) + 1 = 3.'
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .geometry import (
    AnySpec,
    ConvSpec,
    Pair,
    TransposedConvSpec,
    cell_of_index,
    scatter_span,
    sequence_of,
    shown_index,
)
from .values import is_exact, plain_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .receptive import Stack

__all__ = [
    "formula_in_words",
    "gather_caption",
    "matrix_caption",
    "number",
    "positions_in_words",
    "scatter_caption",
    "stack_captions",
    "subscript",
    "window_caption",
]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(*indices: int) -> str:
    """Indices as Unicode subscripts: ``subscript(0, 1) == '₀₁'`` (a comma when one is > 9)."""
    sep = "," if any(i > 9 for i in indices) else ""
    return sep.join(str(i) for i in indices).translate(_SUB).replace(",", "‚")


def number(value: float) -> str:
    """A number as the scenes write it (:func:`~convmanim.values.format_value`), ``≈`` if rounded.

    Exact up to three decimals, otherwise rounded but never to something that
    looks like an integer; a real minus sign.

    Examples
    --------
    >>> [number(v) for v in (2, 1.005, -0.125, 2 / 3)]
    ['2', '1.005', '−0.125', '≈0.667']
    """
    text = plain_value(value)
    return text if is_exact(value) else f"≈{text}"


def _bare(value: float) -> str:
    """:func:`number` without the ``≈``: for a term of a sum that says ``≈`` once."""
    return plain_value(value)


def _relation(*values: object) -> str:
    """``=`` when every number prints exactly, else ``≈``."""
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])
    return "=" if all(is_exact(v) for v in flat) else "≈"


def _size(pair: Pair) -> str:
    return f"{pair[0]}×{pair[1]}"


def _span(lo: int, hi: int) -> str:
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


def _cell(row: int, col: int) -> str:
    return f"row {row}, column {col}"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def window_caption(spec: AnySpec, step: int) -> str:
    """Where the kernel lies at ``step`` and which output cell it gives.

    For a transposed convolution the kernel slides, rotated, over its input
    with the zeros inserted and the padding (the equivalent direct
    convolution the arithmetic mode draws).
    """
    direct = spec.direct()
    window = direct.window(step)
    rows, cols = window[..., 0], window[..., 1]
    row, col = spec.step_cell(step)
    seq = sequence_of(spec)
    if seq is not None:
        return _window_caption_1d(spec, step, cols)
    grid = _size(direct.grid_size)
    if spec.is_transposed:
        where = f"the {grid} input with its zeros and padding"
        kernel = f"the {_size(spec.kernel_size)} kernel, rotated by 180°,"
    else:
        where = f"the padded {grid} input" if any(spec.padding) else f"the {grid} input"
        kernel = f"the {_size(spec.kernel_size)} kernel"
        if spec.dilation != (1, 1):
            kernel += f" (dilated by {_size(spec.dilation)})"
    return (f"Step {step + 1} of {spec.num_steps}: {kernel} covers rows "
            f"{_span(int(rows.min()), int(rows.max()))} and columns "
            f"{_span(int(cols.min()), int(cols.max()))} of {where} and gives output cell "
            f"{_cell(row, col)}.")


def _window_caption_1d(spec: AnySpec, step: int, cols: np.ndarray) -> str:
    """:func:`window_caption` of a 1-D spec drawn as a row: positions, one index."""
    seq = sequence_of(spec)
    assert seq is not None
    direct = spec.direct()
    cells = direct.grid_size[1]
    (n,) = shown_index(spec, spec.step_cell(step))
    kernel = f"the kernel of {seq.kernel_size}"
    if spec.is_transposed:
        where = f"the {cells} cells of the input with its zeros and padding"
        kernel += ", reversed,"
    else:
        if seq.dilation != 1:
            kernel += f" (dilated by {seq.dilation})"
        left = seq.padding[0]
        where = (f"the {cells} cells of the input padded causally ({left} zeros on the left)"
                 if seq.causal else f"the padded {cells}-cell input" if left
                 else f"the {cells}-cell input")
    return (f"Step {step + 1} of {spec.num_steps}: {kernel} covers cells "
            f"{_span(int(cols.min()), int(cols.max()))} of {where} and gives output position "
            f"{n}.")


def _where(cell: Pair, channel: int | None, spec: AnySpec | None = None) -> str:
    shown = None if spec is None else shown_index(spec, cell)
    where = f"cell {_cell(*cell)}" if shown is None or len(shown) == 2 else f"position {shown[0]}"
    return where if channel is None else f"channel {channel}, {where}"


def gather_caption(spec: ConvSpec, step: int, mode: str, taps: np.ndarray,
                   real: np.ndarray, weights: np.ndarray | None, result: float, *,
                   cell: Pair | None = None, channel: int | None = None,
                   bias: float | None = None, total: int | None = None) -> str:
    """The numerical mode's arithmetic at ``step``, in words.

    Parameters
    ----------
    spec
        The convolution or pooling.
    step
        The step.
    mode
        ``"convolution"``, ``"average"`` or ``"max"``.
    taps, real
        The values under the window at this step (of every input channel the
        filter reads), and which of them are input cells (not padding).
    weights
        The weight each tap multiplies (convolution only).
    result
        The output value.
    cell, channel
        The output cell (default: the step's, row-major) and, with channels,
        the output channel.
    bias
        The filter's bias, added last, or ``None``.
    total
        The steps in all (default: the spec's).
    """
    cell = spec.step_cell(step) if cell is None else cell
    total = spec.num_steps if total is None else total
    head = f"Step {step + 1} of {total}, output {_where(cell, channel, spec)}: "
    values = [number(v) for v in np.ravel(taps)]
    if mode == "convolution":
        assert weights is not None
        terms = [f"{_bare(w)} × {_bare(v)}" for w, v in zip(np.ravel(weights), np.ravel(taps))]
        if bias is not None:
            terms.append(f"{_bare(bias)} (the bias)")
        sign = _relation(weights, taps, result, 0.0 if bias is None else bias)
        return head + f"{' + '.join(terms)} {sign} {_bare(result)}."
    if mode == "max":
        shown = [v for v, r in zip(values, np.ravel(real)) if r]
        return head + f"the largest of {_and(shown)} is {number(result)}."
    return head + f"the mean of {_and(values)} (padding counted) is {number(result)}."


def scatter_caption(spec: TransposedConvSpec, step: int, value: float, *,
                    cell: Pair | None = None, channel: int | None = None,
                    total: int | None = None) -> str:
    """The scatter-add view's step: an input value times the kernel, added in place."""
    ih, iw = spec.input_size
    row, col = cell_of_index(step, spec.input_size) if cell is None else cell
    total = ih * iw if total is None else total
    rows, cols, cropped = scatter_span(spec, (row, col))
    if sequence_of(spec) is not None:
        return (f"Step {step + 1} of {total}: input {_where((row, col), channel, spec)} holds "
                f"{number(value)}; {number(value)} times the kernel is added to outputs "
                f"{_span(*cols)}" + (" (the rest falls on the cropped ends)." if cropped else "."))
    return (f"Step {step + 1} of {total}: input {_where((row, col), channel)} holds "
            f"{number(value)}; {number(value)} times the kernel is added to output rows "
            f"{_span(*rows)} and columns {_span(*cols)}"
            + (" (the rest falls on the cropped border)." if cropped else "."))


def matrix_caption(spec: AnySpec, step: int, symbols: tuple[str, str] = ("a", "b"),
                   offset: int = 0, total: int | None = None) -> str:
    """The matrix view's step: row ``step`` of C (or Cᵀ) times the input vector.

    Parameters
    ----------
    spec
        The convolution, or the transposed convolution (the matrix is Cᵀ).
    step
        The row.
    symbols
        The letters of the input's and the output's entries.
    offset, total
        Added to the step number, and the steps in all (a scene that plays
        several matrices numbers its steps through them).
    """
    sym_in, sym_out = symbols
    row, col = spec.step_cell(step)
    direct = spec.direct()
    window = direct.window(step)
    tap = direct.tap_weight()
    cells = direct.input_cells()
    index = {(int(r), int(c)): (ir, ic) for (ir, ic), (r, c) in
             zip(np.ndindex(*cells.shape[:2]), cells.reshape(-1, 2))}
    terms = []
    for (r, c), (a, b) in zip(window.reshape(-1, 2), tap.reshape(-1, 2)):
        where = index.get((int(r), int(c)))
        if where is not None:  # padding and inserted zeros add nothing
            terms.append(f"w{subscript(*shown_index(spec, (a, b)))} "
                         f"{sym_in}{subscript(*shown_index(spec, where))}")
    name = "Cᵀ" if spec.is_transposed else "C"
    total = spec.num_steps if total is None else total
    product = " + ".join(terms) if terms else "0"
    out = subscript(*shown_index(spec, (row, col)))
    return (f"Step {offset + step + 1} of {total}: row {step + 1} "
            f"of {name} times vec({sym_in}) gives {sym_out}{out} = {product}.")


def formula_in_words(spec: AnySpec) -> str:
    """The output-size formula with its numbers, one sentence (per axis when they differ)."""
    seq = sequence_of(spec)
    if seq is not None and seq.causal:
        f = seq if not seq.is_transposed else seq.forward  # type: ignore[union-attr]
        if seq.is_transposed:
            return (f"Output size of the transposed convolution: o′ = s(i′ − 1) + a + 1 = "
                    f"{f.stride}×({seq.input_size} − 1) + {seq.output_padding} + 1 = "
                    f"{seq.output_size} (causal: d(k − 1) zeros on the left only).")
        return (f"Output size: o = floor((i − 1) / s) + 1 = floor(({f.input_size} − 1) / "
                f"{f.stride}) + 1 = {seq.output_size} (causal: d(k − 1) = {f.padding[0]} "
                "zeros on the left only).")
    square = all(v[0] == v[1] for v in (spec.input_size, spec.kernel_size, spec.stride,
                                        spec.padding, spec.dilation))
    axes = [(0, "")] if square else [(0, " (rows)"), (1, " (columns)")]
    if seq is not None:  # the length: the row's width
        axes = [(1, "")]
    parts = []
    for ax, name in axes:
        if isinstance(spec, TransposedConvSpec):
            f = spec.forward
            s, k, p, d = f.stride[ax], f.kernel_size[ax], f.padding[ax], f.dilation[ax]
            ip, a, o = spec.input_size[ax], spec.output_padding[ax], spec.output_size[ax]
            if d == 1:
                parts.append(f"o′{name} = s(i′ − 1) + a + k − 2p = {s}×({ip} − 1) + {a} + {k} "
                             f"− 2×{p} = {o}")
            else:
                parts.append(f"o′{name} = s(i′ − 1) + a + d(k − 1) + 1 − 2p = {s}×({ip} − 1) + "
                             f"{a} + {d}×({k} − 1) + 1 − 2×{p} = {o}")
        else:
            i, k, s, p, d = (spec.input_size[ax], spec.kernel_size[ax], spec.stride[ax],
                             spec.padding[ax], spec.dilation[ax])
            o = spec.output_size[ax]
            if d == 1:
                parts.append(f"o{name} = floor((i + 2p − k) / s) + 1 = floor(({i} + 2×{p} − "
                             f"{k}) / {s}) + 1 = {o}")
            else:
                parts.append(f"o{name} = floor((i + 2p − d(k − 1) − 1) / s) + 1 = floor(({i} + "
                             f"2×{p} − {d}×({k} − 1) − 1) / {s}) + 1 = {o}")
    what = "Output size of the transposed convolution" if spec.is_transposed else "Output size"
    return f"{what}: {'; '.join(parts)}."


# ------------------------------------------------------------ receptive fields
def positions_in_words(positions: Sequence[int]) -> str:
    """Sorted positions said briefly: ``7 to 15``, ``7, 11 and 15``, ``0 to 14, every 2nd``.

    Runs of neighbours are said as ranges (up to four of them), anything
    else by its count and ends.

    Examples
    --------
    >>> [positions_in_words(p) for p in ([3], [7, 8, 9], [7, 15], list(range(0, 15, 2)))]
    ['3', '7 to 9', '7 and 15', '0 to 14, every 2nd']
    >>> positions_in_words([0, 1, 3, 4, 5, 7, 8, 9])
    '0 to 1, 3 to 5 and 7 to 9'

    """
    items = [int(p) for p in positions]
    if not items:
        return "none"
    steps = {b - a for a, b in itertools.pairwise(items)}
    if len(items) <= 4 and steps != {1}:
        return _and([str(p) for p in items])
    if steps <= {1}:
        return _span(items[0], items[-1])
    if len(steps) == 1:
        step = steps.pop()
        return f"{items[0]} to {items[-1]}, every {_ordinal(step)}"
    runs = [[items[0]]]
    for p in items[1:]:
        if p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    if len(runs) <= 4:
        return _and([_span(run[0], run[-1]) for run in runs])
    return f"{len(items)} positions from {items[0]} to {items[-1]}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _signed(n: int) -> str:
    return f"−{-n}" if n < 0 else str(n)


def _cells_of(mask: np.ndarray) -> str:
    """The cells a mask marks (a product of positions per axis, as a stack's :meth:`seen`)."""
    axes = [np.nonzero(mask.any(axis=tuple(b for b in range(mask.ndim) if b != a)))[0]
            for a in range(mask.ndim)]
    if mask.ndim == 1:
        return positions_in_words(axes[0])
    rows, cols = positions_in_words(axes[0]), positions_in_words(axes[1])
    return f"rows and columns {rows}" if rows == cols else f"rows {rows} and columns {cols}"


def _cell_name(cell: Sequence[int]) -> str:
    return str(cell[0]) if len(cell) == 1 else f"({cell[0]}, {cell[1]})"


def stack_captions(stack: Stack, cell: Sequence[int]) -> list[list[str]]:
    """What each step of a receptive-field trace shows, in sentences.

    Step 0 shows output ``cell`` of the top layer; step ``t`` the cells of
    the level ``t`` layers down that it depends on (:meth:`Stack.seen`); the
    last step, the input cells and the stack's closed forms
    (:attr:`Stack.fields`): the receptive field ``r``, the jump and the
    start, and the span they give the cell.

    Returns
    -------
    list of list of str
        Per step, its sentences (a picture writes one per line; a subtitle
        joins them).

    Examples
    --------
    >>> from convmanim.receptive import wavenet
    >>> stack_captions(wavenet(), (15,))[-1]  # doctest: +NORMALIZE_WHITESPACE
    ['Output 15 of layer 4 sees 16 inputs: 0 to 15.',
     'r = 16, jump = 1, start = −15: it spans −15 + 15×1 = 0 to 0 + 16 − 1 = 15.']
    """
    from .receptive import layer_text

    top = len(stack)
    cell = tuple(int(c) for c in cell)
    seen = stack.seen(cell if len(cell) > 1 else cell[0])
    name = _cell_name(cell)
    out = [[f"Output {name} of layer {top} ({layer_text(stack.layers[-1], stack.kinds[-1])}): "
            "which inputs does it see?"]]
    for level in range(top - 1, 0, -1):
        count = int(seen[level].sum())
        through = (f"layer {top}" if level == top - 1 else f"layers {top} and {level + 1}"
                   if level == top - 2 else f"layers {top} to {level + 1}")
        plural = "cell" if count == 1 else "cells"
        out.append([f"Through {through} it depends on {count} {plural} of layer {level}'s "
                    f"output: {_cells_of(seen[level])}."])
    count = int(seen[0].sum())
    field = stack.field()
    spans = field.span(cell)
    axes = list(zip(spans, field.size, field.jump, field.start, cell))
    names = [""] if len(cell) == 1 else [" rows", " columns"]

    def span(axis: int) -> str:
        (lo, hi), r, j, u, n = axes[axis]
        return (f"{names[axis]} {_signed(u)} + {n}×{j} = {_signed(lo)} to {_signed(lo)} + {r} − 1 "
                f"= {_signed(hi)}")

    def forms(axis: int) -> str:
        _, r, j, u, _ = axes[axis]
        return f"r = {r}, jump = {j}, start = {_signed(u)}"

    if len(set(axes)) == 1 and len(cell) > 1:  # the same along both axes
        words = [f"{forms(0)}: it spans rows and columns{span(0)[len(names[0]):]}"]
    elif len({forms(a) for a in range(len(cell))}) == 1:
        words = [f"{forms(0)}: it spans {', '.join(span(a).strip() for a in range(len(cell)))}"]
    else:
        words = [f"{forms(a)}: it spans{span(a)}" for a in range(len(cell))]
    inputs = "input" if count == 1 else "inputs"
    last = [f"Output {name} of layer {top} sees {count} {inputs}: {_cells_of(seen[0])}."]
    clipped = any(lo < 0 or hi >= n for (lo, hi), n in zip(spans, stack.sizes[0]))
    last += [w + "." for w in words]
    if clipped:
        last.append("Padding cuts the span: only real inputs are seen.")
    out.append(last)
    return out
