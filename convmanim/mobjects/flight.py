"""Copy-free animations for numbers: a flight from a caption into a cell, and fades.

Manim's ``FadeIn``/``FadeOut`` copy their mobject (twice) when they begin; a
numerical scene fades dozens of small numbers per step, and those copies cost
more than drawing the frames. These animations keep the start state as arrays
instead, as :mod:`convmanim.mobjects.motion` does for the moving window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import ManimColor, Mobject, VGroup, VMobject, interpolate_color

from ..manim_internals import copy_colours, get_alphas, has_colours, set_alphas
from .motion import _Copyless

__all__ = ["Fade", "Recolor", "Relocate", "ghost"]


class Relocate(_Copyless):
    """Move ``mobject``'s centre to ``target`` while scaling it by ``factor``.

    A number that flies from a caption into a grid cell moves and grows (or
    shrinks) along a straight line.

    Parameters
    ----------
    mobject
        What moves (with all its submobjects).
    target
        Screen point where its centre ends.
    factor
        Its scale at the end, relative to the start.
    **kwargs
        ``run_time``, ``rate_func``, ``introducer``, ... as for any animation.
    """

    def __init__(
        self, mobject: Mobject, target: np.ndarray, factor: float = 1.0, **kwargs: Any
    ) -> None:
        self.target = np.asarray(target, dtype=float)
        self.factor = float(factor)
        self._members: list[Mobject] = []
        self._start: list[np.ndarray] = []
        self._centre = np.zeros(3)
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember where every point and the centre start."""
        self._members = self.mobject.family_members_with_points()
        self._start = [m.points.copy() for m in self._members]
        self._centre = np.array(self.mobject.get_center(), dtype=float)
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Scale about the moving centre by the eased fraction of the way."""
        t = self.rate_func(alpha)
        centre = self._centre + t * (self.target - self._centre)
        scale = 1.0 + t * (self.factor - 1.0)
        for member, start in zip(self._members, self._start):
            member.points = centre + (start - self._centre) * scale


class Recolor(_Copyless):
    """Turn ``mobject``'s fill and stroke colours into ``color``, keeping their opacities.

    A number under the kernel's shadow changes ink as the shadow arrives or
    leaves (see :meth:`convmanim.theme.Theme.ink_on`). Only a few numbers
    change ink in a step, so the public ``set_fill``/``set_stroke`` serve.

    Parameters
    ----------
    mobject
        What changes colour (with all its submobjects).
    color
        The colour it ends in.
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(self, mobject: Mobject, color: str, **kwargs: Any) -> None:
        self.target = ManimColor(color)
        self._start: list[tuple[VMobject, ManimColor, ManimColor]] = []
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember every colour."""
        self._start = [
            (m, m.get_fill_color(), m.get_stroke_color())
            for m in self.mobject.family_members_with_points()
            if isinstance(m, VMobject)
        ]
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Mix every colour toward the target by the eased fraction."""
        t = self.rate_func(alpha)
        for member, fill, stroke in self._start:
            member.set_fill(interpolate_color(fill, self.target, t), family=False)
            member.set_stroke(interpolate_color(stroke, self.target, t), family=False)


class Fade(_Copyless):
    """Fade ``mobject`` in or out (optionally shrinking it) without copying it.

    A fade-in adds the mobject to the scene and raises its opacities from 0 to
    what they were; a fade-out lowers them to 0, removes the mobject, and then
    restores its opacities and size, so that it can be shown again later.

    Parameters
    ----------
    mobject
        What fades.
    fade_in
        ``True`` to fade in, ``False`` to fade out.
    scale
        Its size when invisible, relative to its size when visible (``0.3``
        makes a fading-out number shrink away).
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(
        self, mobject: Mobject, *, fade_in: bool, scale: float = 1.0, **kwargs: Any
    ) -> None:
        self.fade_in = fade_in
        self.scale_hidden = float(scale)
        self._alphas: list[tuple[VMobject, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
        self._points: list[tuple[Mobject, np.ndarray]] = []
        self._centre = np.zeros(3)
        super().__init__(mobject, introducer=fade_in, remover=not fade_in, **kwargs)

    def begin(self) -> None:
        """Remember every opacity (and point, if it scales)."""
        members = self.mobject.family_members_with_points()
        self._alphas = [(m, get_alphas(m)) for m in members if has_colours(m)]
        self._points = [(m, m.points.copy()) for m in members] if self.scale_hidden != 1 else []
        self._centre = np.array(self.mobject.get_center(), dtype=float)
        super().begin()

    def _show(self, visibility: float) -> None:
        for member, (fill, stroke, background) in self._alphas:
            set_alphas(member, fill * visibility, stroke * visibility, background * visibility)
        if self._points:
            scale = self.scale_hidden + visibility * (1.0 - self.scale_hidden)
            for member, start in self._points:
                member.points = self._centre + (start - self._centre) * scale

    def interpolate_mobject(self, alpha: float) -> None:
        """Set the opacities (and size) at the eased fraction of the fade."""
        t = self.rate_func(alpha)
        self._show(t if self.fade_in else 1.0 - t)

    def clean_up_from_scene(self, scene: Any) -> None:
        """After a fade-out, remove the mobject and give it back its look."""
        super().clean_up_from_scene(scene)
        if not self.fade_in:
            self._show(1.0)


def ghost(mob: Mobject) -> VGroup:
    """A cheap look-alike of ``mob``: its outlines and colours, without its structure.

    Manim's ``copy`` deep-copies every attribute of every glyph; a number
    that only has to fly somewhere and vanish needs its shapes alone.
    """
    parts = []
    for member in mob.family_members_with_points():
        if not isinstance(member, VMobject):
            continue
        part = VMobject()
        part.points = member.points.copy()
        copy_colours(member, part)
        part.stroke_width = member.stroke_width
        part.background_stroke_width = member.background_stroke_width
        parts.append(part)
    return VGroup(*parts)
