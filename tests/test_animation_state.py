"""Animations change the scene when they play (``begin``), never when they are built.

Each mode's step animations are built, and not played: every mobject the scene
holds keeps its points, opacities and parts, and the scene its bookkeeping.
Then they are played, and the step is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from manim import Mobject

from convmanim import (
    AlphabetRelationshipScene,
    AlphabetScene,
    ArithmeticScene,
    ConvSpec,
    DepthwiseSeparableScene,
    NumericalScene,
)
from convmanim.render import play_scene


def _mobjects(value: Any, depth: int = 0) -> list[Mobject]:
    """Every mobject reachable from ``value`` (a scene's parts) through fields and lists."""
    if isinstance(value, Mobject):
        return value.get_family()
    if depth > 3 or isinstance(value, (str, bytes, np.ndarray)):
        return []
    if isinstance(value, dict):
        return [m for v in value.values() for m in _mobjects(v, depth + 1)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _mobjects(v, depth + 1)]
    if hasattr(value, "__dict__"):
        return [m for v in vars(value).values() for m in _mobjects(v, depth + 1)]
    return []


def _snapshot(scene: Any) -> dict[str, Any]:
    mobs = {id(m): m for m in [*_mobjects(scene.parts), *scene.get_mobject_family_members()]}
    state = {
        "mobjects": [id(m) for m in scene.mobjects],
        "points": {k: m.points.tobytes() for k, m in mobs.items()},
        "parts": {k: tuple(id(s) for s in m.submobjects) for k, m in mobs.items()},
        "opacity": {k: (m.get_fill_opacity(), m.get_stroke_opacity()) for k, m in mobs.items()
                    if hasattr(m, "get_fill_opacity") and len(m.points)},
        # where windows, highlights, matrices and vectors think they are
        "places": {k: repr([getattr(m, a, None) for a in ("step", "cell", "origin", "layout")])
                   for k, m in mobs.items()},
    }
    for owner in (scene, *(p for p in np.atleast_1d(np.array(scene.parts, dtype=object)))):
        for name, value in vars(owner).items():
            if isinstance(value, (int, tuple, type(None))) or (
                    isinstance(value, (list, dict)) and name.startswith("_")):
                state[f"{type(owner).__name__}.{name}"] = repr(value)
    return state


def _scene(base: type, step: int, **attrs: Any) -> Any:
    cls = type(base.__name__, (base,), {"still_step": step, **attrs})
    return play_scene(cls, "854x480@6", draw=False)


CASES = [
    (ArithmeticScene, {"spec": ConvSpec(4, 3, padding=1)}, 2),
    (ArithmeticScene, {"spec": ConvSpec(4, 3, in_channels=2, out_channels=2)}, 1),
    # the first pointwise step: the depthwise windows fade out, the pointwise ones in
    (DepthwiseSeparableScene, {"spec": ConvSpec(4, 3, in_channels=2, out_channels=3)}, 4),
    (NumericalScene, {"spec": ConvSpec(4, 2, stride=2)}, 1),
    (NumericalScene, {"spec": ConvSpec(3, 2).transposed()}, 1),
    (NumericalScene, {"spec": ConvSpec(4, 3, in_channels=2, out_channels=2)}, 3),
    (AlphabetScene, {"spec": ConvSpec(6, 3, stride=1)}, 5),
    (AlphabetScene, {"spec": ConvSpec(4, 3, in_channels=2, out_channels=2)}, 3),
]


@pytest.mark.parametrize(("base", "attrs", "step"), CASES,
                         ids=["arithmetic", "arithmetic-channels", "separable-phase",
                              "numerical",
                              "numerical-scatter", "numerical-channels", "alphabet",
                              "alphabet-channels"])
def test_step_animations_change_nothing_until_they_play(base, attrs, step):
    scene = _scene(base, step - 1, **attrs)
    before = _snapshot(scene)
    built = scene.step_animations(step)
    assert built
    after = _snapshot(scene)
    for key in before:
        assert after[key] == before[key], f"building the glide to step {step} changed {key}"
    scene.play(*built, run_time=0.5)  # and played, they move
    assert _snapshot(scene)["points"] != before["points"]


@pytest.mark.parametrize("spec", [ConvSpec(4, 2, stride=2), ConvSpec(3, 2).transposed()],
                         ids=["gather", "scatter"])
def test_numerical_flights_change_nothing_until_they_play(spec):
    cls = type("N", (NumericalScene,), {"spec": spec, "step_time": 0.5, "end_hold": 0.2})
    scene = play_scene(cls, "160x90@6", draw=False)  # played through: flights exist
    before = _snapshot(scene)
    if spec.is_transposed:
        scene._scatter_merge(1)
    else:
        scene._result_flight(1)
    assert _snapshot(scene) == before


def test_relationship_views_change_nothing_until_they_play():
    scene = _scene(AlphabetRelationshipScene, 1, spec=ConvSpec(4, 3))
    conv = scene.parts[0]
    before = (conv.step, conv.matrix.origin, list(conv.vec_in.layout), conv.kernel.step)
    conv.step_animations(2)
    assert (conv.step, conv.matrix.origin, list(conv.vec_in.layout), conv.kernel.step) == before
