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
    "ConvSpec",
    "DirectConv",
    "Pair",
    "PoolMode",
    "SpecError",
    "TransposedConvSpec",
    "parse_pair",
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


def _shown(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut short so that an error message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise SpecError(f"{name} must be an integer, got {_shown(value)}")
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
                f"{name} must be an integer or HxW such as 5x7, got {_shown(value)}"
            )
        if any(len(p.lstrip("+-")) > _MAX_DIGITS for p in parts):
            raise SpecError(f"{name} {_shown(value)} is too large: at most {_MAX_DIGITS} digits")
        nums = [int(p) for p in parts]
        return (nums[0], nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    if isinstance(value, (int, np.integer, float, np.floating)) and not isinstance(value, bool):
        v = _as_int(name, value)
        return (v, v)
    if isinstance(value, Sequence) and len(value) == 2:
        return (_as_int(name, value[0]), _as_int(name, value[1]))
    raise SpecError(f"{name} must be an integer or an (h, w) pair, got {_shown(value)}")


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


@dataclass(frozen=True, init=False)
class ConvSpec:
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

    Raises
    ------
    SpecError
        If a value is not a positive integer (padding: not negative), if the
        padding reaches the effective kernel size, or if the effective kernel
        is larger than the padded input.

    Examples
    --------
    >>> spec = ConvSpec(5, 3, stride=2, padding=1)
    >>> spec.output_size
    (3, 3)
    >>> spec.transposed().output_size
    (5, 5)
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair
    padding: Pair
    dilation: Pair

    def __init__(
        self,
        input_size: IntOrPair,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        dilation: IntOrPair = 1,
    ) -> None:
        values = {
            "input_size": parse_pair("input_size", input_size),
            "kernel_size": parse_pair("kernel_size", kernel_size),
            "stride": parse_pair("stride", stride),
            "padding": parse_pair("padding", padding),
            "dilation": parse_pair("dilation", dilation),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self._validate()

    def _validate(self) -> None:
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
        """A one-line summary, e.g. ``conv i=5 k=3 s=2 p=1 d=1 -> o=3``."""
        return (
            f"conv i={_fmt(self.input_size)} k={_fmt(self.kernel_size)} "
            f"s={_fmt(self.stride)} p={_fmt(self.padding)} d={_fmt(self.dilation)} "
            f"-> o={_fmt(self.output_size)}"
        )

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
    def conv_index_matrix(self) -> np.ndarray:
        """Which weight sits in each entry of the conv matrix.

        Returns
        -------
        numpy.ndarray
            ``int`` array of shape ``(oh*ow, ih*iw)``: the row-major index of
            the kernel weight at each entry, or ``-1`` where ``C`` is zero.
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

    def conv_matrix(self, kernel: np.ndarray) -> np.ndarray:
        """The dense conv matrix ``C``.

        ``C @ x.ravel() == conv2d(x, kernel).ravel()`` for every input ``x``.

        Parameters
        ----------
        kernel
            ``(kh, kw)`` weights.

        Returns
        -------
        numpy.ndarray
            Shape ``(oh*ow, ih*iw)``.
        """
        kernel = _check_array("kernel values", kernel, self.kernel_size)
        index = self.conv_index_matrix()
        return np.where(index >= 0, kernel.ravel()[np.maximum(index, 0)], 0.0)

    # --------------------------------------------------------------- numbers
    def apply(
        self,
        x: np.ndarray,
        kernel: np.ndarray | None = None,
        mode: PoolMode = "convolution",
    ) -> np.ndarray:
        """Compute the output numbers, with PyTorch's semantics.

        Parameters
        ----------
        x
            ``(ih, iw)`` input values.
        kernel
            ``(kh, kw)`` weights; used by ``mode="convolution"`` only.
        mode
            ``"convolution"`` (``conv2d``, cross-correlation),
            ``"average"`` (``avg_pool2d`` with ``count_include_pad=True``) or
            ``"max"`` (``max_pool2d``: padding never wins).

        Returns
        -------
        numpy.ndarray
            ``(oh, ow)`` output values.
        """
        direct = self.direct()
        if mode == "convolution":
            if kernel is None:
                raise SpecError("kernel values are needed for a convolution")
            return direct.apply(x, kernel)
        grid = direct.grid_values(x)
        mask = direct.input_mask()
        out = np.empty(self.output_size, dtype=grid.dtype)
        n_taps = self.kernel_size[0] * self.kernel_size[1]
        for e in range(self.num_steps):
            win = direct.window(e)
            vals = grid[win[..., 0], win[..., 1]]
            if mode == "average":
                out.flat[e] = vals.sum() / n_taps
            elif mode == "max":
                real = mask[win[..., 0], win[..., 1]]
                if not real.any():
                    self.check_pooling("max")
                out.flat[e] = vals[real].max()
            else:
                raise SpecError(f"mode must be convolution, average or max, got {mode!r}")
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
            direct = self.direct()
            mask = direct.input_mask()
            for e, win in enumerate(direct.windows()):
                if not mask[win[..., 0], win[..., 1]].any():
                    raise SpecError(
                        f"max pooling: the window of step {e} covers only padding "
                        "(lower the padding or the dilation)"
                    )

    # ------------------------------------------------------------ transpose
    def transposed(self) -> TransposedConvSpec:
        """The transposed convolution of this convolution.

        Its input is this conv's output and its output is this conv's input;
        its conv matrix is exactly ``self.conv_matrix(kernel).T``.
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
    ) -> TransposedConvSpec:
        """Build a transposed conv from ``nn.ConvTranspose2d``'s parameters.

        See :meth:`TransposedConvSpec.from_torch`.
        """
        return TransposedConvSpec.from_torch(
            input_size, kernel_size, stride, padding, output_padding, dilation
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
        from .torch_compat import spec_from_torch

        return spec_from_torch(module, input_size)


@dataclass(frozen=True)
class TransposedConvSpec:
    """The transposed convolution of a forward :class:`ConvSpec`.

    Following Dumoulin & Visin (and the original tool), it is described by
    the arguments of its forward conv. Its input is the forward output and
    its output is the forward input, so the sizes round-trip exactly; the
    paper's ``a`` (PyTorch's ``output_padding``) is derived.

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
    ) -> TransposedConvSpec:
        """Build one from ``nn.ConvTranspose2d``'s parameters.

        ``out = (in − 1)s − 2p + d(k − 1) + output_padding + 1`` per axis.

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
        spec = cls(ConvSpec(out, k, s, p, d))
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
            f"output_padding={_fmt(self.output_padding)}"
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
    def conv_index_matrix(self) -> np.ndarray:
        """Transpose of the forward conv's weight-index matrix."""
        return self.forward.conv_index_matrix().T

    def conv_matrix(self, kernel: np.ndarray) -> np.ndarray:
        """``Cᵀ``: exactly the transpose of the forward conv matrix."""
        return self.forward.conv_matrix(kernel).T

    # --------------------------------------------------------------- numbers
    def apply(
        self,
        y: np.ndarray,
        kernel: np.ndarray | None = None,
        mode: PoolMode = "convolution",
    ) -> np.ndarray:
        """``conv_transpose2d`` of ``y`` with ``kernel`` (PyTorch's semantics)."""
        if mode != "convolution":
            raise SpecError(f"a transposed conv has no {mode} mode")
        if kernel is None:
            raise SpecError("kernel values are needed for a convolution")
        return self.direct().apply(y, kernel)

    def scatter_contributions(self, y: np.ndarray, kernel: np.ndarray) -> Iterator[np.ndarray]:
        """The scatter-add view: each input cell's contribution, in row-major order.

        Yields
        ------
        numpy.ndarray
            For input cell ``r`` (row-major), the ``(oh', ow')`` array
            ``y[r] * kernel`` placed on its window of the output. Their sum is
            :meth:`apply`'s result.
        """
        y = _check_array("input values", y, self.input_size)
        kernel = _check_array("kernel values", kernel, self.kernel_size)
        c = self.conv_matrix(kernel)
        for r in range(y.size):
            yield (c[:, r] * y.flat[r]).reshape(self.output_size)

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
