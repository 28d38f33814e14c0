"""`convmanim lecture`: the example lecture renders, and bad files fail in one line."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from click.testing import CliRunner

from convmanim.cli import main
from convmanim.lecture import LectureError, load_lecture, parse_lecture
from convmanim.render import render_still
from convmanim.subtitles import read_cues
from convmanim.video import read_chapters, read_frames
from tests import oracle
from tests.conftest import read_video

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "lecture.toml"


def _invoke(line: str):
    return CliRunner().invoke(main, shlex.split(line), prog_name="convmanim",
                              catch_exceptions=False)


# ------------------------------------------------------------ the example
def _planned_frames(fps: int) -> list[tuple[int, int]]:
    """(card frames, part frames) of each part of the example, from the file alone.

    An arithmetic step lasts its step time in whole frames (at least two), a
    numerical step at least one; every part ends with a one-second hold.
    """
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    head = data["lecture"]
    out = []
    for part in data["part"]:
        assert part["mode"] in ("arithmetic", "numerical") and not part.get("intro")
        assert not part.get("stepwise")
        axes = [
            [part.get(key, default)] * 2
            for key, default in (("input_size", 5), ("kernel_size", 3), ("stride", 1),
                                 ("padding", 0), ("dilation", 1))
        ]
        forward_out = [oracle.out_size(*(a[ax] for a in axes)) for ax in range(2)]
        if not part.get("transposed"):
            steps = math.prod(forward_out)
        elif part["mode"] == "arithmetic":
            steps = math.prod(axes[0])  # one per cell of its output, the forward input
        else:
            steps = math.prod(forward_out)  # scatter: one per cell of its input
        step_time = part.get("step_time", head.get("step_time", 1.0))
        per_step = round(step_time * fps)
        per_step = max(2, per_step) if part["mode"] == "arithmetic" else max(1, per_step)
        out.append((round(head["title_time"] * fps), steps * per_step + fps))
    return out


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a[..., :3].astype(float) - b[..., :3].astype(float)).mean())


@pytest.mark.render
def test_example_lecture_renders_every_part_at_low_quality(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke(f"lecture {EXAMPLE} -ql --subtitles")
    assert result.exit_code == 0, result.output
    # progress: one line per part as it starts (the bar itself needs a terminal)
    assert [line.split(" (")[0] for line in result.stderr.strip().splitlines()] == [
        "convmanim: part 1/5 Padding", "convmanim: part 2/5 Strides",
        "convmanim: part 3/5 Dilation", "convmanim: part 4/5 The transposed convolution",
        "convmanim: part 5/5 Transposed, in numbers",
    ]
    assert result.stdout.strip().splitlines()[-3:] == ["media/lecture.mp4",
                                                       "media/lecture.chapters.vtt",
                                                       "media/lecture.vtt"]
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == [
        "lecture.chapters.vtt", "lecture.mp4", "lecture.vtt"]

    meta = iio.immeta("media/lecture.mp4", plugin="pyav")
    frames = read_video("media/lecture.mp4")
    assert meta["fps"] == 15
    plan = _planned_frames(15)
    assert len(plan) == 5
    assert frames.shape == (sum(c + p for c, p in plan), 480, 854, 3)

    # one subtitle file for the whole video: every step of every part, where it plays
    lecture = load_lecture(EXAMPLE)
    cues = read_cues("media/lecture.mp4")
    vtt = Path("media/lecture.vtt").read_text(encoding="utf-8").strip().split("\n\n")[1:]
    assert [c.text for c in cues] == [b.splitlines()[2] for b in vtt] == [
        line for part in lecture.parts for line in part.scene.step_captions()]
    start, k = 0, 0
    for (card_frames, part_frames), part in zip(plan, lecture.parts):
        assert cues[k].start == pytest.approx((start + card_frames) / 15, abs=1e-3)
        k += part.scene.num_steps()
        assert cues[k - 1].end == pytest.approx((start + card_frames + part_frames - 15) / 15,
                                                abs=1e-3)  # the part's last step, then 1 s
        start += card_frames + part_frames

    refs = [np.asarray(iio.imread(render_still(card, f"card{n}", quality="l",
                                               output_dir=tmp_path / "refs", echo=False)))
            for n, card in enumerate(lecture.cards)]
    # The cards differ from each other, so each can only match itself.
    for a in range(len(refs)):
        for b in range(a + 1, len(refs)):
            assert _mae(refs[a], refs[b]) > 2.0

    start = 0
    for n, ((card_frames, part_frames), part) in enumerate(zip(plan, lecture.parts)):
        span = frames[start:start + card_frames]
        for frame in (span[0], span[len(span) // 2], span[-1]):
            errors = [_mae(frame, ref) for ref in refs]
            assert errors[n] < 1.5, f"part {n + 1}: its title card is not where planned"
            assert errors[n] == min(errors)
        first = frames[start + card_frames]
        assert _mae(first, refs[n]) > 5.0, f"part {n + 1} does not start after its card"
        if part.mode == "arithmetic":
            still_cls = type("Still", (part.scene,), {"still_step": 0})
            still = iio.imread(render_still(still_cls, f"part{n}", quality="l",
                                            output_dir=tmp_path / "refs", echo=False))
            assert _mae(first, still) < 1.5, f"part {n + 1} does not open on its step 0"
        start += card_frames + part_frames
    assert start == len(frames)


def test_example_lecture_checks_and_lists_its_parts():
    result = _invoke(f"lecture {EXAMPLE} --check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split(" (")[0] for line in lines[:5]] == [
        "part 1: Padding", "part 2: Strides", "part 3: Dilation",
        "part 4: The transposed convolution", "part 5: Transposed, in numbers",
    ]
    assert "i=3 k=3 s=1 p=1" in lines[0]
    assert "transposed conv" in lines[3] and "Numerical" in lines[4]
    # the total: every part's seconds (listed) and a 2 s title card before each
    parts = [float(line.rsplit(", ", 1)[1].removesuffix(" s)")) for line in lines[:5]]
    total = sum(parts) + 5 * 2.0
    assert lines[5] == f"total: {total:.1f} s (5 parts, each after a 2 s title card)"


SMALL = """\
[lecture]
title = "Small"
step_time = 0.5
title_time = 0.5

[[part]]
title = "Padding"
input_size = 3
kernel_size = 2
padding = 1

[[part]]
title = "Max pooling"
mode = "numerical"
operation = "max"
input_size = 4
kernel_size = 2
stride = 2

[[part]]
title = "Transposed"
input_size = 3
kernel_size = 2
transposed = true
"""


@pytest.mark.render
def test_parts_rendered_at_once_give_the_same_frames_and_chapters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("small.toml").write_text(SMALL, encoding="utf-8")
    # lossless (--crf 0): the decoded frames are the drawn ones, bit for bit
    for jobs in (1, 2):
        result = _invoke(f"lecture small.toml j{jobs} -q 160x90@6 --jobs {jobs} --no-progress "
                         "--crf 0 --preset ultrafast")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-2:] == [f"media/j{jobs}.mp4",
                                                   f"media/j{jobs}.chapters.vtt"]
    one, two = (list(read_frames(f"media/j{jobs}.mp4")) for jobs in (1, 2))
    assert [count for _, count in one] == [count for _, count in two]
    assert len(one) > 10 and all(np.array_equal(a, b) for (a, _), (b, _) in zip(one, two))

    # one chapter per part, named after it, from its title card to the next card
    lecture = load_lecture("small.toml")
    starts, frame = [], 0
    for part, card in zip(lecture.parts, lecture.cards):
        starts.append(frame / 6)
        steps = part.scene.num_steps()  # 3 frames each at 6 fps, then a 1 s hold
        frame += card.num_frames(6) + steps * 3 + 6
    chapters = read_chapters("media/j2.mp4")
    assert [c.title for c in chapters] == ["Padding", "Max pooling", "Transposed"]
    assert [c.start for c in chapters] == pytest.approx(starts)
    assert [c.end for c in chapters] == pytest.approx([*starts[1:], frame / 6])
    assert sum(count for _, count in two) == frame
    vtt = Path("media/j2.chapters.vtt").read_text(encoding="utf-8").splitlines()
    assert vtt[0] == "WEBVTT"
    assert vtt[3:5] == ["00:00:00.000 --> 00:00:" + f"{starts[1]:06.3f}", "Padding"]
    assert vtt[-1] == "Transposed"


# -------------------------------------------------------------- the schema
def test_parts_are_built_as_the_command_line_builds_them(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    data = {
        "lecture": {"title": "T", "theme": "dark", "step_time": 0.5},
        "part": [
            {"title": "A", "input_size": "5x7", "kernel_size": [3, 2], "stride": 2,
             "weights": True},
            {"title": "B", "mode": "numerical", "input_size": 3, "kernel_size": 2,
             "operation": "max", "input_values": "x.csv", "step_time": 1.0, "theme": "light"},
            {"title": "C", "mode": "alphabet", "input_size": 4, "relationship": True},
            {"title": "D", "mode": "numerical", "input_size": 4, "kernel_size": 2, "stride": 2,
             "transposed": True, "output_padding": 0, "kernel_values": [[1, 0], [0, -1]]},
        ],
    }
    lecture = parse_lecture(data, source="t.toml", base_dir=tmp_path)
    a, b, c, d = (p.scene for p in lecture.parts)
    assert a.spec.input_size == (5, 7) and a.spec.kernel_size == (3, 2)
    assert a.show_weights is True and a.theme == "dark" and a.step_time == 0.5
    assert b.__mro__[1].__name__ == "NumericalScene"
    assert b.mode == "max" and b.theme == "light" and b.step_time == 1.0
    np.testing.assert_array_equal(b.input_values, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert c.__mro__[1].__name__ == "AlphabetRelationshipScene"
    assert d.spec.is_transposed and d.spec.input_size == (2, 2)
    np.testing.assert_array_equal(d.kernel_values, [[1, 0], [0, -1]])
    assert [card.title for card in lecture.cards] == ["A", "B", "C", "D"]
    assert lecture.cards[1].heading == "Part 2 of 4"
    assert "max pooling" in lecture.cards[1].summary
    assert lecture.cards[2].summary.startswith("Matrix, C then Cᵀ: ")
    assert "C then" not in lecture.cards[0].summary


BAD = [
    ("[[part]]\ntitle = 'P'\nstrid = 2\n",
     "lecture.toml: part 1 ('P'): unknown key 'strid' (known: title, subtitle, mode,"),
    ("[[part]]\ntitle = 'A'\n[[part]]\ntitle = 'B'\nmode = 'matrix'\n",
     "lecture.toml: part 2 ('B'): mode must be one of arithmetic, numerical, alphabet, "
     "stack, got 'matrix'"),
    ("[[part]]\ntitle = 'P'\ninput_size = 3\nkernel_size = 5\n",
     "lecture.toml: part 1 ('P'): kernel_size: the effective kernel 5 (kernel 5) is larger "
     "than the padded input 3 (input 3 + 2×padding 0)"),
    ("[[part]]\ntitle = 'P'\noperation = 'max'\n",
     "lecture.toml: part 1 ('P'): key 'operation' is for mode 'numerical', not 'arithmetic'"),
    ("[[part]]\ntitle = 'P'\nstride = true\n",
     "lecture.toml: part 1 ('P'): stride must be an integer, \"HxW\" or [h, w], got True"),
    ("[[part]]\nmode = 'numerical'\n",
     "lecture.toml: part 1: title is required (a non-empty string)"),
    ("[[part]]\ntitle = 'P'\nmode = 'numerical'\ninput_values = [[1, 2], [3, 4]]\n",
     "lecture.toml: part 1 ('P'): input_values must be 5×5, got 2×2"),
    ("[[part]]\ntitle = 'P'\nmode = 'numerical'\noperation = 'max'\ntransposed = true\n",
     "lecture.toml: part 1 ('P'): a transposed convolution has no max operation "
     "(drop operation or transposed)"),
    ("[[part]]\ntitle = 'P'\ntransposed = true\ninput_size = 5\nstride = 2\npadding = 1\n"
     "output_padding = 1\n",
     "lecture.toml: part 1 ('P'): output_padding 1 does not match the transposed conv's "
     "output_padding 0"),
    ("[lecture]\ntitle = 'T'\nquality = 'h'\nspeed = 2\n[[part]]\ntitle = 'P'\n",
     "lecture.toml: [lecture]: unknown key 'speed' (known: title, quality, theme, step_time, "
     "title_time)"),
    ("[[part]]\ntitle = 'P'\ninput_size = 200\n",
     "lecture.toml: part 1 ('P'): conv i=200 k=3 s=1 p=0 d=1 -> o=198: the input grid"),
    ("[lecture]\ntitle = 'T'\n", "lecture.toml: no [[part]] tables"),
    ("[lectures]\ntitle = 'T'\n", "lecture.toml: unknown table [lectures]"),
    ("[lecture\n", "lecture.toml: not valid TOML: "),
    ("[[part]]\ntitle = 'P'\nstep_time = 0\n",
     "lecture.toml: part 1 ('P'): step_time must be 0.1 to 60 seconds, got 0"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m.split(": ", 1)[1][:40] for _, m in BAD])
def test_bad_lecture_files_fail_in_one_line_naming_the_part_and_key(tmp_path, monkeypatch,
                                                                     text, message):
    monkeypatch.chdir(tmp_path)
    Path("lecture.toml").write_text(text, encoding="utf-8")
    result = _invoke("lecture lecture.toml -ql")
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "\n" not in err
    assert err.startswith(f"convmanim: error: {message}"), err
    assert not Path("media").exists() or not any(Path("media").iterdir())


def test_missing_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke("lecture nowhere.toml")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("convmanim: error: cannot read lecture file")
    with pytest.raises(LectureError, match="cannot read lecture file"):
        load_lecture(tmp_path / "nowhere.toml")


def test_bad_name_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke(f"lecture {EXAMPLE} -ql a/b")
    assert result.exit_code == 2
    assert "NAME must be a plain file name" in result.stderr
    assert not any(tmp_path.rglob("*.mp4*"))


CARD_RACE = r"""
import sys
from convmanim.modes.title import TitleCardScene
from convmanim.render import play_scene

class Card(TitleCardScene):
    title = "Strides and padding"
    subtitle = "the kernel moves by s\nthe border adds p"
    lecture_title = "Convolution arithmetic"
    summary = "i=5 k=3 s=2 p=1 -> o=3"
    duration = 0.2

for _ in range(int(sys.argv[1])):
    play_scene(Card, "160x90@6", draw=False)
"""


def test_two_processes_build_the_same_title_cards_at_once(tmp_path):
    # manim parses a Text's SVG through a temporary NAME_.svg beside it and
    # deletes it: two renders must not parse the same file in place
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONVMANIM_CACHE": str(tmp_path / "cache")}
    cmd = [sys.executable, "-c", CARD_RACE]
    subprocess.run([*cmd, "1"], env=env, check=True, capture_output=True)
    procs = [subprocess.Popen([*cmd, "15"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-500:]
        assert b"Error" not in err, err.decode()[-500:]


# -------------------------------------------------------------- the theme
THEMED = """\
[lecture]
title = "Themed"
title_time = 0.5

[theme]
base = "dark"
background = "#1E2233"
text = "#F4F1E8"
accent = "#FFB86C"
font = "DejaVu Sans"

[[part]]
title = "Padding"
input_size = 3
kernel_size = 2
padding = 1

[[part]]
title = "Light part"
theme = "light"
input_size = 3
kernel_size = 2
"""


def test_a_lecture_sets_the_theme_colours_and_font(tmp_path):
    from convmanim.theme import DARK

    lecture = parse_lecture(tomllib.loads(THEMED), source="t.toml")
    theme = lecture.theme
    assert (theme.background, theme.text, theme.accent, theme.font) == (
        "#1E2233", "#F4F1E8", "#FFB86C", "DejaVu Sans")
    assert theme.input_fill == DARK.input_fill  # the rest from the base theme
    assert lecture.parts[0].scene.theme is theme and lecture.cards[0].theme is theme
    assert lecture.parts[1].scene.theme == "light"  # a part's own theme wins
    card = np.asarray(iio.imread(render_still(lecture.cards[0], "card", quality="l",
                                              output_dir=tmp_path, echo=False)))
    assert tuple(card[2, 2, :3]) == (0x1E, 0x22, 0x33)
    scene = np.asarray(iio.imread(render_still(
        type("S", (lecture.parts[0].scene,), {"still_step": 0}), "part", quality="l",
        output_dir=tmp_path, echo=False)))
    assert tuple(scene[2, 2, :3]) == (0x1E, 0x22, 0x33)


@pytest.mark.parametrize(("theme", "message"), [
    ('text = "#333344"', "[theme]: text #333344 on background #1E2233 has a contrast of "),
    ('accent = "navy"', "[theme]: accent must be a colour written #RRGGBB, got 'navy'"),
    ('font = "No Such Font 12"', "[theme]: font 'No Such Font 12' is not installed"),
    ('colour = "#FFFFFF"', "[theme]: unknown key 'colour' (known: base, background, text"),
    ('cell_text = "#FFFFFF"\ninput_fill = "#EEEEEE"', "cell_text #FFFFFF on input_fill #EEEEEE"),
])
def test_a_theme_that_hides_text_is_refused_in_one_line(theme, message):
    text = f'[lecture]\n[theme]\nbase = "dark"\nbackground = "#1E2233"\n{theme}\n' \
           '[[part]]\ntitle = "P"\n'
    with pytest.raises(LectureError) as info:
        parse_lecture(tomllib.loads(text), source="t.toml")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.render
@pytest.mark.parametrize("how", ["error", "killed"])
def test_a_part_that_fails_in_its_process_stops_the_lecture_in_one_line(tmp_path, monkeypatch,
                                                                         how):
    """A worker's error comes back as the lecture's error; a worker killed outright is named;
    either way no file is written and no worker is left running."""
    import multiprocessing
    import os
    import signal

    import convmanim.lecture as lecture_module
    from convmanim.render import RenderError

    monkeypatch.chdir(tmp_path)
    Path("small.toml").write_text(SMALL, encoding="utf-8")
    real = lecture_module._render_part

    def failing(index: int) -> int:
        if index == 1:
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RenderError("the encoder failed for part 2")
        return real(index)

    monkeypatch.setattr(lecture_module, "_render_part", failing)
    lecture = load_lecture("small.toml")
    message = ("the encoder failed for part 2" if how == "error"
               else r"part 2 \(.*\): its render was killed by SIGKILL")
    with pytest.raises(RenderError, match=message):
        lecture_module.render_lecture(lecture, "failed", quality="160x90@6", jobs=2,
                                      progress=False, echo=False)
    assert not multiprocessing.active_children()
    assert sorted(p.name for p in Path("media").iterdir()) == []
