"""The stack scene: a receptive field traced down a stack of layers, read back off the screen.

The cells shaded at each step are read back from the scene's mobjects (each
shaded polygon's centre mapped back through its level's plane) and compared
with :meth:`Stack.seen` and with brute force through every layer's
``conv_index_matrix`` (:func:`tests.oracle.stack_dependency`); the table's
numbers with the closed forms and with the loop oracle's span; where each
level stands with a recursion over the windows' anchors. Then the layer
grammar, the command line and the lecture key.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import StackScene
from convmanim.cli import main
from convmanim.geometry import ConvSpec, ConvSpec1d, SpecError, padding_only_steps
from convmanim.lecture import LectureError, parse_lecture
from convmanim.receptive import (
    Stack,
    bounding_box,
    layer_text,
    parse_input_size,
    parse_stack,
    wavenet,
)
from convmanim.render import play_scene
from tests import oracle

LOW = "854x480@15"
"""480p: the lowest resolution the scenes below are drawn at (labels of 10 px and more)."""

STACKS = {
    "wavenet": (wavenet(), None),
    "strided": (parse_stack("k3 s2 p1; k3 p1; k3 d2", 16), None),
    "pooled": (parse_stack("k3 p1; max2; avg3 s1 p1", 12), 2),
    "grid": (parse_stack("k3 s2 p1; k3 d2", "11x11"), (1, 0)),
}


def _flat(stack: Stack, cell: tuple[int, ...]) -> int:
    return int(np.ravel_multi_index(cell, stack.sizes[-1]))


def _shaded(scene) -> list[set[tuple[int, ...]]]:
    """The cells shown shaded at every level, read back through each level's plane."""
    out = []
    for grid, lit, level in zip(scene.parts.grids, scene.parts.lit, scene.parts.levels):
        plane = grid.plane
        basis = np.stack([plane.row[:2], plane.col[:2]], axis=1)
        cells = set()
        for polygon in lit:
            if polygon.get_fill_opacity() == 0:
                continue
            r, c = np.linalg.solve(basis, polygon.get_center()[:2] - plane.origin[:2]) - 0.5
            pos = (round(r), round(c))
            assert np.allclose((r, c), pos, atol=1e-6)  # a cell's centre, not between two
            cell = (pos[1],) if len(level.size) == 1 else pos
            cells.add(tuple(int(v - b) for v, b in zip(cell, level.padding_before)))
        out.append(cells)
    return out


@pytest.mark.parametrize("name", list(STACKS))
def test_the_cells_shaded_at_every_step_are_the_seen_ones(name):
    stack, cell = STACKS[name]
    attrs = {"layers": stack, "cell": cell}
    cell = stack.default_cell() if cell is None else (
        (cell,) if isinstance(cell, int) else cell)
    want = stack.seen(cell if len(cell) > 1 else cell[0])
    brute = oracle.stack_dependency(stack.layers, _flat(stack, cell), len(stack) - 1)
    top = len(stack)
    for step in range(top + 1):
        scene = play_scene(type("S", (StackScene,), {**attrs, "still_step": step}), LOW,
                           draw=False)
        shaded = _shaded(scene)
        for level in range(top + 1):
            got = shaded[level]
            if level < top - step:
                assert got == set(), (step, level)
                continue
            assert got == {tuple(c) for c in np.argwhere(want[level])}, (step, level)
            flat = {int(np.ravel_multi_index(c, stack.sizes[level])) for c in got}
            assert flat == set(np.nonzero(brute[level])[0].tolist()), (step, level)
        # the lines of the dependency are shown for the levels reached, and only those
        for m, links in enumerate(scene.parts.links):
            visible = any(line.get_stroke_opacity() > 0 for line in links)
            assert visible == (m >= top - step and len(links) > 0)


def _numbers(tex: str) -> list[int]:
    return [int(n) for n in re.findall(r"-?\d+", tex.replace("$-$", "-"))]


@pytest.mark.parametrize("name", list(STACKS))
def test_the_table_and_the_caption_give_the_closed_forms(name):
    stack, cell = STACKS[name]
    scene = play_scene(type("S", (StackScene,), {"layers": stack, "cell": cell,
                                                 "still_step": len(stack)}), LOW, draw=False)
    for level, row in enumerate(scene.parts.table_rows):
        r, jump, start = (_numbers(m.get_tex_string()) for m in row)
        if level == 0:
            assert (r, jump, start) == ([1], [1], [0])
            continue
        # the loop oracle: the unclipped span of output 0, the product of the strides
        for axis in range(stack.ndim):
            axes = [(ax.kernel_size, ax.stride, ax.padding_before, ax.dilation)
                    for ax in (layer_axes[axis] for layer_axes in stack._axes[:level])]
            lo, hi = oracle.receptive_span(axes, 0)
            strides = int(np.prod([a[1] for a in axes]))
            shown = tuple(v[axis] if len(v) > 1 else v[0] for v in (r, jump, start))
            assert shown == (hi - lo + 1, strides, lo)
        field = stack.fields[level - 1]
        assert len(set(field.size)) > 1 or r == [field.size[0]]
    # the last caption writes the top layer's closed forms and the span they give the cell
    words = " ".join(line.get_tex_string() for line in scene.parts.captions[-1])
    field = stack.field()
    assert f"r = {field.size[0]}, jump = {field.jump[0]}" in words
    assert _numbers(words.split("start = ")[1])[0] == field.start[0]


def test_a_level_stands_over_the_anchors_of_its_windows():
    for stack in (*(s for s, _ in STACKS.values()),
                  Stack([ConvSpec1d(9, 2, padding="causal"), ConvSpec1d(9, 3, 2, 1)])):
        for axis in range(stack.ndim):
            layers = [(axes[axis].kernel_size, axes[axis].stride, axes[axis].padding_before,
                       axes[axis].dilation, getattr(spec, "causal", False))
                      for spec, axes in zip(stack.layers, stack._axes)]
            for m, level in enumerate(stack.levels):
                for n in range(-level.padding_before[axis], level.size[axis] + 1):
                    at = level.origin[axis] + n * level.pitch[axis]
                    assert at == pytest.approx(oracle.stack_anchor(layers, m, n))


def test_links_are_the_dependency_graph():
    for stack, cell in STACKS.values():
        cell = stack.default_cell() if cell is None else ((cell,) if isinstance(cell, int)
                                                          else cell)
        seen = stack.seen(cell if len(cell) > 1 else cell[0])
        for m, pairs in enumerate(stack.links(cell if len(cell) > 1 else cell[0])):
            reads = oracle.layer_dependency(stack.layers[m])
            want = {(o, i) for o in np.nonzero(seen[m + 1].ravel())[0]
                    for i in np.nonzero(reads[o])[0]}
            got = {(int(np.ravel_multi_index(tuple(u), stack.sizes[m + 1])),
                    int(np.ravel_multi_index(tuple(v), stack.sizes[m]))) for u, v in pairs}
            assert got == want


def test_a_real_sequential_is_traced(torch_module):
    nn = torch_module.nn
    model = nn.Sequential(nn.ZeroPad1d((2, 0)), nn.Conv1d(1, 4, 3), nn.ReLU(),
                          nn.AvgPool1d(2), nn.Conv1d(4, 1, 3, padding=2, dilation=2))
    cls = type("S", (StackScene,), {"layers": model, "input_shape": (1, 16), "still_step": 3})
    stack = cls.stack()
    assert stack.text() == "k3 causal; avg2; k3 p2 d2"
    assert stack.kinds == ("convolution", "average", "convolution")
    scene = play_scene(cls, LOW, draw=False)
    # torch's own gradient: the input cells the traced output depends on (an average
    # pooling passes it to every cell of its window; a max pooling only to the largest)
    with torch_module.no_grad():
        for p in model.parameters():
            p.copy_(torch_module.rand_like(p) + 0.5)  # positive: no path cancels out
    (cell,) = cls.traced_cell()
    x = torch_module.rand(1, 1, 16, requires_grad=True)
    model(x)[0, 0, cell].backward()
    reached = set(np.nonzero(x.grad[0, 0].numpy())[0].tolist())
    assert {c[0] for c in _shaded(scene)[0]} == reached


@pytest.fixture(scope="module")
def torch_module():
    return pytest.importorskip("torch")


# ------------------------------------------------------------------ the grammar
GOOD = ["k3 s2 p1; k3 p1; k3 d2", "k2 causal; k2 d2 causal", "k3 p1; max2; avg3 s1 p1",
        "max3 s1 p1 d2; k1", "k5 s3 p2"]


@pytest.mark.parametrize("text", GOOD)
def test_the_grammar_reads_what_it_writes(text):
    stack = parse_stack(text, 24)
    assert stack.text() == text
    assert parse_stack(stack.text(), 24).layers == stack.layers
    for spec, kind in zip(stack.layers, stack.kinds):
        assert parse_stack(layer_text(spec, kind), spec.input_size).layers == (spec,)


def test_the_grammar_builds_the_layers_it_names():
    stack = parse_stack("k3 s2 p1; max2; avg3 s1 p1 d2", "16x12")
    assert stack.layers == (ConvSpec((16, 12), 3, 2, 1), ConvSpec((8, 6), 2, 2),
                            ConvSpec((4, 3), 3, 1, 1, 2))
    assert stack.kinds == ("convolution", "max", "average")
    assert parse_stack("k3x1 s1x2; k2", "8x8").layers[0] == ConvSpec(8, (3, 1), (1, 2))
    assert parse_stack("K3 CAUSAL", 5).layers == (ConvSpec1d(5, 3, padding="causal"),)
    assert parse_input_size("16") == 16 and parse_input_size("4x6") == (4, 6)


BAD = [
    ("k3 q2", 16, r"layer 1 \(k3 q2\): unknown token 'q2'"),
    ("k3; s2", 16, r"layer 2 \(s2\): no window: start it with kN, maxN or avgN"),
    ("k3 max2", 16, "layer 1 .*: k3 and max2 both give the window"),
    ("k3 s2 s1", 16, "s1 sets the stride a second time"),
    ("k3 p1 causal", 16, "causal sets the padding a second time"),
    ("k3;;k3", 16, "layer 2 is empty"),
    ("  ", 16, "no layers given"),
    ("k3x1", 16, "k3x1 is per axis, but the input 16 is 1-D"),
    ("k3 causal", "8x8", "causal padding is for 1-D layers"),
    ("max2 causal", 16, "causal padding is for convolutions"),
    ("k9", 4, "layer 1 .*: kernel_size: the effective kernel 9"),
    ("max3 p2", 8, "padding 2 must be at most half the pooling window 3"),
    ("k3", "0", "input_size must be positive"),
    ("k3", "ax3", "input_size must be an integer or HxW"),
    ("k3;" * 70, 1000, "70 layers, more than 64"),
    ("k" + "9" * 30, 16, "too large"),
    ("k3\n q1", 16, r"layer 1 \(k3 q1\): unknown token 'q1'"),
]


@pytest.mark.parametrize("text,size,message", BAD, ids=[m for *_, m in BAD])
def test_bad_layers_are_one_line_naming_the_token(text, size, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_stack(text, size)
    assert "\n" not in str(info.value)


def _padding_only_by_loops(size, kernel, stride, padding, dilation, output):
    return [e for e in range(output)
            if not any(0 <= e * stride - padding + t * dilation < size for t in range(kernel))]


def test_windows_of_padding_alone_are_found_without_a_loop_over_the_input():
    for size, kernel, stride, padding, dilation in itertools.product(
            range(1, 9), range(1, 5), range(1, 4), range(0, 4), range(1, 4)):
        output = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
        assert padding_only_steps(size, kernel, stride, padding, dilation, output) == \
            _padding_only_by_loops(size, kernel, stride, padding, dilation, output)
    # a max pooling over a sequence of a billion cells is checked at once
    assert parse_stack("max2", 10**9).sizes == ((10**9,), (5 * 10**8,))
    assert parse_stack("max3 p1", "99999x99999").kinds == ("max",)


def test_helpers_of_the_core():
    assert bounding_box(np.zeros((2, 2), dtype=bool)) is None
    assert bounding_box(np.array([0, 1, 1, 0, 1], dtype=bool)) == ((1, 4),)
    assert wavenet().default_cell() == (15,)
    assert parse_stack("k3 s2", "9x9").default_cell() == (1, 1)
    with pytest.raises(SpecError, match=r"layer 2 \(max2 s1 p1 d2\): max pooling: the window"):
        Stack([ConvSpec1d(3, 3), ConvSpec1d(1, 2, padding=1, dilation=2)],
              ["convolution", "max"])


# ------------------------------------------------------------- scenes, CLI, lecture
def test_scene_attributes_are_checked_in_one_line():
    cases = [({"layers": "k3"}, "S.layers is text: read it with parse_stack"),
             ({"layers": 3}, "S.layers must be a Stack"),
             ({"cell": 16}, "S.cell must be a position of the top layer's output of 16"),
             ({"cell": (1, 2)}, "S.cell must be a position"),
             ({"layers": parse_stack("k3;" * 9, 40)}, "S.layers: 9 layers: a 1-D stack draws "
                                                      "at most 8"),
             ({"still_step": 5}, r"step must be in 0..4"),
             ({"theme": "blue"}, "S.theme must be one of light, dark")]
    for attrs, message in cases:
        with pytest.raises(SpecError, match=message) as info:
            type("S", (StackScene,), attrs).check_attributes()
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["wavenet", "grid"])
def test_every_label_is_at_least_10_px_high_at_480p(name):
    stack, cell = STACKS[name]
    scene = play_scene(type("S", (StackScene,), {"layers": stack, "cell": cell,
                                                 "still_step": len(stack)}), LOW, draw=False)
    p = scene.parts
    labels = [*p.names, *(m for row in p.table for m in row), *p.indices,
              *(line for caption in p.captions for line in caption)]
    assert min(label.height for label in labels) * 480 / 8 >= 10
    # and nothing leaves the frame
    for mob in [*labels, *p.grids]:
        assert abs(mob.get_left()[0]) <= 854 / 480 * 4 and abs(mob.get_right()[0]) <= 854 / 480 * 4
        assert abs(mob.get_top()[1]) <= 4 and abs(mob.get_bottom()[1]) <= 4


@pytest.mark.render
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_label_reads_at_4_5_to_1_measured_on_the_picture(theme):
    from tests.test_legibility import _check_labels, _render_still

    stack, cell = STACKS["pooled"]
    scene, image = _render_still(type("S", (StackScene,), {
        "layers": stack, "cell": cell, "theme": theme, "still_step": 2}), "l")
    p = scene.parts
    labels = [*(("name", m) for m in p.names), *(("table", m) for row in p.table for m in row),
              *(("index", m) for m in p.indices), *(("caption", m) for m in p.captions[2])]
    _check_labels(scene, image, labels, "stack")


def test_each_step_lasts_long_enough_to_read_its_caption():
    from convmanim.modes.base import reading_seconds

    cls = type("S", (StackScene,), {"layers": STACKS["strided"][0]})
    captions = cls.step_captions()
    assert cls.step_durations() == [max(1.0, reading_seconds(c)) for c in captions]
    assert min(cls.step_durations()) > 5  # the last one, the longest, is not hurried


def test_one_caption_at_a_time():
    scene = play_scene(type("S", (StackScene,), {"still_step": 0}), LOW, draw=False)
    old, new = scene.parts.captions[0], scene.parts.captions[1]
    anims = scene.step_animations(1)
    for anim in anims:
        anim.begin()

    def shown(caption):
        return max(m.get_fill_opacity() for m in caption.family_members_with_points())

    for alpha, (was, comes) in [(0.25, (True, False)), (0.5, (False, False)),
                                (0.75, (False, True))]:
        for anim in anims:
            anim.interpolate(alpha)
        assert (shown(old) > 0, shown(new) > 0) == (was, comes), alpha


def test_a_list_of_specs_is_a_stack():
    layers = [ConvSpec1d(8, 3, padding=1), ConvSpec1d(8, 2, stride=2)]
    cls = type("S", (StackScene,), {"layers": layers})
    assert cls.stack() == Stack(layers) and cls.traced_cell() == (1,)
    assert cls.num_steps() == 3


def test_too_small_a_resolution_is_refused_in_one_line():
    cls = type("S", (StackScene,), {"layers": parse_stack("k3 s2 p1; k3 d2", "11x11"),
                                    "still_step": 0})
    with pytest.raises(SpecError, match=r"at 426x240 an input cell would be .* px \(at least 6"):
        play_scene(cls, "426x240@15", draw=False)


def test_the_command_line(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["stack", "k3 s2 p1; k3 d2", "-i", "11x11", "-c", "1x1",
                                  "-e", "2", "-q", "854x480", "--output-dir", str(out), "g"])
    assert result.exit_code == 0, result.output
    assert (out / "g.png").is_file()
    import imageio.v3 as iio

    assert iio.imread(out / "g.png").shape[:2] == (480, 854)
    for args, message in [
        (["k3 z1"], "unknown token 'z1'"),
        (["k3", "-c", "20"], "--cell 20 is not a cell of the top layer's output of 14"),
        (["k3", "-e", "2"], "step must be in 0..1"),
        (["k3 causal", "-i", "8x8"], "causal padding is for 1-D layers"),
        (["k3", "-i", "200"], "more than the limit of 96"),
        (["max2", "-i", "999999999"], "more than the limit of 96"),
        (["k2 d99999999 causal", "-i", "16"], "more than the limit of 96"),
    ]:
        result = runner.invoke(main, ["stack", *args, "--output-dir", str(out), "x"])
        assert result.exit_code == 2
        assert message in result.output
        assert result.output.count("\n") == 1
    assert not (out / "x.png").exists()


def test_the_lecture_key():
    lecture = parse_lecture({"part": [
        {"title": "WaveNet", "mode": "stack",
         "layers": "k2 causal; k2 d2 causal; k2 d4 causal; k2 d8 causal"},
        {"title": "Grid", "mode": "stack", "layers": "k3 s2 p1; k3 d2", "input_size": "11x11",
         "cell": [1, 0], "theme": "dark"},
    ]})
    wave, grid = lecture.parts
    assert wave.scene.stack() == wavenet() and wave.scene.traced_cell() == (15,)
    assert grid.scene.traced_cell() == (1, 0) and grid.scene.theme == "dark"
    assert wave.summary() == ("Receptive field: k2 causal; k2 d2 causal; k2 d4 causal; "
                              "k2 d8 causal on an input of 16")
    for part, message in [
        ({"layers": "k3", "kernel_size": 3}, "unknown key 'kernel_size'"),
        ({}, "layers is required"),
        ({"layers": "k3", "cell": 99}, "cell must be a position of the top layer's output"),
        ({"layers": "k3 w"}, "unknown token 'w'"),
    ]:
        with pytest.raises(LectureError, match=message):
            parse_lecture({"part": [{"title": "t", "mode": "stack", **part}]})
    with pytest.raises(LectureError, match="key 'layers' is for mode 'stack'"):
        parse_lecture({"part": [{"title": "t", "layers": "k3"}]})
