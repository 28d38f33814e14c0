"""Hostile cases, one class of failure at a time: planted symlinks, renders that share a
folder, files that never end, a cache that heals, signals, all-or-nothing output and exit
codes. Each test names the promise it checks (README, "Errors and limits")."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio.v3 as iio
import pytest
from click.testing import CliRunner

from convmanim import ConvSpec, files
from convmanim.cli import main

from .conftest import TINY, read_video

VENV_BIN = Path(sys.executable).parent
CONVMANIM = VENV_BIN / "convmanim"
E = "convmanim: error: "
IS_ROOT = os.geteuid() == 0
HAS_UNSHARE = shutil.which("unshare") is not None
needs_namespaces = pytest.mark.skipif(
    not (IS_ROOT and HAS_UNSHARE and sys.platform.startswith("linux")),
    reason="needs root and unshare (Linux namespaces)",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVMANIM_")}
    env["CONVMANIM_CACHE"] = os.environ["CONVMANIM_CACHE"]
    env.update(extra)
    return env


def _run(args: list[str], *, cwd: Path | None = None, timeout: float = 120,
         **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONVMANIM), *args], env=_env(), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def _one_error_line(stderr: str) -> str:
    """The single line of an error; fails on a traceback or an exception's class name."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(E), stderr
    assert "Error:" not in lines[0] and "Traceback" not in lines[0], stderr
    return lines[0]


def _everything(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("CONVMANIM_OUTPUT_DIR", "CONVMANIM_NO_TEX", "CONVMANIM_QUALITY",
                "CONVMANIM_QUALITY_ANIMATION"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def invoke(args: list[str]):
    return CliRunner().invoke(main, args, prog_name="convmanim")


# ------------------------------------------------- planted symlinks (promise: temp names)
PLANTED = "planted0"


@pytest.fixture
def predictable_names(monkeypatch):
    """Every temporary name is first tried as PLANTED: the attacker's guess is always right."""

    def names():
        yield PLANTED
        yield from tempfile._RandomNameSequence()

    monkeypatch.setattr(tempfile, "_get_candidate_names", names)


def _plant(folder: Path, names: list[str], victim: Path) -> list[Path]:
    planted = []
    for name in names:
        link = folder / name
        link.symlink_to(victim)
        planted.append(link)
    return planted


@pytest.mark.parametrize("formats", [["png"], ["svg"], ["pdf"], ["mp4", "gif", "webm"]])
def test_a_symlink_planted_at_every_temporary_name_is_never_followed(
        workdir, predictable_names, formats):
    victim = workdir / "victim.txt"
    victim.write_text("precious\n")
    out = workdir / "media"
    out.mkdir()
    names = [f".x.{fmt}.part-{PLANTED}" for fmt in formats]
    names += [f".convmanim-write-test-{PLANTED}", f".x.{formats[0]}.part-{os.getpid()}",
              f".convmanim-write-test-{os.getpid()}"]
    planted = _plant(out, names, victim)
    (out / f"x.{formats[0]}").symlink_to(victim)  # and one at a final path
    args = ["arithmetic", "-i", "3", "-k", "2", "--no-tex", "x"]
    if formats[0] in ("png", "svg", "pdf"):
        args += ["-q", "160x90", "-y", formats[0]]
    else:
        args += ["-qa", TINY] + [a for f in formats for a in ("--format", f)]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    for link in planted:
        assert link.is_symlink() and os.readlink(link) == str(victim)
    for fmt in formats:
        final = out / f"x.{fmt}"
        assert final.is_file() and not final.is_symlink()
        assert final.stat().st_size > 100
        assert final.stat().st_mode & 0o777 == 0o666 & ~_umask()
    leftovers = {p.name for p in out.iterdir()} - {p.name for p in planted}
    assert leftovers == {f"x.{fmt}" for fmt in formats}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_temporary_file_swapped_for_a_symlink_is_not_renamed_into_place(workdir):
    victim = workdir / "victim.txt"
    victim.write_text("precious\n")
    handle, tmp = files.new_temp(workdir / "x.mp4")
    handle.write(b"video")
    handle.close()
    tmp.unlink()
    tmp.symlink_to(victim)  # someone who can write the folder swaps it
    with pytest.raises(files.FileError, match="temporary file was replaced"):
        files.commit([(tmp, workdir / "x.mp4")])
    assert not (workdir / "x.mp4").exists()
    assert victim.read_text() == "precious\n"


# ---------------------------------------- two PID namespaces (promise: no shared temp name)
@needs_namespaces
def test_renders_from_two_pid_namespaces_into_one_folder(tmp_path):
    """Both renders are PID 1 in their namespace, write the same NAME, and both succeed."""
    out = tmp_path / "media"
    out.mkdir()
    sizes = {"4": 2 * 2, "5": 3 * 3}  # -i 4 or 5 with k 3: 4 or 9 steps
    procs = [
        subprocess.Popen(
            ["unshare", "--pid", "--fork", "--", str(CONVMANIM), "arithmetic", "-i", i, "-k",
             "3", "-a", "-qa", TINY, "--step-time", "0.5", "--no-tex", "--no-progress",
             "--output-dir", str(out), "same"],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in sizes
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
    assert [p.name for p in out.iterdir()] == ["same.mp4"]
    frames = read_video(out / "same.mp4")
    # one whole video, either one: 3 frames per step and 6 of end hold
    assert frames.shape[0] in {steps * 3 + 6 for steps in sizes.values()}


# ------------------------------------------------ all or nothing (promise: every file or none)
def test_a_format_that_cannot_be_written_leaves_none_of_the_others(workdir):
    (workdir / "media" / "x.gif").mkdir(parents=True)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "-a", "-qa", TINY, "--no-tex",
                     "--format", "mp4", "--format", "gif", "--format", "webm", "x"])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr) == (
        f"{E}cannot write 'media/x.gif': a directory of that name is in the way (choose "
        "another NAME or remove it)")
    assert _everything(workdir / "media") == ["x.gif"]


def test_a_format_that_fails_at_the_end_takes_the_others_back(workdir):
    """The GIF's path becomes a directory while rendering: the MP4 and WebM are taken back,
    and the files of an earlier render are left as they were."""
    from convmanim import ArithmeticScene
    from convmanim.render import RenderError, render_animation

    out = workdir / "media"
    out.mkdir()
    (out / "x.mp4").write_bytes(b"the earlier render")

    class Blocker(ArithmeticScene):
        spec = ConvSpec(3, 2)

        def construct(self) -> None:
            super().construct()
            (out / "x.gif").mkdir()
            (out / "x.gif" / "inside").write_text("")

    with pytest.raises(RenderError, match=r"cannot write 'media/x\.gif'"):
        render_animation(Blocker, "x", formats=("mp4", "webm", "gif"), quality=TINY,
                         output_dir="media", progress=False, echo=False)
    assert (out / "x.mp4").read_bytes() == b"the earlier render"
    assert _everything(out) == ["x.gif", "x.gif/inside", "x.mp4"]


def test_commit_puts_back_what_it_replaced(tmp_path):
    old = {"a.mp4": b"old a", "b.gif": b"old b"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "c.webm").mkdir()
    (tmp_path / "c.webm" / "x").write_text("")
    pairs = []
    for name in ("a.mp4", "b.gif", "c.webm"):
        handle, tmp = files.new_temp(tmp_path / name)
        handle.write(b"new")
        handle.close()
        pairs.append((tmp, tmp_path / name))
    with pytest.raises(files.FileError, match=r"c\.webm"):
        files.commit(pairs)
    for name, data in old.items():
        assert (tmp_path / name).read_bytes() == data
    assert _everything(tmp_path) == ["a.mp4", "b.gif", "c.webm", "c.webm/x"]


# ----------------------------------------------------- exit 2 (promise: one line, exit 2)
def test_a_quality_of_unicode_digits_is_one_line(workdir):
    for quality in ("²", "٣", "٣x٣", "1²x90"):
        result = invoke(["arithmetic", "-q", quality, "x"])
        assert result.exit_code == 2, result.output
        assert _one_error_line(result.stderr).startswith(f"{E}quality must be one of")


@pytest.mark.parametrize("args", [["-q", "160x90"], ["-a", "-qa", TINY]])
def test_a_name_that_is_an_existing_directory_is_one_line(workdir, args):
    ext = "mp4" if "-a" in args else "png"
    (workdir / "media" / f"taken.{ext}").mkdir(parents=True)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "--no-tex", *args, "taken"])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr) == (
        f"{E}cannot write 'media/taken.{ext}': a directory of that name is in the way "
        "(choose another NAME or remove it)")
    assert _everything(workdir / "media") == [f"taken.{ext}"]


def test_an_output_path_too_long_is_one_line(workdir):
    deep = workdir
    for _ in range(20):  # each folder name is fine; the whole path is 5000 bytes
        deep = deep / ("d" * 250)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "--no-tex", "-q", "160x90",
                     "--output-dir", str(deep), "x"])
    assert result.exit_code == 2
    line = _one_error_line(result.stderr)
    assert "File name too long" in line and len(line) < 300


FULL_DISK = [
    (["arithmetic", "-q", "320x180"], "png"),
    (["arithmetic", "-q", "320x180", "-y", "svg"], "svg"),
    (["arithmetic", "-q", "320x180", "-y", "pdf"], "pdf"),
    (["arithmetic", "-a", "-qa", "320x180@15"], "mp4"),
    (["numerical", "-a", "-qa", "320x180@15", "--format", "gif"], "gif"),
]


@needs_namespaces
@pytest.mark.parametrize("args,ext", FULL_DISK, ids=[e for _, e in FULL_DISK])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, args, ext):
    out = tmp_path / "full"
    out.mkdir()
    command = " ".join([str(CONVMANIM), *args, "-i", "4", "-k", "3", "--no-tex",
                        "--no-progress", "--output-dir", str(out), "x"])
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"mount -t tmpfs -o size=12k tmpfs {out} && exec {command}"],
        env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert _one_error_line(done.stderr) == (f"{E}cannot write '{out}/x.{ext}': No space left "
                                            "on device")
    assert list(out.iterdir()) == []


def test_stdout_that_cannot_be_written_is_one_line_and_takes_the_file_back(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(CONVMANIM), "arithmetic", "-i", "3", "-k", "2", "--no-tex", "-q", "160x90",
             "--output-dir", str(tmp_path), "x"],
            env=_env(), stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )
    assert done.returncode == 2
    assert _one_error_line(done.stderr) == (f"{E}cannot write to standard output: No space "
                                            "left on device")
    assert list(tmp_path.iterdir()) == []  # a non-zero exit code: no file


def test_a_closed_stdout_is_one_line(tmp_path):
    proc = subprocess.Popen(
        [str(CONVMANIM), "arithmetic", "-i", "3", "-k", "2", "--no-tex", "-q", "160x90",
         "--output-dir", str(tmp_path), "x"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    proc.stdout.close()  # the reader went away, as with `| head -0`
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 2
    assert _one_error_line(stderr) == f"{E}cannot write to standard output: Broken pipe"
    assert list(tmp_path.iterdir()) == []


def test_a_stdout_closed_from_the_start_is_one_line(tmp_path):
    done = subprocess.run(
        [str(CONVMANIM), "arithmetic", "-i", "3", "-k", "2", "--no-tex", "-q", "160x90",
         "--output-dir", str(tmp_path), "x"],
        env=_env(), stderr=subprocess.PIPE, text=True, timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    assert _one_error_line(done.stderr) == f"{E}cannot write to standard output: it is closed"
    assert list(tmp_path.iterdir()) == []


def test_a_name_with_a_control_character_is_one_line(workdir):
    for name in ("a\x1b[31mb", "a\nb", "a\rb"):
        result = invoke(["arithmetic", "-i", "3", "-k", "2", "--no-tex", name])
        assert result.exit_code == 2
        assert _one_error_line(result.stderr).startswith(
            f"{E}NAME must be plain text, but holds the control character U+00")
    assert not (workdir / "media").exists()


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_manim_cfg_that_never_ends_is_refused(tmp_path, kind):
    if kind == "fifo":
        os.mkfifo(tmp_path / "manim.cfg")
    else:
        (tmp_path / "manim.cfg").symlink_to("/dev/zero")
    done = _run(["arithmetic", "-i", "3", "-k", "2", "--no-tex", "x"], cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert _one_error_line(done.stderr).startswith(f"{E}cannot read manim's config file "
                                                   "'manim.cfg': not a regular file")


@pytest.mark.parametrize("args,ext", [(["-q", "1280x720"], "png"),
                                      (["-a", "-qa", "640x360@30"], "mp4")])
def test_a_file_size_limit_is_one_line(tmp_path, args, ext):
    import resource

    def limit() -> None:  # 40 kB per file: the labels fit, the 80 kB picture does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    done = subprocess.run(
        [str(CONVMANIM), "arithmetic", "-i", "4", "-k", "3", "--no-tex", "--no-progress", *args,
         "--output-dir", str(tmp_path / "out"), "x"],
        env=_env(), capture_output=True, text=True, timeout=120, preexec_fn=limit,
    )
    assert done.returncode == 2, done.stderr
    assert _one_error_line(done.stderr) == (f"{E}cannot write '{tmp_path}/out/x.{ext}': File "
                                            "too large")
    assert list((tmp_path / "out").iterdir()) == []


def _mount_then(mount: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a mount namespace of its own, after the shell line ``mount``."""
    import shlex

    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"{mount} && exec {shlex.join(command)}"],
        env=_env(), capture_output=True, text=True, timeout=180,
    )


@needs_namespaces
def test_a_read_only_label_cache_is_one_line_and_a_full_one_still_renders(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    line = [str(CONVMANIM), "alphabet", "-i", "3", "-k", "2", "-q", "160x90", "--output-dir",
            str(tmp_path / "out")]
    read_only = f"mount --bind {cache} {cache} && mount -o remount,ro,bind {cache}"
    env_cache = ["env", f"CONVMANIM_CACHE={cache}"]
    done = _mount_then(read_only, [*env_cache, *line, "x"])
    assert done.returncode == 2, done.stderr
    assert _one_error_line(done.stderr).startswith(f"{E}label cache '{cache}' is not ")
    assert "Read-only file system" in done.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    # once every label is cached, a read-only cache is fine
    warm = subprocess.run([*env_cache, *line, "warm"], capture_output=True, text=True,
                          timeout=120, env=_env())
    assert warm.returncode == 0, warm.stderr
    done = _mount_then(read_only, [*env_cache, *line, "x"])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "x.png").is_file()


# ------------------------------------- signals (promise: one line, exit 130, no file left)
LONG_RENDER = ["arithmetic", "-i", "8", "-k", "3", "-a", "-qa", "320x180@15", "--no-tex",
               "--no-progress"]


def _start(out: Path, args: list[str] = LONG_RENDER, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(CONVMANIM), *args, "--output-dir", str(out), "x"],
                            env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for(condition, proc: subprocess.Popen[str], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if condition():
            return
        time.sleep(0.005)
    proc.kill()
    raise AssertionError(f"{what} never happened: {proc.communicate()}")


def _encoding(out: Path) -> bool:
    parts = list(out.glob(".x.*.part-*")) if out.exists() else []
    try:
        return any(p.stat().st_size > 0 for p in parts)
    except OSError:
        return False


def _assert_interrupted(proc: subprocess.Popen[str], out: Path) -> None:
    try:
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert stderr == "convmanim: interrupted\n"
    assert stdout == ""
    assert not out.exists() or _everything(out) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_second_signal_during_encoding_changes_nothing(tmp_path, signum):
    """Three renders at once, each signalled twice while encoding: 0, 2 and 30 ms apart."""
    gaps = (0.0, 0.002, 0.03)
    outs = [tmp_path / f"out{n}" for n in range(len(gaps))]
    procs = [_start(out) for out in outs]
    for proc, out, gap in zip(procs, outs, gaps):
        _wait_for(lambda out=out: _encoding(out), proc, "encoding")
        proc.send_signal(signum)
        time.sleep(gap)
        if proc.poll() is None:
            proc.send_signal(signum)
    for proc, out in zip(procs, outs):
        _assert_interrupted(proc, out)


def test_sighup_and_sigquit_during_encoding(tmp_path):
    signals = (signal.SIGHUP, signal.SIGQUIT)
    outs = [tmp_path / f"out{n}" for n in range(len(signals))]
    procs = [_start(out) for out in outs]
    for proc, out, signum in zip(procs, outs, signals):
        _wait_for(lambda out=out: _encoding(out), proc, "encoding")
        proc.send_signal(signum)
    for proc, out in zip(procs, outs):
        _assert_interrupted(proc, out)


def _caught_signals(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line for line in status.splitlines() if line.startswith("SigCgt:"))
               .split()[1], 16)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_ctrl_c_in_the_first_moments_is_one_line(tmp_path):
    """Ctrl-C as soon as the handlers are in place (while Python imports click, numpy...)."""
    term = 1 << (signal.SIGTERM - 1)
    for n in range(3):
        out = tmp_path / f"out{n}"
        proc = _start(out)
        _wait_for(lambda proc=proc: _caught_signals(proc.pid) & term, proc, "handlers")
        proc.send_signal(signal.SIGINT)
        _assert_interrupted(proc, out)


def test_sigterm_in_the_first_second_leaves_no_latex_folder(tmp_path):
    """SIGTERM while manim imports, with LaTeX already started for a cold cache."""
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    proc = _start(out, ["alphabet", "-i", "3", "-k", "2", "-q", "160x90"],
                  CONVMANIM_CACHE=str(cache))
    _wait_for(lambda: any((cache / "tex").glob("convmanim-batch-*")), proc, "LaTeX's start")
    proc.send_signal(signal.SIGTERM)
    _assert_interrupted(proc, out)
    assert list((cache / "tex").iterdir()) == []


def test_sigterm_during_slides_leaves_nothing(tmp_path):
    pytest.importorskip("manim_slides")
    out = tmp_path / "out"
    proc = _start(out, ["arithmetic", "-i", "5", "-k", "3", "-qa", "320x180@15", "--no-tex",
                        "--no-progress", "--slides"])
    _wait_for(lambda: any(out.glob(".x.html.part-*/media/**/*.mp4")), proc, "slide videos")
    proc.send_signal(signal.SIGTERM)
    _assert_interrupted(proc, out)


def test_a_signal_while_files_are_renamed_takes_them_all_back(tmp_path, monkeypatch):
    """The last moment: a signal after the first of three renames."""
    from convmanim import interrupt

    finals = [tmp_path / name for name in ("x.mp4", "x.gif", "x.webm")]
    finals[0].write_bytes(b"earlier")
    pairs = []
    for final in finals:
        handle, tmp = files.new_temp(final)
        handle.write(b"new")
        handle.close()
        pairs.append((tmp, final))
    replace = os.replace
    calls = []

    def replace_then_signal(src, dst):
        replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_signal)
    with interrupt.guarded(), pytest.raises(KeyboardInterrupt):
        files.commit(pairs)
    assert len(calls) >= 3  # the renames went on to the end before the signal was raised
    assert finals[0].read_bytes() == b"earlier"
    assert _everything(tmp_path) == ["x.mp4"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -------------------------------------------- a cache that heals (promise: checked when read)
HAS_TEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def _break_entries(entries: list[Path], tmp_path: Path) -> list[str]:
    """Junk, cut short, empty, a FIFO, a link to /dev/zero, a folder: one of each."""
    kinds = ["junk", "truncated", "empty", "fifo", "device", "folder"]
    for kind, entry in zip(kinds, entries):
        data = entry.read_bytes()
        entry.unlink()
        if kind == "junk":
            entry.write_bytes(os.urandom(300))
        elif kind == "truncated":
            entry.write_bytes(data[: len(data) // 2])
        elif kind == "empty":
            entry.write_bytes(b"")
        elif kind == "fifo":
            os.mkfifo(entry)
        elif kind == "device":
            entry.symlink_to("/dev/zero")
        else:
            entry.mkdir()
            (entry / "inside").write_text("")
    return kinds[: len(entries)]


@pytest.mark.skipif(not HAS_TEX, reason="needs latex")
def test_broken_label_cache_entries_are_typeset_again(workdir, monkeypatch):
    cache = workdir / "cache"
    monkeypatch.setenv("CONVMANIM_CACHE", str(cache))
    args = ["alphabet", "-i", "3", "-k", "2", "-q", "320x180", "x"]
    assert invoke([*args[:-1], "first"]).exit_code == 0
    entries = sorted((cache / "tex").glob("*.svg"))
    assert len(entries) >= 6
    _break_entries(entries[:6], workdir)
    (cache / "label-lists").mkdir(exist_ok=True)
    for n, manifest in enumerate(sorted((cache / "label-lists").iterdir())):
        manifest.write_bytes(os.urandom(200) if n % 2 == 0 else b"../../etc/passwd\n")
    result = invoke(args)
    assert result.exit_code == 0, result.output
    first = iio.imread(workdir / "media" / "first.png")
    assert (first == iio.imread(workdir / "media" / "x.png")).all()  # the very same labels
    for entry in entries[:6]:
        assert entry.is_file() and not entry.is_symlink()
        assert entry.read_bytes().rstrip().endswith(b"</svg>")
    assert not list((cache / "tex").glob("convmanim-batch-*"))


def test_broken_pango_label_cache_entries_are_drawn_again(workdir, monkeypatch):
    cache = workdir / "cache"
    monkeypatch.setenv("CONVMANIM_CACHE", str(cache))
    args = ["numerical", "-i", "3", "-k", "2", "-q", "320x180", "--no-tex"]
    assert invoke([*args, "first"]).exit_code == 0
    entries = sorted((cache / "text").glob("notex-*.svg"))
    assert len(entries) >= 6
    _break_entries(entries[:6], workdir)
    result = invoke([*args, "x"])
    assert result.exit_code == 0, result.output
    first = iio.imread(workdir / "media" / "first.png")
    assert (first == iio.imread(workdir / "media" / "x.png")).all()


def test_a_latex_folder_left_by_a_killed_render_is_swept(tmp_path):
    from convmanim import texrun

    old = time.time() - 3600
    left = tmp_path / f"{texrun.BATCH_PREFIX}left"  # its process died (kill -9)
    left.mkdir()
    os.mkfifo(left / "pages.tex")
    os.utime(left, (old, old))
    busy, hold = files.working_folder(tmp_path, texrun.BATCH_PREFIX)  # another render's
    os.utime(busy, (old, old))
    young = tmp_path / f"{texrun.BATCH_PREFIX}young"  # just made, not held yet
    young.mkdir()
    run = texrun.LatexRun(tmp_path, texrun.DEFAULT_HEAD, start=False)
    try:
        assert not left.exists()
        assert busy.is_dir() and young.is_dir()
    finally:
        run.close()
        files.release(hold)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([busy.name, young.name])


@needs_namespaces
@pytest.mark.skipif(not HAS_TEX, reason="needs latex")
def test_a_full_cache_disk_fails_in_one_line_and_heals_once_there_is_room(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    line = ["env", f"CONVMANIM_CACHE={cache}", str(CONVMANIM), "alphabet", "-i", "4", "-k",
            "3", "-q", "160x90", "--output-dir", str(tmp_path / "out"), "x"]
    import shlex

    script = (f"mount -t tmpfs -o size=120k tmpfs {cache} && {shlex.join(line)}; "
              f"echo rc=$?; mount -o remount,size=20m {cache} && {shlex.join(line)}")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          env=_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "rc=2" in done.stdout
    assert _one_error_line(done.stderr).startswith(f"{E}dvisvgm wrote incomplete SVGs")
    assert (tmp_path / "out" / "x.png").is_file()


# ------------------------------------------------------ slide decks: all of a deck, or none
def test_a_deck_into_the_default_relative_folder_loads(workdir):
    pytest.importorskip("manim_slides")
    from manim_slides.config import PresentationConfig

    result = invoke(["arithmetic", "-i", "3", "-k", "2", "-qa", TINY, "--no-tex", "--no-progress",
                     "--slides", "x"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["media/x.html", "media/slides/x.json"]
    deck = PresentationConfig.from_file(Path("media/slides/x.json"))
    assert len(deck.slides) == 4 and all(s.file.is_file() for s in deck.slides)
    assert _everything(workdir / "media")[:3] == ["slides", "slides/files", "slides/files/x"]


def test_a_deck_whose_page_cannot_be_written_leaves_nothing(workdir):
    pytest.importorskip("manim_slides")
    (workdir / "media" / "x.html").mkdir(parents=True)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "-qa", TINY, "--no-tex", "--no-progress",
                     "--slides", "x"])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr).startswith(f"{E}cannot write 'media/x.html'")
    assert _everything(workdir / "media") == ["x.html"]


# ----------------------------------- inputs that never end (promise: regular files, limits)
def _cli(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own: a hang fails the test instead of stopping it."""
    return _run(args, cwd=cwd, timeout=timeout)


def _lying_npy(path: Path, shape: tuple[int, ...], dtype: str = "<f8") -> None:
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
                     + b"\0" * 64)


ENDLESS = [
    ("fifo.csv", "not a regular file (a FIFO)"),
    ("fifo", "not a regular file (a FIFO)"),
    ("zero.csv", "not a regular file (a character device)"),
    ("huge.csv", "10000000000 bytes, more than the 1000000 a grid of numbers needs"),
    ("lying.npy", "its header promises 1000000000000 values, more than its 64 bytes of data "
                  "hold"),
    ("objects.npy", "holds object values, not numbers"),
]


@pytest.mark.parametrize("name,reason", ENDLESS, ids=[n for n, _ in ENDLESS])
def test_values_that_never_end_or_lie_are_refused_at_once(tmp_path, name, reason):
    os.mkfifo(tmp_path / "fifo.csv")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    with open(tmp_path / "huge.csv", "wb") as huge:
        huge.truncate(10_000_000_000)  # sparse: claims 10 GB
    _lying_npy(tmp_path / "lying.npy", (1_000_000, 1_000_000))
    _lying_npy(tmp_path / "objects.npy", (3, 3), "|O")
    done = _cli(["numerical", "-i", "3", "-k", "2", "--no-tex", "--input-values", name, "x"],
                cwd=tmp_path)
    assert done.returncode == 2
    line = _one_error_line(done.stderr)
    assert line.startswith(f"{E}--input-values: ") and line.endswith(reason), line
    assert not (tmp_path / "media").exists()


def test_a_bad_number_in_a_file_is_named_by_place_not_by_content(tmp_path):
    (tmp_path / "secret.csv").write_text("1 2 3\n4 hunter2 6\n7 8 9\n")
    done = _cli(["numerical", "-i", "3", "-k", "2", "--no-tex", "--input-values", "secret.csv",
                 "x"], cwd=tmp_path)
    assert _one_error_line(done.stderr) == (f"{E}--input-values: secret.csv, line 2, value 2 "
                                            "is not a number")


def test_a_lecture_file_that_is_a_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "l.toml")
    done = _cli(["lecture", "l.toml", "--check"], cwd=tmp_path)
    assert done.returncode == 2
    assert _one_error_line(done.stderr) == (f"{E}cannot read lecture file 'l.toml': not a "
                                            "regular file (a FIFO)")


# ----------------------------------------- lecture traps (promise: --check catches them all)
PART = '[[part]]\ntitle = "P"\nmode = "numerical"\ninput_size = 3\nkernel_size = 2\n'
LECTURE_TRAPS = [
    ("seed", PART + "seed = -1\n",
     "l.toml: part 1 ('P'): seed must be an integer 0 or more, got -1"),
    ("quality-letters", '[lecture]\nquality = "zzz"\n' + PART,
     "l.toml: [lecture]: quality must be one of l, m, h, p, k, a DPI number such as 150, or "
     "WIDTHxHEIGHT[@FPS], got 'zzz'"),
    ("quality-zero", "[lecture]\nquality = 0\n" + PART,
     "l.toml: [lecture]: quality must be one of l, m, h, p, k, a DPI number such as 150, or "
     "WIDTHxHEIGHT[@FPS], got 0"),
    ("values-in-the-working-folder", PART + 'input_values = "here.csv"\n',
     "l.toml: part 1 ('P'): input_values: no such file: sub/here.csv"),
    ("values-outside", PART + 'input_values = "../../etc/passwd.csv"\n',
     "l.toml: part 1 ('P'): input_values: '../../etc/passwd.csv' is outside the lecture's "
     "folder; values files must be in it or below it"),
    ("values-through-a-symlink", PART + 'input_values = "link.csv"\n',
     "l.toml: part 1 ('P'): input_values: 'link.csv' is outside the lecture's folder; values "
     "files must be in it or below it"),
    ("values-absolute", PART + 'input_values = "/etc/passwd.csv"\n',
     "l.toml: part 1 ('P'): input_values: '/etc/passwd.csv' must be a file name relative to "
     "the lecture's folder"),
    ("values-no-suffix", PART + 'input_values = "../../etc/passwd"\n',
     "l.toml: part 1 ('P'): input_values: a values file must end in .csv, .txt or .npy, got "
     "'../../etc/passwd'"),
    ("values-content", PART + 'input_values = "secret.csv"\n',
     "l.toml: part 1 ('P'): input_values: sub/secret.csv, line 1, value 1 is not a number"),
    ("values-fifo", PART + 'input_values = "fifo.csv"\n',
     "l.toml: part 1 ('P'): input_values: cannot read sub/fifo.csv: not a regular file (a "
     "FIFO)"),
    ("title-nul", '[[part]]\ntitle = "a\\u0000b"\n',
     "l.toml: part 1 ('a\\x00b'): title must be plain text, but holds the control character "
     "U+0000"),
    ("title-escape", '[lecture]\ntitle = "\\u001b[31mred"\n[[part]]\ntitle = "P"\n',
     "l.toml: [lecture]: title must be plain text, but holds the control character U+001B"),
    ("title-length", f'[[part]]\ntitle = "{"x" * 5000}"\n',
     "l.toml: part 1 ('" + "x" * 37 + "...'): title is 5000 characters long; a title card "
     "shows at most 120"),
    ("nested", "a = " + "[" * 5000 + "]" * 5000 + "\n",
     "l.toml: not valid TOML: nested too deeply"),
    ("parts", '[[part]]\ntitle = "P"\n' * 10_000,
     "l.toml: 10000 parts, more than the limit of 100: split it into several lectures"),
    ("hours", ('[[part]]\ntitle = "P"\ninput_size = 9\nkernel_size = 3\nstep_time = 60\n') * 40,
     "l.toml: the lecture would last 32 h 42 min, more than the limit of 2 hours: split it "
     "into several lectures"),
    ("part-time", '[[part]]\ntitle = "P"\nintro = true\nstep_time = 0.05\n',
     "l.toml: part 1 ('P'): step_time must be 0.1 to 60 seconds, got 0.05"),
    ("name", '[[part]]\ntitle = "P"\n', None),
]


@pytest.mark.parametrize("trap,text,message", LECTURE_TRAPS, ids=[t for t, _, _ in LECTURE_TRAPS])
def test_check_catches_every_lecture_trap(tmp_path, monkeypatch, trap, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.csv").write_text("1 2 3\n4 5 6\n7 8 9\n")  # in the working folder only
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "outside.csv").write_text("1 2 3\n4 5 6\n7 8 9\n")
    (sub / "link.csv").symlink_to(tmp_path / "outside.csv")
    (sub / "secret.csv").write_text("hunter2 2 3\n4 5 6\n7 8 9\n")
    os.mkfifo(sub / "fifo.csv")
    lecture = sub / ("l.toml" if trap != "name" else "n" * 240 + ".toml")
    lecture.write_text(text)
    started = time.monotonic()
    result = invoke(["lecture", str(lecture.relative_to(tmp_path)), "--check"])
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.output
    line = _one_error_line(result.stderr)
    if message is None:
        assert line.startswith(f"{E}NAME is 240 bytes long")
    else:
        assert line == E + message
    assert "hunter2" not in result.output and "root:" not in result.output


# ------------------------- Python scenes (promise: the CLI's limits, attributes named first)
BAD_ATTRIBUTES = [
    ({"spec": None}, "Bad.spec must be a ConvSpec, a ConvSpec1d or their .transposed(), got None"),
    ({"step_time": float("nan")}, "Bad.step_time must be a number in [0.1, 60] seconds, got nan"),
    ({"step_time": -1}, "Bad.step_time must be a number in [0.1, 60] seconds, got -1"),
    ({"intro_time": 0}, "Bad.intro_time must be a number in (0, 60] seconds, got 0"),
    ({"intro_time": float("nan")}, "Bad.intro_time must be a number in (0, 60] seconds, "
     "got nan"),
    ({"theme": "purple"}, "Bad.theme must be one of light, dark or a Theme, got 'purple'"),
    ({"end_hold": float("inf")}, "Bad.end_hold must be a number in [0, 60] seconds, got inf"),
    ({"glide": 0}, "Bad.glide must be a number in (0, 1), got 0"),
    ({"smooth": "yes"}, "Bad.smooth must be True or False, got 'yes'"),
    ({"still_step": 99}, "step must be in 0..8 (3×3 steps), got 99"),
    ({"seed": -1}, "Bad.seed must be an integer 0 or more, got -1"),
    ({"mode": "median"}, "mode must be convolution, average or max, got 'median'"),
    ({"spec": ConvSpec(200, 3)}, "conv i=200 k=3 s=1 p=0 d=1 -> o=198: the input grid "
     "is 200×200 cells, more than the numerical mode's limit of 32 per side (its numbers would "
     "be too small to read at 1080p); use a smaller input, kernel or padding"),
    ({"spec": ConvSpec(30, 3), "step_time": 60}, "Bad: the animation would last 13.1 hours, more "
     "than the limit of 2 hours (fewer steps, or a shorter step_time)"),
]


@pytest.mark.parametrize("attrs,message", BAD_ATTRIBUTES,
                         ids=[str(a)[:30] for a, _ in BAD_ATTRIBUTES])
def test_bad_scene_attributes_are_one_line_before_anything_is_made(tmp_path, attrs, message):
    from convmanim import NumericalScene, SpecError
    from convmanim.render import render_animation

    bad = type("Bad", (NumericalScene,), {"spec": ConvSpec(5, 3), **attrs})
    with pytest.raises(SpecError) as caught:
        render_animation(bad, "x", quality=TINY, output_dir=tmp_path / "out", progress=False)
    assert str(caught.value) == message
    assert not (tmp_path / "out").exists()  # not even the folder
    with pytest.raises(SpecError):
        bad()  # manim's own way in, before its renderer is made


@pytest.mark.parametrize("mode", ["arithmetic", "alphabet"])
def test_python_scenes_get_the_size_limits_of_their_mode(mode):
    from convmanim import AlphabetScene, ArithmeticScene, SpecError

    base = {"arithmetic": ArithmeticScene, "alphabet": AlphabetScene}[mode]
    big = type("Big", (base,), {"spec": ConvSpec(200, 3)})
    with pytest.raises(SpecError, match=rf"^conv i=200 k=3 .*the {mode} mode's limit"):
        big.check_attributes()
