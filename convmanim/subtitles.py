"""Subtitles: one cue per step, as a WebVTT file and as a video's subtitle track.

A convmanim scene adds each step's caption in plain words through manim's
subcaption API (:meth:`manim.scene.scene.Scene.add_subcaption`), so that
``manim render`` writes manim's own ``.srt``. The render path of
:mod:`convmanim.render` takes the same cues from its file writer and writes
them here: ``NAME.vtt`` beside the animation (:func:`webvtt`), and a text
track inside the MP4 or MOV (``mov_text``) and the WebM (``webvtt``), through
PyAV's subtitle encoder (:func:`add_subtitle_stream`, :func:`mux_cues`).

This module never imports manim.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .durations import clock

__all__ = ["Cue", "add_subtitle_stream", "cues_from_srt", "mux_cues", "read_cues", "read_webvtt",
           "vtt_timestamp", "webvtt"]


@dataclass(frozen=True)
class Cue:
    """One subtitle: ``text`` shown from ``start`` to ``end`` seconds.

    Attributes
    ----------
    start, end
        Seconds from the start of the video.
    text
        One line of plain text.
    """

    start: float
    end: float
    text: str

    def shifted(self, seconds: float) -> Cue:
        """The same cue, ``seconds`` later."""
        return Cue(self.start + seconds, self.end + seconds, self.text)


def cues_from_srt(subtitles: Iterable[Any]) -> list[Cue]:
    """Cues from manim's subcaptions (``srt.Subtitle`` objects with ``timedelta`` times)."""

    def seconds(t: datetime.timedelta | float) -> float:
        return t.total_seconds() if isinstance(t, datetime.timedelta) else float(t)

    return [Cue(seconds(s.start), seconds(s.end), " ".join(str(s.content).split()))
            for s in subtitles]


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm``, as WebVTT writes times (cues and chapters alike)."""
    c = clock(seconds)
    return f"{c.hours:02d}:{c.minutes:02d}:{c.seconds:02d}.{c.milliseconds:03d}"


def _escape(text: str) -> str:
    """A cue's text with WebVTT's reserved characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Sequence[Cue]) -> str:
    """The text of a WebVTT file holding ``cues``, numbered from 1.

    Examples
    --------
    >>> print(webvtt([Cue(0, 1.5, "b00 = 3·1 + 2·2 = 7")]), end="")
    WEBVTT
    <BLANKLINE>
    1
    00:00:00.000 --> 00:00:01.500
    b00 = 3·1 + 2·2 = 7
    """
    lines = ["WEBVTT", ""]
    for n, cue in enumerate(cues, start=1):
        lines += [str(n), f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}",
                  _escape(cue.text), ""]
    return "\n".join(lines[:-1]) + "\n"


def _seconds(stamp: str) -> float:
    """Seconds of a WebVTT time, ``HH:MM:SS.mmm`` or ``MM:SS.mmm``."""
    parts = [float(p) for p in stamp.strip().split(":")]
    return sum(v * 60 ** k for k, v in enumerate(reversed(parts)))


def read_webvtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file's text, as :func:`webvtt` writes them.

    Examples
    --------
    >>> read_webvtt(webvtt([Cue(0, 1.5, "b00 = 3·1 = 3"), Cue(1.5, 2, "next")]))[1]
    Cue(start=1.5, end=2.0, text='next')
    """
    cues = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        timing = next((k for k, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = lines[timing].split("-->")
        body = " ".join(lines[timing + 1:])
        body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(_seconds(start), _seconds(end.split()[0]), body))
    return cues


_ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
"""The ASS header FFmpeg's text subtitle encoders read their default style from."""

_CODECS = {"mp4": "mov_text", "mov": "mov_text", "webm": "webvtt"}


def add_subtitle_stream(container: Any, fmt: str, language: str = "eng") -> Any:
    """Add a text subtitle stream to a PyAV output ``container`` before anything is muxed.

    Parameters
    ----------
    container
        A PyAV output container.
    fmt
        ``mp4``, ``mov`` (``mov_text``) or ``webm`` (``webvtt``).
    language
        ISO 639-2 code stored with the track.

    Returns
    -------
    av.subtitles.stream.SubtitleStream
        The stream, for :func:`mux_cues`.
    """
    stream = container.add_stream(_CODECS[fmt])
    stream.codec_context.subtitle_header = _ASS_HEADER.encode()
    stream.metadata["language"] = language
    return stream


def mux_cues(container: Any, stream: Any, cues: Sequence[Cue]) -> None:
    """Encode ``cues`` into ``stream`` (from :func:`add_subtitle_stream`) and mux them.

    Call it once, with every cue, before the container is closed; the cues
    may come after the video's packets (each stream's packets are in order).
    """
    from av.subtitles.subtitle import SubtitleSet

    tb = stream.time_base
    if tb is None:  # fixed when the container writes its header, at the first mux
        raise ValueError("mux the video first: the subtitle stream has no time base yet")
    for n, cue in enumerate(cues):
        start = round(cue.start / tb)
        length = max(1, round(cue.end / tb) - start)
        text = " ".join(cue.text.split())  # plain text: no ASS override blocks
        dialogue = f"{n},0,Default,,0,0,0,,{text}".encode()
        packet = stream.codec_context.encode_subtitle(
            SubtitleSet.create(dialogue, 0, length, pts=start))
        packet.stream = stream
        container.mux(packet)


def read_cues(path: Any) -> list[Cue]:
    """The cues of the first subtitle track of a video file (for checking what was written)."""
    import av

    out: list[Cue] = []
    with av.open(str(path)) as container:
        if not container.streams.subtitles:
            return out
        stream = container.streams.subtitles[0]
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            tb = packet.time_base
            start = float(packet.pts * tb)
            end = start + float((packet.duration or 0) * tb)
            for sub in packet.decode():
                text = sub.dialogue.decode() if hasattr(sub, "dialogue") else str(sub)
                out.append(Cue(start, end, text))
    return out
