"""Legible in a lecture hall: contrast, honest numbers, pacing and subtitles."""

from __future__ import annotations

import itertools
import math
import os
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convmanim.theme import (
    DARK,
    LIGHT,
    MIN_CONTRAST,
    blend,
    contrast_ratio,
    relative_luminance,
)
from convmanim.values import format_value, is_exact, plain_value


# ------------------------------------------------------------------ contrast
def test_wcag_formulas_against_known_values():
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert relative_luminance("#000000") == 0.0
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#268BD2", "#268BD2") == 1.0
    # #767676 is the lightest grey that passes AA on white; #777777 fails it
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    # one channel by hand: 0x80 = 128 -> ((128/255 + 0.055)/1.055)**2.4
    c = ((128 / 255 + 0.055) / 1.055) ** 2.4
    assert relative_luminance("#008000") == pytest.approx(0.7152 * c)
    assert blend("#000000", "#FFFFFF", 0.4) == "#999999"


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_every_text_colour_reads_on_every_fill_it_can_sit_on(theme):
    pairs = theme.text_pairs()
    surfaces = theme.surfaces()
    # every surface a label can sit on is listed, shaded and veiled cells included
    assert {"background", "input", "output", "shaded background", "shaded input",
            "shaded output", "veiled input", "veiled output"} <= set(surfaces)
    assert {s for _, _, s, _ in pairs} >= set(surfaces)
    low = [(role, colour, surface, fill, round(contrast_ratio(colour, fill), 2))
           for role, colour, surface, fill in pairs
           if contrast_ratio(colour, fill) < MIN_CONTRAST]
    assert not low, low


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_a_shaded_cell_is_the_kernel_over_the_cell(theme):
    # the composite fill is the shadow drawn at its opacity over the cell
    assert theme.shaded(theme.input_fill) == blend(theme.kernel_fill, theme.input_fill,
                                                   theme.kernel_opacity)
    assert theme.ink_on(theme.input_fill) == theme.cell_text
    expected = theme.shade_text if theme.name == "light" else theme.cell_text
    assert theme.ink_on(theme.shaded(theme.input_fill)) == expected


# ------------------------------------------------------------------ honest numbers
@pytest.mark.parametrize("value,text", [
    (1.005, "1.005"), (0.999, "0.999"), (-0.125, "-0.125"), (17.0, "17"), (-2.0, "-2"),
    (1.5, "1.5"), (0.1 + 0.2, "0.3"), (-0.0, "0"), (2 / 3, "0.667"), (0.99995, "0.99995"),
    (1.00001, "1.00001"), (-0.0004, "-0.0004"), (123.4567, "123.457"),
])
def test_numbers_print_exactly_or_visibly_rounded(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value,exact", [
    (1.005, True), (0.999, True), (-0.125, True), (17, True), (4 / 3, False),
    (1 / 7, False), (0.99995, True),
])
def test_is_exact_says_whether_the_text_is_the_number(value, exact):
    assert is_exact(value) is exact


def test_plain_text_writes_a_real_minus_sign():
    assert plain_value(-0.125) == "\u22120.125"


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000))
def test_a_non_integer_never_prints_as_an_integer(value: Fraction):
    text = format_value(float(value))
    shown = float(text)
    if value.denominator == 1:
        assert text == str(value.numerator)
    else:
        assert "." in text, (value, text)
        assert not shown.is_integer(), (value, text)
    # rounded to at most 3 decimals, or as few more as keep it off the integers
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(shown - float(value)) <= 0.5 * 10.0 ** -decimals + 1e-9
    assert is_exact(float(value)) == math.isclose(shown, float(value), abs_tol=1e-9)


# ------------------------------------------------------------------ pacing
def _durations(base, spec, **attrs):
    return type("Paced", (base,), {"spec": spec, **attrs}).step_durations()


def test_paced_steps_start_slow_enough_to_read_and_speed_up():
    from convmanim import AlphabetScene, ConvSpec
    from convmanim.modes.base import READING_RATE

    cls = type("T", (AlphabetScene,), {"spec": ConvSpec(5, 3, stride=2, padding=1).transposed()})
    durations = cls.step_durations()
    captions = cls.step_captions()
    assert len(durations) == len(captions) == 25
    # the first caption (a nine-term dot product) gets time to be read
    assert "…" not in captions[0] or len(captions[0]) > 40
    assert durations[0] >= len(captions[0]) / READING_RATE
    assert all(a >= b for a, b in itertools.pairwise(durations))  # never slower again
    assert durations[-1] == cls.settled_step_time == 1.0
    assert sum(durations) <= 25 * 1.0 + 12  # a 25-step scene stays short


def test_step_time_fixes_one_time_per_step():
    from convmanim import ArithmeticScene, ConvSpec, NumericalScene

    assert _durations(ArithmeticScene, ConvSpec(5, 3), step_time=0.7) == [0.7] * 9
    assert _durations(NumericalScene, ConvSpec(5, 3), step_time=2.0) == [2.0] * 9


def test_the_relationship_scene_reads_each_part_slowly_at_first():
    from convmanim import AlphabetRelationshipScene, ConvSpec

    cls = type("R", (AlphabetRelationshipScene,), {"spec": ConvSpec(4, 3)})
    durations = cls.step_durations()
    n = ConvSpec(4, 3).num_steps
    assert durations[0] > durations[n - 1] and durations[n] > durations[-1]
    assert "gives c₀₀ = " in cls.step_captions()[n]


# ------------------------------------------------------------------ subtitles
@pytest.mark.render
def test_subtitles_write_one_cue_per_step_beside_the_mp4_and_inside_it(tmp_path):
    import av
    from click.testing import CliRunner

    from convmanim import ConvSpec, NumericalScene
    from convmanim.cli import main
    from convmanim.subtitles import read_cues
    from tests.conftest import TINY

    result = CliRunner().invoke(main, [
        "numerical", "-i", "3", "-k", "2", "-m", "max", "-qa", TINY, "--subtitles",
        "--output-dir", str(tmp_path), "--no-progress", "pool",
    ])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-2:] == [str(tmp_path / "pool.mp4"),
                                                       str(tmp_path / "pool.vtt")]
    vtt = (tmp_path / "pool.vtt").read_text(encoding="utf-8")
    blocks = vtt.strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = [b.splitlines() for b in blocks[1:]]
    scene_cls = type("P", (NumericalScene,), {"spec": ConvSpec(3, 2), "mode": "max"})
    captions = scene_cls.step_captions()
    assert len(cues) == scene_cls.num_steps() == 4  # exactly one cue per step
    assert [c[0] for c in cues] == ["1", "2", "3", "4"]
    assert [c[2] for c in cues] == captions
    # back to back, each as long as its step: 6 fps, paced steps rounded to frames
    times = [tuple(c[1].split(" --> ")) for c in cues]
    assert times[0][0] == "00:00:00.000"
    assert all(a[1] == b[0] for a, b in itertools.pairwise(times))
    frames = [max(1, round(d * 6)) for d in scene_cls.step_durations()]
    assert times[-1][1] == f"00:00:{sum(frames) / 6:06.3f}"

    with av.open(str(tmp_path / "pool.mp4")) as container:
        assert [s.type for s in container.streams] == ["video", "subtitle"]
        assert container.streams.subtitles[0].codec_context.name == "mov_text"
    track = read_cues(tmp_path / "pool.mp4")
    assert [c.text for c in track] == captions
    assert track[-1].end == pytest.approx(sum(frames) / 6, abs=1e-3)


def test_subtitles_refuse_a_slide_deck(tmp_path):
    from click.testing import CliRunner

    from convmanim.cli import main

    result = CliRunner().invoke(main, ["arithmetic", "--slides", "--subtitles",
                                       "--output-dir", str(tmp_path), "deck"])
    assert result.exit_code == 2
    assert "--slides writes a slide deck: drop --subtitles" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.render
def test_manim_render_writes_its_own_srt(tmp_path):
    import subprocess
    import sys

    scene = tmp_path / "scene.py"
    scene.write_text(
        "from convmanim import ArithmeticScene, ConvSpec\n"
        "class Tiny(ArithmeticScene):\n"
        "    spec = ConvSpec(3, 2)\n"
        "    step_time = 0.5\n",
        encoding="utf-8",
    )
    root = str(Path(__file__).resolve().parent.parent)  # this checkout's convmanim
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(
        [sys.executable, "-m", "manim", "render", "-ql", "--frame_rate", "6",
         "-r", "160,90", "--media_dir", str(tmp_path / "media"), str(scene), "Tiny"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (srt,) = (tmp_path / "media").rglob("Tiny.srt")
    blocks = srt.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(blocks) == 4  # one per step
    assert blocks[0].splitlines()[1:] == [
        "00:00:00,000 --> 00:00:00,500",
        "Step 1 of 4: the 2×2 kernel covers rows 0 to 1 and columns 0 to 1 of the 3×3 input "
        "and gives output cell row 0, column 0.",
    ]


# ------------------------------------------------------------ contrast, measured
def _render_still(scene_cls, quality="h"):
    """Play ``scene_cls`` (a still step) at ``quality``; return (scene, RGB pixels)."""
    from convmanim.render import play_scene, quality_config, resolve_quality

    q = resolve_quality(quality)
    scene = play_scene(scene_cls, q, draw=False)
    with quality_config(q):
        image = scene.renderer.final_image(scene)
    return scene, np.asarray(image.convert("RGB"))


def _pixel_box(camera, mob):
    """``(top, bottom, left, right)`` pixel rows and columns of ``mob``'s bounding box."""
    px = camera.pixel_width / camera.frame_width
    left, bottom = mob.get_corner([-1, -1, 0])[:2]
    right, top = mob.get_corner([1, 1, 0])[:2]
    x0 = camera.pixel_width / 2 + (left - camera.frame_center[0]) * px
    x1 = camera.pixel_width / 2 + (right - camera.frame_center[0]) * px
    y0 = camera.pixel_height / 2 - (top - camera.frame_center[1]) * px
    y1 = camera.pixel_height / 2 - (bottom - camera.frame_center[1]) * px
    return int(np.floor(y0)), int(np.ceil(y1)), int(np.floor(x0)), int(np.ceil(x1))


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(v):02X}" for v in rgb)


def measured_contrast(camera, image, mob) -> tuple[float, str, str]:
    """The contrast of a label's pixels against the fill behind it, read off the picture.

    The fill is the commonest colour in the label's box; the text's colour is
    the median of its glyphs' core pixels (those at least 70% as far, in
    contrast, from the fill as the farthest one), away from anti-aliased edges.
    """
    top, bottom, left, right = _pixel_box(camera, mob)
    box = image[max(0, top):bottom, max(0, left):right].reshape(-1, 3)
    colours, counts = np.unique(box, axis=0, return_counts=True)
    fill = _hex(colours[np.argmax(counts)])
    ratios = np.array([contrast_ratio(_hex(c), fill) for c in colours])
    core = np.repeat(colours[ratios >= 1 + 0.7 * (ratios.max() - 1)],
                     counts[ratios >= 1 + 0.7 * (ratios.max() - 1)], axis=0)
    ink = _hex(np.median(core, axis=0).round())
    return contrast_ratio(ink, fill), ink, fill


def _check_labels(scene, image, labels, what):
    low = []
    for name, mob in labels:
        ratio, ink, fill = measured_contrast(scene.camera, image, mob)
        if ratio < MIN_CONTRAST:
            low.append((what, name, ink, fill, round(ratio, 2)))
    assert not low, low


@pytest.mark.render
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_alphabet_highlighted_step_text_reads_at_1080p(theme):
    from convmanim import AlphabetScene, ConvSpec

    cls = type("A", (AlphabetScene,), {"spec": ConvSpec(5, 3, stride=2, padding=1),
                                       "theme": theme, "still_step": 4})
    scene, image = _render_still(cls)
    view = scene.parts
    shaded_in, shaded_out = view.shaded
    labels = [(f"a{cell} under the kernel", shaded_in.get_copy(*cell))
              for cell in shaded_in.cells]
    labels += [("b11 under its highlight", shaded_out.get_copy(1, 1))]
    labels += [(f"weight {n}", w) for n, w in enumerate(view.kernel.weights)]
    labels += [("a00, plain", view.in_grid.get_label(1, 1)),
               ("b00, plain", view.out_grid.get_label(0, 0)),
               ("caption", view.caption), ("matrix title", view.matrix_title)]
    labels += [(f"highlighted {n}", m) for n, m in enumerate(view.marks[2:])]
    assert len(view.kernel.weights) == 9 and len(shaded_in.cells) >= 9
    _check_labels(scene, image, labels, "alphabet")


# ------------------------------------------------------------------ motion
def _visible(mob) -> bool:
    return any(m.fill_rgbas[:, 3].max(initial=0) > 1e-3 or m.stroke_rgbas[:, 3].max(initial=0)
               > 1e-3 for m in mob.family_members_with_points() if hasattr(m, "fill_rgbas"))


def _inside(mob, rect, tol=1e-6) -> bool:
    left, right, top, bottom = rect
    points = np.concatenate([m.points for m in mob.family_members_with_points()])
    lo, hi = points.min(axis=0), points.max(axis=0)
    return left - tol <= lo[0] and hi[0] <= right + tol and bottom - tol <= lo[1] \
        and hi[1] <= top + tol


def _play_watching(scene_cls, quality, watch):
    """Play ``scene_cls``, calling ``watch(scene)`` on every frame as it is written."""
    from convmanim.render import quality_config, resolve_quality
    from convmanim.writer import make_scene

    holder = {}
    with quality_config(resolve_quality(quality)):
        scene = make_scene(scene_cls, on_frame=lambda frame, count: watch(holder["scene"]))
        holder["scene"] = scene
        scene.render()
    return scene


@pytest.mark.render
@pytest.mark.parametrize("spec", [
    "ConvSpec(7, 3)", "ConvSpec(6, 3, in_channels=2, out_channels=2)",
], ids=["one channel", "channels"])
def test_a_paging_matrix_stays_inside_its_frame_on_every_frame(spec):
    from convmanim import AlphabetScene, ConvSpec  # noqa: F401 - for eval

    cls = type("P", (AlphabetScene,), {"spec": eval(spec), "step_time": 0.5})
    seen = {"frames": 0, "partial": 0, "origins": set()}

    def watch(scene):
        matrix = scene.parts.matrix
        rect = matrix.frame_rect()
        seen["frames"] += 1
        seen["origins"].add(matrix.origin)
        drawn = {id(m) for m in matrix.entries.submobjects}
        for rc, mob in matrix.entries_all.items():
            if id(mob) in drawn and _visible(mob):
                assert _inside(mob, rect), (seen["frames"], rc, matrix.origin)
                alphas = [m.fill_rgbas[:, 3].max() for m in mob.family_members_with_points()]
                seen["partial"] += max(alphas) < 0.99

    _play_watching(cls, "854x480@6", watch)
    assert len(seen["origins"]) > 2  # it paged, more than once
    if "channels" not in spec:  # a block matrix pages at once; one channel's slides
        assert seen["partial"] > 0  # frames caught entries mid-slide, fading at the frame


# ------------------------------------------------------------------ size
_SYMBOLS_ONLY = re.compile(r"\\[A-Za-z]+|[^A-Za-z0-9]")
"""LaTeX commands (symbols such as ⋯, ×, →) and punctuation: what is left carries meaning."""


def label_heights(scene) -> list[tuple[float, str]]:
    """``(pixels, tex)`` of every visible label with a letter or a digit in it."""
    from convmanim.labels import Label

    px = scene.camera.pixel_height / scene.camera.frame_height
    out, seen = [], set()
    for top in [*scene.mobjects, *scene.foreground_mobjects]:
        for mob in top.get_family():
            if not isinstance(mob, Label) or id(mob) in seen:
                continue
            seen.add(id(mob))
            tex = mob.get_tex_string()
            if not _SYMBOLS_ONLY.sub("", tex.replace(r"\text{", "{")) or not _visible(mob):
                continue
            out.append((mob.height * px, tex))
    return out


def _size_cases():
    from convmanim import (
        AlphabetRelationshipScene,
        AlphabetScene,
        ArithmeticScene,
        ConvSpec,
        ConvSpec1d,
        NumericalScene,
    )

    s2 = ConvSpec(5, 3, stride=2, padding=1)
    causal = ConvSpec1d(8, 3, dilation=2, padding="causal")
    return {
        "arithmetic transposed": type("A", (ArithmeticScene,), {"spec": s2.transposed()}),
        "numerical conv": type("N", (NumericalScene,), {"spec": s2}),
        "numerical scatter": type("N", (NumericalScene,), {"spec": s2.transposed()}),
        "alphabet conv": type("L", (AlphabetScene,), {"spec": s2}),
        "alphabet 7x7 (pages)": type("L", (AlphabetScene,), {"spec": ConvSpec(7, 3)}),
        "relationship, C^T": type("R", (AlphabetRelationshipScene,), {"spec": s2}),
        "numerical 1-D causal": type("N", (NumericalScene,), {"spec": causal}),
        "numerical 1-D channels": type("N", (NumericalScene,), {"spec": ConvSpec1d(
            8, 3, padding="causal", in_channels=2, out_channels=2)}),
        "numerical 1-D scatter": type("N", (NumericalScene,), {"spec": causal.transposed()}),
        "arithmetic 1-D transposed": type("A", (ArithmeticScene,), {
            "spec": ConvSpec1d(8, 3, stride=2, padding=1).transposed()}),
        "alphabet 1-D causal": type("L", (AlphabetScene,), {"spec": causal}),
        "alphabet 1-D channels": type("L", (AlphabetScene,), {"spec": ConvSpec1d(
            6, 2, dilation=2, padding="causal", in_channels=2, out_channels=2)}),
    }


@pytest.mark.render
@pytest.mark.parametrize("quality", ["l", "m", "h"], ids=["480p", "720p", "1080p"])
@pytest.mark.parametrize("case", list(_size_cases()))
def test_no_meaning_carrying_label_is_below_10_px(case, quality):
    from convmanim.render import play_scene
    from convmanim.theme import MIN_LABEL_PX

    base = _size_cases()[case]
    step = base.num_steps() - 5 if case.startswith("relationship") else 4
    scene = play_scene(type("S", (base,), {"still_step": step}), quality, draw=False)
    heights = label_heights(scene)
    assert len(heights) >= 5
    small = sorted((round(h, 2), tex) for h, tex in heights if h < MIN_LABEL_PX - 0.01)
    assert not small, small[:10]


@pytest.mark.render
@pytest.mark.parametrize("transposed", [False, True], ids=["gather", "scatter"])
def test_a_real_layers_numbers_are_at_least_10_px_or_refused(transposed):
    """Three decimals and a sign in every cell: refused where they would be under 10 px,
    and where drawn, every weight in the window is at least 10 px or left to the caption."""
    from convmanim import ConvSpec, NumericalScene, SpecError
    from convmanim.render import play_scene
    from convmanim.theme import MIN_LABEL_PX

    spec = ConvSpec(5, 3, padding=1, in_channels=3, out_channels=2)
    rng = np.random.default_rng(5)
    if transposed:
        spec = spec.transposed()
    weight = rng.normal(scale=0.2, size=spec.weight_shape)
    attrs = {"spec": spec, "kernel_values": weight, "still_step": 7,
             "input_values": rng.integers(-2, 3, size=spec.input_shape).astype(float),
             "bias_values": rng.normal(scale=0.2, size=spec.bias_shape)}
    cls = type("N", (NumericalScene,), attrs)
    drawn = 0
    for quality in ["854x480@6", "1920x1080@6", "2560x1440@6", "3840x2160@6"]:
        try:
            scene = play_scene(cls, quality, draw=False)
        except SpecError as error:
            assert "px high, less than" in str(error)
            continue
        drawn += 1
        small = sorted((round(h, 2), tex) for h, tex in label_heights(scene)
                       if h < MIN_LABEL_PX - 0.01)
        assert not small, (quality, small[:10])
    assert drawn >= 1


# ------------------------------------------------------------ numerical
def _numerical(spec, **attrs):
    from convmanim import NumericalScene

    return type("N", (NumericalScene,), {"spec": spec, **attrs})


@pytest.mark.render
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "scatter"])
def test_numerical_highlighted_step_text_reads_at_1080p(theme, transposed):
    from convmanim import ConvSpec

    spec = ConvSpec(5, 3, stride=2, padding=1)
    cls = _numerical(spec.transposed() if transposed else spec, theme=theme, still_step=4,
                     input_values=np.array([[1, 0.5, -2], [1.25, 3, 0], [4, 2, 1]])
                     if transposed else None)
    scene, image = _render_still(cls)
    p = scene.parts
    shaded = p.shaded[0]
    labels = [(f"input {cell} under the shadow", shaded.get_copy(*cell)) for cell in shaded.cells]
    labels += [(f"weight {n}", w) for n, w in enumerate(p.kernel.weights)]
    labels += [("caption", p.captions[4]), ("header", p.header)]
    if transposed:
        lit = scene._lit_sums(4)
        labels += [(f"sum {key}", mob) for key, mob in scene._shown.items()]
        assert len(lit) == 9
    else:
        labels += [(f"result {e}", mob) for e, mob in p.results.items()]
    assert len(shaded.cells) >= 1 and len(p.kernel.weights) == 9
    _check_labels(scene, image, labels, "numerical")


def test_captions_write_approx_for_rounded_numbers():
    from convmanim import ConvSpec

    avg = _numerical(ConvSpec(3, 3), mode="average",
                     input_values=np.array([[1, 1, 2], [0, 0, 0], [0, 0, 0]]))
    assert avg.step_captions()[0].endswith(
        "the mean of 1, 1, 2, 0, 0, 0, 0, 0 and 0 (padding counted) is ≈0.444.")
    exact = _numerical(ConvSpec(3, 3), mode="average",
                       input_values=np.array([[1.005, 0.999, -0.125], [0, 0, 0], [0, 0, -0.079]]))
    assert exact.step_captions()[0].endswith(
        "the mean of 1.005, 0.999, −0.125, 0, 0, 0, 0, 0 and −0.079 (padding counted) is 0.2.")
    conv = _numerical(ConvSpec(3, 2), input_values=np.arange(9).reshape(3, 3),
                      kernel_values=np.array([[1, 0], [0, -0.125]]))
    assert conv.step_captions()[0].endswith(": 1 × 0 + 0 × 1 + 0 × 3 + −0.125 × 4 = −0.5.")
    third = _numerical(ConvSpec(3, 2), input_values=np.ones((3, 3)) / 3,
                       kernel_values=np.ones((2, 2)))
    assert third.step_captions()[0].endswith(
        ": 1 × 0.333 + 1 × 0.333 + 1 × 0.333 + 1 × 0.333 ≈ 1.333.")


def test_scatter_caption_arithmetic_agrees_as_displayed():
    from convmanim import ConvSpec
    from convmanim.modes.numerical_data import scatter_caption_tex, scatter_numbers

    spec = ConvSpec(3, 2).transposed()
    y = np.array([[4 / 3, 1 / 3], [-2 / 3, 1.005]])
    kernel = np.array([[2.0, 1.0], [-1.0, 3.0]])
    numbers = scatter_numbers(spec, y, kernel)
    for step in numbers.steps:
        parts, where = scatter_caption_tex(step.value, step.kernels, step.products)
        factor = float(parts[0].removesuffix(r"\cdot").strip("() "))
        shown = [parts[i] for i in where]
        relation = r"\approx" if r"\approx" in parts else "="
        assert relation == ("=" if step.value in (1.005,) else r"\approx")
        # the displayed value times each weight prints as the displayed product
        assert [format_value(factor * w) for w in step.kernels.ravel()] == shown, parts


@pytest.mark.render
def test_one_font_size_per_grid_and_weights_boxed_below_the_values():
    from convmanim import ConvSpec
    from convmanim.labels import math_label
    from convmanim.render import play_scene

    x = np.array([[1, 1.44, -0.125, 3], [10.5, 2, 0, 1], [1, 1, 1, 1], [2, 2, 2, 2]])
    cls = _numerical(ConvSpec(4, 3, padding=1), input_values=x,
                     kernel_values=np.array([[1, 0.5, 2], [0, 1, 1], [-1, 2, 1]]), still_step=15)
    scene = play_scene(cls, "h", draw=False)
    p = scene.parts

    def font_sizes(labels):
        """Each label's drawn size over its size at one font size: its font size, relative."""
        return {round(m.height / math_label(m.get_tex_string()).height, 6) for m in labels}

    assert len(font_sizes(p.input_grid.get_labels())) == 1  # "1" as "1.44" and "-0.125"
    results = [p.results[e] for e in range(16)]
    assert len(font_sizes(results)) == 1
    heights = [m.height for m in p.input_grid.get_labels()]
    # the longest entry fits its cell: it set the size
    widest = max(m.width for m in p.input_grid.get_labels())
    assert widest <= 0.8 * p.input_grid.plane.cell_size + 1e-9
    # weights: in boxes of the background's colour, smaller than the values
    assert len(p.kernel.boxes) == len(p.kernel.weights) == 9
    assert all(box.get_fill_color().to_hex().upper() == LIGHT.background for box in p.kernel.boxes)
    assert max(w.height for w in p.kernel.weights) < min(heights)
    assert len(font_sizes(p.kernel.weights)) == 1


@pytest.mark.render
def test_the_transpose_stays_in_the_frames_and_titles_never_overlap():
    from convmanim import AlphabetRelationshipScene, ConvSpec

    cls = type("R", (AlphabetRelationshipScene,), {"spec": ConvSpec(5, 3, stride=2, padding=1),
                                                   "step_time": 0.3})
    seen = {"both": 0, "moving": 0, "frames": 0, "lonely": 0}

    def watch(scene):
        conv, tconv = scene.parts
        drawn = {id(m) for m in scene.get_mobject_family_members()}
        seen["frames"] += 1
        titles = [t for t in (conv.matrix_title, tconv.matrix_title)
                  if id(t) in drawn and _visible(t)]
        seen["both"] += len(titles) == 2
        frames = [conv.matrix.frame_rect(), tconv.matrix.frame_rect()]
        for mob in conv.matrix.entries.submobjects:
            if id(mob) in drawn and _visible(mob):
                assert any(_inside(mob, f) for f in frames), seen["frames"]
                seen["moving"] += not _inside(mob, frames[0])
        # no product sign is left without its vectors
        for sign in (conv.times, conv.equals):
            if id(sign) in drawn and _visible(sign):
                seen["lonely"] += not (id(conv.vec_in) in drawn and _visible(conv.vec_in))

    _play_watching(cls, "854x480@6", watch)
    assert seen["both"] == 0
    assert seen["lonely"] == 0
    assert seen["moving"] > 0  # frames caught entries on their way


@pytest.mark.render
@pytest.mark.parametrize("quality", ["l", "m", "h"], ids=["480p", "720p", "1080p"])
def test_the_kernels_rotation_is_shown_at_every_quality(quality):
    from convmanim import ArithmeticScene, ConvSpec
    from convmanim.render import play_scene

    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    scene = play_scene(type("T", (ArithmeticScene,), {"spec": spec, "still_step": 12}), quality,
                       draw=False)
    kernel = scene.parts.kernel
    px = scene.camera.pixel_height / scene.camera.frame_height
    (mark,) = kernel.orientation
    # in the outer corner of the tap holding w_00: the kernel's last tap, as it is rotated
    assert kernel.mark_tap() == (2, 2)
    win = spec.direct().window(12)
    corner = kernel.plane.point(win[2, 2, 0] + 1, win[2, 2, 1] + 1)
    assert min(np.linalg.norm(v - corner) for v in mark.get_vertices()) < 1e-6
    # big enough to see: at least 10 px across, at any quality
    assert mark.width * px >= 10 and mark.height * px >= 8
    # the panel says so, with the mark before and after the rotation; the weights' names,
    # when shown, are at least 10 px
    assert any("rotated by" in getattr(m, "tex_string", "")
               for m in scene.parts.panel.get_family())
    heights = [h for h, tex in label_heights(scene) if tex.startswith("w_")]
    assert all(h >= 10 - 0.01 for h in heights)
    if quality == "l":
        assert not heights  # too small at 480p: the mark alone shows the rotation


def test_a_convolution_kernel_has_no_mark():
    from convmanim import ArithmeticScene, ConvSpec
    from convmanim.render import play_scene

    scene = play_scene(type("C", (ArithmeticScene,), {"spec": ConvSpec(5, 3), "still_step": 0}),
                       "160x90@6", draw=False)
    assert len(scene.parts.kernel.orientation) == 0


@pytest.mark.render
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_arithmetic_highlighted_step_text_reads_at_1080p(theme):
    from convmanim import ArithmeticScene, ConvSpec

    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    cls = type("A", (ArithmeticScene,), {"spec": spec, "theme": theme, "still_step": 12})
    scene, image = _render_still(cls)
    p = scene.parts
    labels = [(f"weight {n}", w) for n, w in enumerate(p.kernel.weights)]
    labels += [("input label", p.input_label), ("output label", p.output_label)]
    labels += [(f"panel line {n}", m) for n, m in enumerate(p.panel[:-1])]
    assert len(p.kernel.weights) == 9
    _check_labels(scene, image, labels, "arithmetic")


@pytest.mark.render
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_causal_1d_step_reads_at_1080p_in_both_themes(theme):
    """Under the shadow (a causal padding cell among them), the weights, the caption, the header."""
    from convmanim import ConvSpec1d

    cls = _numerical(ConvSpec1d(8, 3, dilation=2, padding="causal"), theme=theme,
                     still_step=2, seed=2)
    scene, image = _render_still(cls)
    p = scene.parts
    shaded = p.shaded[0]
    labels = [(f"input {cell} under the shadow", shaded.get_copy(*cell)) for cell in shaded.cells]
    labels += [(f"weight {n}", w) for n, w in enumerate(p.kernel.weights)]
    labels += [("caption", p.captions[2]), ("header", p.header)]
    labels += [(f"result {e}", mob) for e, mob in p.results.items()]
    assert (0, 2) in shaded.cells  # step 2 reads the last causal zero
    assert len(p.kernel.weights) == 3
    _check_labels(scene, image, labels, "numerical 1-D")
