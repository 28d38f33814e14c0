"""Receptive-field scenes: render with ``manim render scenes/stack.py <Scene>``.

Each traces one output cell of a stack of layers down to the input, level by
level, shading the cells it depends on; the table beside the levels gives
each layer's receptive field ``r``, jump and start from the closed forms.
"""

from convmanim import StackScene
from convmanim.receptive import parse_stack, wavenet


class WaveNet(StackScene):
    """WaveNet's dilated causal stack: k = 2, dilations 1, 2, 4, 8; the field doubles per layer."""

    layers = wavenet()


class StridedDilated(StackScene):
    """A strided layer, then a dilated one: the field grows by the jump, with holes."""

    layers = parse_stack("k3 s2 p1; k3 p1; k3 d2", 16)


class PooledStack(StackScene):
    """Convolutions and poolings: max and average pooling grow the field like a conv."""

    layers = parse_stack("k3 p1; max2; k3 p1; avg2", 16)
    cell = 1


class StridedDilatedGrid(StackScene):
    """The same in 2-D, on slanted planes: a 3×3 conv of stride 2, then one of dilation 2."""

    layers = parse_stack("k3 s2 p1; k3 d2", "11x11")
    cell = (1, 1)
