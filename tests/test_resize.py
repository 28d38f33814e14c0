"""Resize, then convolve: the upsampled input, the counts and the sums on screen.

Read back from the scene's mobjects after the whole animation, and compared
with the loop oracles (nearest upsampling, the scatter count, the
transposed conv) and with torch's interpolate and conv2d.
"""

from __future__ import annotations

import shlex

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import SpecError
from convmanim.cli import main
from convmanim.lecture import LectureError, parse_lecture
from convmanim.modes.resize import ResizeConvScene
from convmanim.render import play_scene
from tests import oracle
from tests.test_numerical import _check_number, _numbers_in_cells, _visible
from tests.test_overlap import _counts_on_screen

IMAGE = np.array([[1, 2, 0], [3, 1, 2], [0, 2, 1]])


def _scene(**attrs):
    return type("Rs", (ResizeConvScene,), {"step_time": 0.25, "end_hold": 0.1,
                                           "input_values": IMAGE, **attrs})


def test_the_upsampled_input_the_even_counts_and_the_sums_on_screen():
    conv_kernel = np.array([[1, 0, 2], [0, 1, 0], [1, 1, 0]])
    cls = _scene(kernel_values=conv_kernel)
    scene = play_scene(cls, "854x480@4")
    spec = cls.spec
    assert scene.steps_played == list(range(36))
    assert scene.renderer.time == pytest.approx(cls.planned_duration(), abs=0.25 + 1e-9)
    up = oracle.upsample_nearest(IMAGE, (2, 2))
    cells = [(r, c) for r in range(6) for c in range(6)]
    grid = scene.parts.input_grid  # drawn into the background once the steps begin
    assert grid in [*scene.mobjects, *getattr(scene, "_frozen", [])]
    for r, c in cells:
        label = grid.get_label(r, c)
        assert _visible(label)
        assert np.allclose(label.get_center(), grid.plane.cell_center(r, c))
        _check_number(label.get_tex_string(), up[r, c])
    assert scene.parts.image not in scene.mobjects  # the image has handed over
    f = spec.forward
    counts = _counts_on_screen(scene, spec)
    np.testing.assert_array_equal(counts, oracle.overlap_counts(
        spec.input_size, f.kernel_size, f.stride, f.padding, f.dilation, spec.output_size))
    assert set(counts[1:-1, 1:-1].ravel()) == {9}  # even inside: no checkerboard
    x, w = cls.values()
    np.testing.assert_array_equal(x, up)
    np.testing.assert_array_equal(w, conv_kernel[::-1, ::-1])  # the scatter's kernel
    want = oracle.conv2d(up, conv_kernel, (1, 1), (1, 1), (1, 1))  # the conv layer's numbers
    np.testing.assert_array_equal(
        want, oracle.conv_transpose2d(up, w, f.stride, f.padding, f.dilation, (0, 0)))
    canvas = [(1 + r, 1 + c) for r, c in cells]
    sums = _numbers_in_cells(scene, scene.parts.output_grid.plane, canvas)
    for (r, c), cell in zip(cells, canvas):
        _check_number(sums[cell], want[r, c])
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    t = functional.interpolate(torch.tensor(IMAGE, dtype=torch.float64)[None, None],
                               scale_factor=2, mode="nearest")
    np.testing.assert_array_equal(t[0, 0], up)
    conv = functional.conv2d(t, torch.tensor(conv_kernel, dtype=torch.float64)[None, None],
                             padding=1)
    np.testing.assert_array_equal(conv[0, 0], want)


def test_a_still_skips_the_upsampling():
    scene = play_scene(_scene(still_step=20, theme="dark"), "854x480@1", draw=False)
    assert scene.parts.image is None


@pytest.mark.parametrize(("attrs", "message"), [
    ({"factor": 5}, "factor must be a whole number from 2 to 4"),
    ({"spec": ResizeConvScene.resize_spec(3, 2).forward}, "stride-1 transposed conv"),
    ({"input_values": np.zeros((2, 2))}, "input_values"),
])
def test_bad_settings_are_one_line_errors(attrs, message):
    with pytest.raises(SpecError, match=message) as info:
        _scene(**attrs).check_attributes()
    assert "\n" not in str(info.value)


def test_the_conv_padding_is_the_layer_s():
    spec = ResizeConvScene.resize_spec(3, 2, kernel_size=5, padding=2)
    assert spec.padding == (2, 2) and spec.output_size == (6, 6)  # "same", as Conv2d(5, p=2)
    valid = type("V", (ResizeConvScene,), {"spec": ResizeConvScene.resize_spec(
        3, 2, kernel_size=3, padding=0)})
    assert valid.spec.output_size == (4, 4) and valid.conv_padding() == 0
    with pytest.raises(SpecError, match=r"padding must be 0 to d\(k − 1\) = 2, got 3"):
        ResizeConvScene.resize_spec(3, 2, kernel_size=3, padding=3)


@pytest.mark.parametrize(("line", "message"), [
    ("-i 3 -k 3 -p 1 -s 2 --upsample 2 x", "does not take -s"),
    ("-i 3 -k 3 -p 1 -t --upsample 2 x", "does not take -t"),
    ("-i 3 -k 3x2 -p 1 --upsample 2 x", "square kernel"),
    ("-i 3 -k 3 -p 3 --upsample 2 x", "padding must be 0 to d(k − 1) = 2"),
])
def test_cli_errors_are_one_line(tmp_path, monkeypatch, line, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["numerical", *shlex.split(line)], prog_name="convmanim")
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1, result.output


def test_cli_and_lecture_build_the_same_scene(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(
        "numerical -i 3 -k 3 -p 1 --upsample 2 -e 35 -q l board"), prog_name="convmanim")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "media" / "board.png").is_file()
    part = {"title": "R", "mode": "numerical", "input_size": 3, "kernel_size": 3, "padding": 1,
            "upsample": 2, "input_values": "1 2 0; 3 1 2; 0 2 1"}
    lecture = parse_lecture({"lecture": {"title": "T"}, "part": [part]}, source="t.toml")
    scene = lecture.parts[0].scene
    assert issubclass(scene, ResizeConvScene) and scene.factor == 2
    assert scene.spec.input_size == (6, 6) and scene.image_size() == (3, 3)
    np.testing.assert_array_equal(scene.image_values(), IMAGE)
    with pytest.raises(LectureError, match="upsample does not take stride"):
        parse_lecture({"lecture": {"title": "T"}, "part": [{**part, "stride": 2}]},
                      source="t.toml")
