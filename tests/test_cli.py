"""The command line, through click's CliRunner, on real (small) renders."""

from __future__ import annotations

import itertools
import shlex

import imageio.v3 as iio
import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import AlphabetScene, ArithmeticScene, ConvSpec, NumericalScene
from convmanim.cli import main
from tests.conftest import read_video


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run `convmanim ARGS` in an empty directory at 480p; return (result, files)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONVMANIM_QUALITY", "l")
    monkeypatch.setenv("CONVMANIM_QUALITY_ANIMATION", "l")
    monkeypatch.delenv("CONVMANIM_OUTPUT_DIR", raising=False)

    def invoke(line: str):
        result = CliRunner().invoke(main, shlex.split(line), prog_name="convmanim",
                                    catch_exceptions=False)
        files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                       if p.is_file())
        return result, files

    return invoke


# The original README's arithmetic command lines, with `python` replaced by `convmanim`.
SEED_STILLS = [
    ("arithmetic -i 5 -p 1 -k 3 -s 2 -e 0 arithmetic_conv", "media/arithmetic_conv.png"),
    ("arithmetic -i 5 -p 1 -k 3 -s 2 -e 1 -t arithmetic_transposed_conv",
     "media/arithmetic_transposed_conv.png"),
]
SEED_ANIMATIONS = [
    ("arithmetic -i 5 -p 1 -k 3 -s 2 arithmetic_conv -a", "media/arithmetic_conv.mp4",
     ConvSpec(5, 3, stride=2, padding=1)),
    ("arithmetic -i 5 -p 1 -k 3 -s 2 -t arithmetic_transposed_conv -a",
     "media/arithmetic_transposed_conv.mp4", ConvSpec(5, 3, stride=2, padding=1).transposed()),
]


def _paced_frames(base, spec, fps, least=2):
    """Frames of the steps of a default (paced) scene: each step's seconds, rounded."""
    scene_cls = type("Paced", (base,), {"spec": spec})
    durations = scene_cls.step_durations()
    assert len(durations) == spec.num_steps
    # paced: the first step is read slowly, the later ones settle at one pace
    assert durations[0] > durations[-1] == scene_cls.settled_step_time
    return sum(max(least, round(d * fps)) for d in durations)


@pytest.mark.parametrize("line,path", SEED_STILLS)
def test_seed_still_command_lines_run_unchanged(run, line, path):
    result, files = run(line)
    assert result.exit_code == 0, result.output
    assert files == [path]
    assert result.stdout.strip().splitlines()[-1] == path
    img = iio.imread(path)
    assert img.shape[:2] == (480, 854)


@pytest.mark.parametrize("line,path,spec", SEED_ANIMATIONS)
def test_seed_animation_command_lines_run_unchanged(run, line, path, spec):
    result, files = run(line)
    assert result.exit_code == 0, result.output
    assert files == [path]
    assert result.stdout.strip().splitlines()[-1] == path
    meta = iio.immeta(path, plugin="pyav")
    frames = read_video(path)
    # the paced steps plus a 1 s hold at the end, at 15 fps (480p15)
    count = _paced_frames(ArithmeticScene, spec, 15) + 15
    assert frames.shape == (count, 480, 854, 3)
    assert meta["fps"] == 15
    assert meta["duration"] == pytest.approx(count / 15, abs=0.5 / 15)  # the container's units


# The original README's numerical and alphabet lines (the max pooling line with the -m max
# it needed: the original silently drew a convolution for it).
SEED_MODE_STILLS = [
    ("numerical -i 5 -p 1 -k 3 -s 2 numerical_conv", "media/numerical_conv.png"),
    ("numerical -i 6 -k 2 -s 2 numerical_max -m max", "media/numerical_max.png"),
    ("alphabet -i 5 -k 3 alphabet_conv", "media/alphabet_conv.png"),
    ("alphabet -i 5 -k 3 alphabet_transposed_conv -t", "media/alphabet_transposed_conv.png"),
    ("alphabet -i 5 -k 3 -s 2 -p 1 alphabet_conv_s2", "media/alphabet_conv_s2.png"),
    ("alphabet -i 5 -k 3 -s 2 -p 1 alphabet_transposed_conv_s2 -t",
     "media/alphabet_transposed_conv_s2.png"),
]
# (line, file, scene class, frame size, fps): -qa 150 (DPI) is 720p30.
_S2 = ConvSpec(5, 3, stride=2, padding=1)
SEED_MODE_ANIMATIONS = [
    ("numerical -i 5 -p 1 -k 3 -s 2 numerical_conv -a", "media/numerical_conv.mp4",
     type("N", (NumericalScene,), {"spec": _S2}), (480, 854), 15),
    ("numerical -i 6 -k 2 -s 2 numerical_max -m max -a", "media/numerical_max.mp4",
     type("M", (NumericalScene,), {"spec": ConvSpec(6, 2, stride=2), "mode": "max"}),
     (480, 854), 15),
    ("alphabet -i 5 -k 3 alphabet_conv -a -qa 150", "media/alphabet_conv.mp4",
     type("A", (AlphabetScene,), {"spec": ConvSpec(5, 3)}), (720, 1280), 30),
    ("alphabet -i 5 -k 3 alphabet_transposed_conv -t -a -qa 150",
     "media/alphabet_transposed_conv.mp4",
     type("A", (AlphabetScene,), {"spec": ConvSpec(5, 3).transposed()}), (720, 1280), 30),
    ("alphabet -i 5 -k 3 -s 2 -p 1 alphabet_conv_s2 -a -qa 150", "media/alphabet_conv_s2.mp4",
     type("A", (AlphabetScene,), {"spec": _S2}), (720, 1280), 30),
    ("alphabet -i 5 -k 3 -s 2 -p 1 alphabet_transposed_conv_s2 -t -a -qa 150",
     "media/alphabet_transposed_conv_s2.mp4",
     type("A", (AlphabetScene,), {"spec": _S2.transposed()}), (720, 1280), 30),
]


@pytest.mark.parametrize("line,path", SEED_MODE_STILLS)
def test_seed_numerical_and_alphabet_stills_run_unchanged(run, line, path):
    result, files = run(line)
    assert result.exit_code == 0, result.output
    assert files == [path]
    assert iio.imread(path).shape[:2] == (480, 854)


@pytest.mark.parametrize("line,path,scene_cls,size,fps", SEED_MODE_ANIMATIONS)
def test_seed_numerical_and_alphabet_animations_run_unchanged(run, line, path, scene_cls, size,
                                                              fps):
    result, files = run(line)
    assert result.exit_code == 0, result.output
    assert files == [path]
    frames = read_video(path)
    # every (paced) step a whole number of frames, then a 1 s hold
    least = 1 if issubclass(scene_cls, NumericalScene) else 2
    count = _paced_frames(scene_cls, scene_cls.spec, fps, least) + fps
    assert frames.shape == (count, *size, 3)
    assert iio.immeta(path, plugin="pyav")["fps"] == fps


def test_numerical_i7_draws_a_5x5_output(run):
    # the original drew 3×3 here, from its -o default
    result, _ = run("info -i 7 -k 3")
    assert "o=5" in result.output
    result, files = run("numerical -i 7 -k 3 x -e 24")
    assert result.exit_code == 0, result.output
    assert files == ["media/x.png"]
    result, _ = run("numerical -i 7 -k 3 y -e 25")
    assert result.exit_code == 2
    assert "0..24" in result.stderr


def test_transposed_still_as_vector_pdf(run, tmp_path):
    result, files = run("arithmetic -i 5 -p 1 -k 3 -s 2 -e 1 -t arithmetic_transposed_conv -y pdf")
    assert result.exit_code == 0, result.output
    assert files == ["media/arithmetic_transposed_conv.pdf"]
    data = (tmp_path / "media/arithmetic_transposed_conv.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/Image" not in data  # no raster image inside: true vector output


def test_transposed_animation_as_smooth_gif(run):
    result, files = run(
        "arithmetic -i 5 -p 1 -k 3 -s 2 -t arithmetic_transposed_conv -a --format gif "
        "--step-time 0.5"
    )
    assert result.exit_code == 0, result.output
    assert files == ["media/arithmetic_transposed_conv.gif"]
    frames = iio.imread("media/arithmetic_transposed_conv.gif", index=None)
    # smooth: several frames per glide, far more than one per step
    assert frames.shape[0] > 3 * 25
    assert frames.shape[1:3] == (480, 854)
    # consecutive frames differ: the GIF holds no duplicate frames
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(frames))


def test_several_formats_in_one_render(run):
    result, files = run("arithmetic -i 4 -k 3 x --format mp4 --format gif --format webm "
                        "--format mov -qa 160x90@10 --step-time 0.5")
    assert result.exit_code == 0, result.output
    assert files == ["media/x.gif", "media/x.mov", "media/x.mp4", "media/x.webm"]
    assert result.stdout.strip().splitlines()[-4:] == [
        "media/x.mp4", "media/x.gif", "media/x.webm", "media/x.mov"]


def test_per_axis_sizes(run):
    result, files = run("arithmetic -i 5x7 -k 3x2 -s 2x1 -p 1x0 -o 3x6 -e 17 rect")
    assert result.exit_code == 0, result.output
    assert files == ["media/rect.png"]


def test_stepwise_animation_has_one_frame_per_step(run):
    result, files = run("arithmetic -i 5 -p 1 -k 3 -s 2 conv -a --format gif --stepwise")
    assert result.exit_code == 0, result.output
    assert files == ["media/conv.gif"]
    frames = iio.imread("media/conv.gif", index=None)
    assert frames.shape[0] == 9


BAD = [
    ("arithmetic -i 3 -k 5 x",
     "convmanim: error: kernel_size: the effective kernel 5 (kernel 5) is larger than the padded "
     "input 3 (input 3 + 2×padding 0)"),
    ("arithmetic -i -5 x", "convmanim: error: input_size must be at least 1, got -5"),
    ("arithmetic -s 0 x", "convmanim: error: stride must be at least 1, got 0"),
    ("arithmetic -e 9 x", "convmanim: error: step must be in 0..8 (3×3 steps), got 9"),
    ("arithmetic -e 25 -t -i 5 -k 3 -s 2 -p 1 x",
     "convmanim: error: step must be in 0..24 (5×5 steps), got 25"),
    ("arithmetic -o 4 x",
     "convmanim: error: output_size 4 does not match the computed output size 3 "
     "(conv i=5 k=3 s=1 p=0 d=1 -> o=3); drop -o or use -o 3"),
    ("arithmetic -i 5x x",
     "convmanim: error: Invalid value for '-i' / '--input-size': input_size must be an integer "
     "or HxW such as 5x7, got '5x' (see 'convmanim arithmetic --help')"),
    ("arithmetic -qa z -a x",
     "convmanim: error: quality must be one of l, m, h, p, k, a DPI number such as 150, or "
     "WIDTHxHEIGHT[@FPS], got 'z'"),
    ("arithmetic -a -y pdf x",
     "convmanim: error: -y/--type pdf sets a still's format; an animation takes --format mp4, "
     "gif, webm or mov (see 'convmanim arithmetic --help')"),
    ("numerical --format gif -y png x",
     "convmanim: error: -y/--type png sets a still's format; an animation takes --format mp4, "
     "gif, webm or mov (see 'convmanim numerical --help')"),
]


@pytest.mark.parametrize("line,message", BAD)
def test_bad_input_is_one_line_exit_2_and_no_file(run, line, message):
    result, files = run(line)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert "Traceback" not in result.output
    assert files == []


def test_help_teaches(run):
    result, _ = run("arithmetic --help")
    assert result.exit_code == 0
    for flag in ("-e, --step", "-i, --input-size", "-o, --output-size", "-p, --padding",
                 "-k, --kernel-size", "-s, --stride", "-d, --dilation", "-a, --animation",
                 "-y, --type", "-q, --quality", "-qa, --quality-animation", "-t, --transposed",
                 "--format", "--output-dir", "--theme", "--step-time", "Examples:"):
        assert flag in result.output


def test_info(run):
    result, _ = run("info -i 6 -k 3 -s 2 -p 1 -t")
    assert result.exit_code == 0
    assert "output_padding=1" in result.output
    assert "steps: 36" in result.output


def test_latex_starts_early_only_when_labels_may_be_missing(run, tmp_path, monkeypatch):
    from convmanim import texrun

    monkeypatch.setenv("CONVMANIM_CACHE", str(tmp_path / "cache"))
    spares = []
    real = texrun.LatexRun.__init__

    def spy(self, *args, **kwargs):
        spares.append(kwargs.get("start", True))
        real(self, *args, **kwargs)

    monkeypatch.setattr(texrun.LatexRun, "__init__", spy)
    line = "numerical -i 4 -k 2 -s 2 -m max -e 1 pool"
    result, files = run(line)
    assert result.exit_code == 0 and "media/pool.png" in files
    assert spares == [True]  # cold: the spare, taken by the batch
    assert list((tmp_path / "cache" / "label-lists").glob("*.txt"))
    spares.clear()
    run(line)
    assert spares == []  # every label it used last time is cached: no LaTeX at all
    run(line.replace("-e 1", "-e 2"))
    assert spares == [True]  # another command: a spare, in case
    texrun._drop_spare()
    for svg in (tmp_path / "cache" / "tex").glob("*.svg"):
        svg.unlink()
    spares.clear()
    run(line)
    assert spares == [True]  # its labels are gone: typeset them again
