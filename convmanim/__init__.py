"""convmanim: lecture-quality Manim animations of convolution arithmetic.

The geometry core (:class:`ConvSpec`, :class:`TransposedConvSpec`, their 1-D
twins :class:`ConvSpec1d` and :class:`TransposedConvSpec1d`, and the receptive
fields of a :class:`Stack`) is pure numpy; the scene classes import manim when
first used::

    from convmanim import ArithmeticScene, ConvSpec

    class StridedConv(ArithmeticScene):
        spec = ConvSpec(5, 3, stride=2, padding=1)
"""

from __future__ import annotations

import importlib

from ._version import __version__

TYPE_CHECKING = False  # not typing's: the command line's first moments import nothing more
if TYPE_CHECKING:
    from typing import Any

    from .geometry import (
        ConvSpec,
        ConvSpec1d,
        DirectConv,
        SpecError,
        TransposedConvSpec,
        TransposedConvSpec1d,
    )
    from .modes.alphabet import AlphabetRelationshipScene, AlphabetScene
    from .modes.alphabet_gradient import AlphabetGradientScene
    from .modes.arithmetic import ArithmeticScene
    from .modes.numerical import NumericalScene
    from .modes.numerical_gradient import NumericalGradientScene
    from .modes.stack import StackScene
    from .receptive import Stack, parse_stack
    from .torch_compat import torch_parameters

__all__ = [
    "AlphabetGradientScene",
    "AlphabetRelationshipScene",
    "AlphabetScene",
    "ArithmeticScene",
    "ConvSpec",
    "ConvSpec1d",
    "DepthwiseSeparableScene",
    "DirectConv",
    "NumericalGradientScene",
    "NumericalScene",
    "SpecError",
    "Stack",
    "StackScene",
    "TransposedConvSpec",
    "TransposedConvSpec1d",
    "__version__",
    "parse_stack",
    "torch_parameters",
]

# Imported when first asked for: the command line installs its signal handlers
# before numpy or manim load (see convmanim._entry).
_LAZY = {
    "ConvSpec": "convmanim.geometry",
    "ConvSpec1d": "convmanim.geometry",
    "DirectConv": "convmanim.geometry",
    "SpecError": "convmanim.geometry",
    "TransposedConvSpec": "convmanim.geometry",
    "TransposedConvSpec1d": "convmanim.geometry",
    "Stack": "convmanim.receptive",
    "parse_stack": "convmanim.receptive",
    "torch_parameters": "convmanim.torch_compat",
    "AlphabetGradientScene": "convmanim.modes.alphabet_gradient",
    "AlphabetRelationshipScene": "convmanim.modes.alphabet",
    "AlphabetScene": "convmanim.modes.alphabet",
    "ArithmeticScene": "convmanim.modes.arithmetic",
    "DepthwiseSeparableScene": "convmanim.modes.arithmetic",
    "NumericalGradientScene": "convmanim.modes.numerical_gradient",
    "NumericalScene": "convmanim.modes.numerical",
    "StackScene": "convmanim.modes.stack",
}


def __getattr__(name: str) -> Any:
    """Import the geometry (numpy) and the scene classes (manim) only when asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convmanim' has no attribute {name!r}")
