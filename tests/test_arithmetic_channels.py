"""The arithmetic view with channels: stacks of planes, groups, depthwise, depthwise-separable.

The scenes are played without drawing at a real resolution (the layout
depends on it) and read back from their own mobjects: after every step, the
cells under every kernel tap on every input plane and the cell highlighted on
every output plane, mapped back to grid coordinates through each plane's
own affine map. They are compared with the geometry core's windows and with
the independent loop oracles (tests/oracle.py); the channel bookkeeping
(which input channels each output channel reads) is recomputed here from
``C_in``, ``C_out`` and ``groups``.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from manim import config

from convmanim import ConvSpec, SpecError
from convmanim.limits import CHANNELS_NOT_DRAWN, check_render_size
from convmanim.mobjects.palette import CHANNEL_HUES, channel_color, contrast
from convmanim.modes.arithmetic import (
    ArithmeticScene,
    ChannelView,
    DepthwiseSeparableScene,
    filter_colors,
    input_colors,
)
from convmanim.render import play_scene
from convmanim.theme import DARK, LIGHT
from tests import oracle

HD = "1920x1080@4"
SD = "854x480@4"

GROUPS2 = ConvSpec(5, 3, padding=1, in_channels=4, out_channels=2, groups=2)
DEPTHWISE = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=3, groups=3)
DILATED = ConvSpec((7, 8), (3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1),
                   in_channels=3, out_channels=2)
THREE_TO_TWO = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2)
SPECS = [GROUPS2, DEPTHWISE, DILATED, THREE_TO_TWO]
TRANSPOSED = [s.transposed() for s in SPECS]


def _id(spec) -> str:
    return spec.describe().replace(" ", "_")


def grid_cell(plane, point) -> tuple[int, int]:
    """The grid cell ``(r, c)`` under a screen point, by inverting the plane's map."""
    m = np.array([plane.row[:2], plane.col[:2]]).T
    r, c = np.linalg.solve(m, np.asarray(point)[:2] - plane.origin[:2])
    return int(np.floor(r)), int(np.floor(c))


def oracle_groups(c_in, c_out, groups, out_channel):
    """The input channels output channel ``out_channel`` reads: its group's."""
    n_in, n_out = c_in // groups, c_out // groups
    g = out_channel // n_out
    return list(range(g * n_in, (g + 1) * n_in))


def oracle_taps(spec):
    """Grid coordinates of every tap, per step, from the loop oracles."""
    if spec.is_transposed:
        f = spec.forward
        return oracle.transposed_direct_windows(
            f.input_size, f.kernel_size, f.stride, f.padding, f.dilation)[2]
    return oracle.windows(*spec.input_size, *spec.kernel_size, spec.stride, spec.padding,
                          spec.dilation)


# ------------------------------------------------------------ geometry
@pytest.mark.parametrize("spatial", [
    (5, 3, 1, 1, 1), (6, 3, 2, 0, 1), (7, 3, 1, 2, 2), ((5, 7), (3, 2), (2, 1), (1, 0), (1, 2)),
])
@pytest.mark.parametrize("c_in,c_out", [(1, 1), (3, 4), (4, 2)])
def test_depthwise_separable_pair_against_the_loop_oracle(spatial, c_in, c_out):
    spec = ConvSpec(*spatial, in_channels=c_in, out_channels=c_out)
    depthwise, pointwise = spec.depthwise_separable()
    assert (depthwise.in_channels, depthwise.out_channels, depthwise.groups) == (c_in, c_in, c_in)
    assert depthwise.output_shape == (c_in, *spec.output_size)
    assert pointwise.kernel_size == (1, 1) and pointwise.groups == 1
    assert pointwise.input_shape == depthwise.output_shape
    assert pointwise.output_shape == spec.output_shape
    rng = np.random.default_rng(c_in * 10 + c_out)
    x = rng.integers(-3, 4, size=(c_in, *spec.input_size)).astype(float)
    d = rng.integers(-2, 3, size=(c_in, 1, *spec.kernel_size)).astype(float)
    p = rng.integers(-2, 3, size=(c_out, c_in, 1, 1)).astype(float)
    s, pad, dil = spec.stride, spec.padding, spec.dilation
    mid = oracle.conv2d_grouped(x, d, None, s, pad, dil, c_in)
    want = oracle.conv2d_grouped(mid, p, None, (1, 1), (0, 0), (1, 1), 1)
    got = pointwise.apply(depthwise.apply(x, d), p)
    np.testing.assert_allclose(got.reshape(want.shape), want)
    # the same as one ordinary conv with the weight w[o, c] = p[o, c] * d[c]
    composed = p[:, :, 0, 0][:, :, None, None] * d[None, :, 0]
    np.testing.assert_allclose(want, oracle.conv2d_grouped(x, composed, None, s, pad, dil, 1))
    kh, kw = spec.kernel_size
    oh, ow = spec.output_size
    assert depthwise.multiplies + pointwise.multiplies == c_in * kh * kw * oh * ow + \
        c_in * c_out * oh * ow
    assert spec.multiplies == c_out * c_in * kh * kw * oh * ow


def test_depthwise_separable_needs_an_ordinary_conv():
    message = "replaces an ordinary conv (groups = 1), got groups 2"
    with pytest.raises(SpecError, match=re.escape(message)):
        ConvSpec(5, 3, in_channels=2, out_channels=2, groups=2).depthwise_separable()


class _Recorder:
    """After each step: the cells under every window and highlight, per plane."""

    step_time = 0.5
    end_hold = 0.2

    def setup(self) -> None:
        self.snapshots = []

    def wait(self, *args, **kwargs):
        if hasattr(self, "parts") and len(self.snapshots) < self.num_steps():
            view = self.parts
            link = view.links[view.active]
            taps = {
                c: sorted(grid_cell(link.source.plane_of(c), t) for t in w.tap_centers())
                for c, w in link.windows.items()
            }
            cells = {o: grid_cell(link.target.plane_of(o), h.shade.get_center())
                     for o, h in link.highlights.items()}
            self.snapshots.append((view.active, taps, cells))
        return super().wait(*args, **kwargs)


def _play(base, spec=None, quality=HD, **attrs):
    if spec is not None:
        attrs["spec"] = spec
    cls = type("S", (_Recorder, base), attrs)
    return play_scene(cls, quality, draw=False)


def check_link_steps(spec, snapshots, link):
    """Every step of ``link`` shows the geometry's and the oracle's window on every plane."""
    oh, ow = spec.output_size
    want_oracle = oracle_taps(spec)
    assert len(snapshots) == oh * ow
    for e, (taps, cells) in enumerate(snapshots):
        geometry = sorted(map(tuple, spec.window(e).reshape(-1, 2).tolist()))
        assert geometry == sorted(map(tuple, want_oracle[e].reshape(-1, 2).tolist()))
        for o in range(spec.out_channels):
            assert cells[o] == (e // ow, e % ow), (e, o)
            reads = oracle_groups(spec.in_channels, spec.out_channels, spec.groups, o)
            assert link.reads(o) == reads
            for c in reads:
                assert taps[c] == geometry, (e, o, c)
    # every input plane has its window, and nothing else does
    assert sorted(taps) == list(range(spec.in_channels))
    assert sorted(cells) == list(range(spec.out_channels))


@pytest.mark.parametrize("spec", SPECS + TRANSPOSED, ids=_id)
def test_every_step_highlights_the_windows_of_every_output_channel(spec):
    scene = _play(ArithmeticScene, spec)
    assert scene.steps_played == list(range(spec.num_steps))
    view = scene.parts
    assert isinstance(view, ChannelView)
    link = view.links[0]
    check_link_steps(spec, [(t, c) for _, t, c in scene.snapshots], link)
    # the planes are the direct conv's grid (zero-inserted and padded for -t) and the output
    source, target = link.source, link.target
    assert source.grid_size == spec.direct().grid_size
    assert target.grid_size == spec.output_size
    for c in source.channels:
        assert (source.sheet(c).mask == spec.direct().input_mask()).all()


def test_transposed_filters_are_rotated_slices():
    spec = THREE_TO_TWO.transposed()
    scene = _play(ArithmeticScene, spec, still_step=4)
    view = scene.parts
    link = view.links[0]
    kh, kw = spec.kernel_size
    win = spec.window(4)
    for c, window in link.windows.items():
        dots = [m for m in window.submobjects if m is not window.taps]
        assert len(dots) == 1 and dots[0] is window.mark
        plane = link.source.plane_of(c)
        # w_00 is multiplied at the bottom-right tap: the filter is rotated by 180°
        assert grid_cell(plane, dots[0].get_center()) == tuple(win[kh - 1, kw - 1])
    bank = view.banks[0][1]
    assert all(sheet.grid_size == spec.kernel_size
               for slices in bank.slices.values() for sheet in slices.values())
    # ... and in the bank, at the filter's own w_00: the top-left tap of every slice
    dots = 0
    for f, block in bank.blocks.items():
        planes = [sheet.plane for sheet in bank.slices[f].values()]
        for dot in (m for m in block.submobjects if type(m).__name__ == "Dot"):
            assert any(grid_cell(p, dot.get_center()) == (0, 0) and
                       np.allclose(p.cell_center(0, 0), dot.get_center()) for p in planes)
            dots += 1
    assert dots == spec.out_channels * spec.channels_per_group[0]


def test_forward_filters_carry_no_orientation_dot():
    scene = _play(ArithmeticScene, THREE_TO_TWO, still_step=0)
    for window in scene.parts.links[0].windows.values():
        assert window.submobjects == [window.taps] and window.mark is None


def test_depthwise_separable_plays_depthwise_then_pointwise():
    spec = ConvSpec((5, 6), 3, padding=1, stride=(1, 2), in_channels=3, out_channels=4)
    scene = _play(DepthwiseSeparableScene, spec)
    n = spec.num_steps
    assert scene.num_steps() == 2 * n
    assert scene.steps_played == list(range(2 * n))
    phases = [active for active, _, _ in scene.snapshots]
    assert phases == [0] * n + [1] * n
    view = scene.parts
    depthwise, pointwise = view.links
    assert [len(s.channels) for s in view.stacks] == [3, 3, 4]
    # phase 1: one k x k filter per channel, on its own channel
    assert depthwise.conv.is_depthwise and depthwise.conv.kernel_size == (3, 3)
    check_link_steps(depthwise.conv, [(t, c) for _, t, c in scene.snapshots[:n]], depthwise)
    for o in range(3):
        assert depthwise.reads(o) == [o]
    # phase 2: 1x1 filters over the depthwise output, every channel, into C_out
    assert pointwise.conv.kernel_size == (1, 1) and pointwise.conv.groups == 1
    assert pointwise.source is depthwise.target
    check_link_steps(pointwise.conv, [(t, c) for _, t, c in scene.snapshots[n:]], pointwise)
    for o in range(4):
        assert pointwise.reads(o) == [0, 1, 2]
    # the moving parts of the phase not playing are not in the scene
    assert all(m not in scene.mobjects for m in depthwise.moving())
    assert all(m in scene.mobjects for m in pointwise.moving())


def test_depthwise_separable_caption_counts_the_multiplies():
    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4)
    scene = _play(DepthwiseSeparableScene, spec, still_step=0)
    text = " ".join(line.get_tex_string() for line in scene.parts.panel[1:])
    c_in, c_out, k, o = 3, 4, 3, 5
    plain = c_out * c_in * k * k * o * o
    separable = c_in * k * k * o * o + c_in * c_out * o * o
    assert plain == spec.multiplies == 2700 and separable == 975
    assert rf"= {c_in * k * k * o * o} + {c_in * c_out * o * o} = {separable}" in text
    assert f"= {plain}" in text
    assert r"\approx 2.8\times" in text


@pytest.mark.parametrize("bad,message", [
    (ConvSpec(5, 3, in_channels=4, out_channels=4, groups=2), "groups = 1), got groups 2"),
    (ConvSpec(5, 3, in_channels=3, out_channels=2).transposed(), "forward conv: drop -t"),
])
def test_depthwise_separable_refuses_what_it_cannot_replace(bad, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        _play(DepthwiseSeparableScene, bad, still_step=0)


def test_still_step_in_the_pointwise_phase():
    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4)
    scene = _play(DepthwiseSeparableScene, spec, still_step=spec.num_steps + 7)
    view = scene.parts
    assert view.active == 1
    assert {h.cell for h in view.links[1].highlights.values()} == {spec.step_cell(7)}
    with pytest.raises(SpecError, match=r"step must be in 0\.\.49 \(50 steps\), got 50"):
        DepthwiseSeparableScene.check_step.__func__(  # type: ignore[attr-defined]
            type("S", (DepthwiseSeparableScene,), {"spec": spec}), 50)


def test_labels_name_the_tensors_with_their_shapes():
    scene = _play(ArithmeticScene, THREE_TO_TWO, still_step=0)
    view = scene.parts
    assert [label.get_tex_string() for label in view.labels] == [
        r"input $3\times 5\times 5$", r"output $2\times 3\times 3$"]
    assert view.banks[0][0].get_tex_string() == r"filters $2\times 3\times 3\times 3$"
    t = _play(ArithmeticScene, THREE_TO_TWO.transposed(), still_step=0).parts
    assert [label.get_tex_string() for label in t.labels] == [
        r"input $2\times 3\times 3$", r"output $3\times 5\times 5$"]
    assert t.banks[0][0].get_tex_string() == r"filters $3\times 2\times 3\times 3$"


def test_groups_colour_input_channels_and_filters():
    for spec in (GROUPS2, DEPTHWISE, ConvSpec(5, 3, in_channels=4, out_channels=6, groups=2)):
        ins = input_colors(spec, LIGHT)
        outs = filter_colors(spec, 0)
        for c in range(spec.in_channels):
            assert ins[c] == channel_color(spec.group_of_input(c))
        for o in range(spec.out_channels):
            group = o // (spec.out_channels // spec.groups)
            # a group's filters share its hue: the first is the hue itself, the rest lighter
            assert outs[o] == channel_color(group, o % (spec.out_channels // spec.groups),
                                            spec.out_channels // spec.groups)
        assert len(set(outs.values())) == spec.out_channels
    # with one group, the input is the input's blue and every filter has its own colour
    ins, outs = input_colors(THREE_TO_TWO, LIGHT), filter_colors(THREE_TO_TWO, 1)
    assert set(ins.values()) == {LIGHT.input_fill}
    assert len(set(outs.values())) == 2 and LIGHT.input_fill not in outs.values()
    scene = _play(ArithmeticScene, GROUPS2, still_step=0)
    stack = scene.parts.stacks[0]
    assert [stack.sheet(c).fill_color_value for c in range(4)] == [channel_color(0)] * 2 + [
        channel_color(1)] * 2


def test_group_and_filter_colours_keep_text_contrast_in_both_themes():
    fills = set(CHANNEL_HUES)
    for hue in range(len(CHANNEL_HUES)):
        for shades in range(1, 5):
            fills |= {channel_color(hue, s, shades) for s in range(shades)}
    for fill in fills:
        # cell text is the same dark colour in both themes
        assert LIGHT.cell_text == DARK.cell_text
        assert contrast(LIGHT.cell_text, fill) >= 4.5, fill
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_eight_channels_are_drawn_in_full_at_1080p_and_elided_at_480p():
    spec = ConvSpec(5, 3, padding=1, in_channels=8, out_channels=8)
    hd = _play(ArithmeticScene, spec, HD, still_step=0).parts
    assert [len(s.channels) for s in hd.stacks] == [8, 8]
    assert all(s.marker is None for s in hd.stacks)
    sd = _play(ArithmeticScene, spec, SD, still_step=0).parts
    for stack in sd.stacks:
        assert len(stack.channels) < 8 and stack.marker is not None
        hidden = int(stack.marker.label.get_tex_string().split()[0])
        assert len(stack.channels) + hidden == 8
        # the first and the last channels are drawn; the middle ones are elided
        assert stack.channels[0] == 0 and stack.channels[-1] == 7


def test_many_channels_are_elided_with_a_marker_never_dropped():
    spec = ConvSpec(5, 3, padding=1, in_channels=16, out_channels=12, groups=4)
    view = _play(ArithmeticScene, spec, HD, still_step=3).parts
    for stack, count in zip(view.stacks, (16, 12)):
        assert stack.marker is not None
        hidden = int(stack.marker.label.get_tex_string().split()[0])
        assert len(stack.channels) + hidden == count
        assert stack.channels == sorted(stack.channels)
        assert stack.channels[:1] == [0] and stack.channels[-1:] == [count - 1]
    link = view.links[0]
    for o in link.highlights:
        assert link.reads(o) == [c for c in oracle_groups(16, 12, 4, o) if c in link.windows]


@pytest.mark.parametrize("quality", [HD, SD])
@pytest.mark.parametrize("spec", SPECS + TRANSPOSED[:1] + [
    ConvSpec(5, 3, padding=1, in_channels=8, out_channels=8),
    ConvSpec(9, 3, padding=1, in_channels=16, out_channels=32, groups=4),
], ids=_id)
def test_everything_stays_inside_the_frame_and_labels_apart(spec, quality):
    scene = _play(ArithmeticScene, spec, quality, still_step=0)
    w, h = config.frame_width, config.frame_height
    for mob in scene.mobjects:
        assert mob.get_left()[0] >= -w / 2 - 1e-6 and mob.get_right()[0] <= w / 2 + 1e-6, mob
        assert mob.get_bottom()[1] >= -h / 2 - 1e-6 and mob.get_top()[1] <= h / 2 + 1e-6, mob
    view = scene.parts
    boxes = [*view.labels, view.panel, *view.banks]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a.get_right()[0] < b.get_left()[0] or b.get_right()[0] < a.get_left()[0]
                     or a.get_top()[1] < b.get_bottom()[1] or b.get_top()[1] < a.get_bottom()[1])
            assert apart, (a, b)
    # the stacks do not overlap each other or the panel
    right = max(box[1] for box in view.layout.boxes)
    assert right < view.panel.get_left()[0]
    px = config.pixel_height / h
    # every label (tensor names, elision counts) is at least 10 px tall
    texts = [*view.labels, view.banks[0][0]]
    texts += [s.marker.label for s in view.stacks if s.marker is not None]
    for label in texts:
        assert label.height * px >= 10, label.get_tex_string()


def test_separable_stays_inside_the_frame():
    for quality in (HD, SD):
        scene = _play(DepthwiseSeparableScene, DepthwiseSeparableScene.spec, quality,
                      still_step=30)
        w, h = config.frame_width, config.frame_height
        for mob in scene.mobjects:
            assert -w / 2 - 1e-6 <= mob.get_left()[0] and mob.get_right()[0] <= w / 2 + 1e-6
            assert -h / 2 - 1e-6 <= mob.get_bottom()[1] and mob.get_top()[1] <= h / 2 + 1e-6
        view = scene.parts
        assert view.banks[1].get_bottom()[1] >= -h / 2
        assert view.banks[0].get_bottom()[1] > view.banks[1].get_top()[1]
        assert view.panel.get_bottom()[1] > view.banks[0].get_top()[1]


def test_planes_too_thin_for_the_resolution_are_one_line_errors():
    spec = ConvSpec(5, 3, in_channels=3, out_channels=2)
    with pytest.raises(SpecError) as info:
        _play(ArithmeticScene, spec, "160x90@4", still_step=0)
    message = str(info.value)
    assert "\n" not in message
    assert "at 160x90 the channel planes would be" in message
    assert "render at a higher quality" in message


def test_python_scenes_get_the_render_limits():
    assert "arithmetic" not in CHANNELS_NOT_DRAWN
    too_big = ConvSpec(40, 3, in_channels=2, out_channels=2)
    with pytest.raises(SpecError) as info:
        check_render_size(too_big, "arithmetic")
    with pytest.raises(SpecError) as from_scene:
        _play(ArithmeticScene, too_big, still_step=0)
    assert str(from_scene.value) == str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(SpecError, match="more than the arithmetic mode's limit of 64"):
        _play(ArithmeticScene, ConvSpec(70, 3), still_step=0)


# ------------------------------------------------------------ command line, lecture
def _cli(tmp_path, monkeypatch, line):
    import shlex

    from click.testing import CliRunner

    from convmanim.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(line), prog_name="convmanim",
                                catch_exceptions=False)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                   if p.is_file())
    return result, files


@pytest.mark.parametrize("flags,message", [
    ("--separable -t", "--separable draws a forward conv: drop -t"),
    ("--separable --groups 3", "--separable builds its own groups"),
    ("--separable --weights", "--weights writes w_ab in the single-channel view"),
    ("--weights --groups 3", "--weights writes w_ab in the single-channel view"),
    ("--separable -e 50", "step must be in 0..49 (50 steps), got 50"),
    ("-q 160x90", "at 160x90 the channel planes would be"),
    ("-i 30", "more than the arithmetic mode's limit of 24 per side with channels"),
])
def test_cli_channel_errors_are_one_line_and_write_nothing(tmp_path, monkeypatch, flags,
                                                           message):
    result, files = _cli(tmp_path, monkeypatch, "arithmetic -i 5 -k 3 -p 1 --in-channels 3 "
                                                f"--out-channels 3 -q l x {flags}")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert files == []


def test_cli_separable_still_of_the_pointwise_phase(tmp_path, monkeypatch):
    import imageio.v3 as iio

    result, files = _cli(tmp_path, monkeypatch, "arithmetic -i 5 -k 3 -p 1 --in-channels 3 "
                                                "--out-channels 4 --separable -e 30 -q l sep")
    assert result.exit_code == 0, result.output
    assert files == ["media/sep.png"]
    assert iio.imread(tmp_path / "media/sep.png").shape[:2] == (480, 854)


def test_lecture_separable_key(tmp_path):
    from convmanim.lecture import LectureError, parse_lecture

    part = {"title": "Separable", "in_channels": 3, "out_channels": 4, "padding": 1,
            "separable": True}
    lecture = parse_lecture({"part": [part]})
    scene = lecture.parts[0].scene
    assert issubclass(scene, DepthwiseSeparableScene)
    assert scene.num_steps() == 50
    assert "depthwise-separable" in lecture.parts[0].summary()
    for bad, message in [
        ({"separable": True, "transposed": True}, "drop -t"),
        ({"separable": True, "out_channels": 3, "groups": 3}, "got groups 3"),
        ({"separable": True, "weights": True}, "drop weights"),
        ({"separable": "yes"}, "separable must be true or false"),
        ({"mode": "numerical", "separable": True}, "is for mode 'arithmetic'"),
    ]:
        with pytest.raises(LectureError, match=re.escape(message)):
            parse_lecture({"part": [{**part, **bad}]})


@pytest.mark.parametrize("base,spec", [
    (ArithmeticScene, GROUPS2),
    (ArithmeticScene, THREE_TO_TWO.transposed()),
    (DepthwiseSeparableScene, ConvSpec(3, 2, padding=1, in_channels=2, out_channels=3)),
], ids=["groups2", "transposed", "separable"])
def test_frozen_planes_leave_every_frame_as_it_was(base, spec):
    """The planes are drawn once into the background; every step's frame is as if drawn."""

    def frames(freeze: bool) -> tuple[list[np.ndarray], int]:
        shots: list[np.ndarray] = []
        frozen: list[int] = []

        class Recorder(base):  # type: ignore[misc, valid-type]
            step_time = 0.5

            def step_done(self, step: int) -> None:
                super().step_done(step)
                shots.append(self.renderer.camera.pixel_array.copy())

            def freeze_still_parts(self) -> None:
                if freeze:
                    super().freeze_still_parts()
                    frozen.append(len(self._frozen))

        scene = play_scene(type("S", (Recorder,), {"spec": spec}), "640x360@4")
        if freeze:
            # the panel, labels, banks and the planes under the moving parts left the scene
            view = scene.parts
            below = [m for m in view.sheets() if all(m is not t for t in view.links[
                view.active].target.sheets.values())]
            assert frozen[-1] == len(view.still()) + len(below)
            assert len(frozen) == len(view.links)
        return shots, len(scene.mobjects)

    (frozen, _), (drawn, _) = frames(True), frames(False)
    assert len(frozen) == len(drawn) == (2 if base is DepthwiseSeparableScene else 1) * \
        spec.num_steps
    for step, (a, b) in enumerate(zip(frozen, drawn)):
        assert len(np.unique(a.reshape(-1, 4), axis=0)) > 8
        np.testing.assert_array_equal(a, b, err_msg=f"step {step}")


def test_scene_file_channel_scenes_build_at_a_middle_step():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scenes" / "arithmetic.py"
    module_spec = importlib.util.spec_from_file_location("scenes_arithmetic", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    names = ["Channels", "GroupedConv", "DepthwiseConv", "DepthwiseSeparable",
             "ChannelsTransposed"]
    kinds = set()
    for name in names:
        cls = getattr(module, name)
        assert cls.spec.has_channels
        kinds.add("groups" if cls.spec.groups > 1 and not cls.spec.is_depthwise else
                  "depthwise" if cls.spec.is_depthwise else
                  "transposed" if cls.spec.is_transposed else
                  "separable" if issubclass(cls, DepthwiseSeparableScene) else "plain")
        scene = play_scene(type(name, (cls,), {"still_step": cls.num_steps() // 2}), HD,
                           draw=False)
        assert isinstance(scene.parts, ChannelView)
    assert kinds == {"groups", "depthwise", "transposed", "separable", "plain"}


@pytest.mark.parametrize("base,spec,kept", [
    (ArithmeticScene, THREE_TO_TWO, True),
    (DepthwiseSeparableScene, ConvSpec(5, 3, padding=1, in_channels=3, out_channels=4), False),
    (ArithmeticScene, DILATED.transposed(), False),
], ids=["kept", "separable", "tall-formula"])
def test_intro_formula_stays_beside_the_filters_or_fades(base, spec, kept):
    """The formula stays under the panel only where the filter banks still fit below it."""
    for quality in (HD, SD):
        scene = _play(base, spec, quality, intro=True, still_step=3)
        view = scene.parts
        assert scene.keep_formula is kept
        assert (view.formula in scene.mobjects) is kept
        w, h = config.frame_width, config.frame_height
        for mob in scene.mobjects:
            assert -w / 2 - 1e-6 <= mob.get_left()[0] and mob.get_right()[0] <= w / 2 + 1e-6
            assert -h / 2 - 1e-6 <= mob.get_bottom()[1] and mob.get_top()[1] <= h / 2 + 1e-6
        column = [view.panel, *([view.formula] if kept else []), *view.banks]
        for upper, lower in itertools.pairwise(column):
            assert upper.get_bottom()[1] > lower.get_top()[1]


def test_step_captions_say_what_every_filter_does():
    def caption(base, spec, step):
        return type("S", (base,), {"spec": spec})().step_caption(step)

    text = caption(ArithmeticScene, THREE_TO_TWO, 4)
    assert text.startswith("Step 5 of 9: the 3×3 kernel covers rows 2 to 4 and columns 2 to 4")
    assert text.endswith("each of the 2 filters (3×3×3) reads this window on all 3 input "
                         "channels and writes that cell of its own output channel.")
    assert "on the 2 input channels of its group" in caption(ArithmeticScene, GROUPS2, 0)
    assert "each of the 3 filters (1×3×3) reads this window on its own input channel" in \
        caption(ArithmeticScene, DEPTHWISE, 0)
    spec = ConvSpec(4, 3, padding=1, in_channels=3, out_channels=4)
    assert caption(DepthwiseSeparableScene, spec, 0).startswith(
        "Step 1 of 32, depthwise phase: the 3×3 kernel covers rows 0 to 2")
    last = caption(DepthwiseSeparableScene, spec, 31)
    assert last.startswith("Step 32 of 32, pointwise phase: the 1×1 kernel covers rows 3 and "
                           "columns 3 of the 4×4 input and gives output cell row 3, column 3")
    assert "each of the 4 filters (3×1×1) reads this window on all 3 input channels" in last
    # without channels, the caption is the single-channel view's
    assert caption(ArithmeticScene, ConvSpec(5, 3), 0).endswith("gives output cell row 0, "
                                                                 "column 0.")
