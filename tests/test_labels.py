"""Batched LaTeX: one LaTeX run for many labels, identical to manim's own output."""

from __future__ import annotations

import os

import numpy as np
import pytest
from manim import MathTex, Tex, VGroup, tempconfig

from convmanim import labels, texrun


@pytest.fixture
def cold_cache(tmp_path):
    with tempconfig({"tex_dir": str(tmp_path / "tex")}):
        yield tmp_path / "tex"


def test_many_labels_cost_one_latex_run(cold_cache, monkeypatch):
    runs = []
    real_run = texrun._start

    def counting(command, cwd):
        runs.append(command[0])
        return real_run(command, cwd)

    monkeypatch.setattr(texrun, "_start", counting)
    strings = [f"a_{{{r}{c}}}" for r in range(6) for c in range(6)]
    group = labels.batched(lambda: VGroup(*(labels.math_label(s) for s in strings),
                                          labels.text_label("input $5$")))
    assert runs == ["latex", "dvisvgm"]
    assert len(group) == 37
    # a warm second build runs nothing and returns the first pass directly
    runs.clear()
    again = labels.batched(lambda: VGroup(*(labels.math_label(s) for s in strings)))
    assert runs == []
    assert len(again) == 36


def test_latex_starts_at_the_first_missing_label(cold_cache, monkeypatch):
    started = []
    real = texrun._start
    monkeypatch.setattr(texrun, "_start", lambda cmd, cwd: started.append(cmd[0]) or real(cmd, cwd))
    seen_during_the_pass = []

    def factory():
        first = labels.math_label("z_{1}")
        seen_during_the_pass.append(list(started))  # LaTeX loads its preamble meanwhile
        return VGroup(first, labels.math_label("z_{2}"))

    group = labels.batched(factory)
    assert seen_during_the_pass[0] == ["latex"]
    assert started == ["latex", "dvisvgm"]
    assert [m.get_tex_string() for m in group] == ["z_{1}", "z_{2}"]
    assert all(len(m.get_all_points()) for m in group)


def test_a_failing_pass_stops_its_latex_and_leaves_nothing(cold_cache, monkeypatch):
    processes = []
    real = texrun._start
    monkeypatch.setattr(texrun, "_start", lambda cmd, cwd: processes.append(real(cmd, cwd))
                        or processes[-1])

    def factory():
        labels.math_label("y_{1}")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        labels.batched(factory)
    assert len(processes) == 1 and processes[0].poll() is not None
    assert not list(cold_cache.glob("convmanim-batch-*"))
    assert not list(cold_cache.glob("*.svg"))


def test_batched_labels_equal_manims_own(cold_cache, tmp_path):
    strings = ["w_{12}", r"\left\lfloor \frac{5 + 2}{2} \right\rfloor", r"\left( x", "{a}}"]
    ours = labels.batched(lambda: [labels.math_label(s) for s in strings])
    parts = labels.batched(lambda: labels.math_label("b_{01}", "=", "w_{00}a_{02}"))
    text = labels.batched(lambda: labels.text_label("input ", "$5$"))
    own = tmp_path / "manim-own"
    with tempconfig({"tex_dir": str(own)}):
        theirs = [MathTex(s) for s in strings]
        their_parts = MathTex("b_{01}", "=", "w_{00}a_{02}")
        their_text = Tex("input ", "$5$")
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.get_all_points(), b.get_all_points(), atol=1e-9)
    assert [p.tex_string for p in parts] == ["b_{01}", "=", "w_{00}a_{02}"]
    for a, b in zip(parts, their_parts):
        np.testing.assert_allclose(a.get_all_points(), b.get_all_points(), atol=1e-9)
    for a, b in zip(text, their_text):
        np.testing.assert_allclose(a.get_all_points(), b.get_all_points(), atol=1e-9)
    # the same expressions as manim's: the same files in the Tex cache
    assert {p.name for p in cold_cache.glob("*.svg")} == {p.name for p in own.glob("*.svg")}


def test_a_bad_label_names_itself(cold_cache):
    match = r"LaTeX could not typeset the label '.*undefinedmacro"
    with pytest.raises(labels.LabelError, match=match):
        labels.batched(lambda: [labels.math_label("a"), labels.math_label(r"\undefinedmacro x")])


def test_missing_latex_is_one_clear_line(cold_cache, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(labels.TexMissingError) as info:
        labels.batched(lambda: labels.math_label("q_{99}"))
    message = str(info.value)
    assert "\n" not in message
    assert "latex and dvisvgm" in message and "apt-get install" in message


RACE_SCRIPT = r"""
import sys
from manim import config
from convmanim.labels import batched, math_label, pango_labels
from convmanim.render import cache_dir

config.tex_dir = str(cache_dir() / "tex")
config.text_dir = str(cache_dir() / "text")
texts = [f"x_{{{i}}}" for i in range(60)]
for _ in range(int(sys.argv[1])):
    batched(lambda: [math_label(t) for t in texts])
    with pango_labels():  # parsed by manim's SVGMobject
        batched(lambda: [math_label(t) for t in texts])
"""


def test_two_processes_parse_the_same_cached_labels_at_once(tmp_path):
    # manim parses an SVG through a temporary NAME_.svg beside it and deletes it:
    # two renders sharing the label cache must not parse the same file in place
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONVMANIM_CACHE": str(tmp_path / "cache")}
    cmd = [sys.executable, "-c", RACE_SCRIPT]
    subprocess.run([*cmd, "1"], env=env, check=True, capture_output=True)  # fill the cache
    procs = [subprocess.Popen([*cmd, "3"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-500:]


def _labels_drawn_by(scenes) -> list[tuple[tuple[str, ...], float, str, bool]]:
    """Every (parts, font size, colour, math) read from an SVG while ``scenes`` play."""
    from convmanim.render import play_scene

    seen: dict[tuple[tuple[str, ...], float, str, bool], None] = {}
    real = labels._read_parts

    def spy(parts, font_size, color, math):
        seen[(tuple(parts), float(font_size), str(color), math)] = None
        return real(parts, font_size, color, math)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(labels, "_read_parts", spy)
        for scene in scenes:
            play_scene(scene, "160x90@6", draw=False)
    return list(seen)


def test_labels_read_straight_from_svg_equal_manims_mathtex():
    from convmanim import (
        AlphabetRelationshipScene,
        ArithmeticScene,
        ConvSpec,
        NumericalScene,
    )
    from convmanim.render import cache_dir

    def scene(base, **attrs):
        return type(base.__name__, (base,), {"still_step": 1, "intro": True, **attrs})

    spec = ConvSpec(5, 3, stride=2, padding=1)
    scenes = [
        scene(ArithmeticScene, spec=spec.transposed(), show_weights=True),
        scene(ArithmeticScene, spec=ConvSpec((6, 5), (3, 2), dilation=2), show_weights=True),
        *(scene(NumericalScene, spec=ConvSpec(6, 2, stride=2, padding=1), mode=m)
          for m in ("convolution", "average", "max")),
        scene(NumericalScene, spec=spec.transposed(), still_step=4),
        scene(AlphabetRelationshipScene, spec=spec),
    ]
    drawn = _labels_drawn_by(scenes)
    assert len(drawn) > 60
    assert any(not math for *_, math in drawn)  # text-mode titles
    assert any(len(parts) > 2 for parts, *_ in drawn)  # captions in parts
    assert any(r"\frac" in "".join(parts) for parts, *_ in drawn)  # a rule: the fraction bar
    with tempconfig({"tex_dir": str(cache_dir() / "tex")}):
        read = labels.batched(lambda: [labels._read_parts(*key) for key in drawn])
        for (parts, font_size, color, math), ours in zip(drawn, read):
            assert ours is not None, f"{parts!r} was not read from its SVG"
            cls = MathTex if math else Tex
            theirs = cls(*parts, font_size=font_size, color=color)
            assert len(ours) == len(theirs.submobjects), parts
            for mine, part in zip(ours, theirs.submobjects):
                flat = labels._flatten(part, part.tex_string)
                assert mine.get_tex_string() == part.tex_string
                assert mine.points.shape == flat.points.shape, part.tex_string
                np.testing.assert_allclose(mine.points, flat.points, atol=1e-9,
                                           err_msg=part.tex_string)
                if len(flat.points):
                    for attr in ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas"):
                        np.testing.assert_array_equal(getattr(mine, attr), getattr(flat, attr))
                    assert mine.get_stroke_width() == flat.get_stroke_width()


def test_a_label_group_indexes_like_the_mathtex(tmp_path):
    with tempconfig({"tex_dir": str(tmp_path / "tex")}):
        group = labels.batched(lambda: labels.math_label("b_{01}", "=", r"\frac{1}{2}"))
        whole = labels.batched(lambda: labels.math_label("b_{01} = 2"))
    assert isinstance(group, labels.LabelGroup)
    assert group.get_tex_string() == r"b_{01} = \frac{1}{2}"
    assert [p.get_tex_string() for p in group] == ["b_{01}", "=", r"\frac{1}{2}"]
    assert group[0].get_right()[0] < group[1].get_left()[0] < group[2].get_left()[0]
    assert isinstance(whole, labels.Label) and whole.get_tex_string() == "b_{01} = 2"


def test_labels_outside_a_batch_are_typeset_one_by_one(cold_cache):
    label = labels.math_label("k_{7}")
    assert label.get_tex_string() == "k_{7}" and len(label.points) > 8
    assert len(list(cold_cache.glob("*.svg"))) == 1


def test_a_template_with_its_own_document_is_typeset_alone(cold_cache):
    from manim import TexTemplate

    template = TexTemplate()
    template.body = template.body.replace(r"\begin{document}",
                                          "\\newcommand{\\mine}{m}\n\\begin{document}")
    assert labels._sets_whole_document(template)
    assert not labels._sets_whole_document(TexTemplate())
    with tempconfig({"tex_template": template}):
        group = labels.batched(lambda: labels.math_label(r"\mine_{1}"))
    assert len(group.points) > 8


class _Counting:
    """A typesetter that hands the asks on to LaTeX and counts them."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def svg(self, expression, environment, template):
        self.asked.append(expression)
        return labels.LatexTypesetter().svg(expression, environment, template)


def test_labels_ask_the_active_typesetter_and_nothing_else(cold_cache):
    counting = _Counting()
    with labels.using_typesetter(counting) as active:
        assert labels.typesetter() is active
        maker = labels.LabelMaker("#000000")
        maker.math("m_{0}"), maker.math("m_{0}"), labels.math_label("m_{1}", "=", "2")
    assert labels.typesetter() is not counting
    assert len(counting.asked) == 2  # a maker asks once per distinct label
    assert "unique002" in counting.asked[1]


def test_a_typesetter_is_active_in_its_own_context_only(cold_cache):
    import threading

    seen = []
    with labels.pango_labels():
        assert labels.use_pango()
        thread = threading.Thread(target=lambda: seen.append(labels.use_pango()))
        thread.start()
        thread.join()
    assert seen == [False] and not labels.use_pango()


def test_an_svg_glyphs_cannot_read_is_parsed_as_a_mathtex_parses_it(cold_cache, monkeypatch):
    fast = labels.batched(lambda: labels.math_label("b_{01}", "=", r"\frac{w}{2}"))
    monkeypatch.setattr(labels, "read_outline", lambda path: None)
    parsed = labels.batched(lambda: labels.math_label("b_{01}", "=", r"\frac{w}{2}"))
    assert [p.get_tex_string() for p in parsed] == ["b_{01}", "=", r"\frac{w}{2}"]
    for a, b in zip(fast, parsed):
        np.testing.assert_allclose(a.points, b.points, atol=1e-6)
        np.testing.assert_array_equal(a.fill_rgbas, b.fill_rgbas)


def test_the_command_lines_spare_latex_is_for_manims_default_template():
    from manim import config

    template = config["tex_template"]
    match = labels._STANDALONE.fullmatch(template.documentclass.strip())
    head = texrun.document_head(match["opts"], template.preamble, template.post_doc_commands)
    assert head == texrun.DEFAULT_HEAD


def test_a_cold_batch_takes_the_spare_latex(cold_cache, monkeypatch):
    started = []
    real = texrun._start
    monkeypatch.setattr(texrun, "_start", lambda cmd, cwd: started.append(cmd[0]) or real(cmd, cwd))
    texrun.start_spare(cold_cache)
    assert started == ["latex"]
    group = labels.batched(lambda: VGroup(labels.math_label("s_{1}"), labels.math_label("s_{2}")))
    assert started == ["latex", "dvisvgm"]  # no second latex
    assert all(len(m.get_all_points()) for m in group)
    assert not list(cold_cache.glob("convmanim-batch-*"))


def test_a_spare_for_another_folder_is_stopped_and_removed(cold_cache, tmp_path):
    other = tmp_path / "elsewhere"
    texrun.start_spare(other)
    spare = texrun._spare
    assert spare is not None and spare.alive()
    assert texrun.take_spare(cold_cache, texrun.DEFAULT_HEAD) is None
    assert spare.latex.returncode is not None
    assert not list(other.glob("convmanim-batch-*"))


SPARE_THEN_DIE = r"""
import os, signal, sys, time
from pathlib import Path
from convmanim import texrun

texrun.start_spare(Path(sys.argv[1]))
print(texrun._spare.latex.pid, flush=True)
time.sleep(1.0)  # LaTeX has its preamble and waits for pages
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_latex_waiting_for_pages_ends_when_its_parent_is_killed(tmp_path):
    import subprocess
    import sys
    import time

    proc = subprocess.run([sys.executable, "-c", SPARE_THEN_DIE, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9
    pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split()[2] == "Z":  # ended, not yet reaped by init
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        pytest.fail("LaTeX kept waiting for the pages of a process that died")


def test_a_cached_label_is_parsed_once_through_its_cache_entry_and_its_private_link(
        cold_cache, monkeypatch):
    from convmanim import glyphs

    labels.batched(lambda: labels.math_label("q_{17}"))  # typeset into the cache
    glyphs._OUTLINES.clear()
    parsed = []
    real = glyphs._read
    monkeypatch.setattr(glyphs, "_read", lambda path: parsed.append(path) or real(path))
    warm = labels.batched(lambda: labels.math_label("q_{17}"))
    assert len(warm.get_all_points())
    # checked whole in the cache, then drawn from a hard link in the private folder: one parse
    assert len(parsed) == 1, parsed
    # a file rewritten in place (new mtime or size) is read again, not served stale
    svg = parsed[0]
    os.utime(svg, ns=(1, 1))
    assert glyphs.read_outline(svg) is not None
    assert len(parsed) == 2
