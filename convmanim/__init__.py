"""convmanim: lecture-quality Manim animations of convolution arithmetic.

The geometry core (:class:`ConvSpec`, :class:`TransposedConvSpec`) is pure
numpy; the scene classes import manim when first used::

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

    from .geometry import ConvSpec, DirectConv, SpecError, TransposedConvSpec
    from .modes.alphabet import AlphabetRelationshipScene, AlphabetScene
    from .modes.arithmetic import ArithmeticScene
    from .modes.numerical import NumericalScene
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

# Imported when first asked for: the command line installs its signal handlers
# before numpy or manim load (see convmanim._entry).
_LAZY = {
    "ConvSpec": "convmanim.geometry",
    "DirectConv": "convmanim.geometry",
    "SpecError": "convmanim.geometry",
    "TransposedConvSpec": "convmanim.geometry",
    "torch_parameters": "convmanim.torch_compat",
    "AlphabetRelationshipScene": "convmanim.modes.alphabet",
    "AlphabetScene": "convmanim.modes.alphabet",
    "ArithmeticScene": "convmanim.modes.arithmetic",
    "DepthwiseSeparableScene": "convmanim.modes.arithmetic",
    "NumericalScene": "convmanim.modes.numerical",
}


def __getattr__(name: str) -> Any:
    """Import the geometry (numpy) and the scene classes (manim) only when asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convmanim' has no attribute {name!r}")
