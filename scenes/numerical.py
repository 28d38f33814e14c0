"""Numerical-mode scenes: render with ``manim render scenes/numerical.py <Scene>``.

The original tool's README examples first, then pooling, dilation, a
transposed convolution (drawn as a scatter-add: each input cell adds its
value times the kernel into the output) and a rectangular convolution.
"""

from convmanim import ConvSpec, NumericalScene

# ------------------------------------------------ the original README's examples


class NumericalConv(NumericalScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)


class NumericalMax(NumericalScene):
    spec = ConvSpec(6, 2, stride=2)
    mode = "max"


# ---------------------------------------------------------------- pooling


class AveragePooling(NumericalScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)
    mode = "average"


class MaxPooling(NumericalScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)
    mode = "max"


# ------------------------------------------------------ dilation, transposed


class DilatedConv(NumericalScene):
    spec = ConvSpec(7, 3, dilation=2)


class TransposedConvS2(NumericalScene):
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()


class TransposedConvOutputPadding(NumericalScene):
    spec = ConvSpec(6, 3, stride=2, padding=1).transposed()


# ---------------------------------------------------------------- beyond square


class RectangularConv(NumericalScene):
    spec = ConvSpec((5, 7), (3, 2), stride=(2, 1), padding=(1, 0))
