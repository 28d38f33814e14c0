"""Measure libx264 settings on the bench's renders: quality, size and time.

For each clip (a member of ``bench/run.py``'s set, rendered smooth at
1080p60) the script renders a lossless reference through the CLI (``--crf 0
--preset ultrafast``), decodes its pictures once into memory (YUV 4:2:0, what
the encoder is fed), then encodes them with every candidate setting and
measures:

* the encoder's wall time and CPU time (all of its threads), from pictures in
  memory;
* the file size;
* SSIM and PSNR against the reference, on every frame of the video's constant
  frame grid (FFmpeg's ``ssim`` and ``psnr`` filters, all three planes).

Candidates are libx264's presets, crf values and tunes, and options that suit
flat, mostly still diagrams: a long GOP (a key frame every 10 s), a longer
rate-control look-ahead, trellis quantisation, all partitions, and *held
frames once* (a picture that stays on screen for several frames is encoded
once, with its duration, instead of once per frame). The first row,
``medium`` crf 23 with every frame, is what every MP4 was written with
before. A row is marked ``ok`` when its SSIM, PSNR and size are no worse
than that row's; the fastest ``ok`` row (by CPU time, which the machine's
other load disturbs least) is marked ``fastest``.

Usage::

    python bench/encoders.py                       # two clips, every candidate
    python bench/encoders.py --clips arithmetic_transposed --jobs 2
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convmanim.video import DEFAULT_ENCODING, Encoding  # noqa: E402

CLIPS = {
    "arithmetic_transposed": "arithmetic -i 5 -p 1 -k 3 -s 2 -t arithmetic_transposed_conv -a",
    "numerical_conv": "numerical -i 5 -p 1 -k 3 -s 2 numerical_conv -a",
    "alphabet_conv": "alphabet -i 5 -k 3 alphabet_conv -a",
}
SIZE = "1920x1080@60"

BASE = Encoding.libx264_defaults()
_TUNED = "rc-lookahead=40:trellis=1:partitions=all"


def _vf(crf: float, **kw: object) -> Encoding:
    """veryfast at ``crf``: libx264's own settings, held frames once, unless ``kw`` says."""
    settings: dict[str, object] = {"tune": None, "x264_params": "", "keyint_seconds": None}
    return Encoding(crf=crf, preset="veryfast", **{**settings, **kw})  # type: ignore[arg-type]


CANDIDATES: list[tuple[str, Encoding]] = [
    ("medium crf 23 (before)", BASE),
    ("medium crf 23, held once", replace(BASE, hold_frames=True)),
    *[(f"{p} crf 23, held once", replace(BASE, preset=p, hold_frames=True))
      for p in ("ultrafast", "superfast", "veryfast", "faster", "fast")],
    ("veryfast crf 23", _vf(23, hold_frames=False)),
    *[(f"veryfast crf 23 tune={t}, held", _vf(23, tune=t))
      for t in ("animation", "stillimage", "ssim", "psnr")],
    ("veryfast crf 23, held, keyint 10 s", _vf(23, keyint_seconds=10.0)),
    *[(f"veryfast crf {c} psnr, held, k10, tuned", _vf(c, tune="psnr", keyint_seconds=10.0,
                                                      x264_params=_TUNED))
      for c in (25, 26)],
    ("veryfast crf 25 psnr, held, k30, tuned", _vf(25, tune="psnr", keyint_seconds=30.0,
                                                   x264_params=_TUNED)),
    ("veryfast crf 25 psnr, held, k30, tuned, umh", _vf(25, tune="psnr", keyint_seconds=30.0,
                                                        x264_params=_TUNED + ":me=umh")),
    ("faster crf 26 psnr, held, k10, tuned", Encoding(crf=26, preset="faster", tune="psnr",
                                                      x264_params=_TUNED, keyint_seconds=10.0)),
    ("default, every frame", replace(DEFAULT_ENCODING, hold_frames=False)),
    ("default", DEFAULT_ENCODING),
]
"""The default is ``veryfast crf 25 psnr, held, k10, tuned, umh``: the fastest no worse than
``medium crf 23`` on both clips (``bench/results-2026-11-30-encoders.txt``)."""


@dataclass
class Row:
    """One candidate's measurements on one clip."""

    label: str
    encoding: Encoding
    wall: float
    cpu: float
    size: int
    ssim: float
    psnr: float
    pictures: int


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def render_reference(name: str, line: str, out: Path, cache: Path, size: str = SIZE) -> Path:
    """The clip at ``size`` (1080p60), lossless (``--crf 0``), held pictures once."""
    args = [*shlex.split(line), "-qa", size, "--crf", "0", "--preset", "ultrafast",
            "--no-progress", "--output-dir", str(out)]
    env = {**os.environ, "CONVMANIM_CACHE": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "convmanim", *args], cwd=ROOT, env=env,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"bench: reference for {name} failed:\n{proc.stderr.decode()}")
    return Path(proc.stdout.decode().strip().splitlines()[-1])


def load_pictures(path: Path) -> tuple[list, list[int], int, int, int]:
    """The reference's pictures (YUV 4:2:0 frames), how long each is shown, size, fps."""
    import av

    from convmanim.video import read_frames

    counts = [count for _, count in read_frames(path)]
    pictures = []
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        fps = int(stream.codec_context.framerate)
        for frame in src.decode(stream):
            frame.pict_type = av.video.frame.PictureType.NONE  # let the encoder choose
            pictures.append(frame)
        width, height = stream.width, stream.height
    return pictures, counts, width, height, fps


def encode(pictures: list, counts: list[int], width: int, height: int, fps: int,
           enc: Encoding, dest: Path) -> tuple[float, float]:
    """Encode the pictures into ``dest``; wall and CPU seconds of the encoder."""
    import av

    tb = Fraction(1, fps)
    with av.open(str(dest), mode="w") as out:
        stream = out.add_stream("libx264", rate=fps, options=enc.options(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = tb
        durations: dict[int, int] = {}
        last = [None]

        def mux(packets: list) -> None:
            for packet in packets:
                packet.duration = durations.pop(packet.pts, 1)
                if last[0] is not None:
                    out.mux(last[0])
                last[0] = packet

        start, cpu = time.perf_counter(), _cpu()
        pts = 0
        for picture, count in zip(pictures, counts):
            runs = [count] if enc.hold_frames else [1] * count
            for n in runs:
                picture.pts, picture.time_base, picture.duration = pts, tb, n
                durations[pts] = n
                mux(stream.encode(picture))
                pts += n
        mux(stream.encode(None))
        if last[0] is not None:
            last[0].duration = max(1, pts - last[0].pts)
            out.mux(last[0])
        wall, used = time.perf_counter() - start, _cpu() - cpu
    return wall, used


def _shown(path: Path, fps: int) -> Iterator[tuple[object, int]]:
    """A file's decoded frames (YUV), each with the frames it is shown."""
    import av

    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        tb = stream.time_base
        end = round((stream.duration or 0) * tb * fps)
        prev = None
        for frame in src.decode(stream):
            index = round(frame.pts * tb * fps)
            if prev is not None:
                yield prev[0], index - prev[1]
            prev = (frame, index)
        if prev is not None:
            yield prev[0], max(1, end - prev[1])


def quality(pictures: list, counts: list[int], path: Path, fps: int) -> tuple[float, float]:
    """Mean SSIM and PSNR (dB, of the mean squared error) of ``path`` against the pictures."""
    import av

    with av.open(str(path)) as probe:
        template = probe.streams.video[0]
        graph = av.filter.Graph()
        ref_in = graph.add_buffer(template=template)
        dec_in = graph.add_buffer(template=template)
    split_ref, split_dec = graph.add("split"), graph.add("split")
    ssim, psnr = graph.add("ssim"), graph.add("psnr")
    ssim_out, psnr_out = graph.add("buffersink"), graph.add("buffersink")
    ref_in.link_to(split_ref)
    dec_in.link_to(split_dec)
    split_ref.link_to(ssim, 0, 0)
    split_dec.link_to(ssim, 0, 1)
    split_ref.link_to(psnr, 1, 0)
    split_dec.link_to(psnr, 1, 1)
    ssim.link_to(ssim_out)
    psnr.link_to(psnr_out)
    graph.configure()

    def intervals(items: Iterator[tuple[object, int]]) -> Iterator[tuple[int, int, object]]:
        start = 0
        for frame, count in items:
            yield start, start + count, frame
            start += count

    refs = list(intervals(iter(zip(pictures, counts))))
    total_ssim = total_mse = 0.0
    frames = 0
    k = 0
    tick = 0
    for d_start, d_end, decoded in intervals(_shown(path, fps)):
        while k < len(refs) and refs[k][1] <= d_start:
            k += 1
        j = k
        while j < len(refs) and refs[j][0] < d_end:
            r_start, r_end, ref = refs[j]
            weight = min(r_end, d_end) - max(r_start, d_start)
            ref.pts = decoded.pts = tick  # type: ignore[attr-defined]
            tick += 1
            ref_in.push(ref)
            dec_in.push(decoded)
            s = float(ssim_out.pull().metadata["lavfi.ssim.All"])
            m = float(psnr_out.pull().metadata["lavfi.psnr.mse_avg"])
            total_ssim += s * weight
            total_mse += m * weight
            frames += weight
            j += 1
    mse = total_mse / frames
    return total_ssim / frames, (10 * math.log10(255**2 / mse) if mse > 0 else math.inf)


def measure_clip(name: str, reference: Path, work: Path) -> list[Row]:
    """Every candidate on one clip."""
    pictures, counts, width, height, fps = load_pictures(reference)
    rows = []
    for label, enc in CANDIDATES:
        dest = work / f"{name}-candidate.mp4"
        wall, cpu = encode(pictures, counts, width, height, fps, enc, dest)
        s, p = quality(pictures, counts, dest, fps)
        rows.append(Row(label, enc, wall, cpu, dest.stat().st_size, s, p, len(pictures)))
        print(_line(rows[-1], rows[0]), flush=True)
        dest.unlink()
    del pictures
    return rows


def ok(row: Row, base: Row) -> bool:
    """No worse than ``base`` in SSIM, PSNR and size."""
    return row.ssim >= base.ssim and row.psnr >= base.psnr and row.size <= base.size


def _line(row: Row, base: Row) -> str:
    mark = "ok" if row is not base and ok(row, base) else ""
    return (f"  {row.label:42} {row.wall:6.2f} {row.cpu:6.2f} {row.size / 1e6:7.3f} "
            f"{row.ssim:8.5f} {row.psnr:6.2f} {mark}")


HEADER = (f"  {'setting':42} {'wall s':>6} {'cpu s':>6} {'MB':>7} {'SSIM':>8} {'PSNR':>6}")


def main() -> None:
    """Render the references, measure every candidate, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="*", default=["arithmetic_transposed", "numerical_conv"],
                        choices=list(CLIPS))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="references rendered at once (the timed encodes run one by one)")
    parser.add_argument("--size", default=SIZE, help="WxH@FPS of the clips (default 1080p60)")
    opts = parser.parse_args()
    run(opts.clips, opts.jobs, opts.size)


def run(clips: list[str], jobs: int, size: str = SIZE) -> dict[str, list[Row]]:
    """Measure ``clips``; print and return the rows."""
    print(f"encoder table: {size}, reference lossless (crf 0); time = the encoder alone, "
          f"pictures in memory; SSIM and PSNR over every frame")
    results: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            refs = dict(zip(clips, pool.map(
                lambda n: render_reference(n, CLIPS[n], work / "ref", work / f"cache-{n}", size),
                clips)))
        for name in clips:
            print(f"{name} ({refs[name].stat().st_size / 1e6:.1f} MB lossless):")
            print(HEADER)
            rows = measure_clip(name, refs[name], work)
            results[name] = rows
    print()
    fastest = _fastest(results)
    for name, rows in results.items():
        base = rows[0]
        default = next(r for r in rows if r.label == "default")
        print(f"{name}: default {default.cpu / base.cpu:.2f}x the CPU time of medium crf 23, "
              f"size {default.size / base.size:.2f}x, SSIM {default.ssim:.5f} "
              f"(medium crf 23: {base.ssim:.5f}), PSNR {default.psnr:.2f} dB ({base.psnr:.2f})")
    if fastest:
        print(f"fastest setting no worse than medium crf 23 on every clip: {fastest}")
    return results


def _fastest(results: dict[str, list[Row]]) -> str | None:
    """The label of the fastest candidate (total CPU) that is ok on every clip."""
    labels = [label for label, _ in CANDIDATES[1:]]
    good = [lab for lab in labels
            if all(ok(next(r for r in rows if r.label == lab), rows[0])
                   for rows in results.values())]
    if not good:
        return None
    return min(good, key=lambda lab: sum(next(r for r in rows if r.label == lab).cpu
                                          for rows in results.values()))


if __name__ == "__main__":
    main()
