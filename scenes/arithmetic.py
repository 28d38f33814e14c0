"""Arithmetic-mode scenes: render with ``manim render scenes/arithmetic.py <Scene>``.

The original tool's README examples, then the classic set of Dumoulin & Visin's
convolution arithmetic guide, each with its transposed convolution (which is
given, as in the paper, by the arguments of its forward convolution), then
convolutions with channels: an RGB-like 3 -> 2 conv, groups, depthwise,
depthwise-separable, and a transposed conv with channels; last, 1-D convolutions
over a sequence (a row of cells): causal and dilated, transposed, with channels.
"""

from convmanim import ArithmeticScene, ConvSpec, ConvSpec1d, DepthwiseSeparableScene

# ------------------------------------------------ the original README's examples


class ArithmeticConv(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)


class ArithmeticTransposedConv(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()


# ---------------------------------------------------------------- the classics


class NoPaddingNoStrides(ArithmeticScene):
    spec = ConvSpec(4, 3)


class ArbitraryPadding(ArithmeticScene):
    spec = ConvSpec(5, 4, padding=2)


class HalfPadding(ArithmeticScene):
    spec = ConvSpec(5, 3, padding=1)


class FullPadding(ArithmeticScene):
    spec = ConvSpec(5, 3, padding=2)


class NoPaddingStrides(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2)


class PaddingStrides(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)


class PaddingStridesOdd(ArithmeticScene):
    spec = ConvSpec(6, 3, stride=2, padding=1)


class Dilation(ArithmeticScene):
    spec = ConvSpec(7, 3, dilation=2)


class NoPaddingNoStridesTransposed(ArithmeticScene):
    spec = ConvSpec(4, 3).transposed()


class ArbitraryPaddingTransposed(ArithmeticScene):
    spec = ConvSpec(5, 4, padding=2).transposed()


class HalfPaddingTransposed(ArithmeticScene):
    spec = ConvSpec(5, 3, padding=1).transposed()


class FullPaddingTransposed(ArithmeticScene):
    spec = ConvSpec(5, 3, padding=2).transposed()


class NoPaddingStridesTransposed(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2).transposed()


class PaddingStridesTransposed(ArithmeticScene):
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()


class PaddingStridesOddTransposed(ArithmeticScene):
    spec = ConvSpec(6, 3, stride=2, padding=1).transposed()


class DilationTransposed(ArithmeticScene):
    spec = ConvSpec(7, 3, dilation=2).transposed()


# ---------------------------------------------------------------- beyond square


class Rectangular(ArithmeticScene):
    spec = ConvSpec((5, 7), (3, 2), stride=(2, 1), padding=(1, 0))


class OutputSizeIntro(ArithmeticScene):
    spec = ConvSpec(6, 3, stride=2, padding=1)
    intro = True


# ---------------------------------------------------------------- channels


class Channels(ArithmeticScene):
    """Three input channels, two filters of 3×3×3: two output channels."""

    spec = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2)


class GroupedConv(ArithmeticScene):
    """Two groups: each filter reaches only the two input channels of its group."""

    spec = ConvSpec(5, 3, padding=1, in_channels=4, out_channels=4, groups=2)


class DepthwiseConv(ArithmeticScene):
    """groups = C_in = C_out: each filter is one 3×3 slice on its own channel."""

    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=3, groups=3)


class DepthwiseSeparable(DepthwiseSeparableScene):
    """A depthwise 3×3 conv, then a pointwise 1×1 conv from 3 to 4 channels."""

    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4)


class ChannelsTransposed(ArithmeticScene):
    """The transposed conv of the 3 -> 2 conv: 2 channels back to 3, filters rotated."""

    spec = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2).transposed()


# ------------------------------------------------------------ 1-D: sequences
class CausalDilatedConv1d(ArithmeticScene):
    """A causal conv with dilation 2 (a WaveNet layer): 4 zeros on the left only."""

    spec = ConvSpec1d(10, 3, dilation=2, padding="causal")


class StridedConv1dTransposed(ArithmeticScene):
    """The transposed conv of a strided 1-D conv: a zero between inputs, the kernel reversed."""

    spec = ConvSpec1d(8, 3, stride=2, padding=1).transposed()


class Conv1dChannels(ArithmeticScene):
    """A causal 2→3 conv over a sequence: each filter a 2×3 block over both rows."""

    spec = ConvSpec1d(8, 3, dilation=2, padding="causal", in_channels=2, out_channels=3)
