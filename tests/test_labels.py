"""Batched LaTeX: one LaTeX run for many labels, identical to manim's own output."""

from __future__ import annotations

import numpy as np
import pytest
from manim import MathTex, Tex, VGroup, tempconfig

from convmanim import labels


@pytest.fixture
def cold_cache(tmp_path):
    with tempconfig({"tex_dir": str(tmp_path / "tex")}):
        yield tmp_path / "tex"


def test_many_labels_cost_one_latex_run(cold_cache, monkeypatch):
    runs = []
    real_run = labels._run

    def counting(command, cwd):
        runs.append(command[0])
        return real_run(command, cwd)

    monkeypatch.setattr(labels, "_run", counting)
    strings = [f"a_{{{r}{c}}}" for r in range(6) for c in range(6)]
    group = labels.batched(lambda: VGroup(*(MathTex(s) for s in strings), Tex("input $5$")))
    assert runs == ["latex", "dvisvgm"]
    assert len(group) == 37
    # a warm second build runs nothing and returns the first pass directly
    runs.clear()
    again = labels.batched(lambda: VGroup(*(MathTex(s) for s in strings)))
    assert runs == []
    assert len(again) == 36


def test_batched_labels_equal_manims_own(cold_cache, tmp_path):
    strings = ["w_{12}", r"\left\lfloor \frac{5 + 2}{2} \right\rfloor"]
    ours = labels.batched(lambda: [MathTex(s) for s in strings])
    parts = labels.batched(lambda: MathTex("b_{01}", "=", "w_{00}a_{02}"))
    with tempconfig({"tex_dir": str(tmp_path / "manim-own")}):
        theirs = [MathTex(s) for s in strings]
        their_parts = MathTex("b_{01}", "=", "w_{00}a_{02}")
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.get_all_points(), b.get_all_points())
    assert [p.tex_string for p in parts] == ["b_{01}", "=", "w_{00}a_{02}"]
    for a, b in zip(parts, their_parts):
        np.testing.assert_allclose(a.get_all_points(), b.get_all_points())


def test_a_bad_label_names_itself(cold_cache):
    match = r"LaTeX could not typeset the label '.*undefinedmacro"
    with pytest.raises(labels.LabelError, match=match):
        labels.batched(lambda: [MathTex("a"), MathTex(r"\undefinedmacro x")])


def test_missing_latex_is_one_clear_line(cold_cache, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(labels.TexMissingError) as info:
        labels.batched(lambda: MathTex("q_{99}"))
    message = str(info.value)
    assert "\n" not in message
    assert "latex and dvisvgm" in message and "apt-get install" in message


RACE_SCRIPT = r"""
import sys
from manim import MathTex, config
from convmanim.labels import LabelMaker, batched
from convmanim.render import cache_dir

config.tex_dir = str(cache_dir() / "tex")
texts = [f"x_{{{i}}}" for i in range(60)]
for _ in range(int(sys.argv[1])):
    batched(lambda: [MathTex(t) for t in texts])
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
    procs = [subprocess.Popen([*cmd, "8"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-500:]
