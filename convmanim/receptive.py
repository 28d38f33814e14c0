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

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .geometry import (
    ConvSpec,
    ConvSpec1d,
    PoolMode,
    SpecError,
    TransposedConvSpec,
    TransposedConvSpec1d,
    is_1d_layer,
    parse_pair,
    shown,
    spec_from_torch,
    torch_mode,
)

__all__ = [
    "KINDS",
    "MAX_STACK_LAYERS",
    "Field",
    "Layer",
    "Level",
    "Stack",
    "bounding_box",
    "layer_text",
    "parse_input_size",
    "parse_stack",
    "receptive_field",
    "wavenet",
]

KINDS: tuple[PoolMode, ...] = ("convolution", "average", "max")
"""What a layer's window computes."""

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


@dataclass(frozen=True)
class Level:
    """Where one level of a stack (its input, or a layer's output) lies along the input's axes.

    Positions are in input cells: input cell ``n`` is centred at ``n``.

    Attributes
    ----------
    size
        Its cells, per axis.
    padding_before, padding_after
        The padding the layer above it reads (zeros on both ends, on the
        left only for a causal layer, none for the top level).
    origin
        The position its cell ``0`` stands over.
    pitch
        The distance between neighbouring cells: the jump of the layers below.
    """

    size: tuple[int, ...]
    padding_before: tuple[int, ...]
    padding_after: tuple[int, ...]
    origin: tuple[float, ...]
    pitch: tuple[int, ...]

    @property
    def grid_size(self) -> tuple[int, ...]:
        """Its cells with their padding, per axis."""
        return tuple(n + a + b for n, a, b in zip(self.size, self.padding_before,
                                                  self.padding_after))

    @property
    def mask(self) -> np.ndarray:
        """Booleans over :attr:`grid_size`: ``True`` on its cells, ``False`` on padding."""
        mask = np.zeros(self.grid_size, dtype=bool)
        mask[tuple(slice(b, b + n) for b, n in zip(self.padding_before, self.size))] = True
        return mask

    def grid_cell(self, cell: Sequence[int]) -> tuple[int, ...]:
        """The position of ``cell`` (negative or past the end: padding) in :attr:`grid_size`."""
        return tuple(int(c) + b for c, b in zip(cell, self.padding_before))

    def corner(self) -> tuple[float, ...]:
        """Where its grid (padding included) begins: half a pitch before its first cell's centre."""
        return tuple(u - (b + 0.5) * j
                     for u, b, j in zip(self.origin, self.padding_before, self.pitch))

    def extent(self) -> tuple[tuple[float, float], ...]:
        """``(first, last)`` position its grid covers, padding included, per axis."""
        return tuple((c, c + n * j) for c, n, j in zip(self.corner(), self.grid_size,
                                                      self.pitch))


def bounding_box(mask: np.ndarray) -> tuple[tuple[int, int], ...] | None:
    """``(first, last)`` marked cell along each axis of ``mask``, or ``None`` if none is.

    Examples
    --------
    >>> bounding_box(np.array([[0, 0, 0], [0, 1, 1]], dtype=bool))
    ((1, 1), (1, 2))
    """
    cells = np.argwhere(np.asarray(mask, dtype=bool))
    if cells.size == 0:
        return None
    return tuple((int(lo), int(hi)) for lo, hi in zip(cells.min(axis=0), cells.max(axis=0)))


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
    kinds
        What each layer's window computes: ``"convolution"`` (the default
        for every layer), ``"average"`` or ``"max"`` (a pooling, checked as
        PyTorch checks one). The receptive field does not depend on it; a
        picture names the layer by it.

    Raises
    ------
    SpecError
        One line: an empty stack, a transposed conv, 1-D and 2-D mixed, a
        layer whose input size is not the previous layer's output size, or a
        pooling PyTorch would refuse.

    Examples
    --------
    >>> stack = Stack([ConvSpec(9, 3, stride=2, padding=1), ConvSpec(5, 3, padding=1)])
    >>> stack.fields[-1].describe()
    'r=7 jump=2 start=-3'
    >>> [np.argwhere(m).tolist() for m in stack.seen((2, 2))][0][:3]
    [[1, 1], [1, 2], [1, 3]]
    """

    def __init__(self, layers: Iterable[Layer], kinds: Iterable[PoolMode] | None = None) -> None:
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
        kinds = ("convolution",) * len(layers) if kinds is None else tuple(kinds)
        if len(kinds) != len(layers):
            raise SpecError(f"kinds must name one operation per layer ({len(layers)}), got "
                            f"{len(kinds)}")
        for n, (spec, kind) in enumerate(zip(layers, kinds), 1):
            if kind not in KINDS:
                raise SpecError(f"layer {n}'s kind must be one of {', '.join(KINDS)}, got "
                                f"{shown(kind)}")
            if kind != "convolution":
                try:
                    spec.check_pooling(kind)
                except SpecError as exc:
                    raise SpecError(f"layer {n} ({layer_text(spec, kind)}): {exc}") from None
        self.layers: tuple[Layer, ...] = layers
        self.kinds: tuple[PoolMode, ...] = kinds
        self._axes = tuple(_axes(spec) for spec in layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"Stack([{', '.join(spec.describe() for spec in self.layers)}])"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stack) and (self.layers, self.kinds) == (other.layers,
                                                                           other.kinds)

    def __hash__(self) -> int:
        return hash((self.layers, self.kinds))

    def text(self) -> str:
        """The stack in the layer grammar :func:`parse_stack` reads: ``"k3 s2 p1; k3 p1"``."""
        return "; ".join(layer_text(spec, kind) for spec, kind in zip(self.layers, self.kinds))

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

    def default_cell(self, layer: int = -1) -> tuple[int, ...]:
        """The output cell of ``layer`` a picture traces by default.

        The last cell of a stack with a causal layer (it sees the whole
        field, from the past up to itself), else the middle one (the lower
        middle of an even size), per axis.

        Examples
        --------
        >>> wavenet().default_cell(), Stack([ConvSpec1d(8, 3)]).default_cell()
        ((15,), (2,))
        """
        size = self.sizes[self._layer(layer) + 1]
        causal = any(getattr(spec, "causal", False) for spec in self.layers)
        return tuple(n - 1 if causal else (n - 1) // 2 for n in size)

    @property
    def levels(self) -> tuple[Level, ...]:
        """Where every level's cells lie along the input's axes: the input, then each output.

        Level ``l`` is drawn with the padding the layer above reads (none
        for the top level). Its cells are as wide as its jump, and each one
        stands over the input position it is anchored to: the centre of its
        window for a layer padded on both sides, the window's last tap for a
        causal layer (output ``n`` of a causal stack of stride 1 stands over
        input ``n``). The anchor of cell ``n`` of layer ``l`` is the anchor
        of the position its window puts there in the level below:
        ``A_l = A_{l−1} + (a_l − p_l)·j_{l−1}`` with ``a_l = (k̂_l − 1)/2``,
        or ``k̂_l − 1`` when causal.
        """
        out = []
        origin = (0.0,) * self.ndim
        jump = (1,) * self.ndim
        for level, size in enumerate(self.sizes):
            if level:
                axes, spec = self._axes[level - 1], self.layers[level - 1]
                causal = getattr(spec, "causal", False)
                origin = tuple(
                    a0 + ((ax.effective_kernel_size - 1) / (1 if causal else 2)
                          - ax.padding_before) * j
                    for a0, ax, j in zip(origin, axes, jump))
                jump = tuple(j * ax.stride for j, ax in zip(jump, axes))
            if level < len(self.layers):
                spec = self.layers[level]
                before = tuple(ax.padding_before for ax in self._axes[level])
                after = ((spec.padding[1],) if isinstance(spec, ConvSpec1d)
                         else tuple(spec.padding))
            else:
                before = after = (0,) * self.ndim
            out.append(Level(size, before, after, origin, jump))
        return tuple(out)

    def links(self, cell: int | Sequence[int], layer: int = -1) -> list[np.ndarray]:
        """Which seen cell reads which, between neighbouring levels, for output ``cell``.

        Returns
        -------
        list of numpy.ndarray
            One array per layer from the bottom one up to ``layer``: entry
            ``l`` has shape ``(n, 2, ndim)``, each row an output cell of
            layer ``l`` that ``cell`` depends on and an input cell (not
            padding) its window reads, in that order: the edges of the
            dependency graph :meth:`seen` marks the nodes of.

        Examples
        --------
        >>> [len(a) for a in wavenet().links(15)]
        [16, 8, 4, 2]
        """
        masks = self.seen(cell, layer)
        out = []
        for level, axes in enumerate(self._axes[: len(masks) - 1]):
            pairs = []
            for upper in np.argwhere(masks[level + 1]):
                taps = [ax.taps(int(m)) for ax, m in zip(axes, upper)]
                taps = [t[(t >= 0) & (t < ax.input_size)] for t, ax in zip(taps, axes)]
                for lower in itertools.product(*taps):
                    pairs.append((tuple(upper), lower))
            out.append(np.array(pairs, dtype=np.int64).reshape(len(pairs), 2, self.ndim))
        return out

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
        kinds: list[PoolMode] = []
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
            kinds.append(torch_mode(module))
            out = spec.output_size
            shape = (spec.out_channels, *((out,) if isinstance(out, int) else out))
        if pad is not None:
            raise SpecError(f"{pad[0]} at the end of the stack pads no conv")
        return cls(layers, kinds)


def _tensor_shape(input_shape: object, modules: list[object]) -> tuple[int, ...]:
    """``(C, L)`` or ``(C, H, W)`` from the input's shape, as the first layer's dimension says."""
    first = next((m for m in modules if hasattr(m, "kernel_size")), None)
    one_d = first is not None and is_1d_layer(first)
    want = "(C, L) or (N, C, L)" if one_d else "(C, H, W) or (N, C, H, W)"
    lengths = (2, 3) if one_d else (3, 4)
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) \
            or len(input_shape) not in lengths or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                for n in input_shape):
        raise SpecError(f"input_shape must be {want} of positive integers, got "
                        f"{shown(input_shape)}")
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
                    f"{shown(padding)}")


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


# ------------------------------------------------------------ the layer grammar
MAX_STACK_LAYERS = 64
"""Layers a stack written out as text may have (a picture draws fewer; see limits)."""

_MAX_TEXT = 2000
"""Characters of a stack written out as text."""

_TOKEN = re.compile(r"(k|max|avg|s|p|d)([0-9]+(?:x[0-9]+)?)|(causal|pcausal)")

_POOLS: dict[str, PoolMode] = {"max": "max", "avg": "average"}

GRAMMAR = ('a layer is kN (a conv), maxN or avgN (a pooling, stride N unless given), then '
           'any of sN, pN or causal, dN; per axis in 2-D: k3x1; layers split by ";"')
"""The layer grammar in one line, for error messages."""


def parse_input_size(value: object) -> int | tuple[int, int]:
    """A stack's input: ``16`` (or ``"16"``) is a sequence, ``"16x16"`` or ``(16, 16)`` a grid.

    Raises
    ------
    SpecError
        One line, for anything but one or two positive integers.

    Examples
    --------
    >>> parse_input_size("16"), parse_input_size("8x12"), parse_input_size((4, 4))
    (16, (8, 12), (4, 4))
    """
    if isinstance(value, str):
        text = value.strip().lower().replace("×", "x")
        one_d = "x" not in text
    elif isinstance(value, Sequence):
        one_d = len(value) == 1
        text = value[0] if one_d else value  # type: ignore[assignment]
    else:
        one_d, text = True, value  # type: ignore[assignment]
    h, w = parse_pair("input_size", text)  # type: ignore[arg-type]
    if min(h, w) < 1:
        raise SpecError(f"input_size must be positive, got {shown(value)}")
    return h if one_d else (h, w)


def layer_text(spec: Layer, kind: PoolMode = "convolution") -> str:
    """One layer in the grammar :func:`parse_stack` reads: ``k3 s2 p1``, ``max2``, ``k2 d4 causal``.

    A pooling's stride is left out when it equals its window, as PyTorch's
    default; a stride, padding or dilation at its default is left out too.

    Examples
    --------
    >>> layer_text(ConvSpec1d(16, 2, padding="causal", dilation=4))
    'k2 d4 causal'
    >>> layer_text(ConvSpec((8, 8), (2, 2), stride=2), "max"), layer_text(ConvSpec(8, (3, 1)))
    ('max2', 'k3x1')
    """
    def size(value: int | tuple[int, ...]) -> str:
        values = (value,) if isinstance(value, int) else tuple(value)
        return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))

    name = {"convolution": "k", "average": "avg", "max": "max"}[kind]
    parts = [f"{name}{size(spec.kernel_size)}"]
    default_stride = spec.kernel_size if kind != "convolution" else (
        1 if isinstance(spec, ConvSpec1d) else (1, 1))
    if spec.stride != default_stride:
        parts.append(f"s{size(spec.stride)}")
    causal = getattr(spec, "causal", False)
    padding = spec.padding[0] if isinstance(spec, ConvSpec1d) else spec.padding
    if not causal and max(np.atleast_1d(padding)) > 0:
        parts.append(f"p{size(padding)}")
    if max(np.atleast_1d(spec.dilation)) > 1:
        parts.append(f"d{size(spec.dilation)}")
    if causal:
        parts.append("causal")
    return " ".join(parts)


def parse_stack(text: str, input_size: object) -> Stack:
    """Read a stack written out as text, such as ``"k3 s2 p1; k3 p1; k3 d2"``.

    Layers are split by ``;``, bottom first. A layer is one window, ``kN``
    (a convolution), ``maxN`` or ``avgN`` (max or average pooling, whose
    stride is ``N`` unless given, as in PyTorch), then in any order
    ``sN`` (stride, default 1), ``pN`` (zero padding on both ends, default
    0) or ``causal`` (``d(k − 1)`` zeros on the left only, 1-D
    convolutions), ``dN`` (dilation, default 1). In 2-D each number may be
    per axis, ``k3x1`` (rows by columns).

    Parameters
    ----------
    text
        The layers.
    input_size
        The stack's input (see :func:`parse_input_size`): a length such as
        ``16`` makes every layer 1-D, ``"16x16"`` 2-D.

    Raises
    ------
    SpecError
        One line naming the layer and the token: an unknown or repeated
        token, a layer with no window or two, a per-axis size in 1-D,
        ``causal`` in 2-D or on a pooling, or a layer its input cannot
        take.

    Examples
    --------
    >>> stack = parse_stack("k3 s2 p1; k3 p1; k3 d2", 16)
    >>> stack.text(), stack.sizes
    ('k3 s2 p1; k3 p1; k3 d2', ((16,), (8,), (8,), (4,)))
    >>> parse_stack("k3 p1; max2", "8x8").field().describe()
    'r=4 jump=2 start=-1'
    """
    if not isinstance(text, str):
        raise SpecError(f"layers must be text such as \"k3 s2 p1; k3 p1\", got {shown(text)}")
    if len(text) > _MAX_TEXT:
        raise SpecError(f"layers are {len(text)} characters long, more than {_MAX_TEXT}")
    size = parse_input_size(input_size)
    one_d = isinstance(size, int)
    chunks = [" ".join(c.split()) for c in text.strip().rstrip(";").split(";")]
    if chunks == [""]:
        raise SpecError(f"no layers given: {GRAMMAR}")
    if len(chunks) > MAX_STACK_LAYERS:
        raise SpecError(f"{len(chunks)} layers, more than {MAX_STACK_LAYERS}")
    layers: list[Layer] = []
    kinds: list[PoolMode] = []
    for n, chunk in enumerate(chunks, 1):
        spec, kind = _parse_layer(n, chunk, size, one_d)
        layers.append(spec)
        kinds.append(kind)
        size = spec.output_size
    return Stack(layers, kinds)


def _parse_layer(n: int, chunk: str, size: int | tuple[int, int],
                 one_d: bool) -> tuple[Layer, PoolMode]:
    """Layer ``n`` of a stack's text, on an input of ``size``."""
    where = f"layer {n}"
    if not chunk:
        raise SpecError(f"{where} is empty: {GRAMMAR}")
    where = f"layer {n} ({shown(chunk)[1:-1] if len(chunk) > 37 else chunk})"
    given: dict[str, object] = {}
    kind: PoolMode = "convolution"
    window = ""
    for token in chunk.split():
        match = _TOKEN.fullmatch(token.lower())
        if match is None:
            raise SpecError(f"{where}: unknown token {shown(token)}: {GRAMMAR}")
        name, number, causal = match.groups()
        if causal:
            name, value = "p", "causal"
        else:
            if "x" in number and one_d:
                raise SpecError(f"{where}: {token} is per axis, but the input {size} is 1-D "
                                "(give the input as HxW for 2-D layers)")
            pair = parse_pair(token, number)
            value = pair[0] if one_d else pair
        if name in ("k", "max", "avg"):
            if window:
                raise SpecError(f"{where}: {window} and {token} both give the window; a layer "
                                "has one")
            window, kind = token, _POOLS.get(name, "convolution")
            name = "k"
        elif name in given:
            raise SpecError(f"{where}: {token} sets {_NAMES[name]} a second time")
        given[name] = value
    if not window:
        raise SpecError(f"{where}: no window: start it with kN, maxN or avgN")
    if given.get("p") == "causal":
        if not one_d:
            raise SpecError(f"{where}: causal padding is for 1-D layers (the input is "
                            f"{size[0]}x{size[1]})")  # type: ignore[index]
        if kind != "convolution":
            raise SpecError(f"{where}: causal padding is for convolutions: pooling pads both "
                            "ends equally")
    kernel = given["k"]
    stride = given.get("s", kernel if kind != "convolution" else 1)
    try:
        if one_d:
            spec: Layer = ConvSpec1d(size, kernel, stride, given.get("p", 0),  # type: ignore
                                     given.get("d", 1))
        else:
            spec = ConvSpec(size, kernel, stride, given.get("p", 0),  # type: ignore[arg-type]
                            given.get("d", 1))
        if kind != "convolution":
            spec.check_pooling(kind)
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    return spec, kind


_NAMES = {"s": "the stride", "p": "the padding", "d": "the dilation"}
