"""Numerical-mode scenes: render with ``manim render scenes/numerical.py <Scene>``.

The original tool's README examples first, then pooling, dilation, a
transposed convolution (drawn as a scatter-add: each input cell adds its
value times the kernel into the output) and a rectangular convolution; then
channels, the checkerboard artefact of a transposed conv and its two fixes,
pixel shuffle, and backprop through a conv with numbers (``∂L/∂y``,
``∂L/∂x``, ``∂L/∂w``).
"""

from convmanim import ConvSpec, ConvSpec1d, NumericalGradientScene, NumericalScene
from convmanim.modes.resize import ResizeConvScene
from convmanim.modes.shuffle import PixelShuffleScene, PixelUnshuffleScene

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


# ---------------------------------------------------------------- channels


class RgbToTwoChannels(NumericalScene):
    """A 3→2 conv: each filter's three slices over the R, G and B channels, plus a bias."""

    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=2)


class GroupedConv(NumericalScene):
    """groups=2 (4→4): each filter reads only the two channels of its group."""

    spec = ConvSpec(4, 3, padding=1, in_channels=4, out_channels=4, groups=2)


class DepthwiseConv(NumericalScene):
    """A depthwise 3→3 conv: one filter per channel."""

    spec = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=3, groups=3)


class ChannelMaxPooling(NumericalScene):
    """Max pooling keeps the channels: each is pooled on its own."""

    spec = ConvSpec(6, 2, stride=2, in_channels=3)
    mode = "max"


class TransposedWithChannels(NumericalScene):
    """The transposed conv of a 3→2 conv maps 2 channels back to 3, starting from the bias."""

    spec = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2).transposed()


# 1-D convolution over a sequence: a row of cells, labels with one index.
class CausalDilatedConv1d(NumericalScene):
    """A causal conv, dilation 2: 4 zeros on the left only; output n sees no input after n."""

    spec = ConvSpec1d(8, 3, dilation=2, padding="causal")
    seed = 2  # values with no all-zero kernel


class Conv1dChannels(NumericalScene):
    """A causal 2→3 conv over a sequence: each filter's two rows of weights, plus a bias."""

    spec = ConvSpec1d(6, 2, dilation=2, padding="causal", in_channels=2, out_channels=3)


class MaxPooling1d(NumericalScene):
    """Max pooling of a sequence, window 2, stride 2."""

    spec = ConvSpec1d(8, 2, stride=2)
    seed = 2  # a sequence whose maxima differ
    mode = "max"


class TransposedConv1d(NumericalScene):
    """The transposed conv of a strided 1-D conv as scatter-add: each input adds its value × w."""

    spec = ConvSpec1d(8, 3, stride=2, padding=1).transposed()
    seed = 2  # values with no all-zero kernel


# ------------------------------------------------ checkerboard artefacts (Odena et al. 2016)


class Checkerboard(NumericalScene):
    """k=3, s=2: the windows overlap 1, 2, 1, 2, … times along each axis, a checkerboard."""

    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    overlap = True


class CheckerboardFixedKernel(NumericalScene):
    """The first fix: a kernel divisible by the stride (k=4, s=2) overlaps evenly inside."""

    spec = ConvSpec(6, 4, stride=2, padding=1).transposed()
    overlap = True


class ResizeThenConv(ResizeConvScene):
    """The second fix: nearest-neighbour upsampling ×2, then a stride-1 conv (9 windows inside)."""

    spec = ResizeConvScene.resize_spec(3, 2, kernel_size=3, padding=1)
    factor = 2
    input_values = ((1, 2, 0), (3, 1, 2), (0, 2, 1))
    kernel_values = ((1, 0, 1), (0, 2, 0), (1, 0, 1))


# ---------------------------------------------------------------- pixel shuffle


class PixelShuffle(PixelShuffleScene):
    """A conv makes 1·2² = 4 channels; PixelShuffle(2) moves them into a 6×6 image."""

    spec = ConvSpec(3, 3, padding=1, out_channels=4)


class PixelShuffleRgb(PixelShuffleScene):
    """3 → 12 channels, then PixelShuffle(2): a 3×6×6 image, each channel under its block."""

    spec = ConvSpec(3, 3, padding=1, in_channels=3, out_channels=12)


class PixelUnshuffle(PixelUnshuffleScene):
    """PixelUnshuffle(2): a 4×4 image into four 2×2 channels (space to depth)."""

    spec = ConvSpec(4, 1)


# ------------------------------------------------------- backprop through a conv


class NumericalGradient(NumericalGradientScene):
    """y = x ⋆ w, ∂L/∂y arriving, ∂L/∂x = Cᵀ·∂L/∂y as scatter-add, ∂L/∂w = x ⋆ ∂L/∂y."""

    spec = ConvSpec(4, 3)


class NumericalGradientStrided(NumericalGradientScene):
    """With stride 2 and padding 1: ∂L/∂y, dilated by the stride, slides over the input."""

    spec = ConvSpec(5, 3, stride=2, padding=1)
