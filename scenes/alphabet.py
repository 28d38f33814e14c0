"""Alphabet-mode scenes: render with ``manim render scenes/alphabet.py <Scene>``.

The original tool's four README examples (stride 1 and 2, conv and transposed),
the relationship scene that turns ``C`` into ``Cᵀ``, backprop through a conv
(``∂L/∂a = Cᵀ·∂L/∂b`` and ``∂L/∂w``), a few beyond the seed, and
convolutions with channels: an RGB-style 3→2 conv, ``groups=2`` (4→4) and a
depthwise 3→3 conv, each a block matrix; last, 1-D convolutions, whose ``C``
is the textbook banded Toeplitz matrix.
"""

from convmanim import (
    AlphabetGradientScene,
    AlphabetRelationshipScene,
    AlphabetScene,
    ConvSpec,
    ConvSpec1d,
)

# ------------------------------------------------ the original README's examples


class AlphabetConv(AlphabetScene):
    spec = ConvSpec(5, 3)


class AlphabetTransposedConv(AlphabetScene):
    spec = ConvSpec(5, 3).transposed()


class AlphabetConvS2(AlphabetScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)


class AlphabetTransposedConvS2(AlphabetScene):
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()


# ---------------------------------------------------- C, then C transposed


class Relationship(AlphabetRelationshipScene):
    spec = ConvSpec(5, 3, stride=2, padding=1)


# ---------------------------------------------------------------- beyond the seed


class AlphabetDilated(AlphabetScene):
    spec = ConvSpec(5, 2, dilation=2)


class AlphabetRectangular(AlphabetScene):
    spec = ConvSpec((4, 6), (2, 3), stride=(1, 2), padding=(0, 1))


class AlphabetLarge(AlphabetScene):
    spec = ConvSpec(8, 3)


# ------------------------------------------------------- channels and groups


class AlphabetRGB(AlphabetScene):
    spec = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2)


class AlphabetGroups(AlphabetScene):
    spec = ConvSpec(3, 2, in_channels=4, out_channels=4, groups=2)


class AlphabetDepthwise(AlphabetScene):
    spec = ConvSpec(4, 3, in_channels=3, out_channels=3, groups=3)


# ------------------------------------------------------------ 1-D: sequences
class Conv1dToeplitz(AlphabetScene):
    """A 1-D conv's C: banded Toeplitz, each row the kernel shifted by the stride."""

    spec = ConvSpec1d(8, 3, padding=1)


class CausalConv1dMatrix(AlphabetScene):
    """A causal dilated conv's C is lower triangular: output n reads no input after n."""

    spec = ConvSpec1d(8, 3, dilation=2, padding="causal")


class Conv1dRelationship(AlphabetRelationshipScene):
    """vec(b) = C·vec(a) for a strided 1-D conv, C transposed, then vec(c) = Cᵀ·vec(b)."""

    spec = ConvSpec1d(8, 3, stride=2, padding=1)


class Conv1dChannelsMatrix(AlphabetScene):
    """A causal 2→2 conv over a sequence: a 2×2 grid of Toeplitz blocks."""

    spec = ConvSpec1d(6, 2, dilation=2, padding="causal", in_channels=2, out_channels=2)


# ------------------------------------------------------- backprop through a conv


class AlphabetGradient(AlphabetGradientScene):
    """vec(b) = C·vec(a), b̄ = ∂L/∂b arriving, ā = Cᵀ·b̄, then w̄ = G·vec(a)."""

    spec = ConvSpec(4, 3)


class AlphabetGradientStrided(AlphabetGradientScene):
    """With stride 2 and padding 1: b̄ lies over the input dilated by the stride."""

    spec = ConvSpec(5, 3, stride=2, padding=1)
