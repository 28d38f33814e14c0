"""One module per mode, each with a Scene base class configured by class attributes."""

from .arithmetic import ArithmeticScene
from .base import ConvScene
from .numerical import NumericalScene

__all__ = ["ArithmeticScene", "ConvScene", "NumericalScene"]
