"""Receptive fields of a stack of convolutions and poolings, with numpy only.

Which cells of the input does one output cell see, several layers up? For a
chain of layers with kernel ``k_l``, dilation ``d_l``, stride ``s_l`` and
padding ``p_l`` on the left (or top) the closed forms of Araujo, Norris & Sim,
"Computing Receptive Fields of Convolutional Neural Networks" (Distill, 2019)
hold along each axis, with ``k̂_l = d_l(k_l − 1) + 1``:

* the jump (effective stride) ``j_l = j_{l−1}·s_l``, with ``j_0 = 1``;
* the receptive field size ``r_l = r_{l−1} + (k̂_l − 1)·j_{l−1}``, with ``r_0 = 1``;
* the start ``u_l = u_{l−1} − p_l·j_{l−1}``, with ``u_0 = 0``: the input
  position of the first cell output ``0`` sees (``−u_l`` is the effective
  padding; negative positions are padding).

Output cell ``n`` of layer ``l`` spans input positions ``u_l + n·j_l`` to
``u_l + n·j_l + r_l − 1``. A causal layer pads on the left only, so its start
moves by ``d(k − 1)·j`` and the span ends at the cell itself. The span counts
padding and the holes of a dilated kernel; :meth:`Stack.seen` gives the exact
cells a chosen output depends on at every layer below, padding left out.

Examples
--------
>>> stack = wavenet()
>>> [(f.size, f.jump, f.start) for f in stack.fields]
[((2,), (1,), (-1,)), ((4,), (1,), (-3,)), ((8,), (1,), (-7,)), ((16,), (1,), (-15,))]
>>> stack.fields[-1].span(15)
((0, 15),)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .geometry import (
    ConvSpec,
    ConvSpec1d,
    SpecError,
    TransposedConvSpec,
    TransposedConvSpec1d,
    _is_1d,
    _shown,
    spec_from_torch,
)

__all__ = ["Field", "Layer", "Stack", "receptive_field", "wavenet"]

Layer = ConvSpec | ConvSpec1d
"""A layer of a stack: a convolution or a pooling, 1-D or 2-D."""

_ELEMENTWISE = frozenset({
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Softplus", "Softsign", "Hardswish", "Hardsigmoid", "Hardtanh",
    "Identity", "Dropout", "Dropout1d", "Dropout2d", "AlphaDropout", "BatchNorm1d",
    "BatchNorm2d",
})
"""Layers that map each cell on its own: they leave every receptive field as it is."""


@dataclass(frozen=True)
class Axis:
    """One axis of a layer: input length, kernel, stride, left padding, dilation, output."""

    input_size: int
    kernel_size: int
    stride: int
    padding_before: int
    dilation: int
    output_size: int

    @property
    def effective_kernel_size(self) -> int:
        """``k̂ = d(k − 1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1

    def taps(self, cell: int) -> np.ndarray:
        """Input positions output ``cell`` reads (negative or ``>= input_size``: padding)."""
        return cell * self.stride - self.padding_before + self.dilation * np.arange(
            self.kernel_size)


def _axes(spec: Layer) -> tuple[Axis, ...]:
    if isinstance(spec, ConvSpec1d):
        return (Axis(spec.input_size, spec.kernel_size, spec.stride, spec.padding[0],
                     spec.dilation, spec.output_size),)
    return tuple(Axis(spec.input_size[a], spec.kernel_size[a], spec.stride[a],
                      spec.padding[a], spec.dilation[a], spec.output_size[a]) for a in range(2))


def _size_text(sizes: Sequence[int]) -> str:
    return "×".join(map(str, sizes))


@dataclass(frozen=True)
class Field:
    """The receptive field of one layer's outputs on the stack's input, per axis.

    Attributes
    ----------
    size
        ``r``: how many input positions output cell ``0`` spans, padding and
        dilation holes included.
    jump
        ``j``: the product of the strides so far; neighbouring output cells'
        fields start ``j`` input positions apart.
    start
        ``u``: the input position where output cell ``0``'s field starts
        (``-u`` is the effective padding; a negative position is padding).
    """

    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[int, ...]

    def span(self, cell: int | Sequence[int]) -> tuple[tuple[int, int], ...]:
        """``(first, last)`` input positions output ``cell`` spans, per axis (padding included)."""
        cells = (cell,) if isinstance(cell, (int, np.integer)) else tuple(cell)
        if len(cells) != len(self.size):
            raise SpecError(f"cell {cell!r} must have {len(self.size)} coordinate(s)")
        return tuple((u + n * j, u + n * j + r - 1)
                     for n, r, j, u in zip(cells, self.size, self.jump, self.start))

    def describe(self) -> str:
        """``r=7 jump=2 start=-3``; in 2-D, ``r=7×5 jump=2×1 start=(-3, -2)`` unless square."""
        def text(values: tuple[int, ...], start: bool = False) -> str:
            if len(set(values)) == 1:
                return str(values[0])
            return f"({', '.join(map(str, values))})" if start else _size_text(values)

        return (f"r={text(self.size)} jump={text(self.jump)} "
                f"start={text(self.start, start=True)}")


def _chain(fields: Iterable[Axis], field: tuple[int, int, int]) -> tuple[int, int, int]:
    r, j, u = field
    for ax in fields:
        r, j, u = r + (ax.effective_kernel_size - 1) * j, j * ax.stride, u - ax.padding_before * j
    return r, j, u


class Stack:
    """A chain of convolutions and poolings, each reading the one below.

    Parameters
    ----------
    layers
        :class:`~convmanim.geometry.ConvSpec` or
        :class:`~convmanim.geometry.ConvSpec1d` (convolutions, poolings,
        causal convs), all 1-D or all 2-D, each taking the previous one's
        output size as its input size.

    Raises
    ------
    SpecError
        One line: an empty stack, a transposed conv, 1-D and 2-D mixed, or a
        layer whose input size is not the previous layer's output size.

    Examples
    --------
    >>> stack = Stack([ConvSpec(9, 3, stride=2, padding=1), ConvSpec(5, 3, padding=1)])
    >>> stack.fields[-1].describe()
    'r=7 jump=2 start=-3'
    >>> [np.argwhere(m).tolist() for m in stack.seen((2, 2))][0][:3]
    [[1, 1], [1, 2], [1, 3]]
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        layers = tuple(layers)
        if not layers:
            raise SpecError("a stack needs at least one layer")
        for n, spec in enumerate(layers, 1):
            if isinstance(spec, (TransposedConvSpec, TransposedConvSpec1d)):
                raise SpecError(f"layer {n} is a transposed conv: a receptive field is "
                                "traced through convolutions and poolings")
            if not isinstance(spec, (ConvSpec, ConvSpec1d)):
                raise SpecError(f"layer {n} must be a ConvSpec or ConvSpec1d, got "
                                f"{type(spec).__name__}")
        one_d = isinstance(layers[0], ConvSpec1d)
        for n, (below, spec) in enumerate(pairwise(layers), 2):
            if isinstance(spec, ConvSpec1d) != one_d:
                raise SpecError(f"layer {n} is {'2-D' if one_d else '1-D'} but layer 1 is "
                                f"{'1-D' if one_d else '2-D'}")
            if spec.input_size != below.output_size:
                want = _size_text(np.atleast_1d(spec.input_size))
                got = _size_text(np.atleast_1d(below.output_size))
                raise SpecError(f"layer {n} ({spec.describe()}) takes an input of {want} but "
                                f"layer {n - 1} gives {got}")
        self.layers: tuple[Layer, ...] = layers
        self._axes = tuple(_axes(spec) for spec in layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"Stack([{', '.join(spec.describe() for spec in self.layers)}])"

    @property
    def ndim(self) -> int:
        """``1`` for a stack of 1-D layers, ``2`` for 2-D."""
        return len(self._axes[0])

    @property
    def sizes(self) -> tuple[tuple[int, ...], ...]:
        """The size of every level: the input, then each layer's output."""
        first = tuple(ax.input_size for ax in self._axes[0])
        return (first, *(tuple(ax.output_size for ax in axes) for axes in self._axes))

    @property
    def fields(self) -> tuple[Field, ...]:
        """The closed-form :class:`Field` of each layer's outputs, bottom layer first."""
        out = []
        for top in range(1, len(self.layers) + 1):
            per_axis = [_chain((axes[a] for axes in self._axes[:top]), (1, 1, 0))
                        for a in range(self.ndim)]
            out.append(Field(*(tuple(v[i] for v in per_axis) for i in range(3))))
        return tuple(out)

    def field(self, layer: int = -1) -> Field:
        """The :class:`Field` of ``layer``'s outputs (default: the top layer)."""
        return self.fields[self._layer(layer)]

    def _layer(self, layer: int) -> int:
        n = len(self.layers)
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) \
                or not -n <= layer < n:
            raise SpecError(f"layer must be in 0..{n - 1} (or -1 for the top), got {layer!r}")
        return int(layer) % n

    def seen(self, cell: int | Sequence[int], layer: int = -1) -> list[np.ndarray]:
        """The cells output ``cell`` of ``layer`` depends on, at every level below it.

        Parameters
        ----------
        cell
            An output cell of ``layer``: a position in 1-D, ``(row, column)`` in 2-D.
        layer
            The layer, ``0`` the bottom one; ``-1`` (the default) is the top.

        Returns
        -------
        list of numpy.ndarray
            Boolean masks, one per level from the stack's input (index ``0``)
            up to ``layer``'s output (index ``layer + 1``, holding ``cell``
            alone). A cell is marked when a chain of kernel taps links it to
            ``cell`` without passing through padding: exactly the inputs the
            output's value depends on.
        """
        top = self._layer(layer)
        cells = (cell,) if isinstance(cell, (int, np.integer)) else tuple(cell)
        size = self.sizes[top + 1]
        if len(cells) != self.ndim or not all(
                isinstance(c, (int, np.integer)) and 0 <= c < n for c, n in zip(cells, size)):
            raise SpecError(f"cell {cell!r} is outside layer {top}'s output of "
                            f"{_size_text(size)}")
        positions = [np.array([c]) for c in cells]
        levels = [positions]
        for axes in reversed(self._axes[: top + 1]):
            below = []
            for ax, pos in zip(axes, positions):
                taps = np.unique(np.concatenate([ax.taps(int(m)) for m in pos]
                                                or [np.empty(0, dtype=np.int64)]))
                below.append(taps[(taps >= 0) & (taps < ax.input_size)])
            positions = below
            levels.append(positions)
        masks = []
        for pos, sizes in zip(reversed(levels), self.sizes):
            mask = np.zeros(sizes, dtype=bool)
            mask[np.ix_(*pos)] = True
            masks.append(mask)
        return masks

    def describe(self) -> list[str]:
        """One line per layer: its spec and its receptive field, bottom first."""
        return [f"layer {n}: {spec.describe()}; {field.describe()}"
                for n, (spec, field) in enumerate(zip(self.layers, self.fields))]

    @classmethod
    def from_torch(cls, modules: Iterable[object], input_shape: object) -> Stack:
        """Read an ``nn.Sequential`` (or any list of layers) with :func:`spec_from_torch`.

        Convolutions and poolings become layers; elementwise layers (ReLU,
        dropout, batch norm, ...) are skipped; nested ``Sequential`` are read
        in order. A ``ZeroPad1d((P, 0))`` or ``ConstantPad1d((P, 0), 0)`` just
        before a ``Conv1d`` with ``padding=0`` and ``dilation·(k − 1) = P``
        makes that conv causal.

        Parameters
        ----------
        modules
            The layers, in order.
        input_shape
            The stack's input as PyTorch sees it: ``(C, L)`` or ``(N, C, L)``
            in 1-D, ``(C, H, W)`` or ``(N, C, H, W)`` in 2-D.

        Raises
        ------
        SpecError
            For a layer that is neither a conv, a pooling, a causal pad nor
            elementwise, and for anything :func:`spec_from_torch` refuses.
        """
        modules = list(_flatten(modules))
        shape = _tensor_shape(input_shape, modules)
        layers: list[Layer] = []
        pad: tuple[str, int] | None = None
        for module in modules:
            name = type(module).__name__
            if name in ("ZeroPad1d", "ConstantPad1d"):
                left, right = _pad_sides(module)
                if right != 0 or getattr(module, "value", 0) != 0 or pad is not None:
                    raise SpecError(f"{name}(({left}, {right})) is not a causal pad: convmanim "
                                    "reads zeros on the left only, before a Conv1d")
                pad = (name, int(left))
                shape = (*shape[:-1], shape[-1] + left)
                continue
            if not hasattr(module, "kernel_size"):
                if name in _ELEMENTWISE:
                    continue
                raise SpecError(f"{name} is not a conv, a pooling or an elementwise layer: a "
                                "receptive field is traced through convs and poolings")
            spec = spec_from_torch(module, shape)
            if pad is not None:
                spec = _causal(spec, pad)
                pad = None
            if isinstance(spec, (TransposedConvSpec, TransposedConvSpec1d)):
                raise SpecError(f"{name} is a transposed conv: a receptive field is traced "
                                "through convolutions and poolings")
            layers.append(spec)
            out = spec.output_size
            shape = (spec.out_channels, *((out,) if isinstance(out, int) else out))
        if pad is not None:
            raise SpecError(f"{pad[0]} at the end of the stack pads no conv")
        return cls(layers)


def _tensor_shape(input_shape: object, modules: list[object]) -> tuple[int, ...]:
    """``(C, L)`` or ``(C, H, W)`` from the input's shape, as the first layer's dimension says."""
    first = next((m for m in modules if hasattr(m, "kernel_size")), None)
    one_d = first is not None and _is_1d(first)
    want = "(C, L) or (N, C, L)" if one_d else "(C, H, W) or (N, C, H, W)"
    lengths = (2, 3) if one_d else (3, 4)
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) \
            or len(input_shape) not in lengths or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                for n in input_shape):
        raise SpecError(f"input_shape must be {want} of positive integers, got "
                        f"{_shown(input_shape)}")
    return tuple(int(n) for n in input_shape[-lengths[0]:])


def _pad_sides(module: object) -> tuple[int, int]:
    """A ``ZeroPad1d``'s or ``ConstantPad1d``'s ``(left, right)``."""
    padding = getattr(module, "padding", None)
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return int(padding), int(padding)
    if isinstance(padding, Sequence) and len(padding) == 2 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in padding):
        return int(padding[0]), int(padding[1])
    raise SpecError(f"{type(module).__name__}.padding must be (left, right), got "
                    f"{_shown(padding)}")


def _flatten(modules: Iterable[object]) -> Iterable[object]:
    for module in modules:
        if type(module).__name__ == "Sequential":
            yield from _flatten(module)  # type: ignore[arg-type]
        else:
            yield module


def _causal(spec: object, pad: tuple[str, int]) -> ConvSpec1d:
    """The conv after a left pad of ``pad[1]`` zeros, as a causal :class:`ConvSpec1d`."""
    name, left = pad
    if not isinstance(spec, ConvSpec1d) or spec.padding != (0, 0) or \
            spec.effective_kernel_size - 1 != left:
        raise SpecError(f"{name}(({left}, 0)) must come just before a Conv1d with padding 0 and "
                        f"dilation·(kernel − 1) = {left}, which it makes causal")
    return ConvSpec1d(spec.input_size - left, spec.kernel_size, spec.stride, "causal",
                      spec.dilation, spec.in_channels, spec.out_channels, spec.groups)


def receptive_field(layers: Iterable[Layer]) -> Field:
    """The closed-form :class:`Field` of the top layer of ``layers`` (see :class:`Stack`).

    Examples
    --------
    >>> receptive_field([ConvSpec1d(16, 3), ConvSpec1d(14, 2, stride=2), ConvSpec1d(7, 3)])
    Field(size=(8,), jump=(2,), start=(0,))
    """
    return Stack(layers).field()


def wavenet(length: int = 16, channels: int = 1,
            dilations: Sequence[int] = (1, 2, 4, 8)) -> Stack:
    """WaveNet's dilated causal stack: kernel 2, dilations 1, 2, 4, 8, causal padding.

    Each layer keeps the length; the top layer's output ``n`` sees inputs
    ``n − 15`` to ``n``: a receptive field of 16, twice the one below.

    Examples
    --------
    >>> [f.size[0] for f in wavenet().fields]
    [2, 4, 8, 16]
    """
    return Stack(ConvSpec1d(length, 2, padding="causal", dilation=d, in_channels=channels,
                            out_channels=channels) for d in dilations)
