"""The render pipeline: formats, stills, qualities, atomic writes, and `manim render`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from convmanim import ArithmeticScene, ConvSpec
from convmanim.render import (
    Quality,
    RenderError,
    prepare_output_dir,
    render_animation,
    render_still,
    resolve_quality,
)
from tests.conftest import read_video

ROOT = Path(__file__).resolve().parents[1]


class Small(ArithmeticScene):
    spec = ConvSpec(4, 3)  # 2x2 output: 4 steps
    step_time = 0.5
    end_hold = 0.5


@pytest.mark.parametrize(
    "value,flag,size",
    [
        ("l", "l", (854, 480)), ("m", "m", (1280, 720)), ("h", "h", (1920, 1080)),
        ("p", "p", (2560, 1440)), ("k", "k", (3840, 2160)), ("high_quality", "h", (1920, 1080)),
        ("150", "m", (1280, 720)), ("600", "k", (3840, 2160)), ("100", "l", (854, 480)),
        ("300", "p", (2560, 1440)), (225, "h", (1920, 1080)),
        ("640x360@24", "custom", (640, 360)), ("321x181", "custom", (322, 182)),
    ],
)
def test_resolve_quality(value, flag, size):
    q = resolve_quality(value)
    assert q.flag == flag
    assert (q.width, q.height) == size


@pytest.mark.parametrize("value", ["x", "0", "-3", "1x1", "10x10@500", "", "hh"])
def test_bad_quality(value):
    with pytest.raises(RenderError):
        resolve_quality(value)


def test_every_animation_format_in_one_pass(tmp_path):
    q = Quality("t", 160, 90, 10)
    paths = render_animation(Small, "small", formats=("mp4", "gif", "webm", "mov"), quality=q,
                             output_dir=tmp_path, echo=False)
    assert [p.name for p in paths] == ["small.mp4", "small.gif", "small.webm", "small.mov"]
    duration = Small.planned_duration()  # 4 steps x 0.5 s + 0.5 s hold
    assert duration == pytest.approx(2.5)
    for p in paths[::2] + paths[3:]:
        frames = read_video(p)
        assert frames.shape[0] == round(duration * 10)
        assert frames.shape[1:3] == (90, 160)
    mov = iio.imread(paths[3], plugin="pyav", index=None, format="rgba")
    assert mov[0, 0, 0, 3] == 0  # transparent background
    assert mov[:, :, :, 3].max() == 255  # opaque cells
    from PIL import Image

    gif = Image.open(paths[1])
    durations = []
    for n in range(gif.n_frames):
        gif.seek(n)
        durations.append(gif.info["duration"])
    assert sum(durations) == pytest.approx(duration * 1000, abs=10)
    assert not list(tmp_path.glob(".*"))  # no temporary files left


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_stills(tmp_path, fmt):
    cls = type("S", (Small,), {"still_step": 3})
    path = render_still(cls, "still", fmt=fmt, quality="m", output_dir=tmp_path, echo=False)
    assert path == tmp_path / f"still.{fmt}"
    data = path.read_bytes()
    if fmt == "png":
        assert iio.imread(path).shape[:2] == (720, 1280)
    elif fmt == "pdf":
        assert data.startswith(b"%PDF") and b"/Image" not in data
        assert b"/MediaBox [ 0 0 640 360 ]" in data
    else:
        text = data.decode()
        assert "<svg" in text and "<path" in text and "<image" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"still.{fmt}"]


def test_manim_writes_no_file_of_its_own(tmp_path, monkeypatch):
    # manim's own writer would make media/ folders (0.21) or plan files there (0.22)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    q = Quality("t", 160, 90, 10)
    render_animation(Small, "a", formats=("gif",), quality=q, output_dir=out, echo=False)
    render_still(type("S", (Small,), {"still_step": 1}), "s", quality=q, output_dir=out,
                 echo=False)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "out", "out/a.gif", "out/s.png"
    ]


class Noisy(Small):
    def construct(self) -> None:
        self.add_sound("click.wav")


def test_sound_is_a_one_line_error(tmp_path):
    with pytest.raises(RenderError, match=r"^convmanim scenes do not play sound$"):
        render_animation(Noisy, "noisy", formats=("mp4",), quality="160x90@10",
                         output_dir=tmp_path, echo=False)
    assert list(tmp_path.iterdir()) == []


class Failing(Small):
    def play_steps(self) -> None:
        self.play(*self.step_animations(1), run_time=0.5)
        raise RuntimeError("boom")


def test_a_failed_render_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        render_animation(Failing, "fail", formats=("mp4", "gif"), quality="160x90@10",
                         output_dir=tmp_path, echo=False)
    assert list(tmp_path.iterdir()) == []


def test_output_dir_errors(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(RenderError, match="is a file, not a directory"):
        prepare_output_dir(f)
    with pytest.raises(RenderError, match="cannot create output directory"):
        prepare_output_dir(f / "sub")
    assert prepare_output_dir(tmp_path / "a" / "b").is_dir()


def test_bad_names_and_formats(tmp_path):
    with pytest.raises(RenderError, match="NAME must be a plain file name"):
        render_still(Small, "a/b", output_dir=tmp_path)
    with pytest.raises(RenderError, match="animation format must be one of"):
        render_animation(Small, "x", formats=("avi",), output_dir=tmp_path)
    with pytest.raises(RenderError, match="still format must be one of"):
        render_still(Small, "x", fmt="jpg", output_dir=tmp_path)


SCRIPT = """
import sys
from convmanim import ArithmeticScene, ConvSpec
from convmanim.render import render_animation
class Long(ArithmeticScene):
    spec = ConvSpec(8, 3)
    step_time = 2.0
print("started", flush=True)
render_animation(Long, "long", formats=("mp4", "gif"), quality="854x480@30",
                 output_dir=sys.argv[1], progress=False)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_render_leaves_nothing(tmp_path, sig):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    deadline = time.time() + 60
    while time.time() < deadline and not any(out.glob(".long.*")):
        time.sleep(0.1)  # wait until the encoders have opened their files
    time.sleep(1.0)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert sorted(os.listdir(out)) == []


def test_manim_render_works_with_manims_own_flags(tmp_path):
    manim = Path(sys.executable).with_name("manim")
    common = [str(manim), "render", "--media_dir", str(tmp_path), "-ql"]
    subprocess.run([*common, "-s", "scenes/arithmetic.py", "PaddingStrides"], cwd=ROOT,
                   check=True, capture_output=True)
    pngs = list(tmp_path.rglob("PaddingStrides*.png"))
    assert len(pngs) == 1
    subprocess.run([*common, "--format", "gif", "scenes/arithmetic.py", "NoPaddingNoStrides"],
                   cwd=ROOT, check=True, capture_output=True)
    gifs = list(tmp_path.rglob("NoPaddingNoStrides*.gif"))
    assert len(gifs) == 1
    assert iio.imread(gifs[0], index=None).shape[0] > 10
    assert np.asarray(iio.imread(pngs[0])).shape[:2] == (480, 854)


def test_gif_frames_store_only_what_changed_and_decode_to_the_frames(tmp_path):
    from PIL import Image, ImageSequence

    from convmanim.render import _GifEncoder

    rng = np.random.default_rng(3)
    colours = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    frames = []
    picture = np.zeros((90, 160, 4), np.uint8)
    picture[..., :3] = colours[0]
    picture[..., 3] = 255
    for k in range(6):
        picture = picture.copy()
        top, left = 10 * k, 20 * k
        picture[top:top + 15, left:left + 30, :3] = colours[k + 1]
        frames.append(picture)
    enc = _GifEncoder(tmp_path / "t.gif", fps=10, gif_fps=10)
    for k, frame in enumerate(frames):
        enc.write(frame, 1)
        if k == 2:
            enc.write(frame, 3)  # held: one GIF frame, four times as long
    enc.close()
    assert enc.frames == 6
    with Image.open(enc.tmp) as gif:
        decoded = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
        gif.seek(1)
        assert gif.tile[0][1] == (20, 10, 50, 25)  # the second frame stores its change only
    assert len(decoded) == 6
    for mine, source in zip(decoded, frames):
        np.testing.assert_array_equal(mine, source[..., :3])
    with Image.open(enc.tmp) as gif:
        durations = []
        for n in range(gif.n_frames):
            gif.seek(n)
            durations.append(gif.info["duration"])
    assert durations == [100, 100, 400, 100, 100, 100]


def test_scenes_played_one_after_another_into_the_same_files(tmp_path):
    from convmanim.render import open_render

    q = Quality("t", 160, 90, 10)
    with open_render("two", formats=("mp4", "gif"), quality=q, output_dir=tmp_path,
                     progress=False) as session:
        first = session.play(Small)
        session.play(type("Other", (Small,), {"spec": ConvSpec(5, 3)}))  # 9 steps
        assert not session.paths[0].exists()  # written beside, renamed at the end
    assert first.steps_played == [0, 1, 2, 3]
    frames = read_video(session.paths[0])
    assert frames.shape[0] == round((4 * 0.5 + 0.5) * 10) + round((9 * 0.5 + 0.5) * 10)
    assert session.paths[1].stat().st_size > 0
    with pytest.raises(RuntimeError, match="the lecture broke"), open_render(
        "broken", quality=q, output_dir=tmp_path, progress=False
    ) as session:
        session.play(Small)
        raise RuntimeError("the lecture broke")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.gif", "two.mp4"]


def _frames_at_each_step(scene_cls: type, freeze: bool,
                         quality: str = "320x180@10") -> list[np.ndarray]:
    from convmanim.render import play_scene

    frames: list[np.ndarray] = []
    frozen: list[int] = []

    class Recorder(scene_cls):  # type: ignore[misc, valid-type]
        def step_done(self, step: int) -> None:
            super().step_done(step)
            frames.append(self.renderer.camera.pixel_array.copy())

        def freeze_still_parts(self) -> None:
            if freeze:
                super().freeze_still_parts()
                frozen.append(len(self._frozen))

    scene = play_scene(Recorder, quality)
    frames.append(scene.renderer.camera.pixel_array.copy())
    if freeze:
        assert frozen and all(n >= 3 for n in frozen)  # grids and labels left the scene
        if _matrix_fits_whole(scene):
            assert any(m is scene.parts.matrix for m in scene._frozen)
    return frames


def _matrix_fits_whole(scene) -> bool:
    matrix = getattr(getattr(scene, "parts", None), "matrix", None)
    return matrix is not None and not matrix.scrolls


@pytest.mark.parametrize("base,attrs", [
    ("ArithmeticScene", {"spec": ConvSpec(5, 3, stride=2, padding=1)}),
    ("ArithmeticScene", {"spec": ConvSpec(5, 3, stride=2, padding=1).transposed(),
                         "show_weights": True}),
    ("NumericalScene", {"spec": ConvSpec(5, 3, stride=2, padding=1)}),
    ("NumericalScene", {"spec": ConvSpec(6, 2, stride=2), "mode": "max"}),
    ("NumericalScene", {"spec": ConvSpec(3, 2, stride=2, padding=1).transposed()}),
    ("AlphabetScene", {"spec": ConvSpec(8, 3)}),
    ("AlphabetScene", {"spec": ConvSpec(5, 3, stride=2, padding=1)}),
    ("AlphabetScene", {"spec": ConvSpec(3, 2), "quality": "640x360@10"}),  # matrix whole
    ("AlphabetRelationshipScene", {"spec": ConvSpec(4, 3, stride=2, padding=1)}),
    ("NumericalScene", {"spec": ConvSpec(4, 3, padding=1), "smooth": False}),
    ("AlphabetRelationshipScene", {"spec": ConvSpec(3, 2), "smooth": False}),
])
def test_frozen_still_parts_leave_every_frame_as_it_was(base, attrs):
    import convmanim

    attrs = dict(attrs)
    quality = attrs.pop("quality", "320x180@10")
    scene_cls = type(base, (getattr(convmanim, base),), {"step_time": 0.3, **attrs})
    frozen = _frames_at_each_step(scene_cls, freeze=True, quality=quality)
    drawn = _frames_at_each_step(scene_cls, freeze=False, quality=quality)
    assert len(frozen) == len(drawn) == scene_cls.num_steps() + 1
    for step, (a, b) in enumerate(zip(frozen, drawn)):
        assert len(np.unique(a.reshape(-1, 4), axis=0)) > 8  # a picture, not a blank
        np.testing.assert_array_equal(a, b, err_msg=f"step {step}")
