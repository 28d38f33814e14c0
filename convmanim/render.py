"""Render a Scene class programmatically: videos, GIFs and stills.

Frames go straight from manim's Cairo renderer to the encoders, in a
background thread, without manim's partial movie files: one pass over the
scene writes every requested format at once. Each file is written under a
temporary name in the output directory and renamed when it is complete, so a
failed or interrupted render never leaves a truncated file at the final path.

Examples
--------
>>> from convmanim import ArithmeticScene, ConvSpec  # doctest: +SKIP
>>> class Strided(ArithmeticScene):  # doctest: +SKIP
...     spec = ConvSpec(5, 3, stride=2, padding=1)
>>> render_animation(Strided, "strided", formats=("mp4", "gif"), quality="m")  # doctest: +SKIP
[PosixPath('media/strided.mp4'), PosixPath('media/strided.gif')]
"""

from __future__ import annotations

import io
import math
import os
import queue
import re
import struct
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from . import interrupt
from .files import (
    FileError,
    check_target,
    commit,
    describe_os_error,
    echo_path,
    new_temp,
    remove_quietly,
    shown_path,
)
from .subtitles import Cue, add_subtitle_stream, cues_from_srt, mux_cues, webvtt
from .video import DEFAULT_ENCODING, Encoding

__all__ = [
    "ANIMATION_FORMATS",
    "DEFAULT_ENCODING",
    "QUALITY_LETTERS",
    "STILL_FORMATS",
    "Encoding",
    "Quality",
    "RenderError",
    "RenderSession",
    "cache_dir",
    "check_name",
    "check_scene_class",
    "open_render",
    "play_scene",
    "prepare_output_dir",
    "quality_config",
    "render_animation",
    "render_still",
    "resolve_quality",
]

ANIMATION_FORMATS = ("mp4", "gif", "webm", "mov")
STILL_FORMATS = ("png", "pdf", "svg")
QUALITY_LETTERS = ("l", "m", "h", "p", "k")
GIF_FPS = 20
"""GIF frame rate: 50 ms per frame, which every viewer honours."""

# The DPI of the original tool's -q/-qa that best matches each preset
# (pixel height / 4.8 inches).
_DPI_OF_PRESET = {"l": 100, "m": 150, "h": 225, "p": 300, "k": 450}


class RenderError(RuntimeError):
    """A render could not start or finish. The message is one line."""


@dataclass(frozen=True)
class Quality:
    """A render resolution and frame rate.

    Attributes
    ----------
    flag
        Manim's quality letter: ``l``, ``m``, ``h``, ``p`` or ``k``.
    width, height
        Pixel size.
    fps
        Frames per second of videos.
    """

    flag: str
    width: int
    height: int
    fps: int

    def describe(self) -> str:
        """For example ``1080p60``."""
        return f"{self.height}p{self.fps}"


def _presets() -> dict[str, Quality]:
    from manim.constants import QUALITIES

    out = {}
    for q in QUALITIES.values():
        if q["flag"]:
            out[q["flag"]] = Quality(
                q["flag"], q["pixel_width"], q["pixel_height"], int(q["frame_rate"])
            )
    return out


def resolve_quality(value: str | int) -> Quality:
    """Read a quality: a manim letter, a manim preset name, or a DPI number.

    Parameters
    ----------
    value
        ``l`` (480p15), ``m`` (720p30), ``h`` (1080p60), ``p`` (1440p60) or
        ``k`` (2160p60); a manim name such as ``high_quality``; or the
        original tool's DPI (``150``, ``600``), which picks the nearest preset
        (100→l, 150→m, 225→h, 300→p, 450 and up→k); or a custom size
        ``WIDTHxHEIGHT[@FPS]`` such as ``640x360@30``.

    Raises
    ------
    RenderError
        For anything else.
    """
    presets = _presets()
    text = str(value).strip().lower()
    if text in presets:
        return presets[text]
    for name_flag, q in ((f"{n}_quality", q) for n, q in _named(presets)):
        if text == name_flag:
            return q
    custom = re.fullmatch(r"([0-9]{1,5})x([0-9]{1,5})(?:@([0-9]{1,4}))?", text)
    if custom:
        width, height = int(custom[1]), int(custom[2])
        fps = int(custom[3]) if custom[3] else 30
        if not (16 <= width <= 7680 and 16 <= height <= 4320 and 1 <= fps <= 120):
            raise RenderError(
                f"quality {value!r}: the size must be 16x16 to 7680x4320 and the rate 1 to 120 fps"
            )
        # Video encoders need even sizes.
        return Quality("custom", width + width % 2, height + height % 2, fps)
    if re.fullmatch(r"[0-9]{1,9}", text) and int(text) > 0:
        dpi = int(text)
        flag = min(_DPI_OF_PRESET, key=lambda f: abs(math.log(dpi / _DPI_OF_PRESET[f])))
        return presets[flag]
    raise RenderError(
        f"quality must be one of {', '.join(QUALITY_LETTERS)}, a DPI number such as 150, "
        f"or WIDTHxHEIGHT[@FPS], got {value!r}"
    )


def _named(presets: dict[str, Quality]) -> Iterator[tuple[str, Quality]]:
    names = {"l": "low", "m": "medium", "h": "high", "p": "production", "k": "fourk"}
    for flag, q in presets.items():
        yield names[flag], q


def cache_dir() -> Path:
    """Where typeset labels are cached: ``$CONVMANIM_CACHE`` or ``~/.cache/convmanim``."""
    env = os.environ.get("CONVMANIM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "convmanim"


def prepare_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check that files can be written in it.

    Raises
    ------
    RenderError
        If it is not a directory, cannot be created, or is not writable.
    """
    out = Path(path)
    shown = shown_path(out)
    try:
        if out.exists() and not out.is_dir():
            raise RenderError(f"output directory {shown} is a file, not a directory")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(
            f"cannot create output directory {shown}: {describe_os_error(exc)}"
        ) from None
    # an unpredictable name, created exclusively: never a planted symlink; created
    # and removed with any signal held back, so that it is never left behind
    with interrupt.shielded():
        try:
            fd, probe = tempfile.mkstemp(dir=out, prefix=".convmanim-write-test-")
        except OSError as exc:
            raise RenderError(
                f"output directory {shown} is not writable: {describe_os_error(exc)}"
            ) from None
        os.close(fd)
        remove_quietly(Path(probe))
    return out


# ------------------------------------------------------------------ encoders
class _Encoder(Protocol):
    final: Path
    tmp: Path

    def write(self, frame: np.ndarray, num_frames: int) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def _open_temp(final: Path) -> tuple[BinaryIO, Path]:
    """A new temporary file beside ``final`` (see :func:`convmanim.files.new_temp`)."""
    try:
        return new_temp(final)
    except FileError as exc:
        raise RenderError(str(exc)) from None


class _Mp4Encoder:
    """MP4 (H.264) through :class:`convmanim.video.H264Writer`."""

    def __init__(self, final: Path, width: int, height: int, fps: int,
                 encoding: Encoding, subtitles: bool = False) -> None:
        from .video import H264Writer

        self.final = final
        self.cues: list[Cue] = []
        self.handle, self.tmp = _open_temp(final)
        try:
            self.writer = H264Writer(self.handle, width, height, fps, encoding,
                                     subtitles=subtitles)
        except BaseException:
            self.handle.close()
            remove_quietly(self.tmp)
            raise

    @property
    def frames(self) -> int:
        return self.writer.frames

    def write(self, frame: np.ndarray, num_frames: int) -> None:
        self.writer.write(frame, num_frames)

    def close(self) -> None:
        self.writer.close(self.cues)
        self.handle.close()

    def abort(self) -> None:
        self.writer.abort()
        with suppress(Exception):
            self.handle.close()


class _VideoEncoder:
    """WebM (VP9) or MOV (QuickTime Animation with alpha) through PyAV."""

    def __init__(self, final: Path, fmt: str, width: int, height: int, fps: int,
                 subtitles: bool = False) -> None:
        import av

        self.final = final
        self.cues: list[Cue] = []
        self.handle, self.tmp = _open_temp(final)
        try:
            self.container = av.open(self.handle, mode="w", format=fmt)
        except BaseException:
            self.handle.close()
            remove_quietly(self.tmp)
            raise
        if fmt == "webm":
            codec, pix_fmt = "libvpx-vp9", "yuv420p"
            options = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8",
                       "row-mt": "1"}
        else:
            codec, pix_fmt, options = "qtrle", "argb", {}
        self.stream = self.container.add_stream(codec, rate=fps, options=options)
        self.stream.width = width
        self.stream.height = height
        self.stream.pix_fmt = pix_fmt
        self.subtitles = add_subtitle_stream(self.container, fmt) if subtitles else None
        self.frames = 0

    def write(self, frame: np.ndarray, num_frames: int) -> None:
        import av

        # convert once: a held frame (a pause) is the same picture many times
        video_frame = av.VideoFrame.from_ndarray(frame, format="rgba").reformat(
            format=self.stream.pix_fmt
        )
        for _ in range(num_frames):
            video_frame.pts = None
            for packet in self.stream.encode(video_frame):
                self.container.mux(packet)
        self.frames += num_frames

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        if self.subtitles is not None:
            mux_cues(self.container, self.subtitles, self.cues)
        self.container.close()
        self.handle.close()

    def abort(self) -> None:
        with suppress(Exception):
            self.container.close()
        with suppress(Exception):
            self.handle.close()


class _GifEncoder:
    """An animated GIF, written frame by frame as the frames arrive.

    Frames are sampled in time at :data:`GIF_FPS`; a frame held still (a
    pause) is written once with a long duration. After the first, each frame
    stores only the rectangle that changed since the one before (drawn over
    it). Each gets its own 256-colour palette, with no dithering: the diagrams
    are flat colours, and dithering would only add noise and size. A frame is
    compressed (by Pillow) on the encoder thread as soon as its duration is
    known, that is when the next different frame arrives, so closing the file
    costs one frame, not all of them.
    """

    def __init__(self, final: Path, fps: int, gif_fps: int = GIF_FPS) -> None:
        self.final = final
        self._handle, self.tmp = _open_temp(final)
        self._started = False
        self.video_dt = 1.0 / fps
        self.gif_dt = 1.0 / gif_fps
        self.video_frames = 0
        self.durations: list[int] = []
        self.frames = 0
        self._last: np.ndarray | None = None
        self._pending: tuple[Any, tuple[int, int]] | None = None

    def _ticks(self, t: float) -> int:
        return math.ceil(t / self.gif_dt - 1e-9)

    def write(self, frame: np.ndarray, num_frames: int) -> None:
        from PIL import Image

        start = self.video_frames * self.video_dt
        self.video_frames += num_frames
        end = self.video_frames * self.video_dt
        ticks = self._ticks(end) - self._ticks(start)
        if ticks <= 0:
            return
        duration = round(ticks * self.gif_dt * 1000)
        rgb = frame[..., :3]
        # one 32-bit word per pixel: comparing whole pixels is 20 times faster
        # than comparing channels (a change of alpha alone is written too)
        pixels = np.ascontiguousarray(frame).view(np.uint32)[..., 0]
        if self._last is None:
            top, bottom, left, right = 0, rgb.shape[0], 0, rgb.shape[1]
        else:
            changed = pixels != self._last
            rows = np.flatnonzero(changed.any(axis=1))
            if not len(rows):
                self.durations[-1] += duration
                return
            cols = np.flatnonzero(changed[rows[0]:rows[-1] + 1].any(axis=0))
            top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        self._flush()
        region = np.ascontiguousarray(rgb[top:bottom, left:right])
        image = Image.fromarray(region, mode="RGB").quantize(
            256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        used = sorted(index for _, index in image.getcolors(256) or [])
        if 0 < len(used) < 256:
            image = image.remap_palette(used)  # a colour table of the colours used only
        self._pending = (image, (int(left), int(top)))
        self.durations.append(duration)
        self._last = pixels.copy()
        self.frames += 1

    def _flush(self) -> None:
        """Write the pending frame, now that its duration is final."""
        if self._pending is None:
            return
        image, offset = self._pending
        self._pending = None
        self._handle.write(_gif_frame(image, offset, self.durations[-1], first=not self._started))
        self._started = True

    def close(self) -> None:
        self._flush()
        if not self._started:
            raise RenderError("no frame to write")
        self._handle.write(b";")  # the GIF trailer
        self._handle.close()

    def abort(self) -> None:
        self._pending = None
        with suppress(Exception):
            self._handle.close()


def _gif_frame(image: Any, offset: tuple[int, int], duration: int, *, first: bool) -> bytes:
    """One frame of an animated GIF, compressed by Pillow's public GIF writer.

    Pillow writes the frame as a GIF file of its own (``Image.save``). The
    first frame is kept whole but for its trailer: its header is the
    animation's (the canvas is the first frame's size; it loops). A later
    frame is kept from its Graphic Control Extension on (its duration), with
    its own colour table, and its place on the canvas is written into its
    Image Descriptor (GIF89a, sections 20, 23).

    Parameters
    ----------
    image
        A palette (``P``) image.
    offset
        ``(left, top)`` of the frame on the canvas.
    duration
        Milliseconds the frame is shown.
    first
        Whether it is the first frame.
    """
    buffer = io.BytesIO()
    options: dict[str, Any] = {"duration": duration, "optimize": False, "interlace": False}
    if first:
        options["loop"] = 0
    else:
        options["include_color_table"] = True
    image.save(buffer, format="GIF", **options)
    data = buffer.getvalue()
    if not data.startswith(b"GIF8") or not data.endswith(b";"):
        raise RenderError("Pillow wrote an unexpected GIF frame")
    data = data[:-1]
    if first:
        return data
    # skip the header: signature and version (6 bytes), logical screen
    # descriptor (7), global colour table (3 bytes per colour, when flagged)
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while data[pos] == 0x21 and data[pos + 1] != 0xF9:  # an extension before the frame's
        pos += 2
        while data[pos]:  # its data sub-blocks, up to the empty one
            pos += data[pos] + 1
        pos += 1
    frame = bytearray(data[pos:])
    descriptor = 8 if frame[0] == 0x21 else 0  # after the 8-byte Graphic Control Extension
    if frame[descriptor] != 0x2C:
        raise RenderError("Pillow wrote an unexpected GIF frame")
    frame[descriptor + 1:descriptor + 5] = struct.pack("<HH", *offset)
    return bytes(frame)


class _Pipeline:
    """Feeds frames to the encoders in a background thread.

    With a transparent background, manim keeps the theme's background colour
    in the RGB channels and only zeroes the alpha, so the RGB channels are the
    frame composited onto the background: opaque formats use them as they are.
    The first failure stops the encoding; :meth:`put` and :meth:`join` then
    raise it as a one-line :class:`RenderError` naming the file.
    """

    def __init__(self, encoders: Sequence[Any]) -> None:
        self.encoders = list(encoders)
        self.queue: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.failed: Path | None = None
        self._cancelled = threading.Event()
        self.thread = threading.Thread(target=self._run, name="convmanim-encoder", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None or self._cancelled.is_set():
                continue  # drop the frame: the files are to be removed
            frame, count = item
            for enc in self.encoders:
                try:
                    enc.write(frame, count)
                except BaseException as exc:
                    self.error, self.failed = exc, enc.final
                    break

    def _raise(self) -> None:
        if self.error is not None:
            raise RenderError(_write_failure(self.failed, self.error))

    def put(self, frame: np.ndarray, count: int) -> None:
        self._raise()
        interrupt.check()
        self.queue.put((frame, count))

    def join(self) -> None:
        """Wait until every frame is encoded; raise the first failure."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def cancel(self) -> None:
        """Drop the frames still queued and wait for the thread to stop.

        Only then may the encoders be closed: a container closed while the
        thread still encodes into it would crash the process.
        """
        self._cancelled.set()
        if self.thread.is_alive():
            self.queue.put(None)  # the queue drains fast: queued frames are dropped
            self.thread.join()


def _write_failure(final: Path | None, exc: BaseException) -> str:
    """One line saying which file could not be written, and why."""
    if isinstance(exc, RenderError):
        return str(exc)
    where = shown_path(final) if final is not None else "the video"
    if isinstance(exc, OSError):
        return f"cannot write {where}: {describe_os_error(exc)}"
    return f"encoding {where} failed: {describe_os_error(exc)}"


# ------------------------------------------------------------------- config
@contextmanager
def quality_config(quality: Quality, *, fps: int | None = None, transparent: bool = False,
                   still: bool = False) -> Iterator[None]:
    """Set manim's config for ``quality`` while active (label cache, frame size, no files).

    Parameters
    ----------
    quality
        Resolution and frame rate.
    fps
        Frame rate instead of the quality's.
    transparent
        Transparent background.
    still
        Set up for one still frame instead of a movie.
    """
    from manim import config, tempconfig

    cache = cache_dir()
    for folder in (cache / "tex", cache / "text"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RenderError(
                f"label cache {str(cache)!r} is not a usable folder ({exc.strerror or exc}): "
                "set CONVMANIM_CACHE to a writable one"
            ) from None
    settings: dict[str, Any] = {
        "pixel_width": quality.width,
        "pixel_height": quality.height,
        "frame_rate": fps or quality.fps,
        "background_opacity": 0.0 if transparent else 1.0,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "notify_outdated_version": False,
        "save_last_frame": still,
        "write_to_movie": not still,
        "tex_dir": str(cache / "tex"),
        "text_dir": str(cache / "text"),
        "preview": False,
    }
    settings = {k: v for k, v in settings.items() if k in config}
    with tempconfig(settings):
        config.frame_height = 8.0
        config.frame_width = 8.0 * quality.width / quality.height
        yield




def _progress(total: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=max(total, 1),
        desc=label,
        unit="frame",
        file=sys.stderr,
        disable=not enabled or not sys.stderr.isatty(),
        leave=False,
        dynamic_ncols=True,
    )


# -------------------------------------------------------------------- public
class RenderSession:
    """Scenes played one after another into the same files (see :func:`open_render`).

    Attributes
    ----------
    quality
        The resolution.
    fps
        The frame rate the files are written at.
    paths
        The files being written, in the order of the formats (then the
        subtitles, when asked for).
    cues
        The subtitle cues of the scenes played so far, in the files' time.
    frames
        Frames written so far.
    """

    def __init__(self, quality: Quality, fps: int, paths: list[Path], pipeline: _Pipeline,
                 bar: Any) -> None:
        self.quality = quality
        self.fps = fps
        self.paths = paths
        self.cues: list[Cue] = []
        self.frames = 0
        self._pipeline = pipeline
        self._bar = bar

    def play(self, scene_cls: type, label: str | None = None) -> Any:
        """Construct ``scene_cls`` and append its frames to the files.

        Parameters
        ----------
        scene_cls
            A manim Scene class.
        label
            Shown on the progress bar while it plays.

        The scene's subtitle cues (manim's subcaptions) join :attr:`cues`,
        shifted to where the scene starts in the files.

        Returns
        -------
        Scene
            The played scene.
        """
        from .writer import make_scene

        if label is not None:
            self._bar.set_description(label)
        start = self.frames / self.fps
        scene = make_scene(scene_cls, on_frame=self._write)
        _play(scene)
        self.cues += [cue.shifted(start)
                      for cue in cues_from_srt(scene.renderer.file_writer.subcaptions)]
        return scene

    def _write(self, frame: np.ndarray, count: int) -> None:
        self._pipeline.put(frame, count)
        self.frames += count
        self._bar.update(count)


@contextmanager
def open_render(
    name: str,
    *,
    formats: Sequence[str] = ("mp4",),
    quality: str | Quality = "h",
    output_dir: str | os.PathLike[str] = "media",
    progress: bool = True,
    planned_seconds: float = 0.0,
    encoding: Encoding = DEFAULT_ENCODING,
    subtitles: bool = False,
) -> Iterator[RenderSession]:
    """Open ``NAME.FORMAT`` files in ``output_dir`` for scenes to be played into.

    Frames are encoded in a background thread, into every format at once, and
    written to temporary files beside the final ones. When the ``with`` block
    ends normally the files are finished and renamed into place; if it raises
    (or the process is interrupted), they are removed and nothing is left at
    the final paths.

    With ``subtitles``, the scenes' cues (one per step, see
    :meth:`convmanim.modes.base.ConvScene.step_captions`) are written to
    ``NAME.vtt`` (WebVTT) and, as a text track, into the MP4, MOV and WebM
    files: one subtitle file for everything played in the session.

    Parameters
    ----------
    name
        File name without extension.
    formats
        Any of ``mp4``, ``gif``, ``webm`` and ``mov`` (QuickTime with a
        transparent background).
    quality
        See :func:`resolve_quality`.
    output_dir
        Directory for the files; created if needed.
    progress
        Show a progress bar on a terminal.
    planned_seconds
        Expected length, for the progress bar.
    encoding
        The MP4's encoder settings (see :class:`convmanim.video.Encoding`).
    subtitles
        Also write ``NAME.vtt`` and a subtitle track in each video file.

    Yields
    ------
    RenderSession
        Play scenes into the files with :meth:`RenderSession.play`.

    Raises
    ------
    RenderError
        For an unknown format, an unusable name, an unwritable directory or a
        failed encoder.

    Examples
    --------
    ::

        with open_render("both", formats=("mp4", "gif")) as session:
            session.play(TitleCard)
            session.play(StridedConv)
    """
    fmts = _check_formats(formats, ANIMATION_FORMATS, "animation format")
    q = quality if isinstance(quality, Quality) else resolve_quality(quality)
    check_name(name)
    transparent = "mov" in fmts
    # A GIF-only render needs no more frames than the GIF shows.
    fps = min(q.fps, GIF_FPS) if fmts == ["gif"] else q.fps
    with interrupt.guarded():
        out = prepare_output_dir(output_dir)
        finals = [out / f"{name}.{fmt}" for fmt in fmts]
        vtt = out / f"{name}.vtt" if subtitles else None
        _check_targets(finals + ([vtt] if vtt is not None else []))
        encoders: list[Any] = []
        pipeline: _Pipeline | None = None
        vtt_tmp: Path | None = None
        try:
            for fmt, final in zip(fmts, finals):
                with interrupt.shielded():  # its file is created and remembered together
                    if fmt == "gif":
                        encoders.append(_GifEncoder(final, fps))
                    elif fmt == "mp4":
                        encoders.append(_Mp4Encoder(final, q.width, q.height, fps, encoding,
                                                    subtitles=subtitles))
                    else:
                        encoders.append(_VideoEncoder(final, fmt, q.width, q.height, fps,
                                                      subtitles=subtitles))
            pipeline = _Pipeline(encoders)
            paths = [enc.final for enc in encoders] + ([vtt] if vtt is not None else [])
            with quality_config(q, fps=fps, transparent=transparent), \
                    _progress(round(planned_seconds * fps), name, progress) as bar:
                session = RenderSession(q, fps, paths, pipeline, bar)
                yield session
            pipeline.join()
            pipeline = None
            with interrupt.shielded():  # a signal waits until the files are closed
                for enc in encoders:
                    enc.cues = session.cues
                    _close(enc)
                pairs = [(enc.tmp, enc.final) for enc in encoders]
                if vtt is not None:
                    vtt_tmp = _write_text(vtt, webvtt(session.cues))
                    pairs.append((vtt_tmp, vtt))
            _commit(pairs)
        except BaseException:
            with interrupt.shielded():  # a second signal must not cut the clean-up short
                if pipeline is not None:
                    pipeline.cancel()  # before any encoder is closed
                for enc in encoders:
                    enc.abort()
                    remove_quietly(enc.tmp)
                if vtt_tmp is not None:
                    remove_quietly(vtt_tmp)
            raise


def _write_text(final: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file beside ``final``; return its path."""
    handle, tmp = _open_temp(final)
    try:
        with handle:
            handle.write(text.encode("utf-8"))
    except OSError as exc:
        remove_quietly(tmp)
        raise RenderError(_write_failure(final, exc)) from None
    return tmp


def _check_targets(finals: Sequence[Path]) -> None:
    """Refuse, before rendering, final paths no file can be renamed onto."""
    try:
        for final in finals:
            check_target(final)
    except FileError as exc:
        raise RenderError(str(exc)) from None


def _close(enc: Any) -> None:
    """Finish an encoder's file; a failure (a full disk) names the file."""
    try:
        enc.close()
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(_write_failure(enc.final, exc)) from None


def _commit(pairs: list[tuple[Path, Path]]) -> None:
    """Rename the finished files into place, all or none (:func:`convmanim.files.commit`)."""
    try:
        commit(pairs)
    except FileError as exc:
        raise RenderError(str(exc)) from None


def render_animation(
    scene_cls: type,
    name: str,
    *,
    formats: Sequence[str] = ("mp4",),
    quality: str | Quality = "h",
    output_dir: str | os.PathLike[str] = "media",
    progress: bool = True,
    echo: bool = True,
    encoding: Encoding = DEFAULT_ENCODING,
    subtitles: bool = False,
) -> list[Path]:
    """Render ``scene_cls`` as one or more animations in a single pass.

    Parameters
    ----------
    scene_cls
        A manim Scene class (usually a convmanim scene subclass).
    name
        File name without extension.
    formats
        Any of ``mp4``, ``gif``, ``webm`` and ``mov`` (QuickTime with a
        transparent background).
    quality
        See :func:`resolve_quality`.
    output_dir
        Directory for the files; created if needed.
    progress
        Show a progress bar on a terminal.
    echo
        Print each path written, one per line.
    encoding
        The MP4's encoder settings (see :class:`convmanim.video.Encoding`).
    subtitles
        Also write ``NAME.vtt`` (WebVTT, one cue per step) beside the
        animation, and the same cues as a subtitle track in each video file.

    Returns
    -------
    list[pathlib.Path]
        The files written, in the order of ``formats``, then ``NAME.vtt``.

    Raises
    ------
    RenderError
        For an unknown format, an unwritable directory or a failed encoder.
    """
    check_scene_class(scene_cls)
    q = quality if isinstance(quality, Quality) else resolve_quality(quality)
    with open_render(name, formats=formats, quality=q, output_dir=output_dir,
                     progress=progress, subtitles=subtitles, encoding=encoding,
                     planned_seconds=_planned_seconds(scene_cls, q.fps)) as session:
        session.play(scene_cls)
    if echo:
        for p in session.paths:
            echo_path(p)
    return session.paths


def _planned_seconds(scene_cls: type, fps: int) -> float:
    """The scene's ``planned_duration`` at ``fps`` (for the progress bar), or 0."""
    planned = getattr(scene_cls, "planned_duration", None)
    if not callable(planned):
        return 0.0
    try:
        return float(planned(fps))
    except TypeError:  # a planned_duration() that takes no frame rate
        return float(planned())


def render_still(
    scene_cls: type,
    name: str,
    *,
    fmt: str = "png",
    quality: str | Quality = "h",
    output_dir: str | os.PathLike[str] = "media",
    echo: bool = True,
) -> Path:
    """Render the scene's final state (or its ``still_step``) as one image.

    PNG is a raster image; PDF and SVG are true vector output, drawn by cairo
    from the same mobjects.

    Parameters
    ----------
    scene_cls
        A manim Scene class. For a convmanim scene, set ``still_step`` on a
        subclass to pick the step.
    name
        File name without extension.
    fmt
        ``png``, ``pdf`` or ``svg``.
    quality
        See :func:`resolve_quality`; sets the pixel size (PNG) or the page
        size (PDF, SVG: one point per two pixels).
    output_dir
        Directory for the file; created if needed.
    echo
        Print the path written.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    (fmt,) = _check_formats([fmt], STILL_FORMATS, "still format")
    q = quality if isinstance(quality, Quality) else resolve_quality(quality)
    check_name(name)
    check_scene_class(scene_cls)
    with interrupt.guarded():
        out = prepare_output_dir(output_dir)
        final = out / f"{name}.{fmt}"
        _check_targets([final])
        tmp: Path | None = None
        try:
            with quality_config(q, still=True):
                from .writer import make_scene

                # every animation jumps to its end undrawn; the last picture is drawn once
                scene = make_scene(scene_cls, draw=False)
                _play(scene)
                with interrupt.shielded():  # created and remembered together
                    handle, tmp = _open_temp(final)
                _write_still(scene, handle, final, fmt, q)
            _commit([(tmp, final)])
        except BaseException:
            with interrupt.shielded():
                if tmp is not None:
                    remove_quietly(tmp)
            raise
    if echo:
        echo_path(final)
    return final


def _write_still(scene: Any, handle: BinaryIO, final: Path, fmt: str, q: Quality) -> None:
    """Write the scene's frame (PNG) or mobjects (PDF, SVG) into ``handle`` and close it."""
    writer = _Writes(handle)
    try:
        if fmt == "png":
            scene.renderer.final_image(scene).save(writer, format="PNG")
        else:
            _write_vector(scene, writer, fmt, q)
        handle.close()
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(_write_failure(final, writer.error or exc)) from None
    finally:
        with suppress(OSError):
            handle.close()  # a failed flush still closes the file


class _Writes:
    """A file's ``write`` that remembers its first failure.

    Cairo reports a failed write as "error while writing to output stream";
    the system's own reason (a full disk) is the one to give.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.error = self.error or exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def _write_vector(scene: Any, path: Any, fmt: str, quality: Quality) -> None:
    """Draw the scene's mobjects onto a cairo PDF or SVG surface."""
    import cairo
    from manim import VMobject
    from manim.camera.camera import Camera
    from manim.utils.color import ManimColor

    class VectorCamera(Camera):
        """Undoes the red/blue swap manim applies for its BGRA pixel buffer."""

        def get_stroke_rgbas(self, vmobject: Any, background: bool = False) -> Any:
            rgbas = np.array(super().get_stroke_rgbas(vmobject, background), dtype=float)
            rgbas[:, :3] = rgbas[:, 2::-1]
            return rgbas

        def get_fill_rgbas(self, vmobject: Any) -> Any:
            rgbas = np.array(super().get_fill_rgbas(vmobject), dtype=float)
            rgbas[:, :3] = rgbas[:, 2::-1]
            return rgbas

    scene_camera = scene.renderer.camera
    camera = VectorCamera(background_color=scene_camera.background_color)
    width_pt, height_pt = quality.width / 2, quality.height / 2
    surface_cls = cairo.PDFSurface if fmt == "pdf" else cairo.SVGSurface
    surface = surface_cls(path, width_pt, height_pt)
    try:
        ctx = cairo.Context(surface)
        fw, fh, fc = camera.frame_width, camera.frame_height, camera.frame_center
        bg = ManimColor(camera.background_color).to_rgb()
        ctx.set_source_rgb(*bg)
        ctx.paint()
        ctx.set_matrix(
            cairo.Matrix(
                width_pt / fw, 0, 0, -(height_pt / fh),
                width_pt / 2 - fc[0] * width_pt / fw,
                height_pt / 2 + fc[1] * height_pt / fh,
            )
        )
        mobjects = scene_camera.get_mobjects_to_display(
            [*scene.mobjects, *scene.foreground_mobjects]
        )
        for mob in mobjects:
            if not isinstance(mob, VMobject):
                raise RenderError(f"{type(mob).__name__} cannot be drawn as {fmt.upper()}")
            camera.display_vectorized(mob, ctx)
    finally:
        surface.finish()


def play_scene(scene_cls: type, quality: str | Quality = "l", *, draw: bool = True) -> Any:
    """Construct and play ``scene_cls`` without writing any file.

    Parameters
    ----------
    scene_cls
        The scene to play.
    quality
        Resolution and frame rate; layouts that adapt to the pixel size see it.
    draw
        Draw the frames (not encoded). With ``False`` every animation jumps to
        its end without drawing: the fastest way to inspect where things go.

    Returns
    -------
    Scene
        The played scene, whose mobjects and attributes (``steps_played`` for
        convmanim scenes) can be inspected.
    """
    from .writer import make_scene

    q = quality if isinstance(quality, Quality) else resolve_quality(quality)
    with quality_config(q):
        scene = make_scene(scene_cls, draw=draw)
        _play(scene)
    return scene


def _play(scene: Any) -> None:
    """``scene.render()``, with a request for sound as a :class:`RenderError`."""
    from .writer import SoundError

    try:
        scene.render()
    except SoundError as exc:
        raise RenderError(str(exc)) from None


def _check_formats(formats: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    out: list[str] = []
    for f in formats:
        f = str(f).lower().lstrip(".")
        if f not in allowed:
            raise RenderError(f"{what} must be one of {', '.join(allowed)}, got {f!r}")
        if f not in out:
            out.append(f)
    if not out:
        raise RenderError(f"no {what} given")
    return out


def check_scene_class(scene_cls: type) -> None:
    """Check a convmanim scene's attributes before any file or folder is made.

    Raises
    ------
    convmanim.SpecError
        One line naming the attribute (see
        :meth:`convmanim.modes.base.ConvScene.check_attributes`).
    """
    check = getattr(scene_cls, "check_attributes", None)
    if callable(check):
        check()


_MAX_NAME_BYTES = 200
"""File systems allow 255 bytes; the temporary name adds a dot, ``.webm`` and ``.part-PID``."""


def check_name(name: str) -> None:
    """Raise :class:`RenderError` unless ``name`` is a plain file name (no folder)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        shown = repr(name) if len(name) <= 40 else repr(name[:37] + "...")
        raise RenderError(f"NAME must be a plain file name without '/', got {shown}")
    try:
        size = len(name.encode())
    except UnicodeEncodeError:
        raise RenderError(f"NAME {name!r} is not valid text for a file name") from None
    if size > _MAX_NAME_BYTES:
        raise RenderError(f"NAME is {size} bytes long; a file name can have at most "
                          f"{_MAX_NAME_BYTES}")
    control = next((c for c in name if unicodedata.category(c) == "Cc"), None)
    if control is not None:  # it would reach the terminal with the paths printed
        raise RenderError(f"NAME must be plain text, but holds the control character "
                          f"U+{ord(control):04X}")
