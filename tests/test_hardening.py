"""Hardening: one-line errors, hostile arguments, interrupted and concurrent renders,
LaTeX injection and machines without LaTeX."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convmanim import ConvSpec, labels, limits, texrun
from convmanim.cli import main
from convmanim.geometry import SpecError

from .conftest import TINY, read_video

VENV_BIN = Path(sys.executable).parent
CONVMANIM = VENV_BIN / "convmanim"
HAS_TEX = not labels.missing_tex_tools()


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty directory with a few input files, tiny renders, no inherited flags."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONVMANIM_QUALITY", TINY.split("@")[0])
    monkeypatch.setenv("CONVMANIM_QUALITY_ANIMATION", TINY)
    for var in ("CONVMANIM_OUTPUT_DIR", "CONVMANIM_NO_TEX"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "values.csv").mkdir()  # a directory where a file is expected
    (tmp_path / "junk.npy").write_bytes(b"not an array")
    (tmp_path / "afile").write_text("a file, not a directory\n")
    return tmp_path


def invoke(args: list[str]):
    return CliRunner().invoke(main, args, prog_name="convmanim")


# ---------------------------------------------------------------- bad inputs
E = "convmanim: error: "
BAD = [
    # zero or negative sizes, strides, dilations; negative padding
    ("arithmetic -i 0 x", E + "input_size must be at least 1, got 0"),
    ("numerical -k 0 x", E + "kernel_size must be at least 1, got 0"),
    ("alphabet -k -2 x", E + "kernel_size must be at least 1, got -2"),
    ("arithmetic -s -1 x", E + "stride must be at least 1, got -1"),
    ("arithmetic -d 0 x", E + "dilation must be at least 1, got 0"),
    ("numerical -d -3 x", E + "dilation must be at least 1, got -3"),
    ("arithmetic -p -1 x", E + "padding must be 0 or more, got -1"),
    # padding that reaches the effective kernel (refused: a window of padding alone)
    ("arithmetic -k 3 -p 3 x", E + "padding 3 must be smaller than the effective kernel size 3 "
     "(kernel 3): a window would cover only padding"),
    ("numerical -k 2 -d 2 -p 3 x", E + "padding 3 must be smaller than the effective kernel size "
     "3 (kernel 2 with dilation 2): a window would cover only padding"),
    ("arithmetic -i 5x7 -k 3 -p 0x3 x", E + "padding 3 must be smaller than the effective kernel "
     "size 3 (kernel 3) along the width: a window would cover only padding"),
    # a kernel larger than the padded input
    ("arithmetic -i 4 -k 3 -d 2 x", E + "kernel_size: the effective kernel 5 (kernel 3 with "
     "dilation 2) is larger than the padded input 4 (input 4 + 2×padding 0)"),
    # an -o that disagrees
    ("alphabet -i 5 -k 3 -s 2 -o 3 x", E + "output_size 3 does not match the computed output size "
     "2 (conv i=5 k=3 s=2 p=0 d=1 -> o=2); drop -o or use -o 2"),
    ("arithmetic -i 5x7 -k 3 -o 3 x", E + "output_size 3 does not match the computed output size "
     "3x5 (conv i=5×7 k=3 s=1 p=0 d=1 -> o=3×5); drop -o or use -o 3x5"),
    # a step out of range: 0 to steps - 1
    ("arithmetic -e -1 x", E + "step must be in 0..8 (3×3 steps), got -1"),
    ("numerical -i 4 -k 2 -s 2 -e 4 x", E + "step must be in 0..3 (2×2 steps), got 4"),
    ("alphabet -i 4 -k 3 -t -e 16 x", E + "step must be in 0..15 (4×4 steps), got 16"),
    # malformed sizes and non-integers
    ("arithmetic -k x5 x", E + "Invalid value for '-k' / '--kernel-size': kernel_size must be an "
     "integer or HxW such as 5x7, got 'x5' (see 'convmanim arithmetic --help')"),
    ("numerical -s 5x5x5 x", E + "Invalid value for '-s' / '--stride': stride must be an integer "
     "or HxW such as 5x7, got '5x5x5' (see 'convmanim numerical --help')"),
    ("arithmetic -k 3.5 x", E + "Invalid value for '-k' / '--kernel-size': kernel_size must be an "
     "integer or HxW such as 5x7, got '3.5' (see 'convmanim arithmetic --help')"),
    ("arithmetic -e 1.5 x", E + "Invalid value for '-e' / '--step': '1.5' is not a valid integer. "
     "(see 'convmanim arithmetic --help')"),
    ("numerical -p two x", E + "Invalid value for '-p' / '--padding': padding must be an "
     "integer, HxW such as 1x2, or causal (with --1d), got 'two' (see 'convmanim numerical "
     "--help')"),
    ("arithmetic -i ² x", E + "Invalid value for '-i' / '--input-size': input_size must be an "
     "integer or HxW such as 5x7, got '²' (see 'convmanim arithmetic --help')"),
    # sizes too large to draw usefully
    ("arithmetic -i 12345678901 x", E + "Invalid value for '-i' / '--input-size': input_size "
     "'12345678901' is too large: at most 9 digits (see 'convmanim arithmetic --help')"),
    ("arithmetic -i 100 x", E + "conv i=100 k=3 s=1 p=0 d=1 -> o=98: the input grid is 100×100 "
     "cells, more than the arithmetic mode's limit of 64 per side (a cell would be a few pixels "
     "wide at 1080p); use a smaller input, kernel or padding"),
    ("numerical -i 30 -k 3 -p 2 x", E + "conv i=30 k=3 s=1 p=2 d=1 -> o=32: the padded input is "
     "34×34 cells, more than the numerical mode's limit of 32 per side (its numbers would be too "
     "small to read at 1080p); use a smaller input, kernel or padding"),
    ("alphabet -i 21 -k 3 x", E + "conv i=21 k=3 s=1 p=0 d=1 -> o=19: the conv matrix C would be "
     "361×441 (output 19×19 cells by input 21×21 cells), more than the alphabet mode's limit of "
     "400 rows or columns (every non-zero entry of C and every row's dot product is a label held "
     "in memory); use a smaller input"),
    ("arithmetic -i 40 -k 3 -a x", E + "conv i=40 k=3 s=1 p=0 d=1 -> o=38: an animation of 1444 "
     "steps is more than the limit of 1024 (17 minutes at one second per step); draw a still of "
     "one step with -e, or use a smaller input"),
    # --input-values and --kernel-values
    ('numerical -i 3 --input-values "1 2; 3 4" x', E + "--input-values must be 3×3, got 2×2"),
    ('numerical -i 2 -k 2 --input-values "1 2; 3 four" x',
     E + "--input-values: 'four' is not a number"),
    ('numerical -i 2 -k 2 --kernel-values "1 2; 3" x',
     E + "--kernel-values: row 2 has 1 number but row 1 has 2"),
    ("numerical --input-values missing.csv x", E + "--input-values: no such file: missing.csv"),
    ("numerical --input-values values.csv x",
     E + "--input-values: cannot read values.csv: Is a directory"),
    ("numerical -i 2 -k 2 --input-values junk.npy x", E + "--input-values: cannot read junk.npy: "
     "not a .npy file of numbers"),
    # unknown format or quality
    ("arithmetic --format avi x", E + "Invalid value for '--format': 'avi' is not one of 'mp4', "
     "'gif', 'webm', 'mov'. (see 'convmanim arithmetic --help')"),
    ("arithmetic -y jpg x", E + "Invalid value for '-y' / '--type': 'jpg' is not one of 'png', "
     "'pdf', 'svg'. (see 'convmanim arithmetic --help')"),
    ("arithmetic -q zz x", E + "quality must be one of l, m, h, p, k, a DPI number such as 150, "
     "or WIDTHxHEIGHT[@FPS], got 'zz'"),
    ("arithmetic -a -qa 10x10 x", E + "quality '10x10': the size must be 16x16 to 7680x4320 and "
     "the rate 1 to 120 fps"),
    # label text that would reach LaTeX
    (r"alphabet --input-symbol '\input{/etc/passwd}' x", E + "--input-symbol must be one Latin "
     r"letter or a Greek letter name such as \alpha, got '\\input{/etc/passwd}'"),
    (r"alphabet --output-symbol '\write18{touch pwned}' x", E + "--output-symbol must be one Latin "
     r"letter or a Greek letter name such as \alpha, got '\\write18{touch pwned}'"),
    ("alphabet --input-symbol ab x", E + "--input-symbol must be one Latin letter or a Greek "
     r"letter name such as \alpha, got 'ab'"),
    ("alphabet --output-symbol w x", E + "--output-symbol 'w' is the kernel's letter; pick another "
     "one"),
    ("alphabet --input-symbol y --output-symbol y x",
     E + "--input-symbol and --output-symbol must differ, got 'y' for both"),
    # names, seeds, times, directories
    ("arithmetic a/b", E + "NAME must be a plain file name without '/', got 'a/b'"),
    ("arithmetic " + "n" * 201, E + "NAME is 201 bytes long; a file name can have at most 200"),
    ("numerical --seed -1 x", E + "Invalid value for '--seed': -1 is not in the range x>=0. "
     "(see 'convmanim numerical --help')"),
    ("arithmetic --step-time nan x", E + "step_time must be a number of seconds from 0.1 to 60, "
     "got nan"),
    ("arithmetic --output-dir afile x", E + "Invalid value for '--output-dir' (env var: "
     "'CONVMANIM_OUTPUT_DIR'): Directory 'afile' is a file. (see 'convmanim arithmetic --help')"),
    ("arithmetic --output-dir afile/media x", E + "cannot create output directory 'afile/media': "
     "Not a directory"),
    ("arithmetic --output-dir /proc/convmanim/media x", E + "cannot create output directory "
     "'/proc/convmanim/media': No such file or directory"),
    ("numerical -i 5 -k 3 -p 2 -m max x",
     E + "padding 2 must be at most half the pooling window 3"),
]


def test_the_table_has_30_bad_inputs_of_every_kind():
    assert len(BAD) >= 30
    assert len({line for line, _ in BAD}) == len(BAD)


@pytest.mark.parametrize("line,message", BAD, ids=[line[:40] for line, _ in BAD])
def test_bad_input_is_one_exact_line_exit_2_and_no_file(workdir, line, message):
    before = _files(workdir)
    result = invoke(shlex.split(line))
    assert result.exit_code == 2, result.output
    assert result.stderr.rstrip("\n") == message
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert _files(workdir) == before
    assert not (workdir / "media").exists()


@pytest.mark.parametrize("extra", [[], ["-a"], ["--no-tex"]])
def test_an_unusable_label_cache_is_one_clear_line(workdir, monkeypatch, extra):
    (workdir / "afile").write_text("not a folder")
    monkeypatch.setenv("CONVMANIM_CACHE", str(workdir / "afile"))
    before = _files(workdir)
    result = invoke(["arithmetic", "-i", "5", "-k", "3", "x", *extra])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"{E}label cache '{workdir / 'afile'}' is not a usable folder "
                             "(Not a directory): set CONVMANIM_CACHE to a writable one\n")
    assert _files(workdir) == before


def test_an_unwritable_output_directory_is_one_clear_line(workdir):
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    target = locked if os.geteuid() != 0 else Path("/proc/1")  # root writes anywhere else
    try:
        result = invoke(["arithmetic", "x", "--output-dir", str(target)])
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{E}output directory '{target}' is not writable: ")
    assert result.stderr.count("\n") == 1
    assert _files(locked) == []


# -------------------------------------------------------------- the fuzzer
FLAGS = ["-i", "-k", "-s", "-p", "-d", "-o", "-e", "-q", "-qa", "-y", "--format", "-m",
         "--seed", "--step-time", "--theme", "--input-values", "--kernel-values",
         "--input-symbol", "--output-symbol", "--output-padding", "--output-dir"]
SWITCHES = ["-a", "-t", "--stepwise", "--intro", "--relationship", "--no-tex", "--weights",
            "--no-progress", "--help", "--"]
HOSTILE = [
    "5x", "x5", "5x5x5", "0", "-1", "-0", "+3", "3.5", "1e3", "nan", "inf", "-inf", "²", "٣",
    "99999999999", "9" * 5000, "", " ", "5 x 7", "5×7", "0x3", "3x0", "-3x4", "\x00", "\n",
    r"\input{/etc/passwd}", r"\write18{touch pwned}", "$x$", "a_{0}", "{", "}", "%", "#",
    "../../etc", "/dev/null", "/", "1 2; 3", "1,2;3,4", "a b", "mp4", "gif", "avi", "png",
    "k", "l", "600", "64x36@5", "16x16@1", "7680x4320@120", "max", "average", "light",
]


def _value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-3, 12).map(str),
        st.tuples(st.integers(-2, 9), st.integers(-2, 9)).map(lambda p: f"{p[0]}x{p[1]}"),
        st.sampled_from(HOSTILE),
        st.text(max_size=12),
    )


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    """A command line, often valid, often hostile."""
    args = [draw(st.sampled_from(["arithmetic", "numerical", "alphabet", "info", "bogus", "",
                                  "-h", "--version"]))]
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            args += [draw(st.sampled_from(FLAGS)), draw(_value())]
        else:
            args.append(draw(st.sampled_from(SWITCHES)))
    if draw(st.integers(0, 9)):
        args.append(draw(st.one_of(st.just("x"), st.text(max_size=10))))
    return args


@pytest.fixture
def recorded_renders(workdir, monkeypatch):
    """Stand-ins for the render calls: everything up to them runs for real."""
    from convmanim import render

    calls: list[tuple[str, type]] = []

    def still(scene_cls: type, name: str, **kwargs: object) -> Path:
        render.check_name(name)
        scene_cls.check_step(scene_cls.still_step)
        calls.append(("still", scene_cls))
        return Path(name)

    def animation(scene_cls: type, name: str, **kwargs: object) -> list[Path]:
        render.check_name(name)
        render._check_formats(kwargs["formats"], render.ANIMATION_FORMATS, "format")
        assert scene_cls.planned_duration() > 0
        calls.append(("animation", scene_cls))
        return [Path(name)]

    monkeypatch.setattr(render, "render_still", still)
    monkeypatch.setattr(render, "render_animation", animation)
    monkeypatch.setattr("convmanim.slides.render_slides", animation, raising=False)
    return calls


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=argv())
def test_hostile_command_lines_succeed_or_fail_in_one_line(recorded_renders, args):
    result = invoke(args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), (args, result.output)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("convmanim: error: "), (args, lines)


SMALL = st.tuples(
    st.sampled_from(["arithmetic", "numerical", "alphabet"]),
    st.integers(2, 6), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
    st.integers(1, 2), st.booleans(),
)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=SMALL)
def test_random_small_specs_really_render_or_fail_in_one_line(workdir, spec):
    mode, i, k, s, p, d, transposed = spec
    args = [mode, "-i", str(i), "-k", str(k), "-s", str(s), "-p", str(p), "-d", str(d),
            "--no-tex", "x"] + (["-t"] if transposed else [])
    result = invoke(args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        assert iio.imread(workdir / "media" / "x.png").shape[:2] == (90, 160)
        (workdir / "media" / "x.png").unlink()
    else:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(E)
        with pytest.raises(SpecError):
            spec_ = ConvSpec(i, k, s, p, d)
            limits.check_render_size(spec_.transposed() if transposed else spec_, mode)


# ------------------------------------------------------ interrupted renders
def _subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVMANIM_")}
    env["CONVMANIM_CACHE"] = os.environ["CONVMANIM_CACHE"]
    env.update(extra)
    return env


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_render_leaves_no_file(tmp_path, signum):
    out = tmp_path / "media"
    proc = subprocess.Popen(
        [str(CONVMANIM), "arithmetic", "-i", "8", "-k", "3", "-a", "-qa", "320x180@15",
         "--no-tex", "--no-progress", "--output-dir", str(out), "long"],
        env=_subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        part = None
        while time.monotonic() < deadline and proc.poll() is None:
            parts = list(out.glob(".long.mp4.part-*")) if out.exists() else []
            if parts and parts[0].stat().st_size > 0:  # frames are being written
                part = parts[0]
                break
            time.sleep(0.05)
        assert part is not None, "the render never started writing"
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "convmanim: interrupted"
    assert not (out / "long.mp4").exists()
    assert list(out.iterdir()) == []  # no stray temporary file either


def test_two_renders_into_one_folder_at_once(tmp_path):
    out = tmp_path / "media"
    cache = tmp_path / "cache"  # cold: both typeset their labels at the same time
    commands = [
        ["arithmetic", "-i", "4", "-k", "3", "-s", "1", "one"],
        ["alphabet", "-i", "3", "-k", "2", "two"],
    ]
    procs = [
        subprocess.Popen(
            [str(CONVMANIM), *c, "-a", "-qa", TINY, "--step-time", "0.5", "--no-progress",
             "--output-dir", str(out)],
            env=_subprocess_env(CONVMANIM_CACHE=str(cache)),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for c in commands
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["one.mp4", "two.mp4"]
    # 4 steps of 3 frames + 6 frames of end hold; 4 steps likewise for the 2x2 output
    for name, steps in (("one.mp4", 4), ("two.mp4", 4)):
        frames = read_video(out / name)
        assert frames.shape == (steps * 3 + 6, 90, 160, 3)
        assert frames.std() > 0


# -------------------------------------------------------------- LaTeX safety
def test_injected_symbols_never_reach_latex(workdir, monkeypatch):
    typeset: list[object] = []
    monkeypatch.setattr(texrun.LatexRun, "typeset", lambda run, pages: typeset.append(pages))
    for symbol in (r"\input{/etc/passwd}", r"\write18{touch pwned}", r"a}\input{x",
                   "\\alpha\\relax", "x ", "αβ"):
        result = invoke(["alphabet", "--input-symbol", symbol, "x"])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"{E}--input-symbol must be one Latin letter")
    assert typeset == []
    assert not (workdir / "pwned").exists()


def test_scene_symbols_are_checked_for_python_users(monkeypatch, tmp_path):
    from convmanim import AlphabetScene
    from convmanim.render import play_scene

    typeset: list[object] = []
    monkeypatch.setattr(texrun.LatexRun, "typeset", lambda run, pages: typeset.append(pages))
    bad = type("Bad", (AlphabetScene,), {"spec": ConvSpec(3, 2),
                                        "symbols": (r"\input{/etc/passwd}", "b")})
    with pytest.raises(SpecError, match=r"symbols\[0\] must be one Latin letter"):
        play_scene(bad, TINY, draw=False)
    assert typeset == []


def test_greek_symbols_are_typeset(workdir):
    result = invoke(["alphabet", "-i", "3", "-k", "2", "--input-symbol", r"\alpha",
                     "--output-symbol", "y", "--no-tex", "g"])
    assert result.exit_code == 0, result.output
    assert iio.imread(workdir / "media" / "g.png").shape[:2] == (90, 160)


@pytest.mark.skipif(not HAS_TEX, reason="needs latex")
@pytest.mark.parametrize("own_document", [False, True], ids=["batched", "own-template"])
def test_latex_runs_without_shell_escape_or_reading_outside(tmp_path, own_document):
    from manim import TexTemplate, tempconfig

    template = TexTemplate()
    if own_document:  # typeset one label at a time, outside the batch
        template.body = template.body.replace(r"\begin{document}", "%\n\\begin{document}")
    with tempconfig({"tex_dir": str(tmp_path / "tex"), "tex_template": template}):
        with pytest.raises(labels.LabelError, match="hostname"):
            labels.batched(lambda: labels.math_label(r"\input{/etc/hostname}"))
        witness = tmp_path / "pwned"
        labels.batched(lambda: labels.math_label(rf"x\immediate\write18{{touch {witness}}}"))
    assert not witness.exists()


# ------------------------------------------------------------- without LaTeX
@pytest.fixture
def no_latex(workdir, monkeypatch):
    """PATH holds the virtual environment only: no latex, no dvisvgm."""
    monkeypatch.setenv("PATH", str(VENV_BIN))
    assert labels.missing_tex_tools() == ["latex", "dvisvgm"]
    return workdir


def test_missing_latex_is_one_line_with_the_fix(no_latex):
    result = invoke(["arithmetic", "x"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{E}LaTeX labels need latex and dvisvgm, which are not installed: "
        f"{labels.TEX_INSTALL_HINT}; or add --no-tex (CONVMANIM_NO_TEX=1 from Python) to "
        "typeset the labels with Pango\n"
    )
    assert _files(no_latex) == ["afile", "junk.npy"]


@pytest.mark.parametrize("line", [
    "arithmetic -i 5 -k 3 -s 2 -p 1 -t -e 3 --intro",
    "numerical -i 5 -k 3 -s 2 -p 1 -e 2 --intro",
    "numerical -i 4 -k 3 -s 2 -p 1 -t -e 1",
    "numerical -i 5 -k 3 -p 1 -m max -e 0",
    "alphabet -i 4 -k 3 -s 2 -p 1 -e 1",
    "alphabet -i 3 -k 2 --relationship -e 5",
])
def test_every_mode_renders_with_no_tex_and_no_latex(no_latex, line):
    result = invoke([*shlex.split(line), "--no-tex", "-q", "320x180", "still"])
    assert result.exit_code == 0, result.output
    image = iio.imread(no_latex / "media" / "still.png")
    assert image.shape[:2] == (180, 320)
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 20


def test_lecture_renders_with_no_tex_and_no_latex(no_latex):
    (no_latex / "l.toml").write_text(
        '[lecture]\ntitle = "T"\nstep_time = 0.5\ntitle_time = 0.5\n'
        '[[part]]\ntitle = "Max"\nmode = "numerical"\noperation = "max"\n'
        'input_size = 4\nkernel_size = 2\nstride = 2\n'
    )
    result = invoke(["lecture", "l.toml", "-q", TINY, "--no-progress"])
    assert result.exit_code == 2 and "--no-tex" in result.stderr
    result = invoke(["lecture", "l.toml", "-q", TINY, "--no-progress", "--no-tex"])
    assert result.exit_code == 0, result.output
    assert read_video(no_latex / "media" / "l.mp4").shape[0] > 4


def test_no_tex_animation_in_a_subprocess_without_latex(tmp_path):
    env = _subprocess_env(PATH=str(VENV_BIN), CONVMANIM_NO_TEX="1")
    done = subprocess.run(
        [str(CONVMANIM), "numerical", "-i", "3", "-k", "2", "-a", "-qa", TINY, "--step-time",
         "0.5", "--output-dir", str(tmp_path), "anim"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert read_video(tmp_path / "anim.mp4").shape[0] > 4


def _glyphs_per_part(parts: tuple[str, ...]) -> list[int]:
    """How many glyphs Pango draws in each part of ``MathTex(*parts)``."""
    import xml.etree.ElementTree as ET

    from convmanim.notex import svg_for

    expression, environment, matches = labels._expression(parts, True)
    root = ET.fromstring(svg_for(expression, environment))
    groups = {g.get("id"): g for g in root.iter("{http://www.w3.org/2000/svg}g")}
    return [len(list(groups[name].iter("{http://www.w3.org/2000/svg}path")))
            for _, name in matches]


def test_pango_parts_line_up_like_latex_parts():
    from convmanim.modes.numerical import scatter_caption_tex

    parts, where = scatter_caption_tex(2, np.array([[1, 0], [3, 1]]), np.array([[2, 0], [6, 2]]))
    with labels.pango_labels():
        caption = labels.math_label(*parts)
    assert len(caption) == len(parts)
    assert [_glyphs_per_part(parts)[i] for i in where] == [1, 1, 1, 1]
    # Pango's ⋯ is one glyph, LaTeX's three
    assert _glyphs_per_part(("b_{01}", "=", r"w_{00}a_{02}", r"\cdots")) == [3, 1, 6, 1]
    xs = [caption[i].get_center()[0] for i in where]
    ys = [caption[i].get_center()[1] for i in where]
    assert xs[0] < xs[1] and xs[2] < xs[3]  # columns left to right
    assert ys[0] > ys[2] and ys[1] > ys[3]  # rows top to bottom


@pytest.mark.skipif(not HAS_TEX, reason="compares with latex")
def test_pango_labels_are_as_large_as_latex_labels(tmp_path):
    from manim import tempconfig

    strings = ["x", r"w_{01}", r"\text{input } a\;(5\times 5)", r"\max(-\infty, 3)"]
    with tempconfig({"tex_dir": str(tmp_path / "tex")}):
        latex = labels.batched(lambda: [labels.math_label(s) for s in strings])
    with labels.pango_labels():
        pango = [labels.math_label(s) for s in strings]
    for a, b in zip(latex, pango):
        assert b.height == pytest.approx(a.height, rel=0.2)
        assert b.width == pytest.approx(a.width, rel=0.2)


def test_no_tex_reads_unknown_tex_without_failing():
    from convmanim.notex import svg_for

    for tex in (r"\unknown{x}", "}{", r"\frac{1}", r"\left( x", r"\begin{pmatrix} 1 &",
                "a^", "_", r"\\", "$", r"\sqrt{2}\hat{x}\binom{n}{k}"):
        assert svg_for(tex, "align*").startswith("<svg")


def test_symbol_pattern():
    assert limits.check_symbols(("x", r"\Omega")) == ("x", r"\Omega")
    for bad in ("", "xy", r"\alphax", r"\input", "1", "w", "\\"):
        with pytest.raises(SpecError):
            limits.check_symbols((bad, "b"))


@pytest.mark.parametrize("args", [
    ["arithmetic", "--output-dir", "\x00", "x"],
    ["numerical", "--output-dir", "media/a\x00b", "x"],
    ["lecture", "a\x00.toml"],
    ["lecture", "examples/upsampling.toml", "--output-dir", "\x00"],
    ["numerical", "--input-values", "a\x00.csv", "x"],
    ["numerical", "--kernel-values", "k\x00.npy", "x"],
])
def test_a_path_with_a_nul_byte_is_refused_in_one_line(args, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert "NUL byte" in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and "internal error" not in result.output
