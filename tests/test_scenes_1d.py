"""1-D scenes in every mode: the numbers, windows and labels they draw, read back off the scene.

A 1-D spec (ConvSpec1d) is drawn as its row of cells; what the scene shows
is checked against the 1-D loop oracles of tests/oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import ConvSpec1d, NumericalScene
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
])
def test_bad_1d_flags_are_one_line_exit_2(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_help_teaches_the_1d_flag():
    result = CliRunner().invoke(main, ["numerical", "--help"])
    assert "--1d" in result.output and "-p causal" in result.output
