"""NumericalScene with channels, groups and bias: what it draws, read back from its mobjects.

Every number is compared with the loop oracle (tests/oracle.py) and, when torch
is installed, with torch itself.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from manim import MathTex

from convmanim import ConvSpec, NumericalScene, SpecError, torch_parameters
from convmanim.cli import main
from convmanim.labels import Label
from convmanim.render import play_scene
from tests import oracle

HD = "1920x1080@6"
"""Channels share the frame: their numbers are checked at the resolution they are drawn for."""

GATHER = [
    ConvSpec(4, 3, padding=1, in_channels=4, out_channels=4, groups=2),  # groups = 2
    ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=3, groups=3),  # depthwise
    ConvSpec((5, 6), (3, 2), stride=(1, 2), padding=(1, 0), dilation=(1, 2), in_channels=3,
             out_channels=2),  # rectangular, strided, dilated
]


def _id(spec) -> str:
    return spec.describe().replace(" ", "_")


def _scene(spec, mode="convolution", **attrs):
    return type("S", (NumericalScene,), {"spec": spec, "mode": mode, "step_time": 1.0,
                                         "end_hold": 0.2, **attrs})


def _visible(mob) -> bool:
    return max((m.get_fill_opacity() for m in mob.family_members_with_points()), default=0) > 0.5


def _labels(scene):
    return [m for m in scene.get_mobject_family_members()
            if isinstance(m, (MathTex, Label)) and _visible(m)]


def _shown(scene, plane, cells):
    """The visible number in each cell of ``plane``, read from the scene's labels."""
    labels = _labels(scene)
    found = {}
    for cell in cells:
        centre = plane.cell_center(*cell)
        near = [m for m in labels
                if np.linalg.norm(m.get_center() - centre) < 0.25 * plane.cell_size]
        # a number under the window is drawn again above its shadow, in readable ink:
        # the same text twice in one place is one number on screen
        texts = {m.get_tex_string() for m in near}
        assert len(texts) <= 1, (cell, sorted(texts))
        found[cell] = texts.pop() if texts else None
    return found


def _close(text, want):
    """``text`` is ``want`` written with as many decimals as it shows."""
    assert text is not None
    match = re.fullmatch(r"(-?\d+)(?:\.(\d+))?", text)
    assert match, text
    decimals = len(match[2] or "")
    assert abs(float(text) - want) <= 0.5 * 10.0 ** -decimals + 1e-9, (text, want)


def _screen_output(scene, shape):
    """The whole output tensor as the final frame shows it (strings)."""
    c_out, oh, ow = shape
    cells = [(r, c) for r in range(oh) for c in range(ow)]
    return [_shown(scene, scene.parts.output_grids[o].plane, cells) for o in range(c_out)]


def _check_screen(scene, want):
    shown = _screen_output(scene, want.shape)
    for o, grid in enumerate(shown):
        for (r, c), text in grid.items():
            _close(text, want[o, r, c])


@pytest.mark.parametrize("spec", GATHER, ids=_id)
def test_final_frame_shows_the_oracle_and_torch(spec):
    cls = _scene(spec)
    scene = play_scene(cls, HD, draw=False)
    assert scene.steps_played == list(range(spec.num_outputs))
    x, w = cls.values()
    b = cls.bias_vector()
    assert x.shape == spec.input_shape and w.shape == spec.weight_shape
    assert b is not None and b.shape == spec.bias_shape
    want = oracle.conv2d_grouped(x, w, b, spec.stride, spec.padding, spec.dilation, spec.groups)
    _check_screen(scene, want)
    torch = pytest.importorskip("torch")
    got = torch.nn.functional.conv2d(
        torch.tensor(x)[None], torch.tensor(w), torch.tensor(b), stride=spec.stride,
        padding=spec.padding, dilation=spec.dilation, groups=spec.groups)[0].numpy()
    _check_screen(scene, got)


def test_a_real_conv2d_layer_with_its_weights_and_bias():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    layer = torch.nn.Conv2d(3, 4, 3, padding=1)
    spec = ConvSpec.from_torch(layer, (1, 3, 5, 5))
    weight, bias = torch_parameters(layer)
    x = np.random.default_rng(3).integers(-2, 3, size=(3, 5, 5)).astype(float)
    cls = _scene(spec, input_values=x, kernel_values=weight, bias_values=bias)
    # a real layer's numbers have three decimals and a sign: seven grids of them are
    # under the size rule's 10 px at 1080p, and the scene says so in one line
    with pytest.raises(SpecError, match=r"at 1080p the numbers .* px high, less than"):
        play_scene(cls, HD, draw=False)
    scene = play_scene(cls, "3840x2160@6", draw=False)
    with torch.no_grad():
        want = layer(torch.tensor(x, dtype=torch.float32)[None])[0].double().numpy()
    _check_screen(scene, want)
    # the input shown is the x that went in
    ih, iw = spec.input_size
    for c, grid in enumerate(scene.parts.input_grids):
        shown = _shown(scene, grid.plane, [(r + 1, k + 1) for r in range(ih) for k in range(iw)])
        for (r, k), text in shown.items():
            _close(text, x[c, r - 1, k - 1])


def test_pooling_takes_each_channel_on_its_own():
    spec = ConvSpec(6, 2, stride=2, in_channels=3)
    for mode in ("max", "average"):
        cls = _scene(spec, mode)
        scene = play_scene(cls, HD, draw=False)
        assert cls.num_steps() == 3 * 9
        x, _ = cls.values()
        want = np.stack([oracle.pool2d(x[c], spec.kernel_size, spec.stride, spec.padding,
                                       spec.dilation, mode) for c in range(3)])
        _check_screen(scene, want)
        assert cls.bias_vector() is None


@pytest.mark.parametrize("spec", [
    ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2).transposed(),
    ConvSpec(4, 3, padding=1, in_channels=4, out_channels=2, groups=2).transposed(),
], ids=_id)
def test_transposed_final_frame_is_conv_transpose2d(spec):
    cls = _scene(spec)
    scene = play_scene(cls, HD, draw=False)
    assert cls.num_steps() == spec.in_channels * spec.input_size[0] * spec.input_size[1]
    y, w = cls.values()
    b = cls.bias_vector()
    f = spec.forward
    want = oracle.conv_transpose2d_grouped(y, w, b, f.stride, f.padding, f.dilation,
                                           spec.output_padding, spec.groups)
    c_out, oh, ow = want.shape
    p = f.padding
    for o in range(c_out):
        plane = scene.parts.output_grids[o].plane
        shown = _shown(scene, plane, [(p[0] + r, p[1] + c) for r in range(oh) for c in range(ow)])
        for (r, c), text in shown.items():
            _close(text, want[o, r - p[0], c - p[1]])


def _underbraces(tex):
    return [float(v) for v in re.findall(r"\\underbrace\{(-?[\d.]+)\}", tex)]


@pytest.mark.parametrize("spec", GATHER, ids=_id)
def test_a_step_shows_its_filter_on_its_group_and_adds_the_channels(spec):
    step = spec.num_outputs * 2 // 3 + 1
    cls = _scene(spec, still_step=step)
    scene = play_scene(cls, HD, draw=False)
    p = scene.parts
    o, r, c = spec.output_index(step)
    x, w = cls.values()
    b = cls.bias_vector()
    channels = list(spec.input_channels_of(o))
    # the windows lie on the oracle's taps, over the channels of the filter's group only
    taps = oracle.windows(*spec.input_size, *spec.kernel_size, spec.stride, spec.padding,
                          spec.dilation)[spec.step_index((r, c))].reshape(-1, 2)
    shown_windows = [k for k in p.kernels.values() if k in scene.mobjects]
    assert len(shown_windows) == len(channels)
    for window, channel in zip(shown_windows, channels):
        plane = p.input_grids[channel].plane
        got = np.array([t.get_center() for t in window.taps])
        np.testing.assert_allclose(got, [plane.cell_center(*t) for t in taps], atol=1e-6)
        # and carry that slice's weights
        weights = [float(m.get_tex_string()) for m in window.weights]
        assert weights == list(w[o, channel % spec.channels_per_group[0]].ravel())
    veiled = [n for n, v in enumerate(p.veils) if v in scene.mobjects]
    assert veiled == [n for n in range(spec.in_channels) if n not in channels]
    # the highlight is on output channel o, cell (r, c)
    shown_highlights = [n for n, h in enumerate(p.highlights) if h in scene.mobjects]
    assert shown_highlights == [o]
    np.testing.assert_allclose(p.highlights[o].shade.get_center(),
                               p.output_grids[o].plane.cell_center(r, c), atol=1e-6)
    # the caption adds each channel's window sum and the bias
    caption = p.captions[step].get_tex_string()
    lhs, result = caption.rsplit("=", 1)
    want = oracle.conv2d_grouped(x, w, b, spec.stride, spec.padding, spec.dilation, spec.groups)
    _close(result.strip(), want[o, r, c])
    n_in = spec.channels_per_group[0]
    partials = [oracle.conv2d(x[ch], w[o, ch % n_in], spec.stride, spec.padding,
                              spec.dilation)[r, c] for ch in channels]
    if len(channels) > 1:
        braces = _underbraces(lhs)
        assert braces[:-1] == pytest.approx(partials)
        assert braces[-1] == b[o]
        subs = p.channel_captions[step]
        assert len(subs) == len(channels)
        for sub, channel, partial in zip(subs, channels, partials):
            assert sub.get_tex_string().endswith(f"= {int(partial)}")
            grid = p.input_grids[channel]
            left, right = grid.outline_corners()[0][0], grid.outline_corners()[1][0]
            assert left - 1e-6 <= sub.get_center()[0] <= right + 1e-6
            assert sub.get_top()[1] < grid.outline_corners()[3][1]
    else:
        products = [t.split(r"\cdot") for t in lhs.split(" + ") if r"\cdot" in t]
        assert sum(float(a) * float(k) for a, k in products) == pytest.approx(partials[0])
        assert _underbraces(lhs) == [b[o]]


def test_steps_run_channel_by_channel_and_results_land_in_their_channel():
    spec = GATHER[0]
    cls = _scene(spec)
    scene = play_scene(cls, HD, draw=False)
    oh, ow = spec.output_size
    for e, label in scene.parts.results.items():
        o, r, c = spec.output_index(e)
        assert (o, r, c) == (e // (oh * ow), (e % (oh * ow)) // ow, e % ow)
        np.testing.assert_allclose(label.get_center()[:2],
                                   scene.parts.output_grids[o].plane.cell_center(r, c)[:2],
                                   atol=0.2 * scene.parts.output_grids[o].plane.cell_size)


def test_one_channel_with_a_bias_writes_the_bias_term():
    spec = ConvSpec(4, 2, stride=2)
    cls = _scene(spec, bias_values=[2.0], still_step=3)
    scene = play_scene(cls, HD, draw=False)
    x, w = cls.values()
    assert x.shape == (4, 4)
    tex = scene.parts.captions[3].get_tex_string()
    assert _underbraces(tex) == [2.0]
    want = oracle.conv2d(x, w, spec.stride, spec.padding, spec.dilation) + 2
    _close(tex.rsplit("=", 1)[1].strip(), want[1, 1])
    assert _scene(spec).bias_vector() is None  # no bias by default with one channel
    assert _scene(GATHER[0], bias=False).bias_vector() is None


def test_values_of_the_wrong_shape_are_refused_in_one_line():
    spec = GATHER[0]
    cases = [
        ({"input_values": np.ones((4, 4))}, "input_values must be 4×4×4 (C_in×H×W), got 4×4"),
        ({"kernel_values": np.ones((3, 3))},
         "kernel_values must be 4×2×3×3 (PyTorch's layout), got 3×3"),
        ({"bias_values": [1.0, 2.0]},
         "bias_values must be 4 numbers (one per output channel), got 2"),
    ]
    for attrs, message in cases:
        with pytest.raises(SpecError, match=re.escape(message)):
            play_scene(_scene(spec, still_step=0, **attrs), HD, draw=False)
    with pytest.raises(SpecError, match="bias_values is for a convolution"):
        play_scene(_scene(ConvSpec(4, 2, in_channels=2), "max", bias_values=[1, 2],
                          still_step=0), HD, draw=False)


def test_too_many_channels_for_the_resolution_is_one_line():
    spec = ConvSpec(6, 3, padding=1, in_channels=4, out_channels=4)
    with pytest.raises(SpecError, match=r"at 480p the numbers .* px high, less than the "
                                        r"numerical mode's 10 px") as info:
        play_scene(_scene(spec, still_step=0), "854x480@6", draw=False)
    assert "\n" not in str(info.value)
    play_scene(_scene(spec, still_step=0), HD, draw=False)  # fine at 1080p


def _cli(line, tmp_path):
    return CliRunner().invoke(main, line, prog_name="convmanim", catch_exceptions=False,
                              env={"CONVMANIM_OUTPUT_DIR": str(tmp_path)})


def test_cli_values_with_channels(tmp_path):
    x = np.arange(2 * 4 * 4, dtype=float).reshape(2, 4, 4) % 5
    w = np.ones((3, 2, 2, 2))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "w.npy", w)
    base = ["numerical", "-i", "4", "-k", "2", "-s", "2", "--in-channels", "2",
            "--out-channels", "3", "-q", "1280x720", "--input-values", str(tmp_path / "x.npy"),
            "--kernel-values", str(tmp_path / "w.npy")]
    result = _cli([*base, "--bias-values", "1, 0, -1", "-e", "5", "still"], tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "still.png").is_file()
    for extra, message in [
        (["--bias-values", "1, 2"], "--bias-values must be 3 numbers (one per output channel)"),
        (["--bias-values", "1", "--no-bias"], "--no-bias and --bias-values contradict"),
        (["--kernel-values", "1 1; 1 1"], "--kernel-values must be 3×2×2×2 (PyTorch's layout)"),
    ]:
        result = _cli([*base, *extra, "bad"], tmp_path)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad.png").exists()
    result = _cli(["numerical", "-i", "4", "-k", "2", "-m", "max", "--in-channels", "2",
                   "--bias-values", "1, 2", "bad"], tmp_path)
    assert result.exit_code == 2
    assert "--bias-values is for -m convolution" in result.stderr
