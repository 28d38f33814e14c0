"""convmanim: lecture-quality Manim animations of convolution arithmetic.

The geometry core (:class:`ConvSpec`, :class:`TransposedConvSpec`) is pure
numpy; the scene classes import manim when first used::

    from convmanim import ArithmeticScene, ConvSpec

    class StridedConv(ArithmeticScene):
        spec = ConvSpec(5, 3, stride=2, padding=1)
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .geometry import ConvSpec, DirectConv, SpecError, TransposedConvSpec
from .torch_compat import torch_parameters

__all__ = [
    "AlphabetRelationshipScene",
    "AlphabetScene",
    "ArithmeticScene",
    "ConvSpec",
    "DepthwiseSeparableScene",
    "DirectConv",
    "NumericalScene",
    "SpecError",
    "TransposedConvSpec",
    "__version__",
    "torch_parameters",
]

_LAZY = {
    "AlphabetRelationshipScene": "convmanim.modes.alphabet",
    "AlphabetScene": "convmanim.modes.alphabet",
    "ArithmeticScene": "convmanim.modes.arithmetic",
    "DepthwiseSeparableScene": "convmanim.modes.arithmetic",
    "NumericalScene": "convmanim.modes.numerical",
}


def __getattr__(name: str) -> Any:
    """Import the scene classes (and so manim) only when they are asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convmanim' has no attribute {name!r}")
