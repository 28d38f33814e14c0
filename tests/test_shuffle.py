"""The pixel shuffle and unshuffle scenes: the image on screen, read back from the tiles.

The conv's numbers are checked against the explicit-loop conv2d and the image
against the loop oracle's pixel shuffle, and both against torch when it is
installed; the CLI and lecture errors are one line.
"""

from __future__ import annotations

import shlex

import numpy as np
import pytest
from click.testing import CliRunner
from manim import config

from convmanim import ConvSpec, SpecError
from convmanim.cli import main
from convmanim.lecture import LectureError, parse_lecture
from convmanim.modes.shuffle import PixelShuffleScene, PixelUnshuffleScene
from convmanim.render import play_scene
from convmanim.theme import DARK, LIGHT, contrast_ratio
from tests import oracle


def _scene(base=PixelShuffleScene, **attrs):
    return type("Sh", (base,), {"step_time": 0.4, "end_hold": 0.1, **attrs})


def _grid_numbers(scene, grids, shape):
    """The number each grid cell holds, read from the tiles whose centre is on it (nan if none)."""
    out = np.full(shape, np.nan)
    tiles = [t for step in scene.parts.tiles for t in step.values()]
    members = set(map(id, scene.get_mobject_family_members()))
    for c, grid in enumerate(grids):
        plane = grid.plane
        origin = plane.point(0, 0)
        for tile in tiles:
            assert id(tile) in members
            x, y = tile.get_center()[:2]
            col = (x - origin[0]) / plane.cell_size - 0.5
            row = (origin[1] - y) / plane.cell_size - 0.5
            rr, cc = round(row), round(col)
            if abs(row - rr) < 1e-6 and abs(col - cc) < 1e-6 and 0 <= rr < shape[1] \
                    and 0 <= cc < shape[2]:
                assert np.isnan(out[c, rr, cc]), f"two tiles on {(c, rr, cc)}"
                out[c, rr, cc] = float(tile[1].get_tex_string())
    return out


def _conv_oracle(cls):
    from convmanim.modes.numerical_data import default_bias, default_values

    x, w = default_values(cls.spec, cls.seed)
    b = default_bias(cls.spec, cls.seed)
    s = cls.spec
    return oracle.conv2d_grouped(np.asarray(x, float).reshape(s.input_shape),
                                 np.asarray(w, float).reshape(s.weight_shape), b, s.stride,
                                 s.padding, s.dilation, s.groups)


@pytest.mark.parametrize("spec", [
    ConvSpec(3, 3, padding=1, out_channels=4),
    ConvSpec((2, 3), 2, in_channels=2, out_channels=8, groups=2),
])
def test_the_played_shuffle_ends_with_pixel_shuffle_of_the_conv(spec):
    cls = _scene(spec=spec)
    scene = play_scene(cls, "854x480@4")
    assert scene.steps_played == list(range(spec.out_channels))
    conv = _conv_oracle(cls)
    left, _ = cls.values()
    np.testing.assert_array_equal(left, conv)
    want = oracle.pixel_shuffle(conv, 2)
    np.testing.assert_array_equal(_grid_numbers(scene, scene.parts.right_grids, want.shape),
                                  want)
    # the small channels are empty: every cell has moved
    assert np.isnan(_grid_numbers(scene, scene.parts.left_grids, conv.shape)).all()
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        want, torch.nn.functional.pixel_shuffle(torch.from_numpy(conv)[None], 2)[0])


def test_a_still_shows_the_channels_up_to_its_step_moved():
    cls = _scene(still_step=1, theme="dark")
    scene = play_scene(cls, "854x480@1")
    left, right = cls.values()
    shown = _grid_numbers(scene, scene.parts.right_grids, right.shape)
    home = _grid_numbers(scene, scene.parts.left_grids, left.shape)
    for n in range(4):
        moved = cls.moves()[n].reshape(-1, 3)
        cells = shown[moved[:, 0], moved[:, 1], moved[:, 2]]
        if n <= 1:
            np.testing.assert_array_equal(cells, left[n].ravel())
            assert np.isnan(home[n]).all()
        else:
            assert np.isnan(cells).all()
            np.testing.assert_array_equal(home[n], left[n])
    # channel 1 lands on rows 0, 2, 4 and columns 1, 3, 5 (r = 2): checked by hand
    assert sorted({int(v) for v in cls.moves()[1, :, :, 1].ravel()}) == [0, 2, 4]
    assert sorted({int(v) for v in cls.moves()[1, :, :, 2].ravel()}) == [1, 3, 5]
    assert cls.step_captions()[1].startswith("Step 2 of 4: channel 1 moves to rows 0, 2, 4 "
                                             "and columns 1, 3, 5")


def test_the_played_unshuffle_ends_with_pixel_unshuffle_of_the_image():
    image = np.arange(2 * 4 * 6).reshape(2, 4, 6) % 10
    cls = _scene(PixelUnshuffleScene, spec=ConvSpec((4, 6), 1, in_channels=2),
                 input_values=image)
    scene = play_scene(cls, "960x540@4")
    want = oracle.pixel_unshuffle(image, 2)
    np.testing.assert_array_equal(_grid_numbers(scene, scene.parts.right_grids, want.shape),
                                  want)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        want, torch.nn.functional.pixel_unshuffle(torch.from_numpy(image)[None], 2)[0])


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_tiles_are_coloured_by_their_channel_and_their_numbers_read(theme):
    cls = _scene(spec=ConvSpec(2, 1, out_channels=9), factor=3, still_step=0,
                 theme=theme.name)
    scene = play_scene(cls, "1920x1080@1", draw=False)
    colours = []
    for tiles in scene.parts.tiles:
        fills = {t[0].get_fill_color().to_hex().upper() for t in tiles.values()}
        assert len(fills) == 1
        colours.append(fills.pop())
        for tile in tiles.values():
            ink = tile[1].get_fill_color().to_hex().upper()
            assert contrast_ratio(ink, colours[-1]) >= 4.5
            assert tile[1].height * config.pixel_height / config.frame_height >= 10
    assert len(set(colours)) == 9  # nine places, nine colours


@pytest.mark.parametrize(("attrs", "message"), [
    ({"spec": ConvSpec(3, 3, padding=1, out_channels=3)}, "divisible by r² = 4, got 3"),
    ({"factor": 5}, "factor must be a whole number from 2 to 4"),
    ({"spec": ConvSpec(20, 3, padding=1, out_channels=4)}, "at most 32 cells"),
    ({"still_step": 4}, r"step must be in 0\.\.3"),
])
def test_bad_shuffles_are_one_line_errors(attrs, message):
    with pytest.raises(SpecError, match=message) as info:
        _scene(**attrs).check_attributes()
    assert "\n" not in str(info.value)
    with pytest.raises(SpecError, match="height and width divisible by 2, got 5×5"):
        _scene(PixelUnshuffleScene, spec=ConvSpec(5, 1)).check_attributes()


def test_numbers_too_small_are_refused_in_one_line():
    cls = _scene(spec=ConvSpec(8, 3, padding=1, in_channels=3, out_channels=12), still_step=0)
    with pytest.raises(SpecError, match=r"px high, less than 10 px") as info:
        play_scene(cls, "854x480@1", draw=False)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("line", "message"), [
    ("-i 3 -k 3 -p 1 --out-channels 3 --pixel-shuffle 2 x", "divisible by r² = 4"),
    ("-i 5 --pixel-unshuffle 2 x", "divisible by 2, got 5×5"),
    ("-i 4 -k 2 --pixel-unshuffle 2 x", "does not take -k"),
    ("-i 4 -t --pixel-shuffle 2 --out-channels 4 x", "does not take -t"),
    ("-i 4 --pixel-unshuffle 2 --pixel-shuffle 2 x", "contradict"),
    ("-i 4 --pixel-unshuffle 5 x", "5 is not in the range 2<=x<=4"),
])
def test_cli_errors_are_one_line_and_write_nothing(tmp_path, monkeypatch, line, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["numerical", *shlex.split(line)], prog_name="convmanim")
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1, result.output
    assert not list(tmp_path.rglob("*.png"))


def test_cli_renders_a_shuffle_still(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(
        "numerical -i 3 -k 3 -p 1 --out-channels 4 --pixel-shuffle 2 -e 3 -q l ps"),
        prog_name="convmanim")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "media" / "ps.png").is_file()


def test_lecture_keys():
    parts = [{"title": "S", "mode": "numerical", "input_size": 3, "padding": 1,
              "out_channels": 4, "pixel_shuffle": 2},
             {"title": "U", "mode": "numerical", "input_size": 4, "pixel_unshuffle": 2,
              "seed": 3}]
    lecture = parse_lecture({"lecture": {"title": "T"}, "part": parts}, source="t.toml")
    shuffle, unshuffle = (p.scene for p in lecture.parts)
    assert issubclass(shuffle, PixelShuffleScene) and shuffle.factor == 2
    assert issubclass(unshuffle, PixelUnshuffleScene) and unshuffle.spec.kernel_size == (1, 1)
    assert "PixelUnshuffle(2) of a 1×4×4 image" in lecture.parts[1].summary()
    for bad, message in (({"kernel_size": 2}, "does not take kernel_size"),
                         ({"pixel_shuffle": 2}, "contradict"),
                         ({"pixel_unshuffle": 7}, "from 2 to 4")):
        with pytest.raises(LectureError, match=message):
            parse_lecture({"lecture": {"title": "T"}, "part": [{**parts[1], **bad}]},
                          source="t.toml")


def _labels(mob):
    """Every typeset label that holds a letter or a digit (a lone sign is part of a formula)."""
    from convmanim.labels import Label

    return [m for m in mob.get_family() if isinstance(m, Label) and len(m.points)
            and any(ch.isalnum() for ch in m.get_tex_string())]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_label_is_readable_and_everything_fits_at_480p(theme):
    from convmanim import NumericalScene
    from convmanim.modes.resize import ResizeConvScene

    scenes = [
        type("A", (NumericalScene,), {"spec": ConvSpec(5, 3, stride=2, padding=1).transposed(),
                                      "overlap": True, "still_step": 8}),
        _scene(still_step=3),
        _scene(PixelUnshuffleScene, still_step=3),
        type("D", (ResizeConvScene,), {"still_step": 35}),
    ]
    for cls in scenes:
        cls.theme = theme
        scene = play_scene(cls, "854x480@1", draw=False)
        px = 480 / config.frame_height
        family = [m for m in scene.get_mobject_family_members() if len(m.points)]
        heights = [m.height * px for m in _labels(_on_screen(scene))]
        assert heights and min(heights) >= 10 - 1e-6, (cls.__name__, min(heights))
        lo = np.min([m.get_corner([-1, -1, 0]) for m in family], axis=0)
        hi = np.max([m.get_corner([1, 1, 0]) for m in family], axis=0)
        assert lo[0] >= -config.frame_width / 2 and hi[0] <= config.frame_width / 2
        assert lo[1] >= -config.frame_height / 2 and hi[1] <= config.frame_height / 2


def _on_screen(scene):
    """Everything the scene shows, as one group."""
    from manim import Group

    return Group(*scene.mobjects)


def test_the_upsampling_lecture_plays_the_conv_then_shuffles_its_very_numbers():
    from pathlib import Path

    from convmanim.lecture import load_lecture
    from convmanim.modes.resize import ResizeConvScene

    lecture = load_lecture(Path(__file__).resolve().parent.parent / "examples" /
                           "upsampling.toml")
    assert len(lecture.parts) == 5
    conv, shuffle = lecture.parts[3].scene, lecture.parts[4].scene
    assert issubclass(lecture.parts[2].scene, ResizeConvScene)
    assert issubclass(shuffle, PixelShuffleScene) and not issubclass(conv, PixelShuffleScene)
    x, w = conv.values()
    out = conv.spec.apply(x[None] if x.ndim == 2 else x, w, bias=conv.bias_vector())
    np.testing.assert_array_equal(out, shuffle.values()[0])
