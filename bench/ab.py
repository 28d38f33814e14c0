"""Compare two source trees of convmanim render by render, interleaved.

A before/after comparison run as two separate ``bench/run.py`` passes measures
the machine as much as the code: on a shared machine the load moves between
the passes, and one pass runs warmer than the other. This script renders the
benchmark set's like-for-like GIFs from two checkouts, each through the
``convmanim`` command of its own ``.venv`` (as ``make setup`` makes it), with
the same warm label cache, alternating A, B, A, B ... so that both see the
same machine, and prints for each render the median wall time and the median
CPU time (user + system of the render's process and its children, which moves
far less with load than wall time does).

Each checkout runs through its installed command, as a user runs it, not
through ``python -m convmanim``: CPython 3.11 keeps its frames in 16 KiB
chunks that it maps and unmaps as the call stack crosses a chunk's end, so two
or three frames more or less at the entry can move a render's hot loop onto
such an end and add thousands of ``mmap``/``munmap`` calls (0.05-0.1 s of
system time per render here), whatever the code below the entry does.

Usage::

    python bench/ab.py /path/to/old-checkout /path/to/new-checkout --rounds 7

The two checkouts are typically two git worktrees, each set up with ``make setup``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SEED_EIGHT, SET, WAYS


def render(tree: Path, line: str, out: Path, cache: Path) -> tuple[float, float]:
    """Render one set member with ``tree``'s command in a fresh process; return (wall, cpu)."""
    args = shlex.split(line)
    if "-qa" in args:
        k = args.index("-qa")
        del args[k:k + 2]
    cmd = [str(tree / ".venv" / "bin" / "convmanim"), *args, *WAYS["like"], "--no-progress",
           "--output-dir", str(out)]
    env = {**os.environ, "CONVMANIM_CACHE": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"ab: {line!r} from {tree} failed:\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Parse the arguments, render interleaved, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the 'before' checkout (with its .venv)")
    parser.add_argument("b", type=Path, help="the 'after' checkout (with its .venv)")
    parser.add_argument("--rounds", type=int, default=5, help="renders of each member per tree")
    parser.add_argument("--only", nargs="*", default=None, help="set members (default: all)")
    opts = parser.parse_args()
    trees = [opts.a.resolve(), opts.b.resolve()]
    for tree in trees:
        if not (tree / ".venv" / "bin" / "convmanim").is_file():
            sys.exit(f"ab: {tree} has no .venv/bin/convmanim (run make setup there)")
    names = opts.only or [name for name, _ in SET]
    lines = dict(SET)
    print(f"convmanim A/B, {time.strftime('%Y-%m-%d %H:%M')}, {platform.platform()}, "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"A = {trees[0]}\nB = {trees[1]}\n{opts.rounds} rounds, interleaved, warm cache")
    heads = ("A wall", "B wall", "A cpu", "B cpu")
    print(f"{'render':22s} " + " ".join(f"{h:>7s}" for h in heads) + f" {'B/A cpu':>8s}")
    totals = {0: [0.0, 0.0], 1: [0.0, 0.0]}
    with tempfile.TemporaryDirectory(prefix="convmanim-ab-") as tmp:
        cache = Path(tmp) / "cache"
        for name in names:
            walls: dict[int, list[float]] = {0: [], 1: []}
            cpus: dict[int, list[float]] = {0: [], 1: []}
            for which in (0, 1):  # fill the cache for both trees, untimed
                render(trees[which], lines[name], Path(tmp) / f"out{which}", cache)
            for _ in range(opts.rounds):
                for which in (0, 1):
                    wall, cpu = render(trees[which], lines[name], Path(tmp) / f"out{which}", cache)
                    walls[which].append(wall)
                    cpus[which].append(cpu)
            med = {w: (statistics.median(walls[w]), statistics.median(cpus[w])) for w in (0, 1)}
            if name in SEED_EIGHT:
                for w in (0, 1):
                    totals[w][0] += med[w][0]
                    totals[w][1] += med[w][1]
            print(f"{name:22s} {med[0][0]:7.2f} {med[1][0]:7.2f} {med[0][1]:7.2f} {med[1][1]:7.2f} "
                  f"{med[1][1] / med[0][1]:8.3f}", flush=True)
    if all(n in names for n in SEED_EIGHT):
        (wall_a, cpu_a), (wall_b, cpu_b) = totals[0], totals[1]
        print(f"the eight seed GIFs (sum of medians): wall A {wall_a:.2f} s, B {wall_b:.2f} s;"
              f" cpu A {cpu_a:.2f} s, B {cpu_b:.2f} s ({cpu_b / cpu_a:.3f}x)")


if __name__ == "__main__":
    main()
