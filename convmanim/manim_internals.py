"""The manim internals convmanim touches: listed here, used from here only.

Everywhere else convmanim extends manim through its public surface:
subclasses of ``SceneFileWriter`` and ``CairoRenderer`` (:mod:`convmanim.writer`),
documented functions of ``manim.utils.tex_file_writing``, ``SVGMobject`` and
the public ``Scene`` and ``Animation`` methods. What remains is below, each
with the reason no public way serves. ``tests/test_manim_internals.py`` runs
:data:`INTERNALS` and fails naming the internal that changed.

=========================================  ==========================================
internal                                   why
=========================================  ==========================================
``VMobject.fill_rgbas``                    Fades of many labels set opacities every
``VMobject.stroke_rgbas``                  frame. ``set_fill``/``set_stroke`` with an
``VMobject.background_stroke_rgbas``       opacity cost about 100 µs per mobject (they
                                           parse colours); writing the alpha column
                                           costs under 1 µs. Copies of the arrays give
                                           a look-alike without ``copy()`` (a deep copy
                                           of every attribute).
=========================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import Mobject, VMobject

__all__ = ["INTERNALS", "copy_colours", "get_alphas", "has_colours", "set_alphas"]

_ARRAYS = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


def has_colours(mob: Mobject) -> bool:
    """Whether ``mob`` keeps fill and stroke colours (a VMobject)."""
    return isinstance(mob, VMobject)


def get_alphas(mob: VMobject) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies of the fill, stroke and background-stroke opacities (one per colour stop)."""
    return tuple(getattr(mob, name)[:, 3].copy() for name in _ARRAYS)  # type: ignore[return-value]


def set_alphas(
    mob: VMobject,
    fill: np.ndarray | float,
    stroke: np.ndarray | float,
    background: np.ndarray | float | None = None,
) -> None:
    """Set the opacities of ``mob``'s own colours (not its submobjects'), in place.

    Parameters
    ----------
    mob
        The mobject.
    fill, stroke, background
        Opacities, one per colour stop or one for all (``background``:
        ``None`` leaves the background stroke as it is).
    """
    mob.fill_rgbas[:, 3] = fill
    mob.stroke_rgbas[:, 3] = stroke
    if background is not None:
        mob.background_stroke_rgbas[:, 3] = background


def copy_colours(source: VMobject, target: VMobject) -> None:
    """Give ``target`` copies of ``source``'s fill, stroke and background-stroke colours."""
    for name in _ARRAYS:
        setattr(target, name, getattr(source, name).copy())


# ------------------------------------------------------------------ checks
def _check_arrays() -> None:
    from manim import RED, Square

    square = Square(fill_color=RED, fill_opacity=0.5, stroke_opacity=0.75)
    square.set_stroke(opacity=0.25, background=True)
    for name in _ARRAYS:
        value = getattr(square, name, None)
        assert isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 4, (
            f"{name} is no longer an (n, 4) array of RGBA rows"
        )
    fill, stroke, background = get_alphas(square)
    assert (fill[0], stroke[0], background[0]) == (0.5, 0.75, 0.25), (
        "the alpha columns no longer hold the opacities set_fill/set_stroke set"
    )
    set_alphas(square, 0.1, 0.2, 0.3)
    assert square.get_fill_opacity() == 0.1, "fill_rgbas is no longer what get_fill_opacity reads"
    assert square.get_stroke_opacity() == 0.2, (
        "stroke_rgbas is no longer what get_stroke_opacity reads"
    )
    assert square.get_stroke_opacity(background=True) == 0.3, (
        "background_stroke_rgbas is no longer what get_stroke_opacity(background=True) reads"
    )
    target = VMobject()
    copy_colours(square, target)
    assert target.get_fill_color() == square.get_fill_color()
    assert target.get_fill_opacity() == 0.1 and target.get_stroke_opacity() == 0.2, (
        "copied colour arrays are not what a VMobject draws with"
    )


INTERNALS: dict[str, Callable[[], None]] = {
    "VMobject.fill_rgbas, stroke_rgbas, background_stroke_rgbas": _check_arrays,
}
"""Each internal this module uses, and a check that raises ``AssertionError`` if it changed."""
