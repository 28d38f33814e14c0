"""The alphabet mode with channels: the block matrix on screen is C, read back off the screen.

The matrix is read from the scene's own mobjects: each entry's label gives the
kernel tap ``w_{ab}``, the block column's header above it gives the input
channel ``a^{(c)}``, and the output vector's label on the same row gives the
output channel ``b^{(o)}``. That picture is compared with the conv matrix of
torch's own conv2d when torch is installed, and always with the matrix of the
explicit-loop oracle (tests/oracle.py), both built by probing with unit inputs.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from convmanim import AlphabetRelationshipScene, AlphabetScene, ConvSpec
from convmanim.geometry import SpecError
from convmanim.mobjects.matrix import plan_segmented_elision
from convmanim.render import play_scene
from tests import oracle

UHD = "3840x2160@4"
HD = "1920x1080@4"
SD = "1280x720@4"

GROUPS = ConvSpec(3, 2, in_channels=4, out_channels=4, groups=2)
DEPTHWISE = ConvSpec(3, 2, in_channels=3, out_channels=3, groups=3)
RGB = ConvSpec(5, 3, stride=2, padding=1, in_channels=3, out_channels=2)


def _weight(spec: ConvSpec) -> np.ndarray:
    """Distinct weights, so that each entry of C names the one it holds."""
    return np.arange(1, int(np.prod(spec.weight_shape)) + 1, dtype=float).reshape(
        spec.weight_shape)


def _oracle_matrix(spec: ConvSpec, weight: np.ndarray) -> np.ndarray:
    return oracle.conv_matrix_by_probing(
        lambda x: oracle.conv2d_grouped(x, weight, None, spec.stride, spec.padding,
                                        spec.dilation, spec.groups),
        (spec.in_channels, *spec.input_size))


def _torch_matrix(torch, spec: ConvSpec, weight: np.ndarray) -> np.ndarray:
    w = torch.tensor(weight, dtype=torch.float64)

    def apply(x):
        y = torch.nn.functional.conv2d(torch.tensor(x)[None], w, stride=spec.stride,
                                       padding=spec.padding, dilation=spec.dilation,
                                       groups=spec.groups)
        return y[0].numpy()

    return oracle.conv_matrix_by_probing(apply, (spec.in_channels, *spec.input_size))


def _channel(label) -> int:
    return int(re.fullmatch(r"[a-z]\^\{\((\d+)\)\}(_\{.*\})?", label.tex_string).group(1))


def _read_shown(view, weight: np.ndarray) -> dict[tuple[int, int], float]:
    """The entries the window shows, each valued from what is written around it."""
    spec, matrix = view.spec, view.matrix
    n_in = spec.channels_per_group[0]
    n_out = spec.channels_per_group[1]
    shown = {}
    for (r, c), label in matrix.entries_all.items():
        if not matrix.in_window(r, c):
            continue
        x, y, _ = label.get_center()
        np.testing.assert_allclose(label.get_center(), matrix.cell_center(r, c), atol=1e-6)
        a, b = (int(v) for v in re.fullmatch(r"w_\{(\d+),?(\d+)\}", label.tex_string).groups())
        header = min(matrix.col_headers, key=lambda h: abs(h.get_center()[0] - x))
        assert abs(header.get_center()[0] - x) < matrix.panel_width / 2
        cells = [view.vec_out.get_cell(i) for i in view.vec_out.layout if i is not None]
        row_cell = min(cells, key=lambda cell: abs(cell.get_center()[1] - y))
        assert abs(row_cell.get_center()[1] - y) < matrix.cell_h / 2
        o, ch = _channel(row_cell[1]), _channel(header)
        oy, ox = (int(v) for v in re.search(r"_\{(\d+),?(\d+)\}$",
                                            row_cell[1].tex_string).groups())
        oh, ow = spec.output_size
        assert r == o * oh * ow + oy * ow + ox  # the row the label sits on is that output
        group = o // n_out
        assert group * n_in <= ch < (group + 1) * n_in, "an entry outside its filter's group"
        shown[(r, c)] = weight[o, ch - group * n_in, a, b]
    return shown


class Still(AlphabetScene):
    still_step = 0


def _scene(spec, quality=HD, step=0, base=Still):
    return play_scene(type("S", (base,), {"spec": spec, "still_step": step}), quality,
                      draw=False)


@pytest.mark.parametrize("spec", [GROUPS, DEPTHWISE], ids=["groups2", "depthwise"])
def test_the_block_matrix_on_screen_is_the_oracles_C(spec):
    weight = _weight(spec)
    scene = _scene(spec, UHD)
    view = scene.parts
    assert not view.matrix.scrolls  # the whole matrix is on screen: read all of it
    shown = _read_shown(view, weight)
    expected = _oracle_matrix(spec, weight)
    on_screen = np.zeros_like(expected)
    for (r, c), value in shown.items():
        on_screen[r, c] = value
    np.testing.assert_array_equal(on_screen, expected)
    np.testing.assert_array_equal(expected, spec.conv_matrix(weight))


@pytest.mark.parametrize("spec", [GROUPS, DEPTHWISE], ids=["groups2", "depthwise"])
def test_the_block_matrix_on_screen_is_torchs_C(spec):
    torch = pytest.importorskip("torch")
    weight = _weight(spec)
    shown = _read_shown(_scene(spec, UHD).parts, weight)
    expected = _torch_matrix(torch, spec, weight)
    assert set(shown) == set(zip(*np.nonzero(expected)))
    for (r, c), value in shown.items():
        assert value == expected[r, c]


def test_a_cut_window_shows_C_wherever_it_looks():
    """RGB 3->2 does not fit whole: at every step, what is shown is C, and the row is in view."""
    weight = _weight(RGB)
    expected = _oracle_matrix(RGB, weight)
    scene = _scene(RGB)
    view = scene.parts
    assert view.matrix.cut
    seen = {}
    for step in range(RGB.num_outputs):
        view.set_step(step)
        shown = _read_shown(view, weight)
        for (r, c), value in shown.items():
            assert value == expected[r, c]
        row = [c for (r, c) in shown if r == step]
        # every block of the row's group shows at least a kernel row of it
        assert len(row) >= 3 * RGB.in_channels
        seen.update(shown)
    assert len(seen) > 0.7 * np.count_nonzero(expected)


def test_the_transposed_block_matrix_is_C_transposed():
    weight = _weight(GROUPS)
    scene = _scene(GROUPS.transposed())
    view = scene.parts
    c = _oracle_matrix(GROUPS, weight)
    shown = np.zeros_like(c.T)
    for (r, col), label in view.matrix.entries_all.items():
        a, b = (int(v) for v in re.fullmatch(r"w_\{(\d+),?(\d+)\}", label.tex_string).groups())
        o, ch, a2, b2 = view.weights[(r, col)]
        assert (a, b) == (a2, b2)
        shown[r, col] = weight[o, ch % 2, a, b]
    np.testing.assert_array_equal(shown, c.T)
    # Cᵀ's blocks: rows by c's channels (the forward input), columns by b's
    assert [h.tex_string for h in view.matrix.col_headers] == [f"b^{{({k})}}" for k in range(4)]
    assert [h.tex_string for h in view.matrix.row_headers] == [f"c^{{({k})}}" for k in range(4)]


def test_geometry_block_positions_against_loops():
    for spec in [RGB, GROUPS, DEPTHWISE, ConvSpec((4, 5), (2, 3), stride=(1, 2), padding=(1, 0),
                                                  in_channels=2, out_channels=4, groups=2)]:
        for s in (spec, spec.transposed()):
            rows, cols = s.matrix_blocks()
            oh, ow = s.output_size
            ih, iw = s.input_size
            want_rows = [(o, y * ow + x) for o in range(s.out_channels)
                         for y in range(oh) for x in range(ow)]
            want_cols = [(c, y * iw + x) for c in range(s.in_channels)
                         for y in range(ih) for x in range(iw)]
            assert rows.tolist() == [list(p) for p in want_rows]
            assert cols.tolist() == [list(p) for p in want_cols]
        # which weight each entry holds, against the probed oracle with distinct weights
        weight = _weight(spec)
        c = _oracle_matrix(spec, weight)
        n_in = spec.channels_per_group[0]
        got = spec.matrix_weights()
        assert set(got) == set(zip(*np.nonzero(c)))
        for (r, col), (o, ch, a, b) in got.items():
            assert c[r, col] == weight[o, ch % n_in, a, b]
            assert ch in spec.input_channels_of(o)
        t = spec.transposed().matrix_weights()
        assert t == {(col, r): w for (r, col), w in got.items()}


class Recorder(AlphabetScene):
    step_time = 0.3
    end_hold = 0.1

    def setup(self) -> None:
        self.records = []

    def wait(self, *args, **kwargs):
        if hasattr(self, "parts") and len(self.records) < self.num_steps():
            v = self.parts
            step = len(self.records)
            self.records.append({
                "caption": v.caption[0].tex_string,
                "focus": v.focus_in(step),
                "shown": [i for i in v.focus_in(step) if v.vec_in.is_shown(i)],
                "row_in_view": all(v.matrix.in_window(step, c) for c in v.focus_in(step)),
                "kernels": [k for k, m in enumerate(v.kernels) if m in v.kernel.submobjects],
                "highlight": [o for o, m in enumerate(v.highlights)
                              if m in v.out_highlight.submobjects],
                "vec_out": v.vec_out.entry_slot(step),
            })
        return super().wait(*args, **kwargs)


def test_steps_captions_and_channels_of_a_groups_conv():
    scene = play_scene(type("S", (Recorder,), {"spec": GROUPS}), SD, draw=False)
    assert scene.steps_played == list(range(16))
    rec = scene.records
    # b^{(1)}_{10}: output channel 1 reads channels 0 and 1, each through its own slice
    assert rec[6]["caption"] == (
        "b^{(1)}_{10} = w^{(1,0)}_{00}a^{(0)}_{10} + w^{(1,0)}_{01}a^{(0)}_{11} "
        "+ w^{(1,0)}_{10}a^{(0)}_{20} + w^{(1,0)}_{11}a^{(0)}_{21} "
        "+ w^{(1,1)}_{00}a^{(1)}_{10} + w^{(1,1)}_{01}a^{(1)}_{11} "
        "+ w^{(1,1)}_{10}a^{(1)}_{20} + w^{(1,1)}_{11}a^{(1)}_{21}")
    assert rec[6]["kernels"] == [0, 1] and rec[6]["highlight"] == [1]
    assert rec[9]["kernels"] == [2, 3] and rec[9]["highlight"] == [2]
    for r in rec:
        assert r["row_in_view"] and r["vec_out"] is not None
        assert r["shown"], r  # the vector shows some of the entries the row multiplies


def test_depthwise_reads_one_channel_per_row():
    scene = play_scene(type("S", (Recorder,), {"spec": ConvSpec(4, 3, in_channels=3,
                                                                 out_channels=3, groups=3)}),
                       SD, draw=False)
    assert scene.steps_played == list(range(12))
    for step, r in enumerate(scene.records):
        assert r["kernels"] == [step // 4]
        assert all(f"a^{{({step // 4})}}" in t for t in re.findall(r"a\^\{\(\d\)\}",
                                                                     r["caption"]))


def test_relationship_with_channels_plays_both_and_transposes():
    class Rel(AlphabetRelationshipScene):
        spec = GROUPS
        step_time = 0.2
        transpose_time = 1.2
        end_hold = 0.1

    scene = play_scene(Rel, SD, draw=False)
    conv, tconv = scene.parts
    assert scene.steps_played == list(range(16 + 36))
    assert Rel.num_steps() == 52
    for (r, c), mob in conv.matrix.entries_all.items():
        assert tconv.matrix.entries_all[(c, r)].tex_string == mob.tex_string


@pytest.mark.parametrize("spec", [RGB, GROUPS, ConvSpec(4, 3, in_channels=3, out_channels=3,
                                                           groups=3), RGB.transposed()],
                         ids=["rgb", "groups", "depthwise", "rgb-transposed"])
@pytest.mark.parametrize("quality", [SD, HD])
def test_channel_layout_stays_in_the_frame_without_overlaps(spec, quality):
    w, h = (int(x) for x in quality.split("@")[0].split("x"))
    scene = _scene(spec, quality, spec.num_outputs // 2)
    fw, fh = 8.0 * w / h, 8.0
    v = scene.parts
    for mob in scene.mobjects:
        for part in mob.family_members_with_points():
            if part.get_fill_opacity() == 0 and part.get_stroke_opacity() == 0:
                continue
            assert -fw / 2 - 1e-6 <= part.get_left()[0] and part.get_right()[0] <= fw / 2 + 1e-6
            assert -fh / 2 - 1e-6 <= part.get_bottom()[1] and part.get_top()[1] <= fh / 2 + 1e-6
    boxes = {"caption": v.caption, "matrix": v.matrix.grid, "vec_in": v.vec_in.shown,
             "vec_out": v.vec_out.shown, "left": v.in_grid, "out": v.out_grid,
             "title": v.matrix_title, "row_headers": v.matrix.frame}

    def overlap(a, b) -> bool:
        return not (a.get_right()[0] <= b.get_left()[0] or b.get_right()[0] <= a.get_left()[0]
                    or a.get_top()[1] <= b.get_bottom()[1] or b.get_top()[1] <= a.get_bottom()[1])

    names = list(boxes)
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            if {x, y} == {"matrix", "row_headers"}:  # separators lie on the matrix
                continue
            assert not overlap(boxes[x], boxes[y]), (x, y)
    # labels of meaning are at least 10 px high (the matrix's w_{ab}, whose box is its glyphs)
    px = h / fh
    for label in v.matrix.entries_all.values():
        assert label.height * px >= 10 - 1e-6
    for header in v.matrix.col_headers + v.matrix.row_headers:
        assert header.height * px >= 10


def test_an_unreadable_channel_scene_is_refused_in_one_line():
    spec = ConvSpec(5, 3, in_channels=12, out_channels=12, groups=12)
    with pytest.raises(SpecError) as err:
        _scene(spec, SD)
    message = str(err.value)
    assert "\n" not in message
    assert "at 720p" in message and "limit of 3" in message
    _scene(ConvSpec(5, 3, in_channels=2, out_channels=2, groups=2), SD)  # a readable one


def test_the_cli_refuses_an_unreadable_channel_scene(tmp_path):
    from click.testing import CliRunner

    from convmanim.cli import main

    result = CliRunner().invoke(
        main, ["alphabet", "-i", "5", "-k", "3", "--in-channels", "12", "--out-channels", "12",
               "--groups", "12", "-q", "1280x720", "--output-dir", str(tmp_path), "x"],
        prog_name="convmanim")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "block columns" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_segmented_elision_never_spans_two_channels():
    segments = [0] * 25 + [1] * 25 + [2] * 25
    focus = [6, 7, 8, 11, 12, 13, 31, 32, 33, 36, 37, 38, 56, 57, 58, 61, 62, 63]
    for slots in (9, 14, 20, 30, 75):
        plan = plan_segmented_elision(segments, slots, focus)
        assert len(plan) <= slots
        shown = [i for i in plan if i is not None]
        assert {0, 25, 50} <= set(shown)  # every channel starts with its first entry
        for k, item in enumerate(plan):  # what a ⋮ hides lies in one channel
            if item is None:
                first = plan[k - 1] + 1 if k else 0
                last = plan[k + 1] - 1 if k < len(plan) - 1 else len(segments) - 1
                assert first <= last and len({segments[i] for i in range(first, last + 1)}) == 1
        kept = [f for f in focus if f in shown]
        assert len(kept) >= min(len(focus), (slots - 6) // 2)
    assert plan_segmented_elision(segments, 75, focus) == list(range(75))
