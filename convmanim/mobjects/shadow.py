"""KernelShadow: the kernel's shadow over a small grid, drawn as one path."""

from __future__ import annotations

from manim import VMobject

from ..geometry import DirectConv
from ..theme import Theme
from .motion import StepGlider
from .plane import PlaneMap

__all__ = ["KernelShadow"]


class KernelShadow(StepGlider, VMobject):
    """The kernel's shadow over a grid, every tap one sub-path of a single path.

    It looks like :class:`~convmanim.mobjects.kernel.KernelWindow` without
    weight labels (the same fill, opacity and outline per tap, the holes of a
    dilated kernel left clear), at the cost of one mobject instead of one per
    tap: the alphabet mode slides one over each input channel of a group, and
    manim redraws them on every frame of a glide.

    Parameters
    ----------
    plane
        The plane of the grid the kernel slides over.
    direct
        The direct conv: its kernel size, dilation, stride and windows.
    theme
        Shadow colour, opacity and outline.
    step
        The step to start at.
    """

    def __init__(
        self, plane: PlaneMap, direct: DirectConv, theme: Theme, *, step: int = 0,
        **kwargs: object,
    ) -> None:
        super().__init__(fill_color=theme.kernel_fill, fill_opacity=theme.kernel_opacity,
                         stroke_color=theme.stroke, stroke_width=theme.kernel_stroke_width,
                         **kwargs)
        self.plane = plane
        self.direct = direct
        self.step = step
        win = direct.window(step).reshape(-1, 2)
        for r, c in win:
            corners = plane.cell_corners(int(r), int(c))
            self.start_new_path(corners[0])
            self.add_points_as_corners([*corners[1:], corners[0]])
