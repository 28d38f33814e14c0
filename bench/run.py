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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import imageio.v3 as iio
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
# The installed command, as a user runs it. ``python -m convmanim`` puts two
# more frames under the render, and on CPython 3.11 that alone can move the
# render's hot loop onto the end of one of its 16 KiB frame chunks and cost
# thousands of mmap/munmap calls (see bench/ab.py).
_COMMAND = Path(sys.executable).with_name("convmanim")
CLI = [str(_COMMAND)] if _COMMAND.is_file() else [sys.executable, "-m", "convmanim"]

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
    # a receptive field traced down WaveNet's four causal layers (5 steps)
    ("stack_wavenet",
     'stack "k2 causal; k2 d2 causal; k2 d4 causal; k2 d8 causal" -i 16 stack_wavenet -a'),
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


def run_one(name: str, line: str, way: str, out: Path, cache: Path, label: str,
            floor: bool = True) -> Result:
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
    if not floor:
        return Result(name, way, label, wall, 0, rss_mb, 0.0, (0, 0), path)
    frames, size, seconds = encoding_floor(path)
    return Result(name, way, label, wall, frames, rss_mb, seconds, size, path)


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
    """libx264 at its defaults (medium, crf 23), one stream, on every frame of ``path``.

    The frames are those of the video's constant frame grid (a picture held
    for n frames is n frames, as every MP4 stored it before held pictures were
    stored once); each picture is converted to YUV once, as the renderer does.
    """
    import av

    from convmanim.video import Encoding, read_frames

    floor = 0.0
    frames = 0
    options = Encoding.libx264_defaults().options(60)
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        width, height = stream.width, stream.height
        rate = stream.codec_context.framerate or stream.average_rate
    with tempfile.TemporaryDirectory() as tmp:
        dst = av.open(str(Path(tmp) / "f.mp4"), mode="w")
        out = dst.add_stream("libx264", rate=rate, options=options)
        out.width, out.height, out.pix_fmt = width, height, "yuv420p"
        for rgb, count in read_frames(path):
            rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
            start = time.perf_counter()
            vf = av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format="yuv420p")
            for _ in range(count):
                vf.pts = None
                for packet in out.encode(vf):
                    dst.mux(packet)
            floor += time.perf_counter() - start
            frames += count
        start = time.perf_counter()
        for packet in out.encode():
            dst.mux(packet)
        dst.close()
        floor += time.perf_counter() - start
    return frames, (width, height), floor


def main() -> None:
    """Parse the options, run the encoder table, the set cold then warm, the lecture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="set members to run")
    parser.add_argument("--ways", nargs="*", default=list(WAYS), choices=list(WAYS))
    parser.add_argument("--caches", nargs="*", default=["cold", "warm"],
                        choices=["cold", "warm"])
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the rendered files in this directory")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="untimed renders (cache fills, references) run this many at once; "
                             "every timed render runs alone")
    parser.add_argument("--no-encoders", action="store_true", help="skip the encoder table")
    parser.add_argument("--no-lecture", action="store_true", help="skip the lecture rows")
    opts = parser.parse_args()
    members = [(n, line) for n, line in SET if opts.only is None or n in opts.only]

    print(f"convmanim bench, {time.strftime('%Y-%m-%d %H:%M')}, {platform.platform()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not opts.no_encoders:
        import encoders

        encoders.run(["arithmetic_transposed", "numerical_conv"], opts.jobs)
        print()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = opts.keep or Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        for way in opts.ways:
            if "warm" in opts.caches:  # fill the warm caches, several at once (untimed)
                fills = [(n, line) for n, line in members
                         if not (Path(tmp) / f"cache-{way}-{n}").exists()]
                with ThreadPoolExecutor(max(1, opts.jobs)) as pool:
                    list(pool.map(lambda m, w=way: run_one(m[0], m[1], w, Path(tmp) / "fill",
                                                           Path(tmp) / f"cache-{w}-{m[0]}",
                                                           "fill", floor=False), fills))
            for label in opts.caches:
                for name, line in members:
                    # cold: an empty label cache; warm: the one filled above
                    cache = Path(tmp) / f"cache-{way}-{name}"
                    if label == "cold":
                        cache = Path(tmp) / f"cold-{way}-{name}"
                    r = run_one(name, line, way, out, cache, label)
                    results.append(r)
                    print(_row(r), flush=True)
        print()
        _summary(results)
        if not opts.no_lecture:
            print()
            lecture_rows(Path(tmp) / "lecture")


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
        if "arithmetic_transposed" in smooth:
            r = smooth["arithmetic_transposed"]
            print(f"smooth, {cache}: the seed's transposed example, 1080p60 ({r.frames} frames): "
                  f"{r.wall:.2f} s against a floor of {r.floor:.2f} s (libx264 medium crf 23, "
                  f"one stream, the same frames): {r.wall / r.floor:.2f}x (target <= 0.5)")
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




# ------------------------------------------------------------------ lectures
LECTURE = ROOT / "examples" / "lecture.toml"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and every process below it, in kB (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = re.search(r"VmRSS:\s+(\d+)", status)
        rss[int(entry.name)] = int(found[1]) if found else 0
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, parent in parents.items() if parent == p and c not in tree]
    return sum(rss.get(p, 0) for p in tree)


def render_lecture_timed(jobs: int, out: Path, quality: str) -> tuple[float, float, Path]:
    """Render the example lecture with ``--jobs``; wall seconds, peak MB of all its processes."""
    cmd = [*CLI, "lecture", str(LECTURE), f"jobs{jobs}", "-q", quality, "--jobs", str(jobs),
           "--no-progress", "--output-dir", str(out)]
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"bench: lecture --jobs {jobs} failed:\n{stderr.decode()}")
    return wall, peak[0] / 1024, Path(stdout.decode().split()[-2])


def lecture_rows(out: Path, quality: str = "h") -> None:
    """The example lecture with --jobs 1 and 2 (and 1 again), same run, same frames."""
    from convmanim.video import read_frames

    print(f"lecture: {LECTURE.name} at -q {quality}, warm label cache; peak memory of every "
          "process of the render together")
    subprocess.run([*CLI, "lecture", str(LECTURE), "fill", "-q", "l", "--no-progress",
                    "--output-dir", str(out)], cwd=ROOT, check=True, capture_output=True)
    runs = []
    for jobs in (1, 2, 1, 2):
        wall, peak, path = render_lecture_timed(jobs, out / f"run{len(runs)}", quality)
        runs.append((jobs, wall, peak, path))
        print(f"  --jobs {jobs}: {wall:6.2f} s, peak {peak:5.0f} MB", flush=True)
    one = [r for r in runs if r[0] == 1]
    two = [r for r in runs if r[0] == 2]
    frames_1 = list(read_frames(one[0][3]))
    frames_2 = list(read_frames(two[0][3]))
    timing = [m for _, m in frames_1] == [n for _, n in frames_2]
    worst = max(int(np.abs(a.astype(int) - b.astype(int)).max())
                for (a, _), (b, _) in zip(frames_1, frames_2))
    best_1, best_2 = min(r[1] for r in one), min(r[1] for r in two)
    print(f"lecture: --jobs 2 takes {best_2 / best_1:.2f}x the wall time of --jobs 1 (best of "
          f"two each; target <= 0.8); {sum(n for _, n in frames_1)} frames, the same timing: "
          f"{'yes' if timing else 'NO'}, largest pixel difference {worst} (libx264's own "
          f"run-to-run noise; 0 with --crf 0); peak memory {max(r[2] for r in one):.0f} MB "
          f"with 1 job, {max(r[2] for r in two):.0f} MB with 2")


if __name__ == "__main__":
    main()
