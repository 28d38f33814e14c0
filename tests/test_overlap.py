"""The overlap overlay of the numerical scatter view: counts on screen, colours, flags.

The counts are read back from the scene's own mobjects (each output cell's
badge) and compared with an explicit-loop count of the scatter
(tests/oracle.py); the sums beside them with conv_transpose2d's loop oracle.
"""

from __future__ import annotations

import shlex

import numpy as np
import pytest
from click.testing import CliRunner
from manim import config

from convmanim import ConvSpec, NumericalScene, SpecError
from convmanim.cli import main
from convmanim.lecture import LectureError, parse_lecture
from convmanim.mobjects.overlap import overlap_tint
from convmanim.render import play_scene
from convmanim.theme import DARK, LIGHT, MIN_LABEL_PX, contrast_ratio
from convmanim.upsample import overlap_steps
from tests import oracle
from tests.test_numerical import _check_number, _numbers_in_cells, _visible

CLASSIC = ConvSpec(5, 3, stride=2, padding=1).transposed()


def _scene(spec, **attrs):
    return type("Ov", (NumericalScene,), {"spec": spec, "overlap": True, "step_time": 0.5,
                                          "end_hold": 0.2, **attrs})


def _oracle_counts(spec, upto=None):
    f = spec.forward
    return oracle.overlap_counts(spec.input_size, f.kernel_size, f.stride, f.padding,
                                 f.dilation, spec.output_size, upto=upto)


def _counts_on_screen(scene, spec):
    """The count shown in each output cell: the visible badge whose centre lies in the cell."""
    overlay = scene.parts.overlap
    plane = scene.parts.output_grid.plane
    top, left = spec.scatter_canvas().input_origin
    members = set(map(id, scene.get_mobject_family_members()))
    badges = [b for b in overlay._badge.values() if id(b) in members and _visible(b)]
    shown = np.full(spec.output_size, -1)
    for b in badges:
        x, y = b.get_center()[:2]
        origin = plane.point(top, left)
        c = int((x - origin[0]) // plane.cell_size)
        r = int((origin[1] - y) // plane.cell_size)
        assert shown[r, c] == -1, f"two badges in cell {(r, c)}"
        shown[r, c] = int(b[1].get_tex_string())
    return shown


def test_the_classic_animation_ends_with_counts_1_2_1_2_and_the_sums_of_conv_transpose2d():
    cls = _scene(CLASSIC)
    scene = play_scene(cls, "854x480@6")
    shown = _counts_on_screen(scene, CLASSIC)
    f = CLASSIC.forward
    want = _oracle_counts(CLASSIC)
    np.testing.assert_array_equal(shown, want)
    assert shown[0].tolist() == [1, 2, 1, 2, 1] and shown[1].tolist() == [2, 4, 2, 4, 2]
    # each tile's tint is its count's
    overlay = scene.parts.overlap
    for (r, c), n in np.ndenumerate(want):
        assert overlay.get_tile(r, c).get_fill_color().to_hex().upper() == \
            overlap_tint(LIGHT, int(n), int(want.max()))
    # the sums are still conv_transpose2d's
    y, w = cls.values()
    sums = oracle.conv_transpose2d(y, w, f.stride, f.padding, f.dilation,
                                   CLASSIC.output_padding)
    cells = [(f.padding[0] + r, f.padding[1] + c) for r in range(5) for c in range(5)]
    numbers = _numbers_in_cells(scene, scene.parts.output_grid.plane, cells)
    for (r, c), cell in zip(np.ndindex(5, 5), cells):
        _check_number(numbers[cell], sums[r, c])
    # legible: every count at least the size rule's pixels
    px = config.pixel_height / config.frame_height
    assert min(b[1].height for b in overlay.badges_at(len(overlay.counts) - 1).values()) * px \
        >= MIN_LABEL_PX - 1e-6


@pytest.mark.parametrize(("spec", "step", "theme"), [
    (ConvSpec(6, 4, stride=2, padding=1).transposed(), 8, "light"),   # the fix: even inside
    (ConvSpec(6, 4, stride=2, padding=1).transposed(), 4, "dark"),
    (ConvSpec((5, 7), (3, 2), stride=(2, 3), padding=(1, 0)).transposed(), 3, "light"),
    (ConvSpec(7, 2, stride=2, dilation=2).transposed(), 5, "dark"),   # holes: count 0
    (ConvSpec(6, 3, stride=2, padding=1).transposed(), 8, "light"),   # output_padding 1
])
def test_stills_show_the_counts_after_their_step(spec, step, theme):
    scene = play_scene(_scene(spec, still_step=step, theme=theme), "960x540@1")
    shown = _counts_on_screen(scene, spec)
    np.testing.assert_array_equal(shown, _oracle_counts(spec, upto=step))
    np.testing.assert_array_equal(shown, overlap_steps(spec)[step + 1])


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_every_tint_keeps_its_numbers_readable_plain_and_under_the_kernel(theme):
    for most in range(1, 26):
        for count in range(most + 1):
            fill = overlap_tint(theme, count, most)
            for surface in (fill, theme.shaded(fill)):
                assert contrast_ratio(theme.ink_on(surface), surface) >= 4.5, \
                    (theme.name, count, most, surface)
    assert contrast_ratio(theme.text, theme.background) >= 4.5  # a count in its badge


def test_a_cell_too_small_for_number_and_count_is_refused_in_one_line():
    with pytest.raises(SpecError, match=r"too small for its number and its overlap count") \
            as info:
        play_scene(_scene(CLASSIC, still_step=0), "320x180@1", draw=False)
    assert "\n" not in str(info.value)


def test_overlap_is_refused_without_a_one_channel_transposed_conv():
    with pytest.raises(SpecError, match="transposed"):
        _scene(ConvSpec(5, 3)).check_attributes()
    with pytest.raises(SpecError, match="one channel"):
        _scene(ConvSpec(5, 3, stride=2, in_channels=2, out_channels=2).transposed()
               ).check_attributes()


@pytest.mark.parametrize(("line", "message"), [
    ("numerical -i 5 -k 3 -s 2 -p 1 --overlap x", "add -t"),
    ("numerical -i 5 -k 3 -s 2 -t --in-channels 2 --overlap x", "drop the channels"),
    ("numerical -i 5 -k 3 -s 2 -p 1 -t --overlap -q 320x180 x", "too small"),
])
def test_cli_overlap_errors_are_one_line(tmp_path, monkeypatch, line, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(line), prog_name="convmanim")
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1
    assert not list(tmp_path.rglob("*.png"))


def test_cli_overlap_renders_a_still(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(
        "numerical -i 5 -k 3 -s 2 -p 1 -t --overlap -e 8 -q l board"), prog_name="convmanim")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "media" / "board.png").is_file()


def test_lecture_key_overlap():
    part = {"title": "Checkerboard", "mode": "numerical", "input_size": 5, "kernel_size": 3,
            "stride": 2, "padding": 1, "transposed": True, "overlap": True}
    lecture = parse_lecture({"lecture": {"title": "T"}, "part": [part]}, source="t.toml")
    assert lecture.parts[0].scene.overlap is True
    with pytest.raises(LectureError, match="overlap counts the windows"):
        parse_lecture({"lecture": {"title": "T"},
                       "part": [{**part, "transposed": False}]}, source="t.toml")


def test_a_sequence_counts_along_its_one_axis():
    from convmanim.geometry import ConvSpec1d, drawable
    from convmanim.modes.numerical_data import overlap_note_tex

    spec = drawable(ConvSpec1d(8, 3, stride=2, padding=1).transposed())
    scene = play_scene(_scene(spec, still_step=3), "1280x720@1", draw=False)
    shown = _counts_on_screen(scene, spec)
    np.testing.assert_array_equal(shown, _oracle_counts(spec))
    assert shown[0].tolist() == [1, 2, 1, 2, 1, 2, 1, 1]  # the last cell: output padding
    [note] = overlap_note_tex(spec)
    assert "rows" not in note and "1, 2, 1, 2" in note
