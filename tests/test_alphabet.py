"""AlphabetScene: the matrix on screen is C (or Cᵀ), steps, elision, layout, batching."""

from __future__ import annotations

import re

import numpy as np
import pytest
from manim import config

from convmanim import AlphabetRelationshipScene, AlphabetScene, ConvSpec, ConvSpec1d
from convmanim.mobjects.matrix import plan_elision
from convmanim.render import play_scene, render_still
from tests import oracle
from tests.conftest import TINY

SPECS = [
    ConvSpec(5, 3, stride=2, padding=1),
    ConvSpec(5, 2, dilation=2),
    ConvSpec(7, 3, dilation=2, padding=1),
    ConvSpec((4, 6), (2, 3), stride=(1, 2), padding=(0, 1)),
]


def _id(spec) -> str:
    return spec.describe().replace(" ", "_")


def _oracle_matrix(spec: ConvSpec, kernel: np.ndarray) -> np.ndarray:
    """C built column by column from the explicit-loop conv2d of basis images."""
    ih, iw = spec.input_size
    cols = []
    for j in range(ih * iw):
        basis = np.zeros(ih * iw)
        basis[j] = 1.0
        out = oracle.conv2d(basis.reshape(ih, iw), kernel, spec.stride, spec.padding,
                            spec.dilation)
        cols.append(out.ravel())
    return np.stack(cols, axis=1)


def _shown_matrix(scene, kernel: np.ndarray) -> np.ndarray:
    """The matrix read off the scene: each entry label w_{ab} at its (row, col)."""
    matrix = scene.parts.matrix
    rows, cols = matrix.shape
    shown = np.zeros((rows, cols))
    for (r, c), label in matrix.entries_all.items():
        a, b = (int(x) for x in re.fullmatch(r"w_\{(\d+),?(\d+)\}", label.tex_string).groups())
        shown[r, c] = kernel[a, b]
    return shown


class Still(AlphabetScene):
    still_step = 0


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_the_matrix_on_screen_is_C(spec):
    kernel = np.arange(1, spec.kernel_size[0] * spec.kernel_size[1] + 1, dtype=float)
    kernel = kernel.reshape(spec.kernel_size) * 10
    scene = play_scene(type("S", (Still,), {"spec": spec}), TINY)
    expected = _oracle_matrix(spec, kernel)
    np.testing.assert_array_equal(_shown_matrix(scene, kernel), expected)
    # every label in the window sits in its own cell
    m = scene.parts.matrix
    for (r, c), label in m.entries_all.items():
        if m.in_window(r, c):
            np.testing.assert_allclose(label.get_center(), m.cell_center(r, c), atol=1e-6)


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_the_transposed_view_shows_C_transposed_itself(spec):
    kernel = np.arange(1, spec.kernel_size[0] * spec.kernel_size[1] + 1, dtype=float)
    kernel = kernel.reshape(spec.kernel_size) * 10
    scene = play_scene(type("S", (Still,), {"spec": spec.transposed()}), TINY)
    expected = _oracle_matrix(spec, kernel).T
    shown = _shown_matrix(scene, kernel)
    assert shown.shape == (spec.input_size[0] * spec.input_size[1],
                           spec.output_size[0] * spec.output_size[1])
    np.testing.assert_array_equal(shown, expected)


class Recorder(AlphabetScene):
    """Records, at every step, what is highlighted and where it is."""

    step_time = 0.3
    end_hold = 0.1

    def setup(self) -> None:
        self.records = []

    def wait(self, *args, **kwargs):
        if hasattr(self, "parts") and len(self.records) < self.spec.num_steps:
            v = self.parts
            step = len(self.records)
            self.records.append({
                "step": step,
                "band": v.row_band.get_center().copy(),
                "row": [(m.get_center().copy(), v.matrix.in_window(step, c))
                        for c, m in zip(np.nonzero(v.index[step] >= 0)[0],
                                        v.matrix.row_entries(step))],
                "vec_in": [(i, v.vec_in.entry_slot(i),
                            v.vec_in.get_cell(i).get_center().copy())
                           for i in v.focus_in(step)],
                "vec_out": (v.vec_out.entry_slot(step),
                            v.vec_out.get_cell(step).get_center().copy()),
                "caption": v.caption[0].tex_string,
                "marks": len(v.marks),
            })
        return super().wait(*args, **kwargs)


def _inside(point, margin=0.0) -> bool:
    return (abs(point[0]) <= config.frame_width / 2 - margin
            and abs(point[1]) <= config.frame_height / 2 - margin)


@pytest.mark.parametrize("quality", ["854x480@4", "1920x1080@4"])
@pytest.mark.parametrize("transposed", [False, True])
def test_i8_every_highlighted_entry_is_on_screen_at_every_step(quality, transposed):
    spec = ConvSpec(8, 3)
    spec = spec.transposed() if transposed else spec
    scene = play_scene(type("S", (Recorder,), {"spec": spec}), quality, draw=False)
    n = spec.num_steps
    assert scene.steps_played == list(range(n))
    assert [r["step"] for r in scene.records] == list(range(n))
    width, height = int(quality.split("x")[0]), int(quality.split("x")[1].split("@")[0])
    with __import__("manim").tempconfig({"frame_width": 8 * width / height}):
        for rec in scene.records:
            assert _inside(rec["band"])
            in_view = [in_window for _, in_window in rec["row"]]
            if height >= 1080:
                assert all(in_view), rec["step"]
            else:
                # labels stay >= 10 px: a row wider than the window shows its first
                # entries (the caption writes the whole row)
                assert in_view[0] and in_view == sorted(in_view, reverse=True), rec["step"]
            for center, in_window in rec["row"]:
                if in_window:
                    assert _inside(center, 0.1)
            for i, slot, center in rec["vec_in"]:
                assert slot is not None, (rec["step"], i)  # never elided
                assert _inside(center, 0.1)
            slot, center = rec["vec_out"]
            assert slot is not None
            assert _inside(center, 0.1)


def test_steps_and_captions_of_a_strided_conv():
    spec = ConvSpec(5, 3, stride=2, padding=1)
    scene = play_scene(type("S", (Recorder,), {"spec": spec}), TINY)
    assert scene.steps_played == list(range(9))
    # b_{01}: row 1 of C, the kernel at padded (0, 2): taps on a_{00} a_{01} a_{02}? no:
    # rows -1..1 and columns 1..3 of the input, of which row -1 is padding.
    assert scene.records[1]["caption"] == (
        "b_{01} = w_{10}a_{01} + w_{11}a_{02} + w_{12}a_{03} + w_{20}a_{11} + w_{21}a_{12} "
        "+ w_{22}a_{13}"
    )
    assert all(r["marks"] > 0 for r in scene.records)


def test_transposed_plays_one_step_per_output_cell():
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("S", (Recorder,), {"spec": spec}), TINY)
    assert scene.steps_played == list(range(25))
    assert scene.records[12]["caption"] == "c_{22} = w_{11}b_{11}"


def test_relationship_plays_both_and_transposes():
    class Rel(AlphabetRelationshipScene):
        spec = ConvSpec(5, 3, stride=2, padding=1)
        step_time = 0.2
        transpose_time = 1.2
        end_hold = 0.1

    scene = play_scene(Rel, TINY)
    assert scene.steps_played == list(range(9 + 25))
    conv, tconv = scene.parts
    kernel = np.arange(1, 10, dtype=float).reshape(3, 3)
    c = _oracle_matrix(ConvSpec(5, 3, stride=2, padding=1), kernel)
    np.testing.assert_array_equal(_shown_matrix(type("V", (), {"parts": conv}), kernel), c)
    np.testing.assert_array_equal(_shown_matrix(type("V", (), {"parts": tconv}), kernel), c.T)
    # after the transposition every entry of C stands where Cᵀ has it
    for (r, col), mob in conv.matrix.entries_all.items():
        if tconv.matrix.in_window(col, r, origin=tconv.matrix.window_for_row(0)):
            target = tconv.matrix.cell_center(col, r, tconv.matrix.window_for_row(0))
            assert tconv.matrix.entries_all[(col, r)].tex_string == mob.tex_string
            del target
    # frame-exact: the steps, the fade out (0.5 s), the journey (1.2 - 1 s), the fade in (1 s)
    assert Rel.planned_duration(6) == pytest.approx(scene.renderer.time)
    assert Rel.planned_duration(60) == pytest.approx(34 * 0.2 + 0.5 + 0.2 + 1.0 + 0.1)


@pytest.mark.parametrize("spec", [*SPECS, ConvSpec(8, 3), ConvSpec(8, 3).transposed(),
                                  *(s.transposed() for s in SPECS),
                                  ConvSpec1d(8, 3, dilation=2, padding="causal"),
                                  ConvSpec1d(16, 3, stride=2, padding=1).transposed()], ids=_id)
@pytest.mark.parametrize("quality", ["854x480", "1920x1080"])
def test_layout_stays_in_the_frame_without_overlaps(spec, quality):
    w, h = (int(x) for x in quality.split("x"))
    scene = play_scene(type("S", (Still,), {"spec": spec, "still_step": spec.num_steps // 2}),
                       quality)
    fw, fh = 8.0 * w / h, 8.0
    for mob in scene.mobjects:
        if not mob.family_members_with_points():
            continue
        assert mob.get_left()[0] >= -fw / 2 - 1e-6 and mob.get_right()[0] <= fw / 2 + 1e-6, mob
        assert mob.get_bottom()[1] >= -fh / 2 - 1e-6 and mob.get_top()[1] <= fh / 2 + 1e-6, mob
    v = scene.parts
    boxes = {
        "caption": v.caption,
        "matrix": v.matrix.grid,
        "vec_in": v.vec_in.shown,
        "vec_out": v.vec_out.shown,
        "in_grid": v.in_grid,
        "out_grid": v.out_grid,
    }

    def overlap(a, b) -> bool:
        return not (a.get_right()[0] <= b.get_left()[0] or b.get_right()[0] <= a.get_left()[0]
                    or a.get_top()[1] <= b.get_bottom()[1] or b.get_top()[1] <= a.get_bottom()[1])

    names = list(boxes)
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            assert not overlap(boxes[x], boxes[y]), (x, y)


def test_elision_plan():
    assert plan_elision(5, 9, [2]) == [0, 1, 2, 3, 4]
    plan = plan_elision(64, 13, [18, 19, 20, 26, 27, 28, 34, 35, 36])
    assert len(plan) <= 13
    assert {18, 19, 20, 26, 27, 28, 34, 35, 36} <= set(plan)
    assert plan.count(None) >= 2
    # a dots slot never stands for nothing: neighbours around None are not consecutive
    for k, item in enumerate(plan):
        if item is None and 0 < k < len(plan) - 1:
            assert plan[k + 1] - plan[k - 1] > 1
    full = plan_elision(25, 10, [0])
    assert full[0] == 0 and len(full) == 10 and full[-1] == 24


def test_labels_are_typeset_in_one_batch(tmp_path, monkeypatch):
    from convmanim import texrun

    runs = []
    real = texrun._start
    monkeypatch.setattr(texrun, "_start", lambda cmd, cwd: runs.append(cmd[0]) or real(cmd, cwd))
    monkeypatch.setenv("CONVMANIM_CACHE", str(tmp_path / "cold"))

    class S(AlphabetScene):
        spec = ConvSpec(6, 3, stride=2, padding=1)
        still_step = 3

    render_still(S, "x", quality="854x480", output_dir=tmp_path, echo=False)
    assert runs.count("latex") == 1  # about 60 distinct labels, one LaTeX run


def test_the_relationship_scene_names_its_grids_with_its_symbols():
    from convmanim import SpecError

    cls = type("R", (AlphabetRelationshipScene,), {"spec": ConvSpec(3, 2),
                                                   "symbols": ("x", "y", "z"), "still_step": 0})
    scene = play_scene(cls, "854x480@6", draw=False)
    conv, tconv = scene.parts
    tex = [cell[1].get_tex_string() for cell in conv.vec_in.cells + conv.vec_out.cells
           + tconv.vec_out.cells]
    assert tex[0] == "x_{00}" and "y_{00}" in tex and tex[-1] == "z_{22}"
    assert not any(t[0] in "abc" for t in tex)
    for bad in (("x", "y"), ("x", "y", "x"), ("x", "w", "z")):
        with pytest.raises(SpecError, match="symbols"):
            play_scene(type("R", (cls,), {"symbols": bad}), "854x480@6", draw=False)
