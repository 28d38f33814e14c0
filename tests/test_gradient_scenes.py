"""The gradient scenes: what they show at the last step of each part, read back from
their mobjects, equals the geometry core and torch autograd; the command line and the
lecture keys."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import AlphabetGradientScene, ConvSpec, NumericalGradientScene
from convmanim.cli import main
from convmanim.gradient import input_gradient, weight_gradient, weight_uses
from convmanim.lecture import LectureError, parse_lecture
from convmanim.render import play_scene
from tests import oracle
from tests.conftest import TINY

SPECS = [ConvSpec(4, 3), ConvSpec(5, 3, stride=2, padding=1),
         ConvSpec((4, 5), (2, 3), stride=(2, 1), dilation=(1, 2))]


def _id(spec: ConvSpec) -> str:
    return spec.describe().replace(" ", "_")


def _values(spec: ConvSpec):
    rng = np.random.default_rng(spec.input_size[1] * 7 + spec.stride[0])
    x = rng.integers(-3, 4, spec.input_size).astype(float)
    w = rng.integers(-2, 3, spec.kernel_size).astype(float)
    dy = rng.integers(-2, 3, spec.output_size).astype(float)
    return x, w, dy


def _truth(spec: ConvSpec, x, w, dy):
    """(y, dx, dw): torch autograd when installed, else the chain-rule loop oracle."""
    try:
        import torch
    except ImportError:
        y = oracle.conv2d(x, w, spec.stride, spec.padding, spec.dilation)
        dx, dw, _ = oracle.conv2d_backward(x[None], w[None, None], dy[None], spec.stride,
                                           spec.padding, spec.dilation, 1)
        return y, dx[0], dw[0, 0]
    tx = torch.tensor(x[None, None], requires_grad=True)
    tw = torch.tensor(w[None, None], requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, stride=spec.stride, padding=spec.padding,
                                    dilation=spec.dilation)
    ty.backward(torch.tensor(dy[None, None]))
    return ty.detach().numpy()[0, 0], tx.grad.numpy()[0, 0], tw.grad.numpy()[0, 0]


# ------------------------------------------------------------------ alphabet
_SYMBOL = re.compile(r"(\\bar\{(\w)\}|\w)_\{(\d+),?(\d+)\}")


def _value(tex: str, values: dict[str, np.ndarray]) -> float:
    """A product such as ``w_{01}\\bar{b}_{10}`` with the letters' values put in."""
    out = 1.0
    for whole, barred, r, c in _SYMBOL.findall(tex):
        letter = f"~{barred}" if barred else whole
        out *= values[letter][int(r), int(c)]
    return out


def _matrix(view, values, key: str) -> np.ndarray:
    """The matrix on screen, each entry's label replaced by its value."""
    shown = np.zeros(view.matrix.shape)
    for (r, c), label in view.matrix.entries_all.items():
        shown[r, c] = _value(label.tex_string, {key: values[key]})
    return shown


def _caption_value(caption: str, values) -> float:
    """The right-hand side of a dot product such as ``b_{00} = w_{00}a_{00} + ⋯``."""
    rhs = caption.split("=", 1)[1]
    return sum(_value(term, values) for term in rhs.split("+"))


class _Gradient(AlphabetGradientScene):
    step_time = 0.1
    transpose_time = 1.1
    fade_time = 0.2
    end_hold = 0.1

    def setup(self) -> None:
        self.last_captions: dict[int, str] = {}

    def step_done(self, step: int) -> None:
        view = getattr(self, "_view", None)
        if view is not None and len(view.caption):
            self.last_captions[step] = view.caption[0].tex_string


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_alphabet_parts_show_what_autograd_computes(spec):
    x, w, dy = _values(spec)
    y, dx, dw = _truth(spec, x, w, dy)
    scene = play_scene(type("S", (_Gradient,), {"spec": spec}), "854x480@2", draw=False)
    n1, n2, n3, n4 = scene.part_steps()
    assert scene.steps_played == list(range(n1 + n2 + n3 + n4))
    conv, tconv, wview = scene.parts
    values = {"a": x, "w": w, "~b": dy}
    # part 1: C on screen times vec(a) is y; the last row's dot product is its last value
    np.testing.assert_allclose(_matrix(conv, values, "w") @ x.ravel(), y.ravel())
    assert _caption_value(scene.last_captions[n1 - 1], values) == pytest.approx(y.flat[-1])
    # part 2: the output's labels are now the gradient's
    assert [cell[1].tex_string for cell in conv.vec_out.cells] == [
        rf"\bar{{b}}_{{{r}{c}}}" for r, c in np.ndindex(*spec.output_size)]
    # part 3: Cᵀ on screen times the gradient is ∂L/∂a; so is the last row's dot product
    np.testing.assert_allclose(_matrix(tconv, values, "w") @ dy.ravel(), dx.ravel())
    np.testing.assert_allclose(input_gradient(spec, w, dy), dx)
    last = n1 + n2 + n3 - 1
    assert scene.last_captions[last].startswith(r"\bar{a}_{" + "".join(
        str(v - 1) for v in spec.input_size) + "}")
    assert _caption_value(scene.last_captions[last], values) == pytest.approx(dx.flat[-1])
    # part 4: G on screen holds ∂L/∂b where each weight met the input: G·vec(a) is ∂L/∂w
    np.testing.assert_allclose(_matrix(wview, values, "~b") @ x.ravel(), dw.ravel())
    np.testing.assert_allclose(weight_gradient(spec, x, dy), dw)
    assert _caption_value(scene.last_captions[n1 + n2 + n3 + n4 - 1], values) == \
        pytest.approx(dw.flat[-1])


def test_alphabet_weight_step_highlights_the_inputs_the_weight_met():
    """Mid part 4: the window's cells are the grid cells weight (i, j) read, each
    carrying the gradient of the output it gave, and the outlined inputs are its real ones."""
    spec = ConvSpec(5, 3, stride=2, padding=1)
    n1, n2, n3, _ = AlphabetGradientScene.part_steps.__func__(
        type("S", (AlphabetGradientScene,), {"spec": spec}))
    step = 4  # weight (1, 1)
    scene = play_scene(type("S", (AlphabetGradientScene,), {
        "spec": spec, "still_step": n1 + n2 + n3 + step}), "1920x1080@2", draw=False)
    wview = scene.parts[2]
    uses = weight_uses(spec, step)
    plane = wview.in_grid.plane
    for tap, (_, grid, _) in zip(wview.kernel.taps, uses):
        np.testing.assert_allclose(tap.get_center(), plane.cell_center(*grid), atol=1e-6)
    assert [w.get_tex_string() for w in wview.kernel.weights] == [
        rf"\bar{{b}}_{{{r}{c}}}" for (r, c), _, _ in uses]
    assert wview.touched_cells(step) == [g for _, g, cell in uses if cell is not None]
    assert wview.caption[0].tex_string.startswith(r"\bar{w}_{11} = \bar{b}_{00}a_{00}")


@pytest.mark.parametrize("base", [AlphabetGradientScene, NumericalGradientScene])
def test_python_gradient_scenes_refuse_in_one_line(base):
    from convmanim import SpecError

    for attrs, message in (
        ({"spec": ConvSpec(4, 3, in_channels=2)}, "draws one channel"),
        ({"spec": ConvSpec(4, 3).transposed()}, "give the forward ConvSpec"),
        ({"part_hold": -1.0}, r"S\.part_hold must be a number in \[0, 60\] seconds, got -1\.0"),
        ({"fade_time": float("nan")}, r"S\.fade_time must be a number in \(0, 60\]"),
    ):
        with pytest.raises(SpecError, match=message):
            type("S", (base,), attrs).check_attributes()
    if base is NumericalGradientScene:
        with pytest.raises(SpecError, match=r"grad_values must be 2×2 \(the conv's output "
                                            r"size\), got 3×3"):
            type("S", (base,), {"grad_values": np.ones((3, 3))}).check_attributes()


# ----------------------------------------------------------------- numerical
def _number(mob) -> float:
    return float(mob.get_tex_string().replace("−", "-"))


class _Numbers(NumericalGradientScene):
    step_time = 0.2
    part_hold = 0.1
    end_hold = 0.1

    def setup(self) -> None:
        self.screens: list[dict] = []

    def _screen(self) -> None:
        """The numbers of the output grid on screen now."""
        if self.spec.is_transposed:
            self.screens.append({k: _number(m) for k, m in self._shown.items()
                                 if m in self.mobjects})
        else:
            self.screens.append({self.spec.step_cell(e): _number(m)
                                 for e, m in self.parts.results.items() if m in self.mobjects})

    def play_arrival(self, scene_cls, step):
        self._screen()
        super().play_arrival(scene_cls, step)

    def _change_stage(self, stage, fade):
        self._screen()
        super()._change_stage(stage, fade)


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_numerical_parts_show_what_autograd_computes(spec):
    x, w, dy = _values(spec)
    y, dx, dw = _truth(spec, x, w, dy)
    cls = type("S", (_Numbers,), {"spec": spec, "input_values": x, "kernel_values": w,
                                  "grad_values": dy})
    scene = play_scene(cls, TINY, draw=False)
    n = sum(cls.part_steps())
    assert scene.steps_played == list(range(n))
    after_forward, after_arrival, after_scatter = scene.screens
    weights = scene.stage_parts[-1]
    # part 1: the last step's output grid is y
    np.testing.assert_allclose([after_forward[spec.step_cell(e)]
                                for e in range(spec.num_outputs)], y.ravel())
    # part 2: the output grid then holds ∂L/∂y
    np.testing.assert_allclose([after_arrival[spec.step_cell(e)]
                                for e in range(spec.num_outputs)], dy.ravel())
    # part 3: the output cells of the canvas hold ∂L/∂x (and nothing else is kept)
    assert sorted(after_scatter) == [(0, r, c) for r, c in np.ndindex(*spec.input_size)]
    np.testing.assert_allclose([after_scatter[(0, r, c)] for r, c in np.ndindex(*dx.shape)],
                               dx.ravel())
    # part 4: the weight gradient's output grid is ∂L/∂w
    shown_dw = [_number(weights.results[e]) for e in range(dw.size)]
    np.testing.assert_allclose(shown_dw, dw.ravel())


def test_numerical_weight_step_window_lies_on_the_inputs_the_weight_met():
    spec = ConvSpec(5, 3, stride=2, padding=1)
    n1, n2, n3, _ = NumericalGradientScene.part_steps.__func__(
        type("S", (NumericalGradientScene,), {"spec": spec}))
    cls = type("S", (NumericalGradientScene,), {"spec": spec, "still_step": n1 + n2 + n3 + 5})
    scene = play_scene(cls, "854x480@2", draw=False)
    parts = scene.stage_parts[-1]
    plane = parts.input_grid.plane
    uses = weight_uses(spec, 5)  # weight (1, 2)
    for tap, (_, grid, _) in zip(parts.kernel.taps, uses):
        np.testing.assert_allclose(tap.get_center(), plane.cell_center(*grid), atol=1e-6)
    dy = cls.numbers()["dy"]
    assert [float(m.get_tex_string().replace("−", "-")) for m in parts.kernel.weights] == [
        dy[out] for out, _, _ in uses]


@pytest.mark.parametrize("base", [NumericalGradientScene, AlphabetGradientScene])
def test_stepwise_plays_every_step_with_no_motion(base):
    cls = type("S", (base,), {"spec": ConvSpec(3, 2), "smooth": False, "step_time": 0.5,
                              "end_hold": 0.5})
    scene = play_scene(cls, TINY, draw=False)
    assert scene.steps_played == list(range(cls.num_steps()))


def test_numerical_frames_add_up_to_the_planned_duration(tmp_path):
    spec = ConvSpec(3, 2)
    cls = type("S", (NumericalGradientScene,), {"spec": spec, "step_time": 0.5,
                                                 "part_hold": 0.5, "end_hold": 0.5})
    scene = play_scene(cls, TINY, draw=False)
    assert scene.renderer.time == pytest.approx(cls.planned_duration(), abs=6 / 6)
    assert cls.planned_duration(6) == pytest.approx((4 + 1 + 4 + 4) * 0.5 + 2 * 0.5 + 4 * 0.5
                                                    + 0.5)


# --------------------------------------------------------------- command line
@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(line: str):
        result = CliRunner().invoke(main, shlex.split(line), prog_name="convmanim")
        return result, sorted(p.name for p in tmp_path.rglob("*") if p.is_file())

    return invoke


@pytest.mark.parametrize("line,message", [
    ('numerical -i 4 -k 3 --gradient --grad-values "1 0 1; 0 -1 1" g',
     "--grad-values must be 2×2 (one number per output cell), got 2×3"),
    ('numerical -i 4 -k 3 --grad-values "1 0; 0 1" g', "--grad-values is the upstream gradient"),
    ("numerical -i 4 -k 3 -t --gradient g", "drop -t"),
    ("numerical -i 4 -k 3 -m max --gradient g", "drop -m max"),
    ('numerical -i 4 -k 3 --gradient --bias-values "1" g', "drop --bias-values"),
    ("alphabet -i 4 -k 3 --gradient --relationship g", "pick one"),
    ("alphabet -i 4 -k 3 --gradient --in-channels 2 g", "draws one channel"),
    ("numerical --1d -i 8 -k 3 --gradient g", "draws a 2-D conv"),
    ("alphabet -i 4 -k 3 --gradient --intro g", "drop --intro"),
    ("numerical -i 5 -k 3 -s 2 --gradient --overlap g", "--gradient is a scene of its own"),
    ("alphabet -i 4 -k 3 --gradient -e 30 g", "step must be in 0..29 (30 steps), got 30"),
])
def test_cli_gradient_errors_are_one_line(run, line, message):
    result, files = run(line)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1
    assert files == []


def test_cli_gradient_stills(run):
    result, files = run('numerical -i 3 -k 2 --gradient --grad-values "1 -1; 2 0" -e 4 '
                        "-q 854x480 n")  # the arrival
    assert result.exit_code == 0, result.output
    result, files = run("alphabet -i 3 -k 2 --gradient -e 4 -q 854x480 a")
    assert result.exit_code == 0, result.output
    assert files == ["a.png", "n.png"]


# ------------------------------------------------------------------ lecture
def test_lecture_gradient_keys(tmp_path):
    data = {"lecture": {"title": "L"}, "part": [
        {"title": "A", "mode": "alphabet", "input_size": 4, "gradient": True},
        {"title": "N", "mode": "numerical", "input_size": 4, "gradient": True,
         "grad_values": "1 0; 0 -1"},
    ]}
    a, n = (p.scene for p in parse_lecture(data, source="t.toml", base_dir=tmp_path).parts)
    assert issubclass(a, AlphabetGradientScene) and issubclass(n, NumericalGradientScene)
    np.testing.assert_array_equal(n.grad_values, [[1, 0], [0, -1]])
    bad = {"lecture": {"title": "L"}, "part": [{"title": "N", "mode": "numerical", "input_size": 4,
                                   "gradient": True, "grad_values": "1 0 0; 0 -1 0"}]}
    with pytest.raises(LectureError, match="grad_values must be 2×2"):
        parse_lecture(bad, source="t.toml", base_dir=tmp_path)
    bad["part"][0]["gradient"] = False
    with pytest.raises(LectureError, match="grad_values is the upstream gradient"):
        parse_lecture(bad, source="t.toml", base_dir=tmp_path)
    both = {"lecture": {"title": "L"}, "part": [{"title": "N", "mode": "numerical",
                                                "input_size": 5, "stride": 2,
                                                "gradient": True, "overlap": True}]}
    with pytest.raises(LectureError, match="gradient is a scene of its own: drop overlap"):
        parse_lecture(both, source="t.toml", base_dir=tmp_path)


def test_numerical_weight_captions_are_the_cores_terms():
    """Part 4's arithmetic, step by step, is weight_terms': the gradient of each output
    times the input the weight met to give it."""
    from convmanim.captions import number
    from convmanim.gradient import weight_terms

    spec = ConvSpec(5, 3, stride=2, padding=1)
    cls = type("S", (NumericalGradientScene,), {"spec": spec})
    n = cls.numbers()
    weights = cls.stages()[2]
    for step, caption in enumerate(weights.step_captions()):
        terms = weight_terms(spec, n["x"], n["dy"], step)
        products = " + ".join(f"{number(t.dy)} × {number(t.x)}" for t in terms)
        assert caption.endswith(f": {products} = {number(n['dw'].flat[step])}."), caption


@pytest.mark.parametrize("base", [NumericalGradientScene, AlphabetGradientScene])
def test_video_frames_and_cues_are_the_planned_ones(base, tmp_path):
    from convmanim.render import render_animation
    from convmanim.subtitles import read_cues
    from tests.conftest import read_video

    cls = type("S", (base,), {"spec": ConvSpec(3, 2), "step_time": 0.5, "end_hold": 0.5,
                              "transpose_time": 1.5, "fade_time": 1.0, "part_hold": 0.5})
    paths = render_animation(cls, "g", quality="320x180@4", output_dir=tmp_path,
                             progress=False, subtitles=True)
    video = next(p for p in paths if p.suffix == ".mp4")
    assert len(read_video(video)) == round(cls.planned_duration(4) * 4)
    cues = read_cues(video)
    assert [c.text for c in cues] == cls.step_captions()


# ------------------------------------------------------------------ legibility
STRIDED = ConvSpec(5, 3, stride=2, padding=1)


@pytest.mark.parametrize("base,steps", [(AlphabetGradientScene, (9, 39)),
                                        (NumericalGradientScene, (9, 23))],
                         ids=["alphabet", "numerical"])
def test_no_label_below_10_px_in_the_arrival_and_the_weight_gradient(base, steps):
    from convmanim.theme import MIN_LABEL_PX
    from tests.test_legibility import label_heights

    for step in steps:
        scene = play_scene(type("S", (base,), {"spec": STRIDED, "still_step": step}), "l",
                           draw=False)
        heights = label_heights(scene)
        assert len(heights) >= 20
        assert not [(round(h, 2), t) for h, t in heights if h < MIN_LABEL_PX - 0.01]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_weight_gradient_text_reads_under_every_highlight_at_1080p(theme):
    from tests.test_legibility import _check_labels, _render_still

    scene, image = _render_still(type("S", (NumericalGradientScene,), {
        "spec": STRIDED, "theme": theme, "still_step": 23}))
    p = scene.stage_parts[-1]
    shaded = p.shaded[0]
    labels = [(f"x {cell} under dL/dy", shaded.get_copy(*cell)) for cell in shaded.cells]
    labels += [(f"dL/dy {n}", w) for n, w in enumerate(p.kernel.weights)]
    labels += [(f"dL/dw {e}", m) for e, m in p.results.items() if e <= 4]
    labels += [("caption", p.captions[4]), ("header", p.header)]
    assert len(shaded.cells) == 9 and len(p.kernel.weights) == 9
    _check_labels(scene, image, labels, "numerical weight gradient")
    scene, image = _render_still(type("S", (AlphabetGradientScene,), {
        "spec": STRIDED, "theme": theme, "still_step": 39}))
    view = scene.parts[2]
    shaded_in, shaded_out = view.shaded
    labels = [(f"a{cell} under b-bar", shaded_in.get_copy(*cell)) for cell in shaded_in.cells]
    labels += [(f"b-bar {n}", w) for n, w in enumerate(view.kernel.weights)]
    labels += [("w-bar 11 under its highlight", shaded_out.get_copy(1, 1)),
               ("caption", view.caption), ("matrix title", view.matrix_title)]
    assert len(view.kernel.weights) == 9
    _check_labels(scene, image, labels, "alphabet weight gradient")
