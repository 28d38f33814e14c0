"""The geometry core: exact convolution arithmetic, with numpy only.

Everything a picture shows (sizes, step order, kernel windows, the conv
matrix, the zero-inserted input of a transposed conv) is computed here and
nowhere else. This module never imports manim.

Conventions
-----------
* "Convolution" is what deep-learning frameworks compute: cross-correlation,
  with no kernel flip.
* Every size is per axis and written ``(h, w)``; an ``int`` means a square.
* Arrays are flattened row-major, row 0 is the top row, indices are 0-based.
* Step ``e`` is output cell ``(e // ow, e % ow)``.
* Channels follow PyTorch's layouts: an input is ``(C_in, H, W)``, a conv's
  weight ``(C_out, C_in/groups, k_h, k_w)`` and its bias ``(C_out,)``; a
  transposed conv takes the *same* weight tensor as its forward conv.
  Tensors are flattened channel-major (``c, h, w``). With every channel count
  1, plain ``(H, W)`` grids and ``(k_h, k_w)`` kernels work as they are.

The reference is Dumoulin & Visin, "A guide to convolution arithmetic for deep
learning" (2016), together with PyTorch's ``conv2d`` and ``conv_transpose2d``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "AnySpec",
    "AnySpec1d",
    "ConvSpec",
    "ConvSpec1d",
    "DirectConv",
    "Pair",
    "PoolMode",
    "RowConvSpec",
    "RowTransposedConvSpec",
    "SpecError",
    "TorchKind",
    "TransposedConvSpec",
    "TransposedConvSpec1d",
    "cell_index",
    "cell_of_index",
    "drawable",
    "is_1d_layer",
    "num_inputs",
    "padding_only_steps",
    "parse_pair",
    "scatter_cells",
    "scatter_span",
    "sequence_of",
    "shown",
    "shown_index",
    "shown_size",
    "spec_from_arguments",
    "spec_from_torch",
    "torch_kind",
    "torch_mode",
]

Pair = tuple[int, int]
"""A per-axis value ``(height, width)``."""

IntOrPair = int | Sequence[int]
PoolMode = Literal["convolution", "average", "max"]

_AXES = ("height", "width")


class SpecError(ValueError):
    """A convolution spec, step or value that cannot be drawn.

    The message is one line. It names the parameter and the numbers.
    """


def _fmt(pair: Pair) -> str:
    """Write a pair as ``5`` when square and ``5×7`` otherwise."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def _fmt_size(pair: Pair) -> str:
    """Write a grid size, always with both axes: ``5×5``."""
    return f"{pair[0]}×{pair[1]}"


_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 9


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut short so that an error message stays one readable line.

    Examples
    --------
    >>> shown("x" * 50)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise SpecError(f"{name} must be an integer, got {shown(value)}")
    return int(value)


def parse_pair(name: str, value: IntOrPair | str) -> Pair:
    """Normalise an int, an ``(h, w)`` pair or a ``"HxW"`` string to a pair.

    Parameters
    ----------
    name
        The parameter's name, used in error messages.
    value
        ``5``, ``(5, 7)``, ``"5"`` or ``"5x7"`` (``h`` rows by ``w`` columns).

    Returns
    -------
    Pair
        ``(h, w)``.

    Raises
    ------
    SpecError
        If the value is not one or two integers.
    """
    if isinstance(value, str):
        text = value.strip().lower().replace("×", "x")
        parts = [p.strip() for p in text.split("x")]
        if len(parts) not in (1, 2) or not all(_INTEGER.fullmatch(p) for p in parts):
            raise SpecError(
                f"{name} must be an integer or HxW such as 5x7, got {shown(value)}"
            )
        if any(len(p.lstrip("+-")) > _MAX_DIGITS for p in parts):
            raise SpecError(f"{name} {shown(value)} is too large: at most {_MAX_DIGITS} digits")
        nums = [int(p) for p in parts]
        return (nums[0], nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    if isinstance(value, (int, np.integer, float, np.floating)) and not isinstance(value, bool):
        v = _as_int(name, value)
        return (v, v)
    if isinstance(value, Sequence) and len(value) == 2:
        return (_as_int(name, value[0]), _as_int(name, value[1]))
    raise SpecError(f"{name} must be an integer or an (h, w) pair, got {shown(value)}")


def _check_min(name: str, pair: Pair, minimum: int, what: str) -> None:
    for axis, v in zip(_AXES, pair):
        if v < minimum:
            where = "" if pair[0] == pair[1] else f" along the {axis}"
            raise SpecError(f"{name} must be {what}, got {v}{where}")


@dataclass(frozen=True)
class DirectConv:
    """A stride-``s`` convolution over an explicit grid of cells.

    This is what the arithmetic and numerical views draw: the grid is the
    (padded, possibly zero-inserted) input plane, the kernel slides over it,
    and each step writes one output cell. A forward convolution is its own
    direct conv; a transposed convolution is the direct conv with stride 1
    over the zero-inserted input, with the kernel rotated by 180°.

    Attributes
    ----------
    grid_size
        ``(H, W)`` of the whole grid, padding included.
    input_size
        ``(h, w)`` of the real input.
    input_origin
        Grid cell of input cell ``(0, 0)``: the padding on the top and left.
    input_spacing
        Distance in grid cells between neighbouring input cells: ``1`` for a
        convolution, the stride ``s`` for a transposed conv (``s - 1`` zeros
        are inserted between input cells).
    padding_after
        The padding on the bottom and right (for a transposed conv this
        includes the extra ``a`` rows/columns).
    kernel_size, dilation, stride
        The sliding kernel, with its dilation, and its stride over the grid.
    output_size
        ``(oh, ow)``: the number of window positions along each axis.
    kernel_rotated
        Whether tap ``(a, b)`` uses weight ``(kh-1-a, kw-1-b)``.
    """

    grid_size: Pair
    input_size: Pair
    input_origin: Pair
    input_spacing: Pair
    padding_after: Pair
    kernel_size: Pair
    dilation: Pair
    stride: Pair
    output_size: Pair
    kernel_rotated: bool

    @property
    def padding_before(self) -> Pair:
        """Padding on the top and the left, in grid cells."""
        return self.input_origin

    @property
    def num_steps(self) -> int:
        """The number of kernel positions, ``oh * ow``."""
        return self.output_size[0] * self.output_size[1]

    @property
    def effective_kernel_size(self) -> Pair:
        """The kernel's footprint with dilation: ``d(k - 1) + 1``."""
        return _effective(self.kernel_size, self.dilation)

    def input_cells(self) -> np.ndarray:
        """Grid coordinates of the real input cells.

        Returns
        -------
        numpy.ndarray
            Shape ``(h, w, 2)`` of ``(row, col)`` grid coordinates.
        """
        r = self.input_origin[0] + self.input_spacing[0] * np.arange(self.input_size[0])
        c = self.input_origin[1] + self.input_spacing[1] * np.arange(self.input_size[1])
        return np.stack(np.meshgrid(r, c, indexing="ij"), axis=-1)

    def input_mask(self) -> np.ndarray:
        """Boolean ``(H, W)`` mask of the grid cells that hold real input."""
        mask = np.zeros(self.grid_size, dtype=bool)
        cells = self.input_cells()
        mask[cells[..., 0], cells[..., 1]] = True
        return mask

    def window_origin(self, step: int) -> Pair:
        """Grid cell under the kernel's top-left tap at ``step``."""
        oy, ox = _step_cell(step, self.output_size)
        return (oy * self.stride[0], ox * self.stride[1])

    def window(self, step: int) -> np.ndarray:
        """Grid coordinates of every kernel tap at ``step``.

        Returns
        -------
        numpy.ndarray
            Shape ``(kh, kw, 2)``: tap ``(a, b)`` lies on grid cell
            ``window[a, b]``.
        """
        y0, x0 = self.window_origin(step)
        r = y0 + self.dilation[0] * np.arange(self.kernel_size[0])
        c = x0 + self.dilation[1] * np.arange(self.kernel_size[1])
        return np.stack(np.meshgrid(r, c, indexing="ij"), axis=-1)

    def windows(self) -> Iterator[np.ndarray]:
        """Every step's window, in step order."""
        for e in range(self.num_steps):
            yield self.window(e)

    def window_input_cells(self, step: int) -> list[Pair]:
        """Grid cells of real input under the kernel at ``step``, tap by tap (row-major).

        The taps over padding (or, for a transposed conv, over the zeros
        between inputs) are left out.

        Examples
        --------
        >>> ConvSpec(3, 2, padding=1).direct().window_input_cells(0)
        [(1, 1)]
        """
        mask = self.input_mask()
        return [(int(r), int(c)) for r, c in self.window(step).reshape(-1, 2) if mask[r, c]]

    def tap_weight(self) -> np.ndarray:
        """Which kernel weight each tap uses.

        Returns
        -------
        numpy.ndarray
            Shape ``(kh, kw, 2)``: tap ``(a, b)`` multiplies weight
            ``w[tap_weight[a, b]]``. The identity for a convolution, the 180°
            rotation for a transposed conv.
        """
        a = np.arange(self.kernel_size[0])
        b = np.arange(self.kernel_size[1])
        if self.kernel_rotated:
            a, b = a[::-1], b[::-1]
        return np.stack(np.meshgrid(a, b, indexing="ij"), axis=-1)

    def grid_values(self, x: np.ndarray) -> np.ndarray:
        """Place input values into the grid, with zeros everywhere else."""
        x = _check_array("input values", x, self.input_size)
        grid = np.zeros(self.grid_size, dtype=np.result_type(x, float))
        cells = self.input_cells()
        grid[cells[..., 0], cells[..., 1]] = x
        return grid

    def apply(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """Run this direct conv on input values ``x`` with weights ``kernel``."""
        kernel = _check_array("kernel values", kernel, self.kernel_size)
        grid = self.grid_values(x)
        w = self.tap_weight()
        weights = kernel[w[..., 0], w[..., 1]]
        out = np.empty(self.output_size, dtype=grid.dtype)
        for e in range(self.num_steps):
            win = self.window(e)
            out.flat[e] = np.sum(grid[win[..., 0], win[..., 1]] * weights)
        return out


def _effective(kernel: Pair, dilation: Pair) -> Pair:
    return (
        dilation[0] * (kernel[0] - 1) + 1,
        dilation[1] * (kernel[1] - 1) + 1,
    )


def _step_cell(step: int, output_size: Pair) -> Pair:
    n = output_size[0] * output_size[1]
    step = _as_int("step", step)
    if not 0 <= step < n:
        raise SpecError(f"step must be in 0..{n - 1} ({_fmt_size(output_size)} steps), got {step}")
    return divmod(step, output_size[1])


def _check_array(name: str, values: object, shape: Pair) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name} must be numbers: {exc}") from None
    if arr.shape != tuple(shape):
        got = "×".join(str(n) for n in arr.shape) or "a scalar"
        raise SpecError(f"{name} must be {_fmt_size(shape)}, got {got}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite numbers")
    return arr


def _fmt_shape(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape) or "a scalar"


def _check_tensor(name: str, values: object, shape: Sequence[int], layout: str) -> np.ndarray:
    """``values`` as a finite float array of exactly ``shape`` (``layout`` names the axes)."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name} must be numbers: {exc}") from None
    if arr.shape != tuple(shape):
        raise SpecError(
            f"{name} must be {_fmt_shape(shape)} ({layout}), got {_fmt_shape(arr.shape)}"
        )
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite numbers")
    return arr


def _ndim(values: object) -> int:
    """The number of axes of ``values``, or ``-1`` when it is not an array of numbers."""
    try:
        return int(np.ndim(values))
    except (TypeError, ValueError):
        return -1


def _channel_count(name: str, value: object) -> int:
    n = _as_int(name, value)
    if n < 1:
        raise SpecError(f"{name} must be at least 1, got {n}")
    return n


def _cell_index(cell: Sequence[int], size: Pair, what: str) -> int:
    r, c = (_as_int(what, v) for v in cell)
    if not (0 <= r < size[0] and 0 <= c < size[1]):
        raise SpecError(f"{what} {(r, c)} is outside the {_fmt_size(size)} grid")
    return r * size[1] + c


def _describe_channels(spec: _Channels) -> str:
    if not spec.has_channels:
        return ""
    groups = f", groups={spec.groups}" if spec.groups != 1 else ""
    return f", channels {spec.in_channels}->{spec.out_channels}{groups}"


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    if in_channels % groups or out_channels % groups:
        raise SpecError(
            f"groups {groups} must divide both in_channels {in_channels} and "
            f"out_channels {out_channels}"
        )


def _spatial(size: int | Pair) -> tuple[int, ...]:
    """A spatial size as a tuple: ``(L,)`` in 1-D, ``(h, w)`` in 2-D."""
    return tuple(size) if isinstance(size, tuple) else (size,)


class _ChannelCounts:
    """Channel and group bookkeeping shared by every conv spec, 1-D and 2-D.

    Output channel ``o`` belongs to group ``o // (C_out/groups)`` and reads
    only that group's ``C_in/groups`` input channels. Everything here follows
    from ``in_channels``, ``out_channels`` and ``groups`` (and, for the
    shapes, the spatial sizes).
    """

    in_channels: int
    out_channels: int
    groups: int
    input_size: int | Pair
    output_size: int | Pair

    @property
    def has_channels(self) -> bool:
        """Whether any channel count or ``groups`` differs from 1."""
        return (self.in_channels, self.out_channels, self.groups) != (1, 1, 1)

    @property
    def is_depthwise(self) -> bool:
        """``groups == C_in == C_out``, with more than one channel: one filter per channel."""
        return self.groups == self.in_channels == self.out_channels > 1

    @property
    def channels_per_group(self) -> Pair:
        """``(C_in/groups, C_out/groups)``."""
        return (self.in_channels // self.groups, self.out_channels // self.groups)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """``(C_in, i_h, i_w)`` in 2-D, ``(C_in, L)`` in 1-D."""
        return (self.in_channels, *_spatial(self.input_size))

    @property
    def output_shape(self) -> tuple[int, ...]:
        """``(C_out, o_h, o_w)`` in 2-D, ``(C_out, o)`` in 1-D."""
        return (self.out_channels, *_spatial(self.output_size))

    @property
    def bias_shape(self) -> tuple[int]:
        """``(C_out,)``."""
        return (self.out_channels,)

    def _check_channel(self, name: str, channel: int, count: int) -> int:
        channel = _as_int(name, channel)
        if not 0 <= channel < count:
            raise SpecError(f"{name} must be in 0..{count - 1}, got {channel}")
        return channel

    def group_of_output(self, out_channel: int) -> int:
        """The group output channel ``out_channel`` belongs to."""
        o = self._check_channel("output channel", out_channel, self.out_channels)
        return o // self.channels_per_group[1]

    def group_of_input(self, in_channel: int) -> int:
        """The group input channel ``in_channel`` belongs to."""
        c = self._check_channel("input channel", in_channel, self.in_channels)
        return c // self.channels_per_group[0]

    def input_channels_of(self, out_channel: int) -> range:
        """The input channels output channel ``out_channel`` sums over (its group's)."""
        g = self.group_of_output(out_channel)
        n = self.channels_per_group[0]
        return range(g * n, (g + 1) * n)

    def output_channels_of(self, in_channel: int) -> range:
        """The output channels that read input channel ``in_channel`` (its group's)."""
        g = self.group_of_input(in_channel)
        n = self.channels_per_group[1]
        return range(g * n, (g + 1) * n)


class _Channels(_ChannelCounts):
    """The 2-D part of the channel bookkeeping: :class:`ConvSpec`, :class:`TransposedConvSpec`."""

    input_size: Pair
    output_size: Pair
    kernel_size: Pair

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """The weight tensor's shape, in PyTorch's layout."""
        raise NotImplementedError

    def weight_slice(self, out_channel: int, in_channel: int) -> Pair:
        """Index ``(i, j)`` of the ``k_h×k_w`` slice ``weight[i, j]`` linking two channels.

        Raises
        ------
        SpecError
            If ``in_channel`` is outside ``out_channel``'s group (no weight
            links them: that block of the conv matrix is zero).
        """
        raise NotImplementedError

    def _outside_group(self, out_channel: int, in_channel: int) -> SpecError:
        return SpecError(
            f"input channel {in_channel} is not in output channel {out_channel}'s group "
            f"(channels {self.input_channels_of(out_channel).start}.."
            f"{self.input_channels_of(out_channel).stop - 1}): no weight links them"
        )

    @property
    def matrix_shape(self) -> Pair:
        """``(C_out·o_h·o_w, C_in·i_h·i_w)``: the shape of :meth:`conv_matrix`."""
        return (self.num_outputs, self.in_channels * self.input_size[0] * self.input_size[1])

    @property
    def num_outputs(self) -> int:
        """``C_out·o_h·o_w``: every output value, one per row of the conv matrix."""
        return self.out_channels * self.output_size[0] * self.output_size[1]

    def step_index(self, cell: Sequence[int]) -> int:
        """The step writing output cell ``(row, column)``: the inverse of ``step_cell``."""
        return _cell_index(cell, self.output_size, "output cell")

    def input_step_index(self, cell: Sequence[int]) -> int:
        """Row-major index ``row·i_w + column`` of input cell ``(row, column)``."""
        return _cell_index(cell, self.input_size, "input cell")

    def output_index(self, index: int) -> tuple[int, int, int]:
        """Output value ``index`` in channel-major order, as ``(channel, row, column)``.

        This is row ``index`` of the conv matrix, entry ``index`` of the
        flattened output, and step ``index`` of a scene that computes one
        output value per step.
        """
        n = self.num_outputs
        index = _as_int("output index", index)
        if not 0 <= index < n:
            raise SpecError(
                f"output index must be in 0..{n - 1} ({_fmt_shape(self.output_shape)} "
                f"outputs), got {index}"
            )
        channel, cell = divmod(index, self.output_size[0] * self.output_size[1])
        return (channel, *divmod(cell, self.output_size[1]))

    def input_index(self, index: int) -> tuple[int, int, int]:
        """Input value ``index`` in channel-major order, as ``(channel, row, column)``.

        Column ``index`` of the conv matrix, entry ``index`` of the flattened input.
        """
        n = self.in_channels * self.input_size[0] * self.input_size[1]
        index = _as_int("input index", index)
        if not 0 <= index < n:
            raise SpecError(
                f"input index must be in 0..{n - 1} ({_fmt_shape(self.input_shape)} "
                f"inputs), got {index}"
            )
        channel, cell = divmod(index, self.input_size[0] * self.input_size[1])
        return (channel, *divmod(cell, self.input_size[1]))

    def matrix_blocks(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each row and each column of the conv matrix sits in its grid of blocks.

        The conv matrix is a ``C_out × C_in`` grid of blocks (``C_in × C_out``
        for ``Cᵀ``, whose rows are the forward conv's input values), each
        block the single-channel matrix of one filter slice.

        Returns
        -------
        rows : numpy.ndarray
            ``(R, 2)`` ints: row ``i`` lies in block row ``rows[i, 0]`` (its
            output channel) at row ``rows[i, 1]`` of that block, which is also
            the spatial step: :meth:`output_index` of ``i`` is
            ``(rows[i, 0], *step_cell(rows[i, 1]))``.
        cols : numpy.ndarray
            ``(C, 2)`` ints: column ``j`` lies in block column ``cols[j, 0]``
            (its input channel) at column ``cols[j, 1]`` of that block, the
            row-major index of its input cell.
        """
        ow, iw = self.output_size[1], self.input_size[1]
        rows = [(o, r * ow + c) for o, r, c in map(self.output_index, range(self.num_outputs))]
        cols = [(c, r * iw + col)
                for c, r, col in map(self.input_index, range(self.matrix_shape[1]))]
        return (np.array(rows, dtype=np.int64).reshape(-1, 2),
                np.array(cols, dtype=np.int64).reshape(-1, 2))

    def matrix_weights(self) -> dict[tuple[int, int], tuple[int, int, int, int]]:
        """Which weight each non-zero entry of the conv matrix holds, by channel.

        Returns
        -------
        dict
            ``(row, col) -> (o, c, a, b)`` for every non-zero entry: the weight
            ``w[o, c]`` at kernel tap ``(a, b)``, where ``o`` and ``c`` are
            the *forward* conv's output and input channels (also for ``Cᵀ``,
            whose entries are the same weights) and ``weight[i, j, a, b]``
            with ``(i, j) = forward.weight_slice(o, c)`` is its value in
            PyTorch's layout.
        """
        raise NotImplementedError

    # ------------------------------------------------------ checked values
    def _input_tensor(self, name: str, x: object) -> tuple[np.ndarray, bool]:
        """``x`` as ``(C_in, H, W)``, and whether it came as a plain ``(H, W)`` grid."""
        if self.in_channels == 1 and _ndim(x) != 3:
            return _check_array(name, x, self.input_size)[None], True
        return _check_tensor(name, x, self.input_shape, "C_in×H×W"), False

    def _weight_tensor(self, weight: object) -> np.ndarray:
        """``weight`` in PyTorch's layout; a ``(k_h, k_w)`` kernel when it has one slice."""
        if weight is None:
            raise SpecError("kernel values are needed for a convolution")
        shape = self.weight_shape
        if shape[:2] == (1, 1) and _ndim(weight) != 4:
            return _check_array("kernel values", weight, self.kernel_size)[None, None]
        return _check_tensor("weight", weight, shape, "PyTorch's layout")

    def _bias_vector(self, bias: object) -> np.ndarray:
        if bias is None:
            return np.zeros(self.out_channels)
        if _ndim(bias) == 0 and self.out_channels == 1:
            bias = np.reshape(bias, (1,))
        return _check_tensor("bias", bias, self.bias_shape, "C_out")


def _correlate(
    direct: DirectConv, x: np.ndarray, weight: np.ndarray, groups: int, bias: np.ndarray
) -> np.ndarray:
    """The grouped direct conv: ``x`` ``(C_in, h, w)``, ``weight`` ``(C_out, C_in/g, k_h, k_w)``.

    Output channel ``o`` of group ``g`` sums, over the group's input channels,
    the direct conv of each with its slice of ``weight``; then adds ``bias[o]``.
    """
    c_in, c_out = x.shape[0], weight.shape[0]
    grids = np.zeros((c_in, *direct.grid_size))
    cells = direct.input_cells()
    grids[:, cells[..., 0], cells[..., 1]] = x
    wins = np.array(list(direct.windows()))
    taps = grids[:, wins[..., 0], wins[..., 1]]  # (C_in, steps, k_h, k_w)
    tap = direct.tap_weight()
    weights = weight[:, :, tap[..., 0], tap[..., 1]]  # what each tap multiplies
    n_in, n_out = c_in // groups, c_out // groups
    out = np.empty((c_out, direct.num_steps))
    for g in range(groups):
        out[g * n_out:(g + 1) * n_out] = np.einsum(
            "cnab,ocab->on", taps[g * n_in:(g + 1) * n_in], weights[g * n_out:(g + 1) * n_out]
        )
    out += bias[:, None]
    return out.reshape(c_out, *direct.output_size)


def padding_only_steps(size: int, kernel: int, stride: int, padding: int, dilation: int,
                       output: int) -> list[int]:
    """The steps along one axis whose window reads padding only, in order.

    Only a window that reaches past an end of the input can: the few at
    each end are checked, each in constant time, so a long input costs
    nothing (a max pooling of a window of padding alone has no maximum).

    Examples
    --------
    >>> padding_only_steps(1, 2, 1, 1, 2, 1)   # taps -1 and 1 of a 1-cell input
    [0]
    >>> padding_only_steps(10**9, 2, 2, 1, 1, 5 * 10**8 + 1)
    []
    """
    if output <= 0:
        return []
    reach = dilation * (kernel - 1)
    left = min(output, -(-padding // stride))            # steps whose first tap is < 0
    right = max(left, -(-(size + padding - reach) // stride))  # steps whose last tap is >= size
    out = []
    for e in (*range(left), *range(right, output)):  # a few steps at each end
        first = e * stride - padding
        t = 0 if first >= 0 else -(first // dilation)  # the first tap at 0 or after
        if not (t <= kernel - 1 and first + dilation * t < size):
            out.append(e)
    return out


@dataclass(frozen=True, init=False)
class ConvSpec(_Channels):
    """A 2-D convolution: input size, kernel, stride, padding and dilation.

    Each argument is an ``int`` or an ``(h, w)`` pair.

    Parameters
    ----------
    input_size
        ``i``: the input's size.
    kernel_size
        ``k``: the kernel's size (before dilation).
    stride
        ``s``: how far the kernel moves per step.
    padding
        ``p``: zeros added on every side.
    dilation
        ``d``: spacing between kernel taps (``1`` is a dense kernel).
    in_channels, out_channels
        ``C_in`` and ``C_out``, as in ``nn.Conv2d``.
    groups
        ``nn.Conv2d``'s ``groups``: it divides both channel counts; output
        channel ``o`` sums over the ``C_in/groups`` input channels of its
        group only. ``groups == C_in == C_out`` is a depthwise conv.

    Raises
    ------
    SpecError
        If a value is not a positive integer (padding: not negative), if the
        padding reaches the effective kernel size, if the effective kernel
        is larger than the padded input, or if ``groups`` does not divide
        both channel counts.

    Examples
    --------
    >>> spec = ConvSpec(5, 3, stride=2, padding=1)
    >>> spec.output_size
    (3, 3)
    >>> spec.transposed().output_size
    (5, 5)
    >>> rgb = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=2)
    >>> rgb.weight_shape, rgb.output_shape
    ((2, 3, 3, 3), (2, 5, 5))
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    in_channels: int
    out_channels: int
    groups: int

    def __init__(
        self,
        input_size: IntOrPair,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        dilation: IntOrPair = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ) -> None:
        values = {
            "input_size": parse_pair("input_size", input_size),
            "kernel_size": parse_pair("kernel_size", kernel_size),
            "stride": parse_pair("stride", stride),
            "padding": parse_pair("padding", padding),
            "dilation": parse_pair("dilation", dilation),
            "in_channels": _channel_count("in_channels", in_channels),
            "out_channels": _channel_count("out_channels", out_channels),
            "groups": _channel_count("groups", groups),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self._validate()

    def _validate(self) -> None:
        _check_groups(self.in_channels, self.out_channels, self.groups)
        _check_min("input_size", self.input_size, 1, "at least 1")
        _check_min("kernel_size", self.kernel_size, 1, "at least 1")
        _check_min("stride", self.stride, 1, "at least 1")
        _check_min("dilation", self.dilation, 1, "at least 1")
        _check_min("padding", self.padding, 0, "0 or more")
        eff = self.effective_kernel_size
        for ax, axis in enumerate(_AXES):
            where = "" if self._square else f" along the {axis}"
            k, d, p, i = (
                self.kernel_size[ax],
                self.dilation[ax],
                self.padding[ax],
                self.input_size[ax],
            )
            kernel_desc = f"kernel {k}" if d == 1 else f"kernel {k} with dilation {d}"
            if p >= eff[ax]:
                raise SpecError(
                    f"padding {p} must be smaller than the effective kernel size {eff[ax]} "
                    f"({kernel_desc}){where}: a window would cover only padding"
                )
            if eff[ax] > i + 2 * p:
                raise SpecError(
                    f"kernel_size: the effective kernel {eff[ax]} ({kernel_desc}) is larger "
                    f"than the padded input {i + 2 * p} (input {i} + 2×padding {p}){where}"
                )

    @property
    def _square(self) -> bool:
        return all(
            v[0] == v[1]
            for v in (self.input_size, self.kernel_size, self.stride, self.padding, self.dilation)
        )

    # ----------------------------------------------------------------- sizes
    @property
    def is_transposed(self) -> bool:
        """``False``: this is a forward convolution."""
        return False

    @property
    def effective_kernel_size(self) -> Pair:
        """``k̂ = d(k - 1) + 1`` (Relationship 15)."""
        return _effective(self.kernel_size, self.dilation)

    @property
    def padded_size(self) -> Pair:
        """``i + 2p``."""
        return tuple(i + 2 * p for i, p in zip(self.input_size, self.padding))  # type: ignore[return-value]

    @property
    def output_size(self) -> Pair:
        """``o = ⌊(i + 2p − k̂) / s⌋ + 1`` (Relationship 15)."""
        return tuple(  # type: ignore[return-value]
            (n - e) // s + 1
            for n, e, s in zip(self.padded_size, self.effective_kernel_size, self.stride)
        )

    @property
    def remainder(self) -> Pair:
        """``a = (i + 2p − k̂) mod s``: input rows/columns the last window never reaches.

        It is also the ``output_padding`` that makes the transposed conv's
        output as large as this conv's input.
        """
        return tuple(  # type: ignore[return-value]
            (n - e) % s
            for n, e, s in zip(self.padded_size, self.effective_kernel_size, self.stride)
        )

    @property
    def num_steps(self) -> int:
        """``oh * ow``: one step per output cell."""
        return self.output_size[0] * self.output_size[1]

    def step_cell(self, step: int) -> Pair:
        """The output cell written at ``step``: ``(step // ow, step % ow)``."""
        return _step_cell(step, self.output_size)

    def describe(self) -> str:
        """A one-line summary, e.g. ``conv i=5 k=3 s=2 p=1 d=1 -> o=3``.

        With channels it ends with them: ``..., channels 3->2, groups=1``.
        """
        return (
            f"conv i={_fmt(self.input_size)} k={_fmt(self.kernel_size)} "
            f"s={_fmt(self.stride)} p={_fmt(self.padding)} d={_fmt(self.dilation)} "
            f"-> o={_fmt(self.output_size)}{_describe_channels(self)}"
        )

    # -------------------------------------------------------------- channels
    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """``(C_out, C_in/groups, k_h, k_w)``: ``nn.Conv2d``'s weight."""
        return (self.out_channels, self.channels_per_group[0], *self.kernel_size)

    def weight_slice(self, out_channel: int, in_channel: int) -> Pair:
        """``(out_channel, in_channel mod C_in/groups)``: see :meth:`_Channels.weight_slice`."""
        c = self._check_channel("input channel", in_channel, self.in_channels)
        if c not in self.input_channels_of(out_channel):
            raise self._outside_group(out_channel, c)
        return (int(out_channel), c % self.channels_per_group[0])

    def pooling(self) -> ConvSpec:
        """The same windows over each input channel on its own, as pooling takes them.

        ``C_in`` channels in and out, ``groups = C_in``: output channel ``c``
        reads input channel ``c`` only.
        """
        c = self.in_channels
        return ConvSpec(self.input_size, self.kernel_size, self.stride, self.padding,
                        self.dilation, c, c, c)

    @property
    def multiplies(self) -> int:
        """Multiplications of one pass: ``C_out·(C_in/groups)·k_h·k_w·o_h·o_w``."""
        kh, kw = self.kernel_size
        return self.out_channels * self.channels_per_group[0] * kh * kw * self.num_steps

    def depthwise_separable(self) -> tuple[ConvSpec, ConvSpec]:
        """The depthwise-separable pair that replaces this conv: ``(depthwise, pointwise)``.

        The depthwise conv has this conv's kernel, stride, padding and
        dilation with ``groups = C_in`` (one ``k_h×k_w`` filter per input
        channel, ``C_in`` channels out); the pointwise conv is a ``1×1`` conv
        over its output that mixes the ``C_in`` channels into ``C_out``.
        Their ``multiplies`` add up to ``C_in·k_h·k_w·o_h·o_w +
        C_in·C_out·o_h·o_w``.

        Raises
        ------
        SpecError
            If this conv already has ``groups`` other than 1.

        Examples
        --------
        >>> dw, pw = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4).depthwise_separable()
        >>> dw.is_depthwise, pw.kernel_size, pw.output_shape
        (True, (1, 1), (4, 5, 5))
        >>> dw.multiplies + pw.multiplies, ConvSpec(5, 3, padding=1, in_channels=3,
        ...                                          out_channels=4).multiplies
        (975, 2700)
        """
        if self.groups != 1:
            raise SpecError(
                f"a depthwise-separable conv replaces an ordinary conv (groups = 1), got "
                f"groups {self.groups}"
            )
        c = self.in_channels
        depthwise = ConvSpec(self.input_size, self.kernel_size, self.stride, self.padding,
                             self.dilation, in_channels=c, out_channels=c, groups=c)
        pointwise = ConvSpec(self.output_size, 1, in_channels=c, out_channels=self.out_channels)
        return depthwise, pointwise

    # --------------------------------------------------------------- windows
    def direct(self) -> DirectConv:
        """Return this convolution as a :class:`DirectConv` over the padded input."""
        return DirectConv(
            grid_size=self.padded_size,
            input_size=self.input_size,
            input_origin=self.padding,
            input_spacing=(1, 1),
            padding_after=self.padding,
            kernel_size=self.kernel_size,
            dilation=self.dilation,
            stride=self.stride,
            output_size=self.output_size,
            kernel_rotated=False,
        )

    def window(self, step: int) -> np.ndarray:
        """Padded-grid coordinates of every kernel tap at ``step``.

        Row and column 0 are the first padding row and column; subtract
        :attr:`padding` to get input coordinates.

        Returns
        -------
        numpy.ndarray
            Shape ``(kh, kw, 2)`` of ``(row, col)``.
        """
        return self.direct().window(step)

    def windows(self) -> Iterator[np.ndarray]:
        """Every step's window (padded-grid coordinates), in step order."""
        return self.direct().windows()

    # ---------------------------------------------------------------- matrix
    def spatial_index_matrix(self) -> np.ndarray:
        """The single-channel conv matrix's weight indices.

        Returns
        -------
        numpy.ndarray
            ``int`` array of shape ``(oh*ow, ih*iw)``: the row-major index
            ``a·k_w + b`` of the kernel tap at each entry, or ``-1`` where
            that block of ``C`` is zero.
        """
        ih, iw = self.input_size
        kh, kw = self.kernel_size
        index = np.full((self.num_steps, ih * iw), -1, dtype=np.int64)
        flat_weight = np.arange(kh * kw).reshape(kh, kw)
        for e in range(self.num_steps):
            win = self.window(e) - np.asarray(self.padding)
            rows, cols = win[..., 0], win[..., 1]
            inside = (rows >= 0) & (rows < ih) & (cols >= 0) & (cols < iw)
            cols = win[..., 0][inside] * iw + win[..., 1][inside]
            index[e, cols] = flat_weight[inside]
        return index

    def conv_index_matrix(self) -> np.ndarray:
        """Which weight sits in each entry of the conv matrix.

        Returns
        -------
        numpy.ndarray
            ``int`` array of shape ``(C_out·oh·ow, C_in·ih·iw)``: the index
            into ``weight.ravel()`` (PyTorch's layout) of the weight at each
            entry, or ``-1`` where ``C`` is zero. With one channel that is
            the kernel's row-major index ``a·k_w + b``. Blocks outside a
            filter's group are all ``-1``.
        """
        spatial = self.spatial_index_matrix()
        if not self.has_channels:
            return spatial
        kk = self.kernel_size[0] * self.kernel_size[1]
        n_in = self.channels_per_group[0]
        rows, cols = spatial.shape
        index = np.full((self.out_channels * rows, self.in_channels * cols), -1, dtype=np.int64)
        live = spatial >= 0
        for o in range(self.out_channels):
            for c in self.input_channels_of(o):
                block = index[o * rows:(o + 1) * rows, c * cols:(c + 1) * cols]
                block[live] = (o * n_in + c % n_in) * kk + spatial[live]
        return index

    def matrix_weights(self) -> dict[tuple[int, int], tuple[int, int, int, int]]:
        """See :meth:`_Channels.matrix_weights`."""
        spatial = self.spatial_index_matrix()
        kw = self.kernel_size[1]
        rows, cols = self.matrix_blocks()
        out: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for i, (o, e) in enumerate(rows.tolist()):
            group = self.input_channels_of(o)
            for j in np.nonzero(spatial[e][cols[:, 1]] >= 0)[0].tolist():
                c, t = cols[j].tolist()
                if c in group:
                    a, b = divmod(int(spatial[e, t]), kw)
                    out[(i, j)] = (o, c, a, b)
        return out

    def conv_matrix(self, weight: np.ndarray) -> np.ndarray:
        """The dense conv matrix ``C``.

        ``C @ x.ravel() == conv2d(x, weight, groups=groups).ravel()`` for every
        input ``x`` (without the bias, which ``apply`` adds after).

        Parameters
        ----------
        weight
            ``(C_out, C_in/groups, k_h, k_w)`` in PyTorch's layout, or a
            ``(k_h, k_w)`` kernel when both channel counts are 1.

        Returns
        -------
        numpy.ndarray
            Shape ``(C_out·oh·ow, C_in·ih·iw)``, flattened channel-major: a
            ``C_out × C_in`` grid of single-channel blocks, zero outside each
            filter's group.
        """
        flat = self._weight_tensor(weight).ravel()
        index = self.conv_index_matrix()
        return np.where(index >= 0, flat[np.maximum(index, 0)], 0.0)

    # --------------------------------------------------------------- numbers
    def apply(
        self,
        x: np.ndarray,
        weight: np.ndarray | None = None,
        mode: PoolMode = "convolution",
        bias: np.ndarray | None = None,
    ) -> np.ndarray:
        """Compute the output numbers, with PyTorch's semantics.

        Parameters
        ----------
        x
            ``(C_in, ih, iw)`` input values, or ``(ih, iw)`` with one channel.
        weight
            ``(C_out, C_in/groups, kh, kw)`` weights (PyTorch's layout), or a
            ``(kh, kw)`` kernel with one channel; ``mode="convolution"`` only.
        mode
            ``"convolution"`` (``conv2d`` with ``groups``, cross-correlation),
            ``"average"`` (``avg_pool2d`` with ``count_include_pad=True``) or
            ``"max"`` (``max_pool2d``: padding never wins). Pooling works on
            each input channel separately and keeps the channel count.
        bias
            ``(C_out,)``, added to each output channel (convolution only).

        Returns
        -------
        numpy.ndarray
            ``(C_out, oh, ow)`` (``(C_in, oh, ow)`` for pooling), or
            ``(oh, ow)`` when ``x`` was a plain grid and there is one output
            channel.
        """
        if mode not in ("convolution", "average", "max"):
            raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
        direct = self.direct()
        if mode == "convolution":
            w = self._weight_tensor(weight)
            b = self._bias_vector(bias)
            xs, plain = self._input_tensor("input values", x)
            out = _correlate(direct, xs, w, self.groups, b)
            return out[0] if plain and self.out_channels == 1 else out
        if bias is not None:
            raise SpecError(f"{mode} pooling has no bias")
        xs, plain = self._input_tensor("input values", x)
        out = np.stack([self._pool(direct, channel, mode) for channel in xs])
        return out[0] if plain else out

    def _pool(self, direct: DirectConv, x: np.ndarray, mode: PoolMode) -> np.ndarray:
        grid = direct.grid_values(x)
        mask = direct.input_mask()
        out = np.empty(self.output_size, dtype=grid.dtype)
        n_taps = self.kernel_size[0] * self.kernel_size[1]
        for e in range(self.num_steps):
            win = direct.window(e)
            vals = grid[win[..., 0], win[..., 1]]
            if mode == "average":
                out.flat[e] = vals.sum() / n_taps
            else:
                real = mask[win[..., 0], win[..., 1]]
                if not real.any():
                    self.check_pooling("max")
                out.flat[e] = vals[real].max()
        return out

    def check_pooling(self, mode: PoolMode = "max") -> None:
        """Raise unless this spec is a valid pooling window.

        PyTorch pads a pooling window by at most half its effective size. For
        max pooling every window must also hold at least one real input cell
        (padding never wins, so a window of padding alone has no maximum).

        Raises
        ------
        SpecError
            Naming the padding, or the first step whose window is all padding.
        """
        for ax, axis in enumerate(_AXES):
            eff = self.effective_kernel_size[ax]
            p = self.padding[ax]
            if 2 * p > eff:
                where = "" if self._square else f" along the {axis}"
                raise SpecError(
                    f"padding {p} must be at most half the pooling window {eff}{where}"
                )
        if mode == "max":
            # a window is all padding where its rows, or its columns, are
            rows, cols = (padding_only_steps(self.input_size[a], self.kernel_size[a],
                                             self.stride[a], self.padding[a],
                                             self.dilation[a], self.output_size[a])
                          for a in range(2))
            firsts = ([rows[0] * self.output_size[1]] if rows else []) + cols[:1]
            if firsts:
                raise SpecError(
                    f"max pooling: the window of step {min(firsts)} covers only padding "
                    "(lower the padding or the dilation)"
                )

    # ------------------------------------------------------------ transpose
    def transposed(self) -> TransposedConvSpec:
        """The transposed convolution of this convolution.

        Its input is this conv's output and its output is this conv's input
        (``C_out`` channels back to ``C_in``); it takes the same weight
        tensor, and its conv matrix is exactly ``self.conv_matrix(weight).T``.
        """
        return TransposedConvSpec(self)

    @classmethod
    def transposed_from_torch(
        cls,
        input_size: IntOrPair,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        output_padding: IntOrPair = 0,
        dilation: IntOrPair = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ) -> TransposedConvSpec:
        """Build a transposed conv from ``nn.ConvTranspose2d``'s parameters.

        See :meth:`TransposedConvSpec.from_torch`.
        """
        return TransposedConvSpec.from_torch(
            input_size, kernel_size, stride, padding, output_padding, dilation,
            in_channels, out_channels, groups,
        )

    @classmethod
    def from_torch(cls, module: object, input_size: object) -> AnySpec:
        """The spec of a PyTorch layer, read from its attributes (torch is not imported).

        Parameters
        ----------
        module
            An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` or
            ``nn.AvgPool2d``, or any object with the same attributes.
        input_size
            The layer's input size as PyTorch sees it: ``5``, ``(5, 7)``, or
            a tensor shape ``(N, C, H, W)``. For a ``ConvTranspose2d``, its
            own input ``i'``.

        Returns
        -------
        AnySpec
            A :class:`ConvSpec`, or a :class:`TransposedConvSpec` for a
            ``ConvTranspose2d``. For a pooling layer,
            :func:`convmanim.torch_compat.torch_mode` gives the numerical
            mode (``"max"`` or ``"average"``).

        Raises
        ------
        SpecError
            Naming the attribute convmanim cannot draw (see
            :func:`convmanim.torch_compat.spec_from_torch`).

        Examples
        --------
        >>> class MaxPool2d:  # a stand-in with nn.MaxPool2d's attributes
        ...     kernel_size, stride, padding, dilation, ceil_mode = 2, 2, 0, 1, False
        >>> ConvSpec.from_torch(MaxPool2d(), (1, 3, 6, 6)).output_size
        (3, 3)
        """
        return spec_from_torch(module, input_size)


@dataclass(frozen=True)
class TransposedConvSpec(_Channels):
    """The transposed convolution of a forward :class:`ConvSpec`.

    Following Dumoulin & Visin (and the original tool), it is described by
    the arguments of its forward conv. Its input is the forward output and
    its output is the forward input, so the sizes round-trip exactly; the
    paper's ``a`` (PyTorch's ``output_padding``) is derived. Its channels run
    backwards too: ``in_channels`` is the forward ``C_out`` and
    ``out_channels`` the forward ``C_in``, and its weight is the forward
    conv's tensor, which is ``nn.ConvTranspose2d``'s layout
    ``(C_in', C_out'/groups, k_h, k_w)``.

    Parameters
    ----------
    forward
        The convolution whose transpose this is.
    """

    forward: ConvSpec

    @classmethod
    def from_torch(
        cls,
        input_size: IntOrPair,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        output_padding: IntOrPair = 0,
        dilation: IntOrPair = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ) -> TransposedConvSpec:
        """Build one from ``nn.ConvTranspose2d``'s parameters.

        ``out = (in − 1)s − 2p + d(k − 1) + output_padding + 1`` per axis;
        ``in_channels`` and ``out_channels`` are the transposed conv's own
        (its forward conv maps ``out_channels`` to ``in_channels``).

        Raises
        ------
        SpecError
            If a value is out of range, or ``output_padding`` is not smaller
            than the stride (then no forward conv has this transpose).
        """
        i = parse_pair("input_size", input_size)
        k = parse_pair("kernel_size", kernel_size)
        s = parse_pair("stride", stride)
        p = parse_pair("padding", padding)
        op = parse_pair("output_padding", output_padding)
        d = parse_pair("dilation", dilation)
        _check_min("input_size", i, 1, "at least 1")
        _check_min("kernel_size", k, 1, "at least 1")
        _check_min("stride", s, 1, "at least 1")
        _check_min("dilation", d, 1, "at least 1")
        _check_min("padding", p, 0, "0 or more")
        _check_min("output_padding", op, 0, "0 or more")
        for ax in range(2):
            if op[ax] >= s[ax]:
                raise SpecError(
                    f"output_padding {op[ax]} must be smaller than the stride {s[ax]}"
                )
        out = tuple((i[a] - 1) * s[a] - 2 * p[a] + d[a] * (k[a] - 1) + op[a] + 1 for a in range(2))
        if min(out) < 1:
            raise SpecError(
                f"input_size {_fmt(i)} with kernel {_fmt(k)}, stride {_fmt(s)}, padding {_fmt(p)} "
                f"gives an output of {_fmt_size(out)}: lower the padding"  # type: ignore[arg-type]
            )
        spec = cls(ConvSpec(out, k, s, p, d, in_channels=out_channels,
                            out_channels=in_channels, groups=groups))
        if spec.input_size != i:  # pragma: no cover - guaranteed by op < s
            raise SpecError(f"input_size {_fmt(i)} does not round-trip")
        return spec

    # ----------------------------------------------------------------- sizes
    @property
    def is_transposed(self) -> bool:
        """``True``: this is a transposed convolution."""
        return True

    @property
    def input_size(self) -> Pair:
        """``i'``: the forward conv's output size."""
        return self.forward.output_size

    @property
    def in_channels(self) -> int:  # type: ignore[override]
        """The forward conv's ``C_out``."""
        return self.forward.out_channels

    @property
    def out_channels(self) -> int:  # type: ignore[override]
        """The forward conv's ``C_in``."""
        return self.forward.in_channels

    @property
    def groups(self) -> int:  # type: ignore[override]
        """The forward conv's ``groups``."""
        return self.forward.groups

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """``(C_in', C_out'/groups, k_h, k_w)``: the forward conv's weight tensor."""
        return self.forward.weight_shape

    def weight_slice(self, out_channel: int, in_channel: int) -> Pair:
        """``(in_channel, out_channel mod C_out'/groups)``: see :meth:`_Channels.weight_slice`."""
        o = self._check_channel("output channel", out_channel, self.out_channels)
        c = self._check_channel("input channel", in_channel, self.in_channels)
        if c not in self.input_channels_of(o):
            raise self._outside_group(o, c)
        return (c, o % self.channels_per_group[1])

    @property
    def output_size(self) -> Pair:
        """``o'``: the forward conv's input size."""
        return self.forward.input_size

    @property
    def kernel_size(self) -> Pair:
        """``k' = k``."""
        return self.forward.kernel_size

    @property
    def stride(self) -> Pair:
        """The forward stride ``s`` (PyTorch's ``stride``)."""
        return self.forward.stride

    @property
    def padding(self) -> Pair:
        """The forward padding ``p`` (PyTorch's ``padding``)."""
        return self.forward.padding

    @property
    def dilation(self) -> Pair:
        """The dilation ``d``."""
        return self.forward.dilation

    @property
    def effective_kernel_size(self) -> Pair:
        """``k̂ = d(k − 1) + 1``."""
        return self.forward.effective_kernel_size

    @property
    def output_padding(self) -> Pair:
        """The paper's ``a``, PyTorch's ``output_padding``: ``(i + 2p − k̂) mod s``."""
        return self.forward.remainder

    @property
    def stretched_size(self) -> Pair:
        """``ĩ' = s(i' − 1) + 1``: the input with ``s − 1`` zeros between units."""
        return tuple((n - 1) * s + 1 for n, s in zip(self.input_size, self.stride))  # type: ignore[return-value]

    @property
    def direct_padding(self) -> tuple[Pair, Pair]:
        """Padding of the equivalent direct conv: ``(before, after)``.

        ``before = d(k − 1) − p`` on the top and left, and
        ``after = before + a`` on the bottom and right.
        """
        before = tuple(e - 1 - p for e, p in zip(self.effective_kernel_size, self.padding))
        after = tuple(b + a for b, a in zip(before, self.output_padding))
        return before, after  # type: ignore[return-value]

    @property
    def num_steps(self) -> int:
        """``o'h * o'w``: one step per output cell."""
        return self.output_size[0] * self.output_size[1]

    def step_cell(self, step: int) -> Pair:
        """The output cell written at ``step``."""
        return _step_cell(step, self.output_size)

    def describe(self) -> str:
        """A one-line summary of the transposed conv and its forward conv."""
        f = self.forward
        return (
            f"transposed conv of (i={_fmt(f.input_size)} k={_fmt(f.kernel_size)} "
            f"s={_fmt(f.stride)} p={_fmt(f.padding)} d={_fmt(f.dilation)}): "
            f"i'={_fmt(self.input_size)} -> o'={_fmt(self.output_size)}, "
            f"output_padding={_fmt(self.output_padding)}{_describe_channels(self)}"
        )

    # --------------------------------------------------------------- windows
    def direct(self) -> DirectConv:
        """The equivalent direct convolution.

        A stride-1 conv over the zero-inserted input (``s − 1`` zeros between
        units), padded by ``d(k − 1) − p`` on the top and left and by
        ``d(k − 1) − p + a`` on the bottom and right, with the kernel rotated
        by 180° and the same dilation.
        """
        before, after = self.direct_padding
        grid = tuple(b + n + a for b, n, a in zip(before, self.stretched_size, after))
        direct = DirectConv(
            grid_size=grid,  # type: ignore[arg-type]
            input_size=self.input_size,
            input_origin=before,
            input_spacing=self.stride,
            padding_after=after,
            kernel_size=self.kernel_size,
            dilation=self.dilation,
            stride=(1, 1),
            output_size=tuple(  # type: ignore[arg-type]
                g - e + 1 for g, e in zip(grid, self.effective_kernel_size)
            ),
            kernel_rotated=True,
        )
        if direct.output_size != self.output_size:  # pragma: no cover - an invariant
            raise AssertionError("equivalent direct conv does not round-trip")
        return direct

    equivalent_conv = direct

    def window(self, step: int) -> np.ndarray:
        """Grid coordinates (of :meth:`direct`'s grid) of every tap at ``step``."""
        return self.direct().window(step)

    def windows(self) -> Iterator[np.ndarray]:
        """Every step's window (direct-grid coordinates), in step order."""
        return self.direct().windows()

    # ---------------------------------------------------------------- matrix
    def spatial_index_matrix(self) -> np.ndarray:
        """Transpose of the forward conv's single-channel weight-index matrix."""
        return self.forward.spatial_index_matrix().T

    def conv_index_matrix(self) -> np.ndarray:
        """Transpose of the forward conv's weight-index matrix."""
        return self.forward.conv_index_matrix().T

    def matrix_weights(self) -> dict[tuple[int, int], tuple[int, int, int, int]]:
        """The forward conv's entries, at their transposed places (same channels and taps)."""
        return {(j, i): w for (i, j), w in self.forward.matrix_weights().items()}

    def conv_matrix(self, weight: np.ndarray) -> np.ndarray:
        """``Cᵀ``: exactly the transpose of the forward conv matrix (same ``weight``)."""
        return self.forward.conv_matrix(weight).T

    # --------------------------------------------------------------- numbers
    def apply(
        self,
        y: np.ndarray,
        weight: np.ndarray | None = None,
        mode: PoolMode = "convolution",
        bias: np.ndarray | None = None,
    ) -> np.ndarray:
        """``conv_transpose2d(y, weight, bias, groups=groups)`` (PyTorch's semantics).

        Parameters
        ----------
        y
            ``(C_in', ih', iw')``, or ``(ih', iw')`` with one channel.
        weight
            The forward conv's weight ``(C_in', C_out'/groups, k_h, k_w)``
            (``nn.ConvTranspose2d``'s layout), or a ``(k_h, k_w)`` kernel
            with one channel.
        mode
            ``"convolution"`` only.
        bias
            ``(C_out',)``.

        Returns
        -------
        numpy.ndarray
            ``(C_out', oh', ow')``, or ``(oh', ow')`` when ``y`` was a plain
            grid and there is one output channel.
        """
        if mode != "convolution":
            raise SpecError(f"a transposed conv has no {mode} mode")
        w = self._weight_tensor(weight)
        b = self._bias_vector(bias)
        ys, plain = self._input_tensor("input values", y)
        # As a direct conv (stride 1 over the zero-inserted input, kernel
        # rotated): output channel c of group g reads input channel o with
        # the forward slice weight[o, c mod C_out'/g].
        n_in = self.channels_per_group[0]
        direct_weight = np.concatenate([
            w[g * n_in:(g + 1) * n_in].transpose(1, 0, 2, 3) for g in range(self.groups)
        ])
        out = _correlate(self.direct(), ys, direct_weight, self.groups, b)
        return out[0] if plain and self.out_channels == 1 else out

    def scatter_contributions(self, y: np.ndarray, weight: np.ndarray) -> Iterator[np.ndarray]:
        """The scatter-add view: each input value's contribution, in channel-major order.

        Yields
        ------
        numpy.ndarray
            For input value ``r`` (see :meth:`input_index`), ``y[r]`` times
            its column of ``Cᵀ``: ``y[r] * weight[...]`` placed on its window
            of every output channel of its group. ``(C_out', oh', ow')``, or
            ``(oh', ow')`` for a plain ``y`` and one output channel. Their
            sum is :meth:`apply`'s result (without the bias).
        """
        ys, plain = self._input_tensor("input values", y)
        c = self.conv_matrix(weight)
        shape = self.output_size if plain and self.out_channels == 1 else self.output_shape
        for r in range(ys.size):
            yield (c[:, r] * ys.flat[r]).reshape(shape)

    def scatter_canvas(self) -> DirectConv:
        """The scatter-add view: the uncropped canvas each input cell's kernel lands on.

        Input cell ``(r, c)`` (step ``r * iw' + c``) adds ``y[r, c] * w`` to the
        taps ``(r s + a d, c s + b d)`` of the canvas; the output of the
        transposed conv is the canvas cropped by ``p`` on the top and left.
        The canvas is ``s(i' − 1) + d(k − 1) + 1`` cells along each axis, or
        ``p + o'`` when the extra ``a`` rows/columns reach past it (those
        receive no contribution and stay zero).

        The result is a :class:`DirectConv` whose windows are the scatter
        windows, in step order:

        * ``grid_size``: the canvas;
        * ``input_origin``, ``input_size``, ``padding_after`` and
          :meth:`DirectConv.input_mask`: where the kept output (``o'``) lies
          in it, at ``(p, p)``; every other cell is cropped;
        * ``kernel_size``, ``dilation``, ``stride``: the forward conv's, with
          the kernel not rotated (tap ``(a, b)`` uses weight ``w[a, b]``);
        * ``output_size``: ``i'``, one window per input cell.
        """
        eff = self.effective_kernel_size
        full = tuple((n - 1) * s + e for n, s, e in zip(self.input_size, self.stride, eff))
        canvas = tuple(max(f, p + o) for f, p, o in zip(full, self.padding, self.output_size))
        return DirectConv(
            grid_size=canvas,  # type: ignore[arg-type]
            input_size=self.output_size,
            input_origin=self.padding,
            input_spacing=(1, 1),
            padding_after=tuple(  # type: ignore[arg-type]
                c - p - o for c, p, o in zip(canvas, self.padding, self.output_size)
            ),
            kernel_size=self.kernel_size,
            dilation=self.dilation,
            stride=self.stride,
            output_size=self.input_size,
            kernel_rotated=False,
        )

    def transposed(self) -> ConvSpec:
        """The forward convolution again."""
        return self.forward



AnySpec = ConvSpec | TransposedConvSpec
"""Either kind of spec: the modes accept both."""


# ---------------------------------------------------- indices the modes ask for
# Row-major flat indices and counts that the scenes, the mobjects and the limits
# need; nothing outside this module computes one.


def cell_index(cell: Sequence[int], size: Pair) -> int:
    """Row-major index ``row·w + column`` of ``cell`` in a grid of ``size``.

    Raises
    ------
    SpecError
        If ``cell`` is outside the grid.

    Examples
    --------
    >>> cell_index((1, 2), (3, 4))
    6
    """
    return _cell_index(cell, size, "cell")


def cell_of_index(index: int, size: Pair) -> Pair:
    """The ``(row, column)`` of row-major ``index`` in a ``size`` grid (:func:`cell_index` undone).

    Raises
    ------
    SpecError
        If ``index`` is not one of the grid's ``h·w`` cells.

    Examples
    --------
    >>> cell_of_index(6, (3, 4))
    (1, 2)
    """
    n = size[0] * size[1]
    index = _as_int("index", index)
    if not 0 <= index < n:
        raise SpecError(f"index must be in 0..{n - 1} ({_fmt_size(size)} cells), got {index}")
    row, column = divmod(index, size[1])
    return (row, column)


def num_inputs(spec: AnySpec) -> int:
    """``C_in·i_h·i_w``: every input value of ``spec``.

    One per column of the conv matrix, and one per step of the numerical
    mode's scatter view of a transposed conv (each input value scatters its
    products).

    Examples
    --------
    >>> num_inputs(ConvSpec(5, 3, in_channels=2))
    50
    """
    return spec.matrix_shape[1]


def scatter_span(spec: TransposedConvSpec, cell: Sequence[int]) -> tuple[Pair, Pair, bool]:
    """The output rows and columns that input cell ``cell`` of ``spec`` adds its kernel over.

    In the scatter-add view, input cell ``(r, c)`` adds its value times the
    kernel over rows ``r·s − p`` to ``r·s − p + d·(k−1)`` of the output (and
    columns alike; with dilation, every ``d``-th of them); the parts beyond
    the output fall on the cropped border.

    Returns
    -------
    tuple
        ``(first_row, last_row)`` and ``(first_column, last_column)`` within
        the output, and whether any of the kernel falls outside it.

    Examples
    --------
    >>> scatter_span(ConvSpec(5, 3, stride=2, padding=1).transposed(), (0, 2))
    ((0, 1), (3, 4), True)
    """
    r, c = (int(v) for v in cell)
    _cell_index((r, c), spec.input_size, "cell")
    f = spec.forward
    spans = []
    cropped = False
    for n, s, p, e, o in zip((r, c), f.stride, f.padding, f.effective_kernel_size,
                             spec.output_size):
        first, last = n * s - p, n * s - p + e - 1
        cropped = cropped or first < 0 or last >= o
        spans.append((max(first, 0), min(last, o - 1)))
    return spans[0], spans[1], cropped


def scatter_cells(spec: TransposedConvSpec, cell: Sequence[int]) -> list[Pair]:
    """The output cells that input cell ``cell`` of ``spec`` adds into, in the kernel's tap order.

    In the scatter-add view, tap ``(a, b)`` of input cell ``(r, c)`` lands on
    output cell ``(r·s − p + a·d, c·s − p + b·d)``; the taps that fall on the
    cropped border are left out.

    Examples
    --------
    >>> scatter_cells(ConvSpec(4, 2, stride=2, padding=1).transposed(), (0, 1))
    [(0, 1), (0, 2)]
    """
    r, c = (int(v) for v in cell)
    index = _cell_index((r, c), spec.input_size, "cell")
    canvas = spec.scatter_canvas()
    mask = canvas.input_mask()
    top, left = canvas.input_origin
    return [(int(a) - top, int(b) - left)
            for a, b in canvas.window(index).reshape(-1, 2) if mask[a, b]]


# ---------------------------------------------------------------- PyTorch layers
# A layer's spec read from its attributes by duck typing: torch is never
# imported. ConvSpec.from_torch uses it; convmanim.torch_compat re-exports it
# with what reads a layer's tensors.

TorchKind = Literal["conv", "transposed", "average", "max"]
"""What a layer is: a convolution, a transposed convolution, or a pooling."""

_TORCH_MODES: dict[str, PoolMode] = {
    "conv": "convolution",
    "transposed": "convolution",
    "average": "average",
    "max": "max",
}
_MISSING = object()


def _layer_name(module: object) -> str:
    return type(module).__name__


def torch_kind(module: object) -> TorchKind:
    """Tell which layer ``module`` is from its attributes.

    Parameters
    ----------
    module
        An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` or
        ``nn.AvgPool2d`` (or their 1-D twins), or any object with their attributes.

    Returns
    -------
    TorchKind
        ``"conv"``, ``"transposed"``, ``"average"`` or ``"max"``.

    Raises
    ------
    SpecError
        If it is none of the four, or its class name says 3-D.
    """
    name = _layer_name(module)
    if name.endswith("3d"):
        raise SpecError(f"{name} is 3-D: convmanim draws 1-D and 2-D layers (Conv1d, Conv2d, "
                        "their ConvTranspose, MaxPool and AvgPool)")
    if not hasattr(module, "kernel_size"):
        raise SpecError(f"{name} has no kernel_size: convmanim reads Conv2d, ConvTranspose2d, "
                        "MaxPool2d and AvgPool2d")
    if hasattr(module, "count_include_pad"):
        return "average"
    if hasattr(module, "ceil_mode") and hasattr(module, "dilation"):
        return "max"
    if hasattr(module, "out_channels"):
        transposed = getattr(module, "transposed", _MISSING)
        if transposed is _MISSING:
            return "transposed" if hasattr(module, "output_padding") else "conv"
        return "transposed" if transposed else "conv"
    raise SpecError(f"{name} is not a Conv2d, ConvTranspose2d, MaxPool2d or AvgPool2d "
                    "(it has a kernel_size but no out_channels, ceil_mode or count_include_pad)")


def torch_mode(module: object) -> PoolMode:
    """What the layer's window computes, as the numerical mode names it.

    Returns
    -------
    PoolMode
        ``"convolution"`` for ``Conv2d`` and ``ConvTranspose2d``,
        ``"average"`` for ``AvgPool2d`` and ``"max"`` for ``MaxPool2d``.

    Raises
    ------
    SpecError
        As :func:`torch_kind`.
    """
    return _TORCH_MODES[torch_kind(module)]


def _pair_attr(module: object, attr: str, default: object = _MISSING) -> Pair:
    """Read an int-or-pair attribute such as ``stride`` as ``(h, w)``."""
    value = getattr(module, attr, default)
    if value is _MISSING:
        raise SpecError(f"{_layer_name(module)} has no {attr}")
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) != 2:
        raise SpecError(f"{_layer_name(module)}.{attr} {tuple(value)!r} must have 2 axes "
                        "(convmanim draws 2-D layers)")
    try:
        return parse_pair(attr, value)  # type: ignore[arg-type]
    except SpecError as exc:
        raise SpecError(f"{_layer_name(module)}.{exc}") from None


def _input_shape(input_size: object) -> tuple[int | None, Pair]:
    """``5``, ``(5, 7)``, ``"5x7"``, or a tensor shape ``(C, H, W)``/``(N, C, H, W)``.

    Returns the channel count (``None`` when the size does not say) and ``(H, W)``.
    """
    channels = None
    if isinstance(input_size, Sequence) and not isinstance(input_size, str) \
            and len(input_size) in (3, 4):
        shape = tuple(input_size)
        channels = _int_attr("input_size", "channels", shape[-3])
        input_size = shape[-2:]
    return channels, parse_pair("input_size", input_size)  # type: ignore[arg-type]


def _int_attr(owner: str, attr: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError(f"{owner}.{attr} must be an integer, got {value!r}")
    if value < 1:
        raise SpecError(f"{owner}.{attr} must be at least 1, got {value}")
    return int(value)


def _channels(module: object, shape_channels: int | None) -> tuple[int, int, int]:
    """A conv's ``(in_channels, out_channels, groups)``, checked against the input shape."""
    name = _layer_name(module)
    c_in = getattr(module, "in_channels", None)
    c_in = shape_channels if c_in is None else _int_attr(name, "in_channels", c_in)
    c_out = _int_attr(name, "out_channels", getattr(module, "out_channels", 1))
    groups = _int_attr(name, "groups", getattr(module, "groups", 1))
    if c_in is None:
        c_in = 1
    if shape_channels is not None and shape_channels != c_in:
        raise SpecError(f"the input has {shape_channels} channels but {name}.in_channels is "
                        f"{c_in}")
    return c_in, c_out, groups


def _conv_padding(module: object, kernel: Pair, stride: Pair, dilation: Pair) -> Pair:
    """``padding``, with ``'valid'`` and symmetric ``'same'`` read as numbers."""
    padding = getattr(module, "padding", 0)
    if not isinstance(padding, str):
        return _pair_attr(module, "padding", 0)
    name = _layer_name(module)
    if padding == "valid":
        return (0, 0)
    if padding != "same":
        raise SpecError(f"{name}.padding must be 'same', 'valid' or numbers, got {padding!r}")
    if stride != (1, 1):
        raise SpecError(f"{name}.padding 'same' needs stride 1, got stride {stride}")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(t % 2 for t in total):
        raise SpecError(
            f"{name}.padding 'same' pads unevenly here (dilation×(kernel−1) = "
            f"{'×'.join(map(str, total))} is odd): convmanim draws equal padding on both "
            "sides; give the padding as a number"
        )
    return (total[0] // 2, total[1] // 2)


def _check_zeros_padding(module: object, padding: Pair) -> None:
    mode = getattr(module, "padding_mode", "zeros")
    if mode != "zeros" and padding != (0, 0):
        raise SpecError(f"{_layer_name(module)}.padding_mode {mode!r}: convmanim draws zero "
                        "padding only (padding_mode='zeros')")


def _pool_output(i: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size along one axis."""
    span = i + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= i + p:
        out -= 1
    return out


def _check_pooling_options(module: object, spec: ConvSpec) -> None:
    name = _layer_name(module)
    if getattr(module, "ceil_mode", False):
        ceil = tuple(
            _pool_output(i, k, s, p, d, True)
            for i, k, s, p, d in zip(spec.input_size, spec.kernel_size, spec.stride,
                                     spec.padding, spec.dilation)
        )
        if ceil != spec.output_size:
            raise SpecError(
                f"{name}.ceil_mode=True gives a {ceil[0]}×{ceil[1]} output here, where "
                f"convmanim draws the floor's {spec.output_size[0]}×{spec.output_size[1]} "
                "(use ceil_mode=False, or an input the windows fit exactly)"
            )
    if not getattr(module, "count_include_pad", True) and spec.padding != (0, 0):
        raise SpecError(
            f"{name}.count_include_pad=False with padding {spec.padding}: convmanim averages "
            "with the padding counted (use count_include_pad=True or padding 0)"
        )
    divisor = getattr(module, "divisor_override", None)
    if divisor is not None and divisor != spec.kernel_size[0] * spec.kernel_size[1]:
        raise SpecError(f"{name}.divisor_override {divisor}: convmanim divides by the window "
                        "size (use divisor_override=None)")


_AXIS_ATTRS = {"kernel_size": 1, "stride": 1, "padding": 0, "dilation": 1, "output_padding": 0}
_LAYER_ATTRS = ("in_channels", "out_channels", "groups", "transposed", "padding_mode",
                "ceil_mode", "count_include_pad", "divisor_override", "return_indices")


def is_1d_layer(module: object) -> bool:
    """Whether a PyTorch layer (or a look-alike) is 1-D.

    Its class name ends in ``1d``, or (neither ``1d`` nor ``2d``) its
    ``kernel_size`` is a 1-tuple.

    Examples
    --------
    >>> class Conv1d:
    ...     kernel_size = (3,)
    >>> is_1d_layer(Conv1d())
    True
    """
    name = _layer_name(module)
    if name.endswith(("1d", "2d")):
        return name.endswith("1d")
    kernel = getattr(module, "kernel_size", None)
    return isinstance(kernel, Sequence) and not isinstance(kernel, str) and len(kernel) == 1


def _single(module: object, attr: str, value: object) -> object:
    """A 1-D layer's ``value`` (``3`` or ``(3,)``) as one number; ``None`` and strings kept."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Sequence) and len(value) == 0:
        return None
    if isinstance(value, Sequence):
        if len(value) != 1:
            raise SpecError(f"{_layer_name(module)}.{attr} {tuple(value)!r} must have 1 axis "
                            "(a 1-D layer)")
        value = value[0]
    return _as_int(f"{_layer_name(module)}.{attr}", value)


def _spec1d_from_torch(module: object, input_size: object) -> AnySpec1d:
    """:func:`spec_from_torch` for a 1-D layer: read as the 2-D layer of height 1."""
    name = _layer_name(module)
    channels: int | None = None
    if isinstance(input_size, Sequence) and not isinstance(input_size, str):
        shape = tuple(input_size)
        if len(shape) not in (1, 2, 3):
            raise SpecError(f"input_size of {name} must be L, (C, L) or (N, C, L), got "
                            f"{shown(input_size)}")
        if len(shape) >= 2:
            channels = _int_attr("input_size", "channels", shape[-2])
        input_size = shape[-1]
    if isinstance(input_size, str) and _INTEGER.fullmatch(input_size.strip()):
        input_size = int(input_size)
    length = _as_int("input_size", input_size)
    attrs: dict[str, object] = {}
    for attr, height in _AXIS_ATTRS.items():
        if hasattr(module, attr):
            value = _single(module, attr, getattr(module, attr))
            attrs[attr] = value if value is None or isinstance(value, str) else (height, value)
    padding = attrs.get("padding")
    if padding == "same":
        k, d = attrs["kernel_size"][1], attrs.get("dilation", (1, 1))[1]  # type: ignore[index]
        s = attrs.get("stride", (1, 1))[1]  # type: ignore[index]
        if s != 1:
            raise SpecError(f"{name}.padding 'same' needs stride 1, got stride {s}")
        if d * (k - 1) % 2:
            raise SpecError(f"{name}.padding 'same' pads unevenly here (dilation×(kernel−1) = "
                            f"{d * (k - 1)} is odd): give the padding as a number, or "
                            "'causal' to ConvSpec1d")
        attrs["padding"] = (0, d * (k - 1) // 2)
    for attr in _LAYER_ATTRS:
        if hasattr(module, attr):
            attrs[attr] = getattr(module, attr)
    planar = type(name, (), attrs)()
    size = (1, length) if channels is None else (1, channels, 1, length)
    spec = _spec2d_from_torch(planar, size)
    forward = spec.forward if isinstance(spec, TransposedConvSpec) else spec
    one = ConvSpec1d(forward.input_size[1], forward.kernel_size[1], forward.stride[1],
                     forward.padding[1], forward.dilation[1], forward.in_channels,
                     forward.out_channels, forward.groups)
    return one.transposed() if isinstance(spec, TransposedConvSpec) else one


def spec_from_torch(module: object, input_size: object) -> AnySpec | AnySpec1d:
    """The spec of a PyTorch layer applied to an input of ``input_size``.

    A 1-D layer (``nn.Conv1d``, ``nn.ConvTranspose1d``, ``nn.MaxPool1d``,
    ``nn.AvgPool1d``: its class name ends in ``1d``, or does not end in
    ``2d`` and its ``kernel_size`` is a 1-tuple) gives a :class:`ConvSpec1d`
    or :class:`TransposedConvSpec1d`; its ``input_size`` is ``L``, ``(C, L)``
    or ``(N, C, L)``, and its ``padding='same'`` is read as ``d(k − 1)/2``
    when that is whole.

    Parameters
    ----------
    module
        An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` or
        ``nn.AvgPool2d`` (or their 1-D twins), or any object with the same
        attributes (see the module's docstring for how the kind is told).
    input_size
        The size of the layer's input, as PyTorch sees it: ``5``, ``(5, 7)``,
        ``"5x7"``, or a tensor shape ``(C, H, W)`` or ``(N, C, H, W)``. For
        a transposed conv this is its own input, ``i'``. A shape's ``C`` must
        match a conv's ``in_channels``; a pooling layer takes it as its
        channel count.

    Returns
    -------
    AnySpec
        A :class:`~convmanim.geometry.ConvSpec` for a convolution or a
        pooling (pass :func:`torch_mode` to the numerical mode), or a
        :class:`~convmanim.geometry.TransposedConvSpec` for a transposed conv.

    Raises
    ------
    SpecError
        One line naming the attribute, for a layer convmanim cannot draw:
        string padding other than ``'valid'`` or an even ``'same'``,
        ``padding_mode`` other than ``'zeros'``, ``ceil_mode=True`` or
        ``count_include_pad=False`` where they change the result,
        ``divisor_override``, or sizes out of range.

    Examples
    --------
    >>> class Conv1d:  # a stand-in with nn.Conv1d's attributes
    ...     in_channels, out_channels, kernel_size, stride = 2, 4, (3,), (2,)
    ...     padding, dilation, groups, padding_mode = (1,), (1,), 2, "zeros"
    >>> spec = spec_from_torch(Conv1d(), (1, 2, 9))
    >>> spec.describe()
    'conv1d L=9 k=3 s=2 p=1 d=1 -> o=5, channels 2->4, groups=2'
    """
    torch_kind(module)
    if is_1d_layer(module):
        return _spec1d_from_torch(module, input_size)
    return _spec2d_from_torch(module, input_size)


def _spec2d_from_torch(module: object, input_size: object) -> AnySpec:
    """:func:`spec_from_torch` for a 2-D layer."""
    kind = torch_kind(module)
    shape_channels, size = _input_shape(input_size)
    kernel = _pair_attr(module, "kernel_size")
    dilation = _pair_attr(module, "dilation", 1) if kind != "average" else (1, 1)
    if kind in ("average", "max"):
        stride_value = getattr(module, "stride", None)
        stride = kernel if stride_value is None or stride_value in ((), []) \
            else _pair_attr(module, "stride")
        padding = _pair_attr(module, "padding", 0)
        c = shape_channels or 1
        spec = ConvSpec(size, kernel, stride, padding, dilation, in_channels=c, out_channels=c,
                        groups=c)
        _check_pooling_options(module, spec)
        spec.check_pooling(_TORCH_MODES[kind])
        return spec
    stride = _pair_attr(module, "stride", 1)
    padding = _conv_padding(module, kernel, stride, dilation)
    _check_zeros_padding(module, padding)
    c_in, c_out, groups = _channels(module, shape_channels)
    if kind == "transposed":
        output_padding = _pair_attr(module, "output_padding", 0)
        return TransposedConvSpec.from_torch(size, kernel, stride, padding, output_padding,
                                             dilation, c_in, c_out, groups)
    return ConvSpec(size, kernel, stride, padding, dilation, c_in, c_out, groups)


# ------------------------------------------------- specs from the command line
# The command line and lecture files describe a spec as the original tool did;
# both ask here.

def spec_from_arguments(
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair | None = None,
    transposed: bool = False,
    output_padding: Pair | None = None,
    *,
    in_channels: int = 1,
    out_channels: int = 1,
    groups: int = 1,
    one_d: bool = False,
) -> AnySpec | AnySpec1d:
    """The spec the original tool's arguments describe (the command line's flags).

    A transposed conv is given by the arguments of its forward conv and
    ``transposed``; ``output_size`` (``-o``) and ``output_padding``
    (``--output-padding``), when given, must match what the others give.
    With ``one_d`` every size is one number and the spec a
    :class:`ConvSpec1d` (or its transpose); ``padding`` may then be
    ``"causal"``.

    Raises
    ------
    SpecError
        For an invalid spec, or an ``-o`` or ``--output-padding`` that
        disagrees with the computed one, a causal padding in 2-D, or a size
        with two numbers in 1-D.
    """
    if one_d:
        return _spec1d_from_arguments(input_size, kernel_size, stride, padding, dilation,
                                      output_size, transposed, output_padding,
                                      in_channels, out_channels, groups)
    if isinstance(padding, str):
        raise SpecError(f"padding {shown(padding)} is for a 1-D conv (a sequence): add --1d "
                        "(in a lecture, 1d = true) and give one number per size, e.g. --1d "
                        "-i 8 -k 3 -p causal")
    spec = ConvSpec(input_size, kernel_size, stride, padding, dilation, in_channels,
                    out_channels, groups)
    if output_padding is not None:
        _check_output_padding(spec, output_padding, transposed)
    if output_size is not None and output_size != spec.output_size:
        got = "x".join(map(str, output_size)) if output_size[0] != output_size[1] \
            else str(output_size[0])
        want = spec.output_size
        right = str(want[0]) if want[0] == want[1] else f"{want[0]}x{want[1]}"
        raise SpecError(
            f"output_size {got} does not match the computed output size {right} "
            f"({spec.describe()}); drop -o or use -o {right}"
        )
    return spec.transposed() if transposed else spec


_FLAGS_1D = (("input_size", "-i"), ("kernel_size", "-k"), ("stride", "-s"),
             ("padding", "-p"), ("dilation", "-d"), ("output_size", "-o"),
             ("output_padding", "--output-padding"))


def _spec1d_from_arguments(
    input_size: Pair, kernel_size: Pair, stride: Pair, padding: Pair | str, dilation: Pair,
    output_size: Pair | None, transposed: bool, output_padding: Pair | None,
    in_channels: int, out_channels: int, groups: int,
) -> AnySpec1d:
    """:func:`spec_from_arguments` in 1-D: one number per size, ``padding`` may be causal."""
    values = dict(zip((name for name, _ in _FLAGS_1D),
                      (input_size, kernel_size, stride, padding, dilation, output_size,
                       output_padding)))
    one: dict[str, int | str | None] = {}
    for name, flag in _FLAGS_1D:
        value = values[name]
        if value is None or isinstance(value, str):
            one[name] = value
            continue
        pair = parse_pair(name, value)  # type: ignore[arg-type]
        if pair[0] != pair[1]:
            raise SpecError(f"a 1-D conv takes one number per size, got {flag} "
                            f"{_flag_pair(pair)} (drop --1d for a 2-D conv)")
        one[name] = pair[0]
    spec = ConvSpec1d(one["input_size"], one["kernel_size"], one["stride"],  # type: ignore[arg-type]
                      one["padding"], one["dilation"], in_channels, out_channels,  # type: ignore[arg-type]
                      groups)
    op = one["output_padding"]
    if op is not None:
        if not transposed:
            raise SpecError(f"--output-padding {op} is for a transposed conv: add -t")
        if not 0 <= op < spec.stride:  # type: ignore[operator]
            raise SpecError(f"output_padding {op} must be 0 to stride − 1 (stride {spec.stride})")
        if op != spec.remainder:
            raise SpecError(
                f"output_padding {op} does not match the transposed conv's output_padding "
                f"{spec.remainder} ({spec.transposed().describe()}); -i "
                f"{spec.input_size - spec.remainder + op} keeps the transposed conv's input "  # type: ignore[operator]
                f"i'={spec.output_size} and gives output_padding {op}"
            )
    o = one["output_size"]
    if o is not None and o != spec.output_size:
        raise SpecError(f"output_size {o} does not match the computed output size "
                        f"{spec.output_size} ({spec.describe()}); drop -o or use -o "
                        f"{spec.output_size}")
    return spec.transposed() if transposed else spec


def _flag_pair(pair: Pair) -> str:
    """``5`` for a square pair, ``5x7`` otherwise (as the command line's flags take them)."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def _check_output_padding(spec: ConvSpec, output_padding: Pair, transposed: bool) -> None:
    """Check ``--output-padding`` against the transposed conv of ``spec``.

    ``a = (i + 2p − k̂) mod s`` is fixed by the forward conv; the input size
    ``i − a + output_padding`` keeps ``i'`` and gives the one requested.
    """
    fmt = _flag_pair
    if not transposed:
        raise SpecError(f"--output-padding {fmt(output_padding)} is for a transposed conv: add -t")
    for ax in range(2):
        if not 0 <= output_padding[ax] < spec.stride[ax]:
            raise SpecError(
                f"output_padding {fmt(output_padding)} must be 0 to stride − 1 "
                f"(stride {fmt(spec.stride)})"
            )
    have = spec.remainder
    if output_padding != have:
        i = tuple(n - a + op for n, a, op in zip(spec.input_size, have, output_padding))
        raise SpecError(
            f"output_padding {fmt(output_padding)} does not match the transposed conv's "
            f"output_padding {fmt(have)} ({spec.transposed().describe()}); "
            f"-i {fmt(i)} keeps the transposed conv's input i'={fmt(spec.output_size)} and "
            f"gives output_padding {fmt(output_padding)}"
        )


# --------------------------------------------------------------- 1-D convolution
# A 1-D conv is the 2-D conv of a single row. ConvSpec1d keeps its own scalar
# arguments and checks them itself (so that errors speak of one axis), then
# computes every number through its 2-D twin of height 1. Causal padding,
# d(k − 1) on the left only, is the twin with that padding on both sides, cut
# to its first ⌊(L − 1)/s⌋ + 1 outputs: the same windows in the same places.

Padding1d = int | Literal["causal"]
"""A 1-D padding: zeros on both ends, or ``"causal"`` (``d(k − 1)`` on the left only)."""


def _check_min1(name: str, value: int, minimum: int, what: str) -> None:
    if value < minimum:
        raise SpecError(f"{name} must be {what}, got {value}")


def _check_padding1d(padding: object) -> tuple[int, bool]:
    """``(p, causal)`` from an integer padding or ``"causal"``."""
    if isinstance(padding, str):
        if padding.strip().lower() != "causal":
            raise SpecError(f"padding must be an integer or 'causal', got {shown(padding)}")
        return 0, True
    return _as_int("padding", padding), False


@dataclass(frozen=True, init=False)
class ConvSpec1d(_ChannelCounts):
    """A 1-D convolution over a sequence: length, kernel, stride, padding, dilation.

    Parameters
    ----------
    input_size
        ``L``: the sequence's length.
    kernel_size
        ``k``: the kernel's length (before dilation).
    stride
        ``s``: how far the kernel moves per step.
    padding
        ``p`` zeros on both ends, or ``"causal"``: ``d(k − 1)`` zeros on the
        left only, so that output ``n`` (stride 1) sees inputs ``n − d(k − 1)``
        to ``n`` and never one after ``n``.
    dilation
        ``d``: spacing between kernel taps.
    in_channels, out_channels, groups
        As in ``nn.Conv1d``.

    Raises
    ------
    SpecError
        One line naming the parameter: a value that is not a positive integer
        (padding: not negative), a padding that reaches the effective kernel
        size, an effective kernel longer than the padded input, or ``groups``
        that does not divide both channel counts.

    Notes
    -----
    Layouts are PyTorch's: an input is ``(C_in, L)``, the weight
    ``(C_out, C_in/groups, k)``, the bias ``(C_out,)``; tensors are flattened
    channel-major. With one channel, a plain ``(L,)`` input and ``(k,)``
    kernel work as they are. :meth:`as_2d` is the 2-D twin of height 1 that
    computes the numbers; :meth:`direct` is the row of cells a picture draws.

    Examples
    --------
    >>> spec = ConvSpec1d(8, 3, stride=2, padding=1)
    >>> spec.output_size, spec.padding
    (4, (1, 1))
    >>> causal = ConvSpec1d(8, 2, dilation=4, padding="causal")
    >>> causal.padding, causal.output_size
    ((4, 0), 8)
    >>> causal.taps(0)              # output 0 sees only the left padding and x[0]
    array([-4,  0])
    >>> causal.apply([1, 2, 3, 4, 5, 6, 7, 8], [1, 10])
    array([10., 20., 30., 40., 51., 62., 73., 84.])
    """

    input_size: int
    kernel_size: int
    stride: int
    padding: tuple[int, int]
    dilation: int
    in_channels: int
    out_channels: int
    groups: int
    causal: bool

    def __init__(
        self,
        input_size: int,
        kernel_size: int,
        stride: int = 1,
        padding: Padding1d = 0,
        dilation: int = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ) -> None:
        length = _as_int("input_size", input_size)
        k = _as_int("kernel_size", kernel_size)
        s = _as_int("stride", stride)
        d = _as_int("dilation", dilation)
        p, causal = _check_padding1d(padding)
        c_in = _channel_count("in_channels", in_channels)
        c_out = _channel_count("out_channels", out_channels)
        g = _channel_count("groups", groups)
        _check_groups(c_in, c_out, g)
        _check_min1("input_size", length, 1, "at least 1")
        _check_min1("kernel_size", k, 1, "at least 1")
        _check_min1("stride", s, 1, "at least 1")
        _check_min1("dilation", d, 1, "at least 1")
        _check_min1("padding", p, 0, "0 or more")
        eff = d * (k - 1) + 1
        kernel_desc = f"kernel {k}" if d == 1 else f"kernel {k} with dilation {d}"
        if p >= eff:
            raise SpecError(
                f"padding {p} must be smaller than the effective kernel size {eff} "
                f"({kernel_desc}): a window would cover only padding"
            )
        if eff > length + 2 * p and not causal:  # causal: d(k − 1) zeros + L >= k̂
            raise SpecError(
                f"kernel_size: the effective kernel {eff} ({kernel_desc}) is longer than the "
                f"padded input {length + 2 * p} (input {length} + 2×padding {p})"
            )
        pads = (eff - 1, 0) if causal else (p, p)
        for name, value in (("input_size", length), ("kernel_size", k), ("stride", s),
                            ("padding", pads), ("dilation", d), ("in_channels", c_in),
                            ("out_channels", c_out), ("groups", g), ("causal", causal)):
            object.__setattr__(self, name, value)

    # ----------------------------------------------------------------- sizes
    @property
    def is_transposed(self) -> bool:
        """``False``: this is a forward convolution."""
        return False

    @property
    def effective_kernel_size(self) -> int:
        """``k̂ = d(k − 1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def padding_before(self) -> int:
        """Zeros on the left: ``p``, or ``d(k − 1)`` when causal."""
        return self.padding[0]

    @property
    def padding_after(self) -> int:
        """Zeros on the right: ``p``, or ``0`` when causal."""
        return self.padding[1]

    @property
    def padded_size(self) -> int:
        """The input with its padding: ``L + 2p`` (``L + d(k − 1)`` when causal)."""
        return self.input_size + self.padding[0] + self.padding[1]

    @property
    def output_size(self) -> int:
        """``o = ⌊(L + p_left + p_right − k̂) / s⌋ + 1``; causal: ``⌊(L − 1)/s⌋ + 1``."""
        return (self.padded_size - self.effective_kernel_size) // self.stride + 1

    @property
    def remainder(self) -> int:
        """``(L + p_left + p_right − k̂) mod s``: the transposed conv's ``output_padding``."""
        return (self.padded_size - self.effective_kernel_size) % self.stride

    @property
    def num_steps(self) -> int:
        """``o``: one step per output cell."""
        return self.output_size

    def describe(self) -> str:
        """A one-line summary, e.g. ``conv1d L=8 k=2 s=1 p=causal d=4 -> o=8``."""
        pad = "causal" if self.causal else str(self.padding[0])
        return (
            f"conv1d L={self.input_size} k={self.kernel_size} s={self.stride} p={pad} "
            f"d={self.dilation} -> o={self.output_size}{_describe_channels(self)}"
        )

    # -------------------------------------------------------------- channels
    def as_2d(self) -> ConvSpec:
        """The 2-D twin of height 1: ``(1, L)`` input, ``(1, k)`` kernel.

        For a causal conv its padding is ``d(k − 1)`` on both sides, and this
        conv's outputs are the twin's first :attr:`output_size` ones.
        """
        return ConvSpec((1, self.input_size), (1, self.kernel_size), (1, self.stride),
                        (0, self.padding[0]), (1, self.dilation), self.in_channels,
                        self.out_channels, self.groups)

    def as_row(self) -> RowConvSpec:
        """The row of cells a picture draws of this conv (:class:`RowConvSpec`).

        The modes draw 2-D specs: this one has height 1 and keeps this conv's
        own padding (causal: on the left only) and outputs.
        """
        return RowConvSpec(self)

    @property
    def weight_shape(self) -> tuple[int, int, int]:
        """``(C_out, C_in/groups, k)``: ``nn.Conv1d``'s weight."""
        return (self.out_channels, self.channels_per_group[0], self.kernel_size)

    @property
    def matrix_shape(self) -> Pair:
        """``(C_out·o, C_in·L)``: the shape of :meth:`conv_matrix`."""
        return (self.out_channels * self.output_size, self.in_channels * self.input_size)

    @property
    def multiplies(self) -> int:
        """Multiplications of one pass: ``C_out·(C_in/groups)·k·o``."""
        return self.out_channels * self.channels_per_group[0] * self.kernel_size * self.num_steps

    # --------------------------------------------------------------- windows
    def direct(self) -> DirectConv:
        """The row of cells the kernel slides over, as a :class:`DirectConv` of height 1.

        The grid is ``1 × (p_left + L + p_right)`` with the input at column
        ``p_left``; a causal conv has no padding on the right.
        """
        pb, pa = self.padding
        return DirectConv(
            grid_size=(1, self.padded_size),
            input_size=(1, self.input_size),
            input_origin=(0, pb),
            input_spacing=(1, 1),
            padding_after=(0, pa),
            kernel_size=(1, self.kernel_size),
            dilation=(1, self.dilation),
            stride=(1, self.stride),
            output_size=(1, self.output_size),
            kernel_rotated=False,
        )

    def _step(self, step: int) -> int:
        step = _as_int("step", step)
        if not 0 <= step < self.output_size:
            raise SpecError(f"step must be in 0..{self.output_size - 1}, got {step}")
        return step

    def window(self, step: int) -> np.ndarray:
        """Padded-row positions of the ``k`` taps at ``step`` (``0`` is the first padding cell)."""
        return self._step(step) * self.stride + self.dilation * np.arange(self.kernel_size)

    def taps(self, step: int) -> np.ndarray:
        """Input positions of the ``k`` taps at ``step``; negative or ``>= L`` is padding."""
        return self.window(step) - self.padding[0]

    # ---------------------------------------------------------------- matrix
    def _rows(self) -> np.ndarray:
        """The twin's conv-matrix rows that are this conv's, in order."""
        twin_o = self.as_2d().output_size[1]
        return (np.arange(self.out_channels)[:, None] * twin_o
                + np.arange(self.output_size)[None, :]).ravel()

    def spatial_index_matrix(self) -> np.ndarray:
        """``(o, L)`` ints: the tap ``a`` at each entry of the single-channel matrix, or ``-1``."""
        return self.as_2d().spatial_index_matrix()[: self.output_size]

    def conv_index_matrix(self) -> np.ndarray:
        """``(C_out·o, C_in·L)`` ints: the index into ``weight.ravel()`` at each entry, or ``-1``.

        Row ``c·o + n`` is output channel ``c`` at position ``n``; column
        ``c'·L + m`` is input channel ``c'`` at position ``m``. Each block is
        a banded Toeplitz matrix: row ``n`` holds taps ``0..k-1`` at columns
        ``n·s − p_left + a·d``.
        """
        return self.as_2d().conv_index_matrix()[self._rows()]

    def matrix_weights(self) -> dict[tuple[int, int], tuple[int, int, int]]:
        """``(row, col) -> (o, c, a)`` for each non-zero entry: weight ``w[o, c]`` at tap ``a``.

        ``o`` and ``c`` are the forward conv's output and input channels.
        """
        keep = {int(r): i for i, r in enumerate(self._rows())}
        return {(keep[i], j): (o, c, b)
                for (i, j), (o, c, _, b) in self.as_2d().matrix_weights().items() if i in keep}

    def _weight_tensor(self, weight: object) -> np.ndarray:
        if weight is None:
            raise SpecError("kernel values are needed for a convolution")
        if self.weight_shape[:2] == (1, 1) and _ndim(weight) != 3:
            return _check_tensor("kernel values", weight, (self.kernel_size,), "k")[None, None]
        return _check_tensor("weight", weight, self.weight_shape, "PyTorch's layout")

    def _input_tensor(self, name: str, x: object, shape: tuple[int, int]) -> tuple[np.ndarray,
                                                                                  bool]:
        if shape[0] == 1 and _ndim(x) != 2:
            return _check_tensor(name, x, shape[1:], "L")[None], True
        return _check_tensor(name, x, shape, "C×L"), False

    def conv_matrix(self, weight: np.ndarray) -> np.ndarray:
        """The dense conv matrix ``C``: ``C @ x.ravel() == conv1d(x, weight).ravel()``.

        Parameters
        ----------
        weight
            ``(C_out, C_in/groups, k)``, or a ``(k,)`` kernel with one channel.

        Returns
        -------
        numpy.ndarray
            ``(C_out·o, C_in·L)``, flattened channel-major: one banded
            Toeplitz block per (output, input) channel pair of a group.

        Examples
        --------
        >>> ConvSpec1d(4, 2, padding="causal").conv_matrix([1, 10])
        array([[10.,  0.,  0.,  0.],
               [ 1., 10.,  0.,  0.],
               [ 0.,  1., 10.,  0.],
               [ 0.,  0.,  1., 10.]])
        """
        flat = self._weight_tensor(weight).ravel()
        index = self.conv_index_matrix()
        return np.where(index >= 0, flat[np.maximum(index, 0)], 0.0)

    # --------------------------------------------------------------- numbers
    def apply(
        self,
        x: np.ndarray,
        weight: np.ndarray | None = None,
        mode: PoolMode = "convolution",
        bias: np.ndarray | None = None,
    ) -> np.ndarray:
        """``conv1d(x, weight, bias, groups=groups)``, or a pooling, with PyTorch's semantics.

        Parameters
        ----------
        x
            ``(C_in, L)``, or ``(L,)`` with one channel.
        weight
            ``(C_out, C_in/groups, k)``, or ``(k,)`` with one channel.
        mode
            ``"convolution"``, ``"average"`` (``avg_pool1d``,
            ``count_include_pad=True``) or ``"max"`` (``max_pool1d``), each
            channel pooled on its own.
        bias
            ``(C_out,)`` (convolution only).

        Returns
        -------
        numpy.ndarray
            ``(C_out, o)``, or ``(o,)`` for a plain ``x`` and one output channel.
        """
        if mode not in ("convolution", "average", "max"):
            raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
        if mode == "convolution":
            w = self._weight_tensor(weight)
            xs, plain = self._input_tensor("input values", x, self.input_shape)
            out = self.as_2d().apply(xs[:, None, :], w[:, :, None, :], bias=bias)
            out = out[:, 0, : self.output_size]
            return out[0] if plain and self.out_channels == 1 else out
        if bias is not None:
            raise SpecError(f"{mode} pooling has no bias")
        self.check_pooling(mode)
        xs, plain = self._input_tensor("input values", x, self.input_shape)
        out = self.as_2d().pooling().apply(xs[:, None, :], mode=mode)[:, 0]
        return out[0] if plain else out

    def pooling(self) -> ConvSpec1d:
        """The same windows over each input channel on its own (``groups = C_in``)."""
        c = self.in_channels
        return ConvSpec1d(self.input_size, self.kernel_size, self.stride,
                          "causal" if self.causal else self.padding[0], self.dilation, c, c, c)

    def check_pooling(self, mode: PoolMode = "max") -> None:
        """Raise unless this is a pooling window PyTorch accepts.

        Raises
        ------
        SpecError
            For causal padding (PyTorch pools with equal padding on both
            ends), a padding over half the window, or a max-pooling window
            that covers only padding.
        """
        if self.causal:
            raise SpecError("causal padding is for convolutions: pooling pads both ends "
                            "equally (give padding as a number)")
        eff, p = self.effective_kernel_size, self.padding[0]
        if 2 * p > eff:
            raise SpecError(f"padding {p} must be at most half the pooling window {eff}")
        if mode == "max":
            empty = padding_only_steps(self.input_size, self.kernel_size, self.stride, p,
                                       self.dilation, self.output_size)
            if empty:
                raise SpecError(f"max pooling: the window of step {empty[0]} covers only "
                                "padding (lower the padding or the dilation)")

    # ------------------------------------------------------------- transpose
    def transposed(self) -> TransposedConvSpec1d:
        """The transposed conv: same weight tensor, conv matrix exactly ``C.T``."""
        return TransposedConvSpec1d(self)

    @classmethod
    def from_torch(cls, module: object, input_size: object) -> AnySpec1d:
        """The spec of an ``nn.Conv1d``, ``ConvTranspose1d``, ``MaxPool1d`` or ``AvgPool1d``.

        See :func:`spec_from_torch`; ``input_size`` is ``L``, ``(C, L)`` or
        ``(N, C, L)``.
        """
        spec = spec_from_torch(module, input_size)
        if not isinstance(spec, (ConvSpec1d, TransposedConvSpec1d)):
            raise SpecError(f"{_layer_name(module)} is 2-D: use ConvSpec.from_torch")
        return spec


@dataclass(frozen=True)
class TransposedConvSpec1d(_ChannelCounts):
    """The transposed convolution of a :class:`ConvSpec1d`: ``conv_transpose1d``.

    Its input is the forward output and its output the forward input; it
    takes the forward weight ``(C_in', C_out'/groups, k)`` (``nn.ConvTranspose1d``'s
    layout) and its conv matrix is exactly the forward ``C.T``. In PyTorch's
    terms it is ``conv_transpose1d(y, weight, padding=0,
    output_padding=a)`` with ``p_left`` values cut from the left and
    ``p_right`` from the right, which for equal padding is
    ``conv_transpose1d(y, weight, padding=p, output_padding=a)``. The
    transpose of a causal conv is anti-causal: input ``n`` reaches outputs
    ``n·s`` to ``n·s + d(k − 1)``.

    Examples
    --------
    >>> t = ConvSpec1d(4, 2, padding="causal").transposed()
    >>> t.apply([1, 0, 0, 2], [1, 10])
    array([10.,  0.,  2., 20.])
    """

    forward: ConvSpec1d

    @classmethod
    def from_torch(
        cls,
        input_size: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        output_padding: int = 0,
        dilation: int = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ) -> TransposedConvSpec1d:
        """Build one from ``nn.ConvTranspose1d``'s parameters.

        ``out = (in − 1)s − 2p + d(k − 1) + output_padding + 1``.

        Raises
        ------
        SpecError
            If a value is out of range, or ``output_padding`` is not smaller
            than the stride.
        """
        i = _as_int("input_size", input_size)
        k = _as_int("kernel_size", kernel_size)
        s = _as_int("stride", stride)
        p = _as_int("padding", padding)
        op = _as_int("output_padding", output_padding)
        d = _as_int("dilation", dilation)
        for name, v, low, what in (("input_size", i, 1, "at least 1"),
                                   ("kernel_size", k, 1, "at least 1"),
                                   ("stride", s, 1, "at least 1"),
                                   ("dilation", d, 1, "at least 1"),
                                   ("padding", p, 0, "0 or more"),
                                   ("output_padding", op, 0, "0 or more")):
            _check_min1(name, v, low, what)
        if op >= s:
            raise SpecError(f"output_padding {op} must be smaller than the stride {s}")
        out = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        if out < 1:
            raise SpecError(f"input_size {i} with kernel {k}, stride {s}, padding {p} gives an "
                            f"output of length {out}: lower the padding")
        return cls(ConvSpec1d(out, k, s, p, d, in_channels=out_channels,
                              out_channels=in_channels, groups=groups))

    @property
    def is_transposed(self) -> bool:
        """``True``."""
        return True

    @property
    def input_size(self) -> int:
        """``i'``: the forward output length."""
        return self.forward.output_size

    @property
    def output_size(self) -> int:
        """``o'``: the forward input length."""
        return self.forward.input_size

    @property
    def kernel_size(self) -> int:
        """``k``."""
        return self.forward.kernel_size

    @property
    def stride(self) -> int:
        """The forward stride (``ConvTranspose1d``'s ``stride``)."""
        return self.forward.stride

    @property
    def padding(self) -> tuple[int, int]:
        """The forward padding ``(left, right)``: what is cut from each end of the output."""
        return self.forward.padding

    @property
    def dilation(self) -> int:
        """``d``."""
        return self.forward.dilation

    @property
    def causal(self) -> bool:
        """Whether the forward conv is causal."""
        return self.forward.causal

    @property
    def effective_kernel_size(self) -> int:
        """``k̂ = d(k − 1) + 1``."""
        return self.forward.effective_kernel_size

    @property
    def output_padding(self) -> int:
        """``a = (L + p_left + p_right − k̂) mod s``."""
        return self.forward.remainder

    @property
    def in_channels(self) -> int:
        """The forward ``C_out``."""
        return self.forward.out_channels

    @property
    def out_channels(self) -> int:
        """The forward ``C_in``."""
        return self.forward.in_channels

    @property
    def groups(self) -> int:
        """The forward ``groups``."""
        return self.forward.groups

    @property
    def weight_shape(self) -> tuple[int, int, int]:
        """The forward weight's shape, ``(C_in', C_out'/groups, k)``."""
        return self.forward.weight_shape

    @property
    def num_steps(self) -> int:
        """``o'``: one step per output cell."""
        return self.output_size

    def describe(self) -> str:
        """A one-line summary of the transposed conv and its forward conv."""
        return (f"transposed {self.forward.describe()}: i'={self.input_size} -> "
                f"o'={self.output_size}, output_padding={self.output_padding}")

    def direct(self) -> DirectConv:
        """The equivalent direct conv: stride 1 over the zero-inserted input, kernel rotated.

        ``s − 1`` zeros between inputs, ``d(k − 1) − p_left`` zeros before
        them and whatever makes ``o'`` windows after (``d(k − 1) − p_right +
        a`` for equal padding; a causal conv's transpose has none before).
        """
        eff, pb = self.effective_kernel_size, self.padding[0]
        before = eff - 1 - pb
        stretched = (self.input_size - 1) * self.stride + 1
        after = self.output_size + eff - 1 - before - stretched
        return DirectConv(
            grid_size=(1, before + stretched + after),
            input_size=(1, self.input_size),
            input_origin=(0, before),
            input_spacing=(1, self.stride),
            padding_after=(0, after),
            kernel_size=(1, self.kernel_size),
            dilation=(1, self.dilation),
            stride=(1, 1),
            output_size=(1, self.output_size),
            kernel_rotated=True,
        )

    def conv_index_matrix(self) -> np.ndarray:
        """The forward weight-index matrix, transposed."""
        return self.forward.conv_index_matrix().T

    def conv_matrix(self, weight: np.ndarray) -> np.ndarray:
        """``Cᵀ``: exactly the forward conv matrix transposed (same ``weight``)."""
        return self.forward.conv_matrix(weight).T

    def apply(
        self,
        y: np.ndarray,
        weight: np.ndarray | None = None,
        mode: PoolMode = "convolution",
        bias: np.ndarray | None = None,
    ) -> np.ndarray:
        """``conv_transpose1d(y, weight, bias, groups=groups)`` (see the class docstring).

        Parameters
        ----------
        y
            ``(C_in', i')``, or ``(i',)`` with one channel.
        weight
            The forward weight ``(C_in', C_out'/groups, k)``, or ``(k,)``.
        mode
            ``"convolution"`` only.
        bias
            ``(C_out',)``.

        Returns
        -------
        numpy.ndarray
            ``(C_out', o')``, or ``(o',)`` for a plain ``y`` and one output channel.
        """
        if mode != "convolution":
            raise SpecError(f"a transposed conv has no {mode} mode")
        w = self.forward._weight_tensor(weight)
        ys, plain = self.forward._input_tensor("input values", y, self.input_shape)
        # Cᵀ of the twin's first outputs is the twin's transpose fed zeros
        # for the outputs this conv does not have.
        twin = self.forward.as_2d()
        full = np.zeros((ys.shape[0], 1, twin.output_size[1]))
        full[:, 0, : ys.shape[1]] = ys
        out = twin.transposed().apply(full, w[:, :, None, :], bias=bias)[:, 0]
        return out[0] if plain and self.out_channels == 1 else out

    def as_row(self) -> RowTransposedConvSpec:
        """The row a picture draws of this transposed conv (:class:`RowTransposedConvSpec`)."""
        return RowTransposedConvSpec(RowConvSpec(self.forward))

    def transposed(self) -> ConvSpec1d:
        """The forward convolution again."""
        return self.forward


AnySpec1d = ConvSpec1d | TransposedConvSpec1d
"""Either kind of 1-D spec."""


# ------------------------------------------------------------ 1-D drawn as a row
# The modes draw 2-D specs; a 1-D spec is drawn as the row of cells it is, a
# 2-D spec of height 1 that keeps the 1-D spec's own padding (causal padding on
# the left only) and gives the 1-D spec back as ``sequence``.


@dataclass(frozen=True, init=False)
class RowConvSpec(ConvSpec):
    """A :class:`ConvSpec1d` as a 2-D spec of height 1: the row a picture draws.

    Unlike :meth:`ConvSpec1d.as_2d` (whose causal twin is padded on both
    ends and has extra outputs), it is exactly the 1-D conv: the padded row
    is ``p_left + L + p_right`` cells (``d(k − 1) + L`` when causal), its
    outputs are the 1-D conv's, and :attr:`padding` is ``(0, p_left)``.
    Every 2-D method (``direct``, ``conv_matrix``, ``apply``, ``transposed``,
    ``scatter_canvas``...) works on ``(1, L)`` arrays and gives the 1-D
    spec's numbers.

    Examples
    --------
    >>> row = ConvSpec1d(6, 2, dilation=2, padding="causal").as_row()
    >>> row.output_size, row.direct().grid_size, row.direct().padding_after
    ((1, 6), (1, 8), (0, 0))
    >>> row.sequence.padding
    (2, 0)
    """

    sequence: ConvSpec1d

    def __init__(self, sequence: ConvSpec1d) -> None:
        if not isinstance(sequence, ConvSpec1d):
            raise SpecError(f"a row spec is made of a ConvSpec1d, got {shown(sequence)}")
        s = sequence
        super().__init__((1, s.input_size), (1, s.kernel_size), (1, s.stride),
                         (0, s.padding[0]), (1, s.dilation), s.in_channels, s.out_channels,
                         s.groups)
        object.__setattr__(self, "sequence", s)

    @property
    def padded_size(self) -> Pair:
        """``(1, p_left + L + p_right)``."""
        return (1, self.sequence.padded_size)

    def describe(self) -> str:
        """The 1-D spec's summary (:meth:`ConvSpec1d.describe`)."""
        return self.sequence.describe()

    def direct(self) -> DirectConv:
        """The 1-D spec's row of cells (:meth:`ConvSpec1d.direct`)."""
        return self.sequence.direct()

    def pooling(self) -> RowConvSpec:
        """The same windows over each channel on its own, as a row."""
        return RowConvSpec(self.sequence.pooling())

    def check_pooling(self, mode: PoolMode = "max") -> None:
        """The 1-D spec's pooling check (causal padding is for convolutions only)."""
        self.sequence.check_pooling(mode)

    def depthwise_separable(self) -> tuple[ConvSpec, ConvSpec]:
        """The depthwise-separable pair, as rows: ``groups = C_in``, then a ``1``-wide conv."""
        if self.groups != 1:
            raise SpecError(
                f"a depthwise-separable conv replaces an ordinary conv (groups = 1), got "
                f"groups {self.groups}"
            )
        s, c = self.sequence, self.in_channels
        depthwise = ConvSpec1d(s.input_size, s.kernel_size, s.stride,
                               "causal" if s.causal else s.padding[0], s.dilation, c, c, c)
        pointwise = ConvSpec1d(s.output_size, 1, in_channels=c, out_channels=self.out_channels)
        return depthwise.as_row(), pointwise.as_row()

    def transposed(self) -> RowTransposedConvSpec:
        """The transposed conv, as a row (:meth:`TransposedConvSpec1d.as_row`)."""
        return RowTransposedConvSpec(self)


@dataclass(frozen=True)
class RowTransposedConvSpec(TransposedConvSpec):
    """A :class:`TransposedConvSpec1d` as a 2-D spec of height 1 (see :class:`RowConvSpec`).

    Its equivalent direct conv is the 1-D one: ``d(k − 1) − p_left`` zeros
    before the zero-inserted input (none for the transpose of a causal conv,
    which is anti-causal) and whatever makes ``o'`` windows after.
    """

    forward: RowConvSpec

    @property
    def sequence(self) -> TransposedConvSpec1d:
        """The 1-D transposed conv this row draws."""
        return self.forward.sequence.transposed()

    @property
    def direct_padding(self) -> tuple[Pair, Pair]:
        """Padding of the equivalent direct conv: ``((0, before), (0, after))``."""
        direct = self.sequence.direct()
        return direct.padding_before, direct.padding_after

    def direct(self) -> DirectConv:
        """The 1-D transposed conv's direct conv (:meth:`TransposedConvSpec1d.direct`)."""
        return self.sequence.direct()

    equivalent_conv = direct

    def describe(self) -> str:
        """The 1-D spec's summary (:meth:`TransposedConvSpec1d.describe`)."""
        return self.sequence.describe()

    def transposed(self) -> RowConvSpec:
        """The forward convolution again."""
        return self.forward


def sequence_of(spec: object) -> AnySpec1d | None:
    """The 1-D spec a row spec draws, or ``None`` for a 2-D spec.

    Examples
    --------
    >>> sequence_of(ConvSpec1d(8, 3).as_row().transposed()).output_size
    8
    >>> sequence_of(ConvSpec(5, 3)) is None
    True
    """
    if isinstance(spec, (RowConvSpec, RowTransposedConvSpec)):
        return spec.sequence
    return None


def drawable(spec: object) -> object:
    """``spec`` as the modes draw it: a 1-D spec as its row (:func:`ConvSpec1d.as_row`).

    Anything else is returned as it is.
    """
    if isinstance(spec, (ConvSpec1d, TransposedConvSpec1d)):
        return spec.as_row()  # type: ignore[attr-defined]
    return spec


def shown_index(spec: object, cell: Sequence[int]) -> tuple[int, ...]:
    """The indices a label writes for grid cell ``cell``: ``(n,)`` in 1-D, ``(row, col)`` in 2-D.

    A row spec's cells are ``(0, n)``: its labels carry one index (``a_3``,
    ``w_1``), a 2-D spec's two (``a_{03}``).

    Raises
    ------
    SpecError
        If a row spec's cell is not on row 0.

    Examples
    --------
    >>> shown_index(ConvSpec1d(8, 3).as_row(), (0, 5))
    (5,)
    >>> shown_index(ConvSpec(5, 3), (0, 2))
    (0, 2)
    """
    r, c = (int(v) for v in cell)
    if sequence_of(spec) is None:
        return (r, c)
    if r != 0:
        raise SpecError(f"a 1-D spec's cells lie on row 0, got row {r}")
    return (c,)


def shown_size(spec: object, size: Sequence[int]) -> tuple[int, ...]:
    """The size a label writes: ``(L,)`` for a row spec's ``(1, L)``, ``(h, w)`` in 2-D.

    Examples
    --------
    >>> shown_size(ConvSpec1d(8, 3).as_row(), (1, 8)), shown_size(ConvSpec(5, 3), (3, 3))
    ((8,), (3, 3))
    """
    h, w = (int(v) for v in size)
    return (w,) if sequence_of(spec) is not None and h == 1 else (h, w)
