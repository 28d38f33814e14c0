"""Backprop through a convolution: the gradients of its input, weight and bias.

Pure numpy, beside :mod:`convmanim.geometry`. For ``y = conv2d(x, w, b)``
and an upstream gradient ``∂L/∂y`` of ``y``'s shape:

* ``∂L/∂x = Cᵀ·∂L/∂y``: the transposed conv of the gradient with the *same*
  weight (:func:`input_gradient`). Its ``output_padding`` is the forward
  conv's remainder ``(i + 2p − k̂) mod s``, so the result has exactly the
  input's size even when the stride does not divide.
* ``∂L/∂w[o, c, a, b] = Σ_{r, q} ∂L/∂y[o, r, q] · x_pad[c, r·s + a·d, q·s + b·d]``:
  the correlation of the (padded) input with ``∂L/∂y``, each weight's
  gradient summing over the output positions where that weight was used
  (:func:`weight_gradient`). As a picture it is a direct conv over the same
  padded grid (:func:`weight_gradient_conv`): ``∂L/∂y`` is the kernel,
  dilated by the stride ``s``, moving by the dilation ``d``, and it stops at
  ``k_h × k_w`` positions, one per weight.
* ``∂L/∂b[o] = Σ_{r, q} ∂L/∂y[o, r, q]`` (:func:`bias_gradient`).

Layouts are PyTorch's (see :mod:`convmanim.geometry`): ``x`` ``(C_in, H, W)``,
the weight ``(C_out, C_in/groups, k_h, k_w)``, ``∂L/∂y`` ``(C_out, o_h, o_w)``;
with one channel each way, plain ``(H, W)`` grids and ``(k_h, k_w)`` kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import ConvSpec, DirectConv, Pair, SpecError, TransposedConvSpec, cell_of_index

__all__ = [
    "WeightGradientSpec",
    "WeightTerm",
    "bias_gradient",
    "default_upstream",
    "input_gradient",
    "upstream_tensor",
    "weight_gradient",
    "weight_gradient_conv",
    "weight_gradient_steps",
    "weight_of_step",
    "weight_terms",
    "weight_uses",
]

UPSTREAM_PATTERN = (1, -1, 2, 0, -2, 1)
"""The default upstream gradient's values, repeated in row-major order."""


@dataclass(frozen=True)
class WeightTerm:
    """One product in a weight's gradient: ``∂L/∂y`` at an output cell times the input it read.

    Attributes
    ----------
    out_cell
        ``(row, col)`` of ``∂L/∂y`` (in the weight's output channel).
    grid_cell
        ``(row, col)`` on the padded input grid where the weight's tap lay
        when the kernel computed ``out_cell``.
    in_cell
        The input cell ``(row, col)`` there, or ``None`` when the tap lay on
        padding (its input value is then ``0``).
    x
        The input value the weight multiplied.
    dy
        The upstream gradient at ``out_cell``.
    """

    out_cell: Pair
    grid_cell: Pair
    in_cell: Pair | None
    x: float
    dy: float

    @property
    def product(self) -> float:
        """``dy · x``."""
        return self.dy * self.x


def _forward(spec: object) -> ConvSpec:
    if not isinstance(spec, ConvSpec):
        raise SpecError("gradients are of a convolution: give the forward ConvSpec")
    return spec


def _plain(spec: ConvSpec) -> bool:
    return spec.in_channels == 1 and spec.out_channels == 1


def default_upstream(spec: ConvSpec) -> np.ndarray:
    """A small fixed integer ``∂L/∂y``: ``1, −1, 2, 0, −2, 1`` repeated in row-major order.

    ``(o_h, o_w)`` with one channel each way, else ``(C_out, o_h, o_w)``.

    Examples
    --------
    >>> default_upstream(ConvSpec(4, 3)).tolist()
    [[1.0, -1.0], [2.0, 0.0]]
    """
    spec = _forward(spec)
    shape = spec.output_size if _plain(spec) else spec.output_shape
    n = int(np.prod(shape))
    pattern = np.resize(np.asarray(UPSTREAM_PATTERN, dtype=float), n)
    return pattern.reshape(shape)


def upstream_tensor(spec: ConvSpec, dy: object) -> tuple[np.ndarray, bool]:
    """``dy`` checked as ``(C_out, o_h, o_w)``, and whether it came as a plain grid.

    Raises
    ------
    SpecError
        One line naming the shape it must have, or the non-finite values.
    """
    spec = _forward(spec)
    return spec.transposed()._input_tensor("upstream gradient", dy)


def input_gradient(spec: ConvSpec, weight: object, dy: object) -> np.ndarray:
    """``∂L/∂x = Cᵀ·∂L/∂y``: the transposed conv of ``dy`` with the same weight.

    The same shape as the conv's input: ``(H, W)`` for a plain ``dy`` and one
    input channel, else ``(C_in, H, W)``.

    Examples
    --------
    >>> spec = ConvSpec(5, 3, stride=2)
    >>> dx = input_gradient(spec, np.ones((3, 3)), np.ones((2, 2)))
    >>> dx.shape, float(dx.sum())
    ((5, 5), 36.0)
    """
    spec = _forward(spec)
    ys, plain = upstream_tensor(spec, dy)
    out = spec.transposed().apply(ys, weight)
    return out[0] if plain and spec.in_channels == 1 and out.ndim == 3 else out


@dataclass(frozen=True, init=False)
class WeightGradientSpec(ConvSpec):
    """``∂L/∂w`` as a convolution: the forward conv's input correlated with ``∂L/∂y``.

    A single-channel :class:`~convmanim.geometry.ConvSpec` over the forward
    conv's padded input whose kernel is ``∂L/∂y`` (``o_h × o_w`` taps),
    dilated by the forward stride ``s`` and moving by the forward dilation
    ``d``, stopped after ``k_h × k_w`` positions, one per weight: its output
    is ``∂L/∂w``. Step ``a·k_w + b`` is weight ``(a, b)``; its window's tap
    ``(r, q)`` lies on the input cell that weight multiplied to give output
    ``(r, q)``. Its conv matrix (``k_h·k_w × i_h·i_w``) holds ``∂L/∂y``'s
    entries, and ``conv_matrix(dy) @ x.ravel() == ∂L/∂w.ravel()``.

    Examples
    --------
    >>> w = WeightGradientSpec(ConvSpec(5, 3, stride=2, padding=1))
    >>> w.kernel_size, w.dilation, w.stride, w.output_size
    ((3, 3), (2, 2), (1, 1), (3, 3))
    """

    forward: ConvSpec

    def __init__(self, forward: ConvSpec) -> None:
        forward = _forward(forward)
        if forward.has_channels:
            raise SpecError("the weight gradient's conv view has one channel each way")
        values = {
            "input_size": forward.input_size,
            "kernel_size": forward.output_size,
            "stride": forward.dilation,
            "padding": forward.padding,
            "dilation": forward.stride,
            "in_channels": 1,
            "out_channels": 1,
            "groups": 1,
            "forward": forward,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _validate(self) -> None:
        """Nothing to check: every window of a valid forward conv fits its padded input."""

    @property
    def output_size(self) -> Pair:
        """``(k_h, k_w)``: one position per weight of the forward conv."""
        return self.forward.kernel_size

    def describe(self) -> str:
        """A one-line summary: the forward conv, and the correlation that gives ``∂L/∂w``."""
        f = self.forward
        return (f"weight gradient of ({f.describe()}): the input correlated with dL/dy "
                f"({f.output_size[0]}x{f.output_size[1]}, dilation {f.stride[0]}x"
                f"{f.stride[1]}, moving {f.dilation[0]}x{f.dilation[1]}) -> dL/dw "
                f"{f.kernel_size[0]}x{f.kernel_size[1]}")

    def transposed(self) -> TransposedConvSpec:
        """Not defined: the weight gradient is not a layer with a transpose of its own."""
        raise SpecError("the weight gradient's conv has no transposed conv in these scenes")


def weight_gradient_conv(spec: ConvSpec) -> DirectConv:
    """The weight gradient as a direct conv over the forward conv's padded grid.

    Its kernel is ``∂L/∂y`` (``o_h × o_w`` taps, dilated by the forward
    stride ``s``); it moves by the forward dilation ``d``; its ``k_h × k_w``
    positions are the weights, row-major: at step ``a·k_w + b`` its taps lie
    on the input cells weight ``(a, b)`` multiplied, tap ``(r, q)`` on the
    cell that gave output ``(r, q)``. With channels, the same for every slice.
    """
    spec = _forward(spec)
    fwd = spec.direct()
    return DirectConv(
        grid_size=fwd.grid_size,
        input_size=fwd.input_size,
        input_origin=fwd.input_origin,
        input_spacing=fwd.input_spacing,
        padding_after=fwd.padding_after,
        kernel_size=spec.output_size,
        dilation=spec.stride,
        stride=spec.dilation,
        output_size=spec.kernel_size,
        kernel_rotated=False,
    )


def _input_grids(spec: ConvSpec, x: object) -> np.ndarray:
    xs, _ = spec._input_tensor("input values", x)
    fwd = spec.direct()
    grids = np.zeros((spec.in_channels, *fwd.grid_size))
    cells = fwd.input_cells()
    grids[:, cells[..., 0], cells[..., 1]] = xs
    return grids


def weight_gradient(spec: ConvSpec, x: object, dy: object) -> np.ndarray:
    """``∂L/∂w``: each weight's gradient sums ``∂L/∂y · x`` over the positions it was used.

    In the weight's layout: ``(k_h, k_w)`` for a plain ``dy`` with one
    channel each way, else ``(C_out, C_in/groups, k_h, k_w)``.

    Examples
    --------
    >>> spec = ConvSpec(3, 2)
    >>> weight_gradient(spec, np.arange(9.0).reshape(3, 3), np.ones((2, 2))).tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """
    spec = _forward(spec)
    ys, plain = upstream_tensor(spec, dy)
    grids = _input_grids(spec, x)
    wconv = weight_gradient_conv(spec)
    wins = np.array(list(wconv.windows()))  # (k_h·k_w, o_h, o_w, 2)
    taps = grids[:, wins[..., 0], wins[..., 1]]  # (C_in, k_h·k_w, o_h, o_w)
    n_in = spec.channels_per_group[0]
    grad = np.empty((spec.out_channels, n_in, wconv.num_steps))
    for o in range(spec.out_channels):
        chans = spec.input_channels_of(o)
        grad[o] = np.einsum("rq,cerq->ce", ys[o], taps[chans.start:chans.stop])
    grad = grad.reshape(spec.weight_shape)
    return grad[0, 0] if plain and _plain(spec) else grad


def bias_gradient(spec: ConvSpec, dy: object) -> np.ndarray:
    """``∂L/∂b``: the sum of ``∂L/∂y`` over each output channel, ``(C_out,)``."""
    spec = _forward(spec)
    ys, _ = upstream_tensor(spec, dy)
    return ys.sum(axis=(1, 2))


def weight_gradient_steps(spec: ConvSpec) -> int:
    """Steps of the weight gradient: one per weight, ``C_out · C_in/groups · k_h · k_w``."""
    return int(np.prod(_forward(spec).weight_shape))


def weight_of_step(spec: ConvSpec, step: int) -> tuple[int, int, int, int]:
    """The weight ``(o, c, a, b)`` (PyTorch's layout) whose gradient step ``step`` sums.

    Steps go over the weight tensor in its row-major order: filter by filter,
    slice by slice, tap by tap; ``c`` is the slice's index (``0 ≤ c < C_in/groups``).
    """
    spec = _forward(spec)
    n = weight_gradient_steps(spec)
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or not 0 <= step < n:
        raise SpecError(f"weight-gradient step must be in 0..{n - 1} ({n} weights), got {step!r}")
    o, c, a, b = np.unravel_index(int(step), spec.weight_shape)
    return int(o), int(c), int(a), int(b)


def weight_uses(spec: ConvSpec, step: int) -> list[tuple[Pair, Pair, Pair | None]]:
    """Where weight ``weight_of_step(step)`` was used: one entry per ``∂L/∂y`` cell, row-major.

    Each is ``(out_cell, grid_cell, in_cell)``: the output cell, the padded
    grid's cell its tap lay on, and that input cell (``None`` on padding).

    Examples
    --------
    >>> weight_uses(ConvSpec(3, 2, padding=1), 0)[:2]
    [((0, 0), (0, 0), None), ((0, 1), (0, 1), None)]
    """
    spec = _forward(spec)
    _, _, a, b = weight_of_step(spec, step)
    wconv = weight_gradient_conv(spec)
    win = wconv.window(a * spec.kernel_size[1] + b)
    origin = np.asarray(wconv.input_origin)
    ih, iw = spec.input_size
    uses: list[tuple[Pair, Pair, Pair | None]] = []
    for e in range(spec.output_size[0] * spec.output_size[1]):
        r, q = cell_of_index(e, spec.output_size)
        g = (int(win[r, q, 0]), int(win[r, q, 1]))
        row, col = (int(v) for v in np.asarray(g) - origin)
        inside = 0 <= row < ih and 0 <= col < iw
        uses.append(((r, q), g, (row, col) if inside else None))
    return uses


def weight_terms(spec: ConvSpec, x: object, dy: object, step: int) -> list[WeightTerm]:
    """The products weight ``weight_of_step(step)``'s gradient sums, output cell by output cell.

    One :class:`WeightTerm` per ``∂L/∂y`` cell of the weight's filter, in
    row-major order (:func:`weight_uses`), taps on padding included (they
    read ``0``). Their products add up to that entry of :func:`weight_gradient`.
    """
    spec = _forward(spec)
    o, c, _, _ = weight_of_step(spec, step)
    ys, _ = upstream_tensor(spec, dy)
    xs, _ = spec._input_tensor("input values", x)
    channel = spec.input_channels_of(o).start + c
    return [
        WeightTerm(out_cell=out, grid_cell=g, in_cell=cell,
                   x=0.0 if cell is None else float(xs[channel, cell[0], cell[1]]),
                   dy=float(ys[o, out[0], out[1]]))
        for out, g, cell in weight_uses(spec, step)
    ]
