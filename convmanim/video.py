"""H.264 in MP4: encoder settings, held frames stored once, joining files, chapters.

The diagrams are flat colours and mostly still: a step glides for half its
time and holds for the other half, and a scene ends on a hold. This module
writes them the way the bench (``bench/encoders.py``) measured best:

* :class:`Encoding` holds libx264's settings. The default was chosen by
  measurement as the fastest setting whose PSNR, SSIM and file size are no
  worse than libx264's defaults (``medium``, crf 23) on the bench's renders.
* :class:`H264Writer` stores a held frame (the same picture several frames in
  a row) once, with its duration, as MP4 allows (the GIF writer does the
  same). Players show the very same video; the encoder works on the pictures
  that differ only. ``Encoding(hold_frames=False)`` writes every frame.
* :func:`join_mp4` joins MP4 files written with the same settings into one,
  copying their packets (no re-encoding), with chapters.
* :func:`read_frames` decodes an MP4 frame by frame on its constant frame
  grid, as it plays.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .subtitles import Cue, add_subtitle_stream, mux_cues, vtt_timestamp

__all__ = [
    "DEFAULT_ENCODING",
    "PRESETS",
    "Chapter",
    "Encoding",
    "H264Writer",
    "VideoError",
    "constant_rate_frames",
    "join_mp4",
    "read_chapters",
    "read_frames",
    "write_webvtt_chapters",
]

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
           "slower", "veryslow")
"""libx264's presets, fastest first."""


class VideoError(ValueError):
    """Bad encoder settings, or files that cannot be joined. The message is one line."""


@dataclass(frozen=True)
class Encoding:
    """libx264 settings for an MP4.

    Attributes
    ----------
    crf
        Constant rate factor: 0 is lossless, 51 the worst; 6 more halves the
        size, roughly.
    preset
        One of :data:`PRESETS`: slower presets compress better.
    tune
        libx264's ``tune`` (``psnr`` turns off adaptive quantisation and the
        psycho-visual options, which blur the flat areas and sharp edges of a
        diagram), or ``None``.
    x264_params
        Further libx264 options, ``key=value`` pairs joined with ``:``.
    keyint_seconds
        Longest distance between key frames, in seconds (where a player can
        seek to without decoding from further back). ``None`` keeps libx264's
        250 frames.
    hold_frames
        Store a held picture once with its duration instead of once per frame.
    threads
        libx264's threads, or ``None`` for its own choice (about 1.5 per
        core). Its threads may make two runs differ slightly; with one
        thread the same pictures always give the same bytes.
    """

    crf: float = 25
    preset: str = "veryfast"
    tune: str | None = "psnr"
    x264_params: str = "rc-lookahead=40:trellis=1:partitions=all:me=umh"
    keyint_seconds: float | None = 10.0
    hold_frames: bool = True
    threads: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise VideoError(f"crf must be 0 to 51, got {self.crf:g}")
        if self.preset not in PRESETS:
            raise VideoError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")

    @classmethod
    def libx264_defaults(cls) -> Encoding:
        """libx264's own defaults (``medium``, crf 23), every frame stored."""
        return cls(crf=23, preset="medium", tune=None, x264_params="", keyint_seconds=None,
                   hold_frames=False)

    def options(self, fps: float) -> dict[str, str]:
        """The codec options PyAV passes to libx264 for a stream at ``fps``."""
        opts = {"crf": f"{self.crf:g}", "preset": self.preset}
        if self.tune:
            opts["tune"] = self.tune
        params = [p for p in self.x264_params.split(":") if p]
        if self.keyint_seconds is not None:
            params.append(f"keyint={max(1, round(self.keyint_seconds * fps))}")
        if self.threads is not None:
            params.append(f"threads={self.threads}")
        if params:
            opts["x264-params"] = ":".join(params)
        return opts

    def describe(self) -> str:
        """One line, such as ``veryfast crf 26 tune=psnr ... held frames once``."""
        words = [self.preset, f"crf {self.crf:g}"]
        if self.tune:
            words.append(f"tune={self.tune}")
        if self.x264_params:
            words.append(self.x264_params)
        if self.keyint_seconds is not None:
            words.append(f"keyint {self.keyint_seconds:g} s")
        words.append("held frames once" if self.hold_frames else "every frame")
        return " ".join(words)


DEFAULT_ENCODING = Encoding()
"""What every MP4 is written with unless told otherwise (see ``bench/encoders.py``)."""


class H264Writer:
    """An MP4 file written one picture at a time, held pictures stored once.

    Parameters
    ----------
    path
        The file to write (any name: the container is MP4), or a binary file
        open for writing and seeking.
    width, height, fps
        Picture size and frame rate.
    encoding
        The encoder's settings.
    """

    def __init__(self, path: str | os.PathLike[str] | BinaryIO, width: int, height: int,
                 fps: int, encoding: Encoding = DEFAULT_ENCODING, *,
                 subtitles: bool = False) -> None:
        import av

        self.encoding = encoding
        self.fps = fps
        self.time_base = Fraction(1, fps)
        target = path if hasattr(path, "write") else str(path)
        self.container = av.open(target, mode="w", format="mp4")
        try:
            self.stream = self.container.add_stream("libx264", rate=fps,
                                                    options=encoding.options(fps))
            self.stream.width = width
            self.stream.height = height
            self.stream.pix_fmt = "yuv420p"
            self.stream.codec_context.time_base = self.time_base
            self.subtitles = add_subtitle_stream(self.container, "mp4") if subtitles else None
        except BaseException:
            self.container.close()
            raise
        self.frames = 0
        """Frames written so far, on the constant frame grid."""
        self._durations: dict[int, int] = {}
        self._last_packet: Any = None
        self._held: tuple[np.ndarray | None, Any, int, int] | None = None

    def write(self, frame: np.ndarray, num_frames: int = 1) -> None:
        """Append an RGBA picture shown for ``num_frames`` frames."""
        if num_frames <= 0:
            return
        if self._held is not None and self.encoding.hold_frames:
            pixels, video_frame, start, count = self._held
            if pixels is not None and _same(pixels, frame):
                self._held = (pixels, video_frame, start, count + num_frames)
                self.frames += num_frames
                return
        self._flush()
        import av

        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgba")
        video_frame = video_frame.reformat(format="yuv420p")
        keep = frame if self.encoding.hold_frames else None
        self._held = (keep, video_frame, self.frames, num_frames)
        self.frames += num_frames
        if not self.encoding.hold_frames:
            self._flush()

    def _flush(self) -> None:
        """Encode the picture held back, now that its duration is known."""
        if self._held is None:
            return
        _, video_frame, start, count = self._held
        self._held = None
        if self.encoding.hold_frames:
            self._encode(video_frame, start, count)
        else:
            for k in range(count):
                self._encode(video_frame, start + k, 1)

    def _encode(self, video_frame: Any, pts: int, duration: int) -> None:
        video_frame.pts = pts
        video_frame.time_base = self.time_base
        video_frame.duration = duration
        self._durations[pts] = duration
        self._mux(self.stream.encode(video_frame))

    def _mux(self, packets: Sequence[Any]) -> None:
        # One packet is held back: MP4 takes each sample's duration from the
        # next one's decoding time, and the last one's from its own duration,
        # which must then reach the end of the last picture (see close).
        for packet in packets:
            if packet.pts is None:
                continue
            packet.duration = self._durations.pop(packet.pts, 1)
            if self._last_packet is not None:
                self.container.mux(self._last_packet)
            self._last_packet = packet

    def close(self, cues: Sequence[Cue] = ()) -> None:
        """Encode what is left, add the subtitle ``cues`` (if it has a track), finish the file."""
        self._flush()
        self._mux(self.stream.encode(None))
        last = self._last_packet
        if last is not None:
            self._last_packet = None
            last.duration = max(1, self.frames - last.pts)
            self.container.mux(last)
        if self.subtitles is not None:
            mux_cues(self.container, self.subtitles, cues)
        self.container.close()

    def abort(self) -> None:
        """Close the file without finishing it (the caller removes it)."""
        with suppress(Exception):  # the file is being thrown away
            self.container.close()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two frames are the same picture (compared 8 bytes at a time)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.nbytes % 8 or not (a.flags.c_contiguous and b.flags.c_contiguous):
        return bool(np.array_equal(a, b))
    return bool(np.array_equal(a.reshape(-1).view(np.uint64), b.reshape(-1).view(np.uint64)))


# ------------------------------------------------------------------- chapters
@dataclass(frozen=True)
class Chapter:
    """A named stretch of a video.

    Attributes
    ----------
    title
        What players show in their chapter list.
    start, end
        Seconds from the start of the video.
    """

    title: str
    start: float
    end: float = field(default=0.0)


def write_webvtt_chapters(path: str | os.PathLike[str], chapters: Sequence[Chapter]) -> Path:
    """Write ``chapters`` as a WebVTT chapters file (``<track kind="chapters">``).

    The file is written under a temporary name and renamed when complete.
    """
    lines = ["WEBVTT", ""]
    for n, ch in enumerate(chapters, start=1):
        title = " ".join(ch.title.replace("-->", "→").split())
        span = f"{vtt_timestamp(ch.start)} --> {vtt_timestamp(ch.end)}"
        lines += [f"chapter-{n}", span, title, ""]
    from .files import commit, new_temp, remove_quietly

    dest = Path(path)
    handle, tmp = new_temp(dest)  # an unpredictable name, created exclusively
    try:
        with handle:
            handle.write("\n".join(lines).encode("utf-8"))
        commit([(tmp, dest)])
    except BaseException:
        remove_quietly(tmp)
        raise
    return dest


def read_chapters(path: str | os.PathLike[str]) -> list[Chapter]:
    """The chapters stored in a video file, as players read them."""
    import av

    with av.open(str(path)) as container:
        out = []
        for ch in container.chapters():
            tb = ch["time_base"] or Fraction(1, 1)
            out.append(Chapter(ch["metadata"].get("title", ""), float(ch["start"] * tb),
                               float(ch["end"] * tb)))
    return out


# ---------------------------------------------------------------------- joining
def join_mp4(sources: Sequence[str | os.PathLike[str]], dest: str | os.PathLike[str],
             titles: Sequence[str] | None = None,
             cues: Sequence[Sequence[Cue]] | None = None) -> list[Chapter]:
    """Join MP4 files into ``dest`` by copying their packets, without re-encoding.

    The files must hold one H.264 stream each, written with the same size,
    frame rate and settings (as :class:`H264Writer` writes them); each starts
    with a key frame, so the joined file plays each one exactly as it was.

    Parameters
    ----------
    sources
        The files, in order.
    dest
        The joined file (MP4).
    titles
        When given, ``dest`` gets one chapter per source with these titles.
    cues
        When given, each source's subtitle cues (times from its own start):
        ``dest`` gets one subtitle track holding them all, each where its
        source plays.

    Returns
    -------
    list[Chapter]
        Where each source lies in ``dest`` (titled as ``titles``, or by its
        file name).

    Raises
    ------
    VideoError
        If the files do not share their stream's settings.
    """
    import av

    if not sources:
        raise VideoError("nothing to join")
    starts: list[float] = []
    with av.open(str(dest), mode="w", format="mp4") as out:
        out_stream: Any = None
        track: Any = None
        extradata: bytes | None = None
        offset = 0  # in the output stream's time base, once known
        last_dts: int | None = None
        for src_path in sources:
            with av.open(str(src_path)) as src:
                stream = src.streams.video[0]
                here = bytes(stream.codec_context.extradata or b"")
                if out_stream is None:
                    out_stream = out.add_stream_from_template(stream)
                    if cues is not None:
                        track = add_subtitle_stream(out, "mp4")
                    extradata = here
                    tb = stream.time_base
                elif here != extradata or stream.time_base != tb:
                    raise VideoError(f"{Path(src_path).name} was encoded with other settings "
                                     "than the first file: it cannot be joined without "
                                     "re-encoding")
                starts.append(float(offset * tb))
                end = offset
                for packet in src.demux(stream):
                    if packet.size == 0 or packet.pts is None:
                        continue
                    dts = packet.pts if packet.dts is None else packet.dts
                    packet.pts += offset
                    packet.dts = dts + offset
                    if last_dts is not None and packet.dts <= last_dts:
                        packet.dts = last_dts + 1
                    last_dts = packet.dts
                    end = max(end, packet.pts + (packet.duration or 0))
                    packet.stream = out_stream
                    out.mux(packet)
                if stream.duration is not None and not stream.start_time:
                    end = max(end, offset + stream.duration)  # the last picture's end
                offset = end
        starts.append(float(offset * tb))
        if track is not None and cues is not None:
            mux_cues(out, track, [cue.shifted(start) for part, start in zip(cues, starts)
                                  for cue in part])
        names = list(titles) if titles is not None else [Path(p).stem for p in sources]
        chapters = [Chapter(title, start, end)
                    for title, start, end in zip(names, starts, starts[1:])]
        if titles is not None:
            out.set_chapters([
                {"id": n, "start": round(ch.start * 1000), "end": round(ch.end * 1000),
                 "time_base": Fraction(1, 1000), "metadata": {"title": ch.title}}
                for n, ch in enumerate(chapters, start=1)
            ])
    return chapters


# ---------------------------------------------------------------------- reading
def read_frames(path: str | os.PathLike[str],
                fps: float | None = None) -> Iterator[tuple[np.ndarray, int]]:
    """Decode a video: each picture (RGB) with the number of frames it is shown.

    Counts are on the video's constant frame grid, so ``sum(count)`` is the
    number of frames a constant-rate file of the same video holds, whether
    held pictures were stored once or every frame.

    Parameters
    ----------
    path
        The video file.
    fps
        The frame grid; by default the rate the encoder was given (H.264
        stores it), else FFmpeg's guess.
    """
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = Fraction(fps) if fps else (stream.codec_context.framerate
                                          or stream.guessed_rate or stream.average_rate)
        tb = stream.time_base
        start = stream.start_time or 0
        pending: tuple[np.ndarray, int] | None = None
        for frame in container.decode(stream):
            index = round((frame.pts - start) * tb * rate)
            if pending is not None:
                yield pending[0], max(1, index - pending[1])
            pending = (frame.to_ndarray(format="rgb24"), index)
        if pending is not None:
            last = 1
            if stream.duration is not None:
                last = max(1, round(stream.duration * tb * rate) - pending[1])
            yield pending[0], last


def constant_rate_frames(path: str | os.PathLike[str]) -> np.ndarray:
    """Every frame of a video on its constant frame grid, as one array (small videos)."""
    frames = [np.broadcast_to(image, (count, *image.shape))
              for image, count in read_frames(path)]
    return np.concatenate(frames) if frames else np.zeros((0, 0, 0, 3), np.uint8)
