"""Render the benchmark set and print a table: wall time, frames, peak RSS, encoding floor.

The set is the original tool's eight README animations plus the alphabet
i=8, k=3 case and a numerical, an alphabet and an arithmetic case with
channels (3→2; the numerical one with a bias, the arithmetic one as stacks of
planes). Each is rendered two ways, through the project's own CLI in a fresh
process (so start-up is counted, as it was for the original tool):

* like-for-like: a GIF with one frame per step (``--stepwise``), 1440 pixels
  wide (the original's pictures are at most 1400 wide);
* smooth: a 1080p60 MP4.

For every render the table gives the wall time, the frames in the file, the
peak resident memory of the process, and the *encoding floor*: the time PyAV
(MP4) or Pillow (GIF) alone takes to encode the very frames of that file at
the same size and settings, measured in the same run by decoding the file and
timing only the encoder. The whole set runs twice: cold (an empty label
cache, so every LaTeX label is typeset) and warm (the cache filled by the
cold run).

Usage::

    python bench/run.py                 # everything (about 3 minutes on 2 cores)
    python bench/run.py --only alphabet_i8 --ways smooth
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import imageio.v3 as iio
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "convmanim"]

# The original README's animation command lines (with -m max for the max
# pooling example, which the original silently drew as a convolution).
SET: list[tuple[str, str]] = [
    ("arithmetic_conv", "arithmetic -i 5 -p 1 -k 3 -s 2 arithmetic_conv -a"),
    ("arithmetic_transposed", "arithmetic -i 5 -p 1 -k 3 -s 2 -t arithmetic_transposed_conv -a"),
    ("numerical_conv", "numerical -i 5 -p 1 -k 3 -s 2 numerical_conv -a"),
    ("numerical_max", "numerical -i 6 -k 2 -s 2 -m max numerical_max -a"),
    ("alphabet_conv", "alphabet -i 5 -k 3 alphabet_conv -a -qa 150"),
    ("alphabet_transposed", "alphabet -i 5 -k 3 alphabet_transposed_conv -t -a -qa 150"),
    ("alphabet_conv_s2", "alphabet -i 5 -k 3 -s 2 -p 1 alphabet_conv_s2 -a -qa 150"),
    ("alphabet_transposed_s2",
     "alphabet -i 5 -k 3 -s 2 -p 1 alphabet_transposed_conv_s2 -t -a -qa 150"),
    ("alphabet_i8", "alphabet -i 8 -k 3 alphabet_i8 -a -qa 150"),
    # channels: a 3→2 conv with a bias, one step per output value (18 steps)
    ("numerical_channels",
     "numerical -i 5 -p 1 -k 3 -s 2 --in-channels 3 --out-channels 2 numerical_channels -a"),
    # channels: an RGB-style 3→2 conv, C a 2×3 grid of blocks (18 steps)
    ("alphabet_channels",
     "alphabet -i 5 -k 3 -s 2 -p 1 --in-channels 3 --out-channels 2 alphabet_channels -a"),
    # channels in the slanted view: stacks of planes, 3→2 (9 steps)
    ("arithmetic_channels",
     "arithmetic -i 5 -p 1 -k 3 -s 2 --in-channels 3 --out-channels 2 arithmetic_channels -a"),
]
SEED_EIGHT = [name for name, _ in SET[:8]]

WAYS = {
    # one frame per step, as the original's GIFs
    "like": ["-qa", "1440x810@1", "--stepwise", "--step-time", "1", "--format", "gif"],
    # 1080p60 H.264
    "smooth": ["-qa", "1920x1080@60", "--format", "mp4"],
}

# The original tool on this kind of machine (2 cores), from the issue.
SEED_SECONDS = {
    "arithmetic_conv": 5.1, "arithmetic_transposed": 14.8, "numerical_conv": 5.4,
    "numerical_max": 4.6, "alphabet_conv": 8.5, "alphabet_transposed": 26.7,
    "alphabet_conv_s2": 9.8, "alphabet_transposed_s2": 26.9, "alphabet_i8": 437.0,
}


@dataclass
class Result:
    """One render's measurements."""

    name: str
    way: str
    cache: str
    wall: float
    frames: int
    rss_mb: float
    floor: float
    size: tuple[int, int]
    path: Path


def _args(line: str, way: str) -> list[str]:
    args = shlex.split(line)
    # the way's quality replaces the line's -qa
    if "-qa" in args:
        k = args.index("-qa")
        del args[k:k + 2]
    return args + WAYS[way] + ["--no-progress"]


def run_one(name: str, line: str, way: str, out: Path, cache: Path, label: str) -> Result:
    """Render one set member in a fresh process; return its measurements."""
    env = {**os.environ, "CONVMANIM_CACHE": str(cache)}
    cmd = [*CLI, *_args(line, way), "--output-dir", str(out)]
    # GNU time reports the render's own peak RSS; a child forked straight from
    # this process would inherit this process's (larger) high-water mark
    timer = ["/usr/bin/time", "-f", "bench-maxrss-kb=%M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run([*timer, *cmd], cwd=ROOT, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    stderr = proc.stderr.decode()
    if proc.returncode != 0:
        sys.exit(f"bench: {name} ({way}) failed:\n{stderr}")
    found = re.findall(r"bench-maxrss-kb=(\d+)", stderr)
    rss_mb = int(found[-1]) / 1024 if found else float("nan")
    path = Path(proc.stdout.decode().strip().splitlines()[-1])
    frames, size, floor = encoding_floor(path)
    return Result(name, way, label, wall, frames, rss_mb, floor, size, path)


def encoding_floor(path: Path) -> tuple[int, tuple[int, int], float]:
    """Frames and size of ``path``, and the seconds its encoder alone needs for them."""
    if path.suffix == ".gif":
        frames = iio.imread(path, index=None, plugin="pillow")
        meta = [iio.immeta(path, index=i, plugin="pillow").get("duration", 100)
                for i in range(len(frames))]
        rgb = np.ascontiguousarray(frames[..., :3])
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            with iio.imopen(Path(tmp) / "f.gif", "w", plugin="pillow") as w:
                for k, frame in enumerate(rgb):
                    w.write(frame, is_batch=False, bits=8, duration=meta[:k + 1], loop=0)
            floor = time.perf_counter() - start
        return len(rgb), (rgb.shape[2], rgb.shape[1]), floor
    return _mp4_floor(path)


def _mp4_floor(path: Path) -> tuple[int, tuple[int, int], float]:
    import av

    floor = 0.0
    frames = 0
    with av.open(str(path)) as src, tempfile.TemporaryDirectory() as tmp:
        stream = src.streams.video[0]
        width, height = stream.width, stream.height
        rate = stream.average_rate
        dst = av.open(str(Path(tmp) / "f.mp4"), mode="w")
        out = dst.add_stream("libx264", rate=rate, options={"crf": "23"})
        out.width, out.height, out.pix_fmt = width, height, "yuv420p"
        for frame in src.decode(stream):
            rgba = frame.to_ndarray(format="rgba")  # what the renderer hands over
            start = time.perf_counter()
            vf = av.VideoFrame.from_ndarray(rgba, format="rgba")
            for packet in out.encode(vf):
                dst.mux(packet)
            floor += time.perf_counter() - start
            frames += 1
        start = time.perf_counter()
        for packet in out.encode():
            dst.mux(packet)
        dst.close()
        floor += time.perf_counter() - start
    return frames, (width, height), floor


def main() -> None:
    """Parse the options, render the set cold then warm, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="set members to run")
    parser.add_argument("--ways", nargs="*", default=list(WAYS), choices=list(WAYS))
    parser.add_argument("--caches", nargs="*", default=["cold", "warm"],
                        choices=["cold", "warm"])
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the rendered files in this directory")
    opts = parser.parse_args()
    members = [(n, line) for n, line in SET if opts.only is None or n in opts.only]

    print(f"convmanim bench, {time.strftime('%Y-%m-%d')}, {platform.platform()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = opts.keep or Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        for way in opts.ways:
            for label in opts.caches:
                for name, line in members:
                    # cold: an empty label cache; warm: the one the cold render filled
                    cache = Path(tmp) / f"cache-{way}-{name}"
                    if label == "warm" and not cache.exists():
                        run_one(name, line, way, out, cache, "fill")
                    r = run_one(name, line, way, out, cache, label)
                    results.append(r)
                    print(_row(r), flush=True)
        print()
        _summary(results)


HEADER = (f"{'render':24} {'way':6} {'cache':5} {'wall s':>7} {'frames':>6} {'size':>10} "
          f"{'RSS MB':>7} {'floor s':>7} {'wall/floor':>10} {'seed s':>7}")


def _row(r: Result) -> str:
    if not hasattr(_row, "printed"):
        print(HEADER)
        _row.printed = True  # type: ignore[attr-defined]
    ratio = r.wall / r.floor if r.floor > 0 else float("inf")
    seed = f"{SEED_SECONDS[r.name]:7.1f}" if r.way == "like" and r.name in SEED_SECONDS \
        else f"{'':7}"
    return (f"{r.name:24} {r.way:6} {r.cache:5} {r.wall:7.2f} {r.frames:6d} "
            f"{r.size[0]:>4}x{r.size[1]:<5} {r.rss_mb:7.0f} {r.floor:7.2f} {ratio:10.2f} {seed}")


def _summary(results: list[Result]) -> None:
    def pick(way: str, cache: str) -> dict[str, Result]:
        return {r.name: r for r in results if r.way == way and r.cache == cache}

    for cache in ("cold", "warm"):
        like = pick("like", cache)
        if all(n in like for n in SEED_EIGHT):
            total = sum(like[n].wall for n in SEED_EIGHT)
            print(f"like-for-like, {cache}: the eight seed animations take {total:.1f} s "
                  f"(original: {sum(SEED_SECONDS[n] for n in SEED_EIGHT):.0f} s)")
        if "alphabet_i8" in like:
            wall = like["alphabet_i8"].wall
            print(f"like-for-like, {cache}: alphabet i=8 GIF takes {wall:.1f} s (original: 437 s)")
        smooth = pick("smooth", cache)
        if smooth:
            worst = max(smooth.values(), key=lambda r: r.wall / r.floor)
            print(f"smooth, {cache}: worst wall/floor {worst.wall / worst.floor:.2f} "
                  f"({worst.name})")
            if "alphabet_i8" in smooth:
                print(f"smooth, {cache}: alphabet i=8 1080p60 peak RSS "
                      f"{smooth['alphabet_i8'].rss_mb:.0f} MB")
    for way in WAYS:
        cold, warm = pick(way, "cold"), pick(way, "warm")
        common = [n for n in cold if n in warm]
        if common:
            worst = max(common, key=lambda n: cold[n].wall / warm[n].wall)
            print(f"{way}: worst cold/warm {cold[worst].wall / warm[worst].wall:.2f} ({worst})")


if __name__ == "__main__":
    main()
