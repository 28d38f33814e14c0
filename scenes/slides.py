"""Slide decks for a live lecture: one slide per step, a key press plays the next.

Render a deck, then present it (or turn it into a web page)::

    manim-slides render -qm scenes/slides.py StridedConvDeck
    manim-slides present StridedConvDeck
    manim-slides convert --one-file StridedConvDeck strided.html

Needs the ``slides`` extra: ``pip install 'convmanim[slides]'``.
"""

from convmanim import (
    AlphabetRelationshipScene,
    AlphabetScene,
    ArithmeticScene,
    ConvSpec,
    NumericalScene,
)
from convmanim.slides import as_slides

# ------------------------------------------------------------ arithmetic mode


class StridedConvDeck(as_slides(ArithmeticScene)):
    """Title slide (the output-size formula), then one slide per output cell."""

    spec = ConvSpec(5, 3, stride=2, padding=1)
    intro = True


class TransposedConvDeck(as_slides(ArithmeticScene)):
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()


class DilatedConvDeck(as_slides(ArithmeticScene)):
    spec = ConvSpec(7, 3, dilation=2)


# ------------------------------------------------------------- numerical mode


class NumericalConvDeck(as_slides(NumericalScene)):
    spec = ConvSpec(5, 3, stride=2, padding=1)


class MaxPoolingDeck(as_slides(NumericalScene)):
    spec = ConvSpec(4, 2, stride=2)
    mode = "max"


# -------------------------------------------------------------- alphabet mode


class MatrixViewDeck(as_slides(AlphabetScene)):
    spec = ConvSpec(4, 3)


class RelationshipDeck(as_slides(AlphabetRelationshipScene)):
    """The conv with C, then (its first slide opens with C turning into Cᵀ) the transposed conv."""

    spec = ConvSpec(3, 2)
