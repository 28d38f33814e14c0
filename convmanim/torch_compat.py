"""Specs from PyTorch layers, read by duck typing: torch is never imported.

:func:`spec_from_torch` (also :meth:`ConvSpec.from_torch
<convmanim.geometry.ConvSpec.from_torch>`) reads the attributes that
``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` and ``nn.AvgPool2d``
keep (``kernel_size``, ``stride``, ``padding``, ``dilation``,
``output_padding``, ``ceil_mode``, ...) and returns the spec convmanim draws.
Any object with the same attributes works, so torch need not be installed.

Which layer an object is follows from its attributes:

* ``count_include_pad``: average pooling (``AvgPool2d``);
* ``ceil_mode`` and ``dilation``: max pooling (``MaxPool2d``);
* ``out_channels``: a convolution, transposed when its ``transposed``
  attribute is true or, lacking that attribute, when it has an
  ``output_padding`` (``ConvTranspose2d``).

Settings that change the arithmetic in a way convmanim cannot draw raise a
one-line :class:`~convmanim.geometry.SpecError` naming the attribute; settings
that make no difference for the given input are accepted. A conv keeps its
``in_channels``, ``out_channels`` and ``groups``; a pooling layer keeps the
channel count of the input shape, each channel pooled on its own.
:func:`torch_parameters` reads a layer's weight and bias as numpy arrays, so
that a scene can show a real layer's numbers without importing torch.

Examples
--------
>>> class Conv2d:  # a stand-in with nn.Conv2d's attributes
...     in_channels, out_channels, kernel_size = 3, 8, (3, 3)
...     stride, padding, dilation, groups = (2, 2), (1, 1), (1, 1), 1
...     padding_mode = "zeros"
>>> spec = spec_from_torch(Conv2d(), (1, 3, 5, 5))
>>> spec.output_size, spec.weight_shape
((3, 3), (8, 3, 3, 3))
>>> torch_mode(Conv2d())
'convolution'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .geometry import (
    AnySpec,
    ConvSpec,
    Pair,
    PoolMode,
    SpecError,
    TransposedConvSpec,
    parse_pair,
)

__all__ = ["TorchKind", "spec_from_torch", "torch_kind", "torch_mode", "torch_parameters"]

TorchKind = Literal["conv", "transposed", "average", "max"]
"""What a layer is: a convolution, a transposed convolution, or a pooling."""

_MODES: dict[str, PoolMode] = {
    "conv": "convolution",
    "transposed": "convolution",
    "average": "average",
    "max": "max",
}
_MISSING = object()


def _name(module: object) -> str:
    return type(module).__name__


def torch_kind(module: object) -> TorchKind:
    """Tell which layer ``module`` is from its attributes.

    Parameters
    ----------
    module
        An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` or
        ``nn.AvgPool2d``, or any object with their attributes.

    Returns
    -------
    TorchKind
        ``"conv"``, ``"transposed"``, ``"average"`` or ``"max"``.

    Raises
    ------
    SpecError
        If it is none of the four, or its class name says 1-D or 3-D.
    """
    name = _name(module)
    if name.endswith(("1d", "3d")):
        raise SpecError(f"{name} is not 2-D: convmanim draws Conv2d, ConvTranspose2d, "
                        "MaxPool2d and AvgPool2d")
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
    return _MODES[torch_kind(module)]


def _pair_attr(module: object, attr: str, default: object = _MISSING) -> Pair:
    """Read an int-or-pair attribute such as ``stride`` as ``(h, w)``."""
    value = getattr(module, attr, default)
    if value is _MISSING:
        raise SpecError(f"{_name(module)} has no {attr}")
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) != 2:
        raise SpecError(f"{_name(module)}.{attr} {tuple(value)!r} must have 2 axes "
                        "(convmanim draws 2-D layers)")
    try:
        return parse_pair(attr, value)  # type: ignore[arg-type]
    except SpecError as exc:
        raise SpecError(f"{_name(module)}.{exc}") from None


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
    name = _name(module)
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
    name = _name(module)
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
        raise SpecError(f"{_name(module)}.padding_mode {mode!r}: convmanim draws zero padding "
                        "only (padding_mode='zeros')")


def _pool_output(i: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size along one axis."""
    span = i + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= i + p:
        out -= 1
    return out


def _check_pooling_options(module: object, spec: ConvSpec) -> None:
    name = _name(module)
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


def spec_from_torch(module: object, input_size: object) -> AnySpec:
    """The spec of a PyTorch layer applied to an input of ``input_size``.

    Parameters
    ----------
    module
        An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` or
        ``nn.AvgPool2d``, or any object with the same attributes (see the
        module's docstring for how the kind is told).
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
    """
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
        spec.check_pooling(_MODES[kind])
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


def _as_array(value: object) -> np.ndarray:
    """A tensor (or anything array-like) as a float numpy array, without importing torch."""
    for step in ("detach", "cpu"):
        if hasattr(value, step):
            value = getattr(value, step)()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.array(value, dtype=float)


def torch_parameters(module: object) -> tuple[np.ndarray, np.ndarray | None]:
    """A conv layer's weight and bias as numpy arrays (torch is not imported).

    Parameters
    ----------
    module
        An ``nn.Conv2d`` or ``nn.ConvTranspose2d`` (or any object with
        ``weight`` and ``bias`` attributes holding tensors or arrays).

    Returns
    -------
    tuple
        ``(weight, bias)``: the weight in PyTorch's layout, ``(C_out,
        C_in/groups, k_h, k_w)`` for a ``Conv2d`` and ``(C_in, C_out/groups,
        k_h, k_w)`` for a ``ConvTranspose2d`` (what :meth:`ConvSpec.apply
        <convmanim.geometry.ConvSpec.apply>` takes), and the bias ``(C_out,)``
        or ``None`` for a layer built with ``bias=False``.

    Raises
    ------
    SpecError
        If the layer has no 4-D weight, or its values are not finite.

    Examples
    --------
    >>> class Layer:  # a stand-in: a real nn.Conv2d holds tensors
    ...     weight = np.ones((2, 3, 3, 3))
    ...     bias = None
    >>> weight, bias = torch_parameters(Layer())
    >>> weight.shape, bias
    ((2, 3, 3, 3), None)
    """
    name = _name(module)
    weight = getattr(module, "weight", None)
    if weight is None:
        raise SpecError(f"{name} has no weight: only Conv2d and ConvTranspose2d have parameters")
    w = _as_array(weight)
    if w.ndim != 4:
        raise SpecError(f"{name}.weight must be 4-D (PyTorch's layout), got shape "
                        f"{'×'.join(map(str, w.shape))}")
    bias = getattr(module, "bias", None)
    b = None if bias is None else _as_array(bias).reshape(-1)
    for what, arr in (("weight", w), ("bias", b)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise SpecError(f"{name}.{what} holds non-finite values")
    return w, b
