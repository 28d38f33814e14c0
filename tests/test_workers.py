"""Forked workers never outlive their parent: errors, interrupts and kills stop them all."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convmanim import workers
from convmanim.workers import WorkerError, run_forked

from .conftest import TINY

pytestmark = pytest.mark.skipif(not workers.can_fork() or not Path("/proc/self/stat").exists(),
                                reason="needs fork and /proc")

CONVMANIM = Path(sys.executable).with_name("convmanim")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and _alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    """The ``pids`` still running after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


# -------------------------------------------------------------- run_forked
def _slower_first(index: int) -> tuple[int, int]:
    time.sleep(0.3 if index == 0 else 0.0)
    return index, os.getpid()


def test_results_come_in_order_each_from_its_own_process():
    results = list(run_forked(_slower_first, 4, jobs=2))
    assert [index for index, _ in results] == [0, 1, 2, 3]
    pids = {pid for _, pid in results}
    assert len(pids) == 4 and os.getpid() not in pids
    assert _wait_gone(list(pids), 1.0) == []


def _fail_or_wait(index: int) -> None:
    if index == 1:
        time.sleep(0.2)
        raise ValueError("part 1 is wrong")
    Path(os.environ["PIDS"], str(index)).write_text(str(os.getpid()))
    time.sleep(60)


def test_a_workers_error_is_raised_here_and_stops_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("PIDS", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(ValueError, match="part 1 is wrong") as info:
        list(run_forked(_fail_or_wait, 3, jobs=3))
    assert time.monotonic() - start < workers.STOP_GRACE  # stopped, not waited for
    assert "ValueError" in str(info.value.__cause__)  # the worker's traceback
    pids = [int(p.read_text()) for p in tmp_path.iterdir()]
    assert len(pids) == 2 and _wait_gone(pids, 0.5) == []


def _killed(index: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_is_an_error_naming_its_task():
    with pytest.raises(WorkerError, match="killed by SIGKILL") as info:
        list(run_forked(_killed, 1, jobs=1))
    assert info.value.index == 0


def test_leaving_the_loop_early_stops_the_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("PIDS", str(tmp_path))
    tasks = run_forked(_fail_or_wait, 3, jobs=3)
    with pytest.raises(ValueError):
        next(tasks)
    tasks.close()
    assert [p for p in _wait_gone([int(p.read_text()) for p in tmp_path.iterdir()], 0.5)] == []


class _Finalized:
    """Garbage in a cycle whose finalizer notes the process that ran it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cycle = self

    def __del__(self) -> None:
        (self.folder / f"del-{os.getpid()}").write_text("")


def _collect(index: int) -> int:
    gc.collect()
    return os.getpid()


def test_a_worker_never_finalizes_the_callers_garbage(tmp_path):
    # A PyAV encoder left in a cycle by an earlier render joins libx264's threads
    # when finalized; in a forked worker (which has none of them) that hung for ever.
    gc.disable()
    try:
        _Finalized(tmp_path)  # garbage, not yet collected
        pids = list(run_forked(_collect, 2, jobs=2))
    finally:
        gc.enable()
    gc.collect()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"del-{os.getpid()}"]
    assert os.getpid() not in pids


ORPHANS = """
import os, sys, time
from pathlib import Path
from convmanim.workers import run_forked
out = Path(sys.argv[1])
def task(index):
    (out / f"pid-{index}").write_text(str(os.getpid()))
    try:
        time.sleep(60)
    finally:
        (out / f"cleaned-{index}").write_text("")
def orphaned():
    (out / f"orphaned-{os.getpid()}").write_text("")
print("started", flush=True)
list(run_forked(task, 2, jobs=2, orphaned=orphaned))
"""


def test_workers_stop_and_clean_up_soon_after_their_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", ORPHANS, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(tmp_path.glob("pid-*"))) < 2:
            time.sleep(0.05)
        pids = [int(p.read_text()) for p in tmp_path.glob("pid-*")]
        assert len(pids) == 2
        parent.kill()
        parent.wait()
        assert _wait_gone(pids, 3.0) == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    # each worker stopped as if interrupted (its own cleanup ran), then did the parent's
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pid-"))
    assert names == sorted(["cleaned-0", "cleaned-1", *(f"orphaned-{p}" for p in pids)])


# ------------------------------------------------------- a killed lecture
LECTURE = """\
[lecture]
title = "Long"
step_time = 20.0
title_time = 1.0

[[part]]
title = "One"
input_size = 8

[[part]]
title = "Two"
input_size = 8
"""


@pytest.mark.render
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_lecture_leaves_no_worker_and_no_file(tmp_path, signum):
    (tmp_path / "long.toml").write_text(LECTURE, encoding="utf-8")
    out = tmp_path / "media"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVMANIM_")}
    env["CONVMANIM_CACHE"] = os.environ["CONVMANIM_CACHE"]
    proc = subprocess.Popen(
        [str(CONVMANIM), "lecture", str(tmp_path / "long.toml"), "-q", TINY, "--jobs", "2",
         "--no-tex", "--no-progress", "--output-dir", str(out)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        started: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None and len(started) < 2:
            # both workers are writing their part
            started = [p for p in out.glob(".long.mp4.part-*/.part-*") if p.stat().st_size]
            time.sleep(0.05)
        assert len(started) == 2, "the parts never started"
        pids = _children(proc.pid)
        assert len(pids) == 2
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        assert _wait_gone(pids, 3.0) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if signum == signal.SIGTERM:
        assert proc.returncode == 130
        assert stderr.strip().splitlines()[-1] == "convmanim: interrupted"
        assert "Traceback" not in stderr
    else:
        assert proc.returncode == -signal.SIGKILL
    assert list(out.iterdir()) == []  # the staging folder is gone too
