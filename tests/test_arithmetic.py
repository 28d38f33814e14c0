"""ArithmeticScene: step counts, kernel positions, layout, and the picture itself."""

from __future__ import annotations

import numpy as np
import pytest
from manim import config

from convmanim import ArithmeticScene, ConvSpec
from convmanim.render import play_scene, render_still
from tests import oracle
from tests.conftest import TINY

SPECS = [
    ConvSpec(5, 3, stride=2, padding=1),
    ConvSpec(4, 3),
    ConvSpec(6, 3, stride=2, padding=1),
    ConvSpec(7, 3, dilation=2),
    ConvSpec(5, 4, padding=2),
    ConvSpec((5, 7), (3, 2), stride=(2, 1), padding=(1, 0)),
    ConvSpec(8, 3, stride=3, padding=2),
    ConvSpec((6, 4), 2, stride=2),
]
ALL = SPECS + [s.transposed() for s in SPECS]


def _id(spec) -> str:
    return spec.describe().replace(" ", "_")


class _Recorder(ArithmeticScene):
    """Records, after each step, where the kernel's taps and the highlight are."""

    step_time = 0.5
    end_hold = 0.2

    def setup(self) -> None:
        self.snapshots = []

    def wait(self, *args, **kwargs):
        if hasattr(self, "parts") and len(self.snapshots) < self.spec.num_steps:
            k = self.parts.kernel
            taps = np.array([t.get_center() for t in k.taps])
            self.snapshots.append((taps, self.parts.highlight.shade.get_center()))
        return super().wait(*args, **kwargs)


@pytest.mark.parametrize("spec", ALL, ids=_id)
def test_plays_one_step_per_output_cell_at_the_oracle_positions(spec):
    scene = play_scene(type("S", (_Recorder,), {"spec": spec}), TINY)
    oh, ow = spec.output_size
    assert scene.steps_played == list(range(oh * ow))
    assert len(scene.snapshots) == oh * ow
    plane_in = scene.parts.kernel.plane
    plane_out = scene.parts.highlight.plane
    if spec.is_transposed:
        f = spec.forward
        _, _, taps_want = oracle.transposed_direct_windows(
            f.input_size, f.kernel_size, f.stride, f.padding, f.dilation
        )
    else:
        taps_want = oracle.windows(
            *spec.input_size, *spec.kernel_size, spec.stride, spec.padding, spec.dilation
        )
    assert len(taps_want) == oh * ow
    for e, (taps, hl) in enumerate(scene.snapshots):
        want = np.array([plane_in.cell_center(r, c) for r, c in taps_want[e].reshape(-1, 2)])
        np.testing.assert_allclose(taps, want, atol=1e-6)
        np.testing.assert_allclose(hl, plane_out.cell_center(e // ow, e % ow), atol=1e-6)


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_transposed_grid_is_the_stretched_padded_input(spec):
    t = spec.transposed()
    scene = play_scene(type("S", (ArithmeticScene,), {"spec": t, "still_step": 0}), TINY)
    grid = scene.parts.input_grid
    size, cells, _ = oracle.transposed_direct_windows(
        spec.input_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation
    )
    assert grid.grid_size == size
    assert sorted(zip(*(a.tolist() for a in np.nonzero(grid.mask)))) == sorted(cells)


def test_transposed_grid_with_output_padding():
    # i=6 k=3 s=2 p=1: i' = 3, stretched to 5, padded 1 before and 1 + a = 2 after
    t = ConvSpec(6, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("S", (ArithmeticScene,), {"spec": t, "still_step": 0}), TINY)
    assert scene.parts.input_grid.grid_size == (8, 8)


def test_transposed_kernel_weights_are_rotated():
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("S", (_Recorder,), {"spec": spec}), "1920x1080@4", draw=False)
    labels = [w.get_tex_string() for w in scene.parts.kernel.weights]
    assert labels[0] == "w_{22}"
    assert labels[-1] == "w_{00}"
    assert labels[2] == "w_{20}"


@pytest.mark.parametrize("show,quality,shown", [
    (None, "1920x1080@4", True), (None, "854x480@4", False), (True, "854x480@4", True),
])
def test_weights_are_shown_by_default_only_where_readable(show, quality, shown):
    spec = ConvSpec(6, 3, stride=2, padding=1).transposed()
    cls = type("S", (_Recorder,), {"spec": spec, "show_weights": show})
    scene = play_scene(cls, quality, draw=False)
    assert (len(scene.parts.kernel.weights) == 9) is shown


def test_planes_are_labelled_with_role_and_size():
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("S", (_Recorder,), {"spec": spec}), TINY)
    assert scene.parts.input_label.get_tex_string() == r"input $3\times 3$"
    assert scene.parts.output_label.get_tex_string() == r"output $5\times 5$"


@pytest.mark.parametrize("spec", ALL, ids=_id)
def test_everything_stays_inside_the_frame(spec):
    scene = play_scene(type("S", (ArithmeticScene,), {"spec": spec, "still_step": 0}), TINY)
    w, h = config.frame_width, config.frame_height
    for mob in scene.mobjects:
        assert mob.get_left()[0] >= -w / 2 - 1e-6, mob
        assert mob.get_right()[0] <= w / 2 + 1e-6, mob
        assert mob.get_bottom()[1] >= -h / 2 - 1e-6, mob
        assert mob.get_top()[1] <= h / 2 + 1e-6, mob
    p = scene.parts
    # the two plane labels never overlap the panel or each other
    for a, b in [(p.input_label, p.panel), (p.output_label, p.panel),
                 (p.input_label, p.output_label)]:
        assert a.get_right()[0] < b.get_left()[0] or a.get_bottom()[1] > b.get_top()[1] \
            or a.get_top()[1] < b.get_bottom()[1] or a.get_left()[0] > b.get_right()[0]


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def test_still_pixels_show_the_oracle_window(tmp_path):
    """At step 4 of i=5 k=3 s=2 p=1 the shaded input cells are exactly the oracle's."""
    spec = ConvSpec(5, 3, stride=2, padding=1)
    step = 4
    cls = type("S", (ArithmeticScene,), {"spec": spec, "still_step": step})
    path = render_still(cls, "still", quality="854x480", output_dir=tmp_path, echo=False)
    from PIL import Image

    img = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    scene = play_scene(cls, "854x480")
    plane = scene.parts.input_grid.plane
    h, w = img.shape[:2]

    def pixel(point):
        x = (point[0] / config.frame_width + 0.5) * w
        y = (0.5 - point[1] / config.frame_height) * h
        return img[round(y), round(x)]

    window = {tuple(t) for t in oracle.windows(5, 5, 3, 3, (2, 2), (1, 1), (1, 1))[step]
              .reshape(-1, 2)}
    blue = _rgb("#268BD2")
    shadow = blue * 0.6 + _rgb("#073642") * 0.4
    for r in range(7):
        for c in range(7):
            if not (1 <= r <= 5 and 1 <= c <= 5):
                continue  # padding: white (or shaded white)
            got = pixel(plane.cell_center(r, c) + plane.vector(0.2, 0.2))
            want = shadow if (r, c) in window else blue
            assert np.abs(got - want).max() < 12, ((r, c), got, want)


@pytest.mark.parametrize("intro_time", [1.0, 4.0, 6.5])
def test_the_intro_lasts_intro_time_even_when_short(intro_time):
    cls = type("Intro", (ArithmeticScene,), {"spec": ConvSpec(3, 2), "intro": True,
                                             "intro_time": intro_time})
    scene = play_scene(cls, TINY)
    assert scene.renderer.time == pytest.approx(cls.planned_duration(), abs=2 / 6)


def test_a_nonpositive_intro_time_is_one_line():
    from convmanim import SpecError

    cls = type("Intro", (ArithmeticScene,), {"spec": ConvSpec(3, 2), "intro": True,
                                             "intro_time": 0.0})
    with pytest.raises(SpecError, match=r"^Intro\.intro_time must be a number in \(0, 60\] "
                                        r"seconds, got 0\.0$"):
        play_scene(cls, TINY, draw=False)


def test_step_animations_change_nothing_until_they_play():
    spec = ConvSpec(4, 3, stride=1, padding=1)
    cls = type("S", (ArithmeticScene,), {"spec": spec, "still_step": 0})
    scene = play_scene(cls, TINY, draw=False)
    p = scene.parts
    points = p.kernel.get_all_points().copy()
    anims = scene.step_animations(5)  # built, not played
    assert p.kernel.step == 0 and p.highlight.cell == (0, 0)
    np.testing.assert_array_equal(p.kernel.get_all_points(), points)
    for anim in anims:
        anim.begin()
    assert p.kernel.step == 5 and p.highlight.cell == spec.step_cell(5)
    for anim in anims:
        anim.finish()
    np.testing.assert_allclose(p.kernel.footprint(), p.kernel.footprint(5))
    start, end = p.connectors.endpoints()
    np.testing.assert_allclose(start, p.kernel.footprint())
    np.testing.assert_allclose(end, p.highlight.corners())
    np.testing.assert_allclose(p.kernel.get_all_points(),
                               points + p.kernel.plane.vector(*spec.step_cell(5)))
