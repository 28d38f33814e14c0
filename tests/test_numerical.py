"""NumericalScene: the numbers it draws, when it draws them, and where."""

from __future__ import annotations

import re

import numpy as np
import pytest
from manim import MathTex, config

from convmanim import ConvSpec, NumericalScene, SpecError
from convmanim.labels import Label
from convmanim.render import play_scene
from tests import oracle
from tests.conftest import TINY

GATHER = [
    (ConvSpec(5, 3, stride=2, padding=1), "convolution"),
    (ConvSpec(7, 3, dilation=2), "convolution"),
    (ConvSpec((5, 7), (3, 2), stride=(2, 1), padding=(1, 0)), "convolution"),
    (ConvSpec(5, 3, stride=2, padding=1), "average"),
    (ConvSpec((6, 5), 2, stride=2), "average"),
    (ConvSpec(6, 2, stride=2), "max"),
    (ConvSpec(5, 3, stride=2, padding=1), "max"),
    (ConvSpec(7, 3, dilation=2, padding=1, stride=2), "max"),
]
SCATTER = [
    ConvSpec(5, 3, stride=2, padding=1).transposed(),
    ConvSpec(6, 3, stride=2, padding=1).transposed(),  # output padding a = 1
    ConvSpec(6, 3, stride=2).transposed(),  # a = 1 > p = 0: a row no window reaches
    ConvSpec(7, 3, dilation=2).transposed(),
    ConvSpec((5, 7), (3, 2), stride=(2, 1), padding=(1, 0)).transposed(),
]


def _id(case) -> str:
    spec, mode = case if isinstance(case, tuple) else (case, "")
    return f"{mode}-{spec.describe()}".replace(" ", "_")


def _scene(spec, mode="convolution", **attrs):
    return type("S", (NumericalScene,), {"spec": spec, "mode": mode, "step_time": 1.0,
                                         "end_hold": 0.2, **attrs})


def _visible(mob) -> bool:
    return max((m.get_fill_opacity() for m in mob.family_members_with_points()), default=0) > 0.5


def _numbers_in_cells(scene, plane, cells):
    """The visible number in each cell, read from the scene's typeset labels."""
    labels = [m for m in scene.get_mobject_family_members()
              if isinstance(m, (MathTex, Label)) and _visible(m)]
    found = {}
    for cell in cells:
        centre = plane.cell_center(*cell)
        near = [m for m in labels
                if np.linalg.norm(m.get_center() - centre) < 0.25 * plane.cell_size]
        assert len(near) <= 1, (cell, [m.get_tex_string() for m in near])
        found[cell] = near[0].get_tex_string() if near else None
    return found


def _check_number(text, want):
    assert text is not None
    if float(want).is_integer():
        assert text == str(int(want))
    else:
        assert re.fullmatch(r"-?\d+\.\d*[1-9]", text), text  # never looks like an integer
        assert abs(float(text) - want) <= 0.0005 + 1e-9, (text, want)


def _gather_oracle(spec, mode, x, w):
    if mode == "convolution":
        return oracle.conv2d(x, w, spec.stride, spec.padding, spec.dilation)
    return oracle.pool2d(x, spec.kernel_size, spec.stride, spec.padding, spec.dilation, mode)


def _scatter_oracle(spec, y, w, upto=None):
    """conv_transpose2d of the first ``upto + 1`` input cells (all by default)."""
    if upto is not None:
        y = np.where(np.arange(y.size).reshape(y.shape) <= upto, y, 0.0)
    f = spec.forward
    return oracle.conv_transpose2d(y, w, f.stride, f.padding, f.dilation, spec.output_padding)


def _output_cell_of_scatter(spec, r, c):
    """Where output cell (r, c) sits on the uncropped canvas: p cells in."""
    return (spec.padding[0] + r, spec.padding[1] + c)


# ------------------------------------------------------------ the numbers
@pytest.mark.parametrize("case", GATHER, ids=_id)
def test_gather_final_frame_shows_the_oracle_numbers(case):
    spec, mode = case
    cls = _scene(spec, mode)
    scene = play_scene(cls, TINY)
    oh, ow = spec.output_size
    assert scene.steps_played == list(range(oh * ow))
    x, w = cls.values()
    want = _gather_oracle(spec, mode, x, w)
    assert want.shape == (oh, ow)
    cells = [(r, c) for r in range(oh) for c in range(ow)]
    shown = _numbers_in_cells(scene, scene.parts.output_grid.plane, cells)
    for r, c in cells:
        _check_number(shown[(r, c)], want[r, c])


@pytest.mark.parametrize("spec", SCATTER, ids=_id)
def test_scatter_final_frame_shows_conv_transpose2d(spec):
    cls = _scene(spec)
    scene = play_scene(cls, TINY)
    ih, iw = spec.input_size
    assert scene.steps_played == list(range(ih * iw))
    y, w = cls.values()
    want = _scatter_oracle(spec, y, w)
    oh, ow = want.shape
    assert (oh, ow) == spec.output_size
    plane = scene.parts.output_grid.plane
    shown = _numbers_in_cells(
        scene, plane, [_output_cell_of_scatter(spec, r, c) for r in range(oh) for c in range(ow)]
    )
    for r in range(oh):
        for c in range(ow):
            _check_number(shown[_output_cell_of_scatter(spec, r, c)], want[r, c])


def test_user_values_with_negatives_and_fractions():
    spec = ConvSpec(4, 2, stride=2)
    x = np.array([[1, -2, 0.5, 3], [0, 1, 1, 1], [2, 2, -1, 0], [0, 4, 1, 1]])
    cls = _scene(spec, "average", input_values=x)
    scene = play_scene(cls, TINY)
    shown = _numbers_in_cells(scene, scene.parts.output_grid.plane,
                              [(r, c) for r in range(2) for c in range(2)])
    # (1 - 2 + 0 + 1)/4, (0.5 + 3 + 1 + 1)/4, (2 + 2 + 0 + 4)/4, (-1 + 0 + 1 + 1)/4
    assert shown == {(0, 0): "0", (0, 1): "1.375", (1, 0): "2", (1, 1): "0.25"}


# ------------------------------------------------------------ when numbers appear
@pytest.mark.parametrize("case", GATHER[:3] + GATHER[5:7], ids=_id)
def test_gather_still_leaves_later_output_cells_empty(case):
    spec, mode = case
    oh, ow = spec.output_size
    step = (oh * ow) // 2
    cls = _scene(spec, mode, still_step=step)
    scene = play_scene(cls, TINY)
    x, w = cls.values()
    want = _gather_oracle(spec, mode, x, w)
    cells = [(r, c) for r in range(oh) for c in range(ow)]
    shown = _numbers_in_cells(scene, scene.parts.output_grid.plane, cells)
    for e, (r, c) in enumerate(cells):
        if e <= step:
            _check_number(shown[(r, c)], want[r, c])
        else:
            assert shown[(r, c)] is None, (step, (r, c))


@pytest.mark.parametrize("spec", SCATTER[:2] + SCATTER[4:], ids=_id)
def test_scatter_still_shows_the_running_sums(spec):
    ih, iw = spec.input_size
    step = (ih * iw) // 2
    cls = _scene(spec, still_step=step)
    scene = play_scene(cls, TINY)
    y, w = cls.values()
    want = _scatter_oracle(spec, y, w, upto=step)
    oh, ow = want.shape
    shown = _numbers_in_cells(
        scene, scene.parts.output_grid.plane,
        [_output_cell_of_scatter(spec, r, c) for r in range(oh) for c in range(ow)],
    )
    for r in range(oh):
        for c in range(ow):
            _check_number(shown[_output_cell_of_scatter(spec, r, c)], want[r, c])


class _Watcher(NumericalScene):
    """Records, at every play and wait, which output numbers are on screen."""

    spec = ConvSpec(5, 3, stride=2, padding=1)
    step_time = 2.0
    end_hold = 0.2

    def setup(self) -> None:
        self.seen = []

    def _record(self) -> None:
        if hasattr(self, "parts") and hasattr(self, "steps_played"):
            on = sorted(e for e, m in self.parts.results.items()
                        if m in self.mobjects and _visible(m))
            self.seen.append((len(self.steps_played), on))

    def play(self, *args, **kwargs):
        self._record()
        return super().play(*args, **kwargs)

    def wait(self, *args, **kwargs):
        self._record()
        return super().wait(*args, **kwargs)


def test_each_output_appears_only_at_its_step_and_flies_in():
    scene = play_scene(_Watcher, TINY)
    # During step e (e steps played so far), before the flight, only 0..e-1 are shown;
    # the flight adds e, and the hold shows 0..e.
    by_step: dict[int, list[list[int]]] = {}
    for step, on in scene.seen:
        by_step.setdefault(step, []).append(on)
    for e in range(9):
        states = by_step[e]
        assert states[0] == list(range(e)), (e, states)  # the glide
        assert states[-1] == list(range(e + 1)), (e, states)  # the hold
        assert all(s in (list(range(e)), list(range(e + 1))) for s in states)


def test_frames_add_up_to_the_planned_duration():
    for cls in (_scene(ConvSpec(5, 3, stride=2, padding=1)), _scene(SCATTER[1])):
        scene = play_scene(cls, TINY)
        assert scene.renderer.time == pytest.approx(cls.planned_duration(), abs=1 / 6 + 1e-9)
    assert _scene(SCATTER[1]).num_steps() == 9  # i' = 3x3, while o' = 6x6
    assert _scene(SCATTER[1]).planned_duration() == pytest.approx(9 * 1.0 + 0.2)


# ------------------------------------------------------------ window, caption, cell agree
def _parse_caption(tex: str):
    """``(left-hand side, relation, result)``: the relation is ``=``, or ``≈`` when rounded."""
    at = max(tex.rfind("="), tex.rfind(r"\approx"))
    sign = r"\approx" if tex.startswith(r"\approx", at) else "="
    return tex[:at].strip(), sign, tex[at + len(sign):].strip()


@pytest.mark.parametrize("case", [GATHER[0], GATHER[2], GATHER[3], GATHER[6]], ids=_id)
def test_caption_window_and_highlight_agree_with_the_oracle(case):
    spec, mode = case
    oh, ow = spec.output_size
    step = min(4, oh * ow - 1)
    cls = _scene(spec, mode, still_step=step)
    scene = play_scene(cls, TINY)
    x, w = cls.values()
    taps = oracle.windows(*spec.input_size, *spec.kernel_size, spec.stride, spec.padding,
                          spec.dilation)[step]
    padded = np.pad(x, [(spec.padding[0],) * 2, (spec.padding[1],) * 2])
    inside = np.zeros(padded.shape, bool)
    inside[spec.padding[0]:spec.padding[0] + x.shape[0],
           spec.padding[1]:spec.padding[1] + x.shape[1]] = True
    vals = [padded[r, c] for r, c in taps.reshape(-1, 2)]
    real = [inside[r, c] for r, c in taps.reshape(-1, 2)]
    p = scene.parts
    # the window's taps lie on the oracle's cells
    plane = p.input_grid.plane
    got = np.array([t.get_center() for t in p.kernel.taps])
    want = np.array([plane.cell_center(r, c) for r, c in taps.reshape(-1, 2)])
    np.testing.assert_allclose(got, want, atol=1e-6)
    # the highlight is on the output cell of this step
    np.testing.assert_allclose(p.highlight.shade.get_center(),
                               p.output_grid.plane.cell_center(step // ow, step % ow), atol=1e-6)
    # the caption on screen is this step's, and its arithmetic is the window's
    captions = [c for c in p.captions.values() if c in scene.mobjects]
    assert len(captions) == 1
    lhs, sign, result = _parse_caption(captions[0].get_tex_string())
    expected = _gather_oracle(spec, mode, x, w)[step // ow, step % ow]
    _check_number(result, expected)
    # a rounded result is written with ≈, an exact one with =
    assert sign == ("=" if float(result) == expected else r"\approx"), (sign, result)
    if mode == "convolution":
        terms = [t.split(r"\cdot") for t in lhs.split(" + ")]
        assert [float(a.strip(" ()")) for a, _ in terms] == vals
        assert [float(b.strip(" ()")) for _, b in terms] == list(w.ravel())
        assert sum(float(a.strip(" ()")) * float(b.strip(" ()")) for a, b in terms) == expected
    elif mode == "average":
        body, count = lhs[1:].split(")/")
        assert int(count) == len(vals)
        assert [float(v) for v in body.split(" + ")] == vals
    else:
        items = lhs.removeprefix(r"\max(").removesuffix(")").split(", ")
        assert items == [str(int(v)) if r else r"-\infty" for v, r in zip(vals, real)]


def test_long_captions_are_elided():
    spec = ConvSpec(6, 4, stride=2)
    scene = play_scene(_scene(spec, still_step=0), TINY)
    lhs, _, _ = _parse_caption(scene.parts.captions[0].get_tex_string())
    assert r"\dots" in lhs
    assert len(lhs.split(" + ")) == 7  # 4 terms, the dots, 2 terms


@pytest.mark.parametrize("spec", [SCATTER[0], SCATTER[2], SCATTER[4]], ids=_id)
def test_scatter_canvas_window_and_caption_agree_with_the_oracle(spec):
    f = spec.forward
    ih, iw = spec.input_size
    oh, ow = spec.output_size
    windows = oracle.scatter_windows(spec.input_size, f.kernel_size, f.stride, f.dilation)
    reach = np.max([win.reshape(-1, 2).max(axis=0) for win in windows], axis=0) + 1
    canvas = tuple(int(max(reach[a], f.padding[a] + spec.output_size[a])) for a in range(2))
    step = (ih * iw) // 2
    cls = _scene(spec, still_step=step)
    scene = play_scene(cls, TINY)
    p = scene.parts
    # the canvas is the uncropped output; the output is the part p cells in, the rest dashed
    assert p.output_grid.grid_size == canvas
    kept = np.zeros(canvas, bool)
    kept[f.padding[0]:f.padding[0] + oh, f.padding[1]:f.padding[1] + ow] = True
    np.testing.assert_array_equal(p.output_grid.mask, kept)
    # the kernel sits on this input cell's window, weights not rotated
    plane = p.output_grid.plane
    got = np.array([t.get_center() for t in p.kernel.taps])
    want = np.array([plane.cell_center(r, c) for r, c in windows[step].reshape(-1, 2)])
    np.testing.assert_allclose(got, want, atol=1e-6)
    y, w = cls.values()
    # the weights in the window, unrotated; where they would be under 10 px (this tiny
    # render) the window has none, and the caption below writes them
    if p.kernel.weights:
        assert [m.get_tex_string() for m in p.kernel.weights] == [str(int(v)) for v in w.ravel()]
    # the highlight is on the scattered input cell
    np.testing.assert_allclose(p.highlight.shade.get_center(),
                               p.input_grid.plane.cell_center(step // iw, step % iw), atol=1e-6)
    # the caption reads y * w = products
    caption = p.captions[step]
    assert caption in scene.mobjects
    numbers = [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?", caption.get_tex_string())]
    k = w.size
    assert numbers[0] == y.flat[step]
    assert numbers[1:1 + k] == list(w.ravel())
    assert numbers[1 + k:] == list(y.flat[step] * w.ravel())


# ------------------------------------------------------------ layout
LAYOUT = [
    (ConvSpec(10, 3, padding=2), "convolution"),
    (ConvSpec((10, 6), 3, padding=2), "convolution"),
    (ConvSpec((6, 10), (3, 4), padding=(1, 2)), "average"),
    (ConvSpec(10, 4, stride=2, padding=2), "max"),
    (ConvSpec(1, 1), "convolution"),
    (ConvSpec(10, 3, padding=2).transposed(), "convolution"),
    (ConvSpec(5, 3, stride=2, padding=1).transposed(), "convolution"),
]


def _box(m):
    return m.get_left()[0], m.get_right()[0], m.get_bottom()[1], m.get_top()[1]


def _apart(a, b):
    al, ar, ab, at = _box(a)
    bl, br, bb, bt = _box(b)
    return ar <= bl or br <= al or at <= bb or bt <= ab


@pytest.mark.parametrize("case", LAYOUT, ids=_id)
def test_layout_fits_the_frame_and_nothing_overlaps(case):
    spec, mode = case
    n = _scene(spec, mode).num_steps()
    cls = _scene(spec, mode, still_step=n // 2)
    # A 14-row scatter canvas (the i'=12 transposed conv) is checked at 720p:
    # at 480p its numbers are 7.4 px high, too small to read.
    lines = 720 if max(spec.input_size) > 10 else 480
    scene = play_scene(cls, f"{lines * 16 // 9}x{lines}@6")
    w, h = config.frame_width, config.frame_height
    for mob in scene.get_mobject_family_members():
        if len(mob.points) == 0:
            continue
        left, right, bottom, top = _box(mob)
        assert left >= -w / 2 - 1e-6 and right <= w / 2 + 1e-6, mob
        assert bottom >= -h / 2 - 1e-6 and top <= h / 2 + 1e-6, mob
    p = scene.parts
    caption = p.captions[n // 2]
    blocks = [p.header, p.input_label, p.output_label, p.input_grid, p.output_grid, caption]
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            assert _apart(a, b), (a, b)
    # readable: numbers at least 9 pixels high, the caption at least 12
    px = lines / h
    for label in p.input_grid.get_labels():
        if label.get_tex_string() != r"-\infty":
            assert label.height * px >= 9, label.get_tex_string()
    assert caption.height * px >= 12


# ------------------------------------------------------------ values and errors
def test_default_values_are_seeded_integers():
    spec = ConvSpec(6, 3)
    x, w = _scene(spec, seed=7).values()
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(x, rng.integers(0, 4, size=(6, 6)))
    np.testing.assert_array_equal(w, rng.integers(0, 3, size=(3, 3)))
    assert x.min() >= 0 and x.max() <= 3 and w.min() >= 0 and w.max() <= 2
    x0, _ = _scene(spec, seed=0).values()
    assert not np.array_equal(x0, x)
    # pooling with the same seed shows the same input
    np.testing.assert_array_equal(_scene(spec, "max", seed=7).values()[0], x)


def test_given_values_are_checked():
    spec = ConvSpec(5, 3)
    with pytest.raises(SpecError, match=r"^input_values must be 5×5, got 3×3$"):
        _scene(spec, input_values=np.ones((3, 3))).values()
    with pytest.raises(SpecError, match=r"^kernel_values must be 3×3, got 2×2$"):
        _scene(spec, kernel_values=np.ones((2, 2))).values()
    with pytest.raises(SpecError, match="finite"):
        _scene(spec, input_values=np.full((5, 5), np.nan)).values()
    t = ConvSpec(5, 3, stride=2, padding=1).transposed()
    with pytest.raises(SpecError, match=r"^input_values must be 3×3 \(the transposed conv's"):
        _scene(t, input_values=np.ones((5, 5))).values()


@pytest.mark.parametrize("spec,mode,message", [
    (ConvSpec(5, 3, padding=2), "max", "padding 2 must be at most half the pooling window 3"),
    (ConvSpec(5, 3, padding=2), "average", "padding 2 must be at most half"),
    (ConvSpec(1, 2, padding=1, dilation=2), "max", "the window of step 0 covers only padding"),
    (ConvSpec(5, 3).transposed(), "max", "a transposed conv has no max mode"),
    (ConvSpec(5, 3), "mean", "mode must be convolution, average or max"),
])
def test_invalid_modes_raise_spec_error(spec, mode, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        play_scene(_scene(spec, mode, still_step=0), TINY)


def test_average_pooling_may_cover_only_padding():
    # the window that max pooling rejects above is fine for an average: (0 + 0)/4
    scene = play_scene(_scene(ConvSpec(1, 2, padding=1, dilation=2), "average"), TINY)
    shown = _numbers_in_cells(scene, scene.parts.output_grid.plane, [(0, 0)])
    assert shown == {(0, 0): "0"}


def test_still_step_is_checked_against_the_scatter_steps():
    t = ConvSpec(5, 3, padding=2).transposed()  # i' = 7x7 = 49 steps, o' = 5x5
    scene = play_scene(_scene(t, still_step=40), TINY)
    assert scene.parts.kernel.step == 40
    with pytest.raises(SpecError, match=r"step must be in 0\.\.48"):
        play_scene(_scene(t, still_step=49), TINY)
