"""MP4 writing: held pictures stored once, encoder settings, joining, chapters."""

from __future__ import annotations

import shlex
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from click.testing import CliRunner

from convmanim import ArithmeticScene, ConvSpec
from convmanim.cli import main
from convmanim.render import Quality, render_animation
from convmanim.video import (
    DEFAULT_ENCODING,
    Chapter,
    Encoding,
    H264Writer,
    VideoError,
    join_mp4,
    read_chapters,
    read_frames,
    write_webvtt_chapters,
)

Q = Quality("t", 160, 90, 10)


class Small(ArithmeticScene):
    spec = ConvSpec(4, 3)  # 4 steps
    step_time = 0.5
    end_hold = 0.5


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


def _pictures(n: int, size: tuple[int, int] = (48, 64)) -> list[np.ndarray]:
    """``n`` different flat RGBA pictures with a moving bar."""
    out = []
    for k in range(n):
        frame = np.full((*size, 4), 255, np.uint8)
        frame[:, :, :3] = (40 * k) % 256, 128, 255 - (30 * k) % 256
        frame[8:16, 4 * k:4 * k + 8, :3] = 0
        out.append(frame)
    return out


def test_held_pictures_are_stored_once_and_shown_for_their_frames(tmp_path: Path) -> None:
    pictures = _pictures(4)
    counts = [1, 7, 1, 3]  # the held frames come as one write or as several equal writes
    path = tmp_path / "v.mp4"
    writer = H264Writer(path, 64, 48, 10, Encoding(crf=10))
    for picture, count in zip(pictures, counts):
        if count == 3:
            for _ in range(3):
                writer.write(picture.copy(), 1)
        else:
            writer.write(picture, count)
    writer.close()
    assert writer.frames == 12
    decoded = list(read_frames(path))
    assert [c for _, c in decoded] == counts
    # imageio (FFmpeg underneath) sees 4 pictures lasting 1.2 s
    assert iio.imread(path, plugin="pyav", index=None).shape[0] == 4
    assert iio.immeta(path, plugin="pyav")["duration"] == pytest.approx(1.2)
    for (image, _), picture in zip(decoded, pictures):
        assert _mae(image, picture[..., :3]) < 3


@pytest.mark.render
def test_default_and_constant_rate_files_show_the_same_video(tmp_path: Path) -> None:
    held = render_animation(Small, "held", quality=Q, output_dir=tmp_path, echo=False)[0]
    every = render_animation(Small, "every", quality=Q, output_dir=tmp_path, echo=False,
                             encoding=Encoding(hold_frames=False))[0]
    # the constant-rate file, read by imageio as any video: one frame per 1/10 s
    frames = iio.imread(every, plugin="pyav", index=None)
    assert frames.shape[0] == round(Small.planned_duration() * 10) == 25
    shown = [image for image, count in read_frames(held) for _ in range(count)]
    assert len(shown) == 25
    assert len(list(read_frames(held))) < 25  # held pictures stored once
    assert max(_mae(a, b) for a, b in zip(shown, frames)) < 4
    assert iio.immeta(held, plugin="pyav")["duration"] == pytest.approx(2.5)


def test_encoding_settings() -> None:
    assert DEFAULT_ENCODING.options(60)["x264-params"].endswith("keyint=600")  # 10 s
    base = Encoding.libx264_defaults().options(30)
    assert base == {"crf": "23", "preset": "medium"}
    with pytest.raises(VideoError, match="crf must be 0 to 51, got 60"):
        Encoding(crf=60)
    with pytest.raises(VideoError, match="preset must be one of"):
        Encoding(preset="quick")


def _invoke(line: str):
    return CliRunner().invoke(main, shlex.split(line), prog_name="convmanim")


@pytest.mark.render
def test_crf_and_preset_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sizes = {}
    for crf in (10, 40):
        result = _invoke(f"arithmetic -i 4 -k 3 -a -qa 160x90@10 --step-time 0.5 "
                         f"--crf {crf} --preset ultrafast --cfr c{crf}")
        assert result.exit_code == 0, result.output
        sizes[crf] = Path(f"media/c{crf}.mp4").stat().st_size
        # 4 steps of 5 frames and the 1 s final hold, every frame stored
        assert iio.imread(f"media/c{crf}.mp4", plugin="pyav", index=None).shape[0] == 30
    assert sizes[10] > 2 * sizes[40]
    result = _invoke("arithmetic -a --preset quick x")
    assert result.exit_code == 2
    assert "Invalid value for '--preset'" in result.stderr
    result = _invoke("arithmetic -a --crf 52 x")
    assert result.exit_code == 2
    assert "--crf" in result.stderr


def test_join_copies_packets_and_keeps_every_picture(tmp_path: Path) -> None:
    pictures = _pictures(6)
    parts = []
    for n, (first, second) in enumerate([(0, 1), (2, 3), (4, 5)]):
        path = tmp_path / f"p{n}.mp4"
        writer = H264Writer(path, 64, 48, 10, Encoding(crf=10))
        writer.write(pictures[first], 5)
        writer.write(pictures[second], 1 + n)
        writer.close()
        parts.append(path)
    chapters = join_mp4(parts, tmp_path / "all.mp4", ["One", "Two", "Three"])
    assert chapters == [Chapter("One", 0.0, 0.6), Chapter("Two", 0.6, 1.3),
                        Chapter("Three", 1.3, 2.1)]
    joined = list(read_frames(tmp_path / "all.mp4"))
    assert [c for _, c in joined] == [5, 1, 5, 2, 5, 3]
    # packets copied: each picture decodes exactly as in its own file
    own = [image for p in parts for image, _ in read_frames(p)]
    assert all(np.array_equal(a, b) for (a, _), b in zip(joined, own))
    assert read_chapters(tmp_path / "all.mp4") == chapters


def test_join_refuses_files_with_other_settings(tmp_path: Path) -> None:
    for name, size in (("a.mp4", (48, 64)), ("b.mp4", (32, 64))):
        writer = H264Writer(tmp_path / name, size[1], size[0], 10)
        writer.write(_pictures(1, size)[0], 3)
        writer.close()
    with pytest.raises(VideoError, match=r"b\.mp4 was encoded with other settings"):
        join_mp4([tmp_path / "a.mp4", tmp_path / "b.mp4"], tmp_path / "j.mp4")


def test_webvtt_chapters(tmp_path: Path) -> None:
    path = write_webvtt_chapters(tmp_path / "c.vtt", [Chapter("Padding", 0.0, 12.5),
                                                      Chapter("A --> B", 12.5, 3725.25)])
    assert path.read_text(encoding="utf-8") == (
        "WEBVTT\n\nchapter-1\n00:00:00.000 --> 00:00:12.500\nPadding\n\n"
        "chapter-2\n00:00:12.500 --> 01:02:05.250\nA → B\n"
    )
