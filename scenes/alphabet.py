"""Alphabet-mode scenes: render with ``manim render scenes/alphabet.py <Scene>``.

The original tool's four README examples (stride 1 and 2, conv and transposed),
the relationship scene that turns ``C`` into ``Cᵀ``, and a few beyond the seed.
"""

from convmanim import AlphabetRelationshipScene, AlphabetScene, ConvSpec

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
