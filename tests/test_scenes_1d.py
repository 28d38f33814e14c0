"""1-D scenes in every mode: the numbers, windows and labels they draw, read back off the scene.

A 1-D spec (ConvSpec1d) is drawn as its row of cells; what the scene shows
is checked against the 1-D loop oracles of tests/oracle.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import AlphabetScene, ArithmeticScene, ConvSpec1d, NumericalScene
from convmanim.cli import main
from convmanim.render import play_scene
from tests import oracle
from tests.conftest import TINY
from tests.test_numerical import _check_number, _numbers_in_cells

HD = "1920x1080@6"


def _numerical(spec, mode="convolution", **attrs):
    return type("S1", (NumericalScene,), {"spec": spec, "mode": mode, "step_time": 1.0,
                                          "end_hold": 0.2, **attrs})


GATHER_1D = [
    (ConvSpec1d(8, 3, dilation=2, padding="causal"), "convolution"),
    (ConvSpec1d(7, 3, stride=2, padding=1), "convolution"),
    (ConvSpec1d(6, 2, dilation=2, padding="causal", in_channels=2, out_channels=3),
     "convolution"),
    (ConvSpec1d(7, 3, stride=2, padding=1), "average"),
    (ConvSpec1d(8, 2, stride=2), "max"),
]


def _id(case):
    spec, mode = case if isinstance(case, tuple) else (case, "")
    return f"{mode}-{spec.describe()}".replace(" ", "_")


def _x_w(cls):
    """The scene's input ``(C_in, L)`` and weight ``(C_out, C_in/g, k)``, in 1-D shapes."""
    seq = cls.spec.sequence
    x, w = cls.values()
    return (np.reshape(x, seq.input_shape),
            None if w is None else np.reshape(w, seq.weight_shape))


@pytest.mark.parametrize("case", GATHER_1D, ids=_id)
def test_a_1d_gather_scene_ends_with_the_oracles_numbers(case):
    seq, mode = case
    cls = _numerical(seq, mode)
    assert cls.spec.sequence == seq  # the class keeps the row it draws, and the 1-D spec
    # channels are checked for legibility: 1080p at 6 fps, not drawn (draw=False)
    scene = play_scene(cls, HD if seq.has_channels else TINY, draw=not seq.has_channels)
    assert scene.steps_played == list(range(seq.out_channels * seq.output_size
                                            if mode == "convolution" else
                                            seq.in_channels * seq.output_size))
    x, w = _x_w(cls)
    left, right = seq.padding
    if mode == "convolution":
        b = cls.bias_vector()
        want = oracle.conv1d_grouped(x, w, b, seq.stride, left, right, seq.dilation, seq.groups)
    else:
        want = np.array([oracle.pool1d(row, seq.kernel_size, seq.stride, left, seq.dilation,
                                       mode) for row in x])
    for o, grid in enumerate(scene.parts.output_grids):
        cells = [(0, n) for n in range(seq.output_size)]
        shown = _numbers_in_cells(scene, grid.plane, cells)
        for n in range(seq.output_size):
            _check_number(shown[(0, n)], want[o, n])


@pytest.mark.parametrize("seq", [ConvSpec1d(6, 3, stride=2, padding=1),
                                 ConvSpec1d(5, 2, dilation=2, padding="causal")], ids=str)
def test_a_1d_scatter_scene_ends_with_conv_transpose1d(seq):
    t = seq.transposed()
    cls = _numerical(t)
    scene = play_scene(cls, TINY)
    assert scene.steps_played == list(range(t.input_size))
    y, w = cls.values()
    y, w = np.reshape(y, (1, t.input_size)), np.reshape(w, seq.weight_shape)
    want = oracle.conv_transpose1d_grouped(y, w, None, seq.stride, seq.padding[0],
                                           seq.dilation, seq.input_size, 1)[0]
    canvas = cls.spec.scatter_canvas()
    left = canvas.padding_before[1]
    shown = _numbers_in_cells(scene, scene.parts.output_grid.plane,
                              [(0, left + n) for n in range(t.output_size)])
    for n in range(t.output_size):
        _check_number(shown[(0, left + n)], want[n])


@pytest.mark.parametrize("step", [0, 3])
def test_a_causal_step_lights_the_oracles_taps_left_padding_included(step):
    seq = ConvSpec1d(8, 3, dilation=2, padding="causal")
    cls = _numerical(seq, still_step=step)
    scene = play_scene(cls, TINY)
    p = scene.parts
    left = seq.padding[0]
    taps = [step * seq.stride - left + a * seq.dilation for a in range(seq.kernel_size)]
    plane = p.input_grid.plane
    got = np.array([t.get_center() for t in p.kernel.taps])
    want = np.array([plane.cell_center(0, m + left) for m in taps])
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert any(m < 0 for m in taps)  # the window reaches into the causal padding
    # the padding is drawn on the left only: the row is d(k-1) + L cells, the real
    # input starting after the padding
    assert p.input_grid.grid_size == (1, left + seq.input_size)
    assert p.input_grid.mask.tolist() == [[False] * left + [True] * seq.input_size]
    np.testing.assert_allclose(p.highlight.shade.get_center(),
                               p.output_grid.plane.cell_center(0, step), atol=1e-6)


@pytest.mark.parametrize("seq", [ConvSpec1d(8, 3, dilation=2, padding="causal"),
                                 ConvSpec1d(9, 3, padding=1), ConvSpec1d(30, 3, padding="causal"),
                                 ConvSpec1d(8, 3, stride=2, padding=1).transposed()], ids=str)
def test_1d_rows_stack_fit_the_frame_and_outputs_sit_under_their_windows(seq):
    from manim import config

    from tests.test_numerical import _apart, _box

    n = _numerical(seq).num_steps()
    scene = play_scene(_numerical(seq, still_step=n // 2), "854x480@6")
    w, h = config.frame_width, config.frame_height
    for mob in scene.get_mobject_family_members():
        if len(mob.points):
            left, right, bottom, top = _box(mob)
            assert -w / 2 - 1e-6 <= left and right <= w / 2 + 1e-6, mob
            assert -h / 2 - 1e-6 <= bottom and top <= h / 2 + 1e-6, mob
    p = scene.parts
    blocks = [p.header, p.input_label, p.output_label, p.input_grid, p.output_grid,
              p.captions[n // 2]]
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            assert _apart(a, b), (a, b)
    # the output row lies under the input row
    assert p.output_grid.get_top()[1] < p.input_label.get_bottom()[1] or \
        p.output_label.get_top()[1] < p.input_grid.get_bottom()[1]
    if not seq.is_transposed:  # stride 1: output n under the centre of its window
        for e in range(seq.output_size):
            taps = p.input_grid.plane
            first = taps.cell_center(0, e * seq.stride)[0]
            last = taps.cell_center(0, e * seq.stride + seq.dilation * (seq.kernel_size - 1))[0]
            out = p.output_grid.plane.cell_center(0, e)[0]
            assert out == pytest.approx((first + last) / 2, abs=1e-6)


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize("args,want", [
    (["info", "--1d", "-i", "8", "-k", "2", "-d", "4", "-p", "causal"],
     "drawn row: 12 cells (padding 4 on the left, 0 on the right, causal, stride 1)"),
    (["info", "--1d", "-i", "8", "-k", "3", "-s", "2", "-p", "1", "-t"],
     "steps: 8 (output length 8)"),
    (["info", "--1d", "-i", "8", "-k", "3", "--in-channels", "2", "--out-channels", "4",
      "--groups", "2"], "tensors: input 2x8, weight 4x1x3, bias 4, output 4x6"),
])
def test_info_speaks_1d(args, want):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert want in result.output.splitlines()


@pytest.mark.parametrize("args,message", [
    (["info", "-i", "8", "-k", "3", "-p", "causal"], "padding 'causal' is for a 1-D conv"),
    (["numerical", "-i", "5", "-p", "causal", "x"], "add --1d"),
    (["info", "--1d", "-i", "8x3"], "a 1-D conv takes one number per size, got -i 8x3"),
    (["info", "--1d", "-i", "8", "-o", "7"], "output_size 7 does not match"),
    (["info", "--1d", "-i", "8", "-s", "2", "--output-padding", "1"], "add -t"),
    (["info", "--1d", "-i", "4", "-k", "6"], "longer than the padded input"),
    (["numerical", "--1d", "-i", "8", "-k", "2", "-p", "causal", "-m", "max", "x"],
     "causal padding is for convolutions"),
    (["info", "--1d", "-p", "casual"], "padding must be an integer, HxW such as 1x2, or causal"),
])
def test_bad_1d_flags_are_one_line_exit_2(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_help_teaches_the_1d_flag():
    result = CliRunner().invoke(main, ["numerical", "--help"])
    assert "--1d" in result.output and "-p causal" in result.output


# ------------------------------------------------------------------ alphabet
def _read_1d_matrix(view, kernel):
    """The matrix read off the scene: each one-index label ``w_{a}`` valued ``kernel[a]``."""
    rows, cols = view.matrix.shape
    shown = np.zeros((rows, cols))
    for (r, c), label in view.matrix.entries_all.items():
        match = re.fullmatch(r"w_\{(\d+)\}", label.tex_string)
        assert match, label.tex_string  # one index: w_{a}, never w_{0a}
        shown[r, c] = kernel[int(match.group(1))]
    return shown


def _probed(seq, kernel):
    left, right = seq.padding
    return oracle.conv_matrix_by_probing(
        lambda e: oracle.conv1d(e, kernel, seq.stride, left, right, seq.dilation),
        (seq.input_size,))


@pytest.mark.parametrize("seq", [ConvSpec1d(8, 3, dilation=2, padding="causal"),
                                 ConvSpec1d(7, 3, stride=2, padding=1)], ids=str)
@pytest.mark.parametrize("transposed", [False, True], ids=["C", "C^T"])
def test_the_1d_matrix_drawn_is_the_banded_toeplitz_C(seq, transposed):
    kernel = np.array([10.0, 20.0, 30.0])
    spec = seq.transposed() if transposed else seq
    step = 3
    scene = play_scene(type("A1", (AlphabetScene,), {"spec": spec, "still_step": step}), TINY)
    view = scene.parts
    want = _probed(seq, kernel)
    np.testing.assert_array_equal(_read_1d_matrix(view, kernel), want.T if transposed else want)
    # the entries are labelled with one index, a_n and b_n
    assert re.fullmatch(r"[ab]_\{\d+\}", view.vec_in.get_cell(0)[1].tex_string)
    caption = view.caption[0].tex_string
    assert re.match(r"[bc]_\{3\} = ", caption), caption
    assert not re.search(r"[wab]_\{\d\d", caption), caption


@pytest.mark.parametrize("step", [1, 3, 7])
def test_a_causal_matrix_step_lights_the_oracles_taps(step):
    seq = ConvSpec1d(8, 3, dilation=2, padding="causal")
    scene = play_scene(type("A3", (AlphabetScene,), {"spec": seq, "still_step": step}), TINY)
    view = scene.parts
    left = seq.padding[0]
    taps = [step * seq.stride - left + a * seq.dilation for a in range(seq.kernel_size)]
    # the window on the padded row lies on the oracle's taps, causal zeros included
    want = np.array([view.in_grid.plane.cell_center(0, m + left) for m in taps])
    np.testing.assert_allclose([t.get_center() for t in view.kernel.taps], want, atol=1e-6)
    # the input entries the row multiplies are the taps on real input, none after the step
    assert sorted(view.focus_in(step)) == [m for m in taps if 0 <= m < seq.input_size]
    assert max(view.focus_in(step)) == step
    assert view.in_grid.mask.tolist() == [[False] * left + [True] * seq.input_size]


def test_the_1d_block_matrix_labels_channels_and_one_index():
    seq = ConvSpec1d(5, 2, dilation=2, padding="causal", in_channels=2, out_channels=2)
    scene = play_scene(type("A2", (AlphabetScene,), {"spec": seq, "still_step": 6}), HD,
                       draw=False)
    view = scene.parts
    w = np.arange(1.0, 1.0 + np.prod(seq.weight_shape)).reshape(seq.weight_shape)
    want = seq.conv_matrix(w)
    for (r, c), label in view.matrix.entries_all.items():
        o, ch, a = seq.matrix_weights()[(r, c)]
        assert label.tex_string == f"w_{{{a}}}"
        assert want[r, c] == w[o, ch, a]
    assert len(view.matrix.entries_all) == np.count_nonzero(want)
    assert view.in_entry(6) == "a^{(1)}_{1}" and view.out_entry(6) == "b^{(1)}_{1}"


# ------------------------------------------------------------------ arithmetic
def test_the_1d_arithmetic_rows_follow_the_oracles_taps_and_say_1d():
    seq = ConvSpec1d(8, 3, dilation=2, padding="causal")
    for step in (0, 5):
        scene = play_scene(type("R1", (ArithmeticScene,), {"spec": seq, "still_step": step}),
                           TINY)
        p = scene.parts
        left = seq.padding[0]
        want = np.array([p.kernel.plane.cell_center(0, step + a * seq.dilation)
                         for a in range(seq.kernel_size)])
        np.testing.assert_allclose([t.get_center() for t in p.kernel.taps], want, atol=1e-6)
        np.testing.assert_allclose(p.highlight.shade.get_center(),
                                   p.highlight.plane.cell_center(0, step), atol=1e-6)
        assert p.input_grid.mask.tolist() == [[False] * left + [True] * seq.input_size]
    assert p.input_label.get_tex_string() == "input $8$"
    assert p.output_label.get_tex_string() == "output $8$"
    t = ConvSpec1d(5, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("R2", (ArithmeticScene,), {"spec": t, "still_step": 0}),
                       "1920x1080@4", draw=False)
    assert [w.get_tex_string() for w in scene.parts.kernel.weights] == ["w_{2}", "w_{1}",
                                                                         "w_{0}"]


# ------------------------------------------------------------------ lectures
def test_a_lecture_part_takes_1d_and_causal_padding(tmp_path):
    path = tmp_path / "seq.toml"
    path.write_text('[lecture]\ntitle = "Sequences"\n\n[[part]]\ntitle = "Causal"\n'
                    'mode = "numerical"\n1d = true\ninput_size = 8\nkernel_size = 3\n'
                    'dilation = 2\npadding = "causal"\n\n[[part]]\ntitle = "Its matrix"\n'
                    'mode = "alphabet"\n1d = true\ninput_size = 8\nkernel_size = 3\n'
                    'padding = "causal"\ntransposed = true\n', encoding="utf-8")
    from convmanim.lecture import load_lecture

    parts = load_lecture(path).parts
    assert [p.spec.sequence for p in parts] == [
        ConvSpec1d(8, 3, dilation=2, padding="causal"),
        ConvSpec1d(8, 3, padding="causal").transposed()]
    result = CliRunner().invoke(main, ["lecture", str(path), "--check"])
    assert result.exit_code == 0, result.output
    path.write_text('[lecture]\ntitle = "S"\n\n[[part]]\ntitle = "Causal"\ninput_size = 8\n'
                    'padding = "causal"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["lecture", str(path), "--check"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "part 1" in lines[0] and "add --1d" in lines[0], lines


def test_a_1d_spec_set_after_the_class_is_drawn_as_its_row():
    cls = type("Late", (NumericalScene,), {})
    cls.spec = ConvSpec1d(6, 2, padding="causal")
    cls.check_attributes()
    assert cls.spec.sequence == ConvSpec1d(6, 2, padding="causal")
    assert cls.num_steps() == 6


@pytest.mark.parametrize("base", [NumericalScene, ArithmeticScene, AlphabetScene],
                         ids=lambda b: b.__name__)
@pytest.mark.parametrize("seq", [
    ConvSpec1d(8, 3, dilation=2, padding="causal"),
    ConvSpec1d(8, 3, stride=2, padding=1).transposed(),
    ConvSpec1d(6, 2, padding="causal", in_channels=2, out_channels=2),
], ids=["causal", "transposed", "channels"])
def test_1d_captions_speak_of_positions_with_one_index(base, seq):
    captions = type("C1", (base,), {"spec": seq}).step_captions()
    for caption in captions:
        assert not re.search(r"\brow \d+,|\bcolumns?\b|\d×1\b|\b1×\d", caption), caption
        assert not re.search(r"[wab][₀-₉]{2}", caption), caption  # w₀₁: a 2-D index
    assert "position 3" in captions[3] or "₃ =" in captions[3], captions[3]


READY_1D = [("numerical", "CausalDilatedConv1d"), ("numerical", "Conv1dChannels"),
            ("numerical", "MaxPooling1d"), ("numerical", "TransposedConv1d"),
            ("arithmetic", "CausalDilatedConv1d"), ("arithmetic", "StridedConv1dTransposed"),
            ("arithmetic", "Conv1dChannels"), ("alphabet", "Conv1dToeplitz"),
            ("alphabet", "CausalConv1dMatrix"), ("alphabet", "Conv1dRelationship"),
            ("alphabet", "Conv1dChannelsMatrix")]


@pytest.mark.parametrize("path,name", READY_1D, ids=lambda v: v)
def test_every_ready_1d_scene_plays_every_step(path, name):
    import runpy
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    cls = runpy.run_path(str(root / "scenes" / f"{path}.py"))[name]
    assert cls.spec.sequence is not None  # a 1-D spec, drawn as its row
    scene = play_scene(type(name, (cls,), {"step_time": 0.3, "end_hold": 0.1}), "854x480@6",
                       draw=False)
    assert scene.steps_played == list(range(cls.num_steps()))


def test_the_default_kernel_is_never_all_zero():
    from convmanim.modes.numerical_data import default_bias, default_values

    row = ConvSpec1d(8, 3, stride=2, padding=1).transposed().as_row()
    rng = np.random.default_rng(0)  # seed 0 draws the kernel (0, 0, 0) for this shape first
    rng.integers(0, 4, size=row.input_shape)
    assert not rng.integers(0, 3, size=row.weight_shape).any()
    x, w = default_values(row, 0)
    assert w.any() and x.shape == (1, 4)
    assert default_bias(row, 0).shape == (1,)
    for seed in range(40):  # and the redraw keeps the numbers seeded
        np.testing.assert_array_equal(default_values(row, seed)[1], default_values(row, seed)[1])
        assert default_values(row, seed)[1].any()
