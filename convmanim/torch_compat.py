"""PyTorch layers, read by duck typing: torch is never imported.

:func:`spec_from_torch`, :func:`torch_kind` and :func:`torch_mode` live in the
geometry core (:meth:`ConvSpec.from_torch <convmanim.geometry.ConvSpec.from_torch>`
uses them) and are re-exported here beside :func:`torch_parameters`, which reads
a layer's tensors.

:func:`spec_from_torch` (also :meth:`ConvSpec.from_torch
<convmanim.geometry.ConvSpec.from_torch>`) reads the attributes that
``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` and ``nn.AvgPool2d``
keep (``kernel_size``, ``stride``, ``padding``, ``dilation``,
``output_padding``, ``ceil_mode``, ...) and returns the spec convmanim draws;
their 1-D twins (``nn.Conv1d``, ...) give a
:class:`~convmanim.geometry.ConvSpec1d` or its transpose.
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

import numpy as np

from .geometry import SpecError, TorchKind, spec_from_torch, torch_kind, torch_mode

__all__ = ["TorchKind", "spec_from_torch", "torch_kind", "torch_mode", "torch_parameters"]


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
        An ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.Conv1d`` or
        ``nn.ConvTranspose1d`` (or any object with ``weight`` and ``bias``
        attributes holding tensors or arrays).

    Returns
    -------
    tuple
        ``(weight, bias)``: the weight in PyTorch's layout, ``(C_out,
        C_in/groups, k_h, k_w)`` for a ``Conv2d`` and ``(C_in, C_out/groups,
        k_h, k_w)`` for a ``ConvTranspose2d``, without ``k_h`` in 1-D (what :meth:`ConvSpec.apply
        <convmanim.geometry.ConvSpec.apply>` takes), and the bias ``(C_out,)``
        or ``None`` for a layer built with ``bias=False``.

    Raises
    ------
    SpecError
        If the layer has no 3-D or 4-D weight, or its values are not finite.

    Examples
    --------
    >>> class Layer:  # a stand-in: a real nn.Conv2d holds tensors
    ...     weight = np.ones((2, 3, 3, 3))
    ...     bias = None
    >>> weight, bias = torch_parameters(Layer())
    >>> weight.shape, bias
    ((2, 3, 3, 3), None)
    """
    name = type(module).__name__
    weight = getattr(module, "weight", None)
    if weight is None:
        raise SpecError(f"{name} has no weight: only Conv2d and ConvTranspose2d have parameters")
    w = _as_array(weight)
    if w.ndim not in (3, 4):
        raise SpecError(f"{name}.weight must be 3-D or 4-D (PyTorch's layout), got shape "
                        f"{'×'.join(map(str, w.shape))}")
    bias = getattr(module, "bias", None)
    b = None if bias is None else _as_array(bias).reshape(-1)
    for what, arr in (("weight", w), ("bias", b)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise SpecError(f"{name}.{what} holds non-finite values")
    return w, b
