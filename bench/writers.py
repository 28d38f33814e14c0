"""convmanim's own file writers against imageio's, on the same frames.

imageio is the file library this project names. This measures whether writing
through it would keep the speed: one animation (the numerical conv, 854x480)
is rendered once, then its frames are written as a GIF and as an MP4 by
convmanim's encoders (``convmanim.render``) and by imageio's v3 plugins
(``pillow`` for the GIF, ``pyav`` for the MP4). Each write runs in a fresh
process: the table gives the seconds spent writing (decoding the frames is
not counted), the process's peak memory, and the file's size.

Usage::

    python bench/writers.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE, FPS = "854x480", 20
SOURCE = ["numerical", "-i", "5", "-p", "1", "-k", "3", "-s", "2", "-a", "--format", "mp4",
          "-qa", f"{SIZE}@{FPS}", "--no-progress"]


def _frames(source: Path):  # a generator of RGBA arrays
    import av

    with av.open(str(source)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield frame.to_ndarray(format="rgba")


def write(fmt: str, who: str, source: Path, out: Path) -> float:
    """Write ``source``'s frames to ``out`` with ``who``'s writer; return the seconds spent."""
    spent = 0.0
    if who == "convmanim":
        from convmanim.render import _GifEncoder, _VideoEncoder

        width, height = (int(n) for n in SIZE.split("x"))
        encoder = _GifEncoder(out, FPS) if fmt == "gif" else \
            _VideoEncoder(out, "mp4", width, height, FPS)
        for frame in _frames(source):
            start = time.perf_counter()
            encoder.write(frame, 1)
            spent += time.perf_counter() - start
        start = time.perf_counter()
        encoder.close()
        os.replace(encoder.tmp, out)
        return spent + time.perf_counter() - start
    import imageio.v3 as iio

    if fmt == "gif":
        start = time.perf_counter()
        with iio.imopen(out, "w", plugin="pillow") as gif:
            spent += time.perf_counter() - start
            for frame in _frames(source):
                start = time.perf_counter()
                gif.write(frame[..., :3], is_batch=False, duration=1000 // FPS, loop=0)
                spent += time.perf_counter() - start
            start = time.perf_counter()
        return spent + time.perf_counter() - start
    start = time.perf_counter()
    with iio.imopen(out, "w", plugin="pyav") as video:
        video.init_video_stream("libx264", fps=FPS, pixel_format="yuv420p")
        spent += time.perf_counter() - start
        for frame in _frames(source):
            start = time.perf_counter()
            video.write_frame(frame[..., :3])
            spent += time.perf_counter() - start
        start = time.perf_counter()
    return spent + time.perf_counter() - start


def main() -> None:
    """Render the source once, then time every writer in a fresh process; print the table."""
    if len(sys.argv) == 6 and sys.argv[1] == "--write":
        seconds = write(sys.argv[2], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
        print(f"bench-write-s={seconds}")
        return
    print(f"file writers on the same frames: numerical conv, {SIZE}@{FPS}")
    print(f"{'format':6} {'writer':10} {'write s':>8} {'peak RSS MB':>11} {'file MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, "-m", "convmanim", *SOURCE, "--output-dir", tmp, "src"],
                       cwd=ROOT, check=True, capture_output=True)
        source = folder / "src.mp4"
        timer = ["/usr/bin/time", "-f", "bench-maxrss-kb=%M"] if Path("/usr/bin/time").exists() \
            else []
        for fmt in ("gif", "mp4"):
            for who in ("convmanim", "imageio"):
                out = folder / f"{who}.{fmt}"
                done = subprocess.run(
                    [*timer, sys.executable, __file__, "--write", fmt, who, str(source), str(out)],
                    cwd=ROOT, check=True, capture_output=True, text=True,
                )
                text = done.stdout + done.stderr
                seconds = float(re.findall(r"bench-write-s=([0-9.e+-]+)", text)[-1])
                rss = re.findall(r"bench-maxrss-kb=(\d+)", text)
                rss_mb = int(rss[-1]) / 1024 if rss else float("nan")
                print(f"{fmt:6} {who:10} {seconds:8.2f} {rss_mb:11.0f} "
                      f"{out.stat().st_size / 1e6:8.2f}", flush=True)


if __name__ == "__main__":
    main()
