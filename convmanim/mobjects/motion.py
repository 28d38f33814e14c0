"""Copy-free animations for the parts that move every step.

Manim's ``Transform`` and ``.animate`` deep-copy the whole mobject (twice) each
time they start, which costs more than drawing the frames of a short glide.
A kernel window or a highlight only ever translates, and connector lines only
move their ends, so these animations keep the start points as arrays and
interpolate them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import Animation, AnimationGroup, Line, Mobject

from ..manim_internals import get_alphas, has_colours, set_alphas

__all__ = [
    "Deferred",
    "Glide",
    "MoveLines",
    "OnBegin",
    "Rearrange",
    "StepGlider",
    "Translate",
    "clip_factor",
    "set_visibility",
]

Rect = tuple[float, float, float, float]
"""``(left, right, top, bottom)`` of a screen rectangle."""


def clip_factor(lo: np.ndarray, hi: np.ndarray, rects: Sequence[Rect], margin: float,
                axes: str = "xy") -> float:
    """How visible a box ``[lo, hi]`` is when clipped to ``rects``: from 0 to 1.

    1 when the box lies inside one of the rectangles at least ``margin`` from
    its edges (along ``axes``), 0 when any part of it sticks out of every
    one, and in between as it nears an edge: a scrolling entry fades as it
    reaches the frame and is gone before it would cross it.
    """
    best = 0.0
    for left, right, top, bottom in rects:
        gaps = []
        if "x" in axes:
            gaps += [lo[0] - left, right - hi[0]]
        if "y" in axes:
            gaps += [lo[1] - bottom, top - hi[1]]
        gap = min(gaps)
        if gap < 0:
            continue
        best = max(best, 1.0 if margin <= 0 else min(1.0, gap / margin))
    return best


class _Copyless(Animation):
    """An animation that never copies its mobject."""

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def get_all_mobjects(self) -> Sequence[Mobject]:
        return (self.mobject,)


class Translate(_Copyless):
    """Move ``mobject`` by ``vector`` along a straight line.

    Parameters
    ----------
    mobject
        What moves (with all its submobjects).
    vector
        Screen displacement.
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(self, mobject: Mobject, vector: np.ndarray, **kwargs: object) -> None:
        self.vector = np.asarray(vector, dtype=float)
        self._members: list[Mobject] = []
        self._start: list[np.ndarray] = []
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember where every point starts."""
        self._members = self.mobject.family_members_with_points()
        self._start = [m.points.copy() for m in self._members]
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Put every point at its start plus the eased fraction of the vector."""
        offset = self.rate_func(alpha) * self.vector
        for member, start in zip(self._members, self._start):
            member.points = start + offset


class Glide(Translate):
    """A :class:`Translate` whose vector is known when it begins.

    Parameters
    ----------
    mobject
        What moves.
    way
        Called when the animation begins: the screen vector to travel, from
        wherever ``mobject`` is then.
    arrive
        Called right after ``way``: records where the mobject is going (a
        step, a cell), so that nothing changes until the animation plays.
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(self, mobject: Mobject, way: Callable[[], np.ndarray],
                 arrive: Callable[[], object] | None = None, **kwargs: object) -> None:
        self.way = way
        self.arrive = arrive
        super().__init__(mobject, np.zeros(3), **kwargs)

    def begin(self) -> None:
        """Take the way from where the mobject is now, then start."""
        self.vector = np.asarray(self.way(), dtype=float)
        if self.arrive is not None:
            self.arrive()
        super().begin()


class OnBegin(_Copyless):
    """An instant change made when the animation begins: ``action(*args)``.

    Put it before the animations that need the change in a list played
    together: manim begins them in order. Its placeholder mobject is taken
    out of the scene when it ends.
    """

    def __init__(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        self.action = action
        self.args = args
        super().__init__(Mobject(), remover=True, **kwargs)

    def begin(self) -> None:
        """Make the change."""
        self.action(*self.args)
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Nothing moves."""


class Deferred(_Copyless):
    """Animations built when this one begins, from the state the scene is in then.

    A builder that prepares its parts (scrolls a window, re-elides a vector)
    before it animates them does so only when the animation plays. The
    animations built must not introduce mobjects (their parts are in the
    scene already).

    Parameters
    ----------
    mobject
        The lowest (first in the scene) of the mobjects the built animations
        move: manim redraws it, and everything above it, on every frame.
    build
        Called when the animation begins; returns the animations to play
        (each eases by its own ``rate_func``).
    **kwargs
        ``run_time`` as for any animation.
    """

    def __init__(self, mobject: Mobject,
                 build: Callable[[], Sequence[Animation | None]], **kwargs: object) -> None:
        self.build = build
        self.inner: AnimationGroup | None = None
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Build the animations from the scene as it is now, and begin them."""
        animations = [a for a in self.build() if a is not None]
        self.inner = AnimationGroup(*animations) if animations else None
        if self.inner is not None:
            self.inner.begin()
        super().begin()

    def interpolate(self, alpha: float) -> None:
        """Hand the time on: each built animation eases by its own rate function."""
        if self.inner is not None:
            self.inner.interpolate(alpha)

    def clean_up_from_scene(self, scene: object) -> None:
        """Let the built animations clean up too."""
        if self.inner is not None:
            self.inner.clean_up_from_scene(scene)
        super().clean_up_from_scene(scene)


class MoveLines(_Copyless):
    """Move the ends of straight lines linearly to new positions.

    Parameters
    ----------
    lines
        The lines.
    starts, ends
        ``(n, 3)`` target start and end points, one row per line.
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(
        self,
        mobject: Mobject,
        lines: Sequence[Line],
        starts: np.ndarray,
        ends: np.ndarray,
        **kwargs: object,
    ) -> None:
        self.lines = list(lines)
        self.targets = (np.asarray(starts, dtype=float), np.asarray(ends, dtype=float))
        self._from: tuple[np.ndarray, np.ndarray] | None = None
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember where the lines start."""
        self._from = (
            np.array([line.get_start() for line in self.lines]),
            np.array([line.get_end() for line in self.lines]),
        )
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        """Move both ends of every line by the eased fraction of their way."""
        assert self._from is not None
        t = self.rate_func(alpha)
        starts = self._from[0] + t * (self.targets[0] - self._from[0])
        ends = self._from[1] + t * (self.targets[1] - self._from[1])
        for line, s, e in zip(self.lines, starts, ends):
            line.set_points_as_corners(np.array([s, e]))


def _base_alphas(mob: Mobject) -> list[tuple[Mobject, np.ndarray, np.ndarray]]:
    """The opacities ``mob`` was built with, cached on first use."""
    cached = getattr(mob, "_convmanim_base_alphas", None)
    if cached is None:
        cached = [
            (m, *get_alphas(m)[:2])
            for m in mob.family_members_with_points()
            if has_colours(m)
        ]
        mob._convmanim_base_alphas = cached  # type: ignore[attr-defined]
    return cached


def set_visibility(mob: Mobject, visibility: float) -> Mobject:
    """Scale ``mob``'s opacities (as built) by ``visibility`` in ``[0, 1]``.

    Unlike ``set_opacity`` it can be undone exactly: ``set_visibility(m, 1)``
    restores every fill and stroke opacity the mobject was built with.
    """
    for member, fill, stroke in _base_alphas(mob):
        set_alphas(member, fill * visibility, stroke * visibility)
    return mob


class Rearrange(_Copyless):
    """Move and fade many mobjects at once, without copying any of them.

    Parameters
    ----------
    mobject
        A group holding every moved mobject (it is what the scene redraws).
    moves
        ``(mobject, offset, start_visibility, end_visibility)`` for each
        mobject: it travels by ``offset`` while its visibility goes linearly
        (in eased time) from start to end.
    clip
        Rectangles ``(left, right, top, bottom)`` the ``clipped`` mobjects are
        shown in: one is drawn only while its whole box lies inside one of
        them (see :func:`clip_factor`), so that nothing that scrolls leaves
        its frame.
    clipped
        ``id(mobject) -> axes`` (``"xy"``, or ``"y"`` for a part as wide as
        the frame) of the moved mobjects to clip.
    margin
        Distance from an edge over which a clipped mobject fades out.
    **kwargs
        ``run_time``, ``rate_func``, ... as for any animation.
    """

    def __init__(
        self,
        mobject: Mobject,
        moves: Sequence[tuple[Mobject, np.ndarray, float, float]],
        *,
        clip: Sequence[Rect] = (),
        clipped: dict[int, str] | None = None,
        margin: float = 0.0,
        **kwargs: object,
    ) -> None:
        self.moves = [(m, np.asarray(v, dtype=float), a, b) for m, v, a, b in moves]
        self.clip = list(clip)
        self.clipped = dict(clipped or {})
        self.margin = margin
        self._start: list[list[tuple[Mobject, np.ndarray]]] = []
        self._boxes: list[tuple[np.ndarray, np.ndarray] | None] = []
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        """Remember every start point (and the start box of each clipped mobject)."""
        self._start = [
            [(m, m.points.copy()) for m in mob.family_members_with_points()]
            for mob, _, _, _ in self.moves
        ]
        self._boxes = []
        for (mob, *_), members in zip(self.moves, self._start):
            points = [start for _, start in members if len(start)]
            if self.clip and id(mob) in self.clipped and points:
                stacked = np.concatenate(points)
                self._boxes.append((stacked.min(axis=0), stacked.max(axis=0)))
            else:
                self._boxes.append(None)
        super().begin()
        self.interpolate_mobject(0.0)

    def interpolate_mobject(self, alpha: float) -> None:
        """Place and fade every mobject at the eased fraction of its way."""
        t = self.rate_func(alpha)
        for (mob, offset, v0, v1), members, box in zip(self.moves, self._start, self._boxes):
            for member, start in members:
                member.points = start + t * offset
            visibility = v0 + t * (v1 - v0)
            if box is not None:
                visibility *= clip_factor(box[0] + t * offset, box[1] + t * offset, self.clip,
                                          self.margin, self.clipped[id(mob)])
            if visibility != 1 or v0 != v1 or v0 < 1:
                set_visibility(mob, visibility)



class StepGlider:
    """Mixin for a window that lies over a grid at one conv step and glides between steps.

    The class sets ``plane`` (a :class:`~convmanim.mobjects.plane.PlaneMap`),
    ``direct`` (the :class:`~convmanim.geometry.DirectConv` whose windows it
    shows) and ``step``; it is a mobject (``shift`` moves it).
    """

    plane: Any
    direct: Any
    step: int

    def footprint(self, step: int | None = None) -> np.ndarray:
        """Screen corners of the window's bounding box at ``step`` (now by default).

        Returns
        -------
        numpy.ndarray
            ``(4, 3)``: top-left, top-right, bottom-right, bottom-left.
        """
        y0, x0 = self.direct.window_origin(self.step if step is None else step)
        eh, ew = self.direct.effective_kernel_size
        return self.plane.rect_corners(y0, x0, y0 + eh, x0 + ew)

    def offset_to(self, step: int) -> np.ndarray:
        """Screen vector from the current step's window to ``step``'s."""
        y0, x0 = self.direct.window_origin(self.step)
        y1, x1 = self.direct.window_origin(step)
        return self.plane.vector(y1 - y0, x1 - x0)

    def move_to_step(self, step: int) -> Any:
        """Jump to ``step`` at once; returns the window."""
        self.shift(self.offset_to(step))  # type: ignore[attr-defined]
        self.step = step
        return self

    def animate_to_step(self, step: int, **kwargs: object) -> Animation:
        """An animation gliding the window to ``step``.

        The window's :attr:`step` changes when the animation begins, from
        wherever the window is then: an animation built and not played
        changes nothing. Animations built beside it (connectors) aim at
        :meth:`footprint` of ``step``.
        """
        return Glide(self, lambda: self.offset_to(step),  # type: ignore[arg-type]
                     lambda: setattr(self, "step", step), **kwargs)
